//! `emporium serve`: open the database, optionally seed the demo, serve until SIGINT or
//! SIGTERM, then drain requests in flight and close the database cleanly.

use std::time::Duration;

use anyhow::Context;
use emporium_app::media::MediaStorage;
use emporium_app::order_cache::OrderCache;
use emporium_app::passwords::Passwords;
use emporium_app::{AppConfig, AppState, WriteLimits};
use emporium_domain::account::{Password, Role, Username};
use emporium_domain::time::{Clock, SystemClock};
use emporium_server::{Background, Server};
use emporium_store::accounts::NewUser;
use emporium_store::{Store, StoreError};
use tokio::net::TcpListener;

use super::{open_media, open_search, open_store};
use crate::settings::Settings;

/// Runs the server.
pub async fn run(settings: &Settings, demo: bool) -> anyhow::Result<()> {
    tracing::debug!(?settings, "starting");
    let media = open_media(settings).await?;
    let store = open_store(settings).await?;
    if demo {
        seed_demo(&store, settings, media.as_ref()).await?;
    }
    let (index, opened) = open_search(settings)?;
    emporium_app::search_sync::prepare(&store, &index, &opened)
        .await
        .context("preparing the search index")?;
    let listener = TcpListener::bind(settings.addr)
        .await
        .with_context(|| format!("binding {}", settings.addr))?;
    let addr = listener.local_addr()?;
    let tls = match (&settings.tls_cert, &settings.tls_key) {
        (Some(cert), Some(key)) => Some(emporium_server::tls::load(cert, key).await?),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let config = AppConfig {
        bcrypt_cost: settings.bcrypt_cost,
        session_ttl: settings.session_ttl,
        payment_timeout: settings.order_payment_timeout,
        return_window: settings.return_window,
        order_cache_capacity: settings.order_cache_capacity,
        public_url: settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("{scheme}://{addr}")),
        sandbox_secret: settings.sandbox_secret.clone(),
        recommendations_refresh: settings.recommendations_refresh,
        write_limits: WriteLimits {
            per_address: settings.write_limit_per_address,
            per_session: settings.write_limit_per_session,
            trust_forwarded_for: settings.trust_forwarded_for,
        },
        refund_retry_after: settings.refund_retry_after,
        media_dir: settings.media_dir(),
        max_upload_bytes: settings.max_image_bytes,
        guest_cart_ttl: Duration::from_secs(settings.guest_cart_days * 24 * 3600),
        shop_name: settings.shop_name.clone(),
        mail: settings.mail().map_err(anyhow::Error::msg)?,
        sms: settings.sms().map_err(anyhow::Error::msg)?,
        payments: settings.payments.settings().map_err(anyhow::Error::msg)?,
        time_zone: settings.time_zone.clone(),
    };
    let mut state = AppState::new(store.clone(), index.clone(), config)
        .await
        .context("loading secrets")?
        .with_media_storage(media);
    if let Some(url) = &settings.redis_url {
        let cache = OrderCache::redis(url, "emporium:", Duration::from_secs(600))
            .await
            .with_context(|| format!("connecting to Redis at {}", emporium_store::redact(url)))?;
        state = state.with_order_cache(cache);
    }
    let providers = emporium_app::payments::offered_providers(&state);
    let real = providers.iter().any(|p| p.name != "sandbox");
    if real && !state.config().public_url.starts_with("https://") {
        // Alipay and WeChat Pay deliver notifications to public https addresses only.
        tracing::warn!(
            public_url = %state.config().public_url,
            "a payment provider is on but --public-url is not https: its notifications cannot reach the shop (docs/PAYMENTS.md)"
        );
    }
    let names: Vec<&str> = providers.iter().map(|p| p.name).collect();
    tracing::info!(%addr, engine = ?store.engine(), cache = state.order_cache().backend(), providers = ?names, "listening");
    println!("Emporium is listening on {scheme}://{addr} (API docs: {scheme}://{addr}/api/docs)");
    Server::start(state, listener, tls, Background::All)
        .until(shutdown_signal())
        .await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// The demo accounts, created once; their passwords are printed for the person trying it.
const DEMO_ACCOUNTS: [(&str, &str, Role); 2] = [
    ("demo", "demo-password", Role::Customer),
    ("staff", "staff-password", Role::Staff),
];

/// How many products `serve --demo` loads into an empty catalogue.
const DEMO_PRODUCTS: usize = 1000;
/// How many demo shoppers with orders and reviews it adds alongside.
const DEMO_SHOPPERS: usize = 200;

/// The demo catalogue (when there are no products yet) and accounts.
async fn seed_demo(store: &Store, settings: &Settings, media: &dyn MediaStorage) -> anyhow::Result<()> {
    let cost = settings.bcrypt_cost;
    if store.products_after(0, 1).await?.is_empty() {
        let n = super::demo::load(store, media, DEMO_PRODUCTS).await?;
        let orders = super::demo::load_history(store, DEMO_SHOPPERS, cost).await?;
        println!(
            "loaded {n} demo products with their stock lots, and {orders} orders of {DEMO_SHOPPERS} demo shoppers"
        );
    }
    seed_demo_accounts(store, cost).await
}

async fn seed_demo_accounts(store: &Store, cost: u32) -> anyhow::Result<()> {
    let passwords = Passwords::new(cost);
    for (name, password, role) in DEMO_ACCOUNTS {
        if store.credentials(name).await?.is_some() {
            println!(
                "demo {} account: username {name:?}, password {password:?}",
                role.as_str()
            );
            continue;
        }
        let username = Username::parse(name).map_err(|e| anyhow::anyhow!("{e}"))?;
        let password_parsed = Password::parse("password", password).map_err(|e| anyhow::anyhow!("{e}"))?;
        let password_hash = passwords.hash(&password_parsed).await?;
        match store
            .create_user(
                NewUser {
                    username,
                    password_hash,
                    email: None,
                    role,
                },
                SystemClock.now(),
            )
            .await
        {
            Ok(_) | Err(StoreError::UsernameTaken) => {}
            Err(e) => return Err(e).context("creating demo accounts"),
        }
        println!(
            "demo {} account: username {name:?}, password {password:?}",
            role.as_str()
        );
    }
    Ok(())
}
