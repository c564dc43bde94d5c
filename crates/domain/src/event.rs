//! Docking events (线下对接活动): what staff type to create one, checked against reference data,
//! and the ways staff pick whom to invite.

use chrono::NaiveDate;

use crate::reference::ReferenceData;
use crate::{CategoryCode, Invalid};

/// Longest title and place accepted.
pub const TEXT_MAX: usize = 200;

/// An event as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventForm {
    pub title: String,
    pub date: String,
    pub place: String,
    pub zone_code: String,
    pub category_codes: Vec<String>,
}

/// An event once every field was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFields {
    pub title: String,
    pub date: NaiveDate,
    pub place: String,
    pub zone_code: String,
    /// Sorted, without repeats; at least one.
    pub categories: Vec<CategoryCode>,
}

const REQUIRED: Invalid = Invalid::new("required", "此项必填。", "This field is required.");
const TOO_LONG: Invalid = Invalid::new("too_long", "最多 200 个字符。", "At most 200 characters.");
const BAD_DATE: Invalid = Invalid::new(
    "date.invalid",
    "日期格式应为 YYYY-MM-DD。",
    "The date must be written YYYY-MM-DD.",
);
const UNKNOWN_ZONE: Invalid = Invalid::new(
    "zone_code.unknown",
    "经济区代码不在参考数据中。",
    "The zone code is not in the reference data.",
);
const UNKNOWN_CATEGORY: Invalid = Invalid::new(
    "category_codes.unknown",
    "零部件类别代码不在参考数据中。",
    "A category code is not in the reference data.",
);
const NO_CATEGORY: Invalid = Invalid::new(
    "category_codes.required",
    "请至少选择一个零部件类别。",
    "Choose at least one category.",
);

fn text(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        Err(REQUIRED)
    } else if value.chars().count() > TEXT_MAX {
        Err(TOO_LONG)
    } else {
        Ok(value.to_owned())
    }
}

/// Checks an event form.
///
/// # Errors
/// Every refused field with its name.
pub fn parse(
    form: &EventForm,
    reference: &ReferenceData,
) -> Result<EventFields, Vec<(&'static str, Invalid)>> {
    let mut errors = Vec::new();
    let title = text(&form.title)
        .map_err(|e| errors.push(("title", e)))
        .ok();
    let place = text(&form.place)
        .map_err(|e| errors.push(("place", e)))
        .ok();
    let date = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d")
        .map_err(|_| errors.push(("date", BAD_DATE)))
        .ok();
    let zone = form.zone_code.trim().to_uppercase();
    let zone_code = if zone.is_empty() {
        errors.push(("zone_code", REQUIRED));
        None
    } else if reference.zones.iter().any(|z| z.code == zone) {
        Some(zone)
    } else {
        errors.push(("zone_code", UNKNOWN_ZONE));
        None
    };
    let mut categories = Vec::new();
    for word in form
        .category_codes
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
    {
        match CategoryCode::parse(word) {
            Ok(c) if reference.categories.iter().any(|k| k.code == c) => categories.push(c),
            _ => {
                errors.push(("category_codes", UNKNOWN_CATEGORY));
                break;
            }
        }
    }
    categories.sort();
    categories.dedup();
    if categories.is_empty() && !errors.iter().any(|(f, _)| *f == "category_codes") {
        errors.push(("category_codes", NO_CATEGORY));
    }
    match (title, date, place, zone_code) {
        (Some(title), Some(date), Some(place), Some(zone_code)) if errors.is_empty() => {
            Ok(EventFields {
                title,
                date,
                place,
                zone_code,
                categories,
            })
        }
        _ => Err(errors),
    }
}

/// How staff choose the organizations to invite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteBy {
    /// Organizations with a published capability in one of the event's categories.
    Category,
    /// Organizations sitting in the event's zone.
    Zone,
    /// Both parties of approved matches whose need or capability is in the event's categories.
    Matches,
    /// The organizations staff list by id.
    Organizations,
}

impl InviteBy {
    pub const ALL: [InviteBy; 4] = [
        InviteBy::Category,
        InviteBy::Zone,
        InviteBy::Matches,
        InviteBy::Organizations,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            InviteBy::Category => "category",
            InviteBy::Zone => "zone",
            InviteBy::Matches => "matches",
            InviteBy::Organizations => "organizations",
        }
    }

    /// Reads a word written by [`InviteBy::as_str`].
    ///
    /// # Errors
    /// Any other word.
    pub fn parse(word: &str) -> Result<InviteBy, Invalid> {
        InviteBy::ALL
            .into_iter()
            .find(|b| b.as_str() == word.trim())
            .ok_or(Invalid::new(
                "by.invalid",
                "邀请方式只能是 category、zone、matches 或 organizations。",
                "by must be category, zone, matches or organizations.",
            ))
    }
}

/// Whether `code` (a capability's or need's category) falls under one of the event's categories.
#[must_use]
pub fn covers(event_categories: &[CategoryCode], code: &CategoryCode) -> bool {
    event_categories
        .iter()
        .any(|c| c == code || c.is_ancestor_of(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::ReferenceCsv;

    fn reference() -> ReferenceData {
        ReferenceData::parse(ReferenceCsv {
            categories: "code,parent,name_zh,name_en\nEDRIVE,,三电系统,Electric drive\nEDRIVE.MOTOR,EDRIVE,驱动电机,Motors\n",
            regions: "code,parent,level,name,lon,lat,coord\n500000,,province,重庆市,106.5,29.5,own\n",
            zones: "zone,name_zh,name_en,member_adcodes\nCHENGYU,成渝,Chengdu-Chongqing,500000\n",
            certifications: "code,name_zh,name_en,kind\nIATF16949,IATF 16949,IATF 16949,quality\n",
        })
        .unwrap()
    }

    #[test]
    fn a_good_form_parses() {
        let fields = parse(
            &EventForm {
                title: " 成渝电驱对接会 ".into(),
                date: "2027-03-15".into(),
                place: "重庆悦来国际会议中心".into(),
                zone_code: "chengyu".into(),
                category_codes: vec!["EDRIVE.MOTOR".into(), "EDRIVE.MOTOR".into()],
            },
            &reference(),
        )
        .unwrap();
        assert_eq!(fields.title, "成渝电驱对接会");
        assert_eq!(fields.zone_code, "CHENGYU");
        assert_eq!(fields.categories.len(), 1);
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = parse(
            &EventForm {
                date: "15/03/2027".into(),
                zone_code: "MARS".into(),
                category_codes: vec!["NOPE".into()],
                ..EventForm::default()
            },
            &reference(),
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            ["title", "place", "date", "zone_code", "category_codes"]
        );
        let errors = parse(&EventForm::default(), &reference()).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|(f, e)| *f == "category_codes" && e.code == "category_codes.required")
        );
    }

    #[test]
    fn invite_words_round_trip_and_categories_cover_their_subtree() {
        for by in InviteBy::ALL {
            assert_eq!(InviteBy::parse(by.as_str()), Ok(by));
        }
        assert!(InviteBy::parse("everyone").is_err());
        let edrive = CategoryCode::parse("EDRIVE").unwrap();
        let motor = CategoryCode::parse("EDRIVE.MOTOR").unwrap();
        assert!(covers(std::slice::from_ref(&edrive), &motor));
        assert!(!covers(&[motor], &edrive));
    }
}
