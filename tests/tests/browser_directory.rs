//! A supplier on a phone posts a capability through the form and finds it by searching the
//! directory; every page on the way fits 360 px. Headless Chromium; ignored by default (see
//! browser.rs), run by `.ci/run`.

// Test code: a failed step should simply fail the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use fantoccini::Locator;
use peitao_tests::browser::{Browser, PHONE_WIDTH, screenshot_path};
use peitao_tests::{PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium: run by .ci/run"]
async fn a_supplier_posts_a_capability_on_a_phone_and_finds_it_in_the_directory() {
    let app = TestApp::spawn().await;
    let email = "wang.fang@supplier.example.cn";
    app.verified_user(email, "supplier", "91500112MA0000000R")
        .await;
    let browser = Browser::start().await.unwrap();

    browser.client.goto(&app.url("/login")).await.unwrap();
    browser.expect_page("登录").await;
    browser.fill_css(r#"main input[name="email"]"#, email).await;
    browser
        .fill_css(r#"main input[name="password"]"#, PASSWORD)
        .await;
    browser.click(r#"main form button[type="submit"]"#).await;
    browser.expect_page("我的账号").await;

    browser
        .click(r#"nav.site-nav a[href="/my/capabilities"]"#)
        .await;
    browser.expect_page("我的供货能力").await;
    browser.click(r#"main a[href="/capabilities/new"]"#).await;
    browser.expect_page("发布供货能力").await;
    browser
        .client
        .find(Locator::Css(
            r#"select[name="category_code"] option[value="EDRIVE.BATTERY.PACK"]"#,
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .fill_css(r#"main input[name="title"]"#, "一体化压铸电池包壳体")
        .await;
    browser
        .fill_css(
            r#"main textarea[name="description"]"#,
            "铝合金一体化压铸，年产能 20 万套，交付成渝地区。",
        )
        .await;
    browser
        .fill_css(r#"main input[name="annual_capacity"]"#, "200000")
        .await;
    browser.fill_css(r#"main input[name="unit"]"#, "套").await;
    browser
        .screenshot(&screenshot_path("capability-form-zh.png"))
        .await
        .unwrap();
    browser.click(r#"main form button[type="submit"]"#).await;
    browser.expect_page("我的供货能力").await;
    let saved = browser.client.source().await.unwrap();
    assert!(saved.contains("一体化压铸电池包壳体"), "the list shows it");

    browser.click(r#"nav.site-nav a[href="/directory"]"#).await;
    browser.expect_page("企业与供需名录").await;
    browser
        .click(r#"main ul.tabs a[href="/directory?show=capabilities"]"#)
        .await;
    browser.expect_page("企业与供需名录").await;
    browser
        .fill_css(r#"main input[name="q"]"#, "电池包壳体")
        .await;
    browser
        .click(r#"main form.filters button[type="submit"]"#)
        .await;
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//ol[@class='results']//a[contains(., '一体化压铸电池包壳体')]",
        ))
        .await
        .expect("the capability is found by its words");
    browser.expect_page("企业与供需名录").await;
    browser
        .screenshot(&screenshot_path("directory-search-zh.png"))
        .await
        .unwrap();

    browser.close().await;
}

/// Picks the option with `value` in the select named `name`, waiting for the script to add it.
async fn choose(browser: &Browser, name: &str, value: &str) {
    let css = format!(r#"select[name="{name}"] option[value="{value}"]"#);
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&css))
        .await
        .unwrap_or_else(|err| panic!("no {css}: {err}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium: run by .ci/run"]
async fn an_automaker_picks_the_delivery_region_with_the_script_on_a_phone() {
    let app = TestApp::spawn().await;
    let email = "chen.jie@oem.example.cn";
    app.verified_user(email, "oem", "91500112MA0000000R").await;
    let browser = Browser::start().await.unwrap();

    browser.client.goto(&app.url("/login")).await.unwrap();
    browser.expect_page("登录").await;
    browser.fill_css(r#"main input[name="email"]"#, email).await;
    browser
        .fill_css(r#"main input[name="password"]"#, PASSWORD)
        .await;
    browser.click(r#"main form button[type="submit"]"#).await;
    browser.expect_page("我的账号").await;

    browser.client.goto(&app.url("/needs/new")).await.unwrap();
    browser.expect_page("发布采购需求").await;
    let refresh = browser
        .client
        .find(Locator::Css("button.region-refresh"))
        .await
        .unwrap();
    assert!(
        !refresh.is_displayed().await.unwrap(),
        "with the script, the server-side refresh button is hidden"
    );
    choose(&browser, "category_code", "EDRIVE.BATTERY.PACK").await;
    browser
        .fill_css(r#"main input[name="title"]"#, "电池包壳体采购")
        .await;
    browser
        .fill_css(
            r#"main textarea[name="description"]"#,
            "一体化压铸铝合金电池壳体，交付两江新区工厂。",
        )
        .await;
    // The city and district lists come from /api/v1/regions?parent= as the levels are chosen.
    choose(&browser, "province", "500000").await;
    choose(&browser, "city", "500100").await;
    choose(&browser, "district", "500112").await;
    browser
        .fill_css(r#"main input[name="annual_volume"]"#, "100000")
        .await;
    browser
        .screenshot(&screenshot_path("need-form-zh.png"))
        .await
        .unwrap();
    let (page, _) = browser.page_and_viewport_width().await.unwrap();
    assert!(page <= PHONE_WIDTH, "the need form is {page} px wide");
    browser
        .click(r#"main form button[type="submit"]:not(.region-refresh)"#)
        .await;
    browser.expect_page("我的采购需求").await;
    let source = browser.client.source().await.unwrap();
    assert!(
        source.contains("电池包壳体采购") && source.contains("重庆市 渝北区"),
        "the need is listed with its delivery district"
    );
    browser
        .screenshot(&screenshot_path("my-needs-zh.png"))
        .await
        .unwrap();

    browser.close().await;
}
