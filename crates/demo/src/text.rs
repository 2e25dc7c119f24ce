//! Small helpers the category generators share: picking words, tags, model codes, prices.

use std::ops::RangeInclusive;

use fastrand::Rng;

/// One element of a non-empty word list, uniformly.
pub(crate) fn pick<T: Copy>(rng: &mut Rng, items: &[T]) -> T {
    items[rng.usize(..items.len())]
}

/// One element of a non-empty list of records, uniformly.
pub(crate) fn pick_ref<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

/// Appends a number of distinct tags in `counts` from `tags` to a listing title, each after a
/// space, the way Chinese shops pad titles with selling points (`长续航 通话降噪`).
pub(crate) fn push_tags(out: &mut String, rng: &mut Rng, tags: &[&str], counts: RangeInclusive<usize>) {
    let mut chosen = [usize::MAX; 4];
    let count = rng.usize(counts).min(tags.len()).min(chosen.len());
    let mut taken = 0;
    // Rejection sampling ends quickly: `count` is at most 4 and never exceeds the list.
    while taken < count {
        let i = rng.usize(..tags.len());
        if !chosen[..taken].contains(&i) {
            chosen[taken] = i;
            taken += 1;
            out.push(' ');
            out.push_str(tags[i]);
        }
    }
}

/// Appends a manufacturer-style model code such as `MB-FB40E511`: the prefix, two digits,
/// a letter and three digits. Real listings carry one, and it keeps names distinct.
pub(crate) fn push_model_code(out: &mut String, rng: &mut Rng, prefix: &str) {
    // No I or O: manufacturers avoid them next to digits.
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    out.push_str(prefix);
    for _ in 0..2 {
        out.push(char::from(b'0' + rng.u8(..10)));
    }
    out.push(char::from(pick(rng, LETTERS)));
    for _ in 0..3 {
        out.push(char::from(b'0' + rng.u8(..10)));
    }
}

/// A shelf price in fen for a product worth about `yuan`: a whole number of yuan, and most
/// often a "charm" price ending in 9 (`5999`, `299`, `39`), as Chinese shops write them.
pub(crate) fn retail_price(rng: &mut Rng, yuan: i64) -> i64 {
    let charm = rng.u8(..10) < 7;
    let step = match yuan {
        ..20 => 1,
        20..1000 => 10,
        _ => 100,
    };
    let rounded = ((yuan + step / 2) / step * step).max(step);
    let shelf = if charm && step > 1 { rounded - 1 } else { rounded };
    shelf.max(1) * 100
}

/// A brand followed by a model, with a space only where both sides are Latin
/// (`JBL TUNE 770NC`, `OPPO Find X7`), since Chinese text runs words together (`华为Mate 60`).
pub(crate) fn brand_model(brand: &str, model: &str) -> String {
    let latin_end = brand.chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric());
    let latin_start = model.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if latin_end && latin_start {
        format!("{brand} {model}")
    } else {
        format!("{brand}{model}")
    }
}

/// A decimal with two fractional digits from a count of hundredths: `135` → `"1.35"`.
pub(crate) fn hundredths(value: u32) -> String {
    format!("{}.{:02}", value / 100, value % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retail_prices_are_whole_yuan_and_near_the_estimate() {
        let mut rng = Rng::with_seed(7);
        for yuan in [1, 9, 19, 20, 38, 99, 100, 456, 999, 1000, 5499, 12_999, 30_000] {
            for _ in 0..20 {
                let fen = retail_price(&mut rng, yuan);
                assert_eq!(fen % 100, 0, "{yuan} yuan gave {fen} fen");
                let shelf = fen / 100;
                assert!(shelf > 0);
                // Rounding moves the price by at most half a step plus the charm yuan.
                let slack = (yuan / 10).max(1) + 51;
                assert!((shelf - yuan).abs() <= slack, "{yuan} yuan priced at {shelf}");
            }
        }
    }

    #[test]
    fn tags_are_distinct_and_space_separated() {
        let mut rng = Rng::with_seed(1);
        let tags = ["甲", "乙", "丙", "丁"];
        for _ in 0..100 {
            let mut out = String::from("名");
            push_tags(&mut out, &mut rng, &tags, 4..=4);
            let mut words: Vec<&str> = out.split(' ').skip(1).collect();
            words.sort_unstable();
            assert_eq!(words, ["丁", "丙", "乙", "甲"]);
        }
    }

    #[test]
    fn model_codes_are_ascii_alphanumeric() {
        let mut rng = Rng::with_seed(3);
        let mut out = String::new();
        push_model_code(&mut out, &mut rng, "MB-");
        assert_eq!(out.len(), 9);
        assert!(out.starts_with("MB-"));
        assert!(out[3..].bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
    }

    #[test]
    fn brands_and_models_are_spaced_only_between_latin_words() {
        assert_eq!(brand_model("JBL", "TUNE 770NC"), "JBL TUNE 770NC");
        assert_eq!(brand_model("vivo", "X100"), "vivo X100");
        assert_eq!(brand_model("华为", "Mate 60"), "华为Mate 60");
        assert_eq!(brand_model("OPPO", "小布"), "OPPO小布");
    }

    #[test]
    fn hundredths_pad_the_fraction() {
        assert_eq!(hundredths(135), "1.35");
        assert_eq!(hundredths(205), "2.05");
    }
}
