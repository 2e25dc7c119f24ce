//! The engine's shipping and tax stories, and the carts it refuses to price.

use super::tests::{checkout, line, promotion, rules_with};
use super::*;
use crate::money::Amount;
use crate::pricing::coupon::CouponCode;
use crate::pricing::priced::DiscountSource;
use crate::pricing::promotion::PromotionKind;
use crate::pricing::rules::{Percent, Rules};
use crate::pricing::shipping::{ShippingMethod, ShippingRule, ShippingZone, WeightTier, WeightTiers};
use crate::pricing::tax::{CategoryTaxRate, TaxRate};

// ----- shipping -----

fn zone_with(methods: Vec<ShippingMethod>) -> Rules {
    let mut zone = ShippingZone::new(1, "中国", Some("CN"), &[]).unwrap();
    zone.methods = methods;
    Rules {
        zones: vec![zone],
        ..Rules::default_shop()
    }
}

fn method(id: i64, rule: ShippingRule) -> ShippingMethod {
    ShippingMethod::new(id, &format!("method {id}"), None, rule, None, None).unwrap()
}

#[test]
fn weight_tiers_price_the_parcel_and_refuse_one_too_heavy() {
    let tiers = WeightTiers::new(vec![
        WeightTier {
            up_to_grams: Some(1_000),
            fee: Amount::of(800),
        },
        WeightTier {
            up_to_grams: Some(3_000),
            fee: Amount::of(1_500),
        },
    ])
    .unwrap();
    let rules = zone_with(vec![method(1, ShippingRule::Weight(tiers))]);
    let fee = |quantity| price(&checkout(vec![line(1, 100, quantity)]), &rules).map(|c| c.shipping_fee);
    assert_eq!(fee(10), Ok(800), "1000 g");
    assert_eq!(fee(11), Ok(1_500), "1100 g");
    assert_eq!(fee(30), Ok(1_500), "3000 g");
    assert_eq!(fee(31), Err(PriceError::NoShippingMethod), "3100 g");
}

#[test]
fn count_rules_charge_the_first_item_and_each_more() {
    let rules = zone_with(vec![method(
        1,
        ShippingRule::Count {
            first: Amount::of(600),
            each_more: Amount::of(200),
        },
    )]);
    let cart = price(&checkout(vec![line(1, 100, 2), line(2, 100, 1)]), &rules).unwrap();
    assert_eq!(cart.shipping_fee, 1_000);
}

#[test]
fn free_above_counts_the_goods_after_item_discounts() {
    // 10000 less 10 % is 9000, below 9900: the default method charges again.
    let rules = rules_with(vec![promotion(1, PromotionKind::PercentOff(Percent::of(10)))], vec![]);
    let cart = price(&checkout(vec![line(1, 10_000, 1)]), &rules).unwrap();
    assert_eq!((cart.shipping_fee, cart.total), (1_000, 10_000));
}

#[test]
fn the_shopper_picks_among_the_methods_offered() {
    let rules = zone_with(vec![
        method(1, ShippingRule::Flat { fee: Amount::of(1_000) }),
        method(2, ShippingRule::Flat { fee: Amount::of(2_500) }),
    ]);
    let mut c = checkout(vec![line(1, 100, 1)]);
    assert_eq!(price(&c, &rules).unwrap().shipping.method_id, 1, "the first by default");
    c.shipping_method_id = Some(2);
    assert_eq!(price(&c, &rules).unwrap().shipping_fee, 2_500);
    c.shipping_method_id = Some(3);
    assert_eq!(
        price(&c, &rules),
        Err(PriceError::ShippingMethodNotOffered { method_id: 3 })
    );
    c.destination.country = "US".into();
    assert_eq!(price(&c, &rules).unwrap_err().code(), "no_shipping_method");
    let options = shipping_options(&c.lines, &checkout(vec![]).destination, &rules);
    assert_eq!(
        options.iter().map(|o| (o.method_id, o.fee)).collect::<Vec<_>>(),
        [(1, 1_000), (2, 2_500)]
    );
}

// ----- tax -----

#[test]
fn exclusive_tax_is_added_per_line_and_on_shipping() {
    let mut rules = Rules::default_shop();
    rules.tax.mode = TaxMode::Exclusive;
    rules.tax.shipping_rate = TaxRate::of(900);
    rules.tax.categories = vec![CategoryTaxRate {
        category_id: 102,
        region: None,
        rate: TaxRate::of(600),
    }];
    let cart = price(&checkout(vec![line(1, 1_050, 1), line(2, 2_050, 1)]), &rules).unwrap();
    // 1050 × 13 % = 136.5 → 137; 2050 × 6 % = 123; shipping 1000 × 9 % = 90.
    assert_eq!(cart.lines.iter().map(|l| l.tax).collect::<Vec<_>>(), [137, 123]);
    assert_eq!(cart.shipping.tax, 90);
    assert_eq!(cart.tax_total, 350);
    assert_eq!(cart.total, 1_050 + 2_050 + 1_000 + 350);
}

#[test]
fn tax_is_on_what_the_line_costs_after_discounts() {
    let rules = rules_with(vec![promotion(1, PromotionKind::PercentOff(Percent::of(50)))], vec![]);
    let cart = price(&checkout(vec![line(1, 11_300, 1)]), &rules).unwrap();
    assert_eq!((cart.lines[0].net, cart.lines[0].tax), (5_650, 650));
}

// ----- carts that cannot be priced -----

#[test]
fn carts_that_cannot_be_priced() {
    let rules = Rules::default_shop();
    assert_eq!(price(&checkout(vec![]), &rules), Err(PriceError::EmptyCart));
    let mut usd = line(2, 100, 1);
    usd.currency = Currency::parse("currency", "USD").unwrap();
    assert_eq!(
        price(&checkout(vec![line(1, 100, 1), usd]), &rules).unwrap_err().code(),
        "currency_mismatch"
    );
    assert_eq!(
        price(&checkout(vec![line(1, -1, 1)]), &rules).unwrap_err().code(),
        "invalid_line"
    );
    assert_eq!(
        price(&checkout(vec![line(1, 100, 0)]), &rules).unwrap_err().code(),
        "invalid_line"
    );
}

#[test]
fn reasons_and_sources_have_stable_names() {
    assert_eq!(Reason::NotCombinable.to_string(), "not_combinable");
    assert_eq!(Reason::PerCustomerLimitReached.as_str(), "per_customer_limit_reached");
    assert_eq!(DiscountSource::Promotion(12).to_string(), "promotion:12");
    assert_eq!(
        DiscountSource::Coupon(CouponCode::parse("code", "vip").unwrap()).to_string(),
        "coupon:VIP"
    );
}
