//! Messages the shop owes people when something happens: what kinds there are, who each
//! is for and by which channel. The outbox (`store/src/messages.rs`) keeps one row per
//! event and audience; the application layer renders and delivers them
//! (`app/src/messages`).

use std::str::FromStr;

/// An event worth telling someone about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// To the customer: the order was placed (it waits for payment).
    OrderPlaced,
    /// To the customer: the payment arrived.
    OrderPaid,
    /// To the customer: the order left, with carrier and tracking number.
    OrderShipped,
    /// To the customer, by text message: the order left (when they gave a phone and agreed).
    OrderShippedSms,
    /// To the customer: a tracking milestone (out for delivery, delivered).
    TrackingUpdate,
    /// To the customer: the order was confirmed received.
    OrderReceived,
    /// To the customer: the order was cancelled (by them, staff or the payment deadline).
    OrderCancelled,
    /// To the customer: a refund was approved and is being paid back.
    RefundApproved,
    /// To the customer: a refund was rejected.
    RefundRejected,
    /// To the customer: a refund was paid back.
    RefundPaid,
    /// To the customer: a return was approved, with how to send the goods back.
    ReturnApproved,
    /// To the customer: a return was rejected, with the shop's reason.
    ReturnRejected,
    /// To the account's address: a link to set a new password.
    PasswordReset,
    /// To the address being proven: a link that verifies it.
    VerifyEmail,
    /// To staff: a paid order waits to be shipped.
    StaffNewOrder,
    /// To staff: a refund waits for a decision.
    StaffRefundRequested,
    /// To staff: a variant's available stock fell below its threshold.
    StaffLowStock,
    /// To staff: a return waits for a decision.
    StaffReturnRequested,
}

/// Who a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The customer (or guest) the event is about.
    Customer,
    /// The shop's staff.
    Staff,
}

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Email over SMTP.
    Email,
    /// A text message through the SMS provider.
    Sms,
}

impl Channel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

impl MessageKind {
    /// Every kind.
    pub const ALL: [MessageKind; 18] = [
        Self::OrderPlaced,
        Self::OrderPaid,
        Self::OrderShipped,
        Self::OrderShippedSms,
        Self::TrackingUpdate,
        Self::OrderReceived,
        Self::OrderCancelled,
        Self::RefundApproved,
        Self::RefundRejected,
        Self::RefundPaid,
        Self::ReturnApproved,
        Self::ReturnRejected,
        Self::PasswordReset,
        Self::VerifyEmail,
        Self::StaffNewOrder,
        Self::StaffRefundRequested,
        Self::StaffLowStock,
        Self::StaffReturnRequested,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderPlaced => "order_placed",
            Self::OrderPaid => "order_paid",
            Self::OrderShipped => "order_shipped",
            Self::OrderShippedSms => "order_shipped_sms",
            Self::TrackingUpdate => "tracking_update",
            Self::OrderReceived => "order_received",
            Self::OrderCancelled => "order_cancelled",
            Self::RefundApproved => "refund_approved",
            Self::RefundRejected => "refund_rejected",
            Self::RefundPaid => "refund_paid",
            Self::ReturnApproved => "return_approved",
            Self::ReturnRejected => "return_rejected",
            Self::PasswordReset => "password_reset",
            Self::VerifyEmail => "verify_email",
            Self::StaffNewOrder => "staff_new_order",
            Self::StaffRefundRequested => "staff_refund_requested",
            Self::StaffLowStock => "staff_low_stock",
            Self::StaffReturnRequested => "staff_return_requested",
        }
    }

    /// Who it is for.
    pub fn audience(self) -> Audience {
        match self {
            Self::StaffNewOrder | Self::StaffRefundRequested | Self::StaffLowStock | Self::StaffReturnRequested => {
                Audience::Staff
            }
            _ => Audience::Customer,
        }
    }

    /// How it travels.
    pub fn channel(self) -> Channel {
        match self {
            Self::OrderShippedSms => Channel::Sms,
            _ => Channel::Email,
        }
    }

    /// Whether it carries a secret (a token in a link): its sealed secret is cleared once
    /// it is sent, and staff cannot resend it (the person asks again instead).
    pub fn carries_secret(self) -> bool {
        matches!(self, Self::PasswordReset | Self::VerifyEmail)
    }
}

impl FromStr for MessageKind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

/// Where a message stands in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStatus {
    /// Waiting to be sent (again, after a failed attempt, at its next attempt time).
    Pending,
    /// Handed to the mail server (or SMS provider).
    Sent,
    /// Given up after the last attempt; staff may resend it.
    Failed,
    /// Kept unsent because no mail server (or SMS provider) is configured.
    Held,
    /// Nobody to send it to (no address on the account, no staff address).
    Skipped,
}

impl MessageStatus {
    /// Every status.
    pub const ALL: [MessageStatus; 5] = [Self::Pending, Self::Sent, Self::Failed, Self::Held, Self::Skipped];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Held => "held",
            Self::Skipped => "skipped",
        }
    }
}

impl FromStr for MessageStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in MessageKind::ALL {
            assert_eq!(kind.as_str().parse::<MessageKind>(), Ok(kind));
        }
        for status in MessageStatus::ALL {
            assert_eq!(status.as_str().parse::<MessageStatus>(), Ok(status));
        }
        assert!("order_lost".parse::<MessageKind>().is_err());
    }

    #[test]
    fn only_staff_kinds_go_to_staff_and_only_tokens_are_secret() {
        for kind in MessageKind::ALL {
            assert_eq!(kind.audience() == Audience::Staff, kind.as_str().starts_with("staff_"));
            assert_eq!(
                kind.carries_secret(),
                matches!(kind, MessageKind::PasswordReset | MessageKind::VerifyEmail)
            );
        }
    }
}
