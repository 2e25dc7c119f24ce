//! The outbox for staff: the message log of an order or a customer, and resend.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::messages::{self, LogQuery};
use emporium_store::messages::Message;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use crate::error::{ApiResult, Problem};
use crate::extract::{Path, Query, Staff, area};

/// Whose messages: exactly one of the two.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageParams {
    /// The messages about this order.
    #[param(pattern = r"^\s*[0-9]*\s*$")]
    pub order_id: Option<String>,
    /// The messages for this customer (their account's and their orders').
    #[param(pattern = r"^\s*[0-9]*\s*$")]
    pub user_id: Option<String>,
}

/// A message the shop owed someone, and where it stands.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MessageView {
    /// Message id.
    pub id: i64,
    /// The event and audience, e.g. `order:12:paid`, `order:12:paid:staff`.
    pub event_key: String,
    /// `order_placed`, `order_paid`, `order_shipped`, `order_shipped_sms`,
    /// `tracking_update`, `order_received`, `order_cancelled`, `refund_approved`,
    /// `refund_rejected`, `refund_paid`, `password_reset`, `verify_email`,
    /// `staff_new_order`, `staff_refund_requested`, `staff_low_stock`.
    pub kind: String,
    /// `email` or `sms`.
    pub channel: String,
    /// The customer it is for or about.
    pub user_id: Option<i64>,
    /// The order it is about.
    pub order_id: Option<i64>,
    /// `zh-CN` or `en`.
    pub locale: String,
    /// `pending`, `sent`, `failed`, `held` (no mail server configured), `skipped` (no
    /// address).
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// Why the last attempt did not send it.
    pub last_error: Option<String>,
    /// Whether staff may send it again (not for single-use links).
    pub resendable: bool,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, when it was handed to the server.
    pub sent_at: Option<String>,
}

impl From<&Message> for MessageView {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id,
            event_key: m.event_key.clone(),
            kind: m.kind.as_str().to_owned(),
            channel: m.channel.as_str().to_owned(),
            user_id: m.user_id,
            order_id: m.order_id,
            locale: m.locale.clone(),
            status: m.status.as_str().to_owned(),
            attempts: m.attempts,
            last_error: m.last_error.clone(),
            resendable: !m.kind.carries_secret(),
            created_at: m.created_at.to_rfc3339(),
            sent_at: m.sent_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// The message log of an order (`?order_id=`) or a customer (`?user_id=`), newest first,
/// the latest 200 (staff).
#[utoipa::path(get, path = "/api/v1/admin/messages", tag = "operations", security(("bearer" = [])), params(MessageParams),
    responses(
        (status = 200, description = "The messages, newest first", body = Page<MessageView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not exactly one of order_id and user_id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_messages(
    State(state): State<AppState>,
    _staff: Staff<area::Customers>,
    Query(p): Query<MessageParams>,
) -> ApiResult<Json<Page<MessageView>>> {
    let query = LogQuery {
        order_id: p.order_id.as_deref(),
        user_id: p.user_id.as_deref(),
    };
    let messages = messages::list_messages(&state, query).await?;
    Ok(Json(Page {
        data: messages.iter().map(MessageView::from).collect(),
        next_cursor: None,
    }))
}

/// Sends a message again (staff): a copy keyed `<event_key>:resend:<n>` is owed now and
/// goes out with the next delivery pass. Messages carrying a single-use link cannot be
/// resent (409 `not_resendable`).
#[utoipa::path(post, path = "/api/v1/admin/messages/{id}/resend", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Message id")),
    responses(
        (status = 201, description = "The copy, pending", body = MessageView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such message", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A single-use link cannot be resent", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resend_message(
    State(state): State<AppState>,
    _staff: Staff<area::Customers>,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<MessageView>)> {
    let copy = messages::resend_message(&state, id).await?;
    Ok((StatusCode::CREATED, Json(MessageView::from(&copy))))
}
