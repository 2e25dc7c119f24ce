//! Turning analyzed query words into tantivy queries, one per relaxation tier, and the filters.
//!
//! Queries are built directly from analyzer tokens rather than through tantivy's `QueryParser`,
//! so user text is never interpreted as query syntax (`title:x`, `AND (`, `"`, `~2`...).

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use crate::analysis::QueryWord;
use crate::schema::{Fields, in_stock_facet, option_facet};
use crate::types::{ProductStatus, SearchQuery};

/// Field weights: a word in the name says more about the product than one in its description.
const NAME_BOOST: f32 = 3.0;
const CATEGORY_BOOST: f32 = 2.0;
const DESCRIPTION_BOOST: f32 = 1.0;
/// Extra weight when the words appear in the name, in the query's order, next to each other.
const PROXIMITY_BOOST: f32 = 1.5;
/// Positions are jieba character offsets, so this tolerates a different spacing or a
/// punctuation mark between the words (`华为手机` vs `华为 手机`), not an extra word.
const PROXIMITY_SLOP: u32 = 2;
/// Longer queries get no proximity clause (phrase matching cost grows with the words).
const MAX_PROXIMITY_WORDS: usize = 6;
/// In the relaxed tiers, every matched word adds this much, and an exact (typo-free) match adds
/// [`WORD_EXACT`] more; BM25 scores per word stay well below both (single digits to a few tens),
/// so products matching more words rank first, then those with fewer typos, then BM25 decides.
const WORD_MATCHED: f32 = 1000.0;
const WORD_EXACT: f32 = 100.0;
/// Edit distance allowed for typo-tolerant words (a transposition counts as one edit).
const TYPO_DISTANCE: u8 = 1;

/// The successively looser interpretations of a query; the first that matches anything wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tier {
    /// Every word, exactly (after stemming).
    AllWords,
    /// Every word, long Latin words with up to one typo.
    AllWordsWithTypos,
    /// Any word (typos allowed), ranked by how many words match.
    AnyWord,
}

/// The text part of a search.
pub(crate) struct TextQuery<'a> {
    fields: &'a Fields,
    words: &'a [QueryWord],
}

impl<'a> TextQuery<'a> {
    /// A text query over non-empty `words`.
    pub(crate) fn new(fields: &'a Fields, words: &'a [QueryWord]) -> Self {
        Self { fields, words }
    }

    /// The tiers worth trying, in order (a tier identical to the previous one is skipped).
    pub(crate) fn tiers(&self) -> Vec<Tier> {
        let mut tiers = vec![Tier::AllWords];
        if self.words.iter().any(|word| word.typo_tolerant) {
            tiers.push(Tier::AllWordsWithTypos);
        }
        if self.words.len() > 1 {
            tiers.push(Tier::AnyWord);
        }
        tiers
    }

    /// The query of a tier. With `scored == false` (results sorted by a field) clauses that only
    /// affect the score are left out.
    pub(crate) fn build(&self, tier: Tier, scored: bool) -> Box<dyn Query> {
        match tier {
            Tier::AllWords => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = self
                    .words
                    .iter()
                    .map(|word| (Occur::Must, self.exact_word(word)))
                    .collect();
                if scored && let Some(proximity) = self.proximity() {
                    clauses.push((Occur::Should, proximity));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Tier::AllWordsWithTypos => self.relaxed(Occur::Must, scored),
            Tier::AnyWord => self.relaxed(Occur::Should, scored),
        }
    }

    /// Every word (`Must`) or any word (`Should`), typo-tolerant words matching with a typo.
    fn relaxed(&self, occur: Occur, scored: bool) -> Box<dyn Query> {
        let clauses = self
            .words
            .iter()
            .map(|word| (occur, self.relaxed_word(word, scored)))
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    fn relaxed_word(&self, word: &QueryWord, scored: bool) -> Box<dyn Query> {
        let matched = if word.typo_tolerant {
            self.with_typo(&word.text)
        } else {
            self.exact_word(word)
        };
        if !scored {
            return matched;
        }
        Box::new(BooleanQuery::new(vec![
            (Occur::Should, Box::new(ConstScoreQuery::new(matched, WORD_MATCHED))),
            (
                Occur::Should,
                Box::new(ConstScoreQuery::new(self.exact_word(word), WORD_EXACT)),
            ),
            (Occur::Should, self.exact_word(word)),
        ]))
    }

    /// The word without typos: the word itself or, for a compound, all of its parts. A product
    /// with the compound has its parts indexed too (search-mode segmentation), so it matches
    /// both clauses and outranks one that only has the parts.
    fn exact_word(&self, word: &QueryWord) -> Box<dyn Query> {
        if word.parts.is_empty() {
            return self.exact(&word.text);
        }
        let parts = word.parts.iter().map(|part| (Occur::Must, self.exact(part))).collect();
        Box::new(BooleanQuery::new(vec![
            (Occur::Should, self.exact(&word.text)),
            (Occur::Should, Box::new(BooleanQuery::new(parts))),
        ]))
    }

    /// The word in any text field, BM25-scored with the field weights.
    fn exact(&self, word: &str) -> Box<dyn Query> {
        let f = self.fields;
        let term = |field: Field, boost: f32| -> (Occur, Box<dyn Query>) {
            let query = TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::WithFreqs);
            (Occur::Should, Box::new(BoostQuery::new(Box::new(query), boost)))
        };
        Box::new(BooleanQuery::new(vec![
            term(f.name, NAME_BOOST),
            term(f.category_text, CATEGORY_BOOST),
            term(f.description, DESCRIPTION_BOOST),
        ]))
    }

    /// The word, or a term one edit away from it, in any text field (unscored).
    fn with_typo(&self, word: &str) -> Box<dyn Query> {
        let f = self.fields;
        let fuzzy = |field: Field| -> (Occur, Box<dyn Query>) {
            (
                Occur::Should,
                Box::new(FuzzyTermQuery::new(
                    Term::from_field_text(field, word),
                    TYPO_DISTANCE,
                    true,
                )),
            )
        };
        Box::new(BooleanQuery::new(vec![
            fuzzy(f.name),
            fuzzy(f.category_text),
            fuzzy(f.description),
        ]))
    }

    /// The words as a (slightly sloppy) phrase in the name, when there are several.
    fn proximity(&self) -> Option<Box<dyn Query>> {
        if !(2..=MAX_PROXIMITY_WORDS).contains(&self.words.len()) {
            return None;
        }
        let first = self.words.iter().map(|word| word.position).min()?;
        let terms = self
            .words
            .iter()
            .map(|word| {
                (
                    word.position - first,
                    Term::from_field_text(self.fields.name, &word.text),
                )
            })
            .collect();
        // `PhraseQuery` panics on fewer than two terms; the length check above rules that out.
        let phrase = PhraseQuery::new_with_offset_and_slop(terms, PROXIMITY_SLOP);
        Some(Box::new(BoostQuery::new(Box::new(phrase), PROXIMITY_BOOST)))
    }
}

/// Combines an optional text query with the request's filters (which never affect the score).
pub(crate) fn with_filters(fields: &Fields, text: Option<Box<dyn Query>>, request: &SearchQuery) -> Box<dyn Query> {
    let mut filters: Vec<Box<dyn Query>> = Vec::new();
    if let Some(category) = &request.category {
        let term = Term::from_field_text(fields.category, category);
        filters.push(Box::new(TermQuery::new(term, IndexRecordOption::Basic)));
    }
    if request.min_price.is_some() || request.max_price.is_some() {
        let bound = |price: Option<i64>| match price {
            Some(price) => Bound::Included(Term::from_field_i64(fields.price, price)),
            None => Bound::Unbounded,
        };
        filters.push(Box::new(RangeQuery::new(
            bound(request.min_price),
            bound(request.max_price),
        )));
    }
    if request.active_only {
        let term = fields.status_term(ProductStatus::Active);
        filters.push(Box::new(TermQuery::new(term, IndexRecordOption::Basic)));
    }
    let facet = |facet: &tantivy::schema::Facet| -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_facet(fields.facets, facet),
            IndexRecordOption::Basic,
        ))
    };
    for option in &request.options {
        let any_value = option
            .values
            .iter()
            .map(|value| (Occur::Should, facet(&option_facet(&option.name, value))))
            .collect();
        filters.push(Box::new(BooleanQuery::new(any_value)));
    }
    if request.in_stock {
        filters.push(facet(&in_stock_facet()));
    }
    if filters.is_empty() {
        return text.unwrap_or_else(|| Box::new(AllQuery));
    }
    let clauses = text
        .into_iter()
        .chain(
            filters
                .into_iter()
                .map(|filter| -> Box<dyn Query> { Box::new(ConstScoreQuery::new(filter, 0.0)) }),
        )
        .map(|query| (Occur::Must, query))
        .collect();
    Box::new(BooleanQuery::new(clauses))
}
