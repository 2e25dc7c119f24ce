//! Choosing the best `n` of a scored list with the crate's one ordering: higher score
//! first, then the smaller id.

use std::cmp::Ordering;

/// The crate's order for `(id, score)`: higher score first, ties by the smaller id.
pub(crate) fn better<I: Ord>(a: &(I, f64), b: &(I, f64)) -> Ordering {
    b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0))
}

/// Keeps the best `n` entries of `v`, sorted best first.
pub(crate) fn top_n<I: Ord + Copy>(v: &mut Vec<(I, f64)>, n: usize) {
    if n == 0 {
        v.clear();
        return;
    }
    if v.len() > n {
        v.select_nth_unstable_by(n - 1, better);
        v.truncate(n);
    }
    v.sort_unstable_by(better);
}

/// The best `limit` candidates that `keep` accepts, best first.
///
/// Sorting every candidate would cost most of a request when there are thousands, so
/// this sorts a prefix twice the size needed and only looks further when `keep`
/// rejected too many of it.
pub(crate) fn best_kept(mut candidates: Vec<(u32, f64)>, limit: usize, keep: impl Fn(u32) -> bool) -> Vec<(u32, f64)> {
    let mut out = Vec::with_capacity(limit.min(candidates.len()));
    let mut start = 0;
    let mut chunk = limit.saturating_mul(2).max(16);
    while out.len() < limit && start < candidates.len() {
        let rest = &mut candidates[start..];
        let take = chunk.min(rest.len());
        if take < rest.len() {
            rest.select_nth_unstable_by(take - 1, better);
        }
        rest[..take].sort_unstable_by(better);
        for &c in &rest[..take] {
            if keep(c.0) {
                out.push(c);
                if out.len() == limit {
                    break;
                }
            }
        }
        start += take;
        chunk = chunk.saturating_mul(2);
    }
    out
}
