//! The logged-in user's profile, password and address book.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{TestApp, expect_problem, fields};

fn address(recipient: &str) -> Value {
    json!({"recipient": recipient, "phone": "+86 138 0013 8000", "line1": "朝阳区建国路 88 号", "city": "北京", "postal_code": "100022", "country": "cn"})
}

async fn a_user_reads_and_edits_their_profile(app: TestApp) {
    let token = app.customer("alice").await;
    let me: Value = app
        .send(Method::GET, "/api/v1/me", Some(&token), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["username"].as_str(), me["display_name"].as_str()),
        (Some("alice"), None)
    );

    let patch = json!({"display_name": "Alice 爱丽丝", "email": "alice@example.com", "phone": "+1 555 0100"});
    let response = app.send(Method::PATCH, "/api/v1/me", Some(&token), Some(patch)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["display_name"], "Alice 爱丽丝");
    // A new address waits for its link (tests/api/guests.rs follows it).
    assert_eq!(
        (me["email"].clone(), me["pending_email"].clone()),
        (Value::Null, json!("alice@example.com"))
    );

    // Absent fields stay; null clears.
    let me: Value = app
        .send(Method::PATCH, "/api/v1/me", Some(&token), Some(json!({"phone": null})))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["phone"].clone(), me["pending_email"].clone()),
        (Value::Null, json!("alice@example.com"))
    );
    let again: Value = app
        .send(Method::GET, "/api/v1/me", Some(&token), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, me);
}
app_test!(a_user_reads_and_edits_their_profile);

async fn the_profile_needs_a_valid_token(app: TestApp) {
    expect_problem(
        app.send(Method::GET, "/api/v1/me", None, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_problem(
        app.send(Method::GET, "/api/v1/me", Some("not-a-token"), None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_problem(
        app.send(Method::GET, "/api/v1/me", Some(&"a".repeat(64)), None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let response = app
        .request(Method::GET, "/api/v1/me")
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    expect_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    expect_problem(
        app.send(Method::PATCH, "/api/v1/me", None, Some(json!({}))).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}
app_test!(the_profile_needs_a_valid_token);

async fn profile_edits_are_validated_and_protected_fields_refused(app: TestApp) {
    let token = app.customer("bob").await;
    let bad = json!({"display_name": "line\nbreak", "email": "not-an-email"});
    let problem = expect_problem(
        app.send(Method::PATCH, "/api/v1/me", Some(&token), Some(bad)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["display_name", "email"]);
    for protected in [json!({"role": "staff"}), json!({"username": "root"}), json!({"id": 1})] {
        let problem = expect_problem(
            app.send(Method::PATCH, "/api/v1/me", Some(&token), Some(protected.clone()))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&problem).len(), 1, "{protected}");
    }
    let me: Value = app
        .send(Method::GET, "/api/v1/me", Some(&token), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["role"].as_str(), me["username"].as_str()),
        (Some("customer"), Some("bob"))
    );
}
app_test!(profile_edits_are_validated_and_protected_fields_refused);

async fn changing_the_password_revokes_the_other_sessions(app: TestApp) {
    let laptop = app.customer("carol").await;
    let phone: Value = app.login("carol", "password123").await.json().await.unwrap();
    let phone = phone["token"].as_str().unwrap().to_owned();
    let change = json!({"current_password": "password123", "new_password": "new-password-456"});
    let response = app
        .send(Method::POST, "/api/v1/me/password", Some(&laptop), Some(change))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // The session that changed it lives on; the other is gone.
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", Some(&laptop), None).await.status(),
        StatusCode::OK
    );
    expect_problem(
        app.send(Method::GET, "/api/v1/me", Some(&phone), None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    assert_eq!(
        app.login("carol", "password123").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.login("carol", "new-password-456").await.status(), StatusCode::OK);
}
app_test!(changing_the_password_revokes_the_other_sessions);

async fn a_password_change_needs_the_current_password(app: TestApp) {
    let token = app.customer("dave").await;
    let wrong = json!({"current_password": "guess-guess", "new_password": "new-password-456"});
    let problem = expect_problem(
        app.send(Method::POST, "/api/v1/me/password", Some(&token), Some(wrong))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["current_password"]);
    let too_long = json!({"current_password": "password123", "new_password": "x".repeat(73)});
    let problem = expect_problem(
        app.send(Method::POST, "/api/v1/me/password", Some(&token), Some(too_long))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["new_password"]);
    let any = json!({"current_password": "password123", "new_password": "new-password-456"});
    expect_problem(
        app.send(Method::POST, "/api/v1/me/password", None, Some(any)).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    assert_eq!(
        app.login("dave", "password123").await.status(),
        StatusCode::OK,
        "nothing changed"
    );
}
app_test!(a_password_change_needs_the_current_password);

async fn a_user_keeps_an_address_book(app: TestApp) {
    let token = app.customer("erin").await;
    let response = app
        .send(
            Method::POST,
            "/api/v1/me/addresses",
            Some(&token),
            Some(address("王小明")),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let added: Value = response.json().await.unwrap();
    assert_eq!(
        (added["country"].as_str(), added["line2"].clone()),
        (Some("CN"), Value::Null)
    );
    let list: Value = app
        .send(Method::GET, "/api/v1/me/addresses", Some(&token), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["next_cursor"], Value::Null);
    let path = format!("/api/v1/me/addresses/{}", added["id"]);
    assert_eq!(
        app.send(Method::DELETE, &path, Some(&token), None).await.status(),
        StatusCode::NO_CONTENT
    );
    expect_problem(
        app.send(Method::DELETE, &path, Some(&token), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let list: Value = app
        .send(Method::GET, "/api/v1/me/addresses", Some(&token), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"], json!([]));
}
app_test!(a_user_keeps_an_address_book);

async fn nobody_reaches_another_users_addresses(app: TestApp) {
    let owner = app.customer("frank").await;
    let other = app.customer("grace").await;
    let added: Value = app
        .send(
            Method::POST,
            "/api/v1/me/addresses",
            Some(&owner),
            Some(address("Frank")),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/me/addresses/{}", added["id"]);
    expect_problem(
        app.send(Method::DELETE, &path, Some(&other), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let list: Value = app
        .send(Method::GET, "/api/v1/me/addresses", Some(&other), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"], json!([]));
    expect_problem(
        app.send(Method::GET, "/api/v1/me/addresses", None, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_problem(
        app.send(Method::DELETE, &path, None, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_problem(
        app.send(Method::POST, "/api/v1/me/addresses", None, Some(address("x")))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    // Still there for its owner.
    let list: Value = app
        .send(Method::GET, "/api/v1/me/addresses", Some(&owner), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
}
app_test!(nobody_reaches_another_users_addresses);

async fn an_address_is_replaced_in_place(app: TestApp) {
    let owner = app.customer("hana").await;
    let other = app.customer("igor").await;
    let added: Value = app
        .send(Method::POST, "/api/v1/me/addresses", Some(&owner), Some(address("花")))
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/me/addresses/{}", added["id"]);
    let mut moved = address("花子");
    moved["line1"] = json!("浦东新区世纪大道 100 号");
    moved["line2"] = json!("15 楼");
    moved["city"] = json!("上海");
    let response = app.send(Method::PUT, &path, Some(&owner), Some(moved)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(
        (
            &updated["id"],
            &updated["created_at"],
            &updated["recipient"],
            &updated["city"],
            &updated["line2"]
        ),
        (
            &added["id"],
            &added["created_at"],
            &json!("花子"),
            &json!("上海"),
            &json!("15 楼")
        )
    );
    let list: Value = app
        .send(Method::GET, "/api/v1/me/addresses", Some(&owner), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"], json!([updated]), "replaced, not added");

    // Leaving an optional field out clears it; a bad field is named.
    let response = app.send(Method::PUT, &path, Some(&owner), Some(address("花子"))).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap()["line2"], Value::Null);
    let problem = expect_problem(
        app.send(
            Method::PUT,
            &path,
            Some(&owner),
            Some(json!({"recipient": "", "phone": "x", "line1": "1", "city": "c", "country": "C"})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["recipient", "phone", "country"]);

    // Someone else's address is not found, whether the body is good or bad.
    let invalid = json!({"recipient": "", "phone": "x", "line1": "1", "city": "c", "country": "C"});
    for body in [address("Igor"), invalid] {
        let response = app.send(Method::PUT, &path, Some(&other), Some(body)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    expect_problem(
        app.send(
            Method::PUT,
            "/api/v1/me/addresses/999999",
            Some(&owner),
            Some(address("x")),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let kept: Value = app
        .send(Method::GET, "/api/v1/me/addresses", Some(&owner), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kept["data"][0]["recipient"], "花子", "the stranger changed nothing");
}
app_test!(an_address_is_replaced_in_place);

async fn bad_addresses_name_every_bad_field(app: TestApp) {
    let token = app.customer("heidi").await;
    let bad = json!({"recipient": "", "phone": "call me", "line1": "x", "city": "Paris", "country": "France"});
    let problem = expect_problem(
        app.send(Method::POST, "/api/v1/me/addresses", Some(&token), Some(bad))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["recipient", "phone", "country"]);
    let missing = json!({"recipient": "Heidi"});
    let problem = expect_problem(
        app.send(Method::POST, "/api/v1/me/addresses", Some(&token), Some(missing))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem).len(), 1);
    for id in ["abc", "99999999999999999999", "1.5"] {
        let path = format!("/api/v1/me/addresses/{id}");
        let problem = expect_problem(
            app.send(Method::DELETE, &path, Some(&token), None).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        )
        .await;
        assert_eq!(fields(&problem), ["path"], "{id}");
    }
}
app_test!(bad_addresses_name_every_bad_field);

async fn the_address_book_holds_twenty(app: TestApp) {
    let token = app.customer("ivan").await;
    for i in 0..20 {
        let response = app
            .send(
                Method::POST,
                "/api/v1/me/addresses",
                Some(&token),
                Some(address(&format!("R{i}"))),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    expect_problem(
        app.send(Method::POST, "/api/v1/me/addresses", Some(&token), Some(address("R20")))
            .await,
        StatusCode::CONFLICT,
        "limit_reached",
    )
    .await;
}
app_test!(the_address_book_holds_twenty);

/// Two instances on one database: each keeps sessions it looked up for a moment (the
/// store's session cache), yet a profile edited on one shows on the other at once, and a
/// logout ends the session at once where it was made and within the cache's lifetime
/// everywhere else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_and_profiles_agree_across_instances() {
    for db in emporium_testkit::TestDb::every_engine().await {
        let config = emporium_app::AppConfig {
            bcrypt_cost: 4,
            ..emporium_app::AppConfig::default()
        };
        let a = crate::support::TestApp::spawn_on(&db.url, config.clone()).await;
        let b = crate::support::TestApp::spawn_on(&db.url, config).await;
        let token = a.customer("iris").await;
        assert_eq!(me(&b, &token).await.status(), StatusCode::OK, "b now holds the session");
        let patch = json!({"display_name": "艾瑞斯"});
        assert_eq!(
            a.send(Method::PATCH, "/api/v1/me", Some(&token), Some(patch))
                .await
                .status(),
            StatusCode::OK
        );
        let seen: Value = me(&b, &token).await.json().await.unwrap();
        assert_eq!(seen["display_name"], "艾瑞斯", "the profile is read afresh");

        assert_eq!(
            a.send(Method::POST, "/api/v1/auth/logout", Some(&token), None)
                .await
                .status(),
            StatusCode::NO_CONTENT
        );
        expect_problem(me(&a, &token).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
        b.clock.advance(emporium_store::DEFAULT_SESSION_CACHE);
        expect_problem(me(&b, &token).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
}

async fn me(app: &crate::support::TestApp, token: &str) -> reqwest::Response {
    app.send(Method::GET, "/api/v1/me", Some(token), None).await
}
