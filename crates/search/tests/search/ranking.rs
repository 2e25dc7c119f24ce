//! Relevance: field weights, the any-word fallback, deterministic ties.

use crate::support::{ids, shared};

#[test]
fn a_name_match_ranks_above_a_description_match() {
    assert_eq!(ids(shared(), "leather"), [11, 12]);
}

#[test]
fn a_category_match_ranks_above_a_description_match() {
    let found = ids(shared(), "audio");
    assert_eq!(found.len(), 3);
    assert_eq!(
        found.last(),
        Some(&21),
        "21 mentions audio only in its description: {found:?}"
    );
}

#[test]
fn when_no_product_has_every_word_products_with_some_words_are_returned() {
    let found = ids(shared(), "leather phone");
    for id in [11, 12, 13, 14, 15, 16] {
        assert!(found.contains(&id), "{id} in {found:?}");
    }
}

#[test]
fn in_the_fallback_products_matching_more_words_rank_first() {
    // Nothing is a unicorn: 8 has both other words, 19 only `headphone`.
    let found = ids(shared(), "wireless headphones unicorn");
    assert_eq!(found.first(), Some(&8), "{found:?}");
    assert!(found.contains(&19), "{found:?}");
}

#[test]
fn equal_scores_are_ordered_by_id() {
    assert_eq!(ids(shared(), "cotton"), [30, 31, 32, 33, 34, 35, 36]);
    assert_eq!(ids(shared(), "t-shirt"), [30, 31, 32, 33, 34, 35, 36]);
}
