//! Serving lists from a fitted model. Nothing here scans all purchases: a "for you" list
//! touches only the co-buyers of the user's items, an item-based one only the neighbour
//! lists of the user's items.

use std::cell::RefCell;
use std::collections::HashSet;

use super::{Model, NO_CATEGORY, to_u32};
use crate::rank::{best_kept, top_n};
use crate::{Basis, ItemId, Scored, UserId, cosine};

/// Dense per-request accumulators, kept per thread so a request does not allocate and
/// zero arrays the size of the user base. Only touched slots are reset afterwards.
#[derive(Default)]
struct Scratch {
    counts: Vec<u32>,
    scores: Vec<f64>,
    touched: Vec<u32>,
}

/// Buyers scanned per item at least, however many items the user bought.
const MIN_SCAN_PER_ITEM: usize = 32;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch (or a fresh one, should a `keep` closure call
/// back into a model while the scratch is in use).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => f(&mut scratch),
        Err(_) => f(&mut Scratch::default()),
    })
}

impl Model {
    /// Items most similar to `item` (never `item` itself), best first, only those
    /// `keep` accepts; at most the model's `item_neighbours`. Unknown item → empty.
    pub fn also_bought(&self, item: ItemId, limit: usize, keep: impl Fn(ItemId) -> bool) -> Vec<Scored> {
        let Some(i) = self.item_index(item) else {
            return Vec::new();
        };
        let degree = self.buyer_count(i);
        let (neighbours, common) = self.neighbours_of(i);
        neighbours
            .iter()
            .zip(common)
            .filter(|&(&j, _)| keep(self.item_ids[j as usize]))
            .take(limit)
            .map(|(&j, &c)| Scored {
                item: self.item_ids[j as usize],
                score: cosine(c, degree, self.buyer_count(j)),
            })
            .collect()
    }

    /// User-based list for `user`: items of the `user_neighbours` most similar users,
    /// each scored by the sum of the similarities of those who bought it, minus what the
    /// user bought (as the model knows it) and anything `keep` rejects.
    ///
    /// When neighbours give fewer than `limit`, the list is topped up with popular items
    /// from the categories the user buys from, then popular items overall (their score
    /// is their number of buyers). Returns [`Basis::Personal`] if at least one item came
    /// from neighbours.
    pub fn for_user(&self, user: UserId, limit: usize, keep: impl Fn(ItemId) -> bool) -> (Vec<Scored>, Basis) {
        let Some(u) = self.user_index(user) else {
            return (self.popular(limit, keep), Basis::Popular);
        };
        let bought = self.items_of(u);
        let candidates = self.user_based_candidates(u);
        let mut list = self.scored(best_kept(candidates, limit, |i| keep(self.item_ids[i as usize])));
        let basis = if list.is_empty() {
            Basis::Popular
        } else {
            Basis::Personal
        };
        if list.len() < limit {
            self.top_up(&mut list, limit, bought, &keep);
        }
        (list, basis)
    }

    /// Item-based list for a user: each item scored by the sum, over the user's items
    /// `j`, of `sim(j, item)` where `item` is among `j`'s top-k neighbours (the scoring
    /// of `implicit`'s `CosineRecommender`); minus what the user bought and anything
    /// `keep` rejects. No fallback: unknown users get an empty list.
    pub fn item_based_for_user(&self, user: UserId, limit: usize, keep: impl Fn(ItemId) -> bool) -> Vec<Scored> {
        let Some(u) = self.user_index(user) else {
            return Vec::new();
        };
        let bought = self.items_of(u);
        let candidates = with_scratch(|s| {
            s.scores.resize(self.items().max(s.scores.len()), 0.0);
            for &j in bought {
                let degree = self.buyer_count(j);
                let (neighbours, common) = self.neighbours_of(j);
                for (&i, &c) in neighbours.iter().zip(common) {
                    if bought.binary_search(&i).is_ok() {
                        continue;
                    }
                    let slot = &mut s.scores[i as usize];
                    if *slot == 0.0 {
                        s.touched.push(i);
                    }
                    *slot += cosine(c, degree, self.buyer_count(i));
                }
            }
            drain(&mut s.touched, &mut s.scores)
        });
        self.scored(best_kept(candidates, limit, |i| keep(self.item_ids[i as usize])))
    }

    /// Most-bought items overall (score = number of buyers), ties by the smaller id.
    pub fn popular(&self, limit: usize, keep: impl Fn(ItemId) -> bool) -> Vec<Scored> {
        self.popular
            .iter()
            .filter(|&&i| keep(self.item_ids[i as usize]))
            .take(limit)
            .map(|&i| self.popular_entry(i))
            .collect()
    }

    /// The user's most similar users (dense index, similarity), best first: found by
    /// counting common items over the co-buyers of the user's items.
    ///
    /// Exact while the user's items have at most the model's scan budget
    /// ([`crate::Params::scan_budget`]) of buyers in all. Beyond that (a user of several
    /// best sellers) each item's scan is cut to its `budget / |items|` (at least
    /// 32) buyers with the fewest items — those to whom one common
    /// item counts most — so a request stays well under a millisecond; the best
    /// `4 × user_neighbours` candidates of that scan then get their exact similarity
    /// from a merge of the two item lists, and are ranked by it.
    pub(crate) fn user_neighbours_of(&self, u: u32) -> Vec<(u32, f64)> {
        let bought = self.items_of(u);
        let size = to_u32(bought.len());
        let wanted = self.user_neighbours as usize;
        let total: usize = bought.iter().map(|&i| self.buyers_of(i).len()).sum();
        let cap = if total <= self.scan_budget {
            usize::MAX
        } else {
            (self.scan_budget / bought.len()).max(MIN_SCAN_PER_ITEM)
        };
        let mut cut = false;
        let mut neighbours = with_scratch(|s| {
            s.counts.resize(self.users().max(s.counts.len()), 0);
            for &i in bought {
                let buyers = self.buyers_of(i);
                cut |= buyers.len() > cap;
                for &v in &buyers[..buyers.len().min(cap)] {
                    if v != u {
                        let slot = &mut s.counts[v as usize];
                        if *slot == 0 {
                            s.touched.push(v);
                        }
                        *slot += 1;
                    }
                }
            }
            let out: Vec<(u32, f64)> = s
                .touched
                .iter()
                .map(|&v| {
                    let common = std::mem::take(&mut s.counts[v as usize]);
                    (v, cosine(common, size, to_u32(self.items_of(v).len())))
                })
                .collect();
            s.touched.clear();
            out
        });
        if cut {
            top_n(&mut neighbours, wanted.saturating_mul(4));
            for (v, sim) in &mut neighbours {
                let theirs = self.items_of(*v);
                *sim = cosine(common_count(bought, theirs), size, to_u32(theirs.len()));
            }
        }
        top_n(&mut neighbours, wanted);
        neighbours
    }

    /// Every item the user's neighbours bought and the user did not, with its summed
    /// neighbour similarity.
    fn user_based_candidates(&self, u: u32) -> Vec<(u32, f64)> {
        let bought = self.items_of(u);
        let neighbours = self.user_neighbours_of(u);
        with_scratch(|s| {
            s.scores.resize(self.items().max(s.scores.len()), 0.0);
            // Best neighbours first, so the floating-point sums add in a fixed order.
            for &(v, sim) in &neighbours {
                for &i in self.items_of(v) {
                    if bought.binary_search(&i).is_ok() {
                        continue;
                    }
                    let slot = &mut s.scores[i as usize];
                    if *slot == 0.0 {
                        s.touched.push(i);
                    }
                    *slot += sim;
                }
            }
            drain(&mut s.touched, &mut s.scores)
        })
    }

    /// Appends popular items from the categories of `bought`, then popular items overall,
    /// skipping what is listed or bought and what `keep` rejects, up to `limit`.
    fn top_up(&self, list: &mut Vec<Scored>, limit: usize, bought: &[u32], keep: &impl Fn(ItemId) -> bool) {
        let mut taken: HashSet<ItemId> = list.iter().map(|s| s.item).collect();
        let eligible = |i: u32, taken: &HashSet<ItemId>| {
            let id = self.item_ids[i as usize];
            !taken.contains(&id) && bought.binary_search(&i).is_err() && keep(id)
        };
        let mut categories: Vec<u32> = bought
            .iter()
            .map(|&i| self.category_of[i as usize])
            .filter(|&c| c != NO_CATEGORY)
            .collect();
        categories.sort_unstable();
        categories.dedup();
        let need = limit - list.len();
        // The best `need` of the union lie among the best `need` of each category.
        let mut from_categories: Vec<u32> = Vec::new();
        for c in categories {
            let range = self.category_offsets[c as usize] as usize..self.category_offsets[c as usize + 1] as usize;
            from_categories.extend(
                self.category_popular[range]
                    .iter()
                    .copied()
                    .filter(|&i| eligible(i, &taken))
                    .take(need),
            );
        }
        from_categories.sort_unstable_by(|a, b| self.buyer_count(*b).cmp(&self.buyer_count(*a)).then(a.cmp(b)));
        for i in from_categories.into_iter().take(need) {
            taken.insert(self.item_ids[i as usize]);
            list.push(self.popular_entry(i));
        }
        for &i in &self.popular {
            if list.len() >= limit {
                break;
            }
            if eligible(i, &taken) {
                taken.insert(self.item_ids[i as usize]);
                list.push(self.popular_entry(i));
            }
        }
    }

    fn popular_entry(&self, i: u32) -> Scored {
        Scored {
            item: self.item_ids[i as usize],
            score: f64::from(self.buyer_count(i)),
        }
    }

    fn scored(&self, ranked: Vec<(u32, f64)>) -> Vec<Scored> {
        ranked
            .into_iter()
            .map(|(i, score)| Scored {
                item: self.item_ids[i as usize],
                score,
            })
            .collect()
    }
}

/// Takes the touched slots' scores out and resets them.
fn drain(touched: &mut Vec<u32>, scores: &mut [f64]) -> Vec<(u32, f64)> {
    let out = touched
        .iter()
        .map(|&i| (i, std::mem::take(&mut scores[i as usize])))
        .collect();
    touched.clear();
    out
}

/// The size of the intersection of two ascending lists.
fn common_count(a: &[u32], b: &[u32]) -> u32 {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}
