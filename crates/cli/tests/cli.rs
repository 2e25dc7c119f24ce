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
    let mut cmd = emporium(db, data_dir);
    cmd.args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    (child, url)
}

engine_test! {
    async fn migrate_then_create_a_staff_account_then_serve_it(db) {
        let dir = tempfile::tempdir().unwrap();
        let out = run({ let mut c = emporium(&db, dir.path()); c.arg("migrate"); c }, None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("up to date"));

        let create = |name: &str| {
            let mut c = emporium(&db, dir.path());
            c.args(["user", "create", "--username", name, "--password-stdin", "--role", "staff"]);
            c
        };
        let out = run(create("boss"), Some("staff-password-1\n"));
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("created staff \"boss\""), "{}", text(&out.stdout));

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
        let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert!(status.success(), "graceful shutdown exits 0, got {status}");
    }

    async fn the_demo_loads_once_and_the_index_rebuilds_from_it(db) {
        let dir = tempfile::tempdir().unwrap();
        let demo = || {
            let mut c = emporium(&db, dir.path());
            c.args(["demo", "--products", "300", "--shoppers", "20"]);
            c
        };
        let out = run(demo(), None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("loaded 300 new demo products"), "{}", text(&out.stdout));
        let orders: usize = text(&out.stdout).split(" new demo products (of 300) and ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap();
        assert!((20..=80).contains(&orders), "each of 20 shoppers orders 1-4 times: {orders}");
        let again = run(demo(), None);
        assert!(text(&again.stdout).contains("loaded 0 new demo products (of 300) and 0 orders"), "{}", text(&again.stdout));

        let mut c = emporium(&db, dir.path());
        c.arg("reindex");
        let out = run(c, None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("search index rebuilt: 300 products"), "{}", text(&out.stdout));
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
            let page: Value = client.get(format!("{url}/api/v1/products?q={q}")).send().await.unwrap().json().await.unwrap();
            assert!(!page["data"].as_array().unwrap().is_empty(), "{q}: {page}");
        }
        let mut recommended = 0;
        for id in 1..=300 {
            let list: Value = client.get(format!("{url}/api/v1/products/{id}/also-bought")).send().await.unwrap().json().await.unwrap();
            recommended += list["data"].as_array().unwrap().len();
        }
        assert!(recommended > 0, "the demo's orders give some product an also-bought list");
        child.kill().unwrap();
        child.wait().unwrap();
    }

    async fn bad_accounts_are_refused_with_a_reason(db) {
        let dir = tempfile::tempdir().unwrap();
        let mut c = emporium(&db, dir.path());
        c.args(["user", "create", "--username", "ok_name", "--password", "short"]);
        let out = run(c, None);
        assert!(!out.status.success());
        assert!(text(&out.stderr).contains("password"), "{}", text(&out.stderr));

        let mut c = emporium(&db, dir.path());
        c.args(["user", "create", "--username", "x", "--password", "long-enough-1", "--role", "admin"]);
        let out = run(c, None);
        assert!(!out.status.success());
        assert!(text(&out.stderr).contains("role"), "{}", text(&out.stderr));
    }
}

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
        .arg("migrate");
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
