//! Password hashing with bcrypt, off the async worker threads.
//!
//! A hash costs ~330 ms at cost 12 on this class of machine, so hashing runs on the
//! blocking pool behind a semaphore sized to the cores: a burst of logins queues for
//! the hasher instead of starving every other request of CPU.

use std::sync::Arc;

use emporium_domain::account::Password;
use tokio::sync::{OnceCell, Semaphore};

/// Hashes and verifies passwords at a fixed bcrypt cost.
#[derive(Debug, Clone)]
pub struct Passwords {
    cost: u32,
    permits: Arc<Semaphore>,
    /// A hash of a random password at the same cost, verified when the username is
    /// unknown so that answer takes as long as a wrong password does.
    decoy: Arc<OnceCell<String>>,
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
            permits: Arc::new(Semaphore::new(cores)),
            decoy: Arc::new(OnceCell::new()),
        }
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
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, HashError> {
        let (hash, real) = match hash {
            Some(h) => (h.to_owned(), true),
            None => (self.decoy().await?.to_owned(), false),
        };
        let secret = password.to_owned();
        // A malformed stored hash is a mismatch, not a crash.
        let matches = self
            .blocking(move || bcrypt::verify(secret, &hash).unwrap_or(false))
            .await?;
        Ok(real && matches)
    }

    async fn decoy(&self) -> Result<&String, HashError> {
        self.decoy
            .get_or_try_init(|| async {
                let random = crate::tokens::generate().map_err(|e| HashError(e.to_string()))?;
                let cost = self.cost;
                self.blocking(move || bcrypt::hash(random, cost).map_err(|e| HashError(e.to_string())))
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
}
