//! Reviews: who may write one is decided with the order (see `emporium-store`); what a
//! review may say is decided here.

use crate::FieldError;

/// A star rating, 1–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating(u8);

impl Rating {
    /// Parses a rating given as a JSON number: a whole number from 1 to 5 (so `3.5`,
    /// `0` and `6` are refused with the same clear message).
    pub fn parse(value: f64) -> Result<Self, FieldError> {
        if value.fract() == 0.0 && (1.0..=5.0).contains(&value) {
            Ok(Self(value as u8))
        } else {
            Err(FieldError::new("rating", "must be a whole number from 1 to 5"))
        }
    }

    /// The number of stars.
    pub fn stars(self) -> i64 {
        i64::from(self.0)
    }
}

/// A review's text: up to [`ReviewBody::MAX`] characters, line breaks allowed; may be
/// empty (a rating alone is a review).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewBody(String);

impl ReviewBody {
    /// Longest review, in characters.
    pub const MAX: usize = 2_000;

    /// Parses a review's text.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        crate::text::multi_line("body", raw, Self::MAX).map(Self)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_whole_stars_from_one_to_five() {
        for ok in [1.0, 2.0, 5.0] {
            assert_eq!(Rating::parse(ok).map(Rating::stars), Ok(ok as i64));
        }
        for bad in [0.0, 6.0, 3.5, -1.0, f64::NAN, f64::INFINITY] {
            assert!(Rating::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bodies_are_limited() {
        assert_eq!(
            ReviewBody::parse("  好用\n推荐 ").map(|b| b.0),
            Ok("好用\n推荐".to_owned())
        );
        assert!(ReviewBody::parse(&"字".repeat(ReviewBody::MAX)).is_ok());
        assert!(ReviewBody::parse(&"字".repeat(ReviewBody::MAX + 1)).is_err());
        assert!(ReviewBody::parse("bad\u{0}").is_err());
    }
}
