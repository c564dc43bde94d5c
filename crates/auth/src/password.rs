//! Passwords: the rules a new one must meet, and argon2id hashing with OWASP's parameters.
//! Hashing is slow on purpose, so async callers use `hash`/`verify`, which move it off the runtime.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::{Algorithm, Argon2, Params, Version};

use crate::hashing::turn as hashing_turn;
use peitao_domain::{Email, Invalid};

/// Shortest and longest accepted password, counted in characters (Unicode allowed, never truncated).
pub const MIN_CHARS: usize = 10;
pub const MAX_CHARS: usize = 128;

/// argon2id cost. `Owasp` is what production uses; `Fast` exists so test suites that create
/// hundreds of users stay quick, and is only chosen by test configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashCost {
    #[default]
    Owasp,
    Fast,
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("the hashing task was cancelled")]
    Cancelled,
}

fn hasher(cost: HashCost) -> Result<Argon2<'static>, PasswordError> {
    // OWASP: argon2id, m = 19 MiB, t = 2, p = 1.
    let params = match cost {
        HashCost::Owasp => Params::new(19 * 1024, 2, 1, None),
        HashCost::Fast => Params::new(1024, 1, 1, None),
    }
    .map_err(|e| PasswordError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The 10,000 most common passwords (see data/README.md), lowercased for a case-blind check.
static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_lowercase)
        .collect()
});

/// Words an attacker guessing passwords for this platform would try first (ASVS 6.1.2): its
/// name, its trade and its regions, in Chinese and pinyin (see data/README.md).
static CONTEXT: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("../data/context-words.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
});

/// True when the password is nothing but a context word with digits, spaces or symbols around
/// it (`Peitao2026!`, `配套平台 123456`), ignoring case.
#[must_use]
pub fn is_context_word(password: &str) -> bool {
    let letters: String = password
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    CONTEXT.contains(&letters)
}

/// True when the password is among the 10,000 most common (ignoring case).
#[must_use]
pub fn is_common(password: &str) -> bool {
    COMMON.contains(&password.to_lowercase())
}

/// Checks a new password against the rules; `email` is the account's, whose local part must
/// not appear in it.
///
/// # Errors
/// The first rule broken, as an `Invalid` for the `password` field.
pub fn check_new(password: &str, email: Option<&Email>) -> Result<(), Invalid> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(Invalid::new(
            "password.too_short",
            "密码至少需要 10 个字符。",
            "The password needs at least 10 characters.",
        ));
    }
    if chars > MAX_CHARS {
        return Err(Invalid::new(
            "password.too_long",
            "密码最多 128 个字符。",
            "The password may have at most 128 characters.",
        ));
    }
    if is_common(password) {
        return Err(Invalid::new(
            "password.common",
            "这个密码太常见,很容易被猜到,请换一个。",
            "This password is among the most common ones and easy to guess; choose another.",
        ));
    }
    if is_context_word(password) {
        return Err(Invalid::new(
            "password.context",
            "密码不能只是本平台或本行业的常用词（如“配套”“Peitao”）加上数字或符号。",
            "The password must not be just a word about this platform or its trade (such as “Peitao”) with digits or symbols.",
        ));
    }
    if let Some(email) = email {
        let local = email.local_part().to_lowercase();
        if local.chars().count() >= 3 && password.to_lowercase().contains(&local) {
            return Err(Invalid::new(
                "password.contains_email",
                "密码不能包含邮箱地址中 @ 之前的部分。",
                "The password must not contain the part of your email before the @.",
            ));
        }
    }
    Ok(())
}

/// Hashes on the current thread. Prefer [`hash`] from async code.
///
/// # Errors
/// Only if argon2 rejects its parameters.
pub fn hash_now(password: &str, cost: HashCost) -> Result<String, PasswordError> {
    // The salt comes from the operating system's generator (argon2's getrandom feature).
    let hashed: PasswordHash = hasher(cost)?
        .hash_password(password.as_bytes())
        .map_err(|e: argon2::password_hash::Error| PasswordError::Hash(e.to_string()))?;
    Ok(hashed.to_string())
}

/// Starts the hashing threads (`auth.hashing_threads`; 0: one per core). See [`crate::hashing`].
pub fn limit_hashing(threads: usize) {
    crate::hashing::start(threads);
}

/// How many hashes may run at once in this process.
#[must_use]
pub fn hashing_threads() -> usize {
    crate::hashing::threads()
}

/// Hashes on a hashing thread, so the async runtime keeps serving requests meanwhile.
///
/// # Errors
/// As [`hash_now`], or if the task is cancelled.
pub async fn hash(password: String, cost: HashCost) -> Result<String, PasswordError> {
    hashing_turn(move || hash_now(&password, cost)).await?
}

/// Verifies on a hashing thread. The parameters come from the stored hash, so hashes made
/// with either cost verify.
pub async fn verify(password: String, stored_hash: String) -> bool {
    hashing_turn(move || verify_now(&password, &stored_hash))
        .await
        .unwrap_or(false)
}

fn verify_now(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery".into(), HashCost::Fast)
            .await
            .unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("correct horse battery".into(), h.clone()).await);
        assert!(!verify("wrong horse battery".into(), h).await);
        assert!(!verify("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn production_cost_uses_owasp_parameters() {
        let h = hash_now("correct horse battery", HashCost::Owasp).unwrap();
        assert!(h.contains("m=19456,t=2,p=1"), "{h}");
    }

    #[test]
    fn rules_for_new_passwords() {
        let email = Email::parse("zhang.wei@example.cn").unwrap();
        assert_eq!(
            check_new("short", None).unwrap_err().code,
            "password.too_short"
        );
        assert_eq!(
            check_new(&"长".repeat(129), None).unwrap_err().code,
            "password.too_long"
        );
        assert!(check_new(&"长".repeat(10), None).is_ok());
        assert_eq!(
            check_new("my-ZHANG.WEI-secret", Some(&email))
                .unwrap_err()
                .code,
            "password.contains_email"
        );
        assert!(check_new("a perfectly fine one", Some(&email)).is_ok());
        // On the common list, whatever the case: long enough, still refused.
        assert_eq!(
            check_new("1234567890", None).unwrap_err().code,
            "password.common"
        );
        assert_eq!(
            check_new("PASSWORD123", None).unwrap_err().code,
            "password.common"
        );
        assert!(is_common("qwertyuiop"));
        assert_eq!(COMMON.len(), 10_000);
    }

    /// ASVS 6.2.11: the documented context words (the platform, its trade, its regions) do not
    /// make a password, whatever digits and symbols surround them; longer phrases using them do.
    #[test]
    fn context_words_dressed_up_are_refused() {
        for refused in [
            "Peitao2026!!",
            "peitao_2026_",
            "配套平台 123456",
            "PEITAO@1234567",
            "chengyu2027!!",
            "零部件 2026-2027",
            "Automotive#2026",
        ] {
            assert_eq!(
                check_new(refused, None).unwrap_err().code,
                "password.context",
                "{refused}"
            );
        }
        for fine in [
            "Peitao-demo-2026",
            "peitao is where we buy parts",
            "配套平台的零部件采购",
        ] {
            assert!(check_new(fine, None).is_ok(), "{fine}");
        }
        assert!(CONTEXT.len() >= 20);
    }

    /// ASVS 6.2.5, 6.2.8, 6.2.9: any characters, no composition rules, 64 and up to 128
    /// characters, verified exactly as typed: no trimming, no case folding, no truncation.
    #[tokio::test]
    async fn passwords_are_taken_exactly_as_typed() {
        let long: String = "长城汽车的零部件配套".repeat(12) + "abcdefgh"; // 128 characters
        assert_eq!(long.chars().count(), 128);
        assert!(check_new(&long, None).is_ok());
        assert!(
            check_new(&"x".repeat(64), None).is_ok(),
            "no composition rules"
        );
        assert!(check_new("only lower case words", None).is_ok());
        let h = hash(long.clone(), HashCost::Fast).await.unwrap();
        assert!(verify(long.clone(), h.clone()).await);
        // Differing only in the last character: nothing was cut off (bcrypt stops at 72 bytes).
        let mut last_differs = long.clone();
        last_differs.pop();
        last_differs.push('i');
        assert!(!verify(last_differs, h).await);
        let spaced = " Mixed Case Passphrase ";
        let h = hash(spaced.into(), HashCost::Fast).await.unwrap();
        assert!(verify(spaced.into(), h.clone()).await);
        for variant in [
            "Mixed Case Passphrase",
            " mixed case passphrase ",
            " MIXED CASE PASSPHRASE ",
        ] {
            assert!(!verify(variant.into(), h.clone()).await, "{variant:?}");
        }
    }
}
