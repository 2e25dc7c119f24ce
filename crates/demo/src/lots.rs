//! The stock lots a demo product arrived in: a few deliveries at drifting unit costs.

use fastrand::Rng;

use crate::DemoLot;

/// Highest unit cost as a share of price, in permille: a 15% margin.
const MAX_COST_PERMILLE: i64 = 850;
/// Lowest unit cost as a share of price, in permille: a 60% margin.
const MIN_COST_PERMILLE: i64 = 400;

/// One to four lots for a product priced at `price` fen, oldest first.
pub(crate) fn lots(rng: &mut Rng, price: i64) -> Vec<DemoLot> {
    let count = match rng.u8(..100) {
        0..25 => 1,
        25..60 => 2,
        60..85 => 3,
        _ => 4,
    };
    let days = received_days(rng, count);
    // A margin of 20%..50% to start from; each later lot drifts by up to 4% of the price,
    // as supplier prices do, so FIFO cost of goods differs from lot to lot.
    let mut permille = 1000 - rng.i64(200..=500);
    let mut lots: Vec<DemoLot> = Vec::with_capacity(count);
    for (i, &received_days_ago) in days[..count].iter().enumerate() {
        if i > 0 {
            let drift = rng.i64(10..=40) * if rng.bool() { 1 } else { -1 };
            permille = (permille + drift).clamp(MIN_COST_PERMILLE, MAX_COST_PERMILLE);
        }
        let unit_cost = distinct_cost(price, price * permille / 1000, &lots);
        lots.push(DemoLot {
            quantity: quantity(rng, price),
            unit_cost,
            received_days_ago,
        });
    }
    lots
}

/// `cost`, nudged a few fen until no earlier lot has the same unit cost: cheap goods round
/// to equal costs, and equal costs would make FIFO indistinguishable from averaging.
fn distinct_cost(price: i64, mut cost: i64, earlier: &[DemoLot]) -> i64 {
    // Step away from whichever bound is nearer so the margin stays within 15%..60%.
    let step = if cost * 1000 > price * (MIN_COST_PERMILLE + MAX_COST_PERMILLE) / 2 {
        -3
    } else {
        3
    };
    while earlier.iter().any(|lot| lot.unit_cost == cost) {
        cost += step;
    }
    cost
}

/// How many days ago each of `count` lots arrived, oldest first: the newest within the
/// last month, and one to six weeks between deliveries, so at most 165 days back.
fn received_days(rng: &mut Rng, count: usize) -> [u32; 4] {
    let mut days = [0; 4];
    let mut day = rng.u32(0..=30);
    for slot in days[..count].iter_mut().rev() {
        *slot = day;
        day += rng.u32(7..=45);
    }
    days
}

/// Units in one lot: hundreds of cheap goods, a handful of expensive ones; lots of twenty
/// or more come in whole cartons of five.
fn quantity(rng: &mut Rng, price: i64) -> i64 {
    let (low, high) = match price {
        ..10_000 => (40, 500),
        10_000..100_000 => (20, 200),
        100_000..500_000 => (5, 60),
        _ => (3, 30),
    };
    let quantity = rng.i64(low..=high);
    if quantity >= 20 {
        quantity - quantity % 5
    } else {
        quantity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cheap_goods_still_get_distinct_costs_within_the_margin_band() {
        let mut rng = Rng::with_seed(11);
        for price in [100, 900, 1_900, 3_900, 99_900, 1_299_900] {
            for _ in 0..500 {
                let lots = lots(&mut rng, price);
                for (i, lot) in lots.iter().enumerate() {
                    assert!(lot.unit_cost < price && lot.unit_cost >= 0);
                    assert!(
                        lots[..i].iter().all(|other| other.unit_cost != lot.unit_cost),
                        "{lots:?}"
                    );
                    if price >= 900 {
                        // Within 15%..60% margin, give or take the nudges of distinct_cost.
                        assert!(lot.unit_cost * 1000 <= price * 860, "{price}: {lots:?}");
                        assert!(lot.unit_cost * 1000 >= price * 390, "{price}: {lots:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn expensive_goods_come_in_smaller_lots() {
        let mut rng = Rng::with_seed(5);
        let total = |rng: &mut Rng, price| (0..200).map(|_| quantity(rng, price)).sum::<i64>();
        assert!(total(&mut rng, 1_000) > 4 * total(&mut rng, 800_000));
    }
}
