//! Telling people things: security mail always goes out; everything else becomes an in-app
//! notification plus, by the user's choice, an instant mail, a line in tomorrow's digest, or nothing.

use chrono::{DateTime, Utc};
use peitao_auth::purpose::{self, Purpose};
use peitao_domain::Locale;
use peitao_domain::user::EmailFrequency;
use peitao_notify::{MailContent, render};
use peitao_persistence::entities::user;
use peitao_persistence::notifications::{self, NewNotification};
use peitao_persistence::outbox::{self, NewMail};
use peitao_persistence::sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;

/// How long an unsubscribe link keeps working.
const UNSUBSCRIBE_TTL: std::time::Duration = std::time::Duration::from_secs(365 * 24 * 3600);

/// Who a mail goes to.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub user_id: Option<Uuid>,
    pub email: String,
    pub name: Option<String>,
    pub locale: Locale,
    pub frequency: EmailFrequency,
}

impl Recipient {
    /// A registered user, with their language and mail preference.
    #[must_use]
    pub fn user(u: &user::Model) -> Recipient {
        Recipient {
            user_id: Some(u.id),
            email: u.email.clone(),
            name: Some(u.display_name.clone()),
            locale: Locale::from_tag(&u.locale).unwrap_or_default(),
            frequency: EmailFrequency::parse(&u.email_frequency).unwrap_or(EmailFrequency::Instant),
        }
    }
}

/// A link into the platform, absolute, for mails.
#[must_use]
pub fn link(state: &AppState, path_and_query: &str) -> String {
    format!("{}{path_and_query}", state.config.public_url)
}

/// The signed one-click unsubscribe URL for a user.
///
/// # Errors
/// Only if signing fails.
pub fn unsubscribe_url(
    state: &AppState,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let token = purpose::issue_purpose(
        &state.keys,
        &state.config.auth.issuer,
        Purpose::Unsubscribe,
        &user_id.to_string(),
        UNSUBSCRIBE_TTL,
        now.timestamp(),
    )
    .map_err(|e| {
        tracing::error!(error = ?e, "signing an unsubscribe token failed");
        ApiError::Internal
    })?;
    Ok(link(state, &format!("/unsubscribe?token={token}")))
}

fn render_or_500(
    content: &MailContent,
    locale: Locale,
    public_url: &str,
    unsubscribe: Option<&str>,
) -> Result<peitao_notify::RenderedMail, ApiError> {
    render(content, locale, public_url, unsubscribe).map_err(|e| {
        tracing::error!(error = ?e, kind = content.kind().as_str(), "rendering a mail failed");
        ApiError::Internal
    })
}

/// Queues `content` for `to` on `conn`, the transaction of the change that causes it.
/// `subject_key` names what the mail is about (a user, a match ...): with the kind and the
/// recipient it makes the dedupe key, so a retried request never mails twice.
///
/// # Errors
/// Rendering or database errors (the caller's transaction then rolls back: no change, no mail).
pub async fn tell<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    to: &Recipient,
    content: &MailContent,
    subject_key: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let kind = content.kind();
    let dedupe_key = format!("{}:{subject_key}:{}", kind.as_str(), to.email);
    let public_url = state.config.public_url.as_str();
    if kind.is_security() {
        let rendered = render_or_500(content, to.locale, public_url, None)?;
        outbox::enqueue(
            conn,
            new_mail(to, kind.as_str(), dedupe_key, rendered, None),
            now,
        )
        .await?;
        return Ok(());
    }
    let Some(user_id) = to.user_id else {
        tracing::error!(
            kind = kind.as_str(),
            "a notification mail needs a registered recipient"
        );
        return Err(ApiError::Internal);
    };
    let unsubscribe = unsubscribe_url(state, user_id, now)?;
    let rendered = render_or_500(content, to.locale, public_url, Some(&unsubscribe))?;
    notifications::create(
        conn,
        NewNotification {
            user_id,
            kind: kind.as_str().to_owned(),
            title: rendered.subject.clone(),
            body: content.summary(to.locale),
            link: content.link().map(str::to_owned),
            digest_pending: to.frequency == EmailFrequency::Daily,
        },
        now,
    )
    .await?;
    if to.frequency == EmailFrequency::Instant {
        outbox::enqueue(
            conn,
            new_mail(to, kind.as_str(), dedupe_key, rendered, Some(unsubscribe)),
            now,
        )
        .await?;
    }
    Ok(())
}

fn new_mail(
    to: &Recipient,
    kind: &str,
    dedupe_key: String,
    rendered: peitao_notify::RenderedMail,
    list_unsubscribe: Option<String>,
) -> NewMail {
    NewMail {
        dedupe_key,
        kind: kind.to_owned(),
        recipient: to.email.clone(),
        recipient_name: to.name.clone(),
        user_id: to.user_id,
        subject: rendered.subject,
        text_body: rendered.text,
        html_body: rendered.html,
        list_unsubscribe,
    }
}

/// Queues an already-rendered mail (the digest builds its own content).
///
/// # Errors
/// Rendering or database errors.
pub async fn queue_rendered<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    to: &Recipient,
    content: &MailContent,
    dedupe_key: String,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let user_id = to.user_id.ok_or(ApiError::Internal)?;
    let unsubscribe = unsubscribe_url(state, user_id, now)?;
    let rendered = render_or_500(
        content,
        to.locale,
        &state.config.public_url,
        Some(&unsubscribe),
    )?;
    Ok(outbox::enqueue(
        conn,
        new_mail(
            to,
            content.kind().as_str(),
            dedupe_key,
            rendered,
            Some(unsubscribe),
        ),
        now,
    )
    .await?)
}
