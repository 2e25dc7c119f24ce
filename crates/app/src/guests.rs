//! Shopping without an account: a guest cart (a cart token, or the pages' cookie),
//! checkout with an email address, the order's own link, looking an order up by its
//! number and email, and the merge of a guest cart into an account's at login.
//!
//! A guest is a customer row with no usable password (`store/src/guests.rs`), so the
//! cart and order use cases serve it unchanged. What only a guest has is here: its cart
//! session, which no route but the cart and checkout accepts, and its order link's
//! token, an HMAC of the order id under the instances' shared secret. Nothing of the
//! token is stored, so a lookup can hand out the link again; another order's token, or
//! a changed one, is simply not found.

use std::time::Duration;

use emporium_domain::account::{Email, Phone};
use emporium_domain::address::{AddressInput, NewAddress};
use emporium_domain::locale::Locale;
use emporium_domain::throttle::Bucket;
use emporium_domain::time::Timestamp;
use emporium_domain::{FieldError, Invalid};
use emporium_store::accounts::{NewSession, Session, User};
use emporium_store::guests::{GuestContact, Merged};
use emporium_store::idempotency::{IdempotencyKey, Idempotent, Render};
use emporium_store::order_read::Order;
use emporium_store::pricing::CartPricing;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::accounts::ClientAddress;
use crate::error::{AppError, AppResult};
use crate::orders::{self, Checkout};
use crate::state::AppState;
use crate::tokens;

/// How long a guest cart lives by default (each use does not extend it).
pub const DEFAULT_CART_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
/// Order lookups (number plus email) one address may try per throttle window.
pub const LOOKUPS_PER_ADDRESS: i64 = 10;
/// Lookups of one order, from anywhere, per throttle window.
pub const LOOKUPS_PER_ORDER: i64 = 10;

/// A guest cart just opened.
#[derive(Debug, Clone)]
pub struct GuestCart {
    /// The cart token (shown once; stored only as a hash).
    pub token: String,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// The guest.
    pub user: User,
}

/// Opens a guest cart. `locale` is the visitor's language, for the messages of the
/// orders it may place.
pub async fn open_cart(state: &AppState, locale: Option<Locale>) -> AppResult<GuestCart> {
    let now = state.now();
    let token = tokens::generate().map_err(|e| AppError::Internal(e.into()))?;
    let name = tokens::generate().map_err(|e| AppError::Internal(e.into()))?;
    let expires_at = now.plus(state.config().guest_cart_ttl);
    let session = NewSession {
        token_hash: tokens::hash(&token),
        created_at: now,
        expires_at,
    };
    let user = state
        .store()
        .create_guest(
            format!("guest-{}", &name[..16]),
            locale.unwrap_or(Locale::ZhCn).tag(),
            session,
        )
        .await?;
    Ok(GuestCart {
        token,
        expires_at,
        user,
    })
}

/// The guest a cart token belongs to; `None` for an unknown or expired token, or one
/// that is a login session rather than a cart.
pub async fn cart_session(state: &AppState, token: &str) -> AppResult<Option<Session>> {
    let session = state.store().session(&tokens::hash(token), state.now()).await?;
    Ok(session.filter(|s| s.user.guest))
}

/// Moves a guest cart into `user_id`'s cart (at login or registration). A token that is
/// not a live guest cart merges nothing: the login goes on either way.
pub async fn merge_cart(state: &AppState, cart_token: &str, user_id: i64) -> AppResult<Merged> {
    let Some(guest) = cart_session(state, cart_token).await? else {
        return Ok(Merged::default());
    };
    let merged = state.store().merge_cart(guest.user.id, user_id, state.now()).await?;
    tracing::info!(
        user.id = user_id,
        guest.id = guest.user.id,
        lines = merged.lines,
        capped = merged.capped,
        "guest cart merged"
    );
    Ok(merged)
}

/// Signs and checks order links' tokens. Cheap to clone into an answer renderer.
#[derive(Clone)]
pub struct OrderLinks {
    key: std::sync::Arc<[u8]>,
}

impl std::fmt::Debug for OrderLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OrderLinks")
    }
}

impl OrderLinks {
    /// Links signed under a key derived from `secret` (the cursors' secret) with a label
    /// of their own, so no cursor's MAC is ever an order link's.
    pub fn new(secret: &[u8]) -> Self {
        let mut derive = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
        derive.update(b"emporium order links v1");
        Self {
            key: std::sync::Arc::from(&derive.finalize().into_bytes()[..]),
        }
    }

    fn mac(&self, order_id: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(format!("order-access/{order_id}").as_bytes());
        mac
    }

    /// The token of order `order_id`'s link: 256 bits, URL-safe.
    pub fn token(&self, order_id: i64) -> String {
        hex::encode(self.mac(order_id).finalize().into_bytes())
    }

    /// Whether `token` is order `order_id`'s (compared in constant time).
    pub fn verify(&self, order_id: i64, token: &str) -> bool {
        hex::decode(token.trim()).is_ok_and(|bytes| self.mac(order_id).verify_slice(&bytes).is_ok())
    }
}

/// The owner of a guest order, standing for whoever holds its link's token (`id` 0: no
/// session). Any other token, or an order that is not a guest's, is not found.
pub async fn order_session(state: &AppState, order_id: i64, token: &str) -> AppResult<Session> {
    if !state.order_links().verify(order_id, token) {
        return Err(AppError::NotFound("order"));
    }
    let (owner, _) = state
        .store()
        .guest_order_contact(order_id)
        .await?
        .ok_or(AppError::NotFound("order"))?;
    Ok(Session {
        id: 0,
        user: state.store().user(owner).await?,
    })
}

/// Where the shop shows order `order_id` (a path): a guest order's link with its token,
/// else the buyer's own page (which asks them to log in). A pay provider sends the buyer
/// back here.
pub async fn order_page(state: &AppState, order_id: i64) -> AppResult<String> {
    let guest = state.store().guest_order_contact(order_id).await?.is_some();
    Ok(order_link(state, order_id, guest))
}

/// [`order_page`] when whether a guest placed the order is known already.
pub fn order_link(state: &AppState, order_id: i64, guest: bool) -> String {
    if guest {
        format!("/orders/{order_id}?access={}", state.order_links().token(order_id))
    } else {
        format!("/orders/{order_id}")
    }
}

/// What a guest types at checkout besides what a customer chooses.
#[derive(Debug, Clone)]
pub struct GuestDetails<'a> {
    /// Where the order's messages go.
    pub email: &'a str,
    /// A phone number for the shop (blank is none).
    pub phone: Option<&'a str>,
    /// Where it ships.
    pub address: AddressInput<'a>,
    /// Whether they want a text message when it ships (to the address's phone).
    pub sms_opt_in: bool,
}

/// Places a guest's order from its cart: the address typed becomes the guest's one
/// address, and the order keeps the email (and phone). `checkout.address_id` is ignored.
pub async fn place_order(
    state: &AppState,
    guest: &Session,
    details: GuestDetails<'_>,
    checkout: &Checkout,
    key: Option<IdempotencyKey>,
    render: Render<Order>,
) -> AppResult<Idempotent<Order>> {
    if !guest.user.guest {
        return Err(AppError::Forbidden);
    }
    let (email, phone, address) = match (
        Email::parse(details.email),
        details
            .phone
            .filter(|p| !p.trim().is_empty())
            .map(|p| Phone::parse("phone", p))
            .transpose(),
        NewAddress::parse(details.address).map_err(|e| prefixed(e, "address")),
    ) {
        (Ok(e), Ok(p), Ok(a)) => (e, p, a),
        (e, p, a) => {
            let mut errors: Vec<FieldError> = [e.err(), p.err()].into_iter().flatten().collect();
            if let Err(Invalid(more)) = a {
                errors.extend(more);
            }
            return Err(AppError::Invalid(errors));
        }
    };
    let address_id = use_address(state, guest, address).await?;
    let contact = GuestContact {
        email: email.as_str().to_owned(),
        phone: phone.map(|p| p.as_str().to_owned()),
        sms_opt_in: details.sms_opt_in,
    };
    let checkout = Checkout {
        address_id,
        ..checkout.clone()
    };
    orders::place(state, guest.user.id, &checkout, Some(contact), key, render).await
}

/// Prices a guest's cart to the address it has just typed, before placing (the guest
/// checkout page's preview): the address becomes the guest's one address, as placing
/// makes it; a coupon that does not apply is reported, not refused.
pub async fn price_cart(
    state: &AppState,
    guest: &Session,
    address: AddressInput<'_>,
    shipping_method_id: Option<i64>,
    coupon_codes: &[String],
) -> AppResult<CartPricing> {
    if !guest.user.guest {
        return Err(AppError::Forbidden);
    }
    let address = NewAddress::parse(address).map_err(|e| AppError::Invalid(prefixed(e, "address").0))?;
    let address_id = use_address(state, guest, address).await?;
    crate::cart::price(state, guest.user.id, address_id, shipping_method_id, coupon_codes).await
}

/// Makes `address` the guest's one address (a guest keeps the last one it typed); answers
/// its id.
async fn use_address(state: &AppState, guest: &Session, address: NewAddress) -> AppResult<i64> {
    let store = state.store();
    store.forget_guest_addresses(guest.user.id).await?;
    Ok(store.add_address(guest.user.id, address, state.now()).await?.id)
}

/// The address's fields named under `address.` (the guest form nests them).
fn prefixed(invalid: Invalid, prefix: &str) -> Invalid {
    Invalid(
        invalid
            .0
            .into_iter()
            .map(|e| FieldError::new(format!("{prefix}.{}", e.field), e.message))
            .collect(),
    )
}

/// Looks a guest order up by its number and the email it was placed with, and answers its
/// link's token. Throttled per client address and per order, so neither numbers nor
/// emails can be tried at speed; a wrong pair is not found, like a missing order.
pub async fn look_up_order(state: &AppState, order_id: i64, email: &str, from: ClientAddress) -> AppResult<String> {
    let email = Email::parse(email)?;
    let buckets = vec![
        Bucket {
            key: format!("order-lookup:{}", from.key()),
            budget: LOOKUPS_PER_ADDRESS,
        },
        Bucket {
            key: format!("order-lookup-order:{order_id}"),
            budget: LOOKUPS_PER_ORDER,
        },
    ];
    state.store().take_login_attempt(buckets, state.now()).await?;
    match state.store().guest_order_contact(order_id).await? {
        Some((_, placed_with)) if placed_with.eq_ignore_ascii_case(email.as_str()) => {
            Ok(state.order_links().token(order_id))
        }
        _ => Err(AppError::NotFound("order")),
    }
}
