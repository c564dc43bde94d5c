//! The server-rendered site: layout, home page, language switch, 404 page and embedded assets.
//! Pages speak zh-CN first and en second; all their words live in `text`.

mod account;
mod assets;
mod home;
mod lang;
mod layout;
mod pages;
pub mod session;
pub mod text;

#[cfg(test)]
mod tests;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use peitao_domain::Locale;

use crate::locale::request_locale;
use layout::{Chrome, html};
use text::NotFoundText;

/// Registers the site's routes: `/`, `/static/{name}` and `/lang/{tag}`. Pages and assets answer
/// HEAD too (actix sends the headers without the body), as link checkers and proxies expect.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/")
            .route(web::get().to(home::home))
            .route(web::head().to(home::home)),
    )
    .service(
        web::resource("/static/{name}")
            .route(web::get().to(assets::asset))
            .route(web::head().to(assets::asset)),
    )
    .route("/lang/{tag}", web::get().to(lang::switch))
    .route("/verify-email", web::get().to(account::verify_email))
    .service(
        web::resource("/reset-password")
            .route(web::get().to(account::reset_form_page))
            .route(web::post().to(account::reset_submit)),
    )
    .service(
        web::resource("/unsubscribe")
            .route(web::get().to(account::unsubscribe_page))
            .route(web::post().to(account::unsubscribe)),
    );
    pages::configure(cfg);
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage {
    chrome: Chrome,
    t: &'static NotFoundText,
}

/// The HTML 404 page in `locale`; its language switch leads home.
#[must_use]
pub fn not_found_page(locale: Locale) -> HttpResponse {
    not_found_page_at(locale, Chrome::new(locale, "/"))
}

/// A default service for unknown non-API paths: the 404 page in the request's language, whose
/// switch returns to the same path (and so shows the 404 again, in the other language).
pub async fn not_found_handler(req: HttpRequest) -> HttpResponse {
    not_found(&req)
}

fn not_found(req: &HttpRequest) -> HttpResponse {
    let locale = request_locale(req);
    not_found_page_at(locale, Chrome::for_request(locale, req))
}

fn not_found_page_at(locale: Locale, chrome: Chrome) -> HttpResponse {
    let page = NotFoundPage {
        chrome,
        t: NotFoundText::for_locale(locale),
    };
    html(StatusCode::NOT_FOUND, locale, &page)
}
