//! The pricing engine: one pure function from a cart, a shopper, an address, a chosen
//! shipping method, typed coupon codes, the time and the shop's [`Rules`] to a
//! [`PricedCart`]. Nothing is looked up or written; the same input always gives the same
//! cart, so a preview and the order placed from it agree to the fen.
//!
//! # How offers combine (the one definition)
//!
//! 1. **Qualifying.** Every automatic promotion and every coupon code typed is checked
//!    on its own: its schedule (`not_started`, `expired`), a coupon's limits
//!    (`usage_limit_reached`, `sign_in_required`, `per_customer_limit_reached`), its
//!    targets (`no_matching_items`) and its minimum (`min_spend_not_met`,
//!    `quantity_not_met`); an unknown code is `unknown_code`. Minimum spends are
//!    measured on the targeted lines at their list prices, before any discount, so
//!    whether an offer qualifies never depends on which other offers apply.
//! 2. **Candidates.** The qualifying offers that are combinable form one candidate,
//!    applied together; each non-combinable offer is a candidate alone.
//! 3. **Stacking.** Within a candidate, offers apply one after another on what the
//!    previous ones left: automatic promotions first, by priority (higher first) then
//!    id, then coupons by id. Each is capped by what is left of its lines, so no line
//!    goes negative. Free-shipping promotions apply last, to the shipping fee, which is
//!    computed (with the method's `free_above`) from the goods after item discounts.
//! 4. **Choosing.** The candidate that leaves the shopper the lowest total wins — the
//!    largest discount, except where a discount would cost more in shipping than it
//!    saves; ties go to the candidate holding the highest-ranked offer (the order of
//!    step 3). Every qualifying offer not in it is reported `not_combinable`; one in it
//!    that took nothing off is reported `nothing_to_discount`.
//!
//! # Amounts
//!
//! - A percentage applies to the targeted lines' remaining amount together and is
//!   rounded **down** (the shopper never gets more than advertised; a coupon's
//!   `max_discount` caps it after rounding).
//! - 满减, percentages and fixed coupons are shared across their lines by the
//!   [largest remainder method](super::allocate::largest_remainder) in proportion to
//!   what is left of each, so the shares add up exactly; a fixed-off promotion is per
//!   unit and buy-N-get-M per line, so they need no sharing.
//! - Tax is per line on its net, and on the shipping fee after its discount, rounded
//!   half up ([`tax_of`]).
//!
//! # Shipping
//!
//! The methods offered are those of the zones covering the address (regional zones
//! before whole-country ones) that can carry the parcel (a parcel heavier than a
//! method's last bounded weight tier cannot go by it). With no method picked, the first
//! offered is used; none offered is [`PriceError::NoShippingMethod`], a method picked
//! but not offered [`PriceError::ShippingMethodNotOffered`].
//!
//! Stock is not checked here; [`price_cart`](super::price_cart)'s quick check and the
//! store's FIFO draw remain responsible for it.

use std::collections::BTreeMap;

use crate::money::{Currency, MAX_AMOUNT};
use crate::order::CartQuantity;
use crate::pricing::coupon::CouponCode;
use crate::pricing::priced::{
    CouponOutcome, Discount, PricedCart, PricedLine, PricedShipping, PromotionOutcome, Reason,
};
use crate::pricing::rules::Rules;
use crate::pricing::shipping::{Destination, ShippingMethod, offered_methods};
use crate::pricing::tax::{TaxMode, tax_of};
use crate::time::Timestamp;
use offers::{Offer, Verdict, qualify_coupon, qualify_promotion, typed_codes};

mod offers;

/// The heaviest unit accepted, in grams (a thousand tonnes: only a bound against
/// overflow).
pub const MAX_UNIT_WEIGHT_GRAMS: i64 = 1_000_000_000;

/// A cart line as the engine prices it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The product.
    pub product_id: i64,
    /// The variant (a cart holds one line per variant).
    pub variant_id: i64,
    /// The product's category and all its ancestors, its own first (for targets and tax).
    pub category_ids: Vec<i64>,
    /// The price of one unit now, minor units.
    pub unit_price: i64,
    /// The currency of that price.
    pub currency: Currency,
    /// Units wanted.
    pub quantity: i64,
    /// The weight of one unit, grams.
    pub weight_grams: i64,
}

impl Line {
    /// unit price × quantity.
    pub fn subtotal(&self) -> i64 {
        self.unit_price.saturating_mul(self.quantity)
    }
}

/// The shopper, as far as coupons care.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Customer {
    /// The account, or `None` for a guest.
    pub id: Option<i64>,
    /// How many orders (cancelled excluded) this customer has placed with each coupon,
    /// by coupon id.
    pub coupon_uses: BTreeMap<i64, u32>,
}

/// Everything one pricing needs besides the shop's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The cart's lines, in its order.
    pub lines: Vec<Line>,
    /// Who is buying.
    pub customer: Customer,
    /// Where it ships.
    pub destination: Destination,
    /// The method picked, or `None` for the first one offered.
    pub shipping_method_id: Option<i64>,
    /// The codes typed, as typed (trimmed and upper-cased here; repeats count once).
    pub coupon_codes: Vec<String>,
    /// The instant of pricing (schedules are judged at it).
    pub now: Timestamp,
}

/// Why a cart cannot be priced at all (unlike an offer that does not apply, which is a
/// [`Reason`] in the answer).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    /// Nothing to price.
    #[error("the cart is empty")]
    EmptyCart,
    /// A line is not in the currency of the shop's rules.
    #[error("the cart holds prices in {found}, but the shop prices in {expected}")]
    CurrencyMismatch {
        /// The rules' currency.
        expected: Currency,
        /// The first other currency found.
        found: Currency,
    },
    /// A line holds an impossible number (a bug upstream, not the shopper's doing).
    #[error("the line for variant {variant_id} is invalid: {problem}")]
    InvalidLine {
        /// The line's variant.
        variant_id: i64,
        /// What is wrong.
        problem: &'static str,
    },
    /// No method ships this cart to this address.
    #[error("no shipping method is offered for this address")]
    NoShippingMethod,
    /// The method picked does not ship this cart to this address.
    #[error("shipping method {method_id} is not offered for this address")]
    ShippingMethodNotOffered {
        /// The method picked.
        method_id: i64,
    },
}

impl PriceError {
    /// The stable snake_case code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyCart => "empty_cart",
            Self::CurrencyMismatch { .. } => "currency_mismatch",
            Self::InvalidLine { .. } => "invalid_line",
            Self::NoShippingMethod => "no_shipping_method",
            Self::ShippingMethodNotOffered { .. } => "shipping_method_not_offered",
        }
    }
}

/// A shipping method the shopper may pick, with its fee for the cart as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingOption {
    /// The method.
    pub method_id: i64,
    /// Its name in Chinese.
    pub name: String,
    /// Its name in English, if any.
    pub name_en: Option<String>,
    /// Its fee for these lines at list prices (promotions may lower it at checkout).
    pub fee: i64,
    /// Its delivery estimate, if any.
    pub estimate: Option<String>,
}

/// The methods that can ship `lines` to `to`, in the rules' order, each with its fee
/// before promotions. Empty means the address cannot check out.
pub fn shipping_options(lines: &[Line], to: &Destination, rules: &Rules) -> Vec<ShippingOption> {
    let goods = lines.iter().map(Line::subtotal).sum();
    available(lines, to, rules)
        .into_iter()
        .map(|(m, rule_fee)| ShippingOption {
            method_id: m.id,
            name: m.name.clone(),
            name_en: m.name_en.clone(),
            fee: m.waive(rule_fee, goods),
            estimate: m.estimate.clone(),
        })
        .collect()
}

/// Prices a checkout under `rules`; see the [module docs](self) for how offers combine.
pub fn price(checkout: &Checkout, rules: &Rules) -> Result<PricedCart, PriceError> {
    check_lines(&checkout.lines, rules.currency)?;
    let methods = available(&checkout.lines, &checkout.destination, rules);
    let shipping = match checkout.shipping_method_id {
        None => methods.first().copied().ok_or(PriceError::NoShippingMethod)?,
        Some(id) => {
            if methods.is_empty() {
                return Err(PriceError::NoShippingMethod);
            }
            methods
                .iter()
                .find(|(m, _)| m.id == id)
                .copied()
                .ok_or(PriceError::ShippingMethodNotOffered { method_id: id })?
        }
    };

    let promotions: Vec<Verdict<'_>> = rules
        .promotions
        .iter()
        .map(|p| qualify_promotion(p, checkout))
        .collect();
    let coupons: Vec<(String, Option<i64>, Verdict<'_>)> = typed_codes(&checkout.coupon_codes)
        .into_iter()
        .map(|typed| {
            let coupon = CouponCode::parse("coupon_codes", &typed)
                .ok()
                .and_then(|code| rules.coupons.iter().find(|c| c.code == code));
            let verdict = match coupon {
                None => Verdict::Rejected(Reason::UnknownCode),
                Some(c) => qualify_coupon(c, checkout),
            };
            (typed, coupon.map(|c| c.id), verdict)
        })
        .collect();

    let offers: Vec<&Offer<'_>> = promotions
        .iter()
        .chain(coupons.iter().map(|(_, _, v)| v))
        .filter_map(Verdict::offer)
        .collect();
    let (chosen, settled) = choose(checkout, rules, shipping, &offers);

    let outcome = |verdict: &Verdict<'_>| -> (bool, i64, Option<Reason>) {
        match verdict {
            Verdict::Rejected(reason) => (false, 0, Some(*reason)),
            // `chosen` borrows the very offers held by the verdicts, so identity is the
            // offer's address.
            Verdict::Qualifies(offer) => match chosen.iter().position(|o| std::ptr::eq(*o, offer)) {
                None => (false, 0, Some(Reason::NotCombinable)),
                Some(k) if settled.amounts[k] == 0 => (false, 0, Some(Reason::NothingToDiscount)),
                Some(k) => (true, settled.amounts[k], None),
            },
        }
    };
    let promotions = rules
        .promotions
        .iter()
        .zip(&promotions)
        .map(|(p, verdict)| {
            let (applied, amount, reason) = outcome(verdict);
            PromotionOutcome {
                id: p.id,
                name: p.name.clone(),
                applied,
                amount,
                reason,
            }
        })
        .collect();
    let coupons = coupons
        .iter()
        .map(|(code, coupon_id, verdict)| {
            let (applied, amount, reason) = outcome(verdict);
            CouponOutcome {
                code: code.clone(),
                coupon_id: *coupon_id,
                applied,
                amount,
                reason,
            }
        })
        .collect();

    let Settled {
        lines,
        shipping,
        amounts: _,
        subtotal,
        discount_total,
        tax_total,
        total,
    } = settled;
    Ok(PricedCart {
        currency: rules.currency,
        tax_mode: rules.tax.mode,
        shipping_fee: shipping.fee,
        lines,
        shipping,
        subtotal,
        discount_total,
        tax_total,
        total,
        promotions,
        coupons,
    })
}

/// Refuses a cart the engine cannot price exactly.
fn check_lines(lines: &[Line], currency: Currency) -> Result<(), PriceError> {
    if lines.is_empty() {
        return Err(PriceError::EmptyCart);
    }
    if let Some(other) = lines.iter().find(|l| l.currency != currency) {
        return Err(PriceError::CurrencyMismatch {
            expected: currency,
            found: other.currency,
        });
    }
    for line in lines {
        let problem = if !(0..=MAX_AMOUNT).contains(&line.unit_price) {
            Some("the unit price is out of range")
        } else if CartQuantity::parse(line.quantity).is_err() {
            Some("the quantity is not 1 to 999")
        } else if !(0..=MAX_UNIT_WEIGHT_GRAMS).contains(&line.weight_grams) {
            Some("the weight is out of range")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(PriceError::InvalidLine {
                variant_id: line.variant_id,
                problem,
            });
        }
    }
    Ok(())
}

/// The methods offered for `to` that can carry `lines`, each with its rule's fee
/// (before `free_above`).
fn available<'r>(lines: &[Line], to: &Destination, rules: &'r Rules) -> Vec<(&'r ShippingMethod, i64)> {
    let units = lines.iter().map(|l| l.quantity).sum();
    let grams = lines.iter().map(|l| l.weight_grams.saturating_mul(l.quantity)).sum();
    offered_methods(&rules.zones, to)
        .into_iter()
        .filter_map(|m| m.rule.fee(units, grams).map(|fee| (m, fee)))
        .collect()
}

/// A candidate priced through: the cart's lines and shipping, and what each of the
/// candidate's offers took off (in the candidate's order).
struct Settled {
    lines: Vec<PricedLine>,
    shipping: PricedShipping,
    amounts: Vec<i64>,
    subtotal: i64,
    discount_total: i64,
    tax_total: i64,
    total: i64,
}

/// Builds the candidates (step 2 of the module docs), prices each and keeps the best
/// (step 4): its offers in stacking order and the cart they give.
fn choose<'a, 'r>(
    checkout: &Checkout,
    rules: &Rules,
    shipping: (&ShippingMethod, i64),
    offers: &[&'a Offer<'r>],
) -> (Vec<&'a Offer<'r>>, Settled) {
    let mut combinable: Vec<&Offer<'_>> = offers.iter().copied().filter(|o| o.combinable()).collect();
    combinable.sort_by_key(|o| o.rank);
    let mut candidates: Vec<Vec<&Offer<'_>>> = offers
        .iter()
        .copied()
        .filter(|o| !o.combinable())
        .map(|o| vec![o])
        .collect();
    if !combinable.is_empty() || candidates.is_empty() {
        candidates.push(combinable);
    }
    let mut best: Option<(Vec<&Offer<'_>>, Settled)> = None;
    for candidate in candidates {
        let settled = settle(checkout, rules, shipping, &candidate);
        let better = match &best {
            None => true,
            Some((kept, kept_settled)) => {
                (settled.total, candidate.first().map(|o| o.rank)) < (kept_settled.total, kept.first().map(|o| o.rank))
            }
        };
        if better {
            best = Some((candidate, settled));
        }
    }
    match best {
        Some(best) => best,
        // There is always at least one candidate (possibly empty); this arm only keeps
        // the function total.
        None => (Vec::new(), settle(checkout, rules, shipping, &[])),
    }
}

/// Stacks `stack` (already in stacking order) on the cart and prices everything.
fn settle(
    checkout: &Checkout,
    rules: &Rules,
    (method, rule_fee): (&ShippingMethod, i64),
    stack: &[&Offer<'_>],
) -> Settled {
    let lines = &checkout.lines;
    let mut rest: Vec<i64> = lines.iter().map(Line::subtotal).collect();
    let mut line_discounts: Vec<Vec<Discount>> = vec![Vec::new(); lines.len()];
    let mut amounts = vec![0; stack.len()];
    for (k, offer) in stack.iter().enumerate() {
        for (&i, share) in offer.lines.iter().zip(offer.shares(lines, &rest)) {
            if share > 0 {
                rest[i] -= share;
                amounts[k] += share;
                line_discounts[i].push(Discount {
                    source: offer.source(),
                    amount: share,
                });
            }
        }
    }

    let goods: i64 = rest.iter().sum();
    let base_fee = method.waive(rule_fee, goods);
    let mut fee = base_fee;
    let mut shipping_discounts = Vec::new();
    for (k, offer) in stack.iter().enumerate() {
        if offer.frees_shipping() && fee > 0 {
            amounts[k] += fee;
            shipping_discounts.push(Discount {
                source: offer.source(),
                amount: fee,
            });
            fee = 0;
        }
    }

    let tax = &rules.tax;
    let region = checkout.destination.region.as_deref();
    let priced: Vec<PricedLine> = lines
        .iter()
        .zip(rest)
        .zip(line_discounts)
        .map(|((line, net), discounts)| {
            let tax_rate = tax.rate_for(&line.category_ids, region);
            PricedLine {
                product_id: line.product_id,
                variant_id: line.variant_id,
                unit_price: line.unit_price,
                quantity: line.quantity,
                subtotal: line.subtotal(),
                discounts,
                net,
                tax_rate,
                tax: tax_of(net, tax_rate, tax.mode),
            }
        })
        .collect();
    let shipping = PricedShipping {
        method_id: method.id,
        name: method.name.clone(),
        name_en: method.name_en.clone(),
        estimate: method.estimate.clone(),
        base_fee,
        discounts: shipping_discounts,
        fee,
        tax_rate: tax.shipping_rate,
        tax: tax_of(fee, tax.shipping_rate, tax.mode),
    };

    let subtotal = priced.iter().map(|l| l.subtotal).sum();
    let discount_total = amounts.iter().sum();
    let tax_total = priced.iter().map(|l| l.tax).sum::<i64>() + shipping.tax;
    let added_tax = match tax.mode {
        TaxMode::Inclusive => 0,
        TaxMode::Exclusive => tax_total,
    };
    let total = goods + fee + added_tax;
    Settled {
        lines: priced,
        shipping,
        amounts,
        subtotal,
        discount_total,
        tax_total,
        total,
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod coupon_tests;

#[cfg(test)]
mod shipping_tax_tests;

#[cfg(test)]
mod properties;
