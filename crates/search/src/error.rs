//! The one error type of the search crate.

use std::path::PathBuf;

/// Everything that can go wrong while opening, writing or querying the index.
///
/// Query *text* never produces an error: hostile or meaningless input simply matches less.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index folder is already used by another process (or another `SearchIndex` in this
    /// one): tantivy allows a single writer per folder.
    #[error("the search index in {path} is in use by another writer")]
    Locked {
        /// The index folder.
        path: PathBuf,
    },
    /// A file-system operation on the index folder failed.
    #[error("search index folder {path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The page size is outside `1..=`[`crate::MAX_LIMIT`]; the caller should have validated it.
    #[error("invalid page size {limit}")]
    InvalidLimit {
        /// The requested limit.
        limit: usize,
    },
    /// tantivy failed (I/O, a killed indexing thread, a corrupt segment...).
    #[error("search engine: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}
