//! The product page's irreversible or status-changing actions: archive (after a
//! confirmation), put back on sale, and write stock off (after a confirmation). Each
//! calls the use case the API calls and comes back to the product page with a notice.

use axum::extract::State;
use emporium_domain::staff::Permission;
use serde::Deserialize;

use emporium_app::catalog::{self, ProductEdit};
use emporium_app::{AppError, AppState, inventory};

use super::catalog::product_page_with_write_off;
use super::confirm::{self, Confirmed};
use crate::flash::{Done, after};
use crate::view::{Path, Posted, WebError, WebResult, form_errors, see_other};

/// `POST /admin/products/{id}/archive`: asks first, then archives.
pub async fn archive(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<Confirmed>,
) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    let back = format!("/admin/products/{id}");
    if !form.yes() {
        let product = state.store().product(id).await?.ok_or(WebError::NotFound)?;
        let message = visitor.t().adm_confirm_archive.replace("{name}", &product.name);
        return confirm::ask(&visitor, message, &format!("{back}/archive"), Vec::new(), &back);
    }
    match catalog::archive_product(&state, id).await {
        Ok(_) => Ok(see_other(&after(&back, Done::Archived))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/products/{id}/unarchive`: puts an archived product back on sale (the
/// same edit as `PATCH /products/{id}` with `status: active`).
pub async fn unarchive(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, .. }: Posted<Confirmed>,
) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    let edit = ProductEdit {
        status: Some("active".to_owned()),
        ..ProductEdit::default()
    };
    match catalog::update_product(&state, id, edit).await {
        Ok(_) => Ok(see_other(&after(&format!("/admin/products/{id}"), Done::Unarchived))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// The write-off form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct WriteOffForm {
    /// The variant (for a product with several).
    #[serde(default)]
    pub(super) variant_id: String,
    #[serde(default)]
    pub(super) quantity: String,
    #[serde(default)]
    pub(super) reason: String,
    #[serde(default)]
    confirmed: String,
}

/// `POST /admin/products/{id}/write-off`: asks first, then writes the units off.
pub async fn write_off(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<WriteOffForm>,
) -> WebResult {
    let staff = visitor.staff(Permission::Inventory)?.user.id;
    let product = state.store().product(id).await?.ok_or(WebError::NotFound)?;
    let variant_id = form.variant_id.trim().parse::<i64>().ok();
    // A quantity that is not a number is the rules' "must be at least 1".
    let quantity = form.quantity.trim().parse::<i64>().unwrap_or(0);
    let back = format!("/admin/products/{id}");
    if form.confirmed != "1" && quantity > 0 && !form.reason.trim().is_empty() {
        let variant = variant_id
            .and_then(|v| product.variant(v))
            .map(|v| v.option_values.label())
            .filter(|l| !l.is_empty());
        let name = match variant {
            Some(label) => format!("{} · {label}", product.name),
            None => product.name.clone(),
        };
        let message = visitor
            .t()
            .adm_confirm_write_off
            .replace("{quantity}", &quantity.to_string())
            .replace("{name}", &name)
            .replace("{reason}", form.reason.trim());
        let fields = vec![
            ("variant_id".to_owned(), form.variant_id.clone()),
            ("quantity".to_owned(), form.quantity.clone()),
            ("reason".to_owned(), form.reason.clone()),
        ];
        return confirm::ask(&visitor, message, &format!("{back}/write-off"), fields, &back);
    }
    match inventory::write_off(&state, staff, id, variant_id, quantity, &form.reason).await {
        Ok(_) => Ok(see_other(&format!("{}#lots", after(&back, Done::WrittenOff)))),
        Err(AppError::NotFound("product")) => Err(WebError::NotFound),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            product_page_with_write_off(&state, &visitor, id, (form, errors)).await
        }
    }
}
