//! What a supplier says it can make (a capability) and the rules its fields must meet.
//! [`CapabilityInput::parse`] turns raw input into a [`ValidCapability`] or names every refused field.
//!
//! Text is kept as text: HTML or script in a title is stored and returned verbatim, never
//! interpreted here (pages escape it when they render). Only control characters are refused,
//! because PostgreSQL cannot store NUL and nobody types the others on purpose.

use std::collections::HashSet;

use crate::reference::ReferenceData;
use crate::user::CapabilityStatus;
use crate::{CategoryCode, Invalid, RegionCode, RegionLevel};

/// Longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 10_000;
/// Most entries in `products` or `processes`.
pub const LIST_MAX_ITEMS: usize = 50;
/// Longest entry in `products` or `processes`, in characters.
pub const LIST_ITEM_MAX: usize = 100;
/// Largest annual capacity or minimum order (10^12).
pub const QUANTITY_MAX: i64 = 1_000_000_000_000;
/// Longest unit ("件", "套", "pcs"), in characters.
pub const UNIT_MAX: usize = 20;
/// Longest lead time: ten years.
pub const LEAD_TIME_MAX_DAYS: i64 = 3650;
/// Most served regions.
pub const SERVED_REGIONS_MAX: usize = 100;

/// The fields a client sends, unchecked. Strings are as received; absent optional fields are
/// `None` or empty lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapabilityInput {
    pub category_code: String,
    pub title: String,
    pub description: String,
    pub products: Vec<String>,
    pub processes: Vec<String>,
    pub annual_capacity: Option<i64>,
    pub unit: Option<String>,
    pub min_order_qty: Option<i64>,
    pub lead_time_days: Option<i64>,
    pub served_region_codes: Vec<String>,
    /// `draft` or `published`; `None` when the client did not say.
    pub status: Option<String>,
}

/// A capability whose every field is known good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCapability {
    /// A node of the category tree (any level).
    pub category_code: CategoryCode,
    /// Trimmed, 1 to [`TITLE_MAX`] characters.
    pub title: String,
    /// Trimmed, at most [`DESCRIPTION_MAX`] characters; may be empty.
    pub description: String,
    /// Trimmed, non-empty, without duplicates, in the order given.
    pub products: Vec<String>,
    pub processes: Vec<String>,
    /// 1 to [`QUANTITY_MAX`].
    pub annual_capacity: Option<i64>,
    /// Trimmed; an empty unit is no unit.
    pub unit: Option<String>,
    /// 1 to [`QUANTITY_MAX`], and not above `annual_capacity` when both are given.
    pub min_order_qty: Option<i64>,
    /// 0 to [`LEAD_TIME_MAX_DAYS`].
    pub lead_time_days: Option<i32>,
    /// Known provinces or cities, without duplicates; empty means nationwide.
    pub served_region_codes: Vec<RegionCode>,
    /// `Draft` or `Published` when the client chose; `None` leaves it to the caller (a new
    /// capability is published, an edited one keeps its status).
    pub status: Option<CapabilityStatus>,
}

impl ValidCapability {
    /// The status the client chose, or `default`.
    #[must_use]
    pub fn status_or(&self, default: CapabilityStatus) -> CapabilityStatus {
        self.status.unwrap_or(default)
    }
}

/// Every refused field, named as the client sent it, with why.
pub type FieldErrors = Vec<(&'static str, Invalid)>;

const CATEGORY_REQUIRED: Invalid = Invalid::new(
    "required",
    "请选择品类(category_code)。",
    "category_code is required.",
);
const CATEGORY_UNKNOWN: Invalid = Invalid::new(
    "category_code.unknown",
    "没有这个品类代码,请从品类目录中选择。",
    "No category has this code; choose one from the category list.",
);
const TITLE_REQUIRED: Invalid = Invalid::new("required", "请填写标题。", "title is required.");
const TITLE_TOO_LONG: Invalid = Invalid::new(
    "too_long",
    "标题最多 200 个字符。",
    "title may have at most 200 characters.",
);
const TITLE_CONTROL: Invalid = Invalid::new(
    "control_character",
    "标题不能包含换行或其他控制字符。",
    "title may not contain line breaks or other control characters.",
);
const DESCRIPTION_TOO_LONG: Invalid = Invalid::new(
    "too_long",
    "描述最多 10000 个字符。",
    "description may have at most 10,000 characters.",
);
const DESCRIPTION_CONTROL: Invalid = Invalid::new(
    "control_character",
    "描述不能包含控制字符(换行和制表符除外)。",
    "description may not contain control characters other than line breaks and tabs.",
);
const UNIT_TOO_LONG: Invalid = Invalid::new(
    "too_long",
    "单位最多 20 个字符。",
    "unit may have at most 20 characters.",
);
const UNIT_CONTROL: Invalid = Invalid::new(
    "control_character",
    "单位不能包含控制字符。",
    "unit may not contain control characters.",
);
const LEAD_TIME_RANGE: Invalid = Invalid::new(
    "out_of_range",
    "交货周期(天)须为 0 到 3650 之间的整数。",
    "lead_time_days must be a whole number from 0 to 3650.",
);
const CAPACITY_NOT_POSITIVE: Invalid = Invalid::new(
    "not_positive",
    "年产能须为正整数。",
    "annual_capacity must be a positive whole number.",
);
const CAPACITY_TOO_LARGE: Invalid = Invalid::new(
    "too_large",
    "年产能不能超过 10^12。",
    "annual_capacity may be at most 10^12.",
);
const MOQ_NOT_POSITIVE: Invalid = Invalid::new(
    "not_positive",
    "最小起订量须为正整数。",
    "min_order_qty must be a positive whole number.",
);
const MOQ_TOO_LARGE: Invalid = Invalid::new(
    "too_large",
    "最小起订量不能超过 10^12。",
    "min_order_qty may be at most 10^12.",
);
const MOQ_ABOVE_CAPACITY: Invalid = Invalid::new(
    "min_order_qty.above_capacity",
    "最小起订量不能大于年产能。",
    "min_order_qty may not exceed annual_capacity.",
);
const REGIONS_TOO_MANY: Invalid = Invalid::new(
    "too_many",
    "服务地区最多 100 个。",
    "served_region_codes may list at most 100 regions.",
);
const REGION_UNKNOWN: Invalid = Invalid::new(
    "served_region_codes.unknown",
    "服务地区中有不存在的行政区划代码。",
    "served_region_codes contains a code no division has.",
);
const REGION_DISTRICT: Invalid = Invalid::new(
    "served_region_codes.district",
    "服务地区请选择省或市,不要选到区县。",
    "served_region_codes takes provinces or cities, not districts.",
);
const STATUS: Invalid = Invalid::new(
    "capability.status",
    "状态只能是 draft(草稿)或 published(发布)。",
    "status must be draft or published.",
);

/// The refusals for one list field; messages are fixed text, so each field has its own.
struct ListRules {
    too_many: Invalid,
    item_empty: Invalid,
    item_too_long: Invalid,
    control: Invalid,
}

const PRODUCTS: ListRules = ListRules {
    too_many: Invalid::new(
        "too_many",
        "产品最多 50 项。",
        "products may list at most 50 items.",
    ),
    item_empty: Invalid::new(
        "item_empty",
        "产品中有空白项。",
        "products contains an empty item.",
    ),
    item_too_long: Invalid::new(
        "item_too_long",
        "每项产品最多 100 个字符。",
        "each item of products may have at most 100 characters.",
    ),
    control: Invalid::new(
        "control_character",
        "产品不能包含控制字符。",
        "products may not contain control characters.",
    ),
};

const PROCESSES: ListRules = ListRules {
    too_many: Invalid::new(
        "too_many",
        "工艺最多 50 项。",
        "processes may list at most 50 items.",
    ),
    item_empty: Invalid::new(
        "item_empty",
        "工艺中有空白项。",
        "processes contains an empty item.",
    ),
    item_too_long: Invalid::new(
        "item_too_long",
        "每项工艺最多 100 个字符。",
        "each item of processes may have at most 100 characters.",
    ),
    control: Invalid::new(
        "control_character",
        "工艺不能包含控制字符。",
        "processes may not contain control characters.",
    ),
};

impl CapabilityInput {
    /// Checks every field against the rules and the reference data.
    ///
    /// # Errors
    /// Every refused field (at most one refusal per field), in the order of the fields above.
    pub fn parse(&self, reference: &ReferenceData) -> Result<ValidCapability, FieldErrors> {
        let mut refusals = Refusals(Vec::new());
        let category_code =
            refusals.keep("category_code", category(&self.category_code, reference));
        let title = refusals.keep("title", title(&self.title));
        let description = refusals.keep("description", description(&self.description));
        let products = refusals.keep("products", list(&self.products, &PRODUCTS));
        let processes = refusals.keep("processes", list(&self.processes, &PROCESSES));
        let annual_capacity = refusals.keep(
            "annual_capacity",
            quantity(
                self.annual_capacity,
                CAPACITY_NOT_POSITIVE,
                CAPACITY_TOO_LARGE,
            ),
        );
        let unit = refusals.keep("unit", unit(self.unit.as_deref()));
        let min_order_qty = refusals.keep(
            "min_order_qty",
            quantity(self.min_order_qty, MOQ_NOT_POSITIVE, MOQ_TOO_LARGE).and_then(|moq| {
                match (moq, annual_capacity.flatten()) {
                    (Some(moq), Some(cap)) if moq > cap => Err(MOQ_ABOVE_CAPACITY),
                    _ => Ok(moq),
                }
            }),
        );
        let lead_time_days = refusals.keep("lead_time_days", lead_time(self.lead_time_days));
        let served_region_codes = refusals.keep(
            "served_region_codes",
            served_regions(&self.served_region_codes, reference),
        );
        let status = refusals.keep("status", status(self.status.as_deref()));
        let errors = refusals.0;
        match (
            category_code,
            title,
            description,
            products,
            processes,
            annual_capacity,
            unit,
            min_order_qty,
            lead_time_days,
            served_region_codes,
            status,
        ) {
            (
                Some(category_code),
                Some(title),
                Some(description),
                Some(products),
                Some(processes),
                Some(annual_capacity),
                Some(unit),
                Some(min_order_qty),
                Some(lead_time_days),
                Some(served_region_codes),
                Some(status),
            ) if errors.is_empty() => Ok(ValidCapability {
                category_code,
                title,
                description,
                products,
                processes,
                annual_capacity,
                unit,
                min_order_qty,
                lead_time_days,
                served_region_codes,
                status,
            }),
            _ => Err(errors),
        }
    }
}

/// Collects refused fields while the rest of the input is still checked.
struct Refusals(FieldErrors);

impl Refusals {
    fn keep<T>(&mut self, field: &'static str, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push((field, e));
                None
            }
        }
    }
}

fn category(input: &str, reference: &ReferenceData) -> Result<CategoryCode, Invalid> {
    if input.trim().is_empty() {
        return Err(CATEGORY_REQUIRED);
    }
    let code = CategoryCode::parse(input)?;
    reference
        .category(&code)
        .map(|c| c.code.clone())
        .ok_or(CATEGORY_UNKNOWN)
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn title(input: &str) -> Result<String, Invalid> {
    let title = input.trim();
    if title.chars().any(char::is_control) {
        Err(TITLE_CONTROL)
    } else if title.is_empty() {
        Err(TITLE_REQUIRED)
    } else if chars(title) > TITLE_MAX {
        Err(TITLE_TOO_LONG)
    } else {
        Ok(title.to_owned())
    }
}

fn description(input: &str) -> Result<String, Invalid> {
    let description = input.trim();
    if description
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        Err(DESCRIPTION_CONTROL)
    } else if chars(description) > DESCRIPTION_MAX {
        Err(DESCRIPTION_TOO_LONG)
    } else {
        Ok(description.to_owned())
    }
}

fn list(items: &[String], rules: &ListRules) -> Result<Vec<String>, Invalid> {
    if items.len() > LIST_MAX_ITEMS {
        return Err(rules.too_many.clone());
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let item = item.trim();
        if item.chars().any(char::is_control) {
            return Err(rules.control.clone());
        }
        if item.is_empty() {
            return Err(rules.item_empty.clone());
        }
        if chars(item) > LIST_ITEM_MAX {
            return Err(rules.item_too_long.clone());
        }
        if seen.insert(item) {
            out.push(item.to_owned());
        }
    }
    Ok(out)
}

fn quantity(
    value: Option<i64>,
    not_positive: Invalid,
    too_large: Invalid,
) -> Result<Option<i64>, Invalid> {
    match value {
        None => Ok(None),
        Some(n) if n <= 0 => Err(not_positive),
        Some(n) if n > QUANTITY_MAX => Err(too_large),
        Some(n) => Ok(Some(n)),
    }
}

fn unit(input: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(unit) = input.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    if unit.chars().any(char::is_control) {
        Err(UNIT_CONTROL)
    } else if chars(unit) > UNIT_MAX {
        Err(UNIT_TOO_LONG)
    } else {
        Ok(Some(unit.to_owned()))
    }
}

fn lead_time(days: Option<i64>) -> Result<Option<i32>, Invalid> {
    match days {
        None => Ok(None),
        Some(d) if (0..=LEAD_TIME_MAX_DAYS).contains(&d) => {
            i32::try_from(d).map(Some).map_err(|_| LEAD_TIME_RANGE)
        }
        Some(_) => Err(LEAD_TIME_RANGE),
    }
}

fn served_regions(codes: &[String], reference: &ReferenceData) -> Result<Vec<RegionCode>, Invalid> {
    if codes.len() > SERVED_REGIONS_MAX {
        return Err(REGIONS_TOO_MANY);
    }
    let mut out: Vec<RegionCode> = Vec::with_capacity(codes.len());
    for code in codes {
        let code = RegionCode::parse(code)?;
        match reference.region(&code).map(|r| r.level) {
            None => return Err(REGION_UNKNOWN),
            Some(RegionLevel::District) => return Err(REGION_DISTRICT),
            Some(RegionLevel::Province | RegionLevel::City) => {}
        }
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
}

fn status(input: Option<&str>) -> Result<Option<CapabilityStatus>, Invalid> {
    match input.map(str::trim) {
        None => Ok(None),
        Some("draft") => Ok(Some(CapabilityStatus::Draft)),
        Some("published") => Ok(Some(CapabilityStatus::Published)),
        // Archiving is DELETE's job; anything else is not a status.
        Some(_) => Err(STATUS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::ReferenceCsv;
    use proptest::prelude::*;

    const CATEGORIES: &str = "code,parent,name_zh,name_en\nEDRIVE,,三电系统,Electric drive\nEDRIVE.BATTERY,EDRIVE,动力电池系统,Batteries\nEDRIVE.BATTERY.CELL,EDRIVE.BATTERY,电芯,Cells\n";
    const REGIONS: &str = "code,parent,level,name,lon,lat,coord\n500000,,province,重庆市,106.5,29.5,own\n500100,500000,city,重庆市,106.5,29.5,parent\n500112,500100,district,渝北区,106.6,29.7,own\n510000,,province,四川省,104.0,30.6,own\n510100,510000,city,成都市,104.0,30.6,own\n";
    const ZONES: &str =
        "zone,name_zh,name_en,member_adcodes\nCHENGYU,成渝,Chengdu-Chongqing,500000 510100\n";
    const CERTS: &str = "code,name_zh,name_en,kind\nIATF16949,IATF 16949,IATF 16949,quality\n";

    fn reference() -> ReferenceData {
        ReferenceData::parse(ReferenceCsv {
            categories: CATEGORIES,
            regions: REGIONS,
            zones: ZONES,
            certifications: CERTS,
        })
        .unwrap()
    }

    fn good() -> CapabilityInput {
        CapabilityInput {
            category_code: "edrive.battery.cell".into(),
            title: "  方形磷酸铁锂电芯  ".into(),
            description: "年产 20 GWh。\n支持定制。".into(),
            products: vec![
                "280Ah 电芯".into(),
                " 314Ah 电芯 ".into(),
                "280Ah 电芯".into(),
            ],
            processes: vec!["涂布".into()],
            annual_capacity: Some(1_000_000),
            unit: Some(" 件 ".into()),
            min_order_qty: Some(1_000),
            lead_time_days: Some(30),
            served_region_codes: vec!["500000".into(), "510100".into(), "500000".into()],
            status: None,
        }
    }

    fn fields(errors: &FieldErrors) -> Vec<(&'static str, &'static str)> {
        errors.iter().map(|(f, e)| (*f, e.code)).collect()
    }

    fn refused(input: &CapabilityInput) -> Vec<(&'static str, &'static str)> {
        fields(&input.parse(&reference()).unwrap_err())
    }

    #[test]
    fn a_good_capability_is_normalized() {
        let valid = good().parse(&reference()).unwrap();
        assert_eq!(valid.category_code.as_str(), "EDRIVE.BATTERY.CELL");
        assert_eq!(valid.title, "方形磷酸铁锂电芯");
        assert_eq!(valid.description, "年产 20 GWh。\n支持定制。");
        assert_eq!(valid.products, ["280Ah 电芯", "314Ah 电芯"]);
        assert_eq!(valid.unit.as_deref(), Some("件"));
        assert_eq!(valid.lead_time_days, Some(30));
        let regions: Vec<&str> = valid
            .served_region_codes
            .iter()
            .map(RegionCode::as_str)
            .collect();
        assert_eq!(regions, ["500000", "510100"]);
        assert_eq!(valid.status, None);
        assert_eq!(
            valid.status_or(CapabilityStatus::Published),
            CapabilityStatus::Published
        );
    }

    #[test]
    fn the_least_a_capability_needs_is_a_category_and_a_title() {
        let input = CapabilityInput {
            category_code: "EDRIVE".into(),
            title: "t".into(),
            ..CapabilityInput::default()
        };
        let valid = input.parse(&reference()).unwrap();
        assert!(valid.products.is_empty() && valid.served_region_codes.is_empty());
        assert_eq!(valid.annual_capacity, None);
        assert_eq!(valid.unit, None);
    }

    #[test]
    fn any_node_of_the_tree_is_a_category_and_nothing_else() {
        for code in ["EDRIVE", "EDRIVE.BATTERY", "EDRIVE.BATTERY.CELL"] {
            let input = CapabilityInput {
                category_code: code.into(),
                ..good()
            };
            assert!(input.parse(&reference()).is_ok(), "{code}");
        }
        let unknown = CapabilityInput {
            category_code: "EDRIVE.NOPE".into(),
            ..good()
        };
        assert_eq!(
            refused(&unknown),
            [("category_code", "category_code.unknown")]
        );
        let malformed = CapabilityInput {
            category_code: "EDRIVE..X".into(),
            ..good()
        };
        assert_eq!(
            refused(&malformed),
            [("category_code", "category_code.format")]
        );
        let empty = CapabilityInput {
            category_code: " ".into(),
            ..good()
        };
        assert_eq!(refused(&empty), [("category_code", "required")]);
    }

    #[test]
    fn titles_are_one_to_two_hundred_characters_of_one_line() {
        let at = |title: String| CapabilityInput { title, ..good() };
        assert!(at("电".repeat(200)).parse(&reference()).is_ok());
        assert_eq!(refused(&at("电".repeat(201))), [("title", "too_long")]);
        assert_eq!(refused(&at("   ".into())), [("title", "required")]);
        assert_eq!(
            refused(&at("a\nb".into())),
            [("title", "control_character")]
        );
        assert_eq!(
            refused(&at("a\0b".into())),
            [("title", "control_character")]
        );
    }

    #[test]
    fn html_is_kept_as_text() {
        let input = CapabilityInput {
            title: "<script>alert('x')</script>".into(),
            description: "<b>粗体</b> & <img src=x onerror=alert(1)>".into(),
            ..good()
        };
        let valid = input.parse(&reference()).unwrap();
        assert_eq!(valid.title, "<script>alert('x')</script>");
        assert_eq!(
            valid.description,
            "<b>粗体</b> & <img src=x onerror=alert(1)>"
        );
    }

    #[test]
    fn descriptions_may_be_long_but_not_endless() {
        let at = |description: String| CapabilityInput {
            description,
            ..good()
        };
        assert!(at("字".repeat(10_000)).parse(&reference()).is_ok());
        assert!(at(String::new()).parse(&reference()).is_ok());
        assert_eq!(
            refused(&at("字".repeat(10_001))),
            [("description", "too_long")]
        );
        assert!(at("a\r\n\tb".into()).parse(&reference()).is_ok());
        assert_eq!(
            refused(&at("a\u{7}b".into())),
            [("description", "control_character")]
        );
    }

    #[test]
    fn products_and_processes_are_bounded_lists() {
        let items = |n: usize| (0..n).map(|i| format!("p{i}")).collect::<Vec<_>>();
        let products = |products: Vec<String>| CapabilityInput { products, ..good() };
        assert!(products(items(50)).parse(&reference()).is_ok());
        assert_eq!(refused(&products(items(51))), [("products", "too_many")]);
        assert_eq!(
            refused(&products(vec!["x".repeat(101)])),
            [("products", "item_too_long")]
        );
        assert!(products(vec!["x".repeat(100)]).parse(&reference()).is_ok());
        assert_eq!(
            refused(&products(vec![" ".into()])),
            [("products", "item_empty")]
        );
        let processes = CapabilityInput {
            processes: items(51),
            ..good()
        };
        assert_eq!(refused(&processes), [("processes", "too_many")]);
    }

    #[test]
    fn quantities_are_positive_bounded_and_consistent() {
        let q = |annual_capacity, min_order_qty| CapabilityInput {
            annual_capacity,
            min_order_qty,
            ..good()
        };
        assert!(
            q(Some(QUANTITY_MAX), Some(QUANTITY_MAX))
                .parse(&reference())
                .is_ok()
        );
        assert!(q(None, Some(5)).parse(&reference()).is_ok());
        assert!(q(Some(5), None).parse(&reference()).is_ok());
        assert_eq!(
            refused(&q(Some(-1), None)),
            [("annual_capacity", "not_positive")]
        );
        assert_eq!(
            refused(&q(Some(0), Some(0))),
            [
                ("annual_capacity", "not_positive"),
                ("min_order_qty", "not_positive")
            ]
        );
        assert_eq!(
            refused(&q(Some(QUANTITY_MAX + 1), None)),
            [("annual_capacity", "too_large")]
        );
        assert_eq!(
            refused(&q(Some(10), Some(11))),
            [("min_order_qty", "min_order_qty.above_capacity")]
        );
        assert_eq!(
            refused(&q(None, Some(i64::MAX))),
            [("min_order_qty", "too_large")]
        );
    }

    #[test]
    fn units_and_lead_times_are_bounded() {
        let unit = |u: &str| CapabilityInput {
            unit: Some(u.into()),
            ..good()
        };
        assert_eq!(unit("   ").parse(&reference()).unwrap().unit, None);
        assert!(unit(&"套".repeat(20)).parse(&reference()).is_ok());
        assert_eq!(refused(&unit(&"套".repeat(21))), [("unit", "too_long")]);
        let lead = |d| CapabilityInput {
            lead_time_days: Some(d),
            ..good()
        };
        assert_eq!(lead(0).parse(&reference()).unwrap().lead_time_days, Some(0));
        assert_eq!(
            lead(3650).parse(&reference()).unwrap().lead_time_days,
            Some(3650)
        );
        assert_eq!(refused(&lead(3651)), [("lead_time_days", "out_of_range")]);
        assert_eq!(refused(&lead(-1)), [("lead_time_days", "out_of_range")]);
    }

    #[test]
    fn served_regions_are_known_provinces_or_cities() {
        let served = |codes: &[&str]| CapabilityInput {
            served_region_codes: codes.iter().map(|&c| c.to_owned()).collect(),
            ..good()
        };
        assert!(served(&["500000", "510100"]).parse(&reference()).is_ok());
        assert_eq!(
            refused(&served(&["520000"])),
            [("served_region_codes", "served_region_codes.unknown")]
        );
        assert_eq!(
            refused(&served(&["500112"])),
            [("served_region_codes", "served_region_codes.district")]
        );
        assert_eq!(
            refused(&served(&["5000"])),
            [("served_region_codes", "region_code.format")]
        );
        let many: Vec<String> = (0..101).map(|_| "500000".to_owned()).collect();
        let too_many = CapabilityInput {
            served_region_codes: many,
            ..good()
        };
        assert_eq!(refused(&too_many), [("served_region_codes", "too_many")]);
    }

    #[test]
    fn status_is_draft_or_published_when_given() {
        let status = |s: &str| CapabilityInput {
            status: Some(s.into()),
            ..good()
        };
        assert_eq!(
            status("draft").parse(&reference()).unwrap().status,
            Some(CapabilityStatus::Draft)
        );
        assert_eq!(
            status("published").parse(&reference()).unwrap().status,
            Some(CapabilityStatus::Published)
        );
        assert_eq!(
            refused(&status("archived")),
            [("status", "capability.status")]
        );
        assert_eq!(refused(&status("open")), [("status", "capability.status")]);
        let draft = status("draft").parse(&reference()).unwrap();
        assert_eq!(
            draft.status_or(CapabilityStatus::Published),
            CapabilityStatus::Draft
        );
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let input = CapabilityInput {
            category_code: "NOPE".into(),
            title: String::new(),
            description: "x".repeat(10_001),
            products: vec![String::new()],
            processes: vec!["y".repeat(101)],
            annual_capacity: Some(-5),
            unit: Some("u".repeat(21)),
            min_order_qty: Some(0),
            lead_time_days: Some(4000),
            served_region_codes: vec!["999999".into()],
            status: Some("archived".into()),
        };
        let names: Vec<&str> = refused(&input).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            names,
            [
                "category_code",
                "title",
                "description",
                "products",
                "processes",
                "annual_capacity",
                "unit",
                "min_order_qty",
                "lead_time_days",
                "served_region_codes",
                "status"
            ]
        );
    }

    const FIELDS: [&str; 11] = [
        "category_code",
        "title",
        "description",
        "products",
        "processes",
        "annual_capacity",
        "unit",
        "min_order_qty",
        "lead_time_days",
        "served_region_codes",
        "status",
    ];

    fn any_input() -> impl Strategy<Value = CapabilityInput> {
        let text = "\\PC{0,40}|[\\x00-\\x7f]{0,20}";
        (
            prop_oneof![
                Just("EDRIVE.BATTERY".to_owned()),
                "[A-Za-z.]{0,12}".prop_map(String::from)
            ],
            (text, text, proptest::collection::vec(text, 0..4)),
            (
                proptest::option::of(any::<i64>()),
                proptest::option::of(any::<i64>()),
                proptest::option::of(-10i64..4000),
                proptest::option::of(text),
            ),
            proptest::collection::vec("[0-9]{6}|500000|500112", 0..4),
            proptest::option::of("draft|published|archived|[a-z]{0,8}"),
        )
            .prop_map(
                |(
                    category_code,
                    (title, description, products),
                    (cap, moq, lead, unit),
                    regions,
                    status,
                )| {
                    CapabilityInput {
                        category_code,
                        title,
                        description,
                        products,
                        processes: Vec::new(),
                        annual_capacity: cap,
                        unit,
                        min_order_qty: moq,
                        lead_time_days: lead,
                        served_region_codes: regions,
                        status,
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_names_only_real_fields(input in any_input()) {
            match input.parse(&reference()) {
                Ok(valid) => {
                    let title_len = chars(&valid.title);
                    prop_assert!((1..=TITLE_MAX).contains(&title_len));
                    prop_assert!(valid.title.trim() == valid.title);
                    if let (Some(cap), Some(moq)) = (valid.annual_capacity, valid.min_order_qty) {
                        prop_assert!(moq <= cap);
                    }
                }
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    let mut seen = HashSet::new();
                    for (field, _) in &errors {
                        prop_assert!(FIELDS.contains(field), "{}", field);
                        prop_assert!(seen.insert(*field), "{} named twice", field);
                    }
                }
            }
        }

        #[test]
        fn titles_within_the_limit_are_kept_trimmed(title in "[^\\p{C}\\s][^\\p{C}]{0,198}[^\\p{C}\\s]") {
            let input = CapabilityInput { title: format!(" {title}\t"), ..good() };
            let valid = input.parse(&reference()).unwrap();
            prop_assert_eq!(valid.title, title);
        }

        #[test]
        fn titles_over_the_limit_are_refused(title in "[^\\p{C}\\s]{201,260}") {
            let input = CapabilityInput { title, ..good() };
            prop_assert_eq!(refused(&input), vec![("title", "too_long")]);
        }

        #[test]
        fn quantities_are_accepted_exactly_in_range(
            cap in -5i64..=QUANTITY_MAX + 5,
            moq in proptest::option::of(1i64..=QUANTITY_MAX),
        ) {
            let input = CapabilityInput { annual_capacity: Some(cap), min_order_qty: moq, ..good() };
            let in_range = (1..=QUANTITY_MAX).contains(&cap);
            let consistent = moq.is_none_or(|m| m <= cap);
            match input.parse(&reference()) {
                Ok(valid) => {
                    prop_assert!(in_range && consistent);
                    prop_assert_eq!(valid.annual_capacity, Some(cap));
                    prop_assert_eq!(valid.min_order_qty, moq);
                }
                Err(errors) => {
                    prop_assert!(!(in_range && consistent));
                    let names: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
                    if in_range {
                        prop_assert_eq!(names, vec!["min_order_qty"]);
                    } else {
                        prop_assert_eq!(names, vec!["annual_capacity"]);
                    }
                }
            }
        }

        #[test]
        fn lead_times_are_accepted_exactly_in_range(days in -100i64..4000) {
            let input = CapabilityInput { lead_time_days: Some(days), ..good() };
            prop_assert_eq!(input.parse(&reference()).is_ok(), (0..=LEAD_TIME_MAX_DAYS).contains(&days));
        }
    }
}
