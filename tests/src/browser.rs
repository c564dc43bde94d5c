//! Headless Chromium driven over WebDriver (chromedriver on a loopback port), at phone
//! width, for the tests that must see pages the way a user does.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fantoccini::ClientBuilder;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// The viewport width every browser test starts with: a small phone.
pub const PHONE_WIDTH: u64 = 360;

/// What the browser asks for in `Accept-Language`, like a phone set to Chinese.
pub const ACCEPT_LANGUAGE: &str = "zh-CN,zh";

/// A chromedriver process plus one WebDriver session in a fresh, throwaway profile.
pub struct Browser {
    pub client: fantoccini::Client,
    driver: Child,
    // Held only so the profile directory outlives the browser using it.
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and opens a headless Chromium session 360 px wide.
    ///
    /// Binaries come from `CHROMEDRIVER` / `CHROME_BIN`, else Debian's paths.
    pub async fn start() -> anyhow::Result<Browser> {
        let driver_bin = binary("CHROMEDRIVER", "/usr/bin/chromedriver")?;
        let chrome_bin = binary("CHROME_BIN", "/usr/bin/chromium")?;
        let port = free_port()?;
        let profile = tempfile::Builder::new()
            .prefix("peitao-chromium-")
            .tempdir()
            .context("create a browser profile directory")?;

        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            // It announces itself on stdout; errors still reach stderr.
            .stdout(Stdio::null())
            // Its own process group, so Drop can kill Chromium along with it even when
            // the session was never closed (Chromium outlives a killed chromedriver).
            .process_group(0)
            .spawn()
            .with_context(|| format!("start {}", driver_bin.display()))?;
        // From here on the guard kills chromedriver if starting the session fails.
        let mut guard = DriverGuard(Some(driver));

        let webdriver = format!("http://127.0.0.1:{port}");
        wait_until_ready(&webdriver, guard.child()).await?;

        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chrome_bin,
                // Desktop Chromium will not make a window narrower than 500 px (so
                // --window-size alone gives a 500 px viewport): emulate the phone instead,
                // which also makes the page's <meta name="viewport"> count, as on a phone.
                "mobileEmulation": {
                    "deviceMetrics": {
                        "width": PHONE_WIDTH,
                        "height": 800,
                        "pixelRatio": 1.0,
                        "mobile": true,
                        "touch": true,
                    },
                },
                // Our users are in China: ask for Chinese first, as their phones do
                // (headless Chromium otherwise sends `Accept-Language: en-US`).
                "prefs": { "intl.accept_languages": ACCEPT_LANGUAGE },
                "args": [
                    "--headless=new",
                    "--lang=zh-CN",
                    // Containers and CI run as root, where the sandbox cannot start.
                    "--no-sandbox",
                    "--disable-gpu",
                    // /dev/shm is tiny in containers; Chromium crashes on big pages.
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    // No calls home: tests run offline and must not wait on the network.
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    format!("--window-size={PHONE_WIDTH},800"),
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("json! of an object literal is an object")
        };
        // Plain HTTP on loopback: a TLS connector would bring a second rustls crypto
        // backend into the test binary and make rustls panic (../shared/dependencies.md).
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&webdriver)
            .await
            .context("open a Chromium session through chromedriver")?;

        Ok(Browser {
            client,
            driver: guard.take(),
            _profile: profile,
        })
    }

    /// Ends the session (Chromium quits) and stops chromedriver.
    pub async fn close(self) {
        // `Client` is a handle: closing a clone ends the one session they share.
        if let Err(err) = self.client.clone().close().await {
            eprintln!("closing the browser session failed: {err}");
        }
        // Drop stops chromedriver.
    }

    /// Saves a PNG of the viewport, creating the directory if needed.
    pub async fn screenshot(&self, path: &Path) -> anyhow::Result<()> {
        let png = self
            .client
            .screenshot()
            .await
            .context("take a screenshot")?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        }
        std::fs::write(path, png).with_context(|| format!("write {}", path.display()))
    }

    /// `(document width, viewport width)` in CSS pixels, for checking a page fits the phone.
    ///
    /// Compare both with [`PHONE_WIDTH`], not with each other: an emulated phone, like a
    /// real one, zooms out to fit wide content, so the viewport grows with the page (a
    /// page without `<meta name="viewport">` even gets a 980 px viewport).
    pub async fn page_and_viewport_width(&self) -> anyhow::Result<(u64, u64)> {
        let widths = self
            .client
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                Vec::new(),
            )
            .await
            .context("measure the page width")?;
        let width = |i: usize| widths.get(i).and_then(serde_json::Value::as_u64);
        match (width(0), width(1)) {
            (Some(page), Some(viewport)) => Ok((page, viewport)),
            _ => bail!("unexpected page widths from the browser: {widths}"),
        }
    }
}

impl Browser {
    /// Waits for a page whose `<h1>` contains `heading` (a click navigates asynchronously),
    /// then checks that nothing sticks out sideways at phone width.
    ///
    /// # Panics
    /// When no such page appears in ten seconds, or it is wider than the phone.
    pub async fn expect_page(&self, heading: &str) {
        let xpath = format!("//h1[contains(., '{heading}')]");
        if let Err(err) = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(fantoccini::Locator::XPath(&xpath))
            .await
        {
            let url = self
                .client
                .current_url()
                .await
                .map(String::from)
                .unwrap_or_default();
            let source = self.client.source().await.unwrap_or_default();
            let start: String = source.chars().take(1500).collect();
            panic!("no page headed {heading:?} appeared ({err}); at {url}:\n{start}");
        }
        let (page, viewport) = self
            .page_and_viewport_width()
            .await
            .expect("the page widths");
        assert_eq!(viewport, PHONE_WIDTH, "{heading:?} lays out at phone width");
        assert!(
            page <= PHONE_WIDTH,
            "the page {heading:?} is {page} px wide on a {PHONE_WIDTH} px phone"
        );
    }

    /// Waits for `text` to appear in the main content (after a click that reloads the page).
    ///
    /// # Panics
    /// When it does not appear in ten seconds.
    pub async fn expect_text(&self, text: &str) {
        let xpath = format!("//main//*[contains(text(), '{text}')]");
        if let Err(err) = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(fantoccini::Locator::XPath(&xpath))
            .await
        {
            let source = self.client.source().await.unwrap_or_default();
            panic!("{text:?} did not appear ({err}):\n{source}");
        }
    }

    /// Types into the main content's input named `name`.
    ///
    /// # Panics
    /// When there is no such input.
    pub async fn fill(&self, name: &str, text: &str) {
        self.fill_css(&format!(r#"main input[name="{name}"]"#), text)
            .await;
    }

    /// Types into the first element matching `css`.
    ///
    /// # Panics
    /// When there is none.
    pub async fn fill_css(&self, css: &str, text: &str) {
        let input = self
            .client
            .find(fantoccini::Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("no {css}: {err}"));
        input.send_keys(text).await.expect("typing");
    }

    /// Clicks the first element matching `css`.
    ///
    /// # Panics
    /// When there is none.
    pub async fn click(&self, css: &str) {
        let element = self
            .client
            .find(fantoccini::Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("no {css}: {err}"));
        element.click().await.expect("clicking");
    }

    /// Opens `url` in the browser.
    ///
    /// # Panics
    /// When the browser cannot navigate.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("navigating");
    }
}

/// Where tests put screenshots: `target/screenshots/<name>` at the workspace root.
pub fn screenshot_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/screenshots")
        .join(name)
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
    }
}

/// Kills chromedriver unless disarmed by `take`.
struct DriverGuard(Option<Child>);

impl DriverGuard {
    fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("chromedriver guard still armed")
    }

    fn take(&mut self) -> Child {
        self.0.take().expect("chromedriver guard still armed")
    }
}

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            kill_group(child);
        }
    }
}

/// Kills chromedriver's process group (chromedriver and the Chromium it started).
fn kill_group(child: &mut Child) {
    // `kill -- -PGID` reaches the whole group; std can only signal the child itself.
    let group = format!("-{}", child.id());
    let killed = Command::new("kill")
        .args(["-KILL", "--", &group])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !killed {
        let _ = child.kill();
    }
    // Reap it so no zombie is left behind.
    let _ = child.wait();
}

fn binary(env: &str, default: &str) -> anyhow::Result<PathBuf> {
    let path = std::env::var_os(env).map_or_else(|| PathBuf::from(default), PathBuf::from);
    if !path.is_file() {
        bail!(
            "{} not found (set {env} to override): install Debian's chromium and chromium-driver \
             (apt-get install -y chromium chromium-driver fonts-noto-cjk)",
            path.display()
        );
    }
    Ok(path)
}

/// A port that was free a moment ago: bind port 0, note the number, release it.
fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("find a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Polls chromedriver's `/status` until it reports ready, failing fast if it exits.
async fn wait_until_ready(webdriver: &str, driver: &mut Child) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = driver.try_wait()? {
            bail!("chromedriver exited before it was ready: {status}");
        }
        let ready = match http.get(format!("{webdriver}/status")).send().await {
            Ok(res) => res
                .json::<serde_json::Value>()
                .await
                .is_ok_and(|v| v["value"]["ready"] == json!(true)),
            Err(_) => false,
        };
        if ready {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("chromedriver did not answer {webdriver}/status within 20 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
