//! sea-orm entities, one per table, mirroring the migrations column for column.
//! They stay inside this crate's repositories; callers get domain types or plain rows.

pub mod capability;
pub mod category;
pub mod certification;
pub mod need;
pub mod organization;
pub mod organization_certification;
pub mod plant;
pub mod region;
pub mod user;
pub mod zone;
pub mod zone_member;
