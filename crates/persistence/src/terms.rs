//! The words stored beside each posting (`terms` columns), segmented once on write so that
//! loading the matcher or searching never runs the segmenter over a million rows.

use peitao_domain::matching::text::{terms, terms_of};

/// A capability's terms: title, description, products and processes.
#[must_use]
pub fn capability_terms(
    title: &str,
    description: &str,
    products: &[String],
    processes: &[String],
) -> String {
    let fields = [title, description]
        .into_iter()
        .chain(products.iter().map(String::as_str))
        .chain(processes.iter().map(String::as_str));
    terms_of(fields).join(" ")
}

/// A need's terms: title and description.
#[must_use]
pub fn need_terms(title: &str, description: &str) -> String {
    terms_of([title, description]).join(" ")
}

/// A title's terms (a posting's title; an organization's names), which search weighs more.
#[must_use]
pub fn title_terms(title: &str) -> String {
    terms(title).join(" ")
}

/// An organization's terms: its names, then its descriptions.
#[must_use]
pub fn organization_terms(
    name: &str,
    name_en: Option<&str>,
    description: Option<&str>,
    description_en: Option<&str>,
) -> String {
    let fields = [Some(name), name_en, description, description_en];
    terms_of(fields.into_iter().flatten()).join(" ")
}

/// An organization's title terms: those of its names.
#[must_use]
pub fn organization_title_terms(name: &str, name_en: Option<&str>) -> String {
    terms_of([Some(name), name_en].into_iter().flatten()).join(" ")
}

/// The stored column back as a list.
#[must_use]
pub fn split(terms: &str) -> Vec<String> {
    terms.split_whitespace().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_survive_the_round_trip_through_the_column() {
        let t = capability_terms(
            "铝合金压铸壳体",
            "Die casting",
            &["电池壳体".into()],
            &["压铸".into()],
        );
        let words = split(&t);
        assert!(
            words.contains(&"压铸".to_owned()) && words.contains(&"cast".to_owned()),
            "{t}"
        );
        assert_eq!(words.join(" "), t);
    }
}
