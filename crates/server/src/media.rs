//! `GET /media/…`: uploaded product images and the pictures the binary draws, from the
//! application layer's media storage. Only names the domain accepts are looked up
//! (`emporium_domain::media::MediaPath`: a SHA-256 and a known size, or a drawing's
//! name), so no path can reach another file; everything else is a 404.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use emporium_api::ApiError;
use emporium_app::AppState;
use emporium_app::media;

/// An upload's files never change under their name (it is the hash of the bytes).
const FOREVER: &str = "public, max-age=31536000, immutable";
/// A drawing may be redrawn by a newer binary, so it is kept for a day, as assets are.
const A_DAY: &str = "public, max-age=86400";
/// Nothing in a media file may run or load anything; an SVG may style itself.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// `/media/{*path}` (GET and HEAD).
pub fn routes() -> Router<AppState> {
    Router::new().route("/media/{*path}", get(serve_media))
}

async fn serve_media(State(state): State<AppState>, Path(path): Path<String>, headers: HeaderMap) -> Response {
    let file = match media::open(&state, &path).await {
        Ok(Some(file)) => file,
        Ok(None) => return ApiError::NotFound("media file").into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let Ok(etag) = HeaderValue::from_str(&file.etag) else {
        return ApiError::Internal(anyhow::anyhow!("an ETag that is no header value")).into_response();
    };
    let cache = HeaderValue::from_static(if file.immutable { FOREVER } else { A_DAY });
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == file.etag || t.trim() == "*"));
    let common = [
        (header::ETAG, etag),
        (header::CACHE_CONTROL, cache),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY)),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(header::CONTENT_TYPE, HeaderValue::from_static(file.content_type))],
        file.bytes,
    )
        .into_response()
}
