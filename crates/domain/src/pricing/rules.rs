//! The shop's pricing rules as one value, and the small types every offer shares: which
//! lines it targets, when it is live, and a percentage.
//!
//! Rules are plain data loaded by the store and handed to [`price`](super::price); the
//! engine never looks anything up. Each part is built from validated values (an
//! [`Amount`] is never negative, a [`Percent`] never above 100, a [`Schedule`] never ends
//! before it starts), so the engine itself has nothing left to reject in a rule.

use crate::FieldError;
use crate::money::{Amount, Currency};
use crate::order::{FREE_SHIPPING_FROM, SHIPPING_FEE};
use crate::pricing::coupon::Coupon;
use crate::pricing::priced::Reason;
use crate::pricing::promotion::Promotion;
use crate::pricing::shipping::{ShippingMethod, ShippingRule, ShippingZone};
use crate::pricing::tax::{TaxMode, TaxRate, TaxRules};
use crate::time::Timestamp;

/// Everything the shop has configured that decides what a cart costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// The currency every amount in these rules (fees, amounts off, minimum spends) is in;
    /// a cart in another currency is refused rather than priced with the wrong numbers.
    pub currency: Currency,
    /// Where the shop ships and how, most specific zones first where it matters (see
    /// [`offered_methods`](super::shipping::offered_methods)).
    pub zones: Vec<ShippingZone>,
    /// Automatic promotions, live or not (the engine checks their schedules).
    pub promotions: Vec<Promotion>,
    /// Coupons the shopper's codes may name (all of them, or only those the store found
    /// for the codes typed: a code not here is `unknown_code`).
    pub coupons: Vec<Coupon>,
    /// Tax rates and whether prices include tax.
    pub tax: TaxRules,
}

/// The id of the one shipping method of [`Rules::default_shop`].
pub const DEFAULT_METHOD_ID: i64 = 1;
/// The id of the one shipping zone of [`Rules::default_shop`].
pub const DEFAULT_ZONE_ID: i64 = 1;
/// China's VAT rate on goods (13 %), the default shop's rate for goods and shipping.
pub const CN_GOODS_VAT: TaxRate = TaxRate::of(1_300);

impl Rules {
    /// The rules of a shop that has configured nothing, which price exactly as checkout
    /// did before zones and promotions existed ([`crate::pricing::price_cart`]): one zone
    /// for every address with a flat [`SHIPPING_FEE`] waived from [`FREE_SHIPPING_FROM`], no
    /// promotions or coupons, and 13 % VAT included in prices. The zone is the whole
    /// world, as checkout charged every address alike.
    ///
    /// Tax is inclusive, so it is shown inside the prices and never changes a total.
    /// Shipping is taxed at the goods rate too: in China a seller delivering its own
    /// goods makes one "mixed sale" (混合销售) taxed at the rate of the goods.
    pub fn default_shop() -> Self {
        Self {
            currency: Currency::CNY,
            zones: vec![ShippingZone {
                id: DEFAULT_ZONE_ID,
                name: "全部地区".to_owned(),
                country: None,
                regions: Vec::new(),
                methods: vec![ShippingMethod {
                    id: DEFAULT_METHOD_ID,
                    name: "快递".to_owned(),
                    name_en: Some("Standard delivery".to_owned()),
                    rule: ShippingRule::Flat {
                        fee: Amount::of(SHIPPING_FEE),
                    },
                    free_above: Some(Amount::of(FREE_SHIPPING_FROM)),
                    estimate: None,
                }],
            }],
            promotions: Vec::new(),
            coupons: Vec::new(),
            tax: TaxRules {
                mode: TaxMode::Inclusive,
                default_rate: CN_GOODS_VAT,
                shipping_rate: CN_GOODS_VAT,
                categories: Vec::new(),
            },
        }
    }
}

/// The cart lines an offer is about. A line matches when its product, its variant or
/// any of its categories (its own or an ancestor) is listed; all three lists empty
/// means every line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Targets {
    /// Products whose every variant is targeted.
    pub product_ids: Vec<i64>,
    /// Single variants.
    pub variant_ids: Vec<i64>,
    /// Categories, including every category below them.
    pub category_ids: Vec<i64>,
}

impl Targets {
    /// Every line of the cart.
    pub fn whole_cart() -> Self {
        Self::default()
    }

    /// Whether nothing is listed, so every line is targeted.
    pub fn is_whole_cart(&self) -> bool {
        self.product_ids.is_empty() && self.variant_ids.is_empty() && self.category_ids.is_empty()
    }

    /// Whether a line with these ids is targeted (`category_ids`: the line's category
    /// and all its ancestors).
    pub fn matches(&self, product_id: i64, variant_id: i64, category_ids: &[i64]) -> bool {
        self.is_whole_cart()
            || self.product_ids.contains(&product_id)
            || self.variant_ids.contains(&variant_id)
            || category_ids.iter().any(|c| self.category_ids.contains(c))
    }
}

/// When an offer is live: from `starts_at` (inclusive) until `ends_at` (exclusive);
/// either end may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Schedule {
    starts_at: Option<Timestamp>,
    ends_at: Option<Timestamp>,
}

impl Schedule {
    /// Live at every instant.
    pub const ALWAYS: Schedule = Schedule {
        starts_at: None,
        ends_at: None,
    };

    /// A schedule; the end must come after the start (an error on `ends_at`).
    pub fn new(starts_at: Option<Timestamp>, ends_at: Option<Timestamp>) -> Result<Self, FieldError> {
        match (starts_at, ends_at) {
            (Some(start), Some(end)) if end <= start => Err(FieldError::new("ends_at", "must be after starts_at")),
            _ => Ok(Self { starts_at, ends_at }),
        }
    }

    /// The first instant it is live, if it has one.
    pub fn starts_at(self) -> Option<Timestamp> {
        self.starts_at
    }

    /// The first instant it is no longer live, if it has one.
    pub fn ends_at(self) -> Option<Timestamp> {
        self.ends_at
    }

    /// Why it is not live at `now` (`not_started`, `expired`), or `None` when it is.
    pub fn reason_at(self, now: Timestamp) -> Option<Reason> {
        if self.starts_at.is_some_and(|s| now < s) {
            Some(Reason::NotStarted)
        } else if self.ends_at.is_some_and(|e| now >= e) {
            Some(Reason::Expired)
        } else {
            None
        }
    }
}

/// A discount percentage, a whole number from 1 to 100 (a 85折 sale is 15 % off).
///
/// Whole percent because that is how shops state discounts; tax rates, which need
/// fractions of a percent, use basis points instead ([`TaxRate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(u8);

impl Percent {
    /// Parses a percentage for `field`: 1 ..= 100.
    pub fn parse(field: &str, value: i64) -> Result<Self, FieldError> {
        match u8::try_from(value) {
            Ok(p @ 1..=100) => Ok(Self(p)),
            _ => Err(FieldError::new(field, "must be a whole percentage from 1 to 100")),
        }
    }

    /// A percentage known to be valid, for constants and tests.
    ///
    /// # Panics
    /// If `value` is outside 1 ..= 100 (in a `const`, a compile error).
    pub const fn of(value: u8) -> Self {
        assert!(value >= 1 && value <= 100, "a percentage is 1 ..= 100");
        Self(value)
    }

    /// The percentage, 1 ..= 100.
    pub fn get(self) -> u8 {
        self.0
    }

    /// This percentage of `amount` (≥ 0), rounded down: a discount never exceeds what
    /// was advertised, and 100 % of an amount is all of it.
    pub fn of_amount_floor(self, amount: i64) -> i64 {
        let exact = i128::from(amount.max(0)) * i128::from(self.0) / 100;
        i64::try_from(exact).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_match_by_product_variant_or_category() {
        let all = Targets::whole_cart();
        assert!(all.matches(1, 10, &[]));
        let t = Targets {
            product_ids: vec![1],
            variant_ids: vec![20],
            category_ids: vec![7],
        };
        assert!(t.matches(1, 11, &[]));
        assert!(t.matches(2, 20, &[]));
        assert!(t.matches(3, 30, &[9, 7]), "an ancestor category counts");
        assert!(!t.matches(3, 30, &[9]));
    }

    #[test]
    fn schedules_start_inclusive_and_end_exclusive() {
        let at = Timestamp::from_millis;
        let s = Schedule::new(Some(at(100)), Some(at(200))).unwrap();
        assert_eq!(s.reason_at(at(99)), Some(Reason::NotStarted));
        assert_eq!(s.reason_at(at(100)), None);
        assert_eq!(s.reason_at(at(199)), None);
        assert_eq!(s.reason_at(at(200)), Some(Reason::Expired));
        assert_eq!(Schedule::ALWAYS.reason_at(at(0)), None);
        let err = Schedule::new(Some(at(200)), Some(at(100))).unwrap_err();
        assert_eq!(err.field, "ends_at");
        assert!(Schedule::new(Some(at(100)), Some(at(100))).is_err(), "an empty window");
        assert!(Schedule::new(None, Some(at(100))).is_ok());
    }

    #[test]
    fn percentages_are_whole_and_round_down() {
        assert!(Percent::parse("value", 0).is_err());
        assert_eq!(Percent::parse("value", 101).unwrap_err().field, "value");
        assert!(Percent::parse("value", -5).is_err());
        assert_eq!(Percent::parse("value", 100), Ok(Percent::of(100)));
        // 15 % of 9.99 is 1.4985: the shopper gets 1.49 off, never more than advertised.
        assert_eq!(Percent::of(15).of_amount_floor(999), 149);
        assert_eq!(Percent::of(100).of_amount_floor(999), 999);
        assert_eq!(Percent::of(1).of_amount_floor(99), 0);
    }
}
