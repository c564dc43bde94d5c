//! The permission matrix: every role (and anonymous, and an unverified account) against every
//! protected endpoint, asserting the status. A new protected endpoint gets a row here.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peitao_domain::user::Role;
use peitao_tests::{PASSWORD, TestApp};
use reqwest::Method;

#[tokio::test]
async fn every_role_gets_the_status_the_policy_promises() {
    let app = TestApp::spawn().await;
    let supplier = app
        .verified_user("s@a.example.cn", "supplier", "91500112MA0000000R")
        .await
        .access_token;
    let oem = app
        .verified_user("o@a.example.cn", "oem", "91500112MA0000001W")
        .await
        .access_token;
    app.register("u@a.example.cn", "supplier", "91500112MA00000020")
        .await;
    let unverified = app.login("u@a.example.cn", PASSWORD).await.access_token;
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let admin = app
        .staff_session("admin@assoc.example.cn", Role::Admin)
        .await
        .access_token;
    let missing = uuid::Uuid::now_v7();
    // A capability of the supplier's and a need of the OEM's, for the match lists.
    let posted = |path: &'static str, token: String, body: serde_json::Value| {
        let app = &app;
        async move {
            let (status, body) = app
                .call(Method::POST, path, Some(&token), Some(&body))
                .await;
            assert_eq!(status, 201, "{body}");
            body["id"].as_str().unwrap().to_owned()
        }
    };
    let capability = posted(
        "/api/v1/capabilities",
        supplier.clone(),
        serde_json::json!({"category_code": "CHIP.MCU", "title": "车规 MCU", "description": "车规级微控制器"}),
    )
    .await;
    let need = posted(
        "/api/v1/needs",
        oem.clone(),
        serde_json::json!({"category_code": "CHIP.MCU", "title": "MCU 采购", "description": "年需求 10 万片",
            "delivery_region_code": "500112", "respond_by": "2030-12-31"}),
    )
    .await;

    // The supplier's capability and the OEM's need are a proposed match: the lifecycle rows walk
    // it from proposal to confirmed intention, each row as every caller in turn.
    let (status, listed) = app
        .call(
            Method::GET,
            &format!("/api/v1/needs/{need}/matches"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(status, 200, "{listed}");
    let m = listed["items"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{listed}"))
        .to_owned();
    // A docking event in the capability's category, for the event rows.
    let event = posted(
        "/api/v1/events",
        staff.clone(),
        serde_json::json!({"title": "芯片对接会", "date": "2030-05-20", "place": "重庆",
            "zone_code": "CHENGYU", "category_codes": ["CHIP"]}),
    )
    .await;
    let none = || Some(serde_json::json!({}));
    let yes = || Some(serde_json::json!({"interested": true}));

    let callers: [(&str, Option<&str>); 6] = [
        ("anonymous", None),
        ("unverified", Some(&unverified)),
        ("supplier", Some(&supplier)),
        ("oem", Some(&oem)),
        ("staff", Some(&staff)),
        ("admin", Some(&admin)),
    ];
    // method, path, body, then the status for each caller in the order above.
    let rows: Vec<(Method, String, Option<serde_json::Value>, [u16; 6])> = vec![
        (
            Method::GET,
            "/api/v1/me".into(),
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            Method::PATCH,
            "/api/v1/me".into(),
            Some(serde_json::json!({"locale": "zh-CN"})),
            [401, 200, 200, 200, 200, 200],
        ),
        (
            // Anyone logged in may change their own password, never without the current one.
            Method::POST,
            "/api/v1/me/password".into(),
            Some(
                serde_json::json!({"current_password": "not it", "new_password": "a brand new passphrase"}),
            ),
            [401, 422, 422, 422, 422, 422],
        ),
        (
            Method::GET,
            "/api/v1/notifications".into(),
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/notifications/read-all".into(),
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            Method::POST,
            format!("/api/v1/notifications/{missing}/read"),
            None,
            [401, 404, 404, 404, 404, 404],
        ),
        (
            Method::GET,
            "/api/v1/audit".into(),
            None,
            [401, 403, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/mail/dead".into(),
            None,
            [401, 403, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            format!("/api/v1/mail/{missing}/retry"),
            None,
            [401, 403, 403, 403, 404, 404],
        ),
        (
            Method::POST,
            format!("/api/v1/users/{missing}/deactivate"),
            None,
            [401, 404, 404, 404, 404, 404],
        ),
        (
            Method::GET,
            format!("/api/v1/organizations/{missing}/members"),
            None,
            [401, 404, 404, 404, 404, 404],
        ),
        (
            Method::POST,
            format!("/api/v1/organizations/{missing}/invitations"),
            Some(serde_json::json!({"email": "x@a.example.cn"})),
            [401, 404, 404, 404, 404, 404],
        ),
        (
            Method::DELETE,
            format!("/api/v1/organizations/{missing}/members/{missing}"),
            None,
            [401, 404, 404, 404, 404, 404],
        ),
        (
            Method::POST,
            "/api/v1/staff".into(),
            Some(serde_json::json!({"email": "made@assoc.example.cn", "display_name": "新同事"})),
            [401, 403, 403, 403, 403, 201],
        ),
        (
            Method::GET,
            format!("/api/v1/needs/{need}/matches"),
            None,
            [401, 403, 403, 200, 200, 200],
        ),
        (
            Method::GET,
            format!("/api/v1/capabilities/{capability}/matches"),
            None,
            [401, 403, 200, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/moderation/matches".into(),
            None,
            [401, 403, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            format!("/api/v1/matches/{m}"),
            None,
            [401, 404, 404, 404, 200, 200],
        ),
        (
            Method::POST,
            format!("/api/v1/matches/{m}/interest"),
            yes(),
            [401, 404, 404, 404, 403, 403],
        ),
        (
            Method::POST,
            format!("/api/v1/matches/{m}/reject"),
            none(),
            [401, 403, 403, 403, 422, 422],
        ),
        (
            Method::POST,
            format!("/api/v1/matches/{m}/approve"),
            none(),
            [401, 403, 403, 403, 200, 409],
        ),
        (
            Method::GET,
            format!("/api/v1/matches/{m}"),
            None,
            [401, 404, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/matches".into(),
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            Method::POST,
            format!("/api/v1/matches/{m}/interest"),
            yes(),
            [401, 404, 200, 200, 403, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/needs/{need}/quotes"),
            None,
            [401, 403, 403, 200, 200, 200],
        ),
        (
            Method::POST,
            format!("/api/v1/matches/{m}/intention/confirm"),
            none(),
            [401, 403, 403, 403, 409, 409],
        ),
        (
            Method::POST,
            format!("/api/v1/matches/{m}/intention"),
            none(),
            [401, 404, 201, 409, 403, 403],
        ),
        (
            Method::POST,
            format!("/api/v1/matches/{m}/intention/dismiss"),
            none(),
            [401, 403, 403, 403, 422, 422],
        ),
        (
            Method::POST,
            format!("/api/v1/matches/{m}/intention/confirm"),
            none(),
            [401, 403, 403, 403, 200, 409],
        ),
        (
            Method::GET,
            "/api/v1/intentions".into(),
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        // The association desk: imports and event management are staff's; events are for all
        // signed-in users; attendance is an eligible (invited or verified) company's.
        (
            Method::POST,
            "/api/v1/imports/organizations?dry_run=true".into(),
            none(),
            [401, 403, 403, 403, 400, 400],
        ),
        (
            Method::GET,
            "/api/v1/imports".into(),
            None,
            [401, 403, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            format!("/api/v1/imports/{missing}"),
            None,
            [401, 403, 403, 403, 404, 404],
        ),
        (
            Method::POST,
            "/api/v1/events".into(),
            Some(
                serde_json::json!({"title": "对接会", "date": "2030-06-01", "place": "成都",
                "zone_code": "CHENGYU", "category_codes": ["CHIP.MCU"]}),
            ),
            [401, 403, 403, 403, 201, 201],
        ),
        (
            Method::GET,
            "/api/v1/events".into(),
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            format!("/api/v1/events/{event}"),
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            format!("/api/v1/events/{missing}"),
            None,
            [401, 404, 404, 404, 404, 404],
        ),
        (
            Method::POST,
            format!("/api/v1/events/{event}/invitations"),
            Some(serde_json::json!({"by": "category"})),
            [401, 403, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            format!("/api/v1/events/{event}/attendance"),
            None,
            [401, 403, 200, 403, 403, 403],
        ),
        (
            Method::DELETE,
            format!("/api/v1/events/{event}/attendance"),
            None,
            [401, 403, 204, 204, 403, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/events/{event}/report"),
            None,
            [401, 403, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            format!("/api/v1/organizations/{missing}/flag"),
            Some(serde_json::json!({"kind": "spam", "note": "群发广告"})),
            [401, 403, 403, 403, 404, 404],
        ),
        // No quote was given on this match (the supplier's yes carried none): its files are not there.
        (
            Method::GET,
            format!("/api/v1/matches/{m}/quote/attachments"),
            None,
            [401, 404, 404, 404, 404, 404],
        ),
        (
            Method::GET,
            "/api/v1/analytics/local-supply?zone=CHENGYU".into(),
            None,
            [401, 403, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/analytics/gaps?zone=CHENGYU".into(),
            None,
            [401, 403, 403, 403, 200, 200],
        ),
    ];
    let mut failures = Vec::new();
    for (method, path, body, expected) in &rows {
        for ((who, token), want) in callers.iter().zip(expected) {
            let mut req = app.client.request(method.clone(), app.url(path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let got = req.send().await.unwrap().status().as_u16();
            if got != *want {
                failures.push(format!(
                    "{method} {path} as {who}: expected {want}, got {got}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
