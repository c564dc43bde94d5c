//! The site through actix's test service: languages, the switch, assets, the 404 page, escaping.

use actix_web::body::to_bytes;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName};
use actix_web::test::{TestRequest, call_service, init_service};
use actix_web::{App, web};
use askama::Template;
use peitao_domain::Locale;

use super::text::HomeText;
use super::{Chrome, configure, not_found_handler, not_found_page};

async fn get(req: TestRequest) -> ServiceResponse {
    let app = init_service(
        App::new()
            .configure(configure)
            .default_service(web::to(not_found_handler)),
    )
    .await;
    call_service(&app, req.to_request()).await
}

fn header(res: &ServiceResponse, name: HeaderName) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn body(res: ServiceResponse) -> String {
    let bytes = to_bytes(res.into_body()).await.expect("body");
    String::from_utf8(bytes.to_vec()).expect("utf-8 body")
}

fn assert_html(res: &ServiceResponse) {
    assert_eq!(
        header(res, header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
}

/// Han characters, which an English page should only show in the product's name and "中文".
fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[actix_web::test]
async fn home_is_chinese_by_default() {
    let res = get(TestRequest::get().uri("/")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_html(&res);
    assert_eq!(header(&res, header::CONTENT_LANGUAGE), "zh-CN");
    let html = body(res).await;
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    assert!(html.contains("<h1 id=\"hero-heading\">配套 · 汽车零部件供需对接平台</h1>"));
    for word in [
        "零部件企业",
        "整车企业",
        "行业协会",
        "本地配套率",
        "成渝地区双城经济圈",
        "中国车谷",
        "武襄十随",
    ] {
        assert!(html.contains(word), "{word}");
    }
    assert!(html.contains(
        r#"<a hreflang="zh-CN" href="/lang/zh-CN?next=/" lang="zh-CN" aria-current="true">中文</a>"#
    ));
    assert!(html.contains(r#"<a hreflang="en" href="/lang/en?next=/" lang="en">English</a>"#));
}

#[actix_web::test]
async fn home_is_english_for_an_english_browser() {
    let res = get(TestRequest::get()
        .uri("/")
        .insert_header((header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")))
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = body(res).await;
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("Peitao — pairing auto-parts suppliers with automakers"));
    assert!(html.contains(r#"href="/lang/en?next=/" lang="en" aria-current="true">English</a>"#));
}

#[actix_web::test]
async fn home_follows_the_language_cookie_over_the_browser() {
    let res = get(TestRequest::get()
        .uri("/")
        .insert_header((header::ACCEPT_LANGUAGE, "zh-CN"))
        .insert_header((header::COOKIE, "peitao_lang=en")))
    .await;
    assert!(body(res).await.contains(r#"<html lang="en">"#));
}

#[actix_web::test]
async fn english_pages_say_everything_in_english() {
    for uri in ["/?lang=en", "/nowhere?lang=en"] {
        let html = body(get(TestRequest::get().uri(uri)).await).await;
        let rest = html.replace("配套", "").replace("中文", "");
        assert!(
            !has_han(&rest),
            "{uri} has Chinese outside the product name and the switch"
        );
    }
}

#[actix_web::test]
async fn pages_carry_no_inline_style_or_script_and_no_external_url() {
    for uri in ["/", "/?lang=en", "/nowhere"] {
        let html = body(get(TestRequest::get().uri(uri)).await).await;
        assert!(!html.contains("style="), "{uri}");
        assert!(!html.contains("<script"), "{uri}");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{uri}"
        );
        assert!(html.contains(r#"<link rel="stylesheet" href="/static/app.css">"#));
        assert!(
            html.contains(
                r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#
            )
        );
    }
}

#[actix_web::test]
async fn the_switch_sets_the_cookie_and_returns_to_the_page() {
    let res = get(TestRequest::get().uri("/lang/en?next=%2Fneeds%3Fpage%3D2")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(header(&res, header::LOCATION), "/needs?page=2");
    let cookie = header(&res, header::SET_COOKIE);
    assert!(cookie.starts_with("peitao_lang=en;"), "{cookie}");
    for part in ["Path=/", "SameSite=Lax", "Max-Age=31536000"] {
        assert!(cookie.contains(part), "{cookie}");
    }

    let res = get(TestRequest::get().uri("/lang/zh-CN?next=/")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(header(&res, header::SET_COOKIE).starts_with("peitao_lang=zh-CN;"));
}

#[actix_web::test]
async fn the_switch_never_leaves_the_site() {
    for next in [
        "%2F%2Fevil.example",
        "//evil.example",
        "https://evil.example",
        "https%3A%2F%2Fevil.example",
        "%2F%5Cevil.example",
        "%2Fa%0D%0ASet-Cookie:%20x=1",
        "",
    ] {
        let res = get(TestRequest::get().uri(&format!("/lang/en?next={next}"))).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(header(&res, header::LOCATION), "/", "{next}");
    }
    let res = get(TestRequest::get().uri("/lang/en")).await;
    assert_eq!(header(&res, header::LOCATION), "/");
}

#[actix_web::test]
async fn the_switch_knows_only_two_languages() {
    for tag in ["fr", "EN", "zh", "zh-TW"] {
        let res = get(TestRequest::get().uri(&format!("/lang/{tag}?next=/"))).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{tag}");
        assert!(header(&res, header::SET_COOKIE).is_empty());
    }
}

#[actix_web::test]
async fn the_switch_link_drops_a_lang_parameter_that_would_overrule_it() {
    let html = body(get(TestRequest::get().uri("/?lang=en&x=1")).await).await;
    assert!(
        html.contains(r#"href="/lang/zh-CN?next=/%3Fx%3D1""#),
        "{html}"
    );
}

#[actix_web::test]
async fn stylesheet_is_cached_and_revalidated_by_etag() {
    let res = get(TestRequest::get().uri("/static/app.css")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        header(&res, header::CONTENT_TYPE),
        "text/css; charset=utf-8"
    );
    assert_eq!(header(&res, header::CACHE_CONTROL), "public, max-age=3600");
    let etag = header(&res, header::ETAG);
    assert!(
        etag.len() > 2 && etag.starts_with('"') && etag.ends_with('"'),
        "{etag}"
    );
    let css = body(res).await;
    assert!(css.contains("\"PingFang SC\""));
    for banned in ["url(", "@import", "@font-face", "http://", "https://"] {
        assert!(!css.contains(banned), "{banned}");
    }

    let res = get(TestRequest::get()
        .uri("/static/app.css")
        .insert_header((header::IF_NONE_MATCH, etag.as_str())))
    .await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&res, header::ETAG), etag);
    assert!(body(res).await.is_empty());

    let res = get(TestRequest::get()
        .uri("/static/app.css")
        .insert_header((header::IF_NONE_MATCH, "\"stale\"")))
    .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn head_answers_headers_without_a_body() {
    let res = get(TestRequest::default()
        .method(actix_web::http::Method::HEAD)
        .uri("/static/app.css"))
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!header(&res, header::ETAG).is_empty());
    let res = get(TestRequest::default()
        .method(actix_web::http::Method::HEAD)
        .uri("/"))
    .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn favicon_is_svg() {
    let res = get(TestRequest::get().uri("/static/favicon.svg")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, header::CONTENT_TYPE), "image/svg+xml");
    assert!(body(res).await.starts_with("<svg"));
}

#[actix_web::test]
async fn unknown_assets_are_not_found() {
    for uri in ["/static/app.js", "/static/..%2FCargo.toml", "/static/"] {
        let res = get(TestRequest::get().uri(uri)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
    }
}

#[actix_web::test]
async fn not_found_page_is_a_404_in_the_layout() {
    for (locale, lang, heading) in [
        (Locale::ZhCn, "zh-CN", "找不到这个页面"),
        (Locale::En, "en", "We could not find that page"),
    ] {
        let res =
            ServiceResponse::new(TestRequest::get().to_http_request(), not_found_page(locale));
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_html(&res);
        let html = body(res).await;
        assert!(html.contains(&format!(r#"<html lang="{lang}">"#)));
        assert!(html.contains(heading));
        assert!(html.contains(r#"<nav class="lang""#));
    }

    let res = get(TestRequest::get()
        .uri("/no/such/page")
        .insert_header((header::ACCEPT_LANGUAGE, "en")))
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_html(&res);
    let html = body(res).await;
    assert!(html.contains("We could not find that page"));
    assert!(html.contains(r#"href="/lang/zh-CN?next=/no/such/page""#));
}

#[test]
fn hostile_return_paths_are_escaped() {
    #[derive(Template)]
    #[template(path = "home.html")]
    struct Page {
        chrome: Chrome,
        t: &'static HomeText,
    }
    let page = Page {
        chrome: Chrome::new(Locale::En, "/\"><script>alert(1)</script>&x='"),
        t: HomeText::for_locale(Locale::En),
    };
    let html = page.render().expect("renders");
    assert!(!html.contains("<script"));
    assert!(!html.contains("\"><"));
    assert!(
        html.contains("next=/%22%3E%3Cscript%3Ealert%281%29%3C/script%3E%26x%3D%27"),
        "{html}"
    );
}

#[actix_web::test]
async fn hostile_paths_in_a_request_are_escaped() {
    let res = get(TestRequest::get().uri("/x%22%3E%3Cscript%3E?q=%3Cb%3E")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let html = body(res).await;
    assert!(!html.contains("<script") && !html.contains("<b>"));
}

#[actix_web::test]
async fn the_region_picker_script_is_served_from_the_binary() {
    let res = get(TestRequest::get().uri("/static/regions.js")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        header(&res, header::CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
    let js = body(res).await;
    assert!(js.contains("/api/v1/regions?parent="));
    assert!(
        !js.contains("innerHTML") && !js.contains("://"),
        "names are added as text, and nothing is fetched from elsewhere"
    );
}

#[actix_web::test]
async fn every_page_leads_to_the_directory() {
    for lang in ["zh-CN", "en"] {
        let res = get(TestRequest::get()
            .uri("/")
            .insert_header((header::ACCEPT_LANGUAGE, lang)))
        .await;
        let html = body(res).await;
        assert!(
            html.matches(r#"href="/directory""#).count() >= 2,
            "the navigation and the home page's button: {html}"
        );
    }
}
