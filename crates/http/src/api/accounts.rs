//! /api/v1/auth/* and /api/v1/me: registration, verification, login, tokens, reset, own account.
//! Thin: each handler reads its body and calls `service::accounts`.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use peitao_persistence::entities::{organization, user};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuthUser, client_ip};
use crate::error::ApiError;
use crate::locale::request_locale;
use crate::service::accounts::{self, MeChanges, Origin, Registration, TokenPair};

#[derive(OpenApi)]
#[openapi(paths(
    register,
    verify_email,
    resend_verification,
    login,
    refresh,
    logout,
    password_reset,
    password_reset_confirm,
    me,
    update_me,
    change_password
))]
pub struct ApiDoc;

/// Who is asking, from where, in which language.
#[must_use]
pub fn origin(req: &HttpRequest, state: &AppState) -> Origin {
    Origin {
        ip: client_ip(req, state.config.trust_forwarded_for),
        locale: request_locale(req),
    }
}

/// The account as clients see it (api.md: GET /api/v1/me).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserBody {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// `supplier`, `oem`, `staff` or `admin`.
    #[schema(example = "supplier")]
    pub role: String,
    pub organization_id: Option<Uuid>,
    pub email_verified: bool,
    /// `zh-CN` or `en`.
    pub locale: String,
    /// `instant`, `daily` or `off`.
    pub email_frequency: String,
}

impl From<&user::Model> for UserBody {
    fn from(u: &user::Model) -> Self {
        UserBody {
            id: u.id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role.clone(),
            organization_id: u.organization_id,
            email_verified: u.email_verified_at.is_some(),
            locale: u.locale.clone(),
            email_frequency: u.email_frequency.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RegisteredOrganization)]
struct OrganizationBody {
    id: Uuid,
    kind: String,
    name: String,
    credit_code: String,
    region_code: String,
    verified: bool,
}

impl From<&organization::Model> for OrganizationBody {
    fn from(o: &organization::Model) -> Self {
        OrganizationBody {
            id: o.id,
            kind: o.kind.clone(),
            name: o.name.clone(),
            credit_code: o.credit_code.clone(),
            region_code: o.region_code.clone(),
            verified: o.verified_at.is_some(),
        }
    }
}

/// What registration answers (201).
#[derive(ToSchema)]
#[allow(dead_code)]
struct Registered {
    user: UserBody,
    organization: OrganizationBody,
}

#[utoipa::path(
    tag = "accounts",
    summary = "Register a supplier or automaker user with the organization · 注册",
    description = "Creates the account and its organization and mails a verification link. \
Staff and admin accounts are never created here.",
    responses(
        (status = 201, description = "The new account and organization", body = Registered),
        (status = 409, description = "The email or the credit code is taken"),
        (status = 429, description = "Too many registrations from this address"),
    )
)]
#[post("/auth/register")]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Registration>,
) -> Result<HttpResponse, ApiError> {
    let (user, org) = accounts::register(&state, body.into_inner(), &origin(&req, &state)).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({"user": UserBody::from(&user), "organization": OrganizationBody::from(&org)})))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenBody {
    token: String,
}

#[utoipa::path(
    tag = "accounts",
    summary = "Verify the email with the mailed token · 验证邮箱",
    responses(
        (status = 204, description = "The email is verified"),
        (status = 422, description = "Unknown, used or expired token (field `token`)"),
    )
)]
#[post("/auth/verify-email")]
pub async fn verify_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    accounts::verify_email(&state, &body.token, &origin(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailBody {
    email: String,
}

/// Sends the verification mail again; 202 whether or not the account exists.
#[utoipa::path(
    tag = "accounts",
    summary = "Send the verification mail again · 重发验证邮件",
    responses(
        (status = 202, description = "Accepted, whether or not the account exists"),
        (status = 429, description = "Too many attempts"),
    )
)]
#[post("/auth/verify-email/resend")]
pub async fn resend_verification(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<EmailBody>,
) -> Result<HttpResponse, ApiError> {
    accounts::resend_verification(&state, &body.email, &origin(&req, &state)).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginBody {
    email: String,
    password: String,
}

#[utoipa::path(
    tag = "accounts",
    summary = "Log in: an access and a refresh token · 登录",
    responses(
        (status = 200, description = "The token pair", body = TokenPair),
        (status = 401, description = "Wrong email or password, or a deactivated account"),
        (status = 429, description = "Too many failed attempts for this account or address"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let pair = accounts::login(&state, &body.email, body.password, &origin(&req, &state)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(pair))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshBody {
    refresh_token: String,
}

#[utoipa::path(
    tag = "accounts",
    summary = "Trade a refresh token for a new pair · 刷新令牌",
    description = "The old refresh token is spent; presenting a spent one again revokes its whole family.",
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<RefreshBody>,
) -> Result<HttpResponse, ApiError> {
    let pair = accounts::refresh(&state, &body.refresh_token, &origin(&req, &state)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(pair))
}

#[utoipa::path(
    tag = "accounts",
    summary = "End the session of a refresh token · 退出登录",
    responses((status = 204, description = "Logged out (also for an unknown token)"))
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: web::Json<RefreshBody>,
) -> Result<HttpResponse, ApiError> {
    accounts::logout(&state, &body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Always 202: whether an account exists is nobody's business.
#[utoipa::path(
    tag = "accounts",
    summary = "Mail a password reset link · 申请重置密码",
    responses(
        (status = 202, description = "Accepted, whether or not the account exists"),
        (status = 429, description = "Too many attempts"),
    )
)]
#[post("/auth/password-reset")]
pub async fn password_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<EmailBody>,
) -> Result<HttpResponse, ApiError> {
    accounts::request_password_reset(&state, &body.email, &origin(&req, &state)).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetConfirmBody {
    token: String,
    new_password: String,
}

#[utoipa::path(
    tag = "accounts",
    summary = "Set a new password with the reset token · 重置密码",
    responses(
        (status = 204, description = "The password is changed and every session ended"),
        (status = 422, description = "A bad token, or a password that breaks the rules"),
    )
)]
#[post("/auth/password-reset/confirm")]
pub async fn password_reset_confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<ResetConfirmBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    accounts::confirm_password_reset(
        &state,
        &body.token,
        body.new_password,
        &origin(&req, &state),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    tag = "accounts",
    summary = "The caller's account · 本人账号",
    responses((status = 200, description = "The account", body = UserBody)),
    security(("bearer" = []))
)]
#[get("/me")]
pub async fn me(user: AuthUser) -> Result<HttpResponse, ApiError> {
    user.authorize(peitao_auth::policy::Action::ReadOwnAccount)?;
    Ok(HttpResponse::Ok().json(UserBody::from(&user.user)))
}

#[utoipa::path(
    tag = "accounts",
    summary = "Change one's name, language or mail frequency · 修改本人资料",
    responses((status = 200, description = "The account as it now is", body = UserBody)),
    security(("bearer" = []))
)]
#[patch("/me")]
pub async fn update_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<MeChanges>,
) -> Result<HttpResponse, ApiError> {
    user.authorize(peitao_auth::policy::Action::EditOwnAccount)?;
    let updated =
        accounts::update_me(&state, &user.user, body.into_inner(), &origin(&req, &state)).await?;
    Ok(HttpResponse::Ok().json(UserBody::from(&updated)))
}

/// Changes one's own password (the current one is required); every other session ends, this
/// one goes on, and the owner is told by mail.
#[utoipa::path(
    tag = "accounts",
    summary = "Change one's own password · 修改密码",
    description = "The current password is required (a wrong one counts as a failed login). Every other \
session of the account ends; this one goes on; the owner is told by mail.",
    responses(
        (status = 204, description = "Changed"),
        (status = 422, description = "`current_password` is wrong, or `new_password` breaks a rule"),
        (status = 429, description = "Too many failed attempts"),
    ),
    security(("bearer" = []))
)]
#[post("/me/password")]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<accounts::PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    user.authorize(peitao_auth::policy::Action::EditOwnAccount)?;
    accounts::change_password(
        &state,
        &user.user,
        body.into_inner(),
        user.session_id,
        &origin(&req, &state),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
