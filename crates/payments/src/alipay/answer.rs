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

    /// Whether Alipay understood the request and declined it for business reasons
    /// (public code 40004, "Business Failed"), as opposed to not accepting the request
    /// itself (40001 missing or 40002 invalid arguments, 40006 missing permissions).
    pub fn is_business_refusal(&self) -> bool {
        self.code == "40004" && !self.is_temporary()
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

#[cfg(test)]
mod tests {
    use emporium_testkit::keys;

    use super::*;
    use crate::rsa::SigningKey;

    const METHOD: &str = "alipay.trade.query";

    fn alipay_key() -> (SigningKey, VerifyingKey) {
        let pair = keys::shared(0);
        (
            SigningKey::from_pem(&pair.private_pkcs8).unwrap(),
            VerifyingKey::from_pem(&pair.public).unwrap(),
        )
    }

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    /// `{"<key>":<inner>,"sign":"<signature of signed>"}`.
    fn signed_body(key: &str, inner: &str, signed: &str) -> String {
        let sign = alipay_key().0.sign_base64(signed.as_bytes());
        format!("{{\"{key}\" : {inner},\n \"sign\":\"{sign}\"}}")
    }

    fn read(status: u16, body: &str) -> Result<Answer, ProviderError> {
        read_answer(METHOD, &response(status, body), &alipay_key().1)
    }

    fn is_unavailable(answer: &Result<Answer, ProviderError>, why: &str) -> bool {
        matches!(answer, Err(ProviderError::Unavailable(text)) if text.contains(why))
    }

    #[test]
    fn the_signature_covers_the_exact_text_of_the_response() {
        let inner = r#"{"code":"10000","msg":"Success","qr_code":"https:\/\/qr.alipay.com\/x", "n" : 1}"#;
        let answer = read(200, &signed_body("alipay_trade_query_response", inner, inner)).unwrap();
        let Answer::Success(fields) = answer else {
            panic!("{answer:?}")
        };
        assert_eq!(field(&fields, "qr_code"), "https://qr.alipay.com/x");

        // Signed over the re-serialized text instead: not Alipay's signature of this answer.
        let reserialized = serde_json::from_str::<Value>(inner).unwrap().to_string();
        let body = signed_body("alipay_trade_query_response", inner, &reserialized);
        assert!(is_unavailable(&read(200, &body), "signature"));
    }

    #[test]
    fn failures_are_read_once_signed_including_gateway_errors() {
        let inner =
            r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}"#;
        let expected = Answer::Failure(Failure {
            code: "40004".into(),
            sub_code: "ACQ.TRADE_NOT_EXIST".into(),
            message: "交易不存在".into(),
        });
        assert_eq!(
            read(200, &signed_body("alipay_trade_query_response", inner, inner)),
            Ok(expected.clone())
        );
        assert_eq!(read(200, &signed_body("error_response", inner, inner)), Ok(expected));
    }

    #[test]
    fn answers_that_cannot_be_trusted_are_unavailable() {
        let inner = r#"{"code":"10000","msg":"Success"}"#;
        let good = signed_body("alipay_trade_query_response", inner, inner);
        assert!(is_unavailable(&read(500, &good), "HTTP status 500"));
        assert!(is_unavailable(&read(200, "<html>busy</html>"), "not a JSON object"));
        assert!(is_unavailable(&read(200, &good[..good.len() - 1]), "not a JSON object"));
        assert!(is_unavailable(
            &read_answer(
                METHOD,
                &HttpResponse {
                    status: 200,
                    headers: vec![],
                    body: vec![0xff, b'{']
                },
                &alipay_key().1
            ),
            "UTF-8"
        ));
        assert!(is_unavailable(
            &read(200, &signed_body("alipay_trade_close_response", inner, inner)),
            "no single"
        ));
        let twice = good.replacen('{', &format!("{{\"alipay_trade_query_response\":{inner},"), 1);
        assert!(is_unavailable(&read(200, &twice), "no single"));
        let unsigned = r#"{"alipay_trade_query_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature"}}"#;
        assert!(is_unavailable(
            &read(200, unsigned),
            "unsigned answer (unverified code 40002"
        ));
        let not_a_string = format!(r#"{{"alipay_trade_query_response":{inner},"sign":7}}"#);
        assert!(is_unavailable(&read(200, &not_a_string), "unsigned"));
        let not_an_object = signed_body("alipay_trade_query_response", "\"10000\"", "\"10000\"");
        assert!(is_unavailable(&read(200, &not_an_object), "not a JSON object"));
    }
}
