//! Shoppers, staff and stock for the scenarios.
//!
//! Accounts and their sessions are written straight into the store before the server
//! starts: registering 10,000 buyers through the API costs 10,000 bcrypt hashes (an hour
//! at cost 12 on two cores), and what the scenarios measure comes after logging in. The
//! `login` scenario measures logging in itself. Everything else (addresses, carts,
//! products, stock lots, orders) goes through the API, as a shop's clients would.

use emporium_app::tokens;
use emporium_domain::account::{Role, Username};
use emporium_domain::time::{Clock, SystemClock};
use emporium_store::Store;
use emporium_store::accounts::{NewSession, NewUser};
use futures_util::{StreamExt, TryStreamExt, stream};
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use crate::load::{Call, Client};
use crate::server::Shop;

/// The password of every seeded account (the `login` scenario logs in with it).
pub const PASSWORD: &str = "bench-password-1";

/// Creates `count` accounts named `{prefix}{n}` with `role`, all with one bcrypt hash of
/// [`PASSWORD`] at `cost`, and a day-long session each; answers the bearer tokens.
pub async fn accounts(store: &Store, prefix: &str, count: usize, role: Role, cost: u32) -> anyhow::Result<Vec<String>> {
    let hash = tokio::task::spawn_blocking(move || bcrypt::hash(PASSWORD, cost)).await??;
    let now = SystemClock.now();
    stream::iter(0..count)
        .map(|n| {
            let hash = hash.clone();
            async move {
                let user = store
                    .create_user(
                        NewUser {
                            username: Username::parse(&format!("{prefix}{n}")).map_err(|e| anyhow::anyhow!("{e}"))?,
                            password_hash: hash,
                            email: None,
                            role,
                        },
                        now,
                    )
                    .await?;
                let token = tokens::generate()?;
                store
                    .create_session(
                        &user,
                        NewSession {
                            token_hash: tokens::hash(&token),
                            created_at: now,
                            expires_at: now.plus(std::time::Duration::from_secs(86_400)),
                        },
                    )
                    .await?;
                anyhow::Ok(token)
            }
        })
        // Concurrent writes share commits (group commit), so seeding is quick.
        .buffered(64)
        .try_collect()
        .await
}

/// One staff account and `count` customers named `{prefix}{n}` in `shop`, before its
/// server starts; answers the staff token and the customers' tokens.
pub async fn staff_and_customers(shop: &Shop, prefix: &str, count: usize) -> anyhow::Result<(String, Vec<String>)> {
    let store = shop.store().await?;
    let staff = accounts(&store, "staff", 1, Role::Staff, shop.bcrypt_cost)
        .await?
        .remove(0);
    let customers = accounts(&store, prefix, count, Role::Customer, shop.bcrypt_cost).await?;
    store.close().await;
    Ok((staff, customers))
}

/// Runs `make(i)` for `0..count` on `clients` connections at once; answers the JSON bodies
/// in order, failing unless each answer has status `expect`.
pub async fn api_each(
    addr: std::net::SocketAddr,
    count: usize,
    expect: StatusCode,
    make: impl Fn(usize) -> Call,
) -> anyhow::Result<Vec<Value>> {
    let mut clients: Vec<Client> = (0..32).map(|_| Client::new(addr)).collect();
    let mut out = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(clients.len()) {
        let answers = futures_util::future::join_all(
            chunk
                .iter()
                .zip(clients.iter_mut())
                .map(|(&i, client)| client.send(make(i))),
        )
        .await;
        for answer in answers {
            let answer = answer?;
            if answer.status != expect {
                anyhow::bail!("seeding: expected {expect}, got {}: {}", answer.status, answer.json());
            }
            out.push(answer.json());
        }
    }
    Ok(out)
}

/// A shipping address for each session; answers the address ids.
pub async fn addresses(addr: std::net::SocketAddr, tokens: &[String]) -> anyhow::Result<Vec<i64>> {
    let address = json!({"recipient": "王小明", "phone": "+86 138 0013 8000", "line1": "建国路 88 号", "city": "北京", "country": "CN"});
    let made = api_each(addr, tokens.len(), StatusCode::CREATED, |i| {
        Call::json(Method::POST, "/api/v1/me/addresses", &address).token(&tokens[i])
    })
    .await?;
    made.iter().map(id).collect()
}

/// `count` new products, each with `units` in stock; answers their ids.
pub async fn products(addr: std::net::SocketAddr, staff: &str, count: usize, units: i64) -> anyhow::Result<Vec<i64>> {
    let made = api_each(addr, count, StatusCode::CREATED, |i| {
        let price = 1_000 + (i as i64 * 37) % 9_000;
        Call::json(
            Method::POST,
            "/api/v1/products",
            &json!({"name": format!("Bench item {i}"), "price": price, "initial_stock": {"quantity": units, "unit_cost": price / 2}}),
        )
        .token(staff)
    })
    .await?;
    made.iter().map(id).collect()
}

/// `count` new products in three sizes each, every size with `units` in stock; answers
/// the variants' ids (what the checkout journeys put in carts).
pub async fn variants(addr: std::net::SocketAddr, staff: &str, count: usize, units: i64) -> anyhow::Result<Vec<i64>> {
    let made = api_each(addr, count, StatusCode::CREATED, |i| {
        let price = 1_000 + (i as i64 * 37) % 9_000;
        let stock = json!({"quantity": units, "unit_cost": price / 2});
        let variants: Vec<Value> = ["S", "M", "L"]
            .iter()
            .enumerate()
            .map(|(n, size)| json!({"option_values": [size], "price": price + 100 * n as i64, "initial_stock": stock}))
            .collect();
        Call::json(
            Method::POST,
            "/api/v1/products",
            &json!({"name": format!("Bench shirt {i}"), "options": [{"name": "尺码", "values": ["S", "M", "L"]}], "variants": variants}),
        )
        .token(staff)
    })
    .await?;
    made.iter()
        .flat_map(|p| p["variants"].as_array().cloned().unwrap_or_default())
        .map(|v| id(&v))
        .collect()
}

/// The `id` of a created thing.
pub fn id(v: &Value) -> anyhow::Result<i64> {
    v["id"].as_i64().ok_or_else(|| anyhow::anyhow!("no id in {v}"))
}

/// A handful of live automatic promotions, as a shop running a sale has: 满减 in two
/// tiers, 5 % off everything (which does not combine, so every checkout weighs it against
/// the others), free shipping from ¥50, and buy 3 get 1. Answers how many.
pub async fn promotions(addr: std::net::SocketAddr, staff: &str) -> anyhow::Result<usize> {
    let promotions = [
        json!({"name": "满 200 减 10, 满 500 减 30", "kind": "threshold",
               "tiers": [{"min_spend": 20_000, "off": 1_000}, {"min_spend": 50_000, "off": 3_000}]}),
        json!({"name": "全场 95 折", "kind": "percent_off", "percent": 5, "combinable": false}),
        json!({"name": "满 50 包邮", "kind": "free_shipping", "min_spend": 5_000}),
        json!({"name": "买 3 送 1", "kind": "buy_n_get_m", "n": 3, "m": 1}),
    ];
    let made = api_each(addr, promotions.len(), StatusCode::CREATED, |i| {
        Call::json(Method::POST, "/api/v1/promotions", &promotions[i]).token(staff)
    })
    .await?;
    Ok(made.len())
}
