//! `browse`: product detail, listing pages and search, as anonymous shoppers do.

use std::time::Duration;

use hyper::StatusCode;

use crate::Settings;
use crate::load::Call;
use crate::report;
use crate::scenarios::{hammer, references};
use crate::server::Shop;

/// Listing pages: newest, by price, by category.
const LISTINGS: &[&str] = &[
    "/api/v1/products?limit=20",
    "/api/v1/products?limit=20&sort=price_asc",
    "/api/v1/products?limit=20&category=Tea&sort=price_desc",
    "/api/v1/products?limit=20&category=Phones",
];

/// Listings narrowed by option values and stock: the search index answers these.
const FACETED: &[&str] = &[
    "/api/v1/products?limit=20&option=%E9%A2%9C%E8%89%B2:%E9%BB%91%E8%89%B2", // 颜色:黑色
    "/api/v1/products?limit=20&option=%E5%B0%BA%E7%A0%81:M&in_stock=true",    // 尺码:M
    "/api/v1/products?limit=20&in_stock=true&sort=price_asc",
    "/api/v1/products?limit=20&category=Phones&option=%E5%AD%98%E5%82%A8:256GB", // 存储:256GB
];

/// Searches, half Chinese and half English, some filtered or sorted.
const SEARCHES: &[&str] = &[
    "q=%E6%89%8B%E6%9C%BA",                            // 手机
    "q=%E8%93%9D%E7%89%99%E8%80%B3%E6%9C%BA",          // 蓝牙耳机
    "q=%E7%BB%BF%E8%8C%B6&sort=price_asc",             // 绿茶
    "q=%E8%BF%90%E5%8A%A8%E9%9E%8B&max_price=50000",   // 运动鞋
    "q=%E7%AC%94%E8%AE%B0%E6%9C%AC%E7%94%B5%E8%84%91", // 笔记本电脑
    "q=%E9%9B%B6%E9%A3%9F&category=Snacks",            // 零食
    "q=iphone",
    "q=wireless%20headphones",
    "q=green%20tea&sort=rating",
    "q=running%20shoes",
    "q=laptop&min_price=500000",
    "q=lipstick",
];

/// Runs the scenario and prints its figures.
pub async fn run(s: &Settings) -> anyhow::Result<()> {
    report::section(&format!("browse ({:?}, {} products)", s.engine, s.products));
    let shop = Shop::generated(&s.emporium, s.engine, s.products, &s.postgres).await?;
    let server = shop.start(&[]).await?;
    report::fact("ready after start (existing data)", report::ms(server.ready_in));
    tokio::time::sleep(Duration::from_secs(1)).await;
    report::fact("idle RSS", format!("{:.1} MB", server.rss().now_mb));
    let (ceiling, _) = references(s).await?;
    let products = u64::from(s.products.max(1));
    let addr = server.addr;

    server.reset_peak();
    let m = hammer(addr, s.connections, s.duration, StatusCode::OK, move |_, rng| {
        Call::get(format!("/api/v1/products/{}", rng.u64(1..=products)))
    })
    .await?;
    report::line("product detail", "req", &m, Some(ceiling), Some(server.rss()));

    // Shoppers do not pick products uniformly: a few are viewed far more than the rest.
    // Zipf's law with s = 1 is the usual model of such popularity (web pages, catalogues).
    let popular = std::sync::Arc::new(Zipf::new(products));
    server.reset_peak();
    let m = hammer(addr, s.connections, s.duration, StatusCode::OK, move |_, rng| {
        Call::get(format!("/api/v1/products/{}", popular.sample(rng)))
    })
    .await?;
    report::line(
        "product detail, Zipf popularity",
        "req",
        &m,
        Some(ceiling),
        Some(server.rss()),
    );

    server.reset_peak();
    let m = hammer(addr, s.connections, s.duration, StatusCode::OK, |_, rng| {
        Call::get(LISTINGS[rng.usize(..LISTINGS.len())])
    })
    .await?;
    report::line("listing", "req", &m, Some(ceiling), Some(server.rss()));

    // The facet counts' share of a listing: the same pages without them. (Counts are kept
    // per index snapshot, so this is the cost of serving kept counts; a first count of a
    // query is measured by `cargo run --release -p emporium-search --example search_latency`.)
    server.reset_peak();
    let m = hammer(addr, s.connections, s.duration, StatusCode::OK, |_, rng| {
        Call::get(format!("{}&facets=false", LISTINGS[rng.usize(..LISTINGS.len())]))
    })
    .await?;
    report::line("listing without facets", "req", &m, Some(ceiling), Some(server.rss()));
    server.reset_peak();
    let m = hammer(addr, s.connections, s.duration, StatusCode::OK, |_, rng| {
        Call::get(FACETED[rng.usize(..FACETED.len())])
    })
    .await?;
    report::line(
        "listing by option and stock",
        "req",
        &m,
        Some(ceiling),
        Some(server.rss()),
    );

    let search = |_: usize, rng: &mut fastrand::Rng| {
        Call::get(format!(
            "/api/v1/products?{}&limit=20",
            SEARCHES[rng.usize(..SEARCHES.len())]
        ))
    };
    server.reset_peak();
    let m = hammer(addr, s.connections, s.duration, StatusCode::OK, search).await?;
    report::line("search", "req", &m, Some(ceiling), Some(server.rss()));
    let m = hammer(addr, 1, s.duration, StatusCode::OK, search).await?;
    report::line("search, one connection", "req", &m, None, None);
    report::fact("server RSS now", format!("{:.1} MB", server.rss().now_mb));
    Ok(())
}

/// Product ids drawn with Zipf's law (s = 1): the k-th most popular product is viewed in
/// proportion to 1/k. Popularity ranks are shuffled over the ids with a fixed seed.
struct Zipf {
    /// Cumulative weights of ranks 1..=n.
    cumulative: Vec<f64>,
    /// The id at each rank.
    ids: Vec<u64>,
}

impl Zipf {
    fn new(n: u64) -> Self {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|k| {
                total += 1.0 / k as f64;
                total
            })
            .collect();
        let mut ids: Vec<u64> = (1..=n).collect();
        fastrand::Rng::with_seed(7).shuffle(&mut ids);
        Self { cumulative, ids }
    }

    fn sample(&self, rng: &mut fastrand::Rng) -> u64 {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let rank = self.cumulative.partition_point(|&c| c < rng.f64() * total);
        self.ids[rank.min(self.ids.len() - 1)]
    }
}
