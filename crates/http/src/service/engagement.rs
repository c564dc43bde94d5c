//! The parties' side of an approved match: each says interested or not (the supplier's "yes" may
//! carry a quote), mutual interest reveals contacts, and either records an intention (合作意向)
//! that staff confirm or dismiss. Every transition is audited and told to the other side.

use chrono::Utc;
use peitao_auth::policy::Action;
use peitao_domain::ids::OrganizationId;
use peitao_domain::lifecycle::{self, IntentionForm, QuoteForm, Side};
use peitao_notify::MailContent;
use peitao_persistence::audit::{self, AuditFilter};
use peitao_persistence::entities::{audit_entry as audit_row, intention, quote};
use peitao_persistence::lifecycle::{self as rows, Answer, LeadQuality, NewIntention, NewQuote};
use peitao_persistence::matches::status;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, FieldError};
use crate::service::accounts::Origin;
use crate::service::match_context::{MatchContext, conflict};
use crate::service::moderation::{bad_status, text_field};
use crate::service::{audit_entry, begin, commit, matching};

/// A match as one caller may see it: what is private to a side stays out for the other.
#[derive(Debug, Clone)]
pub struct MatchView {
    pub ctx: MatchContext,
    /// The caller's side; `None` for staff.
    pub side: Option<Side>,
    pub staff: bool,
    pub quote: Option<quote::Model>,
    pub supplier_quality: LeadQuality,
    pub oem_quality: LeadQuality,
    /// The match's audit trail, for staff only.
    pub history: Vec<audit_row::Model>,
}

impl MatchView {
    /// Contacts are shown to staff, and to the parties once both are interested.
    #[must_use]
    pub fn shows_contacts(&self) -> bool {
        self.staff || (self.side.is_some() && self.ctx.row.contact_revealed_at.is_some())
    }

    /// A side's decline reason is for that side and staff.
    #[must_use]
    pub fn shows_reason_of(&self, side: Side) -> bool {
        self.staff || self.side == Some(side)
    }
}

fn refused(refusals: Vec<peitao_domain::need::Refusal>, prefix: &str) -> ApiError {
    ApiError::Validation(
        refusals
            .into_iter()
            .map(|r| FieldError::from_invalid(format!("{prefix}{}", r.field), &r.invalid))
            .collect(),
    )
}

/// Builds what `caller` sees of a loaded match.
///
/// # Errors
/// 404 when the caller may not see it; database errors.
pub async fn view_of(
    state: &AppState,
    caller: &AuthUser,
    ctx: MatchContext,
) -> Result<MatchView, ApiError> {
    ctx.ensure_visible(caller)?;
    let conn = state.db.conn();
    let staff = caller.actor.role.is_staff();
    let side = ctx.side_of(caller);
    // Quotes: the quoting supplier, the OEM that asked, staff; never another supplier.
    let quote = rows::quote_of(conn, ctx.row.id).await?;
    let supplier_quality = rows::lead_quality(conn, &[ctx.supplier.id], true)
        .await?
        .remove(&ctx.supplier.id)
        .unwrap_or_default();
    let oem_quality = rows::lead_quality(conn, &[ctx.oem.id], false)
        .await?
        .remove(&ctx.oem.id)
        .unwrap_or_default();
    let history = if staff {
        audit::list(
            &state.db,
            &AuditFilter {
                entity: Some("match".to_owned()),
                entity_id: Some(ctx.row.id.to_string()),
                ..AuditFilter::default()
            },
            100,
        )
        .await?
    } else {
        Vec::new()
    };
    Ok(MatchView {
        ctx,
        side,
        staff,
        quote,
        supplier_quality,
        oem_quality,
        history,
    })
}

/// One match as the caller may see it.
///
/// # Errors
/// 404 unknown or not the caller's to see.
pub async fn get(state: &AppState, caller: &AuthUser, id: Uuid) -> Result<MatchView, ApiError> {
    let ctx = MatchContext::load(state.db.conn(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    view_of(state, caller, ctx).await
}

/// The caller's organization's matches (staff: everyone's), oldest first. Parties see approved
/// ones only; staff may ask for any status.
///
/// # Errors
/// 422 unknown status.
pub async fn list(
    state: &AppState,
    caller: &AuthUser,
    asked: Option<&str>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<MatchView>, ApiError> {
    let asked = match asked.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(word) => Some(
            lifecycle::MatchStatus::parse(word)
                .ok_or_else(bad_status)?
                .as_str(),
        ),
    };
    let staff = caller.actor.role.is_staff();
    let statuses: Vec<&str> = match (staff, asked) {
        (true, None) => lifecycle::MatchStatus::ALL
            .iter()
            .map(|s| s.as_str())
            .collect(),
        (true, Some(s)) => vec![s],
        (false, None | Some(status::APPROVED)) => vec![status::APPROVED],
        (false, Some(_)) => return Ok(Vec::new()),
    };
    let organization = if staff {
        None
    } else {
        match caller.actor.organization_id {
            Some(org) => Some(org.0),
            None => return Ok(Vec::new()),
        }
    };
    let conn = state.db.conn();
    let mut out = Vec::new();
    for row in rows::list(conn, &statuses, organization, after, limit + 1).await? {
        if let Some(ctx) = MatchContext::load(conn, row.id).await? {
            out.push(view_of(state, caller, ctx).await?);
        }
    }
    Ok(out)
}

/// The body of `POST /matches/{id}/interest`.
#[derive(Debug, Clone, Default)]
pub struct InterestForm {
    pub interested: bool,
    pub reason: Option<String>,
    pub quote: Option<QuoteForm>,
}

/// A JSON scalar as text: strings as they are, numbers written out; anything else refused.
fn scalar(body: &Value, name: &str, errors: &mut Vec<FieldError>, prefix: &str) -> Option<String> {
    match body.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(super::needs::number_text(n)),
        Some(_) => {
            errors.push(FieldError::from_invalid(
                format!("{prefix}{name}"),
                &peitao_domain::Invalid::new(
                    "type",
                    "应为文本或数字。",
                    "must be a text or a number.",
                ),
            ));
            None
        }
    }
}

/// Reads the interest body: `{interested: bool, reason?, quote?: {...}}`.
///
/// # Errors
/// 422 naming the field.
pub fn interest_form(body: &Value) -> Result<InterestForm, ApiError> {
    let mut errors = Vec::new();
    let interested = match body.get("interested") {
        Some(Value::Bool(b)) => *b,
        _ => {
            errors.push(FieldError::from_invalid(
                "interested",
                &peitao_domain::Invalid::new(
                    "required",
                    "请说明是否感兴趣(interested: true 或 false)。",
                    "interested is required: true or false.",
                ),
            ));
            false
        }
    };
    let reason = scalar(body, "reason", &mut errors, "");
    let quote = match body.get("quote") {
        None | Some(Value::Null) => None,
        Some(q @ Value::Object(_)) => Some(QuoteForm {
            unit_price: scalar(q, "unit_price", &mut errors, "quote."),
            currency: scalar(q, "currency", &mut errors, "quote."),
            lead_time_days: scalar(q, "lead_time_days", &mut errors, "quote."),
            valid_until: scalar(q, "valid_until", &mut errors, "quote."),
            note: scalar(q, "note", &mut errors, "quote."),
        }),
        Some(_) => {
            errors.push(FieldError::from_invalid(
                "quote",
                &peitao_domain::Invalid::new("type", "报价应为对象。", "quote must be an object."),
            ));
            None
        }
    };
    if errors.is_empty() {
        Ok(InterestForm {
            interested,
            reason,
            quote,
        })
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Reads the intention body.
///
/// # Errors
/// 422 naming the field.
pub fn intention_form(body: &Value) -> Result<IntentionForm, ApiError> {
    let mut errors = Vec::new();
    let form = IntentionForm {
        annual_volume: scalar(body, "annual_volume", &mut errors, ""),
        unit: scalar(body, "unit", &mut errors, ""),
        expected_start: scalar(body, "expected_start", &mut errors, ""),
        note: scalar(body, "note", &mut errors, ""),
    };
    if errors.is_empty() {
        Ok(form)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// The docking event an intention body names (`event_id`), if any.
///
/// # Errors
/// 422 when `event_id` is not a UUID.
pub fn intention_event(body: &Value) -> Result<Option<Uuid>, ApiError> {
    match body.get("event_id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Uuid::parse_str(s.trim())
            .map(Some)
            .map_err(|_| unknown_event()),
        Some(_) => Err(unknown_event()),
    }
}

fn unknown_event() -> ApiError {
    ApiError::invalid(
        "event_id",
        &peitao_domain::Invalid::new(
            "event_id.unknown",
            "没有这个对接活动。",
            "There is no such docking event.",
        ),
    )
}

/// The side the caller speaks for on this match, once they may act for it.
fn acting_side(ctx: &MatchContext, caller: &AuthUser, intention: bool) -> Result<Side, ApiError> {
    ctx.ensure_visible(caller)?;
    let side = ctx.side_of(caller);
    // Staff see the match but never speak for a company: the policy refuses them.
    let organization_id = OrganizationId(side.map_or(Uuid::nil(), |s| ctx.organization(s).id));
    caller.authorize(if intention {
        Action::RecordIntention { organization_id }
    } else {
        Action::ExpressInterest { organization_id }
    })?;
    side.ok_or(ApiError::NotFound)
}

/// One side says interested or not; the supplier's "interested" may carry a quote. When this
/// makes both sides interested, contacts are revealed and both are mailed.
///
/// # Errors
/// 404 not visible; 403 staff or an unverified email; 409 not approved, need closed, or a change
/// after the reveal; 422 bad fields (a quote from the OEM or with "not interested" included).
pub async fn answer(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    form: InterestForm,
    origin: &Origin,
) -> Result<MatchView, ApiError> {
    let now = Utc::now();
    let mut errors = Vec::new();
    let reason = lifecycle::reason(form.reason.as_ref(), false)
        .map_err(|e| errors.push(FieldError::from_invalid("reason", &e)))
        .ok()
        .flatten();
    let quote = match &form.quote {
        None => None,
        Some(q) => match lifecycle::parse_quote(q, matching::today(now)) {
            Ok(fields) => Some(fields),
            Err(refusals) => {
                if let ApiError::Validation(mut more) = refused(refusals, "quote.") {
                    errors.append(&mut more);
                }
                None
            }
        },
    };
    let txn = begin(state).await?;
    let mut ctx = MatchContext::lock(&txn, id).await?;
    let side = acting_side(&ctx, caller, false)?;
    if form.quote.is_some() && (side != Side::Supplier || !form.interested) {
        errors.push(FieldError::from_invalid(
            "quote",
            &peitao_domain::Invalid::new(
                "quote.supplier_interested_only",
                "只有表示感兴趣的供应商可以附带报价。",
                "Only a supplier saying it is interested may include a quote.",
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let answered = ctx
        .state()
        .answer(side, form.interested)
        .map_err(|e| conflict(&e))?;
    let before = ctx.state().interest(side);
    if answered.changed || reason.is_some() {
        ctx.row = rows::answer(
            &txn,
            &ctx.row,
            Answer {
                supplier_side: side == Side::Supplier,
                interested: form.interested,
                decline_reason: reason.clone(),
                reveals_contacts: answered.reveals_contacts,
            },
            now,
        )
        .await?;
        audit::record(
            &txn,
            audit_entry(
                Some(&caller.user),
                "match.interest",
                "match",
                Some(id.to_string()),
                json!({"side": side.as_str(), "from": before, "to": form.interested, "reason": reason}),
                &origin.ip,
            ),
            now,
        )
        .await?;
    }
    if let Some(q) = quote {
        let was = rows::quote_of(&txn, id).await?;
        let saved = rows::put_quote(
            &txn,
            &ctx.row,
            NewQuote {
                unit_price: q.unit_price.as_str().to_owned(),
                currency: q.currency.to_owned(),
                lead_time_days: q.lead_time_days,
                valid_until: q.valid_until,
                note: q.note,
                submitted_by: caller.user.id,
            },
            now,
        )
        .await?;
        audit::record(
            &txn,
            audit_entry(
                Some(&caller.user),
                "match.quote",
                "match",
                Some(id.to_string()),
                json!({"from": was.map(|w| json!({"unit_price": w.unit_price, "currency": w.currency})),
                       "to": {"unit_price": saved.unit_price, "currency": saved.currency, "lead_time_days": saved.lead_time_days, "valid_until": saved.valid_until}}),
                &origin.ip,
            ),
            now,
        )
        .await?;
    }
    if answered.reveals_contacts {
        audit::record(
            &txn,
            audit_entry(
                Some(&caller.user),
                "match.contact_revealed",
                "match",
                Some(id.to_string()),
                json!({"from": {"contact_revealed": false}, "to": {"contact_revealed": true}}),
                &origin.ip,
            ),
            now,
        )
        .await?;
        ctx.tell_both(
            &txn,
            state,
            |display_name, need_title, counterpart_name, link| MailContent::MutualInterest {
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
    view_of(state, caller, ctx).await
}

/// A party records a cooperation intention on a match whose contacts are revealed; the other
/// side is told.
///
/// # Errors
/// 404 not visible; 403 staff or unverified; 409 not mutual or one already recorded; 422 fields.
pub async fn record_intention(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    form: &IntentionForm,
    event_id: Option<Uuid>,
    origin: &Origin,
) -> Result<intention::Model, ApiError> {
    let now = Utc::now();
    let fields =
        lifecycle::parse_intention(form, matching::today(now)).map_err(|r| refused(r, ""))?;
    let txn = begin(state).await?;
    if let Some(event) = event_id
        && peitao_persistence::desk::event(&txn, event)
            .await?
            .is_none()
    {
        return Err(unknown_event());
    }
    let mut ctx = MatchContext::lock(&txn, id).await?;
    let side = acting_side(&ctx, caller, true)?;
    ctx.state().record_intention().map_err(|e| conflict(&e))?;
    let saved = rows::record_intention(
        &txn,
        &ctx.row,
        NewIntention {
            recorded_by: caller.user.id,
            recorded_by_organization: ctx.organization(side).id,
            annual_volume: fields.annual_volume,
            unit: fields.unit,
            expected_start: fields.expected_start,
            note: fields.note,
            event_id,
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        audit_entry(
            Some(&caller.user),
            "intention.record",
            "match",
            Some(id.to_string()),
            json!({"side": side.as_str(), "intention": saved.id, "event": event_id,
                   "from": ctx.intention.as_ref().map(|i| i.status.clone()), "to": saved.status}),
            &origin.ip,
        ),
        now,
    )
    .await?;
    ctx.intention = Some(saved.clone());
    let link = crate::service::mailing::link(state, &ctx.page());
    let counterpart = ctx.organization(side).name.clone();
    let need_title = ctx.need.title.clone();
    ctx.tell_side(
        &txn,
        state,
        side.other(),
        &format!("{}:{}", saved.id, saved.version),
        |name| MailContent::IntentionRecorded {
            display_name: name.to_owned(),
            need_title: need_title.clone(),
            counterpart_name: counterpart.clone(),
            link: link.clone(),
        },
        now,
    )
    .await?;
    commit(txn).await?;
    Ok(saved)
}

/// Staff confirm (it then counts in the analytics) or dismiss (with a reason) an intention.
///
/// # Errors
/// 403 unless staff; 404 unknown match; 409 no intention or already decided; 422 no reason.
pub async fn decide_intention(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    confirm: bool,
    body: Option<&Value>,
    origin: &Origin,
) -> Result<intention::Model, ApiError> {
    caller.authorize(Action::ConfirmIntention)?;
    let reason = lifecycle::reason(
        body.and_then(|b| text_field(b, "reason")).as_ref(),
        !confirm,
    )
    .map_err(|e| ApiError::Validation(vec![FieldError::from_invalid("reason", &e)]))?;
    let now = Utc::now();
    let txn = begin(state).await?;
    let ctx = MatchContext::lock(&txn, id).await?;
    let held = ctx
        .intention
        .clone()
        .ok_or_else(|| conflict(&lifecycle::NO_INTENTION))?;
    lifecycle::IntentionStatus::parse(&held.status)
        .ok_or(ApiError::Internal)?
        .decide()
        .map_err(|e| conflict(&e))?;
    let saved =
        rows::decide_intention(&txn, &held, confirm, caller.user.id, reason.clone(), now).await?;
    audit::record(
        &txn,
        audit_entry(
            Some(&caller.user),
            if confirm {
                "intention.confirm"
            } else {
                "intention.dismiss"
            },
            "match",
            Some(id.to_string()),
            json!({"intention": saved.id, "from": held.status, "to": saved.status, "reason": reason}),
            &origin.ip,
        ),
        now,
    )
    .await?;
    commit(txn).await?;
    Ok(saved)
}

/// Intentions: staff see all (optionally in one status); parties see their organization's.
///
/// # Errors
/// 422 unknown status.
pub async fn intentions(
    state: &AppState,
    caller: &AuthUser,
    asked: Option<&str>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<(intention::Model, MatchContext)>, ApiError> {
    let status = match asked.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(word) => Some(
            lifecycle::IntentionStatus::parse(word)
                .ok_or_else(|| {
                    ApiError::Validation(vec![FieldError::from_invalid(
                        "status",
                        &peitao_domain::Invalid::new(
                            "invalid",
                            "状态只能是 recorded、confirmed 或 dismissed。",
                            "status must be recorded, confirmed or dismissed.",
                        ),
                    )])
                })?
                .as_str(),
        ),
    };
    let organization = if caller.actor.role.is_staff() {
        None
    } else {
        match caller.actor.organization_id {
            Some(o) => Some(o.0),
            None => return Ok(Vec::new()),
        }
    };
    let conn = state.db.conn();
    let mut out = Vec::new();
    for row in rows::intentions(conn, status, organization, after, limit + 1).await? {
        if let Some(ctx) = MatchContext::load(conn, row.match_id).await? {
            out.push((row, ctx));
        }
    }
    Ok(out)
}

/// A need's quotes side by side, for its OEM and staff, with each supplier's match.
///
/// # Errors
/// 404 unknown need (or one the caller may not see); 403 anyone else.
pub async fn quotes_of_need(
    state: &AppState,
    caller: &AuthUser,
    need_id: Uuid,
) -> Result<Vec<(quote::Model, MatchContext, LeadQuality)>, ApiError> {
    let conn = state.db.conn();
    let need = peitao_persistence::needs::find(conn, need_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let insider = caller.actor.role.is_staff()
        || caller
            .actor
            .is_member_of(OrganizationId(need.organization.id));
    if need.organization.suspended_at.is_some() && !insider {
        return Err(ApiError::NotFound);
    }
    caller.authorize(Action::CompareQuotes {
        owner_organization_id: OrganizationId(need.organization.id),
    })?;
    let quotes = rows::quotes_of_need(conn, need_id).await?;
    let suppliers: Vec<Uuid> = quotes.iter().map(|q| q.supplier_id).collect();
    let quality = rows::lead_quality(conn, &suppliers, true).await?;
    let mut out = Vec::new();
    for q in quotes {
        let Some(ctx) = MatchContext::load(conn, q.match_id).await? else {
            continue;
        };
        // Only quotes on matches that are still approved are offers to compare.
        if ctx.approved() && ctx.row.supplier_interest == Some(true) {
            let lq = quality.get(&q.supplier_id).copied().unwrap_or_default();
            out.push((q, ctx, lq));
        }
    }
    Ok(out)
}
