//! The match lifecycle on a phone, the way the three people see it: staff approve on the queue,
//! both sides get the mail over SMTP, the supplier says yes with a quote, the automaker says yes
//! and sees the contact, records an intention, staff confirm it. Headless Chromium at 360 px;
//! ignored by default (see browser.rs).

// Test code: a failed step should simply fail the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peitao_domain::user::Role;
use peitao_tests::browser::{Browser, screenshot_path};
use peitao_tests::world::{certify, firm, post};
use peitao_tests::{PASSWORD, TestApp, token_in};
use reqwest::Method;
use serde_json::json;

/// Logs `email` in through the page (after logging out whoever was in).
async fn log_in(browser: &Browser, app: &TestApp, email: &str) {
    browser.client.delete_all_cookies().await.unwrap();
    browser.open(&app.url("/login")).await;
    browser.expect_page("登录").await;
    browser.fill("email", email).await;
    browser.fill("password", PASSWORD).await;
    browser.click(r#"main form button[type="submit"]"#).await;
    browser.expect_page("我的账号").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium: run by .ci/run"]
async fn a_match_goes_from_the_queue_to_a_confirmed_intention_on_a_phone() {
    let app = TestApp::spawn().await;
    // Registered and posted through the API (the registration page has its own browser test).
    app.staff_session("staff@assoc.example.cn", Role::Staff)
        .await;
    let (supplier, org) = firm(&app, 1, "supplier", "500112").await;
    certify(&app, &supplier, org, &["IATF16949"]).await;
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/organizations/{org}"),
            Some(&supplier),
            Some(&json!({"contact_email": "sales@liangjiang.example.cn", "contact_phone": "023-67001234"})),
        )
        .await;
    assert_eq!(status, 200);
    post(
        &app,
        &supplier,
        "/api/v1/capabilities",
        json!({"category_code": "EDRIVE.BATTERY.PACK", "title": "一体化压铸电池壳体",
               "description": "铝合金压铸电池壳体,年产能 20 万套"}),
    )
    .await;
    let (oem, _) = firm(&app, 3, "oem", "500112").await;
    post(
        &app,
        &oem,
        "/api/v1/needs",
        json!({"category_code": "EDRIVE.BATTERY.PACK", "title": "电池包壳体采购",
               "description": "年需求 10 万套,交付两江新区工厂", "delivery_region_code": "500112",
               "respond_by": "2030-12-31"}),
    )
    .await;
    app.deliver_mail().await;
    app.mail.clear();
    let browser = Browser::start().await.unwrap();

    // Staff approve on the queue.
    log_in(&browser, &app, "staff@assoc.example.cn").await;
    browser.open(&app.url("/staff/matches")).await;
    browser.expect_page("匹配审核").await;
    browser
        .screenshot(&screenshot_path("queue-zh.png"))
        .await
        .unwrap();
    browser
        .click(r#"main form[action$="/approve"] button[type="submit"]"#)
        .await;
    browser.expect_text("已批准").await;

    // Both sides get the mail over SMTP; the supplier follows its link.
    let mails = app.deliver_mail().await;
    let to_supplier = mails
        .iter()
        .find(|m| m.to.iter().any(|t| t == "m1@firm.example.cn"))
        .expect("the supplier's approval mail");
    assert!(
        mails
            .iter()
            .any(|m| m.to.iter().any(|t| t == "m3@firm.example.cn"))
    );
    let id = token_in(&to_supplier.body_text(), "/matches/").expect("the match link");
    log_in(&browser, &app, "m1@firm.example.cn").await;
    browser.open(&app.url(&format!("/matches/{id}"))).await;
    browser.expect_page("电池包壳体采购").await;
    let page = browser.client.source().await.unwrap();
    assert!(!page.contains("sales@liangjiang.example.cn"));
    browser.fill("unit_price", "86.50").await;
    browser.fill("lead_time_days", "30").await;
    browser
        .click(r#"main form[action$="/interest"] input[value="true"] ~ p button"#)
        .await;
    browser.expect_text("86.50 CNY").await;

    // The automaker says yes; contacts appear; it records the intention.
    log_in(&browser, &app, "m3@firm.example.cn").await;
    browser.open(&app.url(&format!("/matches/{id}"))).await;
    browser.expect_page("电池包壳体采购").await;
    assert!(
        !browser
            .client
            .source()
            .await
            .unwrap()
            .contains("sales@liangjiang.example.cn")
    );
    browser
        .click(r#"main form[action$="/interest"] input[value="true"] ~ p button"#)
        .await;
    // Contacts appear only now.
    browser.expect_text("sales@liangjiang.example.cn").await;
    browser.expect_page("电池包壳体采购").await;
    browser
        .screenshot(&screenshot_path("match-revealed-zh.png"))
        .await
        .unwrap();
    browser.fill("annual_volume", "60000").await;
    browser.fill("unit", "套").await;
    browser
        .click(r#"main form[action$="/intention"] button[type="submit"]"#)
        .await;
    browser.expect_text("已登记，待协会确认").await;
    browser.expect_page("电池包壳体采购").await;

    // Staff confirm it.
    log_in(&browser, &app, "staff@assoc.example.cn").await;
    browser.open(&app.url(&format!("/matches/{id}"))).await;
    browser.expect_page("电池包壳体采购").await;
    browser
        .click(r#"main form[action$="/intention/confirm"] button[type="submit"]"#)
        .await;
    browser.expect_text("协会已确认").await;
    browser.expect_page("电池包壳体采购").await;
    browser.open(&app.url("/intentions")).await;
    browser.expect_page("合作意向").await;

    browser.close().await;
}
