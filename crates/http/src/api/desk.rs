//! /api/v1/imports and /api/v1/events: roster imports and docking events, the association
//! desk. Thin: `service::imports` and `service::events` decide.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use peitao_auth::policy::Action;
use peitao_domain::Locale;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::AppState;
use crate::api::accounts::origin;
use crate::api::csv_download;
use crate::api::page::{Page, PageQuery};
use crate::auth::AuthUser;
use crate::error::{ApiError, Text};
use crate::locale::request_locale;
use crate::service::events::{self, EventView, InviteRequest};
use crate::service::imports::{self, FileKind, Report, Upload};

/// Registers the desk routes; the import route alone takes bodies up to `import_limit` bytes
/// (`server.import_limit_bytes`), larger than the app's `server.body_limit_bytes`.
pub fn routes(cfg: &mut web::ServiceConfig, import_limit: usize) {
    cfg.service(
        web::resource("/imports/organizations")
            .app_data(web::PayloadConfig::new(import_limit))
            .route(web::post().to(import)),
    )
    .service(list_imports)
    .service(one_import)
    .service(create_event)
    .service(list_events)
    .service(one_event)
    .service(invite)
    .service(attend)
    .service(cancel_attendance)
    .service(event_report);
}

#[derive(Debug, Deserialize)]
struct ImportQuery {
    dry_run: Option<String>,
    file_name: Option<String>,
}

fn truthy(v: Option<&str>) -> bool {
    matches!(v.map(str::trim), Some("true" | "1" | "yes" | "on"))
}

/// The report as a client gets it: 200 JSON when every row passed, else a 422 problem document
/// that carries the same fields (`created`, `updated`, `errors: [{row, field, message}]`).
#[must_use]
pub fn report_response(report: &Report, locale: Locale) -> HttpResponse {
    let mut body = report.body(locale);
    if report.ok() {
        return HttpResponse::Ok().json(body);
    }
    if let Some(map) = body.as_object_mut() {
        map.insert("type".into(), json!("/problems/roster-invalid"));
        map.insert(
            "title".into(),
            json!(locale.pick(
                "名单中有错误,未导入任何内容",
                "The roster has errors; nothing was imported"
            )),
        );
        map.insert("status".into(), json!(422));
        map.insert(
            "detail".into(),
            json!(locale.pick(
                "请按行修改下列错误后重新上传。",
                "Fix the rows listed in errors and upload again."
            )),
        );
    }
    HttpResponse::UnprocessableEntity()
        .content_type("application/problem+json")
        .insert_header((header::CONTENT_LANGUAGE, locale.tag()))
        .json(body)
}

/// Staff: import a roster (`text/csv` or an XLSX workbook) `[?dry_run=true]`.
async fn import(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ImportQuery>,
    body: web::Bytes,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    // Refuse non-staff before looking at what they sent.
    user.authorize(Action::ImportRoster)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let kind = FileKind::from_content_type(content_type).ok_or_else(|| {
        ApiError::BadRequest(Text::fixed(
            "请以 text/csv 或 XLSX 工作簿(application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)上传名单。",
            "Send the roster as text/csv or an XLSX workbook (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet).",
        ))
    })?;
    let upload = Upload {
        file_name: query
            .file_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("roster.{}", kind.as_str())),
        kind,
        bytes: body.to_vec(),
        dry_run: truthy(query.dry_run.as_deref()),
    };
    let origin = origin(&req, &state);
    let report = imports::import(&state, &user, upload, &origin).await?;
    Ok(report_response(&report, origin.locale))
}

#[get("/imports")]
async fn list_imports(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (limit, before) = query.parse()?;
    let locale = request_locale(&req);
    let rows = imports::list(&state, &user, before, limit + 1).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        rows,
        limit,
        |r| r.row.id,
        |r| r.body(locale),
    )))
}

#[get("/imports/{id}")]
async fn one_import(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let report = imports::get(&state, &user, id.into_inner()).await?;
    let locale = request_locale(&req);
    if !csv_download::wanted(&req, None) {
        return Ok(HttpResponse::Ok().json(report.body(locale)));
    }
    import_csv(&report, locale)
}

/// A kept import's row errors as CSV; cells a spreadsheet would run are neutralised.
///
/// # Errors
/// Only if writing to memory fails.
pub fn import_csv(report: &imports::Report, locale: Locale) -> Result<HttpResponse, ApiError> {
    let rows: Vec<Vec<String>> = report
        .errors
        .iter()
        .map(|e| {
            vec![
                e.row.to_string(),
                e.field.clone(),
                e.code.clone(),
                locale.pick(&e.zh, &e.en).to_owned(),
            ]
        })
        .collect();
    csv_download::table(
        &format!("import-{}", report.row.id),
        &["row", "field", "code", "message"],
        &rows,
    )
}

fn event_body(v: &EventView) -> serde_json::Value {
    json!({
        "id": v.event.id,
        "title": v.event.title,
        "date": v.event.held_on,
        "place": v.event.place,
        "zone_code": v.event.zone_code,
        "category_codes": v.categories,
        "invited": v.invited,
        "attending": v.attending,
        "my_organization": {"invited": v.my_invited, "attending": v.my_attending, "can_attend": v.can_attend},
        "created_at": v.event.created_at,
    })
}

/// Staff create an event `{title, date, place, zone_code, category_codes}`: 201.
#[post("/events")]
async fn create_event(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<serde_json::Value>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let form = events::event_form(&body)?;
    let view = events::create(&state, &user, &form, &origin(&req, &state)).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/events/{}", view.event.id),
        ))
        .json(event_body(&view)))
}

/// Events, upcoming first: any signed-in user.
#[get("/events")]
async fn list_events(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, after) = query.parse()?;
    let rows = events::list(&state, &user, after, limit + 1).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        rows,
        limit,
        |v| v.event.id,
        |v| event_body(&v),
    )))
}

#[get("/events/{id}")]
async fn one_event(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = events::get(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(event_body(&view)))
}

/// Staff invite `{by: category|zone|matches|organizations, organization_ids?}`: 200 with counts.
#[post("/events/{id}/invitations")]
async fn invite(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<InviteRequest>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let done = events::invite(&state, &user, id.into_inner(), &body, &origin(&req, &state)).await?;
    Ok(HttpResponse::Ok().json(done))
}

/// The caller's organization registers to attend: 200 with the event.
#[post("/events/{id}/attendance")]
async fn attend(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let view =
        events::set_attendance(&state, &user, id.into_inner(), true, &origin(&req, &state)).await?;
    Ok(HttpResponse::Ok().json(event_body(&view)))
}

/// The caller's organization cancels its attendance: 204.
#[delete("/events/{id}/attendance")]
async fn cancel_attendance(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    events::set_attendance(&state, &user, id.into_inner(), false, &origin(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Staff: the event's report, JSON or (`Accept: text/csv`) CSV.
#[get("/events/{id}/report")]
async fn event_report(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let report = events::report(&state, &user, id.into_inner()).await?;
    if csv_download::wanted(&req, None) {
        return Ok(csv_download::download(
            &format!("event-{}", report.event.id),
            &report.csv()?,
        ));
    }
    Ok(HttpResponse::Ok().json(report.body()))
}
