//! The states of money on its way in and out: a payment attempt and a refund. Each is
//! stored as its [`as_str`](PaymentStatus::as_str) name and read back with `FromStr`, so
//! nothing above the store compares statuses as text.

use std::fmt;
use std::str::FromStr;

use crate::FieldError;

/// Where a payment attempt is. A sandbox provider's own record of a payment moves through
/// the same three states, so its ledger uses this type too rather than a copy of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// Opened; the buyer has not finished at the provider yet.
    Pending,
    /// The provider collected the money.
    Succeeded,
    /// The provider refused or the buyer gave up.
    Failed,
}

impl PaymentStatus {
    /// Every status.
    pub const ALL: [PaymentStatus; 3] = [Self::Pending, Self::Succeeded, Self::Failed];

    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    /// The outcome a provider reports, as the status it settles a payment in.
    pub fn settled(succeeded: bool) -> Self {
        if succeeded { Self::Succeeded } else { Self::Failed }
    }
}

/// Where a refund is: asked for, claimed for paying back, and how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundStatus {
    /// The buyer asked; staff have not decided.
    Requested,
    /// Approved and claimed: the provider is being asked (or will be asked again).
    Processing,
    /// The money went back.
    Refunded,
    /// Staff said no.
    Rejected,
    /// The provider refused to pay it back.
    Failed,
}

impl RefundStatus {
    /// Every status.
    pub const ALL: [RefundStatus; 5] = [
        Self::Requested,
        Self::Processing,
        Self::Refunded,
        Self::Rejected,
        Self::Failed,
    ];

    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Processing => "processing",
            Self::Refunded => "refunded",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
        }
    }

    /// Parses a requested status for `field` (a listing filter).
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        raw.parse()
            .map_err(|()| FieldError::new(field, "must be requested, processing, refunded, rejected or failed"))
    }
}

/// The status `name`s `as_str`, or `Err(())`.
fn named<T: Copy>(all: &[T], as_str: fn(T) -> &'static str, name: &str) -> Result<T, ()> {
    all.iter().copied().find(|s| as_str(*s) == name).ok_or(())
}

impl FromStr for PaymentStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        named(&Self::ALL, Self::as_str, s)
    }
}

impl FromStr for RefundStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        named(&Self::ALL, Self::as_str, s)
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for RefundStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in PaymentStatus::ALL {
            assert_eq!(s.as_str().parse::<PaymentStatus>(), Ok(s));
        }
        for s in RefundStatus::ALL {
            assert_eq!(s.as_str().parse::<RefundStatus>(), Ok(s));
        }
        assert!("paid".parse::<PaymentStatus>().is_err());
        assert!(RefundStatus::parse("status", "pending").is_err());
        assert_eq!(PaymentStatus::settled(true), PaymentStatus::Succeeded);
        assert_eq!(PaymentStatus::settled(false), PaymentStatus::Failed);
    }
}
