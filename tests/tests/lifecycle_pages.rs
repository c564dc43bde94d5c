//! The match lifecycle's pages, server-rendered, through a script-less visitor: staff's queue,
//! the match page for each side with its forms and refusals, quotes compared, intentions.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peitao_domain::user::Role;
use peitao_tests::visitor::Visitor;
use peitao_tests::world::{certify, firm, post};
use peitao_tests::{PASSWORD, TestApp};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

/// A supplier (m1) and an OEM (m3) in Chongqing with one proposed match; staff exist.
async fn world(app: &TestApp) -> (Uuid, Uuid, Uuid) {
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let (supplier, org) = firm(app, 1, "supplier", "500112").await;
    certify(app, &supplier, org, &["IATF16949"]).await;
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/organizations/{org}"),
            Some(&supplier),
            Some(&json!({"contact_email": "sales@near.example.cn"})),
        )
        .await;
    assert_eq!(status, 200);
    let cap = post(
        app,
        &supplier,
        "/api/v1/capabilities",
        json!({"category_code": "EDRIVE.BATTERY.PACK", "title": "电池壳体压铸",
               "description": "铝合金压铸电池壳体"}),
    )
    .await;
    let (oem, _) = firm(app, 3, "oem", "500112").await;
    let need = post(
        app,
        &oem,
        "/api/v1/needs",
        json!({"category_code": "EDRIVE.BATTERY.PACK", "title": "电池包壳体 <b>加急</b>",
               "description": "年需求 10 万套", "delivery_region_code": "500112",
               "respond_by": "2030-12-31"}),
    )
    .await;
    let (_, listed) = app
        .call(
            Method::GET,
            &format!("/api/v1/needs/{need}/matches"),
            Some(&staff),
            None,
        )
        .await;
    let m = listed["items"][0]["id"].as_str().unwrap().parse().unwrap();
    (need, m, cap)
}

#[tokio::test]
async fn staff_moderate_and_both_sides_carry_the_match_to_an_intention() {
    let app = TestApp::spawn().await;
    let (need, m, cap) = world(&app).await;

    // Staff: the queue shows the proposal, escaped; a rejection without reason is refused
    // beside the field; approval goes back to the queue.
    let mut staff = Visitor::new(&app, "zh-CN");
    staff.log_in("staff@assoc.example.cn", PASSWORD).await;
    let queue = staff.get("/staff/matches").await;
    assert_eq!(queue.status, 200);
    queue.assert_clean();
    assert!(
        queue.has("电池包壳体 &#60;b&#62;加急&#60;/b&#62;")
            || queue.has("电池包壳体 &lt;b&gt;加急&lt;/b&gt;")
    );
    assert!(!queue.has("<b>加急</b>"));
    let csrf = queue.csrf();
    let refused = staff
        .post(
            &format!("/matches/{m}/reject"),
            &[("csrf_token", &csrf), ("reason", " "), ("back", "queue")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.field_error("reason").is_some(), "{}", refused.body);
    let forged = staff
        .post(
            &format!("/matches/{m}/approve"),
            &[("csrf_token", "forged")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let approved = staff
        .post(
            &format!("/matches/{m}/approve"),
            &[("csrf_token", &csrf), ("back", "queue")],
        )
        .await;
    approved.assert_redirect("/staff/matches?done=approved");
    assert!(
        staff
            .get("/staff/matches?done=approved")
            .await
            .has("已批准")
    );

    // The supplier: its match is listed; a bad quote is refused beside its field, the value kept.
    let mut supplier = Visitor::new(&app, "zh-CN");
    supplier.log_in("m1@firm.example.cn", PASSWORD).await;
    assert!(supplier.get("/matches").await.has(&format!("/matches/{m}")));
    let page = supplier.get(&format!("/matches/{m}")).await;
    assert_eq!(page.status, 200);
    page.assert_clean();
    assert!(page.has("表示感兴趣"));
    assert!(page.has("双方都表示感兴趣后才显示联系方式"));
    let csrf = page.csrf();
    let refused = supplier
        .post(
            &format!("/matches/{m}/interest"),
            &[
                ("csrf_token", &csrf),
                ("interested", "true"),
                ("unit_price", "abc"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.field_error("unit_price").is_some(),
        "{}",
        refused.body
    );
    assert!(refused.has(r#"value="abc""#));
    let said = supplier
        .post(
            &format!("/matches/{m}/interest"),
            &[
                ("csrf_token", &csrf),
                ("interested", "true"),
                ("unit_price", "86.50"),
                ("lead_time_days", "30"),
            ],
        )
        .await;
    said.assert_redirect(&format!("/matches/{m}?done=answered"));

    // The OEM: sees the quote side by side, says yes, and then sees the supplier's contact.
    let mut oem = Visitor::new(&app, "zh-CN");
    oem.log_in("m3@firm.example.cn", PASSWORD).await;
    let quotes = oem.get(&format!("/needs/{need}/quotes")).await;
    assert_eq!(quotes.status, 200);
    assert!(quotes.has("86.50 CNY"), "{}", quotes.body);
    let page = oem.get(&format!("/matches/{m}")).await;
    assert!(!page.has("sales@near.example.cn"));
    let csrf = page.csrf();
    oem.post(
        &format!("/matches/{m}/interest"),
        &[("csrf_token", &csrf), ("interested", "true")],
    )
    .await
    .assert_redirect(&format!("/matches/{m}?done=answered"));
    let page = oem.get(&format!("/matches/{m}")).await;
    assert!(page.has("sales@near.example.cn"), "{}", page.body);
    assert!(page.has("登记合作意向"));
    let refused = oem
        .post(
            &format!("/matches/{m}/intention"),
            &[("csrf_token", &csrf), ("annual_volume", "很多")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.field_error("annual_volume").is_some(),
        "{}",
        refused.body
    );
    // A docking event the automaker was invited to: its intention may name it.
    let staff_token = app
        .login("staff@assoc.example.cn", PASSWORD)
        .await
        .access_token;
    let oem_token = app.login("m3@firm.example.cn", PASSWORD).await.access_token;
    let (_, me) = app
        .call(Method::GET, "/api/v1/me", Some(&oem_token), None)
        .await;
    let (status, event) = app
        .call(
            Method::POST,
            "/api/v1/events",
            Some(&staff_token),
            Some(
                &json!({"title": "两江新区电池配套对接会", "date": "2030-06-01", "place": "重庆",
                         "zone_code": "CHENGYU", "category_codes": ["EDRIVE.BATTERY.PACK"]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{event}");
    let event_id = event["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/events/{event_id}/invitations"),
            Some(&staff_token),
            Some(&json!({"by": "organizations", "organization_ids": [me["organization_id"]]})),
        )
        .await;
    assert_eq!(status, 200);
    let page = oem.get(&format!("/matches/{m}")).await;
    assert!(page.has("两江新区电池配套对接会"), "{}", page.body);
    let refused = oem
        .post(
            &format!("/matches/{m}/intention"),
            &[("csrf_token", &csrf), ("event_id", "not-an-id")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.has(r#"id="event_id-error""#));
    oem.post(
        &format!("/matches/{m}/intention"),
        &[
            ("csrf_token", &csrf),
            ("annual_volume", "50000"),
            ("unit", "套"),
            ("event_id", &event_id),
        ],
    )
    .await
    .assert_redirect(&format!("/matches/{m}?done=intention"));
    let (_, recorded) = app
        .call(
            Method::GET,
            &format!("/api/v1/matches/{m}"),
            Some(&oem_token),
            None,
        )
        .await;
    assert_eq!(recorded["intention"]["event_id"], json!(event_id));

    // Staff confirm; the intentions list says so; the history is on the match page.
    let page = staff.get(&format!("/matches/{m}")).await;
    assert!(page.has("intention.record"));
    let csrf = page.csrf();
    staff
        .post(
            &format!("/matches/{m}/intention/confirm"),
            &[("csrf_token", &csrf)],
        )
        .await
        .assert_redirect(&format!("/matches/{m}?done=confirmed"));
    assert!(staff.get("/intentions").await.has("协会已确认"));
    // The supplier sees how the automaker answers, beside the need.
    let listed = supplier.get(&format!("/capabilities/{cap}/matches")).await;
    assert!(listed.has("整车企业响应率 100%"), "{}", listed.body);
    assert!(supplier.get("/intentions").await.has("协会已确认"));
}

#[tokio::test]
async fn the_pages_speak_english_and_keep_strangers_out() {
    let app = TestApp::spawn().await;
    let (need, m, _) = world(&app).await;
    // Before approval the supplier does not see the match; the queue is staff's.
    let mut supplier = Visitor::new(&app, "en");
    supplier.log_in("m1@firm.example.cn", PASSWORD).await;
    // The account speaks Chinese; the language switch changes the pages.
    supplier.get("/lang/en?next=/matches").await;
    assert_eq!(supplier.get(&format!("/matches/{m}")).await.status, 404);
    assert_eq!(supplier.get("/staff/matches").await.status, 403);
    assert_eq!(
        supplier.get(&format!("/needs/{need}/quotes")).await.status,
        403
    );
    let mine = supplier.get("/matches").await;
    assert!(mine.has("No approved matches yet"), "{}", mine.body);
    // Anonymous visitors are sent to log in.
    let mut anonymous = Visitor::new(&app, "en");
    anonymous
        .get(&format!("/matches/{m}"))
        .await
        .assert_redirect("/login");
    // Staff read the queue in English.
    let mut staff = Visitor::new(&app, "en");
    staff.log_in("staff@assoc.example.cn", PASSWORD).await;
    staff.get("/lang/en?next=/staff/matches").await;
    let queue = staff.get("/staff/matches").await;
    assert!(queue.has("Match moderation") && queue.has("Approve"));
    assert_eq!(queue.content_language.as_deref(), Some("en"));
}
