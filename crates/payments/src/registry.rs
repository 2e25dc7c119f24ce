//! The registry of providers the server holds, looked up by the name clients send.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::PaymentProvider;

/// A registry of providers by name (the server holds one).
///
/// Cloning is cheap: providers are shared, not copied.
#[derive(Default, Clone)]
pub struct Providers {
    // A BTreeMap so that `names()` comes out sorted, which keeps error messages and the
    // OpenAPI description stable.
    by_name: BTreeMap<&'static str, Arc<dyn PaymentProvider>>,
}

impl Providers {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `provider` under its [`name`](PaymentProvider::name); a provider registered
    /// earlier under the same name is replaced (so tests can swap in a fake).
    #[must_use]
    pub fn with(mut self, provider: Arc<dyn PaymentProvider>) -> Self {
        self.by_name.insert(provider.name(), provider);
        self
    }

    /// The provider called `name` (exact, case-sensitive match), if one is registered.
    pub fn get(&self, name: &str) -> Option<Arc<dyn PaymentProvider>> {
        self.by_name.get(name).cloned()
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        self.by_name.keys().copied().collect()
    }
}

impl fmt::Debug for Providers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Providers hold secrets; show only which ones are there.
        f.debug_struct("Providers").field("names", &self.names()).finish()
    }
}
