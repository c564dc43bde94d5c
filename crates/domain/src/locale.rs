//! The two languages the product speaks: Chinese first, English second.
//! Parsing is lenient (a browser's Accept-Language header, a form field), output is canonical.

use serde::{Deserialize, Serialize};

/// A language a person reads the product in. `zh-CN` is the default everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    /// The canonical tag, as stored and as sent in `Content-Language`.
    #[must_use]
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Reads one language tag (`zh`, `zh-CN`, `zh-Hans-CN`, `en-GB`, `EN` ...).
    #[must_use]
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Locale::ZhCn),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// Picks from an `Accept-Language` header by q-value; ties go to the earlier entry,
    /// and a header naming neither language gives the default (zh-CN).
    #[must_use]
    pub fn negotiate(accept_language: &str) -> Locale {
        let mut best: Option<(Locale, f32)> = None;
        for part in accept_language.split(',') {
            let mut pieces = part.split(';');
            let Some(locale) = pieces.next().and_then(Locale::from_tag) else {
                continue;
            };
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(_, bq)| q > bq) {
                best = Some((locale, q));
            }
        }
        best.map(|(l, _)| l).unwrap_or_default()
    }

    /// Chooses between two texts: the first Chinese, the second English.
    #[must_use]
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Locale::ZhCn => zh,
            Locale::En => en,
        }
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

impl std::str::FromStr for Locale {
    type Err = crate::Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "zh-CN" => Ok(Locale::ZhCn),
            "en" => Ok(Locale::En),
            _ => Err(crate::Invalid::new(
                "locale",
                "语言只能是 zh-CN 或 en",
                "locale must be zh-CN or en",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_by_quality_and_defaults_to_chinese() {
        assert_eq!(Locale::negotiate("en-US,en;q=0.9"), Locale::En);
        assert_eq!(Locale::negotiate("en;q=0.5, zh-CN;q=0.8"), Locale::ZhCn);
        assert_eq!(Locale::negotiate("fr-FR, de"), Locale::ZhCn);
        assert_eq!(Locale::negotiate(""), Locale::ZhCn);
        assert_eq!(Locale::negotiate("zh-Hans-CN"), Locale::ZhCn);
        assert_eq!(Locale::negotiate("fr, en;q=0.1"), Locale::En);
        assert_eq!(Locale::negotiate("en;q=0"), Locale::ZhCn);
    }

    #[test]
    fn canonical_tags_round_trip() {
        for l in Locale::ALL {
            assert_eq!(l.tag().parse::<Locale>().ok(), Some(l));
        }
        assert!("EN".parse::<Locale>().is_err());
    }
}
