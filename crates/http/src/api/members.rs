//! Organization members and invitations, and staff deactivating accounts.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::Deserialize;
use uuid::Uuid;

use super::accounts::{UserBody, origin};
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::service::members::{self, Acceptance};

#[derive(Debug, Deserialize)]
pub struct OrgPath {
    id: Uuid,
}

#[get("/organizations/{id}/members")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<OrgPath>,
) -> Result<HttpResponse, ApiError> {
    let rows = members::list(&state, &user, path.id).await?;
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|u| {
            let mut body = serde_json::to_value(UserBody::from(u)).unwrap_or_default();
            body["org_role"] = serde_json::json!(u.org_role);
            body["active"] = serde_json::json!(u.deactivated_at.is_none());
            body
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({"items": items, "next_cursor": null})))
}

#[derive(Debug, Deserialize)]
pub struct InviteBody {
    email: String,
}

/// 202: the invitation mail is queued.
#[post("/organizations/{id}/invitations")]
pub async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<OrgPath>,
    body: web::Json<InviteBody>,
) -> Result<HttpResponse, ApiError> {
    members::invite(&state, &user, path.id, &body.email, &origin(&req, &state)).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Debug, Deserialize)]
pub struct MemberPath {
    id: Uuid,
    user_id: Uuid,
}

#[delete("/organizations/{id}/members/{user_id}")]
pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<MemberPath>,
) -> Result<HttpResponse, ApiError> {
    members::remove(&state, &user, path.id, path.user_id, &origin(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The invitee joins with a name and password: 201 with the new account.
#[post("/invitations/accept")]
pub async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Acceptance>,
) -> Result<HttpResponse, ApiError> {
    let user = members::accept(&state, body.into_inner(), &origin(&req, &state)).await?;
    Ok(HttpResponse::Created().json(UserBody::from(&user)))
}

#[derive(Debug, Deserialize)]
pub struct UserPath {
    id: Uuid,
}

#[post("/users/{id}/deactivate")]
pub async fn deactivate(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<UserPath>,
) -> Result<HttpResponse, ApiError> {
    members::deactivate(&state, &user, path.id, &origin(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
pub struct NewStaffBody {
    email: String,
    display_name: String,
}

/// Admins create association staff; the new account sets its password from the mailed link.
#[post("/staff")]
pub async fn create_staff(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<NewStaffBody>,
) -> Result<HttpResponse, ApiError> {
    let created = members::create_staff(
        &state,
        &user,
        &body.email,
        &body.display_name,
        &origin(&req, &state),
    )
    .await?;
    Ok(HttpResponse::Created().json(UserBody::from(&created)))
}
