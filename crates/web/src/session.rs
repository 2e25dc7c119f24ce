//! Who is visiting: the session cookie (the same opaque sessions the API's bearer tokens
//! use), the anonymous cookie that anchors CSRF tokens before login, the guest cart's
//! cookie, and the language.

use axum::extract::FromRequestParts;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use emporium_domain::account::Role;
use emporium_domain::staff::{Permission, Permissions};
use std::sync::Arc;

use emporium_store::accounts::Session;
use emporium_store::categories::CategoryTree;

use super::csrf;
use super::i18n::{Lang, Texts};
use super::view::WebError;
use emporium_app::AppState;
use emporium_app::tokens;

/// The cookie carrying the session token.
pub const SESSION_COOKIE: &str = "emporium_session";
/// A random per-browser value that CSRF tokens of anonymous visitors are bound to.
pub const ANON_COOKIE: &str = "emporium_anon";
/// The cookie carrying a guest cart's token (a visitor without a login who added to the
/// cart). It is a cart, never a login: [`Visitor`] does not take it as a session.
pub const CART_COOKIE: &str = "emporium_cart";

/// The value of cookie `name` in the request, if sent.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// Whether cookies must carry `Secure`: the request came over TLS (as a proxy in front
/// reports with `X-Forwarded-Proto`), or the shop's public URL is https.
pub fn is_secure(headers: &HeaderMap, state: &AppState) -> bool {
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    forwarded || state.config().public_url.starts_with("https://")
}

/// A `Set-Cookie` value with the flags every cookie of ours carries.
pub fn set_cookie(name: &str, value: &str, max_age_secs: u64, http_only: bool, secure: bool) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/; Max-Age={max_age_secs}; SameSite=Lax");
    if http_only {
        cookie.push_str("; HttpOnly");
    }
    if secure {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

/// The visitor of a page: their session if logged in, their language, and the CSRF token
/// their forms must carry.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// The logged-in session, if any.
    pub session: Option<Session>,
    /// The language of the page.
    pub lang: Lang,
    /// The CSRF token of this visitor.
    pub csrf: String,
    /// The request's path and query (for the language switch and `?next=`).
    pub path: String,
    /// The guest cart's token from its cookie, if one is sent (not checked yet: see
    /// `guest::shopper`).
    pub cart_token: Option<String>,
    /// Units in the visitor's cart (their account's, or the guest cart's), for the header.
    pub cart_count: i64,
    /// The category tree (cached by the store), for the header's category links.
    pub categories: Arc<CategoryTree>,
}

impl Visitor {
    /// The messages in the visitor's language.
    pub fn t(&self) -> &'static Texts {
        self.lang.texts()
    }

    /// The logged-in session, or a redirect to the login page that comes back here.
    pub fn user(&self) -> Result<&Session, WebError> {
        self.session
            .as_ref()
            .ok_or_else(|| WebError::LoginRequired(self.path.clone()))
    }

    /// Logged-in staff allowed in `area` of the back office: anonymous visitors are sent
    /// to log in; customers, and staff whose role lacks the permission, get the 403 page.
    /// Every admin handler starts with this one call, naming its area.
    pub fn staff(&self, area: Permission) -> Result<&Session, WebError> {
        emporium_app::staff::require(self.user()?, area).map_err(|_| WebError::Forbidden)
    }

    /// Whether the visitor is logged-in staff (of any role).
    pub fn is_staff(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.user.role == Role::Staff)
    }

    /// What the visitor may do in the back office (nothing unless enabled staff).
    pub fn permissions(&self) -> Permissions {
        self.session
            .as_ref()
            .map_or(Permissions::NONE, |s| s.user.permissions())
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = match cookie(&parts.headers, SESSION_COOKIE).filter(|t| tokens::looks_valid(t)) {
            Some(token) => state
                .store()
                .session(&tokens::hash(&token), state.now())
                .await
                .map_err(|e| WebError::App(e.into()))?
                // A guest's cart session is a cart, never a login, whatever cookie
                // carries its token.
                .filter(|s| !s.user.guest),
            None => None,
        };
        // The anonymous cookie is set by the web middleware on the first visit.
        let anon = cookie(&parts.headers, ANON_COOKIE).unwrap_or_default();
        let csrf = csrf::token(state, session.as_ref().map(|s| s.id), &anon);
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let cart_token = cookie(&parts.headers, CART_COOKIE).filter(|t| tokens::looks_valid(t));
        let cart_owner = match (&session, &cart_token) {
            (Some(s), _) => Some(s.user.id),
            (None, Some(token)) => emporium_app::guests::cart_session(state, token)
                .await
                .map_err(WebError::App)?
                .map(|s| s.user.id),
            (None, None) => None,
        };
        let cart_count = match cart_owner {
            Some(id) => state
                .store()
                .cart_units(id)
                .await
                .map_err(|e| WebError::App(e.into()))?,
            None => 0,
        };
        let categories = state
            .store()
            .category_tree()
            .await
            .map_err(|e| WebError::App(e.into()))?;
        Ok(Self {
            session,
            // The pages middleware has read it already for the page's clock.
            lang: super::view::PAGE_CLOCK
                .try_with(|c| c.lang)
                .unwrap_or_else(|_| Lang::negotiate(&parts.headers)),
            csrf,
            path,
            cart_token,
            cart_count,
            categories,
        })
    }
}
