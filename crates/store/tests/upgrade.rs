//! Upgrading a database made by an earlier release (`tests/fixtures/`, made by
//! `make-release-fixtures.sh` with release e52ef60, before variants): after the
//! migrations every product has one variant that keeps its id, SKU, price and stock;
//! every lot, cart line and order line is still there and names that variant; orders
//! read back whole (their sealed addresses too); `emporium check` is clean; and the
//! migrated shop still sells, FIFO from its old lots.

use std::collections::BTreeMap;
use std::time::Duration;

use emporium_domain::time::Timestamp;
use emporium_store::db::{Row, query};
use emporium_store::idempotency::Idempotent;
use emporium_store::orders::PlaceOrder;
use emporium_store::{Store, StoreOptions};
use emporium_testkit::{TestDb, test_keys};

const FIXTURE_SQLITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/release-0.7.sqlite");
const FIXTURE_POSTGRES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/release-0.7.postgres.sql");

/// What the earlier release stored, read with SQL both schemas answer.
#[derive(Debug, PartialEq)]
struct Facts {
    /// id → (sku, price, stock_available, status)
    products: BTreeMap<i64, (Option<String>, i64, i64, String)>,
    /// (id, product_id, quantity, remaining, unit_cost, received_at)
    lots: Vec<(i64, i64, i64, i64, i64, i64)>,
    /// (user_id, product_id, quantity)
    cart: Vec<(i64, i64, i64)>,
    /// (id, order_id, product_id, name, unit_price, quantity, cost)
    items: Vec<(i64, i64, i64, String, i64, i64, i64)>,
    /// (id, status, total, paid_amount, refunded_amount)
    orders: Vec<(i64, String, i64, i64, i64)>,
    /// (id, lot_id, product_id, quantity, returned, reference)
    draws: Vec<(i64, i64, i64, i64, i64, String)>,
}

async fn rows(reader: &sqlx::AnyPool, sql: &'static str) -> Vec<Row> {
    query(sql).fetch_all(reader).await.expect(sql)
}

async fn facts(reader: &sqlx::AnyPool, cart_table: &'static str) -> Facts {
    let get = |r: &Row, c: &str| r.try_get::<i64, _>(c).expect(c);
    let text = |r: &Row, c: &str| r.try_get::<String, _>(c).expect(c);
    let mut products = BTreeMap::new();
    for r in rows(
        reader,
        "SELECT id, sku, price, stock_available, status FROM products ORDER BY id",
    )
    .await
    {
        products.insert(
            get(&r, "id"),
            (
                r.try_get::<Option<String>, _>("sku").expect("sku"),
                get(&r, "price"),
                get(&r, "stock_available"),
                text(&r, "status"),
            ),
        );
    }
    let lots = rows(
        reader,
        "SELECT id, product_id, quantity, remaining, unit_cost, received_at FROM stock_lots ORDER BY id",
    )
    .await
    .iter()
    .map(|r| {
        (
            get(r, "id"),
            get(r, "product_id"),
            get(r, "quantity"),
            get(r, "remaining"),
            get(r, "unit_cost"),
            get(r, "received_at"),
        )
    })
    .collect();
    let cart_sql = if cart_table == "cart_items" {
        "SELECT user_id, product_id, quantity FROM cart_items ORDER BY user_id, product_id"
    } else {
        "SELECT user_id, product_id, quantity FROM cart_lines ORDER BY user_id, product_id"
    };
    let cart = rows(reader, cart_sql)
        .await
        .iter()
        .map(|r| (get(r, "user_id"), get(r, "product_id"), get(r, "quantity")))
        .collect();
    let items = rows(
        reader,
        "SELECT id, order_id, product_id, name, unit_price, quantity, cost FROM order_items ORDER BY id",
    )
    .await
    .iter()
    .map(|r| {
        (
            get(r, "id"),
            get(r, "order_id"),
            get(r, "product_id"),
            text(r, "name"),
            get(r, "unit_price"),
            get(r, "quantity"),
            get(r, "cost"),
        )
    })
    .collect();
    let orders = rows(
        reader,
        "SELECT id, status, total, paid_amount, refunded_amount FROM orders ORDER BY id",
    )
    .await
    .iter()
    .map(|r| {
        (
            get(r, "id"),
            text(r, "status"),
            get(r, "total"),
            get(r, "paid_amount"),
            get(r, "refunded_amount"),
        )
    })
    .collect();
    let draws = rows(
        reader,
        "SELECT id, lot_id, product_id, quantity, returned, reference FROM stock_draws ORDER BY id",
    )
    .await
    .iter()
    .map(|r| {
        (
            get(r, "id"),
            get(r, "lot_id"),
            get(r, "product_id"),
            get(r, "quantity"),
            get(r, "returned"),
            text(r, "reference"),
        )
    })
    .collect();
    Facts {
        products,
        lots,
        cart,
        items,
        orders,
        draws,
    }
}

async fn pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("connect")
}

/// Opens the earlier release's database at `url` with today's store (which migrates it)
/// and checks that nothing was lost.
async fn upgrades_with_nothing_lost(url: &str) {
    let before = {
        let pool = pool(url).await;
        let facts = facts(&pool, "cart_items").await;
        pool.close().await;
        facts
    };
    assert!(
        before.products.len() >= 20 && before.items.len() >= 30 && before.cart.len() >= 2 && before.lots.len() >= 50,
        "the fixture holds a shop: {} products, {} order lines, {} cart lines, {} lots",
        before.products.len(),
        before.items.len(),
        before.cart.len(),
        before.lots.len()
    );
    assert!(before.orders.iter().any(|o| o.1 == "cancelled") && before.orders.iter().any(|o| o.4 > 0));

    let store = Store::open(&StoreOptions::new(url).with_keys(test_keys()))
        .await
        .expect("open and migrate the earlier release's database");
    let (checked, violations) = store.check_invariants().await.expect("check");
    assert!(violations.is_empty(), "check after the upgrade: {violations:#?}");
    assert!(checked >= 16, "{checked} invariants");

    let after = facts(store.reader(), "cart_lines").await;
    // The SKU moved to the variant; everything else stands as it was.
    let mut expected = before.products.clone();
    for p in expected.values_mut() {
        p.0 = None;
    }
    assert_eq!(after.products, expected);
    assert_eq!(
        (&after.lots, &after.cart, &after.items, &after.orders, &after.draws),
        (&before.lots, &before.cart, &before.items, &before.orders, &before.draws)
    );

    // Each product's one variant carries what the product had.
    for (id, (sku, price, stock, _)) in &before.products {
        let p = store.product(*id).await.expect("read").expect("product");
        assert_eq!(p.variants.len(), 1, "product {id}");
        let v = &p.variants[0];
        assert_eq!(
            (v.id, &v.sku, v.price, v.stock_available, p.price, p.price_max),
            (*id, sku, *price, *stock, *price, *price)
        );
        assert!(p.options.is_empty());
    }
    // Lots, draws and lines name that variant.
    for table in [
        "SELECT COUNT(*) AS n FROM stock_lots WHERE variant_id IS NULL OR variant_id <> product_id",
        "SELECT COUNT(*) AS n FROM stock_draws WHERE variant_id IS NULL OR variant_id <> product_id",
        "SELECT COUNT(*) AS n FROM stock_adjustments WHERE variant_id IS NULL OR variant_id <> product_id",
        "SELECT COUNT(*) AS n FROM cart_lines WHERE variant_id <> product_id",
        "SELECT COUNT(*) AS n FROM order_items WHERE variant_id IS NULL OR variant_id <> product_id",
    ] {
        let n: i64 = query(table)
            .fetch_one(store.reader())
            .await
            .expect(table)
            .try_get("n")
            .expect("n");
        assert_eq!(n, 0, "{table}");
    }
    // Orders read back whole, their lines with the variant's SKU as it was.
    for (order_id, ..) in &before.orders {
        let order = store.order(*order_id).await.expect("read").expect("order");
        assert!(!order.address.recipient.is_empty(), "the sealed address opens");
        for item in &order.items {
            assert_eq!(item.variant_id, item.product_id);
            assert_eq!(item.sku, before.products[&item.product_id].0, "order {order_id}");
        }
    }

    // The migrated shop sells: the buyer's cart becomes an order drawn from the old lots.
    let buyer: i64 = query("SELECT id FROM users WHERE username = 'fixture_buyer'")
        .fetch_one(store.reader())
        .await
        .expect("buyer")
        .try_get("id")
        .expect("id");
    let address: i64 = query("SELECT id FROM addresses WHERE user_id = $1")
        .bind(buyer)
        .fetch_one(store.reader())
        .await
        .expect("address")
        .try_get("id")
        .expect("id");
    let cart = store.cart(buyer).await.expect("cart");
    assert_eq!(cart.len(), 2);
    let now = Timestamp::from_millis(1_900_000_000_000);
    let request = PlaceOrder {
        user_id: buyer,
        address_id: address,
        note: None,
        pay_deadline: now.plus(Duration::from_secs(1800)),
        shipping_method_id: None,
        coupon_codes: Vec::new(),
        invoice: None,
        guest: None,
    };
    let Idempotent::Fresh(order) = store
        .place_order(request, None, std::sync::Arc::new(|_| String::new()), now)
        .await
        .expect("an order from the migrated cart")
    else {
        panic!("no key, no replay")
    };
    assert_eq!(order.items.len(), 2);
    for (item, line) in order.items.iter().zip(&cart) {
        assert_eq!((item.variant_id, item.quantity), (line.variant_id, line.quantity));
        let lots = store
            .lots(item.product_id, Some(item.variant_id), None, 100)
            .await
            .expect("lots");
        // FIFO: the cost is that of the oldest units the lots held.
        let mut left = item.quantity;
        let mut cost = 0;
        let mut held: Vec<_> = before
            .lots
            .iter()
            .filter(|l| l.1 == item.product_id && l.3 > 0)
            .collect();
        held.sort_by_key(|l| (l.5, l.0));
        for lot in held {
            let take = left.min(lot.3);
            cost += take * lot.4;
            left -= take;
        }
        assert_eq!(item.cost, cost, "FIFO cost of order line {}", item.id);
        assert!(!lots.is_empty());
    }
    let (_, violations) = store.check_invariants().await.expect("check");
    assert!(violations.is_empty(), "check after a new order: {violations:#?}");
}

#[tokio::test]
async fn a_sqlite_database_of_the_earlier_release_upgrades() {
    let db = TestDb::sqlite();
    let path = db.url.strip_prefix("sqlite://").expect("a sqlite URL");
    std::fs::copy(FIXTURE_SQLITE, path).expect("copy the fixture");
    upgrades_with_nothing_lost(&db.url).await;
}

#[tokio::test]
async fn a_postgres_database_of_the_earlier_release_upgrades() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    // The test database's own schema, named in its URL's search_path.
    let schema = db
        .url
        .split("search_path%3D")
        .nth(1)
        .expect("a schema in the URL")
        .split('&')
        .next()
        .expect("schema")
        .to_owned();
    // The dump, into that schema: psql's meta-commands and the schema's creation left
    // out (the schema exists), its name changed.
    let dump: String = std::fs::read_to_string(FIXTURE_POSTGRES)
        .expect("read the dump")
        .lines()
        .filter(|l| !l.starts_with('\\') && !l.starts_with("CREATE SCHEMA"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("release_fixture", &schema);
    let admin = std::env::var("EMPORIUM_TEST_POSTGRES_URL").expect("set when TestDb::postgres answers");
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .expect("connect");
    sqlx::raw_sql(sqlx::AssertSqlSafe(dump))
        .execute(&mut conn)
        .await
        .expect("load the dump");
    upgrades_with_nothing_lost(&db.url).await;
}
