//! Emporium's server: one router that composes the JSON API (`emporium-api`) and the web
//! pages (`emporium-web`) with the middleware every request passes (request ids,
//! tracing, panics to problems, timeouts, body limits, write rate limits, metrics,
//! security headers), optional TLS, and [`Server::start`], which owns the lifecycle of
//! every background loop. The CLI, the tests and the bench all start a server through it.

pub mod limits;
pub mod metrics;
mod server;
pub mod tls;

pub use server::{Background, Running, Server};

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

use emporium_api::ApiError;
use emporium_app::AppState;

use crate::limits::Limiters;

/// How long one request may take before it is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole application: API routes, docs, fallbacks and the middleware stack, with the
/// write rate limits of `limiters`.
pub fn router(state: AppState, limiters: std::sync::Arc<Limiters>) -> Router {
    // Install the recorder before the first request, or its samples would be dropped.
    emporium_app::metrics::handle();
    let (api, openapi) = emporium_api::routes().split_for_parts();
    let docs = SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi);
    Router::new()
        .merge(api)
        .merge(docs)
        .merge(emporium_api::sandbox::routes())
        .merge(emporium_web::routes(state.clone()))
        // Metrics per matched route; added before the fallbacks so unknown paths do not
        // create a label each.
        .route_layer(axum::middleware::from_fn(metrics::track))
        // Unknown paths: an HTML page for browsers, problem+json for everyone else.
        .fallback(fallback)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        // Inside the tracing and body-limit layers, so a 429 is logged with its request
        // id, yet before any handler touches the database.
        .layer(axum::middleware::from_fn_with_state(limiters, limits::limit_writes))
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
                .layer(DefaultBodyLimit::max(emporium_api::extract::BODY_LIMIT)),
        )
        .with_state(state)
}

/// The answer for paths no route serves: the HTML 404 page for browsers, problem+json for
/// the API and every other client.
async fn fallback(method: axum::http::Method, headers: axum::http::HeaderMap, uri: axum::http::Uri) -> Response {
    let wants_html = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html && method == axum::http::Method::GET && !uri.path().starts_with("/api/") {
        emporium_web::not_found_page()
    } else {
        ApiError::NotFound("route").into_response()
    }
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
