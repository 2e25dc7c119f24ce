//! The engine's stories, with the amounts worked out by hand: the default shop, each
//! promotion kind and the combination rule (coupons, shipping and tax have their own
//! files), and the helpers they all share.

use super::*;
use crate::money::Amount;
use crate::pricing::coupon::{Coupon, CouponCode, CouponKind};
use crate::pricing::priced::DiscountSource;
use crate::pricing::promotion::{BuyNGetM, Promotion, PromotionKind, ThresholdTier, ThresholdTiers};
use crate::pricing::rules::{Percent, Rules, Schedule, Targets};

pub(super) const NOW: Timestamp = Timestamp::from_millis(1_000_000);

/// A line of product `product_id` (variant `product_id × 10`, category `100 + product_id`
/// under root category 1), 100 g a unit.
pub(super) fn line(product_id: i64, unit_price: i64, quantity: i64) -> Line {
    Line {
        product_id,
        variant_id: product_id * 10,
        category_ids: vec![100 + product_id, 1],
        unit_price,
        currency: Currency::CNY,
        quantity,
        weight_grams: 100,
    }
}

/// A signed-in shopper in 广东, China, no method picked, no codes.
pub(super) fn checkout(lines: Vec<Line>) -> Checkout {
    Checkout {
        lines,
        customer: Customer {
            id: Some(7),
            coupon_uses: BTreeMap::new(),
        },
        destination: Destination {
            country: "CN".into(),
            region: Some("广东".into()),
        },
        shipping_method_id: None,
        coupon_codes: Vec::new(),
        now: NOW,
    }
}

pub(super) fn promotion(id: i64, kind: PromotionKind) -> Promotion {
    Promotion::new(
        id,
        &format!("promotion {id}"),
        kind,
        Targets::whole_cart(),
        Schedule::ALWAYS,
        0,
        true,
    )
    .unwrap()
}

pub(super) fn coupon(id: i64, code: &str, kind: CouponKind) -> Coupon {
    Coupon {
        id,
        code: CouponCode::parse("code", code).unwrap(),
        kind,
        min_spend: Amount::ZERO,
        targets: Targets::whole_cart(),
        schedule: Schedule::ALWAYS,
        usage_limit: None,
        used: 0,
        per_customer_limit: None,
        combinable: true,
    }
}

pub(super) fn threshold(tiers: &[(i64, i64)]) -> PromotionKind {
    PromotionKind::Threshold(
        ThresholdTiers::new(
            tiers
                .iter()
                .map(|&(min_spend, off)| ThresholdTier {
                    min_spend: Amount::of(min_spend),
                    off: Amount::of(off),
                })
                .collect(),
        )
        .unwrap(),
    )
}

pub(super) fn rules_with(promotions: Vec<Promotion>, coupons: Vec<Coupon>) -> Rules {
    Rules {
        promotions,
        coupons,
        ..Rules::default_shop()
    }
}

pub(super) fn typed(mut c: Checkout, codes: &[&str]) -> Checkout {
    c.coupon_codes = codes.iter().map(|s| (*s).to_owned()).collect();
    c
}

pub(super) fn sources(line: &PricedLine) -> Vec<(String, i64)> {
    line.discounts
        .iter()
        .map(|d| (d.source.to_string(), d.amount))
        .collect()
}

pub(super) fn promotion_reasons(cart: &PricedCart) -> Vec<(i64, bool, i64, Option<&'static str>)> {
    cart.promotions
        .iter()
        .map(|p| (p.id, p.applied, p.amount, p.reason.map(Reason::as_str)))
        .collect()
}

pub(super) fn coupon_reason(rules: &Rules, c: Checkout) -> Option<&'static str> {
    let cart = price(&c, rules).unwrap();
    assert_eq!(cart.coupons.len(), 1);
    cart.coupons[0].reason.map(Reason::as_str)
}

// ----- the default shop -----

#[test]
fn the_default_shop_prices_like_todays_checkout() {
    let rules = Rules::default_shop();
    let small = price(&checkout(vec![line(1, 1_250, 2), line(2, 300, 1)]), &rules).unwrap();
    assert_eq!((small.subtotal, small.shipping_fee, small.total), (2_800, 1_000, 3_800));
    assert_eq!(small.discount_total, 0);
    let at_threshold = price(&checkout(vec![line(1, 9_900, 1)]), &rules).unwrap();
    assert_eq!((at_threshold.shipping_fee, at_threshold.total), (0, 9_900));
    // 13 % VAT is shown inside the price: 9900 × 13 / 113 = 1138.9 → 1139.
    assert_eq!(at_threshold.lines[0].tax, 1_139);
    assert_eq!(at_threshold.tax_total, 1_139);
    assert_eq!(small.shipping.tax, 115, "1000 × 13 / 113 = 115.04");
}

// ----- promotions, kind by kind -----

#[test]
fn threshold_tiers_take_the_highest_reached_and_share_it_by_largest_remainder() {
    let rules = rules_with(
        vec![promotion(1, threshold(&[(10_000, 1_000), (20_000, 3_000)]))],
        vec![],
    );
    let total_off = |lines| price(&checkout(lines), &rules).unwrap().discount_total;
    assert_eq!(total_off(vec![line(1, 9_999, 1)]), 0);
    assert_eq!(total_off(vec![line(1, 10_000, 1)]), 1_000);
    assert_eq!(total_off(vec![line(1, 19_999, 1)]), 1_000);
    assert_eq!(total_off(vec![line(1, 20_000, 1)]), 3_000);

    // 3000 off 10000 + 20000 + 100 (of 30100): 996.68, 1993.36, 9.97 → floors 996, 1993,
    // 9 (2998), and the two fen left go to the largest remainders: the third, the first.
    let cart = price(
        &checkout(vec![line(1, 10_000, 1), line(2, 20_000, 1), line(3, 100, 1)]),
        &rules,
    )
    .unwrap();
    let shares: Vec<i64> = cart.lines.iter().map(|l| l.subtotal - l.net).collect();
    assert_eq!(shares, [997, 1_993, 10]);
    assert_eq!(shares.iter().sum::<i64>(), 3_000);
    assert_eq!(sources(&cart.lines[0]), [("promotion:1".to_owned(), 997)]);
    assert_eq!(promotion_reasons(&cart), [(1, true, 3_000, None)]);

    let short = price(&checkout(vec![line(1, 9_999, 1)]), &rules).unwrap();
    assert_eq!(promotion_reasons(&short), [(1, false, 0, Some("min_spend_not_met"))]);
}

#[test]
fn a_percentage_off_targets_its_lines_and_rounds_down() {
    let mut p = promotion(1, PromotionKind::PercentOff(Percent::of(15)));
    p.targets.category_ids = vec![101];
    let rules = rules_with(vec![p], vec![]);
    let cart = price(&checkout(vec![line(1, 333, 3), line(2, 5_000, 1)]), &rules).unwrap();
    // 15 % of 999 is 149.85: the shopper gets 149 off.
    assert_eq!(cart.lines[0].net, 999 - 149);
    assert_eq!(cart.lines[1].net, 5_000, "not targeted");
    assert_eq!(cart.discount_total, 149);

    let none = price(&checkout(vec![line(2, 5_000, 1)]), &rules).unwrap();
    assert_eq!(promotion_reasons(&none), [(1, false, 0, Some("no_matching_items"))]);
}

#[test]
fn a_fixed_amount_off_is_per_unit_and_never_below_zero() {
    let mut p = promotion(
        1,
        PromotionKind::FixedOff {
            per_unit: Amount::of(500),
        },
    );
    p.targets.variant_ids = vec![10, 20];
    let rules = rules_with(vec![p], vec![]);
    let cart = price(
        &checkout(vec![line(1, 2_000, 3), line(2, 300, 2), line(3, 1_000, 1)]),
        &rules,
    )
    .unwrap();
    assert_eq!(cart.lines.iter().map(|l| l.net).collect::<Vec<_>>(), [4_500, 0, 1_000]);
    assert_eq!(cart.discount_total, 1_500 + 600);
}

#[test]
fn buy_two_get_one_free_of_the_same_variant() {
    let mut p = promotion(1, PromotionKind::BuyNGetM(BuyNGetM::new(2, 1).unwrap()));
    p.targets.product_ids = vec![1];
    let rules = rules_with(vec![p], vec![]);
    let cart = price(&checkout(vec![line(1, 1_000, 7), line(2, 1_000, 3)]), &rules).unwrap();
    assert_eq!(cart.lines[0].net, 5_000, "7 units: two groups of three, two free");
    assert_eq!(cart.lines[1].net, 3_000, "not targeted");

    let too_few = price(&checkout(vec![line(1, 1_000, 2)]), &rules).unwrap();
    assert_eq!(promotion_reasons(&too_few), [(1, false, 0, Some("quantity_not_met"))]);
}

#[test]
fn free_shipping_is_a_discount_on_the_fee() {
    let rules = rules_with(
        vec![promotion(
            1,
            PromotionKind::FreeShipping {
                min_spend: Amount::of(5_000),
            },
        )],
        vec![],
    );
    let cart = price(&checkout(vec![line(1, 5_000, 1)]), &rules).unwrap();
    assert_eq!(
        (cart.shipping.base_fee, cart.shipping.fee, cart.shipping_fee),
        (1_000, 0, 0)
    );
    assert_eq!(cart.shipping.discounts[0].source, DiscountSource::Promotion(1));
    assert_eq!((cart.discount_total, cart.total), (1_000, 5_000));
    assert_eq!(cart.shipping.tax, 0);

    let short = price(&checkout(vec![line(1, 4_999, 1)]), &rules).unwrap();
    assert_eq!(promotion_reasons(&short), [(1, false, 0, Some("min_spend_not_met"))]);
    // Already free by the method's own free_above: nothing to take off.
    let free = price(&checkout(vec![line(1, 10_000, 1)]), &rules).unwrap();
    assert_eq!(promotion_reasons(&free), [(1, false, 0, Some("nothing_to_discount"))]);
}

#[test]
fn schedules_are_judged_at_now() {
    let mut early = promotion(1, PromotionKind::PercentOff(Percent::of(10)));
    early.schedule = Schedule::new(Some(NOW.plus(std::time::Duration::from_secs(1))), None).unwrap();
    let mut late = promotion(2, PromotionKind::PercentOff(Percent::of(10)));
    late.schedule = Schedule::new(None, Some(NOW)).unwrap();
    let cart = price(
        &checkout(vec![line(1, 1_000, 1)]),
        &rules_with(vec![early, late], vec![]),
    )
    .unwrap();
    assert_eq!(
        promotion_reasons(&cart),
        [(1, false, 0, Some("not_started")), (2, false, 0, Some("expired"))]
    );
}

// ----- combining -----

#[test]
fn combinable_offers_stack_by_priority_on_what_is_left() {
    // 满 100 减 20 first (priority 5), then 10 % off the 80 left = 8.
    let mut first = promotion(1, threshold(&[(10_000, 2_000)]));
    first.priority = 5;
    let second = promotion(2, PromotionKind::PercentOff(Percent::of(10)));
    let rules = rules_with(vec![second, first], vec![]);
    let cart = price(&checkout(vec![line(1, 10_000, 1)]), &rules).unwrap();
    assert_eq!(
        sources(&cart.lines[0]),
        [("promotion:1".into(), 2_000), ("promotion:2".into(), 800)]
    );
    assert_eq!(promotion_reasons(&cart), [(2, true, 800, None), (1, true, 2_000, None)]);
    assert_eq!(cart.discount_total, 2_800);
}

#[test]
fn of_two_offers_that_do_not_combine_the_better_wins() {
    let mut ten_percent = promotion(1, PromotionKind::PercentOff(Percent::of(10)));
    ten_percent.combinable = false;
    let mut fifteen_off = promotion(2, threshold(&[(10_000, 1_500)]));
    fifteen_off.combinable = false;
    let rules = rules_with(vec![ten_percent, fifteen_off], vec![]);
    let cart = price(&checkout(vec![line(1, 12_000, 1)]), &rules).unwrap();
    assert_eq!(
        promotion_reasons(&cart),
        [(1, false, 0, Some("not_combinable")), (2, true, 1_500, None)]
    );
    // At 20000, 10 % (2000) beats 1500.
    let cart = price(&checkout(vec![line(1, 20_000, 1)]), &rules).unwrap();
    assert_eq!(
        promotion_reasons(&cart),
        [(1, true, 2_000, None), (2, false, 0, Some("not_combinable"))]
    );
}

#[test]
fn a_non_combinable_offer_is_weighed_against_all_the_combinable_ones_together() {
    let a = promotion(1, PromotionKind::PercentOff(Percent::of(5)));
    let b = promotion(2, threshold(&[(10_000, 600)]));
    let mut alone = promotion(3, threshold(&[(10_000, 1_000)]));
    alone.combinable = false;
    let rules = rules_with(vec![a, b, alone], vec![]);
    // Together 5 % of 20000 = 1000, then 600: 1600 beats 1000.
    let cart = price(&checkout(vec![line(1, 20_000, 1)]), &rules).unwrap();
    assert_eq!(
        promotion_reasons(&cart),
        [
            (1, true, 1_000, None),
            (2, true, 600, None),
            (3, false, 0, Some("not_combinable"))
        ]
    );
    // Together on 10000: 500 + 600 = 1100 beats 1000 still; on 10000 with a 2000 tier alone it loses.
    let mut rules = rules;
    rules.promotions[2].kind = threshold(&[(10_000, 2_000)]);
    let cart = price(&checkout(vec![line(1, 10_000, 1)]), &rules).unwrap();
    assert_eq!(
        promotion_reasons(&cart),
        [
            (1, false, 0, Some("not_combinable")),
            (2, false, 0, Some("not_combinable")),
            (3, true, 2_000, None)
        ]
    );
}

#[test]
fn ties_go_to_the_higher_priority_then_the_lower_id() {
    let exclusive = |id, priority| {
        let mut p = promotion(id, threshold(&[(1_000, 500)]));
        p.combinable = false;
        p.priority = priority;
        p
    };
    let cart = price(
        &checkout(vec![line(1, 20_000, 1)]),
        &rules_with(vec![exclusive(1, 0), exclusive(2, 9)], vec![]),
    )
    .unwrap();
    assert!(cart.promotions[1].applied && !cart.promotions[0].applied);
    let cart = price(
        &checkout(vec![line(1, 20_000, 1)]),
        &rules_with(vec![exclusive(2, 0), exclusive(1, 0)], vec![]),
    )
    .unwrap();
    assert_eq!(
        cart.promotions.iter().map(|p| (p.id, p.applied)).collect::<Vec<_>>(),
        [(2, false), (1, true)]
    );
}

#[test]
fn the_winner_is_the_lowest_total_not_the_largest_discount() {
    // On 10000 with free shipping from 9900: 200 off leaves 9800 and costs 1000 of
    // shipping (total 10800); 50 off leaves 9950, still shipped free (total 9950).
    let mut big = promotion(1, threshold(&[(10_000, 200)]));
    big.combinable = false;
    let mut small = promotion(2, threshold(&[(10_000, 50)]));
    small.combinable = false;
    let cart = price(
        &checkout(vec![line(1, 10_000, 1)]),
        &rules_with(vec![big, small], vec![]),
    )
    .unwrap();
    assert_eq!(cart.total, 9_950);
    assert_eq!(
        promotion_reasons(&cart),
        [(1, false, 0, Some("not_combinable")), (2, true, 50, None)]
    );
}
