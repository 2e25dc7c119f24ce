//! Registration, login and logout.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::accounts::{self, ClientAddress, Credentials, LoggedIn, Registration};
use emporium_domain::account::Role;
use emporium_store::accounts::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, JsonBody};

/// A user's public profile. Never carries a password or token hash.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    /// User id.
    pub id: i64,
    /// Login name as registered.
    pub username: String,
    /// Contact address.
    pub email: Option<String>,
    /// Name shown on pages.
    pub display_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// `customer` or `staff`.
    #[schema(value_type = String, example = "customer")]
    pub role: Role,
    /// RFC 3339 UTC.
    pub created_at: String,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            email: u.email,
            display_name: u.display_name,
            phone: u.phone,
            role: u.role,
            created_at: u.created_at.to_rfc3339(),
        }
    }
}

/// Registration form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// 3–32 letters (any script), digits, `_`, `.` or `-`.
    #[schema(min_length = 3, max_length = 32)]
    pub username: String,
    /// 8–72 bytes.
    #[schema(min_length = 8, max_length = 72)]
    pub password: String,
    /// Optional contact address.
    pub email: Option<String>,
}

/// Creates a customer account.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered", body = UserView),
        (status = 409, description = "Username taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register_user(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let user = accounts::register(
        &state,
        Registration {
            username: &req.username,
            password: &req.password,
            email: req.email.as_deref(),
            locale: None,
            cart_token: None,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Login form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login name (any letter case).
    pub username: String,
    /// Password.
    pub password: String,
}

/// A new session.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`. Shown only once.
    pub token: String,
    /// RFC 3339 UTC; the token stops working then.
    pub expires_at: String,
    /// Who logged in.
    pub user: UserView,
}

/// Exchanges a username and password for a session token.
///
/// An unknown user and a wrong password get the same 401 after the same work (a bcrypt
/// check either way). Attempts are counted before the check, per (username, address),
/// per address and per username from addresses it never logged in from; past a budget
/// the answer is 429 with `Retry-After` (docs/API.md §2.6, SECURITY.md).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 401, description = "Wrong username or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing field", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address, or at this username from unknown addresses", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn log_in(
    State(state): State<AppState>,
    from: Option<Extension<ClientAddress>>,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let LoggedIn {
        token,
        expires_at,
        user,
    } = accounts::log_in(
        &state,
        Credentials {
            username: &req.username,
            password: &req.password,
            from: from.map(|Extension(a)| a).unwrap_or_default(),
            cart_token: None,
        },
    )
    .await?;
    Ok(Json(LoginResponse {
        token,
        expires_at: expires_at.to_rfc3339(),
        user: user.into(),
    }))
}

/// Ends the current session; its token stops working at once on this instance, and on
/// other instances within the session cache's lifetime (`--session-cache-ms`, 1 s).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn log_out(State(state): State<AppState>, Auth(session): Auth) -> ApiResult<StatusCode> {
    accounts::log_out(&state, session.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
