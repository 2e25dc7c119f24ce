//! `emporium recommendations evaluate` as an analyst runs it: a good purchase log gives
//! the comparison table and the saved split; a malformed one fails naming its lines.

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use std::process::{Command, Output};

fn evaluate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_emporium"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .args(["recommendations", "evaluate"])
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_small_log_prints_the_table_and_saves_the_split() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("purchases.csv");
    let mut log = String::from("user,item,timestamp\n");
    for u in 0..6 {
        for i in 0..5 {
            log.push_str(&format!("u{u},i{},{}\n", (u + i) % 8, u * 10 + i));
        }
    }
    std::fs::write(&input, log).unwrap();
    let split_dir = dir.path().join("split");
    let out = evaluate(&[
        "--input",
        input.to_str().unwrap(),
        "--split",
        "last",
        "--neighbours",
        "5",
        "--save-split",
        split_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("6 users evaluated; 24 training purchases, 6 held out"),
        "{stdout}"
    );
    for row in ["| item-based, k=5 |", "| user-based, 5 neighbours |", "| popularity |"] {
        assert!(stdout.contains(row), "{row} missing from {stdout}");
    }
    let test = std::fs::read_to_string(split_dir.join("test.tsv")).unwrap();
    // The newest purchase of u0 is its fifth row: item (0 + 4) % 8.
    assert!(test.starts_with("user\titem\nu0\ti4\n"), "{test}");
    assert_eq!(
        std::fs::read_to_string(split_dir.join("train.tsv"))
            .unwrap()
            .lines()
            .count(),
        25
    );
}

#[test]
fn a_malformed_log_fails_listing_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.tsv");
    std::fs::write(&input, "user_id\titem_id\ttimestamp\n1\t2\t3\n1\t\t4\n2\t3\n").unwrap();
    let out = evaluate(&["--input", input.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("line 3: empty item_id"), "{stderr}");
    assert!(stderr.contains("line 4: 2 fields, the header has 3"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let out = evaluate(&["--input", dir.path().join("missing.csv").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("cannot read"), "{}", text(&out.stderr));
}
