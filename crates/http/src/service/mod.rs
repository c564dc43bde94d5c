//! Application services: each use case as a function over `AppState`, callable without HTTP.
//! They parse input into domain values, ask the policy, and run the change in one transaction.

pub mod accounts;
pub mod capabilities;
pub mod digest;
pub mod mailing;
pub mod members;
pub mod needs;
pub mod organizations;
pub mod validate;
