//! Request extractors that turn raw input into typed values or a problem+json answer:
//! JSON bodies (content type, size, field-naming errors), path and query parameters, and
//! the caller's identity.

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use emporium_domain::account::Role;
use emporium_store::accounts::Session;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use emporium_app::AppState;
use emporium_app::{guests, tokens};

/// The largest request body accepted (larger → 413).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON request body. Unlike `axum::Json` its rejections are problem+json documents that
/// name the offending field: 415 for another content type, 413 past [`BODY_LIMIT`], 400 for
/// malformed JSON, 422 for JSON that does not fit the expected shape.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(BODY_LIMIT)
            } else {
                ApiError::BadRequest {
                    detail: rejection.body_text(),
                    field: None,
                }
            }
        })?;
        parse_json(&bytes).map(JsonBody)
    }
}

fn is_json(content_type: Option<&header::HeaderValue>) -> bool {
    let Some(value) = content_type.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses JSON text into `T`, naming the field that does not fit.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every request body is an object. serde would also fill a struct from an array, by
    // position (`[null, null]` cleared a profile's display name and e-mail: found by
    // schemathesis), so anything else that is valid JSON is refused here.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{')
        && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
    {
        return Err(emporium_domain::FieldError::new("body", "must be a JSON object").into());
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            return ApiError::BadRequest {
                detail: format!("malformed JSON: {inner}"),
                field: None,
            };
        }
        let message = strip_position(&inner.to_string());
        ApiError::Validation(vec![emporium_domain::FieldError::new(
            field_name(&path, &message),
            message,
        )])
    })?;
    de.end().map_err(|e| ApiError::BadRequest {
        detail: format!("malformed JSON: {e}"),
        field: None,
    })?;
    Ok(value)
}

/// serde reports a missing or unknown field at the enclosing object; name the field itself.
fn field_name(path: &str, message: &str) -> String {
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix).and_then(|rest| rest.split('`').next()));
    match (path, named) {
        (".", Some(name)) => name.to_owned(),
        // An unknown field's path already ends in its own name.
        (_, Some(name)) if path == name || path.ends_with(&format!(".{name}")) => path.to_owned(),
        (_, Some(name)) => format!("{path}.{name}"),
        (".", None) => "body".to_owned(),
        (_, None) => path.to_owned(),
    }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Path parameters, with problem+json rejections (`/orders/abc` → 400 naming the parameter).
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::BadRequest {
            detail: r.body_text(),
            field: Some("path".into()),
        }
    }
}

/// Query parameters, with problem+json rejections.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::BadRequest {
            detail: r.body_text(),
            field: Some("query".into()),
        }
    }
}

/// The optional `Idempotency-Key` header (1–255 visible ASCII characters).
#[derive(Debug, Clone, Default)]
pub struct IdempotencyHeader(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(Self(None));
        };
        let key = value
            .to_str()
            .ok()
            .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()));
        key.map(|k| Self(Some(k.to_owned()))).ok_or_else(|| {
            emporium_domain::FieldError::new("Idempotency-Key", "must be 1–255 visible ASCII characters").into()
        })
    }
}

/// The logged-in caller; a handler that takes it answers 401 to everyone else.
#[derive(Debug, Clone)]
pub struct Auth(pub Session);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts)?;
        let session = state
            .store()
            .session(&tokens::hash(token), state.now())
            .await?
            // A guest's cart token is no login, whichever header carries it.
            .filter(|s| !s.user.guest)
            .ok_or(ApiError::Unauthenticated("the token is unknown, expired or revoked"))?;
        Ok(Auth(session))
    }
}

/// The caller if logged in, or nobody. A token that is sent but invalid is still a 401:
/// a client with a stale token should learn so rather than silently see less.
#[derive(Debug, Clone)]
pub struct MaybeAuth(pub Option<Session>);

impl MaybeAuth {
    /// Whether the caller is logged-in staff.
    pub fn is_staff(&self) -> bool {
        self.0.as_ref().is_some_and(|s| s.user.role == Role::Staff)
    }
}

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            Auth::from_request_parts(parts, state)
                .await
                .map(|Auth(s)| MaybeAuth(Some(s)))
        } else {
            Ok(MaybeAuth(None))
        }
    }
}

/// Logged-in staff: 401 without a valid session, 403 for a customer.
#[derive(Debug, Clone)]
pub struct Staff(pub Session);

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Auth(session) = Auth::from_request_parts(parts, state).await?;
        if session.user.role == Role::Staff {
            // The staff member is the actor of whatever this request writes (the audit
            // log reads it from the request's context: emporium_app::audit).
            emporium_app::audit::act_as(&session.user);
            Ok(Staff(session))
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// Whoever owns a cart: a logged-in user (`Authorization`), or a guest by its cart token
/// (`Cart-Token`, from `POST /carts`). The cart routes and checkout take it; 401 otherwise.
#[derive(Debug, Clone)]
pub struct Shopper(pub Session);

impl FromRequestParts<AppState> for Shopper {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return Auth::from_request_parts(parts, state).await.map(|Auth(s)| Shopper(s));
        }
        let CartToken(token) = CartToken::from_request_parts(parts, state).await?;
        let token = token.ok_or(ApiError::Unauthenticated(
            "log in and send Authorization: Bearer <token>, or send the Cart-Token of a guest cart (POST /api/v1/carts)",
        ))?;
        guests::cart_session(state, &token)
            .await?
            .map(Shopper)
            .ok_or(ApiError::Unauthenticated(
                "the cart token is unknown or expired; open a new cart",
            ))
    }
}

/// The optional `Cart-Token` header: a guest cart's token (its format checked).
#[derive(Debug, Clone, Default)]
pub struct CartToken(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for CartToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("cart-token") else {
            return Ok(Self(None));
        };
        match value.to_str().map(str::trim) {
            Ok(token) if tokens::looks_valid(token) => Ok(Self(Some(token.to_owned()))),
            _ => Err(ApiError::Unauthenticated("malformed Cart-Token header")),
        }
    }
}

/// Who may act on the order in the path (`{id}`): a logged-in user (the use case then
/// checks it is theirs, or staff), or whoever holds a guest order's link token
/// (`Order-Access-Token`). A well-formed token that is not the order's answers 404, like
/// an order that is not yours; a malformed one 401.
#[derive(Debug, Clone)]
pub struct OrderCaller(pub Session);

impl FromRequestParts<AppState> for OrderCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(value) = parts
            .headers
            .get("order-access-token")
            .filter(|_| !parts.headers.contains_key(header::AUTHORIZATION))
        else {
            return Auth::from_request_parts(parts, state)
                .await
                .map(|Auth(s)| OrderCaller(s));
        };
        // A malformed header is a 401 like a malformed bearer token; a well-formed token
        // that is not this order's is the 404 of an order that is not yours.
        let token = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|t| tokens::looks_valid(t))
            .ok_or(ApiError::Unauthenticated("malformed Order-Access-Token header"))?
            .to_owned();
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound("order"))?;
        let id = params
            .iter()
            .find(|(name, _)| *name == "id")
            .and_then(|(_, value)| value.parse::<i64>().ok())
            .ok_or(ApiError::NotFound("order"))?;
        Ok(OrderCaller(guests::order_session(state, id, &token).await?))
    }
}

/// The language a request prefers (`Accept-Language`), when it names one the shop speaks.
#[derive(Debug, Clone, Copy, Default)]
pub struct PreferredLocale(pub Option<emporium_domain::locale::Locale>);

impl<S: Send + Sync> FromRequestParts<S> for PreferredLocale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(emporium_domain::locale::Locale::negotiate),
        ))
    }
}

fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthenticated(
            "log in and send Authorization: Bearer <token>",
        ))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("malformed Authorization header"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && tokens::looks_valid(token.trim()) => {
            Ok(token.trim())
        }
        _ => Err(ApiError::Unauthenticated(
            "malformed Authorization header: expected Bearer <token>",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields exist to be deserialized")]
    struct Probe {
        name: String,
        count: u8,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[expect(dead_code, reason = "fields exist to be deserialized")]
    struct Inner {
        city: String,
    }

    fn field_of(json: &str) -> (u16, String) {
        match parse_json::<Probe>(json.as_bytes()) {
            Err(ApiError::Validation(errors)) => (422, errors[0].field.clone()),
            Err(ApiError::BadRequest { .. }) => (400, String::new()),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(field_of(r#"{"name": 1, "count": 1}"#), (422, "name".into()));
        assert_eq!(field_of(r#"{"name": "a", "count": 300}"#), (422, "count".into()));
        assert_eq!(field_of(r#"{"name": "a"}"#), (422, "count".into()));
        assert_eq!(
            field_of(r#"{"name": "a", "count": 1, "admin": true}"#),
            (422, "admin".into())
        );
        assert_eq!(
            field_of(r#"{"name": "a", "count": 1, "inner": {}}"#),
            (422, "inner.city".into())
        );
        assert_eq!(field_of(r#"{"name": "a", "#), (400, String::new()));
        assert_eq!(field_of(r#"{"name": "a", "count": 1} trailing"#), (400, String::new()));
        assert_eq!(field_of(r#"["a", 1, null]"#), (422, "body".into()));
        assert_eq!(field_of(" null"), (422, "body".into()));
        assert_eq!(field_of(r#"["a", 1"#), (400, String::new()));
    }

    #[test]
    fn json_content_types() {
        let v = |s: &'static str| Some(header::HeaderValue::from_static(s));
        assert!(is_json(v("application/json").as_ref()));
        assert!(is_json(v("Application/JSON; charset=utf-8").as_ref()));
        assert!(is_json(v("application/merge-patch+json").as_ref()));
        assert!(!is_json(v("text/plain").as_ref()));
        assert!(!is_json(None));
    }

    proptest::proptest! {
        /// Any bytes at all: an error naming the problem (400 or 422) or a value, never a
        /// panic. Request bodies reach this parser before anything else looks at them.
        #[test]
        fn any_bytes_parse_or_fail_cleanly(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            match parse_json::<Probe>(&body) {
                Ok(_) | Err(ApiError::BadRequest { .. } | ApiError::Validation(_)) => {}
                Err(other) => proptest::prop_assert!(false, "unexpected {other:?}"),
            }
        }

        /// JSON-shaped noise, which gets past the syntax check more often.
        #[test]
        fn json_shaped_noise_fails_cleanly(body in r#"[{}\[\]":,0-9a-z_ .\-e]{0,200}"#) {
            match parse_json::<Probe>(body.as_bytes()) {
                Ok(_) | Err(ApiError::BadRequest { .. } | ApiError::Validation(_)) => {}
                Err(other) => proptest::prop_assert!(false, "unexpected {other:?}"),
            }
        }
    }
}
