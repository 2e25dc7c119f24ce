//! Splitting one amount across several lines exactly: the largest remainder method.
//!
//! A cart-level discount (满减, a coupon on several lines, a percentage on a set of
//! lines) is shared among the lines it covers in proportion to their amounts. Each share
//! is first rounded down; the fen left over go one each to the lines that lost the most
//! to that rounding. The shares therefore always add up to the discount exactly, which is
//! what lets a refund return a line's share and nothing more. This is the only place in
//! the pricing engine that splits money.

/// Splits `amount` across `weights` in proportion to them, by the largest remainder
/// method, so that the shares add up to `amount` exactly.
///
/// Each share is `⌊amount × weight / Σweights⌋`, and the units still missing go one each
/// to the largest fractional remainders (ties to the earlier weight). `amount` is first
/// clamped to `0 ..= Σweights`, so no share ever exceeds its weight, a zero weight
/// gets nothing, and all-zero weights get all zeros. Negative weights count as zero.
pub fn largest_remainder(amount: i64, weights: &[i64]) -> Vec<i64> {
    let weights: Vec<i128> = weights.iter().map(|&w| i128::from(w.max(0))).collect();
    let total: i128 = weights.iter().sum();
    if total == 0 {
        return vec![0; weights.len()];
    }
    let amount = i128::from(amount).clamp(0, total);
    let mut shares: Vec<i128> = weights.iter().map(|w| amount * w / total).collect();
    let mut left = amount - shares.iter().sum::<i128>();
    // Remainders are compared as numerators over the same denominator (`total`).
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(amount * weights[i] % total));
    for i in order {
        if left == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    // Every share is at most its weight (an i64), so the conversion cannot fail.
    shares
        .into_iter()
        .map(|s| i64::try_from(s).unwrap_or(i64::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shares_follow_the_weights() {
        assert_eq!(largest_remainder(100, &[100, 100]), [50, 50]);
        assert_eq!(largest_remainder(30, &[100, 200]), [10, 20]);
        assert_eq!(largest_remainder(0, &[5, 5]), [0, 0]);
    }

    #[test]
    fn leftover_fen_go_to_the_largest_remainders() {
        // 100 over three equal lines: 33.3 each; the one fen left goes to the first.
        assert_eq!(largest_remainder(100, &[500, 500, 500]), [34, 33, 33]);
        // 10 over 1/2/7 of 10: 1, 2, 7 exactly.
        assert_eq!(largest_remainder(10, &[100, 200, 700]), [1, 2, 7]);
        // 5 over 3, 3, 4 (of 10): 1.5, 1.5, 2.0 → floors 1, 1, 2 and one fen to the first 0.5.
        assert_eq!(largest_remainder(5, &[3, 3, 4]), [2, 1, 2]);
        // 7 over 10, 20 → 2.33, 4.67: the larger remainder (the second) takes the fen.
        assert_eq!(largest_remainder(7, &[10, 20]), [2, 5]);
    }

    #[test]
    fn edge_cases() {
        assert_eq!(largest_remainder(10, &[]), Vec::<i64>::new());
        assert_eq!(largest_remainder(10, &[0, 0]), [0, 0]);
        assert_eq!(largest_remainder(10, &[0, 4]), [0, 4], "clamped to the total weight");
        assert_eq!(largest_remainder(-3, &[1, 2]), [0, 0]);
        assert_eq!(largest_remainder(3, &[-5, 2]), [0, 2]);
    }

    proptest! {
        #[test]
        fn shares_add_up_exactly_and_never_exceed_their_weight(
            amount in 0i64..10_000_000,
            weights in proptest::collection::vec(0i64..5_000_000, 0..12),
        ) {
            let shares = largest_remainder(amount, &weights);
            let total: i64 = weights.iter().sum();
            prop_assert_eq!(shares.len(), weights.len());
            prop_assert_eq!(shares.iter().sum::<i64>(), amount.min(total));
            for (s, w) in shares.iter().zip(&weights) {
                prop_assert!(*s >= 0 && s <= w, "share {} of weight {}", s, w);
            }
        }

        #[test]
        fn each_share_is_within_one_fen_of_its_exact_proportion(
            amount in 0i64..1_000_000,
            weights in proptest::collection::vec(1i64..1_000_000, 1..12),
        ) {
            let total: i64 = weights.iter().sum();
            let amount = amount.min(total);
            for (s, w) in largest_remainder(amount, &weights).iter().zip(&weights) {
                let exact_floor = i128::from(amount) * i128::from(*w) / i128::from(total);
                let s = i128::from(*s);
                prop_assert!(s == exact_floor || s == exact_floor + 1);
            }
        }
    }
}
