//! The model as bytes for the database: a magic and version, then the stored lists in
//! postcard (varint) encoding. Derived lists (buyers per item, popularity orders) are
//! rebuilt on decoding, which keeps the bytes small, and everything decoded is checked
//! so a damaged blob is an error rather than a panic while serving.

use serde::{Deserialize, Serialize};

use crate::model::{Model, NO_CATEGORY};
use crate::{ItemId, UserId};

/// Leads every encoded model; the last byte is the format version.
const MAGIC: &[u8; 8] = b"EMPREC\x00\x01";

/// Why bytes could not be read back as a model.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The bytes do not start like an encoded model of this version.
    #[error("not an encoded recommendation model (or one of another format version)")]
    NotAModel,
    /// The bytes end early or do not decode.
    #[error("the encoded model is damaged: {0}")]
    Malformed(#[from] postcard::Error),
    /// The bytes decode but the lists contradict each other.
    #[error("the encoded model is inconsistent: {0}")]
    Inconsistent(&'static str),
}

/// What is stored, borrowed for encoding. Field order must match [`Stored`].
#[derive(Serialize)]
struct StoredRef<'a> {
    user_ids: &'a [UserId],
    item_ids: &'a [ItemId],
    user_offsets: &'a [u32],
    user_items: &'a [u32],
    neighbour_offsets: &'a [u32],
    neighbours: &'a [u32],
    neighbour_common: &'a [u32],
    category_of: &'a [u32],
    category_names: &'a [String],
    item_neighbours: u32,
    user_neighbours: u32,
}

/// What is stored, owned for decoding.
#[derive(Deserialize)]
struct Stored {
    user_ids: Vec<UserId>,
    item_ids: Vec<ItemId>,
    user_offsets: Vec<u32>,
    user_items: Vec<u32>,
    neighbour_offsets: Vec<u32>,
    neighbours: Vec<u32>,
    neighbour_common: Vec<u32>,
    category_of: Vec<u32>,
    category_names: Vec<String>,
    item_neighbours: u32,
    user_neighbours: u32,
}

impl Model {
    /// The model as bytes, for storing; [`Model::from_bytes`] reads them back.
    pub fn to_bytes(&self) -> Vec<u8> {
        let stored = StoredRef {
            user_ids: &self.user_ids,
            item_ids: &self.item_ids,
            user_offsets: &self.user_offsets,
            user_items: &self.user_items,
            neighbour_offsets: &self.neighbour_offsets,
            neighbours: &self.neighbours,
            neighbour_common: &self.neighbour_common,
            category_of: &self.category_of,
            category_names: &self.category_names,
            item_neighbours: self.item_neighbours,
            user_neighbours: self.user_neighbours,
        };
        let mut bytes = MAGIC.to_vec();
        // Writing into a Vec cannot run out of room, and every field is serialisable.
        postcard::to_io(&stored, &mut bytes).expect("encoding into memory does not fail");
        bytes
    }

    /// Reads a model written by [`Model::to_bytes`]; any damage is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, DecodeError> {
        let body = bytes.strip_prefix(MAGIC.as_slice()).ok_or(DecodeError::NotAModel)?;
        let (s, rest): (Stored, &[u8]) = postcard::take_from_bytes(body)?;
        if !rest.is_empty() {
            return Err(DecodeError::Inconsistent("trailing bytes"));
        }
        check(&s)?;
        let mut model = Model {
            user_ids: s.user_ids,
            item_ids: s.item_ids,
            user_offsets: s.user_offsets,
            user_items: s.user_items,
            item_offsets: Vec::new(),
            item_users: Vec::new(),
            neighbour_offsets: s.neighbour_offsets,
            neighbours: s.neighbours,
            neighbour_common: s.neighbour_common,
            category_of: s.category_of,
            category_names: s.category_names,
            popular: Vec::new(),
            category_offsets: Vec::new(),
            category_popular: Vec::new(),
            item_neighbours: s.item_neighbours,
            user_neighbours: s.user_neighbours,
            // A serving parameter, not part of the stored format (which is unchanged).
            scan_budget: crate::DEFAULT_SCAN_BUDGET,
        };
        model.derive_item_lists();
        Ok(model)
    }
}

/// Everything serving indexes with, checked, so no decoded model can panic.
fn check(s: &Stored) -> Result<(), DecodeError> {
    use DecodeError::Inconsistent;
    let n_items = s.item_ids.len();
    if !s.user_ids.is_sorted_by(|a, b| a < b) {
        return Err(Inconsistent("user ids not strictly ascending"));
    }
    if !s.item_ids.is_sorted_by(|a, b| a < b) {
        return Err(Inconsistent("item ids not strictly ascending"));
    }
    if u32::try_from(s.user_items.len()).is_err()
        || u32::try_from(s.neighbours.len()).is_err()
        || u32::try_from(n_items).is_err()
        || u32::try_from(s.user_ids.len()).is_err()
    {
        return Err(Inconsistent("more entries than u32 indices reach"));
    }
    check_csr(&s.user_offsets, s.user_ids.len(), s.user_items.len(), "user offsets")?;
    for w in s.user_offsets.windows(2) {
        let items = &s.user_items[w[0] as usize..w[1] as usize];
        if items.is_empty() {
            return Err(Inconsistent("a user without items"));
        }
        if !items.is_sorted_by(|a, b| a < b) || items.iter().any(|&i| i as usize >= n_items) {
            return Err(Inconsistent("a user's items out of order or range"));
        }
    }
    check_csr(&s.neighbour_offsets, n_items, s.neighbours.len(), "neighbour offsets")?;
    if s.neighbour_common.len() != s.neighbours.len() {
        return Err(Inconsistent("neighbour counts and neighbours differ in length"));
    }
    for (item, w) in s.neighbour_offsets.windows(2).enumerate() {
        let range = w[0] as usize..w[1] as usize;
        if s.neighbours[range.clone()]
            .iter()
            .any(|&j| j as usize >= n_items || j as usize == item)
        {
            return Err(Inconsistent("a neighbour out of range or the item itself"));
        }
        if s.neighbour_common[range].contains(&0) {
            return Err(Inconsistent("a neighbour without common buyers"));
        }
    }
    if s.category_of.len() != n_items {
        return Err(Inconsistent("categories and items differ in length"));
    }
    if s.category_of
        .iter()
        .any(|&c| c != NO_CATEGORY && c as usize >= s.category_names.len())
    {
        return Err(Inconsistent("a category out of range"));
    }
    Ok(())
}

/// A CSR offset list for `rows` rows over `len` entries: starts at 0, never decreases,
/// ends at `len`.
fn check_csr(offsets: &[u32], rows: usize, len: usize, what: &'static str) -> Result<(), DecodeError> {
    let ok = offsets.len() == rows + 1
        && offsets.first() == Some(&0)
        && offsets.last().map(|&l| l as usize) == Some(len)
        && offsets.is_sorted();
    if ok {
        Ok(())
    } else {
        Err(DecodeError::Inconsistent(what))
    }
}
