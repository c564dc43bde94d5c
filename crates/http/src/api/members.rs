//! Organization members and invitations, and staff deactivating accounts.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use super::accounts::{UserBody, origin};
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::service::members::{self, Acceptance};

#[derive(OpenApi)]
#[openapi(paths(list, invite, remove, accept, deactivate, create_staff))]
pub struct ApiDoc;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct OrgPath {
    /// The organization's id.
    id: Uuid,
}

/// A member: the account plus its place in the organization.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct Member {
    #[schema(inline)]
    #[serde(flatten)]
    account: UserBody,
    /// `owner` or `member`.
    org_role: Option<String>,
    active: bool,
}

#[derive(ToSchema)]
#[allow(dead_code)]
struct MemberList {
    items: Vec<Member>,
    /// Always null: the list comes whole.
    next_cursor: Option<String>,
}

#[utoipa::path(
    tag = "members",
    summary = "An organization's members · 企业成员",
    params(OrgPath),
    responses((status = 200, description = "Every member, active or not", body = MemberList)),
    security(("bearer" = []))
)]
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

#[derive(Debug, Deserialize, ToSchema)]
pub struct InviteBody {
    email: String,
}

/// 202: the invitation mail is queued.
#[utoipa::path(
    tag = "members",
    summary = "Invite a colleague by email · 邀请成员",
    params(OrgPath),
    responses((status = 202, description = "The invitation mail is queued")),
    security(("bearer" = []))
)]
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MemberPath {
    /// The organization's id.
    id: Uuid,
    /// The member's account id.
    user_id: Uuid,
}

#[utoipa::path(
    tag = "members",
    summary = "Remove a member · 移除成员",
    params(MemberPath),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "members",
    summary = "Join an organization with an invitation token · 接受邀请",
    responses(
        (status = 201, description = "The new account", body = UserBody),
        (status = 409, description = "The address already has an account"),
    )
)]
#[post("/invitations/accept")]
pub async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Acceptance>,
) -> Result<HttpResponse, ApiError> {
    let user = members::accept(&state, body.into_inner(), &origin(&req, &state)).await?;
    Ok(HttpResponse::Created().json(UserBody::from(&user)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// The account's id.
    id: Uuid,
}

#[utoipa::path(
    tag = "members",
    summary = "Staff: deactivate an account · 停用账号",
    params(UserPath),
    responses((status = 204, description = "Deactivated; its sessions end")),
    security(("bearer" = []))
)]
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

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStaffBody {
    email: String,
    display_name: String,
}

/// Admins create association staff; the new account sets its password from the mailed link.
#[utoipa::path(
    tag = "staff",
    summary = "Admins: create a staff account · 创建员工账号",
    responses(
        (status = 201, description = "The new account; it sets its password from the mailed link", body = UserBody),
        (status = 409, description = "The address already has an account"),
    ),
    security(("bearer" = []))
)]
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
