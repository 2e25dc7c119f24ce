//! Crash safety: checkout load against the real `emporium serve`, killed with SIGKILL at
//! random moments, many times, on SQLite and PostgreSQL.
//!
//! Concurrent shoppers (customers, and guests with a cart token) run the whole journey (cart, `POST /orders` with an
//! `Idempotency-Key`, pay, complete at the sandbox, duplicate and forged signed
//! notifications, refunds approved or rejected by staff, some payments arriving after the
//! order expired; after the sale, paid orders cancelled by staff with a full refund and
//! delivered orders returned (asked, approved, received with units resellable or damaged,
//! paid back); a quarter of the customers' orders paid through WeChat Pay instead, at
//! a local fake that speaks its protocol, with encrypted notifications delivered until
//! acknowledged and refunds finished later by notification), retrying every request with the same key and body until it is
//! answered, across the kills. After each kill `emporium check` must pass on the crashed
//! database; at the end the harness checks, from the clients' side and against the
//! sandbox's and the fake WeChat Pay's ledgers, the four promises: every acknowledged order exists exactly once, no
//! unit is sold that was not received, no payment or refund is applied twice, and no
//! refund is left `processing` once the recovery job has had its chance.
//!
//! `EMPORIUM_CRASH_ROUNDS` sets the kills per engine (default 15), `EMPORIUM_CRASH_SEED`
//! the seed (default: random, printed), `EMPORIUM_CRASH_CLIENTS` the shoppers (default 10).

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use emporium_payments::{Notification, NotifiedStatus, RefundRequest, notification_body, signature, trade_no};
use emporium_store::{Store, StoreOptions};
use emporium_testkit::wechatpay::FakeWechatPay;
use emporium_testkit::{TestDb, engine_test, keys};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row;

/// The sandbox's signing secret: the harness plays the provider too, so it signs its own
/// (duplicate) notifications with it.
const SECRET: &str = "crash-harness-sandbox-secret";
/// Unpaid orders expire this fast, so some payments arrive late (and are refunded).
const PAYMENT_TIMEOUT_SECS: u64 = 4;
/// Products on sale, and units received of each: few enough that the shoppers run out.
const PRODUCTS: usize = 5;
/// The coupon half the orders carry, and how many orders may use it.
const COUPON: &str = "CRASH5";
const COUPON_USES: i64 = 25;
const UNITS_EACH: i64 = 30;
/// Shoppers without an account, beside the customers.
const GUESTS: usize = 2;
/// The share of customers' orders paid through (the fake) WeChat Pay.
const WECHAT_SHARE: f32 = 0.25;
const MCH_ID: &str = "1900000001";
const WX_APP_ID: &str = "wxd678efh567hg6787";
const API_V3_KEY: &[u8; 32] = b"crash-harness-api-v3-key-32bytes";

/// The settings that turn WeChat Pay on against `fake`, with the merchant's key files
/// written to `dir` as a merchant would keep them.
fn wechat_env(fake: &FakeWechatPay, dir: &Path) -> Vec<(String, String)> {
    let merchant = keys::shared(0);
    let file = |name: &str, text: &str| keys::write(dir, name, text).display().to_string();
    vec![
        ("EMPORIUM_WECHATPAY_MCH_ID".into(), MCH_ID.into()),
        ("EMPORIUM_WECHATPAY_APP_ID".into(), WX_APP_ID.into()),
        (
            "EMPORIUM_WECHATPAY_SERIAL".into(),
            "5157F09EFDC096DE15EBE81A47057A7232F1B8E1".into(),
        ),
        (
            "EMPORIUM_WECHATPAY_PRIVATE_KEY_FILE".into(),
            file("apiclient_key.pem", &merchant.private_pkcs8),
        ),
        (
            "EMPORIUM_WECHATPAY_PUBLIC_KEY_FILE".into(),
            file("wechatpay_public.pem", &fake.platform_public_key_pem()),
        ),
        ("EMPORIUM_WECHATPAY_PUBLIC_KEY_ID".into(), fake.platform_public_key_id()),
        (
            "EMPORIUM_WECHATPAY_API_V3_KEY_FILE".into(),
            file("api_v3_key", std::str::from_utf8(API_V3_KEY).unwrap()),
        ),
        ("EMPORIUM_WECHATPAY_BASE_URL".into(), fake.base_url()),
    ]
}

/// The binary under test, with settings pointing at `db` and a scratch data dir.
fn emporium(db: &TestDb, data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_emporium"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("EMPORIUM_DATA_DIR", data_dir)
        .env("EMPORIUM_DATABASE_URL", &db.url)
        .env("EMPORIUM_BCRYPT_COST", "10")
        .env("EMPORIUM_SANDBOX_SECRET", SECRET)
        .env("EMPORIUM_ORDER_PAYMENT_TIMEOUT", format!("{PAYMENT_TIMEOUT_SECS}s"))
        // Refunds a killed instance left `processing` are re-asked for after a second.
        .env("EMPORIUM_REFUND_RETRY_AFTER", "1s")
        // Ten shoppers on one address retrying through kills write faster than any person;
        // the limits have tests of their own (tests/api/limits.rs).
        .env("EMPORIUM_WRITE_LIMIT_PER_ADDRESS", "0")
        .env("EMPORIUM_WRITE_LIMIT_PER_SESSION", "0")
        // The recovery job's decisions are counted from the log.
        .env("RUST_LOG", "warn,emporium_app::jobs=info");
    cmd
}

/// Starts `serve` on a free port with `providers` (settings), its log appended to `log`;
/// answers the child and URL.
fn serve(db: &TestDb, data_dir: &Path, log: &Path, providers: &[(String, String)]) -> (Child, String) {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    let mut cmd = emporium(db, data_dir);
    cmd.envs(providers.iter().map(|(k, v)| (k, v)));
    cmd.args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(log);
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    (child, url)
}

/// `emporium check` on the database as the crash left it: answers how many invariants held.
fn check(db: &TestDb, data_dir: &Path) -> usize {
    let out = emporium(db, data_dir).arg("check").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "emporium check failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .strip_prefix("clean: ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected check output {stdout:?}"))
}

/// Counters printed at the end.
#[derive(Default)]
struct Figures {
    requests: AtomicU64,
    retried: AtomicU64,
    acknowledged: AtomicU64,
    out_of_stock: AtomicU64,
    coupon_refused: AtomicU64,
    guest_orders: AtomicU64,
    replays: AtomicU64,
    payments_completed: AtomicU64,
    late_payments: AtomicU64,
    wechat_payments: AtomicU64,
    notifications: AtomicU64,
    forged: AtomicU64,
    refunds_requested: AtomicU64,
    approvals: AtomicU64,
    rejections: AtomicU64,
    staff_cancels: AtomicU64,
    returns_received: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// An order a client saw acknowledged with 201.
#[derive(Debug, Clone)]
struct Acked {
    user: usize,
    key: String,
    body: Value,
    id: i64,
    product: i64,
    quantity: i64,
    /// A guest's order: its cart token and the order's access token.
    guest: Option<(String, String)>,
}

/// Who shops: a customer with a login and an address, or a guest with a cart token who
/// gives an email and an address with each order.
#[derive(Debug, Clone)]
enum Buyer {
    Customer { token: String, address: i64 },
    Guest { cart: String },
}

impl Buyer {
    /// The bearer token, for a customer.
    fn bearer(&self) -> Option<&str> {
        match self {
            Buyer::Customer { token, .. } => Some(token),
            Buyer::Guest { .. } => None,
        }
    }

    /// The `Cart-Token` header, for a guest.
    fn cart(&self) -> Option<(&'static str, String)> {
        match self {
            Buyer::Customer { .. } => None,
            Buyer::Guest { cart } => Some(("cart-token", cart.clone())),
        }
    }

    /// The body of `POST /orders`.
    fn order(&self, user: usize, coupon: bool) -> Value {
        let mut body = match self {
            Buyer::Customer { address, .. } => json!({"address_id": address}),
            Buyer::Guest { .. } => json!({
                "email": format!("guest{user}@example.com"),
                "address": {"recipient": "李雷", "phone": "+86 139 0000 0000", "line1": "南京路 1 号", "city": "上海", "country": "CN"},
            }),
        };
        if coupon {
            body["coupon_codes"] = json!([COUPON]);
        }
        body
    }
}

/// What the clients share: where the server is now, and what they saw.
struct Shared {
    url: RwLock<String>,
    http: reqwest::Client,
    stop: AtomicBool,
    figures: Figures,
    acked: Mutex<Vec<Acked>>,
    /// Payments completed as succeeded at the sandbox: (payment, order, amount, currency).
    paid: Mutex<Vec<(i64, i64, i64, String)>>,
    unexpected: Mutex<Vec<String>>,
    /// The WeChat Pay the shop talks to.
    wechat: FakeWechatPay,
}

impl Shared {
    /// Sends until the server answers (connection refused, reset or timed out while it is
    /// down or being killed: the same request again, same key and body); answers the
    /// status and JSON body. 5xx answers are retried too.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        key: Option<&str>,
        body: Option<&Value>,
        extra: Option<(&str, String)>,
    ) -> (StatusCode, Value) {
        let response = self
            .until_answered(method.clone(), path, |mut request| {
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                if let Some(key) = key {
                    request = request.header("Idempotency-Key", key);
                }
                if let Some((name, value)) = &extra {
                    request = request.header(*name, value.as_str());
                }
                if let Some(body) = body {
                    request = match body {
                        // A signed notification: the exact bytes that were signed.
                        Value::String(raw) => request.header("content-type", "application/json").body(raw.clone()),
                        _ => request.json(body),
                    };
                }
                request
            })
            .await;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Delivers a WeChat Pay notification (its exact headers and bytes) to whichever
    /// instance is up, until it is answered, as WeChat Pay retries; answers the status.
    async fn deliver_wechat(&self, headers: &reqwest::header::HeaderMap, body: &[u8]) -> StatusCode {
        self.until_answered(reqwest::Method::POST, "/api/v1/payments/notify/wechatpay", |request| {
            request
                .headers(headers.clone())
                .header("content-type", "application/json")
                .body(body.to_vec())
        })
        .await
        .status()
    }

    /// Sends the request `dress` makes of `method path` (against whichever instance is up)
    /// until the server answers: connection refused, reset or timed out while it is down
    /// or being killed, and 5xx answers, are tried again with the same request.
    async fn until_answered(
        &self,
        method: reqwest::Method,
        path: &str,
        dress: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> reqwest::Response {
        let started = Instant::now();
        loop {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "{method} {path}: no answer for 2 minutes"
            );
            let base = self.url.read().unwrap().clone();
            let request = self
                .http
                .request(method.clone(), format!("{base}{path}"))
                .timeout(Duration::from_secs(15));
            bump(&self.figures.requests);
            match dress(request).send().await {
                Ok(response) if !response.status().is_server_error() => return response,
                Ok(_) | Err(_) => {
                    bump(&self.figures.retried);
                    // The server is down or restarting: a real process, no clock to move.
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
            }
        }
    }

    /// Finishes refund `refund_id` at WeChat Pay if it is there and still processing, and
    /// delivers its notification until the shop answers.
    async fn finish_wechat_refund(&self, refund_id: i64) {
        if let Some(delivery) = self.wechat.try_finish_refund(&RefundRequest::key_for(refund_id)).await {
            let status = self.deliver_wechat(&delivery.headers, &delivery.body).await;
            bump(&self.figures.notifications);
            if status != StatusCode::NO_CONTENT {
                self.unexpected(format!("WeChat Pay refund notification for {refund_id}: {status}"));
            }
        }
    }

    /// Sends a signed sandbox notification for `payment`, as the provider would.
    async fn notify(&self, event_id: String, payment: (i64, i64, i64, &str), succeeded: bool) -> (StatusCode, Value) {
        let (raw, header) = signed_notification(event_id, payment, succeeded);
        self.send(
            reqwest::Method::POST,
            "/api/v1/payments/notify/sandbox",
            None,
            None,
            Some(&raw),
            Some((signature::HEADER, header)),
        )
        .await
    }

    fn unexpected(&self, what: String) {
        self.unexpected.lock().unwrap().push(what);
    }
}

/// A signed sandbox notification for `payment`, as the provider would send it.
fn signed_notification(event_id: String, payment: (i64, i64, i64, &str), succeeded: bool) -> (Value, String) {
    let (payment_id, order_id, amount, currency) = payment;
    let body = notification_body(&Notification {
        event_id,
        payment_id,
        order_id,
        amount,
        currency: currency.to_owned(),
        status: if succeeded {
            NotifiedStatus::Succeeded
        } else {
            NotifiedStatus::Failed
        },
    });
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let header = signature::sign(SECRET.as_bytes(), now, &body);
    (Value::String(String::from_utf8(body).unwrap()), header)
}

/// One shopper's journeys until told to stop.
async fn shopper(
    shared: Arc<Shared>,
    user: usize,
    buyer: Buyer,
    staff: String,
    products: Vec<(i64, Vec<i64>)>,
    seed: u64,
) {
    use reqwest::Method;
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut journey = 0;
    while !shared.stop.load(Ordering::Relaxed) {
        journey += 1;
        let (product, variants) = &products[rng.usize(..products.len())];
        let (product, variant) = (*product, variants[rng.usize(..variants.len())]);
        let quantity = rng.i64(1..=3);
        shared
            .send(Method::DELETE, "/api/v1/cart", buyer.bearer(), None, None, buyer.cart())
            .await;
        let (status, _) = shared
            .send(
                Method::PUT,
                &format!("/api/v1/cart/lines/{variant}"),
                buyer.bearer(),
                None,
                Some(&json!({"quantity": quantity})),
                buyer.cart(),
            )
            .await;
        if status != StatusCode::OK {
            shared.unexpected(format!("cart: {status}"));
            continue;
        }
        let key = format!("u{user}-j{journey}-{seed}");
        // Half the orders carry the one coupon, whose uses run out during the run: its
        // use is counted inside the order's transaction, so a kill can neither lose nor
        // double it (`emporium check` compares the count with the orders holding it).
        let body = buyer.order(user, rng.bool());
        let (status, order) = shared
            .send(
                Method::POST,
                "/api/v1/orders",
                buyer.bearer(),
                Some(&key),
                Some(&body),
                buyer.cart(),
            )
            .await;
        if status == StatusCode::CONFLICT && order["code"] == "insufficient_stock" {
            bump(&shared.figures.out_of_stock);
            continue;
        }
        if status == StatusCode::UNPROCESSABLE_ENTITY && order["code"] == "coupon_not_applicable" {
            bump(&shared.figures.coupon_refused);
            continue;
        }
        if status != StatusCode::CREATED {
            shared.unexpected(format!("order {key}: {status} {order}"));
            continue;
        }
        let id = order["id"].as_i64().unwrap();
        bump(&shared.figures.acknowledged);
        // A guest acts on its order with the order's token instead of a login.
        let access = order["access_token"].as_str().map(str::to_owned);
        let on_order = access.clone().map(|t| ("order-access-token", t));
        if let Buyer::Guest { .. } = buyer {
            bump(&shared.figures.guest_orders);
        }
        shared.acked.lock().unwrap().push(Acked {
            user,
            key: key.clone(),
            body: body.clone(),
            id,
            product,
            quantity,
            guest: buyer.cart().map(|(_, cart)| cart).zip(access.clone()),
        });
        if rng.f32() < 0.2 {
            // A client that never saw the answer would send this again: same order.
            let (again, replay) = shared
                .send(
                    Method::POST,
                    "/api/v1/orders",
                    buyer.bearer(),
                    Some(&key),
                    Some(&body),
                    buyer.cart(),
                )
                .await;
            bump(&shared.figures.replays);
            if again != StatusCode::CREATED || replay["id"].as_i64() != Some(id) {
                shared.unexpected(format!("replay of {key}: {again} {replay}, first was order {id}"));
            }
        }

        let pay_key = format!("{key}-pay");
        let wechat = matches!(buyer, Buyer::Customer { .. }) && rng.f32() < WECHAT_SHARE;
        let provider = if wechat { "wechatpay" } else { "sandbox" };
        let (status, payment) = shared
            .send(
                Method::POST,
                &format!("/api/v1/orders/{id}/pay"),
                buyer.bearer(),
                Some(&pay_key),
                Some(&json!({"provider": provider})),
                on_order.clone(),
            )
            .await;
        if status != StatusCode::CREATED {
            // Expired meanwhile (a restart can take a while): a valid ending.
            if status != StatusCode::CONFLICT {
                shared.unexpected(format!("pay {id}: {status} {payment}"));
            }
            continue;
        }
        let payment_id = payment["payment_id"].as_i64().unwrap();
        let amount = payment["amount"].as_i64().unwrap();
        let currency = payment["currency"].as_str().unwrap().to_owned();
        if wechat {
            // The buyer scans and pays; WeChat Pay's notification (to an instance that may
            // be down, or an old address) is delivered until acknowledged, sometimes twice.
            // Closed already (the order expired while the shop restarted): nothing to pay.
            let Some(delivery) = shared.wechat.try_pay(&trade_no(payment_id)).await else {
                continue;
            };
            bump(&shared.figures.payments_completed);
            bump(&shared.figures.wechat_payments);
            for _ in 0..rng.usize(1..=2) {
                let status = shared.deliver_wechat(&delivery.headers, &delivery.body).await;
                bump(&shared.figures.notifications);
                if status != StatusCode::NO_CONTENT {
                    shared.unexpected(format!("WeChat Pay notification for {payment_id}: {status}"));
                }
            }
        }
        let late = !wechat && rng.f32() < 0.08;
        if late {
            // The buyer dawdles on the pay page past the payment timeout: the order is
            // cancelled, then the money arrives and must go back.
            bump(&shared.figures.late_payments);
            tokio::time::sleep(Duration::from_secs(PAYMENT_TIMEOUT_SECS + 2)).await;
        }
        let succeeded = wechat || late || rng.f32() < 0.9;
        let outcome = if succeeded { "succeeded" } else { "failed" };
        let (status, _) = if wechat {
            (StatusCode::ACCEPTED, Value::Null)
        } else {
            shared
                .send(
                    Method::POST,
                    &format!("{}/complete", payment["pay_url"].as_str().unwrap()),
                    None,
                    None,
                    Some(&json!({"outcome": outcome})),
                    None,
                )
                .await
        };
        if status != StatusCode::ACCEPTED {
            shared.unexpected(format!("complete {payment_id}: {status}"));
            continue;
        }
        if !wechat {
            bump(&shared.figures.payments_completed);
        }
        if succeeded && !wechat {
            shared
                .paid
                .lock()
                .unwrap()
                .push((payment_id, id, amount, currency.clone()));
        }
        // The provider's notification, and duplicates of it, as the provider may send them
        // (the job runner delivers its own copies as well).
        let event = format!("evt_h_{payment_id}_{}", rng.u32(..));
        for _ in 0..if wechat { 0 } else { rng.usize(1..=3) } {
            let (status, answer) = shared
                .notify(event.clone(), (payment_id, id, amount, &currency), succeeded)
                .await;
            bump(&shared.figures.notifications);
            if status != StatusCode::OK {
                shared.unexpected(format!("notification for {payment_id}: {status} {answer}"));
            }
        }
        if !wechat && rng.f32() < 0.2 {
            // A forged amount, correctly signed (a compromised or buggy provider): refused.
            let (status, _) = shared
                .notify(format!("{event}-forged"), (payment_id, id, amount + 1, &currency), true)
                .await;
            bump(&shared.figures.forged);
            if status != StatusCode::BAD_REQUEST {
                shared.unexpected(format!("forged notification for {payment_id}: {status}"));
            }
        }
        // Guests ask the shop for refunds outside the API.
        let Buyer::Customer { token, .. } = &buyer else {
            continue;
        };
        if !succeeded || late {
            continue;
        }
        if rng.f32() < 0.5 {
            if rng.f32() < 0.4 {
                after_sale(&shared, &mut rng, token, &staff, id).await;
            }
            continue;
        }
        let partial = rng.bool();
        let refund_body = if partial {
            json!({"amount": (amount / 3).max(1), "reason": "one arrived broken"})
        } else {
            json!({"reason": "changed my mind"})
        };
        let (status, refund) = shared
            .send(
                Method::POST,
                &format!("/api/v1/orders/{id}/refunds"),
                Some(token),
                Some(&format!("{key}-refund")),
                Some(&refund_body),
                None,
            )
            .await;
        if status == StatusCode::CONFLICT {
            // Kills slowed this journey past the payment timeout: cancelled, and its
            // payment is being paid back by the shop itself.
            continue;
        }
        if status != StatusCode::CREATED {
            shared.unexpected(format!("refund of {id}: {status} {refund}"));
            continue;
        }
        bump(&shared.figures.refunds_requested);
        let refund_id = refund["id"].as_i64().unwrap();
        let decision = rng.f32();
        let verb = if decision < 0.75 {
            bump(&shared.figures.approvals);
            "approve"
        } else if decision < 0.9 {
            bump(&shared.figures.rejections);
            "reject"
        } else {
            continue;
        };
        let (status, answer) = shared
            .send(
                Method::POST,
                &format!("/api/v1/refunds/{refund_id}/{verb}"),
                Some(&staff),
                None,
                None,
                None,
            )
            .await;
        // 409: an earlier attempt, whose answer the kill swallowed, already decided it.
        if status != StatusCode::OK && status != StatusCode::CONFLICT {
            shared.unexpected(format!("{verb} refund {refund_id}: {status} {answer}"));
        }
        if wechat && verb == "approve" {
            // WeChat Pay answered PROCESSING; a little later it finishes and notifies.
            tokio::time::sleep(Duration::from_millis(rng.u64(0..300))).await;
            shared.finish_wechat_refund(refund_id).await;
        }
    }
}

/// After the sale, on a paid order: staff cancel it with a full refund, or it ships and
/// arrives and the buyer returns some of it, which staff approve and receive (units
/// resellable or damaged). Each step is retried across kills until answered; a staff
/// step answered 409 was taken by an earlier attempt whose answer the kill swallowed,
/// and a return asked twice is found by listing the order's returns.
async fn after_sale(shared: &Shared, rng: &mut fastrand::Rng, token: &str, staff: &str, id: i64) {
    use reqwest::Method;
    let ok_or_taken = |what: &str, status: StatusCode, answer: &Value| {
        if status != StatusCode::OK && status != StatusCode::CONFLICT {
            shared.unexpected(format!("{what} of order {id}: {status} {answer}"));
        }
    };
    if rng.f32() < 0.3 {
        let body = json!({"reason": "out of stock at the warehouse"});
        let (status, answer) = shared
            .send(
                Method::POST,
                &format!("/api/v1/orders/{id}/cancel"),
                Some(staff),
                None,
                Some(&body),
                None,
            )
            .await;
        ok_or_taken("staff cancel", status, &answer);
        bump(&shared.figures.staff_cancels);
        return;
    }
    let ship = json!({"carrier": "SF Express", "tracking_number": format!("SF{id:010}")});
    let (status, answer) = shared
        .send(
            Method::POST,
            &format!("/api/v1/orders/{id}/ship"),
            Some(staff),
            None,
            Some(&ship),
            None,
        )
        .await;
    ok_or_taken("ship", status, &answer);
    let (status, answer) = shared
        .send(
            Method::POST,
            &format!("/api/v1/orders/{id}/confirm-receipt"),
            Some(token),
            None,
            None,
            None,
        )
        .await;
    ok_or_taken("confirm", status, &answer);
    let (_, order) = shared
        .send(
            Method::GET,
            &format!("/api/v1/orders/{id}"),
            Some(token),
            None,
            None,
            None,
        )
        .await;
    if order["status"] != "received" {
        // Refunded or cancelled meanwhile (a slow restart let the order expire first).
        return;
    }
    let item = &order["items"][0];
    let (line, bought) = (item["id"].as_i64().unwrap(), item["quantity"].as_i64().unwrap());
    let units = rng.i64(1..=bought);
    let ask = json!({"lines": [{"order_item_id": line, "quantity": units}], "reason": "不合适"});
    let (status, answer) = shared
        .send(
            Method::POST,
            &format!("/api/v1/orders/{id}/returns"),
            Some(token),
            None,
            Some(&ask),
            None,
        )
        .await;
    let return_id = if status == StatusCode::CREATED {
        answer["id"].as_i64().unwrap()
    } else {
        // Asked before the kill: the order's returns hold it.
        let (_, all) = shared
            .send(
                Method::GET,
                &format!("/api/v1/orders/{id}/returns"),
                Some(token),
                None,
                None,
                None,
            )
            .await;
        match all.as_array().and_then(|a| a.first()) {
            Some(first) => first["id"].as_i64().unwrap(),
            None => {
                shared.unexpected(format!("return of order {id}: {status} {answer}"));
                return;
            }
        }
    };
    let approve = json!({"instructions": "Send it to 1 Shop Road"});
    let (status, answer) = shared
        .send(
            Method::POST,
            &format!("/api/v1/returns/{return_id}/approve"),
            Some(staff),
            None,
            Some(&approve),
            None,
        )
        .await;
    ok_or_taken("approve return", status, &answer);
    let damaged = rng.i64(0..=units);
    let receive = json!({"lines": [{"order_item_id": line, "resellable": units - damaged, "damaged": damaged}]});
    let (status, answer) = shared
        .send(
            Method::POST,
            &format!("/api/v1/returns/{return_id}/receive"),
            Some(staff),
            None,
            Some(&receive),
            None,
        )
        .await;
    ok_or_taken("receive return", status, &answer);
    bump(&shared.figures.returns_received);
}

/// Logs in (retrying across kills) and answers the token.
async fn login(shared: &Shared, username: &str, password: &str) -> String {
    let (status, body) = shared
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            None,
            Some(&json!({"username": username, "password": password})),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

/// The whole run on one engine.
async fn crash_run(db: TestDb, engine: &str) {
    let rounds: usize = std::env::var("EMPORIUM_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let clients: usize = std::env::var("EMPORIUM_CRASH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let seed: u64 = std::env::var("EMPORIUM_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    println!(
        "crash[{engine}]: seed {seed} (EMPORIUM_CRASH_SEED={seed} repeats the schedule), {rounds} kills, {clients} clients"
    );
    let mut rng = fastrand::Rng::with_seed(seed);
    let data = tempfile::tempdir().unwrap();
    let log: PathBuf =
        std::env::var_os("EMPORIUM_CRASH_LOG").map_or_else(|| data.path().join("server.log"), PathBuf::from);
    let started = Instant::now();

    // Staff from the command line, as an operator would.
    let mut create = emporium(&db, data.path());
    create
        .args([
            "user",
            "create",
            "--username",
            "staff",
            "--password-stdin",
            "--role",
            "staff",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    let mut child = create.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"staff-password\n").unwrap();
    assert!(child.wait().unwrap().success());

    let wechat = FakeWechatPay::start(MCH_ID, WX_APP_ID, &keys::shared(0).public, *API_V3_KEY).await;
    let providers = wechat_env(&wechat, data.path());
    let (mut server, url) = serve(&db, data.path(), &log, &providers);
    let shared = Arc::new(Shared {
        url: RwLock::new(url),
        http: reqwest::Client::new(),
        stop: AtomicBool::new(false),
        figures: Figures::default(),
        acked: Mutex::new(Vec::new()),
        paid: Mutex::new(Vec::new()),
        unexpected: Mutex::new(Vec::new()),
        wechat,
    });
    use reqwest::Method;
    let staff = login(&shared, "staff", "staff-password").await;
    // Every product but the first has one variant; the first comes in two sizes, each
    // with its own lots, so kills also land between a variant's and its product's stock.
    let mut products: Vec<(i64, Vec<i64>)> = Vec::new();
    for n in 0..PRODUCTS {
        let price = rng.i64(1_000..20_000);
        let stock = json!({"quantity": UNITS_EACH / 2, "unit_cost": price / 2});
        let body = if n == 0 {
            json!({"name": format!("Crash test item {n}"), "options": [{"name": "Size", "values": ["S", "M"]}],
                   "variants": [{"option_values": ["S"], "price": price, "initial_stock": stock},
                                {"option_values": ["M"], "price": price + 100, "initial_stock": stock}]})
        } else {
            json!({"name": format!("Crash test item {n}"), "price": price, "initial_stock": {"quantity": UNITS_EACH, "unit_cost": price / 2}})
        };
        let (status, product) = shared
            .send(Method::POST, "/api/v1/products", Some(&staff), None, Some(&body), None)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{product}");
        let variants = product["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_i64().unwrap());
        products.push((product["id"].as_i64().unwrap(), variants.collect()));
    }
    let coupon = json!({"code": COUPON, "kind": "fixed", "value": 500, "usage_limit": COUPON_USES});
    let (status, answer) = shared
        .send(Method::POST, "/api/v1/coupons", Some(&staff), None, Some(&coupon), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let received_at_start = |(_, variants): &(i64, Vec<i64>)| {
        if variants.len() > 1 {
            UNITS_EACH / 2 * 2
        } else {
            UNITS_EACH
        }
    };
    let mut received: BTreeMap<i64, i64> = products.iter().map(|p| (p.0, received_at_start(p))).collect();
    let mut shoppers = Vec::new();
    for user in 0..clients {
        let name = format!("shopper{user}");
        let (status, body) = shared
            .send(
                Method::POST,
                "/api/v1/auth/register",
                None,
                None,
                Some(&json!({"username": name, "password": "shopper-password"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let token = login(&shared, &name, "shopper-password").await;
        let address = json!({"recipient": "王小明", "phone": "+86 138 0013 8000", "line1": "建国路 88 号", "city": "北京", "country": "CN"});
        let (status, body) = shared
            .send(
                Method::POST,
                "/api/v1/me/addresses",
                Some(&token),
                None,
                Some(&address),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let buyer = Buyer::Customer {
            token,
            address: body["id"].as_i64().unwrap(),
        };
        shoppers.push(tokio::spawn(shopper(
            shared.clone(),
            user,
            buyer,
            staff.clone(),
            products.clone(),
            rng.u64(..),
        )));
    }
    // And guests, with a cart token instead of a login.
    for user in clients..clients + GUESTS {
        let (status, cart) = shared
            .send(Method::POST, "/api/v1/carts", None, None, Some(&json!({})), None)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{cart}");
        let buyer = Buyer::Guest {
            cart: cart["cart_token"].as_str().unwrap().to_owned(),
        };
        shoppers.push(tokio::spawn(shopper(
            shared.clone(),
            user,
            buyer,
            staff.clone(),
            products.clone(),
            rng.u64(..),
        )));
    }

    // The kills: let the load run a random while, SIGKILL, check the wreck, restart.
    let mut invariant_checks = 0;
    let (mut checking, mut restarting) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        tokio::time::sleep(Duration::from_millis(rng.u64(200..2_000))).await;
        server.kill().unwrap(); // SIGKILL on Unix: no shutdown, no flush, no goodbye
        server.wait().unwrap();
        let t = Instant::now();
        invariant_checks += check(&db, data.path());
        checking += t.elapsed();
        let t = Instant::now();
        let (next, url) = serve(&db, data.path(), &log, &providers);
        restarting += t.elapsed();
        server = next;
        *shared.url.write().unwrap() = url;
        // A little stock comes in, about as fast as the shoppers buy it, so long runs keep
        // ordering at the edge of running out. Answered before the next kill is scheduled,
        // so each lot is received exactly once (the endpoint has no idempotency key).
        for (product, variants) in &products {
            let quantity = rng.i64(1..=3);
            let variant = variants[rng.usize(..variants.len())];
            let (status, lot) = shared
                .send(
                    Method::POST,
                    &format!("/api/v1/products/{product}/stock-lots"),
                    Some(&staff),
                    None,
                    Some(&json!({"variant_id": variant, "quantity": quantity, "unit_cost": 100})),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{lot}");
            *received.get_mut(product).unwrap() += quantity;
        }
    }

    // Let every shopper finish the journey it is on, against a server that stays up.
    shared.stop.store(true, Ordering::Relaxed);
    for s in shoppers {
        s.await.unwrap();
    }
    // The provider re-delivers every payment it collected (its own retries may still be
    // locked under a killed instance's lease): each applies at most once.
    let paid = shared.paid.lock().unwrap().clone();
    for (n, &(payment, order, amount, ref currency)) in paid.iter().enumerate() {
        let (status, answer) = shared
            .notify(format!("evt_final_{n}"), (payment, order, amount, currency), true)
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "final notification of payment {payment}: {answer}"
        );
    }
    // The recovery job re-asks the provider about refunds left `processing`.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, page) = shared
            .send(
                Method::GET,
                "/api/v1/refunds?status=processing",
                Some(&staff),
                None,
                None,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        if page["data"].as_array().unwrap().is_empty() {
            break;
        }
        // WeChat Pay finishes the refunds it was asked for (some only now, asked again by
        // the jobs after a kill swallowed the first answer).
        for refund in page["data"].as_array().unwrap() {
            shared.finish_wechat_refund(refund["id"].as_i64().unwrap()).await;
        }
        assert!(
            Instant::now() < deadline,
            "refunds still processing after a minute: {page}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let unexpected = shared.unexpected.lock().unwrap().clone();
    assert!(unexpected.is_empty(), "unexpected answers: {unexpected:#?}");

    // Every acknowledged order exists exactly once, under its key, and nothing else does.
    let acked = shared.acked.lock().unwrap().clone();
    let mut harness_checks = 0;
    let mut ids_by_user: BTreeMap<usize, BTreeSet<i64>> = BTreeMap::new();
    for a in &acked {
        assert!(
            ids_by_user.entry(a.user).or_default().insert(a.id),
            "order {} acknowledged twice",
            a.id
        );
    }
    for user in 0..clients {
        let token = login(&shared, &format!("shopper{user}"), "shopper-password").await;
        let mut listed = Vec::new();
        let mut cursor = String::new();
        loop {
            let (status, page) = shared
                .send(
                    Method::GET,
                    &format!("/api/v1/orders?limit=100{cursor}"),
                    Some(&token),
                    None,
                    None,
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{page}");
            listed.extend(
                page["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["id"].as_i64().unwrap()),
            );
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        let unique: BTreeSet<i64> = listed.iter().copied().collect();
        assert_eq!(
            unique.len(),
            listed.len(),
            "shopper{user}'s list repeats an order: {listed:?}"
        );
        assert_eq!(
            unique,
            ids_by_user.remove(&user).unwrap_or_default(),
            "shopper{user}: listed orders differ from those acknowledged"
        );
        harness_checks += 1;
        for a in acked.iter().filter(|a| a.user == user) {
            let (status, replay) = shared
                .send(
                    Method::POST,
                    "/api/v1/orders",
                    Some(&token),
                    Some(&a.key),
                    Some(&a.body),
                    None,
                )
                .await;
            assert_eq!(
                (status, replay["id"].as_i64()),
                (StatusCode::CREATED, Some(a.id)),
                "replay of key {}",
                a.key
            );
            harness_checks += 1;
        }
    }
    // A guest's orders: each shown by its token, and its key replays it.
    for a in acked.iter().filter(|a| a.guest.is_some()) {
        let (cart, access) = a.guest.clone().unwrap();
        let path = format!("/api/v1/orders/{}", a.id);
        let (status, order) = shared
            .send(
                Method::GET,
                &path,
                None,
                None,
                None,
                Some(("order-access-token", access)),
            )
            .await;
        assert_eq!(
            (status, order["id"].as_i64()),
            (StatusCode::OK, Some(a.id)),
            "guest order {}",
            a.id
        );
        let (status, replay) = shared
            .send(
                Method::POST,
                "/api/v1/orders",
                None,
                Some(&a.key),
                Some(&a.body),
                Some(("cart-token", cart)),
            )
            .await;
        assert_eq!(
            (status, replay["id"].as_i64()),
            (StatusCode::CREATED, Some(a.id)),
            "replay of guest key {}",
            a.key
        );
        ids_by_user.remove(&a.user);
        harness_checks += 2;
    }
    assert!(ids_by_user.is_empty(), "orders of nobody: {ids_by_user:?}");
    let final_kill = server.kill().and_then(|()| server.wait());
    final_kill.unwrap();
    invariant_checks += check(&db, data.path());

    // The books, read directly: stock and money against what the clients saw and what
    // the sandbox's ledger says it collected and paid back.
    let store = Store::open(&StoreOptions::new(&db.url)).await.unwrap();
    let held: BTreeMap<i64, i64> = acked.iter().map(|a| (a.id, a.quantity)).collect();
    for &(product, _) in &products {
        let stock: i64 = sqlx::query_scalar("SELECT stock_available FROM products WHERE id = $1")
            .bind(product)
            .fetch_one(store.reader())
            .await
            .unwrap();
        let mut out = 0;
        for a in acked.iter().filter(|a| a.product == product) {
            let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
                .bind(a.id)
                .fetch_one(store.reader())
                .await
                .unwrap();
            // Cancelled and refunded-before-shipping orders gave their units back; a
            // shipped order's are out, less those its returns put back on the shelf.
            let shipped: Option<i64> = sqlx::query_scalar("SELECT shipped_at FROM orders WHERE id = $1")
                .bind(a.id)
                .fetch_one(store.reader())
                .await
                .unwrap();
            if status == "pending_payment" || status == "paid" {
                out += held[&a.id];
            } else if shipped.is_some() {
                let restocked: i64 = sqlx::query_scalar(
                    "SELECT CAST(COALESCE(SUM(l.resellable), 0) AS BIGINT) FROM return_lines l
                     JOIN returns r ON r.id = l.return_id AND r.status = 'received' WHERE r.order_id = $1",
                )
                .bind(a.id)
                .fetch_one(store.reader())
                .await
                .unwrap();
                out += held[&a.id] - restocked;
            }
        }
        let received = received[&product];
        assert!(stock >= 0);
        assert_eq!(
            stock + out,
            received,
            "product {product}: {stock} on hand + {out} in live orders ≠ {received} received"
        );
        harness_checks += 1;
    }
    let rows = sqlx::query(
        "SELECT o.id, o.status, o.total, o.paid_amount, o.refunded_amount,
                CAST(COALESCE((SELECT SUM(s.amount) FROM sandbox_payments s WHERE s.order_id = o.id AND s.status = 'succeeded'), 0) AS BIGINT) AS captured,
                CAST(COALESCE((SELECT SUM(s.refunded) FROM sandbox_payments s WHERE s.order_id = o.id), 0) AS BIGINT) AS sandbox_refunded,
                CAST(COALESCE((SELECT SUM(r.amount) FROM refunds r WHERE r.order_id = o.id AND r.status = 'refunded'), 0) AS BIGINT) AS refunds_paid,
                (SELECT COUNT(*) FROM refunds r WHERE r.order_id = o.id AND r.status IN ('processing')) AS in_flight
         FROM orders o ORDER BY o.id",
    )
    .fetch_all(store.reader())
    .await
    .unwrap();
    // What WeChat Pay collected and paid back, per order, from its own books.
    let mut wechat_books: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for row in sqlx::query("SELECT id, order_id, amount FROM payments WHERE provider = 'wechatpay'")
        .fetch_all(store.reader())
        .await
        .unwrap()
    {
        let (payment, order, amount): (i64, i64, i64) = (row.get("id"), row.get("order_id"), row.get("amount"));
        let trade = trade_no(payment);
        let collected = matches!(shared.wechat.trade_state(&trade), Some("SUCCESS" | "REFUND"));
        let books = wechat_books.entry(order).or_default();
        books.0 += if collected { amount } else { 0 };
        books.1 += shared.wechat.refunded(&trade);
    }
    let (mut paid_orders, mut refunded_money, mut late_refunded) = (0, 0, 0);
    for row in &rows {
        let id: i64 = row.get("id");
        let status: String = row.get("status");
        let (total, paid, refunded): (i64, i64, i64) =
            (row.get("total"), row.get("paid_amount"), row.get("refunded_amount"));
        let (wechat_captured, wechat_refunded) = wechat_books.get(&id).copied().unwrap_or_default();
        let (captured, sandbox_refunded, refunds_paid): (i64, i64, i64) = (
            row.get::<i64, _>("captured") + wechat_captured,
            row.get::<i64, _>("sandbox_refunded") + wechat_refunded,
            row.get("refunds_paid"),
        );
        let in_flight: i64 = row.get("in_flight");
        assert!(
            held.contains_key(&id),
            "order {id} exists but no client saw it acknowledged"
        );
        assert_eq!(
            paid, captured,
            "order {id} ({status}): the shop counts {paid} paid, the sandbox and WeChat Pay collected {captured}"
        );
        assert!(
            paid == 0 || paid == total,
            "order {id}: paid {paid} of {total}: charged twice or partly"
        );
        assert_eq!(
            refunded, sandbox_refunded,
            "order {id}: the shop refunded {refunded}, the sandbox and WeChat Pay paid back {sandbox_refunded}"
        );
        assert_eq!(
            refunded, refunds_paid,
            "order {id}: refunded {refunded} but its refunds sum to {refunds_paid}"
        );
        assert!(refunded <= paid, "order {id}: refunded {refunded} of {paid}");
        assert_eq!(in_flight, 0, "order {id}: a refund is still processing");
        harness_checks += 6;
        paid_orders += usize::from(paid > 0);
        refunded_money += refunded;
        late_refunded += usize::from(status == "cancelled" && refunded > 0);
    }
    let sandbox_refunds: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sandbox_refunds WHERE status = 'succeeded'")
        .fetch_one(store.reader())
        .await
        .unwrap();
    let shop_refunds: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM refunds WHERE status = 'refunded'")
        .fetch_one(store.reader())
        .await
        .unwrap();
    let wechat_refunds = i64::try_from(shared.wechat.refund_count()).unwrap();
    assert_eq!(
        sandbox_refunds + wechat_refunds,
        shop_refunds,
        "each refund paid back once"
    );
    harness_checks += 1;
    let coupon_used: i64 = sqlx::query_scalar("SELECT used FROM coupons WHERE code = $1")
        .bind(COUPON)
        .fetch_one(store.reader())
        .await
        .unwrap();
    assert!(
        coupon_used <= COUPON_USES,
        "the coupon was used {coupon_used} times of {COUPON_USES}"
    );
    harness_checks += 1;
    store.close().await;

    let redriven = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .matches("stalled refund decided")
        .count();
    let f = &shared.figures;
    let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
    println!(
        "crash[{engine}]: {rounds} SIGKILLs in {:.1} s; {} requests ({} retried across kills); {} orders acknowledged ({} by guests, {} replays, {} refused for stock, {} for a used-up coupon); \
         {} payments completed ({} late, {} through WeChat Pay), {} paid orders; {} signed notifications + {} forged; {} refunds requested ({} approvals, {} rejections), {} paid orders cancelled by staff, {} returns received, {} paid back ({} money units, {} late payments returned, \
         {redriven} finished by the recovery job); {} `emporium check` invariant checks and {harness_checks} harness checks passed; \
         check took {:.2} s and restart {:.2} s on average",
        started.elapsed().as_secs_f64(),
        n(&f.requests),
        n(&f.retried),
        n(&f.acknowledged),
        n(&f.guest_orders),
        n(&f.replays),
        n(&f.out_of_stock),
        n(&f.coupon_refused),
        n(&f.payments_completed),
        n(&f.late_payments),
        n(&f.wechat_payments),
        paid_orders,
        n(&f.notifications),
        n(&f.forged),
        n(&f.refunds_requested),
        n(&f.approvals),
        n(&f.rejections),
        n(&f.staff_cancels),
        n(&f.returns_received),
        shop_refunds,
        refunded_money,
        late_refunded,
        invariant_checks,
        checking.as_secs_f64() / rounds.max(1) as f64,
        restarting.as_secs_f64() / rounds.max(1) as f64,
    );
}

async fn checkout_survives_sigkill_at_random_moments(db: TestDb) {
    let engine = if db.url.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    };
    crash_run(db, engine).await;
}
engine_test!(checkout_survives_sigkill_at_random_moments);
