//! The matcher: which capabilities fit a need and how well, explained factor by factor.
//! Rules are pure (`score`), judged pair by pair (`pair`) or over everything at once (`index`).

pub mod index;
pub mod pair;
pub mod score;
pub mod text;

pub use index::{IndexError, Listing, ListingFilter, MatchIndex, Ranked};
pub use pair::{CapabilityProfile, NeedProfile, SupplierProfile, evaluate};
pub use score::{Exclusion, Factors, Scored, ScoringRules, Weights};
