//! The caller's privacy rights: everything the shop holds about them as one JSON
//! document, and deleting (anonymising) their account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::privacy;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, JsonBody};

/// Everything the shop holds about the caller, as one document (served as an
/// attachment, `emporium-export.json`).
#[utoipa::path(get, path = "/api/v1/me/export", tag = "me", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's data: profile, addresses, orders (lines, payment, shipment, refunds, history), reviews, messages, sessions (docs/API.md)", body = Object),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export_my_data(
    State(state): State<AppState>,
    Auth(session): Auth,
) -> ApiResult<([(axum::http::HeaderName, &'static str); 1], Json<serde_json::Value>)> {
    let export = privacy::export(&state, &session).await?;
    Ok((
        [(
            axum::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"emporium-export.json\"",
        )],
        Json(privacy::document(&export, state.now())),
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
