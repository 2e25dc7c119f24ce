//! FIFO inventory: stock arrives in lots, each with a unit cost; units leave from the
//! oldest lot that still has some, then the next. Recording which lots each draw took
//! from makes the cost of goods exact, and lets returned units go back where they came
//! from.
//!
//! The rule itself ([`allocate`]) is pure; the store applies the draws it computes inside
//! one transaction, and the database refuses any lot going below zero.

use crate::FieldError;
use crate::money::UnitCost;

/// Most units in one lot or one draw: a sanity bound, not a business rule.
pub const MAX_UNITS: i64 = 1_000_000_000;

/// Most one lot may be worth (quantity × unit cost, minor units): 10^15, ten trillion in
/// a currency with cents (a lot of 10^9 units at 10^11 each would overflow an `i64`).
pub const MAX_LOT_VALUE: i64 = 1_000_000_000_000_000;

/// Most one product's stock on hand may be worth, the same 10^15. Stock only gains value
/// by receiving a lot, which is refused past this; so a product's valuation, a
/// write-off's cost and an order line's cost of goods, all bounded by it, fit an `i64`,
/// and the shop's total does until more than 9,223 products each hold this much.
pub const MAX_PRODUCT_STOCK_VALUE: i64 = 1_000_000_000_000_000;

/// What a lot of `quantity` units at `unit_cost` each is worth, if at most
/// [`MAX_LOT_VALUE`]; otherwise an error naming `field` (the unit cost's).
pub fn lot_value(field: &str, quantity: Units, unit_cost: UnitCost) -> Result<i64, FieldError> {
    let value = i128::from(quantity.get()) * i128::from(unit_cost.minor());
    i64::try_from(value)
        .ok()
        .filter(|v| *v <= MAX_LOT_VALUE)
        .ok_or_else(|| FieldError::new(field, format!("quantity × unit_cost must be at most {MAX_LOT_VALUE}")))
}

/// Refuses a lot worth `lot_value` for a product whose stock is already worth `on_hand`,
/// if together they would pass [`MAX_PRODUCT_STOCK_VALUE`].
pub fn check_stock_value(field: &str, on_hand: i64, lot_value: i64) -> Result<(), FieldError> {
    if i128::from(on_hand) + i128::from(lot_value) > i128::from(MAX_PRODUCT_STOCK_VALUE) {
        Err(FieldError::new(
            field,
            format!("the product's stock would be worth more than {MAX_PRODUCT_STOCK_VALUE}"),
        ))
    } else {
        Ok(())
    }
}

/// A positive number of units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Units(i64);

impl Units {
    /// Parses a unit count for `field`: 1 ..= [`MAX_UNITS`].
    pub fn parse(field: &str, n: i64) -> Result<Self, FieldError> {
        if n <= 0 {
            Err(FieldError::new(field, "must be greater than 0"))
        } else if n > MAX_UNITS {
            Err(FieldError::new(field, format!("must be at most {MAX_UNITS}")))
        } else {
            Ok(Self(n))
        }
    }

    /// The count.
    pub fn get(self) -> i64 {
        self.0
    }
}

/// A lot's identity and what it still holds, as [`allocate`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LotBalance {
    /// The lot.
    pub lot_id: i64,
    /// Units left in it.
    pub remaining: i64,
}

/// Units taken from one lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draw {
    /// The lot they came from.
    pub lot_id: i64,
    /// How many.
    pub quantity: i64,
}

/// Not enough stock: only `available` units are on hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("only {available} units available")]
pub struct Shortfall {
    /// Units on hand across all lots.
    pub available: i64,
}

/// Decides which lots `quantity` units come from. `lots` must be in FIFO order (oldest
/// received first); lots with nothing left are skipped. Either every unit is allocated or
/// none is.
pub fn allocate(lots: &[LotBalance], quantity: Units) -> Result<Vec<Draw>, Shortfall> {
    let mut wanted = quantity.get();
    let mut draws = Vec::new();
    for lot in lots.iter().filter(|l| l.remaining > 0) {
        if wanted == 0 {
            break;
        }
        let take = wanted.min(lot.remaining);
        draws.push(Draw {
            lot_id: lot.lot_id,
            quantity: take,
        });
        wanted -= take;
    }
    if wanted > 0 {
        let available = lots.iter().map(|l| l.remaining.max(0)).sum();
        return Err(Shortfall { available });
    }
    Ok(draws)
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use proptest::prelude::*;

    use super::*;

    fn units(n: i64) -> Units {
        Units::parse("quantity", n).unwrap()
    }

    #[test]
    fn a_lot_and_a_products_stock_stay_inside_an_i64() {
        let cost = |c| UnitCost::parse("unit_cost", c).unwrap();
        let max = units(MAX_UNITS);
        assert!(lot_value("unit_cost", max, cost(crate::money::MAX_AMOUNT)).is_err());
        assert_eq!(lot_value("unit_cost", max, cost(1_000_000)), Ok(MAX_LOT_VALUE));
        assert!(lot_value("unit_cost", max, cost(1_000_001)).is_err());
        assert_eq!(check_stock_value("unit_cost", MAX_PRODUCT_STOCK_VALUE - 5, 5), Ok(()));
        assert!(check_stock_value("unit_cost", MAX_PRODUCT_STOCK_VALUE - 5, 6).is_err());
        assert!(check_stock_value("unit_cost", i64::MAX, i64::MAX).is_err());
    }

    #[test]
    fn takes_from_the_oldest_lot_first() {
        let lots = [
            LotBalance {
                lot_id: 1,
                remaining: 0,
            },
            LotBalance {
                lot_id: 2,
                remaining: 3,
            },
            LotBalance {
                lot_id: 3,
                remaining: 10,
            },
        ];
        assert_eq!(
            allocate(&lots, units(5)),
            Ok(vec![Draw { lot_id: 2, quantity: 3 }, Draw { lot_id: 3, quantity: 2 }])
        );
        assert_eq!(allocate(&lots, units(2)), Ok(vec![Draw { lot_id: 2, quantity: 2 }]));
        assert_eq!(allocate(&lots, units(14)), Err(Shortfall { available: 13 }));
        assert_eq!(allocate(&[], units(1)), Err(Shortfall { available: 0 }));
    }

    #[test]
    fn unit_counts_are_positive() {
        assert!(Units::parse("quantity", 0).is_err());
        assert!(Units::parse("quantity", -5).is_err());
        assert!(Units::parse("quantity", MAX_UNITS + 1).is_err());
    }

    /// A ledger built on [`allocate`], as the store keeps it: lots with their cost, and
    /// every draw remembered so it can be returned.
    #[derive(Default)]
    struct Ledger {
        lots: Vec<(i64, i64, i64)>, // (received, remaining, unit_cost)
        draws: Vec<(Vec<Draw>, bool)>,
    }

    impl Ledger {
        fn receive(&mut self, quantity: i64, unit_cost: i64) {
            self.lots.push((quantity, quantity, unit_cost));
        }
        fn draw(&mut self, quantity: i64) -> Option<i64> {
            let balances: Vec<_> = self
                .lots
                .iter()
                .enumerate()
                .map(|(i, l)| LotBalance {
                    lot_id: i as i64,
                    remaining: l.1,
                })
                .collect();
            let draws = allocate(&balances, units(quantity)).ok()?;
            let mut cost = 0;
            for d in &draws {
                let lot = &mut self.lots[d.lot_id as usize];
                lot.1 -= d.quantity;
                cost += d.quantity * lot.2;
            }
            self.draws.push((draws, false));
            Some(cost)
        }
        fn give_back(&mut self, index: usize) {
            if let Some((draws, returned)) = self.draws.get_mut(index).filter(|(_, r)| !*r) {
                for d in draws.iter() {
                    self.lots[d.lot_id as usize].1 += d.quantity;
                }
                *returned = true;
            }
        }
    }

    /// The plain reference: every unit is an item in a queue, oldest first; a draw pops
    /// units off the front, a return puts the same units back in their original places.
    #[derive(Default)]
    struct Reference {
        units: VecDeque<(usize, i64)>, // (lot index, unit cost) per unit, in FIFO order
        draws: Vec<(Vec<(usize, i64)>, bool)>,
    }

    impl Reference {
        fn receive(&mut self, lot: usize, quantity: i64, unit_cost: i64) {
            self.units
                .extend(std::iter::repeat_n((lot, unit_cost), quantity as usize));
        }
        fn draw(&mut self, quantity: i64) -> Option<i64> {
            if (self.units.len() as i64) < quantity {
                return None;
            }
            let taken: Vec<_> = self.units.drain(..quantity as usize).collect();
            let cost = taken.iter().map(|u| u.1).sum();
            self.draws.push((taken, false));
            Some(cost)
        }
        fn give_back(&mut self, index: usize) {
            if let Some((taken, returned)) = self.draws.get_mut(index).filter(|(_, r)| !*r) {
                self.units.extend(taken.iter().copied());
                // Units are ordered by their lot: a returned unit is as old as its lot.
                self.units.make_contiguous().sort_by_key(|u| u.0);
                *returned = true;
            }
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Receive(i64, i64),
        Draw(i64),
        Return(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1i64..20, 0i64..1000).prop_map(|(q, c)| Op::Receive(q, c)),
            (1i64..25).prop_map(Op::Draw),
            (0usize..30).prop_map(Op::Return),
        ]
    }

    proptest! {
        #[test]
        fn fifo_ledger_agrees_with_the_unit_by_unit_reference(ops in prop::collection::vec(op(), 1..80)) {
            let mut ledger = Ledger::default();
            let mut reference = Reference::default();
            let (mut received, mut drawn, mut returned) = (0i64, 0i64, 0i64);
            for op in ops {
                match op {
                    Op::Receive(q, c) => {
                        reference.receive(ledger.lots.len(), q, c);
                        ledger.receive(q, c);
                        received += q;
                    }
                    Op::Draw(q) => {
                        // Never a newer lot while an older one has units: every lot
                        // before the last one drawn from is empty afterwards.
                        let got = ledger.draw(q);
                        prop_assert_eq!(got, reference.draw(q), "cost of goods");
                        if got.is_some() {
                            drawn += q;
                            let last = ledger.draws.last().and_then(|(d, _)| d.last()).map(|d| d.lot_id as usize);
                            if let Some(last) = last {
                                prop_assert!(ledger.lots[..last].iter().all(|l| l.1 == 0));
                            }
                        }
                    }
                    Op::Return(i) => {
                        if let Some((draws, false)) = ledger.draws.get(i) {
                            returned += draws.iter().map(|d| d.quantity).sum::<i64>();
                        }
                        ledger.give_back(i);
                        reference.give_back(i);
                    }
                }
                let remaining: i64 = ledger.lots.iter().map(|l| l.1).sum();
                prop_assert_eq!(received, remaining + drawn - returned);
                prop_assert!(ledger.lots.iter().all(|l| l.1 >= 0 && l.1 <= l.0));
                prop_assert_eq!(remaining, reference.units.len() as i64);
                let value: i64 = ledger.lots.iter().map(|l| l.1 * l.2).sum();
                prop_assert_eq!(value, reference.units.iter().map(|u| u.1).sum::<i64>(), "FIFO valuation");
            }
        }
    }
}
