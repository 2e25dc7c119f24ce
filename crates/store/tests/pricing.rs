//! Pricing at checkout in the store, on SQLite and (when configured) PostgreSQL: the
//! preview and the placed order agree line by line; a coupon's use is counted inside the
//! order's transaction, exactly once per order and never past its limit under any
//! concurrency; cancelling an unpaid order gives the use back; a code that does not
//! apply places nothing; and `emporium check` stays clean throughout.

use std::sync::Arc;
use std::time::Duration;

use emporium_domain::account::{Role, Username};
use emporium_domain::address::{AddressInput, NewAddress};
use emporium_domain::catalog::{Description, Images, ProductName, ProductStatus};
use emporium_domain::inventory::Units;
use emporium_domain::money::{Currency, Price, UnitCost};
use emporium_domain::order::{CartQuantity, OrderEvent};
use emporium_domain::time::Timestamp;
use emporium_domain::variant::ProductOptions;
use emporium_store::accounts::NewUser;
use emporium_store::catalog::{NewProduct, Product};
use emporium_store::idempotency::Idempotent;
use emporium_store::inventory::NewLot;
use emporium_store::orders::PlaceOrder;
use emporium_store::pricing::PricingRefusal;
use emporium_store::variants::NewVariant;
use emporium_store::{Store, StoreError};
use emporium_testkit::{TestDb, engine_test};
use sqlx::{AnyConnection, Connection};

const NOW: Timestamp = Timestamp::from_millis(1_764_000_000_000);

/// Runs SQL beside the store (rules are set up the way staff's routes store them).
async fn sql(db: &TestDb, statements: &str) {
    sqlx::any::install_default_drivers();
    let url = match db.url.starts_with("sqlite:") {
        true => format!("{}?mode=rwc", db.url),
        false => db.url.clone(),
    };
    let mut conn = AnyConnection::connect(&url).await.expect("connect");
    sqlx::raw_sql(sqlx::AssertSqlSafe(statements.to_owned()))
        .execute(&mut conn)
        .await
        .expect("sql");
}

/// A ¥100 tea with plenty of stock.
async fn tea(store: &Store, units: i64) -> Product {
    let p = store
        .create_product(
            NewProduct {
                name: ProductName::parse("龙井 Longjing").expect("name"),
                description: Description::default(),
                currency: Currency::CNY,
                category: None,
                images: Images::default(),
                status: ProductStatus::Active,
                options: ProductOptions::default(),
                variants: vec![NewVariant::simple(
                    Price::parse("price", 10_000).expect("price"),
                    None,
                    None,
                )],
                translations: Default::default(),
            },
            NOW,
        )
        .await
        .expect("created");
    let lot = NewLot {
        quantity: Units::parse("quantity", units).expect("units"),
        unit_cost: UnitCost::parse("unit_cost", 4_000).expect("cost"),
        received_at: NOW,
        note: None,
    };
    store
        .receive_stock(p.id, p.variants[0].id, lot, NOW)
        .await
        .expect("lot");
    p
}

/// A customer with an address in Beijing and `quantity` of `variant` in the cart.
async fn shopper(store: &Store, name: &str, variant: i64, quantity: i64) -> (i64, i64) {
    let user = store
        .create_user(
            NewUser {
                username: Username::parse(name).expect("name"),
                password_hash: "x".into(),
                email: None,
                role: Role::Customer,
            },
            NOW,
        )
        .await
        .expect("user");
    let address = store
        .add_address(
            user.id,
            NewAddress::parse(AddressInput {
                recipient: "张三",
                phone: "13800138000",
                line1: "长安街 1 号",
                line2: None,
                city: "北京",
                region: Some("北京"),
                postal_code: None,
                country: "CN",
            })
            .expect("address"),
            NOW,
        )
        .await
        .expect("address");
    store
        .set_cart_item(user.id, variant, Some(CartQuantity::parse(quantity).expect("q")), NOW)
        .await
        .expect("cart");
    (user.id, address.id)
}

fn order(user_id: i64, address_id: i64, codes: &[&str]) -> PlaceOrder {
    PlaceOrder {
        user_id,
        address_id,
        note: None,
        pay_deadline: NOW.plus(Duration::from_secs(1800)),
        shipping_method_id: None,
        coupon_codes: codes.iter().map(|c| (*c).to_owned()).collect(),
        invoice: None,
        guest: None,
    }
}

async fn place(store: &Store, request: PlaceOrder) -> Result<emporium_store::order_read::Order, StoreError> {
    match store
        .place_order(request, None, Arc::new(|_| String::new()), NOW)
        .await?
    {
        Idempotent::Fresh(order) => Ok(order),
        Idempotent::Replay(_) => panic!("no key was sent"),
    }
}

async fn assert_clean(store: &Store) {
    let (_, violations) = store.check_invariants().await.expect("check");
    assert!(violations.is_empty(), "{violations:#?}");
}

/// 满 200 减 30 (combinable) and a 10 % code capped at ¥15: the preview shows the
/// breakdown, and the order placed right after stores exactly it, line by line.
async fn the_preview_and_the_placed_order_agree(db: TestDb) {
    let store = db.open().await;
    let p = tea(&store, 50).await;
    sql(
        &db,
        "INSERT INTO promotions (name, kind, tiers, created_at, updated_at) VALUES ('满 200 减 30', 'threshold', '20000:3000', 0, 0);
         INSERT INTO coupons (code, kind, value, max_discount, created_at, updated_at) VALUES ('TEA10', 'percent', 10, 1500, 0, 0);",
    )
    .await;
    let (user, address) = shopper(&store, "alice", p.variants[0].id, 3).await;
    let preview = store
        .price_cart(user, address, None, &["tea10".to_owned()], NOW)
        .await
        .expect("store")
        .expect("priced")
        .priced;
    // ¥300 of tea: ¥30 off by the promotion, then 10 % of ¥270 = ¥27, capped at ¥15.
    assert_eq!(
        (
            preview.subtotal,
            preview.discount_total,
            preview.shipping_fee,
            preview.total
        ),
        (30_000, 4_500, 0, 25_500)
    );
    assert!(preview.coupons[0].applied, "{:?}", preview.coupons);
    let placed = place(&store, order(user, address, &["TEA10"])).await.expect("placed");
    assert_eq!(
        (
            placed.subtotal,
            placed.discount_total,
            placed.shipping_fee,
            placed.total,
            placed.tax_total
        ),
        (
            preview.subtotal,
            preview.discount_total,
            preview.shipping_fee,
            preview.total,
            preview.tax_total
        )
    );
    assert_eq!(placed.items[0].net(), preview.lines[0].net);
    assert_eq!(placed.items[0].tax, preview.lines[0].tax);
    assert_eq!(placed.items[0].discounts.len(), 2);
    assert!(
        placed
            .offers
            .iter()
            .any(|o| o.kind == "coupon" && o.label == "TEA10" && o.applied)
    );
    let again = store.order(placed.id).await.expect("read").expect("order");
    assert_eq!(again.offers, placed.offers);
    assert_eq!(again.items[0].discounts, placed.items[0].discounts);
    assert_clean(&store).await;
}
engine_test!(the_preview_and_the_placed_order_agree);

/// A code that does not apply (unknown, or below its minimum spend) places nothing: no
/// order, the cart intact, no use counted.
async fn a_code_that_does_not_apply_places_nothing(db: TestDb) {
    let store = db.open().await;
    let p = tea(&store, 50).await;
    sql(
        &db,
        "INSERT INTO coupons (code, kind, value, min_spend, created_at, updated_at) VALUES ('BIG', 'fixed', 500, 100000, 0, 0);",
    )
    .await;
    let (user, address) = shopper(&store, "bob", p.variants[0].id, 1).await;
    for (code, reason) in [("NOPE", "unknown_code"), ("big", "min_spend_not_met")] {
        match place(&store, order(user, address, &[code])).await {
            Err(StoreError::Pricing(PricingRefusal::Coupon {
                code: refused,
                reason: why,
            })) => {
                assert_eq!((refused.as_str(), why), (code.to_ascii_uppercase().as_str(), reason));
            }
            other => panic!("expected a refused coupon, got {other:?}"),
        }
    }
    assert_eq!(store.cart(user).await.expect("cart").len(), 1);
    assert!(place(&store, order(user, address, &[])).await.is_ok());
    assert_clean(&store).await;
}
engine_test!(a_code_that_does_not_apply_places_nothing);

/// 1,000 shoppers check out at once with a code good for 100 orders: exactly 100 orders
/// carry it, the other 900 are refused with `usage_limit_reached` and place nothing.
/// Cancelling one of the 100 gives its use back, and the next shopper gets it.
async fn a_100_use_code_goes_to_exactly_100_of_1000_concurrent_checkouts(db: TestDb) {
    let store = Arc::new(db.open().await);
    let p = tea(&store, 2_000).await;
    sql(
        &db,
        "INSERT INTO coupons (code, kind, value, usage_limit, created_at, updated_at) VALUES ('HUNDRED', 'fixed', 1000, 100, 0, 0);",
    )
    .await;
    let variant = p.variants[0].id;
    let mut shoppers = Vec::new();
    for i in 0..1_001 {
        shoppers.push(shopper(&store, &format!("buyer{i}"), variant, 1).await);
    }
    let late = shoppers.pop().expect("one kept back");
    let mut tasks = Vec::new();
    for (user, address) in shoppers {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            place(&store, order(user, address, &["HUNDRED"])).await
        }));
    }
    let mut holders = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(order) => {
                assert_eq!(order.discount_total, 1_000);
                holders.push(order);
            }
            Err(StoreError::Pricing(PricingRefusal::Coupon { reason, .. })) => {
                assert_eq!(reason, "usage_limit_reached");
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(holders.len(), 100);
    assert_clean(&store).await;
    assert!(matches!(
        place(&store, order(late.0, late.1, &["HUNDRED"])).await,
        Err(StoreError::Pricing(PricingRefusal::Coupon { .. }))
    ));
    let first = &holders[0];
    store
        .cancel_order(first.id, Some(first.user_id), OrderEvent::Cancel, "test".into(), NOW)
        .await
        .expect("cancelled");
    assert_clean(&store).await;
    let placed = place(&store, order(late.0, late.1, &["HUNDRED"]))
        .await
        .expect("the use given back");
    assert_eq!(placed.discount_total, 1_000);
    assert_clean(&store).await;
}
engine_test!(a_100_use_code_goes_to_exactly_100_of_1000_concurrent_checkouts);

/// A shop that has configured nothing sells in any currency as it always did.
async fn a_shop_without_rules_sells_in_any_currency(db: TestDb) {
    let store = db.open().await;
    let p = store
        .create_product(
            NewProduct {
                name: ProductName::parse("Mug").expect("name"),
                description: Description::default(),
                currency: Currency::parse("currency", "USD").expect("usd"),
                category: None,
                images: Images::default(),
                status: ProductStatus::Active,
                options: ProductOptions::default(),
                variants: vec![NewVariant::simple(
                    Price::parse("price", 1_200).expect("price"),
                    None,
                    None,
                )],
                translations: Default::default(),
            },
            NOW,
        )
        .await
        .expect("created");
    let lot = NewLot {
        quantity: Units::parse("quantity", 5).expect("units"),
        unit_cost: UnitCost::parse("unit_cost", 500).expect("cost"),
        received_at: NOW,
        note: None,
    };
    store
        .receive_stock(p.id, p.variants[0].id, lot, NOW)
        .await
        .expect("lot");
    let (user, address) = shopper(&store, "dave", p.variants[0].id, 1).await;
    let placed = place(&store, order(user, address, &[])).await.expect("placed");
    assert_eq!(
        (placed.currency.as_str(), placed.shipping_fee, placed.total),
        ("USD", 1_000, 2_200)
    );
    assert_clean(&store).await;
}
engine_test!(a_shop_without_rules_sells_in_any_currency);

/// With no zone configured, any address ships as before (¥10 below ¥99); once the shop
/// has zones, an address none covers cannot check out, and says so.
async fn an_address_no_zone_covers_cannot_check_out(db: TestDb) {
    let store = db.open().await;
    let p = tea(&store, 50).await;
    let (user, address) = shopper(&store, "carol", p.variants[0].id, 1).await;
    let before = store
        .price_cart(user, address, None, &[], NOW)
        .await
        .expect("store")
        .expect("priced");
    assert_eq!((before.priced.shipping_fee, before.priced.total), (0, 10_000));
    sql(
        &db,
        "INSERT INTO shipping_zones (name, country, regions, created_at, updated_at) VALUES ('上海', 'CN', '上海', 0, 0);
         INSERT INTO shipping_methods (zone_id, name, rule, fee, created_at, updated_at)
           SELECT id, '同城', 'flat', 500, 0, 0 FROM shipping_zones;",
    )
    .await;
    // The rules are kept a few seconds; a store opened afresh reads them at once.
    let store = db.open().await;
    assert!(matches!(
        place(&store, order(user, address, &[])).await,
        Err(StoreError::Pricing(PricingRefusal::Price(
            emporium_domain::pricing::PriceError::NoShippingMethod
        )))
    ));
    assert_clean(&store).await;
}
engine_test!(an_address_no_zone_covers_cannot_check_out);
