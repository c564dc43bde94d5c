//! The mail outbox: rows written in the same transaction as the change that causes them, claimed
//! by workers with a lease so several workers never send one row at once, retried until sent or dead.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use crate::entities::outbox;
use crate::seed::new_id;
use crate::{Backend, Db, StoreResult};

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const DEAD: &str = "dead";

/// A mail to queue, already rendered in the recipient's language.
#[derive(Debug, Clone)]
pub struct NewMail {
    /// Unique per logical mail (kind + subject + recipient): queuing it again does nothing.
    pub dedupe_key: String,
    pub kind: String,
    pub recipient: String,
    pub recipient_name: Option<String>,
    pub user_id: Option<Uuid>,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub list_unsubscribe: Option<String>,
}

/// Queues a mail on `conn` — pass the transaction of the business change, so the mail exists
/// exactly when the change does. Returns false when the dedupe key was already queued.
///
/// # Errors
/// Database errors.
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    mail: NewMail,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let inserted = outbox::Entity::insert(outbox::ActiveModel {
        id: Set(new_id()),
        dedupe_key: Set(mail.dedupe_key),
        kind: Set(mail.kind),
        recipient: Set(mail.recipient),
        recipient_name: Set(mail.recipient_name),
        user_id: Set(mail.user_id),
        subject: Set(mail.subject),
        text_body: Set(mail.text_body),
        html_body: Set(mail.html_body),
        list_unsubscribe: Set(mail.list_unsubscribe),
        status: Set(PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at_ms: Set(now.timestamp_millis()),
        lease_until_ms: Set(None),
        leased_by: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(outbox::Column::DedupeKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(inserted > 0)
}

/// Claims up to `limit` due rows for `worker` until `lease_until_ms`, counting the attempt now:
/// a worker that dies mid-send has still used one, and its lease expires so another retries.
///
/// # Errors
/// Database errors.
pub async fn claim(
    db: &Db,
    worker: &str,
    limit: u64,
    now_ms: i64,
    lease_until_ms: i64,
) -> StoreResult<Vec<outbox::Model>> {
    // PostgreSQL: rows locked by a concurrent claim are skipped, not waited for.
    // SQLite: one writer at a time, so the UPDATE ... RETURNING is atomic as it stands.
    let (backend, sql) = match db.backend() {
        Backend::Postgres => (
            DbBackend::Postgres,
            "UPDATE outbox SET leased_by = $1, lease_until_ms = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at_ms <= $3 \
               AND (lease_until_ms IS NULL OR lease_until_ms < $3) \
               ORDER BY next_attempt_at_ms LIMIT $4 FOR UPDATE SKIP LOCKED) \
             RETURNING *",
        ),
        Backend::Sqlite => (
            DbBackend::Sqlite,
            "UPDATE outbox SET leased_by = ?1, lease_until_ms = ?2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at_ms <= ?3 \
               AND (lease_until_ms IS NULL OR lease_until_ms < ?3) \
               ORDER BY next_attempt_at_ms LIMIT ?4) \
             RETURNING *",
        ),
    };
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let stmt = Statement::from_sql_and_values(
        backend,
        sql,
        [
            worker.into(),
            lease_until_ms.into(),
            now_ms.into(),
            limit.into(),
        ],
    );
    Ok(outbox::Entity::find()
        .from_raw_sql(stmt)
        .all(db.conn())
        .await?)
}

/// Marks a claimed row sent. Only the worker holding the lease may: if the lease expired and
/// another worker took the row, this returns false and changes nothing.
///
/// # Errors
/// Database errors.
pub async fn mark_sent(db: &Db, id: Uuid, worker: &str, now: DateTime<Utc>) -> StoreResult<bool> {
    let result = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(SENT))
        .col_expr(outbox::Column::SentAt, Expr::value(now))
        .col_expr(
            outbox::Column::LeaseUntilMs,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::LeasedBy.eq(worker))
        .filter(outbox::Column::Status.eq(PENDING))
        .exec(db.conn())
        .await?;
    Ok(result.rows_affected > 0)
}

/// Records a failed attempt: back to pending at `retry_at_ms`, or dead when `retry_at_ms` is None.
///
/// # Errors
/// Database errors.
pub async fn mark_failed(
    db: &Db,
    id: Uuid,
    worker: &str,
    error: &str,
    retry_at_ms: Option<i64>,
) -> StoreResult<bool> {
    let mut update = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::LeaseUntilMs,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(error.chars().take(2000).collect::<String>()),
        );
    update = match retry_at_ms {
        Some(at) => update.col_expr(outbox::Column::NextAttemptAtMs, Expr::value(at)),
        None => update.col_expr(outbox::Column::Status, Expr::value(DEAD)),
    };
    let result = update
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::LeasedBy.eq(worker))
        .filter(outbox::Column::Status.eq(PENDING))
        .exec(db.conn())
        .await?;
    Ok(result.rows_affected > 0)
}

/// Dead mail, newest first, for staff to inspect and retry.
///
/// # Errors
/// Database errors.
pub async fn list_dead(db: &Db, limit: u64) -> StoreResult<Vec<outbox::Model>> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Status.eq(DEAD))
        .order_by_desc(outbox::Column::CreatedAt)
        .limit(limit)
        .all(db.conn())
        .await?)
}

/// Gives a dead mail a fresh set of attempts, due now. Returns false if it was not dead.
///
/// # Errors
/// Database errors.
pub async fn retry_dead(db: &Db, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
    let result = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(PENDING))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(
            outbox::Column::NextAttemptAtMs,
            Expr::value(now.timestamp_millis()),
        )
        .col_expr(
            outbox::Column::LeaseUntilMs,
            Expr::value(Option::<i64>::None),
        )
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(DEAD))
        .exec(db.conn())
        .await?;
    Ok(result.rows_affected > 0)
}

/// Rows by status, for metrics and for tests that wait for the queue to drain.
///
/// # Errors
/// Database errors.
pub async fn count(db: &Db, status: &str) -> StoreResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Status.eq(status))
        .count(db.conn())
        .await?)
}

/// True when a mail with this dedupe key was ever queued.
///
/// # Errors
/// Database errors.
pub async fn exists<C: ConnectionTrait>(conn: &C, dedupe_key: &str) -> StoreResult<bool> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::DedupeKey.eq(dedupe_key))
        .one(conn)
        .await?
        .is_some())
}
