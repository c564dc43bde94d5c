//! The one way to reach the database: `Db::connect(url)` picks SQLite or PostgreSQL from the URL
//! and sets each up the way we rely on (SQLite: WAL, foreign keys, a busy timeout).

use std::time::Duration;

use peitao_migrations::MigratorTrait;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::{Migrator, StoreError, StoreResult};

/// The PostgreSQL advisory lock key `migrate` holds (any constant unique to this application:
/// "peitao" in ASCII).
const MIGRATION_LOCK: i64 = 0x7065_6974_616f;

/// Which engine a `Db` talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Pool settings; the defaults suit one instance on a small machine.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
    /// sea-orm hands this to sqlx as the acquire timeout, which `acquire_timeout` then replaces:
    /// a connection attempt is bounded by `acquire_timeout` alone.
    pub connect_timeout: Duration,
    /// How long a request waits for a pooled connection before answering 503. While the server
    /// refuses connections (a PostgreSQL restart) sqlx retries until this runs out, so it is also
    /// how long a request takes to fail then (`database.acquire_timeout_secs`, 2 s by default).
    pub acquire_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            max_connections: 16,
            connect_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// A pooled connection to the platform's database.
#[derive(Debug, Clone)]
pub struct Db {
    conn: DatabaseConnection,
    backend: Backend,
}

impl Db {
    /// Connects with default pool settings.
    ///
    /// # Errors
    /// `StoreError::Setup` naming `database.url` when the URL is unusable or the server is down.
    pub async fn connect(url: &str) -> StoreResult<Db> {
        Db::connect_with(url, &DbOptions::default()).await
    }

    /// Connects, creating the SQLite file's folder if it is missing.
    ///
    /// # Errors
    /// `StoreError::Setup` naming `database.url` when the URL is unusable or the server is down.
    pub async fn connect_with(url: &str, options: &DbOptions) -> StoreResult<Db> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Setup(format!(
                "database.url must start with sqlite: or postgres:// (got {:?})",
                redact(url)
            )));
        };
        if backend == Backend::Sqlite {
            ensure_sqlite_folder(url)?;
        }
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(options.max_connections)
            .connect_timeout(options.connect_timeout)
            .acquire_timeout(options.acquire_timeout)
            .sqlx_logging(false);
        if backend == Backend::Sqlite {
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
            });
        }
        let conn = Database::connect(opts).await.map_err(|e| {
            StoreError::Setup(format!("cannot open database.url {}: {e}", redact(url)))
        })?;
        Ok(Db { conn, backend })
    }

    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The sea-orm connection, for repositories in this crate and for tests.
    #[must_use]
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Begins a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a
    /// deferred transaction that reads and then writes fails with `SQLITE_BUSY_SNAPSHOT` (517,
    /// "database is locked") without waiting if another connection wrote in between, which
    /// several processes on one file (or the worker beside requests) make common. Taking the lock
    /// first makes it wait out `busy_timeout` like a single statement does.
    ///
    /// # Errors
    /// Database errors (on SQLite, also a write lock not had within the busy timeout).
    pub async fn begin(&self) -> StoreResult<DatabaseTransaction> {
        let options = TransactionOptions {
            sqlite_transaction_mode: (self.backend == Backend::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        self.conn
            .begin_with_options(options)
            .await
            .map_err(StoreError::from)
    }

    /// Refreshes the planner's statistics after a bulk load. Without them PostgreSQL guesses
    /// that a third of a table matches `updated_at >= …`, and reads a million rows to find none.
    ///
    /// # Errors
    /// Database errors.
    pub async fn analyze(&self) -> StoreResult<()> {
        use sea_orm::ConnectionTrait;
        self.conn
            .execute_unprepared("ANALYZE")
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }

    /// Brings the schema up to date. Safe to run from several instances at once: the migrations
    /// run in one transaction that first takes a lock (an advisory lock on PostgreSQL, the write
    /// lock on SQLite), so a second instance waits, then finds them recorded and skips them.
    /// Without it, instances starting together on an empty PostgreSQL database failed with
    /// duplicate-key errors from the catalog as each created the same tables.
    ///
    /// # Errors
    /// The failing migration's error; nothing of the run is kept then.
    pub async fn migrate(&self) -> StoreResult<()> {
        let txn = self.begin().await?;
        if self.backend == Backend::Postgres {
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
                .await
                .map_err(StoreError::from)?;
        }
        Migrator::up(&txn, None).await.map_err(StoreError::from)?;
        txn.commit().await.map_err(StoreError::from)
    }

    /// Answers whether the database takes a trivial query now (readiness).
    ///
    /// # Errors
    /// `Unavailable` when it does not.
    pub async fn ping(&self) -> StoreResult<()> {
        self.conn
            .execute_unprepared("SELECT 1")
            .await
            .map(|_| ())
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    /// Closes the pool, waiting for connections in use to come back.
    pub async fn close(&self) {
        let _ = self.conn.close_by_ref().await;
    }
}

/// The URL without its password, fit for logs and error messages.
#[must_use]
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{user}:***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// SQLite will not create missing folders; a fresh clone has no `data/`, so make it.
fn ensure_sqlite_folder(url: &str) -> StoreResult<()> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path.starts_with(":memory:") || rest.contains("mode=memory") {
        return Ok(());
    }
    if let Some(folder) = std::path::Path::new(path).parent()
        && !folder.as_os_str().is_empty()
        && !folder.exists()
    {
        std::fs::create_dir_all(folder).map_err(|e| {
            StoreError::Setup(format!(
                "database.url points into {}, which is missing and cannot be created: {e}",
                folder.display()
            ))
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            redact("sqlite://data/p.db?mode=rwc"),
            "sqlite://data/p.db?mode=rwc"
        );
    }

    #[tokio::test]
    async fn creates_the_sqlite_folder_and_migrates() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}/nested/deeper/p.db?mode=rwc",
            dir.path().display()
        );
        let db = Db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        db.migrate().await.unwrap();
        db.ping().await.unwrap();
        assert_eq!(db.backend(), Backend::Sqlite);
    }

    #[tokio::test]
    async fn names_the_setting_for_a_bad_url() {
        let err = Db::connect("mysql://x").await.unwrap_err().to_string();
        assert!(err.contains("database.url"), "{err}");
    }
}
