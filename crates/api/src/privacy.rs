//! The caller's privacy rights: everything the shop holds about them as one JSON
//! document, and deleting (anonymising) their account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::privacy;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::UserView;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, JsonBody};
use crate::me::AddressView;
use crate::messages::MessageView;
use crate::orders::{OrderEventView, OrderView};
use crate::payments::RefundView;
use crate::reviews::ReviewView;

/// A session's metadata (never its token).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    /// Session id.
    pub id: i64,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub expires_at: String,
}

/// An order as exported: the order with its refunds and history.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedOrderView {
    /// The order, as `GET /orders/{id}` shows it.
    pub order: OrderView,
    /// Its refunds.
    pub refunds: Vec<RefundView>,
    /// Its history, oldest first.
    pub history: Vec<OrderEventView>,
}

/// Everything the shop holds about the caller. Other areas add their own section here
/// (returns, say) beside the ones below.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportView {
    /// RFC 3339 UTC: when this export was made.
    pub exported_at: String,
    /// The profile.
    pub profile: UserView,
    /// The address book.
    pub addresses: Vec<AddressView>,
    /// Every order (guest orders attached to the account included), newest first.
    pub orders: Vec<ExportedOrderView>,
    /// The caller's reviews, hidden ones included.
    pub reviews: Vec<ReviewView>,
    /// Messages the shop sent or owes the caller, newest first.
    pub messages: Vec<MessageView>,
    /// Live sessions.
    pub sessions: Vec<SessionView>,
}

impl ExportView {
    /// The view of an export made at `now`.
    pub fn new(export: privacy::Export, now: emporium_domain::time::Timestamp) -> Self {
        Self {
            exported_at: now.to_rfc3339(),
            profile: export.user.into(),
            addresses: export.addresses.into_iter().map(Into::into).collect(),
            orders: export
                .orders
                .into_iter()
                .map(|o| ExportedOrderView {
                    order: OrderView::from(&o.order),
                    refunds: o.refunds.iter().map(RefundView::from).collect(),
                    history: o
                        .history
                        .into_iter()
                        .map(|e| OrderEventView {
                            from: e.from.map(|s| s.as_str().to_owned()),
                            to: e.to.as_str().to_owned(),
                            actor: e.actor,
                            at: e.at.to_rfc3339(),
                            detail: e.detail,
                        })
                        .collect(),
                })
                .collect(),
            reviews: export.reviews.into_iter().map(Into::into).collect(),
            messages: export.messages.iter().map(MessageView::from).collect(),
            sessions: export
                .sessions
                .into_iter()
                .map(|s| SessionView {
                    id: s.id,
                    created_at: s.created_at.to_rfc3339(),
                    expires_at: s.expires_at.to_rfc3339(),
                })
                .collect(),
        }
    }
}

/// Everything the shop holds about the caller, as one document (served as an
/// attachment, `emporium-export.json`).
#[utoipa::path(get, path = "/api/v1/me/export", tag = "me", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's data", body = ExportView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export_my_data(
    State(state): State<AppState>,
    Auth(session): Auth,
) -> ApiResult<([(axum::http::HeaderName, &'static str); 1], Json<ExportView>)> {
    let export = privacy::export(&state, &session).await?;
    Ok((
        [(
            axum::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"emporium-export.json\"",
        )],
        Json(ExportView::new(export, state.now())),
    ))
}

/// The password that confirms an account's deletion.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccountRequest {
    /// The account's current password.
    pub password: String,
}

/// Deletes the caller's account: it is anonymised (orders keep their amounts and lines;
/// names, contacts and addresses become unreadable) and every session ends. Staff
/// accounts cannot delete themselves (403).
#[utoipa::path(delete, path = "/api/v1/me", tag = "me", security(("bearer" = [])), request_body = DeleteAccountRequest,
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A staff account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong passwords", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_my_account(
    State(state): State<AppState>,
    Auth(session): Auth,
    JsonBody(req): JsonBody<DeleteAccountRequest>,
) -> ApiResult<StatusCode> {
    privacy::delete_account(&state, &session, &req.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
