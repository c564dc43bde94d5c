//! The home page: what Peitao is, for whom, how pairing works and which clusters it serves.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::layout::{Chrome, html};
use super::text::HomeText;
use crate::locale::request_locale;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    t: &'static HomeText,
}

/// GET /
pub async fn home(req: HttpRequest) -> HttpResponse {
    let locale = request_locale(&req);
    let page = HomePage {
        chrome: Chrome::for_request(locale, &req),
        t: HomeText::for_locale(locale),
    };
    html(StatusCode::OK, locale, &page)
}
