//! A supplier's first visit on a phone: register through the page, open the link from the mail,
//! log in and see the account. Headless Chromium at 360 px; ignored by default (see browser.rs).

// Test code: a failed step should simply fail the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use fantoccini::Locator;
use peitao_tests::browser::{Browser, PHONE_WIDTH, screenshot_path};
use peitao_tests::{PASSWORD, TestApp, token_in};

/// Waits for a page whose `<h1>` contains `heading` (a click navigates asynchronously), then
/// checks that nothing sticks out sideways at phone width.
async fn expect_page(browser: &Browser, heading: &str) {
    let c = &browser.client;
    let xpath = format!("//h1[contains(., '{heading}')]");
    if let Err(err) = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&xpath))
        .await
    {
        let url = c.current_url().await.map(String::from).unwrap_or_default();
        let source = c.source().await.unwrap_or_default();
        let start: String = source.chars().take(1500).collect();
        panic!("no page headed {heading:?} appeared ({err}); at {url}:\n{start}");
    }
    let (page, viewport) = browser.page_and_viewport_width().await.unwrap();
    assert_eq!(
        viewport, PHONE_WIDTH,
        "the page {heading:?} should lay out at phone width"
    );
    assert!(
        page <= PHONE_WIDTH,
        "the page {heading:?} is {page} px wide on a {PHONE_WIDTH} px phone: it scrolls sideways"
    );
}

async fn fill(browser: &Browser, name: &str, text: &str) {
    let css = format!(r#"main input[name="{name}"]"#);
    let input = browser
        .client
        .find(Locator::Css(&css))
        .await
        .unwrap_or_else(|err| panic!("no {css}: {err}"));
    input.send_keys(text).await.unwrap();
}

async fn click(browser: &Browser, css: &str) {
    let element = browser
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|err| panic!("no {css}: {err}"));
    element.click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium: run by .ci/run"]
async fn a_supplier_registers_verifies_and_logs_in_on_a_phone() {
    let app = TestApp::spawn().await;
    let browser = Browser::start().await.unwrap();
    let email = "zhou.min@supplier.example.cn";

    browser.client.goto(&app.url("/register")).await.unwrap();
    expect_page(&browser, "注册企业账号").await;
    browser
        .screenshot(&screenshot_path("register-zh.png"))
        .await
        .unwrap();
    fill(&browser, "email", email).await;
    fill(&browser, "password", PASSWORD).await;
    fill(&browser, "display_name", "周敏").await;
    click(&browser, r#"main input[name="role"][value="supplier"]"#).await;
    fill(&browser, "organization_name", "重庆两江汽车电子有限公司").await;
    fill(&browser, "credit_code", "91500112MA0000000R").await;
    fill(&browser, "region_code", "500112").await;
    click(&browser, r#"main form button[type="submit"]"#).await;
    expect_page(&browser, "请查收验证邮件").await;

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
    expect_page(&browser, "邮箱已验证").await;

    // The verification page (web/account.rs) has no session link in its header yet.
    browser.client.goto(&app.url("/login")).await.unwrap();
    expect_page(&browser, "登录").await;
    fill(&browser, "email", email).await;
    fill(&browser, "password", PASSWORD).await;
    click(&browser, r#"main form button[type="submit"]"#).await;
    expect_page(&browser, "我的账号").await;
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
