//! The `Sandbox-Signature` scheme as a sender and a receiver see it: genuine notifications
//! pass, tampered, forged, replayed and garbled ones are refused with the right reason.

use emporium_payments::NotificationError::{self, BadSignature, MalformedSignature, MissingSignature, Stale};
use emporium_payments::signature::{self, MAX_HEADER_LEN, TOLERANCE_SECS, sign, verify};
use proptest::prelude::*;

const SECRET: &[u8] = b"sandbox-secret";
const NOW: i64 = 1_700_000_000;
const BODY: &[u8] =
    br#"{"event_id":"evt_1","payment_id":42,"order_id":7,"amount":1999,"currency":"CNY","status":"succeeded"}"#;
/// HMAC-SHA256("sandbox-secret", "1700000000." + BODY), computed independently (Python's hmac).
const EXPECTED_V1: &str = "871b8df14aea00d1ff02940d924e62b94bd15781bb67d21ec9d51f27bcd8e330";
/// The same with the secret "rotated-secret".
const ROTATED_V1: &str = "1a588f6dd6e6e72107d8bc2a61cd6e60defee73f0690baa99a2d7eedf5f243fc";

fn is_malformed(result: Result<(), NotificationError>) -> bool {
    matches!(result, Err(MalformedSignature(_)))
}

#[test]
fn the_header_name_and_tolerance_are_the_documented_ones() {
    assert_eq!(signature::HEADER, "Sandbox-Signature");
    assert_eq!(TOLERANCE_SECS, 300);
}

#[test]
fn sign_matches_an_independent_hmac() {
    assert_eq!(sign(SECRET, NOW, BODY), format!("t={NOW},v1={EXPECTED_V1}"));
}

#[test]
fn a_signed_body_verifies() {
    let header = sign(SECRET, NOW, BODY);
    assert_eq!(verify(SECRET, Some(&header), BODY, NOW), Ok(()));
}

#[test]
fn a_flipped_body_byte_is_refused() {
    let header = sign(SECRET, NOW, BODY);
    for i in [0, BODY.len() / 2, BODY.len() - 1] {
        let mut tampered = BODY.to_vec();
        tampered[i] ^= 0x01;
        assert_eq!(
            verify(SECRET, Some(&header), &tampered, NOW),
            Err(BadSignature),
            "byte {i}"
        );
    }
    // Trailing whitespace is still a different body: the signature covers raw bytes.
    let mut padded = BODY.to_vec();
    padded.push(b'\n');
    assert_eq!(verify(SECRET, Some(&header), &padded, NOW), Err(BadSignature));
}

#[test]
fn another_secret_is_refused() {
    let header = sign(b"someone-else", NOW, BODY);
    assert_eq!(verify(SECRET, Some(&header), BODY, NOW), Err(BadSignature));
    assert_eq!(
        verify(b"", Some(&sign(SECRET, NOW, BODY)), BODY, NOW),
        Err(BadSignature)
    );
}

#[test]
fn a_changed_timestamp_breaks_the_signature() {
    // Replaying an old body with a fresh `t` must not work: `t` is signed too.
    let header = format!("t={},v1={EXPECTED_V1}", NOW + 1);
    assert_eq!(verify(SECRET, Some(&header), BODY, NOW), Err(BadSignature));
    // Leading zeros are a different signed text, so they fail as well.
    let header = format!("t=0{NOW},v1={EXPECTED_V1}");
    assert_eq!(verify(SECRET, Some(&header), BODY, NOW), Err(BadSignature));
}

#[test]
fn timestamps_up_to_the_tolerance_pass_either_way() {
    for t in [NOW - TOLERANCE_SECS, NOW + TOLERANCE_SECS] {
        assert_eq!(
            verify(SECRET, Some(&sign(SECRET, t, BODY)), BODY, NOW),
            Ok(()),
            "t = {t}"
        );
    }
}

#[test]
fn a_stale_timestamp_is_refused() {
    let header = sign(SECRET, NOW - 301, BODY);
    assert_eq!(verify(SECRET, Some(&header), BODY, NOW), Err(Stale { skew_secs: 301 }));
    let ancient = sign(SECRET, 0, BODY);
    assert_eq!(verify(SECRET, Some(&ancient), BODY, NOW), Err(Stale { skew_secs: NOW }));
}

#[test]
fn a_future_timestamp_is_refused() {
    let header = sign(SECRET, NOW + 301, BODY);
    assert_eq!(verify(SECRET, Some(&header), BODY, NOW), Err(Stale { skew_secs: -301 }));
    let far = sign(SECRET, i64::MAX, BODY);
    assert!(matches!(verify(SECRET, Some(&far), BODY, NOW), Err(Stale { skew_secs }) if skew_secs < 0));
}

#[test]
fn an_absurd_clock_does_not_overflow() {
    let header = sign(SECRET, NOW, BODY);
    assert!(matches!(
        verify(SECRET, Some(&header), BODY, i64::MIN),
        Err(Stale { .. })
    ));
    assert!(matches!(
        verify(SECRET, Some(&header), BODY, i64::MAX),
        Err(Stale { .. })
    ));
}

#[test]
fn a_forged_signature_is_refused_before_freshness_is_judged() {
    // A stale timestamp with a wrong signature says "bad signature", not "stale": the
    // timestamp means nothing until it is known to be genuine.
    let header = format!("t=5,v1={}", "00".repeat(32));
    assert_eq!(verify(SECRET, Some(&header), BODY, NOW), Err(BadSignature));
}

#[test]
fn a_missing_or_blank_header_is_missing() {
    assert_eq!(verify(SECRET, None, BODY, NOW), Err(MissingSignature));
    assert_eq!(verify(SECRET, Some(""), BODY, NOW), Err(MissingSignature));
    assert_eq!(verify(SECRET, Some("  \t "), BODY, NOW), Err(MissingSignature));
}

#[test]
fn malformed_headers_are_refused_as_malformed() {
    let v1 = EXPECTED_V1;
    // Well formed but for its length.
    let long = format!("t={NOW},v1={v1}{}", ",v0=ab".repeat(MAX_HEADER_LEN / 6));
    let nasty: Vec<String> = vec![
        format!("v1={v1}"),                        // no t
        format!("t={NOW}"),                        // no v1
        format!("t=abc,v1={v1}"),                  // t not a number
        format!("t=-5,v1={v1}"),                   // t negative
        format!("t=+{NOW},v1={v1}"),               // t with a sign
        format!("t=,v1={v1}"),                     // t empty
        format!("t=1.5,v1={v1}"),                  // t fractional
        format!("t=99999999999999999999,v1={v1}"), // t past i64
        format!("t={NOW},t={NOW},v1={v1}"),        // duplicate t
        format!("t={NOW},v1=zz{}", &v1[2..]),      // v1 not hex
        format!("t={NOW},v1={}", &v1[..63]),       // v1 too short
        format!("t={NOW},v1={v1}00"),              // v1 too long
        format!("t={NOW},v1="),                    // v1 empty
        format!("t={NOW},v1={v1},"),               // trailing comma
        format!("t={NOW};v1={v1}"),                // wrong separator
        format!("t {NOW},v1={v1}"),                // no '='
        format!("T={NOW},V1={v1}"),                // keys are case-sensitive
        format!("t={NOW},sig={v1}"),               // unknown key
        format!("t={NOW},v1=é{}", &v1[2..]),       // non-ASCII in v1
        format!("t=１７０,v1={v1}"),               // full-width digits
        "garbage".into(),
        "=,=,=".into(),
        ",".into(),
        "\u{0}".into(),
        long,
    ];
    for header in &nasty {
        assert!(
            is_malformed(verify(SECRET, Some(header), BODY, NOW)),
            "{header:?} gave {:?}",
            verify(SECRET, Some(header), BODY, NOW)
        );
    }
}

#[test]
fn a_long_header_within_the_limit_is_read() {
    let header = format!("t={NOW},v1={EXPECTED_V1}{}", ",v0=ab".repeat(150));
    assert!(header.len() <= MAX_HEADER_LEN);
    assert_eq!(verify(SECRET, Some(&header), BODY, NOW), Ok(()));
}

#[test]
fn blanks_around_items_and_upper_case_hex_are_tolerated() {
    let header = format!(" t={NOW} ,\tv1={} ", EXPECTED_V1.to_uppercase());
    assert_eq!(verify(SECRET, Some(&header), BODY, NOW), Ok(()));
}

#[test]
fn any_matching_v1_is_enough_so_secrets_can_rotate() {
    // The sender signs with both the old and the new secret during a rotation.
    let header = format!("t={NOW},v1={ROTATED_V1},v1={EXPECTED_V1}");
    assert_eq!(verify(SECRET, Some(&header), BODY, NOW), Ok(()));
    assert_eq!(verify(b"rotated-secret", Some(&header), BODY, NOW), Ok(()));
    assert_eq!(verify(b"third-secret", Some(&header), BODY, NOW), Err(BadSignature));
    // Order does not matter, nor does t coming last.
    let header = format!("v1={EXPECTED_V1},v1={ROTATED_V1},t={NOW}");
    assert_eq!(verify(SECRET, Some(&header), BODY, NOW), Ok(()));
}

#[test]
fn other_schemes_are_skipped_but_never_suffice() {
    let header = format!("t={NOW},v0=whatever,v1={EXPECTED_V1},v2=future+base64==");
    assert_eq!(verify(SECRET, Some(&header), BODY, NOW), Ok(()));
    // A v0 holding the right HMAC is still not a v1.
    let header = format!("t={NOW},v0={EXPECTED_V1}");
    assert!(is_malformed(verify(SECRET, Some(&header), BODY, NOW)));
}

proptest! {
    #[test]
    fn sign_then_verify_round_trips(secret in proptest::collection::vec(any::<u8>(), 0..100),
                                    body in proptest::collection::vec(any::<u8>(), 0..500),
                                    t in 0..i64::MAX / 2,
                                    skew in -TOLERANCE_SECS..=TOLERANCE_SECS) {
        let header = sign(&secret, t, &body);
        prop_assert_eq!(verify(&secret, Some(&header), &body, t + skew), Ok(()));
    }

    #[test]
    fn arbitrary_headers_never_panic_and_never_pass(header in any::<String>(), body in any::<Vec<u8>>()) {
        // Without the secret a random header cannot be right; whatever it is, no panic.
        prop_assert!(verify(SECRET, Some(&header), &body, NOW).is_err());
    }

    #[test]
    fn header_shaped_noise_never_panics(header in r"(t|v1|v0|x)?=?[0-9a-fA-F+\-., =]{0,200}") {
        prop_assert!(verify(SECRET, Some(&header), BODY, NOW).is_err());
    }

    #[test]
    fn arbitrary_bytes_as_header_never_panic(bytes in any::<Vec<u8>>()) {
        let header = String::from_utf8_lossy(&bytes);
        prop_assert!(verify(SECRET, Some(&header), BODY, NOW).is_err());
    }
}
