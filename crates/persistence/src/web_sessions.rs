//! Browser sessions: created at login, found by the hash of the cookie's token, ended by logout,
//! by 30 minutes idle or 12 hours in all, and all at once when staff deactivate the account.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entities::web_session;
use crate::seed::new_id;
use crate::{Db, StoreResult};

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub idle_ms: i64,
    pub absolute_ms: i64,
}

/// Records a new session.
///
/// # Errors
/// Database errors.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    token_hash: String,
    csrf_token: String,
    now_ms: i64,
) -> StoreResult<()> {
    web_session::Entity::insert(web_session::ActiveModel {
        id: Set(new_id()),
        token_hash: Set(token_hash),
        user_id: Set(user_id),
        csrf_token: Set(csrf_token),
        created_at_ms: Set(now_ms),
        last_seen_at_ms: Set(now_ms),
        revoked_at: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The live session for a cookie token, touched as seen now; `None` when unknown, revoked, idle
/// too long or too old.
///
/// # Errors
/// Database errors.
pub async fn find_live(
    db: &Db,
    token_hash: &str,
    lifetimes: Lifetimes,
    now_ms: i64,
) -> StoreResult<Option<web_session::Model>> {
    let Some(session) = web_session::Entity::find()
        .filter(web_session::Column::TokenHash.eq(token_hash))
        .one(db.conn())
        .await?
    else {
        return Ok(None);
    };
    if session.revoked_at.is_some()
        || now_ms - session.last_seen_at_ms > lifetimes.idle_ms
        || now_ms - session.created_at_ms > lifetimes.absolute_ms
    {
        return Ok(None);
    }
    // Touch at most once a minute: a page with many requests should not write on each.
    if now_ms - session.last_seen_at_ms > 60_000 {
        web_session::Entity::update_many()
            .col_expr(web_session::Column::LastSeenAtMs, Expr::value(now_ms))
            .filter(web_session::Column::Id.eq(session.id))
            .exec(db.conn())
            .await?;
    }
    Ok(Some(session))
}

/// Ends one session (logout).
///
/// # Errors
/// Database errors.
pub async fn revoke<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    web_session::Entity::update_many()
        .col_expr(web_session::Column::RevokedAt, Expr::value(now))
        .filter(web_session::Column::TokenHash.eq(token_hash))
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user (deactivation, password reset).
///
/// # Errors
/// Database errors.
pub async fn revoke_all_for_user<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let result = web_session::Entity::update_many()
        .col_expr(web_session::Column::RevokedAt, Expr::value(now))
        .filter(web_session::Column::UserId.eq(user_id))
        .filter(web_session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// A user's live browser sessions, newest first (the account page lists them).
///
/// # Errors
/// Database errors.
pub async fn live_for_user<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    lifetimes: Lifetimes,
    now_ms: i64,
) -> StoreResult<Vec<web_session::Model>> {
    use sea_orm::QueryOrder;
    Ok(web_session::Entity::find()
        .filter(web_session::Column::UserId.eq(user_id))
        .filter(web_session::Column::RevokedAt.is_null())
        .filter(web_session::Column::LastSeenAtMs.gte(now_ms - lifetimes.idle_ms))
        .filter(web_session::Column::CreatedAtMs.gte(now_ms - lifetimes.absolute_ms))
        .order_by_desc(web_session::Column::CreatedAtMs)
        .all(conn)
        .await?)
}

/// Ends the listed sessions, if they are `user_id`'s (someone else's ids change nothing).
///
/// # Errors
/// Database errors.
pub async fn revoke_ids_for_user<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let result = web_session::Entity::update_many()
        .col_expr(web_session::Column::RevokedAt, Expr::value(now))
        .filter(web_session::Column::UserId.eq(user_id))
        .filter(web_session::Column::Id.is_in(ids.iter().copied()))
        .filter(web_session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Ends every browser session of every account (`peitao sessions end --all`).
///
/// # Errors
/// Database errors.
pub async fn revoke_everyone<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> StoreResult<u64> {
    let result = web_session::Entity::update_many()
        .col_expr(web_session::Column::RevokedAt, Expr::value(now))
        .filter(web_session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}
