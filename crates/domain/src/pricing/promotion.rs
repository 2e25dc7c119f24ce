//! Automatic promotions: offers that apply without a code whenever a cart qualifies —
//! 满减 tiers, a percentage or a fixed amount off, free shipping, buy N get M.
//!
//! This module holds what a promotion *is*; how promotions combine with each other and
//! with coupons is decided once, in the [engine](super::engine).

use crate::FieldError;
use crate::money::Amount;
use crate::pricing::rules::{Percent, Schedule, Targets};
use crate::text::single_line;

/// An automatic promotion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    /// Its id.
    pub id: i64,
    /// Its name as the shopper sees it ("满 199 减 20").
    pub name: String,
    /// What it gives.
    pub kind: PromotionKind,
    /// The lines it is about; its minimum spend counts only these.
    pub targets: Targets,
    /// When it is live.
    pub schedule: Schedule,
    /// Higher applies earlier and wins ties.
    pub priority: i32,
    /// Whether it may apply together with other combinable offers.
    pub combinable: bool,
}

impl Promotion {
    /// A promotion with a checked `name`.
    pub fn new(
        id: i64,
        name: &str,
        kind: PromotionKind,
        targets: Targets,
        schedule: Schedule,
        priority: i32,
        combinable: bool,
    ) -> Result<Self, FieldError> {
        Ok(Self {
            id,
            name: single_line("name", name, 1, 100)?,
            kind,
            targets,
            schedule,
            priority,
            combinable,
        })
    }
}

/// What a promotion gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromotionKind {
    /// 满减: spend at least a tier's minimum on the targeted lines, get its amount off
    /// them; the highest tier reached applies.
    Threshold(ThresholdTiers),
    /// A percentage off the targeted lines, rounded down.
    PercentOff(Percent),
    /// A fixed amount off each targeted *unit* (so 3 units of a ¥5-off item save ¥15),
    /// never more than the line is worth.
    FixedOff {
        /// The amount off each unit.
        per_unit: Amount,
    },
    /// The shipping fee waived when the targeted lines reach `min_spend`.
    FreeShipping {
        /// The least spend on the targeted lines; zero for always.
        min_spend: Amount,
    },
    /// Buy N get M of the same variant free.
    BuyNGetM(BuyNGetM),
}

/// One 满减 tier: spend at least `min_spend`, get `off` off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThresholdTier {
    /// The least spend on the targeted lines, before any discount.
    pub min_spend: Amount,
    /// The amount off.
    pub off: Amount,
}

/// 满减 tiers, checked: at least one; minimum spends strictly ascending; amounts off
/// positive, strictly ascending and never above their tier's minimum spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdTiers(Vec<ThresholdTier>);

impl ThresholdTiers {
    /// Checks tiers given in ascending order; errors name `tiers`,
    /// `tiers[i].min_spend` or `tiers[i].off`.
    pub fn new(tiers: Vec<ThresholdTier>) -> Result<Self, FieldError> {
        if tiers.is_empty() {
            return Err(FieldError::new("tiers", "must have at least one tier"));
        }
        for (i, t) in tiers.iter().enumerate() {
            if t.off.minor() == 0 {
                return Err(FieldError::new(format!("tiers[{i}].off"), "must be greater than 0"));
            }
            if t.off > t.min_spend {
                return Err(FieldError::new(
                    format!("tiers[{i}].off"),
                    "must not exceed the tier's min_spend",
                ));
            }
            if let Some(prev) = i.checked_sub(1).and_then(|p| tiers.get(p)) {
                if t.min_spend <= prev.min_spend {
                    return Err(FieldError::new(
                        format!("tiers[{i}].min_spend"),
                        "must be greater than the previous tier's",
                    ));
                }
                if t.off <= prev.off {
                    return Err(FieldError::new(
                        format!("tiers[{i}].off"),
                        "must be greater than the previous tier's",
                    ));
                }
            }
        }
        Ok(Self(tiers))
    }

    /// The tiers, ascending.
    pub fn tiers(&self) -> &[ThresholdTier] {
        &self.0
    }

    /// The lowest minimum spend (below it the promotion does not apply).
    pub fn lowest_min_spend(&self) -> Amount {
        self.0.first().map_or(Amount::ZERO, |t| t.min_spend)
    }

    /// The highest tier `spend` reaches, if any.
    pub fn best_for(&self, spend: i64) -> Option<ThresholdTier> {
        self.0.iter().rev().find(|t| spend >= t.min_spend.minor()).copied()
    }
}

/// Buy `n` get `m` free, of one variant: in every `n + m` units of a line, the `m` last
/// are free (all units of a line have the same price, so "the cheapest" are any `m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuyNGetM {
    n: u32,
    m: u32,
}

impl BuyNGetM {
    /// Checks `n` and `m`: each 1 ..= 100.
    pub fn new(n: i64, m: i64) -> Result<Self, FieldError> {
        let check = |field: &str, v: i64| match u32::try_from(v) {
            Ok(v @ 1..=100) => Ok(v),
            _ => Err(FieldError::new(field, "must be a whole number from 1 to 100")),
        };
        Ok(Self {
            n: check("n", n)?,
            m: check("m", m)?,
        })
    }

    /// Units to buy.
    pub fn n(self) -> u32 {
        self.n
    }

    /// Units then free.
    pub fn m(self) -> u32 {
        self.m
    }

    /// The units that are free among `quantity` units of one variant.
    pub fn free_units(self, quantity: i64) -> i64 {
        let group = i64::from(self.n + self.m);
        quantity.max(0) / group * i64::from(self.m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(min_spend: i64, off: i64) -> ThresholdTier {
        ThresholdTier {
            min_spend: Amount::of(min_spend),
            off: Amount::of(off),
        }
    }

    #[test]
    fn the_highest_tier_reached_applies() {
        let tiers = ThresholdTiers::new(vec![tier(10_000, 1_000), tier(20_000, 3_000)]).unwrap();
        assert_eq!(tiers.best_for(9_999), None);
        assert_eq!(tiers.best_for(10_000), Some(tier(10_000, 1_000)));
        assert_eq!(tiers.best_for(19_999), Some(tier(10_000, 1_000)));
        assert_eq!(tiers.best_for(20_000), Some(tier(20_000, 3_000)));
        assert_eq!(tiers.lowest_min_spend(), Amount::of(10_000));
    }

    #[test]
    fn bad_tiers_name_the_field() {
        let field = |tiers| ThresholdTiers::new(tiers).unwrap_err().field;
        assert_eq!(field(vec![]), "tiers");
        assert_eq!(field(vec![tier(100, 0)]), "tiers[0].off");
        assert_eq!(field(vec![tier(100, 200)]), "tiers[0].off");
        assert_eq!(field(vec![tier(100, 10), tier(100, 20)]), "tiers[1].min_spend");
        assert_eq!(field(vec![tier(100, 10), tier(200, 10)]), "tiers[1].off");
    }

    #[test]
    fn buy_n_get_m_counts_whole_groups() {
        let b = BuyNGetM::new(2, 1).unwrap();
        assert_eq!([2, 3, 5, 6, 7].map(|q| b.free_units(q)), [0, 1, 1, 2, 2]);
        assert_eq!(BuyNGetM::new(0, 1).unwrap_err().field, "n");
        assert_eq!(BuyNGetM::new(1, 0).unwrap_err().field, "m");
    }
}
