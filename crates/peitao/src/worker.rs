//! The background worker: what no request triggers — delivering queued mail, sending daily
//! digests, expiring needs. It runs inside `serve` or alone as `peitao worker`; every job is safe
//! to run from several workers at once (leases, dedupe keys, single UPDATEs).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use peitao_http::AppState;
use peitao_http::service::digest::{self, DigestSchedule};
use peitao_http::service::moderation;
use peitao_notify::Transport;
use peitao_persistence::{Db, StoreResult, needs};
use tokio::sync::watch;

use crate::delivery::{self, DeliveryConfig, DeliveryReport};

/// Everything a worker needs.
#[derive(Clone)]
pub struct Worker {
    pub state: AppState,
    pub transport: Arc<Transport>,
    pub delivery: DeliveryConfig,
    pub digest: DigestSchedule,
    pub interval: Duration,
    /// Names this worker's leases, so it only settles rows it claimed.
    pub name: String,
    /// `moderation.auto_approve_verified`.
    pub auto_approve: bool,
}

/// What one pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepReport {
    pub needs_expired: u64,
    pub auto_approved: usize,
    pub digests_queued: u32,
    pub mail: DeliveryReport,
}

/// Expires open needs whose respond-by date has passed (calendar days in China).
///
/// # Errors
/// Database errors.
pub async fn expire_needs(db: &Db) -> StoreResult<u64> {
    let now = Utc::now();
    let today = (now + chrono::Duration::hours(8)).date_naive();
    let expired = needs::expire_overdue(db, today, now).await?;
    if expired > 0 {
        tracing::info!(expired, "expired needs past their respond-by date");
    }
    Ok(expired)
}

impl Worker {
    /// One pass over every job; tests call this to drive the worker deterministically.
    /// A failing job is logged and the others still run.
    pub async fn step(&self) -> StepReport {
        let mut report = StepReport::default();
        match expire_needs(&self.state.db).await {
            Ok(n) => report.needs_expired = n,
            Err(e) => tracing::warn!(error = %e, "expiring needs failed"),
        }
        if self.auto_approve {
            match moderation::auto_approve(&self.state, 100).await {
                Ok(n) => report.auto_approved = n,
                Err(e) => tracing::warn!(error = ?e, "auto-approving matches failed"),
            }
        }
        match digest::send_due(&self.state, self.digest, Utc::now()).await {
            Ok(n) => report.digests_queued = n,
            Err(e) => tracing::warn!(error = ?e, "queuing digests failed"),
        }
        // Drain what is due now, batch by batch, so a backlog does not wait a poll interval per batch.
        loop {
            match delivery::deliver_due(&self.state.db, &self.transport, &self.delivery, &self.name)
                .await
            {
                Ok(r) => {
                    report.mail.sent += r.sent;
                    report.mail.retrying += r.retrying;
                    report.mail.dead += r.dead;
                    if r.sent + r.retrying + r.dead
                        < u32::try_from(self.delivery.batch).unwrap_or(u32::MAX)
                    {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "mail delivery pass failed");
                    break;
                }
            }
        }
        report
    }

    /// Runs passes every `interval` until `stop` turns true. A database outage is logged and
    /// retried on the next pass: it must not kill the worker.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(worker = %self.name, interval_ms = self.interval.as_millis(), "worker started");
        loop {
            self.step().await;
            tokio::select! {
                () = tokio::time::sleep(self.interval) => {}
                _ = stop.changed() => break,
            }
            if *stop.borrow() {
                break;
            }
        }
        tracing::info!(worker = %self.name, "worker stopped");
    }
}
