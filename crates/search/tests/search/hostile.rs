//! Untrusted query text never errors or panics.

use emporium_search::{SearchQuery, SearchSort};

use crate::support::{query, shared};

#[test]
fn hostile_text_is_just_text() {
    let ten_kb: String = "手机 phone \"AND ( ".repeat(700);
    let mut texts: Vec<String> = [
        "\"",
        "\"\"",
        "AND (",
        "OR",
        "NOT",
        "title:x",
        "name:手机",
        "*",
        "?",
        "~2",
        "phone~2",
        "phone^10",
        "+phone -case",
        "[1 TO 5]",
        "{a TO b}",
        "(((",
        ")))",
        "\\",
        "/regex.*/",
        "😀",
        "📱手机",
        "🇨🇳",
        "\u{0}",
        "\u{7}\u{1b}[31m",
        "\r\n\t",
        "\u{feff}\u{200b}",
        "\u{202e}enohp",
        "%",
        "'; DROP TABLE products; --",
        "ｐｈｏｎｅ",
        "ÅÉÎØÜ",
        "𠜎𠜱𠝹",
        "a",
        " ",
    ]
    .iter()
    .map(|text| text.to_string())
    .collect();
    texts.push(ten_kb);
    texts.push("x".repeat(10_000));
    texts.push("手".repeat(10_000));
    for text in &texts {
        for sort in [SearchSort::Relevance, SearchSort::PriceDesc] {
            let request = SearchQuery {
                sort,
                category: Some(text.clone()),
                ..query(text)
            };
            assert!(shared().search(&request).is_ok(), "{text:?}");
            assert!(
                shared().search(&SearchQuery { sort, ..query(text) }).is_ok(),
                "{text:?}"
            );
        }
    }
}

#[test]
fn text_without_words_lists_everything_newest_first() {
    let everything = shared().search(&query("")).expect("search");
    for text in ["😀", "\"*~()", "   "] {
        assert_eq!(shared().search(&query(text)).expect("search"), everything, "{text:?}");
    }
}

#[test]
fn query_syntax_is_matched_as_words() {
    // `title:x` is the words `title` and `x`, not a field query; neither is in the catalogue.
    assert!(shared().search(&query("title:x")).expect("search").ids.is_empty());
    // `name:phone` is `name` or `phone` in the fallback: phones are found.
    assert!(shared().search(&query("name:phone")).expect("search").ids.contains(&13));
}
