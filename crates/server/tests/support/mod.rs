//! `TestApp`: a real server on a real socket over a fresh database, and a client with
//! helpers that make each test read like a user story (the shopping ones in [`shop`]).
//! Shared by the API and the browser suites.

mod links;
mod shop;

use std::net::SocketAddr;
use std::sync::Arc;

use emporium_api::Problem;
use emporium_app::WriteLimits;
use emporium_app::media::MediaStorage;
use emporium_app::passwords::Passwords;
use emporium_app::{AppConfig, AppState, search_sync};
use emporium_domain::account::{Password, Role, Username};
use emporium_domain::time::{Clock, ManualClock};
use emporium_search::{Opened, SearchIndex};
use emporium_server::{Background, Running, Server};
use emporium_store::Store;
use emporium_store::accounts::NewUser;
use emporium_testkit::TestDb;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

pub use shop::{NewProduct, json_of};

/// A running server and what a test needs to drive it.
pub struct TestApp {
    /// Where the server listens.
    pub addr: SocketAddr,
    /// The database's URL (for another instance on it).
    pub url: String,
    /// The server's clock: tests move it instead of sleeping.
    pub clock: ManualClock,
    /// Direct access to the database, for assertions.
    pub store: Store,
    /// This instance's search index.
    pub index: SearchIndex,
    /// The server's state (for jobs and secrets).
    pub state: AppState,
    client: reqwest::Client,
    /// Where this instance keeps uploaded images (removed with the app).
    pub media_dir: Arc<tempfile::TempDir>,
    /// The server and its loops; they stop when the test's app is dropped.
    _server: Running,
    _db: Option<TestDb>,
}

/// bcrypt's lowest cost keeps the suite fast; production settings require at least 10.
const TEST_BCRYPT_COST: u32 = 4;

impl TestApp {
    /// Starts a server over `db` with test settings.
    pub async fn spawn(db: TestDb) -> Self {
        Self::spawn_with(
            db,
            AppConfig {
                bcrypt_cost: TEST_BCRYPT_COST,
                // Stories make writes faster than any person; the limits have their own test.
                write_limits: WriteLimits::OFF,
                ..AppConfig::default()
            },
        )
        .await
    }

    /// Starts a server over `db` with the given settings.
    pub async fn spawn_with(db: TestDb, config: AppConfig) -> Self {
        let mut app = Self::spawn_on(&db.url, config).await;
        app._db = Some(db);
        app
    }

    /// Starts another instance on the database of `db` (several instances behind a load
    /// balancer), with its own search index following the shared change feed.
    pub async fn spawn_on(url: &str, config: AppConfig) -> Self {
        Self::spawn_with_cache(url, config, None).await
    }

    /// Like [`TestApp::spawn_on`], with the given order cache (e.g. a shared Redis one).
    pub async fn spawn_with_cache(
        url: &str,
        config: AppConfig,
        cache: Option<emporium_app::order_cache::OrderCache>,
    ) -> Self {
        Self::spawn_custom(url, config, cache, None).await
    }

    /// Starts an instance on the database at `url` keeping its media in `media` (an S3
    /// bucket that several instances share) instead of a directory of its own.
    pub async fn spawn_on_with_media(url: &str, config: AppConfig, media: Arc<dyn MediaStorage>) -> Self {
        Self::spawn_custom(url, config, None, Some(media)).await
    }

    async fn spawn_custom(
        url: &str,
        config: AppConfig,
        cache: Option<emporium_app::order_cache::OrderCache>,
        media: Option<Arc<dyn MediaStorage>>,
    ) -> Self {
        let store = Store::open(&emporium_store::StoreOptions::new(url).with_keys(emporium_testkit::test_keys()))
            .await
            .expect("open store");
        let index = SearchIndex::in_memory().expect("search index");
        search_sync::prepare(&store, &index, &Opened::Created)
            .await
            .expect("index built");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        // Each instance keeps its uploads in its own directory, as on its own machine.
        let media_dir = Arc::new(tempfile::tempdir().expect("media dir"));
        let config = AppConfig {
            public_url: format!("http://{addr}"),
            media_dir: media_dir.path().to_owned(),
            ..config
        };
        let clock = ManualClock::starting_now();
        let mut state = AppState::with_clock(store.clone(), index.clone(), config, Arc::new(clock.clone()))
            .await
            .expect("state");
        if let Some(cache) = cache {
            state = state.with_order_cache(cache);
        }
        if let Some(media) = media {
            state = state.with_media_storage(media);
        }
        // The tests run the jobs themselves, one pass at a time, after moving the clock.
        let server = Server::start(state.clone(), listener, None, Background::WithoutJobs);
        Self {
            addr,
            url: url.to_owned(),
            clock,
            store,
            index,
            state,
            media_dir,
            client: reqwest::Client::new(),
            _server: server,
            _db: None,
        }
    }

    /// Runs the background jobs that are due now (tests move the clock, then call this).
    pub async fn run_jobs(&self) -> emporium_app::jobs::Report {
        emporium_app::jobs::run_due(&self.state).await.expect("jobs ran")
    }

    /// Runs `emporium check`'s invariants and fails the test on any violation.
    pub async fn assert_clean(&self) {
        let (_, violations) = self.store.check_invariants().await.expect("check ran");
        assert!(violations.is_empty(), "invariants broken: {violations:#?}");
    }

    /// The same app with another public URL (where the sandbox sends notifications).
    pub async fn with_public_url(mut self, url: &str) -> Self {
        let config = AppConfig {
            public_url: url.to_owned(),
            ..self.state.config().clone()
        };
        let clock: Arc<dyn Clock> = Arc::new(self.clock.clone());
        self.state = AppState::with_clock(self.store.clone(), self.index.clone(), config, clock)
            .await
            .expect("state");
        self
    }

    /// Uploads an image to `product` as staff would: a `multipart/form-data` body with a
    /// `file` part (named `filename`, declared `image/png` whatever it holds) and, when
    /// given, an `alt` part.
    pub async fn upload_image(
        &self,
        token: &str,
        product: i64,
        file: &[u8],
        filename: &str,
        alt: Option<&str>,
    ) -> Response {
        let mut parts = vec![("file", Some(filename), file.to_vec())];
        if let Some(alt) = alt {
            parts.push(("alt", None, alt.as_bytes().to_vec()));
        }
        let (content_type, body) = multipart(&parts);
        self.request(Method::POST, &format!("/api/v1/products/{product}/images"))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Every file under this instance's media directory, as paths relative to it.
    pub fn media_files(&self) -> Vec<String> {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, root, out);
                } else if let Ok(rel) = path.strip_prefix(root) {
                    out.push(rel.display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        walk(self.media_dir.path(), self.media_dir.path(), &mut out);
        out.sort();
        out
    }

    /// Brings the search index up to date with the database now.
    pub async fn catch_up_search(&self) {
        search_sync::catch_up(&self.store, &self.index)
            .await
            .expect("search caught up");
    }

    /// A request to `path` on this server.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("http://{}{path}", self.addr))
    }

    /// Sends a JSON body, optionally with a bearer token.
    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Response {
        let mut req = self.request(method, path);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request sent")
    }

    /// `POST` JSON without a token.
    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.send(Method::POST, path, None, Some(body)).await
    }

    /// Registers an account; answers the raw response.
    pub async fn register(&self, username: &str, password: &str) -> Response {
        self.post(
            "/api/v1/auth/register",
            json!({ "username": username, "password": password }),
        )
        .await
    }

    /// Logs in; answers the raw response.
    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post(
            "/api/v1/auth/login",
            json!({ "username": username, "password": password }),
        )
        .await
    }

    /// Creates a staff account (as `emporium user create --role staff` does) and logs it
    /// in; answers the token.
    pub async fn staff(&self, username: &str) -> String {
        let password = Password::parse("password", "staff-password").expect("password");
        let password_hash = Passwords::new(TEST_BCRYPT_COST).hash(&password).await.expect("hash");
        let username_parsed = Username::parse(username).expect("username");
        let user = NewUser {
            username: username_parsed,
            password_hash,
            email: None,
            role: Role::Staff,
        };
        self.store
            .create_user(user, self.clock.now())
            .await
            .expect("staff created");
        let body: Value = self
            .login(username, "staff-password")
            .await
            .json()
            .await
            .expect("login json");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Creates a staff account with `role` (as `emporium user create --role staff
    /// --staff-role <role>` does) and logs it in; answers the token.
    pub async fn staff_as(&self, username: &str, role: emporium_domain::staff::StaffRole) -> String {
        let password = Password::parse("password", "staff-password").expect("password");
        let password_hash = Passwords::new(TEST_BCRYPT_COST).hash(&password).await.expect("hash");
        let user = NewUser {
            username: Username::parse(username).expect("username"),
            password_hash,
            email: None,
            role: Role::Staff,
        };
        self.store
            .create_staff(None, user, role, self.clock.now())
            .await
            .expect("staff created");
        let body: Value = self
            .login(username, "staff-password")
            .await
            .json()
            .await
            .expect("login json");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Registers and logs in a customer; answers their token.
    pub async fn customer(&self, username: &str) -> String {
        assert_eq!(
            self.register(username, "password123").await.status(),
            StatusCode::CREATED
        );
        let body: Value = self
            .login(username, "password123")
            .await
            .json()
            .await
            .expect("login json");
        body["token"].as_str().expect("token").to_owned()
    }
}

/// The suites fail on any 5xx but a `503` (the database out of reach, which one test
/// provokes): whatever test a server error happened in, the next app to finish names it.
/// The count is the process's, as the server's own metrics keep it.
impl Drop for TestApp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let metrics = emporium_app::metrics::handle().render();
        let errors: Vec<&str> = metrics
            .lines()
            .filter(|l| l.starts_with("emporium_http_server_errors_total{") && !l.contains("status=\"503\""))
            .collect();
        assert!(errors.is_empty(), "the server answered 5xx: {errors:?}");
    }
}

/// Asserts the response is a problem document with `status` and `code`, and returns it.
pub async fn expect_problem(response: Response, status: StatusCode, code: &str) -> Problem {
    assert_eq!(response.status(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let problem: Problem = response.json().await.expect("problem json");
    assert_eq!(problem.code, code, "code (detail: {})", problem.detail);
    assert_eq!(problem.status, status.as_u16());
    problem
}

/// The fields a problem names.
pub fn fields(problem: &Problem) -> Vec<&str> {
    problem.errors.iter().map(|e| e.field.as_str()).collect()
}

/// Runs one story on a fresh app for each engine: `async fn story(app: TestApp)` followed
/// by `app_test!(story);` (see `emporium_testkit::engine_test`).
#[macro_export]
macro_rules! app_test {
    ($($name:ident),+ $(,)?) => {
        emporium_testkit::engine_test!(with $crate::support::TestApp::spawn; $($name),+);
    };
}

/// A `multipart/form-data` body of `(name, filename, bytes)` parts, and its content type.
pub fn multipart(parts: &[(&str, Option<&str>, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "emporium-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: image/png\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
