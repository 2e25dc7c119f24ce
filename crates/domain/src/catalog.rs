//! The catalogue's value types: what a product's name, description, category, SKU and
//! images may hold, and the statuses a product moves through.

use std::str::FromStr;

use crate::FieldError;
use crate::text::single_line;

/// A product name: 1–200 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductName(String);

impl ProductName {
    /// Parses a product name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        single_line("name", raw, 1, 200).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A product description: up to 10,000 characters; line breaks and tabs allowed, other
/// control characters not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Description(String);

impl Description {
    /// Longest description, in characters.
    pub const MAX: usize = 10_000;

    /// Parses a description.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        crate::text::multi_line("description", raw, Self::MAX).map(Self)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A category name: 1–64 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryName(String);

impl CategoryName {
    /// Parses a category name for `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        single_line(field, raw, 1, 64).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A category's URL name: 1–64 lowercase ASCII letters, digits and `-`, not starting or
/// ending with `-`, and not `c` followed only by digits (the form generated slugs take).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    /// Parses a slug for `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let v = raw.trim();
        let shape = !v.is_empty()
            && v.len() <= 64
            && v.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !v.starts_with('-')
            && !v.ends_with('-');
        if !shape {
            return Err(FieldError::new(
                field,
                "must be 1–64 lowercase letters, digits or '-', not starting or ending with '-'",
            ));
        }
        if v.len() > 1 && v.starts_with('c') && v[1..].bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(
                field,
                "must not be 'c' followed by digits: those are generated",
            ));
        }
        Ok(Self(v.to_owned()))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stock-keeping unit code: 1–64 ASCII letters, digits, `-`, `_` or `.`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sku(String);

impl Sku {
    /// Parses a SKU.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v = raw.trim();
        if v.is_empty()
            || v.len() > 64
            || !v
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(FieldError::new(
                "sku",
                "must be 1–64 ASCII letters, digits, '-', '_' or '.'",
            ));
        }
        Ok(Self(v.to_owned()))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A product's images: up to 10 URLs, each `https://…`, `http://…` or a path on this
/// server (`/…`), at most 2,048 characters, without spaces or control characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Images(Vec<String>);

impl Images {
    /// Most images per product.
    pub const MAX: usize = 10;

    /// Parses a list of image URLs.
    pub fn parse(raw: &[String]) -> Result<Self, FieldError> {
        if raw.len() > Self::MAX {
            return Err(FieldError::new("images", format!("at most {} images", Self::MAX)));
        }
        for (i, url) in raw.iter().enumerate() {
            let shape_ok = url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/');
            if !shape_ok || url.len() > 2048 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(FieldError::new(
                    format!("images[{i}]"),
                    "must be an http(s) URL or a path starting with '/'",
                ));
            }
        }
        Ok(Self(raw.to_vec()))
    }

    /// The URLs.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// Where a product is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProductStatus {
    /// On sale: listed, searchable, can be put in a cart.
    #[default]
    Active,
    /// Being prepared by staff: invisible to customers.
    Draft,
    /// Withdrawn: gone from listings and carts, kept in past orders.
    Archived,
}

impl ProductStatus {
    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Draft => "draft",
            Self::Archived => "archived",
        }
    }

    /// Parses a status for `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        raw.parse()
            .map_err(|_| FieldError::new(field, "must be one of active, draft, archived"))
    }
}

impl FromStr for ProductStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(Self::Active),
            "draft" => Ok(Self::Draft),
            "archived" => Ok(Self::Archived),
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_descriptions_categories() {
        assert!(ProductName::parse("华为 Mate 60 手机").is_ok());
        assert!(ProductName::parse("").is_err());
        assert!(ProductName::parse(&"x".repeat(201)).is_err());
        assert!(ProductName::parse("bell\u{7}").is_err());
        assert!(Description::parse("line one\nline two\ttabbed").is_ok());
        assert!(Description::parse("nul\u{0}").is_err());
        assert!(Description::parse(&"字".repeat(10_001)).is_err());
        assert!(CategoryName::parse("category", "Phones").is_ok());
        assert!(CategoryName::parse("category", " ").is_err());
    }

    #[test]
    fn slugs() {
        assert_eq!(
            Slug::parse("slug", " green-tea ").map(|s| s.as_str().to_owned()),
            Ok("green-tea".into())
        );
        for bad in ["", "Green", "-tea", "tea-", "绿茶", "c12", "a b", &"x".repeat(65)] {
            assert!(Slug::parse("slug", bad).is_err(), "{bad:?}");
        }
        assert!(Slug::parse("slug", "c").is_ok() && Slug::parse("slug", "c3po").is_ok());
    }

    #[test]
    fn skus_and_images() {
        assert!(Sku::parse("DEMO-PHN-0001").is_ok());
        assert!(Sku::parse("has space").is_err());
        assert!(Sku::parse("手机").is_err());
        assert!(Images::parse(&["https://cdn.example/a.jpg".into(), "/static/a.svg".into()]).is_ok());
        let err = Images::parse(&["/ok.png".into(), "javascript:alert(1)".into()]).unwrap_err();
        assert_eq!(err.field, "images[1]");
        assert!(Images::parse(&vec!["/a.png".to_owned(); 11]).is_err());
    }

    #[test]
    fn statuses_round_trip() {
        for s in [ProductStatus::Active, ProductStatus::Draft, ProductStatus::Archived] {
            assert_eq!(s.as_str().parse::<ProductStatus>(), Ok(s));
        }
        assert!(ProductStatus::parse("status", "deleted").is_err());
    }
}
