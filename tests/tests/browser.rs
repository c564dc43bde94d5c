//! The app as a phone user sees it: headless Chromium at 360 px against a spawned app.
//! Ignored by default because they need Chromium; `.ci/run` installs it and runs them.

// Test code: a failed step should simply fail the test.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use fantoccini::Locator;
use peitao_tests::TestApp;
use peitao_tests::browser::{Browser, PHONE_WIDTH, screenshot_path};

/// Waits for the page in `lang` (the click navigates asynchronously), then checks its
/// heading and that nothing sticks out sideways at phone width.
async fn expect_page(browser: &Browser, lang: &str, heading: &str) {
    let c = &browser.client;
    let found = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&format!(r#"html[lang="{lang}"]"#)))
        .await;
    if let Err(err) = found {
        // Say where the browser is and what it shows: a timeout alone explains nothing.
        let url = c.current_url().await.map(String::from).unwrap_or_default();
        let source = c.source().await.unwrap_or_default();
        let start: String = source.chars().take(600).collect();
        panic!("no <html lang=\"{lang}\"> page appeared ({err}); at {url}:\n{start}");
    }
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(h1.contains(heading), "h1 {h1:?} should contain {heading:?}");
    let (page, viewport) = browser.page_and_viewport_width().await.unwrap();
    assert_eq!(
        viewport, PHONE_WIDTH,
        "the {lang} page should lay out at phone width (is <meta name=\"viewport\"> missing, \
         or is something wider than the screen?)"
    );
    assert!(
        page <= PHONE_WIDTH,
        "the {lang} page is {page} px wide on a {PHONE_WIDTH} px phone: it scrolls sideways"
    );
}

async fn click(browser: &Browser, css: &str) {
    let link = browser.client.find(Locator::Css(css)).await;
    link.unwrap_or_else(|err| panic!("no {css} on the page: {err}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium: run by .ci/run"]
async fn home_page_in_both_languages() {
    let app = TestApp::spawn().await;
    let browser = Browser::start().await.unwrap();

    browser.client.goto(&app.url("/")).await.unwrap();
    expect_page(&browser, "zh-CN", "配套").await;
    browser
        .screenshot(&screenshot_path("home-zh.png"))
        .await
        .unwrap();

    click(&browser, r#"a[hreflang="en"]"#).await;
    expect_page(&browser, "en", "Peitao").await;
    browser
        .screenshot(&screenshot_path("home-en.png"))
        .await
        .unwrap();

    click(&browser, r#"a[hreflang="zh-CN"]"#).await;
    expect_page(&browser, "zh-CN", "配套").await;

    browser.close().await;
}

/// The API docs page (Swagger UI, vendored) draws every operation under the site's CSP, and an
/// operation opens with its request body and answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium: run by .ci/run"]
async fn api_docs_page_draws_every_operation_under_the_csp() {
    let app = TestApp::spawn().await;
    let spec: serde_json::Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let operations: usize = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    let browser = Browser::start().await.unwrap();
    let c = &browser.client;
    browser
        .open(&app.url("/api/docs#/lifecycle/lifecycle_interest"))
        .await;
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(".opblock.is-open .opblock-body"))
        .await
        .unwrap_or_else(|err| panic!("the docs page drew no open operation: {err}"));
    let drawn = c
        .execute(
            "return [document.querySelectorAll('.opblock').length, \
             document.querySelectorAll('style').length, \
             document.querySelector('.opblock.is-open').innerText]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(drawn[0].as_u64().unwrap(), operations as u64, "{drawn}");
    // An inline <style> would be blocked by the CSP (the standalone layout's logo had one).
    assert_eq!(drawn[1], 0, "{drawn}");
    let open = drawn[2].as_str().unwrap();
    assert!(open.contains("/api/v1/matches/{id}/interest"), "{open}");
    assert!(open.contains("interested"), "{open}");
    browser
        .screenshot(&screenshot_path("api-docs.png"))
        .await
        .unwrap();
    browser.close().await;
}
