//! The notification a provider sends the shop: its JSON body, its strict parser, and the
//! reasons a notification is rejected.

use serde::{Deserialize, Serialize};

/// The outcome a notification reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifiedStatus {
    /// The buyer paid.
    Succeeded,
    /// The payment failed.
    Failed,
}

impl NotifiedStatus {
    /// The wire spelling: `succeeded` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            NotifiedStatus::Succeeded => "succeeded",
            NotifiedStatus::Failed => "failed",
        }
    }
}

/// A verified notification (API.md body: `{event_id, payment_id, order_id, amount, currency, status}`).
///
/// Deserializing one (through [`parse_notification`] or any serde path) applies the same
/// checks, so a `Notification` in hand always holds well-formed values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WireNotification")]
pub struct Notification {
    /// The provider's id for this event; the same event delivered twice has the same id,
    /// which is how the shop processes it only once. 1–128 of `[A-Za-z0-9_-]`.
    pub event_id: String,
    /// The shop's payment id (positive).
    pub payment_id: i64,
    /// The shop's order id (positive).
    pub order_id: i64,
    /// The amount the provider collected, in the currency's minor unit (never negative).
    pub amount: i64,
    /// Three upper-case letters (ISO 4217), e.g. `CNY`.
    pub currency: String,
    /// What happened.
    pub status: NotifiedStatus,
}

/// Why a notification was rejected (each maps to HTTP 400 at the shop; nothing changes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    /// The request carried no signature header (or an empty one).
    #[error("missing notification signature")]
    MissingSignature,
    /// The signature header could not be read; the text says what is wrong with it.
    #[error("malformed notification signature: {0}")]
    MalformedSignature(String),
    /// The header was well formed but no signature in it matches the body.
    #[error("notification signature does not match")]
    BadSignature,
    /// The signature is genuine but its timestamp is too far from the shop's clock, so it
    /// may be a replay. `skew_secs` is now minus the timestamp: positive means old.
    #[error(
        "notification timestamp is {skew_secs} s off the shop's clock (at most {} s allowed)",
        crate::signature::TOLERANCE_SECS
    )]
    Stale {
        /// The shop's clock minus the signed timestamp, in seconds.
        skew_secs: i64,
    },
    /// The body is not a valid notification; the text names the problem.
    #[error("malformed notification body: {0}")]
    MalformedBody(String),
}

/// The longest `event_id` accepted.
const MAX_EVENT_ID_LEN: usize = 128;

/// Error texts echo parts of the (untrusted) body, such as an unknown field's name; this
/// keeps them short enough for a log line or a problem+json `detail`.
const MAX_ERROR_LEN: usize = 200;

/// The body as it arrives: every field required, their types exact. Fields a provider
/// adds are ignored, as the published schema promises (the signature already proves who
/// wrote them, and nothing in the body is copied onto a row).
#[derive(Deserialize)]
struct WireNotification {
    event_id: String,
    payment_id: i64,
    order_id: i64,
    amount: i64,
    currency: String,
    status: NotifiedStatus,
}

impl TryFrom<WireNotification> for Notification {
    type Error = String;

    fn try_from(wire: WireNotification) -> Result<Self, String> {
        let event_id_ok = (1..=MAX_EVENT_ID_LEN).contains(&wire.event_id.len())
            && wire
                .event_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !event_id_ok {
            return Err(format!(
                "event_id must be 1 to {MAX_EVENT_ID_LEN} characters of A-Z, a-z, 0-9, '_' and '-'"
            ));
        }
        if wire.payment_id <= 0 {
            return Err("payment_id must be positive".into());
        }
        if wire.order_id <= 0 {
            return Err("order_id must be positive".into());
        }
        if wire.amount < 0 {
            return Err("amount must not be negative".into());
        }
        // Upper case only: the shop compares the code with the order's as text, and the
        // sandbox sends it exactly as the shop gave it.
        if wire.currency.len() != 3 || !wire.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err("currency must be three upper-case letters (ISO 4217)".into());
        }
        Ok(Notification {
            event_id: wire.event_id,
            payment_id: wire.payment_id,
            order_id: wire.order_id,
            amount: wire.amount,
            currency: wire.currency,
            status: wire.status,
        })
    }
}

/// Parses a notification body: strict JSON (fields the schema names required and typed,
/// others ignored; amount an integer,
/// event_id 1..=128 chars of `[A-Za-z0-9_-]`, currency 3 letters).
///
/// Call it only after the signature has been verified: the signature covers these exact
/// bytes. Errors are [`NotificationError::MalformedBody`] naming the problem.
pub fn parse_notification(body: &[u8]) -> Result<Notification, NotificationError> {
    serde_json::from_slice(body).map_err(|error| NotificationError::MalformedBody(tidy(&error.to_string())))
}

/// Serializes a notification as the sandbox sends it (compact JSON, field order as in API.md).
pub fn notification_body(n: &Notification) -> Vec<u8> {
    // Written out rather than through `serde_json::to_vec`: the field order is part of the
    // wire contract, and this way there is no error case for a serialization that cannot
    // fail. A test checks it matches the derived `Serialize`.
    format!(
        r#"{{"event_id":{},"payment_id":{},"order_id":{},"amount":{},"currency":{},"status":"{}"}}"#,
        json_string(&n.event_id),
        n.payment_id,
        n.order_id,
        n.amount,
        json_string(&n.currency),
        n.status.as_str(),
    )
    .into_bytes()
}

/// `text` as a JSON string literal, quoted and escaped.
fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// Makes an error text safe to log: control characters (which the body may smuggle in
/// through an escaped field name) become `?`, and it is cut to [`MAX_ERROR_LEN`] characters.
fn tidy(message: &str) -> String {
    let mut out: String = message
        .chars()
        .take(MAX_ERROR_LEN)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if message.chars().nth(MAX_ERROR_LEN).is_some() {
        out.push('…');
    }
    out
}

impl From<Notification> for crate::Notice {
    /// The sandbox's notification as the shop acts on it.
    fn from(n: Notification) -> Self {
        crate::Notice::Payment(crate::PaymentNotice {
            event_id: n.event_id,
            payment_id: n.payment_id,
            order_id: Some(n.order_id),
            amount: n.amount,
            currency: n.currency,
            status: n.status,
            provider_ref: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_replaces_control_characters_and_truncates() {
        assert_eq!(tidy("a\nb\u{1b}c"), "a?b?c");
        let long = "x".repeat(MAX_ERROR_LEN + 50);
        let tidied = tidy(&long);
        assert_eq!(tidied.chars().count(), MAX_ERROR_LEN + 1);
        assert!(tidied.ends_with('…'));
        assert_eq!(tidy(&"y".repeat(MAX_ERROR_LEN)), "y".repeat(MAX_ERROR_LEN));
    }
}
