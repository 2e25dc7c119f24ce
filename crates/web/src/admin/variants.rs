//! Staff pages for a product's variants: the grid on the product page (price, SKU, stock
//! and status per row, each row its own form), adding a variant, and the combinations a
//! new product's options make.

use axum::extract::State;
use emporium_app::variants::{self, VariantDraft, VariantEdit};
use emporium_app::{AppError, AppState};
use emporium_domain::staff::Permission;
use emporium_store::catalog::Product;
use serde::Deserialize;

use super::catalog::{ProductForm, product_page};
use crate::flash::{Done, after};
use crate::session::Visitor;
use crate::view::{FieldErrors, Path, Posted, WebError, WebResult, form_errors, money, parse_money, see_other};

/// A row of the variant grid.
#[derive(Debug)]
pub struct VariantRow {
    pub(super) id: i64,
    /// `黑 / 42`.
    pub(super) label: String,
    pub(super) sku: String,
    /// The price as typed into the form (`199.00`).
    pub(super) price: String,
    pub(super) compare_at: String,
    pub(super) weight_grams: i64,
    pub(super) stock: i64,
    pub(super) status: String,
}

/// The grid's rows for `product`.
pub fn rows(product: &Product) -> Vec<VariantRow> {
    let plain = |amount: i64| {
        money(amount, &product.currency)
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.')
            .collect::<String>()
    };
    product
        .variants
        .iter()
        .map(|v| VariantRow {
            id: v.id,
            label: v.option_values.label(),
            sku: v.sku.clone().unwrap_or_default(),
            price: plain(v.price),
            compare_at: v.compare_at_price.map(plain).unwrap_or_default(),
            weight_grams: v.weight_grams,
            stock: v.stock_available,
            status: v.status.as_str().to_owned(),
        })
        .collect()
}

/// Every combination of the options' values, first option slowest (黑/41, 黑/42, 白/41…).
pub fn combinations(options: &[(String, Vec<String>)]) -> Vec<Vec<String>> {
    options.iter().fold(vec![Vec::new()], |acc, (_, values)| {
        acc.iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect()
    })
}

/// A variant row's form, or the add-variant form.
#[derive(Debug, Default, Deserialize)]
pub struct VariantForm {
    /// The values, one per option, separated by `/` (add form only).
    #[serde(default)]
    option_values: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    compare_at_price: String,
    #[serde(default)]
    weight_grams: String,
    #[serde(default)]
    status: String,
}

/// Parses the money and number fields of a variant form, naming `variant.*` fields so the
/// product page shows them above the grid.
fn amounts(form: &VariantForm, currency: &str) -> Result<(i64, Option<i64>, Option<i64>), FieldErrors> {
    let mut errors = Vec::new();
    let price = parse_money(&form.price, currency).unwrap_or_else(|| {
        errors.push(emporium_domain::FieldError::new(
            "variant.price",
            "must be an amount such as 12.50",
        ));
        1
    });
    let compare_at = match form.compare_at_price.trim() {
        "" => None,
        raw => parse_money(raw, currency).or_else(|| {
            errors.push(emporium_domain::FieldError::new(
                "variant.compare_at_price",
                "must be an amount such as 15.00",
            ));
            None
        }),
    };
    let weight = match form.weight_grams.trim() {
        "" => None,
        raw => raw.parse::<i64>().ok().or_else(|| {
            errors.push(emporium_domain::FieldError::new(
                "variant.weight_grams",
                "must be a whole number of grams",
            ));
            None
        }),
    };
    if errors.is_empty() {
        Ok((price, compare_at, weight))
    } else {
        Err(FieldErrors(errors))
    }
}

/// Shows the product page again with `errors` above the grid.
async fn again(state: &AppState, visitor: &Visitor, product: &Product, e: AppError) -> WebResult {
    let mut errors = form_errors(e, visitor.lang)?;
    for e in &mut errors.0 {
        if !e.field.starts_with("variant.") {
            e.field = format!("variant.{}", e.field);
        }
    }
    product_page(
        state,
        visitor,
        Some(product.id),
        Some((ProductForm::of(product), errors)),
        None,
    )
    .await
}

/// `POST /admin/products/{id}/variants`: adds a variant.
pub async fn add(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<VariantForm>,
) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    let product = state.store().product(id).await?.ok_or(WebError::NotFound)?;
    let (price, compare_at_price, weight_grams) = match amounts(&form, &product.currency) {
        Ok(a) => a,
        Err(errors) => {
            let errors = errors.localized(visitor.lang);
            return product_page(
                &state,
                &visitor,
                Some(id),
                Some((ProductForm::of(&product), errors)),
                None,
            )
            .await;
        }
    };
    let draft = VariantDraft {
        sku: Some(form.sku.clone()),
        option_values: form
            .option_values
            .split('/')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect(),
        price,
        compare_at_price,
        weight_grams,
        status: Some(form.status.clone()).filter(|s| !s.is_empty()),
        ..VariantDraft::default()
    };
    match variants::add_variant(&state, id, draft).await {
        Ok(_) => Ok(see_other(&format!(
            "{}#variants",
            after(&format!("/admin/products/{id}"), Done::Saved)
        ))),
        Err(e) => again(&state, &visitor, &product, e).await,
    }
}

/// `POST /admin/products/{id}/variants/{variant_id}`: saves a row of the grid.
pub async fn update(
    State(state): State<AppState>,
    Path((id, variant_id)): Path<(i64, i64)>,
    Posted { visitor, form }: Posted<VariantForm>,
) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    let product = state.store().product(id).await?.ok_or(WebError::NotFound)?;
    let (price, compare_at_price, weight_grams) = match amounts(&form, &product.currency) {
        Ok(a) => a,
        Err(errors) => {
            let errors = errors.localized(visitor.lang);
            return product_page(
                &state,
                &visitor,
                Some(id),
                Some((ProductForm::of(&product), errors)),
                None,
            )
            .await;
        }
    };
    let edit = VariantEdit {
        sku: Some(Some(form.sku.clone())),
        price: Some(price),
        compare_at_price: Some(compare_at_price),
        weight_grams,
        status: Some(form.status.clone()).filter(|s| !s.is_empty()),
        ..VariantEdit::default()
    };
    let done = if edit.status.as_deref() == Some("archived") {
        // Archiving goes through the rule that keeps one variant on sale.
        match variants::update_variant(&state, id, variant_id, VariantEdit { status: None, ..edit }).await {
            Ok(_) => variants::archive_variant(&state, id, variant_id).await,
            Err(e) => Err(e),
        }
    } else {
        variants::update_variant(&state, id, variant_id, edit).await
    };
    match done {
        Ok(_) => Ok(see_other(&format!(
            "{}#variants",
            after(&format!("/admin/products/{id}"), Done::Saved)
        ))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => again(&state, &visitor, &product, e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::combinations;

    #[test]
    fn combinations_take_every_value_of_every_option() {
        let options = vec![
            ("颜色".to_owned(), vec!["黑".to_owned(), "白".to_owned()]),
            (
                "尺码".to_owned(),
                vec!["41".to_owned(), "42".to_owned(), "43".to_owned()],
            ),
        ];
        let all = combinations(&options);
        assert_eq!(all.len(), 6);
        assert_eq!(all[0], ["黑", "41"]);
        assert_eq!(all[5], ["白", "43"]);
        assert_eq!(combinations(&[]), vec![Vec::<String>::new()]);
    }
}
