//! Getting in and out: registering a company, logging in and out, asking for a reset link.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use peitao_domain::Email;
use peitao_persistence::users;
use serde::Deserialize;

use super::form::{Field, Notice, place_errors};
use super::words::{ForgotWords, LoginWords, RegisterWords};
use super::{FormPage, PageForm, TokenOnly, Visit, or_answer, render, see_other, with_cookies};
use crate::AppState;
use crate::api::accounts::origin;
use crate::error::{ApiError, FieldError};
use crate::service::accounts::{self, Registration, RegistrationOrganization};
use crate::web::session;

/// What the registration form posts. Every field defaults, so a missing one is a refusal shown
/// next to it rather than an unreadable request.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegisterForm {
    csrf_token: String,
    email: String,
    password: String,
    display_name: String,
    role: String,
    organization_name: String,
    credit_code: String,
    region_code: String,
}

fn register_fields(w: &RegisterWords, f: &RegisterForm) -> (Vec<Field>, Vec<Field>) {
    let account = vec![
        Field::input("email", "email", w.email, &f.email)
            .hint(w.email_hint)
            .autocomplete("email")
            .maxlength(254),
        Field::input("password", "password", w.password, "")
            .hint(w.password_hint)
            .autocomplete("new-password")
            .maxlength(128),
        Field::input("display_name", "text", w.display_name, &f.display_name)
            .hint(w.display_name_hint)
            .autocomplete("name")
            .maxlength(100),
    ];
    let company = vec![
        Field::choice(
            "role",
            w.role,
            &f.role,
            vec![
                ("supplier", w.role_supplier, Some(w.role_supplier_hint)),
                ("oem", w.role_oem, Some(w.role_oem_hint)),
            ],
        ),
        Field::input(
            "organization_name",
            "text",
            w.organization_name,
            &f.organization_name,
        )
        .service_name("organization.name")
        .hint(w.organization_name_hint)
        .autocomplete("organization")
        .maxlength(200),
        Field::input("credit_code", "text", w.credit_code, &f.credit_code)
            .service_name("organization.credit_code")
            .hint(w.credit_code_hint)
            .maxlength(18),
        Field::input("region_code", "text", w.region_code, &f.region_code)
            .service_name("organization.region_code")
            .hint(w.region_code_hint)
            .inputmode("numeric")
            .maxlength(6),
    ];
    (account, company)
}

fn register_form(
    visit: &Visit<'_>,
    status: StatusCode,
    input: &RegisterForm,
    errors: &[FieldError],
    notices: Vec<Notice>,
) -> HttpResponse {
    let w = RegisterWords::for_locale(visit.locale);
    let (token, cookie) = visit.form_token();
    let (account, company) = register_fields(w, input);
    let mut form = PageForm::new("/register", token, w.submit)
        .section(Some(w.account_heading), account)
        .section(Some(w.company_heading), company);
    let mut notices = notices;
    if !errors.is_empty() {
        let unplaced = place_errors(form.fields_mut(), errors, visit.locale);
        // The service's words for a bad role are for API clients; here nothing was chosen.
        for field in form
            .fields_mut()
            .filter(|f| f.name == "role" && f.error.is_some())
        {
            field.error = Some(w.role_missing.to_owned());
        }
        notices.push(Notice::new("error", visit.common().fix_fields));
        notices.extend(unplaced.into_iter().map(|text| Notice::new("error", text)));
    }
    let page = FormPage {
        chrome: visit.chrome(),
        title: w.title,
        notices,
        intro: vec![w.intro.to_owned()],
        form: Some(form),
        links: vec![("/login", w.have_account)],
    };
    with_cookies(render(status, visit.locale, &page), cookie)
}

/// GET /register
pub async fn register_page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let visit = or_answer!(Visit::start(&req, &state).await);
    if visit.user.is_some() {
        return see_other("/account");
    }
    register_form(
        &visit,
        StatusCode::OK,
        &RegisterForm::default(),
        &[],
        Vec::new(),
    )
}

/// POST /register — creates the account and its company, or shows the form again with why.
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<RegisterForm>,
) -> HttpResponse {
    let visit = or_answer!(Visit::start(&req, &state).await);
    let input = form.into_inner();
    if !visit.csrf_ok(&input.csrf_token) {
        return visit.csrf_refused("/register");
    }
    let registration = Registration {
        email: input.email.clone(),
        password: input.password.clone(),
        display_name: input.display_name.clone(),
        role: input.role.clone(),
        organization: RegistrationOrganization {
            name: input.organization_name.clone(),
            credit_code: input.credit_code.clone(),
            region_code: input.region_code.clone(),
        },
        locale: None,
    };
    match accounts::register(&state, registration, &origin(&req, &state)).await {
        Ok(_) => see_other("/register/done"),
        Err(ApiError::Validation(errors)) => register_form(
            &visit,
            StatusCode::UNPROCESSABLE_ENTITY,
            &input,
            &errors,
            Vec::new(),
        ),
        Err(ApiError::Conflict(text)) => {
            // Put "already registered" on the field that clashed: the email if it has an
            // account (the message says so anyway), else the company's credit code.
            let field = match Email::parse(&input.email) {
                Ok(email)
                    if matches!(
                        users::find_by_email(state.db.conn(), &email).await,
                        Ok(Some(_))
                    ) =>
                {
                    "email"
                }
                _ => "organization.credit_code",
            };
            let errors = [FieldError {
                field: field.to_owned(),
                code: "taken".to_owned(),
                message: text,
            }];
            register_form(&visit, StatusCode::CONFLICT, &input, &errors, Vec::new())
        }
        Err(ApiError::RateLimited { retry_after_secs }) => register_form(
            &visit,
            StatusCode::TOO_MANY_REQUESTS,
            &input,
            &[],
            vec![Notice::new("error", visit.wait(retry_after_secs))],
        ),
        Err(err) => visit.error(&err),
    }
}

/// GET /register/done — where a successful registration lands.
pub async fn registered(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let visit = or_answer!(Visit::start(&req, &state).await);
    let w = RegisterWords::for_locale(visit.locale);
    visit.message(
        StatusCode::OK,
        w.done_title,
        vec![w.done_body.to_owned(), w.done_spam.to_owned()],
        vec![("/login", LoginWords::for_locale(visit.locale).title)],
    )
}

/// What the login form posts.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    csrf_token: String,
    email: String,
    password: String,
}

fn login_form(
    visit: &Visit<'_>,
    status: StatusCode,
    email: &str,
    notice: Option<Notice>,
) -> HttpResponse {
    let w = LoginWords::for_locale(visit.locale);
    let (token, cookie) = visit.form_token();
    let fields = vec![
        Field::input("email", "email", w.email, email)
            .autocomplete("username")
            .maxlength(254),
        Field::input("password", "password", w.password, "")
            .autocomplete("current-password")
            .maxlength(128),
    ];
    let form = PageForm::new("/login", token, w.submit).section(None, fields);
    let page = FormPage {
        chrome: visit.chrome(),
        title: w.title,
        notices: notice.into_iter().collect(),
        intro: Vec::new(),
        form: Some(form),
        links: vec![("/forgot-password", w.forgot), ("/register", w.register)],
    };
    with_cookies(render(status, visit.locale, &page), cookie)
}

/// GET /login
pub async fn login_page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let visit = or_answer!(Visit::start(&req, &state).await);
    if visit.user.is_some() {
        return see_other("/account");
    }
    login_form(&visit, StatusCode::OK, "", None)
}

/// POST /login — checks the password (the service counts failures), then starts a browser
/// session and switches the pages to the account's language.
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let visit = or_answer!(Visit::start(&req, &state).await);
    let input = form.into_inner();
    if !visit.csrf_ok(&input.csrf_token) {
        return visit.csrf_refused("/login");
    }
    let user = match accounts::check_credentials(
        &state,
        &input.email,
        input.password,
        &origin(&req, &state),
    )
    .await
    {
        Ok((user, txn)) => match txn.commit().await {
            Ok(()) => user,
            Err(err) => {
                return visit.error(&ApiError::from(peitao_persistence::StoreError::from(err)));
            }
        },
        Err(ApiError::Unauthorized) => {
            let wrong = Notice::new("error", LoginWords::for_locale(visit.locale).wrong);
            return login_form(&visit, StatusCode::UNAUTHORIZED, &input.email, Some(wrong));
        }
        Err(ApiError::RateLimited { retry_after_secs }) => {
            let mut res = login_form(
                &visit,
                StatusCode::TOO_MANY_REQUESTS,
                &input.email,
                Some(Notice::new("error", visit.wait(retry_after_secs))),
            );
            super::retry_after(&mut res, retry_after_secs);
            return res;
        }
        Err(err) => return visit.error(&err),
    };
    // A new session id on every login, so one planted before it is worth nothing.
    if let Err(err) = session::end(&state, &req).await {
        return visit.error(&err);
    }
    match session::start(&state, user.id).await {
        Ok(cookie) => with_cookies(
            see_other("/account"),
            [cookie].into_iter().chain(visit.lang_cookie(&user.locale)),
        ),
        Err(err) => visit.error(&err),
    }
}

/// POST /logout — ends the session and forgets its cookie.
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<TokenOnly>,
) -> HttpResponse {
    let visit = or_answer!(Visit::start(&req, &state).await);
    if visit.user.is_none() {
        return with_cookies(
            see_other("/"),
            [session::removal(&state, session::SESSION_COOKIE)],
        );
    }
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.csrf_refused("/account");
    }
    match session::end(&state, &req).await {
        Ok(()) => with_cookies(
            see_other("/"),
            [session::removal(&state, session::SESSION_COOKIE)],
        ),
        Err(err) => visit.error(&err),
    }
}

/// What the forgotten-password form posts.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ForgotForm {
    csrf_token: String,
    email: String,
}

fn forgot_form(
    visit: &Visit<'_>,
    status: StatusCode,
    email: &str,
    notice: Option<Notice>,
) -> HttpResponse {
    let w = ForgotWords::for_locale(visit.locale);
    let (token, cookie) = visit.form_token();
    let fields = vec![
        Field::input("email", "email", w.email, email)
            .autocomplete("email")
            .maxlength(254),
    ];
    let page = FormPage {
        chrome: visit.chrome(),
        title: w.title,
        notices: notice.into_iter().collect(),
        intro: vec![w.intro.to_owned()],
        form: Some(PageForm::new("/forgot-password", token, w.submit).section(None, fields)),
        links: vec![("/login", w.back_to_login)],
    };
    with_cookies(render(status, visit.locale, &page), cookie)
}

/// GET /forgot-password
pub async fn forgot_page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let visit = or_answer!(Visit::start(&req, &state).await);
    forgot_form(&visit, StatusCode::OK, "", None)
}

/// POST /forgot-password — mails a link if the account exists; answers the same either way.
pub async fn forgot(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ForgotForm>,
) -> HttpResponse {
    let visit = or_answer!(Visit::start(&req, &state).await);
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.csrf_refused("/forgot-password");
    }
    match accounts::request_password_reset(&state, &form.email, &origin(&req, &state)).await {
        Ok(()) => see_other("/forgot-password/sent"),
        Err(ApiError::RateLimited { retry_after_secs }) => forgot_form(
            &visit,
            StatusCode::TOO_MANY_REQUESTS,
            &form.email,
            Some(Notice::new("error", visit.wait(retry_after_secs))),
        ),
        Err(err) => visit.error(&err),
    }
}

/// GET /forgot-password/sent
pub async fn forgot_sent(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let visit = or_answer!(Visit::start(&req, &state).await);
    let w = ForgotWords::for_locale(visit.locale);
    visit.message(
        StatusCode::OK,
        w.sent_title,
        vec![w.sent_body.to_owned()],
        vec![("/login", w.back_to_login)],
    )
}
