//! What the directory and posting pages pick from and show: reference data (categories as an
//! indented tree, regions level by level, zones, certifications) as `<option>`s and names, and
//! how a service's refusals land next to these pages' fields.

use peitao_domain::{CategoryCode, Locale, RegionCode, RegionLevel};

use super::words::Common;
use crate::AppState;
use crate::error::FieldError;

/// One `<option>` (or checkbox) of a picker.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Opt {
    fn new(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Opt {
        Opt {
            value: value.into(),
            label: label.into(),
            selected,
        }
    }
}

/// Every category in tree order, each indented by its depth (ideographic spaces, which need no
/// markup and survive escaping), so one plain `<select>` reads as a tree without script.
pub fn category_options(state: &AppState, locale: Locale, selected: &str) -> Vec<Opt> {
    let mut categories: Vec<_> = state.reference.categories.iter().collect();
    // Dotted codes sort parents before children; siblings by code.
    categories.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    categories
        .into_iter()
        .map(|c| {
            let name = match locale {
                Locale::ZhCn => &c.name_zh,
                Locale::En => &c.name_en,
            };
            let indent = "\u{3000}".repeat(c.code.depth().saturating_sub(1));
            Opt::new(
                c.code.as_str(),
                format!("{indent}{name}"),
                c.code.as_str() == selected,
            )
        })
        .collect()
}

/// The category's name in `locale`, or the code when it is unknown.
pub fn category_name(state: &AppState, locale: Locale, code: &str) -> String {
    CategoryCode::parse(code)
        .ok()
        .and_then(|c| state.reference.category(&c))
        .map_or_else(
            || code.to_owned(),
            |c| match locale {
                Locale::ZhCn => c.name_zh.clone(),
                Locale::En => c.name_en.clone(),
            },
        )
}

/// The divisions directly under `parent` (`None`: the provinces), by code.
pub fn region_options(state: &AppState, parent: Option<&str>, selected: &str) -> Vec<Opt> {
    let parent = match parent {
        Some(p) => match RegionCode::parse(p) {
            Ok(code) => Some(code),
            Err(_) => return Vec::new(),
        },
        None => None,
    };
    state
        .reference
        .regions
        .iter()
        .filter(|r| match &parent {
            None => r.level == RegionLevel::Province,
            Some(p) => r.parent.as_ref() == Some(p),
        })
        .map(|r| Opt::new(r.code.as_str(), r.name.clone(), r.code.as_str() == selected))
        .collect()
}

/// The province, city and district codes of `code` (empty strings for the levels it lacks).
pub fn region_levels(state: &AppState, code: &str) -> [String; 3] {
    let mut levels = [String::new(), String::new(), String::new()];
    let Ok(code) = RegionCode::parse(code) else {
        return levels;
    };
    for region in state.reference.region_lineage(&code) {
        let slot = match region.level {
            RegionLevel::Province => 0,
            RegionLevel::City => 1,
            RegionLevel::District => 2,
        };
        levels[slot] = region.code.as_str().to_owned();
    }
    levels
}

/// "重庆市 渝北区": the region with its ancestors, broadest first; the code when unknown.
pub fn region_name(state: &AppState, code: &str) -> String {
    let Ok(parsed) = RegionCode::parse(code) else {
        return code.to_owned();
    };
    let mut names: Vec<&str> = state
        .reference
        .region_lineage(&parsed)
        .map(|r| r.name.as_str())
        .collect();
    if names.is_empty() {
        return code.to_owned();
    }
    names.reverse();
    names.dedup();
    names.join(" ")
}

pub fn zone_options(state: &AppState, locale: Locale, selected: &str) -> Vec<Opt> {
    state
        .reference
        .zones
        .iter()
        .map(|z| {
            let name = match locale {
                Locale::ZhCn => &z.name_zh,
                Locale::En => &z.name_en,
            };
            Opt::new(&z.code, name.clone(), z.code == selected)
        })
        .collect()
}

pub fn certification_options(state: &AppState, locale: Locale, selected: &[String]) -> Vec<Opt> {
    state
        .reference
        .certifications
        .iter()
        .map(|c| {
            let name = match locale {
                Locale::ZhCn => &c.name_zh,
                Locale::En => &c.name_en,
            };
            Opt::new(&c.code, name.clone(), selected.contains(&c.code))
        })
        .collect()
}

pub fn certification_name(state: &AppState, locale: Locale, code: &str) -> String {
    state.reference.certification(code).map_or_else(
        || code.to_owned(),
        |c| match locale {
            Locale::ZhCn => c.name_zh.clone(),
            Locale::En => c.name_en.clone(),
        },
    )
}

/// A field of the posting forms: its name (as the service names it), label and refusal.
#[derive(Debug)]
pub struct Slot {
    pub name: &'static str,
    pub label: &'static str,
    pub error: Option<String>,
}

/// Puts each refusal on the slot it names, in `locale`, with the API's field name replaced by
/// the label the user sees; returns the refusals no slot owns. `aliases` maps service names to
/// slots (`served_region_codes` → the region checkboxes).
pub fn place_refusals(
    slots: &mut [Slot],
    errors: &[FieldError],
    locale: Locale,
    aliases: &[(&str, &str)],
) -> Vec<String> {
    let mut unplaced = Vec::new();
    for error in errors {
        let name = aliases
            .iter()
            .find(|(from, _)| *from == error.field)
            .map_or(error.field.as_str(), |(_, to)| *to);
        let Some(slot) = slots.iter_mut().find(|s| s.name == name) else {
            unplaced.push(error.message.get(locale).to_owned());
            continue;
        };
        if slot.error.is_some() {
            continue;
        }
        let message = if error.code == "required" {
            Common::for_locale(locale).required.to_owned()
        } else {
            let text = error.message.get(locale);
            match locale {
                Locale::ZhCn => text
                    .replace(&format!("{} ", error.field), slot.label)
                    .replace(&error.field, slot.label),
                Locale::En => text.replace(&error.field, slot.label),
            }
        };
        slot.error = Some(message);
    }
    unplaced
}

/// The slot named `name`'s refusal, for a template.
pub fn refusal<'a>(slots: &'a [Slot], name: &str) -> Option<&'a str> {
    slots
        .iter()
        .find(|s| s.name == name)
        .and_then(|s| s.error.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Text;

    #[test]
    fn refusals_name_the_label_and_unknown_fields_stay_unplaced() {
        let mut slots = vec![
            Slot {
                name: "title",
                label: "标题",
                error: None,
            },
            Slot {
                name: "served_regions",
                label: "服务地区",
                error: None,
            },
        ];
        let errors = vec![
            FieldError {
                field: "title".into(),
                code: "too_long".into(),
                message: Text::fixed("title 最多 200 个字符。", "title: at most 200."),
            },
            FieldError {
                field: "served_region_codes".into(),
                code: "served_region_codes.unknown".into(),
                message: Text::fixed("served_region_codes 有误。", "bad served_region_codes"),
            },
            FieldError {
                field: "other".into(),
                code: "x".into(),
                message: Text::fixed("别的。", "Other."),
            },
        ];
        let rest = place_refusals(
            &mut slots,
            &errors,
            Locale::ZhCn,
            &[("served_region_codes", "served_regions")],
        );
        assert_eq!(refusal(&slots, "title"), Some("标题最多 200 个字符。"));
        assert_eq!(refusal(&slots, "served_regions"), Some("服务地区有误。"));
        assert_eq!(rest, vec!["别的。".to_owned()]);
    }
}
