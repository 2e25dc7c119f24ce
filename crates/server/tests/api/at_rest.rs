//! Encryption at rest: customers' phone numbers and addresses reach the database only
//! sealed (profile, address book, order snapshots and the remembered answer of an
//! idempotent order), while the API shows them as entered. Raw columns are read straight
//! from the database, as someone holding a copy of it would.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Row;

use crate::app_test;
use crate::support::{NewProduct, TestApp, json_of};

const PHONE: &str = "+86 139 1234 5678";
const STREET: &str = "浦东新区世纪大道 100 号";

async fn phones_and_addresses_are_stored_sealed_and_shown_plain(app: TestApp) {
    let staff = app.staff("boss").await;
    let token = app.customer("mei").await;
    let me: Value = json_of(
        app.send(Method::PATCH, "/api/v1/me", Some(&token), Some(json!({"phone": PHONE})))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["phone"], PHONE);
    let body = json!({"recipient": "李梅", "phone": PHONE, "line1": STREET, "line2": "8 楼", "city": "上海", "region": "上海", "postal_code": "200120", "country": "CN"});
    let address: Value = json_of(
        app.send(Method::POST, "/api/v1/me/addresses", Some(&token), Some(body))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let item = app.create_product(&staff, NewProduct::item(1_000, 5)).await;
    assert_eq!(app.put_cart(&token, item, 1).await.status(), StatusCode::OK);
    let place = || {
        app.request(Method::POST, "/api/v1/orders")
            .bearer_auth(&token)
            .header("Idempotency-Key", "order-1")
            .json(&json!({"address_id": address["id"]}))
    };
    let order: Value = json_of(place().send().await.unwrap(), StatusCode::CREATED).await;
    assert_eq!(order["address"]["line1"], STREET);
    assert_eq!(order["address"]["phone"], PHONE);
    // The replayed answer comes out of its sealed record as it went in.
    let replay: Value = json_of(place().send().await.unwrap(), StatusCode::CREATED).await;
    assert_eq!(replay, order);
    let shown: Value = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/orders/{}", order["id"]),
            Some(&token),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shown["address"], order["address"]);

    let mut raw = Vec::new();
    for sql in [
        "SELECT phone AS v FROM users WHERE phone IS NOT NULL",
        "SELECT recipient AS v FROM addresses",
        "SELECT phone AS v FROM addresses",
        "SELECT line1 AS v FROM addresses",
        "SELECT line2 AS v FROM addresses",
        "SELECT city AS v FROM addresses",
        "SELECT region AS v FROM addresses",
        "SELECT postal_code AS v FROM addresses",
        "SELECT address AS v FROM orders",
        "SELECT body AS v FROM idempotency_keys",
    ] {
        let row = sqlx::query(sql).fetch_one(app.store.reader()).await.unwrap();
        raw.push(row.try_get::<String, _>("v").unwrap());
    }
    for (n, value) in raw.iter().enumerate() {
        // The customer's own data is sealed under their data key (`enc2:`), the remembered
        // answer (last) under the keyring.
        let sealed = if n + 1 == raw.len() { "enc1:test:" } else { "enc2:" };
        assert!(value.starts_with(sealed), "stored plain: {value}");
        for secret in [PHONE, STREET, "李梅", "上海", "200120", "8 楼"] {
            assert!(!value.contains(secret), "{secret} readable in {value}");
        }
    }
    app.assert_clean().await;
    assert_eq!(app.store.unreadable_sealed_values().await.unwrap(), 0);
}
app_test!(phones_and_addresses_are_stored_sealed_and_shown_plain);
