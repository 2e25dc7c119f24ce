//! The detectors run over the text of every page the journeys visit: amounts in minor
//! units, internal ids, and interface text left in the other language. Pure functions of
//! the page's text, tested below without a browser.

use std::collections::BTreeSet;
use std::sync::OnceLock;

/// What a detector found: which check, and the text around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `minor-units`, `internal-id` or `untranslated`.
    pub check: &'static str,
    /// The words that gave it away, with a little context.
    pub detail: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {:?}", self.check, self.detail)
    }
}

fn finding(check: &'static str, text: &str, start: usize, end: usize) -> Finding {
    let from = floor(text, start.saturating_sub(24));
    let to = ceil(text, (end + 24).min(text.len()));
    Finding {
        check,
        detail: text[from..to].split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

fn floor(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Amounts a person would read in fen: a currency sign before a number that is not
/// written `1,234.00` (two decimals, thousands separated), a number before 元 without
/// its decimals, and the bare integers that leaked before ("refund 1 of 30900", "between
/// 1 and 290700").
pub fn minor_units(text: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    for (at, sign) in text.match_indices(['¥', '￥']) {
        let rest = &text[at + sign.len()..];
        let rest_trimmed = rest.trim_start_matches(' ');
        let number: &str = rest_trimmed
            .split(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
            .next()
            .unwrap_or("")
            .trim_end_matches(['.', ',']);
        if number.is_empty() || !number.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        if !is_money(number) {
            let end = at + sign.len() + (rest.len() - rest_trimmed.len()) + number.len();
            found.push(finding("minor-units", text, at, end));
        }
    }
    for (at, _) in text.match_indices('元') {
        let before = text[..at].trim_end_matches(' ');
        let digits = before.len()
            - before
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == ',' || c == '.')
                .len();
        let number = &before[before.len() - digits..];
        if number.starts_with(|c: char| c.is_ascii_digit()) && !is_money(number) {
            found.push(finding(
                "minor-units",
                text,
                before.len() - digits,
                at + '元'.len_utf8(),
            ));
        }
    }
    for lead in [" of ", " and ", "between ", " to ", "至", "到"] {
        for (at, _) in text.match_indices(lead) {
            let start = at + lead.len();
            let rest = &text[start..];
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let next = rest[digits..].chars().next();
            // A year, a time, a size ("8000 × 8000 pixels") or a code is something else.
            let after = rest[digits..].trim_start_matches(' ');
            let part_of_something_else = matches!(next, Some(c) if c.is_alphanumeric() || ".,:-/%".contains(c))
                || after.starts_with(['×', 'x', 'p']);
            if digits >= 4 && !part_of_something_else {
                found.push(finding("minor-units", text, at, start + digits));
            }
        }
    }
    found
}

/// `1,234.00`: digits in groups of three, a point and two decimals.
fn is_money(number: &str) -> bool {
    let Some((whole, cents)) = number.split_once('.') else {
        return false;
    };
    if cents.len() != 2 || !cents.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let groups: Vec<&str> = whole.split(',').collect();
    groups[0].len() <= 3
        && !groups[0].is_empty()
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && groups[1..].iter().all(|g| g.len() == 3)
}

/// Identifiers meant for the logs: `user:203`, `staff:202`, `provider:sandbox`,
/// `order_item:…`, and the phrase "product 7".
pub fn internal_ids(text: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    let lower = text.to_ascii_lowercase();
    for prefix in [
        "user:",
        "staff:",
        "provider:",
        "order_item",
        "order:",
        "product:",
        "variant:",
        "payment:",
        "refund:",
        "customer:",
    ] {
        for (at, _) in lower.match_indices(prefix) {
            let boundary = lower[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_');
            let next = lower[at + prefix.len()..].chars().next();
            let tagged = prefix.ends_with(':') && next.is_some_and(|c| c.is_ascii_alphanumeric());
            if boundary && (tagged || prefix == "order_item") {
                found.push(finding("internal-id", text, at, at + prefix.len() + 4));
            }
        }
    }
    // Not "payment 1": "Awaiting payment" often stands before a date.
    for word in ["product ", "variant "] {
        for (at, _) in lower.match_indices(word) {
            let boundary = lower[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_ascii_alphanumeric());
            let rest = &lower[at + word.len()..];
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let after = rest[digits..].chars().next();
            if boundary && digits > 0 && after.is_none_or(|c| !c.is_ascii_alphanumeric()) {
                found.push(finding("internal-id", text, at, at + word.len() + digits));
            }
        }
    }
    found
}

/// The words of the English catalogue that the Chinese one does not use as they are
/// (the shop's name, SKU, MiB and the like are not a translation left out).
fn english_words() -> &'static BTreeSet<String> {
    static WORDS: OnceLock<BTreeSet<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let source = include_str!("../../../../web/src/i18n.rs");
        let en = source
            .split("pub static EN: Texts = Texts {")
            .nth(1)
            .and_then(|s| s.split("pub static ZH: Texts = Texts {").next())
            .expect("the English catalogue in crates/web/src/i18n.rs");
        let zh = source
            .split("pub static ZH: Texts = Texts {")
            .nth(1)
            .and_then(|s| s.split("\n};").next())
            .expect("the Chinese catalogue in crates/web/src/i18n.rs");
        let chinese: BTreeSet<String> = literals(zh).flat_map(|s| words(&s)).collect();
        literals(en)
            .flat_map(|s| words(&s))
            .filter(|w| !chinese.contains(w))
            .collect()
    })
}

/// The string literals of a piece of Rust source.
fn literals(source: &str) -> impl Iterator<Item = String> + '_ {
    source.lines().flat_map(|line| {
        let line = line.trim();
        let line = line.split_once(": ").map_or(line, |(field, value)| {
            if field.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                value
            } else {
                line
            }
        });
        line.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    })
}

/// The English words of a text, lower-cased.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic() && c != '\'')
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Interface text in the other language: on a Chinese page a run of two or more words of
/// the English catalogue; on an English page any Han character. `ui` holds the
/// interface's text only (content is taken out before).
pub fn untranslated(lang: &str, ui: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    if lang.starts_with("zh") {
        let vocabulary = english_words();
        // Runs of words separated by spaces only: "Add to cart", not "Cart · Orders".
        let mut run: Vec<(usize, usize)> = Vec::new();
        let flush = |run: &mut Vec<(usize, usize)>, found: &mut Vec<Finding>| {
            if run.len() >= 2 {
                found.push(finding("untranslated", ui, run[0].0, run[run.len() - 1].1));
            }
            run.clear();
        };
        let mut i = 0;
        let bytes = ui.as_bytes();
        while i < bytes.len() {
            if bytes[i].is_ascii_alphabetic() {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphabetic() || bytes[i] == b'\'') {
                    i += 1;
                }
                let word = ui[start..i].trim_end_matches('\'').to_ascii_lowercase();
                if vocabulary.contains(&word) {
                    run.push((start, i));
                } else {
                    flush(&mut run, &mut found);
                }
                // Only spaces may join the next word to this run.
                let gap = ui[i..].len() - ui[i..].trim_start_matches(' ').len();
                let joined = gap > 0 && ui[i + gap..].starts_with(|c: char| c.is_ascii_alphabetic());
                if !joined {
                    flush(&mut run, &mut found);
                }
                i += gap;
            } else {
                flush(&mut run, &mut found);
                i += ui[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
        flush(&mut run, &mut found);
    } else {
        for (at, c) in ui.char_indices() {
            if is_han(c) {
                found.push(finding("untranslated", ui, at, at + c.len_utf8()));
                break;
            }
        }
    }
    found
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}')
}

/// `text` with every piece of `content` (names, descriptions, what people typed) cut
/// out, longest first, so that only the interface's own words are left. A cut piece
/// becomes a line break, which no run of words crosses.
pub fn without_content(text: &str, content: &BTreeSet<String>) -> String {
    let mut pieces: Vec<&String> = content.iter().filter(|c| !c.trim().is_empty()).collect();
    pieces.sort_by_key(|c| std::cmp::Reverse(c.len()));
    let mut out = text.to_owned();
    for piece in pieces {
        if out.contains(piece.as_str()) {
            out = out.replace(piece.as_str(), "\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checks(found: Vec<Finding>) -> Vec<String> {
        found.into_iter().map(|f| f.detail).collect()
    }

    #[test]
    fn amounts_must_be_yuan_with_separators_and_two_decimals() {
        assert!(minor_units("Total ¥1,597,291.00 and ¥0.50, ¥ 12.00.").is_empty());
        assert_eq!(minor_units("refund 1 of 30900 requested").len(), 1);
        assert_eq!(minor_units("must be between 1 and 290700").len(), 1);
        assert_eq!(minor_units("Total ¥2575.00").len(), 1);
        assert_eq!(minor_units("Total ¥12800").len(), 1);
        assert_eq!(minor_units("满 99 元包邮").len(), 1);
        assert!(minor_units("满 99.00 元包邮，共 3 件，2026-12-07 12:30，1 of 2").is_empty());
    }

    #[test]
    fn internal_ids_are_caught_but_times_and_labels_are_not() {
        assert_eq!(checks(internal_ids("Refund (user:203) by (staff:202: Lee)")).len(), 2);
        assert_eq!(internal_ids("(provider:sandbox: payment 509)").len(), 1);
        assert_eq!(internal_ids("product 7 has only 43 units available").len(), 1);
        assert!(internal_ids("12:30 · 颜色: 白 · 1 product · Products 2").is_empty());
    }

    #[test]
    fn english_left_on_a_chinese_page_and_han_on_an_english_page() {
        assert!(english_words().contains("cart"));
        assert_eq!(untranslated("zh-CN", "加入购物车 · Add to cart").len(), 1);
        assert!(untranslated("zh-CN", "购物车 SKU · Cart").is_empty());
        assert!(untranslated("en", "Add to cart").is_empty());
        assert_eq!(untranslated("en", "Add to 购物车").len(), 1);
    }

    #[test]
    fn content_is_taken_out_before_the_language_check() {
        let content = BTreeSet::from(["Longjing Green Tea 龙井绿茶".to_owned()]);
        let ui = without_content("Longjing Green Tea 龙井绿茶 · Add to cart", &content);
        assert!(untranslated("en", &ui).is_empty());
    }
}
