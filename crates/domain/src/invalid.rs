//! Why a value from outside was refused: a stable code for machines and a message in each
//! language for people. The caller knows which field it was and adds that at the edge.

use crate::Locale;

/// A refused value. `code` is stable (clients may switch on it); the messages are for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

impl Invalid {
    #[must_use]
    pub const fn new(code: &'static str, zh: &'static str, en: &'static str) -> Self {
        Invalid { code, zh, en }
    }

    #[must_use]
    pub fn message(&self, locale: Locale) -> &'static str {
        match locale {
            Locale::ZhCn => self.zh,
            Locale::En => self.en,
        }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.en, self.code)
    }
}

impl std::error::Error for Invalid {}
