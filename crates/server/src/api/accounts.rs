//! Registration, login and logout.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_domain::Invalid;
use emporium_domain::account::{Email, Password, Role, Username};
use emporium_domain::throttle::{self, Verdict};
use emporium_domain::time::Timestamp;
use emporium_store::accounts::{NewSession, NewUser, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, JsonBody};
use crate::state::AppState;
use crate::tokens;

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
    let user = register(&state, &req).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Registers a customer account (shared by the API and the register page).
pub(crate) async fn register(state: &AppState, req: &RegisterRequest) -> ApiResult<User> {
    let (username, password, email) = match (
        Username::parse(&req.username),
        Password::parse("password", &req.password),
        req.email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(Email::parse)
            .transpose(),
    ) {
        (Ok(u), Ok(p), Ok(e)) => (u, p, e),
        (u, p, e) => return Err(Invalid::of([u.err(), p.err(), e.err()]).into()),
    };
    let password_hash = state
        .passwords()
        .hash(&password)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let user = state
        .store()
        .create_user(
            NewUser {
                username,
                password_hash,
                email,
                role: Role::Customer,
            },
            state.now(),
        )
        .await?;
    tracing::info!(user.id = user.id, "user registered");
    Ok(user)
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
/// check either way). After 10 failures for one username within 15 minutes, further
/// attempts get 429 with `Retry-After` until the oldest failure is 15 minutes old.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 401, description = "Wrong username or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing field", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures for this username", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn log_in(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let (token, expires_at, user) = authenticate(&state, &req).await?;
    Ok(Json(LoginResponse {
        token,
        expires_at: expires_at.to_rfc3339(),
        user: user.into(),
    }))
}

/// Checks a username and password (with the login throttle) and opens a session; answers
/// the new token, its expiry and the user. Shared by the API and the login page, so both
/// are throttled alike.
pub(crate) async fn authenticate(state: &AppState, req: &LoginRequest) -> ApiResult<(String, Timestamp, User)> {
    let now = state.now();
    // A name that could never have registered matches nobody: skip the look-ups (and
    // keep junk out of the failure record) but still pay for a decoy hash check.
    let plausible = Username::parse(&req.username).is_ok() && req.password.len() <= Password::MAX_BYTES;
    let credentials = if plausible {
        refuse_if_locked(state, &req.username, now).await?;
        state.store().credentials(&req.username).await?
    } else {
        None
    };
    let hash = credentials.as_ref().map(|(_, hash)| hash.as_str());
    let valid = state
        .passwords()
        .verify(&req.password, hash)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let Some((user, _)) = credentials.filter(|_| valid) else {
        if plausible {
            state
                .store()
                .record_login_failure(&req.username, now, now.minus(throttle::WINDOW))
                .await?;
        }
        return Err(ApiError::InvalidCredentials);
    };
    let token = tokens::generate().map_err(|e| ApiError::Internal(e.into()))?;
    let expires_at = now.plus(state.config().session_ttl);
    let session = NewSession {
        token_hash: tokens::hash(&token),
        created_at: now,
        expires_at,
    };
    state.store().create_session(&user, session).await?;
    tracing::info!(user.id = user.id, "logged in");
    Ok((token, expires_at, user))
}

/// 429 while `username` has had too many failed password checks in the window (login
/// and password change share the record).
pub(crate) async fn refuse_if_locked(state: &AppState, username: &str, now: Timestamp) -> ApiResult<()> {
    let (failures, oldest) = state
        .store()
        .login_failures_since(username, now.minus(throttle::WINDOW))
        .await?;
    match throttle::verdict(now, failures, oldest) {
        Verdict::Locked { retry_after } => Err(ApiError::RateLimited(retry_after)),
        Verdict::Allowed => Ok(()),
    }
}

/// Ends the current session; its token stops working at once on this instance, and on
/// other instances within the session cache's lifetime (`--session-cache-ms`, 1 s).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn log_out(State(state): State<AppState>, Auth(session): Auth) -> ApiResult<StatusCode> {
    state.store().delete_session(session.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
