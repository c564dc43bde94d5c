//! Purpose tokens: stateless signed links for exactly one job each, such as one-click unsubscribe.
//! The audience names the purpose, so no purpose token passes for another or for an access token.
//!
//! Single-use or revocable links (email verification, password reset, invitations, refresh) are
//! not purpose tokens: they are [`crate::opaque`] tokens stored hashed by the caller.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::jwt;
pub use crate::jwt::{Rejection, TokenError};
use crate::keys::KeySet;

/// How long links in mail footers stay good: mail is read late, and an unsubscribe link must
/// still work when someone finally tires of the digest.
pub const MAIL_LINK_TTL: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// What a purpose token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// RFC 8058 one-click unsubscribe from notification mail; the subject is the user id.
    Unsubscribe,
    /// Opens the user's mail settings (instant, daily, off) from a mail footer without logging
    /// in; the subject is the user id.
    EmailPreferences,
}

impl Purpose {
    pub const ALL: &'static [Purpose] = &[Purpose::Unsubscribe, Purpose::EmailPreferences];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Unsubscribe => "unsubscribe",
            Purpose::EmailPreferences => "email-preferences",
        }
    }

    /// The `aud` claim of this purpose's tokens: `peitao-purpose:<purpose>`.
    #[must_use]
    pub fn audience(self) -> String {
        format!("peitao-purpose:{}", self.as_str())
    }
}

#[derive(Serialize, Deserialize)]
struct Payload {
    iss: String,
    aud: String,
    sub: String,
    iat: i64,
    nbf: i64,
    exp: i64,
}

/// Issues a token good only for `purpose`, naming `subject`, valid from `now` for `ttl`.
///
/// # Errors
/// [`TokenError::Issue`] if `now + ttl` overflows or signing fails.
pub fn issue_purpose(
    keys: &KeySet,
    issuer: &str,
    purpose: Purpose,
    subject: &str,
    ttl: Duration,
    now: i64,
) -> Result<String, TokenError> {
    let payload = Payload {
        iss: issuer.to_owned(),
        aud: purpose.audience(),
        sub: subject.to_owned(),
        iat: now,
        nbf: now,
        exp: jwt::expiry(now, ttl)?,
    };
    jwt::sign(keys, &payload)
}

/// Verifies a token for `purpose` at time `now` and returns its subject.
///
/// # Errors
/// [`TokenError::Expired`] for a genuine but expired token; [`TokenError::Invalid`] for anything
/// else, including a token of another purpose or an access token.
pub fn verify_purpose(
    keys: &KeySet,
    issuer: &str,
    purpose: Purpose,
    token: &str,
    now: i64,
) -> Result<String, TokenError> {
    let payload: Payload = jwt::verify(keys, token, issuer, &purpose.audience(), now)?;
    Ok(payload.sub)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{self, Subject};
    use peitao_domain::ids::{OrganizationId, UserId};
    use peitao_domain::user::Role;
    use uuid::Uuid;

    const ISSUER: &str = "peitao";
    const NOW: i64 = 1_780_000_000;
    const USER: &str = "0190a0b0-0000-7000-8000-000000000001";

    fn keys() -> KeySet {
        KeySet::new("purpose-test-secret-0123456789abcdef", &[]).unwrap()
    }

    fn token_for(purpose: Purpose) -> String {
        issue_purpose(&keys(), ISSUER, purpose, USER, MAIL_LINK_TTL, NOW).unwrap()
    }

    #[test]
    fn round_trip_for_every_purpose() {
        for &purpose in Purpose::ALL {
            let subject = verify_purpose(&keys(), ISSUER, purpose, &token_for(purpose), NOW);
            assert_eq!(subject.as_deref(), Ok(USER), "{purpose:?}");
        }
    }

    #[test]
    fn audience_names_the_purpose() {
        assert_eq!(
            Purpose::Unsubscribe.audience(),
            "peitao-purpose:unsubscribe"
        );
        let names: std::collections::HashSet<String> =
            Purpose::ALL.iter().map(|p| p.audience()).collect();
        assert_eq!(names.len(), Purpose::ALL.len());
    }

    #[test]
    fn each_purpose_rejects_the_others_tokens() {
        for &expected in Purpose::ALL {
            for &presented in Purpose::ALL.iter().filter(|&&p| p != expected) {
                assert_eq!(
                    verify_purpose(&keys(), ISSUER, expected, &token_for(presented), NOW),
                    Err(TokenError::Invalid(Rejection::Audience)),
                    "{presented:?} presented as {expected:?}"
                );
            }
        }
    }

    #[test]
    fn each_purpose_rejects_access_tokens() {
        let subject = Subject {
            user_id: UserId(Uuid::from_u128(1)),
            role: Role::Oem,
            organization_id: Some(OrganizationId(Uuid::from_u128(2))),
            session_id: Uuid::from_u128(3),
        };
        let access = access::issue(&keys(), ISSUER, &subject, access::DEFAULT_TTL, NOW).unwrap();
        for &purpose in Purpose::ALL {
            assert_eq!(
                verify_purpose(&keys(), ISSUER, purpose, &access, NOW),
                Err(TokenError::Invalid(Rejection::Audience)),
                "{purpose:?}"
            );
        }
    }

    #[test]
    fn unsubscribe_links_live_a_year_then_expire() {
        let token = token_for(Purpose::Unsubscribe);
        let a_year = i64::try_from(MAIL_LINK_TTL.as_secs()).unwrap();
        let check = |now| verify_purpose(&keys(), ISSUER, Purpose::Unsubscribe, &token, now);
        assert!(check(NOW + a_year - 60).is_ok());
        assert_eq!(check(NOW + a_year + 60), Err(TokenError::Expired));
    }

    #[test]
    fn other_issuer_and_other_key_are_rejected() {
        let token = token_for(Purpose::Unsubscribe);
        assert_eq!(
            verify_purpose(&keys(), "elsewhere", Purpose::Unsubscribe, &token, NOW),
            Err(TokenError::Invalid(Rejection::Issuer))
        );
        let stranger = KeySet::new("a-different-secret-0123456789abcdef", &[]).unwrap();
        assert_eq!(
            verify_purpose(&stranger, ISSUER, Purpose::Unsubscribe, &token, NOW),
            Err(TokenError::Invalid(Rejection::UnknownKid))
        );
    }
}
