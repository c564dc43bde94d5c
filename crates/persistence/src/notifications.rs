//! In-app notifications: one row per thing a user is told, listed newest first and marked read;
//! rows of daily-digest users wait (`digest_pending`) until their digest mail gathers them.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::entities::notification;
use crate::seed::new_id;
use crate::{Db, StoreResult};

/// A notification to record.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: Uuid,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    /// True when the user reads mail as a daily digest: the next digest includes it.
    pub digest_pending: bool,
}

/// Records a notification on `conn` (the business change's transaction).
///
/// # Errors
/// Database errors.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    n: NewNotification,
    now: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let id = new_id();
    notification::Entity::insert(notification::ActiveModel {
        id: Set(id),
        user_id: Set(n.user_id),
        kind: Set(n.kind),
        title: Set(n.title),
        body: Set(n.body),
        link: Set(n.link),
        digest_pending: Set(n.digest_pending),
        read_at: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(id)
}

/// A page of a user's notifications, newest first. Ids are UUIDv7 (time-ordered), so the last id
/// of a page is an exact cursor for the next.
///
/// # Errors
/// Database errors.
pub async fn list(
    db: &Db,
    user_id: Uuid,
    limit: u64,
    before: Option<Uuid>,
) -> StoreResult<Vec<notification::Model>> {
    let mut query = notification::Entity::find().filter(notification::Column::UserId.eq(user_id));
    if let Some(cursor) = before {
        query = query.filter(notification::Column::Id.lt(cursor));
    }
    Ok(query
        .order_by_desc(notification::Column::Id)
        .limit(limit)
        .all(db.conn())
        .await?)
}

/// Marks one of the user's notifications read; false when it is not theirs or does not exist.
///
/// # Errors
/// Database errors.
pub async fn mark_read(db: &Db, user_id: Uuid, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now))
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db.conn())
        .await?;
    if result.rows_affected > 0 {
        return Ok(true);
    }
    // Already read counts as success; someone else's or missing does not.
    Ok(notification::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .is_some_and(|n| n.user_id == user_id))
}

/// Marks all of the user's notifications read; returns how many changed.
///
/// # Errors
/// Database errors.
pub async fn mark_all_read(db: &Db, user_id: Uuid, now: DateTime<Utc>) -> StoreResult<u64> {
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now))
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db.conn())
        .await?;
    Ok(result.rows_affected)
}

/// Users with notifications waiting for a digest.
///
/// # Errors
/// Database errors.
pub async fn users_awaiting_digest(db: &Db) -> StoreResult<Vec<Uuid>> {
    let rows: Vec<Uuid> = notification::Entity::find()
        .select_only()
        .column(notification::Column::UserId)
        .distinct()
        .filter(notification::Column::DigestPending.eq(true))
        .into_tuple()
        .all(db.conn())
        .await?;
    Ok(rows)
}

/// Takes the user's waiting notifications (oldest first) on `conn` and marks them as digested,
/// so the digest mail queued in the same transaction gathers each exactly once.
///
/// # Errors
/// Database errors.
pub async fn take_for_digest<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
) -> StoreResult<Vec<notification::Model>> {
    let rows = notification::Entity::find()
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::DigestPending.eq(true))
        .order_by_asc(notification::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|n| n.id).collect();
    if !ids.is_empty() {
        notification::Entity::update_many()
            .col_expr(notification::Column::DigestPending, Expr::value(false))
            .filter(notification::Column::Id.is_in(ids))
            .exec(conn)
            .await?;
    }
    Ok(rows)
}
