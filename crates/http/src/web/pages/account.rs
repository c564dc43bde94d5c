//! My account: who I am and for which company, my name, language and mail settings, my
//! password, the verification mail again, and the way out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use peitao_domain::{Locale, RegionCode};
use peitao_persistence::StoreError;
use peitao_persistence::entities::{organization, user};
use peitao_persistence::sea_orm::EntityTrait;
use serde::Deserialize;

use super::form::{Field, Notice, place_errors};
use super::words::AccountWords;
use super::{TokenOnly, Visit, or_answer, render, see_other, with_cookies};
use crate::AppState;
use crate::api::accounts::origin;
use crate::error::{ApiError, FieldError};
use crate::service::accounts::{self, MeChanges, PasswordChange};
use crate::web::layout::Chrome;
use crate::web::session::{self, CSRF_FIELD, WebUser};

/// The company as the account page shows it.
pub struct CompanyView {
    pub name: String,
    pub verified: bool,
    pub credit_code: String,
    pub region: String,
}

#[derive(Template)]
#[template(path = "account/account.html")]
struct AccountPage {
    chrome: Chrome,
    w: &'static AccountWords,
    notices: Vec<Notice>,
    csrf_field: &'static str,
    csrf_token: String,
    email: String,
    email_verified: bool,
    role: &'static str,
    org_role: Option<&'static str>,
    company: Option<CompanyView>,
    fields: Vec<Field>,
    /// The password change form (never pre-filled).
    password_fields: Vec<Field>,
    /// The account's live logins, and the form that ends chosen ones.
    sessions: Vec<SessionRow>,
    sessions_error: Option<String>,
    sessions_fields: Vec<Field>,
    /// Links to the match lifecycle pages this account uses.
    lw: &'static super::lifecycle_words::LifecycleWords,
    dw: &'static super::desk_words::DeskWords,
    staff: bool,
}

/// What the settings form posts.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    csrf_token: String,
    display_name: String,
    locale: String,
    email_frequency: String,
}

impl SettingsForm {
    fn of(user: &user::Model) -> SettingsForm {
        SettingsForm {
            csrf_token: String::new(),
            display_name: user.display_name.clone(),
            locale: user.locale.clone(),
            email_frequency: user.email_frequency.clone(),
        }
    }
}

fn settings_fields(w: &AccountWords, f: &SettingsForm) -> Vec<Field> {
    vec![
        Field::input("display_name", "text", w.display_name, &f.display_name)
            .autocomplete("name")
            .maxlength(100),
        Field::choice(
            "locale",
            w.locale,
            &f.locale,
            vec![("zh-CN", w.locale_zh, None), ("en", w.locale_en, None)],
        )
        .hint(w.locale_hint),
        Field::choice(
            "email_frequency",
            w.frequency,
            &f.email_frequency,
            vec![
                ("instant", w.instant, Some(w.instant_hint)),
                ("daily", w.daily, Some(w.daily_hint)),
                ("off", w.off, Some(w.off_hint)),
            ],
        )
        .hint(w.frequency_hint),
    ]
}

fn password_fields(w: &AccountWords) -> Vec<Field> {
    vec![
        Field::input("current_password", "password", w.current_password, "")
            .autocomplete("current-password")
            .maxlength(128),
        Field::input("new_password", "password", w.new_password, "")
            .autocomplete("new-password")
            .maxlength(128)
            .hint(w.new_password_hint),
    ]
}

/// One live login as the account page lists it.
pub struct SessionRow {
    /// The form field that names it: `browser` or `api`.
    pub kind: &'static str,
    pub id: String,
    pub text: String,
    /// The browser looking at the page (not offered for ending: that is logging out).
    pub current: bool,
}

/// Which form a refusal is about.
enum Refused<'a> {
    Nothing,
    Settings(&'a [FieldError]),
    Password(&'a [FieldError]),
    Sessions(&'a [FieldError]),
}

fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

fn session_rows(
    w: &AccountWords,
    live: &accounts::LiveSessions,
    current_hash: Option<&str>,
) -> Vec<SessionRow> {
    let browsers = live.browsers.iter().map(|s| SessionRow {
        kind: "browser",
        id: s.id.to_string(),
        text: format!(
            "{} · {} {} · {} {}",
            w.browser_session,
            w.started,
            when(s.created_at_ms),
            w.last_active,
            when(s.last_seen_at_ms)
        ),
        current: Some(s.token_hash.as_str()) == current_hash,
    });
    let api = live.api.iter().map(|l| SessionRow {
        kind: "api",
        id: l.family_id.to_string(),
        text: format!(
            "{} · {} {} · {} {}",
            w.api_login,
            w.last_active,
            when(l.last_active_at.timestamp_millis()),
            w.expires,
            when(l.expires_at_ms)
        ),
        current: false,
    });
    browsers.chain(api).collect()
}

fn role_name(w: &AccountWords, role: &str) -> &'static str {
    match role {
        "supplier" => w.role_supplier,
        "oem" => w.role_oem,
        "staff" => w.role_staff,
        _ => w.role_admin,
    }
}

async fn company(
    state: &AppState,
    user: &user::Model,
    locale: Locale,
) -> Result<Option<CompanyView>, ApiError> {
    let Some(id) = user.organization_id else {
        return Ok(None);
    };
    let org = organization::Entity::find_by_id(id)
        .one(state.db.conn())
        .await
        .map_err(StoreError::from)?;
    Ok(org.map(|o| {
        let region_name = RegionCode::parse(&o.region_code)
            .ok()
            .and_then(|code| state.reference.region(&code).map(|r| r.name.clone()));
        CompanyView {
            region: region_name.map_or_else(
                || o.region_code.clone(),
                |name| match locale {
                    Locale::ZhCn => format!("{name}（{}）", o.region_code),
                    Locale::En => format!("{name} ({})", o.region_code),
                },
            ),
            name: o.name,
            verified: o.verified_at.is_some(),
            credit_code: o.credit_code,
        }
    }))
}

/// The account page for `me`, with the settings form showing `input` and its refusals.
async fn page(
    visit: &Visit<'_>,
    me: &WebUser,
    status: StatusCode,
    input: &SettingsForm,
    refused: Refused<'_>,
    mut notices: Vec<Notice>,
) -> HttpResponse {
    let w = AccountWords::for_locale(visit.locale);
    let company = match company(visit.state, &me.auth.user, visit.locale).await {
        Ok(c) => c,
        Err(err) => return visit.error(&err),
    };
    let live = match accounts::live_sessions(visit.state, &me.auth.user, session::LIFETIMES).await {
        Ok(live) => live,
        Err(err) => return visit.error(&err),
    };
    let current = session::token_hash(visit.state, visit.req);
    let mut fields = settings_fields(w, input);
    let mut password_fields = password_fields(w);
    let mut sessions_fields = vec![
        Field::input("sessions_password", "password", w.sessions_password, "")
            .service_name("current_password")
            .autocomplete("current-password")
            .maxlength(128),
    ];
    let mut sessions_error = None;
    let (form, errors): (&mut Vec<Field>, &[FieldError]) = match refused {
        Refused::Nothing => (&mut fields, &[]),
        Refused::Settings(e) => (&mut fields, e),
        Refused::Password(e) => (&mut password_fields, e),
        Refused::Sessions(e) => {
            sessions_error = e
                .iter()
                .find(|e| e.field == "sessions")
                .map(|e| e.message.get(visit.locale).to_owned());
            (&mut sessions_fields, e)
        }
    };
    if !errors.is_empty() {
        let placed: Vec<FieldError> = errors
            .iter()
            .filter(|e| e.field != "sessions")
            .cloned()
            .collect();
        let unplaced = place_errors(form.iter_mut(), &placed, visit.locale);
        notices.push(Notice::new("error", visit.common().fix_fields));
        notices.extend(unplaced.into_iter().map(|t| Notice::new("error", t)));
    }
    let user = &me.auth.user;
    let page = AccountPage {
        chrome: visit.chrome(),
        w,
        notices,
        csrf_field: CSRF_FIELD,
        csrf_token: me.csrf_token.clone(),
        email: user.email.clone(),
        email_verified: user.email_verified_at.is_some(),
        role: role_name(w, &user.role),
        org_role: match user.org_role.as_deref() {
            Some("owner") => Some(w.owner),
            Some(_) => Some(w.member),
            None => None,
        },
        company,
        fields,
        password_fields,
        sessions: session_rows(w, &live, current.as_deref()),
        sessions_error,
        sessions_fields,
        lw: super::lifecycle_words::LifecycleWords::for_locale(visit.locale),
        dw: super::desk_words::DeskWords::for_locale(visit.locale),
        staff: me.auth.actor.role.is_staff(),
    };
    render(status, visit.locale, &page)
}

#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    saved: Option<String>,
    sent: Option<String>,
    password: Option<String>,
    ended: Option<String>,
}

/// GET /account — `?saved` and `?sent` say what the last POST did.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    flash: web::Query<Flash>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = AccountWords::for_locale(visit.locale);
    let mut notices = Vec::new();
    if flash.saved.is_some() {
        notices.push(Notice::new("success", w.saved));
    }
    if flash.sent.is_some() {
        notices.push(Notice::new("success", w.sent));
    }
    if flash.password.is_some() {
        notices.push(Notice::new("success", w.password_changed));
    }
    if flash.ended.is_some() {
        notices.push(Notice::new("success", w.sessions_ended));
    }
    page(
        &visit,
        &me,
        StatusCode::OK,
        &SettingsForm::of(&me.auth.user),
        Refused::Nothing,
        notices,
    )
    .await
}

/// POST /account — saves name, language and mail frequency; the pages follow the new language.
pub async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<SettingsForm>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let input = form.into_inner();
    if !visit.csrf_ok(&input.csrf_token) {
        return visit.csrf_refused("/account");
    }
    let changes = MeChanges {
        display_name: Some(input.display_name.clone()),
        locale: Some(input.locale.clone()).filter(|l| !l.is_empty()),
        email_frequency: Some(input.email_frequency.clone()).filter(|f| !f.is_empty()),
    };
    match accounts::update_me(&state, &me.auth.user, changes, &origin(&req, &state)).await {
        Ok(updated) => with_cookies(
            see_other("/account?saved=1"),
            visit.lang_cookie(&updated.locale),
        ),
        Err(ApiError::Validation(errors)) => {
            page(
                &visit,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                &input,
                Refused::Settings(&errors),
                Vec::new(),
            )
            .await
        }
        Err(err) => visit.error(&err),
    }
}

/// POST /account/resend-verification
pub async fn resend(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<TokenOnly>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.csrf_refused("/account");
    }
    match accounts::resend_verification(&state, &me.auth.user.email, &origin(&req, &state)).await {
        Ok(()) => see_other("/account?sent=1"),
        Err(ApiError::RateLimited { retry_after_secs }) => {
            let notice = Notice::new("error", visit.wait(retry_after_secs));
            page(
                &visit,
                &me,
                StatusCode::TOO_MANY_REQUESTS,
                &SettingsForm::of(&me.auth.user),
                Refused::Nothing,
                vec![notice],
            )
            .await
        }
        Err(err) => visit.error(&err),
    }
}

/// What the password form posts.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    csrf_token: String,
    current_password: String,
    new_password: String,
}

/// POST /account/password — changes the password; every session ends, and this browser goes on
/// under a brand-new one (a new session token after re-authenticating, ASVS 7.2.4).
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let input = form.into_inner();
    if !visit.csrf_ok(&input.csrf_token) {
        return visit.csrf_refused("/account");
    }
    let change = PasswordChange {
        current_password: input.current_password,
        new_password: input.new_password,
    };
    let settings = SettingsForm::of(&me.auth.user);
    match accounts::change_password(&state, &me.auth.user, change, None, &origin(&req, &state))
        .await
    {
        Ok(()) => match session::start(&state, me.auth.user.id).await {
            Ok(cookie) => with_cookies(see_other("/account?password=1"), [cookie]),
            Err(err) => visit.error(&err),
        },
        Err(ApiError::Validation(errors)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let refused = Refused::Password(&errors);
            page(&visit, &me, status, &settings, refused, Vec::new()).await
        }
        Err(ApiError::RateLimited { retry_after_secs }) => {
            too_many_tries(&visit, &me, &settings, retry_after_secs).await
        }
        Err(err) => visit.error(&err),
    }
}

/// The account page again with a "wait" notice and `Retry-After`: the password was asked for
/// too often (it counts towards the login lock).
async fn too_many_tries(
    visit: &Visit<'_>,
    me: &WebUser,
    settings: &SettingsForm,
    retry_after_secs: u64,
) -> HttpResponse {
    let notice = Notice::new("error", visit.wait(retry_after_secs));
    let status = StatusCode::TOO_MANY_REQUESTS;
    let mut res = page(visit, me, status, settings, Refused::Nothing, vec![notice]).await;
    super::retry_after(&mut res, retry_after_secs);
    res
}

/// POST /account/sessions — ends the chosen logins (browsers by session id, API logins by
/// family) once the password is given again.
pub async fn end_sessions(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let pairs = form.into_inner();
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if !visit.csrf_ok(&value(CSRF_FIELD)) {
        return visit.csrf_refused("/account");
    }
    let ids = |name: &str| -> Vec<uuid::Uuid> {
        pairs
            .iter()
            .filter(|(k, _)| k == name)
            .filter_map(|(_, v)| v.parse().ok())
            .collect()
    };
    let (browsers, api) = (ids("browser"), ids("api"));
    let settings = SettingsForm::of(&me.auth.user);
    let password = value("sessions_password");
    let origin = origin(&req, &state);
    match accounts::end_sessions(&state, &me.auth.user, password, &browsers, &api, &origin).await {
        Ok(()) => see_other("/account?ended=1"),
        Err(ApiError::Validation(errors)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let refused = Refused::Sessions(&errors);
            page(&visit, &me, status, &settings, refused, Vec::new()).await
        }
        Err(ApiError::RateLimited { retry_after_secs }) => {
            too_many_tries(&visit, &me, &settings, retry_after_secs).await
        }
        Err(err) => visit.error(&err),
    }
}
