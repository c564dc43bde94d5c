//! Accounts: registration with its organization, email verification, login with rotating
//! refresh tokens, logout, password reset, and one's own settings. Every change is audited.

use std::time::Duration;

use chrono::{DateTime, Utc};
use peitao_auth::access::{self, Subject};
use peitao_auth::opaque::{OpaqueToken, hash_opaque};
use peitao_auth::password;
use peitao_domain::ids::{OrganizationId, UserId};
use peitao_domain::user::{EmailFrequency, Role};
use peitao_domain::{CreditCode, Email, Invalid, Locale};
use peitao_notify::MailContent;
use peitao_persistence::audit::{self};
use peitao_persistence::entities::{organization, user};
use peitao_persistence::refresh::{self, Presented};
use peitao_persistence::sea_orm::DatabaseTransaction;
use peitao_persistence::users::{self, AccountChanges, CreateAccountError, NewAccount};
use peitao_persistence::{rate_limit, tokens};
use serde_json::json;
use uuid::Uuid;

use super::mailing::{self, Recipient};
use super::validate::Fields;
use super::{audit_entry as entry, begin, commit};
use crate::AppState;
use crate::error::{ApiError, Text};

const VERIFY_TTL: chrono::Duration = chrono::Duration::hours(24);
const RESET_TTL: chrono::Duration = chrono::Duration::hours(1);

/// Who did it and from where, for the audit log and rate limits.
#[derive(Debug, Clone)]
pub struct Origin {
    pub ip: String,
    pub locale: Locale,
}

/// Counts a request against a per-IP or per-account limit; over it is 429.
async fn limit(state: &AppState, key: String, max: u32, window: Duration) -> Result<(), ApiError> {
    let now_ms = Utc::now().timestamp_millis();
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX / 2);
    let w = rate_limit::hit(&state.db, &key, window_ms, now_ms).await?;
    if w.hits > max {
        return Err(ApiError::RateLimited {
            retry_after_secs: retry_after(w.resets_at_ms, now_ms),
        });
    }
    Ok(())
}

fn retry_after(resets_at_ms: i64, now_ms: i64) -> u64 {
    u64::try_from((resets_at_ms - now_ms + 999) / 1000)
        .unwrap_or(1)
        .max(1)
}

async fn limit_ip(state: &AppState, what: &str, origin: &Origin) -> Result<(), ApiError> {
    let auth = &state.config.auth;
    limit(
        state,
        format!("{what}:ip:{}", origin.ip),
        auth.ip_max_requests,
        auth.login_window,
    )
    .await
}

/// Counts a request that names an email against the IP's limit and the address's (5 per window),
/// then parses the address; `None` for one that does not parse (answered like any other).
async fn limit_by_email(
    state: &AppState,
    what: &str,
    email: &str,
    origin: &Origin,
) -> Result<Option<Email>, ApiError> {
    limit_ip(state, what, origin).await?;
    let Ok(email) = Email::parse(email) else {
        return Ok(None);
    };
    limit(
        state,
        format!("{what}:account:{email}"),
        5,
        state.config.auth.login_window,
    )
    .await?;
    Ok(Some(email))
}

/// What registration receives (api.md).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Registration {
    /// An email address; its syntax is the server's to judge (422 `email.invalid`).
    pub email: String,
    /// 10 to 128 characters; common passwords and ones made of the email are refused (422).
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    #[schema(
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        max_length = 100
    )]
    pub display_name: String,
    /// `supplier` or `oem`.
    #[schema(example = "supplier", pattern = "^(supplier|oem)$")]
    pub role: String,
    pub organization: RegistrationOrganization,
    /// `zh-CN` (the default) or `en`.
    #[serde(default)]
    #[schema(pattern = "^(zh-CN|en)$")]
    pub locale: Option<String>,
}

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct RegistrationOrganization {
    /// 2 to 200 characters.
    #[schema(
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        max_length = 200
    )]
    pub name: String,
    /// The 18-character unified social credit code (统一社会信用代码); its last character is a
    /// check character the schema cannot state (422 `credit_code.check_digit`).
    #[schema(
        example = "91500000MA5U7J8X1K",
        pattern = r"^[0-9A-HJ-NP-RTUWXYa-hj-np-rtuwxy]{18}$"
    )]
    pub credit_code: String,
    /// A 6-digit region code of a city or district (a province, or a code not in the reference
    /// data, is a 422).
    #[schema(example = "500112", pattern = r"^(1[1-9]|[2-7][0-9]|8[0-2])[0-9]{4}$")]
    pub region_code: String,
}

/// Registers a supplier or OEM user with their organization and mails the verification link.
///
/// # Errors
/// 422 naming each bad field; 409 for a taken email or credit code; 429 over the IP limit.
pub async fn register(
    state: &AppState,
    input: Registration,
    origin: &Origin,
) -> Result<(user::Model, organization::Model), ApiError> {
    limit_ip(state, "register", origin).await?;
    let mut f = Fields::new();
    let email = f.check("email", Email::parse(&input.email));
    // Per address too: someone hammering one email gets 429 before any work is done.
    if let Some(email) = &email {
        limit(
            state,
            format!("register:account:{email}"),
            5,
            state.config.auth.login_window,
        )
        .await?;
    }
    if let Some(email) = &email {
        f.check(
            "password",
            password::check_new(&input.password, Some(email)),
        );
    }
    let display_name = f.text("display_name", &input.display_name, 1, 100);
    let role = match input.role.as_str() {
        "supplier" => Some(Role::Supplier),
        "oem" => Some(Role::Oem),
        _ => {
            f.push(
                "role",
                "user.role",
                Text::fixed(
                    "注册角色只能是 supplier(零部件企业)或 oem(整车企业)。",
                    "role must be supplier or oem.",
                ),
            );
            None
        }
    };
    let org_name = f.text("organization.name", &input.organization.name, 2, 200);
    let credit = f.check(
        "organization.credit_code",
        CreditCode::parse(&input.organization.credit_code),
    );
    let region = f.check(
        "organization.region_code",
        state.reference.site_region(&input.organization.region_code),
    );
    let locale = match input.locale.as_deref() {
        Some(l) => f.check("locale", l.parse::<Locale>()),
        None => Some(origin.locale),
    };
    f.finish()?;
    let (
        Some(email),
        Some(display_name),
        Some(role),
        Some(org_name),
        Some(credit),
        Some(region),
        Some(locale),
    ) = (email, display_name, role, org_name, credit, region, locale)
    else {
        return Err(ApiError::Internal);
    };
    let hash = password::hash(input.password, state.config.auth.hash_cost)
        .await
        .map_err(|_| ApiError::Internal)?;
    let now = Utc::now();
    let txn = begin(state).await?;
    let account = NewAccount {
        email: email.clone(),
        display_name,
        password_hash: hash,
        role,
        locale,
        organization_kind: if role == Role::Supplier {
            "supplier"
        } else {
            "oem"
        },
        organization_name: org_name,
        credit_code: credit.as_str().to_owned(),
        region_code: region.as_str().to_owned(),
    };
    let (user, org) = match users::create_account(&txn, account, now).await {
        Ok(pair) => pair,
        Err(CreateAccountError::EmailTaken) => {
            return Err(ApiError::Conflict(Text::fixed(
                "该邮箱已注册。请直接登录,或使用“忘记密码”。",
                "This email is already registered. Log in, or use “forgot password”.",
            )));
        }
        Err(CreateAccountError::CreditCodeTaken) => {
            return Err(ApiError::Conflict(Text::fixed(
                "该企业已注册:请联系贵企业在平台上的管理员邀请您加入。",
                "This company is already registered: ask its administrator for an invitation.",
            )));
        }
        Err(CreateAccountError::Store(e)) => return Err(e.into()),
    };
    send_verification(&txn, state, &user, now).await?;
    audit::record(
        &txn,
        entry(Some(&user), "user.register", "user", Some(user.id.to_string()),
            json!({"email": user.email, "role": user.role, "organization": {"id": org.id, "name": org.name, "credit_code": org.credit_code}}), &origin.ip),
        now,
    )
    .await?;
    commit(txn).await?;
    state
        .search
        .after_change(state.db.conn(), super::search::Kind::Organizations, org.id)
        .await;
    Ok((user, org))
}

async fn send_verification(
    txn: &DatabaseTransaction,
    state: &AppState,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let token = OpaqueToken::generate();
    let id = tokens::create(
        txn,
        tokens::NewToken {
            purpose: tokens::VERIFY_EMAIL,
            token_hash: token.hash.clone(),
            user_id: Some(user.id),
            email: Some(user.email.clone()),
            organization_id: None,
            created_by: None,
            expires_at: now + VERIFY_TTL,
        },
        now,
    )
    .await?;
    let content = MailContent::VerifyEmail {
        display_name: user.display_name.clone(),
        link: mailing::link(state, &format!("/verify-email?token={}", token.plain)),
    };
    mailing::tell(
        txn,
        state,
        &Recipient::user(user),
        &content,
        &id.to_string(),
        now,
    )
    .await
}

fn invalid_token() -> ApiError {
    ApiError::invalid(
        "token",
        &Invalid::new(
            "token.invalid",
            "链接无效或已过期,请重新申请。",
            "The link is invalid or has expired; ask for a new one.",
        ),
    )
}

/// Spends a verification token and marks the email verified.
///
/// # Errors
/// 422 (field `token`) for an unknown, used or expired token.
pub async fn verify_email(state: &AppState, token: &str, origin: &Origin) -> Result<(), ApiError> {
    let now = Utc::now();
    let txn = begin(state).await?;
    let Some(row) =
        tokens::consume(&txn, tokens::VERIFY_EMAIL, &hash_opaque(token.trim()), now).await?
    else {
        return Err(invalid_token());
    };
    let Some(user_id) = row.user_id else {
        return Err(invalid_token());
    };
    users::mark_email_verified(&txn, user_id, now).await?;
    let user = users::find_by_id(&txn, user_id).await?;
    audit::record(
        &txn,
        entry(
            user.as_ref(),
            "user.verify_email",
            "user",
            Some(user_id.to_string()),
            json!({"email_verified": true}),
            &origin.ip,
        ),
        now,
    )
    .await?;
    commit(txn).await?;
    state.accounts.forget(user_id);
    Ok(())
}

/// Mails a fresh verification link when the account exists and is unverified. Answers the same
/// either way, so nobody learns which emails have accounts.
///
/// # Errors
/// 429 over the limits.
pub async fn resend_verification(
    state: &AppState,
    email: &str,
    origin: &Origin,
) -> Result<(), ApiError> {
    let Some(email) = limit_by_email(state, "resend", email, origin).await? else {
        return Ok(());
    };
    let now = Utc::now();
    let txn = begin(state).await?;
    if let Some(user) = users::find_by_email(&txn, &email).await?
        && user.email_verified_at.is_none()
        && user.deactivated_at.is_none()
    {
        tokens::void_for_user(&txn, tokens::VERIFY_EMAIL, user.id, now).await?;
        send_verification(&txn, state, &user, now).await?;
    }
    commit(txn).await
}

/// The token pair a login or refresh returns.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds the access token is good for.
    pub expires_in: u64,
}

/// Issues an access token naming the login session `family` and the family's next refresh
/// token, which expires at `refresh_expires_at`: a login's own lifetime, never extended by use.
async fn issue_pair(
    state: &AppState,
    txn: &DatabaseTransaction,
    user: &user::Model,
    family: Uuid,
    refresh_expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<TokenPair, ApiError> {
    let auth = &state.config.auth;
    let role = Role::parse(&user.role).map_err(|_| ApiError::Internal)?;
    let subject = Subject {
        user_id: UserId(user.id),
        role,
        organization_id: user.organization_id.map(OrganizationId),
        session_id: family,
    };
    let access_token = access::issue(
        &state.keys,
        &auth.issuer,
        &subject,
        auth.access_ttl,
        now.timestamp(),
    )
    .map_err(|e| {
        tracing::error!(error = ?e, "issuing an access token failed");
        ApiError::Internal
    })?;
    let refresh_token = OpaqueToken::generate();
    refresh::create(
        txn,
        user.id,
        family,
        refresh_token.hash,
        refresh_expires_at,
        now,
    )
    .await?;
    Ok(TokenPair {
        access_token,
        refresh_token: refresh_token.plain,
        token_type: "Bearer",
        expires_in: auth.access_ttl.as_secs(),
    })
}

fn bad_credentials() -> ApiError {
    ApiError::Unauthorized
}

/// Logs in. Unknown emails are checked against a dummy hash so the answer takes as long;
/// failures count per account and per IP, and a success forgives the account's failures.
///
/// # Errors
/// 401 for any bad combination; 429 over the limits, with `Retry-After`.
pub async fn login(
    state: &AppState,
    email: &str,
    password_input: String,
    origin: &Origin,
) -> Result<TokenPair, ApiError> {
    let (user, txn) = check_credentials(state, email, password_input, origin).await?;
    let pair = new_login_session(state, &txn, &user).await?;
    commit(txn).await?;
    Ok(pair)
}

/// Starts a new API login session (a new refresh-token family) for `user`.
async fn new_login_session(
    state: &AppState,
    txn: &DatabaseTransaction,
    user: &user::Model,
) -> Result<TokenPair, ApiError> {
    let now = Utc::now();
    let refresh_ttl = chrono::Duration::from_std(state.config.auth.refresh_ttl)
        .map_err(|_| ApiError::Internal)?;
    issue_pair(state, txn, user, Uuid::now_v7(), now + refresh_ttl, now).await
}

/// Checks a login and records it (audit, failure counter); returns the account and the open
/// transaction holding the audit entry, so the caller adds its session or tokens to it. The web
/// login starts a browser session from this; the API login issues tokens.
///
/// # Errors
/// 401 for any bad combination; 429 over the limits, with `Retry-After`.
pub async fn check_credentials(
    state: &AppState,
    email: &str,
    password_input: String,
    origin: &Origin,
) -> Result<(user::Model, DatabaseTransaction), ApiError> {
    limit_ip(state, "login", origin).await?;
    let auth = &state.config.auth;
    let Ok(email) = Email::parse(email) else {
        let _ = password::verify(password_input, dummy_hash(auth.hash_cost)).await;
        return Err(bad_credentials());
    };
    let failures_key = format!("login-failures:{email}");
    let window_ms = i64::try_from(auth.login_window.as_millis()).unwrap_or(i64::MAX / 2);
    let now = Utc::now();
    let seen =
        rate_limit::peek(&state.db, &failures_key, window_ms, now.timestamp_millis()).await?;
    if seen.hits >= auth.login_max_failures {
        return Err(ApiError::RateLimited {
            retry_after_secs: retry_after(seen.resets_at_ms, now.timestamp_millis()),
        });
    }
    let user = users::find_by_email(state.db.conn(), &email).await?;
    let stored = user
        .as_ref()
        .map_or_else(|| dummy_hash(auth.hash_cost), |u| u.password_hash.clone());
    let ok = password::verify(password_input, stored).await;
    // The counters are written on their own connections before the transaction begins: on
    // SQLite the transaction holds the write lock from its start, so a write on another
    // connection inside it would wait for itself.
    let user = match user {
        Some(u) if ok && u.deactivated_at.is_none() => {
            rate_limit::reset(&state.db, &failures_key).await?;
            u
        }
        other => {
            let seen = rate_limit::hit(&state.db, &failures_key, window_ms, now.timestamp_millis())
                .await?;
            if let Some(u) = &other {
                let txn = begin(state).await?;
                tell_if_locked(&txn, state, u, seen.hits, now).await?;
                audit::record(
                    &txn,
                    entry(
                        Some(u),
                        "user.login_failed",
                        "user",
                        Some(u.id.to_string()),
                        json!({}),
                        &origin.ip,
                    ),
                    now,
                )
                .await?;
                commit(txn).await?;
            }
            return Err(bad_credentials());
        }
    };
    let txn = begin(state).await?;
    audit::record(
        &txn,
        entry(
            Some(&user),
            "user.login",
            "user",
            Some(user.id.to_string()),
            json!({}),
            &origin.ip,
        ),
        now,
    )
    .await?;
    Ok((user, txn))
}

/// Tells the owner by mail when this failure is the one that locked their logins (once per
/// lock: later attempts are refused before they count), so guessing does not go unnoticed.
async fn tell_if_locked<C: peitao_persistence::sea_orm::ConnectionTrait>(
    conn: &C,
    state: &AppState,
    user: &user::Model,
    failures: u32,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if failures != state.config.auth.login_max_failures || user.deactivated_at.is_some() {
        return Ok(());
    }
    let content = MailContent::LoginLocked {
        display_name: user.display_name.clone(),
        link: mailing::link(state, "/forgot-password"),
    };
    let key = format!("{}:{}", user.id, now.timestamp_millis());
    mailing::tell(conn, state, &Recipient::user(user), &content, &key, now).await
}

/// A hash of nothing in particular, made once per cost, so unknown emails cost the same time.
fn dummy_hash(cost: password::HashCost) -> String {
    use std::sync::OnceLock;
    static OWASP: OnceLock<String> = OnceLock::new();
    static FAST: OnceLock<String> = OnceLock::new();
    let cell = match cost {
        password::HashCost::Owasp => &OWASP,
        password::HashCost::Fast => &FAST,
    };
    cell.get_or_init(|| {
        password::hash_now("peitao-dummy-password-for-timing", cost).unwrap_or_default()
    })
    .clone()
}

/// Rotates a refresh token. A spent token presented again revokes its whole family.
///
/// # Errors
/// 401 for unknown, expired, revoked or reused tokens, or a deactivated account.
pub async fn refresh(
    state: &AppState,
    token: &str,
    origin: &Origin,
) -> Result<TokenPair, ApiError> {
    let now = Utc::now();
    let txn = begin(state).await?;
    match refresh::present(&txn, &hash_opaque(token.trim()), now).await? {
        Presented::Rotated {
            user_id,
            family_id,
            expires_at_ms,
        } => {
            let Some(user) = users::find_by_id(&txn, user_id)
                .await?
                .filter(|u| u.deactivated_at.is_none())
            else {
                return Err(ApiError::Unauthorized);
            };
            let expires_at =
                DateTime::from_timestamp_millis(expires_at_ms).ok_or(ApiError::Internal)?;
            let pair = issue_pair(state, &txn, &user, family_id, expires_at, now).await?;
            commit(txn).await?;
            Ok(pair)
        }
        Presented::Reused { user_id } => {
            let user = users::find_by_id(&txn, user_id).await?;
            audit::record(
                &txn,
                entry(
                    user.as_ref(),
                    "user.refresh_reuse",
                    "user",
                    Some(user_id.to_string()),
                    json!({"family_revoked": true}),
                    &origin.ip,
                ),
                now,
            )
            .await?;
            commit(txn).await?;
            Err(ApiError::Unauthorized)
        }
        Presented::Invalid => Err(ApiError::Unauthorized),
    }
}

/// Ends the session the refresh token belongs to (its whole family).
///
/// # Errors
/// Database errors only: logging out with an unknown token still answers 204.
pub async fn logout(state: &AppState, token: &str) -> Result<(), ApiError> {
    let txn = begin(state).await?;
    let family = refresh::revoke_by_token(&txn, &hash_opaque(token.trim()), Utc::now()).await?;
    commit(txn).await?;
    // Its access tokens stop here at once (other instances within the cache's second).
    if let Some(family) = family {
        state.accounts.forget_session(family);
    }
    Ok(())
}

/// Mails a reset link if the account exists; the answer is the same either way.
///
/// # Errors
/// 429 over the limits.
pub async fn request_password_reset(
    state: &AppState,
    email: &str,
    origin: &Origin,
) -> Result<(), ApiError> {
    let Some(email) = limit_by_email(state, "reset", email, origin).await? else {
        return Ok(());
    };
    let now = Utc::now();
    let txn = begin(state).await?;
    if let Some(user) = users::find_by_email(&txn, &email)
        .await?
        .filter(|u| u.deactivated_at.is_none())
    {
        tokens::void_for_user(&txn, tokens::PASSWORD_RESET, user.id, now).await?;
        let token = OpaqueToken::generate();
        let id = tokens::create(
            &txn,
            tokens::NewToken {
                purpose: tokens::PASSWORD_RESET,
                token_hash: token.hash.clone(),
                user_id: Some(user.id),
                email: Some(user.email.clone()),
                organization_id: None,
                created_by: None,
                expires_at: now + RESET_TTL,
            },
            now,
        )
        .await?;
        let content = MailContent::PasswordReset {
            display_name: user.display_name.clone(),
            link: mailing::link(state, &format!("/reset-password?token={}", token.plain)),
        };
        mailing::tell(
            &txn,
            state,
            &Recipient::user(&user),
            &content,
            &id.to_string(),
            now,
        )
        .await?;
        audit::record(
            &txn,
            entry(
                Some(&user),
                "user.password_reset_requested",
                "user",
                Some(user.id.to_string()),
                json!({}),
                &origin.ip,
            ),
            now,
        )
        .await?;
    }
    commit(txn).await
}

/// Sets a new password with a reset token and ends every session of the account.
///
/// # Errors
/// 422 for a bad token or a password that breaks the rules.
pub async fn confirm_password_reset(
    state: &AppState,
    token: &str,
    new_password: String,
    origin: &Origin,
) -> Result<(), ApiError> {
    let now = Utc::now();
    let txn = begin(state).await?;
    let Some(row) = tokens::consume(
        &txn,
        tokens::PASSWORD_RESET,
        &hash_opaque(token.trim()),
        now,
    )
    .await?
    else {
        return Err(invalid_token());
    };
    let Some(user) = (match row.user_id {
        Some(id) => users::find_by_id(&txn, id).await?,
        None => None,
    }) else {
        return Err(invalid_token());
    };
    let email = Email::parse(&user.email).ok();
    password::check_new(&new_password, email.as_ref())
        .map_err(|e| ApiError::invalid("new_password", &e))?;
    let hash = password::hash(new_password, state.config.auth.hash_cost)
        .await
        .map_err(|_| ApiError::Internal)?;
    users::set_password(&txn, user.id, hash, now).await?;
    // Following a reset link proves the mailbox, too.
    users::mark_email_verified(&txn, user.id, now).await?;
    let revoked = refresh::revoke_all_for_user(&txn, user.id, now).await?
        + peitao_persistence::web_sessions::revoke_all_for_user(&txn, user.id, now).await?;
    audit::record(
        &txn,
        entry(
            Some(&user),
            "user.password_reset",
            "user",
            Some(user.id.to_string()),
            json!({"sessions_revoked": revoked}),
            &origin.ip,
        ),
        now,
    )
    .await?;
    tell_password_changed(&txn, state, &user, now).await?;
    commit(txn).await?;
    state.accounts.forget(user.id);
    Ok(())
}

/// Tells the account's owner by mail that its password changed, so a change they did not make
/// is noticed (the mail links to the reset page).
async fn tell_password_changed(
    txn: &DatabaseTransaction,
    state: &AppState,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let content = MailContent::PasswordChanged {
        display_name: user.display_name.clone(),
        link: mailing::link(state, "/forgot-password"),
    };
    mailing::tell(
        txn,
        state,
        &Recipient::user(user),
        &content,
        &format!("{}:{}", user.id, now.timestamp_millis()),
        now,
    )
    .await
}

/// What a password change receives (`POST /api/v1/me/password`, the account page's form).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
}

/// Changes one's own password: the current one must be given (a wrong one counts as a failed
/// login, so this cannot be used to guess past the lock), the new one must meet the rules; every
/// session of the account ends but the API login `keep` (the caller's own), and the owner is told
/// by mail. A browser making the change starts itself a fresh session afterwards.
///
/// # Errors
/// 422 naming `current_password` (wrong) or `new_password` (breaks a rule); 429 over the limits.
pub async fn change_password(
    state: &AppState,
    me: &user::Model,
    input: PasswordChange,
    keep: Option<Uuid>,
    origin: &Origin,
) -> Result<(), ApiError> {
    reauthenticate(state, me, input.current_password, origin).await?;
    let auth = &state.config.auth;
    let now = Utc::now();
    let email = Email::parse(&me.email).ok();
    password::check_new(&input.new_password, email.as_ref())
        .map_err(|e| ApiError::invalid("new_password", &e))?;
    let hash = password::hash(input.new_password, auth.hash_cost)
        .await
        .map_err(|_| ApiError::Internal)?;
    let txn = begin(state).await?;
    users::set_password(&txn, me.id, hash, now).await?;
    let revoked = refresh::revoke_all_for_user_but(&txn, me.id, keep, now).await?
        + peitao_persistence::web_sessions::revoke_all_for_user(&txn, me.id, now).await?;
    audit::record(
        &txn,
        entry(
            Some(me),
            "user.password_change",
            "user",
            Some(me.id.to_string()),
            json!({"sessions_revoked": revoked}),
            &origin.ip,
        ),
        now,
    )
    .await?;
    tell_password_changed(&txn, state, me, now).await?;
    commit(txn).await?;
    state.accounts.forget(me.id);
    Ok(())
}

/// Asks a logged-in user for their password again before something sensitive (a password
/// change, ending sessions). A wrong one counts as a failed login, so this is no way round the
/// login lock; a right one forgives the failures, as a login does.
///
/// # Errors
/// 422 naming `current_password` when it is wrong or missing; 429 over the limits.
async fn reauthenticate(
    state: &AppState,
    me: &user::Model,
    current_password: String,
    origin: &Origin,
) -> Result<(), ApiError> {
    limit_ip(state, "login", origin).await?;
    let auth = &state.config.auth;
    let failures_key = format!("login-failures:{}", me.email);
    let window_ms = i64::try_from(auth.login_window.as_millis()).unwrap_or(i64::MAX / 2);
    let now_ms = Utc::now().timestamp_millis();
    let seen = rate_limit::peek(&state.db, &failures_key, window_ms, now_ms).await?;
    if seen.hits >= auth.login_max_failures {
        return Err(ApiError::RateLimited {
            retry_after_secs: retry_after(seen.resets_at_ms, now_ms),
        });
    }
    if !password::verify(current_password, me.password_hash.clone()).await {
        let seen = rate_limit::hit(&state.db, &failures_key, window_ms, now_ms).await?;
        tell_if_locked(state.db.conn(), state, me, seen.hits, Utc::now()).await?;
        return Err(ApiError::invalid(
            "current_password",
            &Invalid::new(
                "password.current_wrong",
                "当前密码不正确。",
                "The current password is not correct.",
            ),
        ));
    }
    rate_limit::reset(&state.db, &failures_key).await?;
    Ok(())
}

/// One's live logins: browser sessions and API logins.
#[derive(Debug, Clone, Default)]
pub struct LiveSessions {
    pub browsers: Vec<peitao_persistence::entities::web_session::Model>,
    pub api: Vec<refresh::LiveLogin>,
}

/// Lists one's live logins (the account page shows them).
///
/// # Errors
/// Database errors.
pub async fn live_sessions(
    state: &AppState,
    me: &user::Model,
    lifetimes: peitao_persistence::web_sessions::Lifetimes,
) -> Result<LiveSessions, ApiError> {
    let now = Utc::now();
    let conn = state.db.conn();
    Ok(LiveSessions {
        browsers: peitao_persistence::web_sessions::live_for_user(
            conn,
            me.id,
            lifetimes,
            now.timestamp_millis(),
        )
        .await?,
        api: refresh::live_for_user(conn, me.id, now).await?,
    })
}

/// Ends the chosen logins of one's own after asking for the password again (ASVS 7.5.2).
///
/// # Errors
/// 422 naming `sessions` when none is chosen, or `current_password`; 429 over the limits.
pub async fn end_sessions(
    state: &AppState,
    me: &user::Model,
    current_password: String,
    browsers: &[Uuid],
    api: &[Uuid],
    origin: &Origin,
) -> Result<(), ApiError> {
    if browsers.is_empty() && api.is_empty() {
        return Err(ApiError::invalid(
            "sessions",
            &Invalid::new(
                "sessions.none",
                "请选择要退出的登录。",
                "Choose the logins to end.",
            ),
        ));
    }
    reauthenticate(state, me, current_password, origin).await?;
    let now = Utc::now();
    let txn = begin(state).await?;
    let ended = peitao_persistence::web_sessions::revoke_ids_for_user(&txn, me.id, browsers, now)
        .await?
        + refresh::revoke_families_for_user(&txn, me.id, api, now).await?;
    audit::record(
        &txn,
        entry(
            Some(me),
            "user.sessions_end",
            "user",
            Some(me.id.to_string()),
            json!({"browsers": browsers, "api": api, "revoked": ended}),
            &origin.ip,
        ),
        now,
    )
    .await?;
    commit(txn).await?;
    state.accounts.forget(me.id);
    Ok(())
}

/// Changes to one's own account (PATCH /api/v1/me).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeChanges {
    #[schema(pattern = "\\S", max_length = 100)]
    pub display_name: Option<String>,
    /// `zh-CN` or `en`.
    #[schema(pattern = "^(zh-CN|en)$")]
    pub locale: Option<String>,
    /// `instant`, `daily` or `off`.
    #[schema(pattern = "^(instant|daily|off)$")]
    pub email_frequency: Option<String>,
}

/// Applies one's own changes.
///
/// # Errors
/// 422 naming each bad field.
pub async fn update_me(
    state: &AppState,
    me: &user::Model,
    input: MeChanges,
    origin: &Origin,
) -> Result<user::Model, ApiError> {
    let mut f = Fields::new();
    let display_name = input
        .display_name
        .as_deref()
        .and_then(|n| f.text("display_name", n, 1, 100));
    let locale = input
        .locale
        .as_deref()
        .and_then(|l| f.check("locale", l.parse::<Locale>()));
    let email_frequency = input
        .email_frequency
        .as_deref()
        .and_then(|v| f.check("email_frequency", EmailFrequency::parse(v)));
    f.finish()?;
    let now = Utc::now();
    let txn = begin(state).await?;
    let before = json!({"display_name": me.display_name, "locale": me.locale, "email_frequency": me.email_frequency});
    let updated = users::update_account(
        &txn,
        me.id,
        AccountChanges {
            display_name,
            locale,
            email_frequency,
        },
        now,
    )
    .await?;
    let after = json!({"display_name": updated.display_name, "locale": updated.locale, "email_frequency": updated.email_frequency});
    if before != after {
        audit::record(
            &txn,
            entry(
                Some(me),
                "user.update",
                "user",
                Some(me.id.to_string()),
                json!({"before": before, "after": after}),
                &origin.ip,
            ),
            now,
        )
        .await?;
    }
    commit(txn).await?;
    state.accounts.forget(me.id);
    Ok(updated)
}

/// The account an unsubscribe link is for, without changing anything (the confirmation page).
///
/// # Errors
/// 422 (field `token`) for a bad or expired token or a missing account.
pub async fn unsubscribe_target(state: &AppState, token: &str) -> Result<user::Model, ApiError> {
    let now = Utc::now();
    let subject = peitao_auth::purpose::verify_purpose(
        &state.keys,
        &state.config.auth.issuer,
        peitao_auth::purpose::Purpose::Unsubscribe,
        token.trim(),
        now.timestamp(),
    )
    .map_err(|_| invalid_token())?;
    let user_id = Uuid::parse_str(&subject).map_err(|_| invalid_token())?;
    users::find_by_id(state.db.conn(), user_id)
        .await?
        .ok_or_else(invalid_token)
}

/// Switches a user's notification mail off from a signed unsubscribe link (no login).
///
/// # Errors
/// 422 (field `token`) for a bad or expired token.
pub async fn unsubscribe(
    state: &AppState,
    token: &str,
    origin: &Origin,
) -> Result<user::Model, ApiError> {
    let now = Utc::now();
    let user = unsubscribe_target(state, token).await?;
    let txn = begin(state).await?;
    let updated = users::update_account(
        &txn,
        user.id,
        AccountChanges {
            email_frequency: Some(EmailFrequency::Off),
            ..AccountChanges::default()
        },
        now,
    )
    .await?;
    if user.email_frequency != updated.email_frequency {
        audit::record(&txn, entry(Some(&user), "user.unsubscribe", "user", Some(user.id.to_string()),
            json!({"before": {"email_frequency": user.email_frequency}, "after": {"email_frequency": "off"}}), &origin.ip), now).await?;
    }
    commit(txn).await?;
    state.accounts.forget(user.id);
    Ok(updated)
}
