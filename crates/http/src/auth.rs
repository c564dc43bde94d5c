//! Who is calling: the `AuthUser` and `RequireStaff` extractors read the Bearer token, verify it,
//! load the account (a deactivated or deleted one is refused) and ask the one policy in auth.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use peitao_auth::access;
use peitao_auth::policy::{self, Action, Actor, Decision, Reason};
use peitao_domain::ids::{OrganizationId, UserId};
use peitao_domain::user::Role;
use peitao_persistence::entities::user;
use peitao_persistence::users;

use crate::AppState;
use crate::error::{ApiError, Text};

/// A logged-in caller and their account as it is now.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub actor: Actor,
    pub user: user::Model,
    /// The API login session (refresh-token family) the access token names; `None` for a
    /// browser session, which is kept server-side under its cookie.
    pub session_id: Option<uuid::Uuid>,
}

impl AuthUser {
    /// Asks the policy; a refusal is the problem the caller should see.
    ///
    /// # Errors
    /// 401/403 as the policy decides.
    pub fn authorize(&self, action: Action) -> Result<(), ApiError> {
        decide(Some(&self.actor), action)
    }
}

/// Maps the policy's decision to the error a client sees: one place for every handler.
///
/// # Errors
/// 401 when not logged in, 403 (with the reason) otherwise.
pub fn decide(actor: Option<&Actor>, action: Action) -> Result<(), ApiError> {
    match policy::decide(actor, action) {
        Decision::Allow => Ok(()),
        Decision::Deny(Reason::NotLoggedIn) => Err(ApiError::Unauthorized),
        Decision::Deny(Reason::EmailNotVerified) => Err(ApiError::Forbidden(Text::fixed(
            "请先验证您的邮箱:打开注册后收到的邮件中的链接(也可以重新发送验证邮件)。",
            "Verify your email first: open the link in the mail we sent when you registered (or ask for it again).",
        ))),
        Decision::Deny(Reason::Forbidden) => Err(ApiError::Forbidden(Text::fixed(
            "您的账号不能执行此操作。",
            "Your account may not do this.",
        ))),
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// Verifies a token and loads its account; `None` for anything not acceptable.
///
/// # Errors
/// 503 when the database is down (so an outage is not reported as a logout).
pub async fn authenticate(state: &AppState, token: &str) -> Result<Option<AuthUser>, ApiError> {
    let now = chrono::Utc::now().timestamp();
    let Ok(claims) = access::verify(&state.keys, &state.config.auth.issuer, token, now) else {
        return Ok(None);
    };
    let user = match state.accounts.get(claims.user_id.0) {
        Some(user) => user,
        None => {
            let Some(user) = users::find_by_id(state.db.conn(), claims.user_id.0).await? else {
                return Ok(None);
            };
            state.accounts.put(user.clone());
            user
        }
    };
    // The token's login session must still stand: logout, a password change or reset ends it.
    if !state.accounts.session_live(claims.session_id) {
        let now = chrono::Utc::now();
        if !peitao_persistence::refresh::session_live(state.db.conn(), claims.session_id, now)
            .await?
        {
            return Ok(None);
        }
        state.accounts.put_session(claims.session_id, user.id);
    }
    Ok(actor_for(&user).map(|actor| AuthUser {
        actor,
        user,
        session_id: Some(claims.session_id),
    }))
}

/// The policy's view of an account as it is now (a deactivated one is nobody). The role and
/// organization come from the database, not from what a token remembers.
#[must_use]
pub fn actor_for(user: &user::Model) -> Option<Actor> {
    if user.deactivated_at.is_some() {
        return None;
    }
    Some(Actor {
        user_id: UserId(user.id),
        role: Role::parse(&user.role).ok()?,
        organization_id: user.organization_id.map(OrganizationId),
        email_verified: user.email_verified_at.is_some(),
        is_org_owner: user.org_role.as_deref() == Some("owner"),
    })
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<AuthUser, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else {
                return Err(ApiError::Unauthorized);
            };
            authenticate(&state, &token)
                .await?
                .ok_or(ApiError::Unauthorized)
        })
    }
}

/// A logged-in association staff member or administrator.
#[derive(Debug, Clone)]
pub struct RequireStaff(pub AuthUser);

impl FromRequest for RequireStaff {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<RequireStaff, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            if user.actor.role.is_staff() {
                Ok(RequireStaff(user))
            } else {
                Err(ApiError::Forbidden(Text::fixed(
                    "仅限行业协会工作人员。",
                    "Association staff only.",
                )))
            }
        })
    }
}

/// The caller's IP address for rate limits and the audit log.
#[must_use]
pub fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return first.trim().to_owned();
    }
    req.peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, verified: bool) -> Actor {
        Actor {
            user_id: UserId(uuid::Uuid::nil()),
            role,
            organization_id: Some(OrganizationId(uuid::Uuid::nil())),
            email_verified: verified,
            is_org_owner: true,
        }
    }

    #[test]
    fn unverified_posting_is_a_403_that_says_to_verify_the_email() {
        let org = OrganizationId(uuid::Uuid::nil());
        let Err(ApiError::Forbidden(text)) = decide(
            Some(&actor(Role::Supplier, false)),
            Action::PostCapability {
                organization_id: org,
            },
        ) else {
            panic!("an unverified supplier may not post");
        };
        assert!(text.zh.contains("验证您的邮箱"), "{}", text.zh);
        assert!(text.en.contains("Verify your email"), "{}", text.en);
        assert!(
            decide(
                Some(&actor(Role::Supplier, true)),
                Action::PostCapability {
                    organization_id: org
                }
            )
            .is_ok()
        );
        assert!(matches!(
            decide(
                None,
                Action::PostCapability {
                    organization_id: org
                }
            ),
            Err(ApiError::Unauthorized)
        ));
        assert!(matches!(
            decide(
                Some(&actor(Role::Oem, true)),
                Action::PostCapability {
                    organization_id: org
                }
            ),
            Err(ApiError::Forbidden(_))
        ));
    }
}
