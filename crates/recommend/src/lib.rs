//! Collaborative filtering over purchases: "also bought" (item-based) and "for you"
//! (user-based) lists, a compact model that is built in the background and stored as
//! bytes, and the offline evaluation that compares it with baselines.
//!
//! Similarity everywhere is the cosine of two sets of distinct purchases:
//! `sim(a, b) = common(a, b) / sqrt(total(a) × total(b))` — between two products over
//! their sets of buyers, or between two users over their sets of products.
//!
//! The crate is pure: no database, no HTTP, no clock. The server reads purchases, calls
//! [`Model::fit`] off the request path, stores [`Model::to_bytes`], and serves from
//! [`Model::from_bytes`].

mod codec;
pub mod eval;
mod interactions;
mod model;
mod rank;

pub use codec::DecodeError;
pub use interactions::Interactions;
pub use model::Model;

/// A user's id as the store knows it.
pub type UserId = i64;
/// A product's id as the store knows it.
pub type ItemId = i64;

/// How many neighbours the model keeps and uses, and how far a "for you" request may
/// search for them.
#[derive(Clone, Debug)]
pub struct Params {
    /// Neighbours kept per item (the top-k lists behind "also bought" and the item-based
    /// score).
    pub item_neighbours: usize,
    /// Most similar users whose purchases make up a "for you" list.
    pub user_neighbours: usize,
    /// Most co-buyer entries one "for you" request scans to find the user's neighbours
    /// ([`DEFAULT_SCAN_BUDGET`] by default; [`EXACT_SCAN`] = no cap, an exact search).
    ///
    /// A user whose items have more buyers than this in all gets each item's scan cut to
    /// its `scan_budget / |items|` (at least 32) buyers with the fewest items, and the
    /// best `4 × user_neighbours` candidates of that scan re-scored exactly. A serving
    /// parameter: [`Model::to_bytes`] does not store it, and a model read back by
    /// [`Model::from_bytes`] serves with the default until
    /// [`Model::set_scan_budget`] says otherwise.
    pub scan_budget: usize,
}

/// The default [`Params::scan_budget`]: keeps a request for the heaviest buyers of a
/// shop of 100,000 users under a millisecond (see `BENCHMARKS.md`).
pub const DEFAULT_SCAN_BUDGET: usize = 25_000;

/// A [`Params::scan_budget`] that never cuts: the user-neighbour search is exact.
pub const EXACT_SCAN: usize = usize::MAX;

impl Default for Params {
    fn default() -> Self {
        Params {
            item_neighbours: 50,
            user_neighbours: 50,
            scan_budget: DEFAULT_SCAN_BUDGET,
        }
    }
}

/// One recommended item and its score (a similarity, a sum of similarities, or a number
/// of buyers, depending on the list).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Scored {
    /// The recommended item.
    pub item: ItemId,
    /// Higher is better; lists are sorted by it, ties by the smaller item id.
    pub score: f64,
}

/// Where a [`Model::for_user`] list came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// At least one item came from similar users.
    Personal,
    /// Nothing came from similar users: the list is popular items only.
    Popular,
}

/// The cosine of two sets given their sizes and the size of their intersection.
///
/// Every score in the crate goes through this one function, so equal ratios compare
/// equal wherever they are computed.
pub fn cosine(common: u32, total_a: u32, total_b: u32) -> f64 {
    if common == 0 {
        return 0.0;
    }
    f64::from(common) / (f64::from(total_a) * f64::from(total_b)).sqrt()
}
