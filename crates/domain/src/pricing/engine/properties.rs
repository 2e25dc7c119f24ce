//! Properties of the engine over random carts and random rule sets: the books always
//! balance, no amount goes negative, every discount's shares add up to it exactly,
//! pricing is deterministic, and the default shop charges what today's checkout does.

use proptest::collection::vec;
use proptest::prelude::*;

use super::tests::{checkout, coupon, line, promotion, threshold};
use super::*;
use crate::money::Amount;
use crate::pricing::coupon::CouponKind;
use crate::pricing::coupon::{Coupon, CouponCode};
use crate::pricing::price_cart;
use crate::pricing::priced::DiscountSource;
use crate::pricing::promotion::{BuyNGetM, Promotion, PromotionKind};
use crate::pricing::rules::{Percent, Schedule, Targets};
use crate::pricing::shipping::{ShippingMethod, ShippingRule, ShippingZone, WeightTier, WeightTiers};
use crate::pricing::tax::{CategoryTaxRate, TaxRate, TaxRules};

fn lines() -> impl Strategy<Value = Vec<Line>> {
    vec((1i64..6, 0i64..30_000, 1i64..8, 0i64..3_000), 1..6).prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(k, (product, price, quantity, grams))| Line {
                // One line per variant, as in a cart.
                variant_id: product * 100 + i64::try_from(k).unwrap_or(0),
                weight_grams: grams,
                ..line(product, price, quantity)
            })
            .collect()
    })
}

fn targets() -> impl Strategy<Value = Targets> {
    prop_oneof![
        2 => Just(Targets::whole_cart()),
        1 => (vec(1i64..6, 0..2), vec(101i64..106, 0..2)).prop_map(|(product_ids, category_ids)| Targets {
            product_ids,
            variant_ids: Vec::new(),
            category_ids,
        }),
    ]
}

fn schedule() -> impl Strategy<Value = Schedule> {
    let at = Timestamp::from_millis;
    prop_oneof![
        4 => Just(Schedule::ALWAYS),
        1 => Just(Schedule::new(None, Some(tests::NOW)).unwrap_or_default()),
        1 => Just(Schedule::new(Some(at(tests::NOW.millis() + 1)), None).unwrap_or_default()),
    ]
}

fn promotion_kind() -> impl Strategy<Value = PromotionKind> {
    prop_oneof![
        (1i64..20_000, 1i64..5_000, 1i64..3).prop_map(|(min, off, step)| {
            let min = min.max(off);
            threshold(&[(min, off), (min * (step + 1), off * (step + 1))])
        }),
        (1u8..=100).prop_map(|p| PromotionKind::PercentOff(Percent::of(p))),
        (0i64..3_000).prop_map(|a| PromotionKind::FixedOff {
            per_unit: Amount::of(a)
        }),
        (0i64..20_000).prop_map(|m| PromotionKind::FreeShipping {
            min_spend: Amount::of(m)
        }),
        (1i64..4, 1i64..3).prop_map(|(n, m)| match BuyNGetM::new(n, m) {
            Ok(b) => PromotionKind::BuyNGetM(b),
            Err(_) => PromotionKind::PercentOff(Percent::of(1)),
        }),
    ]
}

fn promotions() -> impl Strategy<Value = Vec<Promotion>> {
    vec((promotion_kind(), targets(), schedule(), -2i32..3, any::<bool>()), 0..5).prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(k, (kind, targets, schedule, priority, combinable))| Promotion {
                targets,
                schedule,
                priority,
                combinable,
                ..promotion(i64::try_from(k).unwrap_or(0) + 1, kind)
            })
            .collect()
    })
}

fn coupon_kind() -> impl Strategy<Value = CouponKind> {
    prop_oneof![
        (1i64..8_000).prop_map(|v| CouponKind::Fixed { value: Amount::of(v) }),
        (1u8..=100, proptest::option::of(1i64..3_000)).prop_map(|(p, cap)| CouponKind::Percent {
            value: Percent::of(p),
            max_discount: cap.map(Amount::of),
        }),
    ]
}

fn coupons() -> impl Strategy<Value = Vec<Coupon>> {
    let one = (
        coupon_kind(),
        0i64..15_000,
        targets(),
        schedule(),
        proptest::option::of(0u32..3),
        0u32..3,
        proptest::option::of(0u32..2),
        any::<bool>(),
    );
    vec(one, 0..4).prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(
                |(k, (kind, min_spend, targets, schedule, usage_limit, used, per_customer_limit, combinable))| {
                    let id = i64::try_from(k).unwrap_or(0) + 1;
                    Coupon {
                        min_spend: Amount::of(min_spend),
                        targets,
                        schedule,
                        usage_limit,
                        used,
                        per_customer_limit,
                        combinable,
                        ..coupon(id, &format!("code{id}"), kind)
                    }
                },
            )
            .collect()
    })
}

fn shipping_rule() -> impl Strategy<Value = ShippingRule> {
    prop_oneof![
        (0i64..2_000).prop_map(|fee| ShippingRule::Flat { fee: Amount::of(fee) }),
        (0i64..1_000, 0i64..500).prop_map(|(first, each_more)| ShippingRule::Count {
            first: Amount::of(first),
            each_more: Amount::of(each_more),
        }),
        (any::<bool>()).prop_map(|open| {
            let tier = |up_to_grams, fee| WeightTier {
                up_to_grams,
                fee: Amount::of(fee),
            };
            let last = if open { None } else { Some(40_000) };
            match WeightTiers::new(vec![
                tier(Some(1_000), 500),
                tier(Some(10_000), 1_200),
                tier(last, 3_000),
            ]) {
                Ok(tiers) => ShippingRule::Weight(tiers),
                Err(_) => ShippingRule::Flat { fee: Amount::ZERO },
            }
        }),
    ]
}

fn rules() -> impl Strategy<Value = Rules> {
    (
        promotions(),
        coupons(),
        shipping_rule(),
        proptest::option::of(0i64..20_000),
        any::<bool>(),
        (0u32..2_000, 0u32..2_000, 0u32..2_000),
    )
        .prop_map(
            |(promotions, coupons, rule, free_above, exclusive, (default_bp, shipping_bp, category_bp))| {
                let method = ShippingMethod {
                    id: 1,
                    name: "快递".into(),
                    name_en: None,
                    rule,
                    free_above: free_above.map(Amount::of),
                    estimate: None,
                };
                Rules {
                    zones: vec![ShippingZone {
                        methods: vec![method],
                        ..Rules::default_shop().zones.remove(0)
                    }],
                    promotions,
                    coupons,
                    tax: TaxRules {
                        mode: if exclusive {
                            TaxMode::Exclusive
                        } else {
                            TaxMode::Inclusive
                        },
                        default_rate: TaxRate::of(default_bp),
                        shipping_rate: TaxRate::of(shipping_bp),
                        categories: vec![CategoryTaxRate {
                            category_id: 102,
                            region: None,
                            rate: TaxRate::of(category_bp),
                        }],
                    },
                    ..Rules::default_shop()
                }
            },
        )
}

fn a_checkout() -> impl Strategy<Value = Checkout> {
    (
        lines(),
        vec(
            prop_oneof![
                Just("code1"),
                Just(" Code2 "),
                Just("CODE3"),
                Just("code4"),
                Just("nope")
            ],
            0..4,
        ),
        any::<bool>(),
    )
        .prop_map(|(lines, codes, guest)| {
            let mut c = checkout(lines);
            c.coupon_codes = codes.into_iter().map(str::to_owned).collect();
            if guest {
                c.customer.id = None;
            }
            c
        })
}

/// Every invariant a priced cart promises.
fn check_books(cart: &PricedCart) -> Result<(), TestCaseError> {
    let mut line_discounts = 0;
    for l in &cart.lines {
        let off: i64 = l.discounts.iter().map(|d| d.amount).sum();
        prop_assert!(l.discounts.iter().all(|d| d.amount > 0));
        prop_assert_eq!(l.net, l.subtotal - off);
        prop_assert!(l.net >= 0 && l.tax >= 0, "line {:?}", l);
        line_discounts += off;
    }
    let s = &cart.shipping;
    let shipping_off: i64 = s.discounts.iter().map(|d| d.amount).sum();
    prop_assert_eq!(s.fee, s.base_fee - shipping_off);
    prop_assert!(s.fee >= 0 && s.tax >= 0);
    prop_assert_eq!(cart.shipping_fee, s.fee);
    prop_assert_eq!(cart.discount_total, line_discounts + shipping_off);
    prop_assert_eq!(cart.subtotal, cart.lines.iter().map(|l| l.subtotal).sum::<i64>());
    prop_assert_eq!(cart.tax_total, cart.lines.iter().map(|l| l.tax).sum::<i64>() + s.tax);
    let nets: i64 = cart.lines.iter().map(|l| l.net).sum();
    let added_tax = if cart.tax_mode == TaxMode::Exclusive {
        cart.tax_total
    } else {
        0
    };
    prop_assert_eq!(cart.total, nets + cart.shipping_fee + added_tax);
    prop_assert!(cart.total >= 0);

    // Each offer's shares, over lines and shipping, add up to what it reports.
    let shares_of = |source: &DiscountSource| -> i64 {
        cart.lines
            .iter()
            .flat_map(|l| &l.discounts)
            .chain(&s.discounts)
            .filter(|d| &d.source == source)
            .map(|d| d.amount)
            .sum()
    };
    let mut reported = 0;
    for p in &cart.promotions {
        prop_assert_eq!(p.applied, p.reason.is_none());
        prop_assert_eq!(shares_of(&DiscountSource::Promotion(p.id)), p.amount);
        prop_assert!(p.applied == (p.amount > 0));
        reported += p.amount;
    }
    for c in &cart.coupons {
        prop_assert_eq!(c.applied, c.reason.is_none());
        prop_assert!(c.applied == (c.amount > 0));
        if let Ok(code) = CouponCode::parse("code", &c.code) {
            prop_assert_eq!(shares_of(&DiscountSource::Coupon(code)), c.amount);
        }
        reported += c.amount;
    }
    prop_assert_eq!(reported, cart.discount_total);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_books_balance_for_any_cart_and_rules(c in a_checkout(), rules in rules()) {
        match price(&c, &rules) {
            Ok(cart) => {
                check_books(&cart)?;
                prop_assert_eq!(price(&c, &rules), Ok(cart), "deterministic");
            }
            // Only a bounded weight tier can refuse these carts.
            Err(e) => prop_assert_eq!(e, PriceError::NoShippingMethod),
        }
    }

    #[test]
    fn a_cart_level_discount_is_shared_to_the_fen(
        lines in lines(),
        min in 1i64..50_000,
        off_permille in 1i64..=1_000,
    ) {
        let off = (min * off_permille / 1_000).max(1);
        let rules = Rules {
            promotions: vec![promotion(1, threshold(&[(min, off)]))],
            ..Rules::default_shop()
        };
        let cart = price(&checkout(lines), &rules).unwrap();
        let expected = if cart.subtotal >= min { off.min(cart.subtotal) } else { 0 };
        let shares: i64 = cart.lines.iter().map(|l| l.subtotal - l.net).sum();
        prop_assert_eq!(shares, expected);
        prop_assert_eq!(cart.promotions[0].amount, expected);
    }

    #[test]
    fn a_percentage_coupon_is_its_rounded_down_share_to_the_fen(
        lines in lines(),
        percent in 1u8..=100,
        cap in proptest::option::of(1i64..20_000),
    ) {
        let kind = CouponKind::Percent { value: Percent::of(percent), max_discount: cap.map(Amount::of) };
        let rules = Rules { coupons: vec![coupon(1, "PCT", kind)], ..Rules::default_shop() };
        let mut c = checkout(lines);
        c.coupon_codes = vec!["pct".into()];
        let cart = price(&c, &rules).unwrap();
        let floor = cart.subtotal * i64::from(percent) / 100;
        let expected = cap.map_or(floor, |cap| floor.min(cap));
        prop_assert_eq!(cart.discount_total, expected);
        prop_assert_eq!(cart.lines.iter().map(|l| l.subtotal - l.net).sum::<i64>(), expected);
    }

    #[test]
    fn the_default_shop_charges_what_todays_checkout_does(lines in lines()) {
        let items: Vec<_> = lines
            .iter()
            .map(|l| crate::pricing::CartItem {
                product_id: l.product_id,
                variant_id: l.variant_id,
                unit_price: l.unit_price,
                currency: "CNY",
                quantity: l.quantity,
                stock_available: l.quantity,
            })
            .collect();
        let today = price_cart(&items).unwrap();
        let cart = price(&checkout(lines), &Rules::default_shop()).unwrap();
        prop_assert_eq!((cart.subtotal, cart.shipping_fee, cart.total), (today.subtotal, today.shipping_fee, today.total));
        prop_assert_eq!(cart.discount_total, 0);
    }
}
