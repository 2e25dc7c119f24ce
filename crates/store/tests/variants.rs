//! Variants in the store, on SQLite and (when configured) PostgreSQL: each variant has
//! its own FIFO lots, stock and price; the product's stock and price range follow its
//! variants; concurrent draws of one variant never oversell it nor touch its siblings.

use std::sync::Arc;
use std::time::Duration;

use emporium_domain::catalog::{Description, Images, ProductName, ProductStatus, Sku};
use emporium_domain::inventory::Units;
use emporium_domain::money::{Currency, Price, UnitCost};
use emporium_domain::order::CartQuantity;
use emporium_domain::time::Timestamp;
use emporium_domain::variant::{OptionValues, ProductOptions};
use emporium_store::catalog::{NewProduct, Product};
use emporium_store::inventory::NewLot;
use emporium_store::variants::{NewVariant, VariantChanges};
use emporium_store::{Store, StoreError};
use emporium_testkit::{TestDb, engine_test};

const NOW: Timestamp = Timestamp::from_millis(1_764_000_000_000);

fn lot(quantity: i64, unit_cost: i64, days_ago: u64) -> NewLot {
    NewLot {
        quantity: Units::parse("quantity", quantity).expect("units"),
        unit_cost: UnitCost::parse("unit_cost", unit_cost).expect("cost"),
        received_at: NOW.minus(Duration::from_secs(days_ago * 86_400)),
        note: None,
    }
}

/// A shoe in two colours and two sizes: four variants, priced by size.
async fn shoe(store: &Store) -> Product {
    let options = ProductOptions::parse(&[
        ("颜色".into(), vec!["黑".into(), "白".into()]),
        ("尺码".into(), vec!["41".into(), "42".into()]),
    ])
    .expect("options");
    let mut variants = Vec::new();
    for colour in ["黑", "白"] {
        for (size, price) in [("41", 39_900), ("42", 42_900)] {
            let values = options
                .combination("option_values", &[colour.to_owned(), size.to_owned()])
                .expect("combination");
            let mut v = NewVariant::simple(
                Price::parse("price", price).expect("price"),
                Some(Sku::parse(&format!("SHOE-{}-{size}", if colour == "黑" { "BK" } else { "WH" })).expect("sku")),
                None,
            );
            v.option_values = values;
            variants.push(v);
        }
    }
    store
        .create_product(
            NewProduct {
                name: ProductName::parse("跑鞋 Runner").expect("name"),
                description: Description::default(),
                currency: Currency::CNY,
                category: None,
                images: Images::default(),
                status: ProductStatus::Active,
                options,
                variants,
                translations: Default::default(),
            },
            NOW,
        )
        .await
        .expect("created")
}

fn values(v: &[&str]) -> OptionValues {
    let options = ProductOptions::parse(&[
        ("颜色".into(), vec!["黑".into(), "白".into()]),
        ("尺码".into(), vec!["41".into(), "42".into()]),
    ])
    .expect("options");
    options
        .combination("v", &v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
        .expect("values")
}

async fn each_variant_keeps_its_own_lots_stock_and_price(db: TestDb) {
    let store = db.open().await;
    let p = shoe(&store).await;
    assert_eq!((p.variants.len(), p.price, p.price_max), (4, 39_900, 42_900));
    assert_eq!(p.options.names(), ["颜色", "尺码"]);
    let (black41, white42) = (p.variants[0].id, p.variants[3].id);
    assert_eq!(p.variants[3].option_values.label(), "白 / 42");

    store
        .receive_stock(p.id, black41, lot(3, 100, 3), NOW)
        .await
        .expect("lot");
    store
        .receive_stock(p.id, black41, lot(5, 200, 1), NOW)
        .await
        .expect("lot");
    store
        .receive_stock(p.id, white42, lot(4, 300, 2), NOW)
        .await
        .expect("lot");
    // A lot for a variant of another product is refused, nothing written.
    let other = shoe_like_other(&store).await;
    assert!(matches!(
        store.receive_stock(other.id, black41, lot(1, 1, 0), NOW).await,
        Err(StoreError::NotFound("variant"))
    ));

    let p = store.product(p.id).await.expect("read").expect("product");
    assert_eq!(p.stock_available, 12);
    assert_eq!(p.variant(black41).map(|v| v.stock_available), Some(8));
    assert_eq!(p.variant(white42).map(|v| v.stock_available), Some(4));

    // A write-off of 4 black 41s takes the 3 oldest at 1.00, then one at 2.00; white
    // stock is untouched.
    let adj = store
        .adjust_stock(
            p.id,
            black41,
            Units::parse("q", 4).expect("q"),
            "damaged".into(),
            None,
            NOW,
        )
        .await
        .expect("written off");
    assert_eq!((adj.variant_id, adj.cost), (black41, 3 * 100 + 200));
    // More than the variant holds is refused even though the product holds enough.
    assert!(matches!(
        store
            .adjust_stock(p.id, white42, Units::parse("q", 5).expect("q"), "lost".into(), None, NOW)
            .await,
        Err(StoreError::InsufficientStock { available: 4, variant_id, .. }) if variant_id == white42
    ));
    let lots = store.lots(p.id, Some(white42), None, 10).await.expect("lots");
    assert_eq!(lots.iter().map(|l| l.remaining).collect::<Vec<_>>(), [4]);
    let (lines, units, value) = store.valuation(0, 10).await.expect("valuation");
    let per_variant: Vec<_> = lines.iter().map(|l| (l.variant_id, l.units_on_hand, l.value)).collect();
    assert_eq!(per_variant, [(black41, 4, 4 * 200), (white42, 4, 4 * 300)]);
    assert_eq!((units, value), (8, 800 + 1200));

    // Prices: the range follows the variants on sale.
    let cheaper = VariantChanges {
        price: Some(Price::parse("price", 29_900).expect("price")),
        compare_at_price: Some(Some(Price::parse("price", 39_900).expect("price"))),
        ..VariantChanges::default()
    };
    let p = store
        .update_variant(p.id, white42, cheaper, NOW)
        .await
        .expect("updated");
    assert_eq!((p.price, p.price_max), (29_900, 42_900));
    let p = store.archive_variant(p.id, white42, NOW).await.expect("archived");
    assert_eq!((p.price, p.price_max), (39_900, 42_900));
    // Two variants cannot share a combination or a SKU.
    let mut twin = NewVariant::simple(Price::parse("price", 100).expect("price"), None, None);
    twin.option_values = values(&["黑", "41"]);
    assert!(matches!(
        store.add_variant(p.id, twin, NOW).await,
        Err(StoreError::CombinationTaken)
    ));
    let same_sku = VariantChanges {
        sku: Some(Some(Sku::parse("SHOE-BK-41").expect("sku"))),
        ..VariantChanges::default()
    };
    assert!(matches!(
        store.update_variant(p.id, p.variants[1].id, same_sku, NOW).await,
        Err(StoreError::SkuTaken)
    ));
    let (_, violations) = store.check_invariants().await.expect("check");
    assert!(violations.is_empty(), "{violations:#?}");
}
engine_test!(each_variant_keeps_its_own_lots_stock_and_price);

async fn shoe_like_other(store: &Store) -> Product {
    store
        .create_product(
            NewProduct {
                name: ProductName::parse("袜子 Socks").expect("name"),
                description: Description::default(),
                currency: Currency::CNY,
                category: None,
                images: Images::default(),
                status: ProductStatus::Active,
                options: ProductOptions::default(),
                variants: vec![NewVariant::simple(
                    Price::parse("price", 900).expect("price"),
                    None,
                    None,
                )],
                translations: Default::default(),
            },
            NOW,
        )
        .await
        .expect("created")
}

async fn the_last_variant_on_sale_stays(db: TestDb) {
    let store = db.open().await;
    let p = shoe(&store).await;
    for v in &p.variants[..3] {
        store.archive_variant(p.id, v.id, NOW).await.expect("archived");
    }
    assert!(matches!(
        store.archive_variant(p.id, p.variants[3].id, NOW).await,
        Err(StoreError::LastVariant)
    ));
}
engine_test!(the_last_variant_on_sale_stays);

/// A flash sale on one variant: 120 buyers each order one black 41 (20 on hand) while
/// 40 others order one white 42 (30 on hand), all at once. Exactly the units on hand are
/// sold per variant, no order mixes them up, and `emporium check` stays clean.
async fn a_flash_sale_on_one_variant_never_oversells_it(db: TestDb) {
    let store = Arc::new(db.open().await);
    let p = shoe(&store).await;
    let (black41, white42) = (p.variants[0].id, p.variants[3].id);
    store
        .receive_stock(p.id, black41, lot(20, 100, 1), NOW)
        .await
        .expect("lot");
    store
        .receive_stock(p.id, white42, lot(30, 300, 1), NOW)
        .await
        .expect("lot");
    let mut tasks = Vec::new();
    for i in 0..160 {
        let store = Arc::clone(&store);
        let variant = if i % 4 == 3 { white42 } else { black41 };
        tasks.push(tokio::spawn(async move {
            let user = store
                .create_user(
                    emporium_store::accounts::NewUser {
                        username: emporium_domain::account::Username::parse(&format!("buyer{i}")).expect("name"),
                        password_hash: "x".into(),
                        email: None,
                        role: emporium_domain::account::Role::Customer,
                    },
                    NOW,
                )
                .await
                .expect("user");
            let address = store
                .add_address(
                    user.id,
                    emporium_domain::address::NewAddress::parse(emporium_domain::address::AddressInput {
                        recipient: "张三",
                        phone: "13800138000",
                        line1: "长安街 1 号",
                        line2: None,
                        city: "北京",
                        region: None,
                        postal_code: None,
                        country: "CN",
                    })
                    .expect("address"),
                    NOW,
                )
                .await
                .expect("address");
            store
                .set_cart_item(user.id, variant, Some(CartQuantity::parse(1).expect("q")), NOW)
                .await
                .expect("cart");
            let placed = store
                .place_order(
                    emporium_store::orders::PlaceOrder {
                        user_id: user.id,
                        address_id: address.id,
                        note: None,
                        pay_deadline: NOW.plus(Duration::from_secs(1800)),
                        shipping_method_id: None,
                        coupon_codes: Vec::new(),
                        invoice: None,
                        guest: None,
                    },
                    None,
                    Arc::new(|_| String::new()),
                    NOW,
                )
                .await;
            (variant, placed)
        }));
    }
    let (mut black_sold, mut white_sold) = (0, 0);
    for task in tasks {
        match task.await.expect("task") {
            (v, Ok(emporium_store::idempotency::Idempotent::Fresh(order))) => {
                assert_eq!(order.items[0].variant_id, v);
                if v == black41 {
                    black_sold += 1;
                } else {
                    white_sold += 1;
                }
            }
            (_, Err(StoreError::InsufficientStock { .. })) => {}
            (_, other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((black_sold, white_sold), (20, 30));
    let p = store.product(p.id).await.expect("read").expect("product");
    assert_eq!(p.stock_available, 0);
    let (_, violations) = store.check_invariants().await.expect("check");
    assert!(violations.is_empty(), "{violations:#?}");
}
engine_test!(a_flash_sale_on_one_variant_never_oversells_it);
