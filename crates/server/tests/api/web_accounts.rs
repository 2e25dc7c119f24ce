//! The account pages behind the emails' links and the account page's own forms: asking
//! for and using a password reset link, proving an email address (a button, so a mail
//! scanner following the link spends nothing), changing the password, and the language
//! of the account's messages.

use reqwest::{Method, StatusCode};

use crate::app_test;
use crate::support::TestApp;
use crate::web::Browser;

/// Registers `username` with `email` through the page (which logs in).
async fn register_with_email(browser: &mut Browser<'_>, username: &str, email: &str) {
    let page = browser
        .submit(
            "/register",
            "/register",
            &[
                ("username", username),
                ("password", "password123"),
                ("email", email),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/account"), "{}", page.body);
}

async fn a_forgotten_password_is_reset_through_the_pages(app: TestApp) {
    let mut owner = Browser::new(&app);
    register_with_email(&mut owner, "ivy", "ivy@example.com").await;
    let ivy = app.user_id("ivy").await;
    // The login page links to the form.
    let mut visitor = Browser::new(&app);
    assert!(visitor.get("/login").await.body.contains(r#"href="/account/forgot""#));
    // A known and an unknown account get the same page.
    let answer = |page: &crate::web::Page| {
        (
            page.status,
            page.body.contains(r#"id="reset-requested""#),
            page.body.contains("ivy"),
        )
    };
    let unknown = visitor
        .submit("/account/forgot", "/account/forgot", &[("login", "nobody@example.com")])
        .await;
    let known = visitor
        .submit("/account/forgot", "/account/forgot", &[("login", "ivy@example.com")])
        .await;
    assert_eq!(answer(&unknown), (StatusCode::OK, true, false));
    assert_eq!(answer(&known), answer(&unknown));
    // A blank login is a field error.
    let blank = visitor
        .submit("/account/forgot", "/account/forgot", &[("login", " ")])
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.body.contains(r#"id="e-login""#));
    // The link's page asks for the new password twice.
    let token = app.message_token("password_reset", ivy).await;
    let link = format!("/account/reset?token={token}");
    let form = visitor.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(&format!(r#"name="token" value="{token}""#)));
    let differ = visitor
        .submit(
            &link,
            "/account/reset",
            &[
                ("token", &token),
                ("new_password", "new password 1"),
                ("repeat_password", "new password 2"),
            ],
        )
        .await;
    assert_eq!(differ.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(differ.body.contains(r#"id="e-repeat_password""#));
    let short = visitor
        .submit(
            &link,
            "/account/reset",
            &[
                ("token", &token),
                ("new_password", "short"),
                ("repeat_password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains(r#"id="e-new_password""#));
    let done = visitor
        .submit(
            &link,
            "/account/reset",
            &[
                ("token", &token),
                ("new_password", "new password 1"),
                ("repeat_password", "new password 1"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains(r#"id="reset-done""#) && done.body.contains(r#"href="/login""#));
    // Every session ended: the owner's browser is logged out.
    let account = owner.get("/account").await;
    assert!(account.location.as_deref().is_some_and(|l| l.starts_with("/login")));
    // The link works once; a made-up one neither.
    for token in [token.as_str(), "0123456789abcdef"] {
        let again = visitor
            .submit(
                &link,
                "/account/reset",
                &[
                    ("token", token),
                    ("new_password", "new password 3"),
                    ("repeat_password", "new password 3"),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.body.contains(r#"id="link-invalid""#) && again.body.contains(r#"href="/account/forgot""#));
    }
    assert!(
        visitor
            .get("/account/reset")
            .await
            .body
            .contains(r#"id="link-invalid""#)
    );
    // The new password logs in; the old one does not.
    assert_eq!(app.login("ivy", "password123").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login("ivy", "new password 1").await.status(), StatusCode::OK);
}
app_test!(a_forgotten_password_is_reset_through_the_pages);

async fn an_email_is_proven_by_a_button_behind_its_link(app: TestApp) {
    let mut browser = Browser::new(&app);
    register_with_email(&mut browser, "jade", "jade@example.com").await;
    let jade = app.user_id("jade").await;
    let account = browser.get("/account").await;
    assert!(account.body.contains(r#"id="resend-verification""#), "not verified yet");
    let token = app.message_token("verify_email", jade).await;
    let link = format!("/account/verify-email?token={token}");
    // Following the link (as a mail scanner does) spends nothing: it shows a button.
    let mut scanner = Browser::new(&app);
    for _ in 0..2 {
        let page = scanner.get(&link).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(r#"id="confirm-email""#));
    }
    assert!(!app.store.user(jade).await.unwrap().email_verified);
    // The button proves it, from any browser (the token names the account).
    let mut elsewhere = Browser::new(&app);
    let done = elsewhere
        .submit(&link, "/account/verify-email", &[("token", &token)])
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains(r#"id="email-verified""#) && done.body.contains("jade@example.com"));
    let again = elsewhere
        .submit(&link, "/account/verify-email", &[("token", &token)])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains(r#"id="link-invalid""#));
    let account = browser.get("/account").await;
    assert!(!account.body.contains(r#"id="resend-verification""#), "verified");
    // A new address waits for its own proof; the page says which, and sends it again.
    let changed = browser
        .submit("/account", "/account/profile", &[("email", "jade@new.example")])
        .await;
    assert_eq!(changed.location.as_deref(), Some("/account?saved=1"));
    let account = browser.get("/account").await;
    assert!(account.body.contains(r#"id="email-pending""#) && account.body.contains("jade@new.example"));
    let resent = browser.submit("/account", "/account/verify-email/resend", &[]).await;
    assert_eq!(resent.location.as_deref(), Some("/account?sent=1"));
    // Only a logged-in visitor asks for a link again.
    let mut stranger = Browser::new(&app);
    let anonymous = stranger.submit("/login", "/account/verify-email/resend", &[]).await;
    assert!(anonymous.location.as_deref().is_some_and(|l| l.starts_with("/login")));
}
app_test!(an_email_is_proven_by_a_button_behind_its_link);

/// A bearer token for `username` (password `password123`).
async fn app_token(app: &TestApp, username: &str) -> String {
    let body: serde_json::Value = app.login(username, "password123").await.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

async fn the_account_page_changes_the_password_and_the_language_of_messages(app: TestApp) {
    let mut browser = Browser::new(&app);
    browser.register("kim").await;
    let other_session = app_token(&app, "kim").await;
    let page = browser.get("/account").await;
    assert!(page.body.contains(r#"id="password-form""#));
    let change = |current: &'static str, new: &'static str, repeat: &'static str| {
        [
            ("current_password", current),
            ("new_password", new),
            ("repeat_password", repeat),
        ]
    };
    let wrong = browser
        .submit(
            "/account",
            "/account/password",
            &change("not mine!", "brand new pw", "brand new pw"),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains(r#"id="e-current_password""#));
    let differ = browser
        .submit(
            "/account",
            "/account/password",
            &change("password123", "brand new pw", "brand new px"),
        )
        .await;
    assert_eq!(differ.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(differ.body.contains(r#"id="e-repeat_password""#));
    let short = browser
        .submit(
            "/account",
            "/account/password",
            &change("password123", "short", "short"),
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains(r#"id="e-new_password""#));
    let done = browser
        .submit(
            "/account",
            "/account/password",
            &change("password123", "brand new pw", "brand new pw"),
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/account?saved=1"));
    // This browser stays logged in; every other session ended.
    assert_eq!(browser.get("/account").await.status, StatusCode::OK);
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", Some(&other_session), None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.login("kim", "brand new pw").await.status(), StatusCode::OK);
    // The language of messages: registered from an English page, switched to Chinese.
    let kim = app.user_id("kim").await;
    assert_eq!(app.store.user(kim).await.unwrap().locale, "en");
    let set = browser.submit("/account", "/account/locale", &[("locale", "zh")]).await;
    assert_eq!(set.location.as_deref(), Some("/account?saved=1"));
    assert_eq!(app.store.user(kim).await.unwrap().locale, "zh-CN");
    assert!(
        browser
            .get("/account")
            .await
            .body
            .contains(r#"<option value="zh" lang="zh-CN" selected>"#)
    );
    let bad = browser.submit("/account", "/account/locale", &[("locale", "fr")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
app_test!(the_account_page_changes_the_password_and_the_language_of_messages);
