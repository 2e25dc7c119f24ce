//! The model at shop scale: 100,000 users × 10,000 items × ~1,000,000 purchases with
//! Zipf-like popularity (exponent 1) and user activity, from a fixed seed. Prints fit
//! time, serialized size, peak RSS and serving latencies.
//!
//! `cargo run --release -p emporium-recommend --example scale [users items purchases [budget]]`
//!
//! `budget` is the user-neighbour search's scan budget ([`Params::scan_budget`]): a number
//! of co-buyer entries, or `exact` for no cap; the server's default when left out.

#![allow(clippy::unwrap_used, reason = "a benchmark: a failure should stop it loudly")]

use std::time::{Duration, Instant};

use emporium_recommend::{DEFAULT_SCAN_BUDGET, EXACT_SCAN, Interactions, Model, Params};

fn main() {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let budget = match raw.get(3).map(String::as_str) {
        None => DEFAULT_SCAN_BUDGET,
        Some("exact") => EXACT_SCAN,
        Some(n) => n.parse().unwrap(),
    };
    let args: Vec<usize> = raw.iter().take(3).map(|a| a.parse().unwrap()).collect();
    let users = args.first().copied().unwrap_or(100_000);
    let items = args.get(1).copied().unwrap_or(10_000);
    let purchases = args.get(2).copied().unwrap_or(1_000_000);
    let mut rng = fastrand::Rng::with_seed(42);

    // Zipf(1) over items through its cumulative weights; users' activity skewed too
    // (a few heavy buyers), each user buying at least once.
    let cumulative: Vec<f64> = (1..=items)
        .scan(0.0, |acc, r| {
            *acc += 1.0 / r as f64;
            Some(*acc)
        })
        .collect();
    let total = *cumulative.last().unwrap();
    // Item ranks are shuffled over ids so popularity does not follow the id order.
    let mut id_of_rank: Vec<i64> = (0..items as i64).collect();
    rng.shuffle(&mut id_of_rank);
    let started = Instant::now();
    let mut pairs = Vec::with_capacity(purchases);
    for _ in 0..purchases {
        let user = ((rng.f64().powf(2.0)) * users as f64) as i64;
        let x = rng.f64() * total;
        let rank = cumulative.partition_point(|&c| c < x).min(items - 1);
        pairs.push((user, id_of_rank[rank]));
    }
    let interactions = Interactions::from_pairs(pairs);
    println!(
        "data: {} users with purchases, {} items, {} distinct purchases (generated in {:.2} s)",
        interactions.pairs().chunk_by(|a, b| a.0 == b.0).count(),
        items,
        interactions.len(),
        started.elapsed().as_secs_f64()
    );
    println!("RSS after generating: {}", vm("VmRSS"));

    let category = |item: i64| Some(format!("c{}", item % 50));
    let started = Instant::now();
    let model = Model::fit(&interactions, category, &Params::default());
    let fit = started.elapsed();
    drop(interactions);
    println!(
        "fit: {:.2} s ({} users, {} items, {} purchases, k = 50)",
        fit.as_secs_f64(),
        model.users(),
        model.items(),
        model.interactions()
    );
    let started = Instant::now();
    let bytes = model.to_bytes();
    let encode = started.elapsed();
    let started = Instant::now();
    let mut model = Model::from_bytes(&bytes).unwrap();
    // The budget is a serving parameter, not stored in the bytes.
    model.set_scan_budget(budget);
    println!(
        "serialized: {:.1} MB (encode {:.0} ms, decode {:.0} ms)",
        bytes.len() as f64 / 1e6,
        encode.as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e3
    );

    if budget == EXACT_SCAN {
        println!("user-neighbour search: exact (no scan budget)");
    } else {
        println!("user-neighbour search: at most {budget} co-buyer entries per request");
    }

    let n = 20_000;
    let random_users: Vec<i64> = (0..n).map(|_| rng.i64(0..users as i64)).collect();
    let random_items: Vec<i64> = (0..n).map(|_| rng.i64(0..items as i64)).collect();
    let keep = |i: i64| i % 97 != 0;
    report("also_bought (limit 10)", &random_items, |i| {
        model.also_bought(i, 10, keep).len()
    });
    report("for_user, user-based (limit 10)", &random_users, |u| {
        model.for_user(u, 10, keep).0.len()
    });
    report("item_based_for_user (limit 10)", &random_users, |u| {
        model.item_based_for_user(u, 10, keep).len()
    });
    // The heaviest buyers: the worst case of the request-time neighbour search.
    let mut heavy: Vec<(usize, i64)> = (0..users as i64).map(|u| (model.bought(u).len(), u)).collect();
    heavy.sort_unstable_by(|a, b| b.cmp(a));
    let heavy: Vec<i64> = heavy.iter().take(1000).map(|&(_, u)| u).collect();
    println!(
        "heaviest 1,000 users buy {}..{} items each",
        model.bought(heavy[999]).len(),
        model.bought(heavy[0]).len()
    );
    report("for_user, 1,000 heaviest users", &heavy, |u| {
        model.for_user(u, 10, keep).0.len()
    });
    println!("peak RSS: {}", vm("VmHWM"));
}

fn report(name: &str, keys: &[i64], serve: impl Fn(i64) -> usize) {
    let mut times: Vec<Duration> = Vec::with_capacity(keys.len());
    let mut served = 0;
    for &k in keys {
        let started = Instant::now();
        served += serve(k);
        times.push(started.elapsed());
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    println!(
        "{name}: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs over {} requests ({:.1} items per list)",
        at(0.5),
        at(0.99),
        at(1.0),
        keys.len(),
        served as f64 / keys.len() as f64
    );
}

fn vm(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .map(|l| l[field.len() + 1..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
