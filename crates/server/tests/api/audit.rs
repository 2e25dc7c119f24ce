//! The audit log: staff writes and security events are recorded with who, what, which
//! record and the request id; only staff read it, filtered and paged; the admin page
//! exports it as CSV that no spreadsheet runs as a formula.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, fields, json_of};
use crate::web::Browser;

async fn log(app: &TestApp, token: &str, query: &str) -> Value {
    json_of(
        app.send(Method::GET, &format!("/api/v1/audit-log{query}"), Some(token), None)
            .await,
        StatusCode::OK,
    )
    .await
}

async fn staff_writes_are_recorded_with_actor_entity_and_request_id(app: TestApp) {
    let staff = app.staff("auditor").await;
    let customer = app.customer("curious").await;
    let staff_id = json_of(
        app.send(Method::GET, "/api/v1/me", Some(&staff), None).await,
        StatusCode::OK,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let product = app.create_product(&staff, NewProduct::item(1_000, 5)).await;
    let updated = app
        .request(Method::PATCH, &format!("/api/v1/products/{product}"))
        .bearer_auth(&staff)
        .header("x-request-id", "req-audit-7")
        .json(&json!({"price": 1_200}))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), StatusCode::OK);
    let archived = app
        .send(
            Method::DELETE,
            &format!("/api/v1/products/{product}"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(archived.status(), StatusCode::OK);

    let page = log(&app, &staff, &format!("?entity=product:{product}")).await;
    let entries = page["data"].as_array().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["product.archive", "product.update", "product.create"],
        "newest first"
    );
    for entry in entries {
        assert_eq!(entry["actor_id"], staff_id);
        assert_eq!(entry["actor_name"], "auditor");
        assert_eq!(entry["entity_kind"], "product");
        assert_eq!(entry["entity_id"], product.to_string());
        assert!(entry["request_id"].as_str().is_some_and(|r| !r.is_empty()), "{entry}");
    }
    let update = &entries[1];
    assert_eq!(update["request_id"], "req-audit-7", "the caller's request id is kept");
    let summary: Value = serde_json::from_str(update["summary"].as_str().unwrap()).unwrap();
    assert_eq!(summary["after"]["price"], 1_200);

    // Other staff writes land too: stock, categories, a review's moderation…
    let lot = app
        .send(
            Method::POST,
            &format!(
                "/api/v1/products/{}/stock-lots",
                app.create_product(&staff, NewProduct::item(500, 1)).await
            ),
            Some(&staff),
            Some(json!({"quantity": 3, "unit_cost": 100})),
        )
        .await;
    assert_eq!(lot.status(), StatusCode::CREATED);
    let stock = log(&app, &staff, "?action=stock.receive").await;
    assert_eq!(stock["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        log(&app, &staff, "?action=stock").await["data"],
        stock["data"],
        "an area"
    );

    // Filters by actor (id or name) and time; paging with the signed cursor.
    assert_eq!(
        log(&app, &staff, &format!("?actor={staff_id}")).await["data"]
            .as_array()
            .unwrap()
            .len(),
        log(&app, &staff, "?actor=auditor").await["data"]
            .as_array()
            .unwrap()
            .len()
    );
    assert_eq!(log(&app, &staff, "?actor=nobody").await["data"], json!([]));
    assert_eq!(log(&app, &staff, "?since=2999-01-01").await["data"], json!([]));
    let first = log(&app, &staff, "?entity=product&limit=2").await;
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = log(&app, &staff, &format!("?entity=product&limit=2&cursor={cursor}")).await;
    assert!(second["data"][0]["id"].as_i64().unwrap() < first["data"][1]["id"].as_i64().unwrap());
    let other_filters = app
        .send(
            Method::GET,
            &format!("/api/v1/audit-log?entity=order&limit=2&cursor={cursor}"),
            Some(&staff),
            None,
        )
        .await;
    let problem = expect_problem(other_filters, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), ["cursor"]);
    let bad = app
        .send(
            Method::GET,
            "/api/v1/audit-log?since=yesterday&until=2026-13-01",
            Some(&staff),
            None,
        )
        .await;
    let problem = expect_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), ["since", "until"]);

    // Customers and strangers do not read it.
    let forbidden = app.send(Method::GET, "/api/v1/audit-log", Some(&customer), None).await;
    expect_problem(forbidden, StatusCode::FORBIDDEN, "forbidden").await;
    let anonymous = app.send(Method::GET, "/api/v1/audit-log", None, None).await;
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    // No route writes to it.
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        let refused = app
            .send(method.clone(), "/api/v1/audit-log", Some(&staff), Some(json!({})))
            .await;
        assert_eq!(refused.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
    app.assert_clean().await;
}
app_test!(staff_writes_are_recorded_with_actor_entity_and_request_id);

async fn failed_logins_and_lock_outs_are_security_events(app: TestApp) {
    let staff = app.staff("watch").await;
    app.customer("target").await;
    let target = app.store.credentials("target").await.unwrap().unwrap().0;
    assert_eq!(
        app.login("target", "wrong-password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("ghost", "wrong-password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let failed = log(&app, &staff, "?action=login.failed").await;
    let entries = failed["data"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{failed}");
    assert_eq!(entries[0]["actor_id"], Value::Null, "an unknown name is nobody");
    assert_eq!(entries[0]["actor_name"], "", "and the name typed is not kept");
    assert_eq!(entries[1]["actor_id"], target.id);
    assert_eq!(entries[1]["entity_id"], target.id.to_string());
    // Enough failures lock the account; the refusal is recorded.
    let mut locked = false;
    for _ in 0..20 {
        if app.login("target", "wrong-password").await.status() == StatusCode::TOO_MANY_REQUESTS {
            locked = true;
            break;
        }
    }
    assert!(locked, "the throttle locks");
    let lock = log(&app, &staff, &format!("?action=login.locked&actor={}", target.id)).await;
    assert!(!lock["data"].as_array().unwrap().is_empty(), "{lock}");
    app.assert_clean().await;
}
app_test!(failed_logins_and_lock_outs_are_security_events);

async fn the_admin_page_filters_and_exports_csv_safely(app: TestApp) {
    let staff = app.staff("clerk").await;
    // A product named like a formula: its summary must not run in a spreadsheet.
    let product = app
        .create_product(
            &staff,
            NewProduct::new("=HYPERLINK(\"http://x\",\"y\"), \"quoted\"", 900),
        )
        .await;
    let mut browser = Browser::new(&app);
    browser
        .submit(
            "/login",
            "/login",
            &[("username", "clerk"), ("password", "staff-password")],
        )
        .await;
    let page = browser.get("/admin/audit?action=product.create").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("product.create"), "{}", page.body);
    assert!(
        page.body.contains(&format!(
            r#"<a href="/admin/products/{product}">Product #{product}</a>"#
        )),
        "the entity links to its page, named in words"
    );
    assert!(page.body.contains("Product created"), "the action in words");
    assert!(
        page.body.contains("price: ¥9.00"),
        "the summary in words, the price in yuan"
    );
    assert!(!page.body.contains(r#"&quot;price&quot;"#), "no raw JSON");
    browser.set_cookie("lang", "zh");
    let zh = browser.get("/admin/audit?action=product.create").await;
    assert!(
        zh.body.contains("新建商品") && zh.body.contains("价格: ¥9.00"),
        "{}",
        zh.body
    );
    let csv = browser.get("/admin/audit.csv?action=product.create").await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut lines = csv.body.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        "id,at,actor_id,actor_name,action,entity_kind,entity_id,summary,request_id,ip"
    );
    let row = lines.next().unwrap();
    assert!(row.contains(",clerk,product.create,product,"), "{row}");
    // The JSON summary holds the name; as a CSV field it is quoted, quotes doubled.
    assert!(row.contains("\"\"=HYPERLINK"), "{row}");
    assert!(
        !row.contains(",=") && !row.contains(",\"="),
        "no cell starts with =: {row}"
    );
    // A customer gets no page and no CSV.
    let mut nosy = Browser::new(&app);
    nosy.register("nosy").await;
    assert_eq!(nosy.get("/admin/audit.csv").await.status, StatusCode::FORBIDDEN);
    assert_eq!(nosy.get("/admin/audit").await.status, StatusCode::FORBIDDEN);
}
app_test!(the_admin_page_filters_and_exports_csv_safely);
