//! Filters, every sort order, pagination and `has_more`.

use std::cmp::Reverse;

use emporium_search::{MAX_RESULT_WINDOW, ProductDoc, ProductStatus, SearchError, SearchHits, SearchQuery, SearchSort};

use crate::support::{all_pages, catalogue, ids, query, shared, sorted};

fn page(text: &str, category: Option<&str>, offset: usize, limit: usize) -> SearchHits {
    let request = SearchQuery {
        category: category.map(str::to_owned),
        offset,
        limit,
        ..query(text)
    };
    shared().search(&request).expect("search")
}

#[test]
fn the_category_filter_is_exact() {
    let shoes = |text: &str, category: &str| sorted(page(text, Some(category), 0, 100).ids);
    assert_eq!(shoes("", "Shoes"), [6, 7, 22]);
    assert_eq!(shoes("running", "Shoes"), [6, 7, 22]);
    assert_eq!(shoes("trail", "Shoes"), [7]);
    assert_eq!(shoes("", "shoes"), Vec::<i64>::new(), "case-sensitive, whole value");
    assert_eq!(shoes("", "Sho"), Vec::<i64>::new());
    assert_eq!(shoes("", "手机"), [1, 2]);
}

#[test]
fn the_price_range_is_inclusive() {
    let prices: Vec<i64> = catalogue().iter().map(|doc| doc.price).collect();
    let (min, max) = (prices[0].min(prices[1]), prices[0].max(prices[1]));
    let request = SearchQuery {
        min_price: Some(min),
        max_price: Some(max),
        ..query("")
    };
    let expected: Vec<i64> = catalogue()
        .iter()
        .filter(|doc| (min..=max).contains(&doc.price))
        .map(|doc| doc.id)
        .collect();
    assert!(expected.contains(&1) && expected.contains(&2));
    assert_eq!(
        sorted(all_pages(
            shared(),
            SearchQuery {
                limit: 7,
                ..request.clone()
            }
        )),
        sorted(expected)
    );

    let only_min = SearchQuery {
        min_price: Some(max),
        ..query("")
    };
    assert!(all_pages(shared(), only_min).iter().all(|id| price_of(*id) >= max));
    let only_max = SearchQuery {
        max_price: Some(min),
        ..query("")
    };
    assert!(all_pages(shared(), only_max).iter().all(|id| price_of(*id) <= min));
    let inverted = SearchQuery {
        min_price: Some(max + 1),
        max_price: Some(max),
        ..query("")
    };
    assert_eq!(shared().search(&inverted).expect("search"), SearchHits::default());
}

fn price_of(id: i64) -> i64 {
    catalogue()
        .iter()
        .find(|doc| doc.id == id)
        .map(|doc| doc.price)
        .expect("known id")
}

#[test]
fn customers_see_active_products_only() {
    let customer = SearchQuery {
        active_only: true,
        ..query("phone")
    };
    assert_eq!(sorted(shared().search(&customer).expect("search").ids), [13, 14]);
    assert_eq!(
        sorted(ids(shared(), "phone")),
        [13, 14, 15, 16],
        "staff see drafts and archived products"
    );
    let everything = SearchQuery {
        active_only: true,
        limit: 7,
        ..query("")
    };
    let visible = all_pages(shared(), everything);
    assert_eq!(visible.len(), catalogue().len() - 2);
    assert!(!visible.contains(&15) && !visible.contains(&16));
}

/// The catalogue in the expected order of `sort` (ties by id; Newest: later id first).
fn expected_order(sort: SearchSort) -> Vec<i64> {
    let mut docs: Vec<&ProductDoc> = catalogue().iter().collect();
    match sort {
        SearchSort::PriceAsc => docs.sort_by_key(|doc| (doc.price, doc.id)),
        SearchSort::PriceDesc => docs.sort_by_key(|doc| (Reverse(doc.price), doc.id)),
        SearchSort::Relevance | SearchSort::Newest => docs.sort_by_key(|doc| Reverse((doc.created_at, doc.id))),
        SearchSort::Rating => docs.sort_by(|a, b| b.rating_average.total_cmp(&a.rating_average).then(a.id.cmp(&b.id))),
    }
    docs.iter().map(|doc| doc.id).collect()
}

#[test]
fn every_sort_pages_through_everything_exactly_once_in_order() {
    for sort in [
        SearchSort::Relevance,
        SearchSort::PriceAsc,
        SearchSort::PriceDesc,
        SearchSort::Newest,
        SearchSort::Rating,
    ] {
        let request = SearchQuery {
            sort,
            limit: 7,
            ..query("")
        };
        assert_eq!(all_pages(shared(), request), expected_order(sort), "{sort:?}");
    }
}

#[test]
fn relevance_pages_match_the_single_page_order() {
    for text in ["accessories", "cotton", "wallet phone laptop", "手机"] {
        let whole = shared().search(&query(text)).expect("search").ids;
        assert!(!whole.is_empty(), "{text}");
        let paged = all_pages(
            shared(),
            SearchQuery {
                limit: 7,
                ..query(text)
            },
        );
        assert_eq!(paged, whole, "{text}");
        let mut unique = paged.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), paged.len(), "no duplicates for {text}");
    }
}

#[test]
fn text_results_follow_the_chosen_sort() {
    let by_price = SearchQuery {
        sort: SearchSort::PriceAsc,
        limit: 7,
        ..query("accessories")
    };
    let found = all_pages(shared(), by_price);
    assert_eq!(found.len(), 9);
    assert!(
        found
            .windows(2)
            .all(|pair| (price_of(pair[0]), pair[0]) < (price_of(pair[1]), pair[1])),
        "{found:?}"
    );
}

#[test]
fn has_more_is_exact_at_page_boundaries() {
    // Exactly seven T-shirts.
    assert_eq!(
        page("", Some("T-Shirts"), 0, 7),
        SearchHits {
            ids: (30..37).rev().collect(),
            has_more: false,
            partial: false,
        }
    );
    assert_eq!(page("", Some("T-Shirts"), 7, 7), SearchHits::default());
    let pages: Vec<(usize, bool)> = [0, 3, 6]
        .iter()
        .map(|&offset| page("cotton", None, offset, 3))
        .map(|hits| (hits.ids.len(), hits.has_more))
        .collect();
    assert_eq!(pages, [(3, true), (3, true), (1, false)]);
    assert_eq!(page("cotton", None, 6, 3).ids, [36]);
}

#[test]
fn a_limit_outside_1_to_100_is_refused() {
    for limit in [0, 101] {
        let result = shared().search(&SearchQuery {
            limit,
            ..query("phone")
        });
        assert!(
            matches!(result, Err(SearchError::InvalidLimit { .. })),
            "{limit}: {result:?}"
        );
    }
}

#[test]
fn pages_beyond_the_result_window_are_empty() {
    for offset in [MAX_RESULT_WINDOW, usize::MAX - 200] {
        assert_eq!(page("", None, offset, 100), SearchHits::default());
    }
}

#[test]
fn draft_status_is_indexed_even_if_customers_never_see_it() {
    let draft = catalogue()
        .iter()
        .find(|doc| doc.status == ProductStatus::Draft)
        .expect("a draft");
    assert!(ids(shared(), "prototype").contains(&draft.id));
}
