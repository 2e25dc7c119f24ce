//! The web pages: the shop at `/` and the staff pages at `/admin`, rendered on the server
//! from askama templates compiled into the binary (`crates/web/templates/`), with
//! their CSS and icons embedded too (`crates/web/assets/`), so they work offline.
//!
//! Pages are thin like the API handlers and call the same use cases (in `emporium-app`)
//! for anything that changes data, so both follow the same rules; this crate never
//! imports the API's. Every page speaks English and Chinese (`i18n.rs`); every form
//! carries a CSRF token (`csrf.rs`); the session is the API's own, carried in an
//! `HttpOnly; SameSite=Lax` cookie (`session.rs`). A visitor without a login shops on a
//! guest cart carried in a cookie of its own (`guest.rs`), checks out as a guest
//! (`guest_checkout.rs`) and follows the order by its link (`orders/link.rs`).

mod account;
mod admin;
mod assets;
mod chart;
mod checkout;
mod csrf;
mod flash;
mod guest;
mod guest_checkout;
mod i18n;
mod orders;
mod reviews;
mod session;
mod shop;
mod view;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};

use emporium_app::AppState;

/// How long the anonymous and language cookies last.
const YEAR_SECS: u64 = 365 * 24 * 3600;

/// Every page route, with the pages' middleware (language switch, anonymous cookie,
/// security headers). Assets are served beside them with long-lived cache headers.
pub fn routes(state: AppState) -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(shop::home))
        .route("/products", get(shop::products))
        .route("/products/{id}", get(shop::product))
        .route("/cart", get(shop::cart))
        .route("/cart/items/{id}", post(shop::set_cart_item))
        .route("/checkout", get(checkout::checkout).post(checkout::place_order))
        .route("/checkout/guest", post(guest_checkout::place_order))
        .route("/orders", get(orders::list))
        .route("/orders/lookup", get(orders::lookup_page).post(orders::lookup_order))
        .route("/orders/{id}", get(orders::detail))
        .route("/orders/{id}/pay", post(orders::pay))
        .route("/orders/{id}/cancel", post(orders::cancel))
        .route("/orders/{id}/confirm", post(orders::confirm))
        .route("/orders/{id}/refunds", post(orders::refund))
        .route("/orders/{id}/returns", post(orders::returns::ask))
        .route("/orders/{order}/reviews/{product}", post(reviews::write_review))
        .route("/login", get(account::login_page).post(account::log_in))
        .route("/register", get(account::register_page).post(account::register))
        .route("/logout", post(account::log_out))
        .route("/account", get(account::account_page))
        .route("/account/profile", post(account::update_profile))
        .route("/account/password", post(account::change_password))
        .route("/account/export", get(account::export_data))
        .route("/account/delete", post(account::delete_account))
        .route("/account/locale", post(account::set_locale))
        .route(
            "/account/forgot",
            get(account::forgot_page).post(account::request_reset),
        )
        .route("/account/reset", get(account::reset_page).post(account::reset_password))
        .route(
            "/account/verify-email",
            get(account::verify_email_page).post(account::verify_email),
        )
        .route("/account/verify-email/resend", post(account::resend_verification))
        .route("/account/addresses", post(account::add_address))
        .route(
            "/account/addresses/{id}",
            get(account::address_edit::edit).post(account::address_edit::update),
        )
        .route("/account/addresses/{id}/delete", post(account::delete_address))
        .merge(admin::routes())
        .layer(axum::middleware::from_fn_with_state(state, pages_middleware));
    pages.merge(assets::routes())
}

/// The session token a page request carries in its cookie, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    session::cookie(headers, session::SESSION_COOKIE)
}

/// The HTML 404 page, for paths no route serves when a browser asks (the server's
/// fallback decides between it and problem+json).
pub fn not_found_page() -> Response {
    view::not_found()
}

/// Runs around every page:
/// - `?lang=en|zh` on a GET stores the choice in a cookie and redirects to the same page
///   without it (so the switch link works on every page, and URLs stay clean);
/// - a visitor without the anonymous cookie gets one (their CSRF tokens are bound to it
///   until they log in);
/// - security headers: no framing, no sniffing, a strict content policy (no scripts),
///   and no caching of personal pages.
async fn pages_middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let secure = session::is_secure(req.headers(), &state);
    if req.method() == Method::GET
        && let Some((lang, rest)) = lang_param(req.uri())
    {
        let mut response = view::see_other(&rest);
        response.headers_mut().append(
            header::SET_COOKIE,
            session::set_cookie(i18n::LANG_COOKIE, lang.code(), YEAR_SECS, true, secure),
        );
        return response;
    }
    let mut new_anon = None;
    if session::cookie(req.headers(), session::ANON_COOKIE).is_none()
        && let Ok(value) = emporium_app::tokens::generate()
    {
        // Let this very request see it too, so its forms carry a valid token.
        let existing = req
            .headers()
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let combined = match existing {
            Some(c) if !c.is_empty() => format!("{c}; {}={value}", session::ANON_COOKIE),
            _ => format!("{}={value}", session::ANON_COOKIE),
        };
        if let Ok(v) = HeaderValue::from_str(&combined) {
            req.headers_mut().insert(header::COOKIE, v);
            new_anon = Some(value);
        }
    }
    let clock = view::PageClock {
        lang: i18n::Lang::negotiate(req.headers()),
        zone: state.config().time_zone.clone(),
    };
    let mut response = view::PAGE_CLOCK.scope(clock, next.run(req)).await;
    let headers = response.headers_mut();
    if let Some(value) = new_anon {
        headers.append(
            header::SET_COOKIE,
            session::set_cookie(session::ANON_COOKIE, &value, YEAR_SECS, true, secure),
        );
    }
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: http: https:; script-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    }
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        return view::not_found();
    }
    response
}

/// A valid `?lang=` in the URI, and the same path and query without it.
fn lang_param(uri: &axum::http::Uri) -> Option<(i18n::Lang, String)> {
    let query = uri.query()?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    let lang = pairs
        .iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| i18n::Lang::parse(v))?;
    let rest: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != "lang").collect();
    let path = uri.path();
    Some(if rest.is_empty() {
        (lang, path.to_owned())
    } else {
        (
            lang,
            format!("{path}?{}", serde_urlencoded::to_string(rest).unwrap_or_default()),
        )
    })
}
