//! Registering, logging in and out, and the account page (profile and addresses).

use askama::Template;
use axum::extract::{Extension, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use emporium_store::accounts::Address;
use serde::Deserialize;

use super::session::{SESSION_COOKIE, Visitor, is_secure, set_cookie};
use super::view::{Ctx, FieldErrors, Path, Posted, WebResult, form_errors, nonblank, render, safe_next, see_other};
use emporium_app::accounts::{self, ClientAddress, Credentials, ProfileEdit, Registration};
use emporium_app::{AppError, AppState};
use emporium_domain::address::AddressInput;

/// The login and register forms.
#[derive(Debug, Default, Deserialize)]
pub struct CredentialsForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    next: String,
}

/// `?next=` on the login and register pages.
#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    register: bool,
    username: String,
    email: String,
    next: String,
    errors: FieldErrors,
}

fn credentials_page(
    visitor: &Visitor,
    register: bool,
    form: CredentialsForm,
    errors: FieldErrors,
    status: StatusCode,
) -> WebResult {
    Ok(render(
        status,
        &LoginPage {
            ctx: Ctx::new(visitor),
            register,
            username: form.username,
            email: form.email,
            next: safe_next(Some(&form.next)),
            errors,
        },
    ))
}

/// `GET /login`.
pub async fn login_page(visitor: Visitor, Query(next): Query<Next>) -> WebResult {
    let form = CredentialsForm {
        next: safe_next(next.next.as_deref()),
        ..CredentialsForm::default()
    };
    credentials_page(&visitor, false, form, FieldErrors::default(), StatusCode::OK)
}

/// `GET /register`.
pub async fn register_page(visitor: Visitor, Query(next): Query<Next>) -> WebResult {
    let form = CredentialsForm {
        next: safe_next(next.next.as_deref()),
        ..CredentialsForm::default()
    };
    credentials_page(&visitor, true, form, FieldErrors::default(), StatusCode::OK)
}

/// Logs in with the shared use case (same throttle, same answers as the API), then sets
/// the cookie.
async fn start_session(
    state: &AppState,
    headers_secure: bool,
    form: &CredentialsForm,
    from: Option<Extension<ClientAddress>>,
) -> Result<axum::response::Response, AppError> {
    let credentials = Credentials {
        username: &form.username,
        password: &form.password,
        from: from.map(|Extension(a)| a).unwrap_or_default(),
        cart_token: None,
    };
    let token = accounts::log_in(state, credentials).await?.token;
    let mut response = see_other(&safe_next(Some(&form.next)));
    let ttl = state.config().session_ttl.as_secs();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, ttl, true, headers_secure),
    );
    Ok(response)
}

/// `POST /login`.
pub async fn log_in(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    from: Option<Extension<ClientAddress>>,
    Posted { visitor, form }: Posted<CredentialsForm>,
) -> WebResult {
    let t = visitor.t();
    let secure = is_secure(&headers, &state);
    match start_session(&state, secure, &form, from).await {
        Ok(response) => Ok(response),
        Err(AppError::InvalidCredentials) => credentials_page(
            &visitor,
            false,
            form,
            FieldErrors::one("password", t.wrong_credentials),
            StatusCode::UNAUTHORIZED,
        ),
        Err(AppError::RateLimited(_)) => credentials_page(
            &visitor,
            false,
            form,
            FieldErrors::one("form", t.too_many_attempts),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            credentials_page(&visitor, false, form, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// `POST /register`: creates the account and logs it in.
pub async fn register(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    from: Option<Extension<ClientAddress>>,
    Posted { visitor, form }: Posted<CredentialsForm>,
) -> WebResult {
    let registration = Registration {
        username: &form.username,
        password: &form.password,
        email: Some(form.email.as_str()),
        locale: Some(visitor.lang.locale()),
        cart_token: None,
    };
    match accounts::register(&state, registration).await {
        Ok(_) => {
            let secure = is_secure(&headers, &state);
            Ok(start_session(&state, secure, &form, from).await?)
        }
        Err(AppError::Conflict {
            code: "username_taken", ..
        }) => {
            let errors = FieldErrors::one("username", visitor.t().username_taken);
            credentials_page(&visitor, true, form, errors, StatusCode::CONFLICT)
        }
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            credentials_page(&visitor, true, form, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// A form with no fields besides the CSRF token.
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `POST /logout`: ends the session and forgets the cookie.
pub async fn log_out(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Posted { visitor, .. }: Posted<Empty>,
) -> WebResult {
    if let Some(session) = &visitor.session {
        accounts::log_out(&state, session.id).await?;
    }
    let mut response = see_other("/");
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, true, is_secure(&headers, &state)),
    );
    Ok(response.into_response())
}

/// The profile form.
#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
}

/// The address form.
#[derive(Debug, Default, Deserialize)]
pub struct AddressForm {
    #[serde(default)]
    pub recipient: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub country: String,
    /// Where to go once saved (the checkout page adds addresses too).
    #[serde(default)]
    pub next: String,
}

impl AddressForm {
    /// The fields as the address rules read them (a blank optional field is none).
    pub fn input(&self) -> AddressInput<'_> {
        AddressInput {
            recipient: &self.recipient,
            phone: &self.phone,
            line1: &self.line1,
            line2: nonblank(&self.line2),
            city: &self.city,
            region: nonblank(&self.region),
            postal_code: nonblank(&self.postal_code),
            country: &self.country,
        }
    }
}

/// An address in one line.
pub fn address_line(a: &Address) -> String {
    let a = &a.fields;
    let parts = [
        Some(a.recipient.as_str()),
        Some(a.phone.as_str()),
        Some(a.line1.as_str()),
        a.line2.as_deref(),
        Some(a.city.as_str()),
        a.region.as_deref(),
        a.postal_code.as_deref(),
        Some(a.country.as_str()),
    ];
    parts
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: Ctx,
    username: String,
    profile: ProfileForm,
    profile_errors: FieldErrors,
    addresses: Vec<(i64, String)>,
    address: AddressForm,
    address_errors: FieldErrors,
}

async fn account(
    state: &AppState,
    visitor: &Visitor,
    profile: Option<(ProfileForm, FieldErrors)>,
    address: Option<(AddressForm, FieldErrors)>,
    saved: bool,
) -> WebResult {
    let session = visitor.user()?;
    let user = state.store().user(session.user.id).await?;
    let failed = profile.is_some() || address.is_some();
    let (profile, profile_errors) = profile.unwrap_or_else(|| {
        (
            ProfileForm {
                display_name: user.display_name.clone().unwrap_or_default(),
                email: user.email.clone().unwrap_or_default(),
                phone: user.phone.clone().unwrap_or_default(),
            },
            FieldErrors::default(),
        )
    });
    let (address, address_errors) = address.unwrap_or_default();
    let addresses = state.store().addresses(user.id).await?;
    let mut ctx = Ctx::new(visitor);
    if saved {
        ctx.notice = Some(ctx.t.saved);
    }
    Ok(render(
        if failed {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &AccountPage {
            ctx,
            username: user.username.clone(),
            profile,
            profile_errors,
            addresses: addresses.iter().map(|a| (a.id, address_line(a))).collect(),
            address,
            address_errors,
        },
    ))
}

/// `?saved=1` after a change.
#[derive(Debug, Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

/// `GET /account`.
pub async fn account_page(State(state): State<AppState>, visitor: Visitor, Query(saved): Query<Saved>) -> WebResult {
    account(&state, &visitor, None, None, saved.saved.is_some()).await
}

/// `POST /account/profile`.
pub async fn update_profile(State(state): State<AppState>, Posted { visitor, form }: Posted<ProfileForm>) -> WebResult {
    let session = visitor.user()?;
    let edit = ProfileEdit {
        display_name: Some(Some(form.display_name.clone())),
        email: Some(Some(form.email.clone())),
        phone: Some(Some(form.phone.clone())),
        locale: None,
    };
    match accounts::update_profile(&state, session.user.id, edit).await {
        Ok(_) => Ok(see_other("/account?saved=1")),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            account(&state, &visitor, Some((form, errors)), None, false).await
        }
    }
}

/// `POST /account/addresses` (from the account page or the checkout page).
pub async fn add_address(State(state): State<AppState>, Posted { visitor, form }: Posted<AddressForm>) -> WebResult {
    let session = visitor.user()?;
    match accounts::add_address(&state, session.user.id, form.input()).await {
        Ok(_) => Ok(see_other(if form.next == "/checkout" {
            "/checkout"
        } else {
            "/account?saved=1"
        })),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            if form.next == "/checkout" {
                super::checkout::checkout_with(&state, &visitor, form, errors).await
            } else {
                account(&state, &visitor, None, Some((form, errors)), false).await
            }
        }
    }
}

/// `POST /account/addresses/{id}/delete`.
pub async fn delete_address(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, .. }: Posted<Empty>,
) -> WebResult {
    let session = visitor.user()?;
    accounts::delete_address(&state, session.user.id, id).await?;
    Ok(see_other("/account?saved=1"))
}
