//! Tone-less pinyin: the keys of the catalogue's Chinese words, the key of what a shopper
//! typed, and the split of a typed key into words of the catalogue.

use std::collections::HashMap;

use pinyin::ToPinyinMulti;

/// Chinese words longer than this get no pinyin key: nobody types a whole sentence in
/// pinyin, and the readings of a long word multiply.
pub(crate) const MAX_WORD_CHARS: usize = 8;
/// Readings kept per word: its characters' readings multiply (`重` is `zhong` or `chong`), and
/// a few combinations cover what a shopper may type.
const MAX_READINGS: usize = 16;
/// A typed key longer than this (in letters) is not looked up: 64 letters are about fifteen
/// syllables, and the split costs up to this times the longest key.
const MAX_QUERY_LETTERS: usize = 64;

/// The tone-less pinyin keys of a Chinese word (`手机` → `shouji`; `绿茶` → `lvcha` and
/// `lucha`): every combination of its characters' readings, `ü` written `v`, at most
/// [`MAX_READINGS`]. None for a word with a character that is not Chinese, or too long.
pub(crate) fn keys(word: &str) -> Vec<String> {
    let mut keys = vec![String::new()];
    for (i, c) in word.chars().enumerate() {
        let Some(readings) = c.to_pinyin_multi() else {
            return Vec::new();
        };
        if i == MAX_WORD_CHARS {
            return Vec::new();
        }
        let mut readings: Vec<String> = readings.into_iter().map(|r| r.plain().replace('ü', "v")).collect();
        readings.dedup();
        keys = keys
            .iter()
            .flat_map(|key| readings.iter().map(move |r| format!("{key}{r}")))
            .take(MAX_READINGS)
            .collect();
    }
    if word.is_empty() { Vec::new() } else { keys }
}

/// What a shopper typed as a pinyin key: lower-case letters only, with spaces, apostrophes
/// and hyphens between syllables dropped, tone marks and tone numbers removed, and `ü` (or
/// `u:`) written `v`: `Shǒu jī`, `shou3ji1` and `shou'ji` are all `shouji`. `None` if the
/// text has anything else (Chinese, punctuation), or no letter.
pub(crate) fn typed_key(text: &str) -> Option<String> {
    let mut key = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' => key.push(c),
            ':' if key.ends_with('u') => {
                key.pop();
                key.push('v');
            }
            ' ' | '\'' | '’' | '-' | '1'..='5' => {}
            _ => key.push(toneless(c)?),
        }
    }
    (!key.is_empty() && key.len() <= MAX_QUERY_LETTERS).then_some(key)
}

/// A vowel with its tone mark removed (`ǚ` → `v`); `None` for anything else.
fn toneless(c: char) -> Option<char> {
    Some(match c {
        'ā' | 'á' | 'ǎ' | 'à' => 'a',
        'ē' | 'é' | 'ě' | 'è' | 'ê' => 'e',
        'ī' | 'í' | 'ǐ' | 'ì' => 'i',
        'ō' | 'ó' | 'ǒ' | 'ò' => 'o',
        'ū' | 'ú' | 'ǔ' | 'ù' => 'u',
        'ü' | 'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' => 'v',
        'ń' | 'ň' | 'ǹ' => 'n',
        _ => return None,
    })
}

/// Splits a typed key into catalogue words: the fewest words whose keys, one after the
/// other, spell `key` (`lvchashouji` → `绿茶` `手机`), the more frequent words on a tie.
///
/// `word(key)` answers the catalogue's most frequent word with that key, and how many
/// products have it. A one-character word only stands for the whole key (`cha` → `茶`):
/// between longer words, single syllables would turn any string of letters into a string
/// of unrelated characters.
pub(crate) fn split(
    key: &str,
    longest_key: usize,
    mut word: impl FnMut(&str) -> Option<(String, u64)>,
) -> Option<Vec<String>> {
    if let Some((whole, _)) = word(key) {
        return Some(vec![whole]);
    }
    let n = key.len();
    // best[i]: the best split of key[..i] as (words, total frequency, the words).
    let mut best: Vec<Option<(usize, u64, Vec<String>)>> = vec![None; n + 1];
    best[0] = Some((0, 0, Vec::new()));
    let mut known: HashMap<&str, Option<(String, u64)>> = HashMap::new();
    for start in 0..n {
        let Some((count, frequency, words)) = best[start].clone() else {
            continue;
        };
        for end in start + 1..=n.min(start + longest_key) {
            let piece = &key[start..end];
            let found = known.entry(piece).or_insert_with(|| word(piece));
            let Some((found, found_frequency)) = found else {
                continue;
            };
            if found.chars().count() < 2 {
                continue;
            }
            let candidate = (count + 1, frequency + *found_frequency);
            let better = match &best[end] {
                None => true,
                Some((c, f, _)) => candidate.0 < *c || (candidate.0 == *c && candidate.1 > *f),
            };
            if better {
                let mut words = words.clone();
                words.push(found.clone());
                best[end] = Some((candidate.0, candidate.1, words));
            }
        }
    }
    best[n].take().map(|(_, _, words)| words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_have_a_key_per_reading() {
        assert_eq!(keys("手机")[0], "shouji", "the common reading first");
        assert_eq!(keys("耳机")[0], "erji");
        assert!(keys("绿茶").contains(&"lvcha".to_owned()));
        assert!(keys("绿茶").contains(&"lucha".to_owned()));
        assert!(keys("重庆").contains(&"chongqing".to_owned()));
        assert!(keys("iphone").is_empty());
        assert!(keys("5g手机").is_empty());
        assert!(keys("").is_empty());
        assert!(keys("中华人民共和国万岁").is_empty(), "too long to be typed");
    }

    #[test]
    fn typed_keys_drop_spaces_tones_and_write_u_umlaut_as_v() {
        for typed in ["shouji", "shou ji", "Shǒu jī", "shou3ji1", "shou'ji", "SHOU-JI"] {
            assert_eq!(typed_key(typed).as_deref(), Some("shouji"), "{typed}");
        }
        for typed in ["lvcha", "lücha", "lǜ chá", "lu:cha"] {
            assert_eq!(typed_key(typed).as_deref(), Some("lvcha"), "{typed}");
        }
        assert_eq!(typed_key("手机"), None);
        assert_eq!(typed_key("iphone!"), None);
        assert_eq!(typed_key("  "), None);
        assert_eq!(typed_key(&"a".repeat(65)), None);
    }

    fn catalogue(key: &str) -> Option<(String, u64)> {
        let word = match key {
            "shouji" => "手机",
            "lvcha" => "绿茶",
            "erji" => "耳机",
            "lanya" => "蓝牙",
            "cha" => "茶",
            "ji" => "机",
            _ => return None,
        };
        Some((word.to_owned(), 1))
    }

    #[test]
    fn keys_split_into_the_fewest_words() {
        assert_eq!(split("shouji", 6, catalogue).unwrap(), ["手机"]);
        assert_eq!(split("lanyaerji", 6, catalogue).unwrap(), ["蓝牙", "耳机"]);
        assert_eq!(split("cha", 6, catalogue).unwrap(), ["茶"], "a single syllable alone");
        assert_eq!(split("lvchaji", 6, catalogue), None, "not between words");
        assert_eq!(split("hedphones", 6, catalogue), None);
    }
}
