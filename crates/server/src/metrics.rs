//! Request metrics: a counter and a latency histogram per route and status, recorded
//! into the process's recorder (`emporium_app::metrics`).

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

/// Middleware: counts each request and records its latency under its route template
/// (`/api/v1/me/addresses/{id}`, never the raw path, so labels stay few).
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("emporium_http_requests_total", &labels).increment(1);
    metrics::histogram!("emporium_http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}
