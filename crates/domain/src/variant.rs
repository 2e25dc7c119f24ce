//! Options and variants: a product offers up to three options (颜色, 尺码) with ordered
//! values, and one variant per combination it sells. Each variant has its own SKU, price,
//! weight and stock. A product without options has exactly one variant, with no values.
//!
//! Stored forms: option names and values are single-line text without control
//! characters, so a tab and a line break can separate them. A product's options are one
//! line per option, `name<TAB>value<TAB>value…`; a variant's values are joined by tabs in
//! the options' order (empty for the sole variant of a product without options), which
//! makes "two variants with one combination" a unique index on `(product_id, values)`.

use crate::money::Price;
use crate::text::single_line;
use crate::{FieldError, Invalid};

/// Most options per product.
pub const MAX_OPTIONS: usize = 3;
/// Most values per option.
pub const MAX_VALUES: usize = 50;
/// Most variants per product.
pub const MAX_VARIANTS: usize = 100;
/// Heaviest variant, grams (10 t).
pub const MAX_WEIGHT_GRAMS: i64 = 10_000_000;

/// One option and its values, in the order the shop shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductOption {
    /// 1–32 characters without a colon (`颜色`, `Size`).
    pub name: String,
    /// 1–50 values of 1–64 characters each, distinct regardless of letter case.
    pub values: Vec<String>,
}

/// A product's options (none, for a simple product).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductOptions(Vec<ProductOption>);

impl ProductOptions {
    /// Parses options as typed: `(name, values)` pairs. Errors name `options[i].name` or
    /// `options[i].values[j]`.
    pub fn parse(raw: &[(String, Vec<String>)]) -> Result<Self, Invalid> {
        if raw.len() > MAX_OPTIONS {
            return Err(Invalid(vec![FieldError::new(
                "options",
                format!("at most {MAX_OPTIONS} options"),
            )]));
        }
        let mut errors = Vec::new();
        let mut options: Vec<ProductOption> = Vec::with_capacity(raw.len());
        for (i, (name, values)) in raw.iter().enumerate() {
            let name = match single_line(&format!("options[{i}].name"), name, 1, 32) {
                // Listings filter by `name:value`, split at the first colon.
                Ok(n) if n.contains(':') => {
                    errors.push(FieldError::new(
                        format!("options[{i}].name"),
                        "must not contain a colon (filters write name:value)",
                    ));
                    continue;
                }
                Ok(n) if options.iter().any(|o| o.name.to_lowercase() == n.to_lowercase()) => {
                    errors.push(FieldError::new(
                        format!("options[{i}].name"),
                        "names another option already",
                    ));
                    continue;
                }
                Ok(n) => n,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            if values.is_empty() || values.len() > MAX_VALUES {
                errors.push(FieldError::new(
                    format!("options[{i}].values"),
                    format!("must hold 1–{MAX_VALUES} values"),
                ));
                continue;
            }
            let mut parsed: Vec<String> = Vec::with_capacity(values.len());
            for (j, value) in values.iter().enumerate() {
                let field = format!("options[{i}].values[{j}]");
                match single_line(&field, value, 1, 64) {
                    Ok(v) if parsed.iter().any(|p| p.to_lowercase() == v.to_lowercase()) => {
                        errors.push(FieldError::new(field, "repeats an earlier value"));
                    }
                    Ok(v) => parsed.push(v),
                    Err(e) => errors.push(e),
                }
            }
            options.push(ProductOption { name, values: parsed });
        }
        if errors.is_empty() {
            Ok(Self(options))
        } else {
            Err(Invalid(errors))
        }
    }

    /// The options, in order.
    pub fn as_slice(&self) -> &[ProductOption] {
        &self.0
    }

    /// Whether the product has no options (so exactly one variant).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The stored form (see the module docs).
    pub fn encode(&self) -> String {
        self.0
            .iter()
            .map(|o| {
                std::iter::once(o.name.as_str())
                    .chain(o.values.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join("\t")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Reads the stored form back.
    pub fn decode(stored: &str) -> Self {
        Self(
            stored
                .lines()
                .filter(|l| !l.is_empty())
                .map(|line| {
                    let mut parts = line.split('\t').map(str::to_owned);
                    ProductOption {
                        name: parts.next().unwrap_or_default(),
                        values: parts.collect(),
                    }
                })
                .collect(),
        )
    }

    /// Checks that `values` is one combination of these options: one value per option,
    /// in order, each among that option's values (exactly as written there).
    pub fn combination(&self, field: &str, values: &[String]) -> Result<OptionValues, FieldError> {
        if values.len() != self.0.len() {
            return Err(FieldError::new(
                field,
                match self.0.len() {
                    0 => "must be empty: the product has no options".to_owned(),
                    n => format!("must give {n} values, one per option ({})", self.names().join(", ")),
                },
            ));
        }
        let mut chosen = Vec::with_capacity(values.len());
        for (i, (value, option)) in values.iter().zip(&self.0).enumerate() {
            let value = value.trim();
            if !option.values.iter().any(|v| v == value) {
                return Err(FieldError::new(
                    format!("{field}[{i}]"),
                    format!(
                        "must be one of the values of {}: {}",
                        option.name,
                        option.values.join(", ")
                    ),
                ));
            }
            chosen.push(value.to_owned());
        }
        Ok(OptionValues(chosen))
    }

    /// The option names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|o| o.name.as_str()).collect()
    }

    /// `(option name, value)` pairs for a variant's values.
    pub fn describe(&self, values: &OptionValues) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|o| o.name.clone())
            .zip(values.0.iter().cloned())
            .collect()
    }
}

/// A variant's values, one per option, in the options' order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct OptionValues(Vec<String>);

impl OptionValues {
    /// The values of the sole variant of a product without options.
    pub fn none() -> Self {
        Self(Vec::new())
    }

    /// The values.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// The stored form: the values joined by tabs.
    pub fn encode(&self) -> String {
        self.0.join("\t")
    }

    /// Reads the stored form back.
    pub fn decode(stored: &str) -> Self {
        if stored.is_empty() {
            Self::none()
        } else {
            Self(stored.split('\t').map(str::to_owned).collect())
        }
    }

    /// `黑 / 42`, or empty for no values.
    pub fn label(&self) -> String {
        self.0.join(" / ")
    }
}

/// A variant's shipping weight in grams, 0–10,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Weight(i64);

impl Weight {
    /// Parses a weight for `field`.
    pub fn parse(field: &str, grams: i64) -> Result<Self, FieldError> {
        if (0..=MAX_WEIGHT_GRAMS).contains(&grams) {
            Ok(Self(grams))
        } else {
            Err(FieldError::new(field, format!("must be 0–{MAX_WEIGHT_GRAMS} grams")))
        }
    }

    /// Grams.
    pub fn grams(self) -> i64 {
        self.0
    }
}

/// A barcode (EAN/UPC/GTIN or the shop's own): 4–32 ASCII letters and digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Barcode(String);

impl Barcode {
    /// Parses a barcode for `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let v = raw.trim();
        if (4..=32).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(v.to_owned()))
        } else {
            Err(FieldError::new(field, "must be 4–32 ASCII letters and digits"))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A struck-through "was" price (划线价): above the selling price, or it would mislead.
pub fn compare_at_price(field: &str, price: Price, compare_at: Option<i64>) -> Result<Option<Price>, FieldError> {
    match compare_at {
        None => Ok(None),
        Some(raw) => {
            let was = Price::parse(field, raw)?;
            if was.minor() <= price.minor() {
                return Err(FieldError::new(field, "must be above the price"));
            }
            Ok(Some(was))
        }
    }
}

/// Checks a product's variants as a set: at most [`MAX_VARIANTS`], no combination twice,
/// no SKU twice (letter case ignored, as the store compares them). `variants` holds each
/// variant's values and SKU; errors name `variants[i].option_values` or `variants[i].sku`.
pub fn check_variant_set(variants: &[(&OptionValues, Option<&str>)]) -> Result<(), Invalid> {
    if variants.is_empty() || variants.len() > MAX_VARIANTS {
        return Err(Invalid(vec![FieldError::new(
            "variants",
            format!("must hold 1–{MAX_VARIANTS} variants"),
        )]));
    }
    let mut errors = Vec::new();
    for (i, (values, sku)) in variants.iter().enumerate() {
        if variants[..i].iter().any(|(v, _)| v == values) {
            errors.push(FieldError::new(
                format!("variants[{i}].option_values"),
                "repeats the combination of an earlier variant",
            ));
        }
        if let Some(sku) = sku
            && variants[..i]
                .iter()
                .any(|(_, s)| s.is_some_and(|s| s.eq_ignore_ascii_case(sku)))
        {
            errors.push(FieldError::new(
                format!("variants[{i}].sku"),
                "repeats the SKU of an earlier variant",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Invalid(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ProductOptions {
        ProductOptions::parse(&[
            ("颜色".into(), vec!["黑".into(), "白".into()]),
            ("尺码".into(), vec!["41".into(), "42".into(), "43".into()]),
        ])
        .unwrap()
    }

    #[test]
    fn options_parse_and_round_trip() {
        let o = options();
        assert_eq!(ProductOptions::decode(&o.encode()), o);
        assert_eq!(ProductOptions::decode(""), ProductOptions::default());
        let values = o.combination("option_values", &["白".into(), "42".into()]).unwrap();
        assert_eq!(OptionValues::decode(&values.encode()), values);
        assert_eq!(values.label(), "白 / 42");
        assert_eq!(
            o.describe(&values),
            vec![("颜色".into(), "白".into()), ("尺码".into(), "42".into())]
        );
        assert_eq!(OptionValues::decode(""), OptionValues::none());
    }

    #[test]
    fn bad_options_name_their_field() {
        let dup = ProductOptions::parse(&[("Size".into(), vec!["S".into(), "s".into()])]).unwrap_err();
        assert_eq!(dup.0[0].field, "options[0].values[1]");
        let names =
            ProductOptions::parse(&[("Size".into(), vec!["S".into()]), ("size".into(), vec!["M".into()])]).unwrap_err();
        assert_eq!(names.0[0].field, "options[1].name");
        let four = vec![("a".to_owned(), vec!["x".to_owned()]); 4];
        assert_eq!(ProductOptions::parse(&four).unwrap_err().0[0].field, "options");
        let empty = ProductOptions::parse(&[("Size".into(), vec![])]).unwrap_err();
        assert_eq!(empty.0[0].field, "options[0].values");
        let tab = ProductOptions::parse(&[("Size".into(), vec!["a\tb".into()])]).unwrap_err();
        assert_eq!(tab.0[0].field, "options[0].values[0]");
        let colon = ProductOptions::parse(&[("Size:EU".into(), vec!["42".into()])]).unwrap_err();
        assert_eq!(colon.0[0].field, "options[0].name");
    }

    #[test]
    fn combinations_must_come_from_the_options() {
        let o = options();
        assert_eq!(o.combination("v", &["黑".into()]).unwrap_err().field, "v");
        assert_eq!(
            o.combination("v", &["黑".into(), "44".into()]).unwrap_err().field,
            "v[1]"
        );
        assert!(ProductOptions::default().combination("v", &[]).is_ok());
        assert!(ProductOptions::default().combination("v", &["x".into()]).is_err());
    }

    #[test]
    fn variant_sets_refuse_repeats() {
        let a = OptionValues(vec!["黑".into()]);
        let b = OptionValues(vec!["白".into()]);
        assert!(check_variant_set(&[(&a, Some("A-1")), (&b, Some("A-2"))]).is_ok());
        let e = check_variant_set(&[(&a, Some("A-1")), (&a, Some("a-1"))]).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["variants[1].option_values", "variants[1].sku"]);
        assert!(check_variant_set(&[]).is_err());
    }

    #[test]
    fn weights_barcodes_and_was_prices() {
        assert!(Weight::parse("w", 0).is_ok());
        assert!(Weight::parse("w", -1).is_err());
        assert!(Weight::parse("w", MAX_WEIGHT_GRAMS + 1).is_err());
        assert!(Barcode::parse("b", "6901234567892").is_ok());
        assert!(Barcode::parse("b", "69-01").is_err());
        let price = Price::parse("price", 1000).unwrap();
        assert!(compare_at_price("c", price, Some(1200)).unwrap().is_some());
        assert!(compare_at_price("c", price, Some(1000)).is_err());
        assert!(compare_at_price("c", price, None).unwrap().is_none());
    }
}
