//! The association desk in the browser: staff import rosters (a multipart upload with a dry-run
//! box) and read past reports; everyone signed in sees docking events, staff invite and download
//! the report, organizations register and cancel. CSRF-checked, POST-redirect-GET.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;
use uuid::Uuid;

use super::desk_words::DeskWords as W;
use super::form::{Field, Notice, place_errors};
use super::{TokenOnly, Visit, or_answer, render, see_other};
use crate::AppState;
use crate::api::accounts::origin;
use crate::error::ApiError;
use crate::service::events::{self, EventView, InviteRequest};
use crate::service::imports::{self, FileKind, Report, Upload};
use crate::web::layout::Chrome;
use crate::web::session::CSRF_FIELD;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/staff/imports")
            .route(web::get().to(imports_page))
            .route(web::post().to(upload)),
    )
    .service(
        web::resource("/events")
            .route(web::get().to(events_page))
            .route(web::post().to(create_event)),
    )
    .route("/events/{id}", web::get().to(event_page))
    .route("/events/{id}/invite", web::post().to(invite))
    .route("/events/{id}/attend", web::post().to(attend))
    .route("/events/{id}/cancel", web::post().to(cancel))
    .route("/events/{id}/report.csv", web::get().to(report_csv))
    .route("/staff/imports/{id}.csv", web::get().to(import_csv));
}

/// One kept import as the list shows it.
pub struct ImportLine {
    pub id: Uuid,
    pub when: String,
    pub file_name: String,
    pub created: i32,
    pub updated: i32,
    pub result: &'static str,
    pub highlighted: bool,
    /// (row, field, message)
    pub errors: Vec<(usize, String, String)>,
}

#[derive(Template)]
#[template(path = "desk/imports.html")]
struct ImportsPage {
    chrome: Chrome,
    w: &'static W,
    notices: Vec<Notice>,
    csrf_field: &'static str,
    csrf_token: String,
    lines: Vec<ImportLine>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ImportsQuery {
    report: Option<Uuid>,
    problem: Option<String>,
}

fn line(w: &'static W, r: &Report, locale: peitao_domain::Locale, highlighted: bool) -> ImportLine {
    ImportLine {
        id: r.row.id,
        when: r.row.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        file_name: r.row.file_name.clone(),
        created: r.row.created,
        updated: r.row.updated,
        result: if !r.ok() {
            w.refused
        } else if r.row.dry_run {
            w.trial
        } else {
            w.ok
        },
        highlighted,
        errors: r
            .errors
            .iter()
            .map(|e| (e.row, e.field.clone(), locale.pick(&e.zh, &e.en).to_owned()))
            .collect(),
    }
}

/// GET /staff/imports — the upload form and past reports.
pub async fn imports_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ImportsQuery>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = W::for_locale(visit.locale);
    let reports = match imports::list(&state, &me.auth, None, 50).await {
        Ok(r) => r,
        Err(err) => return visit.error(&err),
    };
    let mut notices = Vec::new();
    match query.problem.as_deref() {
        Some("no_file") => notices.push(Notice::new("error", w.no_file)),
        Some("too_large") => notices.push(Notice::new("error", w.too_large)),
        _ => {}
    }
    if let Some(shown) = query
        .report
        .and_then(|id| reports.iter().find(|r| r.row.id == id))
    {
        notices.push(if !shown.ok() {
            Notice::new("error", w.done_refused)
        } else if shown.row.dry_run {
            Notice::new("info", w.done_trial)
        } else {
            Notice::new("success", w.done_ok)
        });
    }
    let page = ImportsPage {
        chrome: visit.chrome(),
        w,
        notices,
        csrf_field: CSRF_FIELD,
        csrf_token: me.csrf_token.clone(),
        lines: reports
            .iter()
            .map(|r| line(w, r, visit.locale, query.report == Some(r.row.id)))
            .collect(),
    };
    render(StatusCode::OK, visit.locale, &page)
}

/// What the upload form sent.
#[derive(Default)]
struct Uploaded {
    csrf_token: String,
    dry_run: bool,
    file_name: String,
    content_type: String,
    bytes: Vec<u8>,
    too_large: bool,
}

async fn read_form(mut payload: Multipart, limit: usize) -> Option<Uploaded> {
    let mut out = Uploaded::default();
    while let Some(item) = payload.next().await {
        let mut field = item.ok()?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            out.file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .unwrap_or_default()
                .to_owned();
            out.content_type = field
                .content_type()
                .map(ToString::to_string)
                .unwrap_or_default();
        }
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.ok()?;
            if data.len() + chunk.len() > limit {
                out.too_large = true;
                return Some(out);
            }
            data.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => out.bytes = data,
            "dry_run" => out.dry_run = !data.is_empty(),
            n if n == CSRF_FIELD => out.csrf_token = String::from_utf8_lossy(&data).into_owned(),
            _ => {}
        }
    }
    Some(out)
}

/// POST /staff/imports — a multipart upload.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: Multipart,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let Some(form) = read_form(payload, state.config.import_limit_bytes).await else {
        return see_other("/staff/imports?problem=no_file");
    };
    if form.too_large {
        return see_other("/staff/imports?problem=too_large");
    }
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.csrf_refused("/staff/imports");
    }
    let kind = FileKind::from_file_name(&form.file_name)
        .or_else(|| FileKind::from_content_type(&form.content_type));
    let (Some(kind), false) = (kind, form.bytes.is_empty()) else {
        return see_other("/staff/imports?problem=no_file");
    };
    let upload = Upload {
        file_name: form.file_name,
        kind,
        bytes: form.bytes,
        dry_run: form.dry_run,
    };
    match imports::import(&state, &me.auth, upload, &origin(&req, &state)).await {
        Ok(report) => see_other(&format!("/staff/imports?report={}", report.row.id)),
        Err(err) => visit.error(&err),
    }
}

/// An event as the pages show it.
pub struct EventLine {
    pub id: Uuid,
    pub title: String,
    pub date: String,
    pub place: String,
    pub zone: String,
    pub categories: String,
    pub invited: usize,
    pub attending: usize,
    pub my_invited: bool,
    pub my_attending: bool,
    pub can_attend: bool,
}

fn event_line(state: &AppState, locale: peitao_domain::Locale, v: &EventView) -> EventLine {
    let zone = state
        .reference
        .zones
        .iter()
        .find(|z| z.code == v.event.zone_code)
        .map_or_else(
            || v.event.zone_code.clone(),
            |z| locale.pick(&z.name_zh, &z.name_en).to_owned(),
        );
    let categories = v
        .categories
        .iter()
        .map(|code| {
            state
                .reference
                .categories
                .iter()
                .find(|c| c.code.as_str() == code)
                .map_or_else(
                    || code.clone(),
                    |c| locale.pick(&c.name_zh, &c.name_en).to_owned(),
                )
        })
        .collect::<Vec<_>>()
        .join(locale.pick("、", ", "));
    EventLine {
        id: v.event.id,
        title: v.event.title.clone(),
        date: v.event.held_on.format("%Y-%m-%d").to_string(),
        place: v.event.place.clone(),
        zone,
        categories,
        invited: v.invited,
        attending: v.attending,
        my_invited: v.my_invited,
        my_attending: v.my_attending,
        can_attend: v.can_attend,
    }
}

#[derive(Template)]
#[template(path = "desk/events.html")]
struct EventsPage {
    chrome: Chrome,
    w: &'static W,
    notices: Vec<Notice>,
    csrf_field: &'static str,
    csrf_token: String,
    /// The new-event form, for staff.
    create: Vec<Field>,
    staff: bool,
    lines: Vec<EventLine>,
}

/// What the new-event form posts.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateForm {
    csrf_token: String,
    title: String,
    date: String,
    place: String,
    zone_code: String,
    category_codes: String,
}

fn create_fields(w: &'static W, form: &CreateForm) -> Vec<Field> {
    vec![
        Field::input("title", "text", w.title, &form.title).maxlength(200),
        Field::input("date", "text", w.date, &form.date).hint(w.date_hint),
        Field::input("place", "text", w.place, &form.place).maxlength(200),
        Field::input("zone_code", "text", w.zone, &form.zone_code).hint(w.zone_hint),
        Field::input("category_codes", "text", w.categories, &form.category_codes)
            .hint(w.categories_hint),
    ]
}

async fn list_page(
    visit: &Visit<'_>,
    me: &crate::web::session::WebUser,
    form: &CreateForm,
    errors: &[crate::error::FieldError],
) -> HttpResponse {
    let w = W::for_locale(visit.locale);
    let views = match events::list(visit.state, &me.auth, None, 100).await {
        Ok(v) => v,
        Err(err) => return visit.error(&err),
    };
    let staff = me.auth.actor.role.is_staff();
    let mut create = if staff {
        create_fields(w, form)
    } else {
        Vec::new()
    };
    let notices = place_errors(create.iter_mut(), errors, visit.locale)
        .into_iter()
        .map(|m| Notice::new("error", m))
        .collect();
    let page = EventsPage {
        chrome: visit.chrome(),
        w,
        notices,
        csrf_field: CSRF_FIELD,
        csrf_token: me.csrf_token.clone(),
        create,
        staff,
        lines: views
            .iter()
            .map(|v| event_line(visit.state, visit.locale, v))
            .collect(),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(status, visit.locale, &page)
}

/// GET /events — every event, upcoming first; staff also get the new-event form.
pub async fn events_page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    list_page(&visit, &me, &CreateForm::default(), &[]).await
}

/// POST /events — staff create an event; refusals are shown next to their fields.
pub async fn create_event(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CreateForm>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.csrf_refused("/events");
    }
    let typed = peitao_domain::event::EventForm {
        title: form.title.clone(),
        date: form.date.clone(),
        place: form.place.clone(),
        zone_code: form.zone_code.clone(),
        category_codes: form
            .category_codes
            .split([';', ',', '；', '，'])
            .map(str::to_owned)
            .collect(),
    };
    match events::create(&state, &me.auth, &typed, &origin(&req, &state)).await {
        Ok(view) => see_other(&format!("/events/{}?done=created", view.event.id)),
        Err(ApiError::Validation(errors)) => list_page(&visit, &me, &form, &errors).await,
        Err(err) => visit.error(&err),
    }
}

#[derive(Template)]
#[template(path = "desk/event.html")]
struct EventPage {
    chrome: Chrome,
    w: &'static W,
    notices: Vec<Notice>,
    csrf_field: &'static str,
    csrf_token: String,
    e: EventLine,
    staff: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct EventFlash {
    done: Option<String>,
    n: Option<usize>,
}

/// GET /events/{id} — one event: staff invite and download the report; organizations register.
pub async fn event_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    flash: web::Query<EventFlash>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = W::for_locale(visit.locale);
    let view = match events::get(&state, &me.auth, id.into_inner()).await {
        Ok(v) => v,
        Err(err) => return visit.error(&err),
    };
    let notices = match flash.done.as_deref() {
        Some("invited") => vec![Notice::new(
            "success",
            w.done_invited
                .replace("{n}", &flash.n.unwrap_or(0).to_string()),
        )],
        Some("attend") => vec![Notice::new("success", w.done_attend)],
        Some("cancel") => vec![Notice::new("success", w.done_cancel)],
        Some("created") => vec![Notice::new("success", w.done_created)],
        _ => Vec::new(),
    };
    let page = EventPage {
        chrome: visit.chrome(),
        w,
        notices,
        csrf_field: CSRF_FIELD,
        csrf_token: me.csrf_token.clone(),
        e: event_line(&state, visit.locale, &view),
        staff: me.auth.actor.role.is_staff(),
    };
    render(StatusCode::OK, visit.locale, &page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    csrf_token: String,
    by: String,
}

/// POST /events/{id}/invite — staff invite by category, zone or matches.
pub async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<InviteForm>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.csrf_refused("/events");
    }
    let id = id.into_inner();
    let request = InviteRequest {
        by: form.by.clone(),
        organization_ids: Vec::new(),
    };
    match events::invite(&state, &me.auth, id, &request, &origin(&req, &state)).await {
        Ok(done) => see_other(&format!("/events/{id}?done=invited&n={}", done.invited)),
        Err(err) => visit.error(&err),
    }
}

async fn set_attendance(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: Uuid,
    form: &TokenOnly,
    attend: bool,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.csrf_refused("/events");
    }
    match events::set_attendance(&state, &me.auth, id, attend, &origin(&req, &state)).await {
        Ok(_) => see_other(&format!(
            "/events/{id}?done={}",
            if attend { "attend" } else { "cancel" }
        )),
        Err(err) => visit.error(&err),
    }
}

/// POST /events/{id}/attend — the visitor's organization registers.
pub async fn attend(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<TokenOnly>,
) -> HttpResponse {
    set_attendance(req, state, id.into_inner(), &form, true).await
}

/// POST /events/{id}/cancel — the visitor's organization cancels.
pub async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<TokenOnly>,
) -> HttpResponse {
    set_attendance(req, state, id.into_inner(), &form, false).await
}

/// GET /events/{id}/report.csv — staff download the report (cells neutralised).
pub async fn report_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let report = match events::report(&state, &me.auth, id.into_inner()).await {
        Ok(r) => r,
        Err(err) => return visit.error(&err),
    };
    match report.csv() {
        Ok(text) => {
            crate::api::csv_download::download(&format!("event-{}", report.event.id), &text)
        }
        Err(err) => visit.error(&err),
    }
}

/// GET /staff/imports/{id}.csv — a kept import's row errors, for the browser's session.
pub async fn import_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    match imports::get(&state, &me.auth, id.into_inner()).await {
        Ok(report) => crate::api::desk::import_csv(&report, visit.locale)
            .unwrap_or_else(|err| visit.error(&err)),
        Err(err) => visit.error(&err),
    }
}
