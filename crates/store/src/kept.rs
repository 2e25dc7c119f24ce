//! A value read from the database and kept for a few seconds: the category tree, the
//! pricing rules. Changes made by this instance forget it at once; another instance's
//! reach it when it grows old (its time to live).
//!
//! Two rules keep it correct and cheap:
//! - a read that began before a change does not put back what it read (each change bumps
//!   a generation, and a read quotes the generation it began under, as the product cache
//!   does with its tickets);
//! - when the value grows old, one caller reads it again while every other keeps using
//!   the old one until it is done. Without that, every request running at that moment
//!   read it at once, every few seconds: the checkout benchmark's p99 showed it, the
//!   category tree counting 100,000 products for each of 64 checkouts.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The kept value.
#[derive(Debug)]
pub(crate) struct Kept<T> {
    ttl: Duration,
    state: Mutex<State<T>>,
}

#[derive(Debug)]
struct State<T> {
    /// Bumped by every change made here.
    generation: u64,
    /// The value and when it was read.
    value: Option<(Instant, Arc<T>)>,
    /// Whether a caller is reading it again.
    refreshing: bool,
}

/// What a caller of [`Kept::get`] should do.
pub(crate) enum Lookup<T> {
    /// Use this.
    Kept(Arc<T>),
    /// Read the value, then [`Kept::put`] it under this generation.
    Read(u64),
}

impl<T> Kept<T> {
    /// Nothing kept yet; a value is used for `ttl` after it was read.
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            state: Mutex::new(State {
                generation: 0,
                value: None,
                refreshing: false,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State<T>> {
        // Each method is one short update; a poisoned lock is used on.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The kept value, or the generation to read one under.
    pub(crate) fn get(&self) -> Lookup<T> {
        let mut state = self.lock();
        let generation = state.generation;
        match &state.value {
            Some((at, value)) if at.elapsed() < self.ttl => Lookup::Kept(Arc::clone(value)),
            Some((_, value)) if state.refreshing => Lookup::Kept(Arc::clone(value)),
            Some(_) => {
                state.refreshing = true;
                Lookup::Read(generation)
            }
            None => Lookup::Read(generation),
        }
    }

    /// Keeps `value` read under `generation` (unless a change came since), or, with
    /// `None`, gives up a failed read so another caller may try.
    pub(crate) fn put(&self, generation: u64, value: Option<Arc<T>>) {
        let mut state = self.lock();
        state.refreshing = false;
        if let Some(value) = value
            && state.generation == generation
        {
            state.value = Some((Instant::now(), value));
        }
    }

    /// Forgets the value (it changed here).
    pub(crate) fn clear(&self) {
        let mut state = self.lock();
        state.generation += 1;
        state.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_caller_refreshes_an_old_value_while_the_others_keep_using_it() {
        let kept = Kept::new(Duration::ZERO);
        let Lookup::Read(g) = kept.get() else {
            panic!("nothing kept yet")
        };
        kept.put(g, Some(Arc::new(1)));
        // Old at once (ttl zero): the first caller reads again, the next uses the old value.
        let Lookup::Read(g) = kept.get() else {
            panic!("the first refreshes")
        };
        assert!(matches!(kept.get(), Lookup::Kept(v) if *v == 1));
        kept.put(g, Some(Arc::new(2)));
        assert!(
            matches!(kept.get(), Lookup::Read(_)),
            "old again, and no one refreshing"
        );
    }

    #[test]
    fn a_read_from_before_a_change_is_not_kept() {
        let kept = Kept::new(Duration::from_secs(60));
        let Lookup::Read(g) = kept.get() else {
            panic!("nothing kept yet")
        };
        kept.clear();
        kept.put(g, Some(Arc::new(1)));
        assert!(matches!(kept.get(), Lookup::Read(_)));
        let Lookup::Read(g) = kept.get() else {
            panic!("still nothing")
        };
        kept.put(g, Some(Arc::new(2)));
        assert!(matches!(kept.get(), Lookup::Kept(v) if *v == 2));
    }
}
