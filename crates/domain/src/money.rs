//! Money: integer amounts in a currency's minor unit (fen, cents), never floats, and the
//! ISO 4217 currencies they may be in.

use std::fmt;

use crate::FieldError;

/// The largest amount accepted anywhere, in minor units (one hundred billion): far above
/// any real price, far below where sums of many lines could overflow an `i64`.
pub const MAX_AMOUNT: i64 = 100_000_000_000;

/// An ISO 4217 currency code in active use, with its number of minor-unit digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    exponent: u8,
}

impl Currency {
    /// The shop's default currency.
    pub const CNY: Currency = Currency {
        code: "CNY",
        exponent: 2,
    };

    /// Parses a three-letter code (any letter case) from the ISO 4217 list.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let upper = raw.trim().to_ascii_uppercase();
        ISO_4217
            .iter()
            .find(|(code, _)| *code == upper)
            .map(|&(code, exponent)| Currency { code, exponent })
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    format!("{raw:?} is not an ISO 4217 currency code such as CNY, USD or EUR"),
                )
            })
    }

    /// The code, e.g. `CNY`.
    pub fn code(self) -> &'static str {
        self.code
    }

    /// Digits after the decimal point: 2 for CNY, 0 for JPY, 3 for KWD.
    pub fn exponent(self) -> u8 {
        self.exponent
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

/// A selling price: positive, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Price(i64);

impl Price {
    /// Parses a price for `field`: 1 ..= [`MAX_AMOUNT`] minor units.
    pub fn parse(field: &str, amount: i64) -> Result<Self, FieldError> {
        if amount <= 0 {
            Err(FieldError::new(
                field,
                "must be greater than 0 (in minor units: 1999 means 19.99)",
            ))
        } else if amount > MAX_AMOUNT {
            Err(FieldError::new(field, format!("must be at most {MAX_AMOUNT}")))
        } else {
            Ok(Self(amount))
        }
    }

    /// The amount in minor units.
    pub fn minor(self) -> i64 {
        self.0
    }
}

/// What one unit cost the shop to buy: zero or more, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnitCost(i64);

impl UnitCost {
    /// Parses a unit cost for `field`: 0 ..= [`MAX_AMOUNT`].
    pub fn parse(field: &str, amount: i64) -> Result<Self, FieldError> {
        if amount < 0 {
            Err(FieldError::new(field, "must not be negative"))
        } else if amount > MAX_AMOUNT {
            Err(FieldError::new(field, format!("must be at most {MAX_AMOUNT}")))
        } else {
            Ok(Self(amount))
        }
    }

    /// The amount in minor units.
    pub fn minor(self) -> i64 {
        self.0
    }
}

/// An amount in a pricing rule (a fee, an amount off, a minimum spend): zero or more, in
/// minor units. Unlike [`Price`], zero is meaningful here ("no minimum", "free").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(i64);

impl Amount {
    /// Nothing.
    pub const ZERO: Amount = Amount(0);

    /// Parses an amount for `field`: 0 ..= [`MAX_AMOUNT`] minor units.
    pub fn parse(field: &str, amount: i64) -> Result<Self, FieldError> {
        if amount < 0 {
            Err(FieldError::new(field, "must not be negative"))
        } else if amount > MAX_AMOUNT {
            Err(FieldError::new(field, format!("must be at most {MAX_AMOUNT}")))
        } else {
            Ok(Self(amount))
        }
    }

    /// An amount known to be valid, for constants and tests.
    ///
    /// # Panics
    /// If `minor` is outside 0 ..= [`MAX_AMOUNT`] (in a `const`, a compile error).
    pub const fn of(minor: i64) -> Self {
        assert!(minor >= 0 && minor <= MAX_AMOUNT, "an amount is 0 ..= MAX_AMOUNT");
        Self(minor)
    }

    /// The amount in minor units.
    pub const fn minor(self) -> i64 {
        self.0
    }
}

/// ISO 4217 codes in active use and their minor-unit digits (funds and metals omitted).
#[rustfmt::skip]
const ISO_4217: &[(&str, u8)] = &[
    ("AED", 2), ("AFN", 2), ("ALL", 2), ("AMD", 2), ("ANG", 2), ("AOA", 2), ("ARS", 2), ("AUD", 2), ("AWG", 2),
    ("AZN", 2), ("BAM", 2), ("BBD", 2), ("BDT", 2), ("BGN", 2), ("BHD", 3), ("BIF", 0), ("BMD", 2), ("BND", 2),
    ("BOB", 2), ("BRL", 2), ("BSD", 2), ("BTN", 2), ("BWP", 2), ("BYN", 2), ("BZD", 2), ("CAD", 2), ("CDF", 2),
    ("CHF", 2), ("CLP", 0), ("CNY", 2), ("COP", 2), ("CRC", 2), ("CUP", 2), ("CVE", 2), ("CZK", 2), ("DJF", 0),
    ("DKK", 2), ("DOP", 2), ("DZD", 2), ("EGP", 2), ("ERN", 2), ("ETB", 2), ("EUR", 2), ("FJD", 2), ("FKP", 2),
    ("GBP", 2), ("GEL", 2), ("GHS", 2), ("GIP", 2), ("GMD", 2), ("GNF", 0), ("GTQ", 2), ("GYD", 2), ("HKD", 2),
    ("HNL", 2), ("HTG", 2), ("HUF", 2), ("IDR", 2), ("ILS", 2), ("INR", 2), ("IQD", 3), ("IRR", 2), ("ISK", 0),
    ("JMD", 2), ("JOD", 3), ("JPY", 0), ("KES", 2), ("KGS", 2), ("KHR", 2), ("KMF", 0), ("KPW", 2), ("KRW", 0),
    ("KWD", 3), ("KYD", 2), ("KZT", 2), ("LAK", 2), ("LBP", 2), ("LKR", 2), ("LRD", 2), ("LSL", 2), ("LYD", 3),
    ("MAD", 2), ("MDL", 2), ("MGA", 2), ("MKD", 2), ("MMK", 2), ("MNT", 2), ("MOP", 2), ("MRU", 2), ("MUR", 2),
    ("MVR", 2), ("MWK", 2), ("MXN", 2), ("MYR", 2), ("MZN", 2), ("NAD", 2), ("NGN", 2), ("NIO", 2), ("NOK", 2),
    ("NPR", 2), ("NZD", 2), ("OMR", 3), ("PAB", 2), ("PEN", 2), ("PGK", 2), ("PHP", 2), ("PKR", 2), ("PLN", 2),
    ("PYG", 0), ("QAR", 2), ("RON", 2), ("RSD", 2), ("RUB", 2), ("RWF", 0), ("SAR", 2), ("SBD", 2), ("SCR", 2),
    ("SDG", 2), ("SEK", 2), ("SGD", 2), ("SHP", 2), ("SLE", 2), ("SOS", 2), ("SRD", 2), ("SSP", 2), ("STN", 2),
    ("SVC", 2), ("SYP", 2), ("SZL", 2), ("THB", 2), ("TJS", 2), ("TMT", 2), ("TND", 3), ("TOP", 2), ("TRY", 2),
    ("TTD", 2), ("TWD", 2), ("TZS", 2), ("UAH", 2), ("UGX", 0), ("USD", 2), ("UYU", 2), ("UZS", 2), ("VES", 2),
    ("VND", 0), ("VUV", 0), ("WST", 2), ("XAF", 0), ("XCD", 2), ("XOF", 0), ("XPF", 0), ("YER", 2), ("ZAR", 2),
    ("ZMW", 2), ("ZWG", 2),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_are_iso_4217() {
        assert_eq!(Currency::parse("currency", "cny"), Ok(Currency::CNY));
        assert_eq!(Currency::parse("currency", "JPY").map(Currency::exponent), Ok(0));
        assert_eq!(Currency::parse("currency", "KWD").map(Currency::exponent), Ok(3));
        for bad in ["", "RMB", "US", "USDD", "XXX", "€"] {
            assert!(Currency::parse("currency", bad).is_err(), "{bad:?}");
        }
        let mut codes: Vec<_> = ISO_4217.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ISO_4217.len(), "no duplicates");
    }

    #[test]
    fn prices_are_positive_costs_non_negative() {
        assert!(Price::parse("price", 0).is_err());
        assert!(Price::parse("price", -1).is_err());
        assert!(Price::parse("price", MAX_AMOUNT + 1).is_err());
        assert_eq!(Price::parse("price", 1999).map(Price::minor), Ok(1999));
        assert!(UnitCost::parse("unit_cost", -1).is_err());
        assert_eq!(UnitCost::parse("unit_cost", 0).map(UnitCost::minor), Ok(0));
        assert!(Amount::parse("fee", -1).is_err());
        assert!(Amount::parse("fee", MAX_AMOUNT + 1).is_err());
        assert_eq!(Amount::parse("fee", 0), Ok(Amount::ZERO));
        assert_eq!(Amount::parse("fee", 1000).map(Amount::minor), Ok(1000));
    }
}
