//! The shared catalogue and helpers that keep the tests short.

use std::sync::OnceLock;

use emporium_search::{ProductDoc, ProductStatus, SearchIndex, SearchQuery};

/// A product with the given texts; other attributes vary with the id (with deliberate ties).
pub fn product(id: i64, name: &str, description: &str, category: Option<&str>) -> ProductDoc {
    ProductDoc {
        id,
        name: name.to_owned(),
        description: description.to_owned(),
        category: category.map(str::to_owned),
        category_path: Vec::new(),
        translated_names: Vec::new(),
        translated_texts: Vec::new(),
        price: 1_000 + (id * 7_919) % 13 * 500,
        status: ProductStatus::Active,
        rating_average: ((id * 13) % 6) as f64 * 0.5 + 2.0,
        created_at: 1_700_000_000_000 + (id * 37) % 10 * 60_000,
        category_ids: Vec::new(),
        option_values: Vec::new(),
        in_stock: true,
    }
}

/// The catalogue behind [`shared`]: Chinese and English products, typo'd listings, ties.
pub fn catalogue() -> &'static [ProductDoc] {
    static CATALOGUE: OnceLock<Vec<ProductDoc>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut docs = vec![
            product(1, "华为 Mate 60 手机", "华为旗舰智能手机，麒麟芯片", Some("手机")),
            product(2, "苹果手机 iPhone 15", "Apple smartphone, A16 chip", Some("手机")),
            product(3, "小米蓝牙耳机", "无线 降噪 耳机", Some("耳机")),
            product(4, "联想笔记本电脑 ThinkPad X1", "轻薄商务笔记本", Some("电脑")),
            product(5, "西湖龙井茶叶 250g", "明前 绿茶", Some("茶叶")),
            product(
                6,
                "Nike Running Shoes",
                "Lightweight shoes for daily runs",
                Some("Shoes"),
            ),
            product(
                7,
                "Trail Runner",
                "Rugged trail shoes; run on any terrain",
                Some("Shoes"),
            ),
            product(
                8,
                "Wireless Headphones",
                "Bluetooth over-ear headphones with noise cancelling",
                Some("Audio"),
            ),
            product(9, "Gaming Laptop 15", "RTX graphics, 32 GB memory", Some("Computers")),
            product(10, "Laptop Stand", "Aluminium, adjustable height", Some("Accessories")),
            product(11, "Leather Wallet", "Slim bifold wallet", Some("Accessories")),
            product(12, "Canvas Wallet", "Leather trim", Some("Accessories")),
            product(13, "Phone Case", "Protective case for phones", Some("Accessories")),
            product(14, "Phone Charger", "65 W fast charger", Some("Accessories")),
            product(15, "Prototype Phone", "Not for sale yet", Some("Accessories")),
            product(16, "Old Phone", "Discontinued", Some("Accessories")),
            product(
                17,
                "Laptop Stant",
                "A seller's typo: sturdy desk riser",
                Some("Accessories"),
            ),
            product(18, "Laptap Cooling Pad", "Another typo'd listing", Some("Accessories")),
            product(19, "Headphone Case", "Hard shell", Some("Audio")),
            product(20, "手机壳 透明", "防摔 保护壳", Some("配件")),
            product(21, "Speaker Cable", "Copper cable for audio equipment", Some("Cables")),
            product(22, "跑步鞋 Running", "男士运动鞋 轻便", Some("Shoes")),
            product(23, "车载手机支架", "智能 感应 夹紧", Some("配件")),
        ];
        docs[14].status = ProductStatus::Draft;
        docs[15].status = ProductStatus::Archived;
        // Seven identical T-shirts: identical scores, prices and ratings, so every order ties.
        for id in 30..37 {
            let mut shirt = product(id, "Cotton T-Shirt", "Plain cotton tee", Some("T-Shirts"));
            (shirt.price, shirt.rating_average, shirt.created_at) = (1_990, 4.0, 1_700_000_000_000);
            docs.push(shirt);
        }
        docs
    })
}

/// One index over [`catalogue`], shared by the read-only tests of this binary.
pub fn shared() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let index = SearchIndex::in_memory().expect("in-memory index");
        index.upsert(catalogue(), 1).expect("catalogue indexed");
        index
    })
}

/// A first page of 100 for `text`, as staff see it (all statuses).
pub fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.to_owned(),
        limit: 100,
        ..SearchQuery::default()
    }
}

/// The ids `text` finds in `index`, in order.
pub fn ids(index: &SearchIndex, text: &str) -> Vec<i64> {
    let hits = index.search(&query(text)).expect("search");
    assert!(!hits.has_more, "test queries fit one page");
    hits.ids
}

/// Pages through every result of `query` with its `limit`, checking `has_more` on each page.
pub fn all_pages(index: &SearchIndex, mut query: SearchQuery) -> Vec<i64> {
    let mut all = Vec::new();
    query.offset = 0;
    loop {
        let hits = index.search(&query).expect("search");
        assert!(hits.ids.len() <= query.limit);
        if hits.has_more {
            assert_eq!(hits.ids.len(), query.limit, "a page before the last is full");
        }
        all.extend(&hits.ids);
        if !hits.has_more {
            return all;
        }
        query.offset += query.limit;
    }
}

/// Sorted copy, for comparing sets.
pub fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids
}
