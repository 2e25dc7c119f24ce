//! Keeps a Redis outage cheap for requests: after Redis fails to answer it is skipped for
//! a short pause (then one request at a time probes it), and warnings are logged at most
//! once per interval, each saying how many failures it stands for.
//!
//! Time is passed in (`now`) rather than read here, so the tests move it instead of sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Failure bookkeeping for one Redis-backed cache.
#[derive(Debug)]
pub(super) struct Outage {
    /// The zero of the millisecond clock kept in the atomics below.
    origin: Instant,
    /// How long Redis is skipped after it failed to answer.
    pause: u64,
    /// The least time between two warnings.
    warn_every: u64,
    /// Tick (see [`Outage::tick`]) until which Redis is skipped; 0 while it is healthy.
    /// An atomic, not a lock, because every cache read checks it.
    skip_until: AtomicU64,
    /// Tick of the last warning; 0 before the first.
    last_warning: AtomicU64,
    /// Failures since the last warning that were not logged.
    unlogged: AtomicU64,
}

impl Outage {
    /// Bookkeeping that skips Redis for `pause` after it fails to answer and warns at most
    /// once per `warn_every`.
    pub(super) fn new(now: Instant, pause: Duration, warn_every: Duration) -> Self {
        Self {
            origin: now,
            pause: millis(pause),
            warn_every: millis(warn_every),
            skip_until: AtomicU64::new(0),
            last_warning: AtomicU64::new(0),
            unlogged: AtomicU64::new(0),
        }
    }

    /// Whether a request may use Redis at `now`. During a pause it may not; when a pause
    /// ends exactly one caller is let through to probe, and the pause is extended for
    /// everyone else until that probe reports, so a dead server costs one waiting request
    /// per pause rather than every request at once.
    pub(super) fn admit(&self, now: Instant) -> bool {
        let until = self.skip_until.load(Ordering::Relaxed);
        if until == 0 {
            return true;
        }
        let now = self.tick(now);
        if now < until {
            return false;
        }
        self.skip_until
            .compare_exchange(
                until,
                now.saturating_add(self.pause),
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .is_ok()
    }

    /// Records that Redis answered: the outage, if any, is over.
    pub(super) fn succeeded(&self) {
        // Load first: an unconditional store would make every read write a shared cache line.
        if self.skip_until.load(Ordering::Relaxed) != 0 {
            self.skip_until.store(0, Ordering::Relaxed);
        }
    }

    /// Records a failure at `now`; `unavailable` (no answer: I/O error or timeout) starts a
    /// pause, while an error answer (say, out of memory) does not, since Redis still
    /// answers quickly. Returns `Some(n)` when this failure should be logged, `n` being the
    /// failures left unlogged since the previous warning; `None` when it should stay quiet.
    pub(super) fn failed(&self, now: Instant, unavailable: bool) -> Option<u64> {
        let now = self.tick(now);
        if unavailable {
            self.skip_until.store(now.saturating_add(self.pause), Ordering::Relaxed);
        }
        let last = self.last_warning.load(Ordering::Relaxed);
        let due = last == 0 || now.saturating_sub(last) >= self.warn_every;
        // The exchange makes sure that of several failures at once only one warns.
        if due
            && self
                .last_warning
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            return Some(self.unlogged.swap(0, Ordering::Relaxed));
        }
        self.unlogged.fetch_add(1, Ordering::Relaxed);
        None
    }

    /// Milliseconds since `origin`, plus one so that 0 can mean "never".
    fn tick(&self, now: Instant) -> u64 {
        millis(now.saturating_duration_since(self.origin)).saturating_add(1)
    }
}

/// Whole milliseconds in `d`, saturating (no process runs for 500 million years).
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAUSE: Duration = Duration::from_secs(1);
    const WARN_EVERY: Duration = Duration::from_secs(10);

    fn outage() -> (Outage, Instant) {
        let start = Instant::now();
        (Outage::new(start, PAUSE, WARN_EVERY), start)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_healthy_redis_is_always_used() {
        let (o, t) = outage();
        assert!(o.admit(t));
        assert!(o.admit(t + ms(5)));
    }

    #[test]
    fn no_answer_skips_redis_for_the_pause_then_lets_one_probe_through() {
        let (o, t) = outage();
        o.failed(t, true);
        assert!(!o.admit(t + ms(1)));
        assert!(!o.admit(t + ms(999)));
        // The pause is over: the first caller probes, the others keep skipping.
        assert!(o.admit(t + ms(1000)));
        assert!(!o.admit(t + ms(1000)));
        assert!(!o.admit(t + ms(1500)));
        // The probe answered: everyone is back.
        o.succeeded();
        assert!(o.admit(t + ms(1501)));
        assert!(o.admit(t + ms(1501)));
    }

    #[test]
    fn a_probe_that_never_reports_does_not_block_redis_forever() {
        let (o, t) = outage();
        o.failed(t, true);
        assert!(o.admit(t + ms(1000)));
        // Its request was cancelled, say; one pause later another caller probes.
        assert!(!o.admit(t + ms(1999)));
        assert!(o.admit(t + ms(2000)));
    }

    #[test]
    fn an_error_answer_warns_but_does_not_pause() {
        let (o, t) = outage();
        assert_eq!(o.failed(t, false), Some(0));
        assert!(o.admit(t + ms(1)));
    }

    #[test]
    fn warnings_come_at_most_once_per_interval_and_count_the_quiet_failures() {
        let (o, t) = outage();
        assert_eq!(o.failed(t, true), Some(0), "the first failure warns");
        for i in 1..=99 {
            assert_eq!(o.failed(t + ms(i * 100), true), None, "failure at {i}00 ms stays quiet");
        }
        assert_eq!(
            o.failed(t + ms(10_000), true),
            Some(99),
            "ten seconds later: a warning for the 99 others"
        );
        assert_eq!(o.failed(t + ms(10_001), true), None);
        assert_eq!(o.failed(t + ms(20_000), true), Some(1));
    }

    #[test]
    fn concurrent_failures_warn_once() {
        let (o, t) = outage();
        let warned = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| o.failed(t, true).is_some())).collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .filter(|&w| w)
                .count()
        });
        assert_eq!(warned, 1);
        assert_eq!(o.failed(t + WARN_EVERY, true), Some(7));
    }
}
