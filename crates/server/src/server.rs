//! The lifecycle of a running server: the listener and every background loop start in
//! [`Server::start`] and stop together in [`Running::stop`] (or when the [`Running`] is
//! dropped), so the CLI, the tests and the bench cannot wire different sets.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum_server::tls_rustls::RustlsConfig;
use emporium_app::{AppState, jobs, search_sync};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::limits::Limiters;

/// How often the upkeep loop runs: the metrics exporter folds its histogram samples, and
/// idle rate-limit entries are dropped so the tables follow the active clients.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Which background loops run beside the listener. The search follower and the upkeep
/// always run; the jobs (expiry, auto-confirm, queued jobs, reconciliation, refund
/// re-drives, recommender refresh) can be left to the caller, as the tests do: they move
/// a manual clock and run one pass at a time with `emporium_app::jobs::run_due`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    /// Every loop (production, the bench).
    All,
    /// Every loop but the jobs runner.
    WithoutJobs,
}

/// Starts servers.
#[derive(Debug)]
pub struct Server;

impl Server {
    /// Serves `state` on `listener` (over TLS when `tls` is given) and starts the
    /// background loops. The search index must be prepared (`search_sync::prepare`)
    /// before, so the first request sees the catalogue.
    pub fn start(state: AppState, listener: TcpListener, tls: Option<RustlsConfig>, background: Background) -> Running {
        let addr = listener.local_addr().ok();
        let limiters = Limiters::new(state.config().write_limits);
        let mut loops = vec![tokio::spawn(search_sync::follow(
            state.store().clone(),
            state.search().clone(),
            state.search_nudge(),
        ))];
        if background == Background::All {
            loops.push(tokio::spawn(jobs::run_forever(state.clone())));
        }
        loops.push(tokio::spawn(upkeep(Arc::clone(&limiters))));
        let router = crate::router(state.clone(), limiters);
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            // A dropped sender stops the server too.
            let _ = stopped.await;
        };
        let serving = tokio::spawn(async move {
            match tls {
                Some(tls) => crate::tls::serve(listener, tls, router, shutdown).await,
                None => crate::serve(listener, router, shutdown).await,
            }
        });
        Running {
            addr,
            state,
            stop: Some(stop),
            serving: Some(serving),
            loops,
        }
    }
}

async fn upkeep(limiters: Arc<Limiters>) {
    let mut tick = tokio::time::interval(UPKEEP_EVERY);
    loop {
        tick.tick().await;
        emporium_app::metrics::handle().run_upkeep();
        limiters.forget_idle();
    }
}

/// A server that is serving, with its background loops.
pub struct Running {
    addr: Option<SocketAddr>,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    serving: Option<JoinHandle<std::io::Result<()>>>,
    loops: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Running {
    /// Where it listens.
    pub fn addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// Its application state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `signal` resolves or the listener fails, then stops as
    /// [`Running::stop`] does.
    pub async fn until(mut self, signal: impl Future<Output = ()>) -> std::io::Result<()> {
        let Some(serving) = self.serving.as_mut() else {
            return Ok(());
        };
        tokio::select! {
            () = signal => self.stop().await,
            finished = serving => {
                self.serving = None;
                self.abort_loops();
                finished.map_err(std::io::Error::other)?
            }
        }
    }

    /// Stops accepting, lets requests in flight finish (graceful shutdown), then stops
    /// the background loops.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let result = match self.serving.take() {
            Some(serving) => serving.await.map_err(std::io::Error::other)?,
            None => Ok(()),
        };
        self.abort_loops();
        result
    }

    fn abort_loops(&mut self) {
        for task in self.loops.drain(..) {
            task.abort();
        }
    }
}

impl Drop for Running {
    /// A server dropped without [`Running::stop`] (a test ending) stops at once.
    fn drop(&mut self) {
        self.abort_loops();
        if let Some(serving) = self.serving.take() {
            serving.abort();
        }
    }
}
