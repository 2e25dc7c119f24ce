//! Orders: the states an order moves through, the moves allowed between them, and the
//! money rules (shipping fee, what may still be refunded). Any move not in the table is an
//! invalid transition, whoever asks.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::FieldError;

/// How long after shipping an order counts as received if the buyer does not confirm.
pub const AUTO_CONFIRM_AFTER: Duration = Duration::from_secs(10 * 24 * 3600);
/// Most distinct products in one cart (a cap against abuse).
pub const MAX_CART_LINES: i64 = 100;
/// The most units one cart line may hold.
pub const MAX_LINE_QUANTITY: i64 = 999;
/// Orders at or above this subtotal (minor units) ship free; below it pay [`SHIPPING_FEE`].
pub const FREE_SHIPPING_FROM: i64 = 9_900;
/// The flat shipping fee below [`FREE_SHIPPING_FROM`], minor units.
pub const SHIPPING_FEE: i64 = 1_000;

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Placed, stock reserved, waiting for the payment.
    PendingPayment,
    /// Paid; waiting to ship.
    Paid,
    /// Cancelled before payment; its stock went back.
    Cancelled,
    /// Handed to the carrier.
    Shipped,
    /// The buyer has it.
    Received,
    /// Everything paid was paid back.
    Refunded,
}

impl OrderStatus {
    /// Every status.
    pub const ALL: [OrderStatus; 6] = [
        Self::PendingPayment,
        Self::Paid,
        Self::Cancelled,
        Self::Shipped,
        Self::Received,
        Self::Refunded,
    ];

    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingPayment => "pending_payment",
            Self::Paid => "paid",
            Self::Cancelled => "cancelled",
            Self::Shipped => "shipped",
            Self::Received => "received",
            Self::Refunded => "refunded",
        }
    }

    /// Parses a requested status for `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        raw.parse().map_err(|()| {
            FieldError::new(
                field,
                "must be one of pending_payment, paid, cancelled, shipped, received, refunded",
            )
        })
    }

    /// Whether money has been received for the order (refunds are possible).
    pub fn is_paid(self) -> bool {
        matches!(self, Self::Paid | Self::Shipped | Self::Received)
    }
}

impl FromStr for OrderStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|status| status.as_str() == s).ok_or(())
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that moves an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvent {
    /// The provider confirmed the payment.
    Pay,
    /// The buyer (or staff) cancelled before paying.
    Cancel,
    /// Staff cancelled a paid order before it shipped: everything paid goes back.
    CancelPaid,
    /// The payment timeout passed.
    Expire,
    /// Staff shipped it.
    Ship,
    /// The buyer confirmed receipt, or the auto-confirm delay passed.
    ConfirmReceipt,
    /// Refunds reached the whole amount paid.
    RefundInFull,
}

/// A move the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an order that is {from} cannot be {}", event_verb(*.event))]
pub struct InvalidTransition {
    /// Where the order is.
    pub from: OrderStatus,
    /// What was attempted.
    pub event: OrderEvent,
}

fn event_verb(e: OrderEvent) -> &'static str {
    match e {
        OrderEvent::Pay => "paid",
        OrderEvent::Cancel | OrderEvent::CancelPaid => "cancelled",
        OrderEvent::Expire => "expired",
        OrderEvent::Ship => "shipped",
        OrderEvent::ConfirmReceipt => "confirmed as received",
        OrderEvent::RefundInFull => "refunded",
    }
}

/// The state machine: where `event` takes an order that is `from`.
pub fn transition(from: OrderStatus, event: OrderEvent) -> Result<OrderStatus, InvalidTransition> {
    use OrderEvent as E;
    use OrderStatus as S;
    match (from, event) {
        (S::PendingPayment, E::Pay) => Ok(S::Paid),
        (S::PendingPayment, E::Cancel | E::Expire) => Ok(S::Cancelled),
        (S::Paid, E::CancelPaid) => Ok(S::Cancelled),
        (S::Paid, E::Ship) => Ok(S::Shipped),
        (S::Shipped, E::ConfirmReceipt) => Ok(S::Received),
        (S::Paid | S::Shipped | S::Received, E::RefundInFull) => Ok(S::Refunded),
        _ => Err(InvalidTransition { from, event }),
    }
}

/// Every status an event may move an order from (for conditional updates in SQL).
pub fn sources(event: OrderEvent) -> Vec<OrderStatus> {
    OrderStatus::ALL
        .into_iter()
        .filter(|s| transition(*s, event).is_ok())
        .collect()
}

/// The shipping fee for a subtotal.
pub fn shipping_fee(subtotal: i64) -> i64 {
    if subtotal >= FREE_SHIPPING_FROM {
        0
    } else {
        SHIPPING_FEE
    }
}

/// A cart quantity: 1–999.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CartQuantity(i64);

impl CartQuantity {
    /// Parses a quantity; 0 is handled by the caller (it removes the line).
    pub fn parse(n: i64) -> Result<Self, FieldError> {
        if (1..=MAX_LINE_QUANTITY).contains(&n) {
            Ok(Self(n))
        } else {
            Err(FieldError::new(
                "quantity",
                "must be a whole number from 0 (remove) to 999",
            ))
        }
    }

    /// The quantity.
    pub fn get(self) -> i64 {
        self.0
    }
}

/// How much of a payment may still be refunded: paid, less refunded, less refunds
/// already requested and not yet decided.
pub fn refundable(paid: i64, refunded: i64, pending_requests: i64) -> i64 {
    (paid - refunded - pending_requests).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_machine() {
        use OrderEvent as E;
        use OrderStatus as S;
        assert_eq!(transition(S::PendingPayment, E::Pay), Ok(S::Paid));
        assert_eq!(transition(S::PendingPayment, E::Expire), Ok(S::Cancelled));
        assert_eq!(transition(S::Paid, E::Ship), Ok(S::Shipped));
        assert_eq!(transition(S::Shipped, E::ConfirmReceipt), Ok(S::Received));
        assert_eq!(transition(S::Received, E::RefundInFull), Ok(S::Refunded));
        for (from, event) in [
            (S::Paid, E::Pay),
            (S::Paid, E::Cancel),
            (S::Shipped, E::CancelPaid),
            (S::PendingPayment, E::CancelPaid),
            (S::Cancelled, E::Pay),
            (S::Shipped, E::Cancel),
            (S::PendingPayment, E::Ship),
            (S::PendingPayment, E::RefundInFull),
            (S::Refunded, E::RefundInFull),
            (S::Received, E::Ship),
        ] {
            assert_eq!(transition(from, event), Err(InvalidTransition { from, event }));
        }
        assert_eq!(sources(E::RefundInFull), [S::Paid, S::Shipped, S::Received]);
        assert_eq!(
            InvalidTransition {
                from: S::Shipped,
                event: E::Cancel
            }
            .to_string(),
            "an order that is shipped cannot be cancelled"
        );
    }

    #[test]
    fn terminal_states_have_no_way_out() {
        for event in [
            OrderEvent::Pay,
            OrderEvent::Cancel,
            OrderEvent::CancelPaid,
            OrderEvent::Expire,
            OrderEvent::Ship,
            OrderEvent::ConfirmReceipt,
            OrderEvent::RefundInFull,
        ] {
            assert!(transition(OrderStatus::Cancelled, event).is_err());
            assert!(transition(OrderStatus::Refunded, event).is_err());
        }
    }

    #[test]
    fn money_rules() {
        assert_eq!(shipping_fee(9_899), 1_000);
        assert_eq!(shipping_fee(9_900), 0);
        assert_eq!(refundable(1000, 300, 200), 500);
        assert_eq!(refundable(1000, 1000, 0), 0);
        assert!(CartQuantity::parse(0).is_err());
        assert!(CartQuantity::parse(1000).is_err());
        assert_eq!(CartQuantity::parse(999).map(CartQuantity::get), Ok(999));
    }
}
