//! The README's "Try it with curl" walkthrough, run as a reader would: a fresh
//! `emporium serve --demo` on a real socket, then every `sh` block of that section, in
//! order, in one bash, with only the address changed. Any command that fails, and any
//! answer that is a 4xx or 5xx, fails the test; so does a demo that `emporium check`
//! then finds inconsistent.
//!
//! It needs `bash`, `curl` and `jq`; without them it says so and passes, except under
//! `CI=true` (`.ci/run` installs them), where it fails.

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The address the README's commands are written for.
const README_ADDRESS: &str = "http://127.0.0.1:8080";

/// The `sh` blocks of the README section titled `title`, in order.
fn shell_blocks(readme: &str, title: &str) -> Vec<String> {
    let heading = format!("## {title}\n");
    let start = readme
        .find(&heading)
        .unwrap_or_else(|| panic!("no section {title:?} in the README"));
    let section = &readme[start + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some(open) = rest.find("```sh\n") {
        let body = &rest[open + "```sh\n".len()..];
        let close = body.find("```").expect("an unclosed block");
        blocks.push(body[..close].to_owned());
        rest = &body[close + 3..];
    }
    blocks
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn emporium(data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_emporium"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("EMPORIUM_DATA_DIR", data_dir)
        .env("EMPORIUM_BCRYPT_COST", "10")
        .env("RUST_LOG", "warn");
    cmd
}

/// Starts `serve --demo` on a free port; answers the child, its base URL and everything
/// it printed up to and including its welcome.
fn serve_demo(data_dir: &Path) -> (Child, String, String) {
    let mut child = emporium(data_dir)
        .args(["serve", "--demo", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = String::new();
    let mut base = None;
    // The welcome is one write: the lines after "listening" arrive with it.
    while let Ok(line) = rx.recv_timeout(if base.is_some() {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(300)
    }) {
        if line.starts_with("Emporium is listening on ") {
            base = line
                .split_whitespace()
                .find(|w| w.starts_with("http://"))
                .map(str::to_owned);
        }
        printed.push_str(&line);
        printed.push('\n');
    }
    let Some(base) = base else {
        let _ = child.kill();
        panic!("serve --demo never said where it listens:\n{printed}");
    };
    (child, base, printed)
}

#[test]
fn the_readme_curl_walkthrough_works_on_a_fresh_demo() {
    if !(have("bash") && have("curl") && have("jq")) {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the README test needs bash, curl and jq (.ci/run installs them)"
        );
        eprintln!("skipped: the README test needs bash, curl and jq");
        return;
    }
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let blocks = shell_blocks(&readme, "Try it with curl");
    assert!(blocks.len() >= 3, "the walkthrough lost its blocks: {blocks:?}");

    let dir = tempfile::tempdir().unwrap();
    let (mut server, base, printed) = serve_demo(dir.path());
    // What `serve --demo` says while it loads and when it is ready.
    for expected in [
        "loading demo catalogue… 1000 new products",
        "orders… 90 days:",
        &format!("the shop:  {base}/"),
        &format!("the admin: {base}/admin"),
        "demo / demo-password",
        "staff / staff-password",
    ] {
        assert!(printed.contains(expected), "{expected:?} not in:\n{printed}");
    }

    // Every curl fails on a 4xx or 5xx answer (and still shows its body), every failing
    // command stops the script, and `-x` shows which one it was.
    let script = format!(
        "set -euo pipefail -x\ncurl() {{ command curl --fail-with-body --max-time 30 \"$@\"; }}\n{}",
        blocks.join("\n").replace(README_ADDRESS, &base)
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let stopped = server.wait().unwrap();
    assert!(
        out.status.success(),
        "the README's commands failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stopped.success(), "the server did not stop cleanly: {stopped}");

    // The demo and the walkthrough's orders, refunds and returns keep every invariant.
    let check = emporium(dir.path()).arg("check").output().unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn the_blocks_are_found_in_order() {
    let readme = "# x\n## Try it with curl\n\ntext\n```sh\na\n```\n\n```sh\nb\nc\n```\n## Next\n```sh\nz\n```\n";
    assert_eq!(shell_blocks(readme, "Try it with curl"), ["a\n", "b\nc\n"]);
}
