//! The catalogue and FIFO inventory suite, on SQLite and (when configured) PostgreSQL.

use emporium_testkit::TestDb;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use emporium_domain::catalog::{CategoryName, Description, Images, ProductName, ProductStatus, Sku};
use emporium_domain::inventory::Units;
use emporium_domain::money::{Currency, Price, UnitCost};
use emporium_domain::time::Timestamp;
use emporium_domain::variant::ProductOptions;
use emporium_store::catalog::{ImportProduct, NewProduct, ProductChanges, ProductFilter, ProductOrder};
use emporium_store::inventory::NewLot;
use emporium_store::variants::{NewVariant, VariantChanges};
use emporium_store::{Store, StoreError};
use emporium_testkit::engine_test;

const NOW: Timestamp = Timestamp::from_millis(1_764_000_000_000);

fn product(name: &str, price: i64, category: Option<&str>) -> NewProduct {
    NewProduct {
        name: ProductName::parse(name).expect("name"),
        description: Description::default(),
        currency: Currency::CNY,
        category: category.map(|c| CategoryName::parse("category", c).expect("category")),
        images: Images::default(),
        status: ProductStatus::Active,
        options: ProductOptions::default(),
        variants: vec![NewVariant::simple(
            Price::parse("price", price).expect("price"),
            None,
            None,
        )],
        translations: Default::default(),
    }
}

fn lot(quantity: i64, unit_cost: i64, days_ago: u64) -> NewLot {
    NewLot {
        quantity: Units::parse("quantity", quantity).expect("units"),
        unit_cost: UnitCost::parse("unit_cost", unit_cost).expect("cost"),
        received_at: NOW.minus(Duration::from_secs(days_ago * 86_400)),
        note: None,
    }
}

fn units(n: i64) -> Units {
    Units::parse("quantity", n).expect("units")
}

/// Pages through a listing and returns the ids in order.
async fn all_pages(store: &Store, filter: &ProductFilter, order: ProductOrder, page: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let rows = store.list_products(filter, order, after, page).await.expect("page");
        ids.extend(rows.iter().map(|p| p.id));
        match rows.last() {
            Some(last) if rows.len() as i64 == page => after = Some((order.key_of(last), last.id)),
            _ => return ids,
        }
    }
}

async fn products_are_created_changed_and_archived(db: TestDb) {
    let store = db.open().await;
    let mut new = product("华为 Mate 60 手机", 599_900, Some("Phones"));
    new.variants[0].sku = Some(Sku::parse("HW-M60").expect("sku"));
    new.images = Images::parse_urls(&["/a.png".into(), "/b.png".into()]).expect("images");
    new.variants[0].initial_stock = Some(lot(10, 400_000, 1));
    let p = store.create_product(new.clone(), NOW).await.expect("created");
    assert_eq!(
        (p.stock_available, p.images.len(), p.variants[0].sku.as_deref()),
        (10, 2, Some("HW-M60"))
    );
    assert!(matches!(
        store.create_product(new, NOW).await,
        Err(StoreError::SkuTaken)
    ));

    let later = NOW.plus(Duration::from_secs(60));
    let changes = ProductChanges {
        category: Some(None),
        variant: Some((
            p.variants[0].id,
            VariantChanges {
                price: Some(Price::parse("price", 549_900).expect("price")),
                ..Default::default()
            },
        )),
        ..Default::default()
    };
    let changed = store.update_product(p.id, changes, later).await.expect("updated");
    assert_eq!(
        (changed.price, changed.category.clone(), changed.name.clone()),
        (549_900, None, p.name.clone())
    );
    assert_eq!(changed.updated_at, later);

    let archived = store
        .update_product(
            p.id,
            ProductChanges {
                status: Some(ProductStatus::Archived),
                ..Default::default()
            },
            later,
        )
        .await
        .expect("archived");
    assert_eq!(archived.status, ProductStatus::Archived);
    let active = ProductFilter {
        status: Some(ProductStatus::Active),
        ..Default::default()
    };
    assert!(
        store
            .list_products(&active, ProductOrder::Newest, None, 10)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(matches!(
        store.update_product(9999, ProductChanges::default(), later).await,
        Err(StoreError::NotFound(_))
    ));
}
engine_test!(products_are_created_changed_and_archived);

async fn listings_filter_sort_and_paginate_without_gaps_while_products_arrive(db: TestDb) {
    let store = db.open().await;
    for i in 0..23i64 {
        let category = if i % 2 == 0 { "Tea" } else { "Snacks" };
        // Several equal prices, so the id tie-break matters.
        store
            .create_product(
                product(&format!("p{i}"), 1000 + (i % 5) * 100, Some(category)),
                NOW.plus(Duration::from_millis(i as u64 % 7)),
            )
            .await
            .expect("created");
    }
    let every = ProductFilter::default();
    for order in [
        ProductOrder::Newest,
        ProductOrder::PriceAsc,
        ProductOrder::PriceDesc,
        ProductOrder::Rating,
    ] {
        let ids = all_pages(&store, &every, order, 4).await;
        assert_eq!(ids.len(), 23, "{order:?}");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 23, "{order:?}: no duplicates");
    }
    let asc = store
        .list_products(&every, ProductOrder::PriceAsc, None, 100)
        .await
        .expect("list");
    assert!(asc.windows(2).all(|w| (w[0].price, w[0].id) < (w[1].price, w[1].id)));

    let tea_id = store.category_tree().await.expect("tree").find("Tea").expect("Tea").id;
    let tea = ProductFilter {
        category_ids: Some(vec![tea_id]),
        min_price: Some(1100),
        max_price: Some(1300),
        ..Default::default()
    };
    let rows = store
        .list_products(&tea, ProductOrder::PriceAsc, None, 100)
        .await
        .expect("list");
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|p| p.category.as_deref() == Some("Tea") && (1100..=1300).contains(&p.price))
    );

    // New products arriving between pages never duplicate or hide the ones listed.
    let first = store
        .list_products(&every, ProductOrder::PriceAsc, None, 10)
        .await
        .expect("page 1");
    for i in 0..5 {
        store
            .create_product(product(&format!("late{i}"), 1000 + i * 100, Some("Tea")), NOW)
            .await
            .expect("created");
    }
    let last = first.last().expect("a full page");
    let mut seen: Vec<i64> = first.iter().map(|p| p.id).collect();
    let mut after = Some((ProductOrder::PriceAsc.key_of(last), last.id));
    loop {
        let rows = store
            .list_products(&every, ProductOrder::PriceAsc, after, 10)
            .await
            .expect("page");
        seen.extend(rows.iter().map(|p| p.id));
        match rows.last() {
            Some(l) if rows.len() == 10 => after = Some((l.price, l.id)),
            _ => break,
        }
    }
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len(), "no duplicates");
    assert!(first.iter().chain(asc.iter()).all(|p| seen.contains(&p.id)), "no gaps");
}
engine_test!(listings_filter_sort_and_paginate_without_gaps_while_products_arrive);

async fn categories_count_active_products(db: TestDb) {
    let store = db.open().await;
    store
        .create_product(product("a", 100, Some("Tea")), NOW)
        .await
        .expect("created");
    store
        .create_product(product("b", 100, Some("Tea")), NOW)
        .await
        .expect("created");
    let mut draft = product("c", 100, Some("Snacks"));
    draft.status = ProductStatus::Draft;
    store.create_product(draft, NOW).await.expect("created");
    let tree = store.category_tree().await.expect("categories");
    assert_eq!(
        tree.iter()
            .map(|(_, c)| (c.name.as_str(), tree.product_count(c.id)))
            .collect::<Vec<_>>(),
        [("Tea", 2), ("Snacks", 0)],
        "free-text categories became top-level ones, counting active products"
    );
}
engine_test!(categories_count_active_products);

async fn draws_take_the_oldest_lot_first_and_returns_go_back(db: TestDb) {
    let store = db.open().await;
    let p = store
        .create_product(product("龙井", 10_000, Some("Tea")), NOW)
        .await
        .expect("created");
    let newest = store
        .receive_stock(p.id, p.variants[0].id, lot(5, 3_000, 1), NOW)
        .await
        .expect("lot");
    let oldest = store
        .receive_stock(p.id, p.variants[0].id, lot(3, 1_000, 30), NOW)
        .await
        .expect("lot");
    let middle = store
        .receive_stock(p.id, p.variants[0].id, lot(4, 2_000, 10), NOW)
        .await
        .expect("lot");
    let lots = store.lots(p.id, None, None, 10).await.expect("lots");
    assert_eq!(
        lots.iter().map(|l| l.id).collect::<Vec<_>>(),
        [oldest.id, middle.id, newest.id],
        "oldest first"
    );

    let adj = store
        .adjust_stock(p.id, p.variants[0].id, units(5), "damaged".into(), None, NOW)
        .await
        .expect("drawn");
    assert_eq!(
        adj.draws.iter().map(|d| (d.lot_id, d.quantity)).collect::<Vec<_>>(),
        [(oldest.id, 3), (middle.id, 2)]
    );
    assert_eq!(adj.cost, 3 * 1_000 + 2 * 2_000);
    let (lines, units_total, value) = store.valuation(0, 10).await.expect("valuation");
    assert_eq!((units_total, value), (7, 2 * 2_000 + 5 * 3_000));
    assert_eq!(lines[0].units_on_hand, 7);
    assert_eq!(
        store
            .product(p.id)
            .await
            .expect("read")
            .expect("exists")
            .stock_available,
        7
    );

    let too_many = store
        .adjust_stock(p.id, p.variants[0].id, units(8), "lost".into(), None, NOW)
        .await;
    assert!(
        matches!(too_many, Err(StoreError::InsufficientStock { available: 7, .. })),
        "{too_many:?}"
    );
    assert_eq!(
        store.valuation(0, 10).await.expect("valuation").1,
        7,
        "a refused draw changes nothing"
    );

    let reference = format!("adjustment:{}", adj.id);
    let back = store
        .write(move |conn| {
            Box::pin(async move { emporium_store::inventory::return_drawn(conn, &reference, NOW).await })
        })
        .await
        .expect("returned");
    assert_eq!(back, 5);
    let lots = store.lots(p.id, None, None, 10).await.expect("lots");
    assert_eq!(
        lots.iter().map(|l| l.remaining).collect::<Vec<_>>(),
        [3, 4, 5],
        "units went back to their lots"
    );
    assert!(matches!(
        store.adjust_stock(9999, 9999, units(1), "x".into(), None, NOW).await,
        Err(StoreError::NotFound(_))
    ));
}
engine_test!(draws_take_the_oldest_lot_first_and_returns_go_back);

async fn concurrent_draws_never_oversell(db: TestDb) {
    // 200 concurrent single-unit draws against 50 units in three lots.
    let store = Arc::new(db.open().await);
    let p = store
        .create_product(product("flash sale", 100, None), NOW)
        .await
        .expect("created");
    for (q, days) in [(20, 3), (20, 2), (10, 1)] {
        store
            .receive_stock(p.id, p.variants[0].id, lot(q, 10 * days as i64, days), NOW)
            .await
            .expect("lot");
    }
    let (product_id, variant_id) = (p.id, p.variants[0].id);
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                store
                    .adjust_stock(product_id, variant_id, units(1), "sale".into(), None, NOW)
                    .await
            })
        })
        .collect();
    let (mut sold, mut refused) = (0, 0);
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => sold += 1,
            Err(StoreError::InsufficientStock { available: 0, .. }) => refused += 1,
            Err(other) => panic!("unexpected: {other}"),
        }
    }
    assert_eq!((sold, refused), (50, 150));
    let lots = store.lots(p.id, None, None, 10).await.expect("lots");
    assert!(lots.iter().all(|l| l.remaining == 0));
    let drawn: i64 = sqlx::query_scalar("SELECT CAST(SUM(quantity) AS BIGINT) FROM stock_draws")
        .fetch_one(store.reader())
        .await
        .expect("sum");
    assert_eq!(drawn, 50);
    assert_eq!(
        store
            .product(p.id)
            .await
            .expect("read")
            .expect("exists")
            .stock_available,
        0
    );
}
engine_test!(concurrent_draws_never_oversell);

async fn the_database_refuses_a_lot_below_zero(db: TestDb) {
    let store = db.open().await;
    let p = store
        .create_product(product("x", 100, None), NOW)
        .await
        .expect("created");
    let l = store
        .receive_stock(p.id, p.variants[0].id, lot(2, 10, 1), NOW)
        .await
        .expect("lot");
    let result = store
        .write(move |conn| {
            Box::pin(async move {
                emporium_store::db::query("UPDATE stock_lots SET remaining = -1 WHERE id = $1")
                    .bind(l.id)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await;
    assert!(result.is_err());
}
engine_test!(the_database_refuses_a_lot_below_zero);

async fn every_change_lands_in_the_feed(db: TestDb) {
    let store = db.open().await;
    assert_eq!(store.last_product_change().await.expect("seq"), 0);
    let p = store
        .create_product(product("x", 100, None), NOW)
        .await
        .expect("created");
    store
        .receive_stock(p.id, p.variants[0].id, lot(1, 1, 1), NOW)
        .await
        .expect("lot");
    store
        .update_product(
            p.id,
            ProductChanges {
                name: Some(ProductName::parse("y").expect("name")),
                ..Default::default()
            },
            NOW,
        )
        .await
        .expect("updated");
    let feed = store.product_changes_after(0, 100).await.expect("feed");
    assert_eq!(feed.len(), 3);
    assert!(feed.iter().all(|c| c.product_id == p.id));
    assert!(feed.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(
        store.product_changes_after(feed[1].seq, 100).await.expect("feed").len(),
        1
    );
    assert_eq!(
        store
            .prune_product_changes(NOW.plus(Duration::from_secs(1)))
            .await
            .expect("pruned"),
        2
    );
    assert_eq!(
        store.last_product_change().await.expect("seq"),
        feed[2].seq,
        "the newest entry stays"
    );
}
engine_test!(every_change_lands_in_the_feed);

async fn settings_are_set_once(db: TestDb) {
    let store = db.open().await;
    assert_eq!(
        store.setting_or_insert("secret", "first".into()).await.expect("set"),
        "first"
    );
    assert_eq!(
        store.setting_or_insert("secret", "second".into()).await.expect("kept"),
        "first"
    );
}
engine_test!(settings_are_set_once);

async fn bulk_imports_are_keyed_by_sku(db: TestDb) {
    let store = db.open().await;
    let items: Vec<ImportProduct> = (0..1200)
        .map(|i| {
            let mut p = product(&format!("item {i}"), 100 + i, Some("Bulk"));
            p.variants[0].sku = Some(Sku::parse(&format!("BULK-{i}")).expect("sku"));
            ImportProduct {
                product: p,
                lots: vec![vec![lot(5, 10, 3), lot(2, 12, 1)]],
            }
        })
        .collect();
    assert_eq!(
        store.import_products(items[..700].to_vec(), NOW).await.expect("import"),
        700
    );
    // Again with overlap: only the new ones go in.
    assert_eq!(store.import_products(items.clone(), NOW).await.expect("import"), 500);
    let (_, units, value) = store.valuation(0, 1).await.expect("valuation");
    assert_eq!((units, value), (1200 * 7, 1200 * (5 * 10 + 2 * 12)));
    let p = store.products_after(0, 1).await.expect("first")[0].clone();
    assert_eq!(p.stock_available, 7);
    let lots = store.lots(p.id, None, None, 10).await.expect("lots");
    assert_eq!(
        lots.iter().map(|l| l.unit_cost).collect::<Vec<_>>(),
        [10, 12],
        "oldest first"
    );
    assert_eq!(store.product_changes_after(0, 10_000).await.expect("feed").len(), 1200);
}
engine_test!(bulk_imports_are_keyed_by_sku);

/// A new price for the product's first variant.
fn price(p: &emporium_store::catalog::Product, minor: i64) -> ProductChanges {
    ProductChanges {
        variant: Some((
            p.variants[0].id,
            VariantChanges {
                price: Some(Price::parse("price", minor).expect("price")),
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

// The product cache (store/src/product_cache.rs): what a read returns after a write was
// acknowledged is the written state, for single reads, id batches and listing pages.
async fn cached_products_and_pages_follow_every_change(db: TestDb) {
    let store = db.open().await;
    let p = store
        .create_product(product("缓存 tea", 1000, Some("Tea")), NOW)
        .await
        .expect("created");
    let tea_id = store.category_tree().await.expect("tree").find("Tea").expect("Tea").id;
    let tea = ProductFilter {
        category_ids: Some(vec![tea_id]),
        ..Default::default()
    };
    // Fill the cache: a product, an id batch and a listing page.
    assert_eq!(store.product(p.id).await.expect("read").map(|p| p.price), Some(1000));
    assert_eq!(
        store
            .list_products(&tea, ProductOrder::PriceAsc, None, 10)
            .await
            .expect("page")
            .len(),
        1
    );

    store.update_product(p.id, price(&p, 1200), NOW).await.expect("updated");
    assert_eq!(store.product(p.id).await.expect("read").map(|p| p.price), Some(1200));
    assert_eq!(store.products_by_ids(&[p.id]).await.expect("batch")[0].price, 1200);

    store
        .receive_stock(p.id, p.variants[0].id, lot(7, 500, 0), NOW)
        .await
        .expect("received");
    assert_eq!(
        store.product(p.id).await.expect("read").map(|p| p.stock_available),
        Some(7)
    );
    assert_eq!(
        store
            .list_products(&tea, ProductOrder::PriceAsc, None, 10)
            .await
            .expect("page")[0]
            .stock_available,
        7
    );

    // A new product joins the cached listing page.
    let q = store
        .create_product(product("second tea", 900, Some("Tea")), NOW)
        .await
        .expect("created");
    let ids: Vec<i64> = store
        .list_products(&tea, ProductOrder::PriceAsc, None, 10)
        .await
        .expect("page")
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, vec![q.id, p.id]);

    // A second instance on the same database keeps its copy until the change feed
    // (the search follower, in the server) tells it to forget.
    let other = db.open().await;
    assert_eq!(other.product(p.id).await.expect("read").map(|p| p.price), Some(1200));
    store.update_product(p.id, price(&p, 1500), NOW).await.expect("updated");
    assert_eq!(
        other.product(p.id).await.expect("read").map(|p| p.price),
        Some(1200),
        "not told yet"
    );
    let changed: Vec<i64> = store
        .product_changes_after(0, 1000)
        .await
        .expect("feed")
        .iter()
        .map(|c| c.product_id)
        .collect();
    other.forget_products(&changed);
    assert_eq!(other.product(p.id).await.expect("read").map(|p| p.price), Some(1500));
}
engine_test!(cached_products_and_pages_follow_every_change);

async fn a_read_begun_after_a_write_was_acknowledged_sees_it_under_concurrency(db: TestDb) {
    let store = db.open().await;
    let p = store
        .create_product(product("contended", 1, None), NOW)
        .await
        .expect("created");
    // The highest price whose write has been acknowledged.
    let acknowledged = Arc::new(std::sync::atomic::AtomicI64::new(1));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..8 {
        let (store, acknowledged, done) = (store.clone(), acknowledged.clone(), done.clone());
        readers.push(tokio::spawn(async move {
            let mut reads = 0u32;
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                let floor = acknowledged.load(std::sync::atomic::Ordering::Acquire);
                let seen = if reads.is_multiple_of(2) {
                    store.product(p.id).await.expect("read").expect("exists").price
                } else {
                    store
                        .list_products(&ProductFilter::default(), ProductOrder::Newest, None, 5)
                        .await
                        .expect("page")
                        .into_iter()
                        .find(|x| x.id == p.id)
                        .expect("listed")
                        .price
                };
                assert!(seen >= floor, "read {seen} after {floor} was acknowledged");
                reads += 1;
                // A cache hit never waits, so without this the readers would hold
                // both runtime threads and the writer would never run.
                tokio::task::yield_now().await;
            }
            reads
        }));
    }
    for k in 2..=200 {
        store.update_product(p.id, price(&p, k), NOW).await.expect("updated");
        acknowledged.store(k, std::sync::atomic::Ordering::Release);
    }
    done.store(true, std::sync::atomic::Ordering::Release);
    let mut reads = 0;
    for r in readers {
        reads += r.await.expect("reader");
    }
    assert!(reads > 200, "the readers raced the writes ({reads} reads)");
    assert_eq!(store.product(p.id).await.expect("read").map(|p| p.price), Some(200));
}
engine_test!(a_read_begun_after_a_write_was_acknowledged_sees_it_under_concurrency);
