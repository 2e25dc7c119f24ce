//! Cross-site request forgery defences for the pages' forms:
//!
//! 1. every POST form carries a token, `HMAC-SHA256(secret, session id or anonymous
//!    cookie)`, in a hidden `csrf` field; a page request that changes anything checks it
//!    ([`super::view::Posted`] does, so a handler cannot forget);
//! 2. a POST whose `Origin` header names another origin is refused outright;
//! 3. the session cookie is `SameSite=Lax`, so other sites' forms do not carry it.

use axum::http::HeaderMap;
use axum::http::header;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use emporium_app::AppState;

/// The token a visitor's forms carry: bound to their session when logged in, else to
/// their anonymous cookie, and signed with the server's secret.
pub fn token(state: &AppState, session_id: Option<i64>, anon: &str) -> String {
    let subject = match session_id {
        Some(id) => format!("session:{id}"),
        None => format!("anon:{anon}"),
    };
    hex::encode(mac(state, &subject).finalize().into_bytes())
}

/// Whether `sent` is the right token for this visitor (compared in constant time).
pub fn verify(state: &AppState, session_id: Option<i64>, anon: &str, sent: &str) -> bool {
    let subject = match session_id {
        Some(id) => format!("session:{id}"),
        None => format!("anon:{anon}"),
    };
    // An anonymous visitor without the cookie has no token to match.
    if session_id.is_none() && anon.is_empty() {
        return false;
    }
    hex::decode(sent).is_ok_and(|bytes| mac(state, &subject).verify_slice(&bytes).is_ok())
}

fn mac(state: &AppState, subject: &str) -> Hmac<Sha256> {
    // Keyed with the cursor secret under a distinct label, so no new secret needs storing
    // and a cursor can never double as a CSRF token.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(state.cursors().key()).expect("HMAC takes any key length");
    mac.update(b"emporium-csrf-v1\0");
    mac.update(subject.as_bytes());
    mac
}

/// Whether a state-changing request comes from another origin: its `Origin` header (when
/// the browser sends one) must name the host the request was sent to, or the shop's
/// public URL (behind a proxy that rewrites `Host`).
pub fn is_cross_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let authority = |url: &str| {
        url.split_once("://")
            .map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""))
            .to_ascii_lowercase()
    };
    let origin_host = authority(origin);
    let same =
        !origin_host.is_empty() && (origin_host == host.to_ascii_lowercase() || origin_host == authority(public_url));
    origin == "null" || !same
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&'static str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "shop.example:8080".parse().expect("host"));
        if let Some(o) = origin {
            h.insert(header::ORIGIN, o.parse().expect("origin"));
        }
        h
    }

    #[test]
    fn only_foreign_origins_are_cross_origin() {
        let public = "https://www.shop.example";
        assert!(!is_cross_origin(&headers(None), public));
        assert!(!is_cross_origin(&headers(Some("http://shop.example:8080")), public));
        assert!(!is_cross_origin(&headers(Some("https://SHOP.example:8080")), public));
        assert!(!is_cross_origin(&headers(Some("https://www.shop.example")), public));
        assert!(is_cross_origin(&headers(Some("http://evil.example")), public));
        assert!(is_cross_origin(&headers(Some("http://shop.example:9999")), public));
        assert!(is_cross_origin(&headers(Some("null")), public));
        assert!(is_cross_origin(&headers(Some("garbage")), public));
    }
}
