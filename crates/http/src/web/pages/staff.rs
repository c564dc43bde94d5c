//! The association staff's verification queue: unverified companies oldest first, with buttons
//! to verify, suspend with a reason, and reinstate. The service checks the role and audits.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::catalog;
use super::catalog_words::StaffWords;
use super::form::Notice;
use super::{TokenOnly, Visit, or_answer, render, see_other};
use crate::AppState;
use crate::api::accounts::origin;
use crate::error::{ApiError, FieldError};
use crate::service::organizations;
use crate::web::layout::Chrome;
use crate::web::session::{CSRF_FIELD, WebUser};

/// One company in the queue.
pub struct QueueRow {
    pub id: Uuid,
    pub name: String,
    pub kind: &'static str,
    pub region: String,
    pub registered: String,
    pub reason: Option<String>,
    /// The suspension form's refusal, when this row's reason was refused.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage {
    chrome: Chrome,
    w: &'static StaffWords,
    notices: Vec<Notice>,
    csrf_field: &'static str,
    csrf_token: String,
    awaiting: Vec<QueueRow>,
    suspended: Vec<QueueRow>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    done: Option<String>,
}

async fn page(
    visit: &Visit<'_>,
    me: &WebUser,
    status: StatusCode,
    notices: Vec<Notice>,
    refused: Option<(Uuid, String)>,
) -> HttpResponse {
    let queue = match organizations::verification_queue(visit.state, &me.auth).await {
        Ok(queue) => queue,
        Err(err) => return visit.error(&err),
    };
    let w = StaffWords::for_locale(visit.locale);
    let pw = super::catalog_words::ProfileWords::for_locale(visit.locale);
    let row = |o: peitao_persistence::entities::organization::Model| QueueRow {
        id: o.id,
        kind: if o.kind == "oem" {
            pw.kind_oem
        } else {
            pw.kind_supplier
        },
        region: catalog::region_name(visit.state, &o.region_code),
        registered: o
            .created_at
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        error: refused
            .as_ref()
            .filter(|(id, _)| *id == o.id)
            .map(|(_, e)| e.clone()),
        reason: o.suspension_reason,
        name: o.name,
    };
    let page = QueuePage {
        chrome: visit.chrome(),
        w,
        notices,
        csrf_field: CSRF_FIELD,
        csrf_token: me.csrf_token.clone(),
        awaiting: queue.awaiting.into_iter().map(row).collect(),
        suspended: queue.suspended.into_iter().map(row).collect(),
    };
    render(status, visit.locale, &page)
}

/// GET /staff/organizations
pub async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    flash: web::Query<Flash>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = StaffWords::for_locale(visit.locale);
    let notices = if flash.done.is_some() {
        vec![Notice::new("success", w.done)]
    } else {
        Vec::new()
    };
    page(&visit, &me, StatusCode::OK, notices, None).await
}

/// POST /staff/organizations/{id}/verify
pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<TokenOnly>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.csrf_refused("/staff/organizations");
    }
    match organizations::verify(&state, &me.auth, id.into_inner(), &origin(&req, &state)).await {
        Ok(()) => see_other("/staff/organizations?done=1"),
        Err(err) => visit.error(&err),
    }
}

/// What the suspension form posts.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SuspendForm {
    csrf_token: String,
    reason: String,
}

/// POST /staff/organizations/{id}/suspend — a missing reason is shown under that row's field.
pub async fn suspend(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<SuspendForm>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.csrf_refused("/staff/organizations");
    }
    let id = id.into_inner();
    let body = json!({ "reason": form.reason.trim() });
    match organizations::suspend(&state, &me.auth, id, &body, &origin(&req, &state)).await {
        Ok(()) => see_other("/staff/organizations?done=1"),
        Err(ApiError::Validation(errors)) => {
            let message = errors
                .iter()
                .map(|e: &FieldError| e.message.get(visit.locale).to_owned())
                .collect::<Vec<_>>()
                .join(" ");
            page(
                &visit,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![Notice::new("error", visit.common().fix_fields)],
                Some((id, message)),
            )
            .await
        }
        Err(err) => visit.error(&err),
    }
}

/// POST /staff/organizations/{id}/reinstate
pub async fn reinstate(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<TokenOnly>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.csrf_refused("/staff/organizations");
    }
    let id = id.into_inner();
    match organizations::reinstate(&state, &me.auth, id, None, &origin(&req, &state)).await {
        Ok(()) => see_other("/staff/organizations?done=1"),
        Err(err) => visit.error(&err),
    }
}
