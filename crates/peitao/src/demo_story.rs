//! The demo world's history, played through the real use cases on first load: the association
//! approved each need's best proposal, and a few pairs went on to mutual interest and intentions,
//! so every lifecycle page (and the analytics) has something to show. Mail goes to the transport
//! configured (files under `data/mail/` by default).

use peitao_domain::Locale;
use peitao_http::AppState;
use peitao_http::auth::{AuthUser, actor_for};
use peitao_http::service::accounts::Origin;
use peitao_http::service::engagement::{self, InterestForm};
use peitao_http::service::moderation;
use peitao_persistence::seed::demo::DemoLogins;
use peitao_persistence::users;
use uuid::Uuid;

/// What the story did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Story {
    pub approved: usize,
    pub mutual: usize,
    pub confirmed: usize,
}

/// Pairs carried on to mutual interest and an intention; all but the last are confirmed.
const CARRIED: usize = 4;

async fn user_by_email(state: &AppState, email: &str) -> anyhow::Result<AuthUser> {
    let email = peitao_domain::Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let user = users::find_by_email(state.db.conn(), &email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo user {email} missing"))?;
    let actor = actor_for(&user).ok_or_else(|| anyhow::anyhow!("demo user inactive"))?;
    Ok(AuthUser {
        actor,
        user,
        session_id: None,
    })
}

async fn first_member(state: &AppState, organization: Uuid) -> anyhow::Result<Option<AuthUser>> {
    for user in users::members(state.db.conn(), organization).await? {
        if let Some(actor) = actor_for(&user).filter(|a| a.email_verified) {
            return Ok(Some(AuthUser {
                actor,
                user,
                session_id: None,
            }));
        }
    }
    Ok(None)
}

fn api(e: peitao_http::error::ApiError) -> anyhow::Error {
    anyhow::Error::new(e).context("a demo step was refused")
}

/// Plays the story once, right after the demo world was loaded and ranked.
///
/// # Errors
/// When a step the demo relies on is refused.
pub async fn play(state: &AppState, logins: &DemoLogins) -> anyhow::Result<Story> {
    let origin = Origin {
        ip: "demo".to_owned(),
        locale: Locale::ZhCn,
    };
    let staff = user_by_email(state, &logins.staff).await?;
    let queue = moderation::queue(state, &staff, None, None, 500)
        .await
        .map_err(api)?;
    let mut story = Story::default();
    let mut approved = Vec::new();
    for (ctx, _, _) in &queue {
        if ctx.row.rank == Some(1) {
            moderation::approve(state, Some(&staff), ctx.row.id, &origin)
                .await
                .map_err(api)?;
            approved.push(ctx.clone());
        }
    }
    story.approved = approved.len();
    for ctx in approved.iter().take(CARRIED) {
        let (Some(supplier), Some(oem)) = (
            first_member(state, ctx.supplier.id).await?,
            first_member(state, ctx.oem.id).await?,
        ) else {
            continue;
        };
        let quote = peitao_domain::lifecycle::QuoteForm {
            unit_price: Some(format!("{}.00", 80 + story.mutual * 7)),
            lead_time_days: Some("30".to_owned()),
            ..Default::default()
        };
        engagement::answer(
            state,
            &supplier,
            ctx.row.id,
            InterestForm {
                interested: true,
                reason: None,
                quote: Some(quote),
            },
            &origin,
        )
        .await
        .map_err(api)?;
        engagement::answer(
            state,
            &oem,
            ctx.row.id,
            InterestForm {
                interested: true,
                ..Default::default()
            },
            &origin,
        )
        .await
        .map_err(api)?;
        story.mutual += 1;
        let intention = peitao_domain::lifecycle::IntentionForm {
            annual_volume: ctx.need.annual_volume.map(|v| v.to_string()),
            unit: ctx.need.unit.clone(),
            ..Default::default()
        };
        engagement::record_intention(state, &oem, ctx.row.id, &intention, None, &origin)
            .await
            .map_err(api)?;
        if story.mutual < CARRIED {
            engagement::decide_intention(state, &staff, ctx.row.id, true, None, &origin)
                .await
                .map_err(api)?;
            story.confirmed += 1;
        }
    }
    Ok(story)
}
