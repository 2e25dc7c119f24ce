//! `scale-out`: two instances on one PostgreSQL and one Redis, behind nginx (Debian's
//! package, started here with a configuration of our own). Proves that a flash sale
//! across both sells exactly the units there are, and that search, the product cache,
//! recommendations and the order cache agree between the instances; measures product
//! detail through nginx.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use crate::Settings;
use crate::load::{Call, Client};
use crate::report;
use crate::scenarios::checkout::signed_notification;
use crate::scenarios::flash_sale::Sale;
use crate::scenarios::{hammer, references};
use crate::seed;
use crate::server::{Engine, Shop, until};

/// How often the agreement checks look again.
const POLL: Duration = Duration::from_millis(50);

/// Runs the scenario; fails when the instances disagree or the sale oversells.
pub async fn run(s: &Settings, attempts: usize, units: i64) -> anyhow::Result<()> {
    if s.engine != Engine::Postgres {
        bail!("scale-out runs on PostgreSQL: pass --engine postgres");
    }
    report::section("scale-out: two instances, one PostgreSQL, one Redis, nginx in front");
    let mut shop = Shop::generated(&s.emporium, s.engine, s.products, &s.postgres).await?;
    flush_redis(&s.redis)?;
    shop.redis_url = Some(s.redis.clone());
    let (staff, buyers) = seed::staff_and_customers(&shop, "buyer", attempts).await?;

    // Each instance has a data dir of its own (the search index is per instance), with the
    // same data keys, as copies of one machine image would.
    let second = shop.copy_dir()?;
    let refresh = ["--recommendations-refresh", "1s", "--trust-forwarded-for"];
    let a = shop.start(&refresh).await?;
    let b = shop.start_in(second.path(), &refresh).await?;
    let lb = Nginx::start(&[a.addr, b.addr])?;
    report::fact("instances", format!("{} and {}, nginx on {}", a.addr, b.addr, lb.addr));
    let (ceiling, _) = references(s).await?;

    let sale = Sale::prepare(lb.addr, &staff, buyers.clone(), units).await?;
    let (m, sold) = sale.race(lb.addr, s.connections).await?;
    report::line("flash sale through nginx", "attempts", &m, Some(ceiling), None);
    sale.verify(lb.addr, sold).await?;

    let products = u64::from(s.products.max(1));
    let m = hammer(lb.addr, s.connections, s.duration, StatusCode::OK, move |_, rng| {
        Call::get(format!("/api/v1/products/{}", rng.u64(1..=products)))
    })
    .await?;
    report::line("product detail through nginx", "req", &m, Some(ceiling), None);
    report::fact(
        "server RSS peaks",
        format!("{:.0} MB and {:.0} MB", a.rss().peak_mb, b.rss().peak_mb),
    );

    search_agrees(a.addr, b.addr, &staff).await?;
    let paid = buy_pairs(lb.addr, &staff, &buyers[..40]).await?;
    // Rebuild now rather than wait for the background refresh: what is checked is that
    // both instances then serve the stored model.
    report::fact(
        "recommendations rebuild",
        shop.command(&["recommendations", "rebuild"])?.trim(),
    );
    recommendations_agree(a.addr, b.addr, paid.first().map_or(0, |p| p.1)).await?;
    order_cache_agrees(a.addr, b.addr, &staff, &buyers[0], paid[0].0).await?;
    report::fact("emporium check", shop.command(&["check"])?.trim());
    Ok(())
}

/// A product created through one instance is found by the other's search.
async fn search_agrees(a: SocketAddr, b: SocketAddr, staff: &str) -> anyhow::Result<()> {
    let name = format!("Scaleout kettle {}", fastrand::u32(..));
    let answer = Client::new(a)
        .send(Call::json(Method::POST, "/api/v1/products", &json!({"name": name, "price": 4200})).token(staff))
        .await?;
    anyhow::ensure!(answer.status == StatusCode::CREATED, "create: {}", answer.json());
    let id = seed::id(&answer.json())?;
    let query = format!("/api/v1/products?q={}&limit=5", name.replace(' ', "%20"));
    let lag = until(
        Duration::from_secs(30),
        POLL,
        "the other instance's search to find it",
        async || {
            let found = Client::new(b).send(Call::get(query.clone())).await?.json();
            Ok(ids(&found).first() == Some(&id))
        },
    )
    .await?;
    report::fact("search: created on A, found on B", format!("after {}", report::ms(lag)));
    let on_a = ids(&Client::new(a)
        .send(Call::get("/api/v1/products?q=tea&limit=20"))
        .await?
        .json());
    let on_b = ids(&Client::new(b)
        .send(Call::get("/api/v1/products?q=tea&limit=20"))
        .await?
        .json());
    anyhow::ensure!(on_a == on_b && !on_a.is_empty(), "search differs: {on_a:?} / {on_b:?}");
    report::fact("search: the same query on A and B", "same 20 results");
    product_cache_agrees(a, b, staff, id).await
}

/// A price changed through one instance reaches the other's product cache (which holds
/// the product: its search just read it) through the change feed.
async fn product_cache_agrees(a: SocketAddr, b: SocketAddr, staff: &str, id: i64) -> anyhow::Result<()> {
    let path = format!("/api/v1/products/{id}");
    let price_on = async |at: SocketAddr| -> anyhow::Result<i64> {
        let answer = Client::new(at).send(Call::get(path.clone())).await?;
        answer.json()["price"].as_i64().context("no price")
    };
    anyhow::ensure!(price_on(b).await? == 4200, "B's copy before the change");
    let change = Call::json(Method::PATCH, path.clone(), &json!({"price": 3900})).token(staff);
    expect(Client::new(a).send(change).await?, StatusCode::OK, "price change")?;
    anyhow::ensure!(price_on(a).await? == 3900, "A serves its own change at once");
    let lag = until(
        Duration::from_secs(30),
        POLL,
        "the other instance's product cache to follow",
        async || Ok(price_on(b).await? == 3900),
    )
    .await?;
    report::fact(
        "product cache: price changed on A, served by B",
        format!("after {}", report::ms(lag)),
    );
    Ok(())
}

/// Pairs of products bought together and paid for, through the balancer, so the
/// recommendation model has something to say. Answers (order, first product) per order.
async fn buy_pairs(lb: SocketAddr, staff: &str, buyers: &[String]) -> anyhow::Result<Vec<(i64, i64)>> {
    let products = seed::products(lb, staff, 4, 1_000).await?;
    let addresses = seed::addresses(lb, buyers).await?;
    let mut client = Client::new(lb);
    let mut paid = Vec::new();
    for (n, (token, address)) in buyers.iter().zip(addresses).enumerate() {
        let pair = [products[n % 2], products[2 + n % 2]];
        let _ = client
            .send(Call::new(Method::DELETE, "/api/v1/cart").token(token))
            .await?;
        for p in pair {
            let cart = Call::json(Method::PUT, format!("/api/v1/cart/items/{p}"), &json!({"quantity": 1}));
            expect(client.send(cart.token(token)).await?, StatusCode::OK, "cart")?;
        }
        let order = Call::json(Method::POST, "/api/v1/orders", &json!({"address_id": address}))
            .token(token)
            .header("idempotency-key", format!("pair-{n}"));
        let order = seed::id(&expect(client.send(order).await?, StatusCode::CREATED, "order")?)?;
        let pay = Call::json(
            Method::POST,
            format!("/api/v1/orders/{order}/pay"),
            &json!({"provider": "sandbox"}),
        )
        .token(token)
        .header("idempotency-key", format!("pair-{n}-pay"));
        let payment = expect(client.send(pay).await?, StatusCode::CREATED, "pay")?;
        let pay_url = payment["pay_url"].as_str().context("no pay_url")?;
        let complete = Call::json(
            Method::POST,
            format!("{pay_url}/complete"),
            &json!({"outcome": "succeeded"}),
        );
        expect(client.send(complete).await?, StatusCode::ACCEPTED, "sandbox")?;
        let (body, header) = signed_notification(
            payment["payment_id"].as_i64().context("no payment_id")?,
            order,
            payment["amount"].as_i64().context("no amount")?,
            payment["currency"].as_str().context("no currency")?,
        );
        let notify = Call::new(Method::POST, "/api/v1/payments/notify/sandbox")
            .raw_json(body)
            .header(emporium_payments::signature::HEADER, header);
        expect(client.send(notify).await?, StatusCode::OK, "notification")?;
        paid.push((order, pair[0]));
    }
    Ok(paid)
}

/// After a rebuild (by whichever instance takes the lease), both instances serve the same
/// "also bought" list, and it is not empty.
async fn recommendations_agree(a: SocketAddr, b: SocketAddr, product: i64) -> anyhow::Result<()> {
    let path = format!("/api/v1/products/{product}/also-bought?limit=10");
    let (mut on_a, mut on_b) = (Vec::new(), Vec::new());
    let waited = until(
        Duration::from_secs(60),
        POLL,
        "both instances to serve the new model",
        async || {
            on_a = ids(&Client::new(a).send(Call::get(path.clone())).await?.json());
            on_b = ids(&Client::new(b).send(Call::get(path.clone())).await?.json());
            Ok(!on_a.is_empty() && on_a == on_b)
        },
    )
    .await?;
    report::fact(
        "recommendations: A and B agree",
        format!("{on_a:?} after {}", report::ms(waited)),
    );
    Ok(())
}

/// An order read (and so cached) through B, then shipped through A, reads as shipped
/// through B at once: the shared cache is invalidated, not left stale.
async fn order_cache_agrees(a: SocketAddr, b: SocketAddr, staff: &str, buyer: &str, order: i64) -> anyhow::Result<()> {
    let path = format!("/api/v1/orders/{order}");
    let before = expect(
        Client::new(b).send(Call::get(path.clone()).token(buyer)).await?,
        StatusCode::OK,
        "read on B",
    )?;
    anyhow::ensure!(
        before["status"] == "paid",
        "expected a paid order, got {}",
        before["status"]
    );
    let ship = Call::json(
        Method::POST,
        format!("{path}/ship"),
        &json!({"carrier": "SF Express", "tracking_number": "SF1234567890"}),
    )
    .token(staff);
    expect(Client::new(a).send(ship).await?, StatusCode::OK, "ship on A")?;
    let after = expect(
        Client::new(b).send(Call::get(path).token(buyer)).await?,
        StatusCode::OK,
        "read on B",
    )?;
    anyhow::ensure!(
        after["status"] == "shipped",
        "B still shows {} after A shipped the order",
        after["status"]
    );
    report::fact("order cache: shipped on A, read on B", "shipped at once");
    Ok(())
}

fn expect(answer: crate::load::Answer, status: StatusCode, what: &str) -> anyhow::Result<Value> {
    anyhow::ensure!(answer.status == status, "{what}: {} {}", answer.status, answer.json());
    Ok(answer.json())
}

/// The product ids of a page (of products, or of recommendations holding a `product`).
fn ids(page: &Value) -> Vec<i64> {
    page["data"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|p| p["id"].as_i64().or_else(|| p["product"]["id"].as_i64()))
                .collect()
        })
        .unwrap_or_default()
}

/// The order cache lives in Redis across runs: start from an empty one.
fn flush_redis(url: &str) -> anyhow::Result<()> {
    let status = Command::new("redis-cli")
        .args(["-u", url, "flushdb"])
        .stdout(std::process::Stdio::null())
        .status()
        .context("running redis-cli")?;
    anyhow::ensure!(status.success(), "redis-cli flushdb failed");
    Ok(())
}

/// nginx in front of the instances, with its configuration, logs and temporary files in a
/// directory of its own; stopped when dropped.
struct Nginx {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(upstreams: &[SocketAddr]) -> anyhow::Result<Self> {
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .context("nginx is not installed (Debian: apt-get install nginx)")?;
        let dir = tempfile::tempdir()?;
        let addr = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let servers: String = upstreams.iter().map(|u| format!("    server {u};\n")).collect();
        let d = dir.path().display();
        let conf = format!(
            "worker_processes 2;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             \x20 fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
             \x20 upstream emporium {{\n{servers}    keepalive 128;\n  }}\n\
             \x20 server {{\n    listen {addr};\n    location / {{\n      proxy_pass http://emporium;\n\
             \x20     proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n\
             \x20     proxy_set_header Host $host;\n      proxy_set_header X-Forwarded-For $remote_addr;\n    }}\n  }}\n}}\n"
        );
        let path = dir.path().join("nginx.conf");
        std::fs::write(&path, conf)?;
        let child = Command::new(binary)
            .args([
                "-p",
                &d.to_string(),
                "-c",
                &path.display().to_string(),
                "-g",
                "daemon off;",
            ])
            .spawn()
            .context("starting nginx")?;
        let started = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            anyhow::ensure!(started.elapsed() < Duration::from_secs(10), "nginx did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Self { child, addr, _dir: dir })
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: the master stops its workers, which SIGKILL would orphan.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
