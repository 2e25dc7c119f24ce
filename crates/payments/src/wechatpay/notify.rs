//! WeChat Pay's notifications (回调通知): the signed envelope, its AES-256-GCM encrypted
//! `resource`, and the payment and refund events inside, turned into [`Notice`]s.
//!
//! The envelope is `{id, create_time, event_type, resource_type, resource: {algorithm,
//! ciphertext, nonce, associated_data, original_type}, summary}`. The resource is sealed
//! with the merchant's API v3 key: `AEAD_AES_256_GCM`, the 12-character `nonce` used as
//! the IV's bytes, `associated_data` as the AAD, and the base64 `ciphertext` ending with
//! the 16-byte tag.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::aead;
use serde::Deserialize;

use crate::{Notice, NotificationError, NotifiedStatus, PaymentNotice, RefundNotice, RefundOutcome, payment_id_of};

/// The only resource algorithm API v3 uses.
pub const ALGORITHM: &str = "AEAD_AES_256_GCM";

/// The event that a payment succeeded.
pub const TRANSACTION_SUCCESS: &str = "TRANSACTION.SUCCESS";

/// The prefix of [`RefundRequest::key_for`](crate::RefundRequest::key_for), which the shop
/// sends as `out_refund_no`.
const REFUND_KEY_PREFIX: &str = "emporium-refund-";

/// The longest event id accepted (the shop stores it to apply each event once).
const MAX_EVENT_ID_LEN: usize = 128;

/// The shop's refund id in an `out_refund_no` it made with
/// [`RefundRequest::key_for`](crate::RefundRequest::key_for) (`emporium-refund-{id}`), or
/// `None` for anything else.
pub fn refund_id_of(out_refund_no: &str) -> Option<i64> {
    let digits = out_refund_no.strip_prefix(REFUND_KEY_PREFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|id: &i64| *id > 0)
}

/// The notification envelope (the fields the shop reads; others are ignored).
#[derive(Debug, Deserialize)]
struct Envelope {
    id: String,
    event_type: String,
    resource: Resource,
}

/// The encrypted `resource` of a notification.
#[derive(Debug, Deserialize)]
pub(crate) struct Resource {
    algorithm: String,
    ciphertext: String,
    nonce: String,
    #[serde(default)]
    associated_data: String,
    original_type: String,
}

/// A payment as a `TRANSACTION.SUCCESS` notification describes it.
#[derive(Debug, Deserialize)]
struct Transaction {
    appid: String,
    mchid: String,
    out_trade_no: String,
    transaction_id: String,
    trade_state: String,
    amount: Amount,
}

/// `amount` of a transaction: `total` in fen.
#[derive(Debug, Deserialize)]
struct Amount {
    total: i64,
    currency: String,
}

/// A refund as a `REFUND.*` notification describes it.
#[derive(Debug, Deserialize)]
struct Refund {
    mchid: String,
    out_refund_no: String,
    refund_id: String,
    refund_status: String,
}

/// Whom a notification must be addressed to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Merchant<'a> {
    pub mch_id: &'a str,
    pub app_id: &'a str,
    pub api_v3_key: &'a [u8; 32],
}

/// Reads a notification body whose signature was verified: decrypts its resource and
/// turns the event into a [`Notice`].
pub(crate) fn parse(merchant: Merchant<'_>, body: &[u8]) -> Result<Notice, NotificationError> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(|e| malformed(format!("envelope: {e}")))?;
    check_event_id(&envelope.id)?;
    match envelope.event_type.as_str() {
        TRANSACTION_SUCCESS => payment(merchant, envelope),
        "REFUND.SUCCESS" | "REFUND.ABNORMAL" | "REFUND.CLOSED" => refund(merchant, envelope),
        other => Ok(Notice::Ignored {
            event_id: envelope.id,
            what: tidy(other),
        }),
    }
}

fn payment(merchant: Merchant<'_>, envelope: Envelope) -> Result<Notice, NotificationError> {
    let plain = decrypt(merchant.api_v3_key, &envelope.resource, "transaction")?;
    let tx: Transaction = serde_json::from_slice(&plain).map_err(|e| malformed(format!("transaction: {e}")))?;
    if tx.mchid != merchant.mch_id {
        return Err(malformed(format!("mchid {} is not ours", tidy(&tx.mchid))));
    }
    if tx.appid != merchant.app_id {
        return Err(malformed(format!("appid {} is not ours", tidy(&tx.appid))));
    }
    if tx.trade_state != "SUCCESS" {
        return Err(malformed(format!(
            "{TRANSACTION_SUCCESS} with trade_state {}",
            tidy(&tx.trade_state)
        )));
    }
    let payment_id = payment_id_of(&tx.out_trade_no)
        .ok_or_else(|| malformed(format!("out_trade_no {} is not the shop's", tidy(&tx.out_trade_no))))?;
    if tx.amount.total < 0 {
        return Err(malformed("amount.total is negative".into()));
    }
    if tx.amount.currency.len() != 3 || !tx.amount.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(malformed("amount.currency is not an ISO 4217 code".into()));
    }
    Ok(Notice::Payment(PaymentNotice {
        event_id: envelope.id,
        payment_id,
        order_id: None,
        amount: tx.amount.total,
        currency: tx.amount.currency,
        status: NotifiedStatus::Succeeded,
        provider_ref: Some(tx.transaction_id),
    }))
}

fn refund(merchant: Merchant<'_>, envelope: Envelope) -> Result<Notice, NotificationError> {
    let plain = decrypt(merchant.api_v3_key, &envelope.resource, "refund")?;
    let refund: Refund = serde_json::from_slice(&plain).map_err(|e| malformed(format!("refund: {e}")))?;
    if refund.mchid != merchant.mch_id {
        return Err(malformed(format!("mchid {} is not ours", tidy(&refund.mchid))));
    }
    // The event and the status inside must agree: each names the outcome.
    let expected = envelope.event_type.trim_start_matches("REFUND.");
    if refund.refund_status != expected {
        return Err(malformed(format!(
            "{} with refund_status {}",
            envelope.event_type,
            tidy(&refund.refund_status)
        )));
    }
    let refund_id = refund_id_of(&refund.out_refund_no).ok_or_else(|| {
        malformed(format!(
            "out_refund_no {} is not the shop's",
            tidy(&refund.out_refund_no)
        ))
    })?;
    let outcome = match expected {
        "SUCCESS" => RefundOutcome::Succeeded {
            provider_ref: refund.refund_id,
        },
        "CLOSED" => RefundOutcome::Failed {
            reason: "WeChat Pay closed the refund (CLOSED)".into(),
        },
        _ => RefundOutcome::Failed {
            reason: "the refund could not be paid into the buyer's account (ABNORMAL)".into(),
        },
    };
    Ok(Notice::Refund(RefundNotice {
        event_id: envelope.id,
        refund_id,
        outcome,
    }))
}

/// Opens a resource of kind `original_type` with the API v3 key.
pub(crate) fn decrypt(key: &[u8; 32], resource: &Resource, original_type: &str) -> Result<Vec<u8>, NotificationError> {
    if resource.algorithm != ALGORITHM {
        return Err(malformed(format!(
            "resource.algorithm {} is not {ALGORITHM}",
            tidy(&resource.algorithm)
        )));
    }
    if resource.original_type != original_type {
        return Err(malformed(format!(
            "resource.original_type {} is not {original_type}",
            tidy(&resource.original_type)
        )));
    }
    open(
        key,
        resource.nonce.as_bytes(),
        resource.associated_data.as_bytes(),
        &resource.ciphertext,
    )
    .ok_or_else(|| malformed("resource does not decrypt with the API v3 key (altered, or another key)".into()))
}

/// AES-256-GCM open of base64 `ciphertext` (tag at the end) with a 12-byte nonce.
pub fn open(key: &[u8; 32], nonce: &[u8], associated_data: &[u8], ciphertext: &str) -> Option<Vec<u8>> {
    let nonce = aead::Nonce::try_assume_unique_for_key(nonce).ok()?;
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_256_GCM, key).ok()?);
    let mut in_out = BASE64.decode(ciphertext).ok()?;
    let plain = key
        .open_in_place(nonce, aead::Aad::from(associated_data), &mut in_out)
        .ok()?;
    Some(plain.to_vec())
}

fn check_event_id(id: &str) -> Result<(), NotificationError> {
    let ok = (1..=MAX_EVENT_ID_LEN).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(malformed(format!(
            "id must be 1 to {MAX_EVENT_ID_LEN} characters of A-Z, a-z, 0-9, '_' and '-'"
        )))
    }
}

fn malformed(what: String) -> NotificationError {
    NotificationError::MalformedBody(what)
}

/// Untrusted text made short and printable for an error message.
fn tidy(text: &str) -> String {
    text.chars()
        .take(64)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RefundRequest;

    #[test]
    fn refund_ids_come_back_from_their_keys() {
        assert_eq!(refund_id_of(&RefundRequest::key_for(42)), Some(42));
        for bad in [
            "emporium-refund-",
            "emporium-refund-0",
            "emporium-refund--1",
            "refund-1",
            "emporium-refund-1x",
        ] {
            assert_eq!(refund_id_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn open_refuses_a_wrong_nonce_length_or_base64() {
        assert_eq!(open(&[0; 32], b"short", b"", "AAAA"), None);
        assert_eq!(open(&[0; 32], b"123456789012", b"", "not base64!"), None);
    }
}
