//! Accounts: registering, logging in and out (with the login throttle), the profile, the
//! password and the address book. Every operation is scoped to the user it is given, so
//! nobody reaches another's data through these.

use emporium_domain::account::{DisplayName, Email, Password, Phone, Role, Username};
use emporium_domain::address::{AddressInput, NewAddress};
use emporium_domain::throttle;
use emporium_domain::time::Timestamp;
use emporium_domain::{FieldError, Invalid};
use emporium_store::accounts::{Address, NewSession, NewUser, ProfileChanges, Session, User};

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tokens;

/// What a visitor types to register.
#[derive(Debug, Clone, Copy)]
pub struct Registration<'a> {
    /// The login name wanted.
    pub username: &'a str,
    /// The password, 8–72 bytes.
    pub password: &'a str,
    /// An optional contact address (blank is none).
    pub email: Option<&'a str>,
}

/// Registers a customer account.
pub async fn register(state: &AppState, input: Registration<'_>) -> AppResult<User> {
    let (username, password, email) = match (
        Username::parse(input.username),
        Password::parse("password", input.password),
        input
            .email
            .filter(|e| !e.trim().is_empty())
            .map(Email::parse)
            .transpose(),
    ) {
        (Ok(u), Ok(p), Ok(e)) => (u, p, e),
        (u, p, e) => return Err(Invalid::of([u.err(), p.err(), e.err()]).into()),
    };
    let password_hash = state
        .passwords()
        .hash(&password)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let user = state
        .store()
        .create_user(
            NewUser {
                username,
                password_hash,
                email,
                role: Role::Customer,
            },
            state.now(),
        )
        .await?;
    tracing::info!(user.id = user.id, "user registered");
    Ok(user)
}

/// What a visitor types to log in, and where from.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    /// The login name (any letter case).
    pub username: &'a str,
    /// The password.
    pub password: &'a str,
    /// The client's address, as the server resolved it (the login throttle counts by it).
    pub from: ClientAddress,
}

/// The address a request came from: the peer's, or the balancer's `X-Forwarded-For`
/// entry when the settings trust it. The server resolves it once per request and hands
/// it to the API and the pages; `None` when unknown (all such requests share a budget).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientAddress(pub Option<std::net::IpAddr>);

impl ClientAddress {
    /// The form the throttle counts by.
    fn key(self) -> String {
        self.0.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    }
}

/// A session just opened.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// The bearer token (or cookie value); shown once, stored only as a hash.
    pub token: String,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// Who logged in.
    pub user: User,
}

/// Checks a username and password (with the login throttle) and opens a session.
///
/// An unknown user and a wrong password fail alike after the same work (a bcrypt check
/// either way). The attempt is counted before the password is checked, against the
/// buckets of `emporium_domain::throttle`; one with no attempts left refuses with
/// [`AppError::RateLimited`] without checking anything.
pub async fn log_in(state: &AppState, input: Credentials<'_>) -> AppResult<LoggedIn> {
    let now = state.now();
    let address = input.from.key();
    // A name that could never have registered matches nobody: skip the look-ups (and
    // count only the address) but still pay for a decoy hash check.
    let plausible = Username::parse(input.username).is_ok() && input.password.len() <= Password::MAX_BYTES;
    let username_key = plausible.then(|| Username::key_of(input.username));
    let known = match &username_key {
        Some(_) => {
            state
                .store()
                .knows_login_address(input.username, &address, now.minus(throttle::KNOWN_FOR))
                .await?
        }
        None => false,
    };
    let buckets = throttle::login_buckets(username_key.as_deref(), &address, known);
    state.store().take_login_attempt(buckets, now).await?;
    let credentials = match username_key {
        Some(_) => state.store().credentials(input.username).await?,
        None => None,
    };
    let hash = credentials.as_ref().map(|(_, hash)| hash.as_str());
    let valid = passwords(state)
        .await?
        .verify(input.password, hash)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let Some((user, hash)) = credentials.filter(|_| valid) else {
        return Err(AppError::InvalidCredentials);
    };
    state.store().login_succeeded(input.username, &address, now).await?;
    if state.passwords().needs_rehash(&hash) {
        rehash(state, &user, input.password, hash).await;
    }
    let token = tokens::generate().map_err(|e| AppError::Internal(e.into()))?;
    let expires_at = now.plus(state.config().session_ttl);
    let session = NewSession {
        token_hash: tokens::hash(&token),
        created_at: now,
        expires_at,
    };
    state.store().create_session(&user, session).await?;
    tracing::info!(user.id = user.id, "logged in");
    Ok(LoggedIn {
        token,
        expires_at,
        user,
    })
}

/// The password checker, told before its first check the slowest bcrypt cost among the
/// stored hashes (its decoy must take as long as the slowest account's check).
async fn passwords(state: &AppState) -> AppResult<&crate::passwords::Passwords> {
    let passwords = state.passwords();
    if !passwords.knows_slowest_cost_in_use() {
        passwords.learn_slowest_cost_in_use(state.store().slowest_password_cost().await?);
    }
    Ok(passwords)
}

/// Stores the password just verified at the current cost, so the account stops being
/// the odd one out in timing once the cost setting changed. Best effort: a failure is
/// logged, and the login goes on.
async fn rehash(state: &AppState, user: &User, password: &str, old_hash: String) {
    let rehashed = match Password::parse("password", password) {
        Ok(password) => state.passwords().hash(&password).await.map_err(anyhow::Error::from),
        Err(e) => Err(anyhow::anyhow!("{e}")),
    };
    let stored = match rehashed {
        Ok(new_hash) => state
            .store()
            .rehash_password(user.id, old_hash, new_hash)
            .await
            .map_err(anyhow::Error::from),
        Err(e) => Err(e),
    };
    match stored {
        Ok(()) => tracing::info!(user.id = user.id, "password rehashed at the current cost"),
        Err(e) => tracing::warn!(user.id = user.id, error = %e, "password rehash failed"),
    }
}

/// The user a session token belongs to, if it is one of ours and still valid.
pub async fn session(state: &AppState, token: &str) -> AppResult<Option<Session>> {
    if !tokens::looks_valid(token) {
        return Ok(None);
    }
    Ok(state.store().session(&tokens::hash(token), state.now()).await?)
}

/// Ends a session: its token stops working at once on this instance, and on other
/// instances within the session cache's lifetime (`--session-cache-ms`).
pub async fn log_out(state: &AppState, session_id: i64) -> AppResult<()> {
    Ok(state.store().delete_session(session_id).await?)
}

/// Changes the session user's password and ends every other session of theirs.
///
/// Every try draws on the account's password-change bucket before the current password
/// is checked (so a stolen session cannot guess it faster than the login form allows).
pub async fn change_password(state: &AppState, session: &Session, current: &str, new: &str) -> AppResult<()> {
    let new_password = Password::parse("new_password", new)?;
    let now = state.now();
    let bucket = throttle::password_change_bucket(session.user.id);
    state.store().take_login_attempt(vec![bucket], now).await?;
    let current_hash = state.store().password_hash(session.user.id).await?;
    let passwords = passwords(state).await?;
    if !passwords
        .verify(current, Some(&current_hash))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
    {
        return Err(FieldError::new("current_password", "does not match the password in use").into());
    }
    let hash = passwords
        .hash(&new_password)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    state
        .store()
        .change_password(session.user.id, session.id, hash, now)
        .await?;
    tracing::info!(user.id = session.user.id, "password changed; other sessions revoked");
    Ok(())
}

/// Profile changes as typed: `None` keeps a field, `Some(None)` (or blank) clears it.
#[derive(Debug, Clone, Default)]
pub struct ProfileEdit {
    /// 1–64 characters.
    pub display_name: Option<Option<String>>,
    /// An e-mail address.
    pub email: Option<Option<String>>,
    /// A phone number.
    pub phone: Option<Option<String>>,
}

/// Validates and applies profile changes.
pub async fn update_profile(state: &AppState, user_id: i64, edit: ProfileEdit) -> AppResult<User> {
    let changes = match (
        clearable(edit.display_name, DisplayName::parse),
        clearable(edit.email, Email::parse),
        clearable(edit.phone, |v| Phone::parse("phone", v)),
    ) {
        (Ok(display_name), Ok(email), Ok(phone)) => ProfileChanges {
            display_name,
            email,
            phone,
        },
        (a, b, c) => return Err(Invalid::of([a.err(), b.err(), c.err()]).into()),
    };
    Ok(state.store().update_profile(user_id, changes, state.now()).await?)
}

/// Validates and stores a new address in the user's book (20 at most).
pub async fn add_address(state: &AppState, user_id: i64, input: AddressInput<'_>) -> AppResult<Address> {
    let address = NewAddress::parse(input)?;
    Ok(state.store().add_address(user_id, address, state.now()).await?)
}

/// Removes one of the user's addresses; another user's is not found.
pub async fn delete_address(state: &AppState, user_id: i64, id: i64) -> AppResult<()> {
    state.store().delete_address(user_id, id).await.map_err(AppError::from)
}

/// Parses a field that may be cleared: absent → keep (`None`), `null` or blank → clear
/// (`Some(None)`), anything else → parsed.
pub fn clearable<T>(
    value: Option<Option<String>>,
    parse: impl Fn(&str) -> Result<T, FieldError>,
) -> Result<Option<Option<T>>, FieldError> {
    match value {
        None => Ok(None),
        Some(v) => match v.as_deref().map(str::trim) {
            None | Some("") => Ok(Some(None)),
            Some(v) => parse(v).map(|t| Some(Some(t))),
        },
    }
}
