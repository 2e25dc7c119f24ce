//! Abuse limits on writes: every request that changes something (any method but GET,
//! HEAD and OPTIONS) is counted against its client address and, when it carries one,
//! against its session. Past the limit it is answered 429 `rate_limited` with
//! `Retry-After`, before any handler or database work is done.
//!
//! Two keys, because each alone can be dodged: a session limit alone is escaped by
//! sending a fresh made-up token with every request (register and login do not look at
//! tokens); an address limit alone would make every shopper behind one office NAT share
//! one budget, so it is the generous one. Reads are not limited here: they are cheap,
//! cached, and bounded by page-size caps and the request timeout.
//!
//! Provider notifications (`/api/v1/payments/notify/…`) and the sandbox provider's own
//! pages (`/sandbox/…`) are exempt: a provider must never be told to back off from
//! confirming a payment, and the signature check rejects forgeries at the cost of one HMAC.
//!
//! The counters live in this process (GCRA cells from `governor`), so with N instances
//! behind a load balancer a client can make N times as many writes; OPERATIONS.md says
//! how to limit at the balancer for a global figure.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use emporium_app::accounts::ClientAddress;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use emporium_api::error::ApiError;
use emporium_app::WriteLimits;

/// The limiters of one instance.
pub struct Limiters {
    settings: WriteLimits,
    by_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    by_session: Option<DefaultKeyedRateLimiter<[u8; 16]>>,
}

impl std::fmt::Debug for Limiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiters")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn limiter<K: std::hash::Hash + Eq + Clone>(per_second: u32) -> Option<DefaultKeyedRateLimiter<K>> {
    let rate = NonZeroU32::new(per_second)?;
    let burst = NonZeroU32::new(per_second.saturating_mul(2))?;
    Some(RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)))
}

impl Limiters {
    /// Limiters for `settings`.
    pub fn new(settings: WriteLimits) -> Arc<Self> {
        Arc::new(Self {
            settings,
            by_address: limiter(settings.per_address),
            by_session: limiter(settings.per_session),
        })
    }

    /// Counts one write by `address` (and `session`, if any); `Err(wait)` when over.
    pub fn check(&self, address: Option<IpAddr>, session: Option<[u8; 16]>) -> Result<(), Duration> {
        // Each limiter's wait is measured on its own clock (the one its cells were set by).
        if let (Some(limiter), Some(address)) = (&self.by_address, address) {
            limiter
                .check_key(&address)
                .map_err(|over| over.wait_time_from(limiter.clock().now()))?;
        }
        if let (Some(limiter), Some(session)) = (&self.by_session, session) {
            limiter
                .check_key(&session)
                .map_err(|over| over.wait_time_from(limiter.clock().now()))?;
        }
        Ok(())
    }

    /// Forgets clients that are back under their limit, so the tables stay as small as
    /// the set of recently active clients (called by the job loop).
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.by_address {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.by_session {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// Middleware: resolves the client's address (handed on to the handlers as
/// [`ClientAddress`], for the login throttle), counts writes and answers 429 past a limit.
pub async fn limit_writes(State(limiters): State<Arc<Limiters>>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let address = if limiters.settings.trust_forwarded_for {
        forwarded_for(req.headers()).or(peer)
    } else {
        peer
    };
    req.extensions_mut().insert(ClientAddress(address));
    if is_exempt(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    match limiters.check(address, session_key(req.headers())) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            metrics::counter!("emporium_rate_limited_total").increment(1);
            // Round up: a client that waits the whole seconds it is told must get through.
            ApiError::RateLimited(Duration::from_secs(wait.as_secs() + 1)).into_response()
        }
    }
}

fn is_exempt(method: &Method, path: &str) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || path.starts_with("/api/v1/payments/notify/")
        || path.starts_with("/sandbox/")
}

/// The address the balancer appended last to `X-Forwarded-For` (earlier entries are
/// whatever the client claimed).
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers.get_all("x-forwarded-for").iter().next_back()?;
    last.to_str().ok()?.rsplit(',').next()?.trim().parse().ok()
}

/// A fixed-size digest of the credential the request carries (bearer token or session
/// cookie), so the table holds no tokens and every key costs the same memory.
fn session_key(headers: &HeaderMap) -> Option<[u8; 16]> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| emporium_web::session_token(headers))?;
    let digest = Sha256::digest(token.as_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_twice_the_rate_passes_then_the_next_write_waits() {
        let limiters = Limiters::new(WriteLimits {
            per_address: 5,
            per_session: 0,
            trust_forwarded_for: false,
        });
        let me = Some(IpAddr::from([192, 0, 2, 1]));
        for _ in 0..10 {
            assert_eq!(limiters.check(me, None), Ok(()));
        }
        let wait = limiters.check(me, None).expect_err("the 11th write is over");
        assert!(
            wait <= Duration::from_millis(200),
            "one cell refills in 1/5 s: {wait:?}"
        );
        // Someone else is not affected.
        assert_eq!(limiters.check(Some(IpAddr::from([192, 0, 2, 2])), None), Ok(()));
    }

    #[test]
    fn a_session_is_limited_even_from_many_addresses() {
        let limiters = Limiters::new(WriteLimits {
            per_address: 0,
            per_session: 1,
            trust_forwarded_for: false,
        });
        let session = Some([7u8; 16]);
        assert!(limiters.check(Some(IpAddr::from([10, 0, 0, 1])), session).is_ok());
        assert!(limiters.check(Some(IpAddr::from([10, 0, 0, 2])), session).is_ok());
        assert!(limiters.check(Some(IpAddr::from([10, 0, 0, 3])), session).is_err());
    }

    #[test]
    fn off_means_off() {
        let limiters = Limiters::new(WriteLimits::OFF);
        for _ in 0..10_000 {
            assert!(limiters.check(Some(IpAddr::from([10, 0, 0, 1])), Some([1; 16])).is_ok());
        }
    }

    #[test]
    fn forwarded_for_takes_the_balancers_entry_not_the_clients_claim() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "1.2.3.4, 198.51.100.7".parse().expect("header"));
        assert_eq!(forwarded_for(&headers), Some(IpAddr::from([198, 51, 100, 7])));
        headers.insert("x-forwarded-for", "garbage".parse().expect("header"));
        assert_eq!(forwarded_for(&headers), None);
    }

    #[test]
    fn reads_and_provider_calls_are_exempt() {
        assert!(is_exempt(&Method::GET, "/api/v1/orders"));
        assert!(is_exempt(&Method::POST, "/api/v1/payments/notify/sandbox"));
        assert!(is_exempt(&Method::POST, "/sandbox/pay/1/complete"));
        assert!(!is_exempt(&Method::POST, "/api/v1/orders"));
        assert!(!is_exempt(&Method::POST, "/login"));
        assert!(!is_exempt(&Method::DELETE, "/api/v1/cart"));
    }
}
