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
fn descriptions_are_a_chinese_paragraph_and_english_sentences_apart() {
    for product in catalogue(42, 3_000) {
        let DemoProduct {
            description,
            description_en,
            category,
            ..
        } = &product;
        assert!(!description.contains('\n'), "{description}");
        assert!(description.chars().any(is_cjk), "{description}");
        let ascii_words = description_en
            .split_whitespace()
            .filter(|w| w.bytes().all(|b| b.is_ascii_graphic()))
            .count();
        assert!(ascii_words >= 4, "English too short in {category}: {description_en}");
        assert!(description_en.ends_with('.'), "{description_en}");
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
            products.iter().any(|p| p.description_en.contains(query)),
            "no description matches {query:?}"
        );
    }
    for query in ["Earbuds", "Green Tea", "Phone", "Laptop", "Running Shoes", "LEGO"] {
        assert!(
            products.iter().any(|p| p.name_en.contains(query)),
            "no title matches {query:?}"
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

/// FNV-1a over bytes: a stable hash (unlike `DefaultHasher`, whose algorithm may change).
fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(hash, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A fingerprint of everything but the texts that gained English: SKUs, Chinese names,
/// categories, prices, lots, options and variants. Every field ends in a separator byte.
fn fingerprint(products: impl Iterator<Item = DemoProduct>) -> u64 {
    fn lots(text: &mut String, lots: &[DemoLot]) {
        for lot in lots {
            text.push_str(&format!(
                "{},{},{};",
                lot.quantity, lot.unit_cost, lot.received_days_ago
            ));
        }
        text.push('|');
    }
    let mut hash = 0xcbf2_9ce4_8422_2325;
    for p in products {
        let mut text = format!("{}|{}|{}|{}|", p.sku, p.name, p.category, p.price);
        lots(&mut text, &p.lots);
        for (name, values) in &p.options {
            text.push_str(&format!("{name}={};", values.join(",")));
        }
        text.push('|');
        for v in &p.variants {
            text.push_str(&format!("{}:{}:{}:", v.sku, v.option_values.join(","), v.price));
            lots(&mut text, &v.lots);
        }
        text.push('\n');
        hash = fnv1a(hash, text.as_bytes());
    }
    hash
}

#[test]
fn chinese_catalogue_is_unchanged() {
    // Taken from the catalogue before English names were added (commit 8a7aa2f): the English
    // titles and descriptions must come from the choices already drawn, without a single
    // extra draw, so that every SKU, Chinese name, price, lot and variant stays the same.
    assert_eq!(fingerprint(catalogue(42, 5_000)), 0x56b2_bb71_eca3_d083);
}

#[test]
fn english_titles_and_descriptions_are_latin_single_line_and_within_limits() {
    for product in catalogue(42, 20_000) {
        let DemoProduct {
            sku,
            name_en,
            description_en,
            ..
        } = &product;
        let name_chars = name_en.chars().count();
        assert!((2..=200).contains(&name_chars), "{sku}: {name_chars} chars: {name_en}");
        assert!(
            !name_en.chars().any(char::is_control),
            "{sku}: control character in {name_en:?}"
        );
        assert!(!name_en.chars().any(is_cjk), "{sku}: CJK in {name_en}");
        assert_eq!(name_en.trim(), name_en, "{sku}: stray whitespace in {name_en:?}");
        assert!(!name_en.contains("  "), "{sku}: double space in {name_en:?}");
        assert!(!name_en.contains(" ,") && !name_en.contains(",,"), "{sku}: {name_en:?}");

        let description_chars = description_en.chars().count();
        assert!(
            (1..=2000).contains(&description_chars),
            "{sku}: {description_chars} chars: {description_en}"
        );
        assert!(!description_en.chars().any(is_cjk), "{sku}: CJK in {description_en}");
        assert!(
            !description_en.chars().any(char::is_control),
            "{sku}: {description_en:?}"
        );
        assert!(
            !description_en.contains('<'),
            "{sku}: HTML-like text in {description_en}"
        );
        assert!(
            !description_en.contains("  "),
            "{sku}: double space in {description_en:?}"
        );
    }
}

#[test]
fn is_cjk_knows_chinese_characters_and_punctuation() {
    for c in ['茶', '䨻', '，', '。', '、', '《', '》', '（', '：'] {
        assert!(is_cjk(c), "{c}");
    }
    for c in ['a', 'é', 'ô', '°', '+', '#', '&', '\''] {
        assert!(!is_cjk(c), "{c}");
    }
}

#[test]
fn every_option_name_and_chinese_value_has_english() {
    let mut names = HashSet::new();
    let mut values = HashSet::new();
    for product in catalogue(42, 2_000) {
        for (name, option_values) in &product.options {
            names.insert(*name);
            values.extend(option_values.iter().copied());
        }
    }
    // Every option the catalogue sells in, and all six colours, turn up this early.
    assert_eq!(names.len(), 5, "{names:?}");
    assert!(values.len() >= 6 + 2 + 2 + 3 + 4 + 2, "{values:?}");
    for name in names {
        let en = option_en(name).unwrap_or_else(|| panic!("no English for option {name}"));
        assert!(en.is_ascii() && !en.is_empty(), "{name} → {en}");
    }
    for value in values {
        match option_value_en(value) {
            Some(en) => assert!(!value.is_ascii() && en.is_ascii() && !en.is_empty(), "{value} → {en}"),
            None => assert!(value.is_ascii(), "no English for option value {value}"),
        }
    }
}

#[test]
fn option_names_and_values_read_as_expected_in_english() {
    for (zh, en) in [
        ("颜色", "Colour"),
        ("尺码", "Size"),
        ("存储", "Storage"),
        ("长度", "Length"),
        ("规格", "Size"),
    ] {
        assert_eq!(option_en(zh), Some(en), "{zh}");
    }
    for (zh, en) in [
        ("黑色", "Black"),
        ("白色", "White"),
        ("蓝色", "Blue"),
        ("银色", "Silver"),
        ("绿色", "Green"),
        ("粉色", "Pink"),
    ] {
        assert_eq!(option_value_en(zh), Some(en), "{zh}");
    }
    for latin in ["128GB", "256GB", "S", "XL", "1m", "100g", "30ml"] {
        assert_eq!(option_value_en(latin), None, "{latin}");
    }
    assert_eq!(option_en("重量"), None);
    assert_eq!(option_en("Colour"), None);
    assert_eq!(option_value_en("紫色"), None);
}

#[test]
fn english_titles_read_like_an_english_shop_writes_them() {
    // One product of each category from seed 42, and the famous examples: a Huawei Mate and
    // a Longjing green tea picked before Qingming.
    for (index, name_en) in [
        (492, "HUAWEI Mate 60 Pro Phone 16GB+512GB Yadan Black"),
        (72, "Apple iPhone 15 Pro 1TB Black Titanium"),
        (
            22,
            "HP ProBook 66 (2024) Business Laptop, Intel Core i7-1360P, 32GB RAM, 1TB SSD, 2.5K 240Hz Display, Ice White",
        ),
        (
            39,
            "Apple MacBook Air 15-inch M3 Laptop, 24GB Unified Memory, 1TB SSD, Space Grey",
        ),
        (
            4,
            "JBL TUNE 770NC Noise Cancelling Over-Ear Wireless Headphones, Starry Grey",
        ),
        (64, "Anker 737 Power Bank 24000mAh 140W, Glacier Blue"),
        (
            216,
            "Shifeng West Lake Longjing Green Tea, Pre-Qingming, Top Grade, 2024 Harvest, 125 g Iron Tin",
        ),
        (5, "Panpan Sachima, Coconut Flavour, 500 g"),
        (2, "ZWILLING Non-Stick Frying Pan, 26 cm, Stone Finish, Model KS-17S012"),
        (0, "Under Armour Curry 11 Women's Basketball Shoes, Light Grey, EU 42"),
        (
            11,
            "Designing Data-Intensive Applications by Martin Kleppmann (Collector's Edition, Chinese)",
        ),
        (12, "PROYA Double Resist Serum 30 ml, Gift Box"),
        (28, "MUJI Scented Candle, Fig, 200 g"),
        (19, "LEGO Botanicals Bonsai Tree 10281 Building Set, Ages 18+"),
        (3, "BANDAI Gundam Model Kit, MG 1/100 Strike Freedom, Ages 15+"),
    ] {
        assert_eq!(product(42, index).name_en, name_en, "product {index}");
    }
}

#[test]
fn english_titles_carry_what_the_chinese_titles_say() {
    for p in catalogue(42, 2_000) {
        let (name, name_en) = (p.name.as_str(), p.name_en.as_str());
        let check = |ok: bool| assert!(ok, "{}: {name} → {name_en}", p.sku);
        match p.category {
            "Phones" => {
                check(
                    [
                        "Apple iPhone",
                        "HUAWEI",
                        "Xiaomi",
                        "Redmi",
                        "OPPO",
                        "vivo",
                        "HONOR",
                        "OnePlus",
                        "Samsung",
                    ]
                    .iter()
                    .any(|b| name_en.starts_with(b)),
                );
            }
            "Laptops" => check(name_en.contains(" Laptop, ") && name_en.contains(" SSD, ")),
            "Headphones" => check(name_en.contains("Earbuds") || name_en.contains("Headphones")),
            "Tea" => check(name_en.contains(" Tea, ") && name_en.contains(" g ")),
            "Snacks" => check(name_en.matches(", ").count() >= 2),
            "Sportswear" => check(name_en.contains(", EU ") || name_en.contains(", Size ")),
            "Books" => check(name_en.contains(" by ") && name_en.ends_with(", Chinese)")),
            "Toys" => check(name_en.contains(", Ages ") && name.contains("LEGO") == name_en.starts_with("LEGO ")),
            _ => {}
        }
        // Every number of the Chinese title's Latin words survives into the English one
        // (`Mate 60 Pro`, `12GB+512GB`, `R5-7640HS` as `Ryzen 5 7640HS`, `250g` as `250 g`);
        // selling-point tags (`适用iPhone 15/16`) are left to the Chinese title.
        let latin = |w: &&str| w.is_ascii() && *w != "15/16";
        for word in name.split(' ').filter(latin) {
            for number in word.split(|c: char| !c.is_ascii_digit()).filter(|n| !n.is_empty()) {
                check(name_en.contains(number));
            }
        }
    }
}

/// Whether `c` is a CJK character or CJK punctuation: ideographs (with extension A and the
/// compatibility block), radicals, kana, CJK symbols and punctuation (`、。《》`) and
/// full-width forms (`，：（）`).
fn is_cjk(c: char) -> bool {
    matches!(
        u32::from(c),
        0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF
    )
}
