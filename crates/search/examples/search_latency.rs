//! Search latency benchmark: indexes N synthetic bilingual products in a temporary folder, then
//! runs a fixed mix of Chinese and English queries (with and without filters, sorts, typos)
//! single-threaded and prints build time, latency percentiles and throughput.
//!
//! `cargo run --release -p emporium-search --example search_latency [N] [QUERIES]`
//! (defaults: 100000 products, 2000 queries).

use std::error::Error;
use std::time::{Duration, Instant};

use emporium_search::{ProductDoc, ProductStatus, SearchIndex, SearchQuery, SearchSort};

const BRANDS: &[&str] = &[
    "华为", "小米", "苹果", "联想", "Nike", "Adidas", "Sony", "Apple", "Lenovo", "Anker", "龙井",
];
const ADJECTIVES: &[&str] = &[
    "无线", "蓝牙", "轻薄", "防水", "智能", "Wireless", "Pro", "Ultra", "Portable", "Classic", "Running", "Gaming",
];
const NOUNS: &[&str] = &[
    "手机",
    "耳机",
    "笔记本电脑",
    "电脑",
    "茶叶",
    "运动鞋",
    "充电器",
    "Phone",
    "Headphones",
    "Laptop",
    "Tea",
    "Shoes",
    "Charger",
    "Speaker",
    "Watch",
];
const DESCRIPTION_WORDS: &[&str] = &[
    "高品质",
    "正品",
    "包邮",
    "新款",
    "降噪",
    "长续航",
    "快充",
    "透气",
    "绿茶",
    "明前",
    "商务",
    "学生",
    "礼物",
    "lightweight",
    "durable",
    "premium",
    "noise",
    "cancelling",
    "battery",
    "fast",
    "comfortable",
    "breathable",
    "organic",
    "gift",
    "waterproof",
    "bluetooth",
    "stainless",
    "leather",
    "cotton",
    "for",
    "with",
    "and",
    "the",
];
const CATEGORIES: &[&str] = &[
    "手机",
    "耳机",
    "电脑",
    "茶叶",
    "鞋",
    "Electronics",
    "Audio",
    "Computers",
    "Tea",
    "Shoes",
    "Accessories",
];

const TEXTS_CHINESE: &[&str] = &[
    "手机",
    "耳机",
    "笔记本电脑",
    "茶叶",
    "运动鞋",
    "华为手机",
    "无线耳机",
    "小米 充电器",
    "蓝牙耳机 降噪",
    "龙井茶叶",
];
const TEXTS_ENGLISH: &[&str] = &[
    "phone",
    "headphones",
    "laptop",
    "wireless",
    "running shoes",
    "sony headphones",
    "apple watch",
    "gaming laptop",
    "Portable Speaker",
    "noise cancelling headphones",
];
const TEXTS_TYPO: &[&str] = &[
    "lapotp",
    "headphnes",
    "wireles charger",
    "speker",
    "unicorn laptop",
    "iphnoe",
];

/// A tiny deterministic generator (xorshift64*), so every run indexes the same catalogue.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn product(rng: &mut Rng, id: i64) -> ProductDoc {
    let name = format!(
        "{} {}{} {}",
        rng.pick(BRANDS),
        rng.pick(ADJECTIVES),
        rng.pick(NOUNS),
        rng.below(100)
    );
    let words = 10 + rng.below(20);
    let description: Vec<&str> = (0..words).map(|_| rng.pick(DESCRIPTION_WORDS)).collect();
    ProductDoc {
        id,
        name,
        description: description.join(" "),
        category: (rng.below(10) > 0).then(|| rng.pick(CATEGORIES).to_owned()),
        category_path: Vec::new(),
        translated_names: Vec::new(),
        translated_texts: Vec::new(),
        price: 100 + rng.below(1_000_000) as i64,
        status: match rng.below(20) {
            0 => ProductStatus::Draft,
            1 => ProductStatus::Archived,
            _ => ProductStatus::Active,
        },
        rating_average: rng.below(51) as f64 / 10.0,
        created_at: 1_600_000_000_000 + rng.below(100_000_000_000) as i64,
        // Ten top categories of ten each, three sizes and up to four colours of twelve.
        category_ids: {
            let leaf = rng.below(100) as i64;
            vec![1 + leaf / 10, 100 + leaf]
        },
        option_values: {
            let mut values: Vec<(String, String)> = ["S", "M", "L"]
                .iter()
                .map(|s| ("Size".to_owned(), (*s).to_owned()))
                .collect();
            for _ in 0..1 + rng.below(4) {
                values.push(("Colour".to_owned(), rng.pick(COLOURS).to_owned()));
            }
            values
        },
        in_stock: rng.below(10) > 0,
    }
}

const COLOURS: &[&str] = &[
    "black", "white", "red", "blue", "green", "grey", "navy", "pink", "yellow", "brown", "purple", "orange",
];

/// The kinds of query in the mix, reported separately.
const KINDS: [&str; 5] = ["chinese", "english", "typo/fallback", "filtered+sorted", "no text"];

fn query(rng: &mut Rng, kind: usize) -> SearchQuery {
    let sorts = [
        SearchSort::Relevance,
        SearchSort::PriceAsc,
        SearchSort::PriceDesc,
        SearchSort::Newest,
        SearchSort::Rating,
    ];
    let mut query = SearchQuery {
        limit: 20,
        offset: [0, 0, 0, 20, 100][rng.below(5)],
        ..SearchQuery::default()
    };
    match kind {
        0 => query.text = rng.pick(TEXTS_CHINESE).to_owned(),
        1 => query.text = rng.pick(TEXTS_ENGLISH).to_owned(),
        2 => query.text = rng.pick(TEXTS_TYPO).to_owned(),
        3 => {
            let texts = if rng.below(2) == 0 {
                TEXTS_CHINESE
            } else {
                TEXTS_ENGLISH
            };
            query.text = rng.pick(texts).to_owned();
            query.category = (rng.below(2) == 0).then(|| rng.pick(CATEGORIES).to_owned());
            query.min_price = Some(rng.below(500_000) as i64);
            query.max_price = query.min_price.map(|min| min + rng.below(500_000) as i64);
            query.sort = sorts[rng.below(sorts.len())];
            query.active_only = true;
        }
        _ => {
            query.category = (rng.below(2) == 0).then(|| rng.pick(CATEGORIES).to_owned());
            query.sort = sorts[rng.below(sorts.len())];
            query.active_only = true;
        }
    }
    query
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let products: i64 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(100_000);
    let queries: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(2_000);

    let folder = tempfile::tempdir()?;
    let started = Instant::now();
    let (index, _) = SearchIndex::open(folder.path())?;
    let opened = started.elapsed();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();
    let indexed = index.rebuild((1..=products).map(|id| product(&mut rng, id)), 1)?;
    let build = started.elapsed();
    let bytes: u64 = std::fs::read_dir(folder.path())?
        .filter_map(Result::ok)
        .filter_map(|entry| entry.metadata().ok())
        .map(|metadata| metadata.len())
        .sum();
    println!(
        "index: {indexed} products built in {:.2} s ({:.0} docs/s), open {:.0} ms, {:.1} MB on disk",
        build.as_secs_f64(),
        indexed as f64 / build.as_secs_f64(),
        ms(opened),
        bytes as f64 / 1e6
    );

    let mut rng = Rng(42);
    let mix: Vec<(usize, SearchQuery)> = (0..queries)
        .map(|_| {
            let kind = rng.below(KINDS.len());
            (kind, query(&mut rng, kind))
        })
        .collect();
    for (_, query) in mix.iter().take(100) {
        index.search(query)?; // warm-up: page cache, allocator
    }
    let mut all = Vec::with_capacity(mix.len());
    let mut by_kind: Vec<Vec<Duration>> = vec![Vec::new(); KINDS.len()];
    let mut hits = 0;
    let started = Instant::now();
    for (kind, query) in &mix {
        let one = Instant::now();
        hits += index.search(query)?.ids.len();
        let elapsed = one.elapsed();
        all.push(elapsed);
        by_kind[*kind].push(elapsed);
    }
    let total = started.elapsed();
    all.sort_unstable();
    println!(
        "queries: {} in {:.2} s single-threaded = {:.0} queries/s; {:.1} hits/query",
        all.len(),
        total.as_secs_f64(),
        all.len() as f64 / total.as_secs_f64(),
        hits as f64 / all.len() as f64
    );
    println!(
        "latency (all): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        ms(all[all.len() - 1])
    );
    for (kind, mut durations) in KINDS.iter().zip(by_kind) {
        if durations.is_empty() {
            continue;
        }
        durations.sort_unstable();
        println!(
            "  {kind:<16} n={:<4} p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            durations.len(),
            ms(percentile(&durations, 0.5)),
            ms(percentile(&durations, 0.99)),
            ms(durations[durations.len() - 1])
        );
    }

    // Facet counts for the same mix, each distinct set of matches once (a repeat is a map
    // look-up on the kept counts), plus the option and stock filters the listings add.
    let mut seen = std::collections::HashSet::new();
    let mut cold = Vec::new();
    for (i, (_, query)) in mix.iter().enumerate() {
        let mut query = SearchQuery {
            sort: SearchSort::Relevance,
            offset: 0,
            limit: 1,
            ..query.clone()
        };
        if i % 3 == 0 {
            query.options = vec![emporium_search::OptionFilter {
                name: "Colour".to_owned(),
                values: vec![rng.pick(COLOURS).to_owned()],
            }];
            query.in_stock = i % 2 == 0;
        }
        if !seen.insert(query.clone()) {
            continue;
        }
        let one = Instant::now();
        let facets = index.facets(&query)?;
        cold.push(one.elapsed());
        std::hint::black_box(facets);
    }
    cold.sort_unstable();
    let unfiltered = SearchQuery {
        limit: 1,
        active_only: true,
        ..SearchQuery::default()
    };
    let one = Instant::now();
    let all_products = index.facets(&unfiltered)?;
    let whole = one.elapsed();
    let one = Instant::now();
    index.facets(&unfiltered)?;
    let kept = one.elapsed();
    println!(
        "facets: {} distinct queries, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; the whole active catalogue \
         ({} products) {:.2} ms, kept {:.3} ms",
        cold.len(),
        ms(percentile(&cold, 0.5)),
        ms(percentile(&cold, 0.99)),
        ms(cold[cold.len() - 1]),
        all_products.total,
        ms(whole),
        ms(kept)
    );
    Ok(())
}
