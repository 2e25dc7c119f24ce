//! Accounts: users, login sessions, login-failure records and address books.

use crate::db::{Conn, Row, query, query_scalar};
use emporium_domain::account::{DisplayName, Email, Phone, Role, Username};
use emporium_domain::address::{MAX_ADDRESSES_PER_USER, NewAddress};
use emporium_domain::staff::{Permission, Permissions, StaffRole};
use emporium_domain::throttle::{self, Bucket, Verdict};
use emporium_domain::time::Timestamp;

use crate::sealed::{context, normalise_phone};
use crate::{Sealer, Store, StoreError};

/// The purpose a phone number's blind index is computed for.
pub(crate) const PHONE_INDEX: &str = "users.phone";

/// A user as the rest of the system sees it: never the password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Primary key.
    pub id: i64,
    /// The name as registered.
    pub username: String,
    /// Contact address, if given.
    pub email: Option<String>,
    /// Name shown on pages, if given.
    pub display_name: Option<String>,
    /// Phone number, if given.
    pub phone: Option<String>,
    /// What the user may do.
    pub role: Role,
    /// When the account was created.
    pub created_at: Timestamp,
    /// A guest: made for an anonymous visitor's cart, with no password (see `guests`).
    pub guest: bool,
    /// The language messages are written in (`zh-CN` or `en`).
    pub locale: String,
    /// Whether the email address was proven by a link.
    pub email_verified: bool,
    /// A staff account's role (`None` for customers).
    pub staff_role: Option<StaffRole>,
    /// When the account was disabled (staff) or blocked (customers); such an account
    /// cannot log in and has no sessions.
    pub disabled_at: Option<Timestamp>,
}

impl User {
    /// What the user may do in the back office: their role's permissions while they are
    /// enabled staff, nothing otherwise.
    pub fn permissions(&self) -> Permissions {
        match (self.role, self.staff_role, self.disabled_at) {
            (Role::Staff, Some(role), None) => role.permissions(),
            _ => Permissions::NONE,
        }
    }

    /// Whether the user may work in `area` of the back office.
    pub fn may(&self, area: Permission) -> bool {
        self.permissions().has(area)
    }

    /// Whether the user may read every customer's orders, not just their own
    /// (`Permissions::reads_all_orders`).
    pub fn reads_all_orders(&self) -> bool {
        self.permissions().reads_all_orders()
    }
}

/// The columns [`user_from`] reads, as a macro so queries stay `&'static str` literals.
macro_rules! user_columns {
    () => {
        "u.id, u.username, u.email, u.display_name, u.phone, u.role, u.created_at, u.guest, u.locale, u.email_verified_at, \
         u.staff_role, u.disabled_at, (SELECT k.wrapped FROM user_keys k WHERE k.user_id = u.id) AS owner_key"
    };
}
pub(crate) use user_columns;

pub(crate) fn user_from(row: &Row, sealer: &Sealer) -> Result<User, StoreError> {
    let role: String = row.try_get("role")?;
    let id: i64 = row.try_get("id")?;
    let sealer = &sealer.for_owner(id, row.try_get("owner_key")?)?;
    Ok(User {
        id,
        username: row.try_get("username")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        phone: sealer.open_opt(&context("users.phone", id), row.try_get("phone")?)?,
        role: role
            .parse()
            .map_err(|e: String| StoreError::Database(sqlx::Error::Decode(e.into())))?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        guest: row.try_get::<i64, _>("guest")? == 1,
        locale: row.try_get("locale")?,
        email_verified: row.try_get::<Option<i64>, _>("email_verified_at")?.is_some()
            && row.try_get::<Option<String>, _>("email")?.is_some(),
        staff_role: row
            .try_get::<Option<String>, _>("staff_role")?
            .map(|raw| {
                raw.parse()
                    .map_err(|_| StoreError::Corrupt(format!("staff_role {raw:?}")))
            })
            .transpose()?,
        disabled_at: row
            .try_get::<Option<i64>, _>("disabled_at")?
            .map(Timestamp::from_millis),
    })
}

/// A new account, with its password already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name.
    pub username: Username,
    /// bcrypt hash of the password.
    pub password_hash: String,
    /// Optional contact address.
    pub email: Option<Email>,
    /// Initial role.
    pub role: Role,
}

/// A session to open at login: the token's hash and its lifetime.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// SHA-256 of the bearer token, hex.
    pub token_hash: String,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// An authenticated request's identity: the user and the session it came with.
#[derive(Debug, Clone)]
pub struct Session {
    /// The session's primary key (to revoke it, or to keep it while revoking others).
    pub id: i64,
    /// Its owner.
    pub user: User,
}

/// Changes to a profile; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ProfileChanges {
    /// New display name.
    pub display_name: Option<Option<DisplayName>>,
    /// New e-mail address.
    pub email: Option<Option<Email>>,
    /// New phone number.
    pub phone: Option<Option<Phone>>,
}

/// A stored address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Primary key.
    pub id: i64,
    /// The fields.
    pub fields: AddressFields,
    /// When it was added.
    pub created_at: Timestamp,
}

/// The stored fields of an address (already validated when written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressFields {
    /// Who receives the parcel.
    pub recipient: String,
    /// A number the carrier can call.
    pub phone: String,
    /// Street and number.
    pub line1: String,
    /// Flat, floor, building.
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// Province, state or region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
}

fn address_from(row: &Row, sealer: &Sealer) -> Result<Address, StoreError> {
    let user_id: i64 = row.try_get("user_id")?;
    let open = |column: &str| sealer.open(&context(&format!("addresses.{column}"), user_id), row.try_get(column)?);
    let open_opt =
        |column: &str| sealer.open_opt(&context(&format!("addresses.{column}"), user_id), row.try_get(column)?);
    Ok(Address {
        id: row.try_get("id")?,
        fields: AddressFields {
            recipient: open("recipient")?,
            phone: open("phone")?,
            line1: open("line1")?,
            line2: open_opt("line2")?,
            city: open("city")?,
            region: open_opt("region")?,
            postal_code: open_opt("postal_code")?,
            country: row.try_get("country")?,
        },
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
    })
}

/// Inserts an account (`staff_role` only for staff) and reads it back.
pub(crate) async fn create_user_in(
    conn: &mut Conn,
    sealer: &Sealer,
    user: &NewUser,
    staff_role: Option<StaffRole>,
    now: Timestamp,
) -> Result<User, StoreError> {
    let row = query(
        "INSERT INTO users (username, username_key, password_hash, email, role, staff_role, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
         RETURNING id",
    )
    .bind(user.username.as_str())
    .bind(user.username.key())
    .bind(&user.password_hash)
    .bind(user.email.as_ref().map(Email::as_str))
    .bind(user.role.as_str())
    .bind(staff_role.map(StaffRole::as_str))
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| match StoreError::from(e) {
        e if e.is_unique_violation() => StoreError::UsernameTaken,
        e => e,
    })?;
    user_by_id(conn, row.try_get("id")?, sealer).await
}

impl Store {
    /// Registers an account. Fails with [`StoreError::UsernameTaken`] if the name is in
    /// use in any letter case. A staff account made here is an owner (the first staff
    /// account of a shop is made so, by `emporium user create`); the admin's staff
    /// management makes them with a role of its choosing through [`Store::create_staff`].
    pub async fn create_user(&self, user: NewUser, now: Timestamp) -> Result<User, StoreError> {
        let staff_role = (user.role == Role::Staff).then_some(StaffRole::Owner);
        let sealer = self.sealer().clone();
        self.write(move |conn| Box::pin(async move { create_user_in(conn, &sealer, &user, staff_role, now).await }))
            .await
    }

    /// Accounts a password-reset request may name: by login name, or every account with
    /// that email address (guests excluded), at most `limit`, read in one statement.
    pub async fn accounts_named(&self, login: &str, limit: i64) -> Result<Vec<User>, StoreError> {
        let rows = query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE u.guest = 0 AND (u.username_key = $1 OR LOWER(u.email) = LOWER($2)) ORDER BY u.id LIMIT $3"
        ))
        .bind(Username::key_of(login))
        .bind(login)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(|row| user_from(row, self.sealer())).collect()
    }

    /// The user and password hash for a login name (compared case-insensitively).
    pub async fn credentials(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        let row = query(concat!(
            "SELECT ",
            user_columns!(),
            ", u.password_hash FROM users u WHERE u.username_key = $1"
        ))
        .bind(Username::key_of(username))
        .fetch_optional(self.reader())
        .await?;
        row.map(|r| Ok((user_from(&r, self.sealer())?, r.try_get("password_hash")?)))
            .transpose()
    }

    /// The user with this id.
    pub async fn user(&self, id: i64) -> Result<User, StoreError> {
        let mut conn = Conn::Pooled(self.reader().acquire().await?);
        user_by_id(&mut conn, id, self.sealer()).await
    }

    /// The password hash of a user, to check a password change.
    pub async fn password_hash(&self, user_id: i64) -> Result<String, StoreError> {
        query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(self.reader())
            .await?
            .ok_or(StoreError::NotFound("user"))
    }

    /// The highest bcrypt cost among the stored password hashes (`$2b$12$…`), if any.
    pub async fn slowest_password_cost(&self) -> Result<Option<u32>, StoreError> {
        let cost: Option<i64> = query_scalar(
            "SELECT MAX(CAST(SUBSTR(password_hash, 5, 2) AS BIGINT)) FROM users WHERE password_hash LIKE '$2_$__$%'",
        )
        .fetch_one(self.reader())
        .await?;
        Ok(cost.and_then(|c| u32::try_from(c).ok()))
    }

    /// Replaces a password hash with one of the same password at another cost (after a
    /// successful login at an old cost); sessions stay as they are.
    pub async fn rehash_password(&self, user_id: i64, old_hash: String, new_hash: String) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                // Only if nobody changed the password meanwhile.
                query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
                    .bind(&new_hash)
                    .bind(user_id)
                    .bind(&old_hash)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// Takes one attempt from each of `buckets` before a password is checked: all or
    /// none, atomically, so however many requests race on however many instances, no
    /// bucket lets more than its budget through per window. A bucket out of attempts
    /// refuses with [`StoreError::Throttled`] and nothing is taken from any.
    ///
    /// Each bucket is one row, incremented by an upsert that also opens a new window
    /// when the old one is over. On PostgreSQL the upsert locks the row until commit;
    /// buckets are taken in key order, so two attempts never wait on each other in a
    /// cycle.
    pub async fn take_login_attempt(&self, mut buckets: Vec<Bucket>, now: Timestamp) -> Result<(), StoreError> {
        buckets.sort_by(|a, b| a.key.cmp(&b.key));
        self.write(move |conn| {
            Box::pin(async move {
                for bucket in &buckets {
                    let row = query(
                        "INSERT INTO login_attempts (bucket, window_opened, attempts) VALUES ($1, $2, 1)
                         ON CONFLICT (bucket) DO UPDATE SET
                           attempts = CASE WHEN login_attempts.window_opened <= $3 THEN 1
                                           ELSE login_attempts.attempts + 1 END,
                           window_opened = CASE WHEN login_attempts.window_opened <= $3 THEN $2
                                                ELSE login_attempts.window_opened END
                         RETURNING attempts, window_opened",
                    )
                    .bind(&bucket.key)
                    .bind(now.millis())
                    .bind(now.minus(throttle::WINDOW).millis())
                    .fetch_one(&mut *conn)
                    .await?;
                    let attempts: i64 = row.try_get("attempts")?;
                    let opened = Timestamp::from_millis(row.try_get("window_opened")?);
                    if let Verdict::Refused { retry_after } = throttle::verdict(bucket, attempts, opened, now) {
                        // The error rolls back every increment of this attempt.
                        return Err(StoreError::Throttled(retry_after));
                    }
                }
                Ok(())
            })
        })
        .await
    }

    /// Whether the account logged in from `address` since `since`.
    pub async fn knows_login_address(
        &self,
        username: &str,
        address: &str,
        since: Timestamp,
    ) -> Result<bool, StoreError> {
        let found: Option<i64> = query_scalar(
            "SELECT last_login_at FROM known_login_addresses
             WHERE username_key = $1 AND address = $2 AND last_login_at > $3",
        )
        .bind(Username::key_of(username))
        .bind(address)
        .bind(since.millis())
        .fetch_optional(self.reader())
        .await?;
        Ok(found.is_some())
    }

    /// After a successful login: the pair's bucket is emptied, the attempt is given back
    /// to the address's and the account's buckets (so an office behind one address, or
    /// an owner at a new one, spends nothing by logging in), and the address becomes (or
    /// stays) known to the account.
    pub async fn login_succeeded(&self, username: &str, address: &str, now: Timestamp) -> Result<(), StoreError> {
        let key = Username::key_of(username);
        let pair = throttle::pair_bucket(&key, address).key;
        let given_back = [
            throttle::address_bucket(address).key,
            throttle::account_bucket(&key).key,
        ];
        let address = address.to_owned();
        self.write(move |conn| {
            Box::pin(async move {
                query("DELETE FROM login_attempts WHERE bucket = $1")
                    .bind(&pair)
                    .execute(&mut *conn)
                    .await?;
                for bucket in &given_back {
                    query("UPDATE login_attempts SET attempts = attempts - 1 WHERE bucket = $1 AND attempts > 0")
                        .bind(bucket)
                        .execute(&mut *conn)
                        .await?;
                }
                query(
                    "INSERT INTO known_login_addresses (username_key, address, last_login_at) VALUES ($1, $2, $3)
                     ON CONFLICT (username_key, address) DO UPDATE SET last_login_at = $3",
                )
                .bind(&key)
                .bind(&address)
                .bind(now.millis())
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// Forgets buckets whose window closed before `now` and addresses not used to log in
    /// for [`throttle::KNOWN_FOR`] (a background job's housekeeping).
    pub async fn forget_old_login_attempts(&self, now: Timestamp) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                query("DELETE FROM login_attempts WHERE window_opened <= $1")
                    .bind(now.minus(throttle::WINDOW).millis())
                    .execute(&mut *conn)
                    .await?;
                query("DELETE FROM known_login_addresses WHERE last_login_at <= $1")
                    .bind(now.minus(throttle::KNOWN_FOR).millis())
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// Opens a session after a successful login, and drops the user's expired sessions.
    pub async fn create_session(&self, user: &User, session: NewSession) -> Result<i64, StoreError> {
        let user_id = user.id;
        self.write(move |conn| {
            Box::pin(async move {
                query("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2")
                    .bind(user_id)
                    .bind(session.created_at.millis())
                    .execute(&mut *conn)
                    .await?;
                // Only for an account that is not disabled now: a login that checked the
                // password just before the account was disabled opens nothing.
                let id = query_scalar(
                    "INSERT INTO sessions (user_id, token_hash, created_at, expires_at)
                     SELECT id, $2, $3, $4 FROM users WHERE id = $1 AND disabled_at IS NULL
                     RETURNING id",
                )
                .bind(user_id)
                .bind(&session.token_hash)
                .bind(session.created_at.millis())
                .bind(session.expires_at.millis())
                .fetch_optional(&mut *conn)
                .await?;
                id.ok_or(StoreError::AccountDisabled)
            })
        })
        .await
    }

    /// The live session a token hash belongs to, with its user. Read through the session
    /// cache (see `session_cache`): on another instance a revoked session may be honoured
    /// for up to the cache's lifetime.
    pub async fn session(&self, token_hash: &str, now: Timestamp) -> Result<Option<Session>, StoreError> {
        if let Some(session) = self.sessions.get(token_hash, now) {
            return Ok(Some(session));
        }
        let generation = self.sessions.generation();
        let row = query(concat!(
            "SELECT s.id AS session_id, s.expires_at AS session_expires_at, ",
            user_columns!(),
            " FROM sessions s JOIN users u ON u.id = s.user_id
              WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL"
        ))
        .bind(token_hash)
        .bind(now.millis())
        .fetch_optional(self.point())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let session = Session {
            id: row.try_get("session_id")?,
            user: user_from(&row, self.sealer())?,
        };
        let expires_at = Timestamp::from_millis(row.try_get("session_expires_at")?);
        self.sessions.offer(generation, token_hash, &session, expires_at, now);
        Ok(Some(session))
    }

    /// Ends one session (logout).
    pub async fn delete_session(&self, session_id: i64) -> Result<(), StoreError> {
        let ended = self
            .write(move |conn| {
                Box::pin(async move {
                    query("DELETE FROM sessions WHERE id = $1")
                        .bind(session_id)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await;
        // After the commit and before the caller answers: see `session_cache`.
        self.sessions.forget(|s| s.id == session_id);
        ended
    }

    /// Sets a new password hash and ends every other session of the user, so a stolen
    /// session does not outlive a password change.
    pub async fn change_password(
        &self,
        user_id: i64,
        keep_session: i64,
        password_hash: String,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let changed = self
            .write(move |conn| {
                Box::pin(async move {
                    query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                        .bind(&password_hash)
                        .bind(now.millis())
                        .bind(user_id)
                        .execute(&mut *conn)
                        .await?;
                    query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
                        .bind(user_id)
                        .bind(keep_session)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await;
        self.sessions.forget(|s| s.user.id == user_id && s.id != keep_session);
        changed
    }

    /// Applies profile changes and returns the updated user.
    pub async fn update_profile(
        &self,
        user_id: i64,
        changes: ProfileChanges,
        now: Timestamp,
    ) -> Result<User, StoreError> {
        let sealer = self.sealer().clone();
        let updated = self
            .write(move |conn| {
                Box::pin(async move {
                    // Each field is "keep" (flag 0) or "set to $n" (flag 1, value possibly NULL),
                    // so one statement serves every combination of fields.
                    fn split<T>(change: Option<Option<T>>, f: impl Fn(&T) -> &str) -> (i64, Option<String>) {
                        match change {
                            None => (0, None),
                            Some(v) => (1, v.as_ref().map(|v| f(v).to_owned())),
                        }
                    }
                    let (set_name, name) = split(changes.display_name, DisplayName::as_str);
                    let (set_email, email) = split(changes.email, Email::as_str);
                    let (set_phone, phone) = split(changes.phone, Phone::as_str);
                    // The blind index is the shop's (keyring-derived), the sealing the
                    // customer's own key.
                    let phone_index = phone
                        .as_deref()
                        .map(|p| sealer.blind_index(PHONE_INDEX, &normalise_phone(p)));
                    let sealer = if phone.is_some() {
                        sealer.owner_key_in(conn, user_id, now.millis()).await?
                    } else {
                        sealer.clone()
                    };
                    let phone = phone
                        .map(|p| sealer.seal(&context("users.phone", user_id), &p))
                        .transpose()?;
                    let updated = query(
                        "UPDATE users SET
                        display_name = CASE WHEN $1 = 1 THEN $2 ELSE display_name END,
                        email        = CASE WHEN $3 = 1 THEN $4 ELSE email END,
                        phone        = CASE WHEN $5 = 1 THEN $6 ELSE phone END,
                        phone_index  = CASE WHEN $5 = 1 THEN $9 ELSE phone_index END,
                        updated_at   = $7
                     WHERE id = $8",
                    )
                    .bind(set_name)
                    .bind(name)
                    .bind(set_email)
                    .bind(email)
                    .bind(set_phone)
                    .bind(phone)
                    .bind(now.millis())
                    .bind(user_id)
                    .bind(phone_index)
                    .execute(&mut *conn)
                    .await?;
                    if updated.rows_affected() == 0 {
                        return Err(StoreError::NotFound("user"));
                    }
                    user_by_id(conn, user_id, &sealer).await
                })
            })
            .await;
        // This instance's sessions show the new profile at once.
        self.sessions.forget(|s| s.user.id == user_id);
        updated
    }

    /// A user's addresses, oldest first.
    pub async fn addresses(&self, user_id: i64) -> Result<Vec<Address>, StoreError> {
        let rows = query("SELECT * FROM addresses WHERE user_id = $1 ORDER BY id")
            .bind(user_id)
            .fetch_all(self.reader())
            .await?;
        let sealer = self.sealer().owner_read_in(self.reader(), user_id).await?;
        rows.iter().map(|row| address_from(row, &sealer)).collect()
    }

    /// Adds an address to a user's book, up to [`MAX_ADDRESSES_PER_USER`].
    pub async fn add_address(&self, user_id: i64, address: NewAddress, now: Timestamp) -> Result<Address, StoreError> {
        let sealer = self.sealer().clone();
        self.write(move |conn| {
            Box::pin(async move {
                // Sealed under the customer's own data key (made now if they have none).
                let sealer = sealer.owner_key_in(conn, user_id, now.millis()).await?;
                let seal =
                    |column: &str, value: &str| sealer.seal(&context(&format!("addresses.{column}"), user_id), value);
                let recipient = seal("recipient", &address.recipient)?;
                let phone = seal("phone", address.phone.as_str())?;
                let line1 = seal("line1", &address.line1)?;
                let line2 = address.line2.as_deref().map(|v| seal("line2", v)).transpose()?;
                let city = seal("city", &address.city)?;
                let region = address.region.as_deref().map(|v| seal("region", v)).transpose()?;
                let postal_code = address
                    .postal_code
                    .as_deref()
                    .map(|v| seal("postal_code", v))
                    .transpose()?;
                let count: i64 = query_scalar("SELECT COUNT(*) FROM addresses WHERE user_id = $1")
                    .bind(user_id)
                    .fetch_one(&mut *conn)
                    .await?;
                if count >= MAX_ADDRESSES_PER_USER {
                    return Err(StoreError::LimitReached("an account holds at most 20 addresses"));
                }
                let row = query(
                    "INSERT INTO addresses (user_id, recipient, phone, line1, line2, city, region, postal_code, country, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                     RETURNING *",
                )
                .bind(user_id)
                .bind(&recipient)
                .bind(&phone)
                .bind(&line1)
                .bind(&line2)
                .bind(&city)
                .bind(&region)
                .bind(&postal_code)
                .bind(&address.country)
                .bind(now.millis())
                .fetch_one(&mut *conn)
                .await?;
                address_from(&row, &sealer)
            })
        })
        .await
    }

    /// Replaces the fields of one of the user's addresses; someone else's is
    /// [`StoreError::NotFound`]. Orders keep the snapshot they were placed with.
    pub async fn update_address(
        &self,
        user_id: i64,
        address_id: i64,
        address: NewAddress,
        now: Timestamp,
    ) -> Result<Address, StoreError> {
        let sealer = self.sealer().clone();
        self.write(move |conn| {
            Box::pin(async move {
                let sealer = sealer.owner_key_in(conn, user_id, now.millis()).await?;
                let seal =
                    |column: &str, value: &str| sealer.seal(&context(&format!("addresses.{column}"), user_id), value);
                let recipient = seal("recipient", &address.recipient)?;
                let phone = seal("phone", address.phone.as_str())?;
                let line1 = seal("line1", &address.line1)?;
                let line2 = address.line2.as_deref().map(|v| seal("line2", v)).transpose()?;
                let city = seal("city", &address.city)?;
                let region = address.region.as_deref().map(|v| seal("region", v)).transpose()?;
                let postal_code = address
                    .postal_code
                    .as_deref()
                    .map(|v| seal("postal_code", v))
                    .transpose()?;
                let row = query(
                    "UPDATE addresses SET recipient = $1, phone = $2, line1 = $3, line2 = $4, city = $5,
                            region = $6, postal_code = $7, country = $8
                     WHERE id = $9 AND user_id = $10
                     RETURNING *",
                )
                .bind(&recipient)
                .bind(&phone)
                .bind(&line1)
                .bind(&line2)
                .bind(&city)
                .bind(&region)
                .bind(&postal_code)
                .bind(&address.country)
                .bind(address_id)
                .bind(user_id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(StoreError::NotFound("address"))?;
                address_from(&row, &sealer)
            })
        })
        .await
    }

    /// Removes one of the user's addresses; someone else's is [`StoreError::NotFound`].
    pub async fn delete_address(&self, user_id: i64, address_id: i64) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                let done = query("DELETE FROM addresses WHERE id = $1 AND user_id = $2")
                    .bind(address_id)
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?;
                if done.rows_affected() == 0 {
                    Err(StoreError::NotFound("address"))
                } else {
                    Ok(())
                }
            })
        })
        .await
    }
}

pub(crate) async fn user_by_id(conn: &mut Conn, id: i64, sealer: &Sealer) -> Result<User, StoreError> {
    let row = query(concat!("SELECT ", user_columns!(), " FROM users u WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    user_from(&row, sealer)
}
