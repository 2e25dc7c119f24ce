//! Alipay's asynchronous notifications (异步通知): a form POSTed to the `notify_url`,
//! signed by Alipay, retried until the shop answers `success` (over about 25 hours).

use std::collections::BTreeMap;

use super::money::parse_yuan;
use super::wire::{decode_form, signing_text};
use crate::rsa::VerifyingKey;
use crate::{Notice, NotificationError, NotifiedStatus, PaymentNotice, payment_id_of};

/// The longest `notify_id` accepted as an event id (Alipay's are about 40 characters).
const MAX_NOTIFY_ID_LEN: usize = 128;

/// Verifies and reads a notification body.
///
/// The signature covers every parameter but `sign` and `sign_type`, decoded, sorted,
/// `key=value` joined with `&` (empty values left out), RSA2 with Alipay's key. There is
/// no freshness check: Alipay's notifications carry no signed nonce and are retried for
/// hours, so a replay is only a repeat, which the shop applies once by `notify_id`.
pub(super) fn verify(body: &[u8], alipay_key: &VerifyingKey, app_id: &str) -> Result<Notice, NotificationError> {
    let fields = decode_form(body).map_err(NotificationError::MalformedBody)?;
    let signature = fields
        .get("sign")
        .filter(|s| !s.is_empty())
        .ok_or(NotificationError::MissingSignature)?;
    match fields.get("sign_type").map(String::as_str) {
        None | Some("RSA2") => {}
        Some(other) => {
            return Err(NotificationError::MalformedSignature(format!(
                "sign_type {other:?} is not RSA2"
            )));
        }
    }
    let text = signing_text(
        fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &["sign", "sign_type"],
    );
    if !alipay_key.verify_base64(text.as_bytes(), signature) {
        return Err(NotificationError::BadSignature);
    }
    read(&fields, app_id)
}

/// What a genuine notification says.
fn read(fields: &BTreeMap<String, String>, app_id: &str) -> Result<Notice, NotificationError> {
    let get = |name: &str| fields.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let required = |name: &str| get(name).ok_or_else(|| malformed(format!("{name} is missing")));

    // Genuine but for another application of the same Alipay account (both share
    // Alipay's key): not ours to act on.
    let theirs = required("app_id")?;
    if theirs != app_id {
        return Err(malformed(format!("app_id {theirs:?} is not this shop's")));
    }
    let event_id = required("notify_id")?;
    if event_id.len() > MAX_NOTIFY_ID_LEN {
        return Err(malformed(format!("notify_id is longer than {MAX_NOTIFY_ID_LEN} bytes")));
    }
    let out_trade_no = required("out_trade_no")?;
    let payment_id = payment_id_of(out_trade_no)
        .ok_or_else(|| malformed(format!("out_trade_no {out_trade_no:?} is not the shop's")))?;
    let total_amount = required("total_amount")?;
    let amount = parse_yuan(total_amount).ok_or_else(|| {
        malformed(format!(
            "total_amount {total_amount:?} is not yuan with at most 2 decimals"
        ))
    })?;
    let trade_status = required("trade_status")?;
    let ignored = |what: String| Notice::Ignored {
        event_id: event_id.to_owned(),
        what,
    };

    // A refund also brings a notification (with refund_fee, gmt_refund, out_biz_no), whose
    // trade_status is TRADE_CLOSED after a full refund: it must not read as a failed
    // payment. Alipay refunds answer synchronously (alipay.trade.refund), so the shop
    // already knows; the notification is only acknowledged.
    if ["refund_fee", "gmt_refund", "out_biz_no"]
        .iter()
        .any(|name| get(name).is_some())
    {
        return Ok(ignored(format!("refund of {out_trade_no} ({trade_status})")));
    }
    let status = match trade_status {
        // TRADE_FINISHED: paid and no longer refundable (the refund period ended).
        "TRADE_SUCCESS" | "TRADE_FINISHED" => NotifiedStatus::Succeeded,
        // Unpaid and closed (expired, or closed by alipay.trade.close).
        "TRADE_CLOSED" => NotifiedStatus::Failed,
        "WAIT_BUYER_PAY" => return Ok(ignored(format!("{out_trade_no} awaits payment"))),
        other => return Err(malformed(format!("unknown trade_status {other:?}"))),
    };
    Ok(Notice::Payment(PaymentNotice {
        event_id: event_id.to_owned(),
        payment_id,
        order_id: None,
        amount,
        // Alipay's domestic trades are in yuan; a cross-border trade's other currency
        // (trans_currency) is not one this adapter opens.
        currency: super::CURRENCY.to_owned(),
        status,
        provider_ref: get("trade_no").map(str::to_owned),
    }))
}

fn malformed(why: String) -> NotificationError {
    NotificationError::MalformedBody(why)
}
