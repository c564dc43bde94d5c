//! The stylesheet, icon and the region picker's script, compiled into the binary so the site needs no CDN or file system,
//! served with a content hash as ETag so browsers revalidate cheaply.

use std::sync::LazyLock;

use actix_web::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use actix_web::{HttpRequest, HttpResponse, web};

use super::not_found;

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    /// Quoted strong validator, e.g. `"3f2a..."`, computed once from `body`.
    etag: String,
}

impl Asset {
    fn new(name: &'static str, content_type: &'static str, body: &'static [u8]) -> Asset {
        Asset {
            name,
            content_type,
            body,
            etag: format!("\"{:016x}\"", fnv1a64(body)),
        }
    }

    /// Whether an `If-None-Match` header value names this version (or `*`).
    fn matches(&self, if_none_match: &str) -> bool {
        if_none_match
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == self.etag)
    }
}

const CACHE: &str = "public, max-age=3600";

static ASSETS: LazyLock<[Asset; 3]> = LazyLock::new(|| {
    [
        Asset::new(
            "app.css",
            "text/css; charset=utf-8",
            include_bytes!("../../static/app.css"),
        ),
        Asset::new(
            "favicon.svg",
            "image/svg+xml",
            include_bytes!("../../static/favicon.svg"),
        ),
        Asset::new(
            "regions.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../../static/regions.js"),
        ),
    ]
});

/// FNV-1a, 64 bits: enough to tell versions of a file apart, and needs no extra crate.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// GET /static/{name}
pub async fn asset(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name.as_str()) else {
        return not_found(&req);
    };
    let revalidated = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| asset.matches(v));
    let mut response = if revalidated {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((ETAG, asset.etag.as_str()))
        .insert_header((CACHE_CONTROL, CACHE));
    if revalidated {
        response.finish()
    } else {
        response.content_type(asset.content_type).body(asset.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_differ_between_files_and_match_their_own_tag() {
        let [css, svg, _] = &*ASSETS;
        assert_ne!(css.etag, svg.etag);
        assert!(css.matches(&css.etag));
        assert!(css.matches(&format!("\"other\", W/{}", css.etag)));
        assert!(css.matches("*"));
        assert!(!css.matches(&svg.etag));
    }
}
