//! A supplier's first visit on a phone: register through the page, open the link from the mail,
//! log in and see the account. Headless Chromium at 360 px; ignored by default (see browser.rs).

// Test code: a failed step should simply fail the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use fantoccini::Locator;
use peitao_tests::browser::{Browser, screenshot_path};
use peitao_tests::{PASSWORD, TestApp, token_in};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium: run by .ci/run"]
async fn a_supplier_registers_verifies_and_logs_in_on_a_phone() {
    let app = TestApp::spawn().await;
    let browser = Browser::start().await.unwrap();
    let email = "zhou.min@supplier.example.cn";

    browser.client.goto(&app.url("/register")).await.unwrap();
    browser.expect_page("注册企业账号").await;
    browser
        .screenshot(&screenshot_path("register-zh.png"))
        .await
        .unwrap();
    browser.fill("email", email).await;
    browser.fill("password", PASSWORD).await;
    browser.fill("display_name", "周敏").await;
    browser
        .click(r#"main input[name="role"][value="supplier"]"#)
        .await;
    browser
        .fill("organization_name", "重庆两江汽车电子有限公司")
        .await;
    browser.fill("credit_code", "91500112MA0000000R").await;
    browser.fill("region_code", "500112").await;
    browser.click(r#"main form button[type="submit"]"#).await;
    browser.expect_page("请查收验证邮件").await;

    let mails = app.deliver_mail().await;
    let mail = mails
        .iter()
        .find(|m| m.to.iter().any(|t| t == email))
        .expect("the verification mail");
    let token = token_in(&mail.body_text(), "/verify-email?token=").expect("a link in the mail");
    browser
        .client
        .goto(&app.url(&format!("/verify-email?token={token}")))
        .await
        .unwrap();
    browser.expect_page("邮箱已验证").await;

    // The verification page (web/account.rs) has no session link in its header yet.
    browser.client.goto(&app.url("/login")).await.unwrap();
    browser.expect_page("登录").await;
    browser.fill("email", email).await;
    browser.fill("password", PASSWORD).await;
    browser.click(r#"main form button[type="submit"]"#).await;
    browser.expect_page("我的账号").await;
    let details = browser
        .client
        .find(Locator::Css("dl.details"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for text in [
        email,
        "已验证",
        "零部件企业",
        "重庆两江汽车电子有限公司",
        "渝北区",
    ] {
        assert!(
            details.contains(text),
            "{text:?} missing from the account details: {details}"
        );
    }
    browser
        .screenshot(&screenshot_path("account-zh.png"))
        .await
        .unwrap();

    browser.close().await;
}
