//! Who may do what: password hashing, tokens and the one permission policy.
//! Pure functions over domain types; the HTTP layer asks, it never decides.

/// Access tokens: short-lived JWTs naming the user, role and organization.
pub mod access;
/// The low-priority threads password hashes run on.
pub mod hashing;
/// Signing keys and their rotation.
pub mod keys;
/// Random opaque tokens (refresh, email verification, reset, invitations), stored hashed.
pub mod opaque;
/// Password rules and argon2id hashing.
pub mod password;
/// The permission policy: actor × action → decision.
pub mod policy;
/// Signed single-purpose links, such as one-click unsubscribe.
pub mod purpose;

mod jwt;

pub use jwt::{Rejection, TokenError};
