//! Tests of the public contract: determinism, the prefix property and every field's invariants.

use std::collections::HashSet;

use super::*;

fn first(seed: u64, n: usize) -> Vec<DemoProduct> {
    catalogue(seed, n).collect()
}

#[test]
fn the_same_seed_gives_the_same_products() {
    assert_eq!(first(42, 100), first(42, 100));
}

#[test]
fn different_seeds_give_different_products() {
    let a = first(42, 100);
    let b = first(43, 100);
    let same = a.iter().zip(&b).filter(|(x, y)| x.name == y.name).count();
    assert!(same < 5, "{same} of 100 names agree between seeds 42 and 43");
}

#[test]
fn a_short_catalogue_is_a_prefix_of_a_long_one() {
    let short = first(7, 50);
    let long = first(7, 1_000);
    assert_eq!(short[..], long[..50]);
}

#[test]
fn catalogue_is_lazy_and_exact_in_length() {
    assert_eq!(catalogue(1, 0).count(), 0);
    assert_eq!(catalogue(1, 3).count(), 3);
    // Taking a few from a huge catalogue must not generate the rest.
    assert_eq!(catalogue(1, usize::MAX).take(2).count(), 2);
}

#[test]
fn every_product_of_the_first_twenty_thousand_keeps_the_invariants() {
    let mut skus = HashSet::new();
    for product in catalogue(42, 20_000) {
        let DemoProduct {
            sku,
            name,
            description,
            category,
            price,
            lots,
            ..
        } = &product;
        assert!(sku.len() <= 32 && sku.starts_with("DEMO-"), "{sku}");
        assert!(sku.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'), "{sku}");
        assert!(skus.insert(sku.clone()), "duplicate sku {sku}");

        let name_chars = name.chars().count();
        assert!((2..=120).contains(&name_chars), "{name_chars} chars: {name}");
        assert!(!name.chars().any(char::is_control), "control character in {name:?}");
        assert_eq!(name.trim(), name, "stray whitespace in {name:?}");
        assert!(!name.contains("  "), "double space in {name:?}");

        let description_chars = description.chars().count();
        assert!(
            (1..=2000).contains(&description_chars),
            "{description_chars} chars: {description}"
        );
        assert!(!description.contains('<'), "HTML-like text in {description}");
        assert!(
            !description.chars().any(|c| c.is_control() && c != '\n'),
            "{description:?}"
        );

        assert!(categories().contains(category), "{category}");
        assert!(*price > 0 && price % 100 == 0, "{name}: price {price}");

        assert!((1..=4).contains(&lots.len()), "{name}: {} lots", lots.len());
        for (i, lot) in lots.iter().enumerate() {
            assert!(lot.quantity > 0, "{name}: {lot:?}");
            assert!(
                lot.unit_cost >= 0 && lot.unit_cost < *price,
                "{name} at {price}: {lot:?}"
            );
            assert!(lot.received_days_ago <= 180, "{name}: {lot:?}");
            if let Some(older) = i.checked_sub(1).map(|j| lots[j]) {
                assert!(older.received_days_ago > lot.received_days_ago, "{name}: {lots:?}");
            }
            assert!(
                lots[..i].iter().all(|other| other.unit_cost != lot.unit_cost),
                "{name}: {lots:?}"
            );
        }
    }
}

#[test]
fn margins_stay_between_fifteen_and_sixty_percent() {
    for product in catalogue(3, 5_000) {
        for lot in &product.lots {
            let margin = (product.price - lot.unit_cost) as f64 / product.price as f64;
            assert!(
                (0.14..=0.61).contains(&margin),
                "{} at {}: {lot:?}",
                product.name,
                product.price
            );
        }
    }
}

#[test]
fn lots_come_in_every_count_from_one_to_four() {
    let counts: HashSet<usize> = catalogue(42, 1_000).map(|p| p.lots.len()).collect();
    assert_eq!(counts, HashSet::from([1, 2, 3, 4]));
}

#[test]
fn at_least_nine_in_ten_names_are_distinct() {
    let names: HashSet<String> = catalogue(42, 10_000).map(|p| p.name).collect();
    assert!(names.len() >= 9_000, "only {} distinct names in 10,000", names.len());
}

#[test]
fn categories_are_a_dozen_or_so_distinct_names_each_with_a_chinese_name() {
    let names = categories();
    assert!((10..=14).contains(&names.len()));
    assert_eq!(names.iter().collect::<HashSet<_>>().len(), names.len());
    for name in names {
        let zh = category_zh(name).unwrap_or_else(|| panic!("no Chinese name for {name}"));
        assert!(!zh.is_ascii(), "{name} → {zh}");
    }
    assert_eq!(category_zh("Phones"), Some("手机"));
    assert_eq!(category_zh("Tea"), Some("茶叶"));
    assert_eq!(category_zh("phones"), None);
    assert_eq!(category_zh("Cars"), None);
}

#[test]
fn every_category_appears_and_prices_are_realistic_for_it() {
    let mut seen = HashSet::new();
    for product in catalogue(42, 5_000) {
        seen.insert(product.category);
        let yuan = product.price / 100;
        let (low, high) = match product.category {
            "Phones" => (799, 16_000),
            "Laptops" => (2_999, 33_000),
            "Tea" => (38, 1_280),
            "Snacks" => (9, 400),
            "Books" => (9, 900),
            _ => (9, 7_000),
        };
        assert!(
            (low..=high).contains(&yuan),
            "{} in {} at {yuan} yuan",
            product.name,
            product.category
        );
    }
    assert_eq!(seen.len(), categories().len());
}

#[test]
fn names_are_chinese_with_english_where_shops_use_it() {
    let products = first(42, 2_000);
    let phones: Vec<&str> = products
        .iter()
        .filter(|p| p.name.contains("手机"))
        .map(|p| p.name.as_str())
        .collect();
    assert!(phones.len() > 50, "{} phone names", phones.len());
    let brands = ["华为", "苹果", "小米", "OPPO", "vivo", "荣耀"];
    let phone_brands = brands.iter().filter(|b| phones.iter().any(|n| n.contains(*b))).count();
    assert!(phone_brands >= 4, "phones from only {phone_brands} brands: {phones:?}");
    // Every name carries Chinese, and a good share also carries Latin letters to search by.
    assert!(products.iter().all(|p| !p.name.is_ascii()));
    let latin = products
        .iter()
        .filter(|p| p.name.bytes().any(|b| b.is_ascii_alphabetic()))
        .count();
    assert!(latin > products.len() / 2, "{latin} names with Latin letters");
    for word in ["iPhone", "MacBook", "Pro", "GaN", "USB-C", "LEGO"] {
        assert!(
            products.iter().any(|p| p.name.contains(word)),
            "no name contains {word}"
        );
    }
}

#[test]
fn a_huawei_phone_and_an_iphone_come_early_for_seed_42() {
    let early = first(42, 200);
    let huawei = early
        .iter()
        .find(|p| p.name.contains("华为") && p.name.contains("手机"));
    let iphone = early
        .iter()
        .find(|p| p.name.contains("iPhone") && p.name.contains("苹果手机"));
    assert!(huawei.is_some(), "no 华为…手机 in the first 200");
    assert!(iphone.is_some(), "no 苹果手机 iPhone in the first 200");
}

#[test]
fn descriptions_end_in_an_english_sentence() {
    for product in catalogue(42, 3_000) {
        let last = product.description.lines().last().unwrap_or_default();
        assert!(product.description.lines().count() >= 2, "{}", product.description);
        assert!(
            !product.description.lines().next().unwrap_or_default().is_ascii(),
            "{}",
            product.description
        );
        let ascii_words = last
            .split_whitespace()
            .filter(|w| w.bytes().all(|b| b.is_ascii_graphic()))
            .count();
        assert!(
            ascii_words >= 4,
            "English line too short in {}: {last}",
            product.category
        );
        assert!(last.ends_with('.'), "{last}");
    }
}

#[test]
fn english_queries_find_products() {
    let products = first(42, 3_000);
    for query in [
        "wireless earbuds",
        "green tea",
        "smartphone",
        "laptop",
        "running shoes",
        "USB-C",
        "novel",
    ] {
        assert!(
            products.iter().any(|p| p.description.contains(query)),
            "nothing matches {query:?}"
        );
    }
}

#[test]
fn products_come_in_about_three_variants_each_priced_and_stocked() {
    let products = first(7, 10_000);
    let variants: usize = products.iter().map(|p| p.variants.len()).sum();
    assert!(
        (27_000..=31_000).contains(&variants),
        "{variants} variants in 10,000 products"
    );
    let mut skus = HashSet::new();
    for p in &products {
        let first = &p.variants[0];
        assert_eq!((&first.sku, first.price, &first.lots), (&p.sku, p.price, &p.lots));
        let combinations: usize = p.options.iter().map(|(_, v)| v.len()).product();
        assert_eq!(p.variants.len(), combinations, "{}", p.sku);
        for v in &p.variants {
            assert!(skus.insert(v.sku.clone()), "duplicate sku {}", v.sku);
            assert_eq!(v.option_values.len(), p.options.len());
            assert!(
                v.price > 0 && v.price % 100 == 0 && v.price >= p.price,
                "{}: {}",
                v.sku,
                v.price
            );
            assert!((1..=4).contains(&v.lots.len()));
        }
    }
}

#[test]
fn the_tree_files_every_category_once() {
    let mut placed: Vec<&str> = category_tree()
        .iter()
        .flat_map(|(_, _, children)| children.iter().copied())
        .collect();
    placed.sort_unstable();
    let mut all = categories().to_vec();
    all.sort_unstable();
    assert_eq!(placed, all);
}
