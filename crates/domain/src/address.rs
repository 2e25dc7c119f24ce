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

/// The address an order ships to, copied from the address book when the order was
/// placed, so later edits to the book do not move a parcel already on its way. It is
/// text as stored: the book validated it once, and a snapshot is never parsed again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddressSnapshot {
    /// Who receives the parcel.
    pub recipient: String,
    /// A number the carrier can call.
    pub phone: String,
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
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

impl AddressSnapshot {
    /// The snapshot as one text, a field per line in the order of the struct (an absent
    /// field is an empty line): the form orders keep it in, sealed as one value.
    pub fn to_lines(&self) -> String {
        let optional = |f: &Option<String>| f.clone().unwrap_or_default();
        [
            self.recipient.clone(),
            self.phone.clone(),
            self.line1.clone(),
            optional(&self.line2),
            self.city.clone(),
            optional(&self.region),
            optional(&self.postal_code),
            self.country.clone(),
        ]
        .join("\n")
    }

    /// Reads [`to_lines`](Self::to_lines)'s text back; missing lines read as empty.
    pub fn from_lines(text: &str) -> Self {
        let mut lines = text.split('\n').map(str::to_owned);
        let mut next = || lines.next().unwrap_or_default();
        let present = |line: String| Some(line).filter(|l| !l.is_empty());
        Self {
            recipient: next(),
            phone: next(),
            line1: next(),
            line2: present(next()),
            city: next(),
            region: present(next()),
            postal_code: present(next()),
            country: next(),
        }
    }

    /// The fields that hold something, in order (for a one-line rendering).
    pub fn parts(&self) -> impl Iterator<Item = &str> {
        [
            Some(self.recipient.as_str()),
            Some(self.phone.as_str()),
            Some(self.line1.as_str()),
            self.line2.as_deref(),
            Some(self.city.as_str()),
            self.region.as_deref(),
            self.postal_code.as_deref(),
            Some(self.country.as_str()),
        ]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
    }
}

/// The assigned ISO 3166-1 alpha-2 country codes, sorted (from the tz database's
/// `iso3166.tab`). Shipping zones must name one of them.
#[rustfmt::skip]
pub const ISO_3166_ALPHA2: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD", "BE",
    "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD",
    "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM",
    "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU",
    "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN",
    "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME",
    "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
    "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI",
    "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK",
    "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

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
    fn the_country_list_is_sorted_and_whole() {
        assert_eq!(ISO_3166_ALPHA2.len(), 249);
        assert!(ISO_3166_ALPHA2.windows(2).all(|w| w[0] < w[1]));
        assert!(ISO_3166_ALPHA2.contains(&"CN") && !ISO_3166_ALPHA2.contains(&"XX"));
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

    #[test]
    fn snapshots_round_trip_through_their_lines() {
        let snapshot = AddressSnapshot {
            recipient: "王小明".into(),
            phone: "+8613800138000".into(),
            line1: "朝阳区建国路 88 号".into(),
            line2: None,
            city: "北京".into(),
            region: Some("北京市".into()),
            postal_code: None,
            country: "CN".into(),
        };
        let text = snapshot.to_lines();
        assert_eq!(text, "王小明\n+8613800138000\n朝阳区建国路 88 号\n\n北京\n北京市\n\nCN");
        assert_eq!(AddressSnapshot::from_lines(&text), snapshot);
        assert_eq!(
            snapshot.parts().collect::<Vec<_>>(),
            ["王小明", "+8613800138000", "朝阳区建国路 88 号", "北京", "北京市", "CN"]
        );
    }
}
