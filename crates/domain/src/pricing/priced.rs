//! What the engine answers: a priced cart, line by line, with every discount traced to
//! the promotion or coupon that gave it, and every offer that did not apply with why.
//!
//! The cart page, the checkout and the placed order all show this one value, so a
//! preview and the order it becomes cannot disagree.

use std::fmt;

use crate::money::Currency;
use crate::pricing::coupon::CouponCode;
use crate::pricing::tax::{TaxMode, TaxRate};

/// Why a promotion or coupon was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The targeted lines, before discounts, do not reach its minimum spend.
    MinSpendNotMet,
    /// No line has enough units (buy N get M).
    QuantityNotMet,
    /// Its start is still ahead.
    NotStarted,
    /// Its end has passed.
    Expired,
    /// The coupon has been used as often as it may be.
    UsageLimitReached,
    /// This customer has used the coupon as often as one customer may.
    PerCustomerLimitReached,
    /// The coupon has a per-customer limit and the shopper is not signed in.
    SignInRequired,
    /// It qualified, but a better combination of offers was chosen without it.
    NotCombinable,
    /// None of the cart's lines is among its targets.
    NoMatchingItems,
    /// No coupon has this code.
    UnknownCode,
    /// It qualified and was chosen, but had nothing left to take off (the lines or the
    /// shipping were already free).
    NothingToDiscount,
}

impl Reason {
    /// The stable snake_case code clients match on.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MinSpendNotMet => "min_spend_not_met",
            Self::QuantityNotMet => "quantity_not_met",
            Self::NotStarted => "not_started",
            Self::Expired => "expired",
            Self::UsageLimitReached => "usage_limit_reached",
            Self::PerCustomerLimitReached => "per_customer_limit_reached",
            Self::SignInRequired => "sign_in_required",
            Self::NotCombinable => "not_combinable",
            Self::NoMatchingItems => "no_matching_items",
            Self::UnknownCode => "unknown_code",
            Self::NothingToDiscount => "nothing_to_discount",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who gave a discount.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DiscountSource {
    /// An automatic promotion, by id.
    Promotion(i64),
    /// A coupon, by code.
    Coupon(CouponCode),
}

impl fmt::Display for DiscountSource {
    /// `promotion:12` or `coupon:SPRING10`, the form stored with an order's lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Promotion(id) => write!(f, "promotion:{id}"),
            Self::Coupon(code) => write!(f, "coupon:{}", code.as_str()),
        }
    }
}

/// One discount's share of one line or of the shipping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discount {
    /// Who gave it.
    pub source: DiscountSource,
    /// How much, minor units (> 0).
    pub amount: i64,
}

/// A priced cart line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
    /// The price of one unit, minor units.
    pub unit_price: i64,
    /// Units.
    pub quantity: i64,
    /// unit price × quantity.
    pub subtotal: i64,
    /// The discounts on it, in the order they applied.
    pub discounts: Vec<Discount>,
    /// subtotal − Σ discounts: what the line costs, never negative. A refund of this
    /// line returns at most this.
    pub net: i64,
    /// The rate its tax was computed at.
    pub tax_rate: TaxRate,
    /// The tax in (inclusive) or on (exclusive) `net`.
    pub tax: i64,
}

/// The priced shipping line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedShipping {
    /// The method.
    pub method_id: i64,
    /// Its name in Chinese.
    pub name: String,
    /// Its name in English, if it has one.
    pub name_en: Option<String>,
    /// Its delivery estimate, if it has one.
    pub estimate: Option<String>,
    /// The method's fee for this cart (after its own `free_above`), before discounts.
    pub base_fee: i64,
    /// Discounts on the fee (free-shipping promotions).
    pub discounts: Vec<Discount>,
    /// base fee − Σ discounts, never negative.
    pub fee: i64,
    /// The rate its tax was computed at.
    pub tax_rate: TaxRate,
    /// The tax in (inclusive) or on (exclusive) `fee`.
    pub tax: i64,
}

/// What became of one automatic promotion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionOutcome {
    /// The promotion.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Whether it took something off.
    pub applied: bool,
    /// What it took off in all (lines and shipping); 0 when not applied.
    pub amount: i64,
    /// Why not, when not applied.
    pub reason: Option<Reason>,
}

/// What became of one code the shopper typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponOutcome {
    /// The code as typed, trimmed and upper-cased.
    pub code: String,
    /// The coupon it names, if one does.
    pub coupon_id: Option<i64>,
    /// Whether it took something off.
    pub applied: bool,
    /// What it took off in all; 0 when not applied.
    pub amount: i64,
    /// Why not, when not applied.
    pub reason: Option<Reason>,
}

/// A cart priced for checkout.
///
/// Always: `discount_total = Σ line discounts + Σ shipping discounts`;
/// `total = Σ line nets + shipping fee`, plus `tax_total` when tax is exclusive; no
/// amount is negative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedCart {
    /// The currency of every amount.
    pub currency: Currency,
    /// Whether prices include tax.
    pub tax_mode: TaxMode,
    /// The lines, in the cart's order.
    pub lines: Vec<PricedLine>,
    /// The shipping line.
    pub shipping: PricedShipping,
    /// Σ line subtotals.
    pub subtotal: i64,
    /// Every discount, lines and shipping.
    pub discount_total: i64,
    /// The shipping fee after its discounts.
    pub shipping_fee: i64,
    /// Σ line taxes + shipping tax.
    pub tax_total: i64,
    /// What the shopper pays.
    pub total: i64,
    /// Every automatic promotion of the rules, in their order.
    pub promotions: Vec<PromotionOutcome>,
    /// Every distinct code typed, in the order typed.
    pub coupons: Vec<CouponOutcome>,
}
