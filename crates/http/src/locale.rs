//! Which language a request is answered in: an explicit `?lang=`, then the `peitao_lang`
//! cookie set by the page switch, then `Accept-Language`, then Chinese.

use actix_web::HttpRequest;
use peitao_domain::Locale;

/// The cookie the language switch sets, so a choice survives navigation.
pub const LANG_COOKIE: &str = "peitao_lang";
/// Its name over https, where it is Secure and host-only like every cookie of ours.
pub const SECURE_LANG_COOKIE: &str = "__Host-peitao_lang";

/// The language cookie's name for a platform reached at `public_url`.
#[must_use]
pub fn lang_cookie_name(public_url: &str) -> &'static str {
    if public_url.starts_with("https://") {
        SECURE_LANG_COOKIE
    } else {
        LANG_COOKIE
    }
}

/// The locale to answer `req` in.
#[must_use]
pub fn request_locale(req: &HttpRequest) -> Locale {
    let from_query = req.query_string().split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == "lang").then(|| Locale::from_tag(v)).flatten()
    });
    from_query
        .or_else(|| {
            req.cookie(SECURE_LANG_COOKIE)
                .or_else(|| req.cookie(LANG_COOKIE))
                .and_then(|c| Locale::from_tag(c.value()))
        })
        .unwrap_or_else(|| {
            req.headers()
                .get(actix_web::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Locale::negotiate)
                .unwrap_or_default()
        })
}
