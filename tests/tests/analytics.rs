//! The association's figures on a small known world in the Chengdu–Chongqing zone: an automaker
//! in Chongqing, a local battery-pack supplier and an MCU supplier in Shanghai. Two confirmed
//! intentions, one local: a confirmed local supply rate of 0.5; the MCU and lidar needs are gaps.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peitao_domain::user::Role;
use peitao_tests::TestApp;
use peitao_tests::world::{firm, post};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

fn need(category: &str, title: &str) -> Value {
    json!({"category_code": category, "title": title, "description": "年需求 5 万套,交付两江新区工厂",
           "delivery_region_code": "500112", "respond_by": "2030-12-31"})
}

/// Carries the staff-visible proposal of `need` with `supplier` to a confirmed intention.
async fn confirm(app: &TestApp, staff: &str, oem: &str, supplier: &str, need: Uuid, org: Uuid) {
    let (_, listed) = app
        .call(
            Method::GET,
            &format!("/api/v1/needs/{need}/matches"),
            Some(staff),
            None,
        )
        .await;
    let m = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["organization"]["id"] == org.to_string())
        .unwrap_or_else(|| panic!("a proposal with {org}: {listed}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let post = |path: String, token: &str, body: Value| {
        let token = token.to_owned();
        async move {
            let (status, body) = app
                .call(Method::POST, &path, Some(&token), Some(&body))
                .await;
            assert!(status == 200 || status == 201, "{path}: {status} {body}");
        }
    };
    post(format!("/api/v1/matches/{m}/approve"), staff, json!({})).await;
    for token in [supplier, oem] {
        post(
            format!("/api/v1/matches/{m}/interest"),
            token,
            json!({"interested": true}),
        )
        .await;
    }
    post(format!("/api/v1/matches/{m}/intention"), oem, json!({})).await;
    post(
        format!("/api/v1/matches/{m}/intention/confirm"),
        staff,
        json!({}),
    )
    .await;
}

/// The known world: two confirmed intentions into Chongqing (one local), three open needs.
async fn known_world(app: &TestApp) -> String {
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let (near, near_org) = firm(app, 1, "supplier", "500112").await;
    let (far, far_org) = firm(app, 2, "supplier", "310115").await;
    let (oem, _) = firm(app, 3, "oem", "500112").await;
    post(
        app,
        &near,
        "/api/v1/capabilities",
        json!({"category_code": "EDRIVE.BATTERY.PACK", "title": "电池包壳体", "description": "压铸"}),
    )
    .await;
    post(
        app,
        &far,
        "/api/v1/capabilities",
        json!({"category_code": "CHIP.MCU", "title": "车规 MCU", "description": "32 位"}),
    )
    .await;
    let battery = post(
        app,
        &oem,
        "/api/v1/needs",
        need("EDRIVE.BATTERY.PACK", "电池包"),
    )
    .await;
    let mcu = post(app, &oem, "/api/v1/needs", need("CHIP.MCU", "MCU")).await;
    post(app, &oem, "/api/v1/needs", need("ADAS.LIDAR", "激光雷达")).await;
    confirm(app, &staff, &oem, &near, battery, near_org).await;
    confirm(app, &staff, &oem, &far, mcu, far_org).await;
    staff
}

#[tokio::test]
async fn two_confirmed_intentions_one_local_make_half_and_the_gaps_come_first() {
    let app = TestApp::spawn().await;
    let staff = known_world(&app).await;

    let (status, figures) = app
        .call(
            Method::GET,
            "/api/v1/analytics/local-supply?zone=CHENGYU",
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(status, 200, "{figures}");
    assert_eq!(figures["zone"], "CHENGYU");
    assert_eq!(figures["confirmed_rate"], 0.5);
    assert_eq!(
        figures["confirmed"],
        json!({"of": 1, "total": 2, "rate": 0.5})
    );
    // Three open needs; only the battery pack has a qualified supplier in the zone.
    assert_eq!(figures["potential"]["of"], 1);
    assert_eq!(figures["potential"]["total"], 3);
    let mcu_row = figures["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category_code"] == "CHIP.MCU")
        .unwrap();
    assert_eq!(mcu_row["confirmed"]["rate"], 0.0);
    assert_eq!(mcu_row["name_zh"], "车规级MCU");
    assert_eq!(figures["by_month"].as_array().unwrap().len(), 1);
    assert_eq!(figures["by_month"][0]["confirmed"]["total"], 2);

    // Outside the zone nothing was delivered.
    let (_, elsewhere) = app
        .call(
            Method::GET,
            "/api/v1/analytics/local-supply?zone=YRD",
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(elsewhere["confirmed_rate"], Value::Null);
    assert_eq!(elsewhere["potential"]["total"], 0);

    let (status, gaps) = app
        .call(
            Method::GET,
            "/api/v1/analytics/gaps?zone=CHENGYU",
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(status, 200, "{gaps}");
    let first: Vec<(&str, u64, u64, bool)> = gaps
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|g| {
            (
                g["category_code"].as_str().unwrap(),
                g["open_needs"].as_u64().unwrap(),
                g["local_suppliers"].as_u64().unwrap(),
                g["gap"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        first,
        [
            ("ADAS.LIDAR", 1, 0, true),
            ("CHIP.MCU", 1, 0, true),
            ("EDRIVE.BATTERY.PACK", 1, 1, false)
        ]
    );
}

#[tokio::test]
async fn figures_are_staff_only_named_when_wrong_and_downloadable_as_safe_csv() {
    let app = TestApp::spawn().await;
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let (oem, _) = firm(&app, 3, "oem", "500112").await;
    post(&app, &oem, "/api/v1/needs", need("ADAS.LIDAR", "激光雷达")).await;
    for path in [
        "/api/v1/analytics/local-supply?zone=CHENGYU",
        "/api/v1/analytics/gaps?zone=CHENGYU",
    ] {
        assert_eq!(app.call(Method::GET, path, Some(&oem), None).await.0, 403);
        assert_eq!(app.call(Method::GET, path, None, None).await.0, 401);
    }
    let (status, problem) = app
        .call(Method::GET, "/api/v1/analytics/gaps", Some(&staff), None)
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "zone");
    let (status, problem) = app
        .call(
            Method::GET,
            "/api/v1/analytics/local-supply?zone=ATLANTIS",
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["code"], "zone.unknown");

    let res = app
        .client
        .get(app.url("/api/v1/analytics/gaps?zone=chengyu"))
        .bearer_auth(&staff)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = res.text().await.unwrap();
    let mut lines = body.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next(),
        Some("category_code,name_zh,name_en,open_needs,local_suppliers,gap")
    );
    assert!(lines.next().unwrap().starts_with("ADAS.LIDAR,激光雷达,"));
    let res = app
        .client
        .get(app.url("/api/v1/analytics/local-supply?zone=CHENGYU&format=csv"))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    let body = res.text().await.unwrap();
    assert!(body.contains("ADAS.LIDAR"), "{body}");
    assert!(body.lines().last().unwrap().starts_with("*,合计,Total"));
}

#[tokio::test]
async fn staff_read_the_dashboard_and_the_gap_map_in_both_languages() {
    use peitao_tests::PASSWORD;
    use peitao_tests::visitor::Visitor;
    let app = TestApp::spawn().await;
    known_world(&app).await;
    let mut staff = Visitor::new(&app, "zh-CN");
    staff.log_in("staff@assoc.example.cn", PASSWORD).await;
    let page = staff.get("/staff/analytics?zone=CHENGYU").await;
    assert_eq!(page.status, 200);
    page.assert_clean();
    assert!(page.has(r#"id="confirmed-rate">50%<"#), "{}", page.body);
    assert!(page.has(r#"id="potential-rate">33%<"#), "{}", page.body);
    assert!(page.has("<svg") && page.has("chart-bar"));
    // The download links work with the browser's session (not only with a Bearer token).
    assert!(page.has("/staff/analytics.csv?zone=CHENGYU"));
    let csv = staff
        .get("/staff/analytics.csv?zone=CHENGYU&table=months")
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body
            .trim_start_matches('\u{feff}')
            .starts_with("month,confirmed_local,confirmed_total,confirmed_rate"),
        "{}",
        csv.body
    );
    let csv = staff.get("/staff/gaps.csv?zone=CHENGYU").await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("ADAS.LIDAR,"));
    let map = staff.get("/staff/gaps").await;
    assert_eq!(map.status, 200);
    assert!(map.has("heat heat-gap"), "{}", map.body);
    assert!(map.has("成渝地区双城经济圈"));
    staff.get("/lang/en?next=/staff/gaps").await;
    let english = staff.get("/staff/gaps").await;
    assert!(english.has("Chain-gap map") && english.has("Chengdu-Chongqing"));
    // An unknown zone is named; companies may not look.
    assert_eq!(
        staff.get("/staff/analytics?zone=ATLANTIS").await.status,
        422
    );
    let mut oem = Visitor::new(&app, "zh-CN");
    oem.log_in("m3@firm.example.cn", PASSWORD).await;
    assert_eq!(oem.get("/staff/analytics").await.status, 403);
    assert_eq!(oem.get("/staff/gaps").await.status, 403);
    assert_eq!(oem.get("/staff/gaps.csv?zone=CHENGYU").await.status, 403);
}
