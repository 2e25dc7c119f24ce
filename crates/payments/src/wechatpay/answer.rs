//! WeChat Pay's answers once verified: their success and error shapes, and how an error
//! becomes the shop's [`ProviderError`].

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::{ProviderError, RefundOutcome};

/// Error codes that mean "try again later" whatever status carries them.
const RETRYABLE_CODES: &[&str] = &["SYSTEM_ERROR", "FREQUENCY_LIMITED", "BANKERROR"];

/// The longest piece of an answer quoted in an error message.
const MAX_QUOTE_CHARS: usize = 200;

/// A verified answer.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: Vec<u8>,
}

/// WeChat Pay's error body.
#[derive(Deserialize)]
struct ApiError {
    code: String,
    #[serde(default)]
    message: String,
}

impl Answer {
    pub(super) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub(super) fn json<T: DeserializeOwned>(&self) -> Result<T, ProviderError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| unavailable(format!("an unreadable answer from WeChat Pay: {e}")))
    }

    /// The error code of a failed call, when its body has one.
    pub(super) fn code(&self) -> Option<String> {
        if self.is_success() {
            return None;
        }
        serde_json::from_slice::<ApiError>(&self.body).ok().map(|e| e.code)
    }

    /// A failed call as the shop's error: `Unavailable` for WeChat Pay's own trouble,
    /// `Refused` for a business error (`NOT_ENOUGH`, `INVALID_REQUEST`, `ORDERPAID`…).
    pub(super) fn error(&self) -> ProviderError {
        let Ok(error) = serde_json::from_slice::<ApiError>(&self.body) else {
            return unavailable(format!("WeChat Pay answered {} without an error code", self.status));
        };
        let text = format!("{} {}: {}", self.status, quote(&error.code), quote(&error.message));
        if RETRYABLE_CODES.contains(&error.code.as_str()) {
            unavailable(text)
        } else {
            refused(text)
        }
    }
}

/// A transaction as the query answers it (the fields the shop reads).
#[derive(Deserialize)]
pub(super) struct TransactionState {
    pub(super) mchid: String,
    pub(super) out_trade_no: String,
    pub(super) trade_state: String,
    pub(super) amount: Option<TransactionAmount>,
}

/// `amount` of a queried transaction.
#[derive(Deserialize)]
pub(super) struct TransactionAmount {
    pub(super) total: i64,
    pub(super) currency: String,
}

/// A refund as the refund API answers it.
#[derive(Deserialize)]
pub(super) struct RefundState {
    pub(super) refund_id: String,
    pub(super) out_refund_no: String,
    pub(super) status: String,
}

pub(super) fn refund_outcome(answer: &Answer, out_refund_no: &str) -> Result<RefundOutcome, ProviderError> {
    let refund: RefundState = answer.json()?;
    if refund.out_refund_no != out_refund_no {
        return Err(unavailable("WeChat Pay answered about another refund".into()));
    }
    Ok(match refund.status.as_str() {
        "SUCCESS" => RefundOutcome::Succeeded {
            provider_ref: refund.refund_id,
        },
        "PROCESSING" => RefundOutcome::Pending,
        "CLOSED" => RefundOutcome::Failed {
            reason: "WeChat Pay closed the refund (CLOSED)".into(),
        },
        "ABNORMAL" => RefundOutcome::Failed {
            reason: "the refund could not be paid into the buyer's account (ABNORMAL)".into(),
        },
        other => return Err(unavailable(format!("unknown refund status {}", quote(other)))),
    })
}

pub(super) fn unavailable(text: String) -> ProviderError {
    ProviderError::Unavailable(text)
}

pub(super) fn refused(text: String) -> ProviderError {
    ProviderError::Refused(text)
}

/// Untrusted text, short and printable, for an error message.
pub(super) fn quote(text: &str) -> String {
    text.chars()
        .take(MAX_QUOTE_CHARS)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
