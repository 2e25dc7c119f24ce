//! Ranking metrics at 10 and the report comparing the item-based, user-based and
//! popularity lists on one split.

use std::collections::HashSet;
use std::fmt;
use std::time::{Duration, Instant};

use super::Test;
use crate::{Interactions, ItemId, Model, Params, UserId};

/// The cut-off of every metric.
pub const K: usize = 10;

/// One model's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Which lists.
    pub name: String,
    /// Share of users with at least one held-out item in their top 10.
    pub hit_rate: f64,
    /// Mean over users of (held-out items in the top 10) / 10.
    pub precision: f64,
    /// Mean NDCG@10, binary relevance, ideal DCG over `min(|held out|, 10)` hits.
    pub ndcg: f64,
    /// Distinct recommended items / items in the training data.
    pub coverage: f64,
    /// Time to fit what the lists are served from.
    pub fit: Duration,
    /// Mean time to serve one user's list.
    pub per_user: Duration,
}

/// The figures of every model on one split.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Users evaluated (those with held-out items).
    pub users: usize,
    /// Training purchases.
    pub train: usize,
    /// Held-out purchases.
    pub test: usize,
    /// One row per model.
    pub rows: Vec<Row>,
}

/// Hit (0 or 1), precision and NDCG of one ranked list against the relevant items.
pub fn ranking_metrics(recommended: &[ItemId], relevant: &[ItemId]) -> (f64, f64, f64) {
    let relevant: HashSet<ItemId> = relevant.iter().copied().collect();
    let mut hits = 0usize;
    let mut dcg = 0.0;
    for (rank, item) in recommended.iter().take(K).enumerate() {
        if relevant.contains(item) {
            hits += 1;
            dcg += 1.0 / (rank as f64 + 2.0).log2();
        }
    }
    let ideal: f64 = (0..relevant.len().min(K)).map(|r| 1.0 / (r as f64 + 2.0).log2()).sum();
    let hit = if hits > 0 { 1.0 } else { 0.0 };
    let ndcg = if ideal > 0.0 { dcg / ideal } else { 0.0 };
    (hit, hits as f64 / K as f64, ndcg)
}

/// Fits on `train` and scores the item-based, user-based and popularity top-10 lists of
/// every user in `test` (each excluding the user's training items) against their
/// held-out items.
pub fn evaluate(train: &Interactions, test: &Test, params: &Params) -> Report {
    let started = Instant::now();
    let full = Model::fit(train, |_| None, params);
    let full_fit = started.elapsed();
    // User-based lists and popularity need only the purchase lists, not the item
    // neighbours: time that fit on its own.
    let started = Instant::now();
    let index = Model::fit(
        train,
        |_| None,
        &Params {
            item_neighbours: 0,
            ..params.clone()
        },
    );
    let index_fit = started.elapsed();

    let mut users: Vec<UserId> = test.keys().copied().filter(|u| !test[u].is_empty()).collect();
    users.sort_unstable();
    let catalogue = full.items();
    let row = |name: String, fit: Duration, list: &dyn Fn(UserId) -> Vec<ItemId>| {
        let mut sums = (0.0, 0.0, 0.0);
        let mut shown: HashSet<ItemId> = HashSet::new();
        let started = Instant::now();
        for &u in &users {
            let recommended = list(u);
            let (hit, precision, ndcg) = ranking_metrics(&recommended, &test[&u]);
            sums = (sums.0 + hit, sums.1 + precision, sums.2 + ndcg);
            shown.extend(recommended);
        }
        let elapsed = started.elapsed();
        let n = users.len().max(1) as f64;
        Row {
            name,
            hit_rate: sums.0 / n,
            precision: sums.1 / n,
            ndcg: sums.2 / n,
            coverage: if catalogue == 0 {
                0.0
            } else {
                shown.len() as f64 / catalogue as f64
            },
            fit,
            per_user: elapsed / u32::try_from(users.len().max(1)).unwrap_or(u32::MAX),
        }
    };
    let ids = |v: Vec<crate::Scored>| v.into_iter().map(|s| s.item).collect::<Vec<_>>();
    let rows = vec![
        row(format!("item-based, k={}", params.item_neighbours), full_fit, &|u| {
            ids(full.item_based_for_user(u, K, |_| true))
        }),
        row(
            format!("user-based, {} neighbours", params.user_neighbours),
            index_fit,
            &|u| ids(index.for_user(u, K, |_| true).0),
        ),
        row("popularity".to_owned(), index_fit, &|u| {
            let bought = index.bought(u);
            ids(index.popular(K, |i| bought.binary_search(&i).is_err()))
        }),
    ];
    Report {
        users: users.len(),
        train: train.len(),
        test: users.iter().map(|u| test[u].len()).sum(),
        rows,
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} users evaluated; {} training purchases, {} held out; top {K}, training items excluded.\n",
            self.users, self.train, self.test
        )?;
        writeln!(f, "| model | HR@{K} | P@{K} | NDCG@{K} | coverage | fit | per user |")?;
        writeln!(f, "|---|---|---|---|---|---|---|")?;
        for r in &self.rows {
            writeln!(
                f,
                "| {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.3} s | {:.1} µs |",
                r.name,
                r.hit_rate,
                r.precision,
                r.ndcg,
                r.coverage,
                r.fit.as_secs_f64(),
                r.per_user.as_secs_f64() * 1e6
            )?;
        }
        Ok(())
    }
}
