//! The sandbox's notification signature scheme, modelled on Stripe's.
//!
//! Header `Sandbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
//! Signing the timestamp with the body lets the shop refuse replays of old notifications;
//! several `v1=` entries may be sent at once so that the secret can be rotated without
//! a window in which notifications are refused.
//!
//! Grammar accepted by [`verify`]: comma-separated `key=value` items (blanks around an
//! item are ignored); exactly one `t` of decimal digits; one or more `v1` of 64 hex digits;
//! other `v<digits>` schemes (Stripe's `v0`, a future `v2`) are skipped so that a sender
//! can add a scheme before the shop understands it. Anything else is malformed.

use hmac::digest::{Key, KeyInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::NotificationError;

type HmacSha256 = Hmac<Sha256>;

/// The HTTP header that carries the signature.
pub const HEADER: &str = "Sandbox-Signature";

/// How far, in seconds, a notification's timestamp may be from the shop's clock, either way.
pub const TOLERANCE_SECS: i64 = 300;

/// The longest header value read. A real one is about 80 bytes (a few hundred during a
/// rotation); refusing longer ones bounds the work a forged request can cause.
pub const MAX_HEADER_LEN: usize = 1024;

/// Length of a hex-encoded HMAC-SHA256.
const V1_HEX_LEN: usize = 64;

/// The header value for `body` signed at `t` (unix seconds, not negative).
pub fn sign(secret: &[u8], t: i64, body: &[u8]) -> String {
    let tag = payload_mac(secret, &t.to_string(), body).finalize().into_bytes();
    format!("t={t},v1={}", hex::encode(tag))
}

/// Verifies a header value against `body` and the shop's clock `now_unix`.
///
/// Accepts when any `v1` matches (compared in constant time), then refuses a timestamp
/// more than [`TOLERANCE_SECS`] away. An absent or blank header is
/// [`MissingSignature`](NotificationError::MissingSignature); one that cannot be read,
/// whatever it holds, is [`MalformedSignature`](NotificationError::MalformedSignature).
/// Never panics.
pub fn verify(secret: &[u8], header: Option<&str>, body: &[u8], now_unix: i64) -> Result<(), NotificationError> {
    let header = header.ok_or(NotificationError::MissingSignature)?;
    let parsed = ParsedHeader::parse(header)?;
    let mac = payload_mac(secret, parsed.t_text, body);
    // Cloning the keyed state is cheaper than re-hashing the body for each candidate.
    let genuine = parsed
        .candidates
        .iter()
        .any(|tag| mac.clone().verify_slice(tag).is_ok());
    if !genuine {
        return Err(NotificationError::BadSignature);
    }
    // Freshness is judged only once the timestamp is known to be genuine; saturating so
    // that no clock value, however absurd, can overflow.
    let skew_secs = now_unix.saturating_sub(parsed.t);
    if skew_secs.unsigned_abs() > TOLERANCE_SECS.unsigned_abs() {
        return Err(NotificationError::Stale { skew_secs });
    }
    Ok(())
}

/// A header value taken apart.
#[derive(Debug)]
struct ParsedHeader<'h> {
    /// The timestamp as written: the signed payload is built from this text.
    t_text: &'h str,
    /// The timestamp's value.
    t: i64,
    /// The decoded `v1` signatures.
    candidates: Vec<Vec<u8>>,
}

impl<'h> ParsedHeader<'h> {
    fn parse(header: &'h str) -> Result<Self, NotificationError> {
        if header.len() > MAX_HEADER_LEN {
            return Err(malformed(format!("longer than {MAX_HEADER_LEN} bytes")));
        }
        if header.trim().is_empty() {
            return Err(NotificationError::MissingSignature);
        }
        let mut t = None;
        let mut candidates = Vec::new();
        for item in header.split(',') {
            let (key, value) = item
                .trim_matches([' ', '\t'])
                .split_once('=')
                .ok_or_else(|| malformed("expected comma-separated key=value items"))?;
            match key {
                "t" if t.is_some() => return Err(malformed("more than one t")),
                "t" => t = Some((value, parse_timestamp(value)?)),
                "v1" => candidates.push(parse_v1(value)?),
                _ if is_other_scheme(key) => {}
                _ => return Err(malformed("unknown key (expected t and v1)")),
            }
        }
        let (t_text, t) = t.ok_or_else(|| malformed("no t (timestamp)"))?;
        if candidates.is_empty() {
            return Err(malformed("no v1 signature"));
        }
        Ok(ParsedHeader { t_text, t, candidates })
    }
}

/// Unix seconds: decimal digits only (no sign, no blanks), within `i64`.
fn parse_timestamp(value: &str) -> Result<i64, NotificationError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("t is not a number of seconds"));
    }
    value.parse().map_err(|_| malformed("t is out of range"))
}

/// A v1 signature: exactly 64 hex digits (an HMAC-SHA256), either case.
fn parse_v1(value: &str) -> Result<Vec<u8>, NotificationError> {
    if value.len() != V1_HEX_LEN {
        return Err(malformed(format!("v1 is not {V1_HEX_LEN} hex digits")));
    }
    hex::decode(value).map_err(|_| malformed(format!("v1 is not {V1_HEX_LEN} hex digits")))
}

/// `v0`, `v2`, … : schemes other than v1, skipped rather than refused.
fn is_other_scheme(key: &str) -> bool {
    key != "v1"
        && key
            .strip_prefix('v')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn malformed(why: impl Into<String>) -> NotificationError {
    NotificationError::MalformedSignature(why.into())
}

/// HMAC-SHA256 keyed with `secret`, fed `"<t>.<body>"`.
fn payload_mac(secret: &[u8], t_text: &str, body: &[u8]) -> HmacSha256 {
    let mut mac = <HmacSha256 as KeyInit>::new(&block_key(secret));
    mac.update(t_text.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The HMAC key padded to the hash's block size, as RFC 2104 §2 prescribes (hashed first
/// when longer than a block).
///
/// `Hmac::new_from_slice` does the same but returns a `Result` that cannot fail for HMAC;
/// going through the infallible `KeyInit::new` lets `sign` return a plain `String` without
/// an `expect`. A test checks both agree for keys of every length up to 200 bytes.
fn block_key(secret: &[u8]) -> Key<HmacSha256> {
    let mut key = Key::<HmacSha256>::default();
    if secret.len() > key.len() {
        let digest = Sha256::digest(secret);
        key[..digest.len()].copy_from_slice(&digest);
    } else {
        key[..secret.len()].copy_from_slice(secret);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_key_gives_the_same_mac_as_new_from_slice() {
        for len in 0..=200 {
            let secret: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let ours = payload_mac(&secret, "1700000000", b"{}").finalize().into_bytes();
            let mut reference = <HmacSha256 as Mac>::new_from_slice(&secret).unwrap();
            reference.update(b"1700000000.{}");
            assert_eq!(ours, reference.finalize().into_bytes(), "key length {len}");
        }
    }

    #[test]
    fn rfc_4231_vectors() {
        // RFC 4231 test cases 1 (short key) and 6 (key longer than a block).
        let mut case_1 = <HmacSha256 as KeyInit>::new(&block_key(&[0x0b; 20]));
        case_1.update(b"Hi There");
        assert_eq!(
            hex::encode(case_1.finalize().into_bytes()),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        let mut case_6 = <HmacSha256 as KeyInit>::new(&block_key(&[0xaa; 131]));
        case_6.update(b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(
            hex::encode(case_6.finalize().into_bytes()),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn other_schemes_are_recognised_narrowly() {
        for key in ["v0", "v2", "v10"] {
            assert!(is_other_scheme(key), "{key}");
        }
        for key in ["v1", "v", "x1", "v1a", "V2", "", "t"] {
            assert!(!is_other_scheme(key), "{key}");
        }
    }
}
