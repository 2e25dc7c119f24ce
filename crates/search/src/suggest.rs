//! Suggestions for a search that found nothing: the Chinese words a pinyin query spells
//! (`shouji` → `手机`), or the query with its misspelt words corrected (`hedphnoes` →
//! `headphones`, `耳鸡` → `耳机`), whichever first finds a product with the same filters.
//!
//! Suggestions are made of the words of product and category names (the `words` field, see
//! [`vocabulary`]), so they read as the catalogue writes them. Nothing here runs for a search
//! that found something.

mod pinyin;
mod vocabulary;

use std::time::Instant;

use tantivy::Searcher;
use tantivy::collector::Count;

use vocabulary::Vocabulary;
pub(crate) use vocabulary::VocabularyCache;

use crate::analysis::{is_latin_letter, query_words};
use crate::error::SearchError;
use crate::index::Inner;
use crate::query::{TextQuery, Tier, with_filters};
use crate::types::SearchQuery;

/// Queries of more words than this are not corrected word by word (each word costs a scan
/// of the vocabulary's Latin words).
const MAX_WORDS: usize = 8;

/// See [`crate::SearchIndex::suggest`].
pub(crate) fn suggest(inner: &Inner, request: &SearchQuery) -> Result<Option<String>, SearchError> {
    let started = Instant::now();
    let searcher = inner.reader.searcher();
    let vocabulary = inner.vocabulary.of(&searcher, inner.fields.words)?;
    let mut suggestion = None;
    for candidate in candidates(&vocabulary, &request.text) {
        if finds_something(inner, &searcher, request, &candidate)? {
            suggestion = Some(candidate);
            break;
        }
    }
    tracing::debug!(
        found = suggestion.is_some(),
        duration_us = started.elapsed().as_micros() as u64,
        "search suggestion"
    );
    Ok(suggestion)
}

/// What may be suggested for `text`, best first: the whole text read as pinyin (however it
/// is spaced: `shou ji`, `lv cha shou ji`), then the text with each word that no name holds
/// replaced by the Chinese words it spells or by the closest known word.
fn candidates(vocabulary: &Vocabulary, text: &str) -> Vec<String> {
    let text = text.trim();
    let mut found = Vec::new();
    if let Some(words) = pinyin::typed_key(text).and_then(|key| spell_pinyin(vocabulary, &key)) {
        found.push(words.join(" "));
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= MAX_WORDS {
        let mut changed = false;
        let corrected: Vec<String> = words
            .iter()
            .map(|word| match correct_word(vocabulary, word) {
                Some(correction) => {
                    changed = true;
                    correction
                }
                None => (*word).to_owned(),
            })
            .collect();
        if changed {
            found.push(corrected.join(" "));
        }
    }
    found.dedup();
    let typed = text.to_lowercase();
    found.retain(|candidate| *candidate != typed);
    found
}

/// One word of a query: the Chinese words its pinyin spells, else (for a word of Latin
/// letters that no name holds) the closest word that one does, or (for Chinese) the
/// catalogue's words that sound the same, the slip a pinyin keyboard makes (`耳鸡` →
/// `耳机`); `None` to keep it as it is.
fn correct_word(vocabulary: &Vocabulary, word: &str) -> Option<String> {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    if word.is_empty() || vocabulary.knows(&word) {
        return None;
    }
    let keys = pinyin::keys(&word);
    if !keys.is_empty() {
        let spelt: Vec<String> = keys
            .iter()
            .filter_map(|key| spell_pinyin(vocabulary, key))
            .map(|words| words.concat())
            .collect();
        // A word of the catalogue is not a slip for another that sounds like it.
        return match spelt.contains(&word) {
            true => None,
            false => spelt.into_iter().next(),
        };
    }
    if let Some(words) = pinyin::typed_key(&word).and_then(|key| spell_pinyin(vocabulary, &key)) {
        return Some(words.concat());
    }
    if word.chars().all(is_latin_letter) {
        return vocabulary.correct(&word);
    }
    None
}

fn spell_pinyin(vocabulary: &Vocabulary, key: &str) -> Option<Vec<String>> {
    pinyin::split(key, vocabulary.longest_key(), |key| vocabulary.chinese(key))
}

/// Whether `text`, with the request's filters, finds a product with all of its words (the
/// strictest reading of a search, so the suggestion's own results are what it says).
fn finds_something(inner: &Inner, searcher: &Searcher, request: &SearchQuery, text: &str) -> Result<bool, SearchError> {
    let words = query_words(
        &mut inner.query_analyzer.clone(),
        &mut inner.index_analyzer.clone(),
        text,
    );
    if words.is_empty() {
        return Ok(false);
    }
    let all_words = TextQuery::new(&inner.fields, &words).build(Tier::AllWords, false);
    let query = with_filters(&inner.fields, Some(all_words), request);
    Ok(searcher.search(&*query, &Count)? > 0)
}
