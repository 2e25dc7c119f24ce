//! The fitted model: users' and items' purchase lists in CSR form over dense `u32`
//! indices, each item's top-k neighbours, items' categories, and the lists derived
//! from them (buyers per item, popularity orders).

mod build;
mod serve;

use std::collections::HashMap;

use crate::{Interactions, ItemId, Params, UserId};

/// Marks an item without a category in [`Model::category_of`].
pub(crate) const NO_CATEGORY: u32 = u32::MAX;

/// A collaborative-filtering model, ready to serve.
///
/// Dense indices follow the external ids in ascending order, so "ties broken by the
/// smaller id" is the same as by the smaller index.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Dense user index → user id, ascending.
    pub(crate) user_ids: Vec<UserId>,
    /// Dense item index → item id, ascending.
    pub(crate) item_ids: Vec<ItemId>,
    /// User → items (CSR): the items of user `u` are
    /// `user_items[user_offsets[u]..user_offsets[u + 1]]`, ascending.
    pub(crate) user_offsets: Vec<u32>,
    pub(crate) user_items: Vec<u32>,
    /// Item → buyers (CSR), derived from the user lists; each item's buyers with the
    /// fewest items first.
    pub(crate) item_offsets: Vec<u32>,
    pub(crate) item_users: Vec<u32>,
    /// Item → its top-k neighbours (CSR), best first, with the number of common buyers
    /// (the similarity is recomputed from it exactly, and it packs smaller than a float).
    pub(crate) neighbour_offsets: Vec<u32>,
    pub(crate) neighbours: Vec<u32>,
    pub(crate) neighbour_common: Vec<u32>,
    /// Item → index into `category_names`, or [`NO_CATEGORY`].
    pub(crate) category_of: Vec<u32>,
    pub(crate) category_names: Vec<String>,
    /// Every item, most buyers first (derived).
    pub(crate) popular: Vec<u32>,
    /// Category → its items, most buyers first (CSR, derived).
    pub(crate) category_offsets: Vec<u32>,
    pub(crate) category_popular: Vec<u32>,
    pub(crate) item_neighbours: u32,
    pub(crate) user_neighbours: u32,
    /// [`Params::scan_budget`]: a serving parameter, not stored in the bytes.
    pub(crate) scan_budget: usize,
}

impl Model {
    /// Builds the model from purchases: dense indices, both CSR directions, and each
    /// item's `params.item_neighbours` most similar items (on every core).
    ///
    /// `category(item)` gives an item's category (None when it has none), used for the
    /// popular-in-your-categories fallback.
    pub fn fit(interactions: &Interactions, category: impl Fn(ItemId) -> Option<String>, params: &Params) -> Model {
        let pairs = interactions.pairs();
        let mut item_ids: Vec<ItemId> = pairs.iter().map(|&(_, i)| i).collect();
        item_ids.sort_unstable();
        item_ids.dedup();
        let mut user_ids = Vec::new();
        let mut user_offsets = vec![0u32];
        let mut user_items = Vec::with_capacity(pairs.len());
        // The pairs are sorted by user then item, so each user's run is contiguous and
        // its dense items come out ascending.
        for &(user, item) in pairs {
            if user_ids.last() != Some(&user) {
                if !user_ids.is_empty() {
                    user_offsets.push(to_u32(user_items.len()));
                }
                user_ids.push(user);
            }
            let dense = item_ids.partition_point(|&i| i < item);
            user_items.push(to_u32(dense));
        }
        if !user_ids.is_empty() {
            user_offsets.push(to_u32(user_items.len()));
        }

        let mut names: Vec<String> = Vec::new();
        let mut interned: HashMap<String, u32> = HashMap::new();
        let category_of = item_ids
            .iter()
            .map(|&item| match category(item) {
                None => NO_CATEGORY,
                Some(name) => *interned.entry(name).or_insert_with_key(|name| {
                    names.push(name.clone());
                    to_u32(names.len() - 1)
                }),
            })
            .collect();

        let mut model = Model {
            user_ids,
            item_ids,
            user_offsets,
            user_items,
            item_offsets: Vec::new(),
            item_users: Vec::new(),
            neighbour_offsets: Vec::new(),
            neighbours: Vec::new(),
            neighbour_common: Vec::new(),
            category_of,
            category_names: names,
            popular: Vec::new(),
            category_offsets: Vec::new(),
            category_popular: Vec::new(),
            item_neighbours: u32::try_from(params.item_neighbours).unwrap_or(u32::MAX),
            user_neighbours: u32::try_from(params.user_neighbours).unwrap_or(u32::MAX),
            scan_budget: params.scan_budget,
        };
        model.derive_item_lists();
        let (offsets, neighbours, common) = build::item_neighbours(&model, model.item_neighbours as usize);
        model.neighbour_offsets = offsets;
        model.neighbours = neighbours;
        model.neighbour_common = common;
        model
    }

    /// A model that knows nothing: every list is empty.
    pub fn empty() -> Model {
        Model::fit(&Interactions::default(), |_| None, &Params::default())
    }

    /// How many users the model knows.
    pub fn users(&self) -> usize {
        self.user_ids.len()
    }

    /// How many items (the catalogue of items bought at least once).
    pub fn items(&self) -> usize {
        self.item_ids.len()
    }

    /// How many distinct purchases it was fitted on.
    pub fn interactions(&self) -> usize {
        self.user_items.len()
    }

    /// The parameters it was fitted with (the scan budget as it serves now).
    pub fn params(&self) -> Params {
        Params {
            item_neighbours: self.item_neighbours as usize,
            user_neighbours: self.user_neighbours as usize,
            scan_budget: self.scan_budget,
        }
    }

    /// Sets how many co-buyer entries a "for you" request may scan (see
    /// [`Params::scan_budget`]; [`crate::EXACT_SCAN`] for an exact search). The budget is
    /// not stored in the bytes, so a model read back by [`Model::from_bytes`] needs this
    /// to serve with anything but the default.
    pub fn set_scan_budget(&mut self, budget: usize) {
        self.scan_budget = budget;
    }

    /// The items `user` bought, as the model knows them, ascending.
    pub fn bought(&self, user: UserId) -> Vec<ItemId> {
        self.user_index(user)
            .map(|u| self.items_of(u).iter().map(|&i| self.item_ids[i as usize]).collect())
            .unwrap_or_default()
    }

    /// Fills the lists derived from the stored ones: buyers per item and the popularity
    /// orders. Assumes the stored lists are consistent (fit makes them so; decoding
    /// checks them first).
    pub(crate) fn derive_item_lists(&mut self) {
        let n_items = self.item_ids.len();
        let mut degree = vec![0u32; n_items];
        for &i in &self.user_items {
            degree[i as usize] += 1;
        }
        let mut offsets = Vec::with_capacity(n_items + 1);
        offsets.push(0u32);
        for &d in &degree {
            let last = offsets.last().copied().unwrap_or(0);
            offsets.push(last + d);
        }
        let mut next: Vec<u32> = offsets[..n_items].to_vec();
        let mut users = vec![0u32; self.user_items.len()];
        for u in 0..self.user_ids.len() {
            for &i in self.items_of(to_u32(u)) {
                users[next[i as usize] as usize] = to_u32(u);
                next[i as usize] += 1;
            }
        }
        // Each item's buyers with the fewest items first: a capped scan of a best
        // seller's buyers (see `user_neighbours_of`) then reads those to whom one common
        // item means the highest similarity.
        for w in offsets.windows(2) {
            users[w[0] as usize..w[1] as usize].sort_unstable_by_key(|&v| {
                let v = v as usize;
                (self.user_offsets[v + 1] - self.user_offsets[v], v)
            });
        }
        self.item_offsets = offsets;
        self.item_users = users;

        let by_buyers = |a: &u32, b: &u32| degree[*b as usize].cmp(&degree[*a as usize]).then(a.cmp(b));
        let mut popular: Vec<u32> = (0..to_u32(n_items)).collect();
        popular.sort_unstable_by(by_buyers);
        let n_categories = self.category_names.len();
        let mut per_category = vec![0u32; n_categories + 1];
        for &c in &self.category_of {
            if c != NO_CATEGORY {
                per_category[c as usize + 1] += 1;
            }
        }
        for c in 0..n_categories {
            per_category[c + 1] += per_category[c];
        }
        let mut next: Vec<u32> = per_category[..n_categories].to_vec();
        let mut category_popular = vec![0u32; per_category[n_categories] as usize];
        // Walking the global order keeps each category's slice in popularity order too.
        for &i in &popular {
            let c = self.category_of[i as usize];
            if c != NO_CATEGORY {
                category_popular[next[c as usize] as usize] = i;
                next[c as usize] += 1;
            }
        }
        self.popular = popular;
        self.category_offsets = per_category;
        self.category_popular = category_popular;
    }

    pub(crate) fn user_index(&self, user: UserId) -> Option<u32> {
        self.user_ids.binary_search(&user).ok().map(to_u32)
    }

    pub(crate) fn item_index(&self, item: ItemId) -> Option<u32> {
        self.item_ids.binary_search(&item).ok().map(to_u32)
    }

    pub(crate) fn items_of(&self, u: u32) -> &[u32] {
        let u = u as usize;
        &self.user_items[self.user_offsets[u] as usize..self.user_offsets[u + 1] as usize]
    }

    pub(crate) fn buyers_of(&self, i: u32) -> &[u32] {
        let i = i as usize;
        &self.item_users[self.item_offsets[i] as usize..self.item_offsets[i + 1] as usize]
    }

    pub(crate) fn buyer_count(&self, i: u32) -> u32 {
        let i = i as usize;
        self.item_offsets[i + 1] - self.item_offsets[i]
    }

    pub(crate) fn neighbours_of(&self, i: u32) -> (&[u32], &[u32]) {
        let i = i as usize;
        let range = self.neighbour_offsets[i] as usize..self.neighbour_offsets[i + 1] as usize;
        (&self.neighbours[range.clone()], &self.neighbour_common[range])
    }
}

/// Indices are `u32` to halve the model's memory; more than 4 billion purchases or
/// neighbours would need a wider type everywhere, so stop loudly rather than wrap.
pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("the model indexes at most u32::MAX users, items and purchases")
}
