//! /api/v1/auth/* and /api/v1/me: registration, verification, login, tokens, reset, own account.
//! Thin: each handler reads its body and calls `service::accounts`.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use peitao_persistence::entities::{organization, user};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuthUser, client_ip};
use crate::error::ApiError;
use crate::locale::request_locale;
use crate::service::accounts::{self, MeChanges, Origin, Registration};

/// Who is asking, from where, in which language.
#[must_use]
pub fn origin(req: &HttpRequest, state: &AppState) -> Origin {
    Origin {
        ip: client_ip(req, state.config.trust_forwarded_for),
        locale: request_locale(req),
    }
}

/// The account as clients see it (api.md: GET /api/v1/me).
#[derive(Debug, Serialize)]
pub struct UserBody {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub organization_id: Option<Uuid>,
    pub email_verified: bool,
    pub locale: String,
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

#[derive(Debug, Serialize)]
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

#[post("/auth/register")]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Registration>,
) -> Result<HttpResponse, ApiError> {
    let (user, org) = accounts::register(&state, body.into_inner(), &origin(&req, &state)).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({"user": UserBody::from(&user), "organization": OrganizationBody::from(&org)})))
}

#[derive(Debug, Deserialize)]
pub struct TokenBody {
    token: String,
}

#[post("/auth/verify-email")]
pub async fn verify_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    accounts::verify_email(&state, &body.token, &origin(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
pub struct EmailBody {
    email: String,
}

/// Sends the verification mail again; 202 whether or not the account exists.
#[post("/auth/verify-email/resend")]
pub async fn resend_verification(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<EmailBody>,
) -> Result<HttpResponse, ApiError> {
    accounts::resend_verification(&state, &body.email, &origin(&req, &state)).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Debug, Deserialize)]
pub struct LoginBody {
    email: String,
    password: String,
}

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

#[derive(Debug, Deserialize)]
pub struct RefreshBody {
    refresh_token: String,
}

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

#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: web::Json<RefreshBody>,
) -> Result<HttpResponse, ApiError> {
    accounts::logout(&state, &body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Always 202: whether an account exists is nobody's business.
#[post("/auth/password-reset")]
pub async fn password_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<EmailBody>,
) -> Result<HttpResponse, ApiError> {
    accounts::request_password_reset(&state, &body.email, &origin(&req, &state)).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Debug, Deserialize)]
pub struct ResetConfirmBody {
    token: String,
    new_password: String,
}

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

#[get("/me")]
pub async fn me(user: AuthUser) -> Result<HttpResponse, ApiError> {
    user.authorize(peitao_auth::policy::Action::ReadOwnAccount)?;
    Ok(HttpResponse::Ok().json(UserBody::from(&user.user)))
}

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
