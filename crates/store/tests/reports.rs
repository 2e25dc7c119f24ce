//! The staff report: per-day orders, revenue, refunds, FIFO cost of goods and margin, and
//! the best sellers, on SQLite and (when configured) PostgreSQL.

use emporium_testkit::TestDb;
use std::time::Duration;

use emporium_domain::account::{Role, Username};
use emporium_domain::address::{AddressInput, NewAddress};
use emporium_domain::catalog::{Description, Images, ProductName, ProductStatus};
use emporium_domain::inventory::Units;
use emporium_domain::money::{Currency, Price, UnitCost};
use emporium_domain::order::CartQuantity;
use emporium_domain::time::Timestamp;
use emporium_store::Store;
use emporium_store::accounts::NewUser;
use emporium_store::catalog::NewProduct;
use emporium_store::idempotency::Idempotent;
use emporium_store::inventory::NewLot;
use emporium_store::orders::PlaceOrder;
use emporium_store::payments::{NotificationFacts, PaymentStart};
use emporium_store::refunds::RefundAsk;
use emporium_store::reports::{DAY_MILLIS, day_of};
use emporium_testkit::engine_test;

/// Noon (UTC) of some day, so "a day later" never crosses two boundaries.
const NOW: Timestamp = Timestamp::from_millis(1_764_000_000_000 / DAY_MILLIS * DAY_MILLIS + DAY_MILLIS / 2);

fn lot(quantity: i64, unit_cost: i64, at: Timestamp) -> NewLot {
    NewLot {
        quantity: Units::parse("quantity", quantity).expect("units"),
        unit_cost: UnitCost::parse("unit_cost", unit_cost).expect("cost"),
        received_at: at,
        note: None,
    }
}

/// A customer with an address; answers (user id, address id).
async fn buyer(store: &Store, name: &str) -> (i64, i64) {
    let user = store
        .create_user(
            NewUser {
                username: Username::parse(name).expect("name"),
                password_hash: "$2b$04$hash".into(),
                email: None,
                role: Role::Customer,
            },
            NOW,
        )
        .await
        .expect("user");
    let address = NewAddress::parse(AddressInput {
        recipient: "Wang",
        phone: "+86 138 0000 0000",
        line1: "1 Main St",
        city: "Shanghai",
        country: "CN",
        ..Default::default()
    })
    .expect("address");
    let address = store.add_address(user.id, address, NOW).await.expect("address");
    (user.id, address.id)
}

/// Places and pays an order of `units` of `variant` at `at`; answers the order id.
async fn paid_order(store: &Store, (user, address): (i64, i64), variant: i64, units: i64, at: Timestamp) -> i64 {
    store
        .set_cart_item(user, variant, Some(CartQuantity::parse(units).expect("qty")), at)
        .await
        .expect("cart");
    let request = PlaceOrder {
        user_id: user,
        address_id: address,
        note: None,
        pay_deadline: at.plus(Duration::from_secs(1800)),
        shipping_method_id: None,
        coupon_codes: Vec::new(),
        invoice: None,
        guest: None,
    };
    let Idempotent::Fresh(order) = store
        .place_order(request, None, std::sync::Arc::new(|_| String::new()), at)
        .await
        .expect("placed")
    else {
        panic!("no key, no replay")
    };
    // The order is assembled from what the placing statements returned: it must be the
    // order as stored, to the version and each line's FIFO cost.
    assert_eq!(store.order(order.id).await.expect("read"), Some(order.clone()));
    let PaymentStart::New(payment, _) = store
        .begin_payment(
            order.id,
            user,
            ("sandbox".into(), None),
            std::sync::Arc::new(|_: &str| true),
            None,
            at,
        )
        .await
        .expect("payment")
    else {
        panic!("a new payment")
    };
    let facts = NotificationFacts {
        provider: "sandbox".into(),
        event_id: format!("evt_{}", order.id),
        payment_id: payment.id,
        order_id: Some(order.id),
        provider_ref: None,
        body: None,
        amount: order.total,
        currency: order.currency.clone(),
        succeeded: true,
    };
    store.apply_notification(facts, at).await.expect("paid");
    order.id
}

async fn days_add_up_revenue_refunds_fifo_cost_and_margin(db: TestDb) {
    let store = db.open().await;
    let product = store
        .create_product(
            NewProduct {
                name: ProductName::parse("Green tea 绿茶").expect("name"),
                description: Description::default(),
                currency: Currency::CNY,
                category: None,
                images: Images::default(),
                status: ProductStatus::Active,
                options: Default::default(),
                variants: vec![emporium_store::variants::NewVariant::simple(
                    Price::parse("price", 1000).expect("price"),
                    None,
                    None,
                )],
                translations: Default::default(),
            },
            NOW,
        )
        .await
        .expect("product");
    // Two lots: 3 units at 1.00, then 5 at 2.00. FIFO takes the cheap ones first.
    store
        .receive_stock(
            product.id,
            product.variants[0].id,
            lot(3, 100, NOW.minus(Duration::from_secs(7200))),
            NOW,
        )
        .await
        .expect("lot");
    store
        .receive_stock(
            product.id,
            product.variants[0].id,
            lot(5, 200, NOW.minus(Duration::from_secs(3600))),
            NOW,
        )
        .await
        .expect("lot");

    let alice = buyer(&store, "alice").await;
    let bob = buyer(&store, "bob").await;
    let today = day_of(NOW);
    let tomorrow = NOW.plus(Duration::from_secs(86_400));
    // Today: 4 units = 3×1.00 + 1×2.00 of cost.
    let first = paid_order(&store, alice, product.variants[0].id, 4, NOW).await;
    // Tomorrow: 2 units at 2.00, and 3.00 of the first order refunded.
    let second = paid_order(&store, bob, product.variants[0].id, 2, tomorrow).await;
    // Revenue is what was paid: the lines plus any shipping fee.
    let total = |id: i64| {
        let store = store.clone();
        async move { store.order(id).await.expect("read").expect("order").total }
    };
    let (first_total, second_total) = (total(first).await, total(second).await);
    assert!(first_total >= 4000 && second_total >= 2000);
    let Idempotent::Fresh(refund) = store
        .request_refund(
            RefundAsk {
                order_id: first,
                owner: alice.0,
                amount: Some(300),
                reason: "dented".into(),
                lines: Vec::new(),
            },
            None,
            std::sync::Arc::new(|_| String::new()),
            tomorrow,
        )
        .await
        .expect("asked")
    else {
        panic!("fresh")
    };
    store
        .claim_refund(refund.id, tomorrow)
        .await
        .expect("claim")
        .expect("claimed");
    store
        .finish_refund(refund.id, Ok("ref".into()), "staff:1".into(), tomorrow)
        .await
        .expect("refunded");

    let stats = store.stats(today - 1, today + 1, 5).await.expect("stats");
    assert_eq!(stats.days.len(), 3);
    let [before, first_day, second_day] = [stats.days[0], stats.days[1], stats.days[2]];
    assert_eq!((before.day, before.orders, before.revenue), (today - 1, 0, 0));
    assert_eq!(first_day.day, today);
    assert_eq!(
        (first_day.orders, first_day.revenue, first_day.refunds),
        (1, first_total, 0)
    );
    assert_eq!(first_day.cost_of_goods, 3 * 100 + 200);
    assert_eq!(first_day.gross_margin, first_total - 500);
    assert_eq!(
        (second_day.orders, second_day.revenue, second_day.refunds),
        (1, second_total, 300)
    );
    assert_eq!(second_day.cost_of_goods, 2 * 200);
    assert_eq!(second_day.gross_margin, second_total - 300 - 400);
    assert_eq!(stats.totals.revenue, first_total + second_total);
    assert_eq!(stats.totals.gross_margin, first_total + second_total - 300 - 900);
    assert_eq!(stats.top_products.len(), 1);
    assert_eq!(stats.top_products[0].product_id, product.id);
    // Best sellers count the lines themselves (no shipping).
    assert_eq!((stats.top_products[0].units, stats.top_products[0].revenue), (6, 6000));

    // A range before anything happened is all zeros.
    let quiet = store.stats(today - 10, today - 5, 5).await.expect("stats");
    assert!(
        quiet
            .days
            .iter()
            .all(|d| d.orders == 0 && d.revenue == 0 && d.cost_of_goods == 0)
    );
    assert!(quiet.top_products.is_empty());
}
engine_test!(days_add_up_revenue_refunds_fifo_cost_and_margin);
