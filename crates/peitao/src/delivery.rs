//! Mail delivery: claims due outbox rows with a lease, sends each through the configured
//! transport, and records the outcome — sent, retried later with backoff and jitter, or dead.

use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use peitao_notify::{OutgoingMail, RenderedMail, SendError, Transport};
use peitao_persistence::entities::outbox as row;
use peitao_persistence::{Db, StoreResult, outbox};
use rand::Rng;

/// How the dispatcher behaves; from `mail.*` and `worker.*` settings.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    pub from: String,
    /// The host part of Message-IDs (taken from `server.public_url`).
    pub message_id_domain: String,
    pub max_attempts: u32,
    pub batch: u64,
    pub lease: Duration,
    /// Mails sent at once, each on its own pooled connection.
    pub concurrency: usize,
    /// How long a failed mail waits before its next attempt.
    pub backoff: Backoff,
}

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeliveryReport {
    pub sent: u32,
    pub retrying: u32,
    pub dead: u32,
}

/// The waits between attempts (`mail.retry_base_ms`, `mail.retry_max_secs`). Configurable so the
/// fault tests can play an SMTP outage of minutes in seconds with the same schedule, scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failed attempt (before jitter).
    pub base: Duration,
    /// The longest wait.
    pub cap: Duration,
}

impl Default for Backoff {
    /// 5 s doubling, at most 15 minutes: the first retry within 10 s, an outage of hours costs a
    /// mail about a dozen attempts.
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(5),
            cap: Duration::from_secs(15 * 60),
        }
    }
}

impl Backoff {
    /// The wait before attempt `attempts + 1`, after `attempts` failed ones: `base` doubling per
    /// attempt, at most `cap`, then scaled by a random factor in [0.5, 1.0] so a burst of failures
    /// does not retry in lockstep. With the defaults the first retry comes within 5 s.
    #[must_use]
    pub fn delay(&self, attempts: u32, jitter: f64) -> Duration {
        let exponent = attempts.saturating_sub(1).min(20);
        let full =
            (self.base.as_secs_f64() * f64::from(1u32 << exponent)).min(self.cap.as_secs_f64());
        Duration::from_secs_f64(full * jitter.clamp(0.5, 1.0))
    }
}

/// The default schedule's wait before attempt `attempts + 1` (see [`Backoff::delay`]).
#[must_use]
pub fn retry_delay(attempts: u32, jitter: f64) -> Duration {
    Backoff::default().delay(attempts, jitter)
}

/// The Message-ID of an outbox row: the same on every attempt, so a receiver can recognise a mail
/// delivered twice (a worker that crashed after sending but before recording it).
#[must_use]
pub fn message_id(id: uuid::Uuid, domain: &str) -> String {
    format!("{id}@{domain}")
}

/// The host of a URL such as `https://peitao.example.cn:8443/x`, for Message-IDs.
#[must_use]
pub fn host_of(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let host = rest.split(['/', ':', '?']).next().unwrap_or("");
    if host.is_empty() {
        "peitao.localhost".to_owned()
    } else {
        host.to_owned()
    }
}

fn outgoing(mail: &row::Model, config: &DeliveryConfig) -> OutgoingMail {
    OutgoingMail {
        message_id: message_id(mail.id, &config.message_id_domain),
        from: config.from.clone(),
        to: mail.recipient.clone(),
        to_name: mail.recipient_name.clone(),
        rendered: RenderedMail {
            subject: mail.subject.clone(),
            text: mail.text_body.clone(),
            html: mail.html_body.clone(),
        },
        list_unsubscribe: mail.list_unsubscribe.clone(),
    }
}

/// One pass: claim a batch, send each, record each outcome.
///
/// # Errors
/// Database errors while claiming; a failure to record one outcome is logged and the lease makes
/// the row come back.
pub async fn deliver_due(
    db: &Db,
    transport: &Transport,
    config: &DeliveryConfig,
    worker: &str,
) -> StoreResult<DeliveryReport> {
    let now_ms = Utc::now().timestamp_millis();
    let lease_ms = i64::try_from(config.lease.as_millis()).unwrap_or(i64::MAX / 2);
    let claimed = outbox::claim(db, worker, config.batch, now_ms, now_ms + lease_ms).await?;
    let outcomes: Vec<StoreResult<Outcome>> = futures_util::stream::iter(claimed)
        .map(|mail| deliver_one(db, transport, config, worker, mail))
        .buffer_unordered(config.concurrency.max(1))
        .collect()
        .await;
    let mut report = DeliveryReport::default();
    for outcome in outcomes {
        match outcome? {
            Outcome::Sent => report.sent += 1,
            Outcome::Retrying => report.retrying += 1,
            Outcome::Dead => report.dead += 1,
        }
    }
    Ok(report)
}

enum Outcome {
    Sent,
    Retrying,
    Dead,
}

/// Sends one claimed mail and records what happened.
async fn deliver_one(
    db: &Db,
    transport: &Transport,
    config: &DeliveryConfig,
    worker: &str,
    mail: row::Model,
) -> StoreResult<Outcome> {
    let attempts = u32::try_from(mail.attempts).unwrap_or(u32::MAX);
    match transport.send(&outgoing(&mail, config)).await {
        Ok(()) => {
            outbox::mark_sent(db, mail.id, worker, Utc::now()).await?;
            metrics::counter!("mail_sent_total", "kind" => mail.kind.clone()).increment(1);
            Ok(Outcome::Sent)
        }
        Err(SendError { transient, message }) => {
            let dead = !transient || attempts >= config.max_attempts;
            let retry_at = (!dead).then(|| {
                let delay = config
                    .backoff
                    .delay(attempts, rand::rng().random_range(0.5..=1.0));
                Utc::now().timestamp_millis() + i64::try_from(delay.as_millis()).unwrap_or(0)
            });
            outbox::mark_failed(db, mail.id, worker, &message, retry_at).await?;
            if dead {
                tracing::error!(id = %mail.id, kind = %mail.kind, attempts, error = %message, "mail is dead");
                metrics::counter!("mail_dead_total", "kind" => mail.kind.clone()).increment(1);
                Ok(Outcome::Dead)
            } else {
                tracing::warn!(id = %mail.id, attempts, error = %message, "mail delivery failed; will retry");
                Ok(Outcome::Retrying)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_within_ten_seconds_and_caps_at_fifteen_minutes() {
        assert!(retry_delay(1, 1.0) <= Duration::from_secs(10));
        assert!(retry_delay(1, 0.5) >= Duration::from_millis(2500));
        assert_eq!(retry_delay(2, 1.0), Duration::from_secs(10));
        assert_eq!(retry_delay(3, 1.0), Duration::from_secs(20));
        assert_eq!(retry_delay(30, 1.0), Duration::from_secs(900));
        // Jitter outside the range is clamped, never zero or more than the cap.
        assert_eq!(retry_delay(30, 7.0), Duration::from_secs(900));
        assert_eq!(retry_delay(1, 0.0), Duration::from_millis(2500));
        // A scaled schedule (the fault tests' 100 ms doubling, at most 1 s) keeps its shape.
        let fast = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
        };
        assert_eq!(fast.delay(1, 1.0), Duration::from_millis(100));
        assert_eq!(fast.delay(4, 1.0), Duration::from_millis(800));
        assert_eq!(fast.delay(9, 1.0), Duration::from_secs(1));
    }

    #[test]
    fn message_ids_come_from_the_row_and_the_public_host() {
        let id = uuid::Uuid::nil();
        assert_eq!(
            host_of("https://peitao.example.cn:8443/x"),
            "peitao.example.cn"
        );
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(
            message_id(id, "peitao.example.cn"),
            format!("{id}@peitao.example.cn")
        );
    }
}
