//! The two kinds of company on the platform and the words for their sizes.
//! Stored and sent as the lowercase words used in the API (`supplier`, `oem`).

/// Defines a closed set of words stored as text: `as_str` for the database and the API,
/// `parse` for input, with one error naming the allowed words in both languages.
#[macro_export]
macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident, $code:literal, $zh:literal, $en:literal { $($variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(#[serde(rename = $word)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            /// Reads the stored or submitted word.
            ///
            /// # Errors
            /// Any other word is refused with the allowed ones named.
            pub fn parse(word: &str) -> Result<Self, $crate::Invalid> {
                match word {
                    $($word => Ok($name::$variant),)+
                    _ => Err($crate::Invalid::new($code, $zh, $en)),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(
    /// Which side of the market a company is on.
    OrganizationKind, "organization.kind", "企业类型只能是 supplier(零部件企业)或 oem(整车企业)",
    "kind must be supplier or oem" {
        Supplier = "supplier",
        Oem = "oem",
    }
);

word_enum!(
    /// A rough company size, as associations report it.
    OrganizationSize, "organization.size", "企业规模只能是 small、medium 或 large",
    "size must be small, medium or large" {
        Small = "small",
        Medium = "medium",
        Large = "large",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_others_are_refused() {
        for kind in OrganizationKind::ALL {
            assert_eq!(OrganizationKind::parse(kind.as_str()), Ok(*kind));
        }
        let err = OrganizationKind::parse("Supplier").unwrap_err();
        assert_eq!(err.code, "organization.kind");
    }
}
