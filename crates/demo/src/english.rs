//! Small helpers for the English listing titles and descriptions.

/// Short words an English title leaves in lower case unless they start it.
const SMALL_WORDS: &[&str] = &["a", "an", "and", "for", "in", "of", "on", "or", "the", "to", "with"];

/// `text` in title case, as English shops write listing titles: every word, and every part
/// of a hyphenated word, starts with a capital (`non-stick wok` → `Non-Stick Wok`), except
/// short words such as `and` or `of` after the first. Capitals already there are kept
/// (`LED desk lamp` → `LED Desk Lamp`).
pub(crate) fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        for (j, part) in word.split('-').enumerate() {
            if j > 0 {
                out.push('-');
            }
            if (i, j) != (0, 0) && SMALL_WORDS.contains(&part) {
                out.push_str(part);
            } else {
                out.push_str(&capitalised(part));
            }
        }
    }
    out
}

/// `text` with its first letter in upper case, to start a sentence or a title word.
pub(crate) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The non-empty `parts` joined by single spaces: `["Anker", "737 Power Bank", ""]` →
/// `Anker 737 Power Bank`.
pub(crate) fn words(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_case_capitalises_words_and_hyphenated_parts_but_not_small_words() {
        assert_eq!(title_case("non-stick wok"), "Non-Stick Wok");
        assert_eq!(title_case("LED desk lamp"), "LED Desk Lamp");
        assert_eq!(title_case("robot vacuum and mop"), "Robot Vacuum and Mop");
        assert_eq!(title_case("pre-Qingming, top grade"), "Pre-Qingming, Top Grade");
        assert_eq!(title_case("chef's knife"), "Chef's Knife");
        assert_eq!(title_case("thin-and-light"), "Thin-and-Light");
        assert_eq!(title_case("a snack"), "A Snack");
    }

    #[test]
    fn words_skip_empty_parts() {
        assert_eq!(words(&["Anker", "737 Power Bank", ""]), "Anker 737 Power Bank");
        assert_eq!(words(&["", "a", "", "b"]), "a b");
    }
}
