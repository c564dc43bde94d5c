//! Single-use link tokens (email verification, password reset, invitations), stored as hashes:
//! a leaked database row cannot be turned back into a working link.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::StoreResult;
use crate::entities::one_time_token;
use crate::seed::new_id;

pub const VERIFY_EMAIL: &str = "verify_email";
pub const PASSWORD_RESET: &str = "password_reset";
pub const INVITATION: &str = "invitation";

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub purpose: &'static str,
    pub token_hash: String,
    pub user_id: Option<Uuid>,
    pub email: Option<String>,
    pub organization_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
}

/// Stores a token on `conn`.
///
/// # Errors
/// Database errors.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    token: NewToken,
    now: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let id = new_id();
    one_time_token::Entity::insert(one_time_token::ActiveModel {
        id: Set(id),
        purpose: Set(token.purpose.to_owned()),
        token_hash: Set(token.token_hash),
        user_id: Set(token.user_id),
        email: Set(token.email),
        organization_id: Set(token.organization_id),
        created_by: Set(token.created_by),
        expires_at_ms: Set(token.expires_at.timestamp_millis()),
        used_at: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(id)
}

/// Spends a token: marks it used if it exists for `purpose`, is unused and unexpired, and returns
/// it. The conditional UPDATE makes it single-use even when two requests race.
///
/// # Errors
/// Database errors.
pub async fn consume<C: ConnectionTrait>(
    conn: &C,
    purpose: &str,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<one_time_token::Model>> {
    let result = one_time_token::Entity::update_many()
        .col_expr(one_time_token::Column::UsedAt, Expr::value(now))
        .filter(one_time_token::Column::TokenHash.eq(token_hash))
        .filter(one_time_token::Column::Purpose.eq(purpose))
        .filter(one_time_token::Column::UsedAt.is_null())
        .filter(one_time_token::Column::ExpiresAtMs.gt(now.timestamp_millis()))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Ok(None);
    }
    Ok(one_time_token::Entity::find()
        .filter(one_time_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?)
}

/// Voids a user's unused tokens of one purpose (a new reset link replaces the old one).
///
/// # Errors
/// Database errors.
pub async fn void_for_user<C: ConnectionTrait>(
    conn: &C,
    purpose: &str,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let result = one_time_token::Entity::update_many()
        .col_expr(one_time_token::Column::UsedAt, Expr::value(now))
        .filter(one_time_token::Column::Purpose.eq(purpose))
        .filter(one_time_token::Column::UserId.eq(user_id))
        .filter(one_time_token::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}
