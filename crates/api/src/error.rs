//! The API's one error type and its translation to RFC 9457 problem+json. Every failure a
//! handler can meet ends here, so the status codes and the stable `code` words are decided
//! in one place (see API.md §2).

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use emporium_app::AppError;
use emporium_domain::{FieldError, Invalid};
use emporium_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// Why a request failed, in the client's terms.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request could not be read (malformed JSON, bad parameter syntax).
    #[error("{detail}")]
    BadRequest {
        /// What is wrong.
        detail: String,
        /// The offending field, when one can be named.
        field: Option<String>,
    },
    /// Well-formed input that breaks the rules, field by field.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// Well-formed input that breaks a rule with a code of its own, naming its fields.
    #[error("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Unprocessable {
        /// The problem code.
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
    /// No such resource, or it belongs to someone else.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The path exists but not with this method.
    #[error("method not allowed on this path")]
    MethodNotAllowed,
    /// The request conflicts with the current state.
    #[error("{detail}")]
    Conflict {
        /// The stable machine-readable word.
        code: &'static str,
        /// What conflicts.
        detail: String,
    },
    /// The body exceeds the limit.
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// An uploaded file is larger than the shop accepts, naming its field.
    #[error("{field}: must be at most {max_bytes} bytes")]
    FileTooLarge {
        /// The field that carried it.
        field: &'static str,
        /// The most accepted, in bytes.
        max_bytes: usize,
    },
    /// The body is not JSON.
    #[error("expected Content-Type: application/json")]
    UnsupportedMediaType,
    /// Too many attempts; try again later.
    #[error("too many requests; retry after {} s", .0.as_secs())]
    RateLimited(Duration),
    /// The database cannot be reached.
    #[error("service unavailable")]
    Unavailable,
    /// The image storage (the data directory or the S3 bucket) cannot read or write now;
    /// the client is told to retry, the log sees the cause.
    #[error("the image storage cannot be reached; try again later")]
    StorageUnavailable(#[source] std::io::Error),
    /// A fault on our side; the client sees a generic message, the log sees the cause.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
    /// A refusal made outside our handlers (an extractor's body limit, the request
    /// timeout, the URI length check), kept with its status and words.
    #[error("{detail}")]
    Refused {
        /// Its status, always 4xx or 5xx.
        status: StatusCode,
        /// What the refusing layer said.
        detail: String,
    },
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest { .. } => (StatusCode::BAD_REQUEST, "invalid_request"),
            Self::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            Self::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            Self::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Self::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            Self::Forbidden | Self::NotAllowed(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            Self::PayloadTooLarge(_) | Self::FileTooLarge { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            }
            Self::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            Self::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::StorageUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            Self::Refused { status, .. } => (*status, refusal_code(*status)),
        }
    }
}

/// The problem code of a refusal made outside the handlers: the codes the handlers use
/// for the same statuses, and the status's own name for the rest.
fn refusal_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "invalid_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "invalid_request",
    }
}

impl From<Invalid> for ApiError {
    fn from(Invalid(errors): Invalid) -> Self {
        Self::Validation(errors)
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        Self::Validation(vec![e])
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Malformed { detail, field } => Self::BadRequest { detail, field },
            AppError::Invalid(errors) => Self::Validation(errors),
            AppError::Unprocessable { code, errors } => Self::Unprocessable { code, errors },
            AppError::Unauthenticated(why) => Self::Unauthenticated(why),
            AppError::InvalidCredentials => Self::InvalidCredentials,
            AppError::Forbidden => Self::Forbidden,
            AppError::NotAllowed(why) => Self::NotAllowed(why),
            AppError::NotFound(noun) => Self::NotFound(noun),
            AppError::Conflict { code, detail } => Self::Conflict { code, detail },
            AppError::TooLarge { field, max_bytes } => Self::FileTooLarge { field, max_bytes },
            AppError::RateLimited(wait) => Self::RateLimited(wait),
            AppError::Unavailable => Self::Unavailable,
            AppError::StorageUnavailable(cause) => Self::StorageUnavailable(cause),
            AppError::Internal(cause) => Self::Internal(cause),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

/// An RFC 9457 problem document, as every error response carries.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:emporium:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// The stable machine-readable word (`validation_failed`, `not_found`, …).
    pub code: String,
    /// The offending fields, when there are any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// One offending field in a [`Problem`].
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ProblemField {
    /// The field, as named in the request (`username`, `address.city`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        match &self {
            // Logged once, here, where it is handled; the client gets no internals.
            Self::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            Self::StorageUnavailable(cause) => tracing::error!(error = %cause, "media storage unavailable"),
            _ => {}
        }
        let errors = match &self {
            Self::Validation(errors) | Self::Unprocessable { errors, .. } => errors
                .iter()
                .map(|e| ProblemField {
                    field: e.field.clone(),
                    message: e.message.clone(),
                })
                .collect(),
            Self::FileTooLarge { field, max_bytes } => vec![ProblemField {
                field: (*field).to_owned(),
                message: format!("must be at most {max_bytes} bytes"),
            }],
            Self::BadRequest {
                field: Some(field),
                detail,
            } => {
                vec![ProblemField {
                    field: field.clone(),
                    message: detail.clone(),
                }]
            }
            _ => Vec::new(),
        };
        let detail = match &self {
            Self::Validation(errors) => errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
            other => other.to_string(),
        };
        let problem = Problem {
            kind: format!("urn:emporium:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors,
        };
        let mut response = (status, axum::Json(problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match &self {
            Self::RateLimited(wait) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
            }
            Self::Unauthenticated(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

/// A handler's result.
pub type ApiResult<T> = Result<T, ApiError>;
