//! Password hashing with bcrypt, off the async worker threads.
//!
//! A hash costs ~330 ms at cost 12 on this class of machine, so hashing runs on the
//! blocking pool behind a semaphore sized to the cores: a burst of logins queues for
//! the hasher instead of starving every other request of CPU.
//!
//! Timing must not tell which usernames exist, even after the cost setting changes and
//! accounts are hashed at several costs. So the decoy checked for an unknown name is
//! hashed at the slowest cost in use (see [`Passwords::with_slowest_cost_in_use`]), and
//! every check, real or decoy, takes at least as long as the decoy's: a faster one (an
//! account at an older, lower cost) waits out the difference. A successful login at an
//! old cost is rehashed at the current one ([`Passwords::needs_rehash`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use emporium_domain::account::Password;
use tokio::sync::{OnceCell, Semaphore};

/// Hashes and verifies passwords at a fixed bcrypt cost.
#[derive(Debug, Clone)]
pub struct Passwords {
    cost: u32,
    /// The highest cost among the stored hashes, once learnt (see
    /// [`Passwords::learn_slowest_cost_in_use`]); the decoy is made at it if higher.
    stored_cost: Arc<std::sync::OnceLock<Option<u32>>>,
    permits: Arc<Semaphore>,
    /// A hash of a random password at `decoy_cost`, verified when the username is
    /// unknown so that answer takes as long as a wrong password does.
    decoy: Arc<OnceCell<Decoy>>,
}

/// The decoy hash and how long checking it took: the least any check may take.
#[derive(Debug)]
struct Decoy {
    hash: String,
    takes: Duration,
}

/// Hashing failed (an invalid cost, or the blocking pool is gone).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl Passwords {
    /// A hasher at bcrypt `cost` (4–31; production settings insist on at least 10).
    pub fn new(cost: u32) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            cost,
            stored_cost: Arc::new(std::sync::OnceLock::new()),
            permits: Arc::new(Semaphore::new(cores)),
            decoy: Arc::new(OnceCell::new()),
        }
    }

    /// The same hasher, told the highest cost among the stored hashes (tests).
    pub fn with_slowest_cost_in_use(self, stored: Option<u32>) -> Self {
        self.learn_slowest_cost_in_use(stored);
        self
    }

    /// Tells the hasher the highest cost among the stored hashes, before its first check:
    /// the decoy is hashed at that cost if it is above the current one. Costs only fall
    /// towards the current one as accounts are rehashed, so learning it once is enough.
    /// (Learnt at the first check rather than at start-up: reading it scans the users.)
    pub fn learn_slowest_cost_in_use(&self, stored: Option<u32>) {
        let _ = self.stored_cost.set(stored);
    }

    /// Whether [`Passwords::learn_slowest_cost_in_use`] was called.
    pub fn knows_slowest_cost_in_use(&self) -> bool {
        self.stored_cost.get().is_some()
    }

    /// Whether `hash` is at another cost than the current one (or unreadable), so it
    /// should be replaced after a successful check.
    pub fn needs_rehash(&self, hash: &str) -> bool {
        cost_of(hash) != Some(self.cost)
    }

    /// The bcrypt cost in use.
    pub fn cost(&self) -> u32 {
        self.cost
    }

    /// A salted bcrypt hash of `password`.
    pub async fn hash(&self, password: &Password) -> Result<String, HashError> {
        let secret = password.expose().to_owned();
        let cost = self.cost;
        self.blocking(move || bcrypt::hash(secret, cost).map_err(|e| HashError(e.to_string())))
            .await?
    }

    /// Whether `password` matches `hash`. With no hash (unknown user) it checks a decoy
    /// and answers false, taking the same time as a real check.
    /// Either way the answer takes at least as long as checking the decoy.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, HashError> {
        let decoy = self.decoy().await?;
        let started = Instant::now();
        let (hash, real) = match hash {
            Some(h) => (h.to_owned(), true),
            None => (decoy.hash.clone(), false),
        };
        let secret = password.to_owned();
        // A malformed stored hash is a mismatch, not a crash.
        let matches = self
            .blocking(move || bcrypt::verify(secret, &hash).unwrap_or(false))
            .await?;
        if let Some(rest) = decoy.takes.checked_sub(started.elapsed()) {
            tokio::time::sleep(rest).await;
        }
        Ok(real && matches)
    }

    async fn decoy(&self) -> Result<&Decoy, HashError> {
        self.decoy
            .get_or_try_init(|| async {
                let random = crate::tokens::generate().map_err(|e| HashError(e.to_string()))?;
                let stored = self.stored_cost.get().copied().flatten();
                let cost = stored.map_or(self.cost, |c| c.max(self.cost));
                self.blocking(move || {
                    let hash = bcrypt::hash(&random, cost).map_err(|e| HashError(e.to_string()))?;
                    let started = Instant::now();
                    bcrypt::verify(&random, &hash).map_err(|e| HashError(e.to_string()))?;
                    Ok(Decoy {
                        hash,
                        takes: started.elapsed(),
                    })
                })
                .await?
            })
            .await
    }

    async fn blocking<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, HashError> {
        let _permit = self.permits.acquire().await.map_err(|e| HashError(e.to_string()))?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| HashError(e.to_string()))
    }
}

/// The cost a bcrypt hash (`$2b$12$…`) was made at.
fn cost_of(hash: &str) -> Option<u32> {
    let mut parts = hash.split('$');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(""), Some(_version), Some(cost)) if cost.len() == 2 => cost.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_users_never_match() {
        let p = Passwords::new(4);
        let pw = Password::parse("password", "correct horse").unwrap();
        let h = p.hash(&pw).await.unwrap();
        assert!(h.starts_with("$2b$04$"));
        assert!(p.verify("correct horse", Some(&h)).await.unwrap());
        assert!(!p.verify("wrong horse!", Some(&h)).await.unwrap());
        assert!(!p.verify("correct horse", None).await.unwrap());
        assert!(!p.verify("x", Some("not a hash")).await.unwrap());
    }

    #[tokio::test]
    async fn a_hash_at_an_older_cost_takes_as_long_as_the_decoy_and_asks_for_a_rehash() {
        let old = Passwords::new(4);
        let current = Passwords::new(5).with_slowest_cost_in_use(Some(9));
        let pw = Password::parse("password", "correct horse").unwrap();
        let cheap = old.hash(&pw).await.unwrap();
        assert!(current.needs_rehash(&cheap) && !old.needs_rehash(&cheap));
        let decoy = current.decoy().await.unwrap();
        assert_eq!(
            cost_of(&decoy.hash),
            Some(9),
            "the decoy follows the slowest cost in use"
        );
        for (password, hash) in [
            ("correct horse", Some(cheap.as_str())),
            ("wrong horse!", Some(&cheap)),
            ("x", None),
        ] {
            let started = Instant::now();
            current.verify(password, hash).await.unwrap();
            assert!(
                started.elapsed() >= decoy.takes,
                "{password}: {:?} < {:?}",
                started.elapsed(),
                decoy.takes
            );
        }
        assert_eq!(cost_of("$2b$12$abcdefghijklmnopqrstuv"), Some(12));
        assert_eq!(cost_of("plain"), None);
    }
}
