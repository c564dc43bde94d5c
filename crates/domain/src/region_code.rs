//! Administrative division codes (GB/T 2260): where a plant or a buyer is, as six digits.
//! Only the shape is checked here; whether a code is in the current edition is reference data.

use serde::{Deserialize, Serialize};

use crate::Invalid;

const FORMAT: Invalid = Invalid::new(
    "region_code.format",
    "行政区划代码应为 6 位数字（GB/T 2260），前两位是 11 到 82 之间的省级代码，例如 510100。",
    "A region code is 6 digits (GB/T 2260) whose first two digits are a province code from 11 to 82, for example 510100.",
);

// 11 is Beijing, 82 is Macao; nothing outside that range has ever been a province prefix.
const PROVINCE_PREFIXES: std::ops::RangeInclusive<u8> = 11..=82;

/// How far down the hierarchy a code points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegionLevel {
    /// Province, autonomous region, municipality or SAR (省级).
    Province,
    /// Prefecture-level city, autonomous prefecture or league (地级).
    City,
    /// District, county or county-level city (县级).
    District,
}

impl RegionLevel {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::District => "district",
        }
    }
}

impl std::fmt::Display for RegionLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A six-digit GB/T 2260 code such as `510100` (成都市). Ordering is by the digits, which
/// keeps a province, its cities and their districts next to each other.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(input: &str) -> Result<RegionCode, Invalid> {
        let code = input.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FORMAT);
        }
        // Six ASCII digits, so the first two are a valid u8 and "000000" fails the range.
        let prefix = code
            .get(..2)
            .and_then(|p| p.parse::<u8>().ok())
            .ok_or(FORMAT)?;
        if !PROVINCE_PREFIXES.contains(&prefix) {
            return Err(FORMAT);
        }
        Ok(RegionCode(code.to_owned()))
    }

    /// Read from the digits alone, so it works for codes we have no name for.
    #[must_use]
    pub fn level(&self) -> RegionLevel {
        if self.0.ends_with("0000") {
            RegionLevel::Province
        } else if self.0.ends_with("00") {
            RegionLevel::City
        } else {
            RegionLevel::District
        }
    }

    /// The two-digit province part, e.g. `"51"` for any code in Sichuan.
    #[must_use]
    pub fn province_prefix(&self) -> &str {
        self.0.get(..2).unwrap_or_default()
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RegionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for RegionCode {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

impl TryFrom<&str> for RegionCode {
    type Error = Invalid;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        RegionCode::parse(value)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&value)
    }
}

impl From<RegionCode> for String {
    fn from(code: RegionCode) -> Self {
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

    #[test]
    fn reads_levels_from_the_digits() {
        let level = |s: &str| RegionCode::parse(s).unwrap().level();
        assert_eq!(level("510000"), RegionLevel::Province);
        assert_eq!(level("510100"), RegionLevel::City);
        assert_eq!(level("510104"), RegionLevel::District);
        assert_eq!(level("110000"), RegionLevel::Province);
        assert_eq!(level("820000"), RegionLevel::Province);
        assert_eq!(
            RegionCode::parse(" 510104\n").unwrap().province_prefix(),
            "51"
        );
    }

    #[test]
    fn refuses_anything_else() {
        for bad in [
            "", "000000", "51010", "5101040", "51O100", "-51010", "+51010", "100000", "830000",
            "990000", "51 010", "５10100",
        ] {
            assert_eq!(
                RegionCode::parse(bad).unwrap_err().code,
                "region_code.format",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn level_names_match_serde() {
        let de = |s: &str| {
            let input: serde::de::value::StrDeserializer<serde::de::value::Error> =
                s.into_deserializer();
            RegionLevel::deserialize(input)
        };
        for level in [
            RegionLevel::Province,
            RegionLevel::City,
            RegionLevel::District,
        ] {
            assert_eq!(de(level.as_str()), Ok(level));
            assert_eq!(level.to_string(), level.as_str());
        }
        assert!(de("Province").is_err());
    }

    #[test]
    fn serde_goes_through_parse() {
        let de = |s: &str| {
            let input: serde::de::value::StringDeserializer<serde::de::value::Error> =
                s.to_owned().into_deserializer();
            RegionCode::deserialize(input)
        };
        assert_eq!(de("510100").unwrap().as_str(), "510100");
        assert!(de("000000").is_err());

        let mut out = csv::Writer::from_writer(Vec::new());
        let code = RegionCode::parse("510104").unwrap();
        out.serialize((code.clone(), code.level())).unwrap();
        let written = String::from_utf8(out.into_inner().unwrap()).unwrap();
        assert_eq!(written, "510104,district\n");
        assert_eq!(String::from(code), "510104");
    }

    #[test]
    fn orders_a_province_before_its_parts() {
        let mut codes: Vec<RegionCode> = ["510104", "110000", "510000", "510100"]
            .into_iter()
            .map(|s| RegionCode::parse(s).unwrap())
            .collect();
        codes.sort();
        let sorted: Vec<&str> = codes.iter().map(RegionCode::as_str).collect();
        assert_eq!(sorted, ["110000", "510000", "510100", "510104"]);
    }

    proptest! {
        #[test]
        fn any_code_under_a_province_parses(prefix in 11u8..=82, rest in 0u32..10_000) {
            let text = format!("{prefix:02}{rest:04}");
            let code = RegionCode::parse(&text).unwrap();
            prop_assert_eq!(code.as_str(), text.as_str());
            prop_assert_eq!(code.province_prefix(), &text[..2]);
            let expected = match rest {
                0 => RegionLevel::Province,
                r if r % 100 == 0 => RegionLevel::City,
                _ => RegionLevel::District,
            };
            prop_assert_eq!(code.level(), expected);
        }

        #[test]
        fn prefixes_outside_the_range_fail(prefix in prop_oneof![0u8..11, 83u8..100], rest in 0u32..10_000) {
            let text = format!("{prefix:02}{rest:04}");
            prop_assert!(RegionCode::parse(&text).is_err());
        }

        #[test]
        fn parse_never_panics_and_is_idempotent(input in "\\PC{0,8}") {
            if let Ok(code) = RegionCode::parse(&input) {
                prop_assert_eq!(RegionCode::parse(code.as_str()), Ok(code));
            }
        }
    }
}
