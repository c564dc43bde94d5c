//! Opaque random tokens: refresh tokens and single-use links (email verification, password reset,
//! invitations). The caller mails or returns `plain` once and stores only `hash`, so a database
//! leak yields no usable token, and revoking one is deleting a row.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

/// Random bytes per token: 256 bits, beyond guessing.
const TOKEN_BYTES: usize = 32;

/// A freshly minted token: hand out `plain`, store `hash`.
#[derive(Clone, PartialEq, Eq)]
pub struct OpaqueToken {
    /// 32 random bytes, base64url without padding (43 characters); safe in URLs and JSON.
    pub plain: String,
    /// Lowercase hex SHA-256 of `plain` (64 characters); what the database keeps.
    pub hash: String,
}

impl OpaqueToken {
    /// Mints a token from the thread-local CSPRNG, which is seeded from the operating system.
    #[must_use]
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        let plain = URL_SAFE_NO_PAD.encode(bytes);
        let hash = hash_opaque(&plain);
        OpaqueToken { plain, hash }
    }
}

impl std::fmt::Debug for OpaqueToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The plain token is a bearer credential: keep it out of logs.
        f.debug_struct("OpaqueToken")
            .field("plain", &"[redacted]")
            .field("hash", &self.hash)
            .finish()
    }
}

/// The stored form of a presented token: lowercase hex SHA-256. A fast hash is enough because the
/// token has 256 bits of entropy; look the row up by this value.
#[must_use]
pub fn hash_opaque(plain: &str) -> String {
    hex_lower(&Sha256::digest(plain.as_bytes()))
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn tokens_are_distinct_and_well_formed() {
        let tokens: Vec<OpaqueToken> = (0..100).map(|_| OpaqueToken::generate()).collect();
        let plains: HashSet<&str> = tokens.iter().map(|t| t.plain.as_str()).collect();
        let hashes: HashSet<&str> = tokens.iter().map(|t| t.hash.as_str()).collect();
        assert_eq!(plains.len(), 100);
        assert_eq!(hashes.len(), 100);
        for token in &tokens {
            assert_eq!(token.plain.len(), 43);
            assert_eq!(URL_SAFE_NO_PAD.decode(&token.plain).unwrap().len(), 32);
            assert!(
                token
                    .plain
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            );
            assert_eq!(token.hash.len(), 64);
            assert_eq!(token.hash, hash_opaque(&token.plain));
        }
    }

    #[test]
    fn hash_is_stable_lowercase_hex_sha256() {
        assert_eq!(
            hash_opaque("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hash_opaque("abc"), hash_opaque("abc"));
        assert_ne!(hash_opaque("abc"), hash_opaque("abd"));
    }

    #[test]
    fn debug_hides_the_plain_token() {
        let token = OpaqueToken::generate();
        let shown = format!("{token:?}");
        assert!(!shown.contains(&token.plain));
        assert!(shown.contains(&token.hash));
    }
}
