//! What every use case can reach: the store, the search index, the providers, the caches,
//! the password hasher, the clock and the settings; composed once, at start.

use std::sync::Arc;

use emporium_domain::time::{Clock, SystemClock, Timestamp};
use emporium_search::SearchIndex;
use emporium_store::{Store, StoreError};
use tokio::sync::Notify;

use emporium_payments::Providers;

use crate::config::AppConfig;
use crate::cursor::Cursors;
use crate::media::{LocalDir, Media, MediaStorage};
use crate::order_cache::OrderCache;
use crate::passwords::Passwords;
use crate::recommendations::Recommender;
use crate::sandbox::SandboxProvider;

/// Shared application state, cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

#[derive(Clone)]
struct Inner {
    store: Store,
    search: SearchIndex,
    search_nudge: Arc<Notify>,
    cursors: Cursors,
    order_links: crate::guests::OrderLinks,
    providers: Providers,
    sandbox_secret: Vec<u8>,
    order_cache: OrderCache,
    recommender: Arc<Recommender>,
    http: reqwest::Client,
    passwords: Passwords,
    clock: Arc<dyn Clock>,
    media: Media,
    outbox: Arc<crate::messages::Outbox>,
    config: AppConfig,
}

impl AppState {
    /// State over `store` and `search` using the wall clock.
    pub async fn new(store: Store, search: SearchIndex, config: AppConfig) -> Result<Self, StoreError> {
        Self::with_clock(store, search, config, Arc::new(SystemClock)).await
    }

    /// State with an injected clock (tests move time instead of sleeping). Loads the
    /// cursor-signing secret, creating it on first use; it lives in the database so every
    /// instance sharing it accepts the others' cursors.
    pub async fn with_clock(
        store: Store,
        search: SearchIndex,
        config: AppConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StoreError> {
        let candidate = crate::tokens::generate().map_err(|e| StoreError::Config(format!("no randomness: {e}")))?;
        let secret = store.setting_or_insert("cursor_secret", candidate).await?;
        // The sandbox's secret is shared by every instance (they verify each other's
        // notifications), so it lives in the database unless the settings name one.
        let sandbox_secret = match &config.sandbox_secret {
            Some(s) => s.clone(),
            None => {
                let candidate =
                    crate::tokens::generate().map_err(|e| StoreError::Config(format!("no randomness: {e}")))?;
                store.setting_or_insert("sandbox_secret", candidate).await?
            }
        };
        // The sandbox is always there to serve its earlier payments' refunds and
        // notifications; whether buyers are offered it is `config.payments.sandbox`.
        let providers = Providers::new().with(Arc::new(SandboxProvider::new(store.clone(), sandbox_secret.as_bytes())));
        let providers = crate::payments::providers::add_configured(providers, &config.payments, &config.public_url)
            .map_err(StoreError::Config)?;
        let passwords = Passwords::new(config.bcrypt_cost);
        let outbox = crate::messages::Outbox::from_config(&config).map_err(StoreError::Config)?;
        let state = Self(Arc::new(Inner {
            store,
            search,
            search_nudge: Arc::new(Notify::new()),
            cursors: Cursors::new(secret.as_bytes()),
            order_links: crate::guests::OrderLinks::new(secret.as_bytes()),
            providers,
            sandbox_secret: sandbox_secret.into_bytes(),
            order_cache: OrderCache::local(config.order_cache_capacity),
            recommender: Arc::new(Recommender::default()),
            http: reqwest::Client::new(),
            passwords,
            clock,
            media: Media::new(Arc::new(LocalDir::new(config.media_dir.clone()))),
            outbox: Arc::new(outbox),
            config,
        }));
        state.store().set_mail_configured(state.outbox().can_mail()).await?;
        // Serve the stored model from the first request on, not from the first job pass.
        crate::recommendations::load_latest(&state).await?;
        Ok(state)
    }

    /// How messages leave (mail server, SMS sender).
    pub fn outbox(&self) -> &crate::messages::Outbox {
        &self.0.outbox
    }

    /// The search index.
    pub fn search(&self) -> &SearchIndex {
        &self.0.search
    }

    /// Wakes the search follower: call after changing a product so this instance's
    /// index catches up at once rather than at the next poll.
    pub fn nudge_search(&self) {
        self.0.search_nudge.notify_one();
    }

    /// The notifier [`crate::search_sync::follow`] listens on.
    pub fn search_nudge(&self) -> Arc<Notify> {
        Arc::clone(&self.0.search_nudge)
    }

    /// Replaces the order cache (e.g. with the shared Redis one). Call before serving.
    pub fn with_order_cache(self, cache: OrderCache) -> Self {
        let mut inner = Arc::unwrap_or_clone(self.0);
        inner.order_cache = cache;
        Self(Arc::new(inner))
    }

    /// Replaces where media files are kept (the data directory's `media` by default).
    /// Call before serving.
    pub fn with_media_storage(self, storage: Arc<dyn MediaStorage>) -> Self {
        let mut inner = Arc::unwrap_or_clone(self.0);
        inner.media = Media::new(storage);
        Self(Arc::new(inner))
    }

    /// Uploaded images and drawings: where they are kept, and the gate on decoding them.
    pub fn media(&self) -> &Media {
        &self.0.media
    }

    /// The recommendation model in use.
    pub fn recommender(&self) -> &Recommender {
        &self.0.recommender
    }

    /// The payment providers, by name.
    pub fn providers(&self) -> &Providers {
        &self.0.providers
    }

    /// The sandbox provider's signing secret.
    pub fn sandbox_secret(&self) -> &[u8] {
        &self.0.sandbox_secret
    }

    /// The hot-order cache.
    pub fn order_cache(&self) -> &OrderCache {
        &self.0.order_cache
    }

    /// An HTTP client for outgoing calls (the sandbox's notifications).
    pub fn http(&self) -> &reqwest::Client {
        &self.0.http
    }

    /// Cursor signing.
    pub fn cursors(&self) -> &Cursors {
        &self.0.cursors
    }

    /// Guest orders' link tokens.
    pub fn order_links(&self) -> &crate::guests::OrderLinks {
        &self.0.order_links
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// The password hasher.
    pub fn passwords(&self) -> &Passwords {
        &self.0.passwords
    }

    /// The current time, from the injected clock.
    pub fn now(&self) -> Timestamp {
        self.0.clock.now()
    }

    /// The settings.
    pub fn config(&self) -> &AppConfig {
        &self.0.config
    }
}
