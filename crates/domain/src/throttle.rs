//! Login throttling (OWASP ASVS 2.2.1): online password guessing stays as slow as ten
//! guesses per account per quarter hour, yet nobody can lock an account's owner out.
//!
//! Every attempt is taken from a few *buckets* before the password is checked, all or
//! none, atomically in the database (so no more than a bucket's budget is ever checked
//! per window, however many requests race, on any number of instances):
//! - the pair (username, client address): [`PER_PAIR`] attempts; an attacker's address
//!   runs dry without touching anyone else's;
//! - the client address across usernames: [`PER_ADDRESS`] attempts (spraying one
//!   password over many names);
//! - the username from *strangers*, addresses it has never logged in from:
//!   [`PER_ACCOUNT_FROM_STRANGERS`] attempts, shared by all of them, so a botnet of
//!   many addresses guesses no faster than one address did.
//!
//! An address the account logged in from within [`KNOWN_FOR`] is not a stranger: its
//! attempts draw only on its own pair and address buckets, so the owner gets in from
//! their usual places while strangers have spent the account's budget. A successful
//! login empties its pair bucket and gives its attempt back to the others, so only
//! failures use them up. Buckets are fixed windows of [`WINDOW`] from their
//! first attempt.

use std::time::Duration;

use crate::time::Timestamp;

/// How long a bucket's budget lasts, from its first attempt.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Attempts one address may make at one username per window.
pub const PER_PAIR: i64 = 10;
/// Attempts one address may make over all usernames per window.
pub const PER_ADDRESS: i64 = 100;
/// Attempts at one username per window from all the addresses it never logged in from.
pub const PER_ACCOUNT_FROM_STRANGERS: i64 = 10;
/// How long a successful login makes its address known to the account.
pub const KNOWN_FOR: Duration = Duration::from_secs(90 * 24 * 3600);

/// A budget of attempts per [`WINDOW`], by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// What is counted (`pair:<username key>@<address>`, `address:…`, `account:…`).
    pub key: String,
    /// How many attempts it allows per window.
    pub budget: i64,
}

/// The buckets a login attempt draws on. `username_key` is `None` for a name that could
/// never have registered (only the address pays); `known` says whether the account has
/// logged in from `address` within [`KNOWN_FOR`].
pub fn login_buckets(username_key: Option<&str>, address: &str, known: bool) -> Vec<Bucket> {
    let mut buckets = vec![address_bucket(address)];
    if let Some(username) = username_key {
        buckets.push(pair_bucket(username, address));
        if !known {
            buckets.push(account_bucket(username));
        }
    }
    buckets
}

/// The bucket of one address over all usernames.
pub fn address_bucket(address: &str) -> Bucket {
    Bucket {
        key: format!("address:{address}"),
        budget: PER_ADDRESS,
    }
}

/// The bucket of one username from all the addresses it never logged in from.
pub fn account_bucket(username_key: &str) -> Bucket {
    Bucket {
        key: format!("account:{username_key}"),
        budget: PER_ACCOUNT_FROM_STRANGERS,
    }
}

/// The bucket of one username from one address (emptied by a successful login).
pub fn pair_bucket(username_key: &str, address: &str) -> Bucket {
    Bucket {
        key: format!("pair:{username_key}@{address}"),
        budget: PER_PAIR,
    }
}

/// The bucket a password change draws on: a stolen session guesses the current password
/// no faster than the login form allows.
pub fn password_change_bucket(user_id: i64) -> Bucket {
    Bucket {
        key: format!("password-change:{user_id}"),
        budget: PER_PAIR,
    }
}

/// Whether an attempt may go on, given its bucket's count (this attempt included) and
/// when the bucket's window opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password.
    Allowed,
    /// Refuse without checking; try again after this long.
    Refused {
        /// Until the bucket's window closes (at least a second).
        retry_after: Duration,
    },
}

/// Decides for one bucket after its count was taken.
pub fn verdict(bucket: &Bucket, attempts: i64, window_opened: Timestamp, now: Timestamp) -> Verdict {
    if attempts <= bucket.budget {
        return Verdict::Allowed;
    }
    let closes = window_opened.plus(WINDOW);
    let wait_ms = (closes.millis() - now.millis()).max(1000);
    Verdict::Refused {
        retry_after: Duration::from_millis(wait_ms.unsigned_abs()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_exact_and_the_wait_runs_to_the_end_of_the_window() {
        let opened = Timestamp::from_millis(1_000_000_000);
        let now = Timestamp::from_millis(opened.millis() + 60_000);
        let pair = pair_bucket("alice", "203.0.113.9");
        assert_eq!(verdict(&pair, PER_PAIR, opened, now), Verdict::Allowed);
        assert_eq!(
            verdict(&pair, PER_PAIR + 1, opened, now),
            Verdict::Refused {
                retry_after: Duration::from_secs(14 * 60)
            }
        );
        let late = Timestamp::from_millis(opened.millis() + WINDOW.as_millis() as i64);
        assert_eq!(
            verdict(&pair, PER_PAIR + 1, opened, late),
            Verdict::Refused {
                retry_after: Duration::from_secs(1)
            }
        );
    }

    #[test]
    fn strangers_share_the_account_budget_and_known_addresses_skip_it() {
        let keys = |known| -> Vec<String> {
            login_buckets(Some("alice"), "198.51.100.7", known)
                .into_iter()
                .map(|b| b.key)
                .collect()
        };
        assert_eq!(
            keys(false),
            ["address:198.51.100.7", "pair:alice@198.51.100.7", "account:alice"]
        );
        assert_eq!(keys(true), ["address:198.51.100.7", "pair:alice@198.51.100.7"]);
        let junk: Vec<String> = login_buckets(None, "198.51.100.7", false)
            .into_iter()
            .map(|b| b.key)
            .collect();
        assert_eq!(junk, ["address:198.51.100.7"]);
    }
}
