//! The application layer's one error type: what went wrong, in the terms of the use
//! case, not of any transport. The API renders it as problem+json and the pages as a
//! form error or an error page; each decides its own status codes.

use std::time::Duration;

use emporium_domain::{FieldError, Invalid};
use emporium_store::StoreError;

/// Why a use case failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that cannot be read as what it claims to be (a provider's notification
    /// with a bad signature, a form value of the wrong kind).
    #[error("{detail}")]
    Malformed {
        /// What is wrong.
        detail: String,
        /// The offending field, when one can be named.
        field: Option<String>,
    },
    /// Well-formed input that breaks the rules, field by field.
    #[error("validation failed")]
    Invalid(Vec<FieldError>),
    /// Well-formed input that breaks a rule with a name of its own (`variant_required`),
    /// with the fields concerned.
    #[error("{code}")]
    Unprocessable {
        /// The stable machine-readable word.
        code: &'static str,
        /// The fields concerned.
        errors: Vec<FieldError>,
    },
    /// No valid session.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// Wrong username or password (deliberately not saying which).
    #[error("invalid username or password")]
    InvalidCredentials,
    /// Logged in, but not allowed to do this.
    #[error("not allowed")]
    Forbidden,
    /// Logged in, but not allowed to do this, for a reason worth telling.
    #[error("{0}")]
    NotAllowed(String),
    /// No such thing, or it belongs to someone else (callers cannot tell which).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The operation conflicts with the current state.
    #[error("{detail}")]
    Conflict {
        /// The stable machine-readable word (`insufficient_stock`, `invalid_transition`…).
        code: &'static str,
        /// What conflicts.
        detail: String,
    },
    /// An uploaded file is larger than the shop accepts.
    #[error("{field}: must be at most {max_bytes} bytes")]
    TooLarge {
        /// The field that carried it (`file`).
        field: &'static str,
        /// The most accepted, in bytes.
        max_bytes: usize,
    },
    /// Too many attempts; try again after this long.
    #[error("too many requests; retry after {} s", .0.as_secs())]
    RateLimited(Duration),
    /// The database or a provider cannot be reached now.
    #[error("service unavailable")]
    Unavailable,
    /// The media storage (the data directory's `media` folder, or an S3 bucket) cannot
    /// read or write a file now; callers say "try again later" and log the cause once.
    #[error("the image storage cannot be reached; try again later")]
    StorageUnavailable(#[source] std::io::Error),
    /// A fault on our side; callers show a generic message and log the cause once.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// A use case's result.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// `username_taken`.
    pub fn username_taken() -> Self {
        Self::Conflict {
            code: "username_taken",
            detail: "that username is already registered".into(),
        }
    }

    /// Malformed input naming a field.
    pub fn malformed_field(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Malformed {
            detail: detail.into(),
            field: Some(field.into()),
        }
    }
}

impl From<Invalid> for AppError {
    fn from(Invalid(errors): Invalid) -> Self {
        Self::Invalid(errors)
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(vec![e])
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(what),
            StoreError::UsernameTaken => Self::username_taken(),
            StoreError::SkuTaken => Self::Conflict {
                code: "sku_taken",
                detail: "another product or variant has that SKU".into(),
            },
            StoreError::CombinationTaken => Self::Invalid(vec![FieldError::new(
                "option_values",
                "another variant of the product has these option values",
            )]),
            StoreError::CategoryCycle => Self::Invalid(vec![FieldError::new(
                "parent_id",
                "must not be the category itself or one of its descendants",
            )]),
            StoreError::CategoryInUse => Self::Conflict {
                code: "category_in_use",
                detail: StoreError::CategoryInUse.to_string(),
            },
            StoreError::CategoryTaken(field) => Self::Conflict {
                code: "category_taken",
                detail: format!("another category has this {field}"),
            },
            StoreError::LastVariant => Self::Conflict {
                code: "last_variant",
                detail: StoreError::LastVariant.to_string(),
            },
            StoreError::InsufficientStock {
                product_id,
                variant_id,
                available,
            } => Self::Conflict {
                code: "insufficient_stock",
                detail: format!("product {product_id} (variant {variant_id}) has only {available} units available"),
            },
            StoreError::InvalidTransition(t) => Self::Conflict {
                code: "invalid_transition",
                detail: t.to_string(),
            },
            StoreError::IdempotencyConflict | StoreError::IdempotencyRace => Self::Conflict {
                code: "idempotency_conflict",
                detail: "this Idempotency-Key was used with a different request".into(),
            },
            StoreError::Pricing(refusal) => refusal.into(),
            StoreError::EmptyCart => Self::Conflict {
                code: "cart_empty",
                detail: "the cart is empty".into(),
            },
            StoreError::MixedCurrencies => Self::Conflict {
                code: "mixed_currencies",
                detail: StoreError::MixedCurrencies.to_string(),
            },
            StoreError::ProductUnavailable(id) => Self::Conflict {
                code: "product_unavailable",
                detail: format!("product {id} is not for sale"),
            },
            StoreError::RefundLine(e) => Self::Invalid(vec![e]),
            StoreError::RefundTooLarge { remaining } => Self::Invalid(vec![FieldError::new(
                "amount",
                format!("must be between 1 and {remaining}, what is left to refund"),
            )]),
            e @ StoreError::CurrencyNotAccepted { .. } => {
                Self::Invalid(vec![FieldError::new("provider", e.to_string())])
            }
            StoreError::PaymentMismatch(why) => Self::Malformed {
                detail: why,
                field: None,
            },
            StoreError::AlreadyReviewed => Self::Conflict {
                code: "already_reviewed",
                detail: StoreError::AlreadyReviewed.to_string(),
            },
            StoreError::NotReviewable(why) => Self::NotAllowed(why.to_string()),
            StoreError::AccountDisabled => Self::NotAllowed("this account is disabled".into()),
            StoreError::StaffRefused(emporium_domain::staff::Refusal::OwnAccount) => {
                Self::NotAllowed("nobody can change their own role or disable their own account".into())
            }
            StoreError::StaffRefused(emporium_domain::staff::Refusal::Escalation) => {
                Self::NotAllowed("you can only give, or change, roles whose permissions you hold yourself".into())
            }
            StoreError::LastOwner => Self::Conflict {
                code: "last_owner",
                detail: "the shop's last enabled owner cannot be demoted or disabled".into(),
            },
            StoreError::LimitReached(what) => Self::Conflict {
                code: "limit_reached",
                detail: what.into(),
            },
            StoreError::Throttled(wait) => Self::RateLimited(wait),
            StoreError::Return(refusal) => refusal.into(),
            StoreError::RefundPending => Self::Conflict {
                code: "refund_pending",
                detail: StoreError::RefundPending.to_string(),
            },
            e if e.is_unavailable() => Self::Unavailable,
            other => Self::Internal(other.into()),
        }
    }
}

impl From<emporium_store::returns::ReturnRefusal> for AppError {
    /// A return refused: the order's or the return's state is a 409 with its code, a
    /// wrong line or count a 422 naming it.
    fn from(refusal: emporium_store::returns::ReturnRefusal) -> Self {
        use emporium_store::returns::ReturnRefusal;
        match refusal {
            ReturnRefusal::NotReceived(_) => Self::Conflict {
                code: "order_not_received",
                detail: refusal.to_string(),
            },
            ReturnRefusal::WindowClosed(closed) => Self::Conflict {
                code: "return_window_closed",
                detail: format!("returns for this order closed at {}", closed.to_rfc3339()),
            },
            ReturnRefusal::Field(e) => Self::Invalid(vec![e]),
            ReturnRefusal::Move(_) => Self::Conflict {
                code: "invalid_transition",
                detail: refusal.to_string(),
            },
        }
    }
}

impl From<emporium_store::pricing::PricingRefusal> for AppError {
    /// A cart that cannot be priced as asked: 422 with the engine's code, naming the
    /// field the shopper can change.
    fn from(refusal: emporium_store::pricing::PricingRefusal) -> Self {
        use emporium_domain::pricing::PriceError;
        use emporium_store::pricing::PricingRefusal;
        match refusal {
            PricingRefusal::Coupon { code, reason } => Self::Unprocessable {
                code: "coupon_not_applicable",
                errors: vec![FieldError::new("coupon_codes", format!("{code}: {reason}"))],
            },
            PricingRefusal::Price(e @ (PriceError::NoShippingMethod | PriceError::ShippingMethodNotOffered { .. })) => {
                let field = match e {
                    PriceError::NoShippingMethod => "address_id",
                    _ => "shipping_method_id",
                };
                Self::Unprocessable {
                    code: e.code(),
                    errors: vec![FieldError::new(field, e.to_string())],
                }
            }
            PricingRefusal::Price(PriceError::EmptyCart) => Self::Conflict {
                code: "cart_empty",
                detail: "the cart is empty".into(),
            },
            PricingRefusal::Price(e) => Self::Conflict {
                code: e.code(),
                detail: e.to_string(),
            },
        }
    }
}
