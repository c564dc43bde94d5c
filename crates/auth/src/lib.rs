//! Who may do what: password hashing, tokens and the one permission policy.
//! Pure functions over domain types; the HTTP layer asks, it never decides.

pub mod password;
