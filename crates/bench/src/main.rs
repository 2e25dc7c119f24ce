//! `emporium-bench`: the load harness. Each scenario starts `emporium serve` itself on a
//! generated shop (SQLite or PostgreSQL), measures it against the HTTP ceiling of the same
//! run, and prints throughput, latency percentiles, errors and the server's peak memory.
//!
//! ```sh
//! bench/run.sh browse sqlite      # builds release binaries, then runs the scenario
//! ```

mod load;
mod report;
mod scenarios;
mod seed;
mod server;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::server::Engine;

/// Load scenarios against a real `emporium serve`.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// The database engine of the shop under load.
    #[arg(long, global = true, value_enum, default_value_t = Engine::Sqlite)]
    engine: Engine,
    /// The PostgreSQL server (its databases `emporium_bench*` are dropped and re-made).
    #[arg(long, global = true, default_value = "postgres://postgres@127.0.0.1:5432")]
    postgres: String,
    /// The Redis used by `scale-out`.
    #[arg(long, global = true, default_value = "redis://127.0.0.1:6379")]
    redis: String,
    /// Demo products in the generated catalogue.
    #[arg(long, global = true, default_value_t = 100_000)]
    products: u32,
    /// Concurrent connections (and, in journeys, concurrent shoppers).
    #[arg(long, global = true, default_value_t = 64)]
    connections: usize,
    /// Seconds each measurement runs.
    #[arg(long, global = true, default_value_t = 10)]
    seconds: u64,
    /// The `emporium` binary (default: beside this one).
    #[arg(long, global = true)]
    emporium: Option<PathBuf>,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// Product detail, listing pages, and search in Chinese and English.
    Browse,
    /// Customers reading their own orders (5 orders × 3 items each).
    Orders,
    /// Whole checkouts: cart, order with an Idempotency-Key, pay, signed notification.
    Checkout,
    /// Buyers racing for the few units of one product.
    FlashSale {
        /// Order attempts, one per buyer.
        #[arg(long, default_value_t = 10_000)]
        attempts: usize,
        /// Units on sale.
        #[arg(long, default_value_t = 100)]
        units: i64,
    },
    /// Logging in at the server's bcrypt cost, beside the bound the hash time implies.
    Login {
        /// The server's bcrypt cost.
        #[arg(long, default_value_t = 12)]
        bcrypt_cost: u32,
    },
    /// The references alone: the HTTP ceiling and (on PostgreSQL) pgbench.
    References,
    /// Two instances on one PostgreSQL and Redis behind nginx: a flash sale across both,
    /// and search, recommendations and the order cache agreeing between them.
    ScaleOut {
        /// Order attempts, one per buyer.
        #[arg(long, default_value_t = 10_000)]
        attempts: usize,
        /// Units on sale.
        #[arg(long, default_value_t = 100)]
        units: i64,
    },
    /// Every scenario on the chosen engine, one after another.
    All,
    /// GETs against a server already running (A/B comparisons of two builds): each
    /// request picks one of `paths`, with `{n}` replaced by a uniform 1..=`--products`.
    Hit {
        /// The server, `host:port`.
        #[arg(long)]
        addr: std::net::SocketAddr,
        /// Paths to request, e.g. `/api/v1/products/{n}`.
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Internal: the minimal axum server measured as the HTTP ceiling.
    #[command(hide = true)]
    CeilingServer,
}

/// What every scenario is given.
pub struct Settings {
    engine: Engine,
    postgres: String,
    redis: String,
    products: u32,
    connections: usize,
    duration: Duration,
    emporium: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new()?;
    if let Scenario::CeilingServer = cli.scenario {
        return runtime.block_on(server::serve_ceiling());
    }
    if let Scenario::Hit { addr, paths } = &cli.scenario {
        let (products, connections) = (u64::from(cli.products), cli.connections);
        let duration = Duration::from_secs(cli.seconds);
        return runtime.block_on(scenarios::hit(*addr, paths.clone(), products, connections, duration));
    }
    let emporium = match cli.emporium {
        Some(path) => path,
        None => std::env::current_exe()?.with_file_name("emporium"),
    };
    anyhow::ensure!(
        emporium.exists(),
        "{} is missing: build it first (bench/run.sh does)",
        emporium.display()
    );
    let settings = Settings {
        engine: cli.engine,
        postgres: cli.postgres,
        redis: cli.redis,
        products: cli.products,
        connections: cli.connections,
        duration: Duration::from_secs(cli.seconds),
        emporium,
    };
    report::machine(&settings);
    runtime.block_on(async {
        let s = &settings;
        match cli.scenario {
            Scenario::Browse => scenarios::browse::run(s).await,
            Scenario::Orders => scenarios::orders::run(s).await,
            Scenario::Checkout => scenarios::checkout::run(s).await,
            Scenario::FlashSale { attempts, units } => scenarios::flash_sale::run(s, attempts, units).await,
            Scenario::Login { bcrypt_cost } => scenarios::login::run(s, bcrypt_cost).await,
            Scenario::References => scenarios::references(s).await.map(|_| ()),
            Scenario::ScaleOut { attempts, units } => scenarios::scale_out::run(s, attempts, units).await,
            Scenario::All => {
                scenarios::browse::run(s).await?;
                scenarios::orders::run(s).await?;
                scenarios::checkout::run(s).await?;
                scenarios::flash_sale::run(s, 10_000, 100).await?;
                scenarios::login::run(s, 12).await
            }
            Scenario::CeilingServer | Scenario::Hit { .. } => unreachable!("handled above"),
        }
    })
}
