//! Opaque pagination cursors: `?cursor=` values that clients pass back but cannot forge.
//!
//! A cursor names a position (a keyset `(sort key, id)` or a search offset) and the query
//! it belongs to (a fingerprint of the filters and sort). It is signed with HMAC-SHA256
//! under a secret shared by every instance (kept in the database), so a tampered cursor,
//! or one reused with other filters, is a clear 422 naming `cursor` instead of a wrong page.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use emporium_domain::FieldError;

/// Where the next page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// After the row with this sort key and id.
    After(i64, i64),
    /// Skip this many results (search results, ranked by relevance).
    Offset(u64),
}

/// Signs and checks cursors.
#[derive(Clone)]
pub struct Cursors {
    key: Vec<u8>,
}

impl std::fmt::Debug for Cursors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cursors(***)")
    }
}

/// A cursor's payload length: fingerprint (8) + tag (1) + two i64 (16).
const PAYLOAD: usize = 25;
/// Bytes of the HMAC kept (128 bits: unforgeable, and short URLs).
const TAG: usize = 16;

impl Cursors {
    /// Cursors signed with `secret`.
    pub fn new(secret: &[u8]) -> Self {
        Self { key: secret.to_vec() }
    }

    /// The signing secret, for other MACs that derive from it under their own label (the
    /// web pages' CSRF tokens).
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// A cursor for `position` within the query described by `query` (any stable text
    /// naming the filters and sort).
    pub fn encode(&self, query: &str, position: Position) -> String {
        let mut bytes = Vec::with_capacity(PAYLOAD + TAG);
        bytes.extend_from_slice(&fingerprint(query));
        match position {
            Position::After(key, id) => {
                bytes.push(b'a');
                bytes.extend_from_slice(&key.to_be_bytes());
                bytes.extend_from_slice(&id.to_be_bytes());
            }
            Position::Offset(offset) => {
                bytes.push(b'o');
                bytes.extend_from_slice(&offset.to_be_bytes());
                bytes.extend_from_slice(&0i64.to_be_bytes());
            }
        }
        let tag = self.tag(&bytes);
        bytes.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The position in a cursor from a client, checked against its query.
    pub fn decode(&self, query: &str, cursor: &str) -> Result<Position, FieldError> {
        let bad = |why: &str| FieldError::new("cursor", why);
        let bytes = URL_SAFE_NO_PAD
            .decode(cursor.as_bytes())
            .map_err(|_| bad("is not a cursor from this API"))?;
        if bytes.len() != PAYLOAD + TAG {
            return Err(bad("is not a cursor from this API"));
        }
        let (payload, tag) = bytes.split_at(PAYLOAD);
        let mut mac = self.mac();
        mac.update(payload);
        mac.verify_truncated_left(tag).map_err(|_| bad("has been altered"))?;
        if payload[..8] != fingerprint(query) {
            return Err(bad(
                "belongs to a listing with other filters or sort; start again without it",
            ));
        }
        let a = i64::from_be_bytes(payload[9..17].try_into().map_err(|_| bad("is malformed"))?);
        let b = i64::from_be_bytes(payload[17..25].try_into().map_err(|_| bad("is malformed"))?);
        match payload[8] {
            b'a' => Ok(Position::After(a, b)),
            b'o' => Ok(Position::Offset(a.unsigned_abs())),
            _ => Err(bad("is malformed")),
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        Hmac::<Sha256>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
    }

    fn tag(&self, payload: &[u8]) -> [u8; TAG] {
        let mut mac = self.mac();
        mac.update(payload);
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG];
        tag.copy_from_slice(&full[..TAG]);
        tag
    }
}

fn fingerprint(query: &str) -> [u8; 8] {
    let digest = Sha256::digest(query.as_bytes());
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest[..8]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let c = Cursors::new(b"secret");
        for position in [
            Position::After(-5, 42),
            Position::After(i64::MAX, 1),
            Position::Offset(40),
        ] {
            let s = c.encode("sort=price_asc", position);
            assert_eq!(c.decode("sort=price_asc", &s).unwrap(), position);
        }
        let s = c.encode("q", Position::Offset(20));
        // Another query, another secret, a flipped character, junk: all refused.
        assert!(c.decode("other", &s).is_err());
        assert!(Cursors::new(b"other").decode("q", &s).is_err());
        let mut chars: Vec<char> = s.chars().collect();
        chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
        assert!(c.decode("q", &chars.into_iter().collect::<String>()).is_err());
        for junk in ["", "abc", "%%%", &"A".repeat(1000)] {
            assert!(c.decode("q", junk).is_err(), "{junk:?}");
        }
    }

    proptest::proptest! {
        /// A cursor is client input: any string is refused or, if it is one we signed,
        /// decoded; never a panic.
        #[test]
        fn any_string_as_a_cursor_never_panics(cursor in proptest::prelude::any::<String>()) {
            proptest::prop_assert!(Cursors::new(b"secret").decode("q", &cursor).is_err());
        }

        /// A signed cursor with one byte changed is refused.
        #[test]
        fn tampered_cursors_are_refused(after in proptest::prelude::any::<i64>(), id in proptest::prelude::any::<i64>(), index in 0usize..64, byte in proptest::prelude::any::<u8>()) {
            let c = Cursors::new(b"secret");
            let good = c.encode("q", Position::After(after, id));
            let mut bytes = good.clone().into_bytes();
            let index = index % bytes.len();
            bytes[index] = byte;
            let tampered = String::from_utf8_lossy(&bytes).into_owned();
            if tampered != good {
                proptest::prop_assert!(c.decode("q", &tampered).is_err());
            }
        }
    }
}
