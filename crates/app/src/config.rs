//! The shop's settings, as the command line and the environment give them (see the
//! README's settings table); the defaults are the production ones.

use std::path::PathBuf;
use std::time::Duration;

/// The shop's settings that are not about where to listen or which database to use.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// bcrypt cost for new password hashes.
    pub bcrypt_cost: u32,
    /// How long a login session lasts.
    pub session_ttl: Duration,
    /// How long an order may stay unpaid before it is cancelled.
    pub payment_timeout: Duration,
    /// How long after an order is received its buyer may ask to return goods.
    pub return_window: Duration,
    /// Orders the in-process cache holds (when Redis is not used).
    pub order_cache_capacity: usize,
    /// Where this server is reached, for the sandbox provider's notifications.
    pub public_url: String,
    /// The sandbox provider's signing secret; `None` keeps one in the database.
    pub sandbox_secret: Option<String>,
    /// The shortest time between two rebuilds of the recommendation model (it is rebuilt
    /// only when orders have moved since).
    pub recommendations_refresh: Duration,
    /// Write rate limits per client address and per session.
    pub write_limits: WriteLimits,
    /// How long a refund may stay `processing` before the jobs ask its provider again
    /// (with the same idempotency key): the claimant's grace to record the answer itself.
    pub refund_retry_after: Duration,
    /// Where uploaded images are kept (`<data-dir>/media`).
    pub media_dir: PathBuf,
    /// The largest image file accepted, in bytes.
    pub max_upload_bytes: usize,
    /// How long a guest cart lives (its cookie or token).
    pub guest_cart_ttl: Duration,
    /// The shop's name, in the messages it sends.
    pub shop_name: String,
    /// The mail server (`EMPORIUM_SMTP_URL`, `EMPORIUM_MAIL_FROM`); `None` keeps emails
    /// `held`, shown in the admin as not sent.
    pub mail: Option<crate::messages::mail::MailConfig>,
    /// How young a `held` email must be to go out once a mail server is configured
    /// (`--mail-held-hours`); older ones are `skipped`. Zero: none goes out.
    pub mail_held_max_age: Duration,
    /// The SMS webhook (`EMPORIUM_SMS_URL`); `None` writes texts to the log.
    pub sms: Option<crate::messages::sms::SmsConfig>,
    /// The payment providers on besides the sandbox, and whether the sandbox is offered.
    pub payments: crate::payments::providers::PaymentSettings,
    /// The shop's time zone: the pages show times in it (`--time-zone`, default
    /// Asia/Shanghai). Everything stored stays in UTC milliseconds.
    pub time_zone: jiff::tz::TimeZone,
}

/// The time zone a shop has unless it says otherwise.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            bcrypt_cost: 12,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            payment_timeout: Duration::from_secs(30 * 60),
            return_window: emporium_domain::returns::DEFAULT_RETURN_WINDOW,
            order_cache_capacity: 10_000,
            public_url: "http://127.0.0.1:8080".into(),
            sandbox_secret: None,
            recommendations_refresh: Duration::from_secs(60),
            write_limits: WriteLimits::default(),
            refund_retry_after: Duration::from_secs(60),
            media_dir: PathBuf::from("./emporium-data/media"),
            max_upload_bytes: crate::media::DEFAULT_MAX_UPLOAD_BYTES,
            guest_cart_ttl: crate::guests::DEFAULT_CART_TTL,
            shop_name: "Emporium".into(),
            mail: None,
            mail_held_max_age: crate::messages::DEFAULT_HELD_MAX_AGE,
            sms: None,
            payments: crate::payments::providers::PaymentSettings::default(),
            // The zone database is built in (jiff's bundled tzdb), so this name resolves.
            time_zone: jiff::tz::TimeZone::get(DEFAULT_TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC),
        }
    }
}

/// Write budgets: sustained writes per second, with bursts of twice that. `0` turns a
/// limit off (for load tests; never in production).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteLimits {
    /// Writes per second per client address.
    pub per_address: u32,
    /// Writes per second per session (bearer token or session cookie).
    pub per_session: u32,
    /// Take the client address from the last `X-Forwarded-For` entry (set by the load
    /// balancer in front) instead of the TCP peer. Only safe when every request comes
    /// through that balancer, or clients could name any address they like.
    pub trust_forwarded_for: bool,
}

impl Default for WriteLimits {
    /// Generous enough for a whole office behind one NAT address checking out at once,
    /// and for a shopper's fastest clicking; far below what a script can send.
    fn default() -> Self {
        Self {
            per_address: 50,
            per_session: 10,
            trust_forwarded_for: false,
        }
    }
}

impl WriteLimits {
    /// No limits (load tests and the test suite).
    pub const OFF: Self = Self {
        per_address: 0,
        per_session: 0,
        trust_forwarded_for: false,
    };
}
