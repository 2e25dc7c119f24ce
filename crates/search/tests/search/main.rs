//! Integration tests of the product index: real tantivy, real jieba, through the public API.
//!
//! Read-only tests share one catalogue index (building it loads the jieba dictionary, which is
//! the slow part); tests that write build their own small index.

mod support;

mod chinese;
mod english;
mod facets;
mod filters_and_sorts;
mod hostile;
mod lifecycle;
mod ranking;
mod suggestions;
mod writes;
