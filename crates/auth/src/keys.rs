//! The HMAC keys that sign and verify every JWT we issue, and how they rotate.
//! A key's id (`kid`) is derived from its secret, so every instance agrees on it without coordination.
//!
//! # Rotating the signing secret
//! 1. Move the current secret into `auth.jwt_previous_secrets` and put a new one into
//!    `auth.jwt_secret`; restart (or roll) every instance.
//! 2. New tokens are signed with the new secret; tokens signed with the old one still verify,
//!    because their `kid` header names a key that is still listed.
//! 3. Once the longest-lived token signed with the old secret has expired (access tokens: minutes;
//!    unsubscribe links: up to a year, so decide whether old mail links may break), remove the old
//!    secret from `auth.jwt_previous_secrets`. Its tokens are then refused as invalid.
//!
//! While instances roll, an instance still on the old configuration refuses tokens signed with the
//! new key; they are short-lived access tokens and the client refreshes, so this is accepted.

use std::fmt;

use jsonwebtoken::{DecodingKey, EncodingKey};
use sha2::{Digest, Sha256};

use crate::opaque::hex_lower;

/// The shortest secret accepted, in bytes: HS256 wants at least the hash's output size.
pub const MIN_SECRET_BYTES: usize = 32;

/// How many hex characters of the secret's SHA-256 make its key id.
const KID_HEX_CHARS: usize = 16;

/// A key refused at start-up. The message names the setting and never shows the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "auth.jwt_secret must be at least {MIN_SECRET_BYTES} bytes (it has {len}); \
         generate one with `openssl rand -base64 48`"
    )]
    CurrentTooShort { len: usize },
    #[error(
        "auth.jwt_previous_secrets[{index}] must be at least {MIN_SECRET_BYTES} bytes (it has {len})"
    )]
    PreviousTooShort { index: usize, len: usize },
}

/// One HMAC secret and the id tokens signed with it carry in their `kid` header.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    secret: Vec<u8>,
}

impl SigningKey {
    fn from_secret(secret: &[u8]) -> Self {
        let digest = Sha256::digest(secret);
        let mut kid = hex_lower(&digest);
        kid.truncate(KID_HEX_CHARS);
        SigningKey {
            kid,
            secret: secret.to_vec(),
        }
    }

    /// The key id: the first 16 hex characters of the SHA-256 of the secret. Public, not secret.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub(crate) fn encoding_key(&self) -> EncodingKey {
        EncodingKey::from_secret(&self.secret)
    }

    pub(crate) fn decoding_key(&self) -> DecodingKey {
        DecodingKey::from_secret(&self.secret)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// The key that signs (`current`) and the retired keys that still verify (`previous`).
#[derive(Debug, Clone)]
pub struct KeySet {
    current: SigningKey,
    previous: Vec<SigningKey>,
}

impl KeySet {
    /// Builds the key set from `auth.jwt_secret` and `auth.jwt_previous_secrets`.
    ///
    /// # Errors
    /// A secret shorter than [`MIN_SECRET_BYTES`], naming the setting it came from.
    pub fn new(current_secret: &str, previous_secrets: &[String]) -> Result<KeySet, KeyError> {
        if current_secret.len() < MIN_SECRET_BYTES {
            return Err(KeyError::CurrentTooShort {
                len: current_secret.len(),
            });
        }
        let previous = previous_secrets
            .iter()
            .enumerate()
            .map(|(index, secret)| {
                if secret.len() < MIN_SECRET_BYTES {
                    Err(KeyError::PreviousTooShort {
                        index,
                        len: secret.len(),
                    })
                } else {
                    Ok(SigningKey::from_secret(secret.as_bytes()))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(KeySet {
            current: SigningKey::from_secret(current_secret.as_bytes()),
            previous,
        })
    }

    /// The key every new token is signed with.
    #[must_use]
    pub fn current(&self) -> &SigningKey {
        &self.current
    }

    /// The key a token's `kid` header names, current or previous; `None` if no listed key has it.
    #[must_use]
    pub fn find(&self, kid: &str) -> Option<&SigningKey> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|key| key.kid == kid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn kid_is_derived_from_the_secret_alone() {
        let one = KeySet::new(A, &[]).unwrap();
        let two = KeySet::new(A, &[B.to_owned()]).unwrap();
        assert_eq!(one.current().kid(), two.current().kid());
        assert_eq!(one.current().kid().len(), 16);
        assert!(one.current().kid().chars().all(|c| c.is_ascii_hexdigit()));
        // SHA-256("abc") = ba7816bf8f01cfea...
        assert_eq!(SigningKey::from_secret(b"abc").kid(), "ba7816bf8f01cfea");
        assert_ne!(
            KeySet::new(B, &[]).unwrap().current().kid(),
            one.current().kid()
        );
    }

    #[test]
    fn finds_current_and_previous_keys_by_kid() {
        let keys = KeySet::new(A, &[B.to_owned()]).unwrap();
        let b_kid = KeySet::new(B, &[]).unwrap().current().kid().to_owned();
        assert_eq!(
            keys.find(keys.current().kid()).unwrap().kid(),
            keys.current().kid()
        );
        assert_eq!(keys.find(&b_kid).unwrap().kid(), b_kid);
        assert!(keys.find("0000000000000000").is_none());
    }

    #[test]
    fn short_secrets_are_refused_naming_the_setting() {
        let err = KeySet::new("short", &[]).unwrap_err();
        assert_eq!(err, KeyError::CurrentTooShort { len: 5 });
        assert!(err.to_string().contains("auth.jwt_secret"));

        let err = KeySet::new(A, &[B.to_owned(), "tiny".to_owned()]).unwrap_err();
        assert_eq!(err, KeyError::PreviousTooShort { index: 1, len: 4 });
        assert!(err.to_string().contains("auth.jwt_previous_secrets[1]"));
        assert!(!err.to_string().contains("tiny"));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let keys = KeySet::new(A, &[B.to_owned()]).unwrap();
        let shown = format!("{keys:?}");
        assert!(!shown.contains(A) && !shown.contains(B));
        assert!(shown.contains("[redacted]"));
    }
}
