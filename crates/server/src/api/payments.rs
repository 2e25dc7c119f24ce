//! Paying for orders through a provider, the provider's notifications, and refunds.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use emporium_domain::account::Role;
use emporium_domain::text::single_line;
use emporium_payments::{NotifiedStatus, PaymentRequest, ProviderError, RefundOutcome, RefundRequest, signature};
use emporium_store::StoreError;
use emporium_store::orders::Idempotent;
use emporium_store::payments::{NotificationFacts, NotificationOutcome, Payment, PaymentStart, Refund, RefundAsk};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use super::orders::{idempotency, order_not_found, raw_json, to_json};
use super::params::{self, cut_page, keyset};
use crate::cursor::Position;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, IdempotencyHeader, JsonBody, Path, Query, Staff};
use crate::jobs::REFUND_JOB;
use crate::state::AppState;

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
    /// The provider's pay page.
    pub pay_url: Option<String>,
}

impl From<&Payment> for PaymentView {
    fn from(p: &Payment) -> Self {
        Self {
            payment_id: p.id,
            order_id: p.order_id,
            provider: p.provider.clone(),
            status: p.status.clone(),
            amount: p.amount,
            currency: p.currency.clone(),
            pay_url: p.pay_url.clone(),
        }
    }
}

/// Paying for an order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    /// A provider name: `sandbox`.
    #[schema(pattern = "^sandbox$")]
    pub provider: String,
}

/// Starts paying for the caller's order: answers where to pay. The result reaches the
/// shop only as the provider's signed notification. A second call while a payment is
/// pending answers that same payment, so nobody can be charged twice.
#[utoipa::path(post, path = "/api/v1/orders/{id}/pay", tag = "payments", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id"), ("Idempotency-Key" = Option<String>, Header, description = "1–255 characters")),
    request_body = PayRequest,
    responses(
        (status = 201, description = "Payment pending", body = PaymentView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order of yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not awaiting payment", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown provider", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Provider unavailable", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn pay_order(
    State(state): State<AppState>,
    Auth(session): Auth,
    Path(order_id): Path<i64>,
    key: IdempotencyHeader,
    JsonBody(req): JsonBody<PayRequest>,
) -> ApiResult<Response> {
    match start_payment(&state, session.user.id, order_id, &req, key).await? {
        Idempotent::Replay { status, body } => {
            Ok(raw_json(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body))
        }
        Idempotent::Fresh(payment) => Ok((StatusCode::CREATED, Json(PaymentView::from(&payment))).into_response()),
    }
}

/// Starts (or resumes) paying for the user's order and answers the payment with its pay
/// page (shared by the API and the order page). A replay carries the first answer's JSON.
pub(crate) async fn start_payment(
    state: &AppState,
    user_id: i64,
    order_id: i64,
    req: &PayRequest,
    key: IdempotencyHeader,
) -> ApiResult<Idempotent<Payment>> {
    let provider = state.providers().get(&req.provider).ok_or_else(|| {
        ApiError::Validation(vec![emporium_domain::FieldError::new(
            "provider",
            format!("must be one of: {}", state.providers().names().join(", ")),
        )])
    })?;
    let key = idempotency(key, user_id, format!("POST /orders/{order_id}/pay"), req);
    let now = state.now();
    let start = state
        .store()
        .begin_payment(order_id, user_id, req.provider.clone(), key.clone(), now)
        .await
        .map_err(order_not_found)?;
    let payment = match start {
        PaymentStart::Replay { status, body } => return Ok(Idempotent::Replay { status, body }),
        PaymentStart::Existing(payment) => payment,
        PaymentStart::New(payment) => {
            let request = PaymentRequest {
                payment_id: payment.id,
                order_id,
                amount: payment.amount,
                currency: payment.currency.clone(),
            };
            let checkout = provider.create_payment(&request).await.map_err(|e| {
                tracing::warn!(payment.id = payment.id, error = %e, "provider refused to start a payment");
                ApiError::Unavailable
            })?;
            let render = Box::new(|p: &Payment| (201, to_json(&PaymentView::from(p))));
            state
                .store()
                .finish_payment(payment.id, checkout.provider_ref, checkout.pay_url, key, render, now)
                .await
                .map_err(|e| match e {
                    StoreError::IdempotencyRace => ApiError::Conflict {
                        code: "idempotency_conflict",
                        detail: "a concurrent request used this key; retry".into(),
                    },
                    e => e.into(),
                })?
        }
    };
    Ok(Idempotent::Fresh(payment))
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

/// Applies a verified notification; a payment that arrived after cancellation gets its
/// refund queued.
pub(crate) async fn apply(state: &AppState, facts: NotificationFacts) -> Result<NotificationOutcome, StoreError> {
    let now = state.now();
    let outcome = state.store().apply_notification(facts, now).await?;
    match &outcome {
        NotificationOutcome::LateRefundDue { order_id, refund_id } => {
            tracing::warn!(
                order.id = order_id,
                refund.id = refund_id,
                "payment arrived after cancellation; refunding"
            );
            state
                .store()
                .enqueue_job(REFUND_JOB, refund_id.to_string(), now, now)
                .await?;
        }
        NotificationOutcome::Applied { order_id } => {
            tracing::info!(order.id = order_id, "payment notification applied")
        }
        NotificationOutcome::Duplicate => tracing::debug!("duplicate payment notification ignored"),
    }
    Ok(outcome)
}

/// The sandbox provider's notifications. Signed (`Sandbox-Signature`); a bad or missing
/// signature, a timestamp more than 300 s away, or an amount that differs from the
/// payment's is a 400 and changes nothing; a notification already applied is a 200 that
/// changes nothing.
#[utoipa::path(post, path = "/api/v1/payments/notify/sandbox", tag = "payments",
    request_body(content = NotificationSchema, description = "Signed with Sandbox-Signature"),
    params(("Sandbox-Signature" = String, Header, description = "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t.body)>")),
    responses(
        (status = 200, description = "Applied, or applied before"),
        (status = 400, description = "Rejected: signature, freshness, body or amount", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn notify_sandbox(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult<StatusCode> {
    let provider = state.providers().get("sandbox").ok_or(ApiError::NotFound("provider"))?;
    let header = headers.get(signature::HEADER).and_then(|v| v.to_str().ok());
    let n = provider
        .verify_notification(header, &body, state.now().millis() / 1000)
        .map_err(|e| ApiError::BadRequest {
            detail: e.to_string(),
            field: None,
        })?;
    let facts = NotificationFacts {
        provider: "sandbox".into(),
        event_id: n.event_id,
        payment_id: n.payment_id,
        order_id: n.order_id,
        amount: n.amount,
        currency: n.currency,
        succeeded: n.status == NotifiedStatus::Succeeded,
    };
    apply(&state, facts).await?;
    Ok(StatusCode::OK)
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
    if owner != Some(session.user.id) && session.user.role != Role::Staff {
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
            status: r.status.clone(),
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
}

/// Asks for a refund of the caller's paid order. Staff approve or reject it.
#[utoipa::path(post, path = "/api/v1/orders/{id}/refunds", tag = "payments", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id"), ("Idempotency-Key" = Option<String>, Header, description = "1–255 characters")),
    request_body = RefundRequestBody,
    responses(
        (status = 201, description = "Requested", body = RefundView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order of yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not paid", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Amount above what is left, or no reason", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_refund(
    State(state): State<AppState>,
    Auth(session): Auth,
    Path(order_id): Path<i64>,
    key: IdempotencyHeader,
    JsonBody(req): JsonBody<RefundRequestBody>,
) -> ApiResult<Response> {
    Ok(match ask_refund(&state, session.user.id, order_id, &req, key).await? {
        Idempotent::Replay { status, body } => raw_json(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body),
        Idempotent::Fresh(refund) => (StatusCode::CREATED, Json(RefundView::from(&refund))).into_response(),
    })
}

/// Opens a refund request on the user's order (shared by the API and the order page).
pub(crate) async fn ask_refund(
    state: &AppState,
    user_id: i64,
    order_id: i64,
    req: &RefundRequestBody,
    key: IdempotencyHeader,
) -> ApiResult<Idempotent<Refund>> {
    let reason = single_line("reason", &req.reason, 1, 500)?;
    let key = idempotency(key, user_id, format!("POST /orders/{order_id}/refunds"), req);
    let render = Box::new(|r: &Refund| (201, to_json(&RefundView::from(r))));
    let outcome = state
        .store()
        .request_refund(
            RefundAsk {
                order_id,
                owner: user_id,
                amount: req.amount,
                reason,
            },
            key,
            render,
            state.now(),
        )
        .await
        .map_err(order_not_found)?;
    Ok(outcome)
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
    Staff(staff): Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<RefundView>> {
    Ok(Json(RefundView::from(&approve(&state, staff.user.id, id).await?)))
}

/// Approves a refund and pays it back through the provider (shared by the API and the
/// admin pages).
pub(crate) async fn approve(state: &AppState, staff_id: i64, id: i64) -> ApiResult<Refund> {
    let now = state.now();
    let Some((refund, payment)) = state.store().claim_refund(id, now).await? else {
        return Err(refund_undecidable(state, id).await);
    };
    let refund = match drive_refund(state, &refund, &payment, format!("staff:{staff_id}")).await? {
        Driven::Decided(refund) => refund,
        // The money may or may not have gone back: the refund stays `processing` and the
        // jobs ask again with the same key, so it ends once, either way.
        Driven::Unanswered { refund, error } => {
            tracing::warn!(refund.id = id, %error, "refund provider did not answer; the jobs will ask again");
            refund
        }
    };
    tracing::info!(refund.id = id, status = %refund.status, "refund decided");
    Ok(refund)
}

/// What asking a provider for a claimed refund came to.
#[derive(Debug)]
pub(crate) enum Driven {
    /// The provider answered and the refund is now `refunded` or `failed` (or was
    /// already decided by another attempt).
    Decided(Refund),
    /// The provider could not answer; the refund is still `processing`.
    Unanswered {
        /// The refund as it stands.
        refund: Refund,
        /// Why there was no answer.
        error: String,
    },
}

/// Asks the provider to pay back a `processing` refund and records a definite answer.
///
/// Every attempt for one refund carries the same idempotency key
/// ([`RefundRequest::key_for`]), so this is safe to call again whenever an earlier
/// attempt's outcome is unknown (a timeout, a crash after the claim): the provider pays
/// at most once and repeats its first answer, and [`Store::finish_refund`] applies only
/// to a refund still `processing`, so the order's refunded amount moves once.
///
/// [`Store::finish_refund`]: emporium_store::Store::finish_refund
pub(crate) async fn drive_refund(
    state: &AppState,
    refund: &Refund,
    payment: &Payment,
    actor: String,
) -> Result<Driven, StoreError> {
    let Some(provider) = state.providers().get(&payment.provider) else {
        return Ok(Driven::Unanswered {
            refund: refund.clone(),
            error: format!("no provider {:?} is configured", payment.provider),
        });
    };
    let request = RefundRequest {
        refund_id: refund.id,
        idempotency_key: RefundRequest::key_for(refund.id),
        payment_id: payment.id,
        provider_ref: payment.provider_ref.clone(),
        amount: refund.amount,
        currency: payment.currency.clone(),
    };
    let outcome = match provider.refund(&request).await {
        Ok(RefundOutcome::Succeeded { provider_ref }) => Ok(provider_ref),
        Ok(RefundOutcome::Failed { reason }) => Err(reason),
        // Refused: the provider understood and said no, so nothing was paid back.
        Err(ProviderError::Refused(reason)) => Err(reason),
        Err(ProviderError::Unavailable(error)) => {
            return Ok(Driven::Unanswered {
                refund: refund.clone(),
                error,
            });
        }
    };
    let refund = state
        .store()
        .finish_refund(refund.id, outcome, actor, state.now())
        .await?;
    Ok(Driven::Decided(refund))
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
    Staff(staff): Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<RefundView>> {
    Ok(Json(RefundView::from(&reject(&state, staff.user.id, id).await?)))
}

/// Rejects a requested refund (shared by the API and the admin pages).
pub(crate) async fn reject(state: &AppState, staff_id: i64, id: i64) -> ApiResult<Refund> {
    match state
        .store()
        .reject_refund(id, format!("staff:{staff_id}"), state.now())
        .await?
    {
        Some(refund) => Ok(refund),
        None => Err(refund_undecidable(state, id).await),
    }
}

async fn refund_undecidable(state: &AppState, id: i64) -> ApiError {
    match state.store().refund(id).await {
        Ok(Some(r)) => ApiError::Conflict {
            code: "invalid_transition",
            detail: format!("the refund is {}, not awaiting a decision", r.status),
        },
        Ok(None) => ApiError::NotFound("refund"),
        Err(e) => e.into(),
    }
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
    _staff: Staff,
    Query(p): Query<ListRefundsParams>,
) -> ApiResult<Json<Page<RefundView>>> {
    let status = p.status.clone().filter(|s| !s.is_empty());
    if let Some(s) = &status
        && !["requested", "processing", "refunded", "rejected", "failed"].contains(&s.as_str())
    {
        return Err(emporium_domain::FieldError::new(
            "status",
            "must be requested, processing, refunded, rejected or failed",
        )
        .into());
    }
    let fingerprint = format!("refunds|{status:?}");
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
