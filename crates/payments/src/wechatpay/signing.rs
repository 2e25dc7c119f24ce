//! WeChat Pay API v3's signatures (`WECHATPAY2-SHA256-RSA2048`): what the merchant signs
//! for each request, and how the platform's signature on a response or notification is
//! checked.
//!
//! Both directions sign lines joined and ended by `\n` with SHA256withRSA (PKCS#1 v1.5):
//! a request signs `METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n` with the merchant's
//! private key; a response or notification signs `TIMESTAMP\nNONCE\nBODY\n` with the
//! platform's key, sending the parts in the headers `Wechatpay-Timestamp`,
//! `Wechatpay-Nonce`, `Wechatpay-Signature` and `Wechatpay-Serial` (the id of the key that
//! signed: the platform public key's `PUB_KEY_ID_…`, or a platform certificate's serial).

use crate::rsa::{SigningKey, VerifyingKey};

/// The `Authorization` scheme, and the only `Wechatpay-Signature-Type` accepted.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// How far, in seconds, a signed timestamp may be from the shop's clock either way
/// (WeChat Pay's own advice: five minutes), so that an old answer or notification cannot
/// be replayed.
pub const TOLERANCE_SECS: i64 = 300;

/// Header: unix seconds when the platform signed.
pub const HEADER_TIMESTAMP: &str = "Wechatpay-Timestamp";
/// Header: the platform's random string.
pub const HEADER_NONCE: &str = "Wechatpay-Nonce";
/// Header: the base64 SHA256withRSA signature.
pub const HEADER_SIGNATURE: &str = "Wechatpay-Signature";
/// Header: the id of the platform key that signed (and, on requests, the key the
/// merchant expects answers to be signed with).
pub const HEADER_SERIAL: &str = "Wechatpay-Serial";
/// Header: the signature scheme (absent on older answers; [`SCHEME`] when present).
pub const HEADER_SIGNATURE_TYPE: &str = "Wechatpay-Signature-Type";

/// The longest header value read; real ones are at most a few hundred bytes.
const MAX_HEADER_LEN: usize = 1024;

/// The text a request's signature covers: `METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n`
/// (the body empty for a `GET`).
pub fn request_message(method: &str, path_with_query: &str, timestamp: i64, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{method}\n{path_with_query}\n{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

/// The text a response's or notification's signature covers: `TIMESTAMP\nNONCE\nBODY\n`,
/// with the timestamp exactly as the header carried it.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

/// What a request signs, besides the merchant's identity.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// `GET` or `POST`.
    pub method: &'a str,
    /// The URL's path and query string, as sent (`/v3/pay/transactions/out-trade-no/EP…?mchid=…`).
    pub path_with_query: &'a str,
    /// Unix seconds.
    pub timestamp: i64,
    /// The request's random string.
    pub nonce: &'a str,
    /// The exact body bytes.
    pub body: &'a [u8],
}

/// The `Authorization` header value for a request:
/// `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`
/// (the order of WeChat Pay's documentation; the platform reads the items by name).
pub fn authorization(mch_id: &str, serial: &str, key: &SigningKey, parts: RequestParts<'_>) -> String {
    let message = request_message(
        parts.method,
        parts.path_with_query,
        parts.timestamp,
        parts.nonce,
        parts.body,
    );
    let signature = key.sign_base64(&message);
    format!(
        r#"{SCHEME} mchid="{mch_id}",nonce_str="{}",signature="{signature}",timestamp="{}",serial_no="{serial}""#,
        parts.nonce, parts.timestamp
    )
}

/// Why a platform signature was not believed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignedError {
    /// No `Wechatpay-Signature` (or an empty one).
    Missing,
    /// A header is absent or unreadable; the text says which.
    Malformed(String),
    /// Signed by a key that is not the configured platform key.
    UnknownSerial(String),
    /// The signature does not match the text.
    Bad,
    /// Genuine, but signed this many seconds before the shop's clock (negative: after).
    Stale(i64),
}

impl std::fmt::Display for SignedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignedError::Missing => write!(f, "no {HEADER_SIGNATURE} header"),
            SignedError::Malformed(what) => f.write_str(what),
            SignedError::UnknownSerial(serial) => {
                write!(
                    f,
                    "{HEADER_SERIAL} {serial:?} is not the configured platform public key id"
                )
            }
            SignedError::Bad => f.write_str("the platform signature does not match"),
            SignedError::Stale(skew) => write!(f, "signed {skew} s off the shop's clock (at most {TOLERANCE_SECS} s)"),
        }
    }
}

/// The platform key a signature must come from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Platform<'a> {
    /// The platform public key.
    pub key: &'a VerifyingKey,
    /// Its id, which `Wechatpay-Serial` must name.
    pub key_id: &'a str,
}

/// Checks the platform's signature headers (read through `header`) on `body`: the
/// serial names our key, the signature matches, and then the timestamp is within
/// [`TOLERANCE_SECS`] of `now_unix`. The signature is checked before the time so that a
/// `Stale` answer is only ever given about genuine messages.
pub(crate) fn verify_signed<'h>(
    platform: Platform<'_>,
    header: impl Fn(&str) -> Option<&'h str>,
    body: &[u8],
    now_unix: i64,
) -> Result<(), SignedError> {
    let signature = header(HEADER_SIGNATURE)
        .filter(|s| !s.trim().is_empty())
        .ok_or(SignedError::Missing)?;
    let timestamp = required(&header, HEADER_TIMESTAMP)?;
    let nonce = required(&header, HEADER_NONCE)?;
    let serial = required(&header, HEADER_SERIAL)?;
    if signature.len() > MAX_HEADER_LEN {
        return Err(SignedError::Malformed(format!("{HEADER_SIGNATURE} is too long")));
    }
    if let Some(kind) = header(HEADER_SIGNATURE_TYPE)
        && kind != SCHEME
    {
        return Err(SignedError::Malformed(format!(
            "{HEADER_SIGNATURE_TYPE} is not {SCHEME}"
        )));
    }
    let signed_at = parse_timestamp(timestamp)?;
    if serial != platform.key_id {
        return Err(SignedError::UnknownSerial(serial.chars().take(64).collect()));
    }
    if !platform
        .key
        .verify_base64(&response_message(timestamp, nonce, body), signature)
    {
        return Err(SignedError::Bad);
    }
    let skew = now_unix.saturating_sub(signed_at);
    if skew.abs() > TOLERANCE_SECS {
        return Err(SignedError::Stale(skew));
    }
    Ok(())
}

/// A signature header that must be present, non-empty and of a sane length.
fn required<'h>(header: &impl Fn(&str) -> Option<&'h str>, name: &str) -> Result<&'h str, SignedError> {
    match header(name) {
        Some(value) if !value.is_empty() && value.len() <= MAX_HEADER_LEN => Ok(value),
        Some(value) if !value.is_empty() => Err(SignedError::Malformed(format!("{name} is too long"))),
        _ => Err(SignedError::Malformed(format!("no {name} header"))),
    }
}

/// Unix seconds: decimal digits only (no sign, no blanks), at most 12 of them.
fn parse_timestamp(text: &str) -> Result<i64, SignedError> {
    if text.is_empty() || text.len() > 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignedError::Malformed(format!(
            "{HEADER_TIMESTAMP} is not unix seconds"
        )));
    }
    text.parse()
        .map_err(|_| SignedError::Malformed(format!("{HEADER_TIMESTAMP} is not unix seconds")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lines_each_ended_by_a_line_feed() {
        assert_eq!(
            request_message(
                "GET",
                "/v3/x?mchid=1",
                1554208460,
                "593BEC0C930BF1AFEB40B4A08C8FB242",
                b""
            ),
            b"GET\n/v3/x?mchid=1\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n"
        );
        assert_eq!(response_message("1", "n", b"{}"), b"1\nn\n{}\n");
    }

    #[test]
    fn timestamps_are_plain_digits() {
        assert_eq!(parse_timestamp("1700000000"), Ok(1_700_000_000));
        for bad in ["", "-1", "+1", " 1", "1e9", "1234567890123"] {
            assert!(parse_timestamp(bad).is_err(), "{bad:?}");
        }
    }
}
