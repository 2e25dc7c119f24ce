//! Suggestions for searches that find nothing: spelling corrections, pinyin, and never a
//! suggestion that itself finds nothing.

use std::sync::OnceLock;

use emporium_search::{ProductDoc, ProductStatus, SearchIndex, SearchQuery};

use crate::support::product;

/// A bilingual product: the Chinese name, its English translation, and the category in both.
fn bilingual(id: i64, name: &str, english: &str, category: (&str, &str)) -> ProductDoc {
    ProductDoc {
        translated_names: vec![english.to_owned()],
        category_path: vec![category.1.to_owned()],
        ..product(id, name, "", Some(category.0))
    }
}

/// A small bilingual shop, with a draft whose words only staff may be pointed to.
fn shop() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut docs = vec![
            bilingual(1, "苹果手机 iPhone 15", "Apple iPhone 15", ("手机", "Phones")),
            bilingual(2, "华为 Mate 60 手机", "HUAWEI Mate 60 Phone", ("手机", "Phones")),
            bilingual(3, "小米蓝牙耳机", "Xiaomi Bluetooth Earbuds", ("耳机", "Headphones")),
            bilingual(4, "索尼头戴式耳机", "Sony Wireless Headphones", ("耳机", "Headphones")),
            bilingual(5, "西湖龙井 绿茶 250g", "West Lake Longjing Green Tea", ("茶叶", "Tea")),
            bilingual(6, "重庆小面", "Chongqing Noodles", ("零食", "Snacks")),
            bilingual(7, "蓝牙音箱", "Bluetooth Speaker", ("音箱", "Speakers")),
        ];
        docs[6].status = ProductStatus::Draft;
        let index = SearchIndex::in_memory().expect("in-memory index");
        index.upsert(&docs, 1).expect("catalogue indexed");
        index
    })
}

/// The query as a shopper sends it (active products only).
fn shopper(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.to_owned(),
        limit: 20,
        active_only: true,
        ..SearchQuery::default()
    }
}

fn suggest(text: &str) -> Option<String> {
    shop().suggest(&shopper(text)).expect("suggest")
}

#[test]
fn misspelt_words_are_corrected_to_the_catalogues_spelling() {
    assert_eq!(suggest("hedphnoes").as_deref(), Some("headphones"), "two edits");
    assert_eq!(suggest("hedphones").as_deref(), Some("headphones"));
    assert_eq!(suggest("iphnoe").as_deref(), Some("iphone"), "a swap is one edit");
    assert_eq!(suggest("IPHNOE").as_deref(), Some("iphone"));
    assert_eq!(suggest("blutooth earbud").as_deref(), Some("bluetooth earbuds"));
    assert_eq!(suggest("grean tea").as_deref(), Some("green tea"), "a known word stays");
}

#[test]
fn pinyin_finds_the_chinese_words_with_or_without_spaces_and_tones() {
    for typed in ["shouji", "shou ji", "Shǒujī", "shou3 ji1", "SHOUJI"] {
        assert_eq!(suggest(typed).as_deref(), Some("手机"), "{typed}");
    }
    assert_eq!(suggest("erji").as_deref(), Some("耳机"));
    for typed in ["lvcha", "lücha", "lv cha", "lǜchá", "lucha"] {
        assert_eq!(suggest(typed).as_deref(), Some("绿茶"), "{typed}");
    }
    assert_eq!(suggest("chongqing").as_deref(), Some("重庆"), "any reading of 重");
    assert_eq!(suggest("lvcha shouji"), None, "no product is both");
    let spelt = suggest("lanyaerji").expect("two words in one");
    assert!(spelt == "蓝牙耳机" || spelt == "蓝牙 耳机", "{spelt}");
    assert_eq!(
        suggest("huawei shouji").as_deref(),
        Some("华为 手机"),
        "brands in pinyin too"
    );
    assert_eq!(suggest("iphone shouji").as_deref(), Some("iphone 手机"), "mixed");
}

#[test]
fn chinese_homophones_are_corrected() {
    assert_eq!(
        suggest("耳鸡").as_deref(),
        Some("耳机"),
        "what a pinyin keyboard slips to"
    );
    assert_eq!(suggest("绿查").as_deref(), Some("绿茶"));
    assert_eq!(suggest("手鸡 iphnoe").as_deref(), Some("手机 iphone"));
}

#[test]
fn nonsense_gets_no_suggestion() {
    for typed in [
        "xqzvbnm",
        "asdfghjk",
        "zz",
        "qwe",
        "",
        "   ",
        "!!!",
        "😀",
        "ｘｙｚ",
        "12345",
        "火星",
    ] {
        assert_eq!(suggest(typed), None, "{typed:?}");
    }
    assert_eq!(suggest(&"shouji ".repeat(100)), None, "too long to split");
}

#[test]
fn a_suggestion_always_finds_products_with_the_same_filters() {
    let typed = [
        "hedphnoes",
        "iphnoe",
        "shouji",
        "shou ji",
        "erji",
        "lvcha",
        "lanya",
        "lanya yinxiang",
        "speker",
        "chongqing",
        "xiaomi erji",
        "nodles",
    ];
    for text in typed {
        for query in [
            shopper(text),
            SearchQuery {
                active_only: false,
                ..shopper(text)
            },
        ] {
            if let Some(suggestion) = shop().suggest(&query).expect("suggest") {
                let found = shop()
                    .search(&SearchQuery {
                        text: suggestion.clone(),
                        ..query.clone()
                    })
                    .expect("search");
                assert!(!found.ids.is_empty(), "{text} → {suggestion} finds nothing");
            }
        }
    }
    // The speaker is a draft: staff are pointed to it, shoppers are not.
    assert_eq!(suggest("yinxiang"), None);
    let staff = SearchQuery {
        active_only: false,
        ..shopper("yinxiang")
    };
    assert_eq!(shop().suggest(&staff).expect("suggest").as_deref(), Some("音箱"));
    // Within a category that has no phone, `shouji` suggests nothing.
    let tea = SearchQuery {
        category: Some("Tea".into()),
        ..shopper("shouji")
    };
    assert_eq!(shop().suggest(&tea).expect("suggest"), None);
    let phones = SearchQuery {
        category: Some("Phones".into()),
        ..shopper("shouji")
    };
    assert_eq!(shop().suggest(&phones).expect("suggest").as_deref(), Some("手机"));
}

#[test]
fn the_vocabulary_follows_the_index() {
    let index = SearchIndex::in_memory().expect("in-memory index");
    let ask = |text: &str| index.suggest(&shopper(text)).expect("suggest");
    assert_eq!(ask("kafei"), None, "an empty index suggests nothing");
    index
        .upsert(
            &[bilingual(1, "云南咖啡豆", "Yunnan Coffee Beans", ("咖啡", "Coffee"))],
            1,
        )
        .expect("upsert");
    assert_eq!(ask("kafei").as_deref(), Some("咖啡"));
    assert_eq!(ask("cofee").as_deref(), Some("coffee"));
    index
        .upsert(&[bilingual(2, "速溶咖啡", "Instant Coffee", ("咖啡", "Coffee"))], 2)
        .expect("upsert");
    assert_eq!(
        ask("instent").as_deref(),
        Some("instant"),
        "a word of the newest segment"
    );
    index.delete(&[1, 2], 3).expect("delete");
    assert_eq!(ask("kafei"), None, "deleted products are never suggested");
    assert_eq!(ask("cofee"), None);
}

#[test]
fn a_search_matching_only_some_words_says_so() {
    let both = shop().search(&shopper("iPhone 15")).expect("search");
    assert!(!both.ids.is_empty() && !both.partial, "every word matched");
    let some = shop().search(&shopper("Sony iPhone")).expect("search");
    assert_eq!(some.ids.len(), 2, "either word: {some:?}");
    assert!(some.partial, "no product is both");
    let none = shop().search(&shopper("xqzvbnm")).expect("search");
    assert!(none.ids.is_empty() && !none.partial);
}
