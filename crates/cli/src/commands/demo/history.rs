//! Ninety days of a shop's life, so a fresh demo shows charts with a story, "also
//! bought", "for you", reviews, refunds and returns from the first page: demo shoppers
//! (`shopper001`, …) order more as the weeks pass and more at weekends; most orders are
//! paid, shipped and received, the newest still wait to ship or arrive, a few are
//! cancelled, refunded or returned. The `demo` account gets one order in every state.
//!
//! Every step goes through the store's own operations (`life`), so the history obeys
//! every invariant `emporium check` verifies, and its payments can be refunded through
//! the sandbox like any other.

mod life;

use std::time::Duration;

use anyhow::Context;
use emporium_app::passwords::Passwords;
use emporium_domain::account::{Password, Phone, Role, Username};
use emporium_domain::address::NewAddress;
use emporium_domain::time::Timestamp;
use emporium_store::accounts::NewUser;
use emporium_store::catalog::Product;
use emporium_store::{Store, StoreError};
use futures_util::future::try_join_all;
use life::{Life, Return, Verdict};

/// How many days of history.
pub const DAYS: u32 = 90;
/// Orders a shopper places over the whole history, on average.
const ORDERS_PER_SHOPPER: f64 = 3.0;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3_600);
const DAY: Duration = Duration::from_secs(86_400);

/// Who plays the shop's side, and the `demo` shopper when it is new.
#[derive(Debug, Clone, Copy)]
pub struct Cast {
    /// The staff account that ships, decides refunds and returns.
    pub staff: i64,
    /// The `demo` customer, given only when its account was made just now: it gets one
    /// order in every state.
    pub demo: Option<i64>,
}

/// What the history holds.
#[derive(Debug, Default, Clone, Copy)]
pub struct Loaded {
    /// Orders placed.
    pub orders: usize,
    /// Refunds opened.
    pub refunds: usize,
    /// Returns asked for.
    pub returns: usize,
}

impl std::ops::AddAssign<life::Outcome> for Loaded {
    fn add_assign(&mut self, o: life::Outcome) {
        self.orders += usize::from(o.placed);
        self.refunds += o.refunds;
        self.returns += o.returns;
    }
}

/// A demo shopper: who, where to, and the category they favour.
struct Shopper {
    id: i64,
    address: i64,
    favourite: usize,
}

/// Creates `shoppers` demo shoppers (skipping those that exist, with their history) and
/// lives [`DAYS`] days of their orders up to `now`, day by day (`on_day` hears each day
/// done), then the `demo` shopper's orders. Shoppers favour one category and otherwise
/// buy what sells, the pattern collaborative filtering learns from.
pub async fn load(
    store: &Store,
    shoppers: usize,
    bcrypt_cost: u32,
    cast: Cast,
    now: Timestamp,
    on_day: &dyn Fn(u32),
) -> anyhow::Result<Loaded> {
    let mut loaded = Loaded::default();
    let catalogue = active_products(store).await?;
    if catalogue.is_empty() {
        return Ok(loaded);
    }
    let mut categories: Vec<&str> = catalogue.iter().filter_map(|p| p.category.as_deref()).collect();
    categories.sort_unstable();
    categories.dedup();
    let by_category: Vec<Vec<&Product>> = categories
        .iter()
        .map(|c| catalogue.iter().filter(|p| p.category.as_deref() == Some(c)).collect())
        .collect();
    let mut rng = fastrand::Rng::with_seed(super::SEED);
    let start = now.minus(DAY * (DAYS + 1));
    let crowd = create_shoppers(store, shoppers, bcrypt_cost, categories.len(), &mut rng, start).await?;

    // The rhythm: growing from about half today's orders a day to a little more than
    // today's, busier at weekends, quieter on Mondays, never quite the same two days.
    let per_day = crowd.len() as f64 * ORDERS_PER_SHOPPER / f64::from(DAYS);
    let today = now.millis() - now.millis().rem_euclid(DAY.as_millis() as i64);
    for day in 0..DAYS {
        let midnight = Timestamp::from_millis(today).minus(DAY * (DAYS - 1 - day));
        let growth = 0.5 + 0.8 * f64::from(day) / f64::from(DAYS - 1);
        let expected = per_day * growth * weekday_factor(midnight) * (0.8 + 0.4 * rng.f64());
        let mut count = expected.floor() as usize + usize::from(rng.f64() < expected.fract());
        count = count.min(crowd.len());
        // One order per shopper a day: each order is its shopper's cart.
        let mut buyers: Vec<usize> = Vec::with_capacity(count);
        while buyers.len() < count {
            // Some shoppers come back far more than others: a squared uniform leans to
            // the first ones.
            let who = (rng.f64().powi(2) * crowd.len() as f64) as usize;
            if !buyers.contains(&who) {
                buyers.push(who);
            }
        }
        let lives: Vec<Life> = buyers
            .iter()
            .map(|&who| {
                let shopper = &crowd[who];
                // Shanghai's day, 08:00–23:00 (UTC+8), and never in the future.
                let mut placed = midnight.plus(Duration::from_secs(rng.u64(0..15 * 3_600)));
                if placed >= now {
                    placed = now.minus(Duration::from_secs(rng.u64(60..3_600)));
                }
                let lines = pick_lines(&mut rng, &catalogue, &by_category[shopper.favourite]);
                ordinary_life(&mut rng, shopper, lines, placed, now)
            })
            .collect();
        let outcomes = try_join_all(lives.iter().map(|l| life::live(store, l, cast.staff, now))).await?;
        for o in outcomes {
            loaded += o;
        }
        on_day(day + 1);
    }

    if let Some(demo) = cast.demo {
        let address = store.add_address(demo, address(0)?, start).await?.id;
        let shopper = Shopper {
            id: demo,
            address,
            favourite: 0,
        };
        for life in demo_lives(&mut rng, &shopper, &catalogue, now) {
            loaded += life::live(store, &life, cast.staff, now).await?;
        }
    }
    Ok(loaded)
}

/// 1.0 on an ordinary weekday; Chinese shoppers buy more at weekends.
fn weekday_factor(midnight: Timestamp) -> f64 {
    // 1970-01-01 was a Thursday: day 0 → Thursday, 2 → Saturday, 3 → Sunday, 4 → Monday.
    match midnight.millis().div_euclid(DAY.as_millis() as i64).rem_euclid(7) {
        2 => 1.45,
        3 => 1.6,
        4 => 0.8,
        _ => 1.0,
    }
}

/// One to three lines: mostly from the shopper's favourite category, otherwise from the
/// head of the catalogue, which sells most. Each a variant with stock.
fn pick_lines(rng: &mut fastrand::Rng, catalogue: &[Product], favourite: &[&Product]) -> Vec<(i64, i64)> {
    let mut lines: Vec<(i64, i64)> = (0..rng.usize(1..=3))
        .map(|_| {
            let product = if rng.f64() < 0.7 {
                favourite[rng.usize(..favourite.len())]
            } else {
                &catalogue[(rng.f64().powi(2) * catalogue.len() as f64) as usize]
            };
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
    lines
}

/// What usually happens to an order: paid within minutes, shipped within a day or so,
/// received a few days later, often reviewed; now and then cancelled, refunded before
/// shipping, or returned. Requests made in the last few days still wait for staff.
fn ordinary_life(
    rng: &mut fastrand::Rng,
    shopper: &Shopper,
    lines: Vec<(i64, i64)>,
    placed: Timestamp,
    now: Timestamp,
) -> Life {
    let roll = rng.f64();
    let unpaid = roll < 0.05;
    let verdict = |rng: &mut fastrand::Rng, approve: f64, open_for: Duration| {
        if placed > now.minus(open_for) {
            Verdict::Pending
        } else if rng.f64() < approve {
            Verdict::Approve
        } else {
            Verdict::Reject
        }
    };
    let refund = (!unpaid && rng.f64() < 0.04).then(|| {
        let verdict = verdict(rng, 0.75, 3 * DAY);
        (Duration::from_secs(rng.u64(1_800..6 * 3_600)), verdict)
    });
    let ret = (rng.f64() < 0.06).then(|| Return {
        asked_after: Duration::from_secs(rng.u64(86_400..5 * 86_400)),
        verdict: verdict(rng, 0.8, 10 * DAY),
        parcel_after: Duration::from_secs(rng.u64(2 * 86_400..4 * 86_400)),
        damaged: rng.f64() < 0.15,
    });
    Life {
        user_id: shopper.id,
        address_id: shopper.address,
        lines,
        placed,
        pay_within: 30 * MINUTE,
        paid_after: (!unpaid).then(|| Duration::from_secs(rng.u64(60..600))),
        // Most unpaid orders are cancelled by their buyer; the rest expire.
        cancel: roll < 0.04,
        refund,
        shipped_after: Duration::from_secs(rng.u64(8 * 3_600..48 * 3_600)),
        received_after: Duration::from_secs(rng.u64(2 * 86_400..5 * 86_400)),
        review_chance: 0.6,
        ret,
        seed: rng.u64(..),
    }
}

/// The `demo` shopper's orders, one in every state a buyer sees: received and reviewed,
/// returned and refunded, a return waiting for staff, refunded before shipping,
/// cancelled, on its way, paid and waiting to ship, and one awaiting payment.
fn demo_lives(rng: &mut fastrand::Rng, shopper: &Shopper, catalogue: &[Product], now: Timestamp) -> Vec<Life> {
    let head: Vec<&Product> = catalogue.iter().take(40).collect();
    let days_ago = |d: u32| now.minus(DAY * d);
    let never = Duration::from_secs(365 * 86_400);
    let return_of = |verdict| Return {
        asked_after: 2 * DAY,
        verdict,
        parcel_after: 3 * DAY,
        damaged: false,
    };
    // Paid a minute after placing, shipped a day later, received two days after that,
    // every product reviewed.
    let mut received = |placed: Timestamp| Life {
        user_id: shopper.id,
        address_id: shopper.address,
        lines: pick_lines(rng, catalogue, &head),
        placed,
        pay_within: 30 * MINUTE,
        paid_after: Some(MINUTE),
        cancel: false,
        refund: None,
        shipped_after: DAY,
        received_after: 2 * DAY,
        review_chance: 1.0,
        ret: None,
        seed: 7,
    };
    vec![
        received(days_ago(30)),
        Life {
            ret: Some(return_of(Verdict::Approve)),
            ..received(days_ago(24))
        },
        Life {
            ret: Some(return_of(Verdict::Pending)),
            ..received(days_ago(8))
        },
        Life {
            refund: Some((HOUR, Verdict::Approve)),
            ..received(days_ago(6))
        },
        Life {
            paid_after: None,
            cancel: true,
            ..received(days_ago(4))
        },
        Life {
            received_after: never,
            ..received(days_ago(2))
        },
        Life {
            shipped_after: never,
            ..received(now.minus(3 * HOUR))
        },
        // A day to pay, so it is still there when someone looks.
        Life {
            paid_after: None,
            pay_within: DAY,
            ..received(now.minus(10 * MINUTE))
        },
    ]
}

/// Creates the shoppers that do not exist yet, each with an address and a favourite
/// category, as of `at` (before their first order). Those that exist keep their history
/// and get no more.
async fn create_shoppers(
    store: &Store,
    shoppers: usize,
    bcrypt_cost: u32,
    categories: usize,
    rng: &mut fastrand::Rng,
    at: Timestamp,
) -> anyhow::Result<Vec<Shopper>> {
    // Demo shoppers never log in: one hash of a random password serves them all.
    let secret = emporium_app::tokens::generate().context("no randomness")?;
    let password = Password::parse("password", &secret[..32]).map_err(|e| anyhow::anyhow!("{e}"))?;
    let password_hash = Passwords::new(bcrypt_cost).hash(&password).await?;
    let mut crowd = Vec::with_capacity(shoppers);
    for i in 1..=shoppers {
        let name = format!("shopper{i:03}");
        let favourite = rng.usize(..categories);
        let user = NewUser {
            username: Username::parse(&name).map_err(|e| anyhow::anyhow!("{e}"))?,
            password_hash: password_hash.clone(),
            email: None,
            role: Role::Customer,
        };
        let user = match store.create_user(user, at).await {
            Ok(user) => user,
            Err(StoreError::UsernameTaken) => continue,
            Err(e) => return Err(e).context("creating demo shoppers"),
        };
        let address = store.add_address(user.id, address(i)?, at).await?.id;
        crowd.push(Shopper {
            id: user.id,
            address,
            favourite,
        });
    }
    Ok(crowd)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekends_are_busier_and_mondays_quieter() {
        let day = |n: i64| Timestamp::from_millis(n * DAY.as_millis() as i64);
        // 2026-12-05 was a Saturday: day 20_792 since 1970-01-01.
        assert_eq!(weekday_factor(day(20_792)), 1.45);
        assert_eq!(weekday_factor(day(20_793)), 1.6);
        assert_eq!(weekday_factor(day(20_794)), 0.8);
        assert_eq!(weekday_factor(day(20_795)), 1.0);
    }
}
