//! Translations of what the shop writes about a product: its name, description, option
//! names and option values, per locale. The originals stay where they are (the product's
//! row, its options) and are the fallback for a locale without a translation; option
//! values stay the identifiers carts, filters and variants use, translations only label
//! them.
//!
//! Stored one row per translated field in the generic `translations` table: `name`,
//! `description`, `option<TAB>name` and `value<TAB>option<TAB>value` (option names and
//! values never hold a tab).

use std::collections::BTreeMap;

use crate::catalog::{Description, ProductName};
use crate::locale::Locale;
use crate::text::single_line;
use crate::variant::{OptionValues, ProductOptions};
use crate::{FieldError, Invalid};

/// One locale's translation of a product, as typed (every part optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextDraft {
    /// The name, 1–200 characters.
    pub name: Option<String>,
    /// The description, up to 10,000 characters.
    pub description: Option<String>,
    /// Option name (original) → its translation.
    pub options: BTreeMap<String, String>,
    /// Option name (original) → value (original) → its translation.
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

/// One locale's translation of a product, checked.
///
/// Lists rather than maps: a product has a handful of texts, and every cached product
/// holds its translations, where a map's smallest node is several hundred bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductText {
    /// The name.
    pub name: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// `(option name, its translation)`, originals sorted.
    pub options: Vec<(String, String)>,
    /// `((option, value), the value's translation)`, originals sorted.
    pub values: Vec<((String, String), String)>,
}

impl ProductText {
    /// Sets an option's translation.
    fn set_option(&mut self, option: String, label: String) {
        match self.options.binary_search_by(|(o, _)| o.cmp(&option)) {
            Ok(at) => self.options[at].1 = label,
            Err(at) => self.options.insert(at, (option, label)),
        }
    }

    /// Sets a value's translation.
    fn set_value(&mut self, key: (String, String), label: String) {
        match self.values.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(at) => self.values[at].1 = label,
            Err(at) => self.values.insert(at, (key, label)),
        }
    }

    /// An option's translation.
    pub fn option(&self, option: &str) -> Option<&str> {
        self.options.iter().find(|(o, _)| o == option).map(|(_, l)| l.as_str())
    }

    /// A value's translation.
    pub fn value(&self, option: &str, value: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|((o, v), _)| o == option && v == value)
            .map(|(_, l)| l.as_str())
    }

    /// Gives back spare capacity (held for as long as the product is cached).
    fn shrink(&mut self) {
        self.options.shrink_to_fit();
        self.values.shrink_to_fit();
    }
}

/// A product's translations by locale tag (`en`, `zh-CN`), sorted by tag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductTranslations(Vec<(&'static str, ProductText)>);

impl ProductTranslations {
    /// Checks translations as typed against the product's options: a supported locale,
    /// a name and description within their limits, and only options and values the
    /// product has. Errors name `translations.<locale>.<field>`.
    pub fn parse(raw: &BTreeMap<String, TextDraft>, options: &ProductOptions) -> Result<Self, Invalid> {
        let mut errors = Vec::new();
        let mut out = ProductTranslations::default();
        for (tag, draft) in raw {
            let Some(locale) = Locale::parse(tag) else {
                errors.push(FieldError::new(
                    format!("translations.{tag}"),
                    "must be a supported locale: zh-CN or en",
                ));
                continue;
            };
            let at = |field: &str| format!("translations.{tag}.{field}");
            let mut text = ProductText::default();
            if let Some(name) = &draft.name {
                match ProductName::parse(name) {
                    Ok(n) => text.name = Some(n.as_str().to_owned()),
                    Err(e) => errors.push(FieldError::new(at("name"), e.message)),
                }
            }
            if let Some(description) = &draft.description {
                match Description::parse(description) {
                    Ok(d) => text.description = Some(d.as_str().to_owned()).filter(|d| !d.is_empty()),
                    Err(e) => errors.push(FieldError::new(at("description"), e.message)),
                }
            }
            for (option, label) in &draft.options {
                let field = at(&format!("options.{option}"));
                if !options.as_slice().iter().any(|o| &o.name == option) {
                    errors.push(FieldError::new(field, "is not one of the product's options"));
                    continue;
                }
                match single_line(&field, label, 1, 32) {
                    Ok(l) => {
                        text.set_option(option.clone(), l);
                    }
                    Err(e) => errors.push(e),
                }
            }
            for (option, values) in &draft.values {
                let Some(known) = options.as_slice().iter().find(|o| &o.name == option) else {
                    errors.push(FieldError::new(
                        at(&format!("values.{option}")),
                        "is not one of the product's options",
                    ));
                    continue;
                };
                for (value, label) in values {
                    let field = at(&format!("values.{option}.{value}"));
                    if !known.values.contains(value) {
                        errors.push(FieldError::new(field, "is not one of the option's values"));
                        continue;
                    }
                    match single_line(&field, label, 1, 64) {
                        Ok(l) => {
                            text.set_value((option.clone(), value.clone()), l);
                        }
                        Err(e) => errors.push(e),
                    }
                }
            }
            *out.entry(locale.tag()) = text;
        }
        if errors.is_empty() {
            out.shrink();
            Ok(out)
        } else {
            Err(Invalid(errors))
        }
    }

    /// The translation into `tag`, made empty when there is none yet.
    fn entry(&mut self, tag: &'static str) -> &mut ProductText {
        let at = match self.0.binary_search_by(|(t, _)| t.cmp(&tag)) {
            Ok(at) => at,
            Err(at) => {
                self.0.insert(at, (tag, ProductText::default()));
                at
            }
        };
        &mut self.0[at].1
    }

    /// Gives back spare capacity (call when done adding rows).
    pub fn shrink(&mut self) {
        self.0.shrink_to_fit();
        for (_, text) in &mut self.0 {
            text.shrink();
        }
    }

    /// Whether there is no translation at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The translation into `locale` (a tag), if any.
    pub fn get(&self, locale: &str) -> Option<&ProductText> {
        self.0.iter().find(|(tag, _)| *tag == locale).map(|(_, text)| text)
    }

    /// `(locale tag, translation)`, by tag.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &ProductText)> {
        self.0.iter().map(|(tag, text)| (*tag, text))
    }

    /// The stored rows: `(locale, field, value)`.
    pub fn rows(&self) -> Vec<(&'static str, String, String)> {
        let mut rows = Vec::new();
        for (tag, t) in &self.0 {
            rows.extend(t.name.iter().map(|n| (*tag, "name".to_owned(), n.clone())));
            rows.extend(
                t.description
                    .iter()
                    .map(|d| (*tag, "description".to_owned(), d.clone())),
            );
            for (option, label) in &t.options {
                rows.push((*tag, format!("option\t{option}"), label.clone()));
            }
            for ((option, value), label) in &t.values {
                rows.push((*tag, format!("value\t{option}\t{value}"), label.clone()));
            }
        }
        rows
    }

    /// The rows as one text: `locale` U+001F `field` U+001F `value`, rows separated by
    /// U+001E (what the store's product query aggregates them into; no translated text can
    /// hold a control character other than a line break or tab).
    pub fn from_packed_rows(packed: &str) -> Self {
        let mut translations = Self::default();
        for row in packed.split('\u{1e}') {
            let mut parts = row.splitn(3, '\u{1f}');
            if let (Some(locale), Some(field), Some(value)) = (parts.next(), parts.next(), parts.next()) {
                translations.add_row(locale, field, value.to_owned());
            }
        }
        translations.shrink();
        translations
    }

    /// Adds a stored row back (unknown locales and fields are skipped: a newer release's).
    pub fn add_row(&mut self, locale: &str, field: &str, value: String) {
        let Some(tag) = Locale::parse(locale).map(Locale::tag) else {
            return;
        };
        let text = self.entry(tag);
        let mut parts = field.split('\t');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("name"), None, None) => text.name = Some(value),
            (Some("description"), None, None) => text.description = Some(value),
            (Some("option"), Some(option), None) => {
                text.set_option(option.to_owned(), value);
            }
            (Some("value"), Some(option), Some(v)) => {
                text.set_value((option.to_owned(), v.to_owned()), value);
            }
            _ => {}
        }
    }
}

/// Names in one locale with the originals as fallback: what a product answer shows.
#[derive(Debug, Clone, Copy)]
pub struct InLocale<'a>(pub Option<&'a ProductText>);

impl<'a> InLocale<'a> {
    /// The product's translations in `locale` (no locale, or none there: the originals).
    pub fn of(translations: &'a ProductTranslations, locale: Option<&str>) -> Self {
        Self(locale.and_then(|l| translations.get(l)))
    }

    /// The name.
    pub fn name(self, original: &'a str) -> &'a str {
        self.0.and_then(|t| t.name.as_deref()).unwrap_or(original)
    }

    /// The description.
    pub fn description(self, original: &'a str) -> &'a str {
        self.0.and_then(|t| t.description.as_deref()).unwrap_or(original)
    }

    /// An option's name.
    pub fn option(self, option: &'a str) -> &'a str {
        self.0.and_then(|t| t.option(option)).unwrap_or(option)
    }

    /// A variant's values joined in this language: `黑 / 42`, `Black / 42`.
    pub fn variant_title(self, options: &ProductOptions, values: &OptionValues) -> String {
        options
            .describe(values)
            .iter()
            .map(|(option, value)| self.value(option, value))
            .collect::<Vec<_>>()
            .join(" / ")
    }

    /// One of an option's values.
    pub fn value(self, option: &str, value: &'a str) -> &'a str {
        self.0.and_then(|t| t.value(option, value)).unwrap_or(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ProductOptions {
        ProductOptions::parse(&[("颜色".into(), vec!["黑".into(), "白".into()])]).unwrap()
    }

    fn english() -> TextDraft {
        TextDraft {
            name: Some(" Runner ".into()),
            description: Some("Light.".into()),
            options: [("颜色".to_owned(), "Colour".to_owned())].into(),
            values: [("颜色".to_owned(), [("黑".to_owned(), "Black".to_owned())].into())].into(),
        }
    }

    #[test]
    fn packed_rows_read_back() {
        let t = ProductTranslations::parse(&[("en".to_owned(), english())].into(), &options()).unwrap();
        let packed = t
            .rows()
            .iter()
            .map(|(locale, field, value)| format!("{locale}\u{1f}{field}\u{1f}{value}"))
            .collect::<Vec<_>>()
            .join("\u{1e}");
        assert_eq!(ProductTranslations::from_packed_rows(&packed), t);
        assert!(ProductTranslations::from_packed_rows("").is_empty());
    }

    #[test]
    fn translations_round_trip_through_rows() {
        let t = ProductTranslations::parse(&[("en-GB".to_owned(), english())].into(), &options()).unwrap();
        let mut back = ProductTranslations::default();
        for (locale, field, value) in t.rows() {
            back.add_row(locale, &field, value);
        }
        assert_eq!(back, t);
        let en = InLocale::of(&t, Some("en"));
        assert_eq!(en.name("跑鞋"), "Runner");
        assert_eq!(
            (en.option("颜色"), en.value("颜色", "黑"), en.value("颜色", "白")),
            ("Colour", "Black", "白")
        );
        let zh = InLocale::of(&t, Some("zh-CN"));
        assert_eq!((zh.name("跑鞋"), zh.description("轻")), ("跑鞋", "轻"));
    }

    #[test]
    fn bad_translations_name_their_field() {
        let mut bad = english();
        bad.name = Some(String::new());
        bad.options.insert("尺码".into(), "Size".into());
        bad.values.get_mut("颜色").unwrap().insert("红".into(), "Red".into());
        let raw = [("en".to_owned(), bad), ("fr".to_owned(), TextDraft::default())].into();
        let errors = ProductTranslations::parse(&raw, &options()).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "translations.en.name",
                "translations.en.options.尺码",
                "translations.en.values.颜色.红",
                "translations.fr",
            ]
        );
    }
}
