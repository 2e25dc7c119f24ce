//! `orders`: customers reading their own orders (each has 5 orders of 3 items).

use std::sync::Arc;

use hyper::{Method, StatusCode};
use serde_json::json;

use crate::Settings;
use crate::load::{Call, Client};
use crate::report;
use crate::scenarios::{hammer, references};
use crate::seed;
use crate::server::Shop;

const ORDERS_EACH: usize = 5;
const ITEMS_EACH: usize = 3;

/// Runs the scenario and prints its figures.
pub async fn run(s: &Settings) -> anyhow::Result<()> {
    report::section(&format!("orders ({:?})", s.engine));
    let shop = Shop::generated(&s.emporium, s.engine, s.products, &s.postgres).await?;
    let (staff, customers) = seed::staff_and_customers(&shop, "reader", s.connections).await?;
    let server = shop.start(&[]).await?;
    let addresses = seed::addresses(server.addr, &customers).await?;
    let products = seed::products(server.addr, &staff, 30, 1_000_000).await?;

    // Each customer places 5 orders of 3 different items.
    let mut order_ids = Vec::new();
    let mut client = Client::new(server.addr);
    for (c, token) in customers.iter().enumerate() {
        let mut mine = Vec::new();
        for o in 0..ORDERS_EACH {
            for i in 0..ITEMS_EACH {
                let product = products[(c * 7 + o * 3 + i) % products.len()];
                let answer = client
                    .send(
                        Call::json(
                            Method::PUT,
                            format!("/api/v1/cart/items/{product}"),
                            &json!({"quantity": 1 + i}),
                        )
                        .token(token),
                    )
                    .await?;
                anyhow::ensure!(answer.status == StatusCode::OK, "cart: {}", answer.json());
            }
            let answer = client
                .send(
                    Call::json(Method::POST, "/api/v1/orders", &json!({"address_id": addresses[c]}))
                        .token(token)
                        .header("idempotency-key", format!("reader{c}-{o}")),
                )
                .await?;
            anyhow::ensure!(answer.status == StatusCode::CREATED, "order: {}", answer.json());
            mine.push(seed::id(&answer.json())?);
        }
        order_ids.push(mine);
    }
    report::fact(
        "seeded",
        format!(
            "{} customers × {ORDERS_EACH} orders × {ITEMS_EACH} items",
            customers.len()
        ),
    );

    let (ceiling, _) = references(s).await?;
    let customers = Arc::new(customers);
    let order_ids = Arc::new(order_ids);

    server.reset_peak();
    let tokens = customers.clone();
    let m = hammer(
        server.addr,
        s.connections,
        s.duration,
        StatusCode::OK,
        move |worker, _| Call::get("/api/v1/orders").token(&tokens[worker % tokens.len()]),
    )
    .await?;
    report::line("own orders, list", "req", &m, Some(ceiling), Some(server.rss()));

    server.reset_peak();
    let tokens = customers.clone();
    let m = hammer(
        server.addr,
        s.connections,
        s.duration,
        StatusCode::OK,
        move |worker, rng| {
            let mine = &order_ids[worker % order_ids.len()];
            Call::get(format!("/api/v1/orders/{}", mine[rng.usize(..mine.len())])).token(&tokens[worker % tokens.len()])
        },
    )
    .await?;
    report::line("own order, detail", "req", &m, Some(ceiling), Some(server.rss()));
    Ok(())
}
