//! The language switch in the header: plain links, no script. Following one stores the choice
//! in the `peitao_lang` cookie and returns to the page it came from, never to another site.

use actix_web::http::header::{LOCATION, SET_COOKIE};
use actix_web::{HttpRequest, HttpResponse, web};
use peitao_domain::Locale;
use serde::Deserialize;

use super::not_found;
use crate::AppState;
use crate::locale::lang_cookie_name;

/// A year, in seconds: the choice should outlive any session.
const COOKIE_MAX_AGE: u32 = 365 * 24 * 60 * 60;

#[derive(Debug, Deserialize)]
pub struct SwitchQuery {
    next: Option<String>,
}

/// GET /lang/{tag}?next=/path
pub async fn switch(
    req: HttpRequest,
    tag: web::Path<String>,
    query: web::Query<SwitchQuery>,
) -> HttpResponse {
    let Ok(locale) = tag.parse::<Locale>() else {
        return not_found(&req);
    };
    let target = query
        .next
        .as_deref()
        .filter(|n| is_local_path(n))
        .map_or_else(|| "/".to_owned(), percent_encode_non_ascii);
    HttpResponse::SeeOther()
        .insert_header((LOCATION, target))
        .insert_header((SET_COOKIE, lang_cookie(&public_url(&req), locale)))
        .finish()
}

/// How the platform is reached (plain http when the page runs without the app's state).
fn public_url(req: &HttpRequest) -> String {
    req.app_data::<web::Data<AppState>>()
        .map(|s| s.config.public_url.clone())
        .unwrap_or_default()
}

/// The `Set-Cookie` value for `locale`. Written by hand: the tag is one of two fixed tokens,
/// and script on our own pages has no reason to be kept from reading it, so no HttpOnly. Over
/// https it is Secure and `__Host-` prefixed, as our other cookies are.
fn lang_cookie(public_url: &str, locale: Locale) -> String {
    let name = lang_cookie_name(public_url);
    let secure = if public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{name}={}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax{secure}",
        locale.tag()
    )
}

/// Whether `next` stays on this site: a path starting with exactly one `/`. `//host` and any
/// backslash (which browsers read as `/`) would leave it; control characters could split headers.
fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
}

/// A header value must be ASCII; a hand-typed `next=/需求` is sent on as `/%E9%9C%80...`.
fn percent_encode_non_ascii(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_local() {
        for ok in ["/", "/needs?page=2", "/a/b#c", "/%2F%2Fevil"] {
            assert!(is_local_path(ok), "{ok}");
        }
        for bad in [
            "",
            "needs",
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/a\r\nSet-Cookie: x=1",
            "javascript:alert(1)",
        ] {
            assert!(!is_local_path(bad), "{bad}");
        }
    }

    #[test]
    fn non_ascii_paths_become_header_safe() {
        assert_eq!(percent_encode_non_ascii("/需?q=a"), "/%E9%9C%80?q=a");
    }

    #[test]
    fn cookie_lasts_a_year_on_the_whole_site() {
        assert_eq!(
            lang_cookie("http://127.0.0.1:8080", Locale::En),
            "peitao_lang=en; Path=/; Max-Age=31536000; SameSite=Lax"
        );
    }

    #[test]
    fn over_https_the_cookie_is_secure_and_host_prefixed() {
        assert_eq!(
            lang_cookie("https://peitao.example.cn", Locale::ZhCn),
            "__Host-peitao_lang=zh-CN; Path=/; Max-Age=31536000; SameSite=Lax; Secure"
        );
    }
}
