//! Text analysis: jieba word segmentation, then lower-casing and English stemming, for documents
//! and queries alike, and the split of a query into the words that must match.

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy_jieba::JiebaTokenizer;

/// Analyzer name of the text fields (name, description, category text).
pub(crate) const INDEX_ANALYZER: &str = "emporium_index";
/// Analyzer name used to split query text into words (registered for completeness).
pub(crate) const QUERY_ANALYZER: &str = "emporium_query";
/// Analyzer name of the suggestion vocabulary: the words as written (lower-cased, not
/// stemmed), so that a suggestion reads `headphones`, not `headphon`.
pub(crate) const WORDS_ANALYZER: &str = "emporium_words";

/// Longer tokens (in bytes) are dropped: they are base64 blobs, URLs or pasted junk, and huge
/// terms bloat the dictionary. 48 bytes is 16 CJK characters or a 48-letter Latin word.
const MAX_TOKEN_BYTES: usize = 48;
/// Query text beyond this many characters is ignored: no product query needs more, and it bounds
/// the work an untrusted (possibly 10 KB) query can cause.
const MAX_QUERY_CHARS: usize = 200;
/// At most this many distinct words of a query are used, for the same reason.
pub(crate) const MAX_QUERY_WORDS: usize = 16;
/// Latin words shorter than this are never matched with a typo: too many short words are one
/// edit apart (`case`/`cast`), while `lapotp`→`laptop` is a plausible slip.
const MIN_TYPO_CHARS: usize = 5;

/// The analyzer for indexed text.
///
/// jieba's *search mode* emits each word plus the dictionary words inside it
/// (`笔记本电脑` → `笔记` `电脑` `笔记本` `笔记本电脑`), so a product is found by the whole
/// compound as well as by its parts.
pub(crate) fn index_analyzer() -> TextAnalyzer {
    analyzer(true)
}

/// The analyzer for query text: same chain, but jieba's *default mode* (whole words only).
///
/// Querying with the longest words while indexing all sub-words is the usual pairing (like
/// `ik_smart` / `ik_max_word` in Elasticsearch): `笔记本电脑` asks for that compound instead of
/// for any product mentioning `笔记`. Default-mode words are always among the search-mode
/// tokens of the same text, so whatever the query asks for was indexed.
pub(crate) fn query_analyzer() -> TextAnalyzer {
    analyzer(false)
}

/// The analyzer for the suggestion vocabulary: the index chain without stemming.
pub(crate) fn words_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(JiebaTokenizer::with_search_mode(true))
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(DropNonWords)
        .build()
}

fn analyzer(search_mode: bool) -> TextAnalyzer {
    // `JiebaTokenizer` without a custom dictionary uses tantivy-jieba's process-wide `Jieba`,
    // so the (large, slow to load) dictionary exists once however many analyzers are built.
    TextAnalyzer::builder(JiebaTokenizer::with_search_mode(search_mode))
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(DropNonWords)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// One word of a query, as analyzed (lower-cased, stemmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryWord {
    /// The term to look up.
    pub text: String,
    /// Character offset in the query; keeps the words' order and spacing for the proximity boost.
    pub position: usize,
    /// Whether a one-typo match is allowed (Latin letters only, long enough).
    pub typo_tolerant: bool,
    /// For a compound, dictionary words that together cover it (`无线耳机` → `无线` `耳机`,
    /// `wi-fi` → `wi` `fi`); empty otherwise. A product having all the parts matches the word
    /// too: jieba's dictionary holds many compounds, and a product saying `无线 降噪 耳机`
    /// should be found by `无线耳机`.
    pub parts: Vec<String>,
}

/// Splits untrusted query text into distinct words, in order. Never fails; punctuation, emoji,
/// control characters and query-syntax characters simply produce no words.
///
/// `words` must be [`query_analyzer`] and `parts` [`index_analyzer`] (or clones).
pub(crate) fn query_words(words: &mut TextAnalyzer, parts: &mut TextAnalyzer, text: &str) -> Vec<QueryWord> {
    let text = match text.char_indices().nth(MAX_QUERY_CHARS) {
        Some((cut, _)) => &text[..cut],
        None => text,
    };
    let mut found: Vec<QueryWord> = Vec::new();
    let mut stream = words.token_stream(text);
    while let Some(token) = stream.next() {
        if found.len() == MAX_QUERY_WORDS {
            break;
        }
        if found.iter().any(|word| word.text == token.text) {
            continue;
        }
        let raw = text.get(token.offset_from..token.offset_to).unwrap_or_default();
        found.push(QueryWord {
            typo_tolerant: is_typo_tolerant(&token.text),
            text: token.text.clone(),
            position: token.position,
            parts: compound_parts(parts, raw),
        });
    }
    found
}

/// The longest search-mode sub-words of `raw` that cover it left to right (skipping
/// punctuation), or nothing if `raw` is not a compound or has a stretch no sub-word covers.
fn compound_parts(analyzer: &mut TextAnalyzer, raw: &str) -> Vec<String> {
    let chars: Vec<char> = raw.chars().collect();
    let mut sub_words: Vec<(usize, usize, String)> = Vec::new();
    let mut stream = analyzer.token_stream(raw);
    while let Some(token) = stream.next() {
        // Positions and lengths are in characters, relative to `raw`.
        if token.position_length < chars.len() {
            sub_words.push((token.position, token.position_length, token.text.clone()));
        }
    }
    let mut parts = Vec::new();
    let mut cursor = 0;
    while cursor < chars.len() {
        let longest = sub_words
            .iter()
            .filter(|(position, ..)| *position == cursor)
            .max_by_key(|(_, length, _)| *length);
        match longest {
            Some((_, length, text)) if *length > 0 => {
                parts.push(text.clone());
                cursor += length;
            }
            _ if !chars[cursor].is_alphanumeric() => cursor += 1,
            _ => return Vec::new(),
        }
    }
    if parts.len() < 2 { Vec::new() } else { parts }
}

/// Only Latin words get typo tolerance: one edit in a two-character CJK word is another word.
fn is_typo_tolerant(word: &str) -> bool {
    word.chars().count() >= MIN_TYPO_CHARS && word.chars().all(is_latin_letter)
}

pub(crate) fn is_latin_letter(c: char) -> bool {
    // ASCII plus Latin-1 Supplement and Latin Extended-A/B letters (é, ß, ł...); digits are
    // excluded so that model numbers (`12345` vs `12346`) never match "with a typo".
    c.is_ascii_alphabetic() || (('\u{00C0}'..='\u{024F}').contains(&c) && c.is_alphabetic())
}

/// Drops tokens without a letter or digit.
///
/// jieba emits every space, punctuation mark and symbol as a token of its own (`" "`, `-`, `(`,
/// `😀`); indexed, they would make `:` or `(` match half the catalogue.
#[derive(Clone, Copy)]
struct DropNonWords;

impl TokenFilter for DropNonWords {
    type Tokenizer<T: Tokenizer> = DropNonWordsTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> DropNonWordsTokenizer<T> {
        DropNonWordsTokenizer(tokenizer)
    }
}

#[derive(Clone)]
struct DropNonWordsTokenizer<T>(T);

impl<T: Tokenizer> Tokenizer for DropNonWordsTokenizer<T> {
    type TokenStream<'a> = DropNonWordsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        DropNonWordsStream(self.0.token_stream(text))
    }
}

struct DropNonWordsStream<S>(S);

impl<S: TokenStream> TokenStream for DropNonWordsStream<S> {
    fn advance(&mut self) -> bool {
        while self.0.advance() {
            if self.0.token().text.chars().any(char::is_alphanumeric) {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push(token.text.clone());
        }
        out
    }

    #[test]
    fn index_analysis_segments_lowercases_stems_and_drops_spaces() {
        let mut analyzer = index_analyzer();
        assert_eq!(
            tokens(&mut analyzer, "苹果手机 iPhone 15"),
            ["苹果", "手机", "iphon", "15"]
        );
        assert_eq!(tokens(&mut analyzer, "Running Shoes, (new!)"), ["run", "shoe", "new"]);
        // Search mode: the compound and the dictionary words inside it.
        assert_eq!(
            tokens(&mut analyzer, "笔记本电脑"),
            ["笔记", "电脑", "笔记本", "笔记本电脑"]
        );
    }

    fn words(text: &str) -> Vec<QueryWord> {
        query_words(&mut query_analyzer(), &mut index_analyzer(), text)
    }

    #[test]
    fn query_words_are_whole_words_deduplicated_in_order() {
        let words = words("笔记本电脑 Laptops laptop 😀 AND (");
        let texts: Vec<&str> = words.iter().map(|word| word.text.as_str()).collect();
        assert_eq!(texts, ["笔记本电脑", "laptop", "and"]);
        assert_eq!(words[1].position, 6);
        assert!(words[1].typo_tolerant);
        assert!(!words[0].typo_tolerant, "CJK words never get typo tolerance");
        assert!(!words[2].typo_tolerant, "short words never get typo tolerance");
    }

    #[test]
    fn compounds_carry_the_words_that_cover_them() {
        let parts = |text: &str| words(text).into_iter().map(|word| word.parts).collect::<Vec<_>>();
        assert_eq!(parts("无线耳机"), [["无线", "耳机"]]);
        assert_eq!(parts("笔记本电脑"), [["笔记本", "电脑"]]);
        assert_eq!(parts("中华人民共和国"), [["中华", "人民", "共和国"]]);
        assert_eq!(parts("Wi-Fi"), [["wi", "fi"]]);
        assert_eq!(parts("手机 running"), [Vec::<String>::new(), Vec::new()]);
    }

    #[test]
    fn query_words_are_bounded() {
        let long: String = (0..5_000).map(|i| format!("w{i} ")).collect();
        assert_eq!(words(&long).len(), MAX_QUERY_WORDS);
        assert!(words("\u{0}\u{7}\t\r\n \"*~2").len() <= 1);
    }

    #[test]
    fn typo_tolerance_is_for_long_latin_words_only() {
        assert!(is_typo_tolerant("lapotp"));
        assert!(is_typo_tolerant("crème"));
        assert!(!is_typo_tolerant("shoe"));
        assert!(!is_typo_tolerant("12345"));
        assert!(!is_typo_tolerant("iphone15"));
        assert!(!is_typo_tolerant("笔记本电脑"));
    }
}
