//! The engine's coupon stories: codes, caps, limits and every reason a code is refused.

use super::tests::{NOW, checkout, coupon, coupon_reason, line, promotion, rules_with, sources, threshold, typed};
use super::*;
use crate::money::Amount;
use crate::pricing::coupon::{Coupon, CouponKind};
use crate::pricing::rules::Schedule;

#[test]
fn coupon_codes_are_case_insensitive_trimmed_and_counted_once() {
    let rules = rules_with(vec![], vec![coupon(1, "SPRING10", CouponKind::fixed(1_000).unwrap())]);
    let cart = price(
        &typed(checkout(vec![line(1, 5_000, 1)]), &["  spring10 ", "Spring10"]),
        &rules,
    )
    .unwrap();
    assert_eq!(cart.coupons.len(), 1);
    let c = &cart.coupons[0];
    assert_eq!(
        (c.code.as_str(), c.coupon_id, c.applied, c.amount),
        ("SPRING10", Some(1), true, 1_000)
    );
    assert_eq!(sources(&cart.lines[0]), [("coupon:SPRING10".into(), 1_000)]);
    assert_eq!(cart.total, 5_000 - 1_000 + 1_000);
}

#[test]
fn a_percentage_coupon_rounds_down_and_respects_its_cap() {
    let rules = rules_with(
        vec![],
        vec![
            coupon(1, "TEN", CouponKind::percent(10, None).unwrap()),
            coupon(2, "CAPPED", CouponKind::percent(50, Some(2_000)).unwrap()),
        ],
    );
    let amount = |code: &str, lines| price(&typed(checkout(lines), &[code]), &rules).unwrap().coupons[0].amount;
    assert_eq!(amount("TEN", vec![line(1, 1_999, 1)]), 199, "199.9 → 199");
    assert_eq!(amount("CAPPED", vec![line(1, 3_000, 1)]), 1_500);
    assert_eq!(amount("CAPPED", vec![line(1, 10_000, 1)]), 2_000);
    // Shared across lines exactly: 2000 over 6000 + 4000.
    let cart = price(
        &typed(checkout(vec![line(1, 6_000, 1), line(2, 4_000, 1)]), &["capped"]),
        &rules,
    )
    .unwrap();
    assert_eq!(
        cart.lines.iter().map(|l| l.subtotal - l.net).collect::<Vec<_>>(),
        [1_200, 800]
    );
}

#[test]
fn a_fixed_coupon_never_takes_more_than_its_lines() {
    let mut c = coupon(1, "BIG", CouponKind::fixed(50_000).unwrap());
    c.targets.product_ids = vec![1];
    let rules = rules_with(vec![], vec![c]);
    let cart = price(
        &typed(checkout(vec![line(1, 3_000, 1), line(2, 2_000, 1)]), &["BIG"]),
        &rules,
    )
    .unwrap();
    assert_eq!(
        (cart.lines[0].net, cart.lines[1].net, cart.coupons[0].amount),
        (0, 2_000, 3_000)
    );
}

#[test]
fn every_coupon_reason() {
    let base = || coupon(1, "CODE", CouponKind::fixed(100).unwrap());
    let cart = || typed(checkout(vec![line(1, 5_000, 1)]), &["code"]);
    let reason = |c: Coupon, checkout: Checkout| coupon_reason(&rules_with(vec![], vec![c]), checkout);

    assert_eq!(reason(base(), typed(cart(), &["nope"])), Some("unknown_code"));
    assert_eq!(reason(base(), typed(cart(), &["not a code!"])), Some("unknown_code"));
    let mut c = base();
    c.schedule = Schedule::new(Some(NOW.plus(std::time::Duration::from_secs(60))), None).unwrap();
    assert_eq!(reason(c, cart()), Some("not_started"));
    let mut c = base();
    c.schedule = Schedule::new(None, Some(NOW)).unwrap();
    assert_eq!(reason(c, cart()), Some("expired"));
    let mut c = base();
    (c.usage_limit, c.used) = (Some(100), 100);
    assert_eq!(reason(c, cart()), Some("usage_limit_reached"));
    let mut c = base();
    (c.usage_limit, c.used) = (Some(100), 99);
    assert_eq!(reason(c, cart()), None);
    let mut c = base();
    c.per_customer_limit = Some(1);
    let mut used_once = cart();
    used_once.customer.coupon_uses.insert(1, 1);
    assert_eq!(reason(c.clone(), used_once), Some("per_customer_limit_reached"));
    let mut guest = cart();
    guest.customer.id = None;
    assert_eq!(reason(c.clone(), guest), Some("sign_in_required"));
    assert_eq!(reason(c, cart()), None);
    let mut c = base();
    c.targets.category_ids = vec![999];
    assert_eq!(reason(c, cart()), Some("no_matching_items"));
    let mut c = base();
    c.min_spend = Amount::of(5_001);
    assert_eq!(reason(c, cart()), Some("min_spend_not_met"));
}

#[test]
fn coupons_apply_after_promotions_and_may_be_exclusive() {
    let promo = promotion(1, threshold(&[(10_000, 1_000)]));
    let mut solo = coupon(5, "SOLO", CouponKind::fixed(1_500).unwrap());
    solo.combinable = false;
    let ten = coupon(6, "TEN", CouponKind::percent(10, None).unwrap());
    let rules = rules_with(vec![promo], vec![solo, ten]);
    // Combinable: 1000 off, then 10 % of 9000 = 900 → 1900, beats SOLO's 1500.
    let cart = price(&typed(checkout(vec![line(1, 10_000, 1)]), &["solo", "ten"]), &rules).unwrap();
    assert_eq!(cart.discount_total, 1_900);
    let reasons: Vec<_> = cart
        .coupons
        .iter()
        .map(|c| (c.code.as_str(), c.reason.map(Reason::as_str)))
        .collect();
    assert_eq!(reasons, [("SOLO", Some("not_combinable")), ("TEN", None)]);
    assert_eq!(
        sources(&cart.lines[0]),
        [("promotion:1".into(), 1_000), ("coupon:TEN".into(), 900)]
    );
}
