//! The notification body: what the sandbox sends, and what the shop's strict parser
//! accepts and refuses.

use emporium_payments::{Notification, NotificationError, NotifiedStatus, notification_body, parse_notification};
use proptest::prelude::*;

/// The API.md shape, as the sandbox would send it.
const GOOD: &str =
    r#"{"event_id":"evt_1","payment_id":42,"order_id":7,"amount":1999,"currency":"CNY","status":"succeeded"}"#;

fn sample() -> Notification {
    Notification {
        event_id: "evt_1".into(),
        payment_id: 42,
        order_id: 7,
        amount: 1999,
        currency: "CNY".into(),
        status: NotifiedStatus::Succeeded,
    }
}

/// The error text when `body` is refused; fails the test if it is accepted.
fn refusal(body: &str) -> String {
    match parse_notification(body.as_bytes()) {
        Err(NotificationError::MalformedBody(why)) => why,
        other => panic!("{body} gave {other:?}"),
    }
}

/// `GOOD` with `field`'s value (as JSON text) replaced by `value`.
fn with_field(field: &str, value: &str) -> String {
    let mut map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(GOOD).expect("GOOD is a JSON object");
    map.insert(field.into(), serde_json::from_str(value).expect("the test passes JSON"));
    serde_json::Value::Object(map).to_string()
}

#[test]
fn the_api_md_shape_is_accepted() {
    assert_eq!(parse_notification(GOOD.as_bytes()), Ok(sample()));
    let failed = GOOD.replace("succeeded", "failed");
    assert_eq!(
        parse_notification(failed.as_bytes()).map(|n| n.status),
        Ok(NotifiedStatus::Failed)
    );
}

#[test]
fn field_order_and_whitespace_do_not_matter() {
    let body = "{ \"status\": \"succeeded\", \"currency\": \"CNY\", \"amount\": 1999,\n \"order_id\": 7, \"payment_id\": 42, \"event_id\": \"evt_1\" }\n";
    assert_eq!(parse_notification(body.as_bytes()), Ok(sample()));
}

#[test]
fn the_sandbox_body_is_compact_json_in_api_md_order() {
    assert_eq!(String::from_utf8(notification_body(&sample())).unwrap(), GOOD);
}

#[test]
fn the_body_matches_what_serde_would_write() {
    let odd = Notification {
        event_id: "a-b_C9".into(),
        status: NotifiedStatus::Failed,
        amount: 0,
        ..sample()
    };
    for n in [sample(), odd] {
        assert_eq!(notification_body(&n), serde_json::to_vec(&n).unwrap());
    }
}

/// The documented schema leaves notifications open (a provider may add fields at any
/// time), so the parser must accept whatever the schema accepts: extra fields of any
/// type are ignored, and the facts still come out as sent.
#[test]
fn fields_a_provider_adds_are_ignored() {
    for (field, value) in [
        ("tip", "100"),
        ("note", "\"新字段\""),
        ("meta", r#"{"a": [1, 2.5, null], "b": {"c": true}}"#),
        ("refund_id", "null"),
    ] {
        let body = with_field(field, value);
        let parsed = parse_notification(body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"));
        assert_eq!(parsed, sample(), "{body}");
    }
}

#[test]
fn a_float_amount_is_refused() {
    for amount in ["19.99", "1999.0", "1e3", "\"1999\"", "null"] {
        let why = refusal(&with_field("amount", amount));
        assert!(why.contains("invalid type"), "{amount}: {why}");
    }
}

#[test]
fn every_field_is_required() {
    for field in ["event_id", "payment_id", "order_id", "amount", "currency", "status"] {
        let mut map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(GOOD).expect("GOOD is a JSON object");
        map.remove(field);
        let why = refusal(&serde_json::Value::Object(map).to_string());
        assert!(why.contains(&format!("missing field `{field}`")), "{why}");
    }
}

#[test]
fn a_bad_event_id_is_refused() {
    let too_long = format!("\"{}\"", "a".repeat(129));
    for event_id in [
        "\"\"",
        "\"evt 1\"",
        "\"evt.1\"",
        "\"évt\"",
        "\"evt\\n\"",
        "\"../x\"",
        too_long.as_str(),
        "1",
    ] {
        let body = with_field("event_id", event_id);
        assert!(parse_notification(body.as_bytes()).is_err(), "{event_id} accepted");
    }
    assert!(refusal(&with_field("event_id", "\"evt 1\"")).contains("event_id"));
    let longest = format!("\"{}\"", "Az9_-".repeat(25) + "abc");
    assert_eq!(
        parse_notification(with_field("event_id", &longest).as_bytes()).map(|n| n.event_id.len()),
        Ok(128)
    );
}

#[test]
fn a_bad_currency_is_refused() {
    for currency in ["\"cny\"", "\"CN\"", "\"CNYY\"", "\"C1Y\"", "\"\"", "\"ＣＮＹ\"", "156"] {
        let body = with_field("currency", currency);
        assert!(parse_notification(body.as_bytes()).is_err(), "{currency} accepted");
    }
    assert!(refusal(&with_field("currency", "\"cny\"")).contains("currency"));
}

#[test]
fn ids_must_be_positive_and_amounts_not_negative() {
    assert!(refusal(&with_field("payment_id", "0")).contains("payment_id"));
    assert!(refusal(&with_field("order_id", "-7")).contains("order_id"));
    assert!(refusal(&with_field("amount", "-1")).contains("amount"));
    // Past i64: serde_json reads it as a float, which an integer field refuses.
    let why = refusal(&with_field("amount", "99999999999999999999"));
    assert!(why.contains("expected i64"), "{why}");
}

#[test]
fn an_unknown_status_is_refused() {
    for status in ["\"pending\"", "\"Succeeded\"", "\"SUCCEEDED\"", "true"] {
        refusal(&with_field("status", status));
    }
}

#[test]
fn non_objects_duplicates_and_trailing_data_are_refused() {
    let duplicate = GOOD.replacen("\"amount\":1999", "\"amount\":1999,\"amount\":1", 1);
    let trailing = format!("{GOOD}{GOOD}");
    for body in [
        "",
        "null",
        "[]",
        "\"evt_1\"",
        "{",
        duplicate.as_str(),
        trailing.as_str(),
    ] {
        refusal(body);
    }
    assert!(matches!(
        parse_notification(b"\xff\xfe{}"),
        Err(NotificationError::MalformedBody(_))
    ));
}

#[test]
fn error_texts_stay_short_and_printable() {
    let field = format!("x\\n{}", "y".repeat(10_000));
    let why = refusal(&format!(r#"{{"{field}":1}}"#));
    assert!(why.chars().count() <= 201, "{} chars", why.chars().count());
    assert!(!why.chars().any(char::is_control), "{why:?}");
}

#[test]
fn deserializing_through_serde_applies_the_same_rules() {
    // Any serde path, not only `parse_notification`, yields a checked value.
    let bad = GOOD.replace("evt_1", "evt 1");
    assert!(serde_json::from_str::<Notification>(&bad).is_err());
    assert_eq!(serde_json::from_str::<Notification>(GOOD).unwrap(), sample());
}

fn notification() -> impl Strategy<Value = Notification> {
    (
        "[A-Za-z0-9_-]{1,128}",
        1..i64::MAX,
        1..i64::MAX,
        0..i64::MAX,
        "[A-Z]{3}",
        prop_oneof![Just(NotifiedStatus::Succeeded), Just(NotifiedStatus::Failed)],
    )
        .prop_map(
            |(event_id, payment_id, order_id, amount, currency, status)| Notification {
                event_id,
                payment_id,
                order_id,
                amount,
                currency,
                status,
            },
        )
}

proptest! {
    #[test]
    fn notification_body_round_trips(n in notification()) {
        prop_assert_eq!(parse_notification(&notification_body(&n)), Ok(n));
    }

    #[test]
    fn arbitrary_bytes_as_body_never_panic(body in any::<Vec<u8>>()) {
        let _ = parse_notification(&body);
    }

    #[test]
    fn json_shaped_noise_never_panics(body in r#"[{}\[\]":,0-9a-z_ .\-e]{0,200}"#) {
        let _ = parse_notification(body.as_bytes());
    }

    #[test]
    fn mutated_good_bodies_never_panic(index in 0..GOOD.len(), byte in any::<u8>()) {
        let mut body = GOOD.as_bytes().to_vec();
        body[index] = byte;
        let _ = parse_notification(&body);
    }
}
