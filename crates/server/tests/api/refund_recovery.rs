//! Refunds that survive a crash: an instance that dies after claiming a refund (before or
//! after the provider paid it back) leaves it `processing`, and the background jobs ask
//! the provider again with the same idempotency key, so the refund ends once and the
//! money goes back once. `emporium check` holds at every step, and sees a double refund.

use std::time::Duration;

use emporium_domain::payment::RefundStatus;
use emporium_domain::time::Clock;
use emporium_payments::{RefundOutcome, RefundRequest};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, json_of};

/// A paid order of one 10 000 item and a refund of `amount` requested for it:
/// (customer token, staff token, order id, refund id).
async fn paid_order_with_refund(app: &TestApp, amount: i64) -> (String, String, i64, i64) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(10_000, 3)).await;
    let (token, address) = app.shopper("lee", item, 1).await;
    let id = app.place_order(&token, address).await;
    app.pay(&token, id).await;
    let refund = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/refunds"),
            Some(&token),
            Some(json!({"amount": amount, "reason": "arrived broken"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    (token, staff, id, refund["id"].as_i64().unwrap())
}

async fn order(app: &TestApp, token: &str, id: i64) -> Value {
    json_of(
        app.send(Method::GET, &format!("/api/v1/orders/{id}"), Some(token), None)
            .await,
        StatusCode::OK,
    )
    .await
}

/// What the sandbox paid back on the order's payment.
async fn sandbox_refunded(app: &TestApp, refund_id: i64) -> i64 {
    let refund = app.store.refund(refund_id).await.unwrap().unwrap();
    app.store
        .sandbox_payment(refund.payment_id)
        .await
        .unwrap()
        .unwrap()
        .refunded
}

/// Asks the sandbox for refund `refund_id` as the shop would, with the refund's key.
async fn ask_sandbox(app: &TestApp, refund_id: i64) -> RefundOutcome {
    let refund = app.store.refund(refund_id).await.unwrap().unwrap();
    let request = RefundRequest {
        refund_id,
        idempotency_key: RefundRequest::key_for(refund_id),
        payment_id: refund.payment_id,
        provider_ref: None,
        amount: refund.amount,
        currency: "CNY".into(),
    };
    app.state
        .providers()
        .get("sandbox")
        .unwrap()
        .refund(&request)
        .await
        .unwrap()
}

async fn a_refund_claimed_by_an_instance_that_died_is_paid_back_once_by_the_jobs(app: TestApp) {
    let (token, _staff, id, refund) = paid_order_with_refund(&app, 4_000).await;
    // The approving instance claims the refund and dies before asking the provider.
    app.store.claim_refund(refund, app.clock.now()).await.unwrap().unwrap();
    app.assert_clean().await;
    assert_eq!(app.run_jobs().await.refunds_redriven, 0, "the claimant's grace period");

    app.clock.advance(Duration::from_secs(61));
    assert_eq!(app.run_jobs().await.refunds_redriven, 1);
    assert_eq!(
        app.store.refund(refund).await.unwrap().unwrap().status,
        RefundStatus::Refunded
    );
    let o = order(&app, &token, id).await;
    assert_eq!(
        (o["status"].as_str(), o["refunded_amount"].as_i64()),
        (Some("paid"), Some(4_000))
    );
    assert_eq!(sandbox_refunded(&app, refund).await, 4_000);

    app.clock.advance(Duration::from_secs(3600));
    assert_eq!(app.run_jobs().await.refunds_redriven, 0, "decided once");
    assert_eq!(sandbox_refunded(&app, refund).await, 4_000, "paid back once");
    app.assert_clean().await;
}
app_test!(a_refund_claimed_by_an_instance_that_died_is_paid_back_once_by_the_jobs);

async fn a_refund_the_provider_paid_before_the_crash_is_recorded_not_paid_again(app: TestApp) {
    let (token, staff, id, refund) = paid_order_with_refund(&app, 10_000).await;
    app.store.claim_refund(refund, app.clock.now()).await.unwrap().unwrap();
    // The provider paid; the instance died before recording its answer.
    assert!(matches!(
        ask_sandbox(&app, refund).await,
        RefundOutcome::Succeeded { .. }
    ));
    assert_eq!(sandbox_refunded(&app, refund).await, 10_000);
    // In flight, not broken: the check allows a `processing` refund the provider paid.
    app.assert_clean().await;

    // A second approval cannot start it again; the jobs finish it after the grace.
    let again = app
        .send(
            Method::POST,
            &format!("/api/v1/refunds/{refund}/approve"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    app.clock.advance(Duration::from_secs(61));
    assert_eq!(app.run_jobs().await.refunds_redriven, 1);
    let o = order(&app, &token, id).await;
    assert_eq!(
        (o["status"].as_str(), o["refunded_amount"].as_i64()),
        (Some("refunded"), Some(10_000))
    );
    assert_eq!(
        sandbox_refunded(&app, refund).await,
        10_000,
        "the same key paid nothing more"
    );

    // Asking again with the key answers the first outcome and pays nothing.
    assert!(matches!(
        ask_sandbox(&app, refund).await,
        RefundOutcome::Succeeded { .. }
    ));
    assert_eq!(sandbox_refunded(&app, refund).await, 10_000);
    app.assert_clean().await;
}
app_test!(a_refund_the_provider_paid_before_the_crash_is_recorded_not_paid_again);

async fn the_check_sees_money_the_sandbox_paid_back_twice_or_without_a_record(app: TestApp) {
    let (_token, staff, _id, refund) = paid_order_with_refund(&app, 2_500).await;
    let approved = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/refunds/{refund}/approve"),
            Some(&staff),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(approved["status"], "refunded");
    app.assert_clean().await;

    // A refund the shop never recorded, paid by the provider (say, a refund made by
    // hand in its dashboard, or an adapter that ignored the key).
    let payment = app.store.refund(refund).await.unwrap().unwrap().payment_id;
    app.store
        .write(move |conn| {
            Box::pin(async move {
                emporium_store::db::query("UPDATE sandbox_payments SET refunded = refunded + 2500 WHERE merchant_payment = $1")
                    .bind(payment)
                    .execute(&mut *conn)
                    .await?;
                emporium_store::db::query("INSERT INTO sandbox_refunds (idempotency_key, merchant_payment, amount, status, created_at) VALUES ('stray', $1, 2500, 'succeeded', 0)")
                    .bind(payment)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    let (_, violations) = app.store.check_invariants().await.unwrap();
    let broken: Vec<_> = violations.iter().map(|v| v.subject.as_str()).collect();
    assert_eq!(broken, ["sandbox refund stray"], "{violations:#?}");
}
app_test!(the_check_sees_money_the_sandbox_paid_back_twice_or_without_a_record);
