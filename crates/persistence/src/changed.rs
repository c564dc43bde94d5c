//! Rows changed since a moment, for the refreshes that keep each instance's in-memory indexes
//! level with the others'. The ids are read alone and unordered, so the database answers from
//! the `updated_at` index; ordering by id in the same query led PostgreSQL to walk the primary key
//! through every row and filter (a million rows every few seconds, stealing the CPU requests need).

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::StoreResult;

/// The ids of `E` rows whose `updated_at` is at or after `since`, in id order, after `after`.
///
/// # Errors
/// Database errors.
pub async fn ids_since<E, C>(
    conn: &C,
    id: E::Column,
    updated_at: E::Column,
    since: DateTime<Utc>,
    after: Option<Uuid>,
) -> StoreResult<Vec<Uuid>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let mut ids: Vec<Uuid> = E::find()
        .select_only()
        .column(id)
        .filter(updated_at.gte(since))
        .into_tuple()
        .all(conn)
        .await?;
    ids.sort_unstable();
    if let Some(after) = after {
        ids.retain(|i| *i > after);
    }
    Ok(ids)
}
