//! Coupons: codes a shopper types, each for a fixed amount or a percentage off, with a
//! minimum spend, targets, a schedule and usage limits; and batches of fresh codes.
//!
//! Codes are case-insensitive: they are stored upper case and what the shopper types is
//! trimmed and upper-cased before it is looked up. Counting a redemption is the store's
//! job (inside the order transaction); the engine only reads `used`.

use crate::FieldError;
use crate::money::Amount;
use crate::pricing::rules::{Percent, Schedule, Targets};

/// The shortest code.
pub const MIN_CODE_LEN: usize = 3;
/// The longest code.
pub const MAX_CODE_LEN: usize = 32;
/// The letters of generated codes: upper-case letters and digits without the look-alikes
/// 0/O, 1/I/L, so a code read aloud or copied from paper is typed right.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A coupon code: 3–32 letters, digits, `-` or `_`, upper case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CouponCode(String);

impl CouponCode {
    /// Parses a code for `field`, trimmed and upper-cased.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_ascii_uppercase();
        if !(MIN_CODE_LEN..=MAX_CODE_LEN).contains(&code.len()) {
            return Err(FieldError::new(
                field,
                format!("must be {MIN_CODE_LEN} to {MAX_CODE_LEN} characters"),
            ));
        }
        if !code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(FieldError::new(field, "may hold only letters, digits, '-' and '_'"));
        }
        Ok(Self(code))
    }

    /// The code, upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a coupon takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponKind {
    /// A fixed amount off the targeted lines together.
    Fixed {
        /// The amount off.
        value: Amount,
    },
    /// A percentage off the targeted lines, rounded down, at most `max_discount`.
    Percent {
        /// The percentage.
        value: Percent,
        /// The cap, if any.
        max_discount: Option<Amount>,
    },
}

impl CouponKind {
    /// A fixed coupon; `value` must be positive (an error on `value`).
    pub fn fixed(value: i64) -> Result<Self, FieldError> {
        let value = Amount::parse("value", value)?;
        if value == Amount::ZERO {
            return Err(FieldError::new("value", "must be greater than 0"));
        }
        Ok(Self::Fixed { value })
    }

    /// A percentage coupon: `value` 1 ..= 100, `max_discount` positive if given.
    pub fn percent(value: i64, max_discount: Option<i64>) -> Result<Self, FieldError> {
        let value = Percent::parse("value", value)?;
        let max_discount = match max_discount {
            Some(0) => return Err(FieldError::new("max_discount", "must be greater than 0")),
            Some(m) => Some(Amount::parse("max_discount", m)?),
            None => None,
        };
        Ok(Self::Percent { value, max_discount })
    }
}

/// A coupon and how often it has been used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coupon {
    /// Its id.
    pub id: i64,
    /// The code that names it.
    pub code: CouponCode,
    /// What it takes off.
    pub kind: CouponKind,
    /// The least spend on the targeted lines, before any discount; zero for none.
    pub min_spend: Amount,
    /// The lines it applies to.
    pub targets: Targets,
    /// When it may be used.
    pub schedule: Schedule,
    /// How many orders may use it in all, if limited.
    pub usage_limit: Option<u32>,
    /// How many orders have used it (cancelled ones excluded).
    pub used: u32,
    /// How many orders one customer may use it on, if limited (a guest cannot use such
    /// a coupon: there is no one to count).
    pub per_customer_limit: Option<u32>,
    /// Whether it may apply together with other combinable offers.
    pub combinable: bool,
}

/// Makes `count` distinct codes `prefix` + `random_len` letters of [`CODE_ALPHABET`],
/// drawing from `next_random` (the caller's random source, e.g. `getrandom`; each draw
/// picks one letter, with a bias below 10⁻¹⁷ from the modulo).
///
/// Errors: `prefix` not of the code charset or too long for `random_len`; `random_len`
/// outside 6 ..= 16 (six letters give 887 million codes); `count` outside 1 ..= 10 000;
/// `count` when the random source repeats itself so much that the batch cannot be
/// filled. Codes are unique within the batch; against codes already stored, the store's
/// unique constraint decides.
pub fn generate_coupon_codes(
    prefix: &str,
    count: usize,
    random_len: usize,
    mut next_random: impl FnMut() -> u64,
) -> Result<Vec<CouponCode>, FieldError> {
    let prefix = prefix.trim().to_ascii_uppercase();
    if !prefix
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(FieldError::new("prefix", "may hold only letters, digits, '-' and '_'"));
    }
    if !(6..=16).contains(&random_len) {
        return Err(FieldError::new("length", "must be from 6 to 16"));
    }
    if prefix.len() + random_len > MAX_CODE_LEN {
        return Err(FieldError::new(
            "prefix",
            format!("must be at most {} characters", MAX_CODE_LEN - random_len),
        ));
    }
    if !(1..=10_000).contains(&count) {
        return Err(FieldError::new("count", "must be from 1 to 10000"));
    }
    let letters = CODE_ALPHABET.len() as u64;
    let mut codes: Vec<CouponCode> = Vec::with_capacity(count);
    let mut seen = std::collections::HashSet::with_capacity(count);
    for _ in 0..count.saturating_mul(10) {
        if codes.len() == count {
            break;
        }
        let mut code = prefix.clone();
        for _ in 0..random_len {
            let i = usize::try_from(next_random() % letters).unwrap_or(0);
            code.push(char::from(CODE_ALPHABET[i]));
        }
        if seen.insert(code.clone()) {
            codes.push(CouponCode(code));
        }
    }
    if codes.len() < count {
        return Err(FieldError::new("count", "the random source repeated itself; try again"));
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_trimmed_upper_case_and_checked() {
        assert_eq!(
            CouponCode::parse("code", " spring-25_x ").unwrap().as_str(),
            "SPRING-25_X"
        );
        for bad in ["", "AB", &"A".repeat(33), "SAVE 10", "满减", "SAVE!"] {
            assert_eq!(CouponCode::parse("code", bad).unwrap_err().field, "code", "{bad:?}");
        }
        assert!(CouponCode::parse("code", &"A".repeat(32)).is_ok());
    }

    #[test]
    fn coupon_kinds_check_their_values() {
        assert_eq!(CouponKind::percent(101, None).unwrap_err().field, "value");
        assert_eq!(CouponKind::percent(0, None).unwrap_err().field, "value");
        assert_eq!(CouponKind::percent(10, Some(-1)).unwrap_err().field, "max_discount");
        assert_eq!(CouponKind::percent(10, Some(0)).unwrap_err().field, "max_discount");
        assert_eq!(CouponKind::fixed(-100).unwrap_err().field, "value");
        assert_eq!(CouponKind::fixed(0).unwrap_err().field, "value");
        assert_eq!(CouponKind::fixed(500), Ok(CouponKind::Fixed { value: Amount::of(500) }));
    }

    #[test]
    fn batches_are_distinct_and_well_formed() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let xorshift = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let codes = generate_coupon_codes("vip-", 500, 8, xorshift).unwrap();
        assert_eq!(codes.len(), 500);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 500);
        for c in &codes {
            assert!(c.as_str().starts_with("VIP-") && c.as_str().len() == 12);
            assert_eq!(CouponCode::parse("code", c.as_str()).as_ref(), Ok(c));
            assert!(c.as_str()[4..].bytes().all(|b| CODE_ALPHABET.contains(&b)));
        }
    }

    #[test]
    fn batches_refuse_bad_requests_and_a_stuck_random_source() {
        let field = |prefix: &str, count, len| generate_coupon_codes(prefix, count, len, || 7).unwrap_err().field;
        assert_eq!(field("VIP!", 1, 8), "prefix");
        assert_eq!(field(&"P".repeat(25), 1, 8), "prefix");
        assert_eq!(field("VIP", 1, 5), "length");
        assert_eq!(field("VIP", 0, 8), "count");
        assert_eq!(field("VIP", 2, 8), "count", "a constant source cannot make two codes");
        assert_eq!(generate_coupon_codes("", 1, 6, || 0).unwrap()[0].as_str(), "AAAAAA");
    }
}
