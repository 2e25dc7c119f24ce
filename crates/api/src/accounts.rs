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
use crate::extract::{Auth, CartToken, JsonBody, PreferredLocale};

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
    /// Whether `email` was proven by a link.
    pub email_verified: bool,
    /// An address waiting for its link to be followed before it replaces `email`
    /// (`GET /me` and `PATCH /me` only).
    pub pending_email: Option<String>,
    /// The language messages are written in: `zh-CN` or `en`.
    pub locale: String,
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
            email_verified: u.email_verified,
            pending_email: None,
            locale: u.locale,
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
    CartToken(cart): CartToken,
    PreferredLocale(locale): PreferredLocale,
    JsonBody(req): JsonBody<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let user = accounts::register(
        &state,
        Registration {
            username: &req.username,
            password: &req.password,
            email: req.email.as_deref(),
            locale,
            cart_token: cart.as_deref(),
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
    CartToken(cart): CartToken,
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
            cart_token: cart.as_deref(),
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

/// Asking for a password-reset link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The account's username or email address.
    pub login: String,
}

/// Sends a password-reset link (valid 30 minutes, single use) to the email address of
/// the account named by username or email. The answer is 202 whether or not such an
/// account exists, and takes the same time either way; at most 3 links per account and 10
/// requests per client address each 15 minutes (then 429).
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "accounts", request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the account exists and has an email address, a link is on its way"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn request_password_reset(
    State(state): State<AppState>,
    from: Option<Extension<ClientAddress>>,
    JsonBody(req): JsonBody<PasswordResetRequest>,
) -> ApiResult<StatusCode> {
    let from = from.map(|Extension(a)| a).unwrap_or_default();
    accounts::request_password_reset(&state, &req.login, from).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Setting a new password with a reset link's token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirmRequest {
    /// The token from the link.
    pub token: String,
    /// 8–72 bytes.
    #[schema(min_length = 8, max_length = 72)]
    pub new_password: String,
}

/// Sets a new password with a reset link's token. The token is used up and every session
/// of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "accounts", request_body = PasswordResetConfirmRequest,
    responses(
        (status = 204, description = "Password set; every session revoked"),
        (status = 422, description = "A token that is unknown, used or expired (`invalid_token`), or an invalid password", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm_password_reset(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<PasswordResetConfirmRequest>,
) -> ApiResult<StatusCode> {
    accounts::reset_password(&state, &req.token, &req.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Proving an email address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    /// The token from the link.
    pub token: String,
}

/// An address proven.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VerifiedView {
    /// The account, with its verified address.
    pub user: UserView,
    /// Guest orders placed with the address that joined the account.
    pub attached_orders: u64,
}

/// Proves an email address with its link's token (valid 24 hours, single use): it
/// becomes the account's address, verified, and guest orders placed with it join the
/// account.
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "accounts", request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "Verified", body = VerifiedView),
        (status = 422, description = "A token that is unknown, used or expired (`invalid_token`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify_email(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<VerifyEmailRequest>,
) -> ApiResult<Json<VerifiedView>> {
    let verified = accounts::verify_email(&state, &req.token).await?;
    Ok(Json(VerifiedView {
        user: verified.user.into(),
        attached_orders: verified.attached_orders,
    }))
}
