//! English: case, stemming, every word required, typo tolerance.

use crate::support::{ids, shared, sorted};

#[test]
fn case_does_not_matter() {
    for text in ["iphone", "IPHONE", "iPhone", "IPhOnE"] {
        assert_eq!(ids(shared(), text), [2], "{text}");
    }
}

#[test]
fn words_are_stemmed() {
    assert_eq!(sorted(ids(shared(), "phones")), [13, 14, 15, 16]);
    assert_eq!(sorted(ids(shared(), "phone")), [13, 14, 15, 16]);
    // `Running` in names, `runs`/`run` in descriptions.
    assert_eq!(sorted(ids(shared(), "running")), [6, 7, 22]);
    assert_eq!(sorted(ids(shared(), "run")), [6, 7, 22]);
}

#[test]
fn every_word_must_match() {
    // 7 mentions shoes and run in its description; 22 is in the Shoes category.
    assert_eq!(sorted(ids(shared(), "running shoes")), [6, 7, 22]);
    assert_eq!(sorted(ids(shared(), "leather wallet")), [11, 12]);
    assert_eq!(ids(shared(), "canvas leather"), [12]);
    assert_eq!(ids(shared(), "gaming laptop"), [9]);
}

#[test]
fn a_long_latin_word_may_have_one_typo() {
    assert_eq!(sorted(ids(shared(), "lapotp")), [9, 10, 17]);
    assert_eq!(sorted(ids(shared(), "headphnes")), [8, 19]);
    assert_eq!(ids(shared(), "iphnoe"), [2]);
    assert_eq!(sorted(ids(shared(), "wallat")), [11, 12]);
}

#[test]
fn short_words_get_no_typo_tolerance() {
    assert_eq!(sorted(ids(shared(), "case")), [13, 19]);
    assert_eq!(ids(shared(), "caes"), Vec::<i64>::new());
}

#[test]
fn exact_matches_shut_out_typo_matches() {
    // `Laptap` (18) is one edit from laptop, but exact matches exist, so it stays out...
    assert_eq!(sorted(ids(shared(), "laptop")), [9, 10, 17]);
    // ...and the misspelling finds the listing that has it, not the others.
    assert_eq!(ids(shared(), "laptap"), [18]);
}

#[test]
fn exact_words_rank_above_typo_matched_ones() {
    // Both match `lapotp` with a typo; 10 matches `stand` exactly, 17 (`Stant`) with a typo.
    assert_eq!(ids(shared(), "lapotp stand"), [10, 17]);
}
