//! Accounts: registering, logging in and out (with the login throttle), the profile, the
//! password and the address book. Every operation is scoped to the user it is given, so
//! nobody reaches another's data through these.

use emporium_domain::account::{DisplayName, Email, Password, Phone, Role, Username};
use emporium_domain::address::{AddressInput, NewAddress};
use emporium_domain::locale::Locale;
use emporium_domain::message::MessageKind;
use emporium_domain::throttle;
use emporium_domain::time::Timestamp;
use emporium_domain::{FieldError, Invalid};
use emporium_store::account_tokens::{NewToken, Purpose, Verified};
use emporium_store::accounts::{Address, NewSession, NewUser, ProfileChanges, Session, User};
use emporium_store::messages::NewMessage;

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
    /// An optional contact address (blank is none); a link to prove it is sent.
    pub email: Option<&'a str>,
    /// The visitor's language, for the messages the account will get.
    pub locale: Option<Locale>,
    /// A guest cart to bring into the new account's cart.
    pub cart_token: Option<&'a str>,
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
    let mut user = user;
    if let Some(locale) = input.locale.filter(|l| l.tag() != user.locale) {
        state.store().set_locale(user.id, locale.tag()).await?;
        user.locale = locale.tag().to_owned();
    }
    if let Some(email) = user.email.clone() {
        send_verification(state, &user, email).await?;
    }
    if let Some(cart) = input.cart_token {
        crate::guests::merge_cart(state, cart, user.id).await?;
    }
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
    /// A guest cart to bring into the account's cart once logged in.
    pub cart_token: Option<&'a str>,
}

/// The address a request came from: the peer's, or the balancer's `X-Forwarded-For`
/// entry when the settings trust it. The server resolves it once per request and hands
/// it to the API and the pages; `None` when unknown (all such requests share a budget).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientAddress(pub Option<std::net::IpAddr>);

impl ClientAddress {
    /// The form the throttle counts by.
    pub(crate) fn key(self) -> String {
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
    if let Err(e) = state.store().take_login_attempt(buckets, now).await {
        if let emporium_store::StoreError::Throttled(_) = e {
            // A lock-out (account, address or both): recorded against the account when
            // the name is one, without the name typed otherwise (it may be anything).
            let user = match &username_key {
                Some(_) => state.store().credentials(input.username).await?.map(|(u, _)| u),
                None => None,
            };
            crate::audit::security(
                state,
                "login.locked",
                user.as_ref(),
                input.from.0.map(|ip| ip.to_string()),
                "",
            )
            .await;
        }
        return Err(e.into());
    }
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
    let Some((user, hash)) = credentials.clone().filter(|_| valid) else {
        let user = credentials.map(|(user, _)| user);
        let summary = if user.is_some() {
            "wrong password"
        } else {
            "unknown account"
        };
        crate::audit::security(
            state,
            "login.failed",
            user.as_ref(),
            input.from.0.map(|ip| ip.to_string()),
            summary,
        )
        .await;
        return Err(AppError::InvalidCredentials);
    };
    // Told only to whoever knows the password, so it gives nothing away to others.
    if user.disabled_at.is_some() {
        return Err(AppError::NotAllowed("this account is disabled".into()));
    }
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
    if let Some(cart) = input.cart_token {
        crate::guests::merge_cart(state, cart, user.id).await?;
    }
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
    /// The language of the account's messages (`zh-CN` or `en`).
    pub locale: Option<String>,
}

/// Validates and applies profile changes.
pub async fn update_profile(state: &AppState, user_id: i64, edit: ProfileEdit) -> AppResult<User> {
    let locale = edit
        .locale
        .as_deref()
        .map(|l| match l {
            "zh-CN" => Ok(Locale::ZhCn),
            "en" => Ok(Locale::En),
            _ => Err(FieldError::new("locale", "must be zh-CN or en")),
        })
        .transpose();
    let changes = match (
        clearable(edit.display_name, DisplayName::parse),
        clearable(edit.email, Email::parse),
        clearable(edit.phone, |v| Phone::parse("phone", v)),
        locale,
    ) {
        (Ok(display_name), Ok(email), Ok(phone), Ok(locale)) => (
            ProfileChanges {
                display_name,
                // Clearing takes effect at once; a new address only once its link is followed.
                email: email.clone().filter(Option::is_none),
                phone,
            },
            email.flatten(),
            locale,
        ),
        (a, b, c, d) => return Err(Invalid::of([a.err(), b.err(), c.err(), d.err()]).into()),
    };
    let (changes, new_email, locale) = changes;
    if let Some(locale) = locale {
        state.store().set_locale(user_id, locale.tag()).await?;
    }
    let user = state.store().update_profile(user_id, changes, state.now()).await?;
    if let Some(email) = new_email.filter(|e| user.email.as_deref() != Some(e.as_str())) {
        send_verification(state, &user, email.as_str().to_owned()).await?;
    }
    Ok(user)
}

/// How long a password-reset link works.
pub const RESET_TTL: std::time::Duration = std::time::Duration::from_secs(30 * 60);
/// How long an email-verification link works.
pub const VERIFY_TTL: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// Reset requests one client address may make per throttle window.
pub const RESETS_PER_ADDRESS: i64 = 10;
/// Reset links one account may be sent per throttle window.
pub const RESETS_PER_ACCOUNT: i64 = 3;
/// Most accounts one reset request reaches (several may share an email address).
const ACCOUNTS_PER_RESET: i64 = 5;

/// Asks for a password-reset link for the account named by `login` (its username or
/// email address). The answer is the same whether or not such an account exists, and
/// comes as soon as the request is counted against the client address's budget: finding
/// the account and writing its token and message happen after the answer, so neither the
/// outcome nor the time taken tells an account's existence. Each account is sent at
/// most [`RESETS_PER_ACCOUNT`] links per window; one without an email address gets none.
pub async fn request_password_reset(state: &AppState, login: &str, from: ClientAddress) -> AppResult<()> {
    let login = login.trim();
    if login.is_empty() || login.len() > 254 {
        return Err(FieldError::new("login", "must be a username or an email address").into());
    }
    let bucket = throttle::Bucket {
        key: format!("reset-address:{}", from.key()),
        budget: RESETS_PER_ADDRESS,
    };
    state.store().take_login_attempt(vec![bucket], state.now()).await?;
    let state = state.clone();
    let login = login.to_owned();
    tokio::spawn(async move {
        if let Err(e) = send_reset_links(&state, &login).await {
            tracing::warn!(error = %e, "password reset: link not sent");
        }
    });
    Ok(())
}

async fn send_reset_links(state: &AppState, login: &str) -> AppResult<()> {
    for user in state.store().accounts_named(login, ACCOUNTS_PER_RESET).await? {
        if user.email.is_none() {
            continue;
        }
        let bucket = throttle::Bucket {
            key: format!("reset-account:{}", user.id),
            budget: RESETS_PER_ACCOUNT,
        };
        match state.store().take_login_attempt(vec![bucket], state.now()).await {
            Err(emporium_store::StoreError::Throttled(_)) => continue,
            other => other?,
        }
        issue_token(state, &user, Purpose::PasswordReset, None).await?;
        tracing::info!(user.id = user.id, "password reset link owed");
    }
    Ok(())
}

/// Sets a new password with a reset link's token; every session of the account ends.
/// A token that is unknown, used or expired is `422 invalid_token`.
pub async fn reset_password(state: &AppState, token: &str, new_password: &str) -> AppResult<()> {
    let password = Password::parse("new_password", new_password)?;
    let hash = state
        .passwords()
        .hash(&password)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let user_id = state
        .store()
        .reset_password(tokens::hash(token.trim()), hash, state.now())
        .await
        .map_err(invalid_token)?;
    tracing::info!(user.id = user_id, "password reset; every session revoked");
    Ok(())
}

/// Proves an email address with its link's token: it becomes the account's, verified,
/// and guest orders placed with it join the account.
pub async fn verify_email(state: &AppState, token: &str) -> AppResult<Verified> {
    let verified = state
        .store()
        .verify_email(tokens::hash(token.trim()), state.now())
        .await
        .map_err(invalid_token)?;
    tracing::info!(
        user.id = verified.user.id,
        attached = verified.attached_orders,
        "email verified"
    );
    Ok(verified)
}

/// Sends the session user a new link for their address (or the one waiting for proof).
pub async fn resend_verification(state: &AppState, user: &User) -> AppResult<()> {
    let email = match state.store().pending_email(user.id, state.now()).await? {
        Some(pending) => pending,
        None => user
            .email
            .clone()
            .filter(|_| !user.email_verified)
            .ok_or_else(|| AppError::Conflict {
                code: "nothing_to_verify",
                detail: "the account has no unverified email address".into(),
            })?,
    };
    send_verification(state, user, email).await
}

/// Sets the language the user's messages are written in.
pub async fn set_locale(state: &AppState, user_id: i64, locale: Locale) -> AppResult<()> {
    Ok(state.store().set_locale(user_id, locale.tag()).await?)
}

async fn send_verification(state: &AppState, user: &User, email: String) -> AppResult<()> {
    issue_token(state, user, Purpose::VerifyEmail, Some(email)).await
}

/// Issues a token of `purpose` and owes the message carrying it, in one transaction.
async fn issue_token(state: &AppState, user: &User, purpose: Purpose, email: Option<String>) -> AppResult<()> {
    let now = state.now();
    let token = tokens::generate().map_err(|e| AppError::Internal(e.into()))?;
    let token_hash = tokens::hash(&token);
    let (kind, ttl) = match purpose {
        Purpose::PasswordReset => (MessageKind::PasswordReset, RESET_TTL),
        Purpose::VerifyEmail => (MessageKind::VerifyEmail, VERIFY_TTL),
    };
    let message = NewMessage {
        // The hash names the event without giving the token away.
        event_key: format!("{}:{}:{}", kind.as_str(), user.id, &token_hash[..16]),
        kind,
        user_id: Some(user.id),
        order_id: None,
        recipient: email.clone(),
        detail: None,
        secret: Some(token),
    };
    let token = NewToken {
        user_id: user.id,
        purpose,
        token_hash,
        email,
        expires_at: now.plus(ttl),
        message,
    };
    Ok(state.store().issue_token(token, now).await?)
}

fn invalid_token(e: emporium_store::StoreError) -> AppError {
    match e {
        emporium_store::StoreError::NotFound("token") => AppError::Unprocessable {
            code: "invalid_token",
            errors: vec![FieldError::new(
                "token",
                "is unknown, used or expired; ask for a new link",
            )],
        },
        other => other.into(),
    }
}

/// Validates and stores a new address in the user's book (20 at most).
pub async fn add_address(state: &AppState, user_id: i64, input: AddressInput<'_>) -> AppResult<Address> {
    let address = NewAddress::parse(input)?;
    Ok(state.store().add_address(user_id, address, state.now()).await?)
}

/// Validates and stores new fields for one of the user's addresses; another user's is not
/// found. Orders placed to it keep the address as it was.
pub async fn update_address(state: &AppState, user_id: i64, id: i64, input: AddressInput<'_>) -> AppResult<Address> {
    let address = match NewAddress::parse(input) {
        Ok(address) => address,
        // Someone else's address is not found whatever the fields say: its existence is
        // not confirmed by a validation error.
        Err(invalid) => {
            let book = state.store().addresses(user_id).await?;
            return Err(if book.iter().any(|a| a.id == id) {
                invalid.into()
            } else {
                AppError::NotFound("address")
            });
        }
    };
    Ok(state.store().update_address(user_id, id, address, state.now()).await?)
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
