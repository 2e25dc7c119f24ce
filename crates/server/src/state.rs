//! What every handler can reach: the store, the password hasher, the clock and settings.

use std::sync::Arc;
use std::time::Duration;

use emporium_domain::time::{Clock, SystemClock, Timestamp};
use emporium_store::Store;

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
    passwords: Passwords,
    clock: Arc<dyn Clock>,
    config: ServerConfig,
}

impl AppState {
    /// State over `store` using the wall clock.
    pub fn new(store: Store, config: ServerConfig) -> Self {
        Self::with_clock(store, config, Arc::new(SystemClock))
    }

    /// State with an injected clock (tests move time instead of sleeping).
    pub fn with_clock(store: Store, config: ServerConfig, clock: Arc<dyn Clock>) -> Self {
        let passwords = Passwords::new(config.bcrypt_cost);
        Self(Arc::new(Inner {
            store,
            passwords,
            clock,
            config,
        }))
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
