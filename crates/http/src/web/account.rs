//! Pages the account mails link to: verify an email, choose a new password, unsubscribe.
//! They work without logging in; the token in the link is the authority, so no CSRF cookie is needed.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use peitao_domain::Locale;
use serde::Deserialize;

use super::layout::{Chrome, html};
use crate::AppState;
use crate::api::accounts::origin;
use crate::error::ApiError;
use crate::locale::request_locale;
use crate::service::accounts;

/// A password field with its hint and, after a refused attempt, why.
pub struct PasswordField {
    pub label: &'static str,
    pub hint: &'static str,
    pub error: Option<String>,
}

/// A form of one button (and maybe a password field).
pub struct Form {
    pub action: String,
    pub hidden: Vec<(&'static str, String)>,
    pub password: Option<PasswordField>,
    pub button: &'static str,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    chrome: Chrome,
    heading: &'static str,
    paragraphs: Vec<String>,
    form: Option<Form>,
    link: Option<(&'static str, &'static str)>,
}

fn page(
    status: StatusCode,
    locale: Locale,
    chrome: Chrome,
    heading: &'static str,
    paragraphs: Vec<String>,
    form: Option<Form>,
) -> HttpResponse {
    let link = Some(("/", locale.pick("返回首页", "Back to the home page")));
    html(
        status,
        locale,
        &MessagePage {
            chrome,
            heading,
            paragraphs,
            form,
            link,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// GET /verify-email?token= — the link in the verification mail.
pub async fn verify_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> HttpResponse {
    let locale = request_locale(&req);
    let chrome = Chrome::new(locale, "/");
    match accounts::verify_email(&state, &query.token, &origin(&req, &state)).await {
        Ok(()) => page(StatusCode::OK, locale, chrome, locale.pick("邮箱已验证", "Email verified"),
            vec![locale.pick("谢谢!您的邮箱已验证,现在可以发布供货能力或采购需求了。", "Thank you: your email is verified, and you can now post capabilities or needs.").to_owned()], None),
        Err(ApiError::Unavailable) => unavailable(locale, chrome),
        Err(_) => page(StatusCode::BAD_REQUEST, locale, chrome, locale.pick("链接无效或已过期", "This link is invalid or has expired"),
            vec![locale.pick("验证链接只能使用一次,有效期 24 小时。请登录后重新发送验证邮件。", "Verification links work once, for 24 hours. Log in and ask for a new verification mail.").to_owned()], None),
    }
}

fn unavailable(locale: Locale, chrome: Chrome) -> HttpResponse {
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        locale,
        chrome,
        locale.pick("服务暂时不可用", "Service unavailable"),
        vec![
            locale
                .pick("请稍后再试。", "Please try again shortly.")
                .to_owned(),
        ],
        None,
    )
}

fn reset_form(locale: Locale, token: &str, error: Option<String>) -> Form {
    Form {
        action: "/reset-password".to_owned(),
        hidden: vec![("token", token.to_owned())],
        password: Some(PasswordField {
            label: locale.pick("新密码", "New password"),
            hint: locale.pick("至少 10 个字符,不要使用常见密码,也不要包含邮箱 @ 前的部分。", "At least 10 characters; not a common password, and not the part of your email before the @."),
            error,
        }),
        button: locale.pick("设置新密码", "Set the new password"),
    }
}

/// GET /reset-password?token= — the form behind the link in the reset mail.
pub async fn reset_form_page(req: HttpRequest, query: web::Query<TokenQuery>) -> HttpResponse {
    let locale = request_locale(&req);
    let chrome = Chrome::for_request(locale, &req);
    page(StatusCode::OK, locale, chrome, locale.pick("设置新密码", "Choose a new password"),
        vec![locale.pick("请为您的账号设置一个新密码。设置后,所有已登录的设备都需要重新登录。", "Choose a new password for your account. Every device you are logged in on will need to log in again.").to_owned()],
        Some(reset_form(locale, &query.token, None)))
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
}

/// POST /reset-password — sets the password, or shows the form again with the reason.
pub async fn reset_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ResetForm>,
) -> HttpResponse {
    let locale = request_locale(&req);
    let chrome = Chrome::new(locale, "/");
    let form = form.into_inner();
    match accounts::confirm_password_reset(
        &state,
        &form.token,
        form.new_password,
        &origin(&req, &state),
    )
    .await
    {
        Ok(()) => page(
            StatusCode::OK,
            locale,
            chrome,
            locale.pick("密码已更新", "Password changed"),
            vec![
                locale
                    .pick(
                        "新密码已生效,请用它重新登录。",
                        "Your new password is in place; log in with it.",
                    )
                    .to_owned(),
            ],
            None,
        ),
        Err(ApiError::Validation(errors)) if errors.iter().any(|e| e.field == "new_password") => {
            let message = errors
                .iter()
                .find(|e| e.field == "new_password")
                .map(|e| e.message.get(locale).to_owned());
            page(
                StatusCode::UNPROCESSABLE_ENTITY,
                locale,
                chrome,
                locale.pick("设置新密码", "Choose a new password"),
                Vec::new(),
                Some(reset_form(locale, &form.token, message)),
            )
        }
        Err(ApiError::Unavailable) => unavailable(locale, chrome),
        Err(_) => page(
            StatusCode::BAD_REQUEST,
            locale,
            chrome,
            locale.pick("链接无效或已过期", "This link is invalid or has expired"),
            vec![
                locale
                    .pick(
                        "重置链接只能使用一次,有效期 1 小时。请重新申请重置密码。",
                        "Reset links work once, for one hour. Ask for a new one.",
                    )
                    .to_owned(),
            ],
            None,
        ),
    }
}

/// GET /unsubscribe?token= — asks to confirm, so a mail scanner that follows links unsubscribes
/// nobody; in the account's language, since the link came from its mail.
pub async fn unsubscribe_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> HttpResponse {
    let request_locale = request_locale(&req);
    let user = match accounts::unsubscribe_target(&state, &query.token).await {
        Ok(user) => user,
        Err(ApiError::Unavailable) => {
            return unavailable(request_locale, Chrome::new(request_locale, "/"));
        }
        Err(_) => return invalid_unsubscribe(request_locale),
    };
    // An explicit ?lang= (the page's own switch) wins over the account's language.
    let locale = if req.query_string().contains("lang=") {
        request_locale
    } else {
        Locale::from_tag(&user.locale).unwrap_or(request_locale)
    };
    let chrome = Chrome::for_request(locale, &req);
    page(StatusCode::OK, locale, chrome, locale.pick("退订通知邮件", "Unsubscribe from notification mail"),
        vec![locale.pick("确认后,您将不再收到匹配、意向等通知邮件;站内通知照常保留,验证和重置密码等安全邮件仍会发送。", "Once you confirm, you will no longer get notification mail about matches and intentions; in-app notifications stay, and security mail (verification, password reset) still comes.").to_owned()],
        Some(Form { action: format!("/unsubscribe?token={}", query.token), hidden: Vec::new(), password: None, button: locale.pick("确认退订", "Unsubscribe") }))
}

/// POST /unsubscribe?token= — the one-click unsubscribe (RFC 8058) and the confirm button.
/// Answers in the account's own language: a mail client posting it sends no preference.
pub async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> HttpResponse {
    let request_locale = request_locale(&req);
    match accounts::unsubscribe(&state, &query.token, &origin(&req, &state)).await {
        Ok(user) => {
            let locale = Locale::from_tag(&user.locale).unwrap_or(request_locale);
            page(StatusCode::OK, locale, Chrome::new(locale, "/"), locale.pick("已退订", "You are unsubscribed"),
                vec![locale.pick("您将不再收到通知邮件。想恢复时,可在“我的账号”中重新开启。", "You will no longer get notification mail. To have it again, turn it back on under “My account”.").to_owned()], None)
        }
        Err(ApiError::Unavailable) => unavailable(request_locale, Chrome::new(request_locale, "/")),
        Err(_) => invalid_unsubscribe(request_locale),
    }
}

fn invalid_unsubscribe(locale: Locale) -> HttpResponse {
    page(
        StatusCode::BAD_REQUEST,
        locale,
        Chrome::new(locale, "/"),
        locale.pick("链接无效或已过期", "This link is invalid or has expired"),
        vec![
            locale
                .pick(
                    "请登录后在“我的账号”中修改邮件设置。",
                    "Log in and change your mail settings under “My account”.",
                )
                .to_owned(),
        ],
        None,
    )
}
