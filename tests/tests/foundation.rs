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

#[tokio::test]
async fn every_response_carries_a_request_id_and_security_headers() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/zones", None).await;
    let headers = res.headers();
    assert_eq!(headers["x-request-id"].to_str().unwrap().len(), 36);
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
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
