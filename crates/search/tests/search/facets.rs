//! Facet counts: by category (under every ancestor), price band, option value and stock,
//! for the current words and filters; option and stock filters.

use emporium_search::{OptionFilter, PRICE_BANDS, ProductDoc, SearchIndex, SearchQuery, price_band};

use crate::support::product;

/// Shoes (category 2 under 1) in sizes and colours, and a tea (category 3) without options.
fn shop() -> SearchIndex {
    let index = SearchIndex::in_memory().expect("index");
    let shoe = |id: i64, sizes: &[&str], colour: &str, price: i64, in_stock: bool| ProductDoc {
        category_ids: vec![1, 2],
        option_values: sizes
            .iter()
            .map(|s| ("尺码".to_owned(), (*s).to_owned()))
            .chain([("颜色".to_owned(), colour.to_owned())])
            .collect(),
        price,
        in_stock,
        ..product(id, "跑步鞋 Running shoe", "轻便", Some("跑鞋"))
    };
    let mut tea = product(9, "龙井 tea", "绿茶", Some("茶叶"));
    tea.category_ids = vec![3];
    tea.price = 20_000;
    index
        .rebuild(
            vec![
                shoe(1, &["41", "42"], "黑", 39_900, true),
                shoe(2, &["42", "43"], "白", 45_900, false),
                shoe(3, &["42"], "黑", 4_900, true),
                tea,
            ]
            .into_iter(),
            1,
        )
        .expect("rebuild");
    index
}

fn all() -> SearchQuery {
    SearchQuery {
        limit: 10,
        active_only: true,
        ..SearchQuery::default()
    }
}

fn values<'a>(facets: &'a emporium_search::Facets, name: &str) -> Vec<(&'a str, u64)> {
    facets
        .options
        .iter()
        .find(|o| o.name == name)
        .map(|o| o.values.iter().map(|(v, n)| (v.as_str(), *n)).collect())
        .unwrap_or_default()
}

#[test]
fn every_dimension_is_counted_for_the_whole_catalogue() {
    let facets = shop().facets(&all()).expect("facets");
    assert_eq!(facets.total, 4);
    assert_eq!(
        facets.categories,
        vec![(1, 3), (2, 3), (3, 1)],
        "a shoe counts under its parent too"
    );
    assert_eq!(
        facets.price_bands,
        vec![(price_band(4_900), 1), (price_band(20_000), 3)],
        "¥200–¥499.99 holds the tea and two shoes"
    );
    assert_eq!(
        (PRICE_BANDS[price_band(45_900)], PRICE_BANDS[price_band(4_999)]),
        (20_000, 0)
    );
    assert_eq!(values(&facets, "尺码"), vec![("42", 3), ("41", 1), ("43", 1)]);
    assert_eq!(values(&facets, "颜色"), vec![("黑", 2), ("白", 1)]);
    assert_eq!(facets.in_stock, 3);
}

#[test]
fn counts_follow_the_words_and_the_filters() {
    let index = shop();
    let tea = index
        .facets(&SearchQuery {
            text: "绿茶".to_owned(),
            ..all()
        })
        .expect("facets");
    assert_eq!((tea.total, tea.categories.clone()), (1, vec![(3, 1)]));
    assert!(tea.options.is_empty());

    let in_stock = SearchQuery {
        in_stock: true,
        ..all()
    };
    assert_eq!(index.facets(&in_stock).expect("facets").total, 3);
    let hits = index.search(&in_stock).expect("search");
    assert!(!hits.ids.contains(&2), "shoe 2 has nothing on hand: {:?}", hits.ids);
}

#[test]
fn an_option_filter_narrows_the_rest_but_not_its_own_values() {
    let index = shop();
    let size_43 = SearchQuery {
        options: vec![OptionFilter {
            name: "尺码".to_owned(),
            values: vec!["43".to_owned()],
        }],
        ..all()
    };
    assert_eq!(index.search(&size_43).expect("search").ids, vec![2]);
    let facets = index.facets(&size_43).expect("facets");
    assert_eq!(facets.total, 1);
    assert_eq!(values(&facets, "颜色"), vec![("白", 1)]);
    // The sizes are counted as if no size were chosen: what choosing another would give.
    assert_eq!(values(&facets, "尺码"), vec![("42", 3), ("41", 1), ("43", 1)]);

    // Values of one option are alternatives; two options both apply.
    let either = SearchQuery {
        options: vec![
            OptionFilter {
                name: "尺码".to_owned(),
                values: vec!["41".to_owned(), "43".to_owned()],
            },
            OptionFilter {
                name: "颜色".to_owned(),
                values: vec!["黑".to_owned()],
            },
        ],
        ..all()
    };
    assert_eq!(index.search(&either).expect("search").ids, vec![1]);
    let facets = index.facets(&either).expect("facets");
    assert_eq!(
        values(&facets, "颜色"),
        vec![("白", 1), ("黑", 1)],
        "the sizes 41 or 43, any colour"
    );
}

#[test]
fn counts_change_with_the_index() {
    let index = shop();
    assert_eq!(index.facets(&all()).expect("facets").in_stock, 3);
    let mut restocked = product(2, "跑步鞋 Running shoe", "轻便", Some("跑鞋"));
    restocked.category_ids = vec![1, 2];
    restocked.in_stock = true;
    index.upsert(&[restocked], 2).expect("upsert");
    assert_eq!(
        index.facets(&all()).expect("facets").in_stock,
        4,
        "kept counts are dropped at a commit"
    );
}
