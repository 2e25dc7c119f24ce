//! Emporium's HTTP layer: the JSON API under `/api/v1`, the conventions every route
//! follows (problem+json errors, body limits, request ids, metrics, tracing), and the
//! OpenAPI description with its docs page, and the web pages (`web/`) of the shop and
//! its admin. Handlers are thin; the rules live in
//! `emporium-domain` and the data in `emporium-store`.

pub mod api;
pub mod cursor;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod metrics;
pub mod order_cache;
pub mod passwords;
pub mod recommendations;
pub mod sandbox;
pub mod search_sync;
pub mod state;
pub mod tokens;
mod web;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa_swagger_ui::SwaggerUi;

pub use error::ApiError;
pub use state::{AppState, ServerConfig};

/// How long one request may take before it is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole application: API routes, docs, fallbacks and the middleware stack.
pub fn router(state: AppState) -> Router {
    // Install the recorder before the first request, or its samples would be dropped.
    metrics::handle();
    let (api, openapi) = api::routes().split_for_parts();
    let docs = SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi);
    Router::new()
        .merge(api)
        .merge(docs)
        .merge(sandbox::routes())
        .merge(web::routes(state.clone()))
        // Metrics per matched route; added before the fallbacks so unknown paths do not
        // create a label each.
        .route_layer(axum::middleware::from_fn(metrics::track))
        // Unknown paths: an HTML page for browsers, problem+json for everyone else.
        .fallback(web::fallback)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request<_>| {
                            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                        })
                        .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(tower_http::LatencyUnit::Micros)),
                )
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CatchPanicLayer::custom(|_| panic_response()))
                .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
                .layer(DefaultBodyLimit::max(extract::BODY_LIMIT)),
        )
        .with_state(state)
}

/// A panic is a bug; the client still gets a problem document, never a stack trace.
fn panic_response() -> Response {
    ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting and lets
/// requests in flight finish (graceful shutdown).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}
