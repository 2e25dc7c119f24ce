//! The calls about an existing trade: query, close, refund and refund query, each a
//! POST to the gateway whose verified answer is read here.

use serde_json::{Map, Value, json};

use super::answer::{Answer, field};
use super::{Alipay, CURRENCY, parse_yuan, refused, yuan};
use crate::{ProviderError, RefundOutcome, RefundRequest, RemoteStatus, trade_no};

impl Alipay {
    /// `alipay.trade.query` of the shop's payment.
    pub(super) async fn query_trade(&self, payment_id: i64) -> Result<RemoteStatus, ProviderError> {
        let out_trade_no = trade_no(payment_id);
        let fields = match self
            .call("alipay.trade.query", json!({ "out_trade_no": out_trade_no }), &[])
            .await?
        {
            Answer::Success(fields) => fields,
            // Page and wap trades exist at Alipay only once the buyer has opened the page.
            Answer::Failure(failure) if failure.sub_code == "ACQ.TRADE_NOT_EXIST" => return Ok(RemoteStatus::Unknown),
            Answer::Failure(failure) => return Err(failure.into_error()),
        };
        same_trade(&fields, &out_trade_no)?;
        match field(&fields, "trade_status") {
            "WAIT_BUYER_PAY" => Ok(RemoteStatus::Pending),
            "TRADE_CLOSED" => Ok(RemoteStatus::Failed),
            "TRADE_SUCCESS" | "TRADE_FINISHED" => {
                let total = field(&fields, "total_amount");
                let amount = parse_yuan(total).ok_or_else(|| {
                    ProviderError::Unavailable(format!("Alipay: query answered total_amount {total:?}"))
                })?;
                Ok(RemoteStatus::Succeeded {
                    amount,
                    currency: CURRENCY.to_owned(),
                })
            }
            other => Err(ProviderError::Unavailable(format!(
                "Alipay: query answered trade_status {other:?}"
            ))),
        }
    }

    /// `alipay.trade.close`: closed, never opened (`ACQ.TRADE_NOT_EXIST`), or already
    /// closed are all a success. `ACQ.TRADE_STATUS_ERROR` means closed or paid, which
    /// only a query tells apart.
    pub(super) async fn close_trade(&self, payment_id: i64) -> Result<(), ProviderError> {
        let out_trade_no = trade_no(payment_id);
        let failure = match self
            .call("alipay.trade.close", json!({ "out_trade_no": out_trade_no }), &[])
            .await?
        {
            Answer::Success(fields) => return same_trade(&fields, &out_trade_no),
            Answer::Failure(failure) => failure,
        };
        match failure.sub_code.as_str() {
            "ACQ.TRADE_NOT_EXIST" => Ok(()),
            "ACQ.TRADE_STATUS_ERROR" => match self.query_trade(payment_id).await? {
                RemoteStatus::Failed | RemoteStatus::Unknown => Ok(()),
                RemoteStatus::Succeeded { .. } => Err(refused("the trade is paid and cannot be closed")),
                RemoteStatus::Pending => Err(failure.into_error()),
            },
            _ => Err(failure.into_error()),
        }
    }

    /// `alipay.trade.refund`, idempotent at Alipay by `out_request_no` (the request's key).
    pub(super) async fn refund_trade(&self, request: &RefundRequest) -> Result<RefundOutcome, ProviderError> {
        if request.currency != CURRENCY {
            return Err(refused("Alipay refunds yuan (CNY) only"));
        }
        if request.amount <= 0 {
            return Err(refused("a refund must be at least 0.01 yuan"));
        }
        let out_trade_no = trade_no(request.payment_id);
        let biz_content = json!({
            "out_trade_no": out_trade_no,
            "refund_amount": yuan(request.amount),
            "out_request_no": request.idempotency_key,
        });
        let fields = match self.call("alipay.trade.refund", biz_content, &[]).await? {
            Answer::Success(fields) => fields,
            // A business refusal (40004: not refundable, amount too large, balance too
            // low) declines this refund: nothing was paid back. Anything else (a request
            // Alipay could not read, missing permissions, its own errors) says nothing
            // about the refund itself.
            Answer::Failure(failure) if failure.is_business_refusal() => {
                return Ok(RefundOutcome::Failed {
                    reason: failure.describe(),
                });
            }
            Answer::Failure(failure) => return Err(failure.into_error()),
        };
        same_trade(&fields, &out_trade_no)?;
        // fund_change "Y": money moved in this call. "N": a repeat of a refund already
        // made with this out_request_no, or one not finished yet; the refund query says which.
        if field(&fields, "fund_change") == "Y" {
            return Ok(RefundOutcome::Succeeded {
                provider_ref: request.idempotency_key.clone(),
            });
        }
        self.query_refund_request(request).await
    }

    /// `alipay.trade.fastpay.refund.query` of the refund named by the request's key.
    pub(super) async fn query_refund_request(&self, request: &RefundRequest) -> Result<RefundOutcome, ProviderError> {
        let out_trade_no = trade_no(request.payment_id);
        let biz_content = json!({ "out_trade_no": out_trade_no, "out_request_no": request.idempotency_key });
        let fields = match self.call("alipay.trade.fastpay.refund.query", biz_content, &[]).await? {
            Answer::Success(fields) => fields,
            Answer::Failure(failure) if failure.sub_code == "ACQ.TRADE_NOT_EXIST" => {
                return Ok(RefundOutcome::Failed {
                    reason: failure.describe(),
                });
            }
            Answer::Failure(failure) => return Err(failure.into_error()),
        };
        same_trade(&fields, &out_trade_no)?;
        let answered = field(&fields, "out_request_no");
        if !answered.is_empty() && answered != request.idempotency_key {
            return Err(ProviderError::Unavailable(format!(
                "Alipay: refund query answered out_request_no {answered:?}"
            )));
        }
        // REFUND_SUCCESS is the only state Alipay reports; without it the refund has not
        // (yet) been received or done, and the shop asks again later.
        Ok(match field(&fields, "refund_status") {
            "REFUND_SUCCESS" => RefundOutcome::Succeeded {
                provider_ref: request.idempotency_key.clone(),
            },
            _ => RefundOutcome::Pending,
        })
    }
}

/// An error unless a successful answer's `out_trade_no` (when it has one) is ours: a
/// signed answer about another trade is not an answer to this call.
pub(super) fn same_trade(fields: &Map<String, Value>, out_trade_no: &str) -> Result<(), ProviderError> {
    match field(fields, "out_trade_no") {
        "" => Ok(()),
        answered if answered == out_trade_no => Ok(()),
        answered => Err(ProviderError::Unavailable(format!(
            "Alipay answered about {answered:?}, not {out_trade_no:?}"
        ))),
    }
}
