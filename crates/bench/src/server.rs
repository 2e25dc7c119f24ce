//! The servers under load: `emporium serve` as a child process on a generated shop, and
//! the reference HTTP server (the ceiling) in a child process of our own.
//!
//! Servers are separate processes, as in production, so their resident memory is theirs
//! alone and the load generator's CPU is visible as a neighbour, not hidden in-process.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use emporium_store::{Keyring, Store, StoreOptions};

use crate::load::{Call, Client};

/// The sandbox provider's signing secret: the harness plays the provider, so it signs the
/// notifications it sends with it.
pub const SANDBOX_SECRET: &str = "bench-sandbox-secret";

/// The database engine a shop runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// The embedded default: a SQLite file in the data dir.
    Sqlite,
    /// PostgreSQL (see `--postgres`).
    Postgres,
}

/// Where a shop's data lives: a data dir, and for PostgreSQL a database of its own.
pub struct Shop {
    /// The `emporium` binary.
    pub bin: PathBuf,
    /// The data dir (SQLite file, search index, data keys).
    pub dir: tempfile::TempDir,
    /// `EMPORIUM_DATABASE_URL`, for PostgreSQL.
    pub database_url: Option<String>,
    /// `EMPORIUM_REDIS_URL`, when instances share a cache.
    pub redis_url: Option<String>,
    /// The bcrypt cost the server runs with.
    pub bcrypt_cost: u32,
}

impl Shop {
    /// A fresh shop holding `products` demo products, copied from a template made once per
    /// engine and size (under `target/bench-data`; the 100,000-product SQLite load takes
    /// ~30 s), so every run starts on the same data. PostgreSQL copies with `CREATE
    /// DATABASE … TEMPLATE`.
    pub async fn generated(bin: &Path, engine: Engine, products: u32, postgres: &str) -> anyhow::Result<Self> {
        let cache = bin
            .parent()
            .and_then(Path::parent)
            .context("the binary has no target dir")?
            .join("bench-data");
        let name = format!("{}-{products}", engine_name(engine));
        let template = cache.join(&name);
        // Named after its folder too: a template's database and its data keys (in the
        // folder) belong together, and builds in other target dirs keep folders of their own.
        let folder = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            cache.hash(&mut h);
            h.finish() as u32
        };
        let template_db = format!("emporium_bench_template_{products}_{folder:08x}");
        let ready = template.join("ready");
        if !ready.exists() || (engine == Engine::Postgres && !database_exists(postgres, &template_db)?) {
            let _ = std::fs::remove_dir_all(&template);
            std::fs::create_dir_all(&template)?;
            let url = (engine == Engine::Postgres).then(|| {
                recreate_database(postgres, &template_db, None)?;
                anyhow::Ok(database_url(postgres, &template_db))
            });
            let url = url.transpose()?;
            eprintln!("   generating the {name} template (once): emporium demo --products {products}");
            let status = emporium_command(bin, &template, url.as_deref())
                .args(["demo", "--products", &products.to_string()])
                .stdout(Stdio::null())
                .status()?;
            if !status.success() {
                bail!("emporium demo failed");
            }
            // One start builds the search index into the template, so every copy starts
            // on an existing index, as a restarted shop does.
            let shop = Self::at(bin, tempfile::tempdir()?, url.clone());
            copy_dir(&template, shop.dir.path())?;
            let server = shop.start(&[]).await?;
            server.wait_for_search(Duration::from_secs(120)).await?;
            server.stop();
            std::fs::remove_dir_all(&template)?;
            copy_dir(shop.dir.path(), &template)?;
            std::fs::write(&ready, b"")?;
        }
        let dir = tempfile::tempdir()?;
        copy_dir(&template, dir.path())?;
        let url = match engine {
            Engine::Sqlite => None,
            Engine::Postgres => {
                recreate_database(postgres, "emporium_bench", Some(&template_db))?;
                Some(database_url(postgres, "emporium_bench"))
            }
        };
        Ok(Self::at(bin, dir, url))
    }

    fn at(bin: &Path, dir: tempfile::TempDir, database_url: Option<String>) -> Self {
        Self {
            bin: bin.to_owned(),
            dir,
            database_url,
            redis_url: None,
            bcrypt_cost: 10,
        }
    }

    /// Opens the shop's store directly, to seed accounts and sessions (see `seed`).
    pub async fn store(&self) -> anyhow::Result<Store> {
        let keys = Keyring::from_env_or_file(None, &self.dir.path().join("data-keys"))?;
        let url = self
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.dir.path().join("emporium.db").display()));
        Ok(Store::open(&StoreOptions::new(url).with_keys(keys)).await?)
    }

    /// `emporium ARGS` on this shop (e.g. `check`), answering its standard output.
    pub fn command(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = self.emporium().args(args).output()?;
        if !out.status.success() {
            bail!(
                "emporium {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn emporium(&self) -> Command {
        self.emporium_in(self.dir.path())
    }

    fn emporium_in(&self, dir: &Path) -> Command {
        let mut cmd = emporium_command(&self.bin, dir, self.database_url.as_deref());
        cmd.env("EMPORIUM_BCRYPT_COST", self.bcrypt_cost.to_string());
        if let Some(redis) = &self.redis_url {
            cmd.env("EMPORIUM_REDIS_URL", redis);
        }
        cmd
    }

    /// Starts `emporium serve` on a free port with `extra` arguments, and waits until
    /// `/readyz` answers.
    pub async fn start(&self, extra: &[&str]) -> anyhow::Result<Server> {
        self.start_in(self.dir.path(), extra).await
    }

    /// A copy of the data dir, for a second instance of the same shop.
    pub fn copy_dir(&self) -> anyhow::Result<tempfile::TempDir> {
        let dir = tempfile::tempdir()?;
        copy_dir(self.dir.path(), dir.path())?;
        Ok(dir)
    }

    /// [`Shop::start`] with the data dir `dir` (another instance of the same shop).
    pub async fn start_in(&self, dir: &Path, extra: &[&str]) -> anyhow::Result<Server> {
        let started = Instant::now();
        let mut cmd = self.emporium_in(dir);
        cmd.args(["serve", "--addr", "127.0.0.1:0"])
            .args(extra)
            // Load comes from one address and few sessions, far faster than any person:
            // the per-client write limits would answer most of it with 429.
            .env("EMPORIUM_WRITE_LIMIT_PER_ADDRESS", "0")
            .env("EMPORIUM_WRITE_LIMIT_PER_SESSION", "0")
            .stdout(Stdio::piped());
        let mut server = Server::spawn(cmd, "emporium serve")?;
        server.wait_ready(Duration::from_secs(60)).await?;
        server.ready_in = started.elapsed();
        Ok(server)
    }
}

/// A server process; killed when dropped.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// From spawning it to its first `200` from `/readyz` (or to its listening line).
    pub ready_in: Duration,
}

impl Server {
    /// Spawns `cmd`, whose first line on standard output names its `http://` address.
    pub fn spawn(mut cmd: Command, what: &str) -> anyhow::Result<Self> {
        let started = Instant::now();
        let mut child = cmd
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {what}"))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("no stdout")?).read_line(&mut line)?;
        let addr = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .with_context(|| format!("{what} printed no address: {line:?}"))?
            .parse()?;
        Ok(Self {
            child,
            addr,
            ready_in: started.elapsed(),
        })
    }

    async fn wait_ready(&self, limit: Duration) -> anyhow::Result<()> {
        let mut client = Client::new(self.addr);
        until(limit, Duration::from_millis(2), "/readyz to answer 200", async || {
            Ok(client
                .send(Call::get("/readyz"))
                .await
                .is_ok_and(|a| a.status.is_success()))
        })
        .await
        .map(drop)
    }

    /// Waits until the search index holds the catalogue (a first start builds it).
    pub async fn wait_for_search(&self, limit: Duration) -> anyhow::Result<()> {
        let mut client = Client::new(self.addr);
        until(
            limit,
            Duration::from_millis(100),
            "the search index to be built",
            async || {
                let answer = client.send(Call::get("/api/v1/products?q=tea&limit=1")).await?;
                Ok(answer.json()["data"].as_array().is_some_and(|items| !items.is_empty()))
            },
        )
        .await
        .map(drop)
    }

    /// Resident memory now and at its peak since the last [`Server::reset_peak`], in MB.
    pub fn rss(&self) -> Rss {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        Rss {
            now_mb: field("VmRSS:"),
            peak_mb: field("VmHWM:"),
        }
    }

    /// Starts a new peak-memory window (Linux: writing 5 to `clear_refs` resets VmHWM).
    pub fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5");
    }
}

impl Server {
    /// Asks the server to shut down (SIGTERM) and waits for it, killing it after 10 s.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Measured data is thrown away after a run: no need to shut down politely.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Checks `check` every `every` until it holds, failing after `limit`; answers how long
/// it took.
pub async fn until(
    limit: Duration,
    every: Duration,
    what: &str,
    mut check: impl AsyncFnMut() -> anyhow::Result<bool>,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    while !check().await? {
        if started.elapsed() > limit {
            bail!("gave up waiting for {what} after {limit:?}");
        }
        tokio::time::sleep(every).await;
    }
    Ok(started.elapsed())
}

/// Resident memory of a server, in MB.
#[derive(Debug, Clone, Copy)]
pub struct Rss {
    /// Now.
    pub now_mb: f64,
    /// The peak of the current window.
    pub peak_mb: f64,
}

/// The HTTP ceiling: this same binary's `ceiling-server`, a minimal axum JSON handler in a
/// process of its own on the same kind of port.
pub fn start_ceiling() -> anyhow::Result<Server> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("ceiling-server");
    Server::spawn(cmd, "the ceiling server")
}

/// Serves `GET /` with a small JSON body: the least an axum server can do per request.
pub async fn serve_ceiling() -> anyhow::Result<()> {
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("ceiling listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

fn engine_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    }
}

fn emporium_command(bin: &Path, data_dir: &Path, database_url: Option<&str>) -> Command {
    let mut cmd = Command::new(bin);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("EMPORIUM_DATA_DIR", data_dir)
        .env("EMPORIUM_SANDBOX_SECRET", SANDBOX_SECRET)
        // Quiet by default; EMPORIUM_BENCH_SERVER_LOG passes a filter through for
        // profiling (e.g. `sqlx=debug` lists every statement the server runs through sqlx: all
        // of them on PostgreSQL; on SQLite the writer and point reads bypass sqlx).
        .env(
            "RUST_LOG",
            std::env::var("EMPORIUM_BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into()),
        );
    if let Some(url) = database_url {
        cmd.env("EMPORIUM_DATABASE_URL", url);
    }
    // The caches' settings, when set for the bench, reach the server: for A/B runs such
    // as `EMPORIUM_SESSION_CACHE_MS=0 emporium-bench orders`.
    for tuning in [
        "EMPORIUM_PRODUCT_CACHE_CAPACITY",
        "EMPORIUM_SESSION_CACHE_MS",
        "EMPORIUM_ORDER_CACHE_CAPACITY",
    ] {
        if let Some(value) = std::env::var_os(tuning) {
            cmd.env(tuning, value);
        }
    }
    cmd
}

/// `postgres://…/NAME` from the server URL `base` (which names no database).
pub fn database_url(base: &str, name: &str) -> String {
    format!("{}/{name}", base.trim_end_matches('/'))
}

fn psql(base: &str, sql: &str) -> anyhow::Result<String> {
    let out = Command::new("psql")
        .args(["-qtAX", "-d", &database_url(base, "postgres"), "-c", sql])
        .output()
        .context("running psql (PostgreSQL's client)")?;
    if !out.status.success() {
        bail!("psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn database_exists(base: &str, name: &str) -> anyhow::Result<bool> {
    Ok(psql(base, &format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"))? == "1")
}

/// Drops and creates database `name`, as a copy of `template` when given.
pub fn recreate_database(base: &str, name: &str, template: Option<&str>) -> anyhow::Result<()> {
    psql(base, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    match template {
        Some(t) => psql(base, &format!("CREATE DATABASE {name} TEMPLATE {t}"))?,
        None => psql(base, &format!("CREATE DATABASE {name}"))?,
    };
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
