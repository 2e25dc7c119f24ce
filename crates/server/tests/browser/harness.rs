//! Drives Debian's headless Chromium through chromedriver (WebDriver, via `fantoccini`)
//! against a real server on a real socket, and keeps a screenshot of every step in
//! `target/browser-artifacts/<test>/<nn>-<step>.png` (a failing step's file ends in
//! `-FAILED.png`).
//!
//! Every page a journey visits is checked before the journey leaves it: axe-core (from
//! npm, `interop/axe`, installed by `.ci/interop.sh`) for serious and critical
//! accessibility violations, the detectors of [`detect`] for amounts in minor units,
//! internal ids and interface text in the other language, and at phone width for a page
//! wider than the screen and tap targets under 44 px. A finding fails the step it was
//! found in, unless [`KNOWN_EXCEPTIONS`] names it. `EMPORIUM_BROWSER_CHECKS=report`
//! prints the findings instead of failing (for a survey of a change).
//!
//! axe is injected with WebDriver's `execute`, which chromedriver evaluates through the
//! DevTools protocol: the page's `script-src 'none'` does not apply to it (the tour checks
//! that the policy still stops a script the page itself would add).
//!
//! Without Chromium the suite skips with a printed reason, except under `CI=true`, where
//! a missing browser is a failure; so is a missing axe-core.

mod detect;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::support::TestApp;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A phone's screen (an iPhone 12 to 15): the width every page must work at.
pub const PHONE: (u32, u32) = (390, 844);
/// A laptop's window.
pub const DESKTOP: (u32, u32) = (1280, 900);

/// What the test support writes into the shop without a browser (the address of
/// `TestApp::add_address`, the carrier of `TestApp::deliver`): content, not interface.
const FIXTURE_CONTENT: &[&str] = &["王小明", "+86 138 0013 8000", "建国路 88 号", "北京", "SF Express"];

/// Findings the suite knows about and lets pass until the page is fixed: each names the
/// page (a path prefix), the check (`axe:<rule>`, `minor-units`, `internal-id`,
/// `untranslated`, `overflow`, `tap-target`), a piece of the finding's text, and why it
/// waits. Remove an entry with the fix that makes it unnecessary.
pub const KNOWN_EXCEPTIONS: &[Exception] = &[];

/// A finding let pass for now; see [`KNOWN_EXCEPTIONS`].
pub struct Exception {
    /// The page: a path prefix (`/admin/orders/`).
    pub path: &'static str,
    /// The check.
    pub check: &'static str,
    /// A piece of the finding's text (empty: any).
    pub detail: &'static str,
    /// Why it waits, and for whom.
    pub why: &'static str,
}

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

/// axe-core's script, from `interop/axe` (`None`, with a note, when it is not installed;
/// under `CI=true` that is a failure).
fn axe_source() -> Option<&'static str> {
    static AXE: OnceLock<Option<String>> = OnceLock::new();
    AXE.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop/axe/node_modules/axe-core/axe.min.js");
        match std::fs::read_to_string(&path) {
            Ok(source) => Some(source),
            Err(e) => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "CI=true but axe-core is missing at {}: run .ci/interop.sh ({e})",
                    path.display()
                );
                eprintln!(
                    "no accessibility scan: {} is missing (run .ci/interop.sh)",
                    path.display()
                );
                None
            }
        }
    })
    .as_deref()
}

/// Whether findings only print (`EMPORIUM_BROWSER_CHECKS=report`) instead of failing.
fn report_only() -> bool {
    std::env::var("EMPORIUM_BROWSER_CHECKS").as_deref() == Ok("report")
}

/// A chromedriver process, stopped on drop.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What the checks have to go on between two steps.
#[derive(Default)]
struct Checks {
    /// The current page has not been checked yet.
    pending: bool,
    /// What this step's pages showed that they should not have.
    findings: Vec<String>,
    /// Text that is content, not interface: names, descriptions, what was typed.
    content: BTreeSet<String>,
    /// Pages checked so far.
    pages: u32,
    /// The window's size as last set.
    window: (u32, u32),
}

/// A headless browser on a test server, recording a screenshot per step and checking
/// every page it visits.
pub struct Journey {
    /// The WebDriver session.
    pub client: Client,
    /// The server under test.
    pub base: String,
    dir: PathBuf,
    step: u32,
    checks: Mutex<Checks>,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

impl Journey {
    /// Starts chromedriver and a fresh headless Chromium for test `name`; the names and
    /// descriptions of the shop's products (in both languages) count as content.
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
        client.set_window_size(DESKTOP.0, DESKTOP.1).await?;
        let dir = artifacts().join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        eprintln!("browser journey {name}: screenshots in {}", dir.display());
        let journey = Self {
            client,
            base: format!("http://{}", app.addr),
            dir,
            step: 0,
            checks: Mutex::new(Checks {
                window: DESKTOP,
                ..Checks::default()
            }),
            _driver: driver,
            _profile: profile,
        };
        journey.catalogue_is_content(app).await;
        journey.content(FIXTURE_CONTENT.iter().copied());
        Ok(journey)
    }

    /// Counts the names, descriptions, categories, options and SKUs of the shop's
    /// products in both languages as content (call again after adding products).
    pub async fn catalogue_is_content(&self, app: &TestApp) {
        for lang in ["en", "zh-CN"] {
            let Ok(response) = app
                .request(reqwest::Method::GET, "/api/v1/products?limit=100&include_inactive=true")
                .header("accept-language", lang)
                .send()
                .await
            else {
                continue;
            };
            let Ok(body) = response.json::<Value>().await else {
                continue;
            };
            let mut found = Vec::new();
            content_strings(&body, false, &mut found);
            self.content(found.iter().map(String::as_str));
        }
    }

    /// Counts `texts` as content: the detectors of untranslated text leave them out.
    pub fn content<'a>(&self, texts: impl IntoIterator<Item = &'a str>) {
        let mut checks = self.checks.lock().expect("checks");
        for text in texts {
            // A structured entry ("颜色: 黑, 白") shows in pieces.
            for piece in text.split(['\n', ',', ':', '=', '/', '·']).chain([text]) {
                let piece = piece.trim();
                // A number or a lone letter is no word of any language, and cutting it
                // out would cut it out of everything else too.
                let word = piece.chars().any(|c| c.is_alphabetic()) && (piece.chars().count() > 1 || !piece.is_ascii());
                if word {
                    checks.content.insert(piece.to_owned());
                }
            }
        }
    }

    /// Resizes the window: [`PHONE`] or [`DESKTOP`].
    pub async fn resize(&self, (width, height): (u32, u32)) -> Result<()> {
        self.check_pending().await?;
        self.client.set_window_size(width, height).await?;
        let inner: u32 = serde_json::from_value(self.client.execute("return window.innerWidth;", Vec::new()).await?)?;
        anyhow::ensure!(inner == width, "the window is {inner} px wide inside, not {width}");
        let mut checks = self.checks.lock().expect("checks");
        checks.pending = true;
        checks.window = (width, height);
        Ok(())
    }

    /// Records the outcome of a step: checks the page it ended on, keeps a screenshot
    /// named after it either way (marked `-FAILED` when it failed), then returns the
    /// outcome, or the findings of the checks on the step's pages.
    pub async fn step(&mut self, name: &str, outcome: Result<()>) -> Result<()> {
        self.step += 1;
        let checked = self.check_pending().await;
        let findings = std::mem::take(&mut self.checks.lock().expect("checks").findings);
        let outcome = outcome.and(checked).and_then(|()| {
            if findings.is_empty() {
                Ok(())
            } else if report_only() {
                eprintln!(
                    "step {:02} {name}: {} finding(s):\n  {}",
                    self.step,
                    findings.len(),
                    findings.join("\n  ")
                );
                Ok(())
            } else {
                bail!("the checks found on its pages:\n  {}", findings.join("\n  "))
            }
        });
        let suffix = if outcome.is_err() { "-FAILED" } else { "" };
        let file = self.dir.join(format!("{:02}-{name}{suffix}.png", self.step));
        match self.full_page_screenshot().await {
            Ok(png) => std::fs::write(&file, png)?,
            Err(e) => eprintln!("no screenshot for {name}: {e}"),
        }
        outcome.with_context(|| format!("step {:02} {name} (screenshot: {})", self.step, file.display()))
    }

    /// A screenshot of the whole page, not only the part in the window: the window grows
    /// to the page's height (up to 4,000 px) for the picture and shrinks back after.
    async fn full_page_screenshot(&self) -> Result<Vec<u8>> {
        let (width, height) = self.checks.lock().expect("checks").window;
        let (inner, page): (u32, u32) = serde_json::from_value(
            self.client
                .execute(
                    "return [window.innerHeight, Math.ceil(document.documentElement.scrollHeight)];",
                    Vec::new(),
                )
                .await?,
        )?;
        if page <= inner {
            return Ok(self.client.screenshot().await?);
        }
        self.client
            .set_window_size(width, (height - inner + page).min(4_000))
            .await?;
        let png = self.client.screenshot().await;
        self.client.set_window_size(width, height).await?;
        Ok(png?)
    }

    /// Opens a path of the server.
    pub async fn open(&self, path: &str) -> Result<()> {
        self.check_pending().await?;
        self.client.goto(&format!("{}{path}", self.base)).await?;
        self.checks.lock().expect("checks").pending = true;
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

    /// Types into the field with CSS selector `css` (clearing it first); what is typed
    /// is content from then on.
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let field = self.element(css).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        self.content([text]);
        Ok(())
    }

    /// Clicks the element with CSS selector `css` (a link or a submit button) and waits
    /// until the browser has left the current page for the next one, which is checked
    /// before the journey leaves it in turn.
    pub async fn click(&self, css: &str) -> Result<()> {
        self.check_pending().await?;
        let old = self.client.find(Locator::Css("html")).await?;
        let element = self.element(css).await?;
        element.click().await?;
        self.checks.lock().expect("checks").pending = true;
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
    /// Unfolds the products' filter panel: its summary on a phone; on a wider screen the
    /// panel shows unfolded already, but WebDriver counts what is inside a closed
    /// `<details>` as hidden whatever the style says, so it is opened the way a click on
    /// its (there hidden) summary would.
    pub async fn unfold_filters(&self) -> Result<()> {
        let summary = self.element("#filters-toggle").await?;
        if summary.is_displayed().await? {
            summary.click().await?;
        } else {
            self.client
                .execute("document.querySelector('.filter-panel').open = true;", Vec::new())
                .await?;
        }
        Ok(())
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

    /// Checks the current page unless that was done since it loaded: what a check finds
    /// joins the step's findings; only a broken check (no answer from the browser) is an
    /// error here.
    async fn check_pending(&self) -> Result<()> {
        if !std::mem::take(&mut self.checks.lock().expect("checks").pending) {
            return Ok(());
        }
        let findings = self.check_page().await?;
        let mut checks = self.checks.lock().expect("checks");
        checks.pages += 1;
        checks.findings.extend(findings);
        Ok(())
    }

    /// Runs axe and the detectors over the current page; the findings that
    /// [`KNOWN_EXCEPTIONS`] does not name, each prefixed with the page.
    async fn check_page(&self) -> Result<Vec<String>> {
        let url = self.client.current_url().await?;
        if !url.as_str().starts_with(&self.base) {
            return Ok(Vec::new());
        }
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let mut found: Vec<(String, String)> = Vec::new();
        if let Some(axe) = axe_source() {
            self.client
                .execute(&format!("{axe}\nreturn typeof window.axe;"), Vec::new())
                .await
                .context("inject axe-core")?;
            let result = self
                .client
                .execute_async(include_str!("harness/axe_run.js"), Vec::new())
                .await
                .context("run axe-core")?;
            if let Some(error) = result.get("error") {
                bail!("axe-core on {path}: {error}");
            }
            for v in result["violations"].as_array().into_iter().flatten() {
                let targets: Vec<&str> = v["targets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                found.push((
                    format!("axe:{}", v["id"].as_str().unwrap_or("?")),
                    format!(
                        "{} ({}): {} at {}",
                        v["id"].as_str().unwrap_or("?"),
                        v["impact"].as_str().unwrap_or("?"),
                        v["help"].as_str().unwrap_or(""),
                        targets.join(", ")
                    ),
                ));
            }
        }
        let facts = self
            .client
            .execute(include_str!("harness/page_facts.js"), Vec::new())
            .await
            .context("read the page's text")?;
        let text = facts["text"].as_str().unwrap_or("");
        let lang = facts["lang"].as_str().unwrap_or("");
        let ui = {
            let checks = self.checks.lock().expect("checks");
            detect::without_content(facts["ui"].as_str().unwrap_or(""), &checks.content)
        };
        if lang.is_empty() {
            found.push(("lang".into(), "the page has no <html lang>".into()));
        }
        // The detectors read the pages a shopper reaches; the sandbox's pay page stands
        // for the provider's own, and the back office speaks to staff.
        let shopper_page = !url.path().starts_with("/admin") && !url.path().starts_with("/sandbox/");
        if shopper_page {
            let detected = detect::minor_units(text)
                .into_iter()
                .chain(detect::internal_ids(text))
                .chain(detect::untranslated(lang, &ui));
            found.extend(detected.map(|f| (f.check.to_owned(), f.to_string())));
        }
        for (check, key) in [("overflow", "overflow"), ("tap-target", "small")] {
            for item in facts[key].as_array().into_iter().flatten().filter_map(Value::as_str) {
                found.push((check.to_owned(), format!("{check}: {item}")));
            }
        }
        let width = facts["phone"]
            .as_bool()
            .map_or("", |p| if p { " at phone width" } else { "" });
        Ok(found
            .into_iter()
            .filter(|(check, detail)| {
                let excused = KNOWN_EXCEPTIONS.iter().find(|e| {
                    url.path().starts_with(e.path)
                        && (e.check == check || check.starts_with(&format!("{}:", e.check)))
                        && detail.contains(e.detail)
                });
                if let Some(e) = excused {
                    eprintln!("known exception on {path}: {detail} ({})", e.why);
                }
                excused.is_none()
            })
            .map(|(_, detail)| format!("{path} ({lang}{width}): {detail}"))
            .collect())
    }

    /// How many pages the checks have read so far.
    pub fn pages_checked(&self) -> u32 {
        self.checks.lock().expect("checks").pages
    }

    /// Ends the browser session.
    pub async fn finish(self) -> Result<()> {
        self.client.close().await?;
        Ok(())
    }
}

/// The strings of a product listing that are content: names, descriptions, categories,
/// options and their values, variant titles, SKUs.
fn content_strings(value: &Value, keep: bool, out: &mut Vec<String>) {
    const CONTENT: &[&str] = &[
        "name",
        "description",
        "original_name",
        "category",
        "sku",
        "label",
        "labels",
        "values",
        "value_labels",
        "title",
        "alt",
    ];
    match value {
        Value::String(s) if keep => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| content_strings(v, keep, out)),
        Value::Object(map) => {
            for (key, v) in map {
                content_strings(v, keep || CONTENT.contains(&key.as_str()), out);
            }
        }
        _ => {}
    }
}

/// `target/browser-artifacts` (or under `CARGO_TARGET_DIR`).
fn artifacts() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("browser-artifacts")
}
