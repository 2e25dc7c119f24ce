//! Demo shoppers with a purchase history, so a fresh demo shows "also bought", "for you"
//! and reviews from the first page. Every step goes through the store's own operations
//! (cart, order with FIFO draws, the sandbox's ledger, the verified-notification path,
//! shipping, receipt, reviews), so the history obeys every invariant `emporium check`
//! verifies, and its payments can be refunded through the sandbox like any other.

use anyhow::Context;
use emporium_app::passwords::Passwords;
use emporium_domain::account::{Password, Phone, Role, Username};
use emporium_domain::address::NewAddress;
use emporium_domain::order::CartQuantity;
use emporium_domain::review::{Rating, ReviewBody};
use emporium_domain::time::Timestamp;
use emporium_store::accounts::NewUser;
use emporium_store::catalog::Product;
use emporium_store::idempotency::Idempotent;
use emporium_store::orders::PlaceOrder;
use emporium_store::payments::{NotificationFacts, PaymentStart};
use emporium_store::reviews::NewReview;
use emporium_store::{Store, StoreError};
use std::sync::Arc;

/// What shoppers say, in both of the shop's languages.
const REVIEWS: [(i64, &str); 8] = [
    (5, "非常好，物流也快，会回购。"),
    (5, "Excellent quality, exactly as described."),
    (4, "不错，性价比高。"),
    (4, "Good value; packaging could be better."),
    (3, "一般般，和图片有点差别。"),
    (3, "Okay. Does the job."),
    (5, "送给家人的，大家都很喜欢！"),
    (2, "Arrived late and a little damaged."),
];

/// Creates `shoppers` demo shoppers (`shopper001`, …; skipped when they exist) with one to
/// four orders each. Shoppers favour one category and otherwise buy what sells, the
/// pattern collaborative filtering learns from. Answers how many orders were placed.
pub async fn load(store: &Store, shoppers: usize, bcrypt_cost: u32, now: Timestamp) -> anyhow::Result<usize> {
    let catalogue = active_products(store).await?;
    if catalogue.is_empty() {
        return Ok(0);
    }
    let mut categories: Vec<&str> = catalogue.iter().filter_map(|p| p.category.as_deref()).collect();
    categories.sort_unstable();
    categories.dedup();
    // Demo shoppers never log in: one hash of a random password serves them all.
    let secret = emporium_app::tokens::generate().context("no randomness")?;
    let password = Password::parse("password", &secret[..32]).map_err(|e| anyhow::anyhow!("{e}"))?;
    let password_hash = Passwords::new(bcrypt_cost).hash(&password).await?;
    let mut rng = fastrand::Rng::with_seed(super::SEED);
    let mut orders = 0;
    for i in 1..=shoppers {
        let name = format!("shopper{i:03}");
        let user = NewUser {
            username: Username::parse(&name).map_err(|e| anyhow::anyhow!("{e}"))?,
            password_hash: password_hash.clone(),
            email: None,
            role: Role::Customer,
        };
        let user = match store.create_user(user, now).await {
            Ok(user) => user,
            Err(StoreError::UsernameTaken) => continue,
            Err(e) => return Err(e).context("creating demo shoppers"),
        };
        let address = store.add_address(user.id, address(i)?, now).await?.id;
        let favourite = categories[rng.usize(..categories.len())];
        let in_favourite: Vec<&Product> = catalogue
            .iter()
            .filter(|p| p.category.as_deref() == Some(favourite))
            .collect();
        for _ in 0..rng.usize(1..=4) {
            let mut lines: Vec<(i64, i64)> = (0..rng.usize(1..=3))
                .map(|_| {
                    let product = if rng.f64() < 0.7 {
                        in_favourite[rng.usize(..in_favourite.len())]
                    } else {
                        // The catalogue's head sells most: a squared uniform leans to it.
                        &catalogue[(rng.f64().powi(2) * catalogue.len() as f64) as usize]
                    };
                    // Any of its variants with stock (the filter below keeps products that
                    // have some).
                    let in_stock: Vec<i64> = product
                        .variants
                        .iter()
                        .filter(|v| v.stock_available > 0)
                        .map(|v| v.id)
                        .collect();
                    (product.id, in_stock[rng.usize(..in_stock.len())])
                })
                .collect();
            lines.sort_unstable();
            lines.dedup();
            if buy(store, user.id, address, &lines, &mut rng, now).await? {
                orders += 1;
            }
        }
    }
    Ok(orders)
}

async fn active_products(store: &Store) -> Result<Vec<Product>, StoreError> {
    let mut all = Vec::new();
    loop {
        let after = all.last().map_or(0, |p: &Product| p.id);
        let page = store.products_after(after, 1_000).await?;
        if page.is_empty() {
            break;
        }
        all.extend(page);
    }
    all.retain(|p| p.status == emporium_domain::catalog::ProductStatus::Active && p.stock_available > 0);
    Ok(all)
}

fn address(i: usize) -> anyhow::Result<NewAddress> {
    const CITIES: [&str; 5] = ["北京", "上海", "广州", "深圳", "杭州"];
    Ok(NewAddress {
        recipient: format!("顾客 {i}"),
        phone: Phone::parse("phone", &format!("+86 138 0000 {i:04}")).map_err(|e| anyhow::anyhow!("{e}"))?,
        line1: format!("人民路 {i} 号"),
        line2: None,
        city: CITIES[i % CITIES.len()].into(),
        region: None,
        postal_code: None,
        country: "CN".into(),
    })
}

/// One order through its life: placed, paid through the sandbox's ledger and a verified
/// notification, mostly shipped and received, sometimes reviewed. Answers false when the
/// stock ran out (nothing was ordered).
async fn buy(
    store: &Store,
    user_id: i64,
    address_id: i64,
    lines: &[(i64, i64)],
    rng: &mut fastrand::Rng,
    now: Timestamp,
) -> anyhow::Result<bool> {
    for &(_, variant) in lines {
        let quantity = CartQuantity::parse(1).map_err(|e| anyhow::anyhow!("{e}"))?;
        store.set_cart_item(user_id, variant, Some(quantity), now).await?;
    }
    // Reviews are per product: two variants of one product in an order are one review.
    let mut products: Vec<i64> = lines.iter().map(|&(product, _)| product).collect();
    products.sort_unstable();
    products.dedup();
    let request = PlaceOrder {
        user_id,
        address_id,
        note: None,
        pay_deadline: now.plus(std::time::Duration::from_secs(1_800)),
        shipping_method_id: None,
        coupon_codes: Vec::new(),
        invoice: None,
        guest: None,
    };
    let order = match store
        .place_order(request, None, std::sync::Arc::new(|_| String::new()), now)
        .await
    {
        Ok(Idempotent::Fresh(order)) => order,
        Ok(Idempotent::Replay(_)) => anyhow::bail!("a demo order without a key was replayed"),
        Err(StoreError::InsufficientStock { .. }) => {
            store.clear_cart(user_id).await?;
            return Ok(false);
        }
        Err(e) => return Err(e).context("placing a demo order"),
    };
    let PaymentStart::New(payment, _) = store
        .begin_payment(
            order.id,
            user_id,
            ("sandbox".into(), None),
            Arc::new(|_: &str| true),
            None,
            now,
        )
        .await?
    else {
        anyhow::bail!("demo order {} already had a payment", order.id);
    };
    store
        .sandbox_open(payment.id, order.id, order.total, order.currency.clone(), now)
        .await?;
    store.sandbox_complete(payment.id, true, now).await?;
    let facts = NotificationFacts {
        provider: "sandbox".into(),
        event_id: format!("demo-{}", payment.id),
        payment_id: payment.id,
        order_id: Some(order.id),
        amount: order.total,
        currency: order.currency.clone(),
        succeeded: true,
        provider_ref: None,
        body: None,
    };
    store.apply_notification(facts, now).await?;
    if rng.f64() < 0.2 {
        return Ok(true); // paid, waiting to ship: the admin has work to do
    }
    store
        .ship_order(
            order.id,
            "SF Express".into(),
            format!("SF{:010}", order.id),
            "system".into(),
            now,
        )
        .await?;
    if rng.f64() < 0.15 {
        return Ok(true); // on its way
    }
    store
        .confirm_receipt(order.id, Some(user_id), format!("user:{user_id}"), now)
        .await?;
    for &product_id in &products {
        if rng.f64() < 0.6 {
            let (stars, text) = REVIEWS[rng.usize(..REVIEWS.len())];
            let review = NewReview {
                product_id,
                order_id: order.id,
                user_id,
                rating: Rating::parse(stars as f64).map_err(|e| anyhow::anyhow!("{e}"))?,
                body: ReviewBody::parse(text).map_err(|e| anyhow::anyhow!("{e}"))?,
            };
            store.add_review(review, now).await?;
        }
    }
    Ok(true)
}
