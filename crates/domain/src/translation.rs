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

/// What a stored translation row translates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    Name,
    Description,
    /// An option's name.
    Option,
    /// One of an option's values.
    Value,
}

/// One translated text in [`ProductTranslations`]' one allocation: the option name, the
/// value and the translation, end to end from `start` (option and value are empty where
/// the field has none).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    start: u32,
    /// Where the option name, the value and the translation end.
    ends: [u32; 3],
    locale: &'static str,
    field: Field,
}

/// A product's translations, every locale's, checked.
///
/// Packed: every text in one allocation and a sorted table of where each lies, because
/// every cached product holds its translations; as lists of strings per locale they were
/// about ten allocations a demo product (packing saved 0.12 KB a cached product;
/// BENCHMARKS, round fourteen). Read through [`ProductText`] views.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductTranslations {
    text: Box<str>,
    /// By locale tag, then field, option and value: the order [`Builder`] keeps.
    entries: Box<[Entry]>,
}

/// One locale's translation of a product: a view into [`ProductTranslations`].
#[derive(Debug, Clone, Copy)]
pub struct ProductText<'a> {
    text: &'a str,
    entries: &'a [Entry],
}

impl<'a> ProductText<'a> {
    fn parts(self, e: &Entry) -> (&'a str, &'a str, &'a str) {
        let [option, value, label] = e.ends.map(|end| end as usize);
        let start = e.start as usize;
        (
            &self.text[start..option],
            &self.text[option..value],
            &self.text[value..label],
        )
    }

    fn labels(self, field: Field) -> impl Iterator<Item = (&'a str, &'a str, &'a str)> {
        self.entries
            .iter()
            .filter(move |e| e.field == field)
            .map(move |e| self.parts(e))
    }

    /// The name.
    pub fn name(self) -> Option<&'a str> {
        self.labels(Field::Name).next().map(|(_, _, label)| label)
    }

    /// The description.
    pub fn description(self) -> Option<&'a str> {
        self.labels(Field::Description).next().map(|(_, _, label)| label)
    }

    /// `(option name, its translation)`, originals sorted.
    pub fn options(self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.labels(Field::Option).map(|(option, _, label)| (option, label))
    }

    /// `((option, value), the value's translation)`, originals sorted.
    pub fn values(self) -> impl Iterator<Item = ((&'a str, &'a str), &'a str)> {
        self.labels(Field::Value)
            .map(|(option, value, label)| ((option, value), label))
    }

    /// An option's translation.
    pub fn option(self, option: &str) -> Option<&'a str> {
        self.options().find(|(o, _)| *o == option).map(|(_, l)| l)
    }

    /// A value's translation.
    pub fn value(self, option: &str, value: &str) -> Option<&'a str> {
        self.values()
            .find(|((o, v), _)| *o == option && *v == value)
            .map(|(_, l)| l)
    }
}

/// Translations being put together: one text per (locale, field, option, value), kept
/// sorted, then packed.
#[derive(Default)]
struct Builder(BTreeMap<(&'static str, Field, String, String), String>);

impl Builder {
    fn set(&mut self, locale: &'static str, field: Field, option: &str, value: &str, label: String) {
        self.0
            .insert((locale, field, option.to_owned(), value.to_owned()), label);
    }

    /// Sets a stored row (unknown locales and fields are skipped: a newer release's).
    fn set_row(&mut self, locale: &str, field: &str, label: String) {
        let Some(tag) = Locale::parse(locale).map(Locale::tag) else {
            return;
        };
        let mut parts = field.split('\t');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("name"), None, None) => self.set(tag, Field::Name, "", "", label),
            (Some("description"), None, None) => self.set(tag, Field::Description, "", "", label),
            (Some("option"), Some(option), None) => self.set(tag, Field::Option, option, "", label),
            (Some("value"), Some(option), Some(v)) => self.set(tag, Field::Value, option, v, label),
            _ => {}
        }
    }

    fn pack(self) -> ProductTranslations {
        let mut text = String::new();
        let mut entries = Vec::with_capacity(self.0.len());
        // Texts are bounded far below 4 GiB by validation (10,000 characters at most).
        let at = |text: &String| u32::try_from(text.len()).unwrap_or(u32::MAX);
        for ((locale, field, option, value), label) in self.0 {
            let start = at(&text);
            text.push_str(&option);
            let option_end = at(&text);
            text.push_str(&value);
            let value_end = at(&text);
            text.push_str(&label);
            entries.push(Entry {
                start,
                ends: [option_end, value_end, at(&text)],
                locale,
                field,
            });
        }
        ProductTranslations {
            text: text.into_boxed_str(),
            entries: entries.into_boxed_slice(),
        }
    }
}

impl ProductTranslations {
    /// Checks translations as typed against the product's options: a supported locale,
    /// a name and description within their limits, and only options and values the
    /// product has. Errors name `translations.<locale>.<field>`.
    pub fn parse(raw: &BTreeMap<String, TextDraft>, options: &ProductOptions) -> Result<Self, Invalid> {
        let mut errors = Vec::new();
        let mut out = Builder::default();
        for (tag, draft) in raw {
            let Some(locale) = Locale::parse(tag) else {
                errors.push(FieldError::new(
                    format!("translations.{tag}"),
                    "must be a supported locale: zh-CN or en",
                ));
                continue;
            };
            let locale = locale.tag();
            // Typed again for a locale already given (`en` and `en-GB`): the last wins.
            out.0.retain(|(l, ..), _| *l != locale);
            let at = |field: &str| format!("translations.{tag}.{field}");
            if let Some(name) = &draft.name {
                match ProductName::parse(name) {
                    Ok(n) => out.set(locale, Field::Name, "", "", n.as_str().to_owned()),
                    Err(e) => errors.push(FieldError::new(at("name"), e.message)),
                }
            }
            if let Some(description) = &draft.description {
                match Description::parse(description) {
                    Ok(d) if d.as_str().is_empty() => {}
                    Ok(d) => out.set(locale, Field::Description, "", "", d.as_str().to_owned()),
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
                    Ok(l) => out.set(locale, Field::Option, option, "", l),
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
                        Ok(l) => out.set(locale, Field::Value, option, value, l),
                        Err(e) => errors.push(e),
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(out.pack())
        } else {
            Err(Invalid(errors))
        }
    }

    /// Whether there is no translation at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The translation into `locale` (a tag), if any.
    pub fn get(&self, locale: &str) -> Option<ProductText<'_>> {
        self.iter().find(|(tag, _)| *tag == locale).map(|(_, text)| text)
    }

    /// `(locale tag, translation)`, by tag.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, ProductText<'_>)> {
        self.entries.chunk_by(|a, b| a.locale == b.locale).map(|entries| {
            let text = ProductText {
                text: &self.text,
                entries,
            };
            (entries[0].locale, text)
        })
    }

    /// The stored rows: `(locale, field, value)`.
    pub fn rows(&self) -> Vec<(&'static str, String, String)> {
        let text = ProductText {
            text: &self.text,
            entries: &self.entries,
        };
        self.entries
            .iter()
            .map(|e| {
                let (option, value, label) = text.parts(e);
                let field = match e.field {
                    Field::Name => "name".to_owned(),
                    Field::Description => "description".to_owned(),
                    Field::Option => format!("option\t{option}"),
                    Field::Value => format!("value\t{option}\t{value}"),
                };
                (e.locale, field, label.to_owned())
            })
            .collect()
    }

    /// The rows as one text: `locale` U+001F `field` U+001F `value`, rows separated by
    /// U+001E (what the store's product query aggregates them into; no translated text can
    /// hold a control character other than a line break or tab).
    pub fn from_packed_rows(packed: &str) -> Self {
        let mut builder = Builder::default();
        for row in packed.split('\u{1e}') {
            let mut parts = row.splitn(3, '\u{1f}');
            if let (Some(locale), Some(field), Some(value)) = (parts.next(), parts.next(), parts.next()) {
                builder.set_row(locale, field, value.to_owned());
            }
        }
        builder.pack()
    }

    /// Adds a stored row back (unknown locales and fields are skipped: a newer release's).
    /// Repacks the whole: for tests and one-off edits, not for loading many rows.
    pub fn add_row(&mut self, locale: &str, field: &str, value: String) {
        let mut builder = Builder::default();
        for (l, f, v) in self.rows() {
            builder.set_row(l, &f, v);
        }
        builder.set_row(locale, field, value);
        *self = builder.pack();
    }
}

/// Names in one locale with the originals as fallback: what a product answer shows.
#[derive(Debug, Clone, Copy)]
pub struct InLocale<'a>(pub Option<ProductText<'a>>);

impl<'a> InLocale<'a> {
    /// The product's translations in `locale` (no locale, or none there: the originals).
    pub fn of(translations: &'a ProductTranslations, locale: Option<&str>) -> Self {
        Self(locale.and_then(|l| translations.get(l)))
    }

    /// The name.
    pub fn name(self, original: &'a str) -> &'a str {
        self.0.and_then(ProductText::name).unwrap_or(original)
    }

    /// The description.
    pub fn description(self, original: &'a str) -> &'a str {
        self.0.and_then(ProductText::description).unwrap_or(original)
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
