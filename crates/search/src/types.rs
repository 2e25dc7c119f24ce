//! The plain data the index takes in and hands back.

/// One product as the index needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductDoc {
    /// Product id (positive); the key `upsert` and `delete` replace by.
    pub id: i64,
    /// Display name; matches weigh three times a description match.
    pub name: String,
    /// Free-text description.
    pub description: String,
    /// The name in other languages: matched like the name, so a word of either
    /// language finds the product.
    pub translated_names: Vec<String>,
    /// Descriptions, option names and values in other languages: matched like the
    /// description.
    pub translated_texts: Vec<String>,
    /// Category name, both searchable as text and usable as an exact filter.
    pub category: Option<String>,
    /// The names of the category's ancestors and the translations of all of them:
    /// searchable and filterable like `category`, so filtering by a category finds the
    /// products of every category below it, and a word of any language finds them.
    pub category_path: Vec<String>,
    /// Price in minor units.
    pub price: i64,
    /// Publication status; customers only see [`ProductStatus::Active`] products.
    pub status: ProductStatus,
    /// Average review rating, `0.0` when unrated.
    pub rating_average: f64,
    /// Creation time, epoch milliseconds.
    pub created_at: i64,
    /// Its category and the category's ancestors, by id (the category facet).
    pub category_ids: Vec<i64>,
    /// `(option name, value)` of every variant on sale (the option facets and filters).
    pub option_values: Vec<(String, String)>,
    /// Whether a variant on sale has units on hand.
    pub in_stock: bool,
}

/// Publication status of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductStatus {
    /// On sale and visible to customers.
    Active,
    /// Being prepared; visible to staff only.
    Draft,
    /// Withdrawn; visible to staff only.
    Archived,
}

impl ProductStatus {
    /// The keyword stored in the index (a raw, untokenized field).
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            ProductStatus::Active => "active",
            ProductStatus::Draft => "draft",
            ProductStatus::Archived => "archived",
        }
    }
}

/// Order of the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SearchSort {
    /// Best text match first; without search words this behaves as [`SearchSort::Newest`].
    #[default]
    Relevance,
    /// Cheapest first.
    PriceAsc,
    /// Most expensive first.
    PriceDesc,
    /// Most recently created first.
    Newest,
    /// Best average rating first.
    Rating,
}

/// One search request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SearchQuery {
    /// The user's words, in any language; untrusted and never rejected.
    pub text: String,
    /// Exact category filter (case-sensitive, whole value).
    pub category: Option<String>,
    /// Inclusive lower price bound, minor units.
    pub min_price: Option<i64>,
    /// Inclusive upper price bound, minor units.
    pub max_price: Option<i64>,
    /// Result order.
    pub sort: SearchSort,
    /// Number of results to skip.
    pub offset: usize,
    /// Page size, `1..=`[`crate::MAX_LIMIT`].
    pub limit: usize,
    /// `true` for customers: only [`ProductStatus::Active`] products.
    pub active_only: bool,
    /// Only products offering one of the values of each option named (values of one
    /// option are alternatives; options all apply).
    pub options: Vec<OptionFilter>,
    /// Only products with units on hand.
    pub in_stock: bool,
}

impl SearchQuery {
    /// The query with what does not change the set of matches (order, page) cleared: the
    /// key facet counts are kept under.
    pub(crate) fn matches_only(&self) -> SearchQuery {
        SearchQuery {
            sort: SearchSort::Relevance,
            offset: 0,
            limit: 1,
            ..self.clone()
        }
    }
}

/// Products offering any of `values` of the option `name`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct OptionFilter {
    /// The option (`尺码`).
    pub name: String,
    /// Its values wanted (`42`, `43`): any of them.
    pub values: Vec<String>,
}

/// Lower bounds of the price bands the price facet counts, in minor units: ¥0–49.99,
/// ¥50–99.99, … ¥5,000 and up. Fixed, so a band is also a filter a page can link to.
pub const PRICE_BANDS: [i64; 8] = [0, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000];

/// The band a price falls in (an index into [`PRICE_BANDS`]).
pub fn price_band(price: i64) -> usize {
    PRICE_BANDS.iter().rposition(|&low| price >= low).unwrap_or(0)
}

/// Counts of the products a query matches, by what a shopper can narrow it by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    /// Products matched.
    pub total: u64,
    /// `(category id, products)`: a product counts under its category and every ancestor;
    /// categories without a match are left out.
    pub categories: Vec<(i64, u64)>,
    /// `(band, products)` for the bands of [`PRICE_BANDS`] with a match, cheapest first.
    pub price_bands: Vec<(usize, u64)>,
    /// Per option name, the values with a match and their products. An option being
    /// filtered on is counted without its own filter, so its other values still show what
    /// choosing them instead would give.
    pub options: Vec<OptionFacet>,
    /// Products with units on hand.
    pub in_stock: u64,
}

/// One option's values and their counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionFacet {
    /// The option's name.
    pub name: String,
    /// `(value, products)`, most products first, then by value.
    pub values: Vec<(String, u64)>,
}

/// One page of results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchHits {
    /// Product ids of the requested page, in order.
    pub ids: Vec<i64>,
    /// Whether another page follows this one.
    pub has_more: bool,
    /// Whether no product matched every word, so these match only some of them (`shou
    /// ji` finding the "Shou Mei" teas): a suggestion may then serve better.
    pub partial: bool,
}

/// How [`crate::SearchIndex::open`] found the index folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// A usable index was there; resume the change feed after `feed_position`.
    Existing {
        /// What the last commit recorded (`None` if nothing was ever applied).
        feed_position: Option<i64>,
    },
    /// There was no index: a new, empty one was created; rebuild it from the database.
    Created,
    /// The index could not be used and was replaced by an empty one; rebuild it.
    Recreated {
        /// Why the old index was discarded (for the log).
        reason: String,
    },
}
