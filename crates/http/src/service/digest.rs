//! The daily digest: once a day, at the configured hour of the configured zone, each user who
//! chose daily mail gets one mail gathering every notification since their last digest.

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;
use peitao_domain::user::EmailFrequency;
use peitao_notify::{DigestItem, MailContent};
use peitao_persistence::{notifications, outbox, users};

use super::mailing::{Recipient, queue_rendered};
use crate::AppState;
use crate::error::ApiError;

/// When digests go out.
#[derive(Debug, Clone, Copy)]
pub struct DigestSchedule {
    pub hour: u32,
    pub zone: Tz,
}

/// Queues today's digests if their hour has come; returns how many were queued. Safe to run
/// often and from several workers: one digest per user per local day (the dedupe key says so).
///
/// # Errors
/// Database or rendering errors.
pub async fn send_due(
    state: &AppState,
    schedule: DigestSchedule,
    now: DateTime<Utc>,
) -> Result<u32, ApiError> {
    let local = now.with_timezone(&schedule.zone);
    if local.hour() < schedule.hour {
        return Ok(0);
    }
    let day = local.date_naive();
    let mut queued = 0;
    for user_id in notifications::users_awaiting_digest(&state.db).await? {
        let dedupe_key = format!("digest:{user_id}:{day}");
        // Today's digest already went: what arrived since waits for tomorrow's.
        if outbox::exists(state.db.conn(), &dedupe_key).await? {
            continue;
        }
        let txn = state.db.begin().await?;
        let items = notifications::take_for_digest(&txn, user_id).await?;
        let Some(user) = users::find_by_id(&txn, user_id).await? else {
            continue;
        };
        let to = Recipient::user(&user);
        // Someone who switched mail off since keeps the notifications in the app, and no mail.
        if !items.is_empty() && to.frequency != EmailFrequency::Off && user.deactivated_at.is_none()
        {
            let content = MailContent::Digest {
                display_name: user.display_name.clone(),
                items: items
                    .iter()
                    .map(|n| DigestItem {
                        title: n.title.clone(),
                        body: n.body.clone(),
                        link: n.link.clone().unwrap_or_default(),
                    })
                    .collect(),
                since_label: day.to_string(),
            };
            if queue_rendered(&txn, state, &to, &content, dedupe_key, now).await? {
                queued += 1;
            } else {
                // Another worker queued today's digest between the check above and here: keep
                // what this one took for tomorrow's instead of marking it digested unsent.
                txn.rollback()
                    .await
                    .map_err(peitao_persistence::StoreError::from)?;
                continue;
            }
        }
        txn.commit()
            .await
            .map_err(peitao_persistence::StoreError::from)?;
    }
    Ok(queued)
}
