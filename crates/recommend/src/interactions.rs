//! The input of a fit: distinct (user, item) purchase pairs.

use crate::{ItemId, UserId};

/// Distinct (user, item) purchase pairs, kept sorted by user then item.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Interactions {
    pairs: Vec<(UserId, ItemId)>,
}

impl Interactions {
    /// Collects pairs, dropping repeats (a product bought twice counts once).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (UserId, ItemId)>) -> Self {
        let mut pairs: Vec<(UserId, ItemId)> = pairs.into_iter().collect();
        pairs.sort_unstable();
        pairs.dedup();
        Interactions { pairs }
    }

    /// How many distinct pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no pairs at all.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs, sorted by user then item.
    pub fn pairs(&self) -> &[(UserId, ItemId)] {
        &self.pairs
    }

    /// The items `user` bought, ascending.
    pub fn items_of(&self, user: UserId) -> impl Iterator<Item = ItemId> + '_ {
        let start = self.pairs.partition_point(|&(u, _)| u < user);
        self.pairs[start..]
            .iter()
            .take_while(move |&&(u, _)| u == user)
            .map(|&(_, i)| i)
    }
}
