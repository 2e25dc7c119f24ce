//! A five-user shop small enough to check every similarity by hand.
//!
//! Purchases (items 10–14; 10, 11, 13 are "tea", 12 and 14 are "cups"):
//!
//! | user | items        |
//! |------|--------------|
//! | 1    | 10, 11, 12   |
//! | 2    | 10, 11       |
//! | 3    | 11, 12, 13   |
//! | 4    | 10, 13       |
//! | 5    | 14           |
//!
//! Buyers: 10 → {1,2,4}, 11 → {1,2,3}, 12 → {1,3}, 13 → {3,4}, 14 → {5}.
//!
//! Item cosines, common / sqrt(buyers × buyers):
//! sim(10,11) = 2/√9 = 0.6667, sim(10,12) = 1/√6 = 0.4082, sim(10,13) = 1/√6 = 0.4082,
//! sim(11,12) = 2/√6 = 0.8165, sim(11,13) = 1/√6 = 0.4082, sim(12,13) = 1/√4 = 0.5;
//! 14 shares no buyer with anything.
//!
//! User cosines, common / sqrt(items × items):
//! sim(1,2) = 2/√6 = 0.8165, sim(1,3) = 2/√9 = 0.6667, sim(1,4) = 1/√6 = 0.4082,
//! sim(2,3) = 1/√6 = 0.4082, sim(2,4) = 1/√4 = 0.5, sim(3,4) = 1/√6 = 0.4082;
//! user 5 shares nothing with anyone.

use emporium_recommend::{Basis, DecodeError, EXACT_SCAN, Interactions, Model, Params, Scored};

const S6: f64 = 2.449_489_742_783_178; // √6

fn shop() -> Interactions {
    Interactions::from_pairs([
        (1, 10),
        (1, 11),
        (1, 12),
        (2, 10),
        (2, 11),
        (2, 10), // a repeat purchase counts once
        (3, 11),
        (3, 12),
        (3, 13),
        (4, 10),
        (4, 13),
        (5, 14),
    ])
}

fn category(item: i64) -> Option<String> {
    match item {
        10 | 11 | 13 => Some("tea".into()),
        12 | 14 => Some("cups".into()),
        _ => None,
    }
}

fn fit(params: &Params) -> Model {
    Model::fit(&shop(), category, params)
}

fn all(_: i64) -> bool {
    true
}

/// Items and scores, scores to 1e-12.
fn assert_list(got: &[Scored], want: &[(i64, f64)]) {
    let items: Vec<i64> = got.iter().map(|s| s.item).collect();
    let want_items: Vec<i64> = want.iter().map(|w| w.0).collect();
    assert_eq!(items, want_items, "items of {got:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g.score - w.1).abs() < 1e-12,
            "score of {}: {} vs {}",
            g.item,
            g.score,
            w.1
        );
    }
}

#[test]
fn sizes_count_distinct_purchases() {
    let model = fit(&Params::default());
    assert_eq!(shop().len(), 11);
    assert_eq!((model.users(), model.items(), model.interactions()), (5, 5, 11));
    assert!(Model::empty().also_bought(10, 5, all).is_empty());
    assert_eq!(Model::empty().interactions(), 0);
}

#[test]
fn also_bought_ranks_by_cosine_over_buyers_ties_by_smaller_id() {
    let model = fit(&Params::default());
    // 12 and 13 tie at 1/√6: the smaller id comes first.
    assert_list(
        &model.also_bought(10, 10, all),
        &[(11, 2.0 / 3.0), (12, 1.0 / S6), (13, 1.0 / S6)],
    );
    assert_list(
        &model.also_bought(12, 10, all),
        &[(11, 2.0 / S6), (13, 0.5), (10, 1.0 / S6)],
    );
    assert_list(&model.also_bought(12, 2, all), &[(11, 2.0 / S6), (13, 0.5)]);
    assert!(model.also_bought(14, 10, all).is_empty(), "nobody else bought 14");
    assert!(model.also_bought(99, 10, all).is_empty(), "unknown item");
}

#[test]
fn keep_filters_before_the_limit() {
    let model = fit(&Params::default());
    assert_list(&model.also_bought(12, 2, |i| i != 11), &[(13, 0.5), (10, 1.0 / S6)]);
    // 12 is rejected everywhere, top-up included: 13 from neighbours, then 14 by
    // popularity (tea, user 2's only category, has nothing left).
    let (list, basis) = model.for_user(2, 4, |i| i != 12);
    assert_list(&list, &[(13, 0.5 + 1.0 / S6), (14, 1.0)]);
    assert_eq!(basis, Basis::Personal);
}

#[test]
fn item_neighbour_lists_are_cut_at_k() {
    let model = fit(&Params {
        item_neighbours: 1,
        user_neighbours: 50,
        ..Params::default()
    });
    assert_list(&model.also_bought(10, 10, all), &[(11, 2.0 / 3.0)]);
    // User 2 = {10, 11}: 10's only neighbour is 11 (bought), 11's is 12.
    assert_list(&model.item_based_for_user(2, 10, all), &[(12, 2.0 / S6)]);
}

#[test]
fn for_user_sums_neighbour_similarities_and_skips_what_was_bought() {
    let model = fit(&Params::default());
    // User 2 = {10, 11}; neighbours 1 (0.8165), 4 (0.5), 3 (0.4082).
    // 12: users 1 and 3 → 2/√6 + 1/√6; 13: users 4 and 3 → 0.5 + 1/√6.
    let (list, basis) = model.for_user(2, 2, all);
    assert_list(&list, &[(12, 3.0 / S6), (13, 0.5 + 1.0 / S6)]);
    assert_eq!(basis, Basis::Personal);
    assert_eq!(model.bought(2), vec![10, 11]);

    // With one neighbour (user 1) only 12 comes from neighbours; the rest is popular:
    // tea (user 2's category) has only bought items left, so overall: 13 (2 buyers) and
    // 14 (1 buyer); 12 is not repeated.
    let one = fit(&Params {
        item_neighbours: 50,
        user_neighbours: 1,
        ..Params::default()
    });
    let (list, basis) = one.for_user(2, 4, all);
    assert_list(&list, &[(12, 2.0 / S6), (13, 2.0), (14, 1.0)]);
    assert_eq!(basis, Basis::Personal);
}

#[test]
fn item_based_for_user_sums_item_similarities() {
    let model = fit(&Params::default());
    // User 2 = {10, 11}: 12 ← sim(10,12) + sim(11,12) = 3/√6; 13 ← 1/√6 + 1/√6.
    assert_list(
        &model.item_based_for_user(2, 10, all),
        &[(12, 3.0 / S6), (13, 2.0 / S6)],
    );
    assert!(model.item_based_for_user(99, 10, all).is_empty());
}

#[test]
fn no_history_falls_back_to_popular_in_the_users_categories_then_overall() {
    let model = fit(&Params::default());
    // Unknown user: popular overall, ties (10 and 11, 3 buyers each) by smaller id.
    let (list, basis) = model.for_user(99, 3, all);
    assert_list(&list, &[(10, 3.0), (11, 3.0), (12, 2.0)]);
    assert_eq!(basis, Basis::Popular);

    // User 5 bought only 14, which nobody else bought: no neighbours. 14 is "cups", so
    // cups first (12), then overall (10, 11).
    let (list, basis) = model.for_user(5, 3, all);
    assert_list(&list, &[(12, 2.0), (10, 3.0), (11, 3.0)]);
    assert_eq!(basis, Basis::Popular);

    assert_list(&model.popular(2, |i| i != 10), &[(11, 3.0), (12, 2.0)]);
}

#[test]
fn bytes_round_trip_to_an_equal_model() {
    let model = fit(&Params::default());
    let bytes = model.to_bytes();
    let back = Model::from_bytes(&bytes).unwrap();
    assert_eq!(back, model);
    assert_eq!(back.for_user(2, 4, all), model.for_user(2, 4, all));
    assert_eq!(Model::from_bytes(&Model::empty().to_bytes()).unwrap(), Model::empty());
}

#[test]
fn garbage_bytes_are_an_error_not_a_panic() {
    assert!(matches!(Model::from_bytes(b""), Err(DecodeError::NotAModel)));
    assert!(matches!(Model::from_bytes(b"hello world"), Err(DecodeError::NotAModel)));
    let bytes = fit(&Params::default()).to_bytes();
    // Every truncation and every single-byte corruption either decodes to a model that
    // serves without panicking or is an error.
    for cut in 0..bytes.len() {
        assert!(Model::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    for at in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut damaged = bytes.clone();
            damaged[at] ^= flip;
            if let Ok(m) = Model::from_bytes(&damaged) {
                for u in 0..7 {
                    let _ = m.for_user(u, 5, all);
                    let _ = m.item_based_for_user(u, 5, all);
                }
                for i in 9..16 {
                    let _ = m.also_bought(i, 5, all);
                }
            }
        }
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(Model::from_bytes(&trailing).is_err());
}

/// 300 users over 40 items with skewed popularity (seeded): the best sellers have far
/// more than the 32 buyers a per-item scan is cut to at least.
fn skewed_shop() -> Interactions {
    let mut rng = fastrand::Rng::with_seed(7);
    let mut pairs = Vec::new();
    for user in 0..300i64 {
        for _ in 0..rng.usize(1..15) {
            let item = (rng.f64().powi(2) * 40.0) as i64;
            pairs.push((user, 1000 + item));
        }
    }
    Interactions::from_pairs(pairs)
}

#[test]
fn the_scan_budget_is_exact_when_generous_and_safe_when_tiny() {
    let shop = skewed_shop();
    let params = |scan_budget| Params {
        scan_budget,
        ..Params::default()
    };
    let exact = Model::fit(&shop, |_| None, &params(EXACT_SCAN));
    let generous = Model::fit(&shop, |_| None, &params(shop.len()));
    let tiny = Model::fit(&shop, |_| None, &params(1));
    assert_eq!(Params::default().scan_budget, 25_000);
    assert_eq!(tiny.params().scan_budget, 1);

    // Every user's items have at most `shop.len()` buyers in all: nothing is cut.
    let mut cut_differs = 0;
    for user in 0..300 {
        let want = exact.for_user(user, 10, all);
        assert_eq!(generous.for_user(user, 10, all), want, "user {user}");

        // A budget of 1 cuts every scan to 32 buyers per item: still a full list of
        // distinct items the user did not buy, none that `keep` rejects.
        let keep = |i: i64| i != 1000;
        let (list, _) = tiny.for_user(user, 10, keep);
        let bought = tiny.bought(user);
        let available = tiny.items() - bought.len() - usize::from(!bought.contains(&1000));
        assert_eq!(list.len(), 10.min(available), "user {user}: {list:?}");
        let mut items: Vec<i64> = list.iter().map(|s| s.item).collect();
        assert!(
            items.iter().all(|i| !bought.contains(i) && keep(*i)),
            "user {user}: {list:?}"
        );
        assert!(list.iter().all(|s| s.score.is_finite() && s.score > 0.0));
        items.sort_unstable();
        items.dedup();
        assert_eq!(items.len(), list.len(), "duplicates for user {user}: {list:?}");
        if tiny.for_user(user, 10, all) != want {
            cut_differs += 1;
        }
    }
    // The cut is real here (otherwise this test would not exercise it).
    assert!(cut_differs > 0, "a budget of 1 changed no list");

    // The budget is not in the bytes: a decoded model serves with the default until set.
    let mut back = Model::from_bytes(&tiny.to_bytes()).unwrap();
    assert_eq!(back.params().scan_budget, Params::default().scan_budget);
    back.set_scan_budget(1);
    assert_eq!(back, tiny);
}
