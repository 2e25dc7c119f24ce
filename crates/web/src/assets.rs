//! The pages' static files, embedded in the binary and served with long cache lifetimes
//! (their content changes only with a new binary).

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use emporium_app::AppState;

const CSS: &str = include_str!("../assets/app.css");
const ICON: &str = include_str!("../assets/icon.svg");
const PLACEHOLDER: &str = include_str!("../assets/placeholder.svg");
/// Five stars: the mask the rating bars are filled through.
const STARS: &str = include_str!("../assets/stars.svg");

/// `/assets/…`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/assets/app.css",
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
        .route("/assets/icon.svg", get(|| async { asset("image/svg+xml", ICON) }))
        .route("/assets/stars.svg", get(|| async { asset("image/svg+xml", STARS) }))
        .route(
            "/assets/placeholder.svg",
            get(|| async { asset("image/svg+xml", PLACEHOLDER) }),
        )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        body,
    )
        .into_response()
}
