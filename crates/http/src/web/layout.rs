//! What every page's layout needs (language, the language switch's return path, the chrome's words)
//! and the one way a page template becomes an HTML response.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LANGUAGE, VARY};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use peitao_domain::Locale;

use super::text::{LayoutText, ServerErrorText};

/// The part of a page's context that `base.html` reads.
#[derive(Debug)]
pub struct Chrome {
    /// The `lang` attribute of `<html>`: "zh-CN" or "en".
    pub lang: &'static str,
    /// Whether the page is in Chinese, for the switch's `aria-current`.
    pub zh: bool,
    /// Where the language switch returns to: this page's path and query, unencoded
    /// (the template percent-encodes it).
    pub next: String,
    pub t: &'static LayoutText,
    /// The header's link to log in or to one's account; pages that know the session set it.
    pub session_link: Option<SessionLink>,
    /// The site navigation: the directory for everyone, then the visitor's own lists.
    pub nav: Vec<(&'static str, &'static str)>,
}

/// "Log in" or "my account" in the header, in the page's language.
#[derive(Debug)]
pub struct SessionLink {
    pub href: &'static str,
    pub label: &'static str,
    /// The accessible name of the small navigation around it.
    pub nav_label: &'static str,
    /// For a logged-in visitor: the log-out button's label and the session's CSRF token, so
    /// every page offers the way out.
    pub log_out: Option<(&'static str, String)>,
}

impl Chrome {
    /// The chrome of a page at `next` (a local path) shown in `locale`.
    #[must_use]
    pub fn new(locale: Locale, next: impl Into<String>) -> Chrome {
        Chrome {
            lang: locale.tag(),
            zh: locale == Locale::ZhCn,
            next: next.into(),
            t: LayoutText::for_locale(locale),
            session_link: None,
            nav: vec![("/directory", LayoutText::for_locale(locale).directory)],
        }
    }

    /// The same chrome with a "log in" or "my account" link in the header.
    #[must_use]
    pub fn with_session_link(mut self, link: SessionLink) -> Chrome {
        self.session_link = Some(link);
        self
    }

    /// The same chrome with one more link in the site navigation.
    #[must_use]
    pub fn with_nav(mut self, href: &'static str, label: &'static str) -> Chrome {
        self.nav.push((href, label));
        self
    }

    /// The chrome of the page answering `req`; the switch returns to the same path and query,
    /// minus any `lang=` parameter, which would otherwise overrule the language just chosen.
    #[must_use]
    pub fn for_request(locale: Locale, req: &HttpRequest) -> Chrome {
        let query: Vec<&str> = req
            .query_string()
            .split('&')
            .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some("lang"))
            .collect();
        let next = if query.is_empty() {
            req.path().to_owned()
        } else {
            format!("{}?{}", req.path(), query.join("&"))
        };
        Chrome::new(locale, next)
    }
}

/// Renders `page` as an HTML response with `status`. The page depends on the language
/// negotiation, so caches are told so; a failed render is logged and answered with a plain 500.
pub fn html(status: StatusCode, locale: Locale, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((CONTENT_LANGUAGE, locale.tag()))
            .insert_header((VARY, "Accept-Language, Cookie"))
            .body(body),
        Err(error) => {
            tracing::error!(%error, "rendering a page failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body(ServerErrorText::for_locale(locale).body)
        }
    }
}
