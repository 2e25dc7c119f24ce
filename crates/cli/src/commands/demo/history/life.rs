//! One demo order's life, step by step at the times its [`Life`] gives, through the
//! store's own operations: the cart and the order with its FIFO draws; payment through
//! the sandbox's ledger and a verified notification; the buyer's refund request and
//! staff's decision, paid back through the sandbox's ledger under the refund's own
//! idempotency key; shipping, receipt, reviews; a return, decided, received and paid
//! back. So the history obeys every invariant `emporium check` verifies.
//!
//! A step due after "now" is not taken: the order stays where it is, which is how the
//! newest orders are the ones still awaiting payment, shipping or receipt.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use emporium_domain::order::{CartQuantity, OrderEvent};
use emporium_domain::returns::{ReturnCount, ReturnQuantity};
use emporium_domain::review::{Rating, ReviewBody};
use emporium_domain::time::Timestamp;
use emporium_payments::RefundRequest;
use emporium_store::idempotency::Idempotent;
use emporium_store::order_read::Order;
use emporium_store::orders::PlaceOrder;
use emporium_store::payments::{NotificationFacts, Payment, PaymentStart};
use emporium_store::refunds::{Refund, RefundAsk};
use emporium_store::returns::{ReturnAsk, ReturnDecision};
use emporium_store::reviews::NewReview;
use emporium_store::{Store, StoreError};

/// What shoppers say, in both of the shop's languages.
const REVIEWS: [(i64, &str); 8] = [
    (5, "非常好，物流也快，会回购。"),
    (5, "Excellent quality, exactly as described."),
    (4, "不错，性价比高。"),
    (4, "Good value; packaging could be better."),
    (3, "一般般，和图片有点差别。"),
    (3, "Okay. Does the job."),
    (5, "送给家人的，大家都很喜欢！"),
    (2, "Arrived late and a little damaged."),
];

/// How long after receipt a return may be asked for (the shop's default
/// `--return-window`, which the demo's returns stay well inside).
const RETURN_WINDOW: Duration = Duration::from_secs(7 * 86_400);

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3_600);
const DAY: Duration = Duration::from_secs(86_400);

/// Staff's answer to a buyer's request, or none yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Agreed (and, for a return, the parcel checked in `parcel_after` later).
    Approve,
    /// Refused.
    Reject,
    /// Not decided: it waits in the admin.
    Pending,
}

/// What becomes of one order and when, each time after the step before.
#[derive(Debug, Clone)]
pub struct Life {
    /// The buyer.
    pub user_id: i64,
    /// The buyer's address it goes to.
    pub address_id: i64,
    /// (product, variant) lines, one unit each.
    pub lines: Vec<(i64, i64)>,
    /// When the order is placed.
    pub placed: Timestamp,
    /// How long the buyer has to pay.
    pub pay_within: Duration,
    /// Paid this long after placing; `None`: never paid.
    pub paid_after: Option<Duration>,
    /// Unpaid orders only: the buyer cancels a quarter of an hour after placing.
    pub cancel: bool,
    /// Asks for a refund this long after paying, before it ships; staff answer two
    /// hours later.
    pub refund: Option<(Duration, Verdict)>,
    /// Shipped this long after paying.
    pub shipped_after: Duration,
    /// Received this long after shipping.
    pub received_after: Duration,
    /// Each product of a received order is reviewed with this chance (0..=1).
    pub review_chance: f64,
    /// Asks to return the first line this long after receipt (within the window); staff
    /// answer a day later; an approved parcel arrives `parcel_after` the decision, with
    /// `damaged` of its units written off.
    pub ret: Option<Return>,
    /// A seed for the review texts.
    pub seed: u64,
}

/// A return in a [`Life`]: the first line, all of its units.
#[derive(Debug, Clone, Copy)]
pub struct Return {
    /// Asked for this long after receipt (kept inside the return window).
    pub asked_after: Duration,
    /// Staff's answer, a day after.
    pub verdict: Verdict,
    /// An approved parcel arrives this long after the decision.
    pub parcel_after: Duration,
    /// One unit comes back damaged and is written off.
    pub damaged: bool,
}

/// What a life came to, for the summary.
#[derive(Debug, Default, Clone, Copy)]
pub struct Outcome {
    /// The order was placed (there was stock).
    pub placed: bool,
    /// Refunds opened: asked for by the buyer, or by a received return.
    pub refunds: usize,
    /// Returns asked for.
    pub returns: usize,
}

/// Lives `life` up to `now`: every step due by then, in order. Staff's side is taken
/// by `staff` (a staff account's id).
pub async fn live(store: &Store, life: &Life, staff: i64, now: Timestamp) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    let user = life.user_id;
    let buyer = format!("user:{user}");
    let staff_actor = format!("staff:{staff}");
    let mut t = life.placed;
    for &(_, variant) in &life.lines {
        let one = CartQuantity::parse(1).map_err(|e| anyhow::anyhow!("{e}"))?;
        store.set_cart_item(user, variant, Some(one), t).await?;
    }
    let request = PlaceOrder {
        user_id: user,
        address_id: life.address_id,
        note: None,
        pay_deadline: t.plus(life.pay_within),
        shipping_method_id: None,
        coupon_codes: Vec::new(),
        invoice: None,
        guest: None,
    };
    let order = match store.place_order(request, None, Arc::new(|_| String::new()), t).await {
        Ok(Idempotent::Fresh(order)) => order,
        Ok(Idempotent::Replay(_)) => anyhow::bail!("a demo order without a key was replayed"),
        Err(StoreError::InsufficientStock { .. }) => {
            store.clear_cart(user).await?;
            return Ok(outcome);
        }
        Err(e) => return Err(e).context("placing a demo order"),
    };
    outcome.placed = true;

    let Some(paid_after) = life.paid_after else {
        let at = t.plus(15 * MINUTE);
        if life.cancel && at <= now {
            store
                .cancel_order(order.id, Some(user), OrderEvent::Cancel, buyer, at)
                .await
                .context("cancelling a demo order")?;
        }
        return Ok(outcome);
    };
    t = t.plus(paid_after);
    if t > now {
        return Ok(outcome);
    }
    pay(store, &order, t).await?;

    if let Some((after, verdict)) = life.refund {
        t = t.plus(after);
        if t > now {
            return Ok(outcome);
        }
        let ask = RefundAsk {
            order_id: order.id,
            owner: user,
            amount: None,
            reason: "Ordered the wrong one / 拍错了".into(),
            lines: Vec::new(),
        };
        let Idempotent::Fresh(refund) = store
            .request_refund(ask, None, Arc::new(|_| String::new()), t)
            .await
            .context("asking for a demo refund")?
        else {
            anyhow::bail!("a demo refund without a key was replayed");
        };
        outcome.refunds += 1;
        t = t.plus(2 * HOUR);
        if verdict == Verdict::Pending || t > now {
            return Ok(outcome);
        }
        if verdict == Verdict::Approve {
            let Some((refund, payment)) = store.claim_refund(refund.id, t).await? else {
                anyhow::bail!("demo refund {} could not be claimed", refund.id);
            };
            pay_back(store, &refund, &payment, staff_actor, t).await?;
            return Ok(outcome); // refunded in full before it shipped: the order is `refunded`
        }
        store.reject_refund(refund.id, staff_actor.clone(), t).await?;
    }

    t = t.plus(life.shipped_after);
    if t > now {
        return Ok(outcome);
    }
    store
        .ship_order(
            order.id,
            "SF Express".into(),
            format!("SF{:010}", order.id),
            staff_actor.clone(),
            t,
        )
        .await?;
    t = t.plus(life.received_after);
    if t > now {
        return Ok(outcome);
    }
    store.confirm_receipt(order.id, Some(user), buyer, t).await?;

    let reviewed = t.plus(12 * HOUR);
    if reviewed <= now {
        let mut rng = fastrand::Rng::with_seed(life.seed);
        let mut products: Vec<i64> = order.items.iter().map(|i| i.product_id).collect();
        products.sort_unstable();
        products.dedup(); // reviews are per product
        for product_id in products {
            if rng.f64() < life.review_chance {
                let (stars, text) = REVIEWS[rng.usize(..REVIEWS.len())];
                let review = NewReview {
                    product_id,
                    order_id: order.id,
                    user_id: user,
                    rating: Rating::parse(stars as f64).map_err(|e| anyhow::anyhow!("{e}"))?,
                    body: ReviewBody::parse(text).map_err(|e| anyhow::anyhow!("{e}"))?,
                };
                store.add_review(review, reviewed).await?;
            }
        }
    }

    let Some(ret) = life.ret else {
        return Ok(outcome);
    };
    let Some(item) = order.items.first() else {
        return Ok(outcome);
    };
    t = t.plus(ret.asked_after.min(RETURN_WINDOW - HOUR));
    if t > now {
        return Ok(outcome);
    }
    let ask = ReturnAsk {
        order_id: order.id,
        owner: user,
        lines: vec![ReturnQuantity {
            order_item_id: item.id,
            quantity: item.quantity,
        }],
        reason: "Not what I expected / 与描述不符".into(),
        window: RETURN_WINDOW,
    };
    let asked = store.request_return(ask, t).await.context("asking for a demo return")?;
    outcome.returns += 1;
    t = t.plus(DAY);
    if ret.verdict == Verdict::Pending || t > now {
        return Ok(outcome);
    }
    let decision = match ret.verdict {
        Verdict::Reject => ReturnDecision::Reject {
            note: "Opened and used; we cannot take it back. / 商品已使用，无法退货。".into(),
        },
        _ => ReturnDecision::Approve {
            instructions: "Send it to Emporium Returns, 88 Jianguo Road, Beijing; put the order number inside. / 请寄回：北京市建国路 88 号，附上订单号。".into(),
        },
    };
    store.decide_return(asked.id, decision, staff, t).await?;
    t = t.plus(ret.parcel_after);
    if ret.verdict == Verdict::Reject || t > now {
        return Ok(outcome);
    }
    let damaged = i64::from(ret.damaged).min(item.quantity);
    let counts = vec![ReturnCount {
        order_item_id: item.id,
        resellable: item.quantity - damaged,
        damaged,
    }];
    let (_, owed) = store
        .receive_return(asked.id, counts, None, staff, t)
        .await
        .context("receiving a demo return")?;
    if let Some((refund, payment)) = owed {
        outcome.refunds += 1;
        pay_back(store, &refund, &payment, staff_actor, t).await?;
    }
    Ok(outcome)
}

/// Pays `order` through the sandbox's ledger and a verified notification, as the
/// sandbox provider and its notification would.
async fn pay(store: &Store, order: &Order, at: Timestamp) -> anyhow::Result<()> {
    let PaymentStart::New(payment, _) = store
        .begin_payment(
            order.id,
            order.user_id,
            ("sandbox".into(), None),
            Arc::new(|_: &str| true),
            None,
            at,
        )
        .await?
    else {
        anyhow::bail!("demo order {} already had a payment", order.id);
    };
    store
        .sandbox_open(payment.id, order.id, order.total, order.currency.clone(), at)
        .await?;
    store.sandbox_complete(payment.id, true, at).await?;
    let facts = NotificationFacts {
        provider: "sandbox".into(),
        event_id: format!("demo-{}", payment.id),
        payment_id: payment.id,
        order_id: Some(order.id),
        amount: order.total,
        currency: order.currency.clone(),
        succeeded: true,
        provider_ref: None,
        body: None,
    };
    store.apply_notification(facts, at).await?;
    Ok(())
}

/// Pays a decided refund back through the sandbox's ledger under the refund's own key,
/// then records the answer, as `payments::pay_back` does through the sandbox provider.
async fn pay_back(
    store: &Store,
    refund: &Refund,
    payment: &Payment,
    actor: String,
    at: Timestamp,
) -> anyhow::Result<()> {
    let record = store
        .sandbox_refund(RefundRequest::key_for(refund.id), payment.id, refund.amount, at)
        .await?;
    let outcome = if record.succeeded {
        Ok(format!("sbx_refund_{}", refund.id))
    } else {
        Err(record.reason.unwrap_or_else(|| "the sandbox refused the refund".into()))
    };
    store.finish_refund(refund.id, outcome, actor, at).await?;
    Ok(())
}
