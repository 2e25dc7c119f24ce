//! Measures the write path: how many small durable write transactions per second the
//! store commits with many concurrent writers, and their latency. On SQLite this shows
//! group commit at work (many operations per flush).
//!
//! ```text
//! cargo run --release -p emporium-store --example write_throughput -- [DATABASE_URL] [WRITERS] [OPS_PER_WRITER]
//! ```
//! Without a URL it uses a fresh SQLite file in a temporary folder.

use std::sync::Arc;
use std::time::Instant;

use emporium_domain::time::Timestamp;
use emporium_store::{Store, StoreOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = tempfile::tempdir()?;
    let url = args
        .first()
        .filter(|a| a.contains("://"))
        .cloned()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let numbers: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let writers = numbers.first().copied().unwrap_or(64);
    let per_writer = numbers.get(1).copied().unwrap_or(200);

    let store = Arc::new(Store::open(&StoreOptions::new(&url)).await?);
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per_writer);
                for i in 0..per_writer {
                    let t = Instant::now();
                    // A representative small transaction: a delete and an upsert.
                    let at = Timestamp::from_millis(i as i64);
                    store.login_succeeded(&format!("bench{w}"), "192.0.2.1", at).await?;
                    latencies.push(t.elapsed());
                }
                Ok::<_, emporium_store::StoreError>(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(writers * per_writer);
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "engine {:?}: {} writers x {} ops = {} durable write transactions in {:.2?}: {:.0} tx/s, p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        store.engine(),
        writers,
        per_writer,
        latencies.len(),
        elapsed,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        latencies[latencies.len() - 1],
    );
    store.close().await;
    Ok(())
}
