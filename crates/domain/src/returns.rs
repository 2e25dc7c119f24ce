//! Returns after the sale (售后): the states a return moves through, the window in which a
//! buyer may ask, and the money rule: what each returned unit brings back.
//!
//! A buyer asks to return some units of some lines of a received order; staff approve
//! (with instructions) or reject; staff receive the parcel and say, line by line, how
//! many units are resellable (they go back into the lots they were drawn from) and how
//! many are damaged (written off at their cost). Receiving starts the refund.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::FieldError;

/// How long after receipt a buyer may ask for a return by default (七天无理由退货).
pub const DEFAULT_RETURN_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);
/// The most lines one return may name (an order has at most 100).
pub const MAX_RETURN_LINES: usize = 100;

/// Where a return is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReturnStatus {
    /// Asked for by the buyer; staff decide.
    Requested,
    /// Staff agreed and told the buyer how to send the goods back.
    Approved,
    /// Staff said no; the units may be asked for again.
    Rejected,
    /// The parcel arrived and was checked: stock and refund are settled.
    Received,
}

impl ReturnStatus {
    /// Every status.
    pub const ALL: [ReturnStatus; 4] = [Self::Requested, Self::Approved, Self::Rejected, Self::Received];

    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Received => "received",
        }
    }

    /// Parses a requested status filter for `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        raw.parse()
            .map_err(|()| FieldError::new(field, "must be one of requested, approved, rejected, received"))
    }
}

impl FromStr for ReturnStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|status| status.as_str() == s).ok_or(())
    }
}

impl fmt::Display for ReturnStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that moves a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnEvent {
    /// Staff agreed.
    Approve,
    /// Staff refused.
    Reject,
    /// Staff checked the parcel in.
    Receive,
}

/// A move the return's state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a return that is {from} cannot be {}", verb(*.event))]
pub struct InvalidReturnMove {
    /// Where the return is.
    pub from: ReturnStatus,
    /// What was attempted.
    pub event: ReturnEvent,
}

fn verb(e: ReturnEvent) -> &'static str {
    match e {
        ReturnEvent::Approve => "approved",
        ReturnEvent::Reject => "rejected",
        ReturnEvent::Receive => "received",
    }
}

/// The return's state machine: where `event` takes a return that is `from`.
pub fn transition(from: ReturnStatus, event: ReturnEvent) -> Result<ReturnStatus, InvalidReturnMove> {
    use ReturnEvent as E;
    use ReturnStatus as S;
    match (from, event) {
        (S::Requested, E::Approve) => Ok(S::Approved),
        (S::Requested, E::Reject) => Ok(S::Rejected),
        (S::Approved, E::Receive) => Ok(S::Received),
        _ => Err(InvalidReturnMove { from, event }),
    }
}

/// Units of an order line a return holds: all it asked for until it is received, then
/// what came back (units a parcel lacked are free to ask for again); none once rejected.
/// (`store/src/returns.rs::units_held_in` sums the same in SQL.)
pub fn units_held(status: ReturnStatus, asked: i64, resellable: i64, damaged: i64) -> i64 {
    match status {
        ReturnStatus::Rejected => 0,
        ReturnStatus::Received => resellable + damaged,
        ReturnStatus::Requested | ReturnStatus::Approved => asked,
    }
}

/// What one order line cost the buyer, in minor units: its amount less its discounts, plus
/// its tax when prices exclude tax (when they include it, the tax is inside the amount).
pub fn line_paid(line_total: i64, discount: i64, tax: i64, tax_exclusive: bool) -> i64 {
    line_total - discount + if tax_exclusive { tax } else { 0 }
}

/// What `units` more units of a line bring back when `before` of its `quantity` units
/// have been refunded already: the line's `paid` amount is shared across its units so
/// that the shares of all units add up to it exactly, whatever the order in which they
/// come back (each share is the difference of two rounded-down prefixes), and no unit
/// is ever worth more than the next by more than one minor unit.
pub fn unit_refund(paid: i64, quantity: i64, before: i64, units: i64) -> i64 {
    debug_assert!(quantity > 0 && before >= 0 && units >= 0 && before + units <= quantity);
    let prefix = |n: i64| (i128::from(paid) * i128::from(n) / i128::from(quantity)) as i64;
    prefix(before + units) - prefix(before)
}

/// One line of a return as the buyer asked: the order line and how many of its units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnQuantity {
    /// The order line.
    pub order_item_id: i64,
    /// 1 or more.
    pub quantity: i64,
}

/// Checks the lines a buyer asks to return: at least one, at most
/// [`MAX_RETURN_LINES`], each naming a distinct line with at least one unit.
pub fn check_lines(lines: &[ReturnQuantity]) -> Result<(), FieldError> {
    if lines.is_empty() {
        return Err(FieldError::new("lines", "name at least one order line to return"));
    }
    if lines.len() > MAX_RETURN_LINES {
        return Err(FieldError::new("lines", "at most 100 lines"));
    }
    for (i, line) in lines.iter().enumerate() {
        if line.quantity < 1 || line.quantity > crate::order::MAX_LINE_QUANTITY {
            return Err(FieldError::new(format!("lines[{i}].quantity"), "must be from 1 to 999"));
        }
        if lines[..i].iter().any(|l| l.order_item_id == line.order_item_id) {
            return Err(FieldError::new(
                format!("lines[{i}].order_item_id"),
                "names a line already listed",
            ));
        }
    }
    Ok(())
}

/// What staff found in the parcel for one line: resellable and damaged units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnCount {
    /// The order line.
    pub order_item_id: i64,
    /// Units back into stock.
    pub resellable: i64,
    /// Units written off.
    pub damaged: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_state_machine() {
        use ReturnEvent as E;
        use ReturnStatus as S;
        assert_eq!(transition(S::Requested, E::Approve), Ok(S::Approved));
        assert_eq!(transition(S::Requested, E::Reject), Ok(S::Rejected));
        assert_eq!(transition(S::Approved, E::Receive), Ok(S::Received));
        for (from, event) in [
            (S::Requested, E::Receive),
            (S::Approved, E::Approve),
            (S::Approved, E::Reject),
            (S::Rejected, E::Approve),
            (S::Received, E::Receive),
            (S::Received, E::Reject),
        ] {
            assert_eq!(transition(from, event), Err(InvalidReturnMove { from, event }));
        }
        assert_eq!(
            InvalidReturnMove {
                from: S::Received,
                event: E::Approve
            }
            .to_string(),
            "a return that is received cannot be approved"
        );
        for s in S::ALL {
            assert_eq!(s.as_str().parse(), Ok(s));
        }
        assert_eq!(units_held(S::Requested, 3, 0, 0), 3);
        assert_eq!(units_held(S::Received, 3, 1, 1), 2);
        assert_eq!(units_held(S::Rejected, 3, 0, 0), 0);
    }

    #[test]
    fn what_a_line_cost() {
        assert_eq!(line_paid(10_000, 1_500, 1_150, false), 8_500);
        assert_eq!(line_paid(10_000, 1_500, 1_105, true), 9_605);
        // 100.00 over 3 units: 33.33, 33.33, 33.34 whichever order they come back in.
        assert_eq!(unit_refund(10_000, 3, 0, 1), 3_333);
        assert_eq!(unit_refund(10_000, 3, 1, 1), 3_333);
        assert_eq!(unit_refund(10_000, 3, 2, 1), 3_334);
        assert_eq!(unit_refund(10_000, 3, 0, 3), 10_000);
    }

    #[test]
    fn asked_lines_are_checked() {
        let line = |order_item_id, quantity| ReturnQuantity {
            order_item_id,
            quantity,
        };
        assert!(check_lines(&[]).is_err());
        assert!(check_lines(&[line(1, 0)]).is_err());
        assert!(check_lines(&[line(1, 1000)]).is_err());
        assert_eq!(
            check_lines(&[line(1, 1), line(1, 2)]).map_err(|e| e.field),
            Err("lines[1].order_item_id".to_owned())
        );
        assert!(check_lines(&[line(1, 2), line(2, 999)]).is_ok());
    }

    proptest! {
        /// However a line's units come back, in however many returns, the shares add up
        /// to what it cost and never differ by more than one minor unit per unit.
        #[test]
        fn unit_shares_add_up(paid in 0i64..10_000_000, quantity in 1i64..999, cuts in proptest::collection::vec(1i64..50, 0..20)) {
            let mut before = 0;
            let mut total = 0;
            for cut in cuts {
                let units = cut.min(quantity - before);
                if units == 0 { break; }
                let share = unit_refund(paid, quantity, before, units);
                let floor = paid / quantity;
                prop_assert!(share >= floor * units && share <= (floor + 1) * units);
                total += share;
                before += units;
            }
            total += unit_refund(paid, quantity, before, quantity - before);
            prop_assert_eq!(total, paid);
        }
    }
}
