//! The match lifecycle in the browser: staff's queue, the match page each party and staff see
//! (answer, quote, contacts, intention, history), the OEM's quote comparison and the intentions.
//! Plain forms, CSRF-checked, POST-redirect-GET; the services decide everything.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use peitao_domain::lifecycle::{QuoteForm, Side};
use peitao_domain::{Locale, RegionCode};
use peitao_persistence::lifecycle::LeadQuality;
use serde::Deserialize;
use uuid::Uuid;

use super::form::{Field, Notice, place_errors};
use super::lifecycle_words::LifecycleWords as W;
use super::{Visit, or_answer, render, see_other};
use crate::AppState;
use crate::api::accounts::origin;
use crate::error::{ApiError, FieldError};
use crate::service::engagement::{self, InterestForm, MatchView};
use crate::service::match_context::MatchContext;
use crate::service::moderation;
use crate::web::layout::Chrome;
use crate::web::session::{CSRF_FIELD, WebUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/matches", web::get().to(queue))
        .route("/matches", web::get().to(mine))
        .route("/matches/{id}", web::get().to(show))
        .route("/matches/{id}/approve", web::post().to(approve))
        .route("/matches/{id}/reject", web::post().to(reject))
        .route("/matches/{id}/interest", web::post().to(interest))
        .route("/matches/{id}/intention", web::post().to(record_intention))
        .route(
            "/matches/{id}/intention/confirm",
            web::post().to(confirm_intention),
        )
        .route(
            "/matches/{id}/intention/dismiss",
            web::post().to(dismiss_intention),
        )
        .route("/needs/{id}/quotes", web::get().to(quotes))
        .route("/intentions", web::get().to(intentions));
}

// --- what the templates show -----------------------------------------------------------------

/// A party as a card shows it.
pub struct PartyCard {
    pub name: String,
    pub verified: bool,
    pub region: String,
    pub responsiveness: String,
    pub intentions_per_need: String,
    pub answer: &'static str,
    pub contact: Option<(String, String)>,
}

/// One line of a match list (queue, mine).
pub struct MatchLine {
    pub id: Uuid,
    pub need: String,
    pub capability: String,
    pub supplier: PartyCard,
    pub oem: PartyCard,
    pub score: i64,
    pub status: &'static str,
    pub proposed: bool,
}

fn percent(x: f64) -> i64 {
    #[allow(clippy::cast_possible_truncation)] // 0..=100
    {
        (x * 100.0).round().clamp(0.0, 100.0) as i64
    }
}

fn share(v: Option<f64>, w: &W) -> String {
    v.map_or_else(|| w.no_history.to_owned(), |x| format!("{}%", percent(x)))
}

fn ratio(v: Option<f64>, w: &W) -> String {
    v.map_or_else(|| w.no_history.to_owned(), |x| format!("{x:.2}"))
}

fn region_name(state: &AppState, code: &str) -> String {
    RegionCode::parse(code)
        .ok()
        .and_then(|c| state.reference.region(&c).map(|r| r.name.clone()))
        .unwrap_or_else(|| code.to_owned())
}

fn status_word(w: &'static W, status: &str) -> &'static str {
    match status {
        "approved" => w.approved,
        "rejected" => w.rejected,
        "withdrawn" => w.withdrawn,
        _ => w.proposed,
    }
}

fn answer_word(w: &'static W, answer: Option<bool>) -> &'static str {
    match answer {
        None => w.not_answered,
        Some(true) => w.interested,
        Some(false) => w.not_interested,
    }
}

fn party(
    state: &AppState,
    w: &'static W,
    ctx: &MatchContext,
    side: Side,
    quality: LeadQuality,
    contact: bool,
) -> PartyCard {
    let o = ctx.organization(side);
    let answer = match side {
        Side::Supplier => ctx.row.supplier_interest,
        Side::Oem => ctx.row.oem_interest,
    };
    PartyCard {
        name: o.name.clone(),
        verified: o.verified_at.is_some(),
        region: region_name(state, &o.region_code),
        responsiveness: share(quality.responsiveness, w),
        intentions_per_need: ratio(quality.intentions_per_need, w),
        answer: answer_word(w, answer),
        contact: contact.then(|| {
            (
                o.contact_email.clone().unwrap_or_default(),
                o.contact_phone.clone().unwrap_or_default(),
            )
        }),
    }
}

fn line(
    state: &AppState,
    w: &'static W,
    ctx: &MatchContext,
    sq: LeadQuality,
    oq: LeadQuality,
) -> MatchLine {
    MatchLine {
        id: ctx.row.id,
        need: ctx.need.title.clone(),
        capability: ctx.capability.title.clone(),
        supplier: party(state, w, ctx, Side::Supplier, sq, false),
        oem: party(state, w, ctx, Side::Oem, oq, false),
        score: percent(ctx.row.score),
        status: status_word(w, &ctx.row.status),
        proposed: ctx.row.status == "proposed",
    }
}

// --- the queue and the lists -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "lifecycle/queue.html")]
struct QueuePage {
    chrome: Chrome,
    w: &'static W,
    notices: Vec<Notice>,
    csrf_field: &'static str,
    csrf_token: String,
    title: &'static str,
    intro: &'static str,
    empty: &'static str,
    staff: bool,
    lines: Vec<MatchLine>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    done: Option<String>,
}

fn flash_notice(w: &'static W, flash: &Flash) -> Vec<Notice> {
    let text = match flash.done.as_deref() {
        Some("approved") => w.done_approved,
        Some("rejected") => w.done_rejected,
        Some("answered") => w.done_answered,
        Some("intention") => w.done_intention,
        Some("confirmed") => w.done_confirmed,
        Some("dismissed") => w.done_dismissed,
        _ => return Vec::new(),
    };
    vec![Notice::new("success", text)]
}

/// GET /staff/matches — the moderation queue.
pub async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    flash: web::Query<Flash>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = W::for_locale(visit.locale);
    let rows = match moderation::queue(&state, &me.auth, None, None, 100).await {
        Ok(rows) => rows,
        Err(err) => return visit.error(&err),
    };
    let lines = rows
        .iter()
        .map(|(ctx, s, o)| line(&state, w, ctx, *s, *o))
        .collect();
    let page = QueuePage {
        chrome: visit.chrome(),
        w,
        notices: flash_notice(w, &flash),
        csrf_field: CSRF_FIELD,
        csrf_token: me.csrf_token.clone(),
        title: w.queue_title,
        intro: w.queue_intro,
        empty: w.queue_empty,
        staff: true,
        lines,
    };
    render(StatusCode::OK, visit.locale, &page)
}

/// GET /matches — the caller's organization's approved matches (staff: every match).
pub async fn mine(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = W::for_locale(visit.locale);
    let views = match engagement::list(&state, &me.auth, None, None, 100).await {
        Ok(v) => v,
        Err(err) => return visit.error(&err),
    };
    let staff = me.auth.actor.role.is_staff();
    let lines = views
        .iter()
        .map(|v| line(&state, w, &v.ctx, v.supplier_quality, v.oem_quality))
        .collect();
    let page = QueuePage {
        chrome: visit.chrome(),
        w,
        notices: Vec::new(),
        csrf_field: CSRF_FIELD,
        csrf_token: me.csrf_token.clone(),
        title: if staff { w.all_title } else { w.mine_title },
        intro: w.mine_intro,
        empty: w.mine_empty,
        staff: false,
        lines,
    };
    render(StatusCode::OK, visit.locale, &page)
}

// --- one match ---------------------------------------------------------------------------------

/// One row of the match's history (staff).
pub struct HistoryRow {
    pub at: String,
    pub action: String,
    pub details: String,
}

/// The quote as shown.
pub struct QuoteLine {
    pub price: String,
    pub lead_time: String,
    pub valid_until: String,
    pub note: String,
}

/// The intention as shown.
pub struct IntentionLine {
    pub status: &'static str,
    pub volume: String,
    pub expected_start: String,
    pub note: String,
    pub reason: String,
    pub decidable: bool,
}

#[derive(Template)]
#[template(path = "lifecycle/match.html")]
struct MatchPage {
    chrome: Chrome,
    w: &'static W,
    notices: Vec<Notice>,
    csrf_field: &'static str,
    csrf_token: String,
    id: Uuid,
    need: String,
    need_id: Uuid,
    capability: String,
    status: &'static str,
    score: i64,
    distance: String,
    local: bool,
    supplier: PartyCard,
    oem: PartyCard,
    staff: bool,
    revealed: bool,
    proposed: bool,
    /// The answer forms, while the caller's side may still answer.
    can_answer: bool,
    interested_fields: Vec<Field>,
    declined_field: Field,
    quote: Option<QuoteLine>,
    can_record: bool,
    intention_fields: Vec<Field>,
    /// Docking events the caller's organization was invited to or attends: (id, label, chosen).
    events: Vec<(String, String, bool)>,
    event_error: Option<String>,
    intention: Option<IntentionLine>,
    reject_field: Field,
    dismiss_field: Field,
    history: Vec<HistoryRow>,
    show_quotes_link: bool,
}

/// What the visitor typed into the match page's forms, kept after a refusal.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MatchForm {
    csrf_token: String,
    interested: String,
    reason: String,
    unit_price: String,
    currency: String,
    lead_time_days: String,
    valid_until: String,
    note: String,
    annual_volume: String,
    unit: String,
    expected_start: String,
    event_id: String,
    back: String,
}

fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Which of the match page's forms was posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Answer,
    Intention,
    Reject,
    Dismiss,
}

#[allow(clippy::too_many_arguments)] // one page, fed by three handlers
fn match_page(
    visit: &Visit<'_>,
    me: &WebUser,
    v: &MatchView,
    typed: &MatchForm,
    events: Vec<(String, String)>,
    which: Which,
    errors: &[FieldError],
    mut notices: Vec<Notice>,
) -> MatchPage {
    let state = visit.state;
    let w = W::for_locale(visit.locale);
    let ctx = &v.ctx;
    let st = ctx.state();
    let explanation: serde_json::Value =
        serde_json::from_str(&ctx.row.explanation).unwrap_or_default();
    let km = explanation
        .get("distance_km")
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0);
    let can_answer = v
        .side
        .is_some_and(|s| st.answer(s, true).is_ok() && !st.contact_revealed);
    let supplier_side = v.side == Some(Side::Supplier);
    let mut interested_fields = Vec::new();
    if supplier_side {
        interested_fields = vec![
            Field::input("unit_price", "text", w.unit_price, &typed.unit_price)
                .service_name("quote.unit_price")
                .inputmode("decimal")
                .maxlength(20)
                .hint(w.quote_hint),
            Field::input("currency", "text", w.currency, &typed.currency)
                .service_name("quote.currency")
                .maxlength(3),
            Field::input(
                "lead_time_days",
                "text",
                w.lead_time_days,
                &typed.lead_time_days,
            )
            .service_name("quote.lead_time_days")
            .inputmode("numeric")
            .maxlength(4),
            Field::input("valid_until", "date", w.valid_until, &typed.valid_until)
                .service_name("quote.valid_until"),
            Field::input("note", "text", w.note, &typed.note)
                .service_name("quote.note")
                .maxlength(2000),
        ];
        for f in &mut interested_fields {
            f.required = false;
        }
    }
    let mut declined_field =
        Field::input("reason", "text", w.decline_reason, &typed.reason).maxlength(1000);
    declined_field.required = false;
    let mut intention_fields = vec![
        Field::input(
            "annual_volume",
            "text",
            w.annual_volume,
            &typed.annual_volume,
        )
        .inputmode("numeric")
        .maxlength(13),
        Field::input("unit", "text", w.unit, &typed.unit).maxlength(20),
        Field::input(
            "expected_start",
            "date",
            w.expected_start,
            &typed.expected_start,
        ),
        Field::input("note", "text", w.note, &typed.note)
            .service_name("note")
            .maxlength(2000),
    ];
    for f in &mut intention_fields {
        f.required = false;
    }
    let mut reject_field = Field::input("reason", "text", w.reason, &typed.reason)
        .hint(w.reject_reason_hint)
        .maxlength(1000);
    let mut dismiss_field = Field::input("reason", "text", w.reason, &typed.reason).maxlength(1000);
    // Refusals land beside the form they came from.
    let unplaced = match which {
        Which::Reject => place_errors(std::iter::once(&mut reject_field), errors, visit.locale),
        Which::Dismiss => place_errors(std::iter::once(&mut dismiss_field), errors, visit.locale),
        Which::Answer => place_errors(
            interested_fields
                .iter_mut()
                .chain(std::iter::once(&mut declined_field)),
            errors,
            visit.locale,
        ),
        Which::Intention => place_errors(intention_fields.iter_mut(), errors, visit.locale),
    };
    notices.extend(unplaced.into_iter().map(|t| Notice::new("error", t)));
    let contacts = v.shows_contacts();
    let intention = ctx.intention.as_ref().map(|i| IntentionLine {
        status: match i.status.as_str() {
            "confirmed" => w.intention_confirmed,
            "dismissed" => w.intention_dismissed,
            _ => w.intention_recorded,
        },
        volume: i
            .annual_volume
            .map(|n| format!("{n} {}", i.unit.clone().unwrap_or_default()))
            .unwrap_or_default(),
        expected_start: i.expected_start.map(|d| d.to_string()).unwrap_or_default(),
        note: i.note.clone().unwrap_or_default(),
        reason: i.reason.clone().unwrap_or_default(),
        decidable: v.staff && i.status == "recorded",
    });
    MatchPage {
        chrome: visit.chrome(),
        w,
        notices,
        csrf_field: CSRF_FIELD,
        csrf_token: me.csrf_token.clone(),
        id: ctx.row.id,
        need: ctx.need.title.clone(),
        need_id: ctx.need.id,
        capability: ctx.capability.title.clone(),
        status: status_word(w, &ctx.row.status),
        score: percent(ctx.row.score),
        distance: match visit.locale {
            Locale::ZhCn => format!("{km:.0} 公里"),
            Locale::En => format!("{km:.0} km"),
        },
        local: explanation
            .get("local")
            .and_then(serde_json::Value::as_bool)
            == Some(true),
        supplier: party(state, w, ctx, Side::Supplier, v.supplier_quality, contacts),
        oem: party(state, w, ctx, Side::Oem, v.oem_quality, contacts),
        staff: v.staff,
        revealed: st.contact_revealed,
        proposed: st.status == peitao_domain::lifecycle::MatchStatus::Proposed && v.staff,
        can_answer,
        interested_fields,
        declined_field,
        quote: v.quote.as_ref().map(|q| QuoteLine {
            price: format!("{} {}", q.unit_price, q.currency),
            lead_time: q.lead_time_days.map(|d| d.to_string()).unwrap_or_default(),
            valid_until: q.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            note: q.note.clone().unwrap_or_default(),
        }),
        can_record: v.side.is_some() && st.record_intention().is_ok(),
        intention_fields,
        events: events
            .into_iter()
            .map(|(id, label)| {
                let chosen = id == typed.event_id;
                (id, label, chosen)
            })
            .collect(),
        event_error: errors
            .iter()
            .find(|e| e.field == "event_id")
            .map(|e| e.message.get(visit.locale).to_owned()),
        intention,
        reject_field,
        dismiss_field,
        history: v
            .history
            .iter()
            .rev()
            .map(|h| HistoryRow {
                at: h.at.format("%Y-%m-%d %H:%M").to_string(),
                action: h.action.clone(),
                details: h.summary.clone(),
            })
            .collect(),
        show_quotes_link: v.staff || v.side == Some(Side::Oem),
    }
}

/// The docking events a party may tag its intention with: those its organization was invited
/// to or attends.
async fn event_choices(visit: &Visit<'_>, me: &WebUser) -> Vec<(String, String)> {
    if me.auth.actor.role.is_staff() {
        return Vec::new();
    }
    match crate::service::events::list(visit.state, &me.auth, None, 100).await {
        Ok(events) => events
            .into_iter()
            .filter(|e| e.my_invited || e.my_attending)
            .map(|e| {
                (
                    e.event.id.to_string(),
                    format!("{} · {}", e.event.held_on, e.event.title),
                )
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// GET /matches/{id}
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    flash: web::Query<Flash>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = W::for_locale(visit.locale);
    let view = match engagement::get(&state, &me.auth, id.into_inner()).await {
        Ok(v) => v,
        Err(err) => return visit.error(&err),
    };
    let events = event_choices(&visit, &me).await;
    let page = match_page(
        &visit,
        &me,
        &view,
        &MatchForm::default(),
        events,
        Which::Answer,
        &[],
        flash_notice(w, &flash),
    );
    render(StatusCode::OK, visit.locale, &page)
}

/// Runs a form's step; a refusal of fields shows the match page again with them marked.
async fn after_post(
    visit: &Visit<'_>,
    me: &WebUser,
    id: Uuid,
    typed: &MatchForm,
    which: Which,
    result: Result<(), ApiError>,
    done: &str,
) -> HttpResponse {
    match result {
        Ok(()) if typed.back == "queue" => see_other(&format!("/staff/matches?done={done}")),
        Ok(()) => see_other(&format!("/matches/{id}?done={done}")),
        Err(ApiError::Validation(errors)) => {
            let view = match engagement::get(visit.state, &me.auth, id).await {
                Ok(v) => v,
                Err(err) => return visit.error(&err),
            };
            let notice = Notice::new("error", visit.common().fix_fields);
            let events = event_choices(visit, me).await;
            let page = match_page(
                visit,
                me,
                &view,
                typed,
                events,
                which,
                &errors,
                vec![notice],
            );
            render(StatusCode::UNPROCESSABLE_ENTITY, visit.locale, &page)
        }
        Err(err) => visit.error(&err),
    }
}

/// Opens a POST: the session, then the CSRF token.
macro_rules! posted {
    ($req:expr, $state:expr, $form:expr) => {{
        let (visit, me) = or_answer!(Visit::logged_in(&$req, &$state).await);
        if !visit.csrf_ok(&$form.csrf_token) {
            return visit.csrf_refused("/matches");
        }
        (visit, me)
    }};
}

/// POST /matches/{id}/approve (staff)
pub async fn approve(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<MatchForm>,
) -> HttpResponse {
    let (visit, me) = posted!(req, state, form);
    let id = id.into_inner();
    let result = moderation::approve(&state, Some(&me.auth), id, &origin(&req, &state))
        .await
        .map(|_| ());
    after_post(&visit, &me, id, &form, Which::Reject, result, "approved").await
}

/// POST /matches/{id}/reject (staff) `reason`
pub async fn reject(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<MatchForm>,
) -> HttpResponse {
    let (visit, me) = posted!(req, state, form);
    let id = id.into_inner();
    let body = serde_json::json!({"reason": form.reason});
    let result = moderation::reject(&state, &me.auth, id, &body, &origin(&req, &state))
        .await
        .map(|_| ());
    // A refusal from the queue is shown on the match page, beside its reason field.
    let mut typed = form.into_inner();
    if result.is_err() {
        typed.back.clear();
    }
    after_post(&visit, &me, id, &typed, Which::Reject, result, "rejected").await
}

/// POST /matches/{id}/interest `interested=true|false`, a reason, the supplier's quote.
pub async fn interest(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<MatchForm>,
) -> HttpResponse {
    let (visit, me) = posted!(req, state, form);
    let id = id.into_inner();
    let interested = form.interested == "true";
    let quote = QuoteForm {
        unit_price: some(&form.unit_price),
        currency: some(&form.currency),
        lead_time_days: some(&form.lead_time_days),
        valid_until: some(&form.valid_until),
        note: some(&form.note),
    };
    let has_quote = interested && quote != QuoteForm::default();
    let answer = InterestForm {
        interested,
        reason: if interested { None } else { some(&form.reason) },
        quote: has_quote.then_some(quote),
    };
    let result = engagement::answer(&state, &me.auth, id, answer, &origin(&req, &state))
        .await
        .map(|_| ());
    after_post(&visit, &me, id, &form, Which::Answer, result, "answered").await
}

/// POST /matches/{id}/intention — a party records the intention.
pub async fn record_intention(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<MatchForm>,
) -> HttpResponse {
    let (visit, me) = posted!(req, state, form);
    let id = id.into_inner();
    let typed = peitao_domain::lifecycle::IntentionForm {
        annual_volume: some(&form.annual_volume),
        unit: some(&form.unit),
        expected_start: some(&form.expected_start),
        note: some(&form.note),
    };
    let result = match some(&form.event_id).map(|e| Uuid::parse_str(&e)) {
        Some(Err(_)) => Err(ApiError::Validation(vec![FieldError::from_invalid(
            "event_id",
            &peitao_domain::Invalid::new(
                "event_id.unknown",
                "没有这个对接活动。",
                "No docking event has this id.",
            ),
        )])),
        chosen => {
            let event = chosen.and_then(Result::ok);
            engagement::record_intention(&state, &me.auth, id, &typed, event, &origin(&req, &state))
                .await
                .map(|_| ())
        }
    };
    after_post(
        &visit,
        &me,
        id,
        &form,
        Which::Intention,
        result,
        "intention",
    )
    .await
}

/// POST /matches/{id}/intention/confirm (staff)
pub async fn confirm_intention(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<MatchForm>,
) -> HttpResponse {
    let (visit, me) = posted!(req, state, form);
    let id = id.into_inner();
    let result =
        engagement::decide_intention(&state, &me.auth, id, true, None, &origin(&req, &state))
            .await
            .map(|_| ());
    after_post(&visit, &me, id, &form, Which::Dismiss, result, "confirmed").await
}

/// POST /matches/{id}/intention/dismiss (staff) `reason`
pub async fn dismiss_intention(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<MatchForm>,
) -> HttpResponse {
    let (visit, me) = posted!(req, state, form);
    let id = id.into_inner();
    let body = serde_json::json!({"reason": form.reason});
    let result = engagement::decide_intention(
        &state,
        &me.auth,
        id,
        false,
        Some(&body),
        &origin(&req, &state),
    )
    .await
    .map(|_| ());
    after_post(&visit, &me, id, &form, Which::Dismiss, result, "dismissed").await
}

// --- quotes and intentions --------------------------------------------------------------------

/// One quote in the comparison table.
pub struct QuoteRow {
    pub match_id: Uuid,
    pub supplier: String,
    pub verified: bool,
    pub region: String,
    pub responsiveness: String,
    pub capability: String,
    pub price: String,
    pub lead_time: String,
    pub valid_until: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "lifecycle/quotes.html")]
struct QuotesPage {
    chrome: Chrome,
    w: &'static W,
    heading: String,
    rows: Vec<QuoteRow>,
}

/// GET /needs/{id}/quotes — the OEM's (and staff's) side-by-side comparison.
pub async fn quotes(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = W::for_locale(visit.locale);
    let id = id.into_inner();
    let rows = match engagement::quotes_of_need(&state, &me.auth, id).await {
        Ok(rows) => rows,
        Err(err) => return visit.error(&err),
    };
    let title = match crate::service::needs::get(&state, Some(&me.auth), id).await {
        Ok(need) => need.row.need.title,
        Err(err) => return visit.error(&err),
    };
    let rows = rows
        .iter()
        .map(|(q, ctx, lq)| QuoteRow {
            match_id: ctx.row.id,
            supplier: ctx.supplier.name.clone(),
            verified: ctx.supplier.verified_at.is_some(),
            region: region_name(&state, &ctx.supplier.region_code),
            responsiveness: share(lq.responsiveness, w),
            capability: ctx.capability.title.clone(),
            price: format!("{} {}", q.unit_price, q.currency),
            lead_time: q.lead_time_days.map(|d| d.to_string()).unwrap_or_default(),
            valid_until: q.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            note: q.note.clone().unwrap_or_default(),
        })
        .collect();
    let page = QuotesPage {
        chrome: visit.chrome(),
        w,
        heading: format!("{}{}", w.quotes_title, title),
        rows,
    };
    render(StatusCode::OK, visit.locale, &page)
}

/// One intention in the list.
pub struct IntentionRow {
    pub match_id: Uuid,
    pub need: String,
    pub supplier: String,
    pub oem: String,
    pub volume: String,
    pub expected_start: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "lifecycle/intentions.html")]
struct IntentionsPage {
    chrome: Chrome,
    w: &'static W,
    rows: Vec<IntentionRow>,
}

/// GET /intentions — staff: all; parties: their organization's.
pub async fn intentions(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = W::for_locale(visit.locale);
    let rows = match engagement::intentions(&state, &me.auth, None, None, 100).await {
        Ok(rows) => rows,
        Err(err) => return visit.error(&err),
    };
    let rows = rows
        .iter()
        .map(|(i, ctx)| IntentionRow {
            match_id: ctx.row.id,
            need: ctx.need.title.clone(),
            supplier: ctx.supplier.name.clone(),
            oem: ctx.oem.name.clone(),
            volume: i
                .annual_volume
                .map(|n| format!("{n} {}", i.unit.clone().unwrap_or_default()))
                .unwrap_or_default(),
            expected_start: i.expected_start.map(|d| d.to_string()).unwrap_or_default(),
            status: match i.status.as_str() {
                "confirmed" => w.intention_confirmed,
                "dismissed" => w.intention_dismissed,
                _ => w.intention_recorded,
            },
        })
        .collect();
    let page = IntentionsPage {
        chrome: visit.chrome(),
        w,
        rows,
    };
    render(StatusCode::OK, visit.locale, &page)
}
