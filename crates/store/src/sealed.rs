//! Encryption at rest for customers' personal data: phone numbers and addresses (in the
//! address book and in each order's address snapshot) are stored sealed with
//! XChaCha20-Poly1305 under a key kept outside the database, so a copied database file,
//! dump or backup does not give them away.
//!
//! A sealed value is text: `enc1:<key id>:<base64 of nonce and ciphertext>`. The
//! associated data names the column and the owning user (`addresses.phone/42`), so a
//! value copied into another column or another user's row fails to open instead of
//! being shown there. Keys live in a keyring, one per line as `<id> <base64 key>`: the
//! first line seals, every line opens, which is what rotation needs (add a key first,
//! re-seal with [`Store::reseal_all`], then drop the old line; docs/SECURITY.md).
//!
//! Values written before encryption existed are plain text; they are read as they are
//! and sealed by the next re-seal.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::db::{Conn, On, query, query_scalar};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use emporium_domain::time::Timestamp;

use crate::{Store, StoreError};

const PREFIX: &str = "enc1:";
const NONCE_LEN: usize = 24;

/// The keys personal data is sealed with: the first seals, all open.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<(String, XChaCha20Poly1305)>,
    /// The key of the blind indexes ([`Sealer::blind_index`]), derived from the sealing
    /// (first) key, so rotating that key rotates this one too.
    index_key: [u8; 32],
}

// Keys must never reach a log line.
impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("Keyring").field("key_ids", &ids).finish()
    }
}

/// A keyring that cannot be read or used.
#[derive(Debug, thiserror::Error)]
#[error("data keys: {0}")]
pub struct KeyError(String);

impl Keyring {
    /// Parses keyring text: entries `<id> <base64 of 32 bytes>` separated by new lines or
    /// commas (so one environment variable can hold several); `#` starts a comment.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let mut keys = Vec::new();
        let mut index_key = [0u8; 32];
        let entries = text
            .lines()
            .map(|line| line.split('#').next().unwrap_or(""))
            .flat_map(|line| line.split(','))
            .map(str::trim);
        for entry in entries {
            if entry.is_empty() {
                continue;
            }
            let (id, key) = entry.split_once([' ', ':']).ok_or_else(|| {
                KeyError(format!(
                    "expected `<id> <base64 key>`, found {} characters",
                    entry.len()
                ))
            })?;
            let id = id.trim();
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(KeyError(format!("key id {id:?} must be letters, digits, - or _")));
            }
            let bytes = B64
                .decode(key.trim())
                .map_err(|_| KeyError(format!("key {id:?} is not base64")))?;
            let cipher = XChaCha20Poly1305::new_from_slice(&bytes)
                .map_err(|_| KeyError(format!("key {id:?} must be 32 bytes, found {}", bytes.len())))?;
            if keys.iter().any(|(known, _)| known == id) {
                return Err(KeyError(format!("key id {id:?} appears twice")));
            }
            if keys.is_empty() {
                index_key = hmac_sha256(&bytes, INDEX_KEY_LABEL.as_bytes());
            }
            keys.push((id.to_owned(), cipher));
        }
        if keys.is_empty() {
            return Err(KeyError("no key found".into()));
        }
        Ok(Self { keys, index_key })
    }

    /// A new keyring entry `<id> <base64 key>` from the system's randomness.
    pub fn generate_entry() -> Result<String, KeyError> {
        let mut key = [0u8; 32];
        let mut id = [0u8; 4];
        getrandom::fill(&mut key).map_err(|e| KeyError(format!("no randomness: {e}")))?;
        getrandom::fill(&mut id).map_err(|e| KeyError(format!("no randomness: {e}")))?;
        Ok(format!("k{} {}", hex_of(&id), B64.encode(key)))
    }

    /// The keyring from `env` when set (e.g. `EMPORIUM_DATA_KEYS`), else from the file at
    /// `path`, which is created with a new key (readable by its owner only) when missing.
    pub fn from_env_or_file(env: Option<&str>, path: &Path) -> Result<Self, KeyError> {
        if let Some(text) = env.filter(|t| !t.trim().is_empty()) {
            return Self::parse(text);
        }
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let text = format!(
                    "# Emporium data keys: the first line seals, every line opens. Keep a copy\n\
                     # outside the database's backups; without it sealed data is lost.\n{}\n",
                    Self::generate_entry()?
                );
                write_private(path, &text, true).map_err(|e| KeyError(format!("creating {}: {e}", path.display())))?;
                Self::parse(&text)
            }
            Err(e) => Err(KeyError(format!("reading {}: {e}", path.display()))),
        }
    }

    /// Puts a new key first in the key file at `path`, keeping its comments and the older
    /// keys after it (which still open what they sealed); answers the new keyring.
    pub fn add_key_to_file(path: &Path) -> Result<Self, KeyError> {
        let reading = |e: &dyn fmt::Display| KeyError(format!("reading {}: {e}", path.display()));
        let old = std::fs::read_to_string(path).map_err(|e| reading(&e))?;
        Self::parse(&old).map_err(|e| reading(&e))?;
        let (comments, keys): (Vec<&str>, Vec<&str>) = old.lines().partition(|l| l.trim_start().starts_with('#'));
        let mut text = comments.join("\n");
        text.push('\n');
        text.push_str(&Self::generate_entry()?);
        for key in keys.iter().filter(|l| !l.trim().is_empty()) {
            text.push('\n');
            text.push_str(key);
        }
        text.push('\n');
        let keyring = Self::parse(&text)?;
        write_private(path, &text, false).map_err(|e| KeyError(format!("writing {}: {e}", path.display())))?;
        Ok(keyring)
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> &str {
        &self.keys[0].0
    }

    fn seal(&self, context: &str, plain: &str) -> Result<String, StoreError> {
        let (id, cipher) = &self.keys[0];
        Ok(format!("{PREFIX}{id}:{}", seal_with(cipher, context, plain)?))
    }

    fn open(&self, context: &str, stored: &str) -> Result<String, StoreError> {
        let rest = &stored[PREFIX.len()..];
        let (id, body) = rest
            .split_once(':')
            .ok_or_else(|| StoreError::Config(format!("sealed {context}: malformed")))?;
        let (_, cipher) = self.keys.iter().find(|(known, _)| known == id).ok_or_else(|| {
            StoreError::Config(format!(
                "sealed {context}: sealed with key {id:?}, which is not in the keyring"
            ))
        })?;
        open_with(cipher, context, body)
    }
}

/// What the blind-index key is derived with (HMAC-SHA256 of this label under the key).
const INDEX_KEY_LABEL: &str = "emporium blind index v1";

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The value a phone number's blind index is computed from: its digits only, so
/// `+86 138-0013-8000` and `+8613800138000` are one number; an international prefix
/// `00` is dropped, and so is China's country code `86` before an 11-digit mobile
/// number, so `138 0013 8000`, `+86 13800138000` and `0086…` are one number too. Other
/// countries' numbers match as typed (with or without their code, consistently).
pub fn normalise_phone(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.strip_prefix("00").unwrap_or(&digits);
    match digits.strip_prefix("86") {
        Some(national) if national.len() == 11 && national.starts_with('1') => national.to_owned(),
        _ => digits.to_owned(),
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes a key file readable by its owner only. `create_new` refuses an existing file
/// (two processes starting at once must not both write a different key); otherwise the
/// file is replaced whole, through a file beside it and a rename, so a crash leaves the
/// old keys or the new ones, never half.
fn write_private(path: &Path, text: &str, create_new: bool) -> std::io::Result<()> {
    use std::io::Write as _;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let target = if create_new {
        path.to_owned()
    } else {
        path.with_extension("new")
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&target)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    if !create_new {
        std::fs::rename(&target, path)?;
    }
    Ok(())
}

/// What the store seals with: a keyring, or none (values are then written in plain text;
/// only library users and old tests run so — the binary always has keys), and, once
/// loaded for a row (`Sealer::for_owner`), the data key of the customer owning it.
#[derive(Clone, Debug, Default)]
pub struct Sealer {
    keyring: Option<Arc<Keyring>>,
    owner: Option<(i64, OwnerKey)>,
}

/// A customer's own data key, or the fact that they have none any more.
#[derive(Clone)]
enum OwnerKey {
    Open(Arc<XChaCha20Poly1305>),
    /// No key row: never made (then nothing is sealed under one) or destroyed with the
    /// account. What was sealed under it reads as [`ERASED`].
    Gone,
}

impl fmt::Debug for OwnerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Open(_) => "OwnerKey::Open",
            Self::Gone => "OwnerKey::Gone",
        })
    }
}

/// What a value sealed under a destroyed customer key (or blanked by an account's
/// deletion) reads as: the books keep their rows, the person is gone.
pub const ERASED: &str = "(erased)";

/// The prefix of a value sealed under its owner's data key: `enc2:<base64>`.
const OWNER_PREFIX: &str = "enc2:";

/// The user id a context names (`"users.phone/42"` → 42).
fn owner_of(context: &str) -> Option<i64> {
    context.rsplit_once('/').and_then(|(_, id)| id.parse().ok())
}

impl Sealer {
    /// Seals with `keyring`.
    pub fn new(keyring: Keyring) -> Self {
        Self {
            keyring: Some(Arc::new(keyring)),
            owner: None,
        }
    }

    /// This sealer with `user_id`'s data key, unwrapped from `wrapped` (its `user_keys`
    /// row, `None` when there is none: destroyed, or never made).
    pub(crate) fn for_owner(&self, user_id: i64, wrapped: Option<String>) -> Result<Sealer, StoreError> {
        let key = match (wrapped, &self.keyring) {
            (Some(wrapped), Some(keys)) => {
                let encoded = keys.open(&context("user_keys.wrapped", user_id), &wrapped)?;
                let bytes = B64
                    .decode(encoded)
                    .map_err(|_| StoreError::Corrupt(format!("the data key of user {user_id}")))?;
                let cipher = XChaCha20Poly1305::new_from_slice(&bytes)
                    .map_err(|_| StoreError::Corrupt(format!("the data key of user {user_id}")))?;
                OwnerKey::Open(Arc::new(cipher))
            }
            _ => OwnerKey::Gone,
        };
        Ok(Self {
            keyring: self.keyring.clone(),
            owner: Some((user_id, key)),
        })
    }

    /// This sealer for the owner of `row`: as it is if it holds that user's key already,
    /// else with the key from the row's `owner_key` column (see [`ORDER_SELECT`]).
    pub(crate) fn for_row(&self, user_id: i64, row: &crate::db::Row) -> Result<Sealer, StoreError> {
        if self.owner.as_ref().is_some_and(|(owner, _)| *owner == user_id) {
            return Ok(self.clone());
        }
        self.for_owner(user_id, row.try_get("owner_key")?)
    }

    /// This sealer with `user_id`'s data key: as it is if it holds it already, else read.
    pub(crate) async fn with_owner_in(&self, conn: &mut Conn, user_id: i64) -> Result<Sealer, StoreError> {
        if self.owner.as_ref().is_some_and(|(owner, _)| *owner == user_id) {
            return Ok(self.clone());
        }
        self.owner_read_in(conn, user_id).await
    }

    /// This sealer with `user_id`'s data key read inside `conn`'s transaction (or pool).
    pub(crate) async fn owner_read_in<'a>(&self, on: impl Into<On<'a>>, user_id: i64) -> Result<Sealer, StoreError> {
        let wrapped: Option<String> = query_scalar("SELECT wrapped FROM user_keys WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(on)
            .await?;
        self.for_owner(user_id, wrapped)
    }

    /// This sealer with `user_id`'s data key, made now (in the caller's write
    /// transaction) if the customer has none yet. A deleted account gets no new key.
    pub(crate) async fn owner_key_in(&self, conn: &mut Conn, user_id: i64, now: i64) -> Result<Sealer, StoreError> {
        let Some(keys) = &self.keyring else {
            return Ok(self.clone());
        };
        let wrapped: Option<String> = query_scalar("SELECT wrapped FROM user_keys WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
        if wrapped.is_some() {
            return self.for_owner(user_id, wrapped);
        }
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| StoreError::Config(format!("no randomness: {e}")))?;
        let wrapped = keys.seal(&context("user_keys.wrapped", user_id), &B64.encode(key))?;
        // Only for a live account; two writers making one at once: the first wins.
        query(
            "INSERT INTO user_keys (user_id, wrapped, created_at)
             SELECT id, $2, $3 FROM users WHERE id = $1 AND deleted_at IS NULL
             ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(&wrapped)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        self.owner_read_in(&mut *conn, user_id).await
    }

    /// `plain` as it is stored for `context` (`"<table>.<column>/<user id>"`): under the
    /// owner's data key when it is loaded and alive, else under the keyring.
    pub fn seal(&self, context: &str, plain: &str) -> Result<String, StoreError> {
        if let Some((owner, OwnerKey::Open(cipher))) = &self.owner
            && owner_of(context) == Some(*owner)
        {
            return Ok(format!("{OWNER_PREFIX}{}", seal_with(cipher, context, plain)?));
        }
        match &self.keyring {
            Some(keys) => keys.seal(context, plain),
            None => Ok(plain.to_owned()),
        }
    }

    /// The plain text of a stored value; [`ERASED`] for one under a destroyed owner key.
    pub fn open(&self, context: &str, stored: String) -> Result<String, StoreError> {
        if let Some(body) = stored.strip_prefix(OWNER_PREFIX) {
            return match &self.owner {
                Some((owner, key)) if owner_of(context) == Some(*owner) => match key {
                    OwnerKey::Open(cipher) => open_with(cipher, context, body),
                    OwnerKey::Gone => Ok(ERASED.to_owned()),
                },
                _ => Err(StoreError::Config(format!(
                    "{context} is sealed under its owner's key, which was not loaded"
                ))),
            };
        }
        if !stored.starts_with(PREFIX) {
            return Ok(stored);
        }
        match &self.keyring {
            Some(keys) => keys.open(context, &stored),
            None => Err(StoreError::Config(format!(
                "{context} is sealed but no data keys are configured"
            ))),
        }
    }

    /// [`Sealer::open`] for a nullable column.
    pub fn open_opt(&self, context: &str, stored: Option<String>) -> Result<Option<String>, StoreError> {
        stored.map(|s| self.open(context, s)).transpose()
    }

    /// A keyed blind index of `normalised` for `purpose` (`users.phone`):
    /// `<key id>:<hex of HMAC-SHA256>` under a key derived from the sealing key, so equal
    /// values can be found by an exact match while the database holds nothing that gives
    /// the value away to someone without the keys. Without keys (library users and old
    /// tests only), the index is computed under a fixed key and prefixed `plain`.
    pub fn blind_index(&self, purpose: &str, normalised: &str) -> String {
        let (id, key) = match &self.keyring {
            Some(keys) => (keys.current_id(), keys.index_key),
            None => ("plain", [0u8; 32]),
        };
        let message = format!("{purpose}\0{normalised}");
        format!("{id}:{}", hex_of(&hmac_sha256(&key, message.as_bytes())))
    }

    /// The prefix of the blind indexes [`Sealer::blind_index`] writes now.
    pub(crate) fn blind_index_prefix(&self) -> String {
        match &self.keyring {
            Some(keys) => format!("{}:", keys.current_id()),
            None => "plain:".to_owned(),
        }
    }

    /// Whether `stored` needs no re-seal: under its owner's key when `per_owner`, else
    /// under the keyring's current key (or there are no keys).
    fn is_current(&self, stored: &str, per_owner: bool) -> bool {
        match &self.keyring {
            None => true,
            Some(_) if per_owner => stored.starts_with(OWNER_PREFIX),
            Some(keys) => stored
                .strip_prefix(PREFIX)
                .is_some_and(|rest| rest.split(':').next() == Some(keys.current_id())),
        }
    }
}

fn seal_with(cipher: &XChaCha20Poly1305, context: &str, plain: &str) -> Result<String, StoreError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| StoreError::Config(format!("no randomness: {e}")))?;
    let sealed = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plain.as_bytes(),
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| StoreError::Config("sealing failed".into()))?;
    let mut bytes = nonce.to_vec();
    bytes.extend_from_slice(&sealed);
    Ok(B64.encode(bytes))
}

fn open_with(cipher: &XChaCha20Poly1305, context: &str, body: &str) -> Result<String, StoreError> {
    let unreadable = |why: &str| StoreError::Config(format!("sealed {context}: {why}"));
    let bytes = B64.decode(body).map_err(|_| unreadable("malformed"))?;
    if bytes.len() < NONCE_LEN {
        return Err(unreadable("malformed"));
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| unreadable("malformed"))?;
    let plain = cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: sealed,
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| unreadable("does not open (wrong key, or moved from another row)"))?;
    String::from_utf8(plain).map_err(|_| unreadable("not text"))
}

/// The columns of an order with its buyer's wrapped data key, for [`Sealer::for_row`].
macro_rules! order_select {
    () => {
        "SELECT orders.*, (SELECT k.wrapped FROM user_keys k WHERE k.user_id = orders.user_id) AS owner_key FROM orders"
    };
}
pub(crate) use order_select;

/// [`order_select!`] as a constant, for [`crate::sql::Sql`].
pub(crate) const ORDER_SELECT: &str = order_select!();

/// The context string of a sealed column of a user's row.
pub(crate) fn context(column: &str, user_id: i64) -> String {
    format!("{column}/{user_id}")
}

/// The sealed columns of `addresses`.
pub(crate) const ADDRESS_COLUMNS: [&str; 7] = ["recipient", "phone", "line1", "line2", "city", "region", "postal_code"];

/// Every sealed column: (table, the column naming the owning user, columns, whether
/// the values belong under their owner's data key). The customers' data keys come first,
/// wrapped by the keyring, so a rotation re-wraps them before anything else. Remembered
/// idempotent answers and messages are left out on purpose (see the module's
/// documentation; an account's deletion clears its own).
const SEALED: [(&str, &str, &[&str], bool); 4] = [
    ("user_keys", "user_id", &["wrapped"], false),
    ("users", "id", &["phone"], true),
    ("addresses", "user_id", &ADDRESS_COLUMNS, true),
    ("orders", "user_id", &["address", "invoice", "guest_phone"], true),
];

/// A batch of sealed rows: (row id, owner, owner's wrapped data key, values).
type SealedRows = Vec<(i64, i64, Option<String>, Vec<Option<String>>)>;

/// What a re-seal did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ResealReport {
    /// The key everything is now sealed under (`None` without keys).
    pub key_id: Option<String>,
    /// Values sealed again under the current key (plain ones included).
    pub resealed: u64,
    /// Values already under the current key.
    pub current: u64,
}

/// The setting holding a value sealed under the current key, so an instance started with
/// a different keyring notices before it writes anything.
const KEY_CHECK: &str = "data_key_check";
const KEY_CHECK_CONTEXT: &str = "settings.data_key_check/0";

impl Store {
    /// Refuses a keyring that cannot open what this database was sealed with (say, a
    /// second instance that made its own key file instead of sharing the first one's).
    pub(crate) async fn verify_keys(&self) -> Result<(), StoreError> {
        if self.sealer().keyring.is_none() {
            return Ok(());
        }
        let candidate = self.sealer().seal(KEY_CHECK_CONTEXT, "emporium")?;
        let stored = self.setting_or_insert(KEY_CHECK, candidate).await?;
        self.sealer().open(KEY_CHECK_CONTEXT, stored).map(drop).map_err(|e| {
            StoreError::Config(format!(
                "this database's personal data was sealed with a key this instance does not have ({e}); \
                 give every instance the same keys (the first instance's data-keys file, or EMPORIUM_DATA_KEYS)"
            ))
        })
    }

    /// Seals every personal value that is plain or under an older key with the current
    /// key, in batches of one transaction each, so it can run beside a serving shop and be
    /// run again after an interruption. Fails, changing nothing more, on a value no key in
    /// the keyring opens.
    pub async fn reseal_all(&self, now: Timestamp) -> Result<ResealReport, StoreError> {
        let mut report = ResealReport {
            key_id: self.sealer().keyring.as_ref().map(|keys| keys.current_id().to_owned()),
            ..ResealReport::default()
        };
        for (table, owner, columns, per_owner) in SEALED {
            self.reseal_table(table, owner, columns, per_owner, &mut report, now)
                .await?;
        }
        self.index_phones().await?;
        let check = self.sealer().seal(KEY_CHECK_CONTEXT, "emporium")?;
        self.write(move |conn| {
            Box::pin(async move {
                query("UPDATE settings SET value = $1 WHERE key = $2")
                    .bind(&check)
                    .bind(KEY_CHECK)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await?;
        Ok(report)
    }

    /// Counts the personal values that no key in the keyring opens (for `emporium check`).
    /// A value under a destroyed customer key is erased, not unreadable.
    pub async fn unreadable_sealed_values(&self) -> Result<u64, StoreError> {
        let mut unreadable = 0;
        for (table, owner, columns, _) in SEALED {
            let mut after = 0i64;
            loop {
                let rows = self.sealed_batch(table, owner, columns, after).await?;
                let Some(last) = rows.last() else { break };
                after = last.0;
                for (_, user_id, wrapped, values) in rows {
                    let Ok(sealer) = self.sealer().for_owner(user_id, wrapped) else {
                        unreadable += 1;
                        continue;
                    };
                    for (column, value) in columns.iter().zip(values) {
                        if let Some(value) = value
                            && sealer
                                .open(&context(&format!("{table}.{column}"), user_id), value)
                                .is_err()
                        {
                            unreadable += 1;
                        }
                    }
                }
            }
        }
        Ok(unreadable)
    }

    async fn sealed_batch(
        &self,
        table: &str,
        owner: &str,
        columns: &[&str],
        after: i64,
    ) -> Result<SealedRows, StoreError> {
        // Table and column names come from the constants above, never from input.
        let sql = format!(
            "SELECT id, {owner} AS owner, (SELECT k.wrapped FROM user_keys k WHERE k.user_id = {table}.{owner}) AS owner_key, {}
             FROM {table} WHERE id > $1 ORDER BY id LIMIT 500",
            columns.join(", ")
        );
        let rows = query(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|row| {
                let values = columns
                    .iter()
                    .map(|c| row.try_get::<Option<String>, _>(*c))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((
                    row.try_get("id")?,
                    row.try_get("owner")?,
                    row.try_get("owner_key")?,
                    values,
                ))
            })
            .collect()
    }

    /// Re-seals one table's values: the data keys under the keyring's current key, the
    /// personal values under their owner's data key (made for them if they have none).
    async fn reseal_table(
        &self,
        table: &'static str,
        owner: &'static str,
        columns: &'static [&'static str],
        per_owner: bool,
        report: &mut ResealReport,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut after = 0i64;
        loop {
            let rows = self.sealed_batch(table, owner, columns, after).await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            let mut updates = Vec::new();
            for (id, user_id, wrapped, values) in rows {
                let sealer = self.sealer().for_owner(user_id, wrapped)?;
                for (column, value) in columns.iter().zip(values) {
                    let Some(value) = value else { continue };
                    if sealer.is_current(&value, per_owner) || value == ERASED {
                        report.current += 1;
                        continue;
                    }
                    let ctx = context(&format!("{table}.{column}"), user_id);
                    let plain = sealer.open(&ctx, value.clone())?;
                    updates.push((id, user_id, *column, value, ctx, plain));
                }
            }
            report.resealed += updates.len() as u64;
            let sealer = self.sealer().clone();
            let now = now.millis();
            self.write(move |conn| {
                let (sealer, updates) = (sealer.clone(), updates.clone());
                Box::pin(async move {
                    for (id, user_id, column, old, ctx, plain) in &updates {
                        let sealer = if per_owner {
                            sealer.owner_key_in(conn, *user_id, now).await?
                        } else {
                            sealer.clone()
                        };
                        let new = sealer.seal(ctx, plain)?;
                        // Only if unchanged since read: a concurrent edit wins, and is
                        // already sealed as it should be by the serving instance.
                        let sql = format!("UPDATE {table} SET {column} = $1 WHERE id = $2 AND {column} = $3");
                        query(sqlx::AssertSqlSafe(sql))
                            .bind(&new)
                            .bind(id)
                            .bind(old)
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring(text: &str) -> Keyring {
        Keyring::parse(text).expect("keyring")
    }

    #[test]
    fn phone_numbers_are_normalised_for_their_index() {
        for same in [
            "+86 138-0013-8000",
            "13800138000",
            "0086 138 0013 8000",
            "(+86) 138 0013 8000",
        ] {
            assert_eq!(normalise_phone(same), "13800138000", "{same}");
        }
        assert_eq!(normalise_phone("+44 20 7946 0958"), "442079460958");
        assert_eq!(
            normalise_phone("+86 10 6552 9988"),
            "861065529988",
            "a landline keeps its code"
        );
        let keys = Sealer::new(keyring(&Keyring::generate_entry().expect("entry")));
        let a = keys.blind_index("users.phone", "13800138000");
        assert_eq!(a, keys.blind_index("users.phone", "13800138000"), "deterministic");
        assert_ne!(a, keys.blind_index("users.phone", "13800138001"));
        assert_ne!(a, keys.blind_index("users.email", "13800138000"), "per purpose");
        assert!(a.starts_with(&keys.blind_index_prefix()) && !a.contains("13800138000"));
        let other = Sealer::new(keyring(&Keyring::generate_entry().expect("entry")));
        assert_ne!(a, other.blind_index("users.phone", "13800138000"), "per key");
    }

    #[test]
    fn sealed_values_open_only_in_their_own_context() {
        let keys = Sealer::new(keyring(&Keyring::generate_entry().expect("entry")));
        let sealed = keys.seal("users.phone/1", "13800000000").expect("seal");
        assert!(sealed.starts_with("enc1:k"), "{sealed}");
        assert!(!sealed.contains("13800000000"));
        assert_eq!(keys.open("users.phone/1", sealed.clone()).expect("open"), "13800000000");
        assert!(
            keys.open("users.phone/2", sealed.clone()).is_err(),
            "another user's row"
        );
        assert!(keys.open("addresses.phone/1", sealed).is_err(), "another column");
        // The same value sealed twice differs (random nonces): equal phones do not show.
        let (a, b) = (keys.seal("c/1", "x").expect("a"), keys.seal("c/1", "x").expect("b"));
        assert_ne!(a, b);
    }

    #[test]
    fn an_old_key_still_opens_and_a_removed_one_does_not() {
        let old = Keyring::generate_entry().expect("old");
        let new = Keyring::generate_entry().expect("new");
        let sealed_old = Sealer::new(keyring(&old)).seal("c/1", "secret").expect("seal");
        let rotated = Sealer::new(keyring(&format!("{new}\n{old}")));
        assert_eq!(rotated.open("c/1", sealed_old.clone()).expect("open"), "secret");
        assert!(!rotated.is_current(&sealed_old, false));
        assert!(rotated.is_current(&rotated.seal("c/1", "secret").expect("seal"), false));
        assert!(!rotated.is_current(&rotated.seal("c/1", "secret").expect("seal"), true));
        let err = Sealer::new(keyring(&new))
            .open("c/1", sealed_old)
            .expect_err("retired key");
        assert!(err.to_string().contains("not in the keyring"), "{err}");
    }

    #[test]
    fn plain_legacy_values_read_as_they_are() {
        let keys = Sealer::new(keyring(&Keyring::generate_entry().expect("entry")));
        assert_eq!(keys.open("c/1", "1 Main St".into()).expect("plain"), "1 Main St");
        assert!(Sealer::default().open("c/1", "enc1:k1:AAAA".into()).is_err());
    }

    #[test]
    fn malformed_keyrings_are_refused_with_the_reason() {
        for (text, why) in [
            ("", "no key"),
            ("k1", "expected"),
            ("k1 not-base64!", "not base64"),
            ("k1 AAAA", "32 bytes"),
            ("k/1 AAAA", "letters"),
        ] {
            let err = Keyring::parse(text).expect_err(text);
            assert!(err.to_string().contains(why), "{text:?}: {err}");
        }
        let entry = Keyring::generate_entry().expect("entry");
        assert!(Keyring::parse(&format!("{entry},{entry}")).is_err(), "duplicate id");
        let two = format!(
            "# a comment, with a comma\n{entry}\n\n{}",
            Keyring::generate_entry().expect("b")
        );
        assert_eq!(keyring(&two).keys.len(), 2);
    }

    #[test]
    fn the_key_file_is_created_once_private_and_then_reused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("data-keys");
        let first = Keyring::from_env_or_file(None, &path).expect("created");
        let again = Keyring::from_env_or_file(None, &path).expect("read");
        assert_eq!(first.current_id(), again.current_id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let env = Keyring::generate_entry().expect("env");
        let from_env = Keyring::from_env_or_file(Some(&env), &path).expect("env wins");
        assert_ne!(from_env.current_id(), first.current_id());
    }
}
