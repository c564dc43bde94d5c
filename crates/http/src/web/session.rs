//! Browser sessions and CSRF: the `peitao_session` cookie (HttpOnly, SameSite=Lax; over https
//! Secure and named `__Host-peitao_session`) names a server-side session that ends after 30 minutes idle or 12 hours in all; every
//! form carries a CSRF token — the session's own, or before login a double-submit cookie's.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use chrono::Utc;
use peitao_auth::opaque::{OpaqueToken, hash_opaque};
use peitao_persistence::entities::user;
use peitao_persistence::users;
use peitao_persistence::web_sessions::{self, Lifetimes};

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "peitao_session";
pub const CSRF_COOKIE: &str = "peitao_csrf";
/// The hidden form field every form posts its CSRF token in.
pub const CSRF_FIELD: &str = "csrf_token";

pub const LIFETIMES: Lifetimes = Lifetimes {
    idle_ms: 30 * 60 * 1000,
    absolute_ms: 12 * 3600 * 1000,
};

fn secure(state: &AppState) -> bool {
    state.config.public_url.starts_with("https://")
}

/// The name a cookie of ours really has: over https the session and CSRF cookies carry the
/// `__Host-` prefix, so browsers take them only from this host, Secure, for the whole site, and
/// a sibling subdomain cannot plant or overwrite them. Plain http (development) cannot have it.
#[must_use]
pub fn cookie_name(state: &AppState, name: &'static str) -> &'static str {
    if !secure(state) {
        return name;
    }
    match name {
        SESSION_COOKIE => "__Host-peitao_session",
        CSRF_COOKIE => "__Host-peitao_csrf",
        other => other,
    }
}

/// A cookie as every one of ours is set: HttpOnly, SameSite=Lax, Secure and `__Host-` over
/// https, site-wide.
#[must_use]
pub fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age: Option<CookieDuration>,
) -> Cookie<'static> {
    let mut c = Cookie::build(cookie_name(state, name), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure(state))
        .finish();
    if let Some(age) = max_age {
        c.set_max_age(age);
    }
    c
}

/// A cookie that removes ours.
#[must_use]
pub fn removal(state: &AppState, name: &'static str) -> Cookie<'static> {
    let mut c = cookie(state, name, String::new(), None);
    c.make_removal();
    c
}

/// Starts a session for `user` and returns the cookie to set.
///
/// # Errors
/// Database errors.
pub async fn start(state: &AppState, user_id: uuid::Uuid) -> Result<Cookie<'static>, ApiError> {
    let token = OpaqueToken::generate();
    let csrf = OpaqueToken::generate();
    web_sessions::create(
        state.db.conn(),
        user_id,
        token.hash,
        csrf.plain,
        Utc::now().timestamp_millis(),
    )
    .await?;
    Ok(cookie(
        state,
        SESSION_COOKIE,
        token.plain,
        Some(CookieDuration::hours(12)),
    ))
}

/// The stored form (hash) of the request's session token, if it carries one.
#[must_use]
pub fn token_hash(state: &AppState, req: &HttpRequest) -> Option<String> {
    req.cookie(cookie_name(state, SESSION_COOKIE))
        .map(|c| hash_opaque(c.value()))
}

/// Ends the request's session, if any.
///
/// # Errors
/// Database errors.
pub async fn end(state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
    if let Some(c) = req.cookie(cookie_name(state, SESSION_COOKIE)) {
        web_sessions::revoke(state.db.conn(), &hash_opaque(c.value()), Utc::now()).await?;
    }
    Ok(())
}

/// A logged-in browser: the account and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct WebUser {
    pub auth: AuthUser,
    pub csrf_token: String,
}

/// The request's live session, if any.
///
/// # Errors
/// 503 when the database is down.
pub async fn current(state: &AppState, req: &HttpRequest) -> Result<Option<WebUser>, ApiError> {
    let Some(c) = req.cookie(cookie_name(state, SESSION_COOKIE)) else {
        return Ok(None);
    };
    let now_ms = Utc::now().timestamp_millis();
    let Some(session) =
        web_sessions::find_live(&state.db, &hash_opaque(c.value()), LIFETIMES, now_ms).await?
    else {
        return Ok(None);
    };
    let Some(user) = users::find_by_id(state.db.conn(), session.user_id)
        .await
        .map_err(ApiError::from)?
    else {
        return Ok(None);
    };
    Ok(web_user(user, session.csrf_token))
}

fn web_user(user: user::Model, csrf_token: String) -> Option<WebUser> {
    let actor = crate::auth::actor_for(&user)?;
    Some(WebUser {
        auth: AuthUser {
            actor,
            user,
            session_id: None,
        },
        csrf_token,
    })
}

/// The optional session of a page that works for everyone.
#[derive(Debug, Clone)]
pub struct MaybeWebUser(pub Option<WebUser>);

impl FromRequest for MaybeWebUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<MaybeWebUser, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
                return Ok(MaybeWebUser(None));
            };
            Ok(MaybeWebUser(current(&state, &req).await?))
        })
    }
}

/// The CSRF token a form on this page must carry, and the cookie to set when there is no
/// session yet (double submit: the value is in the form and in an HttpOnly cookie).
#[must_use]
pub fn form_token(
    state: &AppState,
    req: &HttpRequest,
    user: Option<&WebUser>,
) -> (String, Option<Cookie<'static>>) {
    if let Some(u) = user {
        return (u.csrf_token.clone(), None);
    }
    if let Some(c) = req
        .cookie(cookie_name(state, CSRF_COOKIE))
        .filter(|c| c.value().len() >= 32)
    {
        return (c.value().to_owned(), None);
    }
    let fresh = OpaqueToken::generate().plain;
    (fresh.clone(), Some(cookie(state, CSRF_COOKIE, fresh, None)))
}

/// Checks a posted form's CSRF token against the session's, or before login the cookie's.
#[must_use]
pub fn csrf_ok(state: &AppState, req: &HttpRequest, user: Option<&WebUser>, posted: &str) -> bool {
    let expected = match user {
        Some(u) => u.csrf_token.clone(),
        None => match req.cookie(cookie_name(state, CSRF_COOKIE)) {
            Some(c) => c.value().to_owned(),
            None => return false,
        },
    };
    !posted.is_empty() && constant_time_eq(expected.as_bytes(), posted.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The problem for a form posted without a valid CSRF token.
#[must_use]
pub fn csrf_refused() -> ApiError {
    ApiError::Forbidden(crate::error::Text::fixed(
        "表单已过期或来源不明,请刷新页面后重试。",
        "This form has expired or did not come from our site; reload the page and try again.",
    ))
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
