//! The provider registry and the trait as the shop uses it (through `Arc<dyn …>`), and the
//! delivery retry schedule.

use std::sync::Arc;
use std::time::Duration;

use emporium_payments::{
    BoxFuture, Checkout, Incoming, MAX_ATTEMPTS, MAX_RETRY_DELAY, Notice, NotificationError, PaymentProvider,
    PaymentRequest, ProviderError, Providers, RefundOutcome, RefundRequest, RemoteStatus, notification_body,
    parse_notification, payment_id_of, retry_delay, signature, trade_no,
};
use futures_util::FutureExt;

/// A stand-in provider that answers from memory, as a test double in the server would.
struct Fake {
    name: &'static str,
    secret: &'static [u8],
}

impl PaymentProvider for Fake {
    fn name(&self) -> &'static str {
        self.name
    }

    fn create_payment<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, Result<Checkout, ProviderError>> {
        Box::pin(async move {
            Ok(Checkout {
                provider_ref: format!("{}-{}", self.name, request.payment_id),
                pay_url: format!("/{}/pay/{}", self.name, request.payment_id),
                qr_code: None,
            })
        })
    }

    fn refund<'a>(&'a self, request: &'a RefundRequest) -> BoxFuture<'a, Result<RefundOutcome, ProviderError>> {
        Box::pin(async move {
            match &request.provider_ref {
                Some(reference) => Ok(RefundOutcome::Succeeded {
                    provider_ref: format!("{reference}-r{}", request.refund_id),
                }),
                None => Err(ProviderError::Refused("unknown payment".into())),
            }
        })
    }

    fn query<'a>(
        &'a self,
        payment_id: i64,
        _provider_ref: Option<&'a str>,
    ) -> BoxFuture<'a, Result<RemoteStatus, ProviderError>> {
        Box::pin(async move {
            match payment_id {
                1 => Ok(RemoteStatus::Succeeded {
                    amount: 1999,
                    currency: "CNY".into(),
                }),
                2 => Ok(RemoteStatus::Pending),
                _ => Err(ProviderError::Unavailable("try later".into())),
            }
        })
    }

    fn verify_notification(&self, incoming: Incoming<'_>) -> Result<Notice, NotificationError> {
        signature::verify(
            self.secret,
            incoming.header(signature::HEADER),
            incoming.body,
            incoming.now_unix,
        )?;
        Ok(parse_notification(incoming.body)?.into())
    }
}

/// The headers of a notification signed with `header` (a `Sandbox-Signature` value).
fn signed(header: &str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert(signature::HEADER, header.parse().expect("a header value"));
    headers
}

fn incoming<'a>(headers: &'a http::HeaderMap, body: &'a [u8], now_unix: i64) -> Incoming<'a> {
    Incoming {
        headers,
        body,
        now_unix,
    }
}

fn registry() -> Providers {
    Providers::new()
        .with(Arc::new(Fake {
            name: "sandbox",
            secret: b"s1",
        }))
        .with(Arc::new(Fake {
            name: "alipay",
            secret: b"s2",
        }))
}

#[test]
fn providers_are_found_by_exact_name() {
    let providers = registry();
    assert_eq!(providers.get("sandbox").map(|p| p.name()), Some("sandbox"));
    assert_eq!(providers.get("alipay").map(|p| p.name()), Some("alipay"));
    assert!(providers.get("Sandbox").is_none());
    assert!(providers.get("stripe").is_none());
    assert!(providers.get("").is_none());
    assert_eq!(providers.names(), ["alipay", "sandbox"]);
    assert_eq!(
        format!("{providers:?}"),
        r#"Providers { names: ["alipay", "sandbox"] }"#
    );
}

#[test]
fn an_empty_registry_knows_nothing() {
    let providers = Providers::default();
    assert!(providers.names().is_empty());
    assert!(providers.get("sandbox").is_none());
}

#[test]
fn registering_a_name_again_replaces_the_provider() {
    let providers = registry().with(Arc::new(Fake {
        name: "sandbox",
        secret: b"replacement",
    }));
    assert_eq!(providers.names(), ["alipay", "sandbox"]);
    let sandbox = providers.get("sandbox").unwrap();
    let body = br#"{"event_id":"e","payment_id":1,"order_id":1,"amount":1,"currency":"CNY","status":"failed"}"#;
    let headers = signed(&signature::sign(b"replacement", 100, body));
    assert!(sandbox.verify_notification(incoming(&headers, body, 100)).is_ok());
}

#[test]
fn the_shop_drives_a_provider_through_the_trait_object() {
    let provider = registry().get("sandbox").unwrap();
    let request = PaymentRequest {
        payment_id: 9,
        order_id: 3,
        amount: 1999,
        currency: "CNY".into(),
        channel: None,
        subject: "Emporium order 3".into(),
        notify_url: "https://shop.example/api/v1/payments/notify/sandbox".into(),
        return_url: "https://shop.example/orders/3".into(),
        expires_at_unix: 1_900_000_000,
        client_ip: None,
    };
    let checkout = provider.create_payment(&request).now_or_never().unwrap().unwrap();
    assert_eq!(
        checkout,
        Checkout {
            provider_ref: "sandbox-9".into(),
            pay_url: "/sandbox/pay/9".into(),
            qr_code: None,
        }
    );

    let refund = RefundRequest {
        refund_id: 4,
        idempotency_key: RefundRequest::key_for(4),
        payment_id: 9,
        provider_ref: Some(checkout.provider_ref),
        amount: 500,
        currency: "CNY".into(),
    };
    let outcome = provider.refund(&refund).now_or_never().unwrap();
    assert_eq!(
        outcome,
        Ok(RefundOutcome::Succeeded {
            provider_ref: "sandbox-9-r4".into()
        })
    );
    let orphan = RefundRequest {
        provider_ref: None,
        ..refund
    };
    let refused = provider.refund(&orphan).now_or_never().unwrap();
    assert_eq!(refused.unwrap_err().to_string(), "provider refused: unknown payment");

    assert_eq!(
        provider.query(2, None).now_or_never().unwrap(),
        Ok(RemoteStatus::Pending)
    );
    let unavailable = provider.query(3, Some("x")).now_or_never().unwrap().unwrap_err();
    assert_eq!(unavailable.to_string(), "provider unavailable: try later");
}

#[test]
fn a_notification_signed_for_one_provider_is_refused_by_another() {
    let providers = registry();
    let n = parse_notification(
        br#"{"event_id":"evt_9","payment_id":9,"order_id":3,"amount":1999,"currency":"CNY","status":"succeeded"}"#,
    )
    .unwrap();
    let body = notification_body(&n);
    let headers = signed(&signature::sign(b"s1", 1_000, &body));
    let sandbox = providers.get("sandbox").unwrap();
    assert_eq!(
        sandbox.verify_notification(incoming(&headers, &body, 1_000)),
        Ok(Notice::from(n))
    );
    let alipay = providers.get("alipay").unwrap();
    assert_eq!(
        alipay.verify_notification(incoming(&headers, &body, 1_000)),
        Err(NotificationError::BadSignature)
    );
}

#[test]
fn retries_double_from_one_second() {
    let secs: Vec<u64> = (1..=12)
        .map(|attempt| retry_delay(attempt).unwrap().as_secs())
        .collect();
    assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]);
}

#[test]
fn retries_are_capped_at_an_hour_then_stop() {
    assert_eq!(MAX_RETRY_DELAY, Duration::from_secs(3600));
    assert_eq!(MAX_ATTEMPTS, 15);
    assert_eq!(retry_delay(13), Some(MAX_RETRY_DELAY));
    assert_eq!(retry_delay(MAX_ATTEMPTS - 1), Some(MAX_RETRY_DELAY));
    for attempt in [MAX_ATTEMPTS, MAX_ATTEMPTS + 1, 64, 65, u32::MAX] {
        assert_eq!(retry_delay(attempt), None, "attempt {attempt}");
    }
    // Never above the cap, never decreasing, before giving up.
    let delays: Vec<Duration> = (1..MAX_ATTEMPTS).map(|a| retry_delay(a).unwrap()).collect();
    assert!(delays.windows(2).all(|w| w[0] <= w[1] && w[1] <= MAX_RETRY_DELAY));
    let total: u64 = delays.iter().map(Duration::as_secs).sum();
    assert_eq!(total, 4095 + 2 * 3600);
}

#[test]
fn the_first_delivery_is_immediate() {
    assert_eq!(retry_delay(0), Some(Duration::ZERO));
}

#[test]
fn a_refund_is_named_by_one_key_however_often_it_is_asked_for() {
    // The key comes from the refund id alone, so a restarted instance re-asking for a
    // refund it claimed before the crash sends what the first attempt sent.
    assert_eq!(RefundRequest::key_for(42), RefundRequest::key_for(42));
    assert_eq!(RefundRequest::key_for(42), "emporium-refund-42");
    assert_ne!(RefundRequest::key_for(42), RefundRequest::key_for(421));
}

#[test]
fn trade_numbers_name_the_payment_and_nothing_else() {
    assert_eq!(trade_no(42), "EP00000042");
    assert_eq!(trade_no(123_456_789), "EP123456789");
    for id in [1, 42, 99_999_999, 100_000_000, i64::MAX] {
        assert_eq!(payment_id_of(&trade_no(id)), Some(id));
    }
    for foreign in [
        "",
        "EP",
        "EP42",
        "ep00000042",
        "XP00000042",
        "EP0000004a",
        "EP00000000",
        "EP-0000042",
        "EP99999999999999999999",
    ] {
        assert_eq!(payment_id_of(foreign), None, "{foreign}");
    }
}
