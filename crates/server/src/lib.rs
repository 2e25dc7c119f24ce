//! Emporium's server: one router that composes the JSON API (`emporium-api`) and the web
//! pages (`emporium-web`) with the middleware every request passes (request ids,
//! tracing, panics to problems, timeouts, body limits, write rate limits, metrics,
//! security headers), optional TLS, and [`Server::start`], which owns the lifecycle of
//! every background loop. The CLI, the tests and the bench all start a server through it.

pub mod limits;
mod media;
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
        .merge(media::routes())
        // Metrics per matched route; added before the fallbacks so unknown paths do not
        // create a label each.
        .route_layer(axum::middleware::from_fn(metrics::track))
        // Unknown paths: an HTML page for browsers, problem+json for everyone else.
        .fallback(fallback)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        // Inside the tracing and body-limit layers, so a 429 is logged with its request
        // id, yet before any handler touches the database.
        // Inside the limits (which resolve the client's address) and the request id.
        .layer(axum::middleware::from_fn(audit_context))
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
        // Outermost, so it sees every answer, including the timeout's and the limits'.
        .layer(axum::middleware::from_fn(problem_documents))
        .with_state(state)
}

/// Runs the request inside its audit context (`emporium_app::audit::scope`): its id, as
/// the request-id layer set or kept it, and the client's address, as the limits resolved
/// it. The staff gates add the actor; the use cases read all three when they record.
async fn audit_context(req: Request<axum::body::Body>, next: axum::middleware::Next) -> Response {
    let context = emporium_app::audit::RequestContext {
        request_id: req
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        ip: req
            .extensions()
            .get::<emporium_app::accounts::ClientAddress>()
            .and_then(|a| a.0)
            .map(|ip| ip.to_string()),
        actor: None,
    };
    emporium_app::audit::scope(context, next.run(req)).await
}

/// The longest request target (path and query) served; a longer one is a `414` problem.
/// Nothing of ours needs more, and hyper itself refuses past 64 KiB with a bare `414`.
pub const MAX_URI_BYTES: usize = 16 * 1024;

/// Every refusal is a problem document (pages send their own HTML): the answers made
/// outside our handlers, such as an extractor's `413` in plain text or the timeout's
/// empty `408`, are rewritten here with their status, words and headers kept. This is
/// the one place that rule lives, so a new extractor or layer cannot break it.
async fn problem_documents(req: Request<axum::body::Body>, next: axum::middleware::Next) -> Response {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_URI_BYTES {
        return ApiError::Refused {
            status: StatusCode::URI_TOO_LONG,
            detail: format!("the request target is longer than {MAX_URI_BYTES} bytes"),
        }
        .into_response();
    }
    let response = next.run(req).await;
    let status = response.status();
    if status.is_server_error() {
        // Every 5xx the server answers, panics and outer layers included: the test suites
        // and the schema fuzzer fail on it (a 503 says the database is out of reach).
        ::metrics::counter!("emporium_http_server_errors_total", "status" => status.as_u16().to_string()).increment(1);
    }
    let content_type = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let documented = content_type.starts_with("application/problem+json")
        || content_type.starts_with("text/html")
        || response
            .extensions()
            .get::<emporium_api::payments::ProviderFormat>()
            .is_some();
    if !(status.is_client_error() || status.is_server_error()) || documented {
        return response;
    }
    let (parts, body) = response.into_parts();
    // What axum's rejections say is short; anything longer is cut, not buffered.
    let said = axum::body::to_bytes(body, 4 * 1024).await.unwrap_or_default();
    let said = String::from_utf8_lossy(&said).trim().to_owned();
    let detail = if said.is_empty() {
        status.canonical_reason().unwrap_or("refused").to_owned()
    } else {
        said
    };
    let mut problem = ApiError::Refused { status, detail }.into_response();
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            problem.headers_mut().append(name, value.clone());
        }
    }
    problem
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
