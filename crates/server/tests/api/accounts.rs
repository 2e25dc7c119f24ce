//! Registration, login (with throttling) and logout.

use std::time::{Duration, Instant};

use emporium_app::AppConfig;
use emporium_app::passwords::Passwords;
use emporium_domain::account::{Password, Role, Username};
use emporium_domain::time::Clock;
use emporium_store::accounts::NewUser;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{TestApp, expect_problem, fields};

async fn a_new_user_registers_and_logs_in(app: TestApp) {
    let response = app.register("Zhang_伟", "correct horse").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["username"], "Zhang_伟");
    assert_eq!(user["role"], "customer");
    assert!(user.get("password_hash").is_none());

    // Usernames are matched in any letter case.
    let response = app.login("zhang_伟", "correct horse").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    assert!(!body.contains("$2b$"), "no hash may leave the server: {body}");
    let login: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(login["token"].as_str().map(str::len), Some(64));
    assert_eq!(login["user"]["id"], user["id"]);
    assert!(login["expires_at"].as_str().unwrap().ends_with('Z'));
}
app_test!(a_new_user_registers_and_logs_in);

async fn a_taken_username_is_refused_in_any_case(app: TestApp) {
    app.register("alice", "password123").await;
    let problem = expect_problem(
        app.register("ALICE", "password456").await,
        StatusCode::CONFLICT,
        "username_taken",
    )
    .await;
    assert!(problem.detail.contains("username"));
}
app_test!(a_taken_username_is_refused_in_any_case);

async fn look_alikes_of_a_taken_username_are_refused(app: TestApp) {
    assert_eq!(app.register("demo", "password123").await.status(), StatusCode::CREATED);
    for twin in ["ｄｅｍｏ", "ＤＥＭＯ"] {
        expect_problem(
            app.register(twin, "password456").await,
            StatusCode::CONFLICT,
            "username_taken",
        )
        .await;
    }
    let spoof = expect_problem(
        app.register("d\u{0435}mo", "password456").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&spoof), ["username"]);
    // The full-width form logs in to the same account.
    assert_eq!(app.login("ｄｅｍｏ", "password123").await.status(), StatusCode::OK);
}
app_test!(look_alikes_of_a_taken_username_are_refused);

async fn bad_registrations_name_every_bad_field(app: TestApp) {
    let response = app
        .post(
            "/api/v1/auth/register",
            json!({"username": "a b", "password": "short", "email": "nope"}),
        )
        .await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), ["username", "password", "email"]);

    // A password over bcrypt's 72 bytes is refused, never cut.
    let problem = expect_problem(
        app.register("bob", &"p".repeat(73)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["password"]);
    assert!(problem.errors[0].message.contains("72"));

    for name in ["ab", "tab\there", "null\u{0}byte", "semi;colon", &"x".repeat(33)] {
        let problem = expect_problem(
            app.register(name, "password123").await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&problem), ["username"], "{name:?}");
    }
}
app_test!(bad_registrations_name_every_bad_field);

async fn protected_fields_cannot_be_set_at_registration(app: TestApp) {
    let response = app
        .post(
            "/api/v1/auth/register",
            json!({"username": "mallory", "password": "password123", "role": "staff"}),
        )
        .await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), ["role"]);
    // Nothing was created.
    assert_eq!(
        app.login("mallory", "password123").await.status(),
        StatusCode::UNAUTHORIZED
    );
}
app_test!(protected_fields_cannot_be_set_at_registration);

async fn wrong_types_and_missing_fields_are_named(app: TestApp) {
    let problem = expect_problem(
        app.post(
            "/api/v1/auth/register",
            json!({"username": 42, "password": "password123"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["username"]);
    let problem = expect_problem(
        app.post("/api/v1/auth/login", json!({"username": "x"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["password"]);
}
app_test!(wrong_types_and_missing_fields_are_named);

async fn unknown_users_and_wrong_passwords_get_the_same_answer(app: TestApp) {
    app.register("carol", "password123").await;
    let wrong = expect_problem(
        app.login("carol", "not-her-password").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let unknown = expect_problem(
        app.login("nobody", "password123").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!((wrong.title, wrong.detail), (unknown.title, unknown.detail));
}
app_test!(unknown_users_and_wrong_passwords_get_the_same_answer);

/// Ten attempts from one address at one username spend that pair's budget (and, as the
/// address never logged in to the account, the account's budget for strangers).
async fn ten_failures_lock_the_username_for_fifteen_minutes(app: TestApp) {
    app.register("dave", "password123").await;
    for _ in 0..10 {
        expect_problem(
            app.login("dave", "wrong-password").await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;
    }
    // Locked now, even with the right password; the answer says when to retry.
    let response = app.login("DAVE", "password123").await;
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    expect_problem(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Other usernames are unaffected.
    app.register("erin", "password123").await;
    assert_eq!(app.login("erin", "password123").await.status(), StatusCode::OK);
    // Fifteen minutes after the failures, the right password works again.
    app.clock.advance(Duration::from_secs(15 * 60 + 1));
    assert_eq!(app.login("dave", "password123").await.status(), StatusCode::OK);
}
app_test!(ten_failures_lock_the_username_for_fifteen_minutes);

/// Attempts are counted before the password is checked: of a burst of simultaneous
/// guesses, exactly the budget is checked, and the right password after it is refused.
/// (The right password *inside* a burst would make the test racy by design: a success
/// empties its pair bucket, so guesses that lose the race to it get a fresh budget.)
async fn a_burst_of_guesses_checks_at_most_the_budget(app: TestApp) {
    app.register("gina", "password123").await;
    let burst: Vec<_> = (0..60)
        .map(|_| {
            let request = app
                .request(Method::POST, "/api/v1/auth/login")
                .json(&json!({"username": "gina", "password": "wrong-password"}));
            tokio::spawn(request.send())
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in burst {
        statuses.push(attempt.await.unwrap().unwrap().status());
    }
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(checked, 10, "{statuses:?}");
    assert_eq!(refused, 50, "{statuses:?}");
    assert_eq!(
        app.login("gina", "password123").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}
app_test!(a_burst_of_guesses_checks_at_most_the_budget);

/// A login from behind the balancer at `address` (the test app trusts X-Forwarded-For).
async fn login_from(app: &TestApp, address: &str, username: &str, password: &str) -> StatusCode {
    app.request(Method::POST, "/api/v1/auth/login")
        .header("x-forwarded-for", address)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

/// Guesses from many addresses spend the account's budget for strangers, so a botnet
/// guesses no faster than one address; the owner, at an address they logged in from
/// before, still gets in. One address spraying many usernames runs out too.
async fn strangers_cannot_lock_the_owner_out(db: emporium_testkit::TestDb) {
    let app = TestApp::spawn_with(
        db,
        AppConfig {
            bcrypt_cost: 4,
            write_limits: emporium_app::WriteLimits {
                trust_forwarded_for: true,
                ..emporium_app::WriteLimits::OFF
            },
            ..AppConfig::default()
        },
    )
    .await;
    app.register("staff_owner", "password123").await;
    assert_eq!(
        login_from(&app, "198.51.100.1", "staff_owner", "password123").await,
        StatusCode::OK
    );
    for i in 1..=10 {
        let status = login_from(&app, &format!("203.0.113.{i}"), "staff_owner", "wrong-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {i}");
    }
    // Strangers are refused from now on, even with the right password…
    for address in ["203.0.113.11", "203.0.113.1"] {
        assert_eq!(
            login_from(&app, address, "staff_owner", "password123").await,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    // …but the owner, at a known address, is not.
    assert_eq!(
        login_from(&app, "198.51.100.1", "staff_owner", "password123").await,
        StatusCode::OK
    );

    // One address spraying a password over many names: a hundred attempts, then 429.
    for i in 0..100 {
        let status = login_from(&app, "192.0.2.50", &format!("user{i}"), "password123").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "spray {i}");
    }
    assert_eq!(
        login_from(&app, "192.0.2.50", "someone", "password123").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.assert_clean().await;
}
emporium_testkit::engine_test!(strangers_cannot_lock_the_owner_out);

async fn logout_ends_the_session(app: TestApp) {
    let token = app.customer("frank").await;
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", Some(&token), None).await.status(),
        StatusCode::OK
    );
    let response = app.send(Method::POST, "/api/v1/auth/logout", Some(&token), None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    expect_problem(
        app.send(Method::GET, "/api/v1/me", Some(&token), None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    // Logging out again, or without a token, is 401.
    expect_problem(
        app.send(Method::POST, "/api/v1/auth/logout", Some(&token), None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_problem(
        app.send(Method::POST, "/api/v1/auth/logout", None, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}
app_test!(logout_ends_the_session);

async fn sessions_expire(app: TestApp) {
    let token = app.customer("grace").await;
    app.clock
        .advance(AppConfig::default().session_ttl + Duration::from_secs(1));
    expect_problem(
        app.send(Method::GET, "/api/v1/me", Some(&token), None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}
app_test!(sessions_expire);

async fn concurrent_registrations_of_one_name_have_one_winner(app: TestApp) {
    let attempts: Vec<_> = (0..20)
        .map(|i| {
            let name = if i % 2 == 0 { "heidi" } else { "HEIDI" };
            let request = app
                .request(Method::POST, "/api/v1/auth/register")
                .json(&json!({"username": name, "password": "password123"}));
            tokio::spawn(request.send())
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap().unwrap().status());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::CREATED).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
}
app_test!(concurrent_registrations_of_one_name_have_one_winner);

/// An unknown username costs as much as a wrong password: the server checks a decoy
/// hash, so response time does not reveal which usernames exist. bcrypt cost 8 makes a
/// check take tens of milliseconds, far above the noise of a database look-up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_users_take_as_long_as_wrong_passwords() {
    let app = TestApp::spawn_with(
        emporium_testkit::TestDb::sqlite(),
        AppConfig {
            bcrypt_cost: 8,
            ..AppConfig::default()
        },
    )
    .await;
    app.register("ivan", "password123").await;
    app.login("nobody", "warm-up-the-decoy").await;
    let (known, unknown) = medians_interleaved(&app, "ivan", "nobody").await;
    let ratio = unknown.as_secs_f64() / known.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown {unknown:?} vs wrong password {known:?}"
    );
}

/// After the bcrypt cost setting changes, accounts are hashed at several costs. Timing
/// still tells nothing: every check takes at least as long as the decoy, which follows the
/// slowest cost in use; and a successful login moves the account to the current cost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timing_tells_nothing_after_the_cost_changes() {
    let db = emporium_testkit::TestDb::sqlite();
    let url = db.url.clone();
    let raised = TestApp::spawn_with(
        db,
        AppConfig {
            bcrypt_cost: 8,
            write_limits: emporium_app::WriteLimits::OFF,
            ..AppConfig::default()
        },
    )
    .await;
    // An account from before the cost was raised from 4 to 8.
    let password = Password::parse("password", "password123").unwrap();
    let user = NewUser {
        username: Username::parse("olga").unwrap(),
        password_hash: Passwords::new(4).hash(&password).await.unwrap(),
        email: None,
        role: Role::Customer,
    };
    let olga = raised.store.create_user(user, raised.clock.now()).await.unwrap();
    raised.login("nobody", "warm-up-the-decoy").await;
    let (old, unknown) = medians_interleaved(&raised, "olga", "nobody").await;
    let ratio = unknown.as_secs_f64() / old.as_secs_f64();
    assert!((0.5..2.0).contains(&ratio), "unknown {unknown:?} vs old cost {old:?}");
    assert_eq!(raised.login("olga", "password123").await.status(), StatusCode::OK);
    let rehashed = raised.store.password_hash(olga.id).await.unwrap();
    assert!(rehashed.starts_with("$2b$08$"), "{rehashed}");

    // The cost lowered to 4 on another instance: its decoy stays at 8 while hashes at 8 exist.
    let lowered = TestApp::spawn_on(
        &url,
        AppConfig {
            bcrypt_cost: 4,
            write_limits: emporium_app::WriteLimits::OFF,
            ..AppConfig::default()
        },
    )
    .await;
    lowered.login("no_one", "warm-up-the-decoy").await;
    let (slow, unknown) = medians_interleaved(&lowered, "olga", "no_one").await;
    let ratio = unknown.as_secs_f64() / slow.as_secs_f64();
    assert!((0.5..2.0).contains(&ratio), "unknown {unknown:?} vs cost 8 {slow:?}");
}

/// The median times of failed logins as `a` and as `b`, taken in turns so that a burst
/// of load on the machine weighs on both alike.
async fn medians_interleaved(app: &TestApp, a: &str, b: &str) -> (Duration, Duration) {
    let (mut times_a, mut times_b) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        for (username, times) in [(a, &mut times_a), (b, &mut times_b)] {
            let started = Instant::now();
            assert_eq!(
                app.login(username, "wrong-password").await.status(),
                StatusCode::UNAUTHORIZED
            );
            times.push(started.elapsed());
        }
    }
    times_a.sort();
    times_b.sort();
    (times_a[2], times_b[2])
}
