//! The access-control matrix. Every API route listed in the served OpenAPI document is
//! called with no token, as another customer with the owner's ids, as a customer on staff
//! routes, and as the owner (or staff); every JSON body is sent again with protected
//! fields added (mass assignment); and no response may carry another user's data or a
//! secret. The web pages that take ids are checked the same way with a session cookie.
//!
//! The table [`ROUTES`] says who may call each route. The routes themselves come from
//! `/api/openapi.json`, so a route added later without a row here fails the test.

use std::collections::BTreeSet;

use emporium_api::Problem;
use emporium_domain::staff::{Permission, StaffRole};
use emporium_payments::signature;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, json_of, multipart};
use crate::web::Browser;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone, with or without a token.
    Public,
    /// Any logged-in user, acting on their own things (the path names nobody else's).
    Caller,
    /// A logged-in user, on one of their own things named by id (in the path, or for
    /// `POST /orders` and reviews in the body): anyone else's id is a 404.
    Owned,
    /// Staff holding this permission: 401 without a token, 403 for customers and for
    /// staff whose role lacks it.
    Staff(Permission),
    /// The payment provider: no token, a signed body; anything unsigned is a 400.
    Provider,
    /// A logged-in customer on their own account, confirmed by their password
    /// (`DELETE /me`): the matrix sends a wrong one, so it is 422 for every customer and
    /// nothing happens; the real deletion is `privacy.rs`.
    Confirmed,
    /// Whoever holds a single-use token from an email (reset, verification): without the
    /// real one, 422 `invalid_token` for everyone (the real ones: `guests.rs`).
    Link,
}

use Access::{Caller, Confirmed, Link, Owned, Provider, Public, Staff};

const CATALOGUE: Access = Staff(Permission::Catalogue);
const INVENTORY: Access = Staff(Permission::Inventory);
const FULFILMENT: Access = Staff(Permission::Fulfilment);
const REFUNDS: Access = Staff(Permission::Refunds);
const CUSTOMERS: Access = Staff(Permission::Customers);
const REPORTS: Access = Staff(Permission::Reports);
const SETTINGS: Access = Staff(Permission::Settings);
const STAFF: Access = Staff(Permission::Staff);

/// Every route and who may call it. Order matters only for the owner's pass, which runs
/// the calls in this order (pay before the notification before cancel, …).
const ROUTES: &[(&str, &str, Access)] = &[
    ("POST", "/api/v1/auth/register", Public),
    ("POST", "/api/v1/auth/login", Public),
    ("POST", "/api/v1/auth/logout", Caller),
    ("POST", "/api/v1/auth/password-reset", Public),
    ("POST", "/api/v1/auth/password-reset/confirm", Link),
    ("POST", "/api/v1/auth/verify-email", Link),
    ("POST", "/api/v1/me/email-verification", Caller),
    ("POST", "/api/v1/carts", Public),
    ("GET", "/api/v1/me", Caller),
    ("PATCH", "/api/v1/me", Caller),
    ("POST", "/api/v1/me/password", Caller),
    ("DELETE", "/api/v1/me", Confirmed),
    ("GET", "/api/v1/me/export", Caller),
    ("GET", "/api/v1/me/addresses", Caller),
    ("POST", "/api/v1/me/addresses", Caller),
    ("PUT", "/api/v1/me/addresses/{id}", Owned),
    ("DELETE", "/api/v1/me/addresses/{id}", Owned),
    ("GET", "/api/v1/products", Public),
    ("POST", "/api/v1/products", CATALOGUE),
    ("GET", "/api/v1/products/{id}", Public),
    ("PATCH", "/api/v1/products/{id}", CATALOGUE),
    ("DELETE", "/api/v1/products/{id}", CATALOGUE),
    ("POST", "/api/v1/products/{id}/images", CATALOGUE),
    ("GET", "/api/v1/categories", Public),
    ("POST", "/api/v1/categories", CATALOGUE),
    ("PATCH", "/api/v1/categories/{id}", CATALOGUE),
    ("DELETE", "/api/v1/categories/{id}", CATALOGUE),
    ("POST", "/api/v1/products/{id}/stock-lots", INVENTORY),
    ("GET", "/api/v1/products/{id}/stock-lots", INVENTORY),
    ("POST", "/api/v1/products/{id}/stock-adjustments", INVENTORY),
    ("GET", "/api/v1/inventory/valuation", INVENTORY),
    ("GET", "/api/v1/cart", Caller),
    ("DELETE", "/api/v1/cart", Caller),
    ("DELETE", "/api/v1/cart/items/{product_id}", Caller),
    ("PUT", "/api/v1/cart/items/{product_id}", Caller),
    ("PUT", "/api/v1/cart/lines/{variant_id}", Caller),
    ("DELETE", "/api/v1/cart/lines/{variant_id}", Caller),
    ("POST", "/api/v1/cart/price", Owned),
    ("GET", "/api/v1/shipping-methods", Owned),
    ("POST", "/api/v1/products/{id}/variants", CATALOGUE),
    ("PATCH", "/api/v1/products/{id}/variants/{variant_id}", CATALOGUE),
    ("DELETE", "/api/v1/products/{id}/variants/{variant_id}", CATALOGUE),
    ("POST", "/api/v1/orders", Owned),
    ("GET", "/api/v1/orders", Caller),
    ("POST", "/api/v1/orders/lookup", Public),
    ("GET", "/api/v1/orders/{id}", Owned),
    ("POST", "/api/v1/orders/{id}/pay", Owned),
    ("POST", "/api/v1/payments/notify/{provider}", Provider),
    ("GET", "/api/v1/payment-providers", Public),
    ("POST", "/api/v1/orders/{id}/cancel", Owned),
    ("POST", "/api/v1/orders/{id}/ship", FULFILMENT),
    ("POST", "/api/v1/orders/{id}/tracking-events", FULFILMENT),
    ("POST", "/api/v1/orders/{id}/confirm-receipt", Owned),
    ("GET", "/api/v1/orders/{id}/events", Owned),
    ("GET", "/api/v1/payments/{id}", Owned),
    ("POST", "/api/v1/orders/{id}/refunds", Owned),
    ("POST", "/api/v1/refunds/{id}/approve", REFUNDS),
    ("POST", "/api/v1/refunds/{id}/reject", REFUNDS),
    ("GET", "/api/v1/refunds", REFUNDS),
    ("POST", "/api/v1/orders/{id}/returns", Owned),
    ("GET", "/api/v1/orders/{id}/returns", Owned),
    ("GET", "/api/v1/returns", Caller),
    ("GET", "/api/v1/returns/{id}", Owned),
    ("POST", "/api/v1/returns/{id}/approve", REFUNDS),
    ("POST", "/api/v1/returns/{id}/reject", REFUNDS),
    ("POST", "/api/v1/returns/{id}/receive", REFUNDS),
    ("POST", "/api/v1/products/{id}/reviews", Owned),
    ("GET", "/api/v1/products/{id}/reviews", Public),
    ("PATCH", "/api/v1/reviews/{id}", CATALOGUE),
    ("GET", "/api/v1/products/{id}/also-bought", Public),
    ("GET", "/api/v1/me/recommendations", Caller),
    ("GET", "/api/v1/admin/stats", REPORTS),
    ("GET", "/api/v1/admin/messages", CUSTOMERS),
    ("GET", "/api/v1/audit-log", STAFF),
    ("POST", "/api/v1/admin/messages/{id}/resend", CUSTOMERS),
    ("GET", "/api/v1/shipping-zones", SETTINGS),
    ("POST", "/api/v1/shipping-zones", SETTINGS),
    ("GET", "/api/v1/shipping-zones/{id}", SETTINGS),
    ("PATCH", "/api/v1/shipping-zones/{id}", SETTINGS),
    ("POST", "/api/v1/shipping-zones/{id}/methods", SETTINGS),
    ("PATCH", "/api/v1/shipping-methods/{id}", SETTINGS),
    ("DELETE", "/api/v1/shipping-methods/{id}", SETTINGS),
    ("DELETE", "/api/v1/shipping-zones/{id}", SETTINGS),
    ("GET", "/api/v1/promotions", SETTINGS),
    ("POST", "/api/v1/promotions", SETTINGS),
    ("GET", "/api/v1/promotions/{id}", SETTINGS),
    ("PATCH", "/api/v1/promotions/{id}", SETTINGS),
    ("DELETE", "/api/v1/promotions/{id}", SETTINGS),
    ("GET", "/api/v1/coupons", SETTINGS),
    ("POST", "/api/v1/coupons", SETTINGS),
    ("POST", "/api/v1/coupons/batch", SETTINGS),
    ("GET", "/api/v1/coupons/{id}", SETTINGS),
    ("PATCH", "/api/v1/coupons/{id}", SETTINGS),
    ("DELETE", "/api/v1/coupons/{id}", SETTINGS),
    ("GET", "/api/v1/tax-rates", SETTINGS),
    ("POST", "/api/v1/tax-rates", SETTINGS),
    ("DELETE", "/api/v1/tax-rates/{id}", SETTINGS),
    ("GET", "/api/v1/tax-settings", SETTINGS),
    ("PUT", "/api/v1/tax-settings", SETTINGS),
    ("GET", "/api/v1/roles", STAFF),
    ("GET", "/api/v1/staff", STAFF),
    ("POST", "/api/v1/staff", STAFF),
    ("PATCH", "/api/v1/staff/{id}", STAFF),
    ("GET", "/api/v1/customers", CUSTOMERS),
    ("GET", "/api/v1/customers/{id}", CUSTOMERS),
    ("POST", "/api/v1/customers/{id}/block", CUSTOMERS),
    ("POST", "/api/v1/customers/{id}/unblock", CUSTOMERS),
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Public),
    ("GET", "/metrics", Public),
];

/// Fields a client must never set through a body that does not declare them.
const PROTECTED: &[&str] = &[
    "id",
    "user_id",
    "role",
    "status",
    "price",
    "unit_price",
    "total",
    "subtotal",
    "shipping_fee",
    "stock",
    "stock_available",
    "unit_cost",
    "cost",
    "paid_at",
    "refunded_amount",
    "rating_average",
    "rating_count",
    "created_at",
    "password_hash",
    "hidden",
];

const PASSWORD: &str = "password123";

/// The identities of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// No token at all.
    Anonymous,
    /// Customer B, holding customer A's ids.
    Intruder,
    /// Customer A, who owns everything in the fixture.
    Owner,
    /// Staff.
    Staff,
}

/// Customer A's things (and staff's), created through the API.
struct Fixture {
    staff: String,
    /// A token per role, for the pass per permission.
    roles: Vec<(StaffRole, String)>,
    /// A support member for the owner to change, and a customer for staff to block.
    spare_staff: i64,
    carol: i64,
    alice: String,
    bob: String,
    tea: i64,
    cup: i64,
    spare: i64,
    /// The variants of tea and cup (each has one).
    tea_variant: i64,
    cup_variant: i64,
    /// The Tea category, and an empty one to remove.
    tea_category: i64,
    empty_category: i64,
    /// A shirt in size S only, of the options S and M.
    shirt: i64,
    shirt_small: i64,
    address: i64,
    spare_address: i64,
    /// Awaiting payment, with a pending payment.
    pending: i64,
    pending_payment: Value,
    /// Paid, with two refunds requested.
    paid: i64,
    payment: i64,
    refund: i64,
    refund2: i64,
    /// Paid, not shipped.
    to_ship: i64,
    shipped: i64,
    /// Received, holding tea (reviewed) and cup (not yet).
    received: i64,
    review: i64,
    /// Received with four units of tea: three returns asked (two awaiting a decision,
    /// one approved), one unit left to ask for.
    returnable: i64,
    returnable_item: i64,
    return_to_approve: i64,
    return_to_reject: i64,
    return_to_receive: i64,
    /// A message about the paid order (its confirmation).
    message: i64,
    /// Strings only A's own answers (or staff's) may contain.
    alice_private: Vec<String>,
    /// Strings only B's own answers (or staff's) may contain.
    bob_private: Vec<String>,
    /// One pricing rule of each kind (`pricing_rules.rs`).
    rules: crate::pricing_rules::MatrixRules,
    /// A guest's order, placed with guest@g7.example.
    guest_order: i64,
    /// Every token issued in the fixture, by whom.
    tokens: Vec<(Who, String)>,
    /// The users' bcrypt hashes and the server's secrets.
    secrets: Vec<String>,
}

impl Fixture {
    fn token(&self, who: Who) -> Option<&str> {
        match who {
            Who::Anonymous => None,
            Who::Intruder => Some(&self.bob),
            Who::Owner => Some(&self.alice),
            Who::Staff => Some(&self.staff),
        }
    }

    fn username(who: Who) -> &'static str {
        match who {
            Who::Anonymous | Who::Intruder => "bob_b7",
            Who::Owner => "alice_a7",
            Who::Staff => "boss_s7",
        }
    }
}

async fn created(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    let response = app.send(method, path, Some(token), Some(body)).await;
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.unwrap()
}

/// The `Idempotency-Key` A sends with her first order, payment and refund, and that B
/// sends with every request: a key must never replay another user's answer.
const KEY: &str = "matrix-key-1";

/// Like [`created`], with A's idempotency key.
async fn keyed(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let response = app
        .request(Method::POST, path)
        .bearer_auth(token)
        .header("idempotency-key", KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.unwrap()
}

async fn first_variant(app: &TestApp, product: i64) -> i64 {
    app.get_json(&format!("/api/v1/products/{product}"), None).await["variants"][0]["id"]
        .as_i64()
        .unwrap()
}

async fn fixture(app: &TestApp) -> Fixture {
    let staff = app.staff("boss_s7").await;
    let tea = app
        .create_product(
            &staff,
            NewProduct::new("Longjing 龙井", 3_000)
                .in_category("Tea")
                .stocked(100, 700),
        )
        .await;
    let cup = app
        .create_product(
            &staff,
            NewProduct::new("Teacup 茶杯", 1_500)
                .in_category("Tea")
                .stocked(100, 700),
        )
        .await;
    let spare = app
        .create_product(
            &staff,
            NewProduct::new("Spare 备用", 800).in_category("Tea").stocked(100, 700),
        )
        .await;

    let shirt = json!({"name": "Shirt 衬衫", "options": [{"name": "Size", "values": ["S", "M"]}],
                       "variants": [{"option_values": ["S"], "price": 9_900, "sku": "SHIRT-S"}]});
    let shirt = created(app, &staff, Method::POST, "/api/v1/products", shirt).await;
    let tea_category = app.get_json("/api/v1/categories", None).await["data"][0].clone();
    let empty_category = created(
        app,
        &staff,
        Method::POST,
        "/api/v1/categories",
        json!({"name": "Empty shelf"}),
    )
    .await;

    let mut roles = Vec::new();
    for role in StaffRole::ALL {
        roles.push((role, app.staff_as(&format!("role_{role}"), role).await));
    }
    app.staff_as("spare_s7", StaffRole::Support).await;
    let spare_staff = app.store.credentials("spare_s7").await.unwrap().unwrap().0.id;
    let carol = app.customer("carol_c7").await;
    let profile = json!({"email": "carol@c7.example", "phone": "+86 135 0000 5555"});
    let carol = created(app, &carol, Method::PATCH, "/api/v1/me", profile).await["id"]
        .as_i64()
        .unwrap();

    let alice = app.customer("alice_a7").await;
    let profile = json!({"email": "alice@a7.example", "phone": "+86 131 0000 7777"});
    let me = created(app, &alice, Method::PATCH, "/api/v1/me", profile).await;
    let bob = app.customer("bob_b7").await;
    let profile = json!({"email": "bob@b7.example", "phone": "+86 132 0000 8888"});
    let bob_me = created(app, &bob, Method::PATCH, "/api/v1/me", profile).await;
    let home = json!({"recipient": "Alice Recipient", "phone": "+86 131 0000 7777", "line1": "7 Aliceweg", "city": "Alicetown", "country": "CN"});
    let home = created(app, &alice, Method::POST, "/api/v1/me/addresses", home).await;
    let address = home["id"].as_i64().unwrap();
    let other = json!({"recipient": "Alice Second", "phone": "+86 131 0000 7777", "line1": "9 Aliceweg", "city": "Alicetown", "country": "CN"});
    let spare_address = created(app, &alice, Method::POST, "/api/v1/me/addresses", other).await["id"]
        .as_i64()
        .unwrap();

    assert_eq!(app.put_cart(&alice, tea, 1).await.status(), StatusCode::OK);
    let pending = keyed(app, &alice, "/api/v1/orders", json!({"address_id": address})).await["id"]
        .as_i64()
        .unwrap();
    let pay = json!({"provider": "sandbox"});
    let pending_payment = keyed(app, &alice, &format!("/api/v1/orders/{pending}/pay"), pay).await;

    let paid = app.paid_order(&alice, address, &[(tea, 2)]).await;
    let order = json_of(
        app.send(Method::GET, &format!("/api/v1/orders/{paid}"), Some(&alice), None)
            .await,
        StatusCode::OK,
    )
    .await;
    let payment = order["payment"]["id"].as_i64().unwrap();
    let ask = json!({"amount": 1_000, "reason": "one box arrived crushed"});
    let refund = keyed(app, &alice, &format!("/api/v1/orders/{paid}/refunds"), ask.clone()).await;
    let refund2 = created(
        app,
        &alice,
        Method::POST,
        &format!("/api/v1/orders/{paid}/refunds"),
        ask,
    )
    .await;

    let to_ship = app.paid_order(&alice, address, &[(cup, 1)]).await;
    let shipped = app.paid_order(&alice, address, &[(tea, 1)]).await;
    let ship = json!({"carrier": "SF Express", "tracking_number": "SF0000000001"});
    created(
        app,
        &staff,
        Method::POST,
        &format!("/api/v1/orders/{shipped}/ship"),
        ship,
    )
    .await;
    let received = app.paid_order(&alice, address, &[(tea, 1), (cup, 1)]).await;
    app.deliver(&staff, &alice, received).await;
    let words = json!({"order_id": received, "rating": 5, "body": "Fragrant and fresh"});
    let review = created(
        app,
        &alice,
        Method::POST,
        &format!("/api/v1/products/{tea}/reviews"),
        words,
    )
    .await;
    let returnable = app.paid_order(&alice, address, &[(tea, 4)]).await;
    app.deliver(&staff, &alice, returnable).await;
    let returnable_item = app
        .get_json(&format!("/api/v1/orders/{returnable}"), Some(&alice))
        .await["items"][0]["id"]
        .as_i64()
        .unwrap();
    let mut returns = Vec::new();
    for _ in 0..3 {
        let ask = json!({"lines": [{"order_item_id": returnable_item, "quantity": 1}], "reason": "不合适"});
        let ret = created(
            app,
            &alice,
            Method::POST,
            &format!("/api/v1/orders/{returnable}/returns"),
            ask,
        )
        .await;
        returns.push(ret["id"].as_i64().unwrap());
    }
    let approve = json!({"instructions": "Send it to 1 Shop Road"});
    created(
        app,
        &staff,
        Method::POST,
        &format!("/api/v1/returns/{}/approve", returns[2]),
        approve,
    )
    .await;
    assert_eq!(app.put_cart(&alice, tea, 3).await.status(), StatusCode::OK);

    // What identifies A (or B) as a person: as stored, so a normalised form is caught too.
    let strings = |v: &Value, keys: &[&str]| -> Vec<String> {
        keys.iter().filter_map(|k| v[*k].as_str().map(str::to_owned)).collect()
    };
    let mut alice_private = strings(&me, &["username", "email", "pending_email", "phone"]);
    alice_private.extend(strings(&home, &["recipient", "phone", "line1", "city"]));
    alice_private.push("9 Aliceweg".into());
    let mut bob_private = strings(&bob_me, &["username", "email", "pending_email", "phone"]);
    bob_private.extend(["Bob Recipient".to_owned(), "8 Bobweg".to_owned(), "Bobtown".to_owned()]);

    let mut secrets = vec![
        String::from_utf8_lossy(app.state.sandbox_secret()).into_owned(),
        app.store
            .setting_or_insert("cursor_secret", "unused".into())
            .await
            .unwrap(),
    ];
    for token in [&staff, &alice, &bob] {
        secrets.push(emporium_app::tokens::hash(token));
    }
    for user in [&me, &bob_me] {
        let hash = app.store.password_hash(user["id"].as_i64().unwrap()).await.unwrap();
        secrets.push(hash);
    }
    // A guest's order: found by number and email, never shown to anyone else.
    let cart: Value = app.post("/api/v1/carts", json!({})).await.json().await.unwrap();
    let cart = cart["cart_token"].as_str().unwrap().to_owned();
    let put = app
        .request(Method::PUT, &format!("/api/v1/cart/items/{tea}"))
        .header("cart-token", &cart)
        .json(&json!({"quantity": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let guest = json!({"email": "guest@g7.example", "address": {"recipient": "Guest Recipient", "phone": "+86 133 0000 9999", "line1": "3 Guestweg", "city": "Guesttown", "country": "CN"}});
    let placed = app
        .request(Method::POST, "/api/v1/orders")
        .header("cart-token", &cart)
        .json(&guest)
        .send()
        .await
        .unwrap();
    let guest_order = json_of(placed, StatusCode::CREATED).await["id"].as_i64().unwrap();
    for private in ["Guest Recipient", "3 Guestweg", "Guesttown", "guest@g7.example"] {
        alice_private.push(private.to_owned());
        bob_private.push(private.to_owned());
    }
    let tea_category_id = tea_category["id"].as_i64().unwrap();
    let rules = crate::pricing_rules::matrix_rules(app, &staff, tea_category_id).await;
    // The listing's facets come from the index: let it hold the fixture before the
    // snapshots compare listings (a follower poll between two of them would differ).
    app.catch_up_search().await;
    Fixture {
        rules,
        tokens: vec![
            (Who::Staff, staff.clone()),
            (Who::Owner, alice.clone()),
            (Who::Intruder, bob.clone()),
        ],
        staff,
        roles,
        spare_staff,
        carol,
        alice,
        bob,
        tea,
        cup,
        spare,
        tea_variant: first_variant(app, tea).await,
        cup_variant: first_variant(app, cup).await,
        tea_category: tea_category["id"].as_i64().unwrap(),
        empty_category: empty_category["id"].as_i64().unwrap(),
        shirt: shirt["id"].as_i64().unwrap(),
        shirt_small: shirt["variants"][0]["id"].as_i64().unwrap(),
        address,
        spare_address,
        pending,
        pending_payment,
        paid,
        payment,
        refund: refund["id"].as_i64().unwrap(),
        refund2: refund2["id"].as_i64().unwrap(),
        to_ship,
        shipped,
        received,
        review: review["id"].as_i64().unwrap(),
        returnable,
        returnable_item,
        return_to_approve: returns[0],
        return_to_reject: returns[1],
        return_to_receive: returns[2],
        message: app
            .store
            .messages(emporium_store::messages::MessageFilter::Order(paid), 1)
            .await
            .unwrap()[0]
            .id,
        alice_private,
        bob_private,
        secrets,
        guest_order,
    }
}

/// A route that takes an emailed token, called with a made-up one.
fn assert_link_refused(reply: &Reply, method: &str, template: &str) {
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{method} {template}: {}",
        reply.body
    );
    assert_eq!(reply.problem().code, "invalid_token", "{method} {template}");
}

/// A confirmed route called with a wrong password: 422 naming `password`, nothing done.
fn assert_wrong_password(reply: &Reply, method: &str, template: &str) {
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{method} {template}: {}",
        reply.body
    );
    let problem = reply.problem();
    assert!(problem.errors.iter().any(|e| e.field == "password"), "{problem:?}");
}

/// One concrete request.
struct Call {
    path: String,
    body: Option<Value>,
}

/// The request `who` makes on a route: always with A's ids, so that B's call is the
/// owner's call with another token.
fn call_for(fx: &Fixture, who: Who, method: &str, template: &str) -> Call {
    if let Some((path, body)) = crate::pricing_rules::matrix_call(&fx.rules, fx.tea_category, method, template) {
        return Call { path, body };
    }
    let who_name = format!("{who:?}").to_lowercase();
    let (path, body) = match (method, template) {
        ("POST", "/api/v1/auth/register") => (
            template.to_owned(),
            Some(json!({"username": format!("new_{who_name}"), "password": PASSWORD})),
        ),
        ("POST", "/api/v1/auth/login") => (
            template.to_owned(),
            Some(
                json!({"username": Fixture::username(who), "password": if who == Who::Staff { "staff-password" } else { PASSWORD }}),
            ),
        ),
        ("PATCH", "/api/v1/me") => (
            template.to_owned(),
            Some(json!({"display_name": format!("{who_name} shown")})),
        ),
        ("DELETE", "/api/v1/me") => (template.to_owned(), Some(json!({"password": "not-the-password"}))),
        ("POST", "/api/v1/me/password") => (
            template.to_owned(),
            Some(json!({"current_password": PASSWORD, "new_password": PASSWORD})),
        ),
        ("POST", "/api/v1/me/addresses") => {
            let body = if who == Who::Intruder {
                json!({"recipient": "Bob Recipient", "phone": "+86 132 0000 8888", "line1": "8 Bobweg", "city": "Bobtown", "country": "CN"})
            } else {
                json!({"recipient": "Alice Recipient", "phone": "+86 131 0000 7777", "line1": "7 Aliceweg", "city": "Alicetown", "country": "CN"})
            };
            (template.to_owned(), Some(body))
        }
        ("PUT", "/api/v1/me/addresses/{id}") => (
            format!("/api/v1/me/addresses/{}", fx.spare_address),
            Some(
                json!({"recipient": "Alice Moved", "phone": "+86 131 0000 7777", "line1": "9 Aliceweg", "city": "Alicetown", "country": "CN"}),
            ),
        ),
        (_, "/api/v1/me/addresses/{id}") => (format!("/api/v1/me/addresses/{}", fx.spare_address), None),
        ("POST", "/api/v1/products") => (
            template.to_owned(),
            Some(json!({"name": "New 新品", "price": 999, "initial_stock": {"quantity": 3, "unit_cost": 400}})),
        ),
        ("PATCH", "/api/v1/products/{id}") => (format!("/api/v1/products/{}", fx.spare), Some(json!({"price": 850}))),
        ("DELETE", "/api/v1/products/{id}") => (format!("/api/v1/products/{}", fx.spare), None),
        // Sent as multipart by `send`: this body names the alt text; the file is a picture.
        ("POST", "/api/v1/products/{id}/images") => (
            format!("/api/v1/products/{}/images", fx.tea),
            Some(json!({"alt": format!("{who_name}'s picture")})),
        ),
        ("POST", "/api/v1/products/{id}/stock-lots") => (
            format!("/api/v1/products/{}/stock-lots", fx.tea),
            Some(json!({"quantity": 5, "unit_cost": 650, "note": "matrix"})),
        ),
        ("POST", "/api/v1/products/{id}/stock-adjustments") => (
            format!("/api/v1/products/{}/stock-adjustments", fx.tea),
            Some(json!({"quantity": 1, "reason": "damaged"})),
        ),
        ("PUT", "/api/v1/cart/items/{product_id}") => {
            (format!("/api/v1/cart/items/{}", fx.tea), Some(json!({"quantity": 2})))
        }
        ("DELETE", "/api/v1/cart/items/{product_id}") => (format!("/api/v1/cart/items/{}", fx.cup), None),
        ("POST", "/api/v1/categories") => (template.to_owned(), Some(json!({"name": "New shelf 新货架"}))),
        ("PATCH", "/api/v1/categories/{id}") => (
            format!("/api/v1/categories/{}", fx.tea_category),
            Some(json!({"names": {"en": "Tea leaves"}})),
        ),
        ("DELETE", "/api/v1/categories/{id}") => (format!("/api/v1/categories/{}", fx.empty_category), None),
        ("PUT", "/api/v1/cart/lines/{variant_id}") => (
            format!("/api/v1/cart/lines/{}", fx.tea_variant),
            Some(json!({"quantity": 3})),
        ),
        ("DELETE", "/api/v1/cart/lines/{variant_id}") => (format!("/api/v1/cart/lines/{}", fx.cup_variant), None),
        ("POST", "/api/v1/cart/price") => (template.to_owned(), Some(json!({"address_id": fx.address}))),
        ("GET", "/api/v1/shipping-methods") => (format!("/api/v1/shipping-methods?address_id={}", fx.address), None),
        ("POST", "/api/v1/products/{id}/variants") => (
            format!("/api/v1/products/{}/variants", fx.shirt),
            Some(json!({"option_values": ["M"], "price": 10_900, "sku": "SHIRT-M"})),
        ),
        ("PATCH", "/api/v1/products/{id}/variants/{variant_id}") => (
            format!("/api/v1/products/{}/variants/{}", fx.shirt, fx.shirt_small),
            Some(json!({"price": 9_500})),
        ),
        ("DELETE", "/api/v1/products/{id}/variants/{variant_id}") => (
            format!("/api/v1/products/{}/variants/{}", fx.shirt, fx.shirt_small),
            None,
        ),
        ("POST", "/api/v1/orders") => (template.to_owned(), Some(json!({"address_id": fx.address}))),
        ("POST", "/api/v1/auth/password-reset") => (template.to_owned(), Some(json!({"login": "alice_a7"}))),
        ("POST", "/api/v1/auth/password-reset/confirm") => (
            template.to_owned(),
            Some(json!({"token": "ab".repeat(32), "new_password": "taken-over-1"})),
        ),
        ("POST", "/api/v1/auth/verify-email") => (template.to_owned(), Some(json!({"token": "ab".repeat(32)}))),
        ("POST", "/api/v1/carts") => (template.to_owned(), Some(json!({}))),
        ("POST", "/api/v1/orders/lookup") => (
            template.to_owned(),
            Some(json!({"order_id": fx.guest_order, "email": "guest@g7.example"})),
        ),
        ("GET", "/api/v1/orders/{id}") => (format!("/api/v1/orders/{}", fx.paid), None),
        ("POST", "/api/v1/orders/{id}/pay") => (
            format!("/api/v1/orders/{}/pay", fx.pending),
            Some(json!({"provider": "sandbox"})),
        ),
        ("POST", "/api/v1/payments/notify/{provider}") => {
            let p = &fx.pending_payment;
            let body = json!({"event_id": "evt_matrix_1", "payment_id": p["payment_id"], "order_id": fx.pending, "amount": p["amount"], "currency": p["currency"], "status": "failed"});
            ("/api/v1/payments/notify/sandbox".to_owned(), Some(body))
        }
        ("POST", "/api/v1/orders/{id}/cancel") => (format!("/api/v1/orders/{}/cancel", fx.pending), None),
        ("POST", "/api/v1/orders/{id}/ship") => (
            format!("/api/v1/orders/{}/ship", fx.to_ship),
            Some(json!({"carrier": "SF Express", "tracking_number": "SF0000000002"})),
        ),
        ("POST", "/api/v1/orders/{id}/tracking-events") => (
            format!("/api/v1/orders/{}/tracking-events", fx.shipped),
            Some(json!({"status": "in_transit", "location": "杭州"})),
        ),
        ("POST", "/api/v1/orders/{id}/confirm-receipt") => {
            (format!("/api/v1/orders/{}/confirm-receipt", fx.shipped), None)
        }
        ("GET", "/api/v1/orders/{id}/events") => (format!("/api/v1/orders/{}/events", fx.paid), None),
        ("GET", "/api/v1/payments/{id}") => (format!("/api/v1/payments/{}", fx.payment), None),
        ("POST", "/api/v1/orders/{id}/refunds") => (
            format!("/api/v1/orders/{}/refunds", fx.paid),
            Some(json!({"amount": 500, "reason": "lid missing"})),
        ),
        (_, "/api/v1/orders/{id}/returns") => (
            format!("/api/v1/orders/{}/returns", fx.returnable),
            (method == "POST").then(
                || json!({"lines": [{"order_item_id": fx.returnable_item, "quantity": 1}], "reason": "wrong colour"}),
            ),
        ),
        ("GET", "/api/v1/returns/{id}") => (format!("/api/v1/returns/{}", fx.return_to_approve), None),
        ("POST", "/api/v1/returns/{id}/approve") => (
            format!("/api/v1/returns/{}/approve", fx.return_to_approve),
            Some(json!({"instructions": "Send it to 1 Shop Road"})),
        ),
        ("POST", "/api/v1/returns/{id}/reject") => (
            format!("/api/v1/returns/{}/reject", fx.return_to_reject),
            Some(json!({"note": "worn"})),
        ),
        ("POST", "/api/v1/returns/{id}/receive") => (
            format!("/api/v1/returns/{}/receive", fx.return_to_receive),
            Some(json!({"lines": [{"order_item_id": fx.returnable_item, "resellable": 1, "damaged": 0}]})),
        ),
        ("POST", "/api/v1/refunds/{id}/approve") => (format!("/api/v1/refunds/{}/approve", fx.refund), None),
        ("POST", "/api/v1/refunds/{id}/reject") => (format!("/api/v1/refunds/{}/reject", fx.refund2), None),
        ("POST", "/api/v1/products/{id}/reviews") => (
            format!("/api/v1/products/{}/reviews", fx.cup),
            Some(json!({"order_id": fx.received, "rating": 4, "body": "A fine cup"})),
        ),
        ("GET", "/api/v1/admin/messages") => (format!("/api/v1/admin/messages?order_id={}", fx.paid), None),
        ("POST", "/api/v1/admin/messages/{id}/resend") => {
            (format!("/api/v1/admin/messages/{}/resend", fx.message), None)
        }
        ("POST", "/api/v1/staff") => (
            template.to_owned(),
            Some(json!({"username": format!("hired_{who_name}"), "password": "hired-password-1", "role": "analyst"})),
        ),
        ("PATCH", "/api/v1/staff/{id}") => (
            format!("/api/v1/staff/{}", fx.spare_staff),
            Some(json!({"role": "analyst"})),
        ),
        ("GET", "/api/v1/customers") => ("/api/v1/customers?q=carol".to_owned(), None),
        (_, "/api/v1/customers/{id}") => (format!("/api/v1/customers/{}", fx.carol), None),
        (_, "/api/v1/customers/{id}/block") => (format!("/api/v1/customers/{}/block", fx.carol), None),
        (_, "/api/v1/customers/{id}/unblock") => (format!("/api/v1/customers/{}/unblock", fx.carol), None),
        ("PATCH", "/api/v1/reviews/{id}") => (format!("/api/v1/reviews/{}", fx.review), Some(json!({"hidden": true}))),
        (_, t) if t.contains("{id}") => (t.replace("{id}", &fx.tea.to_string()), None),
        (_, t) if t.contains('{') => panic!("no ids for {method} {t}: add them to call_for"),
        (_, t) => (t.to_owned(), None),
    };
    Call { path, body }
}

/// An answer, read whole.
struct Reply {
    status: StatusCode,
    content_type: String,
    body: String,
}

impl Reply {
    fn problem(&self) -> Problem {
        assert_eq!(self.content_type, "application/problem+json", "{}", self.body);
        serde_json::from_str(&self.body).unwrap()
    }
}

async fn exchange(app: &TestApp, fx: &Fixture, who: Who, method: &str, template: &str, signed: bool) -> Reply {
    let call = call_for(fx, who, method, template);
    send(app, fx, who, method, template, &call, signed).await
}

async fn send(app: &TestApp, fx: &Fixture, who: Who, method: &str, template: &str, call: &Call, signed: bool) -> Reply {
    let mut token = fx.token(who).map(str::to_owned);
    if template == "/api/v1/auth/logout" && token.is_some() {
        // Logging out ends the session it is sent with: use a throwaway one.
        let password = if who == Who::Staff { "staff-password" } else { PASSWORD };
        let login: Value = app.login(Fixture::username(who), password).await.json().await.unwrap();
        token = login["token"].as_str().map(str::to_owned);
    }
    let mut request = app.request(Method::from_bytes(method.as_bytes()).unwrap(), &call.path);
    if let Some(token) = &token {
        request = request.bearer_auth(token);
    }
    if who == Who::Intruder {
        request = request.header("idempotency-key", KEY);
    }
    if let (Some(body), "/api/v1/products/{id}/images") = (&call.body, template) {
        // The one multipart route: the alt text from the body, and a real picture.
        let mut png = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(image::RgbImage::new(8, 8))
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        let alt = body["alt"].as_str().unwrap_or_default().as_bytes().to_vec();
        let (content_type, bytes) = multipart(&[("file", Some("tea.png"), png.into_inner()), ("alt", None, alt)]);
        request = request.header("content-type", content_type).body(bytes);
    } else if let Some(body) = &call.body {
        let raw = body.to_string();
        if signed {
            let header = signature::sign(app.state.sandbox_secret(), app.clock.now_unix(), raw.as_bytes());
            request = request.header(signature::HEADER, header);
        } else if template == "/api/v1/payments/notify/{provider}" && who == Who::Anonymous {
            // A forged signature: the right shape, the wrong secret.
            let header = signature::sign(b"guessed secret", app.clock.now_unix(), raw.as_bytes());
            request = request.header(signature::HEADER, header);
        }
        request = request.header("content-type", "application/json").body(raw);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let reply = Reply {
        status,
        content_type,
        body: response.text().await.unwrap(),
    };
    assert!(
        !status.is_server_error(),
        "{who:?} {method} {}: {status} {}",
        call.path,
        reply.body
    );
    assert_no_leak(fx, who, &format!("{method} {}", call.path), &reply);
    reply
}

/// No answer carries a password hash, a password or a field named after one, a secret,
/// someone else's token, any token's stored hash, or another user's personal data.
fn assert_no_leak(fx: &Fixture, who: Who, what: &str, reply: &Reply) {
    let body = &reply.body;
    assert!(!body.contains("$2"), "{who:?} {what}: a bcrypt hash: {body}");
    for password in [PASSWORD, "staff-password"] {
        assert!(!body.contains(password), "{who:?} {what}: a password in {body}");
    }
    if reply.content_type.contains("json") {
        let value: Value = serde_json::from_str(body).unwrap();
        assert!(!has_password_key(&value), "{who:?} {what}: a password field in {body}");
    }
    for secret in &fx.secrets {
        assert!(
            !body.contains(secret.as_str()),
            "{who:?} {what}: a secret or hash leaked"
        );
    }
    for (owner, token) in &fx.tokens {
        if *owner != who {
            assert!(
                !body.contains(token.as_str()),
                "{who:?} {what}: {owner:?}'s token leaked"
            );
        }
    }
    let foreign = match who {
        Who::Anonymous | Who::Intruder => &fx.alice_private,
        Who::Owner => &fx.bob_private,
        Who::Staff => return,
    };
    for s in foreign {
        assert!(
            !body.contains(s.as_str()),
            "{who:?} {what}: another user's {s:?} in {body}"
        );
    }
}

/// Whether any object in `value` has a key naming a password (`password`, `password_hash`…).
/// Problem details may still name the `password` field of a request.
fn has_password_key(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.to_lowercase().contains("password") || has_password_key(v)),
        Value::Array(items) => items.iter().any(has_password_key),
        _ => false,
    }
}

/// A's data (and what staff see of it), to prove nothing changed.
async fn snapshot(app: &TestApp, fx: &Fixture) -> Vec<(String, String)> {
    let mut paths = vec![
        ("alice", "/api/v1/me".to_owned()),
        ("alice", "/api/v1/me/addresses".to_owned()),
        ("alice", "/api/v1/cart".to_owned()),
        ("alice", "/api/v1/orders".to_owned()),
        ("alice", format!("/api/v1/payments/{}", fx.payment)),
        (
            "alice",
            format!("/api/v1/payments/{}", fx.pending_payment["payment_id"]),
        ),
        ("staff", "/api/v1/refunds".to_owned()),
        ("staff", "/api/v1/products".to_owned()),
        ("staff", format!("/api/v1/products/{}/reviews", fx.tea)),
        ("staff", format!("/api/v1/products/{}/reviews", fx.cup)),
        ("staff", format!("/api/v1/products/{}/stock-lots", fx.tea)),
        ("staff", "/api/v1/inventory/valuation".to_owned()),
    ];
    for order in [fx.pending, fx.paid, fx.to_ship, fx.shipped, fx.received] {
        paths.push(("alice", format!("/api/v1/orders/{order}")));
        paths.push(("alice", format!("/api/v1/orders/{order}/events")));
    }
    let mut shot = Vec::new();
    for (who, path) in paths {
        let token = if who == "alice" { &fx.alice } else { &fx.staff };
        let response = app.send(Method::GET, &path, Some(token), None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        shot.push((path, response.text().await.unwrap()));
    }
    shot
}

fn assert_unchanged(before: &[(String, String)], after: &[(String, String)], phase: &str) {
    for ((path, a), (_, b)) in before.iter().zip(after) {
        assert_eq!(a, b, "{phase} changed {path}");
    }
}

/// The routes the served document describes, as `(METHOD, path)`.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

/// The request body schema's name and its declared properties, if the route takes one.
fn body_schema(doc: &Value, method: &str, path: &str) -> Option<(String, Value)> {
    let op = &doc["paths"][path][method.to_lowercase()];
    let reference = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()?;
    let name = reference.rsplit('/').next().unwrap().to_owned();
    let schema = doc["components"]["schemas"][&name].clone();
    Some((name, schema))
}

async fn every_route_refuses_strangers_other_customers_and_customers_on_staff_routes(app: TestApp) {
    let fx = fixture(&app).await;
    let doc: Value = app
        .send(Method::GET, "/api/openapi.json", None, None)
        .await
        .json()
        .await
        .unwrap();

    // The table covers exactly the served routes: a new route needs a row.
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let served = documented(&doc);
    let missing: Vec<_> = served.difference(&table).collect();
    assert!(
        missing.is_empty(),
        "routes without an access rule in matrix.rs: {missing:?}"
    );
    let stale: Vec<_> = table.difference(&served).collect();
    assert!(
        stale.is_empty(),
        "rules for routes the document no longer has: {stale:?}"
    );

    let before = snapshot(&app, &fx).await;
    let mut checked = 0;

    // No token: every route that needs one is a 401; public ones answer.
    for &(method, template, access) in ROUTES {
        let reply = exchange(&app, &fx, Who::Anonymous, method, template, false).await;
        checked += 1;
        match access {
            Public => assert!(
                reply.status.is_success(),
                "anonymous {method} {template}: {}",
                reply.status
            ),
            Caller | Owned | Staff(_) | Confirmed => {
                assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "anonymous {method} {template}");
                assert_eq!(reply.problem().code, "unauthenticated");
            }
            Provider => assert_eq!(reply.status, StatusCode::BAD_REQUEST, "a forged notification"),
            Link => assert_link_refused(&reply, method, template),
        }
    }

    // B with A's ids: 404 on A's things (never 403, never A's data), 403 on staff routes;
    // A on staff routes: 403 too.
    for &(method, template, access) in ROUTES {
        let reply = exchange(&app, &fx, Who::Intruder, method, template, false).await;
        checked += 1;
        match access {
            Public | Caller => assert!(
                reply.status.is_success(),
                "B {method} {template}: {} {}",
                reply.status,
                reply.body
            ),
            Owned => {
                assert_eq!(
                    reply.status,
                    StatusCode::NOT_FOUND,
                    "B {method} {template}: {}",
                    reply.body
                );
                assert_eq!(reply.problem().code, "not_found");
            }
            Staff(_) => {
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "B {method} {template}");
                assert_eq!(reply.problem().code, "forbidden");
                let reply = exchange(&app, &fx, Who::Owner, method, template, false).await;
                checked += 1;
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "A {method} {template}");
                assert_eq!(reply.problem().code, "forbidden");
            }
            Provider => assert_eq!(reply.status, StatusCode::BAD_REQUEST, "an unsigned notification"),
            Link => assert_link_refused(&reply, method, template),
            Confirmed => assert_wrong_password(&reply, method, template),
        }
        if (method, template) == ("GET", "/api/v1/orders") {
            let page: Value = serde_json::from_str(&reply.body).unwrap();
            assert_eq!(page["data"], json!([]), "B sees none of A's orders");
        }
    }
    // The routes that also take a guest order's link token (`Order-Access-Token`, as
    // the document says), on the guest's order: another order's token, the guest's token
    // altered, and a customer's login (with or without the guest's token beside it) are
    // each the 404 of an order that is not yours, never 401/403, never the guest's data.
    let links = app.state.order_links();
    let guest_token = links.token(fx.guest_order);
    let paid_token = links.token(fx.paid);
    let mut altered = guest_token.clone().into_bytes();
    altered[0] = if altered[0] == b'0' { b'1' } else { b'0' };
    let altered = String::from_utf8(altered).unwrap();
    let mut by_link = 0;
    for &(method, template, _) in ROUTES {
        let security = &doc["paths"][template][method.to_lowercase()]["security"];
        let takes_link = security
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("order_access_token").is_some()));
        if !takes_link {
            continue;
        }
        let body = call_for(&fx, Who::Owner, method, template).body;
        let path = template.replace("{id}", &fx.guest_order.to_string());
        let tries: [(Option<&str>, Option<&str>, Who); 5] = [
            (Some(paid_token.as_str()), None, Who::Anonymous),
            (Some(altered.as_str()), None, Who::Anonymous),
            (None, Some(fx.bob.as_str()), Who::Intruder),
            (None, Some(fx.alice.as_str()), Who::Owner),
            (Some(guest_token.as_str()), Some(fx.bob.as_str()), Who::Intruder),
        ];
        for (token, bearer, who) in tries {
            let mut request = app.request(Method::from_bytes(method.as_bytes()).unwrap(), &path);
            if let Some(token) = token {
                request = request.header("order-access-token", token);
            }
            if let Some(bearer) = bearer {
                request = request.bearer_auth(bearer);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            let reply = Reply {
                status: response.status(),
                content_type: response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned(),
                body: response.text().await.unwrap(),
            };
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{method} {path} with {token:?} and {bearer:?}: {}",
                reply.body
            );
            assert_eq!(reply.problem().code, "not_found");
            assert_no_leak(&fx, who, &format!("{method} {path} by link"), &reply);
            by_link += 1;
        }
    }
    assert!(by_link >= 40, "link checks: {by_link}");
    checked += by_link;

    // A row per permission: for each area, every role lacking its permission is refused
    // on each of the area's routes (403 `forbidden`, before the body is read), and every
    // role holding it reads the area's lists. The manager holds every permission but
    // `staff`; the others lack several, so each permission is refused to a role holding
    // all but it where one exists (`staff`: the manager), and to every role without it.
    let mut refusals = 0;
    for permission in Permission::ALL {
        for (role, token) in &fx.roles {
            let holds = role.permissions().has(permission);
            for &(method, template, access) in ROUTES {
                if access != Staff(permission) {
                    continue;
                }
                let call = call_for(&fx, Who::Staff, method, template);
                if holds {
                    if method == "GET" {
                        let response = app.send(Method::GET, &call.path, Some(token), None).await;
                        assert!(
                            response.status().is_success(),
                            "{role} GET {template}: {}",
                            response.status()
                        );
                    }
                    continue;
                }
                let mut request = app
                    .request(Method::from_bytes(method.as_bytes()).unwrap(), &call.path)
                    .bearer_auth(token);
                if let Some(body) = &call.body {
                    request = request.json(body);
                }
                let reply = request.send().await.unwrap();
                assert_eq!(reply.status(), StatusCode::FORBIDDEN, "{role} {method} {template}");
                let problem: Problem = reply.json().await.unwrap();
                assert_eq!(problem.code, "forbidden", "{role} {method} {template}");
                refusals += 1;
            }
        }
        assert!(
            fx.roles.iter().any(|(r, _)| !r.permissions().has(permission)),
            "some role lacks {permission}"
        );
    }
    assert!(refusals >= 150, "refusals by permission: {refusals}");
    checked += refusals;

    // Parameters cannot widen B's view: a status filter still shows only B's orders, and
    // a cursor from staff's listing of everyone's orders is refused.
    let mine = json_of(
        app.send(Method::GET, "/api/v1/orders?status=paid", Some(&fx.bob), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["data"], json!([]));
    let all = json_of(
        app.send(Method::GET, "/api/v1/orders?limit=1", Some(&fx.staff), None)
            .await,
        StatusCode::OK,
    )
    .await;
    let cursor = all["next_cursor"].as_str().unwrap();
    let replayed = app
        .send(
            Method::GET,
            &format!("/api/v1/orders?limit=1&cursor={cursor}"),
            Some(&fx.bob),
            None,
        )
        .await;
    assert_eq!(
        replayed.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "staff's cursor in B's hands"
    );
    let drafts = app
        .send(Method::GET, "/api/v1/products?status=draft", Some(&fx.bob), None)
        .await;
    assert_eq!(
        drafts.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "only staff list by status"
    );
    assert_unchanged(&before, &snapshot(&app, &fx).await, "B's attempts");

    // Mass assignment: every JSON body, plus one field it does not declare at a time,
    // is refused with the field named, and changes nothing.
    let mut refused = 0;
    for &(method, template, access) in ROUTES {
        let Some((name, schema)) = body_schema(&doc, method, template) else {
            continue;
        };
        if access == Provider {
            // A real provider may add fields to its notifications: that body stays lenient.
            continue;
        }
        assert_eq!(
            schema["additionalProperties"],
            json!(false),
            "{name} must declare additionalProperties: false"
        );
        let who = if matches!(access, Staff(_)) {
            Who::Staff
        } else {
            Who::Owner
        };
        let declared = schema["properties"].as_object().unwrap();
        let extras: Vec<&str> = PROTECTED
            .iter()
            .copied()
            .filter(|f| !declared.contains_key(*f))
            .collect();
        let mut call = call_for(&fx, who, method, template);
        let normal = call
            .body
            .clone()
            .unwrap_or_else(|| panic!("{method} {template} takes {name}: give it a body in call_for"));
        // Register gets a fresh name per attempt, so a wrongly created user would show.
        for field in extras {
            let mut body = normal.clone();
            body[field] = json!(if field == "role" { json!("staff") } else { json!(1) });
            call.body = Some(body);
            let reply = send(&app, &fx, who, method, template, &call, false).await;
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{method} {template} with {field}: {}",
                reply.body
            );
            let problem = reply.problem();
            assert_eq!(problem.code, "validation_failed");
            assert!(
                problem.errors.iter().any(|e| e.field == field),
                "{method} {template}: {field} not named: {problem:?}"
            );
            refused += 1;
        }
    }
    // A nested protected field is named with its path.
    let nested =
        json!({"name": "Sneaky", "price": 100, "initial_stock": {"quantity": 1, "unit_cost": 1, "remaining": 999}});
    let reply = send(
        &app,
        &fx,
        Who::Staff,
        "POST",
        "/api/v1/products",
        &Call {
            path: "/api/v1/products".into(),
            body: Some(nested),
        },
        false,
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.problem().errors[0].field, "initial_stock.remaining");
    // No account was created with a role: the name is still free.
    assert_eq!(app.register("new_owner", PASSWORD).await.status(), StatusCode::CREATED);
    assert_eq!(app.register("new_owner", PASSWORD).await.status(), StatusCode::CONFLICT);
    assert_unchanged(&before, &snapshot(&app, &fx).await, "mass assignment");
    assert!(refused >= 200, "mass-assignment attempts: {refused}");

    // A (and staff on staff routes) get their way, in the table's order.
    for &(method, template, access) in ROUTES {
        let who = if matches!(access, Staff(_)) {
            Who::Staff
        } else {
            Who::Owner
        };
        if (method, template) == ("POST", "/api/v1/auth/register") {
            continue; // "new_owner" was taken above on purpose
        }
        let reply = exchange(&app, &fx, who, method, template, access == Provider).await;
        checked += 1;
        if access == Link {
            assert_link_refused(&reply, method, template);
            continue;
        }
        if access == Confirmed {
            assert_wrong_password(&reply, method, template);
            continue;
        }
        assert!(
            reply.status.is_success(),
            "{who:?} {method} {template}: {} {}",
            reply.status,
            reply.body
        );
    }
    let order: Value = app
        .send(
            Method::GET,
            &format!("/api/v1/orders/{}", fx.shipped),
            Some(&fx.alice),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["status"], "received", "A's own confirmation went through");
    app.assert_clean().await;
    eprintln!(
        "matrix: {} routes, {checked} access checks, {refused} mass-assignment refusals",
        ROUTES.len()
    );
}
app_test!(every_route_refuses_strangers_other_customers_and_customers_on_staff_routes);

async fn web_pages_with_ids_refuse_other_customers(app: TestApp) {
    let fx = fixture(&app).await;
    let before = snapshot(&app, &fx).await;
    let mut bob = Browser::new(&app);
    bob.submit("/login", "/login", &[("username", "bob_b7"), ("password", PASSWORD)])
        .await;
    let csrf = bob.get("/account").await.csrf();
    let mut stranger = Browser::new(&app);
    let stranger_csrf = stranger.get("/login").await.csrf();
    let (o, p) = (fx.pending, fx.spare);
    let pages: Vec<(&str, String, StatusCode)> = vec![
        ("GET", format!("/orders/{}", fx.paid), StatusCode::NOT_FOUND),
        ("GET", format!("/orders/{o}"), StatusCode::NOT_FOUND),
        ("POST", format!("/orders/{o}/pay"), StatusCode::NOT_FOUND),
        ("POST", format!("/orders/{o}/cancel"), StatusCode::NOT_FOUND),
        ("POST", format!("/orders/{}/confirm", fx.shipped), StatusCode::NOT_FOUND),
        ("POST", format!("/orders/{}/refunds", fx.paid), StatusCode::NOT_FOUND),
        (
            "POST",
            format!("/orders/{}/reviews/{}", fx.received, fx.cup),
            StatusCode::NOT_FOUND,
        ),
        (
            "POST",
            format!("/account/addresses/{}/delete", fx.spare_address),
            StatusCode::NOT_FOUND,
        ),
        (
            "GET",
            format!("/account/addresses/{}", fx.spare_address),
            StatusCode::NOT_FOUND,
        ),
        (
            "POST",
            format!("/account/addresses/{}", fx.spare_address),
            StatusCode::NOT_FOUND,
        ),
        ("GET", "/admin".into(), StatusCode::FORBIDDEN),
        ("GET", "/admin/products".into(), StatusCode::FORBIDDEN),
        ("POST", "/admin/products".into(), StatusCode::FORBIDDEN),
        ("GET", "/admin/products/new".into(), StatusCode::FORBIDDEN),
        ("GET", format!("/admin/products/{p}"), StatusCode::FORBIDDEN),
        ("POST", format!("/admin/products/{p}"), StatusCode::FORBIDDEN),
        ("POST", format!("/admin/products/{p}/archive"), StatusCode::FORBIDDEN),
        ("POST", format!("/admin/products/{p}/lots"), StatusCode::FORBIDDEN),
        ("POST", format!("/admin/products/{p}/unarchive"), StatusCode::FORBIDDEN),
        ("POST", format!("/admin/products/{p}/write-off"), StatusCode::FORBIDDEN),
        ("GET", "/admin/products.csv".into(), StatusCode::FORBIDDEN),
        ("GET", "/admin/inventory".into(), StatusCode::FORBIDDEN),
        ("GET", "/admin/inventory/low".into(), StatusCode::FORBIDDEN),
        ("GET", "/admin/orders.csv".into(), StatusCode::FORBIDDEN),
        (
            "GET",
            format!("/admin/orders/ship?id={}", fx.to_ship),
            StatusCode::FORBIDDEN,
        ),
        ("POST", "/admin/orders/ship".into(), StatusCode::FORBIDDEN),
        (
            "POST",
            format!("/admin/products/{}/variants", fx.shirt),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/products/{}/variants/{}", fx.shirt, fx.shirt_small),
            StatusCode::FORBIDDEN,
        ),
        ("GET", "/admin/categories".into(), StatusCode::FORBIDDEN),
        ("POST", "/admin/categories".into(), StatusCode::FORBIDDEN),
        (
            "POST",
            format!("/admin/categories/{}", fx.tea_category),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/categories/{}/delete", fx.empty_category),
            StatusCode::FORBIDDEN,
        ),
        ("GET", "/admin/orders".into(), StatusCode::FORBIDDEN),
        ("GET", format!("/admin/orders/{}", fx.paid), StatusCode::FORBIDDEN),
        (
            "POST",
            format!("/admin/orders/{}/ship", fx.to_ship),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/orders/{}/tracking", fx.shipped),
            StatusCode::FORBIDDEN,
        ),
        ("GET", "/admin/refunds".into(), StatusCode::FORBIDDEN),
        (
            "POST",
            format!("/admin/refunds/{}/approve", fx.refund),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/refunds/{}/reject", fx.refund2),
            StatusCode::FORBIDDEN,
        ),
        ("POST", format!("/admin/reviews/{}", fx.review), StatusCode::FORBIDDEN),
        // Returns and the shop's money actions (`web_returns.rs`).
        (
            "POST",
            format!("/orders/{}/returns", fx.returnable),
            StatusCode::NOT_FOUND,
        ),
        ("GET", "/admin/returns".into(), StatusCode::FORBIDDEN),
        (
            "GET",
            format!("/admin/returns/{}", fx.return_to_approve),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/returns/{}/approve", fx.return_to_approve),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/returns/{}/reject", fx.return_to_reject),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/returns/{}/receive", fx.return_to_receive),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/orders/{}/cancel", fx.to_ship),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/orders/{}/refunds", fx.paid),
            StatusCode::FORBIDDEN,
        ),
        // The message log (`admin/messages.rs`): staff only, whoever it is about.
        ("GET", "/admin/customers/1/messages".into(), StatusCode::FORBIDDEN),
        (
            "POST",
            format!("/admin/messages/{}/resend", fx.message),
            StatusCode::FORBIDDEN,
        ),
        // The pricing rules' pages (`web_pricing.rs`).
        ("GET", "/admin/shipping".into(), StatusCode::FORBIDDEN),
        ("POST", "/admin/shipping/zones".into(), StatusCode::FORBIDDEN),
        (
            "POST",
            format!("/admin/shipping/zones/{}/delete", fx.rules.zone),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/shipping/zones/{}/methods", fx.rules.zone),
            StatusCode::FORBIDDEN,
        ),
        (
            "GET",
            format!("/admin/shipping/zones/{}", fx.rules.zone),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/shipping/zones/{}", fx.rules.zone),
            StatusCode::FORBIDDEN,
        ),
        (
            "GET",
            format!("/admin/shipping/methods/{}", fx.rules.method),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/shipping/methods/{}", fx.rules.method),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/shipping/methods/{}/active", fx.rules.method),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/shipping/methods/{}/delete", fx.rules.method),
            StatusCode::FORBIDDEN,
        ),
        ("GET", "/admin/promotions".into(), StatusCode::FORBIDDEN),
        ("POST", "/admin/promotions".into(), StatusCode::FORBIDDEN),
        (
            "GET",
            format!("/admin/promotions/{}", fx.rules.promotion),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/promotions/{}", fx.rules.promotion),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/promotions/{}/delete", fx.rules.promotion),
            StatusCode::FORBIDDEN,
        ),
        ("GET", "/admin/coupons".into(), StatusCode::FORBIDDEN),
        ("POST", "/admin/coupons".into(), StatusCode::FORBIDDEN),
        ("POST", "/admin/coupons/batch".into(), StatusCode::FORBIDDEN),
        (
            "GET",
            format!("/admin/coupons/{}", fx.rules.coupon),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/coupons/{}", fx.rules.coupon),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/coupons/{}/delete", fx.rules.coupon),
            StatusCode::FORBIDDEN,
        ),
        ("GET", "/admin/customers".into(), StatusCode::FORBIDDEN),
        ("GET", format!("/admin/customers/{}", fx.carol), StatusCode::FORBIDDEN),
        (
            "POST",
            format!("/admin/customers/{}/block", fx.carol),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            format!("/admin/customers/{}/unblock", fx.carol),
            StatusCode::FORBIDDEN,
        ),
        ("GET", "/admin/staff".into(), StatusCode::FORBIDDEN),
        ("POST", "/admin/staff".into(), StatusCode::FORBIDDEN),
        (
            "POST",
            format!("/admin/staff/{}", fx.spare_staff),
            StatusCode::FORBIDDEN,
        ),
        ("GET", "/admin/storefront".into(), StatusCode::FORBIDDEN),
        ("POST", "/admin/storefront".into(), StatusCode::FORBIDDEN),
        ("POST", "/admin/storefront/image".into(), StatusCode::FORBIDDEN),
        ("POST", "/admin/storefront/image/remove".into(), StatusCode::FORBIDDEN),
        ("GET", "/admin/tax".into(), StatusCode::FORBIDDEN),
        ("POST", "/admin/tax".into(), StatusCode::FORBIDDEN),
        ("POST", "/admin/tax/rates".into(), StatusCode::FORBIDDEN),
        (
            "POST",
            format!("/admin/tax/rates/{}/delete", fx.rules.tax_rate),
            StatusCode::FORBIDDEN,
        ),
        // The account page's own forms act on the session's account only (`web_accounts.rs`):
        // B's password form without his current password, B's link again (B has no
        // address to prove), a language that is none.
        ("POST", "/account/password".into(), StatusCode::UNPROCESSABLE_ENTITY),
        ("POST", "/account/verify-email/resend".into(), StatusCode::SEE_OTHER),
        ("POST", "/account/locale".into(), StatusCode::BAD_REQUEST),
        // Public pages that show A's review and purchases: never A's name or address.
        ("GET", format!("/products/{}", fx.tea), StatusCode::OK),
        ("GET", "/".into(), StatusCode::OK),
        ("GET", "/orders".into(), StatusCode::OK),
        ("GET", "/account".into(), StatusCode::OK),
    ];
    // What a form might carry; the handlers read only their own fields.
    let form = [
        ("reason", "mine now"),
        ("rating", "1"),
        ("body", "x"),
        ("hidden", "true"),
        ("carrier", "X"),
        ("tracking_number", "1"),
        ("status", "lost"),
        ("name", "Hijacked"),
        ("price", "1"),
        ("currency", "CNY"),
        ("quantity", "1"),
        ("unit_cost", "1"),
    ];
    for (method, path, expected) in &pages {
        let page = if *method == "GET" {
            bob.get(path).await
        } else {
            let mut fields = vec![("csrf", csrf.as_str())];
            fields.extend_from_slice(&form);
            bob.post(path, &fields).await
        };
        assert_eq!(page.status, *expected, "B {method} {path}");
        let reply = Reply {
            status: page.status,
            content_type: "text/html".into(),
            body: page.body,
        };
        assert_no_leak(&fx, Who::Intruder, &format!("page {method} {path}"), &reply);
        // Without a session: to the login page (or refused), never the page.
        let page = if *method == "GET" {
            stranger.get(path).await
        } else {
            stranger.post(path, &[("csrf", stranger_csrf.as_str())]).await
        };
        if *expected != StatusCode::OK {
            let to_login = page.status == StatusCode::SEE_OTHER
                && page.location.as_deref().is_some_and(|l| l.starts_with("/login"));
            assert!(
                to_login || page.status == StatusCode::FORBIDDEN,
                "anonymous {method} {path}: {}",
                page.status
            );
        }
        let reply = Reply {
            status: page.status,
            content_type: "text/html".into(),
            body: page.body,
        };
        assert_no_leak(&fx, Who::Anonymous, &format!("page {method} {path}"), &reply);
    }
    // A guest order's link (`web_guests.rs`): the HMAC of an order id opens only a guest's
    // order, so a link token made for A's orders (as a lookup could never hand out), or
    // one order's token on another, shows and moves nothing, for B and for a stranger.
    let links = app.state.order_links();
    let link_pages: Vec<(&str, String, String)> = vec![
        (
            "GET",
            format!("/orders/{}?access={}", fx.paid, links.token(fx.paid)),
            String::new(),
        ),
        (
            "GET",
            format!("/orders/{o}?access={}", links.token(fx.paid)),
            String::new(),
        ),
        ("POST", format!("/orders/{o}/pay"), links.token(o)),
        ("POST", format!("/orders/{o}/cancel"), links.token(o)),
        ("POST", format!("/orders/{o}/cancel"), links.token(fx.paid)),
        ("POST", format!("/orders/{}/refunds", fx.paid), links.token(fx.paid)),
        (
            "POST",
            format!("/orders/{}/refunds", fx.guest_order),
            links.token(fx.paid),
        ),
        (
            "POST",
            format!("/orders/{}/confirm", fx.shipped),
            links.token(fx.shipped),
        ),
    ];
    for (browser, token, who) in [
        (&mut bob, csrf.as_str(), Who::Intruder),
        (&mut stranger, stranger_csrf.as_str(), Who::Anonymous),
    ] {
        for (method, path, access) in &link_pages {
            let page = if *method == "GET" {
                browser.get(path).await
            } else {
                browser
                    .post(path, &[("csrf", token), ("access", access.as_str())])
                    .await
            };
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{who:?} {method} {path}");
            let reply = Reply {
                status: page.status,
                content_type: "text/html".into(),
                body: page.body,
            };
            assert_no_leak(&fx, who, &format!("link page {method} {path}"), &reply);
        }
    }
    // The lookup by number and email finds no customer's order, whatever email is typed.
    for email in ["alice@a7.example", "bob@b7.example"] {
        let page = stranger
            .post(
                "/orders/lookup",
                &[
                    ("csrf", stranger_csrf.as_str()),
                    ("order", &fx.paid.to_string()),
                    ("email", email),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "lookup with {email}");
    }

    // The provider's pay page opens with its address, not with a payment number alone,
    // and even then shows the amount, nobody's details.
    let guessed = stranger
        .get(&format!("/sandbox/pay/{}", fx.pending_payment["payment_id"]))
        .await;
    assert_eq!(guessed.status, StatusCode::NOT_FOUND);
    let pay_page = stranger.get(fx.pending_payment["pay_url"].as_str().unwrap()).await;
    assert_eq!(pay_page.status, StatusCode::OK);
    let reply = Reply {
        status: pay_page.status,
        content_type: "text/html".into(),
        body: pay_page.body,
    };
    assert_no_leak(&fx, Who::Anonymous, "the sandbox pay page", &reply);

    // A form cannot set what its page does not offer: a role sent to the profile form is ignored.
    let profile = bob
        .post(
            "/account/profile",
            &[
                ("csrf", csrf.as_str()),
                ("display_name", "Bob"),
                ("role", "staff"),
                ("user_id", "1"),
            ],
        )
        .await;
    assert_eq!(profile.status, StatusCode::SEE_OTHER);
    let me: Value = app
        .send(Method::GET, "/api/v1/me", Some(&fx.bob), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["role"].as_str(), me["display_name"].as_str()),
        (Some("customer"), Some("Bob"))
    );
    assert_unchanged(&before, &snapshot(&app, &fx).await, "B's page attempts");

    // A sees her own order page.
    let mut alice = Browser::new(&app);
    alice
        .submit("/login", "/login", &[("username", "alice_a7"), ("password", PASSWORD)])
        .await;
    let page = alice.get(&format!("/orders/{}", fx.paid)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("7 Aliceweg"));
}
app_test!(web_pages_with_ids_refuse_other_customers);
