//! Operational endpoints: liveness, readiness and Prometheus metrics.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::error::{ApiError, Problem};
use emporium_app::AppState;

/// 200 once the server accepts requests.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Alive", body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// 200 once the database answers; 503 otherwise.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = String),
        (status = 503, description = "Database unreachable", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    if state.store().ping().await {
        Ok("ready")
    } else {
        Err(ApiError::Unavailable)
    }
}

/// Prometheus text exposition: request counts and latency by route and status, and the
/// store's group-commit batch sizes.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        emporium_app::metrics::handle().render(),
    )
}
