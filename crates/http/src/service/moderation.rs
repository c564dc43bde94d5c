//! The association's moderation: the queue of proposals, approving (which tells both sides) or
//! rejecting with a reason, auto-approval between verified firms when configured, and flags.

use chrono::Utc;
use peitao_auth::policy::Action;
use peitao_domain::lifecycle;
use peitao_notify::MailContent;
use peitao_persistence::audit;
use peitao_persistence::lifecycle::{self as rows, LeadQuality};
use peitao_persistence::matches::status;
use peitao_persistence::organizations as orgs;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, Text};
use crate::service::accounts::Origin;
use crate::service::match_context::{MatchContext, conflict};
use crate::service::validate::Fields;
use crate::service::{audit_entry, begin, commit, matching};

/// The moderation queue: matches in `status` (proposed by default), oldest first.
///
/// # Errors
/// 403 unless staff; 422 for an unknown status.
pub async fn queue(
    state: &AppState,
    caller: &AuthUser,
    asked: Option<&str>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<(MatchContext, LeadQuality, LeadQuality)>, ApiError> {
    caller.authorize(Action::ModerateMatches)?;
    let status = match asked.map(str::trim).filter(|s| !s.is_empty()) {
        None => status::PROPOSED,
        Some(word) => lifecycle::MatchStatus::parse(word)
            .ok_or_else(bad_status)?
            .as_str(),
    };
    let conn = state.db.conn();
    let mut found = Vec::new();
    for row in rows::list(conn, &[status], None, after, limit + 1).await? {
        if let Some(ctx) = MatchContext::load(conn, row.id).await? {
            found.push(ctx);
        }
    }
    let suppliers: Vec<Uuid> = found.iter().map(|c| c.supplier.id).collect();
    let oems: Vec<Uuid> = found.iter().map(|c| c.oem.id).collect();
    let supplier_quality = rows::lead_quality(conn, &suppliers, true).await?;
    let oem_quality = rows::lead_quality(conn, &oems, false).await?;
    Ok(found
        .into_iter()
        .map(|ctx| {
            let s = supplier_quality
                .get(&ctx.supplier.id)
                .copied()
                .unwrap_or_default();
            let o = oem_quality.get(&ctx.oem.id).copied().unwrap_or_default();
            (ctx, s, o)
        })
        .collect())
}

pub(crate) fn bad_status() -> ApiError {
    let mut f = Fields::new();
    f.push(
        "status",
        "invalid",
        Text::fixed(
            "状态只能是 proposed、approved、rejected 或 withdrawn。",
            "status must be proposed, approved, rejected or withdrawn.",
        ),
    );
    f.finish().err().unwrap_or(ApiError::Internal)
}

/// Approves a proposal: both sides are told (mail and in-app) in the same transaction.
/// `caller: None` is auto-approval.
///
/// # Errors
/// 403 unless staff; 404 unknown; 409 already decided (one of two concurrent deciders) or the
/// need closed.
pub async fn approve(
    state: &AppState,
    caller: Option<&AuthUser>,
    id: Uuid,
    origin: &Origin,
) -> Result<MatchContext, ApiError> {
    decide(state, caller, id, true, None, origin).await
}

/// Rejects a proposal with a reason (required).
///
/// # Errors
/// 403 unless staff; 422 no reason; 404 unknown; 409 already decided.
pub async fn reject(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    body: &Value,
    origin: &Origin,
) -> Result<MatchContext, ApiError> {
    caller.authorize(Action::ModerateMatches)?;
    let mut f = Fields::new();
    let reason = f.check(
        "reason",
        lifecycle::reason(text_field(body, "reason").as_ref(), true),
    );
    f.finish()?;
    decide(state, Some(caller), id, false, reason.flatten(), origin).await
}

/// A string field of a JSON object body, if present and a string.
pub(crate) fn text_field(body: &Value, name: &str) -> Option<String> {
    body.get(name).and_then(Value::as_str).map(str::to_owned)
}

async fn decide(
    state: &AppState,
    caller: Option<&AuthUser>,
    id: Uuid,
    approve: bool,
    reason: Option<String>,
    origin: &Origin,
) -> Result<MatchContext, ApiError> {
    if let Some(c) = caller {
        c.authorize(Action::ModerateMatches)?;
    }
    let now = Utc::now();
    let txn = begin(state).await?;
    let mut ctx = MatchContext::lock(&txn, id).await?;
    ctx.state().decide().map_err(|e| conflict(&e))?;
    let from = ctx.row.status.clone();
    ctx.row = rows::decide(
        &txn,
        &ctx.row,
        approve,
        caller.map(|c| c.user.id),
        reason.clone(),
        now,
    )
    .await?;
    audit::record(
        &txn,
        audit_entry(
            caller.map(|c| &c.user),
            if approve {
                "match.approve"
            } else {
                "match.reject"
            },
            "match",
            Some(id.to_string()),
            json!({"from": from, "to": ctx.row.status, "reason": reason, "auto": caller.is_none()}),
            &origin.ip,
        ),
        now,
    )
    .await?;
    if approve {
        ctx.tell_both(
            &txn,
            state,
            |display_name, need_title, counterpart_name, link| MailContent::MatchApproved {
                display_name,
                need_title,
                counterpart_name,
                link,
            },
            now,
        )
        .await?;
    }
    commit(txn).await?;
    state.matcher.views().forget(&ctx.need.id);
    Ok(ctx)
}

/// Approves, oldest first, up to `limit` proposals whose two organizations are both verified
/// (the `moderation.auto_approve_verified` setting). Safe beside other workers and staff: a
/// match someone else decided first is skipped.
///
/// # Errors
/// Database errors.
pub async fn auto_approve(state: &AppState, limit: u64) -> Result<usize, ApiError> {
    let origin = Origin {
        ip: "worker".to_owned(),
        locale: peitao_domain::Locale::ZhCn,
    };
    let mut approved = 0;
    for id in rows::auto_approvable(state.db.conn(), limit).await? {
        match approve(state, None, id, &origin).await {
            Ok(_) => approved += 1,
            Err(ApiError::Conflict(_) | ApiError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(approved)
}

/// What staff may flag an organization for.
const FLAG_KINDS: [&str; 3] = ["spam", "fraud", "other"];

/// Flags an organization (spam, fraud, other) with a note; the flag suspends it, so its
/// postings leave listings and matching at once.
///
/// # Errors
/// 403 unless staff; 404 unknown; 422 bad kind or note.
pub async fn flag(
    state: &AppState,
    caller: &AuthUser,
    organization_id: Uuid,
    body: &Value,
    origin: &Origin,
) -> Result<Uuid, ApiError> {
    caller.authorize(Action::ModerateMatches)?;
    let mut f = Fields::new();
    let kind = text_field(body, "kind");
    let kind = match kind.as_deref().map(str::trim) {
        Some(k) if FLAG_KINDS.contains(&k) => Some(k.to_owned()),
        _ => {
            f.push(
                "kind",
                "invalid",
                Text::fixed(
                    "kind 只能是 spam、fraud 或 other。",
                    "kind must be spam, fraud or other.",
                ),
            );
            None
        }
    };
    let note = f.check(
        "note",
        lifecycle::reason(text_field(body, "note").as_ref(), true),
    );
    f.finish()?;
    let (Some(kind), Some(Some(note))) = (kind, note) else {
        return Err(ApiError::Internal);
    };
    let org = orgs::find(state.db.conn(), organization_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let now = Utc::now();
    let txn = begin(state).await?;
    let flag_id = rows::flag(&txn, org.id, &kind, &note, caller.user.id, now).await?;
    orgs::suspend(&txn, org.id, &format!("{kind}: {note}"), now).await?;
    audit::record(
        &txn,
        audit_entry(
            Some(&caller.user),
            "organization.flag",
            "organization",
            Some(org.id.to_string()),
            json!({"kind": kind, "note": note, "flag": flag_id, "before": {"suspended": org.suspended_at.is_some()}, "after": {"suspended": true}}),
            &origin.ip,
        ),
        now,
    )
    .await?;
    commit(txn).await?;
    matching::after_organization_change(state, org.id).await;
    Ok(flag_id)
}
