//! What can go wrong below the API, in words the HTTP layer maps to statuses once.
//! Database causes are kept for the log; callers decide what a person is told.

use sea_orm::{DbErr, SqlErr};

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or gave no connection in time (HTTP 503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A unique key is taken, e.g. an email or a credit code (HTTP 409).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A referenced row does not exist (HTTP 404 or 422, depending on who referenced it).
    #[error("not found: {0}")]
    NotFound(String),
    /// Anything else: a bug or a broken schema (HTTP 500, logged).
    #[error("database error: {0}")]
    Other(#[source] DbErr),
    /// Setting up the database failed; the message names the setting to fix.
    #[error("{0}")]
    Setup(String),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(m)) => return StoreError::Conflict(m),
            Some(SqlErr::ForeignKeyConstraintViolation(m)) => return StoreError::NotFound(m),
            _ => {}
        }
        match err {
            DbErr::ConnectionAcquire(e) => StoreError::Unavailable(e.to_string()),
            DbErr::Conn(e) => StoreError::Unavailable(e.to_string()),
            DbErr::RecordNotFound(m) => StoreError::NotFound(m),
            other if is_connection_failure(&other) => StoreError::Unavailable(other.to_string()),
            other => StoreError::Other(other),
        }
    }
}

/// sqlx reports a dropped PostgreSQL connection as a query error; recognise it so an outage is
/// a 503 that clients may retry, not a 500.
fn is_connection_failure(err: &DbErr) -> bool {
    let text = err.to_string().to_ascii_lowercase();
    [
        "connection refused",
        "connection reset",
        "broken pipe",
        "pool timed out",
        "terminating connection",
        "io error",
        "error communicating with database",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}
