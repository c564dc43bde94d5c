//! Everything Peitao keeps: one `Db` for SQLite and PostgreSQL, the sea-orm entities, the
//! repositories that turn rows into domain values, and the seed loaders.

pub mod analytics;
pub mod attachments;
pub mod audit;
pub mod blobs;
pub mod capabilities;
pub mod changed;
mod db;
pub mod desk;
pub mod entities;
mod error;
pub mod lifecycle;
pub mod matcher_feed;
pub mod matches;
pub mod needs;
pub mod notifications;
pub mod organizations;
pub mod outbox;
pub mod rate_limit;
pub mod reference;
pub mod refresh;
pub mod search_feed;
pub mod seed;
pub mod terms;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tokens;
pub mod users;
pub mod web_sessions;

pub use db::{Backend, Db, DbOptions};
pub use error::{StoreError, StoreResult};
pub use peitao_migrations::Migrator;
pub use sea_orm;

/// JSON text for a list column (products, processes, served regions ...).
pub(crate) fn json_list<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}
