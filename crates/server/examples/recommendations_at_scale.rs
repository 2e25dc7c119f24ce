//! The recommender end to end at shop scale: a database holding 100,000 buyers ×
//! 10,000 products × ~1,000,000 purchases (Zipf-like popularity, from a fixed seed), then
//! `recommendations::rebuild` as the background job runs it (read every purchase, fit,
//! store the bytes), the model loaded as a server loads it, and the two endpoints through
//! the real router (product look-ups included).
//!
//! `cargo run --release -p emporium-server --example recommendations_at_scale -- [DATABASE_URL] [USERS ITEMS PURCHASES]`
//! (SQLite in a temporary folder by default.)

#![allow(clippy::unwrap_used, reason = "a benchmark: a failure should stop it loudly")]

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use emporium_app::{AppConfig, AppState, recommendations, tokens};
use emporium_domain::time::{Clock, SystemClock};
use emporium_recommend::Params;
use emporium_search::SearchIndex;
use emporium_store::accounts::NewSession;
use emporium_store::{Store, StoreOptions};
use tower::ServiceExt;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = tempfile::tempdir().unwrap();
    let (url, numbers) = match args.first() {
        Some(a) if a.contains("://") => (a.clone(), &args[1..]),
        _ => (format!("sqlite://{}/bench.db", dir.path().display()), &args[..]),
    };
    let n: Vec<usize> = numbers.iter().map(|a| a.parse().unwrap()).collect();
    let (users, items, purchases) = (
        n.first().copied().unwrap_or(100_000),
        n.get(1).copied().unwrap_or(10_000),
        n.get(2).copied().unwrap_or(1_000_000),
    );
    let store = Store::open(&StoreOptions::new(&url)).await.unwrap();
    let started = Instant::now();
    let heavy = fill(&store, users, items, purchases).await;
    println!("RSS after loading: {}", vm("VmRSS"));
    println!(
        "loaded {users} buyers, {items} products, {purchases} purchase lines in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let now = SystemClock.now();
    reset_peak_rss();
    let started = Instant::now();
    let rows = store.purchases().await.unwrap().len();
    let read = started.elapsed();
    let started = Instant::now();
    let built = recommendations::rebuild(&store, &Params::default(), now).await.unwrap();
    let total = started.elapsed();
    println!(
        "rebuild: {:.2} s in all (reading {rows} distinct purchases alone {:.2} s, fit {:.2} s); {} buyers, {} products",
        total.as_secs_f64(),
        read.as_secs_f64(),
        built.fit.as_secs_f64(),
        built.users,
        built.items
    );
    println!("peak RSS while reading and rebuilding: {}", vm("VmHWM"));

    let config = AppConfig {
        bcrypt_cost: 10,
        ..AppConfig::default()
    };
    // A server loads the stored model as it starts.
    let started = Instant::now();
    let state = AppState::new(store.clone(), SearchIndex::in_memory().unwrap(), config)
        .await
        .unwrap();
    println!(
        "server state with the model loaded in {:.2} s (model {})",
        started.elapsed().as_secs_f64(),
        state.recommender().model_id()
    );
    let router = emporium_server::router(
        state.clone(),
        emporium_server::limits::Limiters::new(state.config().write_limits),
    );

    let mut rng = fastrand::Rng::with_seed(7);
    let also: Vec<String> = (0..2_000)
        .map(|_| format!("/api/v1/products/{}/also-bought?limit=10", 1 + rng.usize(..items)))
        .collect();
    report(
        "GET /products/{id}/also-bought (2,000 random products)",
        &router,
        &also,
        None,
    )
    .await;
    for (label, user) in [
        ("a random buyer", 1 + rng.usize(..users) as i64),
        ("the heaviest buyer", heavy),
    ] {
        let token = session(&store, user).await;
        let paths = vec!["/api/v1/me/recommendations?limit=10".to_owned(); 500];
        report(
            &format!("GET /me/recommendations ({label}, 500 requests)"),
            &router,
            &paths,
            Some(&token),
        )
        .await;
        let (model, _) = state.recommender().model();
        let mut times: Vec<Duration> = (0..500)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(model.for_user(user, 19, |_| true));
                started.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "  of which the model's for_user ({} items bought): p50 {:.3} ms, p99 {:.3} ms",
            model.bought(user).len(),
            times[250].as_secs_f64() * 1e3,
            times[495].as_secs_f64() * 1e3
        );
    }
    store.close().await;
}

/// Synthetic shop: users, products in 50 categories, and one received order per buyer
/// holding their purchases. Answers the heaviest buyer's id.
async fn fill(store: &Store, users: usize, items: usize, purchases: usize) -> i64 {
    let mut rng = fastrand::Rng::with_seed(42);
    let cumulative: Vec<f64> = (1..=items)
        .scan(0.0, |acc, r| {
            *acc += 1.0 / r as f64;
            Some(*acc)
        })
        .collect();
    let total = cumulative[items - 1];
    let mut baskets: Vec<Vec<i64>> = vec![Vec::new(); users];
    for _ in 0..purchases {
        let user = (rng.f64().powf(2.0) * users as f64) as usize;
        let x = rng.f64() * total;
        let rank = cumulative.partition_point(|&c| c < x).min(items - 1);
        // Rank r is product id r + 1 scrambled, so popularity does not follow the ids.
        baskets[user].push(1 + ((rank * 7_919) % items) as i64);
    }
    let heavy = 1 + baskets
        .iter()
        .enumerate()
        .max_by_key(|(_, b)| b.len())
        .map_or(0, |(u, _)| u) as i64;
    insert(
        store,
        "INSERT INTO users (id, username, username_key, password_hash, role, created_at, updated_at) VALUES ",
        7,
        (1..=users as i64).map(|u| {
            vec![
                Value::I(u),
                Value::S(format!("buyer{u}")),
                Value::S(format!("buyer{u}")),
                Value::S("!".into()),
                Value::S("customer".into()),
                Value::I(0),
                Value::I(0),
            ]
        }),
    )
    .await;
    insert(
        store,
        "INSERT INTO products (id, name, price, currency, category, images, status, created_at, updated_at) VALUES ",
        9,
        (1..=items as i64).map(|p| {
            vec![
                Value::I(p),
                Value::S(format!("product {p}")),
                Value::I(1_000),
                Value::S("CNY".into()),
                Value::S(format!("c{}", p % 50)),
                Value::S(String::new()),
                Value::S("active".into()),
                Value::I(0),
                Value::I(0),
            ]
        }),
    )
    .await;
    let buyers: Vec<(i64, &Vec<i64>)> = baskets
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.is_empty())
        .map(|(u, b)| (u as i64 + 1, b))
        .collect();
    insert(store, "INSERT INTO orders (id, user_id, status, currency, subtotal, shipping_fee, total, paid_amount, address, pay_deadline, created_at, paid_at) VALUES ", 12, buyers.iter().map(|&(u, b)| {
        let total = 1_000 * b.len() as i64;
        vec![Value::I(u), Value::I(u), Value::S("received".into()), Value::S("CNY".into()), Value::I(total), Value::I(0), Value::I(total), Value::I(total), Value::S("-".into()), Value::I(0), Value::I(0), Value::I(0)]
    }))
    .await;
    insert(
        store,
        "INSERT INTO order_items (order_id, product_id, name, unit_price, quantity, line_total, cost) VALUES ",
        7,
        buyers.iter().flat_map(|&(u, b)| {
            b.iter().map(move |&p| {
                vec![
                    Value::I(u),
                    Value::I(p),
                    Value::S(format!("product {p}")),
                    Value::I(1_000),
                    Value::I(1),
                    Value::I(1_000),
                    Value::I(500),
                ]
            })
        }),
    )
    .await;
    heavy
}

#[derive(Clone)]
enum Value {
    I(i64),
    S(String),
}

/// Multi-row INSERTs of `width` columns, 500 rows per statement, 20 statements per
/// transaction.
async fn insert(store: &Store, head: &'static str, width: usize, rows: impl Iterator<Item = Vec<Value>>) {
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Vec<Value>>> = (0..20)
            .map(|_| rows.by_ref().take(500).collect::<Vec<_>>())
            .filter(|c| !c.is_empty())
            .collect();
        store
            .write(move |conn| {
                Box::pin(async move {
                    for statement in chunk {
                        let mut sql = head.to_owned();
                        for r in 0..statement.len() {
                            let placeholders: Vec<String> =
                                (1..=width).map(|c| format!("${}", r * width + c)).collect();
                            sql.push_str(&format!(
                                "{}({})",
                                if r == 0 { "" } else { ", " },
                                placeholders.join(", ")
                            ));
                        }
                        let mut query = emporium_store::db::query(sqlx::AssertSqlSafe(sql));
                        for value in statement.into_iter().flatten() {
                            query = match value {
                                Value::I(v) => query.bind(v),
                                Value::S(v) => query.bind(v),
                            };
                        }
                        query.execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .await
            .unwrap();
    }
}

async fn session(store: &Store, user_id: i64) -> String {
    let user = store.user(user_id).await.unwrap();
    let token = tokens::generate().unwrap();
    let now = SystemClock.now();
    let session = NewSession {
        token_hash: tokens::hash(&token),
        created_at: now,
        expires_at: now.plus(Duration::from_secs(3_600)),
    };
    store.create_session(&user, session).await.unwrap();
    token
}

/// Sends the requests one after another through the router and prints p50/p99.
async fn report(label: &str, router: &axum::Router, paths: &[String], token: Option<&str>) {
    let mut times = Vec::with_capacity(paths.len());
    for path in paths {
        let mut request = Request::get(path);
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        let started = Instant::now();
        let response = router
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        times.push(started.elapsed());
        assert!(
            status.is_success(),
            "{path}: {status} {}",
            String::from_utf8_lossy(&body)
        );
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    println!("{label}: p50 {:.3} ms, p99 {:.3} ms", at(0.5), at(0.99));
}

/// Resets the kernel's peak-RSS mark, so VmHWM shows the peak of what follows.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn vm(key: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .map(|l| l[key.len() + 1..].trim().to_owned())
        })
        .unwrap_or_else(|| "n/a".into())
}
