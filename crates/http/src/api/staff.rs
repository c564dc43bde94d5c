//! Staff tools under /api/v1: the audit log and dead mail (list and retry).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use peitao_auth::policy::Action;
use peitao_persistence::audit::{self, AuditFilter};
use peitao_persistence::outbox;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::api::page::{Page, PageQuery};
use crate::auth::RequireStaff;
use crate::error::{ApiError, FieldError, Text};

#[derive(OpenApi)]
#[openapi(paths(audit_log, dead_mail, retry_mail))]
pub struct ApiDoc;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// A user id: entries by that user (empty: not given).
    #[param(
        pattern = "^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    actor: Option<String>,
    /// An entity kind (`organization`, `need`, `match` ...).
    entity: Option<String>,
    /// One entity's id.
    entity_id: Option<String>,
    /// Entries at or after this time, RFC 3339 (empty: not given).
    #[param(
        pattern = "^(|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))$"
    )]
    since: Option<String>,
    /// Page size, 1 to 100 (empty or absent: 20).
    #[param(pattern = "^(|[1-9][0-9]?|100)$")]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(
        pattern = "^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AuditEntry)]
struct AuditBody {
    id: Uuid,
    at: DateTime<Utc>,
    actor_user_id: Option<Uuid>,
    actor_role: Option<String>,
    action: String,
    entity: String,
    entity_id: Option<String>,
    /// What changed: `{before, after, ...}`.
    summary: serde_json::Value,
    ip: Option<String>,
}

fn bad(field: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::Validation(vec![FieldError {
        field: field.to_owned(),
        code: "invalid".to_owned(),
        message: Text::fixed(zh, en),
    }])
}

#[utoipa::path(
    tag = "staff",
    summary = "Staff: the audit log, newest first · 审计日志",
    params(AuditQuery),
    responses((status = 200, description = "One page of entries", body = Page<AuditBody>)),
    security(("bearer" = []))
)]
#[get("/audit")]
pub async fn audit_log(
    state: web::Data<AppState>,
    RequireStaff(staff): RequireStaff,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    staff.authorize(Action::ViewAudit)?;
    let q = query.into_inner();
    let (limit, before) = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse()?;
    let actor = match q.actor.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => Some(
            Uuid::parse_str(a)
                .map_err(|_| bad("actor", "actor 须为用户 id。", "actor must be a user id."))?,
        ),
        None => None,
    };
    let since = match q.since.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            DateTime::parse_from_rfc3339(s)
                .map_err(|_| {
                    bad(
                        "since",
                        "since 须为 RFC 3339 时间,例如 2026-11-25T00:00:00Z。",
                        "since must be an RFC 3339 time, e.g. 2026-11-25T00:00:00Z.",
                    )
                })?
                .with_timezone(&Utc),
        ),
        None => None,
    };
    let filter = AuditFilter {
        actor,
        entity: q.entity.filter(|e| !e.is_empty()),
        entity_id: q.entity_id.filter(|e| !e.is_empty()),
        since,
        before,
    };
    let rows = audit::list(&state.db, &filter, limit + 1).await?;
    let page = Page::from_rows(
        rows,
        limit,
        |r| r.id,
        |r| AuditBody {
            id: r.id,
            at: r.at,
            actor_user_id: r.actor_user_id,
            actor_role: r.actor_role,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            summary: serde_json::from_str(&r.summary).unwrap_or(serde_json::Value::Null),
            ip: r.ip,
        },
    );
    Ok(HttpResponse::Ok().json(page))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DeadMail)]
struct DeadMailBody {
    id: Uuid,
    kind: String,
    recipient: String,
    subject: String,
    attempts: i32,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
struct DeadMailList {
    items: Vec<DeadMailBody>,
    /// Always null.
    next_cursor: Option<String>,
}

#[utoipa::path(
    tag = "staff",
    summary = "Staff: mail that could not be delivered · 退信",
    responses((status = 200, description = "Up to 100 dead mails, newest first", body = DeadMailList)),
    security(("bearer" = []))
)]
#[get("/mail/dead")]
pub async fn dead_mail(
    state: web::Data<AppState>,
    RequireStaff(staff): RequireStaff,
) -> Result<HttpResponse, ApiError> {
    staff.authorize(Action::ManageDeadMail)?;
    let rows = outbox::list_dead(&state.db, 100).await?;
    let items: Vec<_> = rows
        .into_iter()
        .map(|m| DeadMailBody {
            id: m.id,
            kind: m.kind,
            recipient: m.recipient,
            subject: m.subject,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: m.created_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({"items": items, "next_cursor": null})))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdPath {
    /// The mail's id.
    id: Uuid,
}

#[utoipa::path(
    tag = "staff",
    summary = "Staff: send a dead mail again · 重发退信",
    params(IdPath),
    responses((status = 202, description = "Queued again")),
    security(("bearer" = []))
)]
#[post("/mail/{id}/retry")]
pub async fn retry_mail(
    state: web::Data<AppState>,
    RequireStaff(staff): RequireStaff,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    staff.authorize(Action::ManageDeadMail)?;
    if outbox::retry_dead(&state.db, path.id, Utc::now()).await? {
        let now = Utc::now();
        audit::record(
            state.db.conn(),
            audit::AuditEntry {
                actor_user_id: Some(staff.user.id),
                actor_role: Some(staff.user.role.clone()),
                action: "mail.retry".to_owned(),
                entity: "mail".to_owned(),
                entity_id: Some(path.id.to_string()),
                summary: serde_json::json!({"before": {"status": "dead"}, "after": {"status": "pending"}}),
                ip: None,
            },
            now,
        )
        .await?;
        Ok(HttpResponse::Accepted().finish())
    } else {
        Err(ApiError::NotFound)
    }
}
