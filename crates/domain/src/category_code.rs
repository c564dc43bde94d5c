//! Component-category codes: the dotted path (`EDRIVE.BATTERY.CELL`) that places a part in our tree.
//! Matching a supplier's capability to an automaker's need is decided by how two paths relate.

use serde::{Deserialize, Serialize};

use crate::Invalid;

const SEPARATOR: char = '.';
const MAX_DEPTH: usize = 6;
const MAX_SEGMENT_LEN: usize = 24;
// Well under 6 × 24 on purpose: codes appear in URLs, logs and spreadsheet columns.
const MAX_LEN: usize = 100;

const FORMAT: Invalid = Invalid::new(
    "category_code.format",
    "品类代码应由 1 到 6 段组成，用点号分隔（如 EDRIVE.BATTERY.CELL）；每段 1 到 24 个字符，只能用英文字母、数字、下划线或连字符，总长不超过 100 个字符。",
    "A category code has 1 to 6 segments separated by dots (as in EDRIVE.BATTERY.CELL); each segment is 1 to 24 letters, digits, underscores or hyphens, and the whole code is at most 100 characters.",
);

/// How a capability's category stands to a need's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CategoryRelation {
    /// The very same category.
    Same,
    /// The capability is more specific than the need, by this many levels
    /// (offers `EDRIVE.BATTERY.CELL`, asked for `EDRIVE.BATTERY`: one level).
    Narrower { levels: usize },
    /// The capability is more general than the need, by this many levels
    /// (offers `EDRIVE`, asked for `EDRIVE.BATTERY.CELL`: two levels).
    Broader { levels: usize },
    /// Neither lies under the other.
    Unrelated,
}

/// A category path, stored uppercase so that codes typed in any case compare equal.
/// Ordering is by the text, which lists a category right before everything under it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryCode(String);

impl CategoryCode {
    pub fn parse(input: &str) -> Result<CategoryCode, Invalid> {
        let code = input.trim().to_ascii_uppercase();
        let segment_ok = |s: &str| {
            (1..=MAX_SEGMENT_LEN).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        };
        // `len` is bytes, but only ASCII gets past `segment_ok`, so bytes are characters.
        if code.len() > MAX_LEN
            || code.split(SEPARATOR).count() > MAX_DEPTH
            || !code.split(SEPARATOR).all(segment_ok)
        {
            return Err(FORMAT);
        }
        Ok(CategoryCode(code))
    }

    /// The category one level up, or `None` at the top of the tree.
    #[must_use]
    pub fn parent(&self) -> Option<CategoryCode> {
        self.0
            .rsplit_once(SEPARATOR)
            .map(|(parent, _)| CategoryCode(parent.to_owned()))
    }

    /// The number of segments: 1 for a top-level category.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.0.matches(SEPARATOR).count() + 1
    }

    /// Whether `other` lies strictly below this category. Compared segment-wise, so `EDRIVE`
    /// is not an ancestor of `EDRIVEX.A` even though one string starts with the other.
    #[must_use]
    pub fn is_ancestor_of(&self, other: &CategoryCode) -> bool {
        other
            .0
            .strip_prefix(self.0.as_str())
            .is_some_and(|rest| rest.starts_with(SEPARATOR))
    }

    /// How this category (a supplier's capability) relates to `need` (what an automaker asks for).
    #[must_use]
    pub fn relation_to(&self, need: &CategoryCode) -> CategoryRelation {
        if self == need {
            CategoryRelation::Same
        } else if need.is_ancestor_of(self) {
            CategoryRelation::Narrower {
                levels: self.depth() - need.depth(),
            }
        } else if self.is_ancestor_of(need) {
            CategoryRelation::Broader {
                levels: need.depth() - self.depth(),
            }
        } else {
            CategoryRelation::Unrelated
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CategoryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for CategoryCode {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CategoryCode::parse(s)
    }
}

impl TryFrom<&str> for CategoryCode {
    type Error = Invalid;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        CategoryCode::parse(value)
    }
}

impl TryFrom<String> for CategoryCode {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        CategoryCode::parse(&value)
    }
}

impl From<CategoryCode> for String {
    fn from(code: CategoryCode) -> Self {
        code.0
    }
}

#[cfg(test)]
// A failed unwrap is the clearest failure a test can report; the workspace lint is for library code.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;

    fn cat(s: &str) -> CategoryCode {
        CategoryCode::parse(s).unwrap()
    }

    #[test]
    fn normalises_case_and_whitespace() {
        let code = cat("  edrive.Battery.cell_21700 ");
        assert_eq!(code.as_str(), "EDRIVE.BATTERY.CELL_21700");
        assert_eq!(code.to_string(), code.as_str());
        assert_eq!(code.depth(), 3);
    }

    #[test]
    fn refuses_malformed_codes() {
        let too_long = format!("{0}.{0}.{0}.{0}.{1}", "A".repeat(24), "B");
        assert_eq!(too_long.len(), 101);
        for bad in [
            "",
            ".",
            "EDRIVE.",
            ".EDRIVE",
            "EDRIVE..CELL",
            "EDRIVE BATTERY",
            "EDRIVE/BATTERY",
            "电驱",
            "A.B.C.D.E.F.G",
            &"A".repeat(25),
            &too_long,
        ] {
            assert_eq!(
                CategoryCode::parse(bad).unwrap_err().code,
                "category_code.format",
                "{bad:?}"
            );
        }
        assert!(CategoryCode::parse("A.B.C.D.E.F").is_ok());
        assert!(CategoryCode::parse(&"A".repeat(24)).is_ok());
        assert!(CategoryCode::parse(&too_long[1..]).is_ok());
    }

    #[test]
    fn walks_up_the_tree() {
        let cell = cat("EDRIVE.BATTERY.CELL");
        let battery = cell.parent().unwrap();
        assert_eq!(battery, cat("EDRIVE.BATTERY"));
        assert_eq!(battery.parent(), Some(cat("EDRIVE")));
        assert_eq!(cat("EDRIVE").parent(), None);
    }

    #[test]
    fn ancestry_is_by_segment_and_strict() {
        assert!(cat("EDRIVE").is_ancestor_of(&cat("EDRIVE.BATTERY")));
        assert!(cat("EDRIVE").is_ancestor_of(&cat("EDRIVE.BATTERY.CELL")));
        assert!(!cat("EDRIVE").is_ancestor_of(&cat("EDRIVEX.A")));
        assert!(!cat("EDRIVE").is_ancestor_of(&cat("EDRIVE")));
        assert!(!cat("EDRIVE.BATTERY").is_ancestor_of(&cat("EDRIVE")));
    }

    #[test]
    fn relates_capability_to_need() {
        let rel = |cap: &str, need: &str| cat(cap).relation_to(&cat(need));
        assert_eq!(rel("EDRIVE", "edrive"), CategoryRelation::Same);
        assert_eq!(
            rel("EDRIVE.BATTERY.CELL", "EDRIVE.BATTERY"),
            CategoryRelation::Narrower { levels: 1 }
        );
        assert_eq!(
            rel("EDRIVE", "EDRIVE.BATTERY.CELL"),
            CategoryRelation::Broader { levels: 2 }
        );
        assert_eq!(
            rel("EDRIVE.MOTOR", "EDRIVE.BATTERY"),
            CategoryRelation::Unrelated
        );
        assert_eq!(rel("EDRIVE", "EDRIVEX.A"), CategoryRelation::Unrelated);
    }

    #[test]
    fn serde_goes_through_parse() {
        let de = |s: &str| {
            let input: serde::de::value::StringDeserializer<serde::de::value::Error> =
                s.to_owned().into_deserializer();
            CategoryCode::deserialize(input)
        };
        assert_eq!(de("edrive.motor").unwrap(), cat("EDRIVE.MOTOR"));
        assert!(de("EDRIVE..MOTOR").is_err());

        let mut out = csv::Writer::from_writer(Vec::new());
        out.serialize((cat("EDRIVE.MOTOR"),)).unwrap();
        let written = String::from_utf8(out.into_inner().unwrap()).unwrap();
        assert_eq!(written, "EDRIVE.MOTOR\n");
        assert_eq!(String::from(cat("EDRIVE.MOTOR")), "EDRIVE.MOTOR");
    }

    /// Codes from a small alphabet of segments, so related pairs come up often.
    fn code() -> impl Strategy<Value = CategoryCode> {
        proptest::collection::vec(
            prop_oneof!["A", "B", "AB", "[A-Z0-9_-]{1,24}"],
            1..=MAX_DEPTH,
        )
        .prop_filter_map("too long", |segments| {
            CategoryCode::parse(&segments.join(".")).ok()
        })
    }

    proptest! {
        #[test]
        fn relation_is_antisymmetric(a in code(), b in code()) {
            let expected = match a.relation_to(&b) {
                CategoryRelation::Same => CategoryRelation::Same,
                CategoryRelation::Narrower { levels } => CategoryRelation::Broader { levels },
                CategoryRelation::Broader { levels } => CategoryRelation::Narrower { levels },
                CategoryRelation::Unrelated => CategoryRelation::Unrelated,
            };
            prop_assert_eq!(b.relation_to(&a), expected);
            prop_assert_eq!(a.relation_to(&b) == CategoryRelation::Same, a == b);
        }

        #[test]
        fn every_ancestor_is_reached_by_parents(code in code()) {
            let mut levels = 0;
            let mut current = code.clone();
            while let Some(parent) = current.parent() {
                levels += 1;
                prop_assert_eq!(parent.depth() + 1, current.depth());
                prop_assert!(parent.is_ancestor_of(&code));
                prop_assert_eq!(code.relation_to(&parent), CategoryRelation::Narrower { levels });
                current = parent;
            }
            prop_assert_eq!(current.depth(), 1);
            prop_assert_eq!(levels + 1, code.depth());
        }

        #[test]
        fn parse_is_idempotent_and_case_blind(code in code()) {
            prop_assert_eq!(CategoryCode::parse(code.as_str()), Ok(code.clone()));
            prop_assert_eq!(CategoryCode::parse(&code.as_str().to_lowercase()), Ok(code));
        }

        #[test]
        fn parse_never_panics(input in "\\PC{0,120}") {
            if let Ok(code) = CategoryCode::parse(&input) {
                prop_assert!(code.depth() <= MAX_DEPTH && code.as_str().len() <= MAX_LEN);
            }
        }
    }
}
