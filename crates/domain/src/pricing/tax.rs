//! Tax: rates in basis points per category (optionally per region), a default and a
//! shipping rate, and whether prices include tax (China's way, the default) or not.
//!
//! Tax is computed per line from what the line costs after its discounts, and for the
//! shipping fee after its discount, each rounded half up to the minor unit. Inclusive
//! tax is the part of the amount that is tax, `amount × rate / (1 + rate)`, so it never
//! changes what the shopper pays; exclusive tax is `amount × rate` added on top.

use crate::FieldError;

/// Whether the prices shown include tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaxMode {
    /// Prices include tax; the tax inside them is shown (as in China).
    #[default]
    Inclusive,
    /// Prices exclude tax; it is added at checkout.
    Exclusive,
}

impl TaxMode {
    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inclusive => "inclusive",
            Self::Exclusive => "exclusive",
        }
    }

    /// Parses a mode for `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "inclusive" => Ok(Self::Inclusive),
            "exclusive" => Ok(Self::Exclusive),
            _ => Err(FieldError::new(field, "must be inclusive or exclusive")),
        }
    }
}

/// A tax rate in basis points: 1300 is 13 %. From 0 to 10000 (100 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TaxRate(u32);

impl TaxRate {
    /// Parses a rate for `field`: 0 ..= 10000 basis points.
    pub fn parse(field: &str, basis_points: i64) -> Result<Self, FieldError> {
        match u32::try_from(basis_points) {
            Ok(bp @ 0..=10_000) => Ok(Self(bp)),
            _ => Err(FieldError::new(
                field,
                "must be from 0 to 10000 basis points (1300 means 13 %)",
            )),
        }
    }

    /// A rate known to be valid, for constants and tests.
    ///
    /// # Panics
    /// If above 10000 (in a `const`, a compile error).
    pub const fn of(basis_points: u32) -> Self {
        assert!(basis_points <= 10_000, "a tax rate is 0 ..= 10000 basis points");
        Self(basis_points)
    }

    /// The rate in basis points.
    pub fn basis_points(self) -> u32 {
        self.0
    }
}

/// A rate for the goods of one category (and every category below it), optionally only
/// for addresses in one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryTaxRate {
    /// The category.
    pub category_id: i64,
    /// The region it applies in, spelled as in addresses; `None` for everywhere.
    pub region: Option<String>,
    /// The rate.
    pub rate: TaxRate,
}

/// The shop's tax configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaxRules {
    /// Whether prices include tax.
    pub mode: TaxMode,
    /// The rate of goods no category rate covers.
    pub default_rate: TaxRate,
    /// The rate of the shipping fee.
    pub shipping_rate: TaxRate,
    /// Rates by category.
    pub categories: Vec<CategoryTaxRate>,
}

impl TaxRules {
    /// The rate of a line whose categories are `category_ids` (its own first, then its
    /// ancestors) shipped to `region`: the most specific category with a rate wins, and
    /// for that category a rate for the region beats its rate for everywhere; with no
    /// category rate, the default.
    pub fn rate_for(&self, category_ids: &[i64], region: Option<&str>) -> TaxRate {
        let region = region.map(str::trim);
        category_ids
            .iter()
            .find_map(|&category| {
                let of_category = || self.categories.iter().filter(move |r| r.category_id == category);
                of_category()
                    .find(|r| r.region.as_deref().map(str::trim).is_some_and(|rr| Some(rr) == region))
                    .or_else(|| of_category().find(|r| r.region.is_none()))
                    .map(|r| r.rate)
            })
            .unwrap_or(self.default_rate)
    }
}

/// The tax in (inclusive) or on (exclusive) `amount` minor units at `rate`, rounded half
/// up; zero for a zero or negative amount.
pub fn tax_of(amount: i64, rate: TaxRate, mode: TaxMode) -> i64 {
    let amount = i128::from(amount.max(0));
    let rate = i128::from(rate.0);
    let (numerator, denominator) = match mode {
        TaxMode::Inclusive => (amount * rate, 10_000 + rate),
        TaxMode::Exclusive => (amount * rate, 10_000),
    };
    // Half up: ⌊n/d + ½⌋ = ⌊(2n + d) / 2d⌋ for n, d ≥ 0.
    let rounded = (2 * numerator + denominator) / (2 * denominator);
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusive_and_exclusive_tax_round_half_up() {
        let vat = TaxRate::of(1_300);
        // ¥113.00 including 13 %: ¥13.00 of it is tax.
        assert_eq!(tax_of(11_300, vat, TaxMode::Inclusive), 1_300);
        // ¥1.00 including 13 %: 11.504… fen → 12.
        assert_eq!(tax_of(100, vat, TaxMode::Inclusive), 12);
        // ¥0.50 excluding 13 %: 6.5 fen → 7 (half up).
        assert_eq!(tax_of(50, vat, TaxMode::Exclusive), 7);
        assert_eq!(tax_of(49, vat, TaxMode::Exclusive), 6);
        assert_eq!(tax_of(0, vat, TaxMode::Exclusive), 0);
        assert_eq!(tax_of(10_000, TaxRate::of(0), TaxMode::Inclusive), 0);
        assert_eq!(tax_of(10_000, TaxRate::of(10_000), TaxMode::Inclusive), 5_000);
    }

    #[test]
    fn the_most_specific_category_then_the_region_then_the_default() {
        let rules = TaxRules {
            mode: TaxMode::Inclusive,
            default_rate: TaxRate::of(1_300),
            shipping_rate: TaxRate::of(900),
            categories: vec![
                CategoryTaxRate {
                    category_id: 1,
                    region: None,
                    rate: TaxRate::of(900),
                },
                CategoryTaxRate {
                    category_id: 2,
                    region: None,
                    rate: TaxRate::of(600),
                },
                CategoryTaxRate {
                    category_id: 2,
                    region: Some("海南".into()),
                    rate: TaxRate::of(0),
                },
            ],
        };
        assert_eq!(rules.rate_for(&[5, 2, 1], Some("广东")), TaxRate::of(600));
        assert_eq!(rules.rate_for(&[5, 2, 1], Some("海南")), TaxRate::of(0));
        assert_eq!(rules.rate_for(&[5, 1], Some("海南")), TaxRate::of(900));
        assert_eq!(rules.rate_for(&[5], None), TaxRate::of(1_300));
    }

    #[test]
    fn rates_and_modes_parse() {
        assert_eq!(TaxRate::parse("rate", 10_001).unwrap_err().field, "rate");
        assert!(TaxRate::parse("rate", -1).is_err());
        assert_eq!(TaxRate::parse("rate", 1_300), Ok(TaxRate::of(1_300)));
        assert_eq!(TaxMode::parse("mode", "exclusive"), Ok(TaxMode::Exclusive));
        assert!(TaxMode::parse("mode", "gross").is_err());
    }
}
