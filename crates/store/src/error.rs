//! The storage layer's error type: what a caller can act on, plus the database's own.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or belongs to someone else: callers cannot tell).
    #[error("not found")]
    NotFound,
    /// The username is registered already (compared case-insensitively).
    #[error("username is taken")]
    UsernameTaken,
    /// Another product has this SKU.
    #[error("SKU is taken")]
    SkuTaken,
    /// Not enough units on hand for a draw.
    #[error("insufficient stock for product {product_id}: {available} available")]
    InsufficientStock {
        /// The product short of stock.
        product_id: i64,
        /// Units on hand.
        available: i64,
    },
    /// Stored data breaks an invariant the code relies on (a bug or manual edit).
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// A per-account cap was reached.
    #[error("limit reached: {0}")]
    LimitReached(&'static str),
    /// The settings name no usable database.
    #[error("{0}")]
    Config(String),
    /// The database refused or failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A migration could not be applied.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The write path has shut down (the process is stopping).
    #[error("the store is closed")]
    Closed,
    /// The operation panicked (a bug); its changes were rolled back.
    #[error("the operation panicked")]
    Panicked,
    /// The shared commit failed after this operation succeeded; nothing was kept.
    #[error("commit failed: {0}")]
    CommitFailed(String),
}

impl StoreError {
    /// Whether the database is out of reach for now (pool exhausted, connection lost,
    /// store closing), as opposed to a fault in the operation itself.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Closed
                | StoreError::Database(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_))
        )
    }

    /// Whether the database refused a row because it broke a UNIQUE constraint.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}
