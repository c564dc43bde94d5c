//! sea-orm entities, one per table, mirroring the migrations column for column.
//! They stay inside this crate's repositories; callers get domain types or plain rows.

pub mod attachment;
pub mod audit_entry;
pub mod capability;
pub mod category;
pub mod certification;
pub mod event;
pub mod event_attendance;
pub mod event_invitation;
pub mod import;
pub mod intention;
pub mod need;
pub mod need_revision;
pub mod notification;
pub mod one_time_token;
pub mod organization;
pub mod organization_category;
pub mod organization_certification;
pub mod organization_flag;
pub mod outbox;
pub mod plant;
pub mod proposal;
pub mod quote;
pub mod rate_limit;
pub mod refresh_token;
pub mod region;
pub mod user;
pub mod web_session;
pub mod zone;
pub mod zone_member;
