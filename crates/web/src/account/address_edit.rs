//! Editing an address of the shopper's own book (`/account/addresses/{id}`): the form
//! filled with it, saved through `accounts::update_address`. Someone else's address is
//! the 404 page, as every other user's data is.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::{AppError, AppState, accounts};
use emporium_store::accounts::Address;

use super::AddressForm;
use crate::flash::{Done, after};
use crate::session::Visitor;
use crate::view::{Ctx, FieldErrors, Path, Posted, WebError, WebResult, form_errors, render, see_other};

#[derive(Template)]
#[template(path = "address_edit.html")]
struct AddressEditPage {
    ctx: Ctx,
    id: i64,
    address: AddressForm,
    address_errors: FieldErrors,
}

impl AddressForm {
    fn of(a: &Address) -> Self {
        let f = &a.fields;
        Self {
            recipient: f.recipient.clone(),
            phone: f.phone.clone(),
            line1: f.line1.clone(),
            line2: f.line2.clone().unwrap_or_default(),
            city: f.city.clone(),
            region: f.region.clone().unwrap_or_default(),
            postal_code: f.postal_code.clone().unwrap_or_default(),
            country: f.country.clone(),
            next: String::new(),
        }
    }
}

/// `GET /account/addresses/{id}`: the edit form.
pub async fn edit(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> WebResult {
    let session = visitor.user()?;
    let addresses = state.store().addresses(session.user.id).await?;
    let address = addresses.iter().find(|a| a.id == id).ok_or(WebError::NotFound)?;
    Ok(render(
        StatusCode::OK,
        &AddressEditPage {
            ctx: Ctx::new(&visitor),
            id,
            address: AddressForm::of(address),
            address_errors: FieldErrors::default(),
        },
    ))
}

/// `POST /account/addresses/{id}`: saves it, back to the account page with a notice.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<AddressForm>,
) -> WebResult {
    let session = visitor.user()?;
    match accounts::update_address(&state, session.user.id, id, form.input()).await {
        Ok(_) => Ok(see_other(&after("/account", Done::AddressSaved))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AddressEditPage {
                    ctx: Ctx::new(&visitor),
                    id,
                    address: form,
                    address_errors: errors,
                },
            ))
        }
    }
}
