//! Guests, password reset and email verification over real HTTP (issue 21): a guest cart
//! by `Cart-Token`, merged at login and registration; guest checkout with an order link;
//! lookup by number and email; single-use tokens read from the outbox as the mail would
//! carry them.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, fields, json_of};

/// Opens a guest cart; answers its token.
async fn guest_cart(app: &TestApp) -> String {
    let body = json_of(app.post("/api/v1/carts", json!({})).await, StatusCode::CREATED).await;
    body["cart_token"].as_str().unwrap().to_owned()
}

/// `method path` with a guest's cart token.
fn as_guest(app: &TestApp, method: Method, path: &str, cart: &str) -> reqwest::RequestBuilder {
    app.request(method, path).header("cart-token", cart)
}

async fn put_line(app: &TestApp, cart: &str, product: i64, quantity: i64) -> StatusCode {
    as_guest(app, Method::PUT, &format!("/api/v1/cart/items/{product}"), cart)
        .json(&json!({"quantity": quantity}))
        .send()
        .await
        .unwrap()
        .status()
}

fn guest_order_body(email: &str) -> Value {
    json!({
        "email": email,
        "phone": "+86 139 0000 0000",
        "address": {"recipient": "李雷", "phone": "+86 139 0000 0000", "line1": "南京路 1 号", "city": "上海", "country": "CN"},
        "sms_opt_in": true,
    })
}

/// The token the latest message of `kind` to `user_id` carries (as the email would), once
/// there are `count` such messages (reset requests write theirs after answering).
async fn nth_secret(app: &TestApp, kind: &str, user_id: i64, count: i64) -> String {
    for _ in 0..500 {
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT event_key, secret FROM messages WHERE kind = $1 AND user_id = $2 ORDER BY id DESC")
                .bind(kind)
                .bind(user_id)
                .fetch_all(app.store.reader())
                .await
                .unwrap();
        if rows.len() as i64 >= count {
            let (key, sealed) = rows.into_iter().next().unwrap();
            return app
                .store
                .sealer()
                .open(
                    &format!("messages/{key}"),
                    sealed.expect("not sent yet, so still sealed here"),
                )
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("fewer than {count} {kind} messages for user {user_id}");
}

async fn secret_of(app: &TestApp, kind: &str, user_id: i64) -> String {
    nth_secret(app, kind, user_id, 1).await
}

async fn user_id(app: &TestApp, token: &str) -> i64 {
    app.get_json("/api/v1/me", Some(token)).await["id"].as_i64().unwrap()
}

async fn a_guest_cart_is_a_cart_and_nothing_more(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    let cart = guest_cart(&app).await;
    assert_eq!(put_line(&app, &cart, tea, 2).await, StatusCode::OK);
    let view: Value = as_guest(&app, Method::GET, "/api/v1/cart", &cart)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["subtotal"], 12_000);
    // The same limits as a customer's cart.
    expect_problem(
        as_guest(&app, Method::PUT, &format!("/api/v1/cart/items/{tea}"), &cart)
            .json(&json!({"quantity": 1000}))
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // A cart token is no login: not as a bearer token, not on other routes.
    for (method, path) in [(Method::GET, "/api/v1/me"), (Method::GET, "/api/v1/orders")] {
        let bearer = app
            .request(method.clone(), path)
            .bearer_auth(&cart)
            .send()
            .await
            .unwrap();
        expect_problem(bearer, StatusCode::UNAUTHORIZED, "unauthenticated").await;
        let header = as_guest(&app, method, path, &cart).send().await.unwrap();
        expect_problem(header, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
    // A customer's login token is no cart token either.
    let alice = app.customer("alice").await;
    let as_cart = as_guest(&app, Method::GET, "/api/v1/cart", &alice)
        .send()
        .await
        .unwrap();
    expect_problem(as_cart, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    // Unknown and malformed tokens.
    let unknown = as_guest(&app, Method::GET, "/api/v1/cart", &"ab".repeat(32))
        .send()
        .await
        .unwrap();
    expect_problem(unknown, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let malformed = as_guest(&app, Method::GET, "/api/v1/cart", "not a token")
        .send()
        .await
        .unwrap();
    expect_problem(malformed, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    // It expires with its lifetime (30 days by default).
    app.clock.advance(Duration::from_secs(30 * 24 * 3600 + 1));
    let expired = as_guest(&app, Method::GET, "/api/v1/cart", &cart).send().await.unwrap();
    expect_problem(expired, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}
app_test!(a_guest_cart_is_a_cart_and_nothing_more);

async fn a_guest_cart_joins_the_account_at_login_and_registration(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    let cup = app.create_product(&staff, NewProduct::item(1_500, 100)).await;
    // At login: quantities add up, capped by stock (10 teas on hand).
    let alice = app.customer("alice").await;
    assert_eq!(app.put_cart(&alice, tea, 4).await.status(), StatusCode::OK);
    let cart = guest_cart(&app).await;
    assert_eq!(put_line(&app, &cart, tea, 8).await, StatusCode::OK);
    assert_eq!(put_line(&app, &cart, cup, 3).await, StatusCode::OK);
    let login = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("cart-token", &cart)
        .json(&json!({"username": "alice", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let merged = app.get_json("/api/v1/cart", Some(&alice)).await;
    let quantities: Vec<(i64, i64)> = merged["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["product_id"].as_i64().unwrap(), i["quantity"].as_i64().unwrap()))
        .collect();
    assert_eq!(quantities, vec![(tea, 10), (cup, 3)]);
    // The guest cart is empty now: a second login with it adds nothing.
    let again = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("cart-token", &cart)
        .json(&json!({"username": "alice", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        app.get_json("/api/v1/cart", Some(&alice)).await["subtotal"],
        10 * 6_000 + 3 * 1_500
    );

    // At registration.
    let cart = guest_cart(&app).await;
    assert_eq!(put_line(&app, &cart, cup, 2).await, StatusCode::OK);
    let registered = app
        .request(Method::POST, "/api/v1/auth/register")
        .header("cart-token", &cart)
        .header("accept-language", "en-GB,en;q=0.9")
        .json(&json!({"username": "bob", "password": "password123"}))
        .send()
        .await
        .unwrap();
    let bob_view = json_of(registered, StatusCode::CREATED).await;
    assert_eq!(bob_view["locale"], "en", "the visitor's language is the account's");
    let bob = app.login("bob", "password123").await.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.get_json("/api/v1/cart", Some(&bob)).await["subtotal"], 2 * 1_500);
}
app_test!(a_guest_cart_joins_the_account_at_login_and_registration);

async fn a_guest_buys_and_follows_the_order_by_its_token(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    let cart = guest_cart(&app).await;
    assert_eq!(put_line(&app, &cart, tea, 2).await, StatusCode::OK);

    // What a guest must give, named.
    let missing = as_guest(&app, Method::POST, "/api/v1/orders", &cart)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let problem = expect_problem(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), vec!["email", "address"]);
    let mut bad = guest_order_body("not-an-email");
    bad["address"]["city"] = json!("");
    let problem = expect_problem(
        as_guest(&app, Method::POST, "/api/v1/orders", &cart)
            .json(&bad)
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), vec!["email", "address.city"]);

    // Priced to an address saved in the guest's book, like a customer's.
    let saved = as_guest(&app, Method::POST, "/api/v1/me/addresses", &cart)
        .json(&guest_order_body("x@example.com")["address"])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::CREATED);
    let methods: Value = as_guest(&app, Method::GET, "/api/v1/shipping-methods", &cart)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!methods["data"].as_array().unwrap().is_empty());

    // Placed with a key: a retry replays the same answer, token included.
    let place = || {
        as_guest(&app, Method::POST, "/api/v1/orders", &cart)
            .header("idempotency-key", "guest-1")
            .json(&guest_order_body("Li.Lei@Example.com"))
            .send()
    };
    let first = place().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again: Value = place().await.unwrap().json().await.unwrap();
    assert_eq!(first, again);
    let order = first["id"].as_i64().unwrap();
    let access = first["access_token"].as_str().unwrap().to_owned();
    assert_eq!(first["total"], 12_000);
    assert_eq!(
        as_guest(&app, Method::GET, "/api/v1/cart", &cart)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["items"],
        json!([])
    );

    // The token shows the order, pays it and follows it.
    let with_token =
        |method: Method, path: String, token: &str| app.request(method, &path).header("order-access-token", token);
    let shown: Value = with_token(Method::GET, format!("/api/v1/orders/{order}"), &access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["status"], "pending_payment");
    let payment: Value = with_token(Method::POST, format!("/api/v1/orders/{order}/pay"), &access)
        .json(&json!({"provider": "sandbox"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let complete = app
        .post(
            &format!("{}/complete", payment["pay_url"].as_str().unwrap()),
            json!({"outcome": "succeeded"}),
        )
        .await;
    assert_eq!(complete.status(), StatusCode::ACCEPTED);
    app.run_jobs().await;
    let paid: Value = with_token(Method::GET, format!("/api/v1/orders/{order}"), &access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paid["status"], "paid");

    // Another token, a changed one, another order's: all 404, as if there were no order.
    let mut altered = access.clone().into_bytes();
    altered[0] = if altered[0] == b'0' { b'1' } else { b'0' };
    let altered = String::from_utf8(altered).unwrap();
    let alice = app.customer("alice").await;
    let address = app.add_address(&alice).await;
    assert_eq!(app.put_cart(&alice, tea, 1).await.status(), StatusCode::OK);
    let alices = app.place_order(&alice, address).await;
    for (id, token) in [
        (order, altered.as_str()),
        (alices, access.as_str()),
        (alices, app.state.order_links().token(alices).as_str()),
    ] {
        let response = with_token(Method::GET, format!("/api/v1/orders/{id}"), token)
            .send()
            .await
            .unwrap();
        expect_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    // A malformed token is a 401, like a malformed bearer token.
    for token in ["garbage", "", "zz"] {
        let response = with_token(Method::GET, format!("/api/v1/orders/{order}"), token)
            .send()
            .await
            .unwrap();
        expect_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
    // The token is not a login, and the order's owner is no one who can log in.
    let as_bearer = app
        .request(Method::GET, &format!("/api/v1/orders/{order}"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(as_bearer.status(), StatusCode::UNAUTHORIZED);
    // Staff see the guest order like any other.
    assert_eq!(
        app.get_json(&format!("/api/v1/orders/{order}"), Some(&staff)).await["status"],
        "paid"
    );
    app.assert_clean().await;
}
app_test!(a_guest_buys_and_follows_the_order_by_its_token);

async fn a_guest_order_is_found_by_number_and_email_a_few_times_only(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    let cart = guest_cart(&app).await;
    assert_eq!(put_line(&app, &cart, tea, 1).await, StatusCode::OK);
    let placed = as_guest(&app, Method::POST, "/api/v1/orders", &cart)
        .json(&guest_order_body("han@example.com"))
        .send()
        .await
        .unwrap();
    let placed = json_of(placed, StatusCode::CREATED).await;
    let order = placed["id"].as_i64().unwrap();
    let lookup = |id: i64, email: &str| app.post("/api/v1/orders/lookup", json!({"order_id": id, "email": email}));
    let found = json_of(lookup(order, "HAN@example.com").await, StatusCode::OK).await;
    assert_eq!(found["access_token"], placed["access_token"]);
    expect_problem(
        lookup(order, "mei@example.com").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        lookup(order + 100, "han@example.com").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        lookup(order, "nope").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // A customer's order is not found this way.
    let alice = app.customer("alice").await;
    let address = app.add_address(&alice).await;
    assert_eq!(app.put_cart(&alice, tea, 1).await.status(), StatusCode::OK);
    let alices = app.place_order(&alice, address).await;
    expect_problem(
        lookup(alices, "alice@example.com").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Ten tries per address each quarter hour (five used above, one refused as invalid
    // before counting), then 429 even for the right pair.
    for _ in 0..6 {
        lookup(order, "mei@example.com").await;
    }
    expect_problem(
        lookup(order, "han@example.com").await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
    app.clock.advance(Duration::from_secs(15 * 60 + 1));
    assert_eq!(lookup(order, "han@example.com").await.status(), StatusCode::OK);
}
app_test!(a_guest_order_is_found_by_number_and_email_a_few_times_only);

async fn a_forgotten_password_is_reset_once_and_every_session_ends(app: TestApp) {
    let registered = app
        .post(
            "/api/v1/auth/register",
            json!({"username": "carol", "password": "password123", "email": "carol@example.com"}),
        )
        .await;
    let carol_id = json_of(registered, StatusCode::CREATED).await["id"].as_i64().unwrap();
    let session = app.login("carol", "password123").await.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Known and unknown accounts, by name or email, answer alike.
    for login in ["carol", "nobody", "nobody@example.com"] {
        let response = app.post("/api/v1/auth/password-reset", json!({"login": login})).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{login}");
        assert_eq!(response.text().await.unwrap(), "", "{login}");
    }
    let token = nth_secret(&app, "password_reset", carol_id, 1).await;
    // A weak password is refused without using the token up.
    let weak = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({"token": token, "new_password": "short"}),
        )
        .await;
    assert_eq!(
        fields(&expect_problem(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await),
        vec!["new_password"]
    );
    let reset = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({"token": token, "new_password": "new-password-1"}),
        )
        .await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    // Single use; every session revoked; the new password works, the old does not.
    let reused = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({"token": token, "new_password": "new-password-2"}),
        )
        .await;
    expect_problem(reused, StatusCode::UNPROCESSABLE_ENTITY, "invalid_token").await;
    let me = app.send(Method::GET, "/api/v1/me", Some(&session), None).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.login("carol", "password123").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.login("carol", "new-password-1").await.status(), StatusCode::OK);

    // By email (any case) too; only the newest link works, and for 30 minutes.
    app.post("/api/v1/auth/password-reset", json!({"login": "CAROL@example.com"}))
        .await;
    let older = nth_secret(&app, "password_reset", carol_id, 2).await;
    app.post("/api/v1/auth/password-reset", json!({"login": "carol"})).await;
    let newest = nth_secret(&app, "password_reset", carol_id, 3).await;
    let stale = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({"token": older, "new_password": "new-password-3"}),
        )
        .await;
    expect_problem(stale, StatusCode::UNPROCESSABLE_ENTITY, "invalid_token").await;
    // Three links per account each quarter hour: a fourth request is answered alike and
    // sends nothing.
    let fourth = app.post("/api/v1/auth/password-reset", json!({"login": "carol"})).await;
    assert_eq!(fourth.status(), StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE kind = 'password_reset' AND user_id = $1")
        .bind(carol_id)
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    assert_eq!(sent, 3);
    app.clock.advance(Duration::from_secs(30 * 60 + 1));
    let expired = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({"token": newest, "new_password": "new-password-3"}),
        )
        .await;
    expect_problem(expired, StatusCode::UNPROCESSABLE_ENTITY, "invalid_token").await;
    // Garbage tokens are the same 422.
    let garbage = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({"token": "x", "new_password": "new-password-3"}),
        )
        .await;
    expect_problem(garbage, StatusCode::UNPROCESSABLE_ENTITY, "invalid_token").await;
}
app_test!(a_forgotten_password_is_reset_once_and_every_session_ends);

async fn reset_requests_are_throttled_per_address_whoever_they_name(app: TestApp) {
    for i in 0..10 {
        let response = app
            .post("/api/v1/auth/password-reset", json!({"login": format!("user{i}")}))
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let refused = app
        .post("/api/v1/auth/password-reset", json!({"login": "someone"}))
        .await;
    expect_problem(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let empty = app.post("/api/v1/auth/password-reset", json!({"login": "  "})).await;
    expect_problem(empty, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}
app_test!(reset_requests_are_throttled_per_address_whoever_they_name);

async fn an_email_is_proven_by_its_link_and_brings_the_guest_orders(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    // A guest buys with dora@example.com.
    let cart = guest_cart(&app).await;
    assert_eq!(put_line(&app, &cart, tea, 1).await, StatusCode::OK);
    let placed = as_guest(&app, Method::POST, "/api/v1/orders", &cart)
        .json(&guest_order_body("dora@example.com"))
        .send()
        .await
        .unwrap();
    let order = json_of(placed, StatusCode::CREATED).await["id"].as_i64().unwrap();
    // Later she registers with that address: unverified until the link is followed.
    let registered = app
        .post(
            "/api/v1/auth/register",
            json!({"username": "dora", "password": "password123", "email": "Dora@example.com"}),
        )
        .await;
    let view = json_of(registered, StatusCode::CREATED).await;
    assert_eq!(view["email_verified"], false);
    let dora = app.login("dora", "password123").await.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let dora_id = user_id(&app, &dora).await;
    let listed = app.get_json("/api/v1/orders", Some(&dora)).await;
    assert_eq!(listed["data"], json!([]), "not hers until the address is proven");
    let token = secret_of(&app, "verify_email", dora_id).await;
    let verified = json_of(
        app.post("/api/v1/auth/verify-email", json!({"token": token})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            verified["user"]["email_verified"].clone(),
            verified["attached_orders"].clone()
        ),
        (json!(true), json!(1))
    );
    let listed = app.get_json("/api/v1/orders", Some(&dora)).await;
    assert_eq!(listed["data"][0]["id"], order);
    let again = app.post("/api/v1/auth/verify-email", json!({"token": token})).await;
    expect_problem(again, StatusCode::UNPROCESSABLE_ENTITY, "invalid_token").await;

    // A new address takes effect only once its link is followed.
    let changed = json_of(
        app.send(
            Method::PATCH,
            "/api/v1/me",
            Some(&dora),
            Some(json!({"email": "dora@new.example"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            changed["email"].clone(),
            changed["pending_email"].clone(),
            changed["email_verified"].clone()
        ),
        (json!("Dora@example.com"), json!("dora@new.example"), json!(true))
    );
    let resent = app
        .send(Method::POST, "/api/v1/me/email-verification", Some(&dora), None)
        .await;
    assert_eq!(resent.status(), StatusCode::ACCEPTED);
    let token = secret_of(&app, "verify_email", dora_id).await;
    app.post("/api/v1/auth/verify-email", json!({"token": token})).await;
    let me = app.get_json("/api/v1/me", Some(&dora)).await;
    assert_eq!(
        (me["email"].clone(), me["pending_email"].clone()),
        (json!("dora@new.example"), Value::Null)
    );
    let nothing = app
        .send(Method::POST, "/api/v1/me/email-verification", Some(&dora), None)
        .await;
    expect_problem(nothing, StatusCode::CONFLICT, "nothing_to_verify").await;
    // The message language is a setting of the account.
    let english = app
        .send(Method::PATCH, "/api/v1/me", Some(&dora), Some(json!({"locale": "en"})))
        .await;
    assert_eq!(json_of(english, StatusCode::OK).await["locale"], "en");
    let wrong = app
        .send(Method::PATCH, "/api/v1/me", Some(&dora), Some(json!({"locale": "fr"})))
        .await;
    assert_eq!(
        fields(&expect_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await),
        vec!["locale"]
    );
}
app_test!(an_email_is_proven_by_its_link_and_brings_the_guest_orders);

/// A reset request for an account that exists takes no longer than one for an account
/// that does not: the token and its message are written after the answer. Medians of 31
/// alternating requests, each from its own address (behind a trusted balancer) so the
/// throttle stays out of it, each after the previous one's background work is done.
async fn reset_requests_take_the_same_time_for_known_and_unknown_accounts(db: emporium_testkit::TestDb) {
    let config = emporium_app::AppConfig {
        bcrypt_cost: 4,
        write_limits: emporium_app::WriteLimits {
            trust_forwarded_for: true,
            ..emporium_app::WriteLimits::OFF
        },
        ..emporium_app::AppConfig::default()
    };
    let app = TestApp::spawn_with(db, config).await;
    app.post(
        "/api/v1/auth/register",
        json!({"username": "erin", "password": "password123", "email": "erin@example.com"}),
    )
    .await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..31 {
        for (login, times) in [("erin", &mut known), ("nobody-at-all", &mut unknown)] {
            tokio::time::sleep(Duration::from_millis(30)).await;
            let started = std::time::Instant::now();
            let response = app
                .request(Method::POST, "/api/v1/auth/password-reset")
                .header("x-forwarded-for", format!("10.9.{i}.{}", times.len() % 2 + 1))
                .json(&json!({"login": login}))
                .send()
                .await
                .unwrap();
            times.push(started.elapsed());
            assert_eq!(response.status(), StatusCode::ACCEPTED);
        }
    }
    known.sort();
    unknown.sort();
    let (known, unknown) = (known[known.len() / 2], unknown[unknown.len() / 2]);
    assert!(
        known <= unknown * 2 + Duration::from_millis(3),
        "known {known:?} vs unknown {unknown:?}"
    );
}
emporium_testkit::engine_test!(reset_requests_take_the_same_time_for_known_and_unknown_accounts);

/// Guests whose cart expired without an order are forgotten by the jobs; a guest who
/// ordered stays, as the order's owner, and its link keeps working.
async fn idle_guests_are_forgotten_and_buyers_kept(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    let idle = guest_cart(&app).await;
    assert_eq!(put_line(&app, &idle, tea, 1).await, StatusCode::OK);
    // An address in its book gave the idle guest a data key: it goes with the guest.
    let address = as_guest(&app, Method::POST, "/api/v1/me/addresses", &idle)
        .json(&serde_json::json!({"recipient": "Idle", "phone": "13800000000", "line1": "1 Idle Rd", "city": "上海", "country": "CN"}))
        .send()
        .await
        .unwrap();
    assert_eq!(address.status(), StatusCode::CREATED);
    let buyer = guest_cart(&app).await;
    assert_eq!(put_line(&app, &buyer, tea, 1).await, StatusCode::OK);
    let placed = as_guest(&app, Method::POST, "/api/v1/orders", &buyer)
        .json(&guest_order_body("buyer@example.com"))
        .send()
        .await
        .unwrap();
    let placed = json_of(placed, StatusCode::CREATED).await;
    assert_eq!(app.run_jobs().await.guests_forgotten, 0, "both carts still live");
    app.clock.advance(Duration::from_secs(31 * 24 * 3600));
    assert_eq!(app.run_jobs().await.guests_forgotten, 1);
    let guests: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE guest = 1")
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    assert_eq!(guests, 1);
    let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM user_keys")
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    assert_eq!(keys, 1, "the buyer's key stays, the idle guest's went");
    let order = app
        .request(Method::GET, &format!("/api/v1/orders/{}", placed["id"]))
        .header("order-access-token", placed["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(order.status(), StatusCode::OK);
    app.assert_clean().await;
}
app_test!(idle_guests_are_forgotten_and_buyers_kept);

/// Places and pays a guest order of `quantity` units of `product` for `email`; answers
/// the order's id and link token.
pub(crate) async fn guest_paid_order(app: &TestApp, product: i64, quantity: i64, email: &str) -> (i64, String) {
    let cart = guest_cart(app).await;
    assert_eq!(put_line(app, &cart, product, quantity).await, StatusCode::OK);
    let placed = as_guest(app, Method::POST, "/api/v1/orders", &cart)
        .json(&guest_order_body(email))
        .send()
        .await
        .unwrap();
    let placed = json_of(placed, StatusCode::CREATED).await;
    let (order, access) = (
        placed["id"].as_i64().unwrap(),
        placed["access_token"].as_str().unwrap().to_owned(),
    );
    let payment = app
        .request(Method::POST, &format!("/api/v1/orders/{order}/pay"))
        .header("order-access-token", &access)
        .json(&json!({"provider": "sandbox"}))
        .send()
        .await
        .unwrap();
    let payment = json_of(payment, StatusCode::CREATED).await;
    let complete = app
        .post(
            &format!("{}/complete", payment["pay_url"].as_str().unwrap()),
            json!({"outcome": "succeeded"}),
        )
        .await;
    assert_eq!(complete.status(), StatusCode::ACCEPTED);
    app.run_jobs().await;
    (order, access)
}

/// A guest asks for money back on a paid order, and to return goods of a received one,
/// with the order's link token as a customer does with a login (the same use cases);
/// another token, or a customer's login, finds no such order.
async fn a_guest_asks_for_a_refund_and_a_return_by_the_order_token(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    let (order, access) = guest_paid_order(&app, tea, 2, "guest@example.com").await;
    let with_token = |method: Method, path: &str, token: &str| {
        app.request(method, path).header("order-access-token", token.to_owned())
    };
    let refunds = format!("/api/v1/orders/{order}/refunds");

    // Nobody else asks for it: another order's token, a changed one, a customer's login
    // (with or without the token beside it), or nobody at all.
    let alice = app.customer("alice").await;
    let address = app.add_address(&alice).await;
    assert_eq!(app.put_cart(&alice, tea, 1).await.status(), StatusCode::OK);
    let alices = app.place_order(&alice, address).await;
    let mut altered = access.clone().into_bytes();
    altered[0] = if altered[0] == b'0' { b'1' } else { b'0' };
    let altered = String::from_utf8(altered).unwrap();
    let ask = json!({"amount": 2_000, "reason": "one box arrived dented"});
    for token in [altered.clone(), app.state.order_links().token(alices)] {
        let response = with_token(Method::POST, &refunds, &token)
            .json(&ask)
            .send()
            .await
            .unwrap();
        expect_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let response = app.send(Method::POST, &refunds, Some(&alice), Some(ask.clone())).await;
    expect_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = with_token(Method::POST, &refunds, &access)
        .bearer_auth(&alice)
        .json(&ask)
        .send()
        .await
        .unwrap();
    expect_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app.request(Method::POST, &refunds).json(&ask).send().await.unwrap();
    expect_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let response = with_token(Method::POST, &refunds, "garbage")
        .json(&ask)
        .send()
        .await
        .unwrap();
    expect_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    // Alice's own token is no login on her order (it is no guest's).
    let response = with_token(
        Method::POST,
        &format!("/api/v1/orders/{alices}/refunds"),
        &app.state.order_links().token(alices),
    )
    .json(&ask)
    .send()
    .await
    .unwrap();
    expect_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    assert!(
        app.get_json("/api/v1/refunds", Some(&staff)).await["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The token asks, with the rules a customer's login meets: more than was paid is
    // refused, a key replays the first answer.
    let too_much = with_token(Method::POST, &refunds, &access)
        .json(&json!({"amount": 12_001, "reason": "all of it and more"}))
        .send()
        .await
        .unwrap();
    expect_problem(too_much, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let keyed = || {
        with_token(Method::POST, &refunds, &access)
            .header("idempotency-key", "guest-refund-1")
            .json(&ask)
            .send()
    };
    let first = json_of(keyed().await.unwrap(), StatusCode::CREATED).await;
    assert_eq!(
        (first["status"].as_str(), first["amount"].as_i64()),
        (Some("requested"), Some(2_000))
    );
    let again: Value = keyed().await.unwrap().json().await.unwrap();
    assert_eq!(first, again, "replayed, not asked twice");
    let listed = app.get_json("/api/v1/refunds?status=requested", Some(&staff)).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    let approved = app
        .send(
            Method::POST,
            &format!("/api/v1/refunds/{}/approve", first["id"]),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(json_of(approved, StatusCode::OK).await["status"], "refunded");
    let shown: Value = with_token(Method::GET, &format!("/api/v1/orders/{order}"), &access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["refunded_amount"], 2_000, "{shown}");

    // Received, it may be returned by the same token (and only by it).
    let shipped = app
        .send(
            Method::POST,
            &format!("/api/v1/orders/{order}/ship"),
            Some(&staff),
            Some(json!({"carrier": "SF Express", "tracking_number": "SF4000000004"})),
        )
        .await;
    json_of(shipped, StatusCode::OK).await;
    let received = with_token(
        Method::POST,
        &format!("/api/v1/orders/{order}/confirm-receipt"),
        &access,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(received.status(), StatusCode::OK);
    let item = shown["items"][0]["id"].as_i64().unwrap();
    let wish = json!({"lines": [{"order_item_id": item, "quantity": 1}], "reason": "too strong"});
    let returns = format!("/api/v1/orders/{order}/returns");
    let response = with_token(Method::POST, &returns, &altered)
        .json(&wish)
        .send()
        .await
        .unwrap();
    expect_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app.send(Method::POST, &returns, Some(&alice), Some(wish.clone())).await;
    expect_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let ret = with_token(Method::POST, &returns, &access)
        .json(&wish)
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(ret, StatusCode::CREATED).await["status"], "requested");
    app.assert_clean().await;
}
app_test!(a_guest_asks_for_a_refund_and_a_return_by_the_order_token);
