//! What a cart costs, as the shopper sees it before ordering: the price breakdown
//! (`POST /cart/price`) and the shipping methods for an address (`GET /shipping-methods`).
//! The breakdown is the pricing engine's answer as is; placing the order stores the same.

use axum::Json;
use axum::extract::State;
use emporium_app::{AppState, cart};
use emporium_domain::pricing::{Discount, PricedCart, ShippingOption};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiResult, Problem};
use crate::extract::{JsonBody, Query, Shopper};

/// One discount's share of a line or of the shipping.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DiscountView {
    /// What gave it: `promotion:<id>` or `coupon:<CODE>`.
    pub source: String,
    /// Minor units.
    pub amount: i64,
}

impl From<&Discount> for DiscountView {
    fn from(d: &Discount) -> Self {
        Self {
            source: d.source.to_string(),
            amount: d.amount,
        }
    }
}

/// A priced cart line.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PricedLineView {
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
    /// Price of one unit, minor units.
    pub unit_price: i64,
    /// Units.
    pub quantity: i64,
    /// unit_price × quantity.
    pub subtotal: i64,
    /// The discounts on it, in the order they applied.
    pub discounts: Vec<DiscountView>,
    /// subtotal − discounts: what the line costs.
    pub net: i64,
    /// Tax rate, basis points (1300 = 13 %).
    pub tax_rate: u32,
    /// The tax in (inclusive) or on (exclusive) `net`.
    pub tax: i64,
}

/// The priced shipping line.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PricedShippingView {
    /// The method.
    pub method_id: i64,
    /// Its name in the shop's language.
    pub name: String,
    /// Its English name, if any.
    pub name_en: Option<String>,
    /// Delivery estimate, if any.
    pub estimate: Option<String>,
    /// The method's fee for this cart, before discounts.
    pub base_fee: i64,
    /// Discounts on the fee (free-shipping promotions).
    pub discounts: Vec<DiscountView>,
    /// base_fee − discounts.
    pub fee: i64,
    /// The tax in (inclusive) or on (exclusive) `fee`.
    pub tax: i64,
}

/// A promotion or coupon considered, applied or not and why.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OfferView {
    /// The promotion's id (promotions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// The promotion's name (promotions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The code, upper case (coupons only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Whether it took something off.
    pub applied: bool,
    /// What it took off, minor units (0 when not applied).
    pub amount: i64,
    /// Why not: `min_spend_not_met`, `quantity_not_met`, `not_started`, `expired`,
    /// `usage_limit_reached`, `per_customer_limit_reached`, `sign_in_required`,
    /// `not_combinable`, `no_matching_items`, `unknown_code`, `nothing_to_discount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A shipping method offered for an address.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShippingMethodView {
    /// The method (pass as `shipping_method_id`).
    pub id: i64,
    /// Its name in the shop's language.
    pub name: String,
    /// Its English name, if any.
    pub name_en: Option<String>,
    /// Its fee for the cart as it is, at list prices, minor units.
    pub fee: i64,
    /// Currency of the fee.
    pub currency: String,
    /// Delivery estimate, if any.
    pub estimate: Option<String>,
}

impl ShippingMethodView {
    fn new(o: ShippingOption, currency: &str) -> Self {
        Self {
            id: o.method_id,
            name: o.name,
            name_en: o.name_en,
            fee: o.fee,
            currency: currency.to_owned(),
            estimate: o.estimate,
        }
    }
}

/// The cart priced: the same numbers placing the order now would store.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PriceView {
    /// Currency of every amount.
    pub currency: String,
    /// `inclusive` (prices contain tax, shown) or `exclusive` (tax added to the total).
    pub tax_mode: String,
    /// Σ line subtotals.
    pub subtotal: i64,
    /// Every discount, lines and shipping.
    pub discount_total: i64,
    /// The shipping fee after its discounts.
    pub shipping_fee: i64,
    /// Σ line taxes + shipping tax.
    pub tax_total: i64,
    /// What the shopper pays: Σ line nets + shipping fee (+ tax_total when exclusive).
    pub total: i64,
    /// The lines, in the cart's order.
    pub lines: Vec<PricedLineView>,
    /// The shipping line.
    pub shipping: PricedShippingView,
    /// Every live automatic promotion, applied or not.
    pub promotions: Vec<OfferView>,
    /// Every code sent, applied or not.
    pub coupons: Vec<OfferView>,
    /// The methods offered for this cart and address (choose with `shipping_method_id`).
    pub shipping_methods: Vec<ShippingMethodView>,
}

impl PriceView {
    /// The engine's answer, with the methods offered.
    pub fn new(p: PricedCart, options: Vec<ShippingOption>) -> Self {
        let currency = p.currency.code().to_owned();
        Self {
            tax_mode: p.tax_mode.as_str().to_owned(),
            subtotal: p.subtotal,
            discount_total: p.discount_total,
            shipping_fee: p.shipping_fee,
            tax_total: p.tax_total,
            total: p.total,
            lines: p
                .lines
                .iter()
                .map(|l| PricedLineView {
                    product_id: l.product_id,
                    variant_id: l.variant_id,
                    unit_price: l.unit_price,
                    quantity: l.quantity,
                    subtotal: l.subtotal,
                    discounts: l.discounts.iter().map(DiscountView::from).collect(),
                    net: l.net,
                    tax_rate: l.tax_rate.basis_points(),
                    tax: l.tax,
                })
                .collect(),
            shipping: PricedShippingView {
                method_id: p.shipping.method_id,
                name: p.shipping.name,
                name_en: p.shipping.name_en,
                estimate: p.shipping.estimate,
                base_fee: p.shipping.base_fee,
                discounts: p.shipping.discounts.iter().map(DiscountView::from).collect(),
                fee: p.shipping.fee,
                tax: p.shipping.tax,
            },
            promotions: p
                .promotions
                .into_iter()
                .map(|o| OfferView {
                    id: Some(o.id),
                    name: Some(o.name),
                    code: None,
                    applied: o.applied,
                    amount: o.amount,
                    reason: o.reason.map(|r| r.as_str().to_owned()),
                })
                .collect(),
            coupons: p
                .coupons
                .into_iter()
                .map(|o| OfferView {
                    id: None,
                    name: None,
                    code: Some(o.code),
                    applied: o.applied,
                    amount: o.amount,
                    reason: o.reason.map(|r| r.as_str().to_owned()),
                })
                .collect(),
            shipping_methods: options
                .into_iter()
                .map(|o| ShippingMethodView::new(o, &currency))
                .collect(),
            currency,
        }
    }
}

/// What to price the cart for.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceCartRequest {
    /// One of the caller's addresses (default: their first).
    pub address_id: Option<i64>,
    /// A shipping method offered there (default: the first offered).
    pub shipping_method_id: Option<i64>,
    /// Up to 5 coupon codes, any case.
    #[serde(default)]
    pub coupon_codes: Vec<String>,
}

/// Prices the caller's cart as an order placed now would be: each line's discounts and
/// tax, the shipping, the totals, and every promotion and code with why it did or did not
/// apply. Nothing is reserved or counted.
#[utoipa::path(post, path = "/api/v1/cart/price", tag = "cart", security(("bearer" = []), ("cart_token" = [])), request_body = PriceCartRequest,
    responses(
        (status = 200, description = "The breakdown", body = PriceView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such address of yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The cart is empty", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, no shipping method for the address (`no_shipping_method`) or the method is not offered there (`shipping_method_not_offered`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn price_cart(
    State(state): State<AppState>,
    Shopper(session): Shopper,
    JsonBody(req): JsonBody<PriceCartRequest>,
) -> ApiResult<Json<PriceView>> {
    let address = cart::checkout_address(&state, session.user.id, req.address_id).await?;
    let priced = cart::price(
        &state,
        session.user.id,
        address,
        req.shipping_method_id,
        &req.coupon_codes,
    )
    .await?;
    Ok(Json(PriceView::new(priced.priced, priced.options)))
}

/// Which address to list shipping methods for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShippingMethodsParams {
    /// One of the caller's addresses (default: their first).
    pub address_id: Option<i64>,
}

/// The shipping methods offered for the caller's cart to one of their addresses, each
/// with its fee for the cart as it is (before promotions). An empty list means the
/// address cannot check out.
#[utoipa::path(get, path = "/api/v1/shipping-methods", tag = "cart", security(("bearer" = []), ("cart_token" = [])), params(ShippingMethodsParams),
    responses(
        (status = 200, description = "The methods", body = ShippingMethodsPage),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such address of yours", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn shipping_methods(
    State(state): State<AppState>,
    Shopper(session): Shopper,
    Query(params): Query<ShippingMethodsParams>,
) -> ApiResult<Json<ShippingMethodsPage>> {
    let address = cart::checkout_address(&state, session.user.id, params.address_id).await?;
    let options = cart::shipping_methods(&state, session.user.id, address).await?;
    Ok(Json(ShippingMethodsPage {
        data: options.into_iter().map(|o| ShippingMethodView::new(o, "CNY")).collect(),
    }))
}

/// The shipping methods offered.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShippingMethodsPage {
    /// The methods, the default first.
    pub data: Vec<ShippingMethodView>,
}
