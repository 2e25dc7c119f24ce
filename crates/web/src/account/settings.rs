//! The account page's settings forms: the password change (the current password, the new
//! one twice) and the language the account's emails and texts are written in.

use axum::extract::State;
use serde::Deserialize;

use super::super::i18n::Lang;
use super::super::view::{FieldErrors, Posted, WebError, WebResult, form_errors, see_other};
use super::{Failed, account};
use emporium_app::accounts;
use emporium_app::{AppError, AppState};

/// The password change form.
#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
}

/// `POST /account/password`: changes the password (the current one is checked, with the
/// account's throttle); every other session of the account ends, this one stays.
pub async fn change_password(
    State(state): State<AppState>,
    Posted { visitor, form }: Posted<PasswordForm>,
) -> WebResult {
    let session = visitor.user()?;
    let t = visitor.t();
    let errors = if form.new_password != form.repeat_password {
        FieldErrors::one("repeat_password", t.passwords_differ)
    } else {
        match accounts::change_password(&state, session, &form.current_password, &form.new_password).await {
            Ok(()) => return Ok(see_other("/account?saved=1")),
            Err(AppError::RateLimited(_)) => FieldErrors::one("current_password", t.too_many_attempts),
            Err(e) => form_errors(e, visitor.lang)?,
        }
    };
    let failed = Failed {
        password: Some(errors),
        ..Failed::default()
    };
    account(&state, &visitor, failed, None).await
}

/// The language-of-messages form.
#[derive(Debug, Default, Deserialize)]
pub struct LocaleForm {
    #[serde(default)]
    locale: String,
}

/// `POST /account/locale`: the language of the emails and texts the account gets. It is
/// chosen here, not taken from the page's language at each login, so reading the shop in
/// the other language for a while does not change what the mail is written in; at
/// registration it starts as the page's language.
pub async fn set_locale(State(state): State<AppState>, Posted { visitor, form }: Posted<LocaleForm>) -> WebResult {
    let session = visitor.user()?;
    let locale = Lang::parse(&form.locale)
        .ok_or_else(|| WebError::BadRequest("locale must be en or zh".into()))?
        .locale();
    accounts::set_locale(&state, session.user.id, locale).await?;
    Ok(see_other("/account?saved=1"))
}
