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
pub mod limits;
pub mod metrics;
pub mod order_cache;
pub mod passwords;
pub mod recommendations;
pub mod sandbox;
pub mod search_sync;
pub mod state;
pub mod tls;
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
        // Inside the tracing and body-limit layers, so a 429 is logged with its request
        // id, yet before any handler touches the database.
        .layer(axum::middleware::from_fn_with_state(state.clone(), limits::limit_writes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security_headers))
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

/// Headers every answer carries (pages add their content policy in `web`): no MIME
/// sniffing, and, when the shop is served over https, HSTS so browsers never fall back
/// to plain http.
async fn security_headers(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::X_CONTENT_TYPE_OPTIONS,
        axum::http::HeaderValue::from_static("nosniff"),
    );
    if state.config().public_url.starts_with("https://") {
        headers.insert(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            axum::http::HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
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
    // The peer address feeds the per-address write limits (`limits`).
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
