//! Sessions recently looked up, by token hash, in front of the read pool.
//!
//! Every signed-in request starts by looking up its session: for a customer reading their
//! own orders that was one of the request's two database round trips. What a session
//! says (its owner, and the owner's id, name, role and staff role) changes only when a
//! staff member's role changes or an account is disabled, and those changes forget the
//! owner's sessions after their commit (`staff.rs`, `customers.rs`); otherwise only
//! whether it still holds changes, so a copy is safe to reuse while:
//!
//! - **it has not expired**: each entry keeps the session's `expires_at`, checked on
//!   every hit;
//! - **this instance has not revoked it**: logout and password changes forget the
//!   sessions they end after their commit, before the caller is answered. A lookup that
//!   raced with that commit is not put back: it took the cache's generation before going
//!   to the database, and any forget since moves the generation on;
//! - **it is younger than the cache's lifetime** (1 s by default): that bounds how long a
//!   session revoked by *another* instance, or another process on the same SQLite file,
//!   may still be honoured here.
//!
//! Profile fields (email, display name, phone) ride along in the cached user but may be
//! that old on other instances; the profile endpoints read the user afresh.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::Duration;

use emporium_domain::time::Timestamp;
use lru::LruCache;

use crate::accounts::Session;

/// Sessions kept; each is a few hundred bytes.
const CAPACITY: usize = 10_000;

/// The cache; one per [`crate::Store`] (clones of the store share it).
#[derive(Debug)]
pub(crate) struct SessionCache {
    lifetime_ms: i64,
    inner: Option<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    /// Moved on by every forget; a lookup may store what it read only if unmoved.
    generation: u64,
    entries: LruCache<String, Entry>,
}

#[derive(Debug)]
struct Entry {
    session: Session,
    expires_at: Timestamp,
    cached_at: Timestamp,
}

impl SessionCache {
    /// A cache whose entries live `lifetime` (zero: no cache at all).
    pub(crate) fn new(lifetime: Duration) -> Self {
        let lifetime_ms = i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX);
        let inner = (lifetime_ms > 0).then(|| {
            Mutex::new(Inner {
                generation: 0,
                entries: LruCache::new(NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN)),
            })
        });
        Self { lifetime_ms, inner }
    }

    fn lock(&self) -> Option<std::sync::MutexGuard<'_, Inner>> {
        // A panic while holding the lock cannot leave an entry half-written.
        self.inner.as_ref().map(|m| m.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The cached session for `token_hash`, if it still holds at `now`.
    pub(crate) fn get(&self, token_hash: &str, now: Timestamp) -> Option<Session> {
        let mut inner = self.lock()?;
        let entry = inner.entries.get(token_hash)?;
        if now < entry.expires_at && now.millis() < entry.cached_at.millis().saturating_add(self.lifetime_ms) {
            return Some(entry.session.clone());
        }
        inner.entries.pop(token_hash);
        None
    }

    /// Taken before a lookup goes to the database; see [`SessionCache::offer`].
    pub(crate) fn generation(&self) -> u64 {
        self.lock().map_or(0, |inner| inner.generation)
    }

    /// Keeps what a lookup read, unless something was forgotten since it took `generation`.
    pub(crate) fn offer(
        &self,
        generation: u64,
        token_hash: &str,
        session: &Session,
        expires_at: Timestamp,
        now: Timestamp,
    ) {
        if let Some(mut inner) = self.lock()
            && inner.generation == generation
        {
            let entry = Entry {
                session: session.clone(),
                expires_at,
                cached_at: now,
            };
            inner.entries.put(token_hash.to_owned(), entry);
        }
    }

    /// Forgets every session `ended` picks (called after the commit that ended them).
    pub(crate) fn forget(&self, ended: impl Fn(&Session) -> bool) {
        let Some(mut inner) = self.lock() else { return };
        inner.generation += 1;
        let gone: Vec<String> = inner
            .entries
            .iter()
            .filter(|(_, e)| ended(&e.session))
            .map(|(k, _)| k.clone())
            .collect();
        for key in gone {
            inner.entries.pop(&key);
        }
    }
}
