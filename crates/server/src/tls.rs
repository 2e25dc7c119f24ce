//! Optional TLS termination in the binary itself (`--tls-cert`, `--tls-key`), with rustls.
//! A shop behind a load balancer that terminates TLS does not need it; a single machine
//! facing the internet does, and then every cookie is `Secure` and pages send HSTS.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use tokio::net::TcpListener;

/// How long requests in flight may take to finish once shutdown starts.
const GRACE: Duration = Duration::from_secs(30);

/// Loads a PEM certificate chain and its private key; a missing or malformed file is an
/// error naming the file.
pub async fn load(cert: &Path, key: &Path) -> anyhow::Result<RustlsConfig> {
    use anyhow::Context as _;
    // rustls needs one process-wide crypto provider; ring is the one we build with.
    // A second install (tests start several servers) is refused harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    RustlsConfig::from_pem_file(cert, key)
        .await
        .with_context(|| format!("loading TLS certificate {} and key {}", cert.display(), key.display()))
}

/// Serves `router` over TLS on `listener` until `shutdown` resolves, then lets requests
/// in flight finish (like [`crate::serve`]).
pub async fn serve(
    listener: TcpListener,
    config: RustlsConfig,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(GRACE));
    });
    axum_server::from_tcp_rustls(listener.into_std()?, config)?
        .handle(handle)
        .serve(router.into_make_service_with_connect_info::<SocketAddr>())
        .await
}
