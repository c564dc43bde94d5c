//! Refresh tokens: opaque, stored hashed, rotated on every use. Presenting a token that was
//! already spent means it leaked: the whole family (every token rotated from that login) is revoked.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::StoreResult;
use crate::entities::refresh_token;
use crate::seed::new_id;

/// Stores a new token of `family_id` (a new login starts a new family).
///
/// # Errors
/// Database errors.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    family_id: Uuid,
    token_hash: String,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    refresh_token::Entity::insert(refresh_token::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user_id),
        family_id: Set(family_id),
        token_hash: Set(token_hash),
        expires_at_ms: Set(expires_at.timestamp_millis()),
        spent_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// Valid and now spent: issue the successor in the same family, expiring when this one
    /// would have (`expires_at_ms`), so a family lives at most the refresh lifetime from its login
    /// however often it is refreshed.
    Rotated {
        user_id: Uuid,
        family_id: Uuid,
        expires_at_ms: i64,
    },
    /// Already spent: treated as theft; the family is now revoked.
    Reused { user_id: Uuid },
    /// Unknown, expired or revoked.
    Invalid,
}

/// Spends a presented token. The conditional UPDATE lets exactly one of two racing uses win.
///
/// # Errors
/// Database errors.
pub async fn present<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Presented> {
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
    else {
        return Ok(Presented::Invalid);
    };
    if row.revoked_at.is_some() || row.expires_at_ms <= now.timestamp_millis() {
        return Ok(Presented::Invalid);
    }
    let spent = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::SpentAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::SpentAt.is_null())
        .exec(conn)
        .await?;
    if spent.rows_affected == 1 {
        return Ok(Presented::Rotated {
            user_id: row.user_id,
            family_id: row.family_id,
            expires_at_ms: row.expires_at_ms,
        });
    }
    revoke_family(conn, row.family_id, now).await?;
    Ok(Presented::Reused {
        user_id: row.user_id,
    })
}

/// Whether the login session `family_id` still stands: some token of it is neither revoked nor
/// past its expiry. Access tokens name their family, so ending it ends them too.
///
/// # Errors
/// Database errors.
pub async fn session_live<C: ConnectionTrait>(
    conn: &C,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let live = refresh_token::Entity::find()
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAtMs.gt(now.timestamp_millis()))
        .one(conn)
        .await?;
    Ok(live.is_some())
}

/// A live API login: its family and its current (unspent) refresh token's times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveLogin {
    pub family_id: Uuid,
    /// When the login last refreshed (or began, if it never has).
    pub last_active_at: DateTime<Utc>,
    pub expires_at_ms: i64,
}

/// A user's live API logins, most recently active first.
///
/// # Errors
/// Database errors.
pub async fn live_for_user<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Vec<LiveLogin>> {
    use sea_orm::QueryOrder;
    let rows = refresh_token::Entity::find()
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::SpentAt.is_null())
        .filter(refresh_token::Column::ExpiresAtMs.gt(now.timestamp_millis()))
        .order_by_desc(refresh_token::Column::CreatedAt)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| LiveLogin {
            family_id: r.family_id,
            last_active_at: r.created_at,
            expires_at_ms: r.expires_at_ms,
        })
        .collect())
}

/// Revokes the listed families, if they are `user_id`'s (someone else's ids change nothing).
///
/// # Errors
/// Database errors.
pub async fn revoke_families_for_user<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    families: &[Uuid],
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    if families.is_empty() {
        return Ok(0);
    }
    let result = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::FamilyId.is_in(families.iter().copied()))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Revokes every token of a family.
///
/// # Errors
/// Database errors.
pub async fn revoke_family<C: ConnectionTrait>(
    conn: &C,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let result = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Revokes the family of the presented token (logout) and names it; unknown tokens change nothing.
///
/// # Errors
/// Database errors.
pub async fn revoke_by_token<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<Uuid>> {
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    revoke_family(conn, row.family_id, now).await?;
    Ok(Some(row.family_id))
}

/// Revokes all of a user's tokens but those of `keep` (password reset and change, deactivation).
///
/// # Errors
/// Database errors.
pub async fn revoke_all_for_user_but<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let mut update = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null());
    if let Some(family) = keep {
        update = update.filter(refresh_token::Column::FamilyId.ne(family));
    }
    Ok(update.exec(conn).await?.rows_affected)
}

/// Revokes all of a user's tokens (password reset, deactivation).
///
/// # Errors
/// Database errors.
pub async fn revoke_all_for_user<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let result = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Revokes every refresh token of every account, and so every API login and its access tokens
/// (`peitao sessions end --all`).
///
/// # Errors
/// Database errors.
pub async fn revoke_everyone<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> StoreResult<u64> {
    let result = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}
