//! Abuse limits: write rate limits per session and per client address (429 with
//! `Retry-After`), reads untouched, and the server answering health checks promptly
//! while it is flooded with writes and password checks.

use std::time::{Duration, Instant};

use emporium_app::AppConfig;
use emporium_app::WriteLimits;
use emporium_testkit::TestDb;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{TestApp, expect_problem};

async fn app_with(limits: WriteLimits) -> TestApp {
    TestApp::spawn_with(
        TestDb::sqlite(),
        AppConfig {
            bcrypt_cost: 4,
            write_limits: limits,
            ..AppConfig::default()
        },
    )
    .await
}

/// A session may burst twice its per-second budget; the next write is 429 with a
/// whole-seconds `Retry-After`, and nothing was done. Reads and other sessions go on.
#[tokio::test]
async fn a_session_past_its_write_budget_gets_429_and_reads_still_work() {
    let app = app_with(WriteLimits {
        per_address: 0,
        per_session: 3,
        trust_forwarded_for: false,
    })
    .await;
    let ann = app.customer("ann").await;
    let bob = app.customer("bob").await;
    let body =
        json!({ "recipient": "Ann", "phone": "13800000000", "line1": "1 Road", "city": "Hangzhou", "country": "CN" });
    for _ in 0..6 {
        let r = app
            .send(Method::POST, "/api/v1/me/addresses", Some(&ann), Some(body.clone()))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let over = app
        .send(Method::POST, "/api/v1/me/addresses", Some(&ann), Some(body.clone()))
        .await;
    let retry_after: u64 = over.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
    expect_problem(over, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let list: serde_json::Value = app
        .send(Method::GET, "/api/v1/me/addresses", Some(&ann), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["data"].as_array().map(Vec::len),
        Some(6),
        "the refused write did nothing"
    );
    let other = app
        .send(Method::POST, "/api/v1/me/addresses", Some(&bob), Some(body))
        .await;
    assert_eq!(
        other.status(),
        StatusCode::CREATED,
        "another session has its own budget"
    );
}

/// Made-up tokens do not buy a fresh budget: the address limit still counts them, so a
/// script registering accounts from one address is stopped.
#[tokio::test]
async fn an_address_past_its_budget_gets_429_whatever_token_it_sends() {
    let app = app_with(WriteLimits {
        per_address: 2,
        per_session: 2,
        trust_forwarded_for: false,
    })
    .await;
    let mut statuses = Vec::new();
    for n in 0..6 {
        let r = app
            .request(Method::POST, "/api/v1/auth/register")
            .bearer_auth(format!("made-up-{n}"))
            .json(&json!({ "username": format!("bot{n}"), "password": "password123" }))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [201, 201, 201, 201, 429, 429]);
    // Provider notifications are never throttled: a forged one is turned away by its
    // signature (400), not by the limiter.
    let r = app
        .request(Method::POST, "/api/v1/payments/notify/sandbox")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

/// Flooded with throttled writes and failing password checks from 64 connections, the
/// server still answers `/healthz` promptly: limits answer before any work, and bcrypt
/// runs on the blocking pool behind a semaphore. (The measured figure is in SECURITY.md;
/// this bound only catches starvation.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_stays_prompt_under_a_write_flood() {
    let app = std::sync::Arc::new(
        TestApp::spawn_with(
            TestDb::sqlite(),
            AppConfig {
                bcrypt_cost: 10,
                write_limits: WriteLimits {
                    per_address: 20,
                    per_session: 5,
                    trust_forwarded_for: false,
                },
                ..AppConfig::default()
            },
        )
        .await,
    );
    let flood_until = Instant::now() + Duration::from_secs(3);
    let mut flood = Vec::new();
    for n in 0..64 {
        let app = app.clone();
        flood.push(tokio::spawn(async move {
            let mut limited = 0u32;
            while Instant::now() < flood_until {
                let r = app.login(&format!("nobody{n}"), "wrong-password").await;
                assert!(matches!(r.status().as_u16(), 401 | 429), "flood answer {}", r.status());
                limited += u32::from(r.status() == StatusCode::TOO_MANY_REQUESTS);
            }
            limited
        }));
    }
    let mut worst = Duration::ZERO;
    let mut probes = 0;
    while Instant::now() < flood_until {
        let started = Instant::now();
        let r = app.request(Method::GET, "/healthz").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        worst = worst.max(started.elapsed());
        probes += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut limited = 0;
    for task in flood {
        limited += task.await.unwrap();
    }
    assert!(limited > 0, "the flood was throttled");
    assert!(probes > 10, "health was probed throughout");
    eprintln!("health under flood: {probes} probes, slowest {worst:?}, {limited} writes limited");
    assert!(worst < Duration::from_secs(1), "slowest health answer {worst:?}");
}
