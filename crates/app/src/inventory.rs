//! Stock: receiving lots at a unit cost, and writing units off (oldest lot first, with
//! their exact cost).

use std::time::Duration;

use emporium_domain::inventory::{self, Units};
use emporium_domain::money::UnitCost;
use emporium_domain::text::{optional_line, single_line};
use emporium_domain::time::Timestamp;
use emporium_domain::{FieldError, Invalid};
use emporium_store::inventory::{Adjustment, Lot, NewLot};

use crate::error::AppResult;
use crate::state::AppState;

/// How far in the future a `received_at` may be (clock skew between machines).
const FUTURE_SLACK: Duration = Duration::from_secs(300);

/// A lot arriving, as typed by staff.
#[derive(Debug, Clone, Copy)]
pub struct Receipt<'a> {
    /// Units, 1–1,000,000,000.
    pub quantity: i64,
    /// Cost per unit, minor units, ≥ 0.
    pub unit_cost: i64,
    /// RFC 3339; defaults to now; not in the future.
    pub received_at: Option<&'a str>,
    /// Up to 500 characters (supplier, invoice number).
    pub note: Option<&'a str>,
}

/// Validates and receives a lot of stock for a variant of a product (`variant_id` may be
/// left out for a product with one variant).
pub async fn receive_stock(state: &AppState, id: i64, variant_id: Option<i64>, req: Receipt<'_>) -> AppResult<Lot> {
    let result: AppResult<Lot> = async {
        let now = state.now();
        let received_at = match req.received_at {
            None => Ok(now),
            Some(raw) => match Timestamp::parse_rfc3339(raw) {
                Some(t) if t <= now.plus(FUTURE_SLACK) => Ok(t),
                Some(_) => Err(FieldError::new("received_at", "must not be in the future")),
                None => Err(FieldError::new(
                    "received_at",
                    "must be an RFC 3339 time such as 2026-11-25T08:00:00Z",
                )),
            },
        };
        let lot = match (
            Units::parse("quantity", req.quantity),
            UnitCost::parse("unit_cost", req.unit_cost),
            received_at,
            optional_line("note", req.note, 500),
        ) {
            (Ok(quantity), Ok(unit_cost), Ok(received_at), Ok(note)) => NewLot {
                quantity,
                unit_cost,
                received_at,
                note,
            },
            (a, b, c, d) => return Err(Invalid::of([a.err(), b.err(), c.err(), d.err()]).into()),
        };
        let variant_id = variant_of(state, id, variant_id).await?;
        check_value(state, "unit_cost", Some(id), &lot).await?;
        let lot = state.store().receive_stock(id, variant_id, lot, now).await?;
        tracing::info!(
            product.id = id,
            variant.id = variant_id,
            lot.id = lot.id,
            units = lot.quantity,
            "stock received"
        );
        Ok(lot)
    }
    .await;
    crate::audit::recorded(state, "stock.receive", "lot", result, |v| (v.id.to_string(), serde_json::json!({"product_id": v.product_id, "variant_id": v.variant_id, "quantity": v.quantity, "unit_cost": v.unit_cost}).to_string())).await
}

/// Refuses a lot worth more than one lot may be, or that would make the product's stock
/// worth more than `emporium_domain::inventory::MAX_PRODUCT_STOCK_VALUE`, naming `field`.
/// `product` is `None` for a product being created (it holds nothing yet). The product's
/// value is read through its lots' index, so this costs a few rows, not a table scan.
pub(crate) async fn check_value(state: &AppState, field: &str, product: Option<i64>, lot: &NewLot) -> AppResult<()> {
    let value = inventory::lot_value(field, lot.quantity, lot.unit_cost)?;
    if let Some(product) = product {
        let on_hand = state.store().product_stock_value(product).await?;
        inventory::check_stock_value(field, on_hand, value)?;
    }
    Ok(())
}

/// The variant of product `id` a stock request means (see [`crate::variants::resolve`]).
async fn variant_of(state: &AppState, id: i64, variant_id: Option<i64>) -> AppResult<i64> {
    let product = state
        .store()
        .product(id)
        .await?
        .ok_or(crate::error::AppError::NotFound("product"))?;
    crate::variants::resolve(&product, variant_id)
}

/// A product's lots, of one variant when given, oldest first.
pub async fn lots(
    state: &AppState,
    id: i64,
    variant_id: Option<i64>,
    after: Option<(i64, i64)>,
    limit: i64,
) -> AppResult<Vec<Lot>> {
    let product = state
        .store()
        .product(id)
        .await?
        .ok_or(crate::error::AppError::NotFound("product"))?;
    if let Some(v) = variant_id {
        product.variant(v).ok_or(crate::error::AppError::NotFound("variant"))?;
    }
    Ok(state.store().lots(id, variant_id, after, limit).await?)
}

/// Writes units of a variant off (damaged, lost): they leave the oldest lots first, like
/// a sale, and the answer carries their exact cost. `variant_id` may be left out for a
/// product with one variant.
pub async fn write_off(
    state: &AppState,
    staff_id: i64,
    id: i64,
    variant_id: Option<i64>,
    quantity: i64,
    reason: &str,
) -> AppResult<Adjustment> {
    let result: AppResult<Adjustment> = async {
        let (quantity, reason) = match (
            Units::parse("quantity", quantity),
            single_line("reason", reason, 1, 200),
        ) {
            (Ok(q), Ok(r)) => (q, r),
            (q, r) => return Err(Invalid::of([q.err(), r.err()]).into()),
        };
        let variant_id = variant_of(state, id, variant_id).await?;
        let adjustment = state
            .store()
            .adjust_stock(id, variant_id, quantity, reason, Some(staff_id), state.now())
            .await?;
        tracing::info!(
            product.id = id,
            units = adjustment.quantity,
            cost = adjustment.cost,
            "stock written off"
        );
        Ok(adjustment)
    }
    .await;
    crate::audit::recorded(state, "stock.write_off", "product", result, |_v| {
        (
            id.to_string(),
            serde_json::json!({"variant_id": variant_id, "quantity": quantity, "reason": reason}).to_string(),
        )
    })
    .await
}
