//! The scenarios, and what they share: a steady load of independent requests
//! ([`hammer`]) and the two references every ratio is taken to (the HTTP ceiling and
//! pgbench), measured in the same run because absolute figures drift between machines.

pub mod browse;
pub mod checkout;
pub mod flash_sale;
pub mod login;
pub mod orders;
pub mod scale_out;

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hyper::StatusCode;

use crate::Settings;
use crate::load::{self, Call, Client, Measured, Tally};
use crate::report;
use crate::server::{self, Engine};

/// `connections` keep-alive connections sending `make(rng)` back to back for `duration`;
/// an answer other than `expect` counts as an error.
pub async fn hammer<F>(
    addr: SocketAddr,
    connections: usize,
    duration: Duration,
    expect: StatusCode,
    make: F,
) -> anyhow::Result<Measured>
where
    F: Fn(usize, &mut fastrand::Rng) -> Call + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let deadline = Instant::now() + duration;
    load::run(connections, |worker| {
        let make = make.clone();
        async move {
            let mut client = Client::new(addr);
            let mut rng = fastrand::Rng::with_seed(worker as u64);
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let call = make(worker, &mut rng);
                let started = Instant::now();
                match client.send(call).await {
                    Ok(answer) if answer.status == expect => tally.ok(started),
                    Ok(answer) => tally.error(answer.describe()),
                    Err(e) => tally.error(format!("transport: {e}")),
                }
            }
            tally
        }
    })
    .await
}

/// The HTTP ceiling: a minimal axum JSON handler in its own process, under the same load
/// shape. Answers its requests per second.
pub async fn ceiling(s: &Settings) -> anyhow::Result<f64> {
    let server = server::start_ceiling()?;
    let m = hammer(server.addr, s.connections, s.duration, StatusCode::OK, |_, _| {
        Call::get("/")
    })
    .await?;
    report::line("HTTP ceiling (minimal axum handler)", "req", &m, None, None);
    Ok(m.rate())
}

/// pgbench's TPC-B-like test on the same PostgreSQL: the database ceiling. Answers its
/// transactions per second.
pub fn pgbench(s: &Settings) -> anyhow::Result<f64> {
    server::recreate_database(&s.postgres, "emporium_pgbench", None)?;
    let url = server::database_url(&s.postgres, "emporium_pgbench");
    let init = Command::new("pgbench")
        .args(["-i", "-q", "-s", "10", &url])
        .output()
        .context("running pgbench (Debian: postgresql-contrib or postgresql-client)")?;
    if !init.status.success() {
        bail!("pgbench -i: {}", String::from_utf8_lossy(&init.stderr));
    }
    let seconds = s.duration.as_secs().to_string();
    let clients = s.connections.min(64).to_string();
    let out = Command::new("pgbench")
        .args(["-c", &clients, "-j", "2", "-T", &seconds, &url])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let tps = text
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .with_context(|| {
            format!(
                "no tps in pgbench's output: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    report::fact(
        &format!("pgbench TPC-B-like, scale 10, -c {clients} -j 2"),
        format!("{tps:.0} tps"),
    );
    Ok(tps)
}

/// Both references: the HTTP ceiling, and pgbench when the engine is PostgreSQL.
pub async fn references(s: &Settings) -> anyhow::Result<(f64, Option<f64>)> {
    report::section("references");
    let http = ceiling(s).await?;
    let db = match s.engine {
        Engine::Postgres => Some(pgbench(s)?),
        Engine::Sqlite => None,
    };
    Ok((http, db))
}

/// `hit`: GETs against a server someone else started, for comparing two builds on the
/// same machine in alternating runs (the scenarios above start their own server).
pub async fn hit(
    addr: SocketAddr,
    paths: Vec<String>,
    products: u64,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<()> {
    let paths = Arc::new(paths);
    let m = hammer(addr, connections, duration, StatusCode::OK, move |_, rng| {
        let path = &paths[rng.usize(..paths.len())];
        Call::get(path.replace("{n}", &rng.u64(1..=products).to_string()))
    })
    .await?;
    report::line("GET", "req", &m, None, None);
    Ok(())
}
