//! Reading the gateway's answers: `{"<method>_response": {...}, "sign": "..."}`, believed
//! only once the signature over the `*_response` value's exact text checks out.

use serde_json::{Map, Value};

use super::wire::top_level_members;
use crate::ProviderError;
use crate::rsa::VerifyingKey;
use crate::transport::HttpResponse;

/// The `code` of a successful call.
const SUCCESS: &str = "10000";

/// A verified answer: what Alipay said, success or a business failure.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Answer {
    /// `code` 10000: the call's fields.
    Success(Map<String, Value>),
    /// Any other code, with its details.
    Failure(Failure),
}

/// A verified failure answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Failure {
    /// The public code (`40004` business failure, `20000` service unavailable, …).
    pub code: String,
    /// The detailed code (`ACQ.TRADE_NOT_EXIST`, `ACQ.SYSTEM_ERROR`, …), empty when absent.
    pub sub_code: String,
    /// The explanation (`sub_msg`, else `msg`), for logs and refusal reasons.
    pub message: String,
}

impl Failure {
    /// Whether Alipay failed on its side, so that the same request may succeed later:
    /// public code 20000 ("Service Currently Unavailable"), `isp.*` sub-codes (the
    /// service provider's own errors) and the `SYSTEM_ERROR` sub-codes, which Alipay's
    /// documentation says to retry with the same request numbers.
    pub fn is_temporary(&self) -> bool {
        self.code == "20000" || self.sub_code.starts_with("isp.") || self.sub_code.ends_with("SYSTEM_ERROR")
    }

    /// `sub_code: message`, for an error or a refund's `reason`.
    pub fn describe(&self) -> String {
        let code = if self.sub_code.is_empty() {
            &self.code
        } else {
            &self.sub_code
        };
        format!("{code}: {}", self.message)
    }

    /// The error for a failure that means nothing more to the caller: retry later when
    /// temporary, else a refusal.
    pub fn into_error(self) -> ProviderError {
        if self.is_temporary() {
            ProviderError::Unavailable(format!("Alipay: {}", self.describe()))
        } else {
            ProviderError::Refused(format!("Alipay: {}", self.describe()))
        }
    }
}

/// Reads the answer to `method` (e.g. `alipay.trade.query`), verifying Alipay's
/// signature before anything in it is believed.
///
/// Every way an answer cannot be trusted is [`ProviderError::Unavailable`]: a status
/// other than 200 (the gateway answers 200 even to refusals), a body that is not one
/// JSON object, no `*_response` member, or a missing or wrong `sign`. The shop then
/// treats the call as not answered and asks again later, which every call here allows.
/// Alipay leaves `sign` out of some error answers (code 40002 `isv.invalid-signature`
/// when it could not verify our request); such an answer is only "not a success", and
/// its code is quoted in the error for the operator, marked as unverified.
pub(super) fn read_answer(
    method: &str,
    response: &HttpResponse,
    alipay_key: &VerifyingKey,
) -> Result<Answer, ProviderError> {
    if response.status != 200 {
        return Err(unavailable(format!("HTTP status {}", response.status)));
    }
    let body = std::str::from_utf8(&response.body).map_err(|_| unavailable("the answer is not UTF-8".into()))?;
    let members = top_level_members(body).ok_or_else(|| unavailable("the answer is not a JSON object".into()))?;
    let key = format!("{}_response", method.replace('.', "_"));
    // Gateway-level errors (an unknown app_id, a missing method) come as `error_response`.
    let raw = only_member(&members, &key)
        .or_else(|| only_member(&members, "error_response"))
        .ok_or_else(|| unavailable(format!("the answer has no single {key}")))?;
    let signature = only_member(&members, "sign").and_then(|sign| serde_json::from_str::<String>(sign).ok());
    let Some(signature) = signature.filter(|s| !s.is_empty()) else {
        return Err(unavailable(format!("an unsigned answer ({})", unverified_code(raw))));
    };
    if !alipay_key.verify_base64(raw.as_bytes(), &signature) {
        return Err(unavailable("the answer's signature does not match Alipay's key".into()));
    }
    let fields: Map<String, Value> =
        serde_json::from_str(raw).map_err(|_| unavailable(format!("{key} is not a JSON object")))?;
    let text = |name: &str| fields.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    if text("code") == SUCCESS {
        return Ok(Answer::Success(fields));
    }
    let message = Some(text("sub_msg"))
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| text("msg"));
    Ok(Answer::Failure(Failure {
        code: text("code"),
        sub_code: text("sub_code"),
        message,
    }))
}

/// The text of member `key` when it appears exactly once (a repeated key would leave it
/// unclear which value Alipay signed).
fn only_member<'a>(members: &[(String, &'a str)], key: &str) -> Option<&'a str> {
    let mut found = members.iter().filter(|(name, _)| name == key);
    let (_, raw) = found.next()?;
    found.next().is_none().then_some(*raw)
}

/// The `code`/`sub_code` of an unsigned answer, for the log only (it is not believed).
fn unverified_code(raw: &str) -> String {
    let fields: Map<String, Value> = serde_json::from_str(raw).unwrap_or_default();
    let text = |name: &str| {
        fields
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("?")
            .chars()
            .take(64)
            .collect::<String>()
    };
    format!("unverified code {}, sub_code {}", text("code"), text("sub_code"))
}

fn unavailable(why: String) -> ProviderError {
    ProviderError::Unavailable(format!("Alipay: {why}"))
}

/// The string field `name` of a successful answer, or "" when absent.
pub(super) fn field<'a>(fields: &'a Map<String, Value>, name: &str) -> &'a str {
    fields.get(name).and_then(Value::as_str).unwrap_or_default()
}
