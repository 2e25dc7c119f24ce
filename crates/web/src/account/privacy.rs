//! The account page's privacy duties: downloading everything the shop holds about the
//! customer (the API's export document) and deleting the account (password and a ticked
//! confirmation; `emporium_app::privacy::delete_account`).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::super::session::{SESSION_COOKIE, is_secure, set_cookie};
use super::super::view::{FieldErrors, Posted, WebResult, form_errors, see_other};
use super::{Failed, account};
use crate::session::Visitor;
use emporium_app::privacy;
use emporium_app::{AppError, AppState};

/// `GET /account/export`: the customer's data as a JSON download.
pub async fn export(State(state): State<AppState>, visitor: Visitor) -> WebResult {
    let session = visitor.user()?;
    let export = privacy::export(&state, session).await?;
    let body = privacy::document_text(&export, state.now())?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"emporium-export.json\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// The deletion form.
#[derive(Debug, Default, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /account/delete`: deletes (anonymises) the account, ends the session cookie and
/// goes home; a wrong password or a missing confirmation shows the account page again.
pub async fn delete(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Posted { visitor, form }: Posted<DeleteForm>,
) -> WebResult {
    let session = visitor.user()?;
    let t = visitor.t();
    let errors = if form.confirm.is_empty() {
        FieldErrors::one("confirm", t.delete_account_unconfirmed)
    } else {
        match privacy::delete_account(&state, session, &form.password).await {
            Ok(()) => {
                let mut response = see_other("/?deleted=1");
                response.headers_mut().append(
                    header::SET_COOKIE,
                    set_cookie(SESSION_COOKIE, "", 0, true, is_secure(&headers, &state)),
                );
                return Ok(response.into_response());
            }
            Err(AppError::RateLimited(_)) => FieldErrors::one("password", t.too_many_attempts),
            Err(AppError::Forbidden) => FieldErrors::one("password", t.staff_cannot_delete),
            Err(e) => form_errors(e, visitor.lang)?,
        }
    };
    let failed = Failed {
        delete: Some(errors),
        ..Failed::default()
    };
    account(&state, &visitor, failed, None).await
}
