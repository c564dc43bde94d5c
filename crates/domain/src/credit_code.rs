//! The unified social credit code (统一社会信用代码, GB 32100-2015) that identifies a company.
//! It is how we tell two registrations of the same supplier apart, so it is checked, not trusted.

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// The 31 characters GB 32100 allows; I, O, Z, S and V are left out because they are
/// too easily misread as 1, 0, 2, 5 and U. A character's value is its index here.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weight of position i is 3^i mod 31 (GB 32100-2015, clause 4.3).
/// Not to be confused with the 3, 7, 9, 10, 5, 8, 4, 2 weights of the older 9-character
/// organization code (GB 11714), which is embedded in characters 9 to 17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

const BODY_LEN: usize = 17;
const CODE_LEN: usize = 18;

const LENGTH: Invalid = Invalid::new(
    "credit_code.length",
    "统一社会信用代码应为 18 位，请核对营业执照上的代码。",
    "A unified social credit code has exactly 18 characters; please copy it from the business licence.",
);
const BODY_LENGTH: Invalid = Invalid::new(
    "credit_code.length",
    "计算校验位需要统一社会信用代码的前 17 位。",
    "Computing the check character needs the first 17 characters of the credit code.",
);
const ALPHABET_ERR: Invalid = Invalid::new(
    "credit_code.alphabet",
    "统一社会信用代码只包含数字和大写字母，且不含 I、O、Z、S、V。",
    "A unified social credit code contains only digits and capital letters other than I, O, Z, S and V.",
);
const CHECK_DIGIT: Invalid = Invalid::new(
    "credit_code.check_digit",
    "统一社会信用代码的校验位不正确，可能有字符输错了，请与营业执照核对。",
    "The check character of this credit code does not match; a character may have been mistyped, please compare it with the business licence.",
);

/// An 18-character unified social credit code whose check character is correct.
/// Always stored uppercase, so equal codes compare equal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// Reads a code as people type or paste it: surrounding spaces and lowercase letters are
    /// forgiven, anything else that is wrong is refused.
    pub fn parse(input: &str) -> Result<CreditCode, Invalid> {
        let code = input.trim().to_ascii_uppercase();
        if code.chars().count() != CODE_LEN {
            return Err(LENGTH);
        }
        let values = values(&code)?;
        let (body, check) = values.split_at(BODY_LEN);
        if check != [check_value(body)] {
            return Err(CHECK_DIGIT);
        }
        Ok(CreditCode(code))
    }

    /// Completes a 17-character body with its check character. Demo and synthetic companies
    /// need codes that pass the same validation as real ones.
    pub fn with_check_char(body17: &str) -> Result<CreditCode, Invalid> {
        let mut code = body17.trim().to_ascii_uppercase();
        if code.chars().count() != BODY_LEN {
            return Err(BODY_LENGTH);
        }
        let check = check_value(&values(&code)?);
        code.push(char::from(ALPHABET[check]));
        Ok(CreditCode(code))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Maps each character to its value in the alphabet, refusing anything outside it.
fn values(code: &str) -> Result<Vec<usize>, Invalid> {
    code.bytes()
        .map(|b| ALPHABET.iter().position(|&a| a == b).ok_or(ALPHABET_ERR))
        .collect()
}

/// The value of the check character for a 17-value body.
fn check_value(body: &[usize]) -> usize {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        // Values are < 31, so the u32 cast cannot truncate.
        .map(|(&v, w)| v as u32 * w)
        .sum();
    // 31 - 0 would be 31, which the standard writes as '0'.
    ((31 - sum % 31) % 31) as usize
}

impl std::fmt::Display for CreditCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for CreditCode {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

impl TryFrom<&str> for CreditCode {
    type Error = Invalid;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        CreditCode::parse(value)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        CreditCode::parse(&value)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> Self {
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

    // Real, published codes (Fuzhou, Beijing, Tencent Shenzhen).
    const REAL: [&str; 3] = [
        "91350100M000100Y43",
        "91110000802100433B",
        "91440300708461136T",
    ];

    #[test]
    fn accepts_real_codes() {
        for code in REAL {
            let parsed = CreditCode::parse(code);
            assert_eq!(parsed.as_ref().map(CreditCode::as_str), Ok(code));
        }
    }

    #[test]
    fn forgives_whitespace_and_lowercase() {
        let code = CreditCode::parse("  91350100m000100y43\n").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert_eq!(code.to_string(), "91350100M000100Y43");
    }

    #[test]
    fn refuses_with_the_right_code() {
        let code_of = |s: &str| CreditCode::parse(s).unwrap_err().code;
        assert_eq!(code_of(""), "credit_code.length");
        assert_eq!(code_of("91350100M000100Y4"), "credit_code.length");
        assert_eq!(code_of("91350100M000100Y433"), "credit_code.length");
        assert_eq!(code_of("91350100M000100Y4３"), "credit_code.alphabet");
        assert_eq!(code_of("91350100M000100I43"), "credit_code.alphabet");
        assert_eq!(code_of("91350100M000100O43"), "credit_code.alphabet");
        assert_eq!(code_of("91350100M0001 0Y43"), "credit_code.alphabet");
        assert_eq!(code_of("91350100M000100Y44"), "credit_code.check_digit");
        assert_eq!(code_of("91110000802100433A"), "credit_code.check_digit");
    }

    #[test]
    fn messages_are_written_in_both_languages() {
        for err in [LENGTH, BODY_LENGTH, ALPHABET_ERR, CHECK_DIGIT] {
            assert!(!err.zh.is_ascii());
            assert!(err.en.ends_with('.'));
        }
    }

    #[test]
    fn completes_a_body() {
        for code in REAL {
            let made = CreditCode::with_check_char(&code[..17]).unwrap();
            assert_eq!(made.as_str(), code);
        }
        // A body summing to a multiple of 31 gets '0', not an out-of-range 31.
        assert_eq!(
            CreditCode::with_check_char("00000000000000000")
                .unwrap()
                .as_str(),
            "000000000000000000"
        );
        assert_eq!(
            CreditCode::with_check_char("1234").unwrap_err().code,
            "credit_code.length"
        );
        assert_eq!(
            CreditCode::with_check_char("9135010OM000100Y4")
                .unwrap_err()
                .code,
            "credit_code.alphabet"
        );
    }

    #[test]
    fn serde_goes_through_parse() {
        let de = |s: &str| {
            let input: serde::de::value::StringDeserializer<serde::de::value::Error> =
                s.to_owned().into_deserializer();
            CreditCode::deserialize(input)
        };
        assert_eq!(de("91350100m000100y43").unwrap().as_str(), REAL[0]);
        assert!(de("91350100M000100Y44").is_err());

        let mut out = csv::Writer::from_writer(Vec::new());
        out.serialize((CreditCode::parse(REAL[1]).unwrap(),))
            .unwrap();
        let written = String::from_utf8(out.into_inner().unwrap()).unwrap();
        assert_eq!(written, "91110000802100433B\n");
        assert_eq!(String::from(CreditCode::parse(REAL[1]).unwrap()), REAL[1]);
    }

    fn alphabet_char() -> impl Strategy<Value = char> {
        proptest::sample::select(ALPHABET.map(char::from).to_vec())
    }

    fn body() -> impl Strategy<Value = String> {
        proptest::collection::vec(alphabet_char(), BODY_LEN).prop_map(String::from_iter)
    }

    proptest! {
        #[test]
        fn any_body_with_its_check_char_parses(body in body()) {
            let code = CreditCode::with_check_char(&body).unwrap();
            prop_assert!(code.as_str().starts_with(&body));
            prop_assert_eq!(CreditCode::parse(code.as_str()), Ok(code.clone()));
            prop_assert_eq!(CreditCode::parse(&code.as_str().to_lowercase()), Ok(code));
        }

        #[test]
        fn any_single_substitution_is_caught(
            body in body(),
            at in 0..CODE_LEN,
            replacement in alphabet_char(),
        ) {
            let code = CreditCode::with_check_char(&body).unwrap();
            let mut chars: Vec<char> = code.as_str().chars().collect();
            prop_assume!(chars[at] != replacement);
            chars[at] = replacement;
            let changed = String::from_iter(chars);
            prop_assert_eq!(CreditCode::parse(&changed).unwrap_err().code, "credit_code.check_digit");
        }

        #[test]
        fn any_adjacent_swap_is_caught(body in body(), at in 0..CODE_LEN - 1) {
            let code = CreditCode::with_check_char(&body).unwrap();
            let mut chars: Vec<char> = code.as_str().chars().collect();
            prop_assume!(chars[at] != chars[at + 1]);
            chars.swap(at, at + 1);
            let changed = String::from_iter(chars);
            prop_assert!(CreditCode::parse(&changed).is_err());
        }

        #[test]
        fn parse_never_panics_and_is_idempotent(input in "\\PC{0,24}") {
            if let Ok(code) = CreditCode::parse(&input) {
                prop_assert_eq!(CreditCode::parse(code.as_str()), Ok(code));
            }
        }
    }
}
