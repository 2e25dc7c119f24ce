//! `flash-sale`: many buyers, each with the one product in their cart, racing to place
//! an order for the few units there are. Exactly `units` orders must be acknowledged
//! (201), every other attempt refused as out of stock (409), and the stock must end at 0.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use hyper::{Method, StatusCode};
use serde_json::json;

use crate::Settings;
use crate::load::{self, Call, Client, Measured, Tally};
use crate::report;
use crate::scenarios::references;
use crate::seed;
use crate::server::Shop;

/// Runs the scenario and prints its figures.
pub async fn run(s: &Settings, attempts: usize, units: i64) -> anyhow::Result<()> {
    report::section(&format!(
        "flash sale ({:?}): {attempts} buyers, {units} units",
        s.engine
    ));
    let shop = Shop::generated(&s.emporium, s.engine, s.products, &s.postgres).await?;
    let (staff, buyers) = seed::staff_and_customers(&shop, "buyer", attempts).await?;
    let server = shop.start(&[]).await?;
    let sale = Sale::prepare(server.addr, &staff, buyers, units).await?;
    let (ceiling, _) = references(s).await?;

    server.reset_peak();
    let (m, sold) = sale.race(server.addr, s.connections).await?;
    report::line("order attempts", "attempts", &m, Some(ceiling), Some(server.rss()));
    sale.verify(server.addr, sold).await?;
    report::fact("emporium check", shop.command(&["check"])?.trim());
    Ok(())
}

/// A product with few units, and buyers with it in their carts.
pub struct Sale {
    product: i64,
    units: i64,
    buyers: Arc<Vec<(String, i64)>>,
}

impl Sale {
    /// Creates the product, and for each buyer an address and a cart holding one unit.
    pub async fn prepare(addr: SocketAddr, staff: &str, buyers: Vec<String>, units: i64) -> anyhow::Result<Self> {
        let product = seed::products(addr, staff, 1, units).await?[0];
        let addresses = seed::addresses(addr, &buyers).await?;
        seed::api_each(addr, buyers.len(), StatusCode::OK, |i| {
            Call::json(
                Method::PUT,
                format!("/api/v1/cart/items/{product}"),
                &json!({"quantity": 1}),
            )
            .token(&buyers[i])
        })
        .await?;
        Ok(Self {
            product,
            units,
            buyers: Arc::new(buyers.into_iter().zip(addresses).collect()),
        })
    }

    /// Every buyer tries once, `connections` at a time. Answers the measurement (an
    /// attempt succeeds when answered 201 or 409 out of stock) and how many were sold.
    pub async fn race(&self, addr: SocketAddr, connections: usize) -> anyhow::Result<(Measured, u64)> {
        let next = Arc::new(AtomicUsize::new(0));
        let sold = Arc::new(AtomicU64::new(0));
        let m = load::run(connections, |_| {
            let (next, sold, buyers) = (next.clone(), sold.clone(), self.buyers.clone());
            async move {
                let mut client = Client::new(addr);
                let mut tally = Tally::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((token, address)) = buyers.get(i) else { break };
                    let started = Instant::now();
                    let call = Call::json(Method::POST, "/api/v1/orders", &json!({"address_id": address}))
                        .token(token)
                        .header("idempotency-key", format!("flash-{i}"));
                    match client.send(call).await {
                        Ok(a) if a.status == StatusCode::CREATED => {
                            sold.fetch_add(1, Ordering::Relaxed);
                            tally.ok(started);
                        }
                        Ok(a) if a.status == StatusCode::CONFLICT && a.json()["code"] == "insufficient_stock" => {
                            tally.ok(started);
                        }
                        Ok(a) => tally.error(a.describe()),
                        Err(e) => tally.error(format!("transport: {e}")),
                    }
                }
                tally
            }
        })
        .await?;
        Ok((m, sold.load(Ordering::Relaxed)))
    }

    /// Exactly the units were sold, and the product shows none left.
    pub async fn verify(&self, addr: SocketAddr, sold: u64) -> anyhow::Result<()> {
        let answer = Client::new(addr)
            .send(Call::get(format!("/api/v1/products/{}", self.product)))
            .await?;
        let left = answer.json()["stock_available"].as_i64();
        report::fact(
            "sold / units / stock left",
            format!("{sold} / {} / {}", self.units, left.unwrap_or(-1)),
        );
        anyhow::ensure!(
            sold == self.units as u64 && left == Some(0),
            "the flash sale sold {sold} of {} units with {left:?} left",
            self.units
        );
        Ok(())
    }
}
