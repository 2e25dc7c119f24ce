//! Drives Debian's headless Chromium through chromedriver (WebDriver, via `fantoccini`)
//! against a real server on a real socket, and keeps a screenshot of every step in
//! `target/browser-artifacts/<test>/<nn>-<step>.png` (a failing step's file ends in
//! `-FAILED.png`).
//!
//! Without Chromium the suite skips with a printed reason, except under `CI=true`, where
//! a missing browser is a failure.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::support::TestApp;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Whether the browser suite can run; `None` means skip (with the reason printed).
pub fn browser_available() -> bool {
    let present = std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !present {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {CHROMIUM} or {CHROMEDRIVER} is missing: install the Debian packages chromium and chromium-driver"
        );
        eprintln!("skipped: {CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)");
    }
    present
}

/// A chromedriver process, stopped on drop.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A headless browser on a test server, recording a screenshot per step.
pub struct Journey {
    /// The WebDriver session.
    pub client: Client,
    /// The server under test.
    pub base: String,
    dir: PathBuf,
    step: u32,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

impl Journey {
    /// Starts chromedriver and a fresh headless Chromium for test `name`.
    pub async fn start(app: &TestApp, name: &str) -> Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let driver = Driver(
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("start chromedriver")?,
        );
        let profile = tempfile::tempdir()?;
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--lang=en-US", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": {"intl.accept_languages": "en-US,en"},
            }
        });
        let caps = match caps {
            serde_json::Value::Object(map) => map,
            _ => bail!("capabilities must be an object"),
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        let mut client = None;
        // chromedriver needs a moment to listen.
        for _ in 0..50 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(e) => {
                    last = Some(e.to_string());
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        let client = client.with_context(|| format!("connect to chromedriver: {last:?}"))?;
        client.set_window_size(1280, 900).await?;
        let dir = artifacts().join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(Self {
            client,
            base: format!("http://{}", app.addr),
            dir,
            step: 0,
            _driver: driver,
            _profile: profile,
        })
    }

    /// Records the outcome of a step: a screenshot named after it either way (marked
    /// `-FAILED` when it failed), then the outcome itself.
    pub async fn step(&mut self, name: &str, outcome: Result<()>) -> Result<()> {
        self.step += 1;
        let suffix = if outcome.is_err() { "-FAILED" } else { "" };
        let file = self.dir.join(format!("{:02}-{name}{suffix}.png", self.step));
        match self.client.screenshot().await {
            Ok(png) => std::fs::write(&file, png)?,
            Err(e) => eprintln!("no screenshot for {name}: {e}"),
        }
        outcome.with_context(|| format!("step {:02} {name} (screenshot: {})", self.step, file.display()))
    }

    /// Opens a path of the server.
    pub async fn open(&self, path: &str) -> Result<()> {
        self.client.goto(&format!("{}{path}", self.base)).await?;
        Ok(())
    }

    /// Waits for the element with CSS selector `css` to appear.
    async fn element(&self, css: &str) -> Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .with_context(|| css.to_owned())
    }

    /// Types into the field with CSS selector `css` (clearing it first).
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let field = self.element(css).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
    }

    /// Clicks the element with CSS selector `css` (a link or a submit button) and waits
    /// until the browser has left the current page for the next one.
    pub async fn click(&self, css: &str) -> Result<()> {
        let old = self.client.find(Locator::Css("html")).await?;
        let element = self.element(css).await?;
        element.click().await?;
        // The old document's root goes stale once the next page has replaced it.
        for _ in 0..100 {
            if old.attr("lang").await.is_err() {
                self.client.wait().for_element(Locator::Css("body")).await?;
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("clicking {css} did not lead to another page")
    }

    /// Ticks (or unticks) the checkbox with CSS selector `css`; the page stays.
    pub async fn tick(&self, css: &str) -> Result<()> {
        self.element(css).await?.click().await?;
        Ok(())
    }

    /// The text of the element with CSS selector `css`.
    pub async fn text(&self, css: &str) -> Result<String> {
        let element = self.element(css).await?;
        Ok(element.text().await?)
    }

    /// The current path (and query).
    pub async fn path(&self) -> Result<String> {
        let url = self.client.current_url().await?;
        Ok(match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        })
    }

    /// The page's HTML.
    pub async fn html(&self) -> Result<String> {
        Ok(self.client.source().await?)
    }

    /// Fails unless the page's HTML contains `needle`.
    pub async fn expect_html(&self, needle: &str) -> Result<()> {
        let html = self.html().await?;
        if html.contains(needle) {
            Ok(())
        } else {
            bail!("the page at {} does not contain {needle:?}", self.path().await?)
        }
    }

    /// Ends the browser session.
    pub async fn finish(self) -> Result<()> {
        self.client.close().await?;
        Ok(())
    }
}

/// `target/browser-artifacts` (or under `CARGO_TARGET_DIR`).
fn artifacts() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("browser-artifacts")
}
