//! What an order's history entry means, read back from how it is stored.
//!
//! An entry is kept as `(from, to, actor, detail)`, with `actor` such as `user:7`,
//! `staff:2`, `provider:sandbox` or `system`, and `detail` a short English note written
//! by the store (`refund 3 of 1200 requested: too small`). That form is for the audit
//! trail; people read a sentence instead. [`Entry::read`] turns a stored entry into a
//! [`Fact`] the pages write in the reader's language and from the reader's side (the
//! shopper is "you", staff see "the customer"). Entries written before a format existed
//! fall back to [`Fact::Other`], which a page shows as a plain status change.
//!
//! The formats parsed here are the ones `emporium-store` writes (orders, payments,
//! refunds and returns); a test walks every one of them.

use crate::order::OrderStatus;

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The buyer (a customer or a guest).
    Buyer,
    /// A staff member, by id.
    Staff(i64),
    /// A payment provider, by name.
    Provider(String),
    /// The shop itself: a job (payment timeout, auto-confirm, refund retries).
    Shop,
}

impl Actor {
    /// Reads a stored actor; anything unknown is the shop.
    pub fn parse(raw: &str) -> Self {
        if raw.starts_with("user:") || raw.starts_with("guest") {
            return Self::Buyer;
        }
        if let Some(id) = raw.strip_prefix("staff:").and_then(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
        }) {
            return Self::Staff(id);
        }
        if let Some(name) = raw.strip_prefix("provider:") {
            return Self::Provider(name.to_owned());
        }
        Self::Shop
    }
}

/// What happened, with the facts a sentence needs. Amounts are minor units of the
/// order's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// The order was placed.
    Placed,
    /// The provider reported the payment.
    Paid,
    /// Money arrived after the order was cancelled, and goes back.
    PaidLate,
    /// A second payment for a paid order, and it goes back.
    PaidTwice,
    /// Handed to a carrier.
    Shipped {
        /// The carrier's name.
        carrier: String,
        /// The tracking number.
        tracking: String,
    },
    /// Receipt confirmed (by the buyer, or by the shop after the waiting time).
    Received,
    /// Cancelled before payment (by the buyer, staff, or the payment deadline).
    Cancelled,
    /// A paid order cancelled by the shop, which pays it all back.
    CancelledPaid {
        /// The reason staff gave.
        reason: String,
    },
    /// The buyer asked for money back.
    RefundRequested {
        /// How much.
        amount: i64,
        /// Why.
        reason: String,
    },
    /// The shop refunded on its own initiative.
    RefundByShop {
        /// How much.
        amount: i64,
        /// Why.
        reason: String,
    },
    /// A refund reached the buyer.
    RefundPaid {
        /// How much.
        amount: i64,
    },
    /// The shop declined a refund request.
    RefundRejected,
    /// A request left undecided was folded into a full refund.
    RefundClosed,
    /// The buyer asked to return goods.
    ReturnRequested {
        /// Why.
        reason: String,
    },
    /// The shop agreed to a return.
    ReturnApproved,
    /// The shop declined a return.
    ReturnRejected,
    /// The shop received returned goods.
    ReturnReceived {
        /// What goes back to the buyer for them.
        amount: i64,
    },
    /// Anything else: the page shows the status it moved to.
    Other,
}

/// A stored history entry, as far as a sentence needs it.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// The status before (`None` for the placing).
    pub from: Option<OrderStatus>,
    /// The status after.
    pub to: OrderStatus,
    /// The stored actor.
    pub actor: &'a str,
    /// The stored detail.
    pub detail: Option<&'a str>,
}

impl Entry<'_> {
    /// Who did it and what it was.
    pub fn read(&self) -> (Actor, Fact) {
        (Actor::parse(self.actor), self.fact())
    }

    fn fact(&self) -> Fact {
        let detail = self.detail.unwrap_or("");
        if let Some(rest) = detail.strip_prefix("refund ") {
            return refund_fact(rest);
        }
        if let Some(rest) = detail.strip_prefix("return ") {
            return return_fact(rest);
        }
        if detail.starts_with("payment ") && detail.contains("arrived late") {
            return Fact::PaidLate;
        }
        if detail.starts_with("payment ") && detail.contains("second time") {
            return Fact::PaidTwice;
        }
        match (self.from, self.to) {
            (None, _) => Fact::Placed,
            (Some(OrderStatus::PendingPayment), OrderStatus::Paid) => Fact::Paid,
            (Some(_), OrderStatus::Shipped) => {
                // `carrier tracking`: the tracking number has no spaces, a carrier may.
                let (carrier, tracking) = detail.rsplit_once(' ').unwrap_or((detail, ""));
                Fact::Shipped {
                    carrier: carrier.to_owned(),
                    tracking: tracking.to_owned(),
                }
            }
            (Some(OrderStatus::Shipped), OrderStatus::Received) => Fact::Received,
            (Some(OrderStatus::PendingPayment), OrderStatus::Cancelled) => Fact::Cancelled,
            (Some(OrderStatus::Paid), OrderStatus::Cancelled) => Fact::CancelledPaid {
                reason: detail.to_owned(),
            },
            _ => Fact::Other,
        }
    }
}

/// After `refund `: `3 of 1200 requested: reason`, `3 of 1200 by the shop: reason`,
/// `3 of 1200 paid back`, `3 rejected`, `3 closed: …`.
fn refund_fact(rest: &str) -> Fact {
    let (_, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if rest.starts_with("rejected") {
        return Fact::RefundRejected;
    }
    if rest.starts_with("closed") {
        return Fact::RefundClosed;
    }
    let Some(rest) = rest.strip_prefix("of ") else {
        return Fact::Other;
    };
    let (amount, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let Ok(amount) = amount.parse() else {
        return Fact::Other;
    };
    if let Some(reason) = rest.strip_prefix("requested: ") {
        return Fact::RefundRequested {
            amount,
            reason: reason.to_owned(),
        };
    }
    if let Some(reason) = rest.strip_prefix("by the shop: ") {
        return Fact::RefundByShop {
            amount,
            reason: reason.to_owned(),
        };
    }
    if rest == "paid back" {
        return Fact::RefundPaid { amount };
    }
    Fact::Other
}

/// After `return `: `4 requested: reason`, `4 approved`, `4 rejected`,
/// `4 received (…); 1200 to pay back`.
fn return_fact(rest: &str) -> Fact {
    let (_, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if let Some(reason) = rest.strip_prefix("requested: ") {
        return Fact::ReturnRequested {
            reason: reason.to_owned(),
        };
    }
    match rest {
        "approved" => return Fact::ReturnApproved,
        "rejected" => return Fact::ReturnRejected,
        _ => {}
    }
    if rest.starts_with("received") {
        let amount = rest
            .rsplit_once("; ")
            .and_then(|(_, tail)| tail.strip_suffix(" to pay back"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        return Fact::ReturnReceived { amount };
    }
    Fact::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(from: Option<OrderStatus>, to: OrderStatus, actor: &str, detail: Option<&str>) -> (Actor, Fact) {
        Entry {
            from,
            to,
            actor,
            detail,
        }
        .read()
    }

    #[test]
    fn actors() {
        assert_eq!(Actor::parse("user:203"), Actor::Buyer);
        assert_eq!(Actor::parse("guest:g_ab12"), Actor::Buyer);
        assert_eq!(Actor::parse("staff:202"), Actor::Staff(202));
        assert_eq!(Actor::parse("provider:sandbox"), Actor::Provider("sandbox".into()));
        assert_eq!(Actor::parse("system"), Actor::Shop);
        assert_eq!(Actor::parse(""), Actor::Shop);
    }

    #[test]
    fn order_moves() {
        use OrderStatus::*;
        assert_eq!(read(None, PendingPayment, "user:1", None).1, Fact::Placed);
        assert_eq!(
            read(Some(PendingPayment), Paid, "provider:alipay", Some("payment 9")).1,
            Fact::Paid
        );
        assert_eq!(
            read(Some(Paid), Shipped, "staff:2", Some("SF Express SF123")).1,
            Fact::Shipped {
                carrier: "SF Express".into(),
                tracking: "SF123".into()
            }
        );
        assert_eq!(
            read(Some(Shipped), Received, "system", None),
            (Actor::Shop, Fact::Received)
        );
        assert_eq!(read(Some(PendingPayment), Cancelled, "user:1", None).1, Fact::Cancelled);
        assert_eq!(
            read(Some(Paid), Cancelled, "staff:2", Some("out of stock")).1,
            Fact::CancelledPaid {
                reason: "out of stock".into()
            }
        );
        assert_eq!(
            read(
                Some(Cancelled),
                Cancelled,
                "provider:sandbox",
                Some("payment 4 arrived late; refund 2 opened")
            )
            .1,
            Fact::PaidLate
        );
        assert_eq!(
            read(
                Some(Paid),
                Paid,
                "provider:wechatpay",
                Some("payment 5 paid the order a second time; refund 3 opened")
            )
            .1,
            Fact::PaidTwice
        );
    }

    #[test]
    fn refunds_and_returns() {
        use OrderStatus::*;
        let fact = |detail| read(Some(Received), Received, "user:1", Some(detail)).1;
        assert_eq!(
            fact("refund 3 of 1200 requested: too small: really"),
            Fact::RefundRequested {
                amount: 1200,
                reason: "too small: really".into()
            }
        );
        assert_eq!(
            fact("refund 3 of 500 by the shop: goodwill"),
            Fact::RefundByShop {
                amount: 500,
                reason: "goodwill".into()
            }
        );
        assert_eq!(fact("refund 3 of 1200 paid back"), Fact::RefundPaid { amount: 1200 });
        assert_eq!(fact("refund 3 rejected"), Fact::RefundRejected);
        assert_eq!(
            fact("refund 3 closed: the order was cancelled and paid back in full"),
            Fact::RefundClosed
        );
        assert_eq!(
            fact("return 4 requested: wrong size"),
            Fact::ReturnRequested {
                reason: "wrong size".into()
            }
        );
        assert_eq!(fact("return 4 approved"), Fact::ReturnApproved);
        assert_eq!(fact("return 4 rejected"), Fact::ReturnRejected);
        assert_eq!(
            fact(
                "return 4 received (Tea: 1 restocked, 0 damaged; Cup (Red): 0 restocked, 1 damaged); 2300 to pay back"
            ),
            Fact::ReturnReceived { amount: 2300 }
        );
        assert_eq!(fact("refund 3 of lots requested: x"), Fact::Other);
        assert_eq!(fact("something new"), Fact::Other);
    }
}
