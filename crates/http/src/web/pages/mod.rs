//! The pages behind a session or about the directory: register, log in and out, a forgotten
//! password, my account, members, invitations, the directory and profiles, one's own capabilities
//! and needs, the match lists and the staff's verification queue. Plain forms, CSRF-checked, POST-redirect-GET.

mod account;
mod capability_pages;
mod catalog;
mod catalog_words;
mod desk;
mod desk_words;
mod directory;
mod figures;
mod figures_words;
mod form;
mod lifecycle;
mod lifecycle_words;
mod matches;
mod members;
mod need_pages;
mod postings;
mod sign_in;
mod staff;
mod words;

use actix_web::cookie::Cookie;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use peitao_domain::Locale;
use peitao_domain::user::Role;

use super::layout::{Chrome, SessionLink, html};
use super::session::{self, CSRF_FIELD, WebUser};
use crate::AppState;
use crate::error::{ApiError, Text};
use crate::locale::request_locale;
use form::{Field, Notice};
use words::Common;

/// Registers the account pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/register")
            .route(web::get().to(sign_in::register_page))
            .route(web::post().to(sign_in::register)),
    )
    .route("/register/done", web::get().to(sign_in::registered))
    .service(
        web::resource("/login")
            .route(web::get().to(sign_in::login_page))
            .route(web::post().to(sign_in::login)),
    )
    .route("/logout", web::post().to(sign_in::logout))
    .service(
        web::resource("/forgot-password")
            .route(web::get().to(sign_in::forgot_page))
            .route(web::post().to(sign_in::forgot)),
    )
    .route("/forgot-password/sent", web::get().to(sign_in::forgot_sent))
    .service(
        web::resource("/account")
            .route(web::get().to(account::show))
            .route(web::post().to(account::save)),
    )
    .route(
        "/account/resend-verification",
        web::post().to(account::resend),
    )
    .route(
        "/account/password",
        web::post().to(account::change_password),
    )
    .route("/account/sessions", web::post().to(account::end_sessions))
    .route("/account/members", web::get().to(members::list))
    .route("/account/members/invite", web::post().to(members::invite))
    .route(
        "/account/members/{user_id}/remove",
        web::post().to(members::remove),
    )
    .configure(lifecycle::routes)
    .configure(desk::routes)
    .configure(figures::routes)
    .route("/needs/{id}/matches", web::get().to(matches::of_need))
    .route(
        "/capabilities/{id}/matches",
        web::get().to(matches::of_capability),
    )
    .route("/directory", web::get().to(directory::directory))
    .route("/organizations/{id}", web::get().to(directory::profile))
    .route(
        "/my/capabilities",
        web::get().to(capability_pages::my_capabilities),
    )
    .route("/my/needs", web::get().to(need_pages::my_needs))
    .service(
        web::resource("/capabilities/new")
            .route(web::get().to(capability_pages::new_capability))
            .route(web::post().to(capability_pages::create_capability)),
    )
    .service(
        web::resource("/capabilities/{id}/edit")
            .route(web::get().to(capability_pages::edit_capability))
            .route(web::post().to(capability_pages::update_capability)),
    )
    .route(
        "/capabilities/{id}/archive",
        web::post().to(capability_pages::archive_capability),
    )
    .service(
        web::resource("/needs/new")
            .route(web::get().to(need_pages::new_need))
            .route(web::post().to(need_pages::create_need)),
    )
    .service(
        web::resource("/needs/{id}/edit")
            .route(web::get().to(need_pages::edit_need))
            .route(web::post().to(need_pages::update_need)),
    )
    .route("/needs/{id}/close", web::post().to(need_pages::close_need))
    .route("/staff/organizations", web::get().to(staff::queue))
    .route(
        "/staff/organizations/{id}/verify",
        web::post().to(staff::verify),
    )
    .route(
        "/staff/organizations/{id}/suspend",
        web::post().to(staff::suspend),
    )
    .route(
        "/staff/organizations/{id}/reinstate",
        web::post().to(staff::reinstate),
    )
    .service(
        web::resource("/invitations/accept")
            .route(web::get().to(members::accept_page))
            .route(web::post().to(members::accept)),
    );
}

/// Unwraps a step that may already have the answer (an error page, a redirect).
macro_rules! or_answer {
    ($step:expr) => {
        match $step {
            Ok(value) => value,
            Err(answer) => return answer,
        }
    };
}
pub(crate) use or_answer;

/// What every handler here starts from: the request, its language and its session.
pub struct Visit<'a> {
    pub req: &'a HttpRequest,
    pub state: &'a AppState,
    pub locale: Locale,
    pub user: Option<WebUser>,
}

impl<'a> Visit<'a> {
    /// Reads the session; a database outage is answered with a page saying so.
    ///
    /// # Errors
    /// The 503 page.
    pub async fn start(
        req: &'a HttpRequest,
        state: &'a AppState,
    ) -> Result<Visit<'a>, HttpResponse> {
        let locale = request_locale(req);
        let mut visit = Visit {
            req,
            state,
            locale,
            user: None,
        };
        match session::current(state, req).await {
            Ok(user) => visit.user = user,
            Err(err) => return Err(visit.error(&err)),
        }
        Ok(visit)
    }

    /// Like `start`, but a visitor without a session is sent to log in.
    ///
    /// # Errors
    /// The 503 page, or the redirect to /login.
    pub async fn logged_in(
        req: &'a HttpRequest,
        state: &'a AppState,
    ) -> Result<(Visit<'a>, WebUser), HttpResponse> {
        let visit = Visit::start(req, state).await?;
        match visit.user.clone() {
            Some(user) => Ok((visit, user)),
            None => Err(see_other("/login")),
        }
    }

    pub fn common(&self) -> &'static Common {
        Common::for_locale(self.locale)
    }

    /// The layout of this page: the language switch returns here; the header offers to log in
    /// or leads to the account.
    pub fn chrome(&self) -> Chrome {
        let c = self.common();
        let link = match &self.user {
            Some(user) => SessionLink {
                href: "/account",
                label: c.my_account,
                nav_label: c.nav_label,
                log_out: Some((c.log_out, user.csrf_token.clone())),
            },
            None => SessionLink {
                href: "/login",
                label: c.log_in,
                nav_label: c.nav_label,
                log_out: None,
            },
        };
        let chrome = Chrome::for_request(self.locale, self.req).with_session_link(link);
        let t = chrome.t;
        match self.user.as_ref().map(|u| &u.auth.actor.role) {
            Some(Role::Supplier) => chrome
                .with_nav("/my/capabilities", t.my_capabilities)
                .with_nav("/matches", t.my_matches)
                .with_nav("/events", t.events),
            Some(Role::Oem) => chrome
                .with_nav("/my/needs", t.my_needs)
                .with_nav("/matches", t.my_matches)
                .with_nav("/events", t.events),
            Some(Role::Staff | Role::Admin) => chrome
                .with_nav("/staff/organizations", t.staff_queue)
                .with_nav("/staff/matches", t.match_queue)
                .with_nav("/staff/analytics", t.dashboard)
                .with_nav("/staff/imports", t.imports)
                .with_nav("/events", t.events),
            None => chrome,
        }
    }

    /// The CSRF token for this page's forms, and the cookie to set when it is a fresh one.
    pub fn form_token(&self) -> (String, Option<Cookie<'static>>) {
        session::form_token(self.state, self.req, self.user.as_ref())
    }

    /// Whether a posted form carries this visitor's CSRF token.
    pub fn csrf_ok(&self, posted: &str) -> bool {
        session::csrf_ok(self.state, self.req, self.user.as_ref(), posted)
    }

    /// The 403 page for a form without a valid CSRF token; `back` is where the form lives.
    pub fn csrf_refused(&self, back: &'static str) -> HttpResponse {
        let text = match session::csrf_refused() {
            ApiError::Forbidden(text) => text,
            _ => Text::fixed("表单已过期。", "This form has expired."),
        };
        let c = self.common();
        self.message(
            StatusCode::FORBIDDEN,
            c.forbidden_heading,
            vec![text.get(self.locale).to_owned()],
            vec![(back, c.back_to_form)],
        )
    }

    /// A page of a heading, some paragraphs and links.
    pub fn message(
        &self,
        status: StatusCode,
        title: &'static str,
        paragraphs: Vec<String>,
        links: Vec<(&'static str, &'static str)>,
    ) -> HttpResponse {
        let page = FormPage {
            chrome: self.chrome(),
            title,
            notices: Vec::new(),
            intro: paragraphs,
            form: None,
            links,
        };
        render(status, self.locale, &page)
    }

    /// The page for an error the services returned that no form field owns.
    pub fn error(&self, err: &ApiError) -> HttpResponse {
        let c = self.common();
        let home = vec![("/", c.home)];
        match err {
            ApiError::Forbidden(text) | ApiError::Conflict(text) | ApiError::BadRequest(text) => {
                self.message(
                    status_of(err),
                    c.forbidden_heading,
                    vec![text.get(self.locale).to_owned()],
                    home,
                )
            }
            // A bad query on a page without a form of its own: say what was wrong.
            ApiError::Validation(errors) => self.message(
                StatusCode::UNPROCESSABLE_ENTITY,
                c.forbidden_heading,
                errors
                    .iter()
                    .map(|e| e.message.get(self.locale).to_owned())
                    .collect(),
                home,
            ),
            ApiError::NotFound => self.message(
                StatusCode::NOT_FOUND,
                c.not_found_heading,
                vec![c.not_found_body.to_owned()],
                home,
            ),
            ApiError::RateLimited { retry_after_secs } => {
                let mut res = self.message(
                    StatusCode::TOO_MANY_REQUESTS,
                    c.wait_heading,
                    vec![self.wait(*retry_after_secs)],
                    home,
                );
                retry_after(&mut res, *retry_after_secs);
                res
            }
            ApiError::Unavailable => {
                let mut res = self.message(
                    StatusCode::SERVICE_UNAVAILABLE,
                    c.unavailable_heading,
                    vec![c.unavailable_body.to_owned()],
                    home,
                );
                retry_after(&mut res, 5);
                res
            }
            ApiError::Unauthorized => see_other("/login"),
            _ => self.message(
                StatusCode::INTERNAL_SERVER_ERROR,
                c.error_heading,
                vec![c.error_body.to_owned()],
                home,
            ),
        }
    }

    /// "Wait N seconds (or minutes)" in the page's language.
    pub fn wait(&self, secs: u64) -> String {
        let c = self.common();
        if secs > 90 {
            c.wait_minutes
                .replace("{n}", &secs.div_ceil(60).to_string())
        } else {
            c.wait_seconds.replace("{n}", &secs.to_string())
        }
    }

    /// The language cookie for an account's own language, so its pages follow its setting.
    pub fn lang_cookie(&self, tag: &str) -> Option<Cookie<'static>> {
        let locale = Locale::from_tag(tag)?;
        let public_url = &self.state.config.public_url;
        let mut cookie = Cookie::build(crate::locale::lang_cookie_name(public_url), locale.tag())
            .path("/")
            .same_site(actix_web::cookie::SameSite::Lax)
            .secure(public_url.starts_with("https://"))
            .finish();
        cookie.set_max_age(CookieDuration::days(365));
        Some(cookie)
    }
}

fn status_of(err: &ApiError) -> StatusCode {
    actix_web::ResponseError::status_code(err)
}

fn retry_after(res: &mut HttpResponse, secs: u64) {
    if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, value);
    }
}

/// What a form of one button (log out, resend, remove) posts.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TokenOnly {
    pub csrf_token: String,
}

/// A page of one form (or none): register, log in, forgotten password, invitation, messages.
#[derive(Template)]
#[template(path = "account/form.html")]
pub struct FormPage {
    pub chrome: Chrome,
    pub title: &'static str,
    pub notices: Vec<Notice>,
    pub intro: Vec<String>,
    pub form: Option<PageForm>,
    pub links: Vec<(&'static str, &'static str)>,
}

/// A form: where it posts, its hidden fields (the CSRF token first), its fields in sections.
pub struct PageForm {
    pub action: String,
    pub hidden: Vec<(&'static str, String)>,
    pub sections: Vec<Section>,
    pub submit: &'static str,
}

impl PageForm {
    #[must_use]
    pub fn new(action: impl Into<String>, csrf_token: String, submit: &'static str) -> PageForm {
        PageForm {
            action: action.into(),
            hidden: vec![(CSRF_FIELD, csrf_token)],
            sections: Vec::new(),
            submit,
        }
    }

    #[must_use]
    pub fn section(mut self, heading: Option<&'static str>, fields: Vec<Field>) -> PageForm {
        self.sections.push(Section { heading, fields });
        self
    }

    #[must_use]
    pub fn hidden(mut self, name: &'static str, value: String) -> PageForm {
        self.hidden.push((name, value));
        self
    }

    /// Every field of every section, to place refusals on.
    pub fn fields_mut(&mut self) -> impl Iterator<Item = &mut Field> {
        self.sections.iter_mut().flat_map(|s| s.fields.iter_mut())
    }
}

/// A group of fields under an optional heading.
pub struct Section {
    pub heading: Option<&'static str>,
    pub fields: Vec<Field>,
}

/// Renders a page that must not be cached (it carries a CSRF token or personal data).
pub fn render(status: StatusCode, locale: Locale, page: &impl Template) -> HttpResponse {
    let mut res = html(status, locale, page);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The 303 after a POST, or to a page the visitor must see first.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Adds cookies to an answer; a cookie that cannot be written is logged and left out.
pub fn with_cookies(
    mut res: HttpResponse,
    cookies: impl IntoIterator<Item = Cookie<'static>>,
) -> HttpResponse {
    for cookie in cookies {
        if let Err(error) = res.add_cookie(&cookie) {
            tracing::error!(%error, name = cookie.name(), "setting a cookie failed");
        }
    }
    res
}
