//! Registering, logging in and out (bringing a guest cart along), and the account page
//! (profile, email verification, password, language of messages, addresses). Password
//! reset and the email link's page are in `account/recovery.rs`.

pub(crate) mod address_edit;
mod privacy;
mod recovery;
mod settings;

pub use privacy::{delete as delete_account, export as export_data};
pub use settings::{change_password, set_locale};

pub use recovery::{
    forgot_page, request_reset, resend_verification, reset_page, reset_password, verify_email, verify_email_page,
};

use askama::Template;
use axum::extract::{Extension, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use emporium_store::accounts::Address;
use serde::Deserialize;

use super::guest;
use super::i18n::Lang;
use super::session::{SESSION_COOKIE, Visitor, is_secure, set_cookie};
use super::view::{Ctx, FieldErrors, Path, Posted, WebResult, form_errors, nonblank, render, safe_next, see_other};
use emporium_app::accounts::{self, ClientAddress, Credentials, ProfileEdit, Registration};
use emporium_app::{AppError, AppState};
use emporium_domain::address::AddressInput;
use emporium_domain::locale::Locale;

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

/// Logs in with the shared use case (same throttle, same answers as the API), bringing
/// the guest cart of `cart_token` into the account's, then sets the session cookie and
/// forgets the cart's.
async fn start_session(
    state: &AppState,
    headers_secure: bool,
    form: &CredentialsForm,
    from: Option<Extension<ClientAddress>>,
    cart_token: Option<&str>,
) -> Result<axum::response::Response, AppError> {
    let credentials = Credentials {
        username: &form.username,
        password: &form.password,
        from: from.map(|Extension(a)| a).unwrap_or_default(),
        cart_token,
    };
    let token = accounts::log_in(state, credentials).await?.token;
    let mut response = see_other(&safe_next(Some(&form.next)));
    let ttl = state.config().session_ttl.as_secs();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, ttl, true, headers_secure),
    );
    // Merged (or never a live cart): either way the account's cart is the one now.
    headers.append(header::SET_COOKIE, guest::forget_cart(headers_secure));
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
    match start_session(&state, secure, &form, from, visitor.cart_token.as_deref()).await {
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
        // A disabled staff account or a blocked customer (told only after the password).
        Err(AppError::NotAllowed(_)) => credentials_page(
            &visitor,
            false,
            form,
            FieldErrors::one("form", t.account_disabled_login),
            StatusCode::FORBIDDEN,
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
        // The guest cart joins the new account here; the login after it has none left.
        cart_token: visitor.cart_token.as_deref(),
    };
    match accounts::register(&state, registration).await {
        Ok(_) => {
            let secure = is_secure(&headers, &state);
            Ok(start_session(&state, secure, &form, from, None).await?)
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
    /// The account's address and whether it is proven (`None`: no address).
    email: Option<(String, bool)>,
    /// A new address waiting for its link to be followed.
    pending_email: Option<String>,
    /// Whether an address waits for proof (the "send the link again" button).
    can_resend: bool,
    password_errors: FieldErrors,
    /// The language the account's messages are written in (`en` or `zh`).
    message_lang: &'static str,
    addresses: Vec<(i64, String)>,
    address: AddressForm,
    address_errors: FieldErrors,
    delete_errors: FieldErrors,
}

/// The account page's forms that failed, each with what was typed and its errors.
#[derive(Debug, Default)]
pub(crate) struct Failed {
    profile: Option<(ProfileForm, FieldErrors)>,
    address: Option<(AddressForm, FieldErrors)>,
    password: Option<FieldErrors>,
    delete: Option<FieldErrors>,
}

async fn account(state: &AppState, visitor: &Visitor, failed: Failed, notice: Option<&'static str>) -> WebResult {
    let session = visitor.user()?;
    let user = state.store().user(session.user.id).await?;
    let status =
        if failed.profile.is_some() || failed.address.is_some() || failed.password.is_some() || failed.delete.is_some()
        {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
    let (profile, profile_errors) = failed.profile.unwrap_or_else(|| {
        (
            ProfileForm {
                display_name: user.display_name.clone().unwrap_or_default(),
                email: user.email.clone().unwrap_or_default(),
                phone: user.phone.clone().unwrap_or_default(),
            },
            FieldErrors::default(),
        )
    });
    let (address, address_errors) = failed.address.unwrap_or_default();
    let addresses = state.store().addresses(user.id).await?;
    let pending_email = state.store().pending_email(user.id, state.now()).await?;
    let mut ctx = Ctx::new(visitor);
    ctx.notice = notice.or(ctx.notice);
    Ok(render(
        status,
        &AccountPage {
            ctx,
            username: user.username.clone(),
            profile,
            profile_errors,
            email: user.email.clone().map(|e| (e, user.email_verified)),
            can_resend: pending_email.is_some() || (user.email.is_some() && !user.email_verified),
            pending_email,
            password_errors: failed.password.unwrap_or_default(),
            message_lang: Locale::parse(&user.locale).map_or("zh", |l| Lang::from(l).code()),
            addresses: addresses.iter().map(|a| (a.id, address_line(a))).collect(),
            address,
            address_errors,
            delete_errors: failed.delete.unwrap_or_default(),
        },
    ))
}

/// `?saved=1` after a change, `?sent=1` after a verification link was sent.
#[derive(Debug, Deserialize)]
pub struct Saved {
    saved: Option<String>,
    sent: Option<String>,
}

/// `GET /account`.
pub async fn account_page(State(state): State<AppState>, visitor: Visitor, Query(saved): Query<Saved>) -> WebResult {
    let t = visitor.t();
    let notice = match (saved.saved, saved.sent) {
        (_, Some(_)) => Some(t.verification_sent),
        (Some(_), None) => Some(t.saved),
        (None, None) => None,
    };
    account(&state, &visitor, Failed::default(), notice).await
}

/// `POST /account/profile`. A new email address takes effect once its link is followed
/// (the page then says which address waits).
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
            let failed = Failed {
                profile: Some((form, errors)),
                ..Failed::default()
            };
            account(&state, &visitor, failed, None).await
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
                let failed = Failed {
                    address: Some((form, errors)),
                    ..Failed::default()
                };
                account(&state, &visitor, failed, None).await
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
