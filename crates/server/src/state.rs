//! What every handler can reach: the store, the password hasher, the clock and settings.

use std::sync::Arc;
use std::time::Duration;

use emporium_domain::time::{Clock, SystemClock, Timestamp};
use emporium_search::SearchIndex;
use emporium_store::{Store, StoreError};
use tokio::sync::Notify;

use crate::cursor::Cursors;
use crate::passwords::Passwords;

/// Server settings that are not about where to listen or which database to use.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// bcrypt cost for new password hashes.
    pub bcrypt_cost: u32,
    /// How long a login session lasts.
    pub session_ttl: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bcrypt_cost: 12,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// Shared application state, cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    store: Store,
    search: SearchIndex,
    search_nudge: Arc<Notify>,
    cursors: Cursors,
    passwords: Passwords,
    clock: Arc<dyn Clock>,
    config: ServerConfig,
}

impl AppState {
    /// State over `store` and `search` using the wall clock.
    pub async fn new(store: Store, search: SearchIndex, config: ServerConfig) -> Result<Self, StoreError> {
        Self::with_clock(store, search, config, Arc::new(SystemClock)).await
    }

    /// State with an injected clock (tests move time instead of sleeping). Loads the
    /// cursor-signing secret, creating it on first use; it lives in the database so every
    /// instance sharing it accepts the others' cursors.
    pub async fn with_clock(
        store: Store,
        search: SearchIndex,
        config: ServerConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StoreError> {
        let candidate = crate::tokens::generate().map_err(|e| StoreError::Config(format!("no randomness: {e}")))?;
        let secret = store.setting_or_insert("cursor_secret", candidate).await?;
        let passwords = Passwords::new(config.bcrypt_cost);
        Ok(Self(Arc::new(Inner {
            store,
            search,
            search_nudge: Arc::new(Notify::new()),
            cursors: Cursors::new(secret.as_bytes()),
            passwords,
            clock,
            config,
        })))
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

    /// Cursor signing.
    pub fn cursors(&self) -> &Cursors {
        &self.0.cursors
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
    pub fn config(&self) -> &ServerConfig {
        &self.0.config
    }
}
