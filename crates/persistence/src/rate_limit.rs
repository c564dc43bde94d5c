//! Fixed-window counters in the database, so a limit holds however many instances serve.
//! One upsert per hit: the window restarts when it has passed, else the count grows.

use sea_orm::{DbBackend, EntityTrait, Statement};

use crate::entities::rate_limit;
use crate::{Backend, Db, StoreResult};

/// A counter's state after a hit or a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub hits: u32,
    /// When the current window ends (unix ms): `Retry-After` is the time until then.
    pub resets_at_ms: i64,
}

/// Counts one hit on `key` and returns the window's count including it.
///
/// # Errors
/// Database errors.
pub async fn hit(db: &Db, key: &str, window_ms: i64, now_ms: i64) -> StoreResult<Window> {
    let expired_before = now_ms - window_ms;
    let (backend, sql) = match db.backend() {
        Backend::Postgres => (
            DbBackend::Postgres,
            "INSERT INTO rate_limits (key, window_start_ms, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
               hits = CASE WHEN rate_limits.window_start_ms <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
               window_start_ms = CASE WHEN rate_limits.window_start_ms <= $3 THEN $2 ELSE rate_limits.window_start_ms END \
             RETURNING key, window_start_ms, hits",
        ),
        Backend::Sqlite => (
            DbBackend::Sqlite,
            "INSERT INTO rate_limits (key, window_start_ms, hits) VALUES (?1, ?2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
               hits = CASE WHEN rate_limits.window_start_ms <= ?3 THEN 1 ELSE rate_limits.hits + 1 END, \
               window_start_ms = CASE WHEN rate_limits.window_start_ms <= ?3 THEN ?2 ELSE rate_limits.window_start_ms END \
             RETURNING key, window_start_ms, hits",
        ),
    };
    let stmt = Statement::from_sql_and_values(
        backend,
        sql,
        [key.into(), now_ms.into(), expired_before.into()],
    );
    let row = rate_limit::Entity::find()
        .from_raw_sql(stmt)
        .one(db.conn())
        .await?;
    Ok(row.map_or(
        Window {
            hits: 1,
            resets_at_ms: now_ms + window_ms,
        },
        |r| Window {
            hits: u32::try_from(r.hits).unwrap_or(u32::MAX),
            resets_at_ms: r.window_start_ms + window_ms,
        },
    ))
}

/// The current count on `key` without counting (0 when the window has passed).
///
/// # Errors
/// Database errors.
pub async fn peek(db: &Db, key: &str, window_ms: i64, now_ms: i64) -> StoreResult<Window> {
    let row = rate_limit::Entity::find_by_id(key.to_owned())
        .one(db.conn())
        .await?;
    Ok(match row {
        Some(r) if r.window_start_ms > now_ms - window_ms => Window {
            hits: u32::try_from(r.hits).unwrap_or(u32::MAX),
            resets_at_ms: r.window_start_ms + window_ms,
        },
        _ => Window {
            hits: 0,
            resets_at_ms: now_ms,
        },
    })
}

/// Clears a counter (a successful login forgives earlier failures).
///
/// # Errors
/// Database errors.
pub async fn reset(db: &Db, key: &str) -> StoreResult<()> {
    rate_limit::Entity::delete_by_id(key.to_owned())
        .exec(db.conn())
        .await?;
    Ok(())
}
