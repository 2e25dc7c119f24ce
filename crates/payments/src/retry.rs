//! When a provider tries again to deliver a notification the shop did not acknowledge.

use std::time::Duration;

/// How many deliveries of one notification are made before giving up (the first one
/// included). With the schedule of [`retry_delay`] the last comes about three hours after
/// the first.
pub const MAX_ATTEMPTS: u32 = 15;

/// The longest wait between two deliveries.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(60 * 60);

/// How long to wait after delivery number `attempt` was not acknowledged with a 2xx,
/// before delivering again; `None` means give up.
///
/// Delivery 1 is retried after 1 s, then 2, 4, 8 … seconds, capped at
/// [`MAX_RETRY_DELAY`]; there is no jitter, so tests can rely on the exact schedule.
/// `attempt` 0 (nothing delivered yet) gives zero: the first delivery is immediate.
/// From `attempt` [`MAX_ATTEMPTS`] on, the answer is `None`.
pub fn retry_delay(attempt: u32) -> Option<Duration> {
    if attempt >= MAX_ATTEMPTS {
        return None;
    }
    let Some(doublings) = attempt.checked_sub(1) else {
        return Some(Duration::ZERO);
    };
    // checked_shl only refuses shifts of 64 or more; anything that large is past the cap
    // anyway, so MAX_ATTEMPTS can grow without this overflowing.
    let secs = 1u64.checked_shl(doublings).unwrap_or(u64::MAX);
    Some(Duration::from_secs(secs).min(MAX_RETRY_DELAY))
}
