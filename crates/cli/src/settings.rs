//! The commands' settings, in groups a command takes as it needs them: where the data
//! lives (every command that opens the database), how passwords are hashed, where media
//! go, and the rest, which only `serve` reads. Flags override environment variables,
//! which override defaults (clap's `env` support gives exactly that order).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use emporium_app::media::S3Config;
use emporium_app::payments::providers::{AlipaySettings, PaymentSettings, WechatPaySettings};

/// Where the data lives: every command that opens the database takes these.
#[derive(Clone, Args)]
pub struct StoreArgs {
    /// Folder for the SQLite database, the search index, uploaded images (`media/`) and
    /// generated secrets.
    #[arg(long, env = "EMPORIUM_DATA_DIR", default_value = "./emporium-data")]
    pub data_dir: PathBuf,

    /// Database URL: `sqlite://<file>` (default: `<data-dir>/emporium.db`) or `postgres://…`.
    #[arg(long, env = "EMPORIUM_DATABASE_URL")]
    pub database_url: Option<String>,

    /// The keys customers' phone numbers and addresses are sealed with, as
    /// `<id> <base64 key>` entries separated by commas (the first seals); default: the
    /// file `<data-dir>/data-keys`, created with a new key on first use.
    #[arg(long, env = "EMPORIUM_DATA_KEYS", hide_env_values = true)]
    pub data_keys: Option<String>,
}

/// The same three flags given before the command (`emporium --data-dir D migrate`), as
/// earlier releases accepted them. Hidden: each command's help lists them as its own.
/// No environment here, so a value is present only when typed, and then it wins.
#[derive(Debug, Clone, Default, Args)]
pub struct EarlyStoreArgs {
    #[arg(long = "data-dir", id = "early_data_dir", hide = true)]
    data_dir: Option<PathBuf>,
    #[arg(long = "database-url", id = "early_database_url", hide = true)]
    database_url: Option<String>,
    #[arg(long = "data-keys", id = "early_data_keys", hide = true)]
    data_keys: Option<String>,
}

impl EarlyStoreArgs {
    /// `args` with whatever was given before the command in place of its own values.
    pub fn over(self, mut args: StoreArgs) -> StoreArgs {
        if let Some(dir) = self.data_dir {
            args.data_dir = dir;
        }
        if self.database_url.is_some() {
            args.database_url = self.database_url;
        }
        if self.data_keys.is_some() {
            args.data_keys = self.data_keys;
        }
        args
    }
}

/// How passwords are hashed: the commands that create accounts take this.
#[derive(Debug, Clone, Copy, Args)]
pub struct PasswordArgs {
    /// bcrypt cost for password hashes (10–31; each step doubles the time).
    #[arg(long, env = "EMPORIUM_BCRYPT_COST", default_value_t = 12, value_parser = clap::value_parser!(u32).range(10..=31))]
    pub bcrypt_cost: u32,
}

/// Where media files go: the commands that store images take this.
#[derive(Clone, Args)]
pub struct MediaArgs {
    /// Keep product images in an S3-compatible bucket instead of `<data-dir>/media`, so
    /// several instances share them:
    /// `s3://ACCESS_KEY:SECRET@HOST[:PORT]/BUCKET[/PREFIX][?region=…&path_style=true&tls=false&timeout=20]`
    /// (README, "Images in an S3 bucket").
    #[arg(long, env = "EMPORIUM_MEDIA_S3_URL", hide_env_values = true)]
    pub media_s3_url: Option<String>,
}

/// Everything `emporium serve` reads: where it listens and keeps its data, and how the
/// shop behaves.
#[derive(Clone, Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "EMPORIUM_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    #[command(flatten)]
    pub store: StoreArgs,

    #[command(flatten)]
    pub passwords: PasswordArgs,

    #[command(flatten)]
    pub media: MediaArgs,

    /// Redis URL for the shared order cache when several instances run.
    #[arg(long, env = "EMPORIUM_REDIS_URL")]
    pub redis_url: Option<String>,

    /// How long a login session lasts, e.g. `30d`, `12h`.
    #[arg(long, env = "EMPORIUM_SESSION_TTL", default_value = "30d", value_parser = parse_duration)]
    pub session_ttl: Duration,

    /// How long an order may stay unpaid before it is cancelled and its stock released.
    #[arg(long, env = "EMPORIUM_ORDER_PAYMENT_TIMEOUT", default_value = "30m", value_parser = parse_duration)]
    pub order_payment_timeout: Duration,

    /// The sandbox payment provider's signing secret (default: random, kept in the database).
    #[arg(long, env = "EMPORIUM_SANDBOX_SECRET", hide_env_values = true)]
    pub sandbox_secret: Option<String>,

    /// Orders the in-process hot-order cache holds (ignored with --redis-url).
    #[arg(long, env = "EMPORIUM_ORDER_CACHE_CAPACITY", default_value_t = 10_000)]
    pub order_cache_capacity: usize,

    /// Products kept in memory for product pages, listings and search results (0: none).
    #[arg(long, env = "EMPORIUM_PRODUCT_CACHE_CAPACITY", default_value_t = emporium_store::DEFAULT_PRODUCT_CACHE)]
    pub product_cache_capacity: usize,

    /// Milliseconds a looked-up session is reused without asking the database (0: never).
    /// A session revoked on another instance is honoured here for at most this long.
    #[arg(long, env = "EMPORIUM_SESSION_CACHE_MS", default_value_t = emporium_store::DEFAULT_SESSION_CACHE.as_millis() as u64)]
    pub session_cache_ms: u64,

    /// The shortest time between two rebuilds of the recommendation model (it is rebuilt
    /// only when orders have moved since), e.g. `60s`, `10m`.
    #[arg(long, env = "EMPORIUM_RECOMMENDATIONS_REFRESH", default_value = "60s", value_parser = parse_duration)]
    pub recommendations_refresh: Duration,

    /// How long a refund may stay `processing` (its provider's answer unrecorded, e.g.
    /// after a crash) before the background jobs ask the provider again, e.g. `60s`.
    #[arg(long, env = "EMPORIUM_REFUND_RETRY_AFTER", default_value = "60s", value_parser = parse_duration)]
    pub refund_retry_after: Duration,

    /// How long after an order is received its buyer may ask to return goods.
    #[arg(long, env = "EMPORIUM_RETURN_WINDOW", default_value = "7d", value_parser = parse_duration)]
    pub return_window: Duration,

    /// The shop's time zone, an IANA name such as `Asia/Shanghai` or `Europe/Berlin`: the
    /// pages show times in it (everything is stored in UTC).
    #[arg(long, env = "EMPORIUM_TIME_ZONE", default_value = emporium_app::config::DEFAULT_TIME_ZONE, value_parser = parse_time_zone)]
    pub time_zone: jiff::tz::TimeZone,

    /// The URL this server is reached at (the sandbox provider sends its notifications
    /// there); default: `http://<addr>`.
    #[arg(long, env = "EMPORIUM_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Writes (POST, PUT, PATCH, DELETE) per second one client address may make, with
    /// bursts of twice that; 0 turns the limit off (load tests only).
    #[arg(long, env = "EMPORIUM_WRITE_LIMIT_PER_ADDRESS", default_value_t = 50)]
    pub write_limit_per_address: u32,

    /// Writes per second one session (token or cookie) may make, with bursts of twice
    /// that; 0 turns the limit off.
    #[arg(long, env = "EMPORIUM_WRITE_LIMIT_PER_SESSION", default_value_t = 10)]
    pub write_limit_per_session: u32,

    /// Take the client address for the write limits and the login throttle from the last `X-Forwarded-For`
    /// entry: set it only when every request comes through your load balancer.
    #[arg(long, env = "EMPORIUM_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,

    /// The largest product image file staff may upload, in bytes.
    #[arg(long, env = "EMPORIUM_MAX_IMAGE_BYTES", default_value_t = emporium_app::media::DEFAULT_MAX_UPLOAD_BYTES, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1024..=256 * 1024 * 1024))]
    pub max_image_bytes: usize,

    /// How many days a guest's cart (its cookie or `Cart-Token`) lives.
    #[arg(long, env = "EMPORIUM_GUEST_CART_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=365))]
    pub guest_cart_days: u64,

    /// Serve https with this PEM certificate chain (needs --tls-key).
    #[arg(long, env = "EMPORIUM_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The PEM private key of --tls-cert.
    #[arg(long, env = "EMPORIUM_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// The shop's name, as its emails and text messages sign.
    #[arg(long, env = "EMPORIUM_SHOP_NAME", default_value = "Emporium")]
    pub shop_name: String,

    /// The mail server: `smtp://[user:pass@]host[:587]` (STARTTLS, required unless the
    /// host is this machine) or `smtps://[user:pass@]host[:465]` (implicit TLS); unset,
    /// emails are kept unsent and the admin shows them as such (docs/OPERATIONS.md).
    #[arg(long, env = "EMPORIUM_SMTP_URL", hide_env_values = true, requires = "mail_from")]
    pub smtp_url: Option<String>,

    /// Emails held while no mail server was configured go out once one is, if they are at
    /// most this many hours old (0: none does); older ones, and single-use links, are
    /// marked skipped (docs/OPERATIONS.md).
    #[arg(long, env = "EMPORIUM_MAIL_HELD_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u64).range(0..=720))]
    pub mail_held_hours: u64,

    /// The sender of the shop's emails: `shop@example.com` or `Shop <shop@example.com>`.
    #[arg(long, env = "EMPORIUM_MAIL_FROM")]
    pub mail_from: Option<String>,

    /// An SMS gateway webhook: each shipping text is POSTed there as JSON `{to, text, id}`
    /// with the bearer token `--sms-token`; unset, texts are written to the log.
    #[arg(long, env = "EMPORIUM_SMS_URL", requires = "sms_token")]
    pub sms_url: Option<String>,

    /// The bearer token sent to `--sms-url`.
    #[arg(long, env = "EMPORIUM_SMS_TOKEN", hide_env_values = true)]
    pub sms_token: Option<String>,

    /// The payment providers (docs/PAYMENTS.md).
    #[command(flatten)]
    pub payments: PaymentArgs,
}

/// The payment providers' settings. A provider is on when all of its settings are given;
/// some but not all stops start-up naming what is missing. Keys are read from files and
/// never shown.
#[derive(Debug, Clone, Args)]
pub struct PaymentArgs {
    /// Whether buyers are offered the built-in sandbox provider (`off` for a live shop; it
    /// still serves refunds of its earlier payments).
    #[arg(long, env = "EMPORIUM_SANDBOX", value_enum, default_value_t = OnOff::On)]
    pub sandbox: OnOff,
    /// Alipay: the app's id (支付宝开放平台 APPID).
    #[arg(long, env = "EMPORIUM_ALIPAY_APP_ID")]
    pub alipay_app_id: Option<String>,
    /// Alipay: the merchant's private key (PKCS#8 or PKCS#1 PEM file).
    #[arg(long, env = "EMPORIUM_ALIPAY_PRIVATE_KEY_FILE")]
    pub alipay_private_key_file: Option<PathBuf>,
    /// Alipay: Alipay's public key (PEM file, 支付宝公钥).
    #[arg(long, env = "EMPORIUM_ALIPAY_PUBLIC_KEY_FILE")]
    pub alipay_public_key_file: Option<PathBuf>,
    /// Alipay: the OpenAPI gateway.
    #[arg(long, env = "EMPORIUM_ALIPAY_GATEWAY", default_value = emporium_app::payments::providers::ALIPAY_GATEWAY)]
    pub alipay_gateway: String,
    /// WeChat Pay: the merchant id (商户号).
    #[arg(long, env = "EMPORIUM_WECHATPAY_MCH_ID")]
    pub wechatpay_mch_id: Option<String>,
    /// WeChat Pay: the app id bound to the merchant (AppID).
    #[arg(long, env = "EMPORIUM_WECHATPAY_APP_ID")]
    pub wechatpay_app_id: Option<String>,
    /// WeChat Pay: the merchant API certificate's serial number.
    #[arg(long, env = "EMPORIUM_WECHATPAY_SERIAL")]
    pub wechatpay_serial: Option<String>,
    /// WeChat Pay: the merchant's API private key (PEM file, apiclient_key.pem).
    #[arg(long, env = "EMPORIUM_WECHATPAY_PRIVATE_KEY_FILE")]
    pub wechatpay_private_key_file: Option<PathBuf>,
    /// WeChat Pay: WeChat Pay's public key (PEM file, 微信支付公钥).
    #[arg(long, env = "EMPORIUM_WECHATPAY_PUBLIC_KEY_FILE")]
    pub wechatpay_public_key_file: Option<PathBuf>,
    /// WeChat Pay: that public key's id (`PUB_KEY_ID_…`).
    #[arg(long, env = "EMPORIUM_WECHATPAY_PUBLIC_KEY_ID")]
    pub wechatpay_public_key_id: Option<String>,
    /// WeChat Pay: a file holding the 32-character API v3 key.
    #[arg(long, env = "EMPORIUM_WECHATPAY_API_V3_KEY_FILE")]
    pub wechatpay_api_v3_key_file: Option<PathBuf>,
    /// WeChat Pay: the API's base URL.
    #[arg(long, env = "EMPORIUM_WECHATPAY_BASE_URL", default_value = emporium_app::payments::providers::WECHATPAY_BASE_URL)]
    pub wechatpay_base_url: String,
}

/// `on` or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    /// On.
    On,
    /// Off.
    Off,
}

/// All of a provider's settings, or none: `Ok(true)` when all are given, `Ok(false)` when
/// none is, and an error naming the missing ones otherwise.
fn all_or_none<const N: usize>(provider: &str, given: [(&str, bool); N]) -> Result<bool, String> {
    let missing: Vec<&str> = given.iter().filter(|(_, set)| !set).map(|(name, _)| *name).collect();
    match missing.len() {
        0 => Ok(true),
        n if n == N => Ok(false),
        _ => Err(format!(
            "{provider} is partly configured: set {} too, or none of its settings",
            missing.join(", ")
        )),
    }
}

fn given(value: Option<&String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl PaymentArgs {
    /// The providers' settings, or which setting is missing.
    pub fn settings(&self) -> Result<PaymentSettings, String> {
        let app_id = given(self.alipay_app_id.as_ref());
        let alipay = all_or_none(
            "Alipay",
            [
                ("EMPORIUM_ALIPAY_APP_ID", app_id.is_some()),
                (
                    "EMPORIUM_ALIPAY_PRIVATE_KEY_FILE",
                    self.alipay_private_key_file.is_some(),
                ),
                ("EMPORIUM_ALIPAY_PUBLIC_KEY_FILE", self.alipay_public_key_file.is_some()),
            ],
        )?
        .then(|| AlipaySettings {
            app_id: app_id.unwrap_or_default(),
            private_key_file: self.alipay_private_key_file.clone().unwrap_or_default(),
            public_key_file: self.alipay_public_key_file.clone().unwrap_or_default(),
            gateway: self.alipay_gateway.clone(),
        });
        let (mch_id, wx_app_id, serial, key_id) = (
            given(self.wechatpay_mch_id.as_ref()),
            given(self.wechatpay_app_id.as_ref()),
            given(self.wechatpay_serial.as_ref()),
            given(self.wechatpay_public_key_id.as_ref()),
        );
        let wechatpay = all_or_none(
            "WeChat Pay",
            [
                ("EMPORIUM_WECHATPAY_MCH_ID", mch_id.is_some()),
                ("EMPORIUM_WECHATPAY_APP_ID", wx_app_id.is_some()),
                ("EMPORIUM_WECHATPAY_SERIAL", serial.is_some()),
                (
                    "EMPORIUM_WECHATPAY_PRIVATE_KEY_FILE",
                    self.wechatpay_private_key_file.is_some(),
                ),
                (
                    "EMPORIUM_WECHATPAY_PUBLIC_KEY_FILE",
                    self.wechatpay_public_key_file.is_some(),
                ),
                ("EMPORIUM_WECHATPAY_PUBLIC_KEY_ID", key_id.is_some()),
                (
                    "EMPORIUM_WECHATPAY_API_V3_KEY_FILE",
                    self.wechatpay_api_v3_key_file.is_some(),
                ),
            ],
        )?
        .then(|| WechatPaySettings {
            mch_id: mch_id.unwrap_or_default(),
            app_id: wx_app_id.unwrap_or_default(),
            serial: serial.unwrap_or_default(),
            private_key_file: self.wechatpay_private_key_file.clone().unwrap_or_default(),
            public_key_file: self.wechatpay_public_key_file.clone().unwrap_or_default(),
            public_key_id: key_id.unwrap_or_default(),
            api_v3_key_file: self.wechatpay_api_v3_key_file.clone().unwrap_or_default(),
            base_url: self.wechatpay_base_url.clone(),
        });
        Ok(PaymentSettings {
            sandbox: self.sandbox == OnOff::On,
            alipay,
            wechatpay,
        })
    }
}

/// How every command logs; the one flag that goes before or after any command.
#[derive(Debug, Clone, Copy, Args)]
pub struct LogArgs {
    /// Log format.
    #[arg(long, global = true, env = "EMPORIUM_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Readable lines for a terminal.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

impl StoreArgs {
    /// Where the data keys are kept when `--data-keys` is not given.
    pub fn data_keys_file(&self) -> PathBuf {
        self.data_dir.join("data-keys")
    }

    /// The keyring in force.
    pub fn keyring(&self) -> Result<emporium_store::Keyring, emporium_store::sealed::KeyError> {
        emporium_store::Keyring::from_env_or_file(self.data_keys.as_deref(), &self.data_keys_file())
    }

    /// Where uploaded images and the demo's drawings are kept without a bucket.
    pub fn media_dir(&self) -> PathBuf {
        self.data_dir.join("media")
    }

    /// The database URL in force: the explicit one, or the SQLite file in the data dir.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("emporium.db").display()),
        }
    }
}

// The database URL may carry a password and the data keys are secrets.
impl fmt::Debug for StoreArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreArgs")
            .field("data_dir", &self.data_dir)
            .field("database_url", &emporium_store::redact(&self.database_url()))
            .field("data_keys", &self.data_keys.as_ref().map(|_| "***"))
            .finish()
    }
}

impl MediaArgs {
    /// The bucket's settings when `--media-s3-url` is given (an empty value is none). A
    /// bad URL is an error naming the setting and what is wrong with it, never repeating
    /// the secret.
    pub fn media_s3(&self) -> anyhow::Result<Option<S3Config>> {
        self.media_s3_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
            .map(|url| S3Config::parse(url).map_err(|e| anyhow::anyhow!("--media-s3-url (EMPORIUM_MEDIA_S3_URL): {e}")))
            .transpose()
    }
}

impl fmt::Debug for MediaArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaArgs")
            .field("media_s3_url", &self.media_s3_url.as_deref().map(redact_bucket_url))
            .finish()
    }
}

impl Settings {
    /// The mail server's settings when `--smtp-url` is given (an empty value is none).
    pub fn mail(&self) -> Result<Option<emporium_app::messages::mail::MailConfig>, String> {
        self.smtp_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
            .map(|url| {
                emporium_app::messages::mail::MailConfig::parse(url, self.mail_from.as_deref().unwrap_or_default())
            })
            .transpose()
    }

    /// The SMS webhook's settings when `--sms-url` is given (an empty value is none).
    pub fn sms(&self) -> Result<Option<emporium_app::messages::sms::SmsConfig>, String> {
        self.sms_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
            .map(|url| {
                emporium_app::messages::sms::SmsConfig::parse(url, self.sms_token.as_deref().unwrap_or_default())
            })
            .transpose()
    }
}

// Settings reach logs and error messages; secrets in URLs must not.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("store", &self.store)
            .field("redis_url", &self.redis_url.as_deref().map(emporium_store::redact))
            .field("bcrypt_cost", &self.passwords.bcrypt_cost)
            .field("session_ttl", &self.session_ttl)
            .field("order_payment_timeout", &self.order_payment_timeout)
            .field("return_window", &self.return_window)
            .field("time_zone", &self.time_zone.iana_name())
            .field("sandbox_secret", &self.sandbox_secret.as_ref().map(|_| "***"))
            .field("order_cache_capacity", &self.order_cache_capacity)
            .field("product_cache_capacity", &self.product_cache_capacity)
            .field("session_cache_ms", &self.session_cache_ms)
            .field("recommendations_refresh", &self.recommendations_refresh)
            .field("refund_retry_after", &self.refund_retry_after)
            .field("public_url", &self.public_url)
            .field("write_limit_per_address", &self.write_limit_per_address)
            .field("write_limit_per_session", &self.write_limit_per_session)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .field("max_image_bytes", &self.max_image_bytes)
            .field("guest_cart_days", &self.guest_cart_days)
            .field("media", &self.media)
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .field("shop_name", &self.shop_name)
            .field("smtp_url", &self.mail().ok().flatten().map(|m| m.smtp.redacted()))
            .field("mail_from", &self.mail_from)
            .field("mail_held_hours", &self.mail_held_hours)
            .field("sms_url", &self.sms_url)
            .field("sms_token", &self.sms_token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// A bucket URL fit for a log: as understood, with `***` for the secret; one that cannot
/// be read is not shown at all (where its secret sits is then unknown).
fn redact_bucket_url(url: &str) -> String {
    S3Config::parse(url).map_or_else(|_| "<not a bucket URL; hidden>".to_owned(), |c| c.redacted())
}

/// An IANA time zone name, from the zone database built into the binary.
pub fn parse_time_zone(s: &str) -> Result<jiff::tz::TimeZone, String> {
    jiff::tz::TimeZone::get(s.trim()).map_err(|_| format!("{s:?} is not a time zone name such as Asia/Shanghai"))
}

/// Parses `90s`, `30m`, `12h`, `7d` (or plain seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 30m, 12h or 7d"))?;
    let seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("unknown unit {unit:?} in {s:?}: use s, m, h or d")),
    };
    n.checked_mul(seconds)
        .map(Duration::from_secs)
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{s:?} is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("3w").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn a_bucket_url_is_checked_and_never_shown() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            settings: Settings,
        }
        let with = |url: &str| {
            Cli::try_parse_from(["emporium", "--media-s3-url", url])
                .expect("flags parse")
                .settings
        };
        let good = with("s3://AKIAEXAMPLE:top%2Fsecret@minio.internal:9000/media?path_style=true&tls=false");
        let config = good.media.media_s3().expect("a good URL").expect("a bucket");
        assert_eq!(config.bucket(), "media");
        let shown = format!("{good:?}");
        assert!(!shown.contains("top"), "{shown}");
        assert!(
            shown.contains("s3://AKIAEXAMPLE:***@minio.internal:9000/media/"),
            "{shown}"
        );

        let bad = with("s3://AKIAEXAMPLE:top%2Fsecret@minio.internal:9000/media?path_style=yes");
        let error = format!("{:#}", bad.media.media_s3().expect_err("refused"));
        assert!(error.starts_with("--media-s3-url (EMPORIUM_MEDIA_S3_URL): "), "{error}");
        assert!(error.contains("path_style=\"yes\""), "{error}");
        assert!(!error.contains("top") && !format!("{bad:?}").contains("top"), "{error}");
        // Not even a URL: nothing of it is shown.
        let garbage = with("AKIAEXAMPLE:topsecret@minio");
        assert!(garbage.media.media_s3().is_err());
        assert!(!format!("{garbage:?}").contains("topsecret"));
        // Empty (`EMPORIUM_MEDIA_S3_URL=` in a compose file) is the data directory.
        assert!(with("").media.media_s3().expect("empty is fine").is_none());
    }

    #[test]
    fn the_mail_server_is_read_and_its_password_never_shown() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            settings: Settings,
        }
        let settings = Cli::try_parse_from([
            "emporium",
            "--smtp-url",
            "smtp://shop:hunter2@mail.example.com",
            "--mail-from",
            "Shop <shop@example.com>",
            "--sms-url",
            "https://sms.example.com/send",
            "--sms-token",
            "tok3n",
        ])
        .expect("flags parse")
        .settings;
        let mail = settings.mail().expect("valid").expect("configured");
        assert_eq!(mail.smtp.redacted(), "smtp://shop:***@mail.example.com:587");
        let shown = format!("{settings:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("tok3n"), "{shown}");
        assert!(settings.sms().expect("valid").is_some());
        // A URL without a sender is refused by the flags themselves.
        assert!(Cli::try_parse_from(["emporium", "--smtp-url", "smtp://mail.example.com"]).is_err());
    }

    #[test]
    fn a_provider_is_on_with_all_of_its_settings_and_a_partial_set_names_what_is_missing() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            settings: Settings,
        }
        let parse = |args: &[&str]| {
            let mut all = vec!["emporium"];
            all.extend_from_slice(args);
            Cli::try_parse_from(all)
                .expect("flags parse")
                .settings
                .payments
                .settings()
        };
        let none = parse(&[]).expect("nothing set is fine");
        assert!(none.sandbox && none.alipay.is_none() && none.wechatpay.is_none());
        let alipay = parse(&[
            "--alipay-app-id",
            "2021000000000001",
            "--alipay-private-key-file",
            "/keys/app.pem",
            "--alipay-public-key-file",
            "/keys/alipay.pem",
            "--sandbox",
            "off",
        ])
        .expect("complete");
        assert!(!alipay.sandbox);
        let settings = alipay.alipay.expect("Alipay on");
        assert_eq!(settings.gateway, "https://openapi.alipay.com/gateway.do");
        let partial = parse(&["--alipay-app-id", "2021000000000001"]).expect_err("partial");
        assert!(
            partial.contains("EMPORIUM_ALIPAY_PRIVATE_KEY_FILE, EMPORIUM_ALIPAY_PUBLIC_KEY_FILE"),
            "{partial}"
        );
        let partial = parse(&["--wechatpay-mch-id", "1900000001", "--wechatpay-app-id", " "]).expect_err("partial");
        assert!(partial.starts_with("WeChat Pay is partly configured"), "{partial}");
        assert!(
            partial.contains("EMPORIUM_WECHATPAY_APP_ID"),
            "a blank value is missing: {partial}"
        );
    }
}
