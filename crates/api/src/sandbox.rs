//! The sandbox provider's own endpoints, as a third party would serve them: the pay page
//! (its address carries a MAC of the payment id, so knowing a payment's number is not
//! enough to pay or fail someone else's payment) and the buyer's choice on it. Their logic
//! is the application layer's `sandbox` module; these only translate HTTP.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use emporium_app::{AppState, sandbox};
use emporium_domain::payment::PaymentStatus;
use serde::Deserialize;

use crate::error::ApiError;
use crate::extract::{Path, parse_json};

/// The provider side's pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sandbox/pay/{page}", get(pay_page))
        .route("/sandbox/pay/{page}/complete", post(complete))
}

/// The pay page: the amount, and the buyer's two choices while the payment is pending.
async fn pay_page(State(state): State<AppState>, Path(page): Path<String>) -> Result<Response, ApiError> {
    let payment = sandbox::payment_at(&state, &page).await?;
    let payment_id = payment.merchant_payment;
    let amount = format!("{}.{:02}", payment.amount / 100, payment.amount % 100);
    let done = payment.status != PaymentStatus::Pending;
    let body = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sandbox Pay · 沙盒支付</title><style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}
button{{font-size:1.1rem;padding:.6rem 1.2rem;margin-right:.5rem}}</style></head><body>
<h1>Sandbox Pay · 沙盒支付</h1>
<p>Order {order} · payment {payment_id}</p><p><strong>{amount} {currency}</strong></p>
<p>Status · 状态: <span id="status">{status}</span></p>
{buttons}
</body></html>"#,
        order = payment.order_id,
        currency = payment.currency,
        status = payment.status,
        buttons = if done {
            String::new()
        } else {
            format!(
                r#"<form method="post" action="/sandbox/pay/{page}/complete"><button name="outcome" value="succeeded">Pay · 支付</button><button name="outcome" value="failed">Fail · 失败</button></form>"#
            )
        },
    );
    Ok(Html(body).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompleteRequest {
    outcome: String,
}

/// The buyer's choice on the pay page: JSON from API clients, a form from the page.
async fn complete(
    State(state): State<AppState>,
    Path(page): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let request: CompleteRequest = if is_form {
        let outcome = String::from_utf8_lossy(&body)
            .split('&')
            .find_map(|kv| kv.strip_prefix("outcome=").map(str::to_owned));
        CompleteRequest {
            outcome: outcome.unwrap_or_default(),
        }
    } else {
        parse_json(&body)?
    };
    let succeeded = match request.outcome.as_str() {
        "succeeded" => true,
        "failed" => false,
        _ => {
            return Err(ApiError::BadRequest {
                detail: "must be succeeded or failed".into(),
                field: Some("outcome".into()),
            });
        }
    };
    let payment = sandbox::complete_payment(&state, &page, succeeded).await?;
    if is_form {
        // Back to where the buyer came from: the shop's order page (the web pages serve
        // it), a guest's by its link.
        let location = emporium_app::guests::order_page(&state, payment.order_id).await?;
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response());
    }
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(serde_json::json!({"payment_id": payment.merchant_payment, "status": payment.status.as_str()})),
    )
        .into_response())
}
