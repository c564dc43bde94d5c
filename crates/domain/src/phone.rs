//! A Chinese telephone number a company gives as its contact: a mobile or a landline with its
//! area code. Read in the many ways people write them; stored in one canonical international form.
//!
//! Canonical form (what [`Phone::as_str`] returns, what is stored and shown):
//! - mobile: `+86 138 0000 0000` (country code, then 3 + 4 + 4 digits);
//! - landline: `+86 23 6789 0000` (country code, the area code without its trunk 0, then the
//!   local number as 4 + 4 digits, or 3 + 4 when it has seven);
//! - a landline extension follows as ` ext. 8012`.
//!
//! Accepted input: an optional `+86`, `0086` or `(+86)`; spaces, hyphens, dots and parentheses
//! between digit groups (full-width forms too, as Chinese input methods type them); landlines
//! with their trunk 0 (`023-6789 0000`) or without it after `+86`; an extension after `ext`,
//! `x`, `转`, `分机` or `#`, or as a last hyphenated group (`023-67890000-8012`).

use serde::{Deserialize, Serialize};

use crate::Invalid;

const CODE: &str = "phone.invalid";
// The stored column holds 40 characters; nothing valid comes close, so longer input is noise.
const MAX_INPUT_CHARS: usize = 40;
const MAX_EXTENSION_DIGITS: usize = 6;

const EMPTY: Invalid = Invalid::new(
    CODE,
    "请填写电话号码，例如手机 138 0000 0000 或固定电话 023-6789 0000。",
    "Enter a phone number, such as the mobile 138 0000 0000 or the landline 023-6789 0000.",
);
const TOO_LONG: Invalid = Invalid::new(
    CODE,
    "电话号码太长：请只填写一个号码（最多 40 个字符）。",
    "This phone number is too long: enter a single number (at most 40 characters).",
);
const CHARACTERS: Invalid = Invalid::new(
    CODE,
    "电话号码只能包含数字、空格、连字符和括号，可以 +86 开头，分机号写在“转”或“ext”之后。",
    "A phone number may contain only digits, spaces, hyphens and parentheses, may start with +86, and takes an extension after “ext”.",
);
const COUNTRY: Invalid = Invalid::new(
    CODE,
    "目前只接受中国大陆的电话号码（+86）。",
    "Only phone numbers in mainland China (+86) are accepted for now.",
);
const MOBILE: Invalid = Invalid::new(
    CODE,
    "手机号码应为 11 位数字，以 13 至 19 开头，例如 138 0000 0000。",
    "A mobile number has 11 digits and starts with 13 to 19, for example 138 0000 0000.",
);
const MOBILE_EXTENSION: Invalid = Invalid::new(
    CODE,
    "手机号码没有分机号，请去掉分机部分。",
    "Mobile numbers have no extension; remove that part.",
);
const AREA_CODE: Invalid = Invalid::new(
    CODE,
    "固定电话请带上区号，例如 023-6789 0000（重庆）或 010-1234 5678（北京）；手机号码以 1 开头，共 11 位。",
    "Give a landline with its area code, such as 023-6789 0000 (Chongqing) or 010-1234 5678 (Beijing); mobile numbers start with 1 and have 11 digits.",
);
const LOCAL_NUMBER: Invalid = Invalid::new(
    CODE,
    "固定电话区号后面的号码应为 7 或 8 位，且不以 0 或 1 开头，例如 023-6789 0000。",
    "After the area code a landline number has 7 or 8 digits and does not start with 0 or 1, as in 023-6789 0000.",
);
const EXTENSION: Invalid = Invalid::new(
    CODE,
    "分机号应为 1 到 6 位数字，例如 023-6789 0000 转 8012。",
    "An extension is 1 to 6 digits, as in 023-6789 0000 ext. 8012.",
);

/// A mainland-China phone number in the canonical form described in the module docs.
/// Two ways of writing the same number parse to equal values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

/// Whether a number reaches a mobile or a fixed line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneKind {
    Mobile,
    Landline,
}

impl Phone {
    /// Reads a number as people type or paste it.
    ///
    /// # Errors
    /// `phone.invalid`, with a message saying what to fix.
    pub fn parse(input: &str) -> Result<Phone, Invalid> {
        let text: String = input.trim().chars().map(half_width).collect();
        if text.is_empty() {
            return Err(EMPTY);
        }
        if text.chars().count() > MAX_INPUT_CHARS {
            return Err(TOO_LONG);
        }
        let (body, marked_extension) = split_extension(&text);
        let mut extension = match marked_extension {
            Some(ext) => Some(extension_digits(ext)?),
            None => None,
        };
        let (international, groups) = digit_groups(body)?;
        let mut national: String = groups.concat();
        if national.is_empty() {
            return Err(EMPTY);
        }
        // After +86 a landline drops its trunk 0 ("+86 23 ...", Beijing "+86 10 ..."); some
        // write it anyway. Mobiles start with 13-19, so a leading 10 is always Beijing.
        if international && (national.starts_with("10") || !national.starts_with(['0', '1'])) {
            national.insert(0, '0');
        }
        if national.starts_with('1') {
            if extension.is_some() {
                return Err(MOBILE_EXTENSION);
            }
            return mobile(&national);
        }
        if !national.starts_with('0') {
            return Err(AREA_CODE);
        }
        let area_len = area_code_len(&national).ok_or(AREA_CODE)?;
        let (area, mut local) = national.split_at(area_len);
        // "023-67890000-8012": a last group that leaves a well-formed number is an extension.
        if !local_ok(local)
            && extension.is_none()
            && groups.len() > 1
            && let Some(last) = groups.last()
            && (1..=MAX_EXTENSION_DIGITS).contains(&last.len())
            && local.len() > last.len()
            && local_ok(&local[..local.len() - last.len()])
        {
            extension = Some(last.clone());
            local = &local[..local.len() - last.len()];
        }
        if !local_ok(local) {
            return Err(LOCAL_NUMBER);
        }
        let mut out = format!("+86 {} {}", &area[1..], group_local(local));
        if let Some(ext) = extension {
            out.push_str(" ext. ");
            out.push_str(&ext);
        }
        Ok(Phone(out))
    }

    /// The canonical form, e.g. `+86 138 0000 0000` or `+86 23 6789 0000 ext. 8012`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn kind(&self) -> PhoneKind {
        // Mobile prefixes are 13x-19x; "+86 10 " is Beijing's area code.
        if self.0.starts_with("+86 1") && !self.0.starts_with("+86 10 ") {
            PhoneKind::Mobile
        } else {
            PhoneKind::Landline
        }
    }

    /// The number in E.164 without the extension (`+8613800000000`), for `tel:` links.
    #[must_use]
    pub fn e164(&self) -> String {
        let number = self.0.split(" ext. ").next().unwrap_or_default();
        number
            .chars()
            .filter(|c| *c == '+' || c.is_ascii_digit())
            .collect()
    }

    /// The extension, if any.
    #[must_use]
    pub fn extension(&self) -> Option<&str> {
        self.0.split_once(" ext. ").map(|(_, ext)| ext)
    }
}

/// Full-width digits and punctuation, as Chinese input methods produce them, to ASCII.
fn half_width(c: char) -> char {
    match c {
        '０'..='９' => {
            char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
        }
        '＋' => '+',
        '－' | '—' | '–' => '-',
        '（' => '(',
        '）' => ')',
        '＃' => '#',
        '　' => ' ',
        '．' | '。' => '.',
        'Ｘ' | 'ｘ' => 'x',
        other => other,
    }
}

/// Splits at the first extension marker: `ext`/`ext.`, `x`, `转`, `分机`(号), `#`.
fn split_extension(text: &str) -> (&str, Option<&str>) {
    let lower = text.to_ascii_lowercase();
    let markers = ["分机号", "分机", "转", "ext", "x", "#"];
    let found = markers
        .iter()
        .filter_map(|m| lower.find(m).map(|at| (at, m.len())))
        .min_by_key(|(at, _)| *at);
    match found {
        // ASCII lowercasing keeps byte offsets, so they index `text` too.
        Some((at, len)) => {
            let rest = text[at + len..].trim_start_matches(['.', ':', '：', ' ']);
            (&text[..at], Some(rest))
        }
        None => (text, None),
    }
}

fn extension_digits(ext: &str) -> Result<String, Invalid> {
    let digits: String = ext.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if (1..=MAX_EXTENSION_DIGITS).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        Ok(digits)
    } else {
        Err(EXTENSION)
    }
}

/// The digit groups of the number (separators dropped), and whether it began with +86 / 0086.
fn digit_groups(body: &str) -> Result<(bool, Vec<String>), Invalid> {
    let mut rest = body.trim();
    let mut international = false;
    for prefix in ["(+86)", "+86", "(0086)", "0086"] {
        if let Some(after) = rest.strip_prefix(prefix) {
            rest = after;
            international = true;
            break;
        }
    }
    if !international && rest.starts_with('+') {
        return Err(COUNTRY);
    }
    let mut groups = Vec::new();
    let mut current = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' => current.push(c),
            ' ' | '-' | '(' | ')' | '.' | '/' => {
                if !current.is_empty() {
                    groups.push(std::mem::take(&mut current));
                }
            }
            _ => return Err(CHARACTERS),
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    Ok((international, groups))
}

fn mobile(national: &str) -> Result<Phone, Invalid> {
    let b = national.as_bytes();
    if b.len() != 11 || !(b'3'..=b'9').contains(&b[1]) || !b.iter().all(u8::is_ascii_digit) {
        return Err(MOBILE);
    }
    Ok(Phone(format!(
        "+86 {} {} {}",
        &national[..3],
        &national[3..7],
        &national[7..]
    )))
}

/// Area codes with their trunk 0: `010` and `02x` have two digits after the 0, `03xx`–`09xx`
/// three. `00` is the international prefix and `01x` other than `010` does not exist.
fn area_code_len(national: &str) -> Option<usize> {
    let b = national.as_bytes();
    match (b.get(1), b.get(2)) {
        (Some(b'1'), Some(b'0')) | (Some(b'2'), Some(_)) => Some(3),
        (Some(b'3'..=b'9'), Some(_)) if b.len() >= 4 => Some(4),
        _ => None,
    }
}

/// Local numbers have 7 or 8 digits; 0 and 1 never lead them (those start trunk and service codes).
fn local_ok(local: &str) -> bool {
    (7..=8).contains(&local.len())
        && local.bytes().all(|b| b.is_ascii_digit())
        && !local.starts_with(['0', '1'])
}

fn group_local(local: &str) -> String {
    let split = local.len() - 4;
    format!("{} {}", &local[..split], &local[split..])
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Phone {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Phone::parse(s)
    }
}

impl TryFrom<&str> for Phone {
    type Error = Invalid;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Phone::parse(value)
    }
}

impl TryFrom<String> for Phone {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Phone::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(phone: Phone) -> Self {
        phone.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(s: &str) -> String {
        Phone::parse(s)
            .unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
            .as_str()
            .to_owned()
    }

    fn refused(s: &str) -> Invalid {
        Phone::parse(s).expect_err(s)
    }

    #[test]
    fn mobiles_in_every_usual_spelling_become_one_form() {
        for input in [
            "13800000000",
            "138 0000 0000",
            "138-0000-0000",
            "+86 138 0000 0000",
            "+8613800000000",
            "+86-138-0000-0000",
            "0086 13800000000",
            "(+86) 138 0000 0000",
            "  １３８ ００００ ００００ ",
            "＋８６　138－0000－0000",
        ] {
            assert_eq!(ok(input), "+86 138 0000 0000", "{input:?}");
        }
        let p = Phone::parse("19912345678").unwrap();
        assert_eq!(p.kind(), PhoneKind::Mobile);
        assert_eq!(p.e164(), "+8619912345678");
        assert_eq!(p.extension(), None);
    }

    #[test]
    fn landlines_keep_their_area_code_without_the_trunk_zero() {
        for input in [
            "023-67890000",
            "023 6789 0000",
            "(023) 6789-0000",
            "02367890000",
            "+86 23 6789 0000",
            "+86 023 6789 0000",
            "0086-23-67890000",
        ] {
            assert_eq!(ok(input), "+86 23 6789 0000", "{input:?}");
        }
        assert_eq!(ok("010-62345678"), "+86 10 6234 5678");
        assert_eq!(ok("+86 10 6234 5678"), "+86 10 6234 5678");
        assert_eq!(
            Phone::parse("010-62345678").unwrap().kind(),
            PhoneKind::Landline
        );
        assert_eq!(ok("0755 8765 4321"), "+86 755 8765 4321");
        // Seven-digit local numbers: 3 + 4.
        assert_eq!(ok("0710-3456789"), "+86 710 345 6789");
        let p = Phone::parse("028-8765 4321").unwrap();
        assert_eq!(p.kind(), PhoneKind::Landline);
        assert_eq!(p.e164(), "+862887654321");
    }

    #[test]
    fn extensions_are_kept_after_ext() {
        for input in [
            "023-67890000 转 8012",
            "023-6789 0000转8012",
            "023-67890000 ext. 8012",
            "023-67890000 EXT 8012",
            "023-67890000 x8012",
            "023-67890000#8012",
            "023-67890000 分机 8012",
            "023-67890000-8012",
            "+86 23 6789 0000 ext. 8012",
        ] {
            assert_eq!(ok(input), "+86 23 6789 0000 ext. 8012", "{input:?}");
        }
        assert_eq!(
            Phone::parse("023-67890000-8012").unwrap().extension(),
            Some("8012")
        );
    }

    #[test]
    fn refuses_what_is_not_a_chinese_number() {
        for (input, zh_hint) in [
            ("", "请填写"),
            ("   ", "请填写"),
            ("1380000000", "11 位"),
            ("138000000001", "11 位"),
            ("12800000000", "13 至 19"),
            ("13800000000 转 12", "分机"),
            ("6789 0000", "区号"),
            ("67890000", "区号"),
            ("023-0789 0000", "7 或 8 位"),
            ("023-123456", "7 或 8 位"),
            ("023-678900001", "7 或 8 位"),
            ("011-67890000", "区号"),
            ("000-67890000", "区号"),
            ("+1 415 555 0100", "中国大陆"),
            ("+44 20 7946 0000", "中国大陆"),
            ("call 13800000000", "只能包含"),
            ("138O0000000", "只能包含"),
            ("<script>13800000000", "只能包含"),
            ("023-67890000 转 1234567", "分机号"),
            ("023-67890000 ext. abc", "分机号"),
            ("023-67890000 ext.", "分机号"),
            ("1380000000000000000000000000000000000000000", "太长"),
        ] {
            let e = refused(input);
            assert_eq!(e.code, "phone.invalid", "{input:?}");
            assert!(e.zh.contains(zh_hint), "{input:?}: {}", e.zh);
            assert!(!e.en.is_empty());
        }
    }

    #[test]
    fn serde_goes_through_parse() {
        use serde::de::IntoDeserializer;
        let de = |s: &str| {
            let input: serde::de::value::StringDeserializer<serde::de::value::Error> =
                s.to_owned().into_deserializer();
            Phone::deserialize(input)
        };
        let p = de("138-0000-0000").unwrap();
        assert_eq!(p.as_str(), "+86 138 0000 0000");
        assert!(de("12345").is_err());
        assert_eq!(String::from(p.clone()), p.to_string());
        assert_eq!("138 0000 0000".parse::<Phone>().unwrap(), p);
        assert_eq!(Phone::try_from("+86 138 0000 0000").unwrap(), p);
    }

    /// Separators people put between digit groups.
    fn separator() -> impl Strategy<Value = &'static str> {
        prop_oneof![Just(""), Just(" "), Just("-"), Just("  "), Just(" - ")]
    }

    fn area_code() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("10".to_owned()),
            "2[0-9]".prop_map(|s| s),
            "[3-9][0-9]{2}".prop_map(|s| s),
        ]
    }

    proptest! {
        #[test]
        fn generated_mobiles_parse_to_their_digits(
            prefix in "1[3-9][0-9]",
            a in "[0-9]{4}",
            b in "[0-9]{4}",
            s1 in separator(),
            s2 in separator(),
            cc in prop_oneof![Just(""), Just("+86 "), Just("+86"), Just("0086 ")],
        ) {
            let phone = Phone::parse(&format!("{cc}{prefix}{s1}{a}{s2}{b}")).unwrap();
            prop_assert_eq!(phone.as_str(), format!("+86 {prefix} {a} {b}"));
            prop_assert_eq!(phone.e164(), format!("+86{prefix}{a}{b}"));
            prop_assert_eq!(phone.kind(), PhoneKind::Mobile);
        }

        #[test]
        fn generated_landlines_parse_in_national_and_international_form(
            area in area_code(),
            local in "[2-9][0-9]{6,7}",
            sep in separator(),
            ext in proptest::option::of("[0-9]{1,6}"),
        ) {
            let ext_part = ext.as_ref().map(|e| format!(" 转 {e}")).unwrap_or_default();
            let national = Phone::parse(&format!("0{area}{sep}{local}{ext_part}")).unwrap();
            let international = Phone::parse(&format!("+86 {area}{sep}{local}{ext_part}")).unwrap();
            prop_assert_eq!(&national, &international);
            prop_assert_eq!(national.kind(), PhoneKind::Landline);
            prop_assert_eq!(national.extension(), ext.as_deref());
            prop_assert_eq!(national.e164(), format!("+86{area}{local}"));
            prop_assert!(national.as_str().len() <= MAX_INPUT_CHARS);
        }

        #[test]
        fn parse_never_panics_and_the_canonical_form_is_a_fixed_point(input in "\\PC{0,45}") {
            if let Ok(phone) = Phone::parse(&input) {
                prop_assert_eq!(Phone::parse(phone.as_str()), Ok(phone.clone()));
                prop_assert!(phone.as_str().starts_with("+86 "));
            }
        }

        #[test]
        fn phone_like_input_either_fails_cleanly_or_reaches_a_fixed_point(
            input in "(\\+86|0086)?[0-9 ()\\-]{0,18}( ?(转|ext|x|#)[0-9 ]{0,8})?",
        ) {
            match Phone::parse(&input) {
                Ok(phone) => {
                    prop_assert_eq!(Phone::parse(phone.as_str()), Ok(phone.clone()));
                    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).count();
                    // Nothing is invented: the canonical form has the input's digits, give or
                    // take the country code and the trunk 0.
                    prop_assert!(digits(phone.as_str()) <= digits(&input) + 3);
                }
                Err(e) => prop_assert_eq!(e.code, "phone.invalid"),
            }
        }

        #[test]
        fn digit_strings_of_the_wrong_shape_are_refused(digits in "[0-9]{1,6}") {
            prop_assert_eq!(Phone::parse(&digits).unwrap_err().code, "phone.invalid");
        }

        #[test]
        fn letters_other_than_an_extension_marker_are_refused(
            // Any letters but x, which may mark an extension.
            word in "[a-wyzA-WYZ]{1,5}",
            number in "1[3-9][0-9]{9}",
        ) {
            let input = format!("{word}{number}");
            prop_assert!(Phone::parse(&input).is_err(), "{} parsed", input);
        }
    }
}
