//! /api/v1/notifications: the caller's in-app notifications, newest first, and marking them read.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use peitao_auth::policy::Action;
use peitao_persistence::notifications;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::api::page::{Page, PageQuery};
use crate::auth::AuthUser;
use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(paths(list, mark_read, mark_all_read))]
pub struct ApiDoc;

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Notification)]
struct NotificationBody {
    id: Uuid,
    kind: String,
    title: String,
    body: String,
    link: Option<String>,
    read: bool,
    created_at: DateTime<Utc>,
}

#[utoipa::path(
    tag = "notifications",
    summary = "The caller's in-app notifications, newest first · 站内通知",
    params(PageQuery),
    responses((status = 200, description = "One page", body = Page<NotificationBody>)),
    security(("bearer" = []))
)]
#[get("/notifications")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    user.authorize(Action::ReadNotifications)?;
    let (limit, cursor) = query.parse()?;
    let rows = notifications::list(&state.db, user.user.id, limit + 1, cursor).await?;
    let page = Page::from_rows(
        rows,
        limit,
        |n| n.id,
        |n| NotificationBody {
            id: n.id,
            kind: n.kind,
            title: n.title,
            body: n.body,
            link: n.link,
            read: n.read_at.is_some(),
            created_at: n.created_at,
        },
    );
    Ok(HttpResponse::Ok().json(page))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdPath {
    /// The notification's id.
    id: Uuid,
}

#[utoipa::path(
    tag = "notifications",
    summary = "Mark one notification read · 标为已读",
    params(IdPath),
    responses((status = 204, description = "Marked read")),
    security(("bearer" = []))
)]
#[post("/notifications/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    user.authorize(Action::ReadNotifications)?;
    if notifications::mark_read(&state.db, user.user.id, path.id, Utc::now()).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound)
    }
}

#[derive(ToSchema)]
#[allow(dead_code)]
struct MarkedRead {
    /// Notifications that were unread until now.
    marked_read: u64,
}

#[utoipa::path(
    tag = "notifications",
    summary = "Mark every notification read · 全部标为已读",
    responses((status = 200, description = "How many were marked", body = MarkedRead)),
    security(("bearer" = []))
)]
#[post("/notifications/read-all")]
pub async fn mark_all_read(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    user.authorize(Action::ReadNotifications)?;
    let changed = notifications::mark_all_read(&state.db, user.user.id, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"marked_read": changed})))
}
