//! Login throttling: after too many failures for one username, refuse further attempts
//! for a while, whatever the password, so passwords cannot be guessed online.

use std::time::Duration;

use crate::time::Timestamp;

/// Failures allowed for one username inside [`WINDOW`] before logins are refused.
pub const MAX_FAILURES: u32 = 10;
/// The sliding window over which failures are counted.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Whether a login attempt may proceed, given the failures recorded in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password.
    Allowed,
    /// Refuse without checking; try again after this long.
    Locked {
        /// Time until the oldest counted failure leaves the window.
        retry_after: Duration,
    },
}

/// Decides from the failures within the window: how many, and the oldest of them.
/// `recent` must count only failures newer than `now - WINDOW`.
pub fn verdict(now: Timestamp, recent: u32, oldest: Option<Timestamp>) -> Verdict {
    match oldest {
        Some(oldest) if recent >= MAX_FAILURES => {
            let frees_at = oldest.plus(WINDOW);
            let wait_ms = (frees_at.millis() - now.millis()).max(1000);
            Verdict::Locked {
                retry_after: Duration::from_millis(wait_ms.unsigned_abs()),
            }
        }
        _ => Verdict::Allowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_at_the_tenth_failure_until_the_oldest_expires() {
        let now = Timestamp::from_millis(1_000_000_000);
        let oldest = Timestamp::from_millis(now.millis() - 60_000);
        assert_eq!(verdict(now, 9, Some(oldest)), Verdict::Allowed);
        assert_eq!(
            verdict(now, 10, Some(oldest)),
            Verdict::Locked {
                retry_after: Duration::from_secs(14 * 60)
            }
        );
        assert_eq!(verdict(now, 0, None), Verdict::Allowed);
    }

    #[test]
    fn retry_after_is_at_least_a_second() {
        let now = Timestamp::from_millis(10_000_000);
        let oldest = Timestamp::from_millis(now.millis() - WINDOW.as_millis() as i64);
        assert_eq!(
            verdict(now, 10, Some(oldest)),
            Verdict::Locked {
                retry_after: Duration::from_secs(1)
            }
        );
    }
}
