//! The `emporium` binary as an operator uses it: commands, settings, and a served
//! process stopped by SIGTERM. Runs on SQLite and, when configured, PostgreSQL.

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use emporium_testkit::{TestDb, engine_test};
use serde_json::{Value, json};

/// The binary under test, with settings pointing at `db` and a scratch data dir.
fn emporium(db: &TestDb, data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_emporium"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("EMPORIUM_DATA_DIR", data_dir)
        .env("EMPORIUM_DATABASE_URL", &db.url)
        .env("EMPORIUM_BCRYPT_COST", "10")
        .env("RUST_LOG", "warn");
    cmd
}

fn run(mut cmd: Command, stdin: Option<&str>) -> Output {
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(input) = stdin {
        pipe.write_all(input.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Starts `serve` on a free port; returns the child and its base URL.
fn serve(db: &TestDb, data_dir: &Path) -> (Child, String) {
    serve_with(db, data_dir, &[])
}

/// Starts `serve` on a free port with extra arguments; returns the child and its base URL
/// (`http://` or, with a certificate, `https://`).
fn serve_with(db: &TestDb, data_dir: &Path, extra: &[&std::ffi::OsStr]) -> (Child, String) {
    let mut cmd = emporium(db, data_dir);
    cmd.args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    (child, url)
}

async fn migrate_then_create_a_staff_account_then_serve_it(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        {
            let mut c = emporium(&db, dir.path());
            c.arg("migrate");
            c
        },
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("up to date"));

    let create = |name: &str| {
        let mut c = emporium(&db, dir.path());
        c.args([
            "user",
            "create",
            "--username",
            name,
            "--password-stdin",
            "--role",
            "staff",
        ]);
        c
    };
    let out = run(create("boss"), Some("staff-password-1\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("created staff \"boss\"") && text(&out.stdout).contains("role owner"),
        "{}",
        text(&out.stdout)
    );
    let mut packer = create("packer");
    packer.args(["--staff-role", "fulfilment"]);
    let out = run(packer, Some("staff-password-2\n"));
    assert!(text(&out.stdout).contains("role fulfilment"), "{}", text(&out.stderr));

    let again = run(create("BOSS"), Some("another-password\n"));
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already taken"), "{}", text(&again.stderr));

    // The server reads the same database: the account made above can log in.
    let (mut child, url) = serve(&db, dir.path());
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"username": "boss", "password": "staff-password-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(login["user"]["role"], "staff", "{login}");

    // SIGTERM stops it cleanly.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}
engine_test!(migrate_then_create_a_staff_account_then_serve_it);

async fn the_demo_loads_once_and_the_index_rebuilds_from_it(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let demo = || {
        let mut c = emporium(&db, dir.path());
        c.args(["demo", "--products", "300", "--shoppers", "20"]);
        c
    };
    let out = run(demo(), None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("loading demo catalogue… 300 new products of 300"),
        "{said}"
    );
    let orders: usize = said
        .split("orders… 90 days: ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(
        (30..=150).contains(&orders),
        "20 shoppers order about 3 times each in 90 days, and `demo` 8 times: {orders}"
    );
    let again = run(demo(), None);
    assert!(
        text(&again.stdout).contains("0 new products of 300") && text(&again.stdout).contains("days: 0 orders"),
        "{}",
        text(&again.stdout)
    );

    let mut c = emporium(&db, dir.path());
    c.arg("reindex");
    let out = run(c, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("search index rebuilt: 300 products"),
        "{}",
        text(&out.stdout)
    );
    assert!(dir.path().join("search").join("meta.json").exists());

    let mut c = emporium(&db, dir.path());
    c.arg("check");
    let out = run(c, None);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).starts_with("clean:"), "{}", text(&out.stdout));

    // A served instance finds demo products in Chinese and English, and serves the
    // model the demo history built.
    let (mut child, url) = serve(&db, dir.path());
    let client = reqwest::Client::new();
    for q in ["手机", "tea"] {
        let page: Value = client
            .get(format!("{url}/api/v1/products?q={q}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(!page["data"].as_array().unwrap().is_empty(), "{q}: {page}");
    }
    // Every demo product has a drawing of its own category, served as SVG under a policy
    // that lets it run nothing; the shop shows no placeholder.
    let page: Value = client
        .get(format!("{url}/api/v1/products?limit=100"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for product in page["data"].as_array().unwrap() {
        let image = &product["gallery"][0];
        let src = image["url"].as_str().unwrap_or_default();
        assert!(src.starts_with("/media/demo/") && src.ends_with(".svg"), "{product}");
        assert!(!image["alt"].as_str().unwrap_or_default().is_empty(), "{product}");
    }
    // Every demo product speaks English too: its name, and the labels of its options.
    let english: Value = client
        .get(format!("{url}/api/v1/products?limit=100"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let chinese = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for product in english["data"].as_array().unwrap() {
        let name = product["name"].as_str().unwrap();
        assert!(
            name != product["original_name"] && !chinese(name),
            "an English name: {product}"
        );
        for option in product["options"].as_array().unwrap() {
            assert!(!chinese(option["label"].as_str().unwrap()), "{option}");
        }
    }
    let first = page["data"][0]["images"][0].as_str().unwrap();
    let drawing = client.get(format!("{url}{first}")).send().await.unwrap();
    assert_eq!(drawing.status(), 200);
    assert_eq!(drawing.headers()["content-type"], "image/svg+xml");
    assert_eq!(
        drawing.headers()["content-security-policy"],
        "default-src 'none'; style-src 'unsafe-inline'"
    );
    assert!(drawing.text().await.unwrap().starts_with("<svg "));
    let home = client
        .get(format!("{url}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("/media/demo/") && !home.contains("placeholder.svg"),
        "{home}"
    );

    // The `demo` shopper has an order in every state, and a return.
    let login = |name: &'static str, password: &'static str| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let answer: Value = client
                .post(format!("{url}/api/v1/auth/login"))
                .json(&json!({"username": name, "password": password}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            answer["token"].as_str().unwrap().to_owned()
        }
    };
    let demo_token = login("demo", "demo-password").await;
    let mine: Value = client
        .get(format!("{url}/api/v1/orders?limit=50"))
        .bearer_auth(&demo_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let states: std::collections::BTreeSet<&str> = mine["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    for state in [
        "pending_payment",
        "paid",
        "shipped",
        "received",
        "cancelled",
        "refunded",
    ] {
        assert!(states.contains(state), "no {state} order of demo's: {states:?}");
    }
    let returns: Value = client
        .get(format!("{url}/api/v1/returns"))
        .bearer_auth(&demo_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(returns["data"].as_array().unwrap().len() >= 2, "{returns}");
    // Ninety days of it: orders paid in the first month of the range and in the last.
    let staff_token = login("staff", "staff-password").await;
    let stats: Value = client
        .get(format!("{url}/api/v1/admin/stats?from={}", days_ago(89)))
        .bearer_auth(&staff_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let days = stats["days"].as_array().unwrap();
    assert_eq!(days.len(), 90, "{stats}");
    let paid = |range: &[Value]| range.iter().map(|d| d["orders"].as_i64().unwrap()).sum::<i64>();
    assert!(
        paid(&days[..30]) > 0 && paid(&days[60..]) > paid(&days[..30]),
        "{stats}"
    );
    assert!(stats["totals"]["refunds"].as_i64().unwrap() > 0, "{stats}");

    let mut recommended = 0;
    for id in 1..=300 {
        let list: Value = client
            .get(format!("{url}/api/v1/products/{id}/also-bought"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        recommended += list["data"].as_array().unwrap().len();
    }
    assert!(
        recommended > 0,
        "the demo's orders give some product an also-bought list"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
engine_test!(the_demo_loads_once_and_the_index_rebuilds_from_it);

/// `YYYY-MM-DD` (UTC) of `n` days before today.
fn days_ago(n: u64) -> String {
    (chrono::Utc::now().date_naive() - chrono::Days::new(n))
        .format("%Y-%m-%d")
        .to_string()
}

async fn bad_accounts_are_refused_with_a_reason(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = emporium(&db, dir.path());
    c.args(["user", "create", "--username", "ok_name", "--password", "short"]);
    let out = run(c, None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("password"), "{}", text(&out.stderr));

    let mut c = emporium(&db, dir.path());
    c.args([
        "user",
        "create",
        "--username",
        "x",
        "--password",
        "long-enough-1",
        "--role",
        "admin",
    ]);
    let out = run(c, None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("role"), "{}", text(&out.stderr));

    // A staff role only for staff, and only a known one.
    for args in [
        ["--role", "customer", "--staff-role", "owner"],
        ["--role", "staff", "--staff-role", "admin"],
    ] {
        let mut c = emporium(&db, dir.path());
        c.args(["user", "create", "--username", "someone", "--password", "long-enough-1"]);
        c.args(args);
        let out = run(c, None);
        assert!(!out.status.success(), "{args:?}");
        assert!(text(&out.stderr).contains("staff"), "{}", text(&out.stderr));
    }
}
engine_test!(bad_accounts_are_refused_with_a_reason);

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_emporium"));
    c.env("EMPORIUM_DATA_DIR", dir.path())
        .env("RUST_LOG", "info")
        .args(["--log-format", "json", "serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let entry: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    assert_eq!(entry["level"], "INFO", "{entry}");
    assert!(entry["timestamp"].is_string(), "{entry}");
}

/// A log that is not a terminal (a file, a pipe, a collector) is plain text: no colour
/// codes, whatever `NO_COLOR` says.
#[test]
fn human_logs_to_a_file_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_emporium"));
    c.env("EMPORIUM_DATA_DIR", dir.path())
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .env_remove("EMPORIUM_LOG_FORMAT")
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.contains("INFO"), "{line:?}");
    assert!(!line.contains('\u{1b}'), "colour codes in a log file: {line:?}");
}

#[test]
fn every_command_lists_only_the_flags_it_uses() {
    let help = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_emporium"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let user = help(&["user", "create", "--help"]);
    assert!(user.contains("--username") && user.contains("--data-dir") && user.contains("--bcrypt-cost"));
    for foreign in ["--addr", "--smtp-url", "--alipay-app-id", "--tls-cert", "--redis-url"] {
        assert!(!user.contains(foreign), "{foreign} in `user create --help`:\n{user}");
    }
    assert!(!help(&["user", "--help"]).contains("--addr"));
    let serve = help(&["serve", "--help"]);
    assert!(serve.contains("--addr") && serve.contains("--demo") && serve.contains("--smtp-url"));
}

#[test]
fn the_embedded_default_lives_in_the_data_dir_and_flags_beat_the_environment() {
    let env_dir = tempfile::tempdir().unwrap();
    let flag_dir = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_emporium"));
    c.env_remove("EMPORIUM_DATABASE_URL")
        .env("EMPORIUM_DATA_DIR", env_dir.path())
        .arg("--data-dir")
        .arg(flag_dir.path())
        .arg("migrate");
    let out = run(c, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(flag_dir.path().join("emporium.db").exists());
    assert!(!env_dir.path().join("emporium.db").exists());
}

#[test]
fn a_bcrypt_cost_below_ten_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_emporium"));
    c.env("EMPORIUM_DATA_DIR", dir.path())
        .env("EMPORIUM_BCRYPT_COST", "9")
        .args(["user", "create", "--username", "someone", "--password", "long-enough-1"]);
    let out = run(c, None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("bcrypt-cost"), "{}", text(&out.stderr));
}

#[test]
fn recommendations_rebuild_stores_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_emporium"));
    c.env("EMPORIUM_DATA_DIR", dir.path())
        .args(["recommendations", "rebuild"]);
    let out = run(c, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("model 1 stored: 0 buyers"),
        "{}",
        text(&out.stdout)
    );
}

/// With `--tls-cert` and `--tls-key` the binary serves https itself: the handshake
/// verifies against the certificate, answers carry HSTS, cookies are `Secure`, and plain
/// http on the same port gets no answer. A missing key file stops start-up, naming it.
#[test]
fn serves_https_with_a_certificate_and_key() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, generated.cert.pem()).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();

    let missing = run(
        {
            let mut c = emporium(&db, dir.path());
            c.args(["serve", "--addr", "127.0.0.1:0", "--tls-cert"]).arg(&cert);
            c.arg("--tls-key").arg(dir.path().join("nope.pem"));
            c
        },
        None,
    );
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("nope.pem"), "{}", text(&missing.stderr));

    let (mut child, url) = serve_with(
        &db,
        dir.path(),
        &[
            "--tls-cert".as_ref(),
            cert.as_os_str(),
            "--tls-key".as_ref(),
            key.as_os_str(),
        ],
    );
    let addr = url
        .strip_prefix("https://")
        .unwrap_or_else(|| panic!("not https: {url}"));
    let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (health, page) = runtime.block_on(async {
        let health = https_get(port, "/healthz", generated.cert.der()).await;
        let page = https_get(port, "/login", generated.cert.der()).await;
        (health, page)
    });
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(
        health
            .to_ascii_lowercase()
            .contains("strict-transport-security: max-age="),
        "{health}"
    );
    let cookie = page
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie: emporium_anon="))
        .unwrap_or_else(|| panic!("no anonymous cookie in {page}"));
    assert!(cookie.contains("; Secure"), "{cookie}");

    let plain = plain_http_answer(port);
    assert!(plain.is_none(), "plain http answered {plain:?}");
    child.kill().unwrap();
    child.wait().unwrap();
}

/// One `GET` over TLS trusting only `cert`; answers the raw response head and body.
async fn https_get(port: u16, path: &str, cert: &rustls::pki_types::CertificateDer<'static>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.clone()).unwrap();
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tls.read_to_end(&mut response).await.unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

/// Plain http against the TLS port: `Some(answer)` only if it was answered 200.
fn plain_http_answer(port: u16) -> Option<String> {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).ok()?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    text.starts_with("HTTP/1.1 200").then(|| text.into_owned())
}

/// Key rotation as an operator does it: data sealed under the first key, a new key added,
/// everything re-sealed, the old key removed, and the data still reads. An instance with
/// a key of its own is refused at start instead of writing what the others cannot read.
#[test]
fn data_keys_rotate_reseal_and_a_foreign_keyring_is_refused() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = serve(&db, dir.path());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let body = json!({"username": "mei", "password": "password123"});
        http.post(format!("{url}/api/v1/auth/register")).json(&body).send().await.unwrap();
        let login: Value = http.post(format!("{url}/api/v1/auth/login")).json(&body).send().await.unwrap().json().await.unwrap();
        let token = login["token"].as_str().unwrap();
        let address = json!({"recipient": "李梅", "phone": "13912345678", "line1": "世纪大道 100 号", "city": "上海", "country": "CN"});
        let r = http.post(format!("{url}/api/v1/me/addresses")).bearer_auth(token).json(&address).send().await.unwrap();
        assert_eq!(r.status(), 201);
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let keys_file = dir.path().join("data-keys");
    let first = std::fs::read_to_string(&keys_file).unwrap();

    let out = run(
        {
            let mut c = emporium(&db, dir.path());
            c.args(["keys", "rotate"]);
            c
        },
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rotated = std::fs::read_to_string(&keys_file).unwrap();
    let key_lines: Vec<&str> = rotated.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(key_lines.len(), 2, "{rotated}");
    assert!(first.contains(key_lines[1]), "the old key stays, after the new one");

    let out = run(
        {
            let mut c = emporium(&db, dir.path());
            c.args(["keys", "reseal"]);
            c
        },
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The address's four values are sealed under the customer's own data key: a rotation
    // re-wraps that one key under the new keyring key, and leaves them as they are.
    assert!(
        text(&out.stdout).contains("re-sealed 1 values"),
        "{}",
        text(&out.stdout)
    );

    // Retire the old key: everything still opens, and `check` says so.
    std::fs::write(&keys_file, format!("{}\n", key_lines[0])).unwrap();
    let out = run(
        {
            let mut c = emporium(&db, dir.path());
            c.arg("check");
            c
        },
        None,
    );
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));

    // A keyring that never sealed this database: refused before serving, with the way out.
    let foreign = "other AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let out = run(
        {
            let mut c = emporium(&db, dir.path());
            c.env("EMPORIUM_DATA_KEYS", foreign).arg("check");
            c
        },
        None,
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("same keys"), "{}", text(&out.stderr));
}
