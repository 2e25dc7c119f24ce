//! Each item's top-k most similar items, computed on every core.
//!
//! For item `i` the co-buyer counts come from walking its buyers' item lists into a
//! dense counter, so the whole build costs `Σ_users |items(u)|²` increments and holds
//! one counter array per thread plus `k` neighbours per item: bounded memory, no
//! item × item matrix.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Model, to_u32};
use crate::cosine;
use crate::rank::top_n;

/// Items handed to a thread at a time: small enough to balance popular (expensive)
/// items across threads, large enough that the shared counter is not contended.
const CHUNK: usize = 128;

/// One finished chunk: its first item, then each item's neighbour count, neighbours
/// and common-buyer counts.
struct Chunk {
    start: usize,
    lengths: Vec<u32>,
    neighbours: Vec<u32>,
    common: Vec<u32>,
}

/// The neighbour CSR (offsets, neighbours, common-buyer counts), best first per item.
pub(super) fn item_neighbours(model: &Model, k: usize) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let n_items = model.items();
    if k == 0 {
        return (vec![0; n_items + 1], Vec::new(), Vec::new());
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(n_items.div_ceil(CHUNK))
        .max(1);
    let next = AtomicUsize::new(0);
    let mut chunks: Vec<Chunk> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(|| worker(model, k, &next))).collect();
        workers
            .into_iter()
            .flat_map(|w| match w.join() {
                Ok(chunks) => chunks,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    chunks.sort_unstable_by_key(|c| c.start);

    let total: usize = chunks.iter().map(|c| c.neighbours.len()).sum();
    let mut offsets = Vec::with_capacity(n_items + 1);
    offsets.push(0u32);
    let mut neighbours = Vec::with_capacity(total);
    let mut common = Vec::with_capacity(total);
    for chunk in chunks {
        for len in chunk.lengths {
            let last = offsets.last().copied().unwrap_or(0);
            offsets.push(last + len);
        }
        neighbours.extend(chunk.neighbours);
        common.extend(chunk.common);
    }
    (offsets, neighbours, common)
}

fn worker(model: &Model, k: usize, next: &AtomicUsize) -> Vec<Chunk> {
    let n_items = model.items();
    let mut counts = vec![0u32; n_items];
    let mut touched: Vec<u32> = Vec::new();
    let mut candidates: Vec<(u32, f64)> = Vec::new();
    let mut done = Vec::new();
    loop {
        let start = next.fetch_add(CHUNK, Ordering::Relaxed);
        if start >= n_items {
            return done;
        }
        let end = (start + CHUNK).min(n_items);
        let mut chunk = Chunk {
            start,
            lengths: Vec::with_capacity(end - start),
            neighbours: Vec::new(),
            common: Vec::new(),
        };
        for i in start..end {
            let i = to_u32(i);
            for &u in model.buyers_of(i) {
                for &j in model.items_of(u) {
                    if j != i {
                        if counts[j as usize] == 0 {
                            touched.push(j);
                        }
                        counts[j as usize] += 1;
                    }
                }
            }
            let degree = model.buyer_count(i);
            candidates.clear();
            candidates.extend(
                touched
                    .iter()
                    .map(|&j| (j, cosine(counts[j as usize], degree, model.buyer_count(j)))),
            );
            top_n(&mut candidates, k);
            chunk.lengths.push(to_u32(candidates.len()));
            for &(j, _) in &candidates {
                chunk.neighbours.push(j);
                chunk.common.push(counts[j as usize]);
            }
            for &j in &touched {
                counts[j as usize] = 0;
            }
            touched.clear();
        }
        done.push(chunk);
    }
}
