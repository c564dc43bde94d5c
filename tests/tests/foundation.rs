//! The foundation, through the real server: reference data as api.md promises it, operational
//! endpoints, and problem+json for everything that goes wrong, in both languages.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peitao_tests::TestApp;
use serde_json::Value;

fn array(v: &Value) -> &Vec<Value> {
    v.as_array().expect("a JSON array")
}

#[tokio::test]
async fn categories_are_the_whole_tree_in_the_contract_shape() {
    let app = TestApp::spawn().await;
    let body = app.get_json("/api/v1/categories", 200).await;
    let items = array(&body);
    assert_eq!(items.len(), 65);
    let first = &items[0];
    assert_eq!(first["code"], "EDRIVE");
    assert_eq!(first["parent"], Value::Null);
    assert_eq!(first["name_zh"], "三电系统");
    assert_eq!(first["name_en"], "Electric drive systems");
    // Every parent appears before its children, so a client can build the tree in one pass.
    let mut seen = std::collections::HashSet::new();
    for c in items {
        if let Some(p) = c["parent"].as_str() {
            assert!(seen.contains(p), "{} before its parent", c["code"]);
        }
        seen.insert(c["code"].as_str().unwrap().to_owned());
    }
}

#[tokio::test]
async fn regions_step_down_from_provinces_to_districts() {
    let app = TestApp::spawn().await;
    let provinces = app.get_json("/api/v1/regions", 200).await;
    assert_eq!(array(&provinces).len(), 31);
    assert!(
        array(&provinces)
            .iter()
            .all(|r| r["level"] == "province" && r["parent"].is_null())
    );

    let cities = app.get_json("/api/v1/regions?parent=510000", 200).await;
    let chengdu = array(&cities)
        .iter()
        .find(|r| r["code"] == "510100")
        .expect("成都市");
    assert_eq!(chengdu["name"], "成都市");
    assert_eq!(chengdu["level"], "city");
    assert!(chengdu["lat"].as_f64().unwrap() > 30.0 && chengdu["lon"].as_f64().unwrap() > 103.0);

    let districts = app.get_json("/api/v1/regions?parent=500100", 200).await;
    let yubei = array(&districts)
        .iter()
        .find(|r| r["code"] == "500112")
        .expect("渝北区");
    assert_eq!(yubei["level"], "district");
    assert_eq!(yubei["parent"], "500100");
    // A district has no children: an empty list, not an error.
    assert_eq!(
        array(&app.get_json("/api/v1/regions?parent=500112", 200).await).len(),
        0
    );

    // All 3,348 divisions are there: walk the tree.
    let mut total = 0;
    for p in array(&provinces) {
        total += 1;
        let cities = app
            .get_json(
                &format!("/api/v1/regions?parent={}", p["code"].as_str().unwrap()),
                200,
            )
            .await;
        for c in array(&cities) {
            total += 1;
            let d = app
                .get_json(
                    &format!("/api/v1/regions?parent={}", c["code"].as_str().unwrap()),
                    200,
                )
                .await;
            total += array(&d).len();
        }
    }
    assert_eq!(total, 3348);
}

#[tokio::test]
async fn a_bad_region_parent_is_named_in_the_callers_language() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/regions?parent=51", None).await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let zh: Value = res.json().await.unwrap();
    assert_eq!(zh["status"], 422);
    assert_eq!(zh["errors"][0]["field"], "parent");
    assert_eq!(zh["errors"][0]["code"], "region_code.format");
    assert!(
        zh["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("行政区划代码"),
        "{zh}"
    );

    let en: Value = app
        .get("/api/v1/regions?parent=51", Some("en-US,en;q=0.9"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(en["title"], "Invalid fields");
    assert!(
        en["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("6 digits"),
        "{en}"
    );

    // Well-formed but unknown: 404.
    let res = app.get("/api/v1/regions?parent=119900", None).await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn zones_and_certifications_match_the_seeds() {
    let app = TestApp::spawn().await;
    let zones = app.get_json("/api/v1/zones", 200).await;
    let chengyu = array(&zones)
        .iter()
        .find(|z| z["code"] == "CHENGYU")
        .expect("CHENGYU");
    assert_eq!(chengyu["name_zh"], "成渝地区双城经济圈");
    let members: Vec<&str> = array(&chengyu["members"])
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        members.contains(&"500000") && members.contains(&"510100"),
        "{members:?}"
    );
    assert_eq!(array(&zones).len(), 5);

    let certs = app.get_json("/api/v1/certifications", 200).await;
    assert_eq!(array(&certs).len(), 12);
    let iatf = array(&certs)
        .iter()
        .find(|c| c["code"] == "IATF16949")
        .expect("IATF16949");
    assert_eq!(iatf["name_en"], "IATF 16949 automotive quality management");
}

#[tokio::test]
async fn unknown_paths_are_problems_for_clients_and_a_page_for_people() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/no-such-thing", None).await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(res.headers()["content-language"], "zh-CN");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["title"], "未找到");
    assert_eq!(body["type"], "/problems/not-found");

    let en: Value = app
        .get("/api/v1/no-such-thing", Some("en"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(en["title"], "Not found");

    let page = app
        .client
        .get(app.url("/no-such-page"))
        .header("Accept", "text/html")
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().await.unwrap().contains("<html lang=\"en\""));
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get_json("/healthz", 200).await["status"], "ok");
    assert_eq!(app.get_json("/readyz", 200).await["status"], "ready");
    app.get("/api/v1/zones", None).await;
    let res = app.get("/metrics", None).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    assert!(
        text.contains("http_requests_total{method=\"GET\",route=\"/api/v1/zones\",status=\"200\"}"),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
}

#[tokio::test]
async fn readiness_reports_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.db().close().await;
    let res = app.get("/readyz", Some("en")).await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["title"], "Service unavailable");
    // Liveness is not readiness: the process still answers.
    assert_eq!(app.get("/healthz", None).await.status(), 200);
}

/// ASVS 3.4.3, 3.4.4, 3.4.6: every kind of response — API JSON, problem+json errors, pages, the
/// 404 page, static assets, operational endpoints — carries the same headers.
#[tokio::test]
async fn every_response_carries_a_request_id_and_security_headers() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let html = "text/html";
    let cases: [(&str, Method, &str, &str, u16, &str); 9] = [
        (
            "API JSON",
            Method::GET,
            "/api/v1/zones",
            "*/*",
            200,
            "application/json",
        ),
        (
            "problem 401",
            Method::GET,
            "/api/v1/me",
            "*/*",
            401,
            "application/problem+json",
        ),
        (
            "problem 404",
            Method::GET,
            "/api/v1/no-such-thing",
            "*/*",
            404,
            "application/problem+json",
        ),
        (
            "problem 400",
            Method::POST,
            "/api/v1/auth/login",
            "*/*",
            400,
            "application/problem+json",
        ),
        ("page", Method::GET, "/", html, 200, "text/html"),
        ("form page", Method::GET, "/login", html, 200, "text/html"),
        (
            "404 page",
            Method::GET,
            "/no-such-page",
            html,
            404,
            "text/html",
        ),
        (
            "static asset",
            Method::GET,
            "/static/app.css",
            "text/css,*/*",
            200,
            "text/css",
        ),
        ("health", Method::GET, "/healthz", "*/*", 200, ""),
    ];
    for (what, method, path, accept, status, content_type) in cases {
        let mut req = app
            .client
            .request(method.clone(), app.url(path))
            .header("Accept", accept);
        if method == Method::POST {
            req = req
                .header("Content-Type", "application/json")
                .body("{not json");
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{what}");
        let headers = res.headers();
        let ct = headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        assert!(ct.starts_with(content_type), "{what}: {ct}");
        assert_eq!(
            headers["x-request-id"].to_str().unwrap().len(),
            36,
            "{what}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{what}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(
                csp.contains(directive),
                "{what}: {directive} missing from {csp}"
            );
        }
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap();
        assert!(
            !script_src.contains("unsafe-inline") && !script_src.contains("unsafe-eval"),
            "{what}: {script_src}"
        );
        assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
        // Plain http (as in development): no HSTS, which would be ignored or lock a host out.
        assert!(!headers.contains_key("strict-transport-security"), "{what}");
    }
}

/// CORS stays closed: no origin, however asked, is allowed to read our answers from a browser,
/// and a preflight grants no method, header or credentials.
#[tokio::test]
async fn cross_origin_requests_and_preflights_get_no_cors_permission() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let evil = "https://evil.example";
    let s = app
        .verified_user("cors@a.example.cn", "supplier", "91500112MA0000000R")
        .await;
    let cors_headers = [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-expose-headers",
    ];
    for (method, path) in [
        (Method::OPTIONS, "/api/v1/auth/login"),
        (Method::OPTIONS, "/api/v1/me"),
        (Method::OPTIONS, "/account"),
    ] {
        for request_method in ["POST", "GET", "DELETE"] {
            let res = app
                .client
                .request(method.clone(), app.url(path))
                .header("Origin", evil)
                .header("Access-Control-Request-Method", request_method)
                .header(
                    "Access-Control-Request-Headers",
                    "authorization, content-type",
                )
                .send()
                .await
                .unwrap();
            for h in cors_headers {
                assert!(
                    !res.headers().contains_key(h),
                    "preflight {request_method} {path}: {h} = {:?}",
                    res.headers().get(h)
                );
            }
            assert!(
                !res.status().is_success(),
                "preflight {request_method} {path}: {}",
                res.status()
            );
        }
    }
    // Simple and credentialed requests from another origin: answered, but no browser may read it.
    for (path, token) in [
        ("/api/v1/zones", None),
        ("/api/v1/me", Some(s.access_token.as_str())),
        ("/", None),
    ] {
        let mut req = app.client.get(app.url(path)).header("Origin", evil);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        for h in cors_headers {
            assert!(!res.headers().contains_key(h), "{path}: {h}");
        }
    }
    // Even the null origin and our own origin get no CORS grant: same-origin needs none.
    for origin in ["null", app.address.as_str()] {
        let res = app
            .client
            .get(app.url("/api/v1/zones"))
            .header("Origin", origin)
            .send()
            .await
            .unwrap();
        assert!(
            !res.headers().contains_key("access-control-allow-origin"),
            "{origin}"
        );
    }
}

/// ASVS 3.4.1, 3.3.1, 3.3.3: behind https the platform sends HSTS, and its session and CSRF
/// cookies are Secure, HttpOnly and `__Host-` prefixed (host-only, path /), and still work.
#[tokio::test]
async fn over_https_cookies_are_host_prefixed_and_hsts_is_sent() {
    let app =
        TestApp::spawn_with(|s| s.server.public_url = "https://peitao.example.cn".into()).await;
    app.verified_user("https@a.example.cn", "supplier", "91500112MA0000000R")
        .await;
    let res = app.get("/login", Some("zh-CN")).await;
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let set_cookie: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let csrf_cookie = set_cookie
        .iter()
        .find(|c| c.starts_with("__Host-peitao_csrf="))
        .unwrap_or_else(|| panic!("{set_cookie:?}"));
    for attribute in ["Secure", "HttpOnly", "Path=/", "SameSite=Lax"] {
        assert!(csrf_cookie.contains(attribute), "{csrf_cookie}");
    }
    assert!(!csrf_cookie.contains("Domain="), "{csrf_cookie}");
    let csrf = csrf_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    let login = app
        .client
        .post(app.url("/login"))
        .header("Cookie", format!("__Host-peitao_csrf={csrf}"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "https@a.example.cn"),
            ("password", peitao_tests::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let session = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-peitao_session="))
        .expect("a __Host- session cookie");
    for attribute in ["Secure", "HttpOnly", "Path=/", "SameSite=Lax"] {
        assert!(session.contains(attribute), "{session}");
    }
    assert!(!session.contains("Domain="), "{session}");
    let pair = session.split(';').next().unwrap().to_owned();
    let account = app
        .client
        .get(app.url("/account"))
        .header("Cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(
        account.status(),
        200,
        "the prefixed cookie opens the session"
    );
    // The unprefixed name is not ours over https: a cookie planted under it opens nothing.
    let value = pair.split_once('=').unwrap().1;
    let planted = app
        .client
        .get(app.url("/account"))
        .header("Cookie", format!("peitao_session={value}"))
        .send()
        .await
        .unwrap();
    assert_eq!(planted.status(), 303);

    // The language switch's cookie, too, and the pages follow it.
    let switch = app.get("/lang/en?next=/login", None).await;
    assert_eq!(switch.status(), 303);
    let lang = switch.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        lang.starts_with("__Host-peitao_lang=en;")
            && lang.contains("Secure")
            && lang.contains("Path=/"),
        "{lang}"
    );
    let english = app
        .client
        .get(app.url("/login"))
        .header("Cookie", "__Host-peitao_lang=en")
        .send()
        .await
        .unwrap();
    assert_eq!(english.headers()["content-language"], "en");
}

#[tokio::test]
async fn starting_again_on_the_same_database_changes_nothing() {
    let app = TestApp::spawn().await;
    let before = peitao_persistence::reference::read(app.db()).await.unwrap();
    let embedded = peitao_persistence::reference::embedded().unwrap();
    peitao_persistence::reference::load(app.db(), &embedded)
        .await
        .unwrap();
    app.db().migrate().await.unwrap();
    let after = peitao_persistence::reference::read(app.db()).await.unwrap();
    assert_eq!(before.categories, after.categories);
    assert_eq!(before.regions.len(), after.regions.len());
    assert_eq!(before.zones, after.zones);
    assert_eq!(after.regions.len(), 3348);
}

#[tokio::test]
async fn the_demo_world_loads_once_into_an_empty_database() {
    use peitao_persistence::seed::demo::{self, DemoOutcome};
    let app = TestApp::spawn().await;
    let world = demo::embedded().unwrap();
    let outcome = demo::load(app.db(), &world, "$argon2id$stand-in", chrono_now())
        .await
        .unwrap();
    let DemoOutcome::Loaded(summary) = outcome else {
        panic!("not loaded: {outcome:?}")
    };
    assert!(
        summary.organizations >= 20 && summary.capabilities >= 40 && summary.needs >= 10,
        "{summary:?}"
    );
    // The printed logins exist.
    for email in [
        &world.logins.supplier,
        &world.logins.oem,
        &world.logins.staff,
    ] {
        let email = peitao_domain::Email::parse(email).unwrap();
        assert!(
            peitao_persistence::users::role_of(app.db(), &email)
                .await
                .unwrap()
                .is_some(),
            "{email}"
        );
    }
    let again = demo::load(app.db(), &world, "$argon2id$stand-in", chrono_now())
        .await
        .unwrap();
    assert_eq!(again, DemoOutcome::SkippedNotEmpty);
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
