//! `emporium serve`: open the database, optionally seed the demo, serve until SIGINT or
//! SIGTERM, then drain requests in flight and close the database cleanly.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Context;
use emporium_app::media::MediaStorage;
use emporium_app::order_cache::OrderCache;
use emporium_app::{AppConfig, AppState, WriteLimits};
use emporium_domain::account::Role;
use emporium_server::{Background, Server};
use emporium_store::{Store, StoreOptions};
use tokio::net::TcpListener;

use super::{open_media, open_search, open_store_with};
use crate::settings::Settings;

/// Runs the server.
pub async fn run(settings: &Settings, demo: bool) -> anyhow::Result<()> {
    tracing::debug!(?settings, "starting");
    let media = open_media(&settings.store, &settings.media).await?;
    let store = open_store_with(&settings.store, |options| StoreOptions {
        product_cache_capacity: settings.product_cache_capacity,
        session_cache_lifetime: Duration::from_millis(settings.session_cache_ms),
        ..options
    })
    .await?;
    if demo {
        seed_demo(&store, settings, media.as_ref()).await?;
    }
    let (index, opened) = open_search(&settings.store)?;
    let step = Instant::now();
    emporium_app::search_sync::prepare(&store, &index, &opened)
        .await
        .context("preparing the search index")?;
    if demo {
        println!("search index… ready ({:.1?})", step.elapsed());
    }
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
        bcrypt_cost: settings.passwords.bcrypt_cost,
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
        media_dir: settings.store.media_dir(),
        max_upload_bytes: settings.max_image_bytes,
        guest_cart_ttl: Duration::from_secs(settings.guest_cart_days * 24 * 3600),
        shop_name: settings.shop_name.clone(),
        mail: settings.mail().map_err(anyhow::Error::msg)?,
        mail_held_max_age: Duration::from_secs(settings.mail_held_hours * 3600),
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
    print!("{}", welcome(&format!("{scheme}://{addr}"), demo));
    std::io::stdout().flush().context("writing to stdout")?;
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

/// How many products `serve --demo` loads into an empty catalogue.
const DEMO_PRODUCTS: usize = 1000;
/// How many demo shoppers with orders and reviews it adds alongside.
const DEMO_SHOPPERS: usize = 200;

/// The demo shop when there are no products yet (saying what it does as it goes), and
/// the demo accounts in any case.
async fn seed_demo(store: &Store, settings: &Settings, media: &dyn MediaStorage) -> anyhow::Result<()> {
    let cost = settings.passwords.bcrypt_cost;
    if store.products_after(0, 1).await?.is_empty() {
        let started = Instant::now();
        println!("Loading the demo shop into an empty database (once; it takes a little while)…");
        super::demo::load_shop(store, media, DEMO_PRODUCTS, DEMO_SHOPPERS, cost).await?;
        println!("demo shop loaded in {:.1?}", started.elapsed());
    } else {
        super::demo::accounts(store, cost).await?;
    }
    Ok(())
}

/// What a person starting the server wants to know, in one write (a reader that stops
/// after the first line, as the tests do, never sees a later write fail): where it
/// listens, where the shop and the admin are, and with `--demo` how to log in.
fn welcome(base: &str, demo: bool) -> String {
    let mut text = format!(
        "Emporium is listening on {base} (API docs: {base}/api/docs)\n  the shop:  {base}/\n  the admin: {base}/admin\n"
    );
    if demo {
        for (name, password, role) in super::demo::ACCOUNTS {
            let who = match role {
                Role::Staff => "staff (admin)",
                Role::Customer => "shopper",
            };
            text.push_str(&format!("  demo {who} login: {name} / {password}\n"));
        }
    }
    text
}
