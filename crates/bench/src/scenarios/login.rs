//! `login`: logging in at the server's bcrypt cost, beside the bound the hash time sets
//! (cores ÷ the time of one verification: bcrypt is the whole cost by design).

use std::sync::Arc;
use std::time::{Duration, Instant};

use emporium_domain::account::Role;
use hyper::{Method, StatusCode};
use serde_json::json;

use crate::Settings;
use crate::load::Call;
use crate::report;
use crate::scenarios::hammer;
use crate::seed;
use crate::server::Shop;

/// Runs the scenario and prints its figures.
pub async fn run(s: &Settings, bcrypt_cost: u32) -> anyhow::Result<()> {
    report::section(&format!("login ({:?}, bcrypt cost {bcrypt_cost})", s.engine));
    let mut shop = Shop::generated(&s.emporium, s.engine, s.products, &s.postgres).await?;
    shop.bcrypt_cost = bcrypt_cost;
    let store = shop.store().await?;
    let users = s.connections.max(1);
    seed::accounts(&store, "member", users, Role::Customer, bcrypt_cost).await?;
    store.close().await;
    let server = shop.start(&[]).await?;

    // One verification, timed here on one core (the median of five).
    let hash = bcrypt::hash(seed::PASSWORD, bcrypt_cost)?;
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let _ = bcrypt::verify(seed::PASSWORD, &hash);
            t.elapsed()
        })
        .collect();
    times.sort();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let bound = cores as f64 / times[2].as_secs_f64();
    report::fact("one bcrypt verification", report::ms(times[2]));
    report::fact("bound: cores ÷ verification", format!("{bound:.1} logins/s"));

    server.reset_peak();
    let names = Arc::new((0..users).map(|n| format!("member{n}")).collect::<Vec<_>>());
    // More connections than a few per core only lengthen the hasher's queue.
    let m = hammer(
        server.addr,
        s.connections.min(8),
        s.duration,
        StatusCode::OK,
        move |worker, _| {
            Call::json(
                Method::POST,
                "/api/v1/auth/login",
                &json!({"username": names[worker % names.len()], "password": seed::PASSWORD}),
            )
        },
    )
    .await?;
    report::line("logins", "logins", &m, None, Some(server.rss()));
    report::fact("share of the bound", format!("{:.0} %", 100.0 * m.rate() / bound));
    Ok(())
}
