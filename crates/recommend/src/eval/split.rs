//! Holding purchases out for evaluation: each user's last new purchase, or a seeded
//! random share of each user's purchases.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use super::Dataset;
use crate::{Interactions, ItemId, UserId};

/// Each evaluated user's held-out items, ascending.
pub type Test = HashMap<UserId, Vec<ItemId>>;

/// How to choose the held-out purchases. Users with a single distinct purchase keep it
/// in training and are not evaluated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Split {
    /// `round(fraction × n)` of each user's `n` distinct items at random (at most
    /// `n − 1`), reproducibly for a seed.
    Random {
        /// Share held out, 0 to 1.
        fraction: f64,
        /// Seed of the shuffles.
        seed: u64,
    },
    /// Each user's newest distinct item: the one whose first purchase comes last by the
    /// time column, then by line (file order alone when there is no time column).
    LastOut,
}

/// Splits distinct purchases into training pairs and each user's held-out items.
pub fn split(data: &Dataset, how: Split) -> (Interactions, Test) {
    // Each distinct (user, item) with the moment it was first bought.
    let mut firsts: Vec<(UserId, ItemId, f64, u64)> = data
        .rows
        .iter()
        .map(|r| (r.user, r.item, r.time.unwrap_or(0.0), r.line))
        .collect();
    firsts.sort_unstable_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then(a.2.total_cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    firsts.dedup_by_key(|r| (r.0, r.1));

    let mut rng = match how {
        Split::Random { seed, .. } => fastrand::Rng::with_seed(seed),
        Split::LastOut => fastrand::Rng::with_seed(0),
    };
    let mut train = Vec::with_capacity(firsts.len());
    let mut test = Test::new();
    // Users ascending, each user's items ascending: the seed alone fixes the shuffles.
    for run in firsts.chunk_by(|a, b| a.0 == b.0) {
        let user = run[0].0;
        let mut items: Vec<(ItemId, f64, u64)> = run.iter().map(|r| (r.1, r.2, r.3)).collect();
        let held = match how {
            _ if items.len() < 2 => 0,
            Split::LastOut => {
                items.sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.2.cmp(&b.2)));
                1
            }
            Split::Random { fraction, .. } => {
                rng.shuffle(&mut items);
                let n = items.len() as f64;
                ((fraction.clamp(0.0, 1.0) * n).round() as usize).min(items.len() - 1)
            }
        };
        let (kept, out) = items.split_at(items.len() - held);
        train.extend(kept.iter().map(|&(i, _, _)| (user, i)));
        if !out.is_empty() {
            let mut out: Vec<ItemId> = out.iter().map(|&(i, _, _)| i).collect();
            out.sort_unstable();
            test.insert(user, out);
        }
    }
    (Interactions::from_pairs(train), test)
}

/// Writes `train.tsv` and `test.tsv` (`user<TAB>item`, the tokens of the input file)
/// into `dir`, so another tool can be evaluated on exactly this split.
pub fn write_split(data: &Dataset, train: &Interactions, test: &Test, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let token = |tokens: &[String], id: i64| {
        tokens
            .get(usize::try_from(id).unwrap_or(usize::MAX))
            .cloned()
            .unwrap_or_default()
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("train.tsv"))?);
    writeln!(out, "user\titem")?;
    for &(u, i) in train.pairs() {
        writeln!(out, "{}\t{}", token(&data.user_tokens, u), token(&data.item_tokens, i))?;
    }
    out.flush()?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("test.tsv"))?);
    writeln!(out, "user\titem")?;
    let mut users: Vec<&UserId> = test.keys().collect();
    users.sort_unstable();
    for u in users {
        for &i in &test[u] {
            writeln!(out, "{}\t{}", token(&data.user_tokens, *u), token(&data.item_tokens, i))?;
        }
    }
    out.flush()
}
