//! Suggestion latency on the demo catalogue: indexes the first N products of `serve --demo`'s
//! catalogue (seed 42) in a temporary folder, then times [`SearchIndex::suggest`] for searches
//! that find nothing (misspellings, pinyin, nonsense), first with the vocabulary still to read
//! and then warm, and prints what each suggests.
//!
//! `cargo run --release -p emporium-search --example suggest_latency [N] [ROUNDS]`
//! (defaults: 1000 products, 200 rounds).

use std::error::Error;
use std::time::{Duration, Instant};

use emporium_search::{ProductDoc, ProductStatus, SearchIndex, SearchQuery};

/// Searches that find nothing in the demo catalogue.
const QUERIES: &[&str] = &[
    "hedphnoes",
    "wireles hedphnoes",
    "iphnoe pro mxa",
    "shouji",
    "shou ji",
    "erji",
    "lanya erji",
    "lvcha",
    "lü cha",
    "xqzvbnm",
    "asdfghjkl qwerty",
];

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(1000), |a| a.parse())?;
    let rounds: usize = args.next().map_or(Ok(200), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let (index, _) = SearchIndex::open(dir.path())?;
    let docs = emporium_demo::catalogue(42, n).enumerate().map(|(i, p)| {
        let category_zh = emporium_demo::category_zh(p.category).unwrap_or_default();
        ProductDoc {
            id: i as i64 + 1,
            name: p.name,
            description: p.description,
            translated_names: vec![p.name_en],
            translated_texts: vec![p.description_en],
            category: Some(p.category.to_owned()),
            category_path: vec![category_zh.to_owned()],
            price: p.price,
            status: ProductStatus::Active,
            rating_average: 0.0,
            created_at: 1_700_000_000_000 + i as i64,
            category_ids: Vec::new(),
            option_values: Vec::new(),
            in_stock: true,
        }
    });
    let started = Instant::now();
    index.rebuild(docs, 1)?;
    println!("{n} products indexed in {:?}", started.elapsed());

    let query = |text: &str| SearchQuery {
        text: text.to_owned(),
        limit: 24,
        active_only: true,
        ..SearchQuery::default()
    };
    let started = Instant::now();
    index.suggest(&query("shouji"))?;
    println!("first suggestion (reads the vocabulary): {:?}", started.elapsed());

    let mut all = Vec::new();
    println!("{:<20} {:>6} {:>10} {:>10}  suggestion", "query", "hits", "p50", "p99");
    for text in QUERIES {
        let hits = index.search(&query(text))?.ids.len();
        let mut times: Vec<Duration> = (0..rounds)
            .map(|_| {
                let started = Instant::now();
                let _ = index.suggest(&query(text));
                started.elapsed()
            })
            .collect();
        times.sort_unstable();
        let suggestion = index.suggest(&query(text))?;
        println!(
            "{text:<20} {hits:>6} {:>10.3?} {:>10.3?}  {suggestion:?}",
            times[times.len() / 2],
            times[times.len() * 99 / 100],
        );
        all.extend(times);
    }
    all.sort_unstable();
    println!(
        "all: p50 {:.3?}, p99 {:.3?}, max {:.3?}",
        all[all.len() / 2],
        all[all.len() * 99 / 100],
        all[all.len() - 1]
    );
    Ok(())
}
