//! The privacy duties: a customer downloads everything the shop holds about them (and
//! nothing of anyone else's), and deletes their account: the books keep their orders,
//! while no personal datum of theirs stays readable anywhere in the database.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Row;

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, fields, json_of};

const DISPLAY: &str = "Wei Secretname";
const EMAIL: &str = "mei.secret@example.com";
const PHONE: &str = "+86 139 8765 4321";
const RECIPIENT: &str = "张秘密";
const STREET: &str = "世纪大道 987 号";
const FLOOR: &str = "17 楼 B 座";
const POSTAL: &str = "200999";

/// A customer with a profile, an address, and an order shipped there; answers their
/// token and the order's id.
async fn shopper(app: &TestApp, staff: &str, name: &str, personal: [&str; 6]) -> (String, i64) {
    let [display, email, phone, recipient, street, floor] = personal;
    let token = app.customer(name).await;
    let profile = json!({"display_name": display, "email": email, "phone": phone});
    json_of(
        app.send(Method::PATCH, "/api/v1/me", Some(&token), Some(profile)).await,
        StatusCode::OK,
    )
    .await;
    let body = json!({"recipient": recipient, "phone": phone, "line1": street, "line2": floor, "city": "上海", "postal_code": POSTAL, "country": "CN"});
    let address = json_of(
        app.send(Method::POST, "/api/v1/me/addresses", Some(&token), Some(body))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let item = app.create_product(staff, NewProduct::item(2_000, 5)).await;
    assert_eq!(app.put_cart(&token, item, 2).await.status(), StatusCode::OK);
    let order = json_of(
        app.request(Method::POST, "/api/v1/orders")
            .bearer_auth(&token)
            .header("Idempotency-Key", format!("order-{name}"))
            .json(&json!({"address_id": address["id"], "note": format!("ring {display}")}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    (token, order["id"].as_i64().unwrap())
}

async fn a_customer_downloads_their_data_and_nothing_of_anyone_else(app: TestApp) {
    let staff = app.staff("keeper").await;
    let (mei, order) = shopper(
        &app,
        &staff,
        "mei_private",
        [DISPLAY, EMAIL, PHONE, RECIPIENT, STREET, FLOOR],
    )
    .await;
    let (_, _) = shopper(
        &app,
        &staff,
        "bo_other",
        [
            "Bo Othername",
            "bo.other@example.com",
            "+86 137 1111 2222",
            "王别人",
            "南京路 5 号",
            "3 楼",
        ],
    )
    .await;
    let response = app.send(Method::GET, "/api/v1/me/export", Some(&mei), None).await;
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"),
    );
    let export: Value = json_of(response, StatusCode::OK).await;
    assert_eq!(export["profile"]["username"], "mei_private");
    // The email waits for its link to be followed: not the profile's yet.
    assert_eq!(export["profile"]["display_name"], DISPLAY);
    assert_eq!(export["addresses"][0]["line1"], STREET);
    assert_eq!(export["orders"][0]["id"], order);
    assert_eq!(export["orders"][0]["address"]["recipient"], RECIPIENT);
    assert_eq!(export["orders"][0]["items"][0]["quantity"], 2);
    assert_eq!(export["orders"][0]["history"][0]["to"], "pending_payment");
    assert!(export["sessions"].as_array().is_some_and(|s| !s.is_empty()));
    assert!(export["messages"].is_array() && export["reviews"].is_array());
    let text = export.to_string();
    for theirs in [
        "bo_other",
        "Bo Othername",
        "bo.other@example.com",
        "王别人",
        "南京路 5 号",
    ] {
        assert!(!text.contains(theirs), "another customer's {theirs} in the export");
    }
    let anonymous = app.send(Method::GET, "/api/v1/me/export", None, None).await;
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}
app_test!(a_customer_downloads_their_data_and_nothing_of_anyone_else);

/// Every text value in every table, as someone with a copy of the database would read
/// it, with where it was found.
async fn every_text_value(app: &TestApp) -> Vec<(String, String)> {
    let columns_sql = if app.url.starts_with("postgres") {
        "SELECT CAST(table_name AS TEXT) AS t, CAST(column_name AS TEXT) AS c FROM information_schema.columns
         WHERE table_schema = current_schema() AND data_type = 'text' ORDER BY 1, 2"
    } else {
        "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND UPPER(p.type) = 'TEXT' ORDER BY 1, 2"
    };
    let columns = sqlx::query(columns_sql).fetch_all(app.store.reader()).await.unwrap();
    assert!(columns.len() > 50, "found the text columns ({})", columns.len());
    let mut values = Vec::new();
    for row in columns {
        let (table, column): (String, String) = (row.try_get("t").unwrap(), row.try_get("c").unwrap());
        let sql = format!("SELECT \"{column}\" AS v FROM \"{table}\" WHERE \"{column}\" IS NOT NULL");
        for value in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(app.store.reader())
            .await
            .unwrap()
        {
            values.push((format!("{table}.{column}"), value.try_get::<String, _>("v").unwrap()));
        }
    }
    values
}

async fn deleting_an_account_keeps_the_books_and_leaves_nothing_personal_readable(app: TestApp) {
    let staff = app.staff("keeper").await;
    let (mei, order) = shopper(
        &app,
        &staff,
        "mei_private",
        [DISPLAY, EMAIL, PHONE, RECIPIENT, STREET, FLOOR],
    )
    .await;
    let me = json_of(
        app.send(Method::GET, "/api/v1/me", Some(&mei), None).await,
        StatusCode::OK,
    )
    .await;
    let id = me["id"].as_i64().unwrap();
    // A failed login of theirs is a security event naming them: it must not keep the name.
    assert_eq!(
        app.login("mei_private", "not-it").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let before = json_of(
        app.send(Method::GET, &format!("/api/v1/orders/{order}"), Some(&staff), None)
            .await,
        StatusCode::OK,
    )
    .await;

    // Bad input first: nothing happens.
    let wrong = app
        .send(
            Method::DELETE,
            "/api/v1/me",
            Some(&mei),
            Some(json!({"password": "wrong"})),
        )
        .await;
    let problem = expect_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), ["password"]);
    let missing = app
        .send(Method::DELETE, "/api/v1/me", Some(&mei), Some(json!({})))
        .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let anonymous = app
        .send(
            Method::DELETE,
            "/api/v1/me",
            None,
            Some(json!({"password": "password123"})),
        )
        .await;
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let by_staff = app
        .send(
            Method::DELETE,
            "/api/v1/me",
            Some(&staff),
            Some(json!({"password": "staff-password"})),
        )
        .await;
    expect_problem(by_staff, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", Some(&mei), None).await.status(),
        StatusCode::OK
    );

    let deleted = app
        .send(
            Method::DELETE,
            "/api/v1/me",
            Some(&mei),
            Some(json!({"password": "password123"})),
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    // Logged out everywhere, and no way back in.
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", Some(&mei), None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("mei_private", "password123").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&format!("deleted-{id}"), "password123").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The name is free again.
    assert_eq!(
        app.register("mei_private", "password123").await.status(),
        StatusCode::CREATED
    );

    // The books: the order keeps its amounts and lines; the person reads as erased.
    let after = json_of(
        app.send(Method::GET, &format!("/api/v1/orders/{order}"), Some(&staff), None)
            .await,
        StatusCode::OK,
    )
    .await;
    for kept in ["total", "subtotal", "status", "items", "currency"] {
        assert_eq!(after[kept], before[kept], "{kept}");
    }
    assert_eq!(after["address"]["recipient"], "(erased)");
    assert_ne!(after["address"]["line1"], STREET);
    let listing = app.send(Method::GET, "/api/v1/orders", Some(&staff), None).await;
    assert_eq!(
        listing.status(),
        StatusCode::OK,
        "the staff listing reads the erased order"
    );

    // Crypto-shredded: the key is gone, the order's snapshot is still ciphertext.
    let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM user_keys WHERE user_id = $1")
        .bind(id)
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    assert_eq!(keys, 0);
    let snapshot: String = sqlx::query_scalar("SELECT address FROM orders WHERE id = $1")
        .bind(order)
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    assert!(snapshot.starts_with("enc2:"), "{snapshot}");
    // The deletion is in the audit log, under the new name.
    let log = json_of(
        app.send(
            Method::GET,
            "/api/v1/audit-log?action=account.delete",
            Some(&staff),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(log["data"][0]["actor_id"], id);
    assert_eq!(log["data"][0]["actor_name"], format!("deleted-{id}"));
    assert_eq!(log["data"][0]["entity_id"], id.to_string());

    app.assert_clean().await;
    assert_eq!(app.store.unreadable_sealed_values().await.unwrap(), 0);
    // No personal datum of theirs is readable in any text column of any table.
    let phone_digits = PHONE.replace([' ', '+'], "");
    let needles = [
        DISPLAY,
        EMAIL,
        PHONE,
        &phone_digits,
        "8765 4321",
        RECIPIENT,
        STREET,
        FLOOR,
        "ring Wei",
    ];
    let values = every_text_value(&app).await;
    for (place, value) in &values {
        for needle in needles {
            assert!(!value.contains(needle), "{needle:?} readable in {place}: {value}");
        }
        // The old login name survives only in what came after the deletion: the new
        // account that took it, and the throttle's count of the login tried with it.
        if value.contains("mei_private") {
            assert!(
                ["users.username", "login_attempts.bucket", "known_login_addresses"]
                    .iter()
                    .any(|p| place.starts_with(p)),
                "{place}: {value}"
            );
        }
    }
}
app_test!(deleting_an_account_keeps_the_books_and_leaves_nothing_personal_readable);

async fn the_account_page_downloads_the_data_and_deletes_the_account(app: TestApp) {
    let mut browser = crate::web::Browser::new(&app);
    browser.register("page_mei").await;
    let account = browser.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.body.contains(r#"href="/account/export""#), "the download link");
    assert!(
        account.body.contains(r#"id="delete-account-form""#),
        "the deletion form"
    );
    let export = browser.get("/account/export").await;
    assert_eq!(export.status, StatusCode::OK);
    let document: Value = serde_json::from_str(&export.body).unwrap();
    assert_eq!(document["profile"]["username"], "page_mei");

    // Without the confirmation, or with a wrong password: the page again, nothing done.
    let unconfirmed = browser
        .submit("/account", "/account/delete", &[("password", "password123")])
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = browser
        .submit(
            "/account",
            "/account/delete",
            &[("password", "nope-nope"), ("confirm", "1")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains(r#"id="delete-e-password""#), "{}", wrong.body);
    assert_eq!(browser.get("/account").await.status, StatusCode::OK, "still logged in");

    let deleted = browser
        .submit(
            "/account",
            "/account/delete",
            &[("password", "password123"), ("confirm", "1")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(deleted.location.as_deref(), Some("/?deleted=1"));
    assert_eq!(
        browser.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "logged out"
    );
    assert_eq!(
        app.login("page_mei", "password123").await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.assert_clean().await;
}
app_test!(the_account_page_downloads_the_data_and_deletes_the_account);
