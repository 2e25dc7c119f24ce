//! Pricing a cart at checkout.
//!
//! Two things live here. [`price_cart`] is today's checkout: one currency, the subtotal,
//! the constant shipping fee and the total, and a first check that every line's units
//! are on hand. The stock check reads what the cart was told, without any lock; the FIFO
//! draw that follows still decides. It exists so that a checkout bound to fail (nearly
//! every attempt in a flash sale) is refused before anything is written.
//!
//! Beside it grows the full pricing engine ([`price`]): shipping zones and methods,
//! automatic promotions, coupons and tax, from the shop's [`Rules`]. Under
//! [`Rules::default_shop`] it charges exactly what [`price_cart`] does. Its parts:
//!
//! - [`rules`]: the rules as one value, targets, schedules, percentages;
//! - [`shipping`], [`promotion`], [`coupon`], [`tax`]: each kind of rule and its checks;
//! - [`allocate`]: the one way money is split across lines (largest remainder);
//! - [`engine`]: the function, and the one definition of how offers combine;
//! - [`priced`]: the answer, with every discount's source and every refusal's reason.

pub mod allocate;
pub mod coupon;
pub mod engine;
pub mod priced;
pub mod promotion;
pub mod rules;
pub mod shipping;
pub mod tax;

pub use engine::{Checkout, Customer, Line, PriceError, ShippingOption, price, shipping_options};
pub use priced::{
    CouponOutcome, Discount, DiscountSource, PricedCart, PricedLine, PricedShipping, PromotionOutcome, Reason,
};
pub use rules::Rules;

use crate::order::shipping_fee;

/// A cart line as the checkout prices it: the product as it is now and the units wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CartItem<'a> {
    /// The product.
    pub product_id: i64,
    /// The variant of it.
    pub variant_id: i64,
    /// Its price now, minor units.
    pub unit_price: i64,
    /// The currency of that price.
    pub currency: &'a str,
    /// Units wanted.
    pub quantity: i64,
    /// Units on hand now.
    pub stock_available: i64,
}

/// What a cart costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    /// The one currency of every line.
    pub currency: String,
    /// Σ unit price × quantity.
    pub subtotal: i64,
    /// The shipping fee for that subtotal.
    pub shipping_fee: i64,
    /// subtotal + shipping fee.
    pub total: i64,
}

/// Why a cart cannot be ordered as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// Nothing to order.
    #[error("the cart is empty")]
    EmptyCart,
    /// Lines priced in different currencies (an order has one).
    #[error("the cart mixes currencies; order each currency separately")]
    MixedCurrencies,
    /// A line wants more units than are on hand.
    #[error("insufficient stock for product {product_id} (variant {variant_id}): {available} available")]
    InsufficientStock {
        /// The first such product, in the order of the lines.
        product_id: i64,
        /// Its variant.
        variant_id: i64,
        /// Units on hand.
        available: i64,
    },
}

/// Prices `items`: the currencies are checked first (every line), then the stock (the
/// first short line is named), so a cart with both faults reports the currencies.
pub fn price_cart(items: &[CartItem<'_>]) -> Result<Priced, PricingError> {
    let first = items.first().ok_or(PricingError::EmptyCart)?;
    if items.iter().any(|i| i.currency != first.currency) {
        return Err(PricingError::MixedCurrencies);
    }
    if let Some(short) = items.iter().find(|i| i.stock_available < i.quantity) {
        return Err(PricingError::InsufficientStock {
            product_id: short.product_id,
            variant_id: short.variant_id,
            available: short.stock_available,
        });
    }
    let subtotal = items.iter().map(|i| i.unit_price * i.quantity).sum();
    let shipping = shipping_fee(subtotal);
    Ok(Priced {
        currency: first.currency.to_owned(),
        subtotal,
        shipping_fee: shipping,
        total: subtotal + shipping,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{FREE_SHIPPING_FROM, SHIPPING_FEE};

    fn item(product_id: i64, unit_price: i64, quantity: i64, stock_available: i64) -> CartItem<'static> {
        CartItem {
            product_id,
            variant_id: product_id * 10,
            unit_price,
            currency: "CNY",
            quantity,
            stock_available,
        }
    }

    #[test]
    fn a_small_cart_pays_shipping() {
        let priced = price_cart(&[item(1, 1_250, 2, 5), item(2, 300, 1, 1)]).unwrap();
        assert_eq!(
            priced,
            Priced {
                currency: "CNY".into(),
                subtotal: 2_800,
                shipping_fee: SHIPPING_FEE,
                total: 2_800 + SHIPPING_FEE,
            }
        );
    }

    #[test]
    fn a_cart_at_the_threshold_ships_free() {
        let priced = price_cart(&[item(1, FREE_SHIPPING_FROM, 1, 1)]).unwrap();
        assert_eq!((priced.shipping_fee, priced.total), (0, FREE_SHIPPING_FROM));
    }

    #[test]
    fn an_empty_cart_is_refused() {
        assert_eq!(price_cart(&[]), Err(PricingError::EmptyCart));
    }

    #[test]
    fn one_currency_per_order() {
        let usd = CartItem {
            currency: "USD",
            ..item(2, 100, 1, 1)
        };
        assert_eq!(
            price_cart(&[item(1, 100, 1, 1), usd]),
            Err(PricingError::MixedCurrencies)
        );
        // Currencies are judged before stock.
        let short_usd = CartItem {
            stock_available: 0,
            ..usd
        };
        assert_eq!(
            price_cart(&[item(1, 100, 1, 1), short_usd]),
            Err(PricingError::MixedCurrencies)
        );
    }

    #[test]
    fn the_first_short_line_is_named() {
        assert_eq!(
            price_cart(&[item(1, 100, 1, 1), item(2, 100, 3, 2), item(3, 100, 9, 0)]),
            Err(PricingError::InsufficientStock {
                product_id: 2,
                variant_id: 20,
                available: 2
            })
        );
    }
}
