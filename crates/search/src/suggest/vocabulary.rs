//! The words suggestions are made of: the `words` field's terms (product and category names
//! as written, lower-cased), read once per index segment and kept while the segment lives.
//!
//! Segments never change once written, so a commit that adds a product costs the reading of
//! its new, small segment only, and a merge the reading of the merged one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::index::SegmentId;
use tantivy::schema::Field;
use tantivy::{Searcher, SegmentReader};

use super::pinyin;
use crate::analysis::is_latin_letter;

/// The words of one segment, with the number of its documents holding each.
#[derive(Debug, Default)]
pub(crate) struct SegmentWords {
    /// Words of Latin letters: `(word, its length in characters, documents)`.
    latin: Vec<(Box<str>, usize, u32)>,
    /// The same, for exact look-ups.
    latin_index: HashMap<Box<str>, u32>,
    /// Chinese words by each of their tone-less pinyin keys (`shouji` → `手机`).
    by_key: HashMap<Box<str>, Vec<(Box<str>, u32)>>,
    /// The longest key, in letters.
    longest_key: usize,
}

impl SegmentWords {
    fn read(segment: &SegmentReader, field: Field) -> tantivy::Result<SegmentWords> {
        let mut words = SegmentWords::default();
        let inverted = segment.inverted_index(field)?;
        let mut terms = inverted.terms().stream()?;
        while terms.advance() {
            let Ok(word) = std::str::from_utf8(terms.key()) else {
                continue;
            };
            let documents = terms.value().doc_freq;
            if word.chars().all(is_latin_letter) {
                words.latin.push((word.into(), word.chars().count(), documents));
                words.latin_index.insert(word.into(), documents);
                continue;
            }
            for key in pinyin::keys(word) {
                words.longest_key = words.longest_key.max(key.len());
                words
                    .by_key
                    .entry(key.into())
                    .or_default()
                    .push((word.into(), documents));
            }
        }
        Ok(words)
    }
}

/// The vocabulary of one snapshot of the index: the words of its segments.
pub(crate) struct Vocabulary {
    segments: Vec<Arc<SegmentWords>>,
}

impl Vocabulary {
    /// Whether some name holds this (lower-cased) Latin word.
    pub(crate) fn knows(&self, word: &str) -> bool {
        self.segments.iter().any(|s| s.latin_index.contains_key(word))
    }

    /// The longest pinyin key of a Chinese word, in letters.
    pub(crate) fn longest_key(&self) -> usize {
        self.segments.iter().map(|s| s.longest_key).max().unwrap_or(0)
    }

    /// The most frequent Chinese word with this pinyin key, and in how many products.
    pub(crate) fn chinese(&self, key: &str) -> Option<(String, u64)> {
        let mut found: HashMap<&str, u64> = HashMap::new();
        for segment in &self.segments {
            for (word, documents) in segment.by_key.get(key).into_iter().flatten() {
                *found.entry(word).or_default() += u64::from(*documents);
            }
        }
        most_frequent(found).map(|(word, documents)| (word.to_owned(), documents))
    }

    /// The closest known Latin word to a lower-cased word of Latin letters that is not one:
    /// fewest edits (a swap of two neighbours is one), then most frequent. Up to one edit for
    /// words of three to five letters, two from six, and then the first letter must match;
    /// never for shorter words, where almost anything is one edit from something.
    pub(crate) fn correct(&self, word: &str) -> Option<String> {
        let length = word.chars().count();
        let allowed = match length {
            0..=2 => return None,
            3..=5 => 1,
            _ => 2,
        };
        let first = word.chars().next();
        let mut found: HashMap<&str, (usize, u64)> = HashMap::new();
        for segment in &self.segments {
            for (known, known_length, documents) in &segment.latin {
                if known_length.abs_diff(length) > allowed {
                    continue;
                }
                let edits = strsim::osa_distance(word, known);
                if edits == 0 || edits > allowed || (edits == 2 && known.chars().next() != first) {
                    continue;
                }
                found.entry(known).or_insert((edits, 0)).1 += u64::from(*documents);
            }
        }
        let fewest = found.values().map(|(edits, _)| *edits).min()?;
        let closest = found
            .into_iter()
            .filter(|(_, (edits, _))| *edits == fewest)
            .map(|(word, (_, documents))| (word, documents));
        most_frequent(closest).map(|(word, _)| word.to_owned())
    }
}

/// The entry with the highest count, the alphabetically first on a tie (so answers do not
/// depend on hash order).
fn most_frequent<'a>(entries: impl IntoIterator<Item = (&'a str, u64)>) -> Option<(&'a str, u64)> {
    entries
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
}

/// The words of every live segment, read on first use.
#[derive(Default)]
pub(crate) struct VocabularyCache {
    segments: Mutex<HashMap<SegmentId, Arc<SegmentWords>>>,
}

impl VocabularyCache {
    /// The vocabulary of a snapshot: the kept words of its segments, reading those of new
    /// segments, and forgetting segments that are gone (merged or emptied).
    pub(crate) fn of(&self, searcher: &Searcher, field: Field) -> tantivy::Result<Vocabulary> {
        let mut kept = self.segments.lock().unwrap_or_else(PoisonError::into_inner);
        let live: Vec<SegmentId> = searcher.segment_readers().iter().map(|s| s.segment_id()).collect();
        kept.retain(|id, _| live.contains(id));
        let mut segments = Vec::with_capacity(live.len());
        for reader in searcher.segment_readers() {
            let words = match kept.get(&reader.segment_id()) {
                Some(words) => words.clone(),
                None => {
                    let words = Arc::new(SegmentWords::read(reader, field)?);
                    kept.insert(reader.segment_id(), words.clone());
                    words
                }
            };
            segments.push(words);
        }
        Ok(Vocabulary { segments })
    }
}
