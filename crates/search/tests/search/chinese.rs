//! Chinese: jieba word segmentation at index and query time.

use crate::support::{ids, shared, sorted};

#[test]
fn shouji_finds_both_phones_and_the_phone_accessories() {
    let found = ids(shared(), "手机");
    // `苹果手机` is segmented as 苹果 + 手机, `手机壳` as 手机 + 壳, and `车载手机支架` includes 手机.
    assert_eq!(sorted(found.clone()), [1, 2, 20, 23]);
    // The phones also have 手机 as their category (×2), the accessories only in their names.
    assert_eq!(sorted(found[..2].to_vec()), [1, 2]);
}

#[test]
fn a_brand_finds_only_its_products() {
    assert_eq!(ids(shared(), "华为"), [1]);
    assert_eq!(ids(shared(), "苹果"), [2]);
}

#[test]
fn several_chinese_words_must_all_match_with_or_without_spaces() {
    assert_eq!(ids(shared(), "华为手机"), [1]);
    assert_eq!(ids(shared(), "华为 手机"), [1]);
}

#[test]
fn a_compound_query_word_also_finds_its_parts_apart() {
    // jieba's dictionary has 无线耳机; the product says 无线 … 耳机.
    assert_eq!(ids(shared(), "无线耳机"), [3]);
    // 1 has 智能手机 in its description; 23 has 智能 and 手机 apart, and ranks below.
    assert_eq!(ids(shared(), "智能手机"), [1, 23]);
}

#[test]
fn compounds_are_found_whole_and_by_their_parts() {
    assert_eq!(ids(shared(), "笔记本电脑"), [4]);
    assert_eq!(ids(shared(), "笔记本"), [4]);
    assert_eq!(ids(shared(), "电脑"), [4]);
    // `男士运动鞋` in a description: 运动鞋 and its part 运动 were both indexed.
    assert_eq!(ids(shared(), "运动鞋"), [22]);
    assert_eq!(ids(shared(), "跑步鞋"), [22]);
}

#[test]
fn chinese_and_english_mix_in_one_query() {
    assert_eq!(ids(shared(), "iphone 手机"), [2]);
    assert_eq!(ids(shared(), "Mate手机"), [1]);
}

/// Documented limitation: search works on words, not characters. A single character finds a
/// product only where jieba segments it as a word of its own, so `机` (from 手机, 耳机) and `茶`
/// (from 茶叶, 绿茶) find nothing. Substring search would need an n-gram field.
#[test]
fn a_single_character_inside_words_finds_nothing() {
    assert_eq!(ids(shared(), "机"), Vec::<i64>::new());
    assert_eq!(ids(shared(), "茶"), Vec::<i64>::new());
    assert_eq!(ids(shared(), "茶叶"), [5]);
}
