//! A product's variants: parsing them as staff type them (against the product's
//! options), adding, editing and withdrawing one, and finding the variant a request
//! means when it names only the product.

use emporium_domain::catalog::{Image, ProductStatus, Sku};
use emporium_domain::inventory::Units;
use emporium_domain::money::{Price, UnitCost};
use emporium_domain::variant::{self, Barcode, OptionValues, ProductOptions, Weight};
use emporium_domain::{FieldError, Invalid};
use emporium_store::catalog::Product;
use emporium_store::inventory::NewLot;
use emporium_store::variants::{NewVariant, VariantChanges};

use crate::accounts::clearable;
use crate::catalog::InitialStock;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A variant as typed by staff.
#[derive(Debug, Clone, Default)]
pub struct VariantDraft {
    /// 1–64 ASCII letters, digits, `-`, `_`, `.`; unique.
    pub sku: Option<String>,
    /// One value per option of the product, in the options' order.
    pub option_values: Vec<String>,
    /// Minor units, > 0.
    pub price: i64,
    /// The struck-through "was" price, above `price`.
    pub compare_at_price: Option<i64>,
    /// 0–10,000,000 grams.
    pub weight_grams: Option<i64>,
    /// 4–32 ASCII letters and digits.
    pub barcode: Option<String>,
    /// An http(s) URL or a path on this server.
    pub image: Option<String>,
    /// `active` (default), `draft` or `archived`.
    pub status: Option<String>,
    /// A first lot of stock.
    pub initial_stock: Option<InitialStock>,
}

/// Changes to a variant as typed by staff; absent fields stay, `Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct VariantEdit {
    /// New SKU.
    pub sku: Option<Option<String>>,
    /// New values, one per option.
    pub option_values: Option<Vec<String>>,
    /// New price.
    pub price: Option<i64>,
    /// New "was" price.
    pub compare_at_price: Option<Option<i64>>,
    /// New weight.
    pub weight_grams: Option<i64>,
    /// New barcode.
    pub barcode: Option<Option<String>>,
    /// New image.
    pub image: Option<Option<String>>,
    /// New status.
    pub status: Option<String>,
}

/// Names a field of the variant at `prefix` (`variants[2].` or nothing).
fn at(prefix: &str, field: &str) -> String {
    format!("{prefix}{field}")
}

fn image(field: &str, raw: &str) -> Result<String, FieldError> {
    Image::parse(field, raw.trim(), "").map(|i| i.url().to_owned())
}

fn sku(field: &str, raw: &str) -> Result<Sku, FieldError> {
    Sku::parse(raw).map_err(|e| FieldError::new(field, e.message))
}

/// Parses a variant typed by staff against `options`; field names start with `prefix`.
pub(crate) fn parse_variant(
    prefix: &str,
    options: &ProductOptions,
    d: &VariantDraft,
    now: emporium_domain::time::Timestamp,
) -> Result<NewVariant, Invalid> {
    let price = Price::parse(&at(prefix, "price"), d.price);
    let compare_at = match &price {
        Ok(p) => variant::compare_at_price(&at(prefix, "compare_at_price"), *p, d.compare_at_price),
        Err(_) => Ok(None),
    };
    let initial_stock = d.initial_stock.map(|s| {
        match (
            Units::parse(&at(prefix, "initial_stock.quantity"), s.quantity),
            UnitCost::parse(&at(prefix, "initial_stock.unit_cost"), s.unit_cost),
        ) {
            (Ok(quantity), Ok(unit_cost)) => Ok(NewLot {
                quantity,
                unit_cost,
                received_at: now,
                note: None,
            }),
            (q, c) => Err(Invalid::of([q.err(), c.err()])),
        }
    });
    let parsed = (
        d.sku
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| sku(&at(prefix, "sku"), s))
            .transpose(),
        options.combination(&at(prefix, "option_values"), &d.option_values),
        price,
        compare_at,
        Weight::parse(&at(prefix, "weight_grams"), d.weight_grams.unwrap_or(0)),
        d.barcode
            .as_deref()
            .filter(|b| !b.trim().is_empty())
            .map(|b| Barcode::parse(&at(prefix, "barcode"), b))
            .transpose(),
        d.image
            .as_deref()
            .filter(|i| !i.trim().is_empty())
            .map(|i| image(&at(prefix, "image"), i))
            .transpose(),
        d.status.as_deref().map_or(Ok(ProductStatus::Active), |s| {
            ProductStatus::parse(&at(prefix, "status"), s)
        }),
    );
    match (parsed, initial_stock.transpose()) {
        (
            (
                Ok(sku),
                Ok(option_values),
                Ok(price),
                Ok(compare_at_price),
                Ok(weight),
                Ok(barcode),
                Ok(image),
                Ok(status),
            ),
            Ok(initial_stock),
        ) => Ok(NewVariant {
            sku,
            option_values,
            price,
            compare_at_price,
            weight,
            barcode,
            image,
            status,
            initial_stock,
        }),
        ((a, b, c, d, e, f, g, h), stock) => {
            let mut errors = Invalid::of([a.err(), b.err(), c.err(), d.err(), e.err(), f.err(), g.err(), h.err()]);
            errors.0.extend(stock.err().map(|i| i.0).unwrap_or_default());
            Err(errors)
        }
    }
}

/// Checks new variants against each other and the product's existing ones (combination
/// and SKU), naming `variants[i]…` fields for the new ones, or the bare field when the
/// request holds `single` variant.
pub(crate) fn check_set(
    existing: &[(OptionValues, Option<String>)],
    new: &[&NewVariant],
    single: bool,
) -> Result<(), Invalid> {
    let mut all: Vec<(&OptionValues, Option<&str>)> = existing.iter().map(|(v, s)| (v, s.as_deref())).collect();
    all.extend(new.iter().map(|v| (&v.option_values, v.sku.as_ref().map(Sku::as_str))));
    variant::check_variant_set(&all).map_err(|Invalid(errors)| {
        // Renumber the new variants' fields from 0, as the request numbers them.
        let offset = existing.len();
        Invalid(errors.into_iter().map(|e| renumber(e, offset, single)).collect())
    })
}

/// `variants[k].x` → `variants[k - offset].x`, or `x` alone for a single added variant.
fn renumber(e: FieldError, offset: usize, single: bool) -> FieldError {
    let Some(rest) = e.field.strip_prefix("variants[") else {
        return e;
    };
    let Some((n, field)) = rest.split_once("].") else {
        return e;
    };
    let n: usize = n.parse().unwrap_or(0);
    let field = if single {
        field.to_owned()
    } else {
        format!("variants[{}].{field}", n.saturating_sub(offset))
    };
    FieldError::new(field, e.message)
}

/// The variant a request means: `variant_id` when given (it must be the product's), else
/// the product's only variant; a product with several answers `variant_required` naming
/// its options.
pub fn resolve(product: &Product, variant_id: Option<i64>) -> AppResult<i64> {
    match variant_id {
        Some(id) => product.variant(id).map(|v| v.id).ok_or(AppError::NotFound("variant")),
        None => product
            .sole_variant()
            .map(|v| v.id)
            .ok_or_else(|| variant_required(product)),
    }
}

/// `422 variant_required`: the product has several variants; say which options choose one.
pub fn variant_required(product: &Product) -> AppError {
    AppError::Unprocessable {
        code: "variant_required",
        errors: vec![FieldError::new(
            "variant_id",
            format!(
                "product {} has {} variants, chosen by {}: name one",
                product.id,
                product.variants.len(),
                product.options.names().join(", ")
            ),
        )],
    }
}

/// Reads a product for staff's changes to it.
pub(crate) async fn product_for_edit(state: &AppState, product_id: i64) -> AppResult<Product> {
    state
        .store()
        .product(product_id)
        .await?
        .ok_or(AppError::NotFound("product"))
}

/// Adds a variant to a product. Answers the product.
pub async fn add_variant(state: &AppState, product_id: i64, draft: VariantDraft) -> AppResult<Product> {
    let result: AppResult<Product> = async {
        let product = product_for_edit(state, product_id).await?;
        let new = parse_variant("", &product.options, &draft, state.now())?;
        let existing: Vec<_> = product
            .variants
            .iter()
            .map(|v| (v.option_values.clone(), v.sku.clone()))
            .collect();
        check_set(&existing, &[&new], true)?;
        if let Some(lot) = &new.initial_stock {
            crate::inventory::check_value(state, "initial_stock.unit_cost", Some(product_id), lot).await?;
        }
        let product = state.store().add_variant(product_id, new, state.now()).await?;
        state.nudge_search();
        tracing::info!(product.id = product_id, "variant added");
        Ok(product)
    }
    .await;
    crate::audit::recorded(state, "variant.create", "product", result, |v| {
        (
            product_id.to_string(),
            serde_json::json!({"after": {"price": v.price, "price_max": v.price_max}}).to_string(),
        )
    })
    .await
}

/// Parses changes to variant `variant_id` of `product`, field names starting with `prefix`.
pub(crate) fn parse_edit(
    prefix: &str,
    product: &Product,
    variant_id: i64,
    edit: VariantEdit,
) -> AppResult<VariantChanges> {
    let current = product.variant(variant_id).ok_or(AppError::NotFound("variant"))?;
    let price = edit.price.map(|p| Price::parse(&at(prefix, "price"), p)).transpose();
    let new_price = match &price {
        Ok(Some(p)) => Some(*p),
        Ok(None) => Price::parse("price", current.price).ok(),
        Err(_) => None,
    };
    // A new price must stay below the "was" price kept, and a new "was" price above the
    // price kept.
    let compare_at = match (edit.compare_at_price, new_price) {
        (Some(raw), Some(p)) => variant::compare_at_price(&at(prefix, "compare_at_price"), p, raw).map(Some),
        (None, Some(p)) => match current.compare_at_price {
            Some(was) if was <= p.minor() => Err(FieldError::new(
                at(prefix, "price"),
                format!("must stay below the compare_at_price {was}, or clear that first"),
            )),
            _ => Ok(None),
        },
        (_, None) => Ok(None),
    };
    let parsed = (
        clearable(edit.sku, |s| sku(&at(prefix, "sku"), s)),
        edit.option_values
            .map(|v| product.options.combination(&at(prefix, "option_values"), &v))
            .transpose(),
        price,
        compare_at,
        edit.weight_grams
            .map(|w| Weight::parse(&at(prefix, "weight_grams"), w))
            .transpose(),
        clearable(edit.barcode, |b| Barcode::parse(&at(prefix, "barcode"), b)),
        clearable(edit.image, |i| image(&at(prefix, "image"), i)),
        edit.status
            .as_deref()
            .map(|s| ProductStatus::parse(&at(prefix, "status"), s))
            .transpose(),
    );
    let changes = match parsed {
        (
            Ok(sku),
            Ok(option_values),
            Ok(price),
            Ok(compare_at_price),
            Ok(weight),
            Ok(barcode),
            Ok(image),
            Ok(status),
        ) => VariantChanges {
            sku,
            option_values,
            price,
            compare_at_price,
            weight,
            barcode,
            image,
            status,
        },
        (a, b, c, d, e, f, g, h) => {
            return Err(Invalid::of([a.err(), b.err(), c.err(), d.err(), e.err(), f.err(), g.err(), h.err()]).into());
        }
    };
    // The changed variant against its siblings.
    let others: Vec<_> = product
        .variants
        .iter()
        .filter(|v| v.id != variant_id)
        .map(|v| (v.option_values.clone(), v.sku.clone()))
        .collect();
    let mut candidate = NewVariant::simple(Price::parse("price", current.price).map_err(Invalid::from)?, None, None);
    candidate.option_values = changes
        .option_values
        .clone()
        .unwrap_or_else(|| current.option_values.clone());
    candidate.sku = match &changes.sku {
        Some(s) => s.clone(),
        None => current.sku.as_deref().and_then(|s| Sku::parse(s).ok()),
    };
    check_set(&others, &[&candidate], true).map_err(|Invalid(errors)| {
        Invalid(
            errors
                .into_iter()
                .map(|e| FieldError::new(at(prefix, &e.field), e.message))
                .collect(),
        )
    })?;
    Ok(changes)
}

/// Changes a variant of a product. Answers the product.
pub async fn update_variant(
    state: &AppState,
    product_id: i64,
    variant_id: i64,
    edit: VariantEdit,
) -> AppResult<Product> {
    let result: AppResult<Product> = async {
        let product = product_for_edit(state, product_id).await?;
        let changes = parse_edit("", &product, variant_id, edit)?;
        let product = state
            .store()
            .update_variant(product_id, variant_id, changes, state.now())
            .await?;
        state.nudge_search();
        Ok(product)
    }
    .await;
    crate::audit::recorded(state, "variant.update", "variant", result, |v| {
        (
            variant_id.to_string(),
            serde_json::json!({"product_id": product_id, "after": {"price": v.price, "price_max": v.price_max}})
                .to_string(),
        )
    })
    .await
}

/// Withdraws a variant from sale (it stays in past orders and keeps its lots). Answers
/// the product.
pub async fn archive_variant(state: &AppState, product_id: i64, variant_id: i64) -> AppResult<Product> {
    let result: AppResult<Product> = async {
        let product = state
            .store()
            .archive_variant(product_id, variant_id, state.now())
            .await?;
        state.nudge_search();
        tracing::info!(product.id = product_id, variant.id = variant_id, "variant archived");
        Ok(product)
    }
    .await;
    crate::audit::recorded(state, "variant.archive", "variant", result, |_v| {
        (
            variant_id.to_string(),
            serde_json::json!({"product_id": product_id, "status": "archived"}).to_string(),
        )
    })
    .await
}
