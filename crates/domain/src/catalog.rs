//! The catalogue's value types: what a product's name, description, category, SKU and
//! images (with their alt text) may hold, and the statuses a product moves through.

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

/// The text that describes an image to someone who cannot see it: 0–200 characters,
/// one line (a tab or line break would break the stored `url<TAB>alt` lines).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AltText(String);

impl AltText {
    /// Longest alt text, in characters.
    pub const MAX: usize = 200;

    /// Parses alt text for `field`; blank is the empty alt text.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        single_line(field, raw, 0, Self::MAX).map(Self)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One image of a product: where it is and its alt text. The URL is `https://…`,
/// `http://…` or a path on this server (`/…`, e.g. `/media/<sha256>` for an upload), at
/// most 2,048 characters, without whitespace or control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    url: String,
    alt: AltText,
}

impl Image {
    /// Longest URL, in bytes.
    pub const MAX_URL: usize = 2048;

    /// Parses an image whose errors are named `field` (the URL) and `field.alt`.
    pub fn parse(field: &str, url: &str, alt: &str) -> Result<Self, FieldError> {
        let shape_ok = url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/');
        if !shape_ok || url.len() > Self::MAX_URL || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(FieldError::new(
                field,
                "must be an http(s) URL or a path starting with '/'",
            ));
        }
        let alt = AltText::parse(&format!("{field}.alt"), alt)?;
        Ok(Self {
            url: url.to_owned(),
            alt,
        })
    }

    /// An image with a URL and alt text already checked (an upload's `/media/<sha256>`).
    pub fn new(url: String, alt: AltText) -> Self {
        Self { url, alt }
    }

    /// Where the image is.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its alt text (empty when none was given).
    pub fn alt(&self) -> &str {
        self.alt.as_str()
    }
}

/// A product's images, in their shown order: at most 10.
///
/// They are stored in one text column, one image per line: `url` or `url<TAB>alt`. URLs
/// hold no whitespace and alt text no control characters, so the encoding cannot be
/// confused; lines written before alt text existed (a bare URL) read as alt `""`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Images(Vec<Image>);

impl Images {
    /// Most images per product.
    pub const MAX: usize = 10;

    /// Parses a list of `(url, alt)` pairs; errors name `images[i]` or `images[i].alt`.
    pub fn parse(raw: &[(String, String)]) -> Result<Self, FieldError> {
        if raw.len() > Self::MAX {
            return Err(FieldError::new("images", format!("at most {} images", Self::MAX)));
        }
        raw.iter()
            .enumerate()
            .map(|(i, (url, alt))| Image::parse(&format!("images[{i}]"), url, alt))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Parses a list of bare URLs (alt text empty).
    pub fn parse_urls(raw: &[String]) -> Result<Self, FieldError> {
        let pairs: Vec<(String, String)> = raw.iter().map(|u| (u.clone(), String::new())).collect();
        Self::parse(&pairs)
    }

    /// The images.
    pub fn as_slice(&self) -> &[Image] {
        &self.0
    }

    /// The images, owned.
    pub fn into_vec(self) -> Vec<Image> {
        self.0
    }

    /// The stored form: one `url` or `url<TAB>alt` line per image.
    pub fn encode(images: &[Image]) -> String {
        images
            .iter()
            .map(|i| {
                if i.alt().is_empty() {
                    i.url.clone()
                } else {
                    format!("{}\t{}", i.url, i.alt())
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Reads the stored form back. Lenient, as a reader of stored data must be: a line
    /// without a tab is a URL with empty alt text, and blank lines are skipped.
    pub fn decode(stored: &str) -> Vec<Image> {
        stored
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let (url, alt) = line.split_once('\t').unwrap_or((line, ""));
                Image {
                    url: url.to_owned(),
                    alt: AltText(alt.to_owned()),
                }
            })
            .collect()
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
        assert!(Images::parse_urls(&["https://cdn.example/a.jpg".into(), "/static/a.svg".into()]).is_ok());
        let err = Images::parse_urls(&["/ok.png".into(), "javascript:alert(1)".into()]).unwrap_err();
        assert_eq!(err.field, "images[1]");
        assert!(Images::parse_urls(&vec!["/a.png".to_owned(); 11]).is_err());
    }

    fn pair(url: &str, alt: &str) -> (String, String) {
        (url.to_owned(), alt.to_owned())
    }

    #[test]
    fn alt_text_is_one_line_of_at_most_200_characters() {
        let ok = Images::parse(&[pair("/media/ab", "  白瓷茶杯, side view "), pair("/b.png", "")]).unwrap();
        assert_eq!(ok.as_slice()[0].alt(), "白瓷茶杯, side view");
        assert_eq!(ok.as_slice()[1].alt(), "");
        assert!(Images::parse(&[pair("/a.png", &"字".repeat(200))]).is_ok());
        let long = Images::parse(&[pair("/a.png", ""), pair("/b.png", &"字".repeat(201))]).unwrap_err();
        assert_eq!(long.field, "images[1].alt");
        for bad in ["tab\there", "two\nlines", "nul\u{0}"] {
            assert_eq!(
                Images::parse(&[pair("/a.png", bad)]).unwrap_err().field,
                "images[0].alt"
            );
        }
    }

    #[test]
    fn the_stored_lines_round_trip_and_old_lines_read_without_alt() {
        let images = Images::parse(&[
            pair("/media/0123", "Teacup 茶杯"),
            pair("https://cdn.example/a.jpg", ""),
            pair("/b.png", "a: b, c"),
        ])
        .unwrap();
        let stored = Images::encode(images.as_slice());
        assert_eq!(
            stored,
            "/media/0123\tTeacup 茶杯\nhttps://cdn.example/a.jpg\n/b.png\ta: b, c"
        );
        assert_eq!(Images::decode(&stored), images.as_slice());
        // A column written before alt text existed: bare URLs, one per line.
        let old = Images::decode("/a.png\nhttps://cdn.example/b.jpg\n");
        assert_eq!(old.len(), 2);
        assert_eq!((old[0].url(), old[0].alt()), ("/a.png", ""));
        assert_eq!(Images::decode(""), Vec::new());
        assert_eq!(Images::encode(&[]), "");
    }

    #[test]
    fn statuses_round_trip() {
        for s in [ProductStatus::Active, ProductStatus::Draft, ProductStatus::Archived] {
            assert_eq!(s.as_str().parse::<ProductStatus>(), Ok(s));
        }
        assert!(ProductStatus::parse("status", "deleted").is_err());
    }
}
