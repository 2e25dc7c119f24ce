//! Emporium's embedded full-text product index: tantivy with jieba word segmentation, so that
//! Chinese and English product names, descriptions and categories can both be searched.
//!
//! The server keeps one [`SearchIndex`] per process, follows the database's change feed with
//! [`SearchIndex::upsert`] / [`SearchIndex::delete`] (each call records how far the feed has
//! been applied, see [`SearchIndex::feed_position`]), and answers catalogue searches with
//! [`SearchIndex::search`]. Every method blocks: call them from `spawn_blocking`.
//!
//! How a query is answered (details in [`SearchIndex::search`]):
//! 1. the text is segmented into words the same way documents were (jieba, lower-casing,
//!    English stemming), so `手机`, `iPhone`/`iphone` and `phones`/`phone` meet in the middle;
//! 2. every word must match (AND), in the name (×3), category (×2) or description (×1); a
//!    Chinese compound such as `无线耳机` also matches a product that has all of its parts
//!    (`无线` … `耳机`), ranked below one with the compound itself;
//! 3. only if that finds nothing, Latin words of five letters or more may match with one typo;
//! 4. only if that still finds nothing, products matching *some* of the words are returned,
//!    those matching more words first.
//!
//! When a search finds nothing at all, [`SearchIndex::suggest`] offers a nearby query that
//! does: a spelling correction, or the Chinese words a pinyin query spells.

mod analysis;
mod error;
mod index;
mod query;
mod schema;
mod search;
mod suggest;
mod types;

pub use error::SearchError;
pub use index::{SearchIndex, WRITER_MEMORY_BYTES};
pub use schema::SCHEMA_VERSION;
pub use search::{MAX_LIMIT, MAX_RESULT_WINDOW};
pub use types::{
    Facets, Opened, OptionFacet, OptionFilter, PRICE_BANDS, ProductDoc, ProductStatus, SearchHits, SearchQuery,
    SearchSort, price_band,
};
