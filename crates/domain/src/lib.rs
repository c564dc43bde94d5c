//! The language of the business: typed ids, values parsed at the edge, reference data and rules.
//! No IO lives here: nothing in this crate touches a database, the network, the clock or files.

pub mod analytics;
pub mod attachment;
pub mod capability;
pub mod category_code;
pub mod credit_code;
pub mod csv_safe;
pub mod email;
pub mod event;
pub mod ids;
pub mod invalid;
pub mod lifecycle;
pub mod locale;
pub mod matching;
pub mod need;
pub mod organization;
pub mod phone;
pub mod reference;
pub mod region_code;
pub mod roster;
pub mod search;
pub mod user;

pub use category_code::CategoryCode;
pub use credit_code::CreditCode;
pub use email::Email;
pub use invalid::Invalid;
pub use locale::Locale;
pub use region_code::{RegionCode, RegionLevel};
