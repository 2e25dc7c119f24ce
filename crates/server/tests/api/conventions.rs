//! The conventions every route follows (docs/API.md §2; health, metrics and the OpenAPI
//! document: §15): problem+json errors, body and content type rules, request ids.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::app_test;
use crate::support::{TestApp, expect_problem};

async fn bodies_over_one_mebibyte_are_refused(app: TestApp) {
    let big = format!(
        "{{\"username\": \"{}\", \"password\": \"password123\"}}",
        "a".repeat(1024 * 1024)
    );
    let response = app
        .request(Method::POST, "/api/v1/auth/register")
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    expect_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}
app_test!(bodies_over_one_mebibyte_are_refused);

async fn only_json_bodies_are_accepted(app: TestApp) {
    let form = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=a&password=b")
        .send()
        .await
        .unwrap();
    expect_problem(form, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let none = app
        .request(Method::POST, "/api/v1/auth/login")
        .body("{}")
        .send()
        .await
        .unwrap();
    expect_problem(none, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
}
app_test!(only_json_bodies_are_accepted);

async fn malformed_json_is_a_400_never_a_500(app: TestApp) {
    for body in [
        "{",
        "[1,2",
        "nul",
        "{\"username\": \"a\"} extra",
        "\u{0}",
        "{\"username\": \"\\ud800\"}",
        "",
    ] {
        let response = app
            .request(Method::POST, "/api/v1/auth/register")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_client_error(),
            "{body:?} gave {}",
            response.status()
        );
        assert_eq!(response.headers()["content-type"], "application/problem+json");
    }
    let response = app
        .request(Method::POST, "/api/v1/auth/register")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    expect_problem(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    let response = app
        .request(Method::POST, "/api/v1/auth/register")
        .header("content-type", "application/json")
        .body(vec![0xff, 0xfe, b'{'])
        .send()
        .await
        .unwrap();
    expect_problem(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}
app_test!(malformed_json_is_a_400_never_a_500);

// Found by schemathesis: serde fills a struct from an array by position, so
// `PATCH /me [null, null]` was a 200 that cleared the display name and e-mail.
async fn a_body_that_is_not_an_object_is_refused(app: TestApp) {
    let token = app.customer("arrays").await;
    let named = app
        .send(
            Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some(serde_json::json!({"display_name": "Ann", "email": "ann@example.com"})),
        )
        .await;
    assert_eq!(named.status(), StatusCode::OK);
    for body in [
        serde_json::json!([null, null]),
        serde_json::json!(["Bob"]),
        Value::Null,
        serde_json::json!(7),
    ] {
        let response = app
            .send(Method::PATCH, "/api/v1/me", Some(&token), Some(body.clone()))
            .await;
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(crate::support::fields(&problem), ["body"], "{body}");
    }
    let me: Value = app
        .send(Method::GET, "/api/v1/me", Some(&token), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["display_name"].as_str(), me["pending_email"].as_str()),
        (Some("Ann"), Some("ann@example.com"))
    );
    let response = app
        .send(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(serde_json::json!(["someone", "password123"])),
        )
        .await;
    expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}
app_test!(a_body_that_is_not_an_object_is_refused);

async fn unknown_routes_and_methods_are_problems(app: TestApp) {
    expect_problem(
        app.send(Method::GET, "/api/v1/nothing-here", None, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.send(Method::DELETE, "/api/v1/auth/login", None, None).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}
app_test!(unknown_routes_and_methods_are_problems);

async fn every_response_carries_a_request_id(app: TestApp) {
    let response = app.send(Method::GET, "/healthz", None, None).await;
    let generated = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");
    let response = app
        .request(Method::GET, "/api/v1/me")
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
}
app_test!(every_response_carries_a_request_id);

async fn health_and_readiness(app: TestApp) {
    let health = app.send(Method::GET, "/healthz", None, None).await;
    assert_eq!(
        (health.status(), health.text().await.unwrap()),
        (StatusCode::OK, "ok".to_owned())
    );
    let ready = app.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status(), StatusCode::OK);
    app.store.close().await;
    expect_problem(
        app.send(Method::GET, "/readyz", None, None).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    )
    .await;
}
app_test!(health_and_readiness);

async fn metrics_count_requests_by_route_and_status(app: TestApp) {
    app.login("nobody", "password123").await;
    let text = app
        .send(Method::GET, "/metrics", None, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"emporium_http_requests_total{method="POST",route="/api/v1/auth/login",status="401"}"#),
        "{text}"
    );
    assert!(text.contains("emporium_http_request_duration_seconds_bucket"), "{text}");
}
app_test!(metrics_count_requests_by_route_and_status);

async fn the_openapi_document_describes_every_route(app: TestApp) {
    let doc: Value = app
        .send(Method::GET, "/api/openapi.json", None, None)
        .await
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/me", "patch"),
        ("/api/v1/me/password", "post"),
        ("/api/v1/me/addresses", "get"),
        ("/api/v1/me/addresses", "post"),
        ("/api/v1/me/addresses/{id}", "put"),
        ("/api/v1/me/addresses/{id}", "delete"),
        ("/api/v1/products", "get"),
        ("/api/v1/products", "post"),
        ("/api/v1/products/{id}", "get"),
        ("/api/v1/products/{id}", "patch"),
        ("/api/v1/products/{id}", "delete"),
        ("/api/v1/categories", "get"),
        ("/api/v1/products/{id}/stock-lots", "post"),
        ("/api/v1/products/{id}/stock-lots", "get"),
        ("/api/v1/products/{id}/stock-adjustments", "post"),
        ("/api/v1/inventory/valuation", "get"),
        ("/api/v1/cart", "get"),
        ("/api/v1/cart", "delete"),
        ("/api/v1/cart/items/{product_id}", "put"),
        ("/api/v1/cart/items/{product_id}", "delete"),
        ("/api/v1/orders", "post"),
        ("/api/v1/orders", "get"),
        ("/api/v1/orders/{id}", "get"),
        ("/api/v1/orders/{id}/pay", "post"),
        ("/api/v1/orders/{id}/cancel", "post"),
        ("/api/v1/orders/{id}/ship", "post"),
        ("/api/v1/orders/{id}/tracking-events", "post"),
        ("/api/v1/orders/{id}/confirm-receipt", "post"),
        ("/api/v1/orders/{id}/refunds", "post"),
        ("/api/v1/orders/{id}/events", "get"),
        ("/api/v1/refunds", "get"),
        ("/api/v1/refunds/{id}/approve", "post"),
        ("/api/v1/refunds/{id}/reject", "post"),
        ("/api/v1/payments/notify/{provider}", "post"),
        ("/api/v1/payment-providers", "get"),
        ("/api/v1/payments/{id}", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
app_test!(the_openapi_document_describes_every_route);

async fn the_docs_page_works_offline(app: TestApp) {
    let page = app.send(Method::GET, "/api/docs/", None, None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    // Every script and stylesheet comes from this server.
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "external asset in {html}"
    );
    let config = app
        .send(Method::GET, "/api/docs/swagger-initializer.js", None, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(config.contains("/api/openapi.json"), "{config}");
}
app_test!(the_docs_page_works_offline);

/// The whole class of refusals made outside a handler: a body over the limit on every
/// documented write route (the notify route included), a request target over the URI
/// limit, the wrong content type. Each must be a problem document, never plain text.
async fn every_refusal_outside_a_handler_is_a_problem_document(app: TestApp) {
    let staff = app.staff("boss").await;
    let doc = app.get_json("/api/openapi.json", None).await;
    let big = format!("{{\"x\": \"{}\"}}", "a".repeat(1024 * 1024));
    let mut writes = 0;
    for (path, operations) in doc["paths"].as_object().unwrap() {
        // Every path parameter filled in: an unfilled one is a 400 answered before the
        // body is read, and the unread body spoils the connection's next request.
        let path = path
            .replace("{id}", "1")
            .replace("{product_id}", "1")
            .replace("{variant_id}", "1");
        for method in ["post", "put", "patch"] {
            // Only the operations that take a body read one; the others may answer
            // before it is sent, and the client would see a reset, not an answer.
            if operations.get(method).is_none_or(|o| o.get("requestBody").is_none()) {
                continue;
            }
            writes += 1;
            let response = app
                .request(method.to_uppercase().parse().unwrap(), &path)
                .bearer_auth(&staff)
                .header("content-type", "application/json")
                .body(big.clone())
                .send()
                .await
                .unwrap();
            let status = response.status();
            let content_type = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned());
            assert!(status.is_client_error(), "{method} {path}: {status}");
            assert_eq!(
                content_type.as_deref(),
                Some("application/problem+json"),
                "{method} {path}: {status}"
            );
        }
    }
    assert!(
        writes >= 15,
        "the document lists the routes that take a body ({writes})"
    );
    let notify = app
        .request(Method::POST, "/api/v1/payments/notify/sandbox")
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    expect_problem(notify, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let long = app
        .send(
            Method::GET,
            &format!("/api/v1/products?q={}", "a".repeat(20_000)),
            None,
            None,
        )
        .await;
    expect_problem(long, StatusCode::URI_TOO_LONG, "uri_too_long").await;
}
app_test!(every_refusal_outside_a_handler_is_a_problem_document);
