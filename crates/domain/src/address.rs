//! Shipping addresses kept in a customer's address book.

use crate::FieldError;
use crate::account::Phone;
use crate::text::{optional_line, single_line};
use crate::validation::Invalid;

/// How many addresses one account may keep (a cap against abuse, not a business rule).
pub const MAX_ADDRESSES_PER_USER: i64 = 20;

/// A validated address, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAddress {
    /// Who receives the parcel.
    pub recipient: String,
    /// A number the carrier can call.
    pub phone: Phone,
    /// Street and number.
    pub line1: String,
    /// Flat, floor, building.
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// Province, state or region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code, upper case (`CN`, `US`).
    pub country: String,
}

/// The raw fields of an address as a client sent them.
#[derive(Debug, Clone, Default)]
pub struct AddressInput<'a> {
    /// See [`NewAddress::recipient`].
    pub recipient: &'a str,
    /// See [`NewAddress::phone`].
    pub phone: &'a str,
    /// See [`NewAddress::line1`].
    pub line1: &'a str,
    /// See [`NewAddress::line2`].
    pub line2: Option<&'a str>,
    /// See [`NewAddress::city`].
    pub city: &'a str,
    /// See [`NewAddress::region`].
    pub region: Option<&'a str>,
    /// See [`NewAddress::postal_code`].
    pub postal_code: Option<&'a str>,
    /// See [`NewAddress::country`].
    pub country: &'a str,
}

impl NewAddress {
    /// Parses every field, reporting all the bad ones together.
    pub fn parse(input: AddressInput<'_>) -> Result<Self, Invalid> {
        match (
            single_line("recipient", input.recipient, 1, 64),
            Phone::parse("phone", input.phone),
            single_line("line1", input.line1, 1, 200),
            optional_line("line2", input.line2, 200),
            single_line("city", input.city, 1, 100),
            optional_line("region", input.region, 100),
            optional_line("postal_code", input.postal_code, 20),
            country_code(input.country),
        ) {
            (Ok(recipient), Ok(phone), Ok(line1), Ok(line2), Ok(city), Ok(region), Ok(postal_code), Ok(country)) => {
                Ok(Self {
                    recipient,
                    phone,
                    line1,
                    line2,
                    city,
                    region,
                    postal_code,
                    country,
                })
            }
            (a, b, c, d, e, f, g, h) => Err(Invalid::of([
                a.err(),
                b.err(),
                c.err(),
                d.err(),
                e.err(),
                f.err(),
                g.err(),
                h.err(),
            ])),
        }
    }
}

fn country_code(raw: &str) -> Result<String, FieldError> {
    let v = raw.trim();
    if v.len() == 2 && v.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(v.to_ascii_uppercase())
    } else {
        Err(FieldError::new(
            "country",
            "must be a two-letter ISO 3166-1 country code such as CN or US",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AddressInput<'static> {
        AddressInput {
            recipient: "王小明",
            phone: "+86 138 0013 8000",
            line1: "朝阳区建国路 88 号",
            line2: Some(""),
            city: "北京",
            region: None,
            postal_code: Some("100022"),
            country: "cn",
        }
    }

    #[test]
    fn parses_and_normalises() {
        let a = NewAddress::parse(input()).unwrap();
        assert_eq!(a.country, "CN");
        assert_eq!(a.line2, None);
        assert_eq!(a.postal_code.as_deref(), Some("100022"));
    }

    #[test]
    fn reports_every_bad_field() {
        let bad = AddressInput {
            recipient: "",
            city: "x\u{7}",
            country: "China",
            ..input()
        };
        let Invalid(errors) = NewAddress::parse(bad).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["recipient", "city", "country"]);
    }
}
