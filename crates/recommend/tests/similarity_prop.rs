//! Every score the model serves equals the formula computed by brute force on random
//! small shops, and survives the bytes round trip.

use std::collections::{BTreeMap, BTreeSet};

use emporium_recommend::{Interactions, Model, Params};
use proptest::prelude::*;

type Sets = BTreeMap<i64, BTreeSet<i64>>;

fn cos(a: &BTreeSet<i64>, b: &BTreeSet<i64>) -> f64 {
    emporium_recommend::cosine(a.intersection(b).count() as u32, a.len() as u32, b.len() as u32)
}

/// Best first, ties by the smaller id, zero similarities dropped.
fn ranked(mut v: Vec<(i64, f64)>) -> Vec<(i64, f64)> {
    v.retain(|&(_, s)| s > 0.0);
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

fn invert(sets: &Sets) -> Sets {
    let mut out = Sets::new();
    for (&k, vs) in sets {
        for &v in vs {
            out.entry(v).or_default().insert(k);
        }
    }
    out
}

fn shop() -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((0i64..9, 100i64..110), 0..60)
}

proptest! {
    #[test]
    fn scores_match_brute_force(pairs in shop(), k in 1usize..12, neighbours in 1usize..12) {
        let params = Params { item_neighbours: k, user_neighbours: neighbours, ..Params::default() };
        let model = Model::fit(&Interactions::from_pairs(pairs.clone()), |_| None, &params);
        let mut users = Sets::new();
        for &(u, i) in &pairs {
            users.entry(u).or_default().insert(i);
        }
        let buyers = invert(&users);

        // Item neighbours: cosine over buyers, top k.
        let mut top_k = BTreeMap::new();
        for (&a, ba) in &buyers {
            let mut all = ranked(buyers.iter().filter(|&(&b, _)| b != a).map(|(&b, bb)| (b, cos(ba, bb))).collect());
            all.truncate(k);
            let got: Vec<(i64, f64)> = model.also_bought(a, 100, |_| true).iter().map(|s| (s.item, s.score)).collect();
            prop_assert_eq!(&got, &all, "also_bought({})", a);
            top_k.insert(a, all);
        }

        for (&u, bought) in &users {
            // Item-based: Σ over the user's items j of sim(j, i) for i in j's top k.
            let mut sums: BTreeMap<i64, f64> = BTreeMap::new();
            for j in bought {
                for &(i, s) in &top_k[j] {
                    if !bought.contains(&i) {
                        *sums.entry(i).or_default() += s;
                    }
                }
            }
            let want = ranked(sums.into_iter().collect());
            let got: Vec<(i64, f64)> = model.item_based_for_user(u, 100, |_| true).iter().map(|s| (s.item, s.score)).collect();
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert!((g.1 - w.1).abs() < 1e-9, "item-based {u}: {got:?} vs {want:?}");
            }

            // User-based: top neighbours by cosine over items; Σ of their similarities,
            // added best neighbour first as the model does.
            let mut near = ranked(users.iter().filter(|&(&v, _)| v != u).map(|(&v, iv)| (v, cos(bought, iv))).collect());
            near.truncate(neighbours);
            let mut sums: BTreeMap<i64, f64> = BTreeMap::new();
            for &(v, s) in &near {
                for i in &users[&v] {
                    if !bought.contains(i) {
                        *sums.entry(*i).or_default() += s;
                    }
                }
            }
            let want = ranked(sums.into_iter().collect());
            if !want.is_empty() {
                let (got, _) = model.for_user(u, want.len(), |_| true);
                let got: Vec<(i64, f64)> = got.iter().map(|s| (s.item, s.score)).collect();
                prop_assert_eq!(&got, &want, "for_user({})", u);
            }
        }

        let back = Model::from_bytes(&model.to_bytes()).unwrap();
        prop_assert_eq!(back, model);
    }
}
