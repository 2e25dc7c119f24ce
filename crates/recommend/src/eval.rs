//! Offline evaluation: load purchases from a CSV/TSV file, hold some out, fit on the
//! rest, and measure how often the held-out items come back in the top 10.

mod load;
mod metrics;
mod split;

pub use load::{Dataset, LoadError, Purchase, RowError, load, parse};
pub use metrics::{K, Report, Row, evaluate, ranking_metrics};
pub use split::{Split, Test, split, write_split};
