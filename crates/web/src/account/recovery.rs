//! The pages behind the account emails' links: asking for a password reset and setting a
//! new password with the link's token (`/account/forgot`, `/account/reset?token=…`), and
//! proving an email address (`/account/verify-email?token=…`), with the account page's
//! "send the link again".

use askama::Template;
use axum::extract::{Extension, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::super::session::Visitor;
use super::super::view::{Ctx, FieldErrors, Posted, WebResult, form_errors, render, see_other};
use super::Empty;
use emporium_app::accounts::{self, ClientAddress};
use emporium_app::{AppError, AppState};

/// What a link page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The form.
    Ask,
    /// Done: the request was taken, the password set, the address proven.
    Done,
    /// The link's token is unknown, used or expired.
    Invalid,
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    ctx: Ctx,
    step: Step,
    login: String,
    errors: FieldErrors,
}

/// The forgot-password form.
#[derive(Debug, Default, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    login: String,
}

/// `GET /account/forgot`.
pub async fn forgot_page(visitor: Visitor) -> WebResult {
    Ok(render(
        StatusCode::OK,
        &ForgotPage {
            ctx: Ctx::new(&visitor),
            step: Step::Ask,
            login: String::new(),
            errors: FieldErrors::default(),
        },
    ))
}

/// `POST /account/forgot`: the same page whether or not such an account exists (the use
/// case answers alike, and sends the link after answering).
pub async fn request_reset(
    State(state): State<AppState>,
    from: Option<Extension<ClientAddress>>,
    Posted { visitor, form }: Posted<ForgotForm>,
) -> WebResult {
    let from = from.map(|Extension(a)| a).unwrap_or_default();
    let (status, step, errors) = match accounts::request_password_reset(&state, &form.login, from).await {
        Ok(()) => (StatusCode::OK, Step::Done, FieldErrors::default()),
        Err(AppError::RateLimited(_)) => (
            StatusCode::TOO_MANY_REQUESTS,
            Step::Ask,
            FieldErrors::one("form", visitor.t().too_many_attempts),
        ),
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Step::Ask,
            form_errors(e, visitor.lang)?,
        ),
    };
    Ok(render(
        status,
        &ForgotPage {
            ctx: Ctx::new(&visitor),
            step,
            login: form.login,
            errors,
        },
    ))
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    ctx: Ctx,
    step: Step,
    token: String,
    errors: FieldErrors,
}

/// `?token=` of a link.
#[derive(Debug, Deserialize)]
pub struct LinkToken {
    #[serde(default)]
    token: String,
}

/// `GET /account/reset?token=…`: the new-password form (the token is checked when it is
/// used, so opening the page spends nothing).
pub async fn reset_page(visitor: Visitor, Query(link): Query<LinkToken>) -> WebResult {
    let step = if link.token.trim().is_empty() {
        Step::Invalid
    } else {
        Step::Ask
    };
    Ok(render(
        StatusCode::OK,
        &ResetPage {
            ctx: Ctx::new(&visitor),
            step,
            token: link.token,
            errors: FieldErrors::default(),
        },
    ))
}

/// The new-password form.
#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
}

/// `POST /account/reset`: sets the password; every session of the account ends, so the
/// page sends them to log in.
pub async fn reset_password(State(state): State<AppState>, Posted { visitor, form }: Posted<ResetForm>) -> WebResult {
    let (status, step, errors) = if form.new_password != form.repeat_password {
        let errors = FieldErrors::one("repeat_password", visitor.t().passwords_differ);
        (StatusCode::UNPROCESSABLE_ENTITY, Step::Ask, errors)
    } else {
        match accounts::reset_password(&state, &form.token, &form.new_password).await {
            Ok(()) => (StatusCode::OK, Step::Done, FieldErrors::default()),
            Err(AppError::Unprocessable {
                code: "invalid_token", ..
            }) => (StatusCode::UNPROCESSABLE_ENTITY, Step::Invalid, FieldErrors::default()),
            Err(e) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Step::Ask,
                form_errors(e, visitor.lang)?,
            ),
        }
    };
    Ok(render(
        status,
        &ResetPage {
            ctx: Ctx::new(&visitor),
            step,
            token: form.token,
            errors,
        },
    ))
}

#[derive(Template)]
#[template(path = "verify_email.html")]
struct VerifyPage {
    ctx: Ctx,
    step: Step,
    token: String,
    /// The address proven.
    email: String,
    /// Guest orders placed with it that joined the account.
    attached: u64,
}

/// `GET /account/verify-email?token=…`: only a button that proves the address. Following
/// the link does not spend the token: mail scanners and link previews open every link in
/// a message, and would otherwise verify an address nobody looked at (and use up the
/// owner's link). Only the POST of this page's form, which they do not send, verifies.
pub async fn verify_email_page(visitor: Visitor, Query(link): Query<LinkToken>) -> WebResult {
    let step = if link.token.trim().is_empty() {
        Step::Invalid
    } else {
        Step::Ask
    };
    Ok(render(
        StatusCode::OK,
        &VerifyPage {
            ctx: Ctx::new(&visitor),
            step,
            token: link.token,
            email: String::new(),
            attached: 0,
        },
    ))
}

/// `POST /account/verify-email`: proves the address of the link's token (whoever is
/// logged in, if anyone: the token names the account).
pub async fn verify_email(State(state): State<AppState>, Posted { visitor, form }: Posted<LinkToken>) -> WebResult {
    let (status, step, email, attached) = match accounts::verify_email(&state, &form.token).await {
        Ok(verified) => (
            StatusCode::OK,
            Step::Done,
            verified.user.email.unwrap_or_default(),
            verified.attached_orders,
        ),
        Err(AppError::Unprocessable {
            code: "invalid_token", ..
        }) => (StatusCode::UNPROCESSABLE_ENTITY, Step::Invalid, String::new(), 0),
        Err(e) => return Err(e.into()),
    };
    Ok(render(
        status,
        &VerifyPage {
            ctx: Ctx::new(&visitor),
            step,
            token: String::new(),
            email,
            attached,
        },
    ))
}

/// `POST /account/verify-email/resend`: a new link for the address waiting for proof
/// (or the account's unproven one).
pub async fn resend_verification(State(state): State<AppState>, Posted { visitor, .. }: Posted<Empty>) -> WebResult {
    let session = visitor.user()?;
    let user = state.store().user(session.user.id).await?;
    match accounts::resend_verification(&state, &user).await {
        Ok(()) => Ok(see_other("/account?sent=1")),
        // Nothing waits for proof (verified meanwhile): the page says how things stand.
        Err(AppError::Conflict { .. }) => Ok(see_other("/account")),
        Err(e) => Err(e.into()),
    }
}
