//! Offers as the engine handles them: whether each promotion and typed code qualifies
//! on its own (step 1 of the [engine's rules](super)), and what a qualifying one takes
//! off each of its lines when it is stacked (step 3).

use std::cmp::Reverse;

use crate::pricing::allocate::largest_remainder;
use crate::pricing::coupon::{Coupon, CouponKind};
use crate::pricing::engine::{Checkout, Line};
use crate::pricing::priced::{DiscountSource, Reason};
use crate::pricing::promotion::{Promotion, PromotionKind};
use crate::pricing::rules::Targets;

/// The distinct codes typed, trimmed and upper-cased, in the order first typed.
pub(super) fn typed_codes(raw: &[String]) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for code in raw.iter().map(|c| c.trim().to_ascii_uppercase()) {
        if !code.is_empty() && !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// A promotion or coupon that qualifies on its own, ready to be stacked.
#[derive(Debug)]
pub(super) struct Offer<'r> {
    /// What it is.
    what: OfferRule<'r>,
    /// The indices of the lines it targets.
    pub(super) lines: Vec<usize>,
    /// Their list-price subtotal.
    spend: i64,
    /// Its place in the stacking order (and the tie-break): promotions before coupons,
    /// higher priority first, then lower id.
    pub(super) rank: (u8, Reverse<i32>, i64),
}

#[derive(Debug, Clone, Copy)]
enum OfferRule<'r> {
    Promotion(&'r Promotion),
    Coupon(&'r Coupon),
}

impl Offer<'_> {
    fn new<'r>(what: OfferRule<'r>, lines: Vec<usize>, spend: i64) -> Offer<'r> {
        let rank = match what {
            OfferRule::Promotion(p) => (0, Reverse(p.priority), p.id),
            OfferRule::Coupon(c) => (1, Reverse(0), c.id),
        };
        Offer {
            what,
            lines,
            spend,
            rank,
        }
    }

    pub(super) fn combinable(&self) -> bool {
        match self.what {
            OfferRule::Promotion(p) => p.combinable,
            OfferRule::Coupon(c) => c.combinable,
        }
    }

    pub(super) fn source(&self) -> DiscountSource {
        match self.what {
            OfferRule::Promotion(p) => DiscountSource::Promotion(p.id),
            OfferRule::Coupon(c) => DiscountSource::Coupon(c.code.clone()),
        }
    }

    pub(super) fn frees_shipping(&self) -> bool {
        matches!(
            self.what,
            OfferRule::Promotion(Promotion {
                kind: PromotionKind::FreeShipping { .. },
                ..
            })
        )
    }

    /// What it takes off each of its lines, given what is left of every line.
    pub(super) fn shares(&self, lines: &[Line], rest: &[i64]) -> Vec<i64> {
        let left: Vec<i64> = self.lines.iter().map(|&i| rest[i]).collect();
        let pool: i64 = left.iter().sum();
        let per_line =
            |f: &dyn Fn(&Line) -> i64| -> Vec<i64> { self.lines.iter().map(|&i| f(&lines[i]).min(rest[i])).collect() };
        match self.what {
            OfferRule::Promotion(p) => match &p.kind {
                PromotionKind::Threshold(tiers) => {
                    let off = tiers.best_for(self.spend).map_or(0, |t| t.off.minor());
                    largest_remainder(off.min(pool), &left)
                }
                PromotionKind::PercentOff(percent) => largest_remainder(percent.of_amount_floor(pool), &left),
                PromotionKind::FixedOff { per_unit } => per_line(&|l| per_unit.minor() * l.quantity),
                PromotionKind::BuyNGetM(b) => per_line(&|l| b.free_units(l.quantity) * l.unit_price),
                PromotionKind::FreeShipping { .. } => vec![0; self.lines.len()],
            },
            OfferRule::Coupon(c) => {
                let amount = match c.kind {
                    CouponKind::Fixed { value } => value.minor(),
                    CouponKind::Percent { value, max_discount } => {
                        let off = value.of_amount_floor(pool);
                        max_discount.map_or(off, |cap| off.min(cap.minor()))
                    }
                };
                largest_remainder(amount.min(pool), &left)
            }
        }
    }
}

/// Whether an offer qualifies on its own, and if not why.
#[derive(Debug)]
pub(super) enum Verdict<'r> {
    Qualifies(Offer<'r>),
    Rejected(Reason),
}

impl<'r> Verdict<'r> {
    pub(super) fn offer(&self) -> Option<&Offer<'r>> {
        match self {
            Self::Qualifies(offer) => Some(offer),
            Self::Rejected(_) => None,
        }
    }
}

/// The targeted lines' indices and their list-price subtotal.
fn targeted(checkout: &Checkout, targets: &Targets) -> (Vec<usize>, i64) {
    let lines: Vec<usize> = (0..checkout.lines.len())
        .filter(|&i| {
            let l = &checkout.lines[i];
            targets.matches(l.product_id, l.variant_id, &l.category_ids)
        })
        .collect();
    let spend = lines.iter().map(|&i| checkout.lines[i].subtotal()).sum();
    (lines, spend)
}

pub(super) fn qualify_promotion<'r>(p: &'r Promotion, checkout: &Checkout) -> Verdict<'r> {
    if let Some(reason) = p.schedule.reason_at(checkout.now) {
        return Verdict::Rejected(reason);
    }
    let (lines, spend) = targeted(checkout, &p.targets);
    if lines.is_empty() {
        return Verdict::Rejected(Reason::NoMatchingItems);
    }
    let short = match &p.kind {
        PromotionKind::Threshold(tiers) => (spend < tiers.lowest_min_spend().minor()).then_some(Reason::MinSpendNotMet),
        PromotionKind::FreeShipping { min_spend } => (spend < min_spend.minor()).then_some(Reason::MinSpendNotMet),
        PromotionKind::BuyNGetM(b) => lines
            .iter()
            .all(|&i| b.free_units(checkout.lines[i].quantity) == 0)
            .then_some(Reason::QuantityNotMet),
        PromotionKind::PercentOff(_) | PromotionKind::FixedOff { .. } => None,
    };
    match short {
        Some(reason) => Verdict::Rejected(reason),
        None => Verdict::Qualifies(Offer::new(OfferRule::Promotion(p), lines, spend)),
    }
}

pub(super) fn qualify_coupon<'r>(c: &'r Coupon, checkout: &Checkout) -> Verdict<'r> {
    if let Some(reason) = c.schedule.reason_at(checkout.now) {
        return Verdict::Rejected(reason);
    }
    if c.usage_limit.is_some_and(|limit| c.used >= limit) {
        return Verdict::Rejected(Reason::UsageLimitReached);
    }
    if let Some(limit) = c.per_customer_limit {
        let Some(_) = checkout.customer.id else {
            return Verdict::Rejected(Reason::SignInRequired);
        };
        if checkout.customer.coupon_uses.get(&c.id).copied().unwrap_or(0) >= limit {
            return Verdict::Rejected(Reason::PerCustomerLimitReached);
        }
    }
    let (lines, spend) = targeted(checkout, &c.targets);
    if lines.is_empty() {
        return Verdict::Rejected(Reason::NoMatchingItems);
    }
    if spend < c.min_spend.minor() {
        return Verdict::Rejected(Reason::MinSpendNotMet);
    }
    Verdict::Qualifies(Offer::new(OfferRule::Coupon(c), lines, spend))
}
