//! /api/v1/imports and /api/v1/events: roster imports and docking events, the association
//! desk. Thin: `service::imports` and `service::events` decide.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use peitao_auth::policy::Action;
use peitao_domain::Locale;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::AnyOfBuilder;
use utoipa::openapi::{AllOfBuilder, Content, HttpMethod, ObjectBuilder, Paths, Schema, Type};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::api::accounts::origin;
use crate::api::csv_download;
use crate::api::page::{Page, PageQuery};
use crate::auth::AuthUser;
use crate::error::{ApiError, Text};
use crate::locale::request_locale;
use crate::service::events::{self, EventView, InviteRequest, Invited};
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

#[derive(OpenApi)]
#[openapi(paths(
    list_imports,
    one_import,
    create_event,
    list_events,
    one_event,
    invite,
    attend,
    cancel_attendance,
    event_report
))]
#[openapi(components(schemas(ImportReport)))]
pub struct ApiDoc;

/// The import route is registered by hand (for its body limit), so its operation is too.
#[must_use]
pub fn import_operation() -> Paths {
    let binary = || ObjectBuilder::new().schema_type(Type::String).build();
    let mut body = RequestBody::new();
    body.description = Some("The roster: CSV text or an XLSX workbook.".to_owned());
    body.required = Some(utoipa::openapi::Required::True);
    body.content
        .insert("text/csv".to_owned(), Content::new(Some(binary())).into());
    body.content.insert(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
        Content::new(Some(binary())).into(),
    );
    let mut op = Operation::new();
    op.tags = Some(vec!["desk".to_owned()]);
    op.operation_id = Some("import".to_owned());
    op.summary = Some("Staff: import a roster of organizations · 导入企业名单".to_owned());
    op.description = Some(
        "Columns `name, credit_code, kind, region_code, contact_email, categories` (`;`-separated \
         codes). Any error → 422 and nothing is written; idempotent by credit code; new members are \
         invited by email."
            .to_owned(),
    );
    op.parameters = Some(
        ImportQuery::into_params(|| Some(ParameterIn::Query))
            .into_iter()
            .map(Into::into)
            .collect(),
    );
    op.request_body = Some(body.into());
    let mut ok = utoipa::openapi::Response::new("Every row passed (or would, with `dry_run`)");
    ok.content.insert(
        "application/json".to_owned(),
        Content::new(Some(utoipa::openapi::Ref::from_schema_name("ImportReport"))).into(),
    );
    let mut refused = utoipa::openapi::Response::new(
        "Rows were refused and nothing was written: a problem document carrying the report's \
         fields; or a plain problem for a bad query parameter",
    );
    let problem = || utoipa::openapi::Ref::from_schema_name("Problem");
    let report_problem = AllOfBuilder::new()
        .item(problem())
        .item(utoipa::openapi::Ref::from_schema_name("ImportReport"));
    let either = AnyOfBuilder::new().item(report_problem).item(problem());
    refused.content.insert(
        "application/problem+json".to_owned(),
        Content::new(Some(Schema::AnyOf(either.build()))).into(),
    );
    op.responses.responses.insert("200".to_owned(), ok.into());
    op.responses
        .responses
        .insert("422".to_owned(), refused.into());
    op.responses.responses.insert(
        "400".to_owned(),
        utoipa::openapi::Response::new("Neither text/csv nor an XLSX workbook").into(),
    );
    op.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
        crate::openapi::BEARER,
        Vec::<String>::new(),
    )]);
    let mut paths = Paths::new();
    paths.add_path_operation("/imports/organizations", vec![HttpMethod::Post], op);
    paths
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    /// `true` (or `1`, `yes`, `on`): check every row, write nothing; anything else imports.
    dry_run: Option<String>,
    /// The name to keep with the report (default `roster.csv` / `roster.xlsx`).
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

#[utoipa::path(
    tag = "desk",
    summary = "Staff: past roster imports, newest first · 导入记录",
    params(PageQuery),
    responses((status = 200, description = "One page of reports", body = Page<ImportReport>)),
    security(("bearer" = []))
)]
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

#[utoipa::path(
    tag = "desk",
    summary = "Staff: one import's report · 导入报告",
    description = "JSON, or its row errors as CSV with `Accept: text/csv`.",
    params(("id" = Uuid, Path, description = "The import's id")),
    responses((status = 200, description = "The report", content(
        (ImportReport = "application/json"),
        (String = "text/csv"),
    ))),
    security(("bearer" = []))
)]
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

/// A roster import's report.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct ImportReport {
    id: Uuid,
    file_name: String,
    /// `csv` or `xlsx`.
    file_kind: String,
    dry_run: bool,
    created: u64,
    updated: u64,
    created_at: chrono::DateTime<chrono::Utc>,
    errors: Vec<ImportRowError>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct ImportRowError {
    /// The row (1 is the header; 0 the file as a whole).
    row: u64,
    field: String,
    code: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct MyOrganization {
    invited: bool,
    attending: bool,
    /// Invited or verified, and a member acting.
    can_attend: bool,
}

/// A docking event.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct Event {
    id: Uuid,
    title: String,
    date: chrono::NaiveDate,
    place: String,
    zone_code: String,
    category_codes: Vec<String>,
    /// Organizations invited.
    invited: u64,
    /// Organizations registered to attend.
    attending: u64,
    /// The caller's organization (all false for staff).
    my_organization: MyOrganization,
    created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct EventInput {
    #[schema(pattern = "\\S", max_length = 200)]
    title: String,
    date: chrono::NaiveDate,
    #[schema(pattern = "\\S", max_length = 200)]
    place: String,
    /// A zone code from GET /api/v1/zones (an unknown one is a 422).
    #[schema(pattern = "\\S")]
    zone_code: String,
    /// Category codes the event is about, at least one (an unknown one is a 422).
    #[schema(inline, value_type = Vec<CategoryCodeItem>, min_items = 1)]
    category_codes: Vec<String>,
}

/// A category code's form (`EDRIVE.BATTERY`); whether it exists is the reference data's.
#[derive(ToSchema)]
#[schema(pattern = r"^[A-Za-z0-9_-]{1,24}(\.[A-Za-z0-9_-]{1,24}){0,3}$")]
#[allow(dead_code)] // documentation only
struct CategoryCodeItem(String);

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct ReportEvent {
    id: Uuid,
    title: String,
    date: chrono::NaiveDate,
    place: String,
    zone_code: String,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct ReportAttendee {
    organization_id: Uuid,
    name: String,
    kind: String,
    credit_code: String,
    region_code: String,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct ReportMatch {
    match_id: Uuid,
    supplier_id: Uuid,
    supplier: String,
    oem_id: Uuid,
    oem: String,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct ReportIntention {
    intention_id: Uuid,
    match_id: Uuid,
    supplier_id: Uuid,
    supplier: String,
    oem_id: Uuid,
    oem: String,
    status: String,
    annual_volume: Option<i64>,
    unit: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct EventReport {
    event: ReportEvent,
    attendees: Vec<ReportAttendee>,
    matches: Vec<ReportMatch>,
    intentions: Vec<ReportIntention>,
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
#[utoipa::path(
    tag = "desk",
    summary = "Staff create a docking event · 创建对接活动",
    request_body = EventInput,
    responses((status = 201, description = "The event; its address in `Location`", body = Event)),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "desk",
    summary = "Docking events, upcoming first · 对接活动",
    params(PageQuery),
    responses((status = 200, description = "One page", body = Page<Event>)),
    security(("bearer" = []))
)]
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

#[utoipa::path(
    tag = "desk",
    summary = "One event · 活动详情",
    params(("id" = Uuid, Path, description = "The event's id")),
    responses((status = 200, description = "The event", body = Event)),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "desk",
    summary = "Staff invite organizations to an event · 邀请参会",
    params(("id" = Uuid, Path, description = "The event's id")),
    responses((status = 200, description = "How many were invited and told", body = Invited)),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "desk",
    summary = "The caller's organization registers to attend · 报名参会",
    params(("id" = Uuid, Path, description = "The event's id")),
    responses((status = 200, description = "The event", body = Event)),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "desk",
    summary = "The caller's organization cancels its attendance · 取消报名",
    params(("id" = Uuid, Path, description = "The event's id")),
    responses((status = 204, description = "Cancelled")),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "desk",
    summary = "Staff: an event's report · 活动报告",
    description = "JSON, or CSV with `Accept: text/csv`.",
    params(("id" = Uuid, Path, description = "The event's id")),
    responses((status = 200, description = "Attendees, matches and intentions", content(
        (EventReport = "application/json"),
        (String = "text/csv"),
    ))),
    security(("bearer" = []))
)]
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
