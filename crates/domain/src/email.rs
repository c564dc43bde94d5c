//! An email address a person signs in with and we send mail to.
//! Held trimmed and lowercased, because one mailbox must map to one account.

use serde::{Deserialize, Serialize};

use crate::Invalid;

// RFC 5321 limits: a path is at most 256 octets including the angle brackets, which leaves 254
// for the address; a local part is at most 64 octets and a DNS label at most 63.
const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;

const TOO_LONG: Invalid = Invalid::new(
    "email.too_long",
    "邮箱地址太长：整个地址不能超过 254 个字符。",
    "This email address is too long: an address may have at most 254 characters.",
);
const LOCAL_TOO_LONG: Invalid = Invalid::new(
    "email.too_long",
    "邮箱地址中 @ 前面的部分不能超过 64 个字符。",
    "The part of an email address before the @ may have at most 64 characters.",
);
const ONE_AT: Invalid = Invalid::new(
    "email.invalid",
    "邮箱地址应包含且只包含一个 @，例如 name@example.com。",
    "An email address must contain exactly one @, as in name@example.com.",
);
const EMPTY_LOCAL: Invalid = Invalid::new(
    "email.invalid",
    "邮箱地址中 @ 前面缺少用户名，例如 name@example.com。",
    "The name before the @ is missing; an address looks like name@example.com.",
);
const LOCAL_CHARS: Invalid = Invalid::new(
    "email.invalid",
    "邮箱用户名只能包含英文字母、数字和 . _ - + 等常见符号，不能含空格、引号、尖括号、逗号或中文字符，点号也不能连续或位于首尾。",
    "The name before the @ may contain only letters, digits and common symbols such as . _ - +; no spaces, quotes, angle brackets, commas or non-Latin characters, and no dot at the start, at the end or twice in a row.",
);
const DOMAIN_DOT: Invalid = Invalid::new(
    "email.invalid",
    "邮箱地址中 @ 后面应是完整的域名，例如 example.com。",
    "The part after the @ must be a full domain name such as example.com.",
);
const DOMAIN_LABEL: Invalid = Invalid::new(
    "email.invalid",
    "邮箱域名的每一段只能包含英文字母、数字和连字符（不能以连字符开头或结尾），每段 1 到 63 个字符；暂不支持中文域名。",
    "Each part of the domain may contain only letters, digits and hyphens (not at its start or end) and must be 1 to 63 characters long; internationalised domains are not supported yet.",
);
const TLD: Invalid = Invalid::new(
    "email.invalid",
    "邮箱域名的最后一段（如 com、cn）应由至少两个英文字母组成。",
    "The last part of the domain (such as com or cn) must be at least two letters.",
);

/// A syntactically sound, lowercased email address. Whether the mailbox exists is a question
/// only sending mail can answer, so that is not attempted here.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Reads an address as typed into a form. The whole address is lowercased: the standard
    /// lets a server treat the local part case-sensitively, but none that our users rely on
    /// does, and two accounts for `Li@x.cn` and `li@x.cn` would be a worse problem.
    pub fn parse(input: &str) -> Result<Email, Invalid> {
        let address = input.trim().to_ascii_lowercase();
        // `len` is bytes; anything non-ASCII is refused below, so bytes are characters.
        if address.len() > MAX_LEN {
            return Err(TOO_LONG);
        }
        let Some((local, domain)) = address.split_once('@') else {
            return Err(ONE_AT);
        };
        if domain.contains('@') {
            return Err(ONE_AT);
        }
        check_local(local)?;
        check_domain(domain)?;
        Ok(Email(address))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The mailbox name, before the `@`.
    #[must_use]
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or("", |(local, _)| local)
    }

    /// The domain, after the `@`; useful to spot colleagues at the same company.
    #[must_use]
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, domain)| domain)
    }
}

/// RFC 5321 dot-string: atoms of `atext` joined by single dots. Quoted local parts
/// (`"john doe"@x.cn`) are legal but practically unused and break many mail systems, and
/// non-ASCII local parts need SMTPUTF8 that we cannot count on relays supporting, so the
/// allowed set is a whitelist; it excludes spaces, controls, quotes, angle brackets and commas.
fn check_local(local: &str) -> Result<(), Invalid> {
    if local.is_empty() {
        return Err(EMPTY_LOCAL);
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(LOCAL_TOO_LONG);
    }
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    if local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(atext))
    {
        Ok(())
    } else {
        Err(LOCAL_CHARS)
    }
}

/// LDH host names only. Internationalised domains (例子.中国) are out of scope: they would
/// need punycode conversion to compare and send, and we do not ship an IDNA table.
/// Address literals (`user@[10.0.0.1]`) are refused too; nobody signs up with one.
fn check_domain(domain: &str) -> Result<(), Invalid> {
    // A bare host such as `localhost` cannot receive mail from the internet.
    if !domain.contains('.') {
        return Err(DOMAIN_DOT);
    }
    for label in domain.split('.') {
        let ldh = label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if label.is_empty()
            || label.len() > MAX_LABEL_LEN
            || !ldh
            || label.starts_with('-')
            || label.ends_with('-')
        {
            return Err(DOMAIN_LABEL);
        }
    }
    // An all-letter TLD also keeps out bare IP addresses such as 10.0.0.1.
    let tld = domain.rsplit('.').next().unwrap_or_default();
    if tld.len() < 2 || !tld.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(TLD);
    }
    Ok(())
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Email {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Email::parse(s)
    }
}

impl TryFrom<&str> for Email {
    type Error = Invalid;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Email::parse(value)
    }
}

impl TryFrom<String> for Email {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

#[cfg(test)]
// A failed unwrap is the clearest failure a test can report; the workspace lint is for library code.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;

    fn code_of(s: &str) -> &'static str {
        Email::parse(s).unwrap_err().code
    }

    #[test]
    fn accepts_and_normalises_ordinary_addresses() {
        let email = Email::parse("  Zhang.Wei+RFQ@Mail.Example-Auto.com.CN \t").unwrap();
        assert_eq!(email.as_str(), "zhang.wei+rfq@mail.example-auto.com.cn");
        assert_eq!(email.local_part(), "zhang.wei+rfq");
        assert_eq!(email.domain(), "mail.example-auto.com.cn");
        assert_eq!(email.to_string(), email.as_str());
        for ok in [
            "a@b.cn",
            "o'brien@example.com",
            "x_y-z@163.com",
            "1@2.xyz",
            "a@xn--fiqs8s.com",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in [
            "",
            "plainaddress",
            "a@@b.cn",
            "a@b@c.cn",
            "@example.com",
            "a b@example.com",
            "\"ab\"@example.com",
            "<a>@example.com",
            "a,b@example.com",
            "a\u{7}@example.com",
            "张伟@example.com",
            ".a@example.com",
            "a.@example.com",
            "a..b@example.com",
            "a@localhost",
            "a@example.",
            "a@.example.com",
            "a@exa_mple.com",
            "a@-example.com",
            "a@example-.com",
            "a@例子.中国",
            "a@example.c",
            "a@example.c0m",
            "a@10.0.0.1",
            "a@[10.0.0.1]",
        ] {
            assert_eq!(code_of(bad), "email.invalid", "{bad:?}");
        }
    }

    #[test]
    fn enforces_length_limits() {
        let local64 = "a".repeat(64);
        assert!(Email::parse(&format!("{local64}@example.com")).is_ok());
        assert_eq!(
            code_of(&format!("a{local64}@example.com")),
            "email.too_long"
        );

        let label63 = "b".repeat(63);
        assert!(Email::parse(&format!("a@{label63}.com")).is_ok());
        assert_eq!(code_of(&format!("a@b{label63}.com")), "email.invalid");

        // 64 + 1 + 189 = 254 exactly.
        let domain = format!("{0}.{0}.{1}.com", "c".repeat(63), "d".repeat(57));
        let longest = format!("{local64}@{domain}");
        assert_eq!(longest.len(), 254);
        assert!(Email::parse(&longest).is_ok());
        assert_eq!(code_of(&format!("{longest}m")), "email.too_long");
    }

    #[test]
    fn serde_goes_through_parse() {
        let de = |s: &str| {
            let input: serde::de::value::StringDeserializer<serde::de::value::Error> =
                s.to_owned().into_deserializer();
            Email::deserialize(input)
        };
        assert_eq!(de(" Li@X.cn ").unwrap().as_str(), "li@x.cn");
        assert!(de("li").is_err());

        let mut out = csv::Writer::from_writer(Vec::new());
        out.serialize((Email::parse("li@x.cn").unwrap(),)).unwrap();
        let written = String::from_utf8(out.into_inner().unwrap()).unwrap();
        assert_eq!(written, "li@x.cn\n");
        assert_eq!(String::from(Email::parse("li@x.cn").unwrap()), "li@x.cn");
    }

    fn valid_address() -> impl Strategy<Value = String> {
        (
            "[A-Za-z0-9_%+'-]{1,12}(\\.[A-Za-z0-9_%+'-]{1,12}){0,2}",
            proptest::collection::vec("[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?", 1..4),
            "[A-Za-z]{2,6}",
        )
            .prop_map(|(local, labels, tld)| format!("{local}@{}.{tld}", labels.join(".")))
    }

    proptest! {
        #[test]
        fn generated_addresses_parse_lowercased(address in valid_address()) {
            let email = Email::parse(&address).unwrap();
            prop_assert_eq!(email.as_str(), address.to_ascii_lowercase());
            prop_assert_eq!(
                format!("{}@{}", email.local_part(), email.domain()),
                email.as_str()
            );
            prop_assert_eq!(Email::parse(&format!(" {address}\n")), Ok(email));
        }

        #[test]
        fn without_an_at_sign_nothing_parses(input in "[^@]{0,80}") {
            prop_assert_eq!(code_of(&input), "email.invalid");
        }

        #[test]
        fn parse_never_panics_and_is_idempotent(input in "\\PC{0,40}(@\\PC{0,40})?") {
            if let Ok(email) = Email::parse(&input) {
                prop_assert_eq!(Email::parse(email.as_str()), Ok(email));
            }
        }
    }
}
