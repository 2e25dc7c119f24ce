//! The pages' static files, embedded in the binary.
//!
//! Pages link each file by a URL carrying a fingerprint of its content
//! (`/assets/app.css?v=3f2a…`, see [`url`]). A URL that names the current fingerprint is
//! cached by browsers for a year without asking again; a new binary whose file changed
//! links a new URL, so nobody keeps an old stylesheet after an upgrade. A request without
//! the fingerprint, or with an old one (a page cached from the binary before), gets the
//! current file with a short lifetime.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use emporium_app::AppState;

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: String,
    /// `v=` and the fingerprint: what a current URL's query is.
    version: String,
    /// The URL pages link: `/assets/{name}?{version}`.
    url: String,
}

impl Asset {
    fn new(name: &'static str, content_type: &'static str, body: String) -> Self {
        // FNV-1a: a fingerprint, not a defence; any change of content changes it.
        let hash = body.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let version = format!("v={:012x}", hash >> 16);
        let url = format!("/assets/{name}?{version}");
        Self {
            name,
            content_type,
            body,
            version,
            url,
        }
    }
}

/// The files. The stylesheet is last because it links the star mask by its URL, which
/// carries the mask's fingerprint: a new mask gives the stylesheet a new one too.
static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    let svg = "image/svg+xml";
    let icon = Asset::new("icon.svg", svg, include_str!("../assets/icon.svg").to_owned());
    let placeholder = Asset::new(
        "placeholder.svg",
        svg,
        include_str!("../assets/placeholder.svg").to_owned(),
    );
    // Five stars: the mask the rating bars are filled through.
    let stars = Asset::new("stars.svg", svg, include_str!("../assets/stars.svg").to_owned());
    let css = include_str!("../assets/app.css").replace("url(/assets/stars.svg)", &format!("url({})", stars.url));
    let css = Asset::new("app.css", "text/css; charset=utf-8", css);
    vec![icon, placeholder, stars, css]
});

/// The URL pages link `name` by (`"app.css"` → `/assets/app.css?v=…`). A name with no
/// file is a mistake in a template, which the page tests catch as a 404.
pub fn url(name: &str) -> &'static str {
    ASSETS
        .iter()
        .find(|a| a.name == name)
        .map_or("/assets/missing", |a| a.url.as_str())
}

/// `/assets/{name}`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/assets/{name}", get(serve))
}

async fn serve(Path(name): Path<String>, RawQuery(query): RawQuery) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return super::view::not_found();
    };
    let cache = if query.as_deref() == Some(asset.version.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        asset.body.as_str(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_url_names_its_content() {
        let css = ASSETS.iter().find(|a| a.name == "app.css").unwrap();
        assert!(url("app.css").starts_with("/assets/app.css?v="));
        assert!(
            css.body.contains(&format!("url({})", url("stars.svg"))),
            "the stylesheet links the mask by its current URL"
        );
        assert!(!css.body.contains("url(/assets/stars.svg)"));
        let versions: std::collections::HashSet<_> = ASSETS.iter().map(|a| &a.version).collect();
        assert_eq!(versions.len(), ASSETS.len(), "different files, different fingerprints");
        assert_eq!(url("nothing.css"), "/assets/missing");
    }
}
