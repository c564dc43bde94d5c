//! What an automaker posts when it needs parts: the rules every field of a need must meet, as one
//! pure parser over the reference data and the day it is (passed in: the domain has no clock).

use chrono::{Months, NaiveDate};
use uuid::Uuid;

use crate::ids::PlantId;
use crate::reference::ReferenceData;
use crate::{CategoryCode, Invalid, RegionCode, RegionLevel};

/// Longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 10_000;
/// Longest unit ("件", "套", "pcs" ...), in characters.
pub const UNIT_MAX: usize = 20;
/// Largest annual volume: a trillion units is already far beyond any vehicle programme.
pub const VOLUME_MAX: i64 = 1_000_000_000_000;
/// Largest target price in CNY, as whole yuan.
pub const PRICE_MAX_YUAN: u64 = 1_000_000_000_000;
/// How far ahead a start of production may lie before the date is taken for a typo.
pub const SOP_HORIZON_MONTHS: u32 = 20 * 12;

/// What a client submitted, as text. JSON numbers arrive here already written out, so one parser
/// sees a volume or a price the same way whether it came as a number or as a string. Empty
/// optional texts count as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NeedForm {
    pub category_code: String,
    pub title: String,
    pub description: String,
    pub delivery_region_code: Option<String>,
    pub plant_id: Option<String>,
    pub annual_volume: Option<String>,
    pub unit: Option<String>,
    pub sop_date: Option<String>,
    pub respond_by: Option<String>,
    pub required_certifications: Vec<String>,
    pub target_price: Option<String>,
}

/// One plant of the posting organization, as far as a need cares: where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnPlant {
    pub id: PlantId,
    pub region_code: RegionCode,
}

/// Everything besides the form that decides whether a need is acceptable.
#[derive(Debug, Clone, Copy)]
pub struct NeedRules<'a> {
    pub reference: &'a ReferenceData,
    /// Today's date where the platform operates (China).
    pub today: NaiveDate,
    /// The posting organization's plants; any other plant id is refused.
    pub own_plants: &'a [OwnPlant],
    /// When editing: the respond-by date already stored. Keeping it is never refused, even once
    /// it has passed (the worker expires the need; an edit of the title must not fail on it).
    pub kept_respond_by: Option<NaiveDate>,
}

/// A need's fields, each known good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedFields {
    pub category_code: CategoryCode,
    pub title: String,
    pub description: String,
    /// Where parts are delivered: the plant's region when a plant is given.
    pub delivery_region_code: RegionCode,
    pub plant_id: Option<PlantId>,
    pub annual_volume: Option<i64>,
    pub unit: Option<String>,
    pub sop_date: Option<NaiveDate>,
    pub respond_by: Option<NaiveDate>,
    /// Known certification codes, each once, in the order given.
    pub required_certifications: Vec<String>,
    pub target_price: Option<TargetPrice>,
}

/// A refused field: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub invalid: Invalid,
}

/// A target price in CNY: a non-negative decimal with at most two decimals, at most 10^12.
/// Kept as text so no backend and no float rounds it; leading zeros are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TargetPrice(String);

const PRICE_FORMAT: Invalid = Invalid::new(
    "target_price.format",
    "目标价格应为不带符号和千分位的数字,例如 9600 或 9600.50。",
    "target_price must be a plain number such as 9600 or 9600.50.",
);
const PRICE_NEGATIVE: Invalid = Invalid::new(
    "target_price.negative",
    "目标价格不能为负数。",
    "target_price cannot be negative.",
);
const PRICE_PRECISION: Invalid = Invalid::new(
    "target_price.precision",
    "目标价格最多保留两位小数(精确到分)。",
    "target_price may have at most two decimals (fen).",
);
const PRICE_TOO_LARGE: Invalid = Invalid::new(
    "target_price.too_large",
    "目标价格不能超过 1 万亿元。",
    "target_price cannot exceed 10^12 yuan.",
);

impl TargetPrice {
    /// Reads a price such as `9600`, `9600.5` or `9600.50`.
    ///
    /// # Errors
    /// A sign, more than two decimals, anything but digits and one point, or more than 10^12.
    pub fn parse(input: &str) -> Result<TargetPrice, Invalid> {
        let text = input.trim();
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (unsigned, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
            return Err(PRICE_FORMAT);
        }
        if negative {
            return Err(PRICE_NEGATIVE);
        }
        if fraction.is_some_and(|f| f.len() > 2) {
            return Err(PRICE_PRECISION);
        }
        let whole = whole.trim_start_matches('0');
        let whole = if whole.is_empty() { "0" } else { whole };
        // Compare as numbers only once the length says the value fits in a u64.
        let yuan = if whole.len() > 13 {
            None
        } else {
            whole.parse::<u64>().ok()
        };
        let cents_nonzero = fraction.is_some_and(|f| f.bytes().any(|b| b != b'0'));
        match yuan {
            Some(y) if y < PRICE_MAX_YUAN || (y == PRICE_MAX_YUAN && !cents_nonzero) => {}
            _ => return Err(PRICE_TOO_LARGE),
        }
        Ok(TargetPrice(match fraction {
            Some(f) => format!("{whole}.{f}"),
            None => whole.to_owned(),
        }))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TargetPrice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

const VOLUME_FORMAT: Invalid = Invalid::new(
    "annual_volume.format",
    "年需求量应为整数,例如 120000。",
    "annual_volume must be a whole number such as 120000.",
);
const VOLUME_NOT_POSITIVE: Invalid = Invalid::new(
    "annual_volume.not_positive",
    "年需求量必须大于 0。",
    "annual_volume must be greater than 0.",
);
const VOLUME_TOO_LARGE: Invalid = Invalid::new(
    "annual_volume.too_large",
    "年需求量不能超过 1 万亿。",
    "annual_volume cannot exceed 10^12.",
);

/// Reads an annual volume: a whole number from 1 to 10^12.
///
/// # Errors
/// Anything else, with the reason.
pub fn parse_annual_volume(input: &str) -> Result<i64, Invalid> {
    let text = input.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VOLUME_FORMAT);
    }
    let significant = digits.trim_start_matches('0');
    if negative || significant.is_empty() {
        return Err(VOLUME_NOT_POSITIVE);
    }
    match significant.parse::<i64>() {
        Ok(v) if significant.len() <= 13 && v <= VOLUME_MAX => Ok(v),
        _ => Err(VOLUME_TOO_LARGE),
    }
}

/// Reads a calendar date written exactly `YYYY-MM-DD`.
///
/// # Errors
/// Any other shape, or a day that does not exist (2026-02-30).
pub fn parse_date(input: &str) -> Result<NaiveDate, Invalid> {
    const FORMAT: Invalid = Invalid::new(
        "date.format",
        "日期格式应为 YYYY-MM-DD,例如 2027-03-01。",
        "Dates are written YYYY-MM-DD, e.g. 2027-03-01.",
    );
    let text = input.trim();
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape_ok {
        return Err(FORMAT);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| FORMAT)
}

fn present(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Collects refusals so one answer names every bad field.
struct Collector(Vec<Refusal>);

impl Collector {
    fn check<T>(&mut self, field: &'static str, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(invalid) => {
                self.refuse(field, invalid);
                None
            }
        }
    }

    fn refuse(&mut self, field: &'static str, invalid: Invalid) {
        if !self
            .0
            .iter()
            .any(|r| r.field == field && r.invalid.code == invalid.code)
        {
            self.0.push(Refusal { field, invalid });
        }
    }
}

fn category(reference: &ReferenceData, input: &str) -> Result<CategoryCode, Invalid> {
    if input.trim().is_empty() {
        return Err(Invalid::new(
            "required",
            "请填写品类代码 category_code。",
            "category_code is required.",
        ));
    }
    let code = CategoryCode::parse(input)?;
    if reference.category(&code).is_none() {
        return Err(Invalid::new(
            "category_code.unknown",
            "没有这个品类代码:请从品类列表(GET /api/v1/categories)中选择。",
            "No category has this code: choose one from GET /api/v1/categories.",
        ));
    }
    Ok(code)
}

fn title(input: &str) -> Result<String, Invalid> {
    let title = input.trim();
    if title.is_empty() {
        return Err(Invalid::new(
            "required",
            "请填写标题 title。",
            "title is required.",
        ));
    }
    if title.chars().count() > TITLE_MAX {
        return Err(Invalid::new(
            "too_long",
            "标题 title 最多 200 个字符。",
            "title may have at most 200 characters.",
        ));
    }
    Ok(title.to_owned())
}

fn description(input: &str) -> Result<String, Invalid> {
    let text = input.trim();
    if text.chars().count() > DESCRIPTION_MAX {
        return Err(Invalid::new(
            "too_long",
            "描述 description 最多 10000 个字符。",
            "description may have at most 10,000 characters.",
        ));
    }
    Ok(text.to_owned())
}

/// A delivery region: a known city or district (a province is too coarse to deliver to).
fn delivery_region(reference: &ReferenceData, input: &str) -> Result<RegionCode, Invalid> {
    let code = RegionCode::parse(input)?;
    match reference.region(&code) {
        Some(r) if r.level != RegionLevel::Province => Ok(code),
        Some(_) => Err(Invalid::new(
            "region_code.too_coarse",
            "交付地区请选择到市或区县一级。",
            "Choose a city or a district to deliver to, not a province.",
        )),
        None => Err(Invalid::new(
            "region_code.unknown",
            "没有这个行政区划代码。",
            "No division has this code.",
        )),
    }
}

const PLANT_UNKNOWN: Invalid = Invalid::new(
    "plant_id.unknown",
    "贵企业没有这个工厂:请从贵企业的工厂中选择。",
    "Your organization has no plant with this id: choose one of your own plants.",
);

fn own_plant<'a>(plants: &'a [OwnPlant], input: &str) -> Result<&'a OwnPlant, Invalid> {
    let id = Uuid::parse_str(input).map_err(|_| PLANT_UNKNOWN)?;
    plants.iter().find(|p| p.id.0 == id).ok_or(PLANT_UNKNOWN)
}

/// Where parts go: the plant's region when a plant is named, else the region given.
fn delivery(
    form: &NeedForm,
    rules: &NeedRules<'_>,
    c: &mut Collector,
) -> (Option<RegionCode>, Option<PlantId>) {
    let region_input = present(form.delivery_region_code.as_ref());
    match present(form.plant_id.as_ref()) {
        Some(plant_input) => {
            let Some(plant) = c.check("plant_id", own_plant(rules.own_plants, plant_input)) else {
                return (None, None);
            };
            if let Some(given) = region_input
                && RegionCode::parse(given).ok().as_ref() != Some(&plant.region_code)
            {
                c.refuse(
                    "delivery_region_code",
                    Invalid::new(
                        "delivery_region_code.plant_mismatch",
                        "选择了工厂时,交付地区就是工厂所在地区:请省略 delivery_region_code,或填写工厂所在的地区。",
                        "With a plant, the delivery region is the plant's region: omit delivery_region_code or give the plant's.",
                    ),
                );
                return (None, None);
            }
            (Some(plant.region_code.clone()), Some(plant.id))
        }
        None => match region_input {
            Some(given) => (
                c.check(
                    "delivery_region_code",
                    delivery_region(rules.reference, given),
                ),
                None,
            ),
            None => {
                c.refuse(
                    "delivery_region_code",
                    Invalid::new(
                        "required",
                        "请填写交付地区 delivery_region_code(市或区县代码),或选择贵企业的工厂 plant_id。",
                        "Give delivery_region_code (a city or district) or plant_id (one of your plants).",
                    ),
                );
                (None, None)
            }
        },
    }
}

fn unit(input: &str) -> Result<String, Invalid> {
    if input.chars().count() > UNIT_MAX {
        return Err(Invalid::new(
            "too_long",
            "单位 unit 最多 20 个字符。",
            "unit may have at most 20 characters.",
        ));
    }
    Ok(input.to_owned())
}

fn sop_date(input: &str, today: NaiveDate) -> Result<NaiveDate, Invalid> {
    let date = parse_date(input)?;
    match today.checked_add_months(Months::new(SOP_HORIZON_MONTHS)) {
        Some(horizon) if date <= horizon => Ok(date),
        _ => Err(Invalid::new(
            "sop_date.too_far",
            "量产日期(SOP)不能晚于 20 年以后,请检查年份。",
            "sop_date lies more than 20 years ahead; check the year.",
        )),
    }
}

fn respond_by(input: &str, rules: &NeedRules<'_>) -> Result<NaiveDate, Invalid> {
    let date = parse_date(input)?;
    if date < rules.today && rules.kept_respond_by != Some(date) {
        return Err(Invalid::new(
            "respond_by.past",
            "响应截止日期不能早于今天。",
            "respond_by cannot be in the past.",
        ));
    }
    Ok(date)
}

fn certifications(
    reference: &ReferenceData,
    input: &[String],
    c: &mut Collector,
) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(input.len());
    let mut ok = true;
    for raw in input {
        let code = raw.trim().to_ascii_uppercase();
        if reference.certification(&code).is_none() {
            c.refuse(
                "required_certifications",
                Invalid::new(
                    "certification.unknown",
                    "要求的认证中有未知代码:请从认证列表(GET /api/v1/certifications)中选择。",
                    "A required certification is not known: choose from GET /api/v1/certifications.",
                ),
            );
            ok = false;
        } else if out.contains(&code) {
            c.refuse(
                "required_certifications",
                Invalid::new(
                    "certification.duplicate",
                    "同一认证只需填写一次。",
                    "Each certification may be listed only once.",
                ),
            );
            ok = false;
        } else {
            out.push(code);
        }
    }
    ok.then_some(out)
}

/// Parses a submitted need. Every refused field is reported at once.
///
/// # Errors
/// Each refused field with its reason; the order follows the form.
pub fn parse(form: &NeedForm, rules: &NeedRules<'_>) -> Result<NeedFields, Vec<Refusal>> {
    let mut c = Collector(Vec::new());
    let category_code = c.check(
        "category_code",
        category(rules.reference, &form.category_code),
    );
    let title = c.check("title", title(&form.title));
    let description = c.check("description", description(&form.description));
    let (delivery_region_code, plant_id) = delivery(form, rules, &mut c);
    let annual_volume = present(form.annual_volume.as_ref())
        .map(|v| c.check("annual_volume", parse_annual_volume(v)));
    let unit = present(form.unit.as_ref()).map(|u| c.check("unit", unit(u)));
    let sop =
        present(form.sop_date.as_ref()).map(|d| c.check("sop_date", sop_date(d, rules.today)));
    let respond =
        present(form.respond_by.as_ref()).map(|d| c.check("respond_by", respond_by(d, rules)));
    let required_certifications =
        certifications(rules.reference, &form.required_certifications, &mut c);
    let target_price =
        present(form.target_price.as_ref()).map(|p| c.check("target_price", TargetPrice::parse(p)));

    // An optional field is `None` when absent and `Some(None)` when refused.
    let (
        Some(category_code),
        Some(title),
        Some(description),
        Some(delivery_region_code),
        Some(required_certifications),
    ) = (
        category_code,
        title,
        description,
        delivery_region_code,
        required_certifications,
    )
    else {
        return Err(c.0);
    };
    if !c.0.is_empty() {
        return Err(c.0);
    }
    Ok(NeedFields {
        category_code,
        title,
        description,
        delivery_region_code,
        plant_id,
        annual_volume: annual_volume.flatten(),
        unit: unit.flatten(),
        sop_date: sop.flatten(),
        respond_by: respond.flatten(),
        required_certifications,
        target_price: target_price.flatten(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::reference::ReferenceCsv;
    use proptest::prelude::*;

    const CATEGORIES: &str = "code,parent,name_zh,name_en\nEDRIVE,,三电系统,Electric drive\nEDRIVE.MOTOR,EDRIVE,驱动电机,Motors\n";
    const REGIONS: &str = "code,parent,level,name,lon,lat,coord\n420000,,province,湖北省,114.3,30.5,own\n420100,420000,city,武汉市,114.3,30.6,own\n420115,420100,district,江夏区,114.3,30.4,own\n";
    const ZONES: &str = "zone,name_zh,name_en,member_adcodes\nWXSS,武襄十随,WXSS,420100\n";
    const CERTS: &str = "code,name_zh,name_en,kind\nIATF16949,IATF 16949,IATF 16949,quality\nAEC-Q100,AEC-Q100,AEC-Q100,component\n";

    fn reference() -> ReferenceData {
        ReferenceData::parse(ReferenceCsv {
            categories: CATEGORIES,
            regions: REGIONS,
            zones: ZONES,
            certifications: CERTS,
        })
        .unwrap()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    const PLANT: Uuid = Uuid::from_u128(0x0123_4567_89ab_7def_8123_4567_89ab_cdef);

    fn plants() -> Vec<OwnPlant> {
        vec![OwnPlant {
            id: PlantId(PLANT),
            region_code: RegionCode::parse("420115").unwrap(),
        }]
    }

    fn form() -> NeedForm {
        NeedForm {
            category_code: "edrive.motor".into(),
            title: "  扁线驱动电机定子 ".into(),
            description: "年产 12 万台".into(),
            delivery_region_code: Some("420100".into()),
            annual_volume: Some("120000".into()),
            unit: Some("套".into()),
            sop_date: Some("2027-09-01".into()),
            respond_by: Some("2026-12-31".into()),
            required_certifications: vec!["iatf16949".into()],
            target_price: Some("0980.5".into()),
            ..NeedForm::default()
        }
    }

    fn run(form: &NeedForm) -> Result<NeedFields, Vec<Refusal>> {
        let reference = reference();
        let plants = plants();
        parse(
            form,
            &NeedRules {
                reference: &reference,
                today: today(),
                own_plants: &plants,
                kept_respond_by: None,
            },
        )
    }

    /// The single refusal a form earns, as (field, code).
    fn refused(form: &NeedForm) -> Vec<(&'static str, &'static str)> {
        run(form)
            .unwrap_err()
            .into_iter()
            .map(|r| (r.field, r.invalid.code))
            .collect()
    }

    #[test]
    fn a_complete_need_parses_and_normalises() {
        let need = run(&form()).unwrap();
        assert_eq!(need.category_code.as_str(), "EDRIVE.MOTOR");
        assert_eq!(need.title, "扁线驱动电机定子");
        assert_eq!(need.delivery_region_code.as_str(), "420100");
        assert_eq!(need.plant_id, None);
        assert_eq!(need.annual_volume, Some(120_000));
        assert_eq!(need.required_certifications, ["IATF16949"]);
        assert_eq!(need.target_price.unwrap().as_str(), "980.5");
        assert_eq!(need.respond_by, NaiveDate::from_ymd_opt(2026, 12, 31));
    }

    #[test]
    fn the_optional_fields_may_be_absent_or_empty() {
        let need = run(&NeedForm {
            category_code: "EDRIVE".into(),
            title: "t".into(),
            delivery_region_code: Some("420115".into()),
            unit: Some("  ".into()),
            target_price: Some(String::new()),
            ..NeedForm::default()
        })
        .unwrap();
        assert_eq!(need.description, "");
        assert_eq!(
            (need.annual_volume, need.unit, need.target_price),
            (None, None, None)
        );
        assert!(need.required_certifications.is_empty());
    }

    #[test]
    fn a_plant_decides_the_delivery_region() {
        let with_plant = NeedForm {
            delivery_region_code: None,
            plant_id: Some(PLANT.to_string()),
            ..form()
        };
        let need = run(&with_plant).unwrap();
        assert_eq!(need.delivery_region_code.as_str(), "420115");
        assert_eq!(need.plant_id, Some(PlantId(PLANT)));
        // Naming the plant's own region as well is fine; another region is not.
        let same = NeedForm {
            delivery_region_code: Some("420115".into()),
            ..with_plant.clone()
        };
        assert!(run(&same).is_ok());
        let other = NeedForm {
            delivery_region_code: Some("420100".into()),
            ..with_plant
        };
        assert_eq!(
            refused(&other),
            [(
                "delivery_region_code",
                "delivery_region_code.plant_mismatch"
            )]
        );
    }

    #[test]
    fn another_organizations_plant_is_refused() {
        for id in [Uuid::now_v7().to_string(), "not-an-id".to_owned()] {
            let f = NeedForm {
                delivery_region_code: None,
                plant_id: Some(id),
                ..form()
            };
            assert_eq!(refused(&f), [("plant_id", "plant_id.unknown")]);
        }
    }

    #[test]
    fn a_region_or_a_plant_is_required_and_must_be_fine_enough() {
        let f = NeedForm {
            delivery_region_code: None,
            ..form()
        };
        assert_eq!(refused(&f), [("delivery_region_code", "required")]);
        for (code, why) in [
            ("420000", "region_code.too_coarse"),
            ("429999", "region_code.unknown"),
            ("42", "region_code.format"),
        ] {
            let f = NeedForm {
                delivery_region_code: Some(code.into()),
                ..form()
            };
            assert_eq!(refused(&f), [("delivery_region_code", why)], "{code}");
        }
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let f = NeedForm {
            category_code: "EDRIVE.GEARBOX".into(),
            title: "x".repeat(201),
            description: "字".repeat(10_001),
            annual_volume: Some("-5".into()),
            unit: Some("u".repeat(21)),
            sop_date: Some("2047-11-26".into()),
            respond_by: Some("2026-11-24".into()),
            required_certifications: vec!["IATF16949".into(), "iatf16949".into(), "NOPE".into()],
            target_price: Some("12.345".into()),
            ..form()
        };
        assert_eq!(
            refused(&f),
            [
                ("category_code", "category_code.unknown"),
                ("title", "too_long"),
                ("description", "too_long"),
                ("annual_volume", "annual_volume.not_positive"),
                ("unit", "too_long"),
                ("sop_date", "sop_date.too_far"),
                ("respond_by", "respond_by.past"),
                ("required_certifications", "certification.duplicate"),
                ("required_certifications", "certification.unknown"),
                ("target_price", "target_price.precision"),
            ]
        );
    }

    #[test]
    fn required_texts_are_required() {
        let f = NeedForm {
            category_code: " ".into(),
            title: "   ".into(),
            ..form()
        };
        assert_eq!(
            refused(&f),
            [("category_code", "required"), ("title", "required")]
        );
        let f = NeedForm {
            category_code: "EDRIVE..MOTOR".into(),
            ..form()
        };
        assert_eq!(refused(&f), [("category_code", "category_code.format")]);
    }

    #[test]
    fn titles_count_characters_not_bytes() {
        assert!(
            run(&NeedForm {
                title: "电".repeat(200),
                ..form()
            })
            .is_ok()
        );
    }

    #[test]
    fn dates_are_strict_and_bounded() {
        for bad in [
            "2027-9-01",
            "27-09-01",
            "2027/09/01",
            "2027-02-30",
            "+2027-09-01",
        ] {
            assert_eq!(parse_date(bad).unwrap_err().code, "date.format", "{bad}");
        }
        // Respond-by today is fine, after SOP is fine, yesterday is not.
        let f = NeedForm {
            respond_by: Some("2026-11-25".into()),
            sop_date: Some("2026-01-01".into()),
            ..form()
        };
        assert!(run(&f).is_ok());
        let f = NeedForm {
            respond_by: Some("2028-01-01".into()),
            sop_date: Some("2027-01-01".into()),
            ..form()
        };
        assert!(run(&f).is_ok());
        // SOP exactly 20 years out is the last accepted day.
        let f = NeedForm {
            sop_date: Some("2046-11-25".into()),
            ..form()
        };
        assert!(run(&f).is_ok());
        let f = NeedForm {
            sop_date: Some("2046-11-26".into()),
            ..form()
        };
        assert_eq!(refused(&f), [("sop_date", "sop_date.too_far")]);
    }

    #[test]
    fn a_stored_respond_by_may_stay_after_it_passed() {
        let reference = reference();
        let yesterday = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let f = NeedForm {
            respond_by: Some("2026-11-24".into()),
            ..form()
        };
        let rules = NeedRules {
            reference: &reference,
            today: today(),
            own_plants: &[],
            kept_respond_by: Some(yesterday),
        };
        assert_eq!(parse(&f, &rules).unwrap().respond_by, Some(yesterday));
        let f = NeedForm {
            respond_by: Some("2026-11-23".into()),
            ..f
        };
        assert_eq!(
            parse(&f, &rules).unwrap_err()[0].invalid.code,
            "respond_by.past"
        );
    }

    #[test]
    fn volumes_are_positive_whole_numbers_up_to_a_trillion() {
        assert_eq!(parse_annual_volume("007"), Ok(7));
        assert_eq!(parse_annual_volume("1000000000000"), Ok(VOLUME_MAX));
        for (bad, code) in [
            ("0", "annual_volume.not_positive"),
            ("-0", "annual_volume.not_positive"),
            ("-3", "annual_volume.not_positive"),
            ("1000000000001", "annual_volume.too_large"),
            ("99999999999999999999999", "annual_volume.too_large"),
            ("1.5", "annual_volume.format"),
            ("1e6", "annual_volume.format"),
            ("", "annual_volume.format"),
            ("true", "annual_volume.format"),
        ] {
            assert_eq!(parse_annual_volume(bad).unwrap_err().code, code, "{bad}");
        }
    }

    #[test]
    fn prices_are_plain_decimals_to_the_fen() {
        for (input, kept) in [
            ("0", "0"),
            ("000.10", "0.10"),
            ("9600.00", "9600.00"),
            ("1000000000000", "1000000000000"),
            ("1000000000000.00", "1000000000000.00"),
        ] {
            assert_eq!(TargetPrice::parse(input).unwrap().as_str(), kept);
        }
        for (bad, code) in [
            ("-1", "target_price.negative"),
            ("-0.5", "target_price.negative"),
            ("1.234", "target_price.precision"),
            ("1000000000000.01", "target_price.too_large"),
            ("99999999999999999999", "target_price.too_large"),
            ("1,000", "target_price.format"),
            (".5", "target_price.format"),
            ("5.", "target_price.format"),
            ("1e3", "target_price.format"),
            ("¥5", "target_price.format"),
            ("--1", "target_price.format"),
        ] {
            assert_eq!(TargetPrice::parse(bad).unwrap_err().code, code, "{bad}");
        }
    }

    fn any_text() -> impl Strategy<Value = String> {
        prop_oneof![
            ".{0,30}",
            "[0-9.-]{0,20}",
            "[0-9]{4}-[0-9]{2}-[0-9]{2}",
            "[A-Z.]{0,20}",
        ]
    }

    /// Either a value the parser accepts or arbitrary text, so both outcomes are exercised.
    fn or_valid(valid: &'static str) -> impl Strategy<Value = String> {
        prop_oneof![Just(valid.to_owned()), any_text()]
    }

    proptest! {
        #[test]
        fn prices_with_at_most_two_decimals_round_trip(yuan in 0u64..=PRICE_MAX_YUAN - 1, fen in 0u32..100, short in any::<bool>()) {
            let text = if short { format!("{yuan}.{}", fen % 10) } else { format!("{yuan}.{fen:02}") };
            let price = TargetPrice::parse(&text).unwrap();
            prop_assert_eq!(price.as_str(), text.as_str());
            prop_assert_eq!(TargetPrice::parse(&format!("-{text}")).unwrap_err().code, "target_price.negative");
            prop_assert_eq!(TargetPrice::parse(&format!("{text}1{}", if short { "1" } else { "" })).unwrap_err().code, "target_price.precision");
        }

        #[test]
        fn volumes_in_range_are_accepted_and_others_refused(v in any::<i64>()) {
            let parsed = parse_annual_volume(&v.to_string());
            prop_assert_eq!(parsed.is_ok(), (1..=VOLUME_MAX).contains(&v));
            if let Ok(p) = parsed { prop_assert_eq!(p, v); }
        }

        #[test]
        fn title_length_is_the_only_limit(len in 1usize..=260, ch in prop_oneof![Just('a'), Just('配'), Just('🚗')]) {
            let f = NeedForm { title: std::iter::repeat_n(ch, len).collect(), ..form() };
            let result = run(&f);
            prop_assert_eq!(result.is_ok(), len <= TITLE_MAX);
        }

        #[test]
        fn respond_by_is_refused_exactly_when_it_lies_before_today(offset in -4000i64..4000) {
            let date = today() + chrono::Duration::days(offset);
            let f = NeedForm { respond_by: Some(date.format("%Y-%m-%d").to_string()), ..form() };
            prop_assert_eq!(run(&f).is_ok(), offset >= 0);
        }

        #[test]
        fn arbitrary_input_never_panics_and_accepted_values_keep_the_rules(
            category in or_valid("EDRIVE.MOTOR"), title in any_text(), region in or_valid("420115"),
            volume in or_valid("5000"), sop in or_valid("2030-01-01"), respond in or_valid("2027-01-01"),
            price in or_valid("12.50"), certs in proptest::collection::vec(or_valid("AEC-Q100"), 0..2),
        ) {
            let f = NeedForm {
                category_code: category,
                title,
                description: String::new(),
                delivery_region_code: Some(region),
                plant_id: None,
                annual_volume: Some(volume),
                unit: None,
                sop_date: Some(sop),
                respond_by: Some(respond),
                required_certifications: certs,
                target_price: Some(price),
            };
            match run(&f) {
                Ok(need) => {
                    prop_assert!(!need.title.is_empty() && need.title.chars().count() <= TITLE_MAX);
                    prop_assert!(need.annual_volume.is_none_or(|v| (1..=VOLUME_MAX).contains(&v)));
                    prop_assert!(need.respond_by.is_none_or(|d| d >= today()));
                    if let Some(p) = &need.target_price {
                        prop_assert_eq!(TargetPrice::parse(p.as_str()), Ok(p.clone()));
                    }
                }
                Err(refusals) => prop_assert!(!refusals.is_empty()),
            }
        }
    }
}
