//! `checkout`: whole journeys, each a shopper of its own: put an item in the cart, place
//! the order with an `Idempotency-Key`, start paying, pay at the sandbox's pay page, and
//! deliver the provider's signed notification. A journey counts when every step answered
//! as it should; its latency is the whole journey's.

use std::sync::Arc;
use std::time::Instant;

use emporium_payments::{Notification, NotifiedStatus, notification_body, signature};
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use crate::Settings;
use crate::load::{self, Call, Client, Tally};
use crate::report;
use crate::scenarios::references;
use crate::seed;
use crate::server::{SANDBOX_SECRET, Shop};

/// Products the journeys buy from, in three sizes each (plenty of stock: this measures
/// checkout, not scarcity).
const PRODUCTS: usize = 100;

/// Runs the scenario and prints its figures.
pub async fn run(s: &Settings) -> anyhow::Result<()> {
    report::section(&format!("checkout ({:?})", s.engine));
    let shop = Shop::generated(&s.emporium, s.engine, s.products, &s.postgres).await?;
    let (staff, shoppers) = seed::staff_and_customers(&shop, "shopper", s.connections).await?;
    let server = shop.start(&[]).await?;
    let addresses = seed::addresses(server.addr, &shoppers).await?;
    let products = Arc::new(seed::variants(server.addr, &staff, PRODUCTS, 10_000_000).await?);
    // Every checkout is priced against the shop's promotions (issue 20 asks for the figures
    // with a handful live).
    let promotions = seed::promotions(server.addr, &staff).await?;
    let (ceiling, pgbench) = references(s).await?;

    server.reset_peak();
    let deadline = Instant::now() + s.duration;
    let addr = server.addr;
    let shoppers = Arc::new(shoppers);
    let addresses = Arc::new(addresses);
    let m = load::run(s.connections, |worker| {
        let (shoppers, addresses, products) = (shoppers.clone(), addresses.clone(), products.clone());
        async move {
            let mut client = Client::new(addr);
            let mut rng = fastrand::Rng::with_seed(worker as u64);
            let mut tally = Tally::default();
            let mut n = 0;
            while Instant::now() < deadline {
                n += 1;
                let started = Instant::now();
                let product = products[rng.usize(..products.len())];
                let journey = Journey {
                    client: &mut client,
                    token: &shoppers[worker],
                    key: format!("w{worker}-j{n}"),
                };
                match journey.run(product, rng.i64(1..=2), addresses[worker]).await {
                    Ok(()) => tally.ok(started),
                    Err(step) => tally.error(step),
                }
            }
            tally
        }
    })
    .await?;
    report::line("checkout journeys", "journeys", &m, None, Some(server.rss()));
    report::fact("requests per journey", 5);
    report::fact("live promotions", promotions);
    report::fact(
        "requests/s (share of HTTP ceiling)",
        format!("{:.0} ({:.1} %)", 5.0 * m.rate(), 500.0 * m.rate() / ceiling),
    );
    if let Some(tps) = pgbench {
        report::fact("journeys/s per pgbench tps", format!("{:.2}", m.rate() / tps));
    }
    report::fact("emporium check", shop.command(&["check"])?.trim());
    Ok(())
}

/// One shopper's journey through checkout.
struct Journey<'a> {
    client: &'a mut Client,
    token: &'a str,
    key: String,
}

impl Journey<'_> {
    /// The five steps; an error names the step and the answer.
    async fn run(self, variant: i64, quantity: i64, address: i64) -> Result<(), String> {
        let Journey { client, token, key } = self;
        let mut step = async |what: &str, call: Call, expect: StatusCode| -> Result<Value, String> {
            match client.send(call).await {
                Ok(answer) if answer.status == expect => Ok(answer.json()),
                Ok(answer) => Err(format!("{what}: {}", answer.describe())),
                Err(e) => Err(format!("{what}: transport: {e}")),
            }
        };
        step(
            "cart",
            Call::json(
                Method::PUT,
                format!("/api/v1/cart/lines/{variant}"),
                &json!({"quantity": quantity}),
            )
            .token(token),
            StatusCode::OK,
        )
        .await?;
        let order = step(
            "order",
            Call::json(Method::POST, "/api/v1/orders", &json!({"address_id": address}))
                .token(token)
                .header("idempotency-key", key.clone()),
            StatusCode::CREATED,
        )
        .await?;
        let order_id = order["id"].as_i64().ok_or("order: no id")?;
        let payment = step(
            "pay",
            Call::json(
                Method::POST,
                format!("/api/v1/orders/{order_id}/pay"),
                &json!({"provider": "sandbox"}),
            )
            .token(token)
            .header("idempotency-key", format!("{key}-pay")),
            StatusCode::CREATED,
        )
        .await?;
        let (Some(payment_id), Some(amount), Some(currency), Some(pay_url)) = (
            payment["payment_id"].as_i64(),
            payment["amount"].as_i64(),
            payment["currency"].as_str(),
            payment["pay_url"].as_str(),
        ) else {
            return Err(format!("pay: unexpected answer {payment}"));
        };
        step(
            "sandbox pay page",
            Call::json(
                Method::POST,
                format!("{pay_url}/complete"),
                &json!({"outcome": "succeeded"}),
            ),
            StatusCode::ACCEPTED,
        )
        .await?;
        let (body, header) = signed_notification(payment_id, order_id, amount, currency);
        step(
            "notification",
            Call::new(Method::POST, "/api/v1/payments/notify/sandbox")
                .raw_json(body)
                .header(signature::HEADER, header),
            StatusCode::OK,
        )
        .await?;
        Ok(())
    }
}

/// The provider's signed "succeeded" notification for a payment.
pub fn signed_notification(payment_id: i64, order_id: i64, amount: i64, currency: &str) -> (Vec<u8>, String) {
    let body = notification_body(&Notification {
        event_id: format!("evt_bench_{payment_id}"),
        payment_id,
        order_id,
        amount,
        currency: currency.to_owned(),
        status: NotifiedStatus::Succeeded,
    });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let header = signature::sign(SANDBOX_SECRET.as_bytes(), now, &body);
    (body, header)
}
