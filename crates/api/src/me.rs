//! The logged-in user's own data: profile, password and address book. Every query is
//! scoped to the session's user, so nobody reaches another's data through these routes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::accounts::{self, ProfileEdit};
use emporium_domain::address::AddressInput;
use emporium_store::accounts::Address;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Page;
use super::accounts::UserView;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, JsonBody, Path, Shopper};

/// The caller's profile.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = UserView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_profile(State(state): State<AppState>, Auth(session): Auth) -> ApiResult<Json<UserView>> {
    // Read afresh: the session's copy of the user may be a cached one (see the store's
    // session cache), and a profile just changed on another instance must show here.
    profile(&state, state.store().user(session.user.id).await?)
        .await
        .map(Json)
}

/// A user as `/me` shows them: with the address waiting for proof, if any.
async fn profile(state: &AppState, user: emporium_store::accounts::User) -> ApiResult<UserView> {
    let pending_email = state.store().pending_email(user.id, state.now()).await?;
    Ok(UserView {
        pending_email,
        ..user.into()
    })
}

/// Profile changes. An absent field stays as it is; `null` or `""` clears it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    /// 1–64 characters.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    pub display_name: Option<Option<String>>,
    /// An e-mail address.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// A phone number.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// The language of the account's messages: `zh-CN` or `en`.
    pub locale: Option<String>,
}

/// Updates the caller's display name, e-mail, phone or message language. A new e-mail
/// address takes effect only once the link sent to it is followed (it shows as
/// `pending_email` until then); clearing it takes effect at once. Other fields (role,
/// username) are refused as unknown.
#[utoipa::path(patch, path = "/api/v1/me", tag = "me", security(("bearer" = [])), request_body = UpdateProfileRequest,
    responses(
        (status = 200, description = "The updated profile", body = UserView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_profile(
    State(state): State<AppState>,
    Auth(session): Auth,
    JsonBody(req): JsonBody<UpdateProfileRequest>,
) -> ApiResult<Json<UserView>> {
    let edit = ProfileEdit {
        display_name: req.display_name,
        email: req.email,
        phone: req.phone,
        locale: req.locale,
    };
    let user = accounts::update_profile(&state, session.user.id, edit).await?;
    profile(&state, user).await.map(Json)
}

/// Sends the link that proves the caller's email address again (to the address waiting
/// for proof, if any, else to the unverified address of the account).
#[utoipa::path(post, path = "/api/v1/me/email-verification", tag = "me", security(("bearer" = [])),
    responses(
        (status = 202, description = "A new link is on its way; earlier ones stop working"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Nothing to verify (`nothing_to_verify`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resend_verification(State(state): State<AppState>, Auth(session): Auth) -> ApiResult<StatusCode> {
    let user = state.store().user(session.user.id).await?;
    accounts::resend_verification(&state, &user).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Password change form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password in use now.
    pub current_password: String,
    /// 8–72 bytes.
    #[schema(min_length = 8, max_length = 72)]
    pub new_password: String,
}

/// Changes the caller's password and ends every other session of theirs.
///
/// A wrong current password counts as a failed login for the account (so a stolen
/// session cannot be used to guess the password faster than the login form allows).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", security(("bearer" = [])), request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; other sessions revoked"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong current password or invalid new one", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong passwords", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    Auth(session): Auth,
    JsonBody(req): JsonBody<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    accounts::change_password(&state, &session, &req.current_password, &req.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An address in the book.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AddressView {
    /// Address id.
    pub id: i64,
    /// Who receives the parcel.
    pub recipient: String,
    /// A number the carrier can call.
    pub phone: String,
    /// Street and number.
    pub line1: String,
    /// Flat, floor, building.
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// Province, state or region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// RFC 3339 UTC.
    pub created_at: String,
}

impl From<Address> for AddressView {
    fn from(a: Address) -> Self {
        let f = a.fields;
        Self {
            id: a.id,
            recipient: f.recipient,
            phone: f.phone,
            line1: f.line1,
            line2: f.line2,
            city: f.city,
            region: f.region,
            postal_code: f.postal_code,
            country: f.country,
            created_at: a.created_at.to_rfc3339(),
        }
    }
}

/// A new address.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddAddressRequest {
    /// 1–64 characters.
    #[schema(min_length = 1)]
    pub recipient: String,
    /// Digits with optional `+`, spaces, `-`, parentheses; 3–32 characters, 3 digits at least.
    #[schema(min_length = 3, pattern = r"^[\s0-9+()-]*$")]
    pub phone: String,
    /// 1–200 characters.
    #[schema(min_length = 1)]
    pub line1: String,
    /// Up to 200 characters.
    pub line2: Option<String>,
    /// 1–100 characters.
    #[schema(min_length = 1)]
    pub city: String,
    /// Up to 100 characters.
    pub region: Option<String>,
    /// Up to 20 characters.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 code, e.g. `CN` (either letter case).
    #[schema(pattern = r"^\s*[A-Za-z]{2}\s*$")]
    pub country: String,
}

impl AddAddressRequest {
    /// The fields as the address rules read them.
    pub(crate) fn input(&self) -> AddressInput<'_> {
        AddressInput {
            recipient: &self.recipient,
            phone: &self.phone,
            line1: &self.line1,
            line2: self.line2.as_deref(),
            city: &self.city,
            region: self.region.as_deref(),
            postal_code: self.postal_code.as_deref(),
            country: &self.country,
        }
    }
}

/// The caller's addresses, oldest first (at most 20, so always one page).
#[utoipa::path(get, path = "/api/v1/me/addresses", tag = "me", security(("bearer" = []), ("cart_token" = [])),
    responses(
        (status = 200, description = "The address book", body = Page<AddressView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_addresses(
    State(state): State<AppState>,
    Shopper(session): Shopper,
) -> ApiResult<Json<Page<AddressView>>> {
    let addresses = state.store().addresses(session.user.id).await?;
    Ok(Json(Page {
        data: addresses.into_iter().map(Into::into).collect(),
        next_cursor: None,
    }))
}

/// Adds an address to the caller's book.
#[utoipa::path(post, path = "/api/v1/me/addresses", tag = "me", security(("bearer" = []), ("cart_token" = [])), request_body = AddAddressRequest,
    responses(
        (status = 201, description = "Added", body = AddressView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The book is full (20)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_address(
    State(state): State<AppState>,
    Shopper(session): Shopper,
    JsonBody(req): JsonBody<AddAddressRequest>,
) -> ApiResult<(StatusCode, Json<AddressView>)> {
    let stored = accounts::add_address(&state, session.user.id, req.input()).await?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

/// Replaces the fields of one of the caller's addresses (the whole address, as `POST`
/// takes it). Orders placed to it keep their own copy. Another user's address is 404,
/// whatever the fields say.
#[utoipa::path(put, path = "/api/v1/me/addresses/{id}", tag = "me", security(("bearer" = []), ("cart_token" = [])),
    params(("id" = i64, Path, description = "Address id")),
    request_body = AddAddressRequest,
    responses(
        (status = 200, description = "Updated", body = AddressView),
        (status = 400, description = "Malformed id or body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such address of yours", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_address(
    State(state): State<AppState>,
    Shopper(session): Shopper,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<AddAddressRequest>,
) -> ApiResult<Json<AddressView>> {
    let stored = accounts::update_address(&state, session.user.id, id, req.input()).await?;
    Ok(Json(stored.into()))
}

/// Removes one of the caller's addresses. Another user's address is 404.
#[utoipa::path(delete, path = "/api/v1/me/addresses/{id}", tag = "me", security(("bearer" = []), ("cart_token" = [])),
    params(("id" = i64, Path, description = "Address id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such address of yours", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_address(
    State(state): State<AppState>,
    Shopper(session): Shopper,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    accounts::delete_address(&state, session.user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
