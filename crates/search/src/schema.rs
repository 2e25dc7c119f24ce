//! The index schema, the mapping of a [`ProductDoc`] onto it, and the commit payload that records
//! the schema version and the change-feed position.

use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{TantivyDocument, Term};

use crate::analysis::{INDEX_ANALYZER, WORDS_ANALYZER};
use crate::types::{ProductDoc, ProductStatus, price_band};

/// Version of what is stored in the index: the schema *and* the analysis (segmentation,
/// stemming). Bump it whenever either changes; an index with another version is discarded at
/// open and rebuilt from the database.
pub const SCHEMA_VERSION: u32 = 4;

/// Fast-field names, used by the sorting collectors.
pub(crate) const ID: &str = "id";
pub(crate) const PRICE: &str = "price";
pub(crate) const RATING: &str = "rating_average";
pub(crate) const CREATED_AT: &str = "created_at";
pub(crate) const FACETS: &str = "facets";

/// The facet roots: `/c/<category id>`, `/p/<price band>`, `/o/<name>\x1f<value>` (one
/// level, so one collector pass counts every option's values) and `/s/in`.
pub(crate) const CATEGORY_ROOT: &str = "c";
pub(crate) const PRICE_ROOT: &str = "p";
pub(crate) const OPTION_ROOT: &str = "o";
pub(crate) const STOCK_ROOT: &str = "s";
/// Separates an option's name from its value inside one facet step; option names and
/// values never hold control characters.
pub(crate) const OPTION_SEP: char = '\u{1f}';

/// The facet of one option value.
pub(crate) fn option_facet(name: &str, value: &str) -> Facet {
    Facet::from_path([OPTION_ROOT, &format!("{name}{OPTION_SEP}{value}")])
}

/// The facet of products with units on hand.
pub(crate) fn in_stock_facet() -> Facet {
    Facet::from_path([STOCK_ROOT, "in"])
}

/// Handles to the schema's fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// Product id: indexed (to delete by id) and fast (the tie-break, and how hits are read).
    pub id: Field,
    pub name: Field,
    pub description: Field,
    /// The category as analyzed text, for matching words.
    pub category_text: Field,
    /// The category as one raw term, for the exact filter.
    pub category: Field,
    pub price: Field,
    /// `active` / `draft` / `archived` as one raw term.
    pub status: Field,
    pub rating: Field,
    pub created_at: Field,
    /// Category ids, price band, option values and stock, for counting and filtering.
    pub facets: Field,
    /// Names (every language) and category names, unstemmed: the vocabulary search
    /// suggestions are made of; never searched.
    pub words: Field,
}

/// Builds the schema; [`Fields`] is only valid for an index whose schema equals this one.
pub(crate) fn build_schema() -> (Schema, Fields) {
    // Positions are indexed so that phrase queries work (the name-proximity boost).
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(INDEX_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let mut builder = Schema::builder();
    let fields = Fields {
        id: builder.add_i64_field(ID, INDEXED | FAST),
        name: builder.add_text_field("name", text.clone()),
        description: builder.add_text_field("description", text.clone()),
        category_text: builder.add_text_field("category_text", text),
        category: builder.add_text_field("category", STRING),
        price: builder.add_i64_field(PRICE, INDEXED | FAST),
        status: builder.add_text_field("status", STRING),
        rating: builder.add_f64_field(RATING, FAST),
        created_at: builder.add_i64_field(CREATED_AT, FAST),
        facets: builder.add_facet_field(FACETS, FacetOptions::default()),
        // Documents only: the vocabulary needs each word's document frequency, nothing more.
        words: builder.add_text_field(
            "words",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(WORDS_ANALYZER)
                    .set_index_option(IndexRecordOption::Basic),
            ),
        ),
    };
    // Nothing is stored: hits are read from the `id` fast field and the database has the rest.
    (builder.build(), fields)
}

impl Fields {
    /// The tantivy document for a product.
    pub(crate) fn document(&self, product: &ProductDoc) -> TantivyDocument {
        let mut doc = TantivyDocument::new();
        doc.add_i64(self.id, product.id);
        doc.add_text(self.name, &product.name);
        doc.add_text(self.description, &product.description);
        for name in &product.translated_names {
            doc.add_text(self.name, name);
        }
        for text in &product.translated_texts {
            doc.add_text(self.description, text);
        }
        for category in product.category.iter().chain(&product.category_path) {
            doc.add_text(self.category_text, category);
            doc.add_text(self.category, category);
        }
        let names = std::iter::once(&product.name).chain(&product.translated_names);
        for words in names.chain(product.category.iter()).chain(&product.category_path) {
            doc.add_text(self.words, words);
        }
        doc.add_i64(self.price, product.price);
        doc.add_text(self.status, product.status.keyword());
        // NaN would sort unpredictably; an unrated product is 0.0 anyway.
        let rating = if product.rating_average.is_nan() {
            0.0
        } else {
            product.rating_average
        };
        doc.add_f64(self.rating, rating);
        doc.add_i64(self.created_at, product.created_at);
        for id in &product.category_ids {
            doc.add_facet(self.facets, Facet::from_path([CATEGORY_ROOT, &id.to_string()]));
        }
        let band = price_band(product.price).to_string();
        doc.add_facet(self.facets, Facet::from_path([PRICE_ROOT, band.as_str()]));
        for (name, value) in &product.option_values {
            doc.add_facet(self.facets, option_facet(name, value));
        }
        if product.in_stock {
            doc.add_facet(self.facets, in_stock_facet());
        }
        doc
    }

    /// The term identifying a product, for `delete_term`.
    pub(crate) fn id_term(&self, id: i64) -> Term {
        Term::from_field_i64(self.id, id)
    }

    /// The term of the `status` field for a status.
    pub(crate) fn status_term(&self, status: ProductStatus) -> Term {
        Term::from_field_text(self.status, status.keyword())
    }
}

/// What each commit records, as tantivy's free-form commit payload.
///
/// Keeping the schema version in the payload (rather than in a file beside the index) makes it
/// part of the same atomic commit as the data it describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CommitPayload {
    pub schema_version: u32,
    pub feed_position: Option<i64>,
}

const PAYLOAD_PREFIX: &str = "emporium-search";

impl CommitPayload {
    /// A payload of the current schema version.
    pub(crate) fn current(feed_position: Option<i64>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            feed_position,
        }
    }

    /// `emporium-search schema=1 feed=42` (or `feed=none`).
    pub(crate) fn encode(&self) -> String {
        let feed = self
            .feed_position
            .map_or_else(|| "none".to_owned(), |position| position.to_string());
        format!("{PAYLOAD_PREFIX} schema={} feed={feed}", self.schema_version)
    }

    /// Parses [`CommitPayload::encode`]'s output; `None` for anything else.
    pub(crate) fn decode(payload: &str) -> Option<Self> {
        let mut parts = payload.split(' ');
        if parts.next()? != PAYLOAD_PREFIX {
            return None;
        }
        let schema_version = parts.next()?.strip_prefix("schema=")?.parse().ok()?;
        let feed_position = match parts.next()?.strip_prefix("feed=")? {
            "none" => None,
            position => Some(position.parse().ok()?),
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            schema_version,
            feed_position,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips() {
        for payload in [
            CommitPayload::current(None),
            CommitPayload::current(Some(-3)),
            CommitPayload::current(Some(i64::MAX)),
        ] {
            assert_eq!(CommitPayload::decode(&payload.encode()), Some(payload));
        }
    }

    #[test]
    fn foreign_payloads_are_rejected() {
        for payload in [
            "",
            "emporium-search",
            "emporium-search schema=x feed=1",
            "other schema=1 feed=1",
            "emporium-search schema=1 feed=1 extra",
            "emporium-search schema=1 feed=1.5",
        ] {
            assert_eq!(CommitPayload::decode(payload), None, "{payload:?}");
        }
    }
}
