//! The storage layer's error type: what a caller can act on, plus the database's own.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or belongs to someone else: callers cannot tell); names
    /// what was looked for (`order`, `address`), so each layer above can say so.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The account is disabled (staff) or blocked (customers): it cannot log in.
    #[error("the account is disabled")]
    AccountDisabled,
    /// A change of staff role or state that the rules refuse (`domain::staff`).
    #[error("staff change refused: {0:?}")]
    StaffRefused(emporium_domain::staff::Refusal),
    /// The change would leave the shop without an enabled owner.
    #[error("the last enabled owner cannot be demoted or disabled")]
    LastOwner,
    /// The username is registered already (compared case-insensitively).
    #[error("username is taken")]
    UsernameTaken,
    /// Another variant has this SKU.
    #[error("SKU is taken")]
    SkuTaken,
    /// Another variant of the product has this combination of option values.
    #[error("another variant has these option values")]
    CombinationTaken,
    /// Moving a category under itself or one of its descendants.
    #[error("a category cannot be moved under itself or one of its descendants")]
    CategoryCycle,
    /// A category that holds products or categories cannot be removed.
    #[error("the category holds products or categories")]
    CategoryInUse,
    /// Another category has this name or slug (the field).
    #[error("another category has this {0}")]
    CategoryTaken(&'static str),
    /// A product keeps at least one variant on sale (archive the product instead).
    #[error("the product's last variant on sale cannot be removed")]
    LastVariant,
    /// Not enough units on hand for a draw.
    #[error("insufficient stock for product {product_id} (variant {variant_id}): {available} available")]
    InsufficientStock {
        /// The product short of stock.
        product_id: i64,
        /// Its variant.
        variant_id: i64,
        /// Units on hand.
        available: i64,
    },
    /// Stored data breaks an invariant the code relies on (a bug or manual edit).
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The order is not in a state that allows this (or a concurrent request moved it first).
    #[error(transparent)]
    InvalidTransition(#[from] emporium_domain::order::InvalidTransition),
    /// The `Idempotency-Key` was used before with a different request.
    #[error("the Idempotency-Key was used with a different request")]
    IdempotencyConflict,
    /// Two requests with one `Idempotency-Key` ran at once; the loser should retry to replay.
    #[error("a concurrent request holds this Idempotency-Key")]
    IdempotencyRace,
    /// Ordering from an empty cart.
    #[error("the cart is empty")]
    EmptyCart,
    /// The cart cannot be priced or ordered as asked (no shipping method for the address,
    /// a coupon that does not apply).
    #[error(transparent)]
    Pricing(#[from] crate::pricing::PricingRefusal),
    /// The cart holds products priced in different currencies.
    #[error("the cart mixes currencies; order each currency separately")]
    MixedCurrencies,
    /// The product cannot be bought (archived or draft).
    #[error("product {0} is not for sale")]
    ProductUnavailable(i64),
    /// A refund larger than what is left to refund.
    #[error("at most {remaining} can still be refunded")]
    RefundTooLarge {
        /// What may still be refunded.
        remaining: i64,
    },
    /// The provider asked for cannot collect the order's currency.
    #[error("{provider} does not collect {currency}")]
    CurrencyNotAccepted {
        /// The provider.
        provider: String,
        /// The order's currency.
        currency: String,
    },
    /// A payment notification that does not match the payment (amount, currency, order).
    #[error("notification does not match the payment: {0}")]
    PaymentMismatch(String),
    /// This order and product were reviewed already.
    #[error("this order's product has been reviewed already")]
    AlreadyReviewed,
    /// The buyer may not review this product with this order.
    #[error(transparent)]
    NotReviewable(#[from] crate::reviews::NotReviewable),
    /// A refund's part for an order line is not one (not the order's line, or more than
    /// is left to refund on it).
    #[error("{}: {}", .0.field, .0.message)]
    RefundLine(emporium_domain::FieldError),
    /// A return cannot be asked for or moved as requested.
    #[error(transparent)]
    Return(#[from] crate::returns::ReturnRefusal),
    /// A per-account cap was reached.
    #[error("limit reached: {0}")]
    LimitReached(&'static str),
    /// The order's whole paid amount is being refunded; it does not ship until that is
    /// decided.
    #[error("a refund of the whole order is pending; approve or reject it first")]
    RefundPending,
    /// A login throttle bucket has no attempt left; nothing was taken from any.
    #[error("too many attempts; retry after {} s", .0.as_secs())]
    Throttled(std::time::Duration),
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

impl From<emporium_domain::pricing::PricingError> for StoreError {
    fn from(e: emporium_domain::pricing::PricingError) -> Self {
        use emporium_domain::pricing::PricingError;
        match e {
            PricingError::EmptyCart => StoreError::EmptyCart,
            PricingError::MixedCurrencies => StoreError::MixedCurrencies,
            PricingError::InsufficientStock {
                product_id,
                variant_id,
                available,
            } => StoreError::InsufficientStock {
                product_id,
                variant_id,
                available,
            },
        }
    }
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

    /// Whether PostgreSQL aborted the transaction for contention with another: a
    /// serialization failure (SQLSTATE 40001) or a deadlock (40P01). Running it again
    /// from the start is safe and usually succeeds.
    pub fn is_contention(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e))
            if matches!(e.code().as_deref(), Some("40001" | "40P01")))
    }

    /// Whether the database refused a row because it broke a UNIQUE constraint.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}
