//! An order's history as people read it: each stored entry (see
//! `emporium_domain::history`) becomes one sentence in the page's language, written for
//! its reader. The shopper is "you" and never sees who on the staff did something; staff
//! see the customer in the third person and which staff member acted. Amounts are in the
//! order's currency, never minor units.

use emporium_domain::history::{Actor, Entry, Fact};

use super::super::i18n::Lang;
use super::super::view::money;

/// Who reads the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The buyer (or a guest by the order's link).
    Shopper,
    /// Staff, in the back office.
    Staff,
}

/// One entry of the timeline, written out.
#[derive(Debug)]
pub struct Step {
    /// The badge's style: an order status (`paid`, …) or `refund`, `return`, `payment`.
    pub badge: &'static str,
    /// The badge's text.
    pub label: &'static str,
    /// When, in the shop's time zone.
    pub at: String,
    /// What happened, as a sentence.
    pub text: String,
}

/// The badge of an entry: the status it reached when it moved the order, else what kind
/// of thing happened (a refund on a received order is a refund, not "Received").
pub fn badge(entry: &Entry<'_>, fact: &Fact, lang: Lang) -> (&'static str, &'static str) {
    let zh = lang == Lang::Zh;
    match fact {
        Fact::RefundRequested { .. }
        | Fact::RefundByShop { .. }
        | Fact::RefundPaid { .. }
        | Fact::RefundRejected
        | Fact::RefundClosed
        | Fact::PaidLate
        | Fact::PaidTwice
            if entry.from == Some(entry.to) =>
        {
            ("refund", if zh { "退款" } else { "Refund" })
        }
        Fact::ReturnRequested { .. } | Fact::ReturnApproved | Fact::ReturnRejected | Fact::ReturnReceived { .. }
            if entry.from == Some(entry.to) =>
        {
            ("return", if zh { "退货" } else { "Return" })
        }
        _ => (entry.to.as_str(), lang.texts().order_status(entry.to.as_str())),
    }
}

/// A provider's name for people.
pub fn provider_name(name: &str, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match name {
        "alipay" => if zh { "支付宝" } else { "Alipay" }.into(),
        "wechatpay" => if zh { "微信支付" } else { "WeChat Pay" }.into(),
        "sandbox" => if zh { "沙盒支付" } else { "the sandbox" }.into(),
        other => other.to_owned(),
    }
}

/// The sentence for one entry.
pub fn sentence(entry: &Entry<'_>, lang: Lang, reader: Reader, currency: &str) -> String {
    let (actor, fact) = entry.read();
    let zh = lang == Lang::Zh;
    let shopper = reader == Reader::Shopper;
    let amount = |minor: i64| money(minor, currency);
    // Who acted, said to staff; the shopper is told what happened, not by whom.
    let by = match (&actor, reader) {
        (Actor::Staff(id), Reader::Staff) => {
            if zh {
                format!("（员工 #{id}）")
            } else {
                format!(" (staff #{id})")
            }
        }
        _ => String::new(),
    };
    let text = match fact {
        Fact::Placed => match (shopper, zh) {
            (true, false) => "You placed the order.".to_owned(),
            (true, true) => "您提交了订单。".to_owned(),
            (false, false) => "The customer placed the order.".to_owned(),
            (false, true) => "顾客提交了订单。".to_owned(),
        },
        Fact::Paid => {
            let via = match &actor {
                Actor::Provider(name) => provider_name(name, lang),
                _ => String::new(),
            };
            match (zh, via.is_empty()) {
                (false, true) => "Payment received.".to_owned(),
                (false, false) => format!("Payment received through {via}."),
                (true, true) => "已收到付款。".to_owned(),
                (true, false) => format!("已通过{via}收到付款。"),
            }
        }
        Fact::PaidLate => if zh {
            "订单取消后才收到付款，该款项将原路退回。"
        } else {
            "A payment arrived after the order was cancelled; it is being paid back."
        }
        .to_owned(),
        Fact::PaidTwice => if zh {
            "订单被重复支付，多付的款项将原路退回。"
        } else {
            "The order was paid a second time; the extra payment is being paid back."
        }
        .to_owned(),
        Fact::Shipped { carrier, tracking } => {
            if zh {
                format!("已交由{carrier}发货，运单号 {tracking}。")
            } else {
                format!("Shipped with {carrier}, tracking number {tracking}.")
            }
        }
        Fact::Received => match (&actor, shopper, zh) {
            (Actor::Buyer, true, false) => "You confirmed receipt.".to_owned(),
            (Actor::Buyer, true, true) => "您已确认收货。".to_owned(),
            (Actor::Buyer, false, false) => "The customer confirmed receipt.".to_owned(),
            (Actor::Buyer, false, true) => "顾客已确认收货。".to_owned(),
            (_, _, false) => "Receipt confirmed automatically after the waiting period.".to_owned(),
            (_, _, true) => "超过确认期限，已自动确认收货。".to_owned(),
        },
        Fact::Cancelled => match (&actor, shopper, zh) {
            (Actor::Buyer, true, false) => "You cancelled the order.".to_owned(),
            (Actor::Buyer, true, true) => "您取消了订单。".to_owned(),
            (Actor::Buyer, false, false) => "The customer cancelled the order.".to_owned(),
            (Actor::Buyer, false, true) => "顾客取消了订单。".to_owned(),
            (Actor::Staff(_), _, false) => "The shop cancelled the order.".to_owned(),
            (Actor::Staff(_), _, true) => "商家取消了订单。".to_owned(),
            (_, _, false) => "Cancelled: not paid in time.".to_owned(),
            (_, _, true) => "超时未付款，订单已自动取消。".to_owned(),
        },
        Fact::CancelledPaid { reason } => {
            if zh {
                format!("商家取消了订单并全额退款：{reason}")
            } else {
                format!("The shop cancelled the order and refunds it in full: {reason}")
            }
        }
        Fact::RefundRequested { amount: a, reason } => match (shopper, zh) {
            (true, false) => format!("You asked for a refund of {}: {reason}", amount(a)),
            (true, true) => format!("您申请退款 {}：{reason}", amount(a)),
            (false, false) => format!("The customer asked for a refund of {}: {reason}", amount(a)),
            (false, true) => format!("顾客申请退款 {}：{reason}", amount(a)),
        },
        Fact::RefundByShop { amount: a, reason } => {
            if zh {
                format!("商家退款 {}：{reason}", amount(a))
            } else {
                format!("The shop refunded {}: {reason}", amount(a))
            }
        }
        Fact::RefundPaid { amount: a } => match (shopper, zh) {
            (true, false) => format!("{} was paid back to you.", amount(a)),
            (true, true) => format!("{} 已原路退还给您。", amount(a)),
            (false, false) => format!("{} was paid back to the customer.", amount(a)),
            (false, true) => format!("{} 已原路退还给顾客。", amount(a)),
        },
        Fact::RefundRejected => match (shopper, zh) {
            (true, false) => "Your refund request was declined.".to_owned(),
            (true, true) => "您的退款申请未通过。".to_owned(),
            (false, false) => "A refund request was declined.".to_owned(),
            (false, true) => "退款申请已拒绝。".to_owned(),
        },
        Fact::RefundClosed => if zh {
            "未处理的退款申请已并入全额退款。"
        } else {
            "An open refund request was folded into the full refund."
        }
        .to_owned(),
        Fact::ReturnRequested { reason } => match (shopper, zh) {
            (true, false) => format!("You asked to return goods: {reason}"),
            (true, true) => format!("您申请了退货：{reason}"),
            (false, false) => format!("The customer asked to return goods: {reason}"),
            (false, true) => format!("顾客申请退货：{reason}"),
        },
        Fact::ReturnApproved => if zh {
            "商家已同意退货。"
        } else {
            "The shop approved the return."
        }
        .to_owned(),
        Fact::ReturnRejected => if zh {
            "商家拒绝了退货申请。"
        } else {
            "The shop declined the return."
        }
        .to_owned(),
        Fact::ReturnReceived { amount: a } => match (shopper, zh) {
            (true, false) => format!("The shop received the returned goods; {} goes back to you.", amount(a)),
            (true, true) => format!("商家已收到退货，{} 将退还给您。", amount(a)),
            (false, false) => format!("Returned goods received; {} goes back to the customer.", amount(a)),
            (false, true) => format!("已收到退货，{} 将退还给顾客。", amount(a)),
        },
        Fact::Other => {
            let status = lang.texts().order_status(entry.to.as_str());
            if zh {
                format!("订单状态：{status}")
            } else {
                format!("Order status: {status}")
            }
        }
    };
    format!("{text}{by}")
}

/// The steps of an order's history for `reader`.
pub fn steps(
    events: &[emporium_store::order_read::OrderEventRecord],
    lang: Lang,
    reader: Reader,
    currency: &str,
    time: impl Fn(emporium_domain::time::Timestamp) -> String,
) -> Vec<Step> {
    events
        .iter()
        .map(|e| {
            let entry = Entry {
                from: e.from,
                to: e.to,
                actor: &e.actor,
                detail: e.detail.as_deref(),
            };
            let (_, fact) = entry.read();
            let (badge, label) = badge(&entry, &fact, lang);
            Step {
                badge,
                label,
                at: time(e.at),
                text: sentence(&entry, lang, reader, currency),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use emporium_domain::order::OrderStatus;

    use super::*;

    fn say(
        from: Option<OrderStatus>,
        to: OrderStatus,
        actor: &str,
        detail: &str,
        lang: Lang,
        reader: Reader,
    ) -> String {
        let entry = Entry {
            from,
            to,
            actor,
            detail: Some(detail).filter(|d| !d.is_empty()),
        };
        sentence(&entry, lang, reader, "CNY")
    }

    #[test]
    fn shoppers_read_yuan_and_no_internals() {
        use OrderStatus::*;
        let text = say(
            Some(Received),
            Received,
            "user:203",
            "refund 5 of 30900 requested: broken",
            Lang::En,
            Reader::Shopper,
        );
        assert_eq!(text, "You asked for a refund of ¥309.00: broken");
        let text = say(
            Some(Paid),
            Paid,
            "staff:202",
            "refund 6 of 159729100 by the shop: sorry",
            Lang::Zh,
            Reader::Shopper,
        );
        assert_eq!(text, "商家退款 ¥1,597,291.00：sorry");
        let text = say(
            Some(PendingPayment),
            Paid,
            "provider:sandbox",
            "payment 509",
            Lang::En,
            Reader::Shopper,
        );
        assert_eq!(text, "Payment received through the sandbox.");
        assert_eq!(
            say(
                Some(Paid),
                Cancelled,
                "staff:202",
                "out of stock",
                Lang::Zh,
                Reader::Staff
            ),
            "商家取消了订单并全额退款：out of stock（员工 #202）"
        );
    }

    #[test]
    fn refund_events_are_badged_as_refunds() {
        let entry = Entry {
            from: Some(OrderStatus::Received),
            to: OrderStatus::Received,
            actor: "staff:1",
            detail: Some("refund 3 rejected"),
        };
        let (_, fact) = entry.read();
        assert_eq!(badge(&entry, &fact, Lang::En), ("refund", "Refund"));
        let moved = Entry {
            from: Some(OrderStatus::Paid),
            to: OrderStatus::Refunded,
            actor: "system",
            detail: Some("refund 3 of 100 paid back"),
        };
        let (_, fact) = moved.read();
        assert_eq!(badge(&moved, &fact, Lang::Zh), ("refunded", "已退款"));
    }
}
