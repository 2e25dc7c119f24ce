//! Books: well-known Chinese and translated titles in several editions, with ISBNs.

mod titles;

use fastrand::Rng;

use super::Listing;
use crate::english::title_case;
use crate::text::{pick, pick_ref, push_tags};
use titles::BOOKS;

/// Editions with their price factor in percent of the paperback.
const EDITIONS: &[(&str, &str, i64)] = &[
    ("平装", "paperback", 100),
    ("精装", "hardcover", 140),
    ("典藏版", "collector's edition", 160),
    ("插图版", "illustrated edition", 130),
    ("2024新版", "new 2024 edition", 105),
    ("珍藏版 精装", "deluxe hardcover", 180),
    ("纪念版", "anniversary edition", 150),
];
const TAGS: &[&str] = &[
    "正版书籍",
    "赠书签",
    "畅销书",
    "新华书店正版",
    "课外阅读",
    "现货速发",
    "豆瓣高分",
    "送礼佳品",
    "包邮",
];

/// Writes one book listing.
pub(crate) fn generate(rng: &mut Rng) -> Listing {
    let book = pick_ref(rng, BOOKS);
    let (edition, edition_en, factor) = pick(rng, EDITIONS);
    // Edited volumes already say 编 or 主编; the rest are credited as 著 (written by).
    let credit = if book.author.ends_with('编') { "" } else { " 著" };
    let mut name = if rng.bool() {
        format!("《{}》{}{credit} {} {edition}", book.title, book.author, book.publisher)
    } else {
        format!(
            "{} {} {edition} {} {}",
            book.title, book.author, book.genre, book.publisher
        )
    };
    push_tags(&mut name, rng, TAGS, 1..=3);
    let pages = rng.u32(18..=120) * 8;
    let isbn = isbn(rng);
    let description = format!(
        "《{title}》，{author}{credit}，{publisher}出版。{blurb}。本书为{edition}，{pages}页，16开，ISBN {isbn}。\
         正版图书，纸张厚实，印刷清晰，适合收藏与送礼。",
        title = book.title,
        author = book.author,
        publisher = book.publisher,
        blurb = book.blurb,
    );
    let description_en = format!(
        "{title_en} {byline}: a {genre_en} in Chinese, {edition_en}, {pages} pages.",
        title_en = book.title_en,
        byline = byline(book.author_en),
        genre_en = book.genre_en,
    );
    let name_en = format!(
        "{} {} ({}, Chinese)",
        book.title_en,
        byline(book.author_en),
        title_case(edition_en)
    );
    // Online bookshops sell below the cover price.
    let yuan = book.yuan * factor / 100 * rng.i64(55..=90) / 100;
    Listing {
        name,
        name_en,
        description,
        description_en,
        yuan,
    }
}

/// `by Yu Hua`, or `edited by Han Qide` for an editor credited as `Han Qide (ed.)`.
fn byline(author_en: &str) -> String {
    match author_en.strip_suffix(" (ed.)") {
        Some(editor) => format!("edited by {editor}"),
        None => format!("by {author_en}"),
    }
}

/// A well-formed ISBN-13 in the Chinese registration group (978-7), with a correct check digit.
fn isbn(rng: &mut Rng) -> String {
    let mut digits = [9, 7, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    for digit in &mut digits[4..12] {
        *digit = rng.u8(..10);
    }
    let sum: u32 = digits[..12]
        .iter()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    digits[12] = ((10 - sum % 10) % 10) as u8;
    let text: String = digits.iter().map(|&d| char::from(b'0' + d)).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &text[..3],
        &text[3..4],
        &text[4..8],
        &text[8..12],
        &text[12..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isbns_have_a_valid_check_digit() {
        let mut rng = Rng::with_seed(9);
        for _ in 0..100 {
            let isbn = isbn(&mut rng);
            let digits: Vec<u32> = isbn.chars().filter_map(|c| c.to_digit(10)).collect();
            assert_eq!(digits.len(), 13, "{isbn}");
            let sum: u32 = digits
                .iter()
                .enumerate()
                .map(|(i, d)| d * if i % 2 == 0 { 1 } else { 3 })
                .sum();
            assert_eq!(sum % 10, 0, "{isbn}");
        }
    }
}
