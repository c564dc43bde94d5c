//! The background worker: periodic jobs that no request triggers. It runs inside `serve` or alone
//! as `peitao worker`; every job is safe to run from several instances at once.

use std::time::Duration;

use chrono::Utc;
use peitao_persistence::{Db, StoreResult, needs};
use tokio::sync::watch;

/// What one pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepReport {
    pub needs_expired: u64,
}

/// One pass over every job; tests call this to drive the worker deterministically.
///
/// # Errors
/// The first job's database error.
pub async fn step(db: &Db) -> StoreResult<StepReport> {
    let now = Utc::now();
    // Respond-by dates are calendar days in China.
    let today = (now + chrono::Duration::hours(8)).date_naive();
    let needs_expired = needs::expire_overdue(db, today, now).await?;
    if needs_expired > 0 {
        tracing::info!(needs_expired, "expired needs past their respond-by date");
    }
    Ok(StepReport { needs_expired })
}

/// Runs passes every `interval` until `stop` turns true. Errors are logged and retried on the
/// next pass: a database outage must not kill the worker.
pub async fn run(db: Db, interval: Duration, mut stop: watch::Receiver<bool>) {
    tracing::info!(interval_ms = interval.as_millis(), "worker started");
    loop {
        if let Err(e) = step(&db).await {
            tracing::warn!(error = %e, "worker pass failed; retrying next pass");
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = stop.changed() => break,
        }
        if *stop.borrow() {
            break;
        }
    }
    tracing::info!("worker stopped");
}
