//! Paying for orders through a provider, the provider's notifications, and refunds.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use emporium_app::AppState;
use emporium_app::accounts::ClientAddress;
use emporium_app::cursor::Position;
use emporium_app::orders;
use emporium_app::paging::{cut_page, keyset};
use emporium_app::payments::{self, Answered, PayWith, RefundWish};
use emporium_domain::payment::RefundStatus;
use emporium_store::idempotency::Idempotent;
use emporium_store::payments::Payment;
use emporium_store::refunds::Refund;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use super::orders::{replayed, to_json};
use super::params;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, IdempotencyHeader, JsonBody, OrderCaller, Path, Query, Staff, area};

/// A payment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PaymentView {
    /// Payment id.
    pub payment_id: i64,
    /// The order.
    pub order_id: i64,
    /// Provider.
    pub provider: String,
    /// `pending`, `succeeded`, `failed`.
    pub status: String,
    /// Amount, minor units.
    pub amount: i64,
    /// Currency.
    pub currency: String,
    /// Where the buyer pays: the provider's page, or for a QR channel the code's text.
    pub pay_url: Option<String>,
    /// `page`, `wap`, `qr` (Alipay); `native`, `h5` (WeChat Pay); absent for the sandbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// For `qr` and `native`: the text to show as a QR code (the shop's pay page draws it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<String>,
}

impl From<&Payment> for PaymentView {
    fn from(p: &Payment) -> Self {
        Self {
            payment_id: p.id,
            order_id: p.order_id,
            provider: p.provider.clone(),
            status: p.status.as_str().to_owned(),
            amount: p.amount,
            currency: p.currency.clone(),
            pay_url: p.pay_url.clone(),
            channel: p.channel.clone(),
            qr_code: p.qr_code.clone(),
        }
    }
}

/// Paying for an order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    /// A provider that is on (`GET /api/v1/payment-providers`).
    #[schema(pattern = "^(sandbox|alipay|wechatpay)$")]
    pub provider: String,
    /// One of the provider's channels; absent: its default (`page` for Alipay, `native`
    /// for WeChat Pay). The sandbox has none.
    #[schema(pattern = "^(page|wap|qr|native|h5)$")]
    pub channel: Option<String>,
}

/// Starts paying for the caller's order: answers where to pay. The result reaches the
/// shop only as the provider's signed notification. A second call while a payment is
/// pending answers that same payment, so nobody can be charged twice.
#[utoipa::path(post, path = "/api/v1/orders/{id}/pay", tag = "payments", security(("bearer" = []), ("order_access_token" = [])),
    params(("id" = i64, Path, description = "Order id"), ("Idempotency-Key" = Option<String>, Header, description = "1–255 characters")),
    request_body = PayRequest,
    responses(
        (status = 201, description = "Payment pending", body = PaymentView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order of yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not awaiting payment (`invalid_transition`), or the provider refused (`provider_refused`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A provider that is not on, a channel it does not have, or a currency it does not collect", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Provider unavailable", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn pay_order(
    State(state): State<AppState>,
    OrderCaller(session): OrderCaller,
    Path(order_id): Path<i64>,
    key: IdempotencyHeader,
    from: Option<Extension<ClientAddress>>,
    JsonBody(req): JsonBody<PayRequest>,
) -> ApiResult<Response> {
    let with = PayWith {
        provider: req.provider,
        channel: req.channel,
        client_ip: from.and_then(|Extension(a)| a.0).map(|ip| ip.to_string()),
    };
    let key = orders::idempotency_key(key.0, session.user.id, format!("POST /orders/{order_id}/pay"), &with);
    let render = std::sync::Arc::new(|p: &Payment| to_json(&PaymentView::from(p)));
    match payments::start_payment(&state, session.user.id, order_id, &with, key, render).await? {
        Idempotent::Replay(answer) => Ok(replayed(answer)),
        Idempotent::Fresh(payment) => Ok((StatusCode::CREATED, Json(PaymentView::from(&payment))).into_response()),
    }
}

/// The body of a sandbox notification (as documented in the OpenAPI description).
///
/// Unlike the request bodies that clients send, this schema does not deny unknown fields:
/// it is written by the payment provider, whose signature already proves who wrote it, and
/// a provider may add fields to its notifications at any time; describing it as closed
/// would tell integrators that such an addition is an error. (Mass assignment is no concern
/// here: nothing in the body is copied onto a row; each fact is compared with the payment.)
#[derive(Debug, Deserialize, ToSchema)]
#[expect(
    dead_code,
    reason = "describes the wire format; parsing is emporium_payments::parse_notification"
)]
pub struct NotificationSchema {
    /// Unique per event; an event is applied once.
    event_id: String,
    /// The shop's payment id.
    payment_id: i64,
    /// The order.
    order_id: i64,
    /// Minor units.
    amount: i64,
    /// ISO 4217.
    currency: String,
    /// `succeeded` or `failed`.
    status: String,
}

/// A provider's notifications, each in its provider's format: the sandbox's JSON signed
/// with `Sandbox-Signature` (the schema below), Alipay's form signed `RSA2`, WeChat Pay's
/// encrypted JSON signed in `Wechatpay-Signature`. Each is verified, kept as received and
/// applied at most once; one that fails verification or does not match its payment or
/// refund (amount, currency, merchant, order) changes nothing. The answer is the
/// provider's own: the sandbox's 200 or problem+json 400, Alipay's `success` or `fail`,
/// WeChat Pay's 204 or `{"code":"FAIL",…}` 400.
#[utoipa::path(post, path = "/api/v1/payments/notify/{provider}", tag = "payments",
    request_body(content = NotificationSchema, description = "The sandbox's body; Alipay and WeChat Pay send theirs"),
    params(
        ("provider" = String, Path, description = "`sandbox`, `alipay` or `wechatpay`"),
        ("Sandbox-Signature" = Option<String>, Header, description = "The sandbox's: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t.body)>"),
    ),
    responses(
        (status = 200, description = "Applied, or applied before (Alipay: the text `success`)"),
        (status = 204, description = "Applied, or applied before (WeChat Pay)"),
        (status = 400, description = "Refused: signature, freshness, body, or facts that differ from the payment", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn notify(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let reply = match payments::receive_notification(&state, &provider, &headers, &body).await? {
        Answered::Acknowledged(reply) => reply,
        Answered::Refused { reply: Some(reply), .. } => reply,
        Answered::Refused { error, reply: None } => return Err(error.into()),
    };
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let mut response = match reply.content_type {
        Some(content_type) => (status, [(header::CONTENT_TYPE, content_type)], reply.body).into_response(),
        None => status.into_response(),
    };
    response.extensions_mut().insert(ProviderFormat);
    Ok(response)
}

/// Marks an answer written in a provider's own format (Alipay's `fail`, WeChat Pay's
/// `{"code":"FAIL"}`), which the server's rule that every refusal is a problem document
/// leaves as it is: the provider reads it, not a person.
#[derive(Debug, Clone, Copy)]
pub struct ProviderFormat;

/// A payment provider buyers can pay with.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProviderView {
    /// `sandbox`, `alipay`, `wechatpay`.
    pub name: String,
    /// Its channels, the default first; empty when it has one way to pay.
    pub channels: Vec<String>,
}

/// The providers that are on: those configured, and the sandbox unless it is switched
/// off (`EMPORIUM_SANDBOX=off`). Public: a storefront asks before showing the pay step.
#[utoipa::path(get, path = "/api/v1/payment-providers", tag = "payments",
    responses((status = 200, description = "Sorted by name", body = [ProviderView])))]
pub async fn list_providers(State(state): State<AppState>) -> Json<Vec<ProviderView>> {
    Json(
        payments::offered_providers(&state)
            .into_iter()
            .map(|o| ProviderView {
                name: o.name.into(),
                channels: o.channels.iter().map(|c| (*c).to_owned()).collect(),
            })
            .collect(),
    )
}

/// A payment of the caller's (staff: any).
#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "payments", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Payment id")),
    responses(
        (status = 200, description = "The payment", body = PaymentView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such payment of yours", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_payment(
    State(state): State<AppState>,
    Auth(session): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<PaymentView>> {
    let payment = state.store().payment(id).await?.ok_or(ApiError::NotFound("payment"))?;
    let owner = state.store().order_head(payment.order_id).await?.map(|(user, _)| user);
    if owner != Some(session.user.id) && !session.user.reads_all_orders() {
        return Err(ApiError::NotFound("payment"));
    }
    Ok(Json(PaymentView::from(&payment)))
}

/// A refund.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RefundView {
    /// Refund id.
    pub id: i64,
    /// The order.
    pub order_id: i64,
    /// The payment refunded.
    pub payment_id: i64,
    /// Amount, minor units.
    pub amount: i64,
    /// Why.
    pub reason: String,
    /// `requested`, `processing`, `refunded`, `rejected`, `failed`.
    pub status: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub decided_at: Option<String>,
}

impl From<&Refund> for RefundView {
    fn from(r: &Refund) -> Self {
        Self {
            id: r.id,
            order_id: r.order_id,
            payment_id: r.payment_id,
            amount: r.amount,
            reason: r.reason.clone(),
            status: r.status.as_str().to_owned(),
            created_at: r.created_at.to_rfc3339(),
            decided_at: r.decided_at.map(emporium_domain::time::Timestamp::to_rfc3339),
        }
    }
}

/// Asking for money back.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequestBody {
    /// Minor units; default: everything not yet refunded.
    #[schema(minimum = 1)]
    pub amount: Option<i64>,
    /// 1–500 characters.
    #[schema(min_length = 1)]
    pub reason: String,
    /// The lines the refund is for and how much of each (at most 100); absent for the
    /// order as a whole. Each part is at most what is left to refund on its line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 100)]
    pub lines: Vec<RefundLineBody>,
}

/// One line's part of a refund.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundLineBody {
    /// The order line (`items[].id` of the order).
    pub order_item_id: i64,
    /// Minor units.
    #[schema(minimum = 1)]
    pub amount: i64,
}

/// Asks for a refund of the caller's paid order; staff approve or reject it. A guest
/// asks with the order's link token (`Order-Access-Token`) instead of a login. Sent by
/// staff, it is a refund on the shop's initiative (goodwill), approved at once and paid
/// back through the provider.
#[utoipa::path(post, path = "/api/v1/orders/{id}/refunds", tag = "payments", security(("bearer" = []), ("order_access_token" = [])),
    params(("id" = i64, Path, description = "Order id"), ("Idempotency-Key" = Option<String>, Header, description = "1–255 characters")),
    request_body = RefundRequestBody,
    responses(
        (status = 201, description = "Requested (by staff: approved and paid back, or being paid)", body = RefundView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order of yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not paid", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Amount above what is left, or no reason", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_refund(
    State(state): State<AppState>,
    OrderCaller(session): OrderCaller,
    Path(order_id): Path<i64>,
    key: IdempotencyHeader,
    JsonBody(req): JsonBody<RefundRequestBody>,
) -> ApiResult<Response> {
    let wish = RefundWish {
        amount: req.amount,
        reason: req.reason,
        lines: req
            .lines
            .iter()
            .map(|l| payments::LineRefundWish {
                order_item_id: l.order_item_id,
                amount: l.amount,
            })
            .collect(),
    };
    let key = orders::idempotency_key(
        key.0,
        session.user.id,
        format!("POST /orders/{order_id}/refunds"),
        &wish,
    );
    let render = std::sync::Arc::new(|r: &Refund| to_json(&RefundView::from(r)));
    let outcome = if session.user.may(emporium_domain::staff::Permission::Refunds) {
        emporium_app::returns::refund_by_staff(&state, session.user.id, order_id, &wish, key, render).await?
    } else {
        payments::ask_refund(&state, session.user.id, order_id, &wish, key, render).await?
    };
    Ok(match outcome {
        Idempotent::Replay(answer) => replayed(answer),
        Idempotent::Fresh(refund) => (StatusCode::CREATED, Json(RefundView::from(&refund))).into_response(),
    })
}

/// Approves a requested refund (staff): the money goes back through the provider; when
/// everything paid has come back the order is `refunded`.
#[utoipa::path(post, path = "/api/v1/refunds/{id}/approve", tag = "payments", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Refund id")),
    responses(
        (status = 200, description = "Refunded (or failed at the provider)", body = RefundView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such refund", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not awaiting a decision", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn approve_refund(
    State(state): State<AppState>,
    Staff(staff, _): Staff<area::Refunds>,
    Path(id): Path<i64>,
) -> ApiResult<Json<RefundView>> {
    Ok(Json(RefundView::from(
        &payments::approve_refund(&state, staff.user.id, id).await?,
    )))
}

/// Rejects a requested refund (staff).
#[utoipa::path(post, path = "/api/v1/refunds/{id}/reject", tag = "payments", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Refund id")),
    responses(
        (status = 200, description = "Rejected", body = RefundView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such refund", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not awaiting a decision", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reject_refund(
    State(state): State<AppState>,
    Staff(staff, _): Staff<area::Refunds>,
    Path(id): Path<i64>,
) -> ApiResult<Json<RefundView>> {
    Ok(Json(RefundView::from(
        &payments::reject_refund(&state, staff.user.id, id).await?,
    )))
}

/// Refund listing parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListRefundsParams {
    /// `requested`, `processing`, `refunded`, `rejected` or `failed`.
    #[param(pattern = "^(requested|processing|refunded|rejected|failed)?$")]
    pub status: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Refunds, newest first (staff), e.g. `?status=requested` for those awaiting a decision.
#[utoipa::path(get, path = "/api/v1/refunds", tag = "payments", security(("bearer" = [])), params(ListRefundsParams),
    responses(
        (status = 200, description = "A page of refunds", body = Page<RefundView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_refunds(
    State(state): State<AppState>,
    _staff: Staff<area::Refunds>,
    Query(p): Query<ListRefundsParams>,
) -> ApiResult<Json<Page<RefundView>>> {
    let wanted = p.status.clone().filter(|s| !s.is_empty());
    let status = wanted
        .as_deref()
        .map(|s| RefundStatus::parse("status", s))
        .transpose()?;
    // The cursor is bound to the filter as it was sent.
    let fingerprint = format!("refunds|{wanted:?}");
    let (limit, position) = params::PageParams {
        limit: p.limit,
        cursor: p.cursor,
    }
    .parse(state.cursors(), &fingerprint)?;
    let before = keyset(position)?.map(|(_, id)| id);
    let rows = state.store().refunds(status, before, limit + 1).await?;
    let (refunds, next) = cut_page(rows, limit, |r| Position::After(0, r.id));
    let next = next.map(|p| state.cursors().encode(&fingerprint, p));
    Ok(Json(Page {
        data: refunds.iter().map(RefundView::from).collect(),
        next_cursor: next,
    }))
}
