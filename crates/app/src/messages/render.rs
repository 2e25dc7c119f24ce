//! What each message says, in Chinese and English, as text and HTML: the shop's name,
//! the order's lines and totals in yuan (`¥1,597.00`, never fen), the carrier and
//! tracking number, and links back to the shop.
//!
//! A message is a list of blocks written once per language; the text and the HTML
//! are both drawn from the same blocks, and every piece of text that reaches the HTML
//! goes through [`escape`] there, so a product named `<b>` is shown, never obeyed.

use emporium_domain::locale::Locale;
use emporium_domain::message::MessageKind;
use emporium_store::messages::LowStock;
use emporium_store::order_read::Order;
use emporium_store::refunds::Refund;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

mod layout;

use layout::{Block, html_of, text_of};
pub use layout::{escape, money};

/// Everything a message may need, gathered at delivery.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// What happened.
    pub kind: MessageKind,
    /// The reader's language.
    pub locale: Locale,
    /// The shop's name.
    pub shop_name: &'a str,
    /// `--public-url`, without a trailing slash.
    pub public_url: &'a str,
    /// The order it is about.
    pub order: Option<&'a Order>,
    /// The link to that order the customer follows (see [`super::order_link`]).
    pub order_link: Option<&'a str>,
    /// The refund it is about.
    pub refund: Option<&'a Refund>,
    /// The return it is about.
    pub ret: Option<&'a emporium_store::returns::Return>,
    /// The tracking milestone (`out_for_delivery`, `delivered`).
    pub milestone: Option<&'a str>,
    /// The variant that ran low, and its product's name.
    pub low_stock: Option<(LowStock, &'a str)>,
    /// The token a link carries (password reset, email verification).
    pub secret: Option<&'a str>,
}

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject line.
    pub subject: String,
    /// The text part (and the whole of a text message).
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// Writes the message `facts` describe. Kinds whose facts are missing (an order message
/// whose order is gone) still render, saying less.
pub fn render(facts: &Facts<'_>) -> Rendered {
    let zh = facts.locale == Locale::ZhCn;
    let t = |c: &str, e: &str| if zh { c.to_owned() } else { e.to_owned() };
    let id = facts.order.map_or(0, |o| o.id);
    let link = facts
        .order_link
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}/orders/{id}", facts.public_url));
    let view_order = Block::Link(t("查看订单", "View your order"), link);
    let refund_amount = facts
        .refund
        .zip(facts.order)
        .map(|(r, o)| money(r.amount, &o.currency))
        .unwrap_or_default();
    let shipment = facts.order.and_then(|o| o.shipment.as_ref());
    let (carrier, tracking) = shipment.map_or(("", ""), |s| (s.carrier.as_str(), s.tracking_number.as_str()));
    let mut blocks = Vec::new();
    let subject = match facts.kind {
        MessageKind::OrderPlaced => {
            blocks.push(Block::Para(t(
                &format!("感谢您的订购！订单 #{id} 已提交，请在付款期限内完成付款，我们收到款项后立即为您备货。"),
                &format!("Thank you for your order! Order #{id} is placed; please pay before the deadline and we will prepare it as soon as the payment arrives."),
            )));
            blocks.extend(order_table(facts));
            blocks.push(Block::Link(t("去付款", "Pay now"), blocks_link(facts, id)));
            t(
                &format!("订单 #{id} 已提交，等待付款"),
                &format!("Order #{id} placed: awaiting payment"),
            )
        }
        MessageKind::OrderPaid => {
            blocks.push(Block::Para(t(
                &format!("我们已收到订单 #{id} 的付款，正在为您备货。"),
                &format!("We received the payment for order #{id} and are preparing it."),
            )));
            blocks.extend(order_table(facts));
            blocks.push(view_order);
            t(&format!("订单 #{id} 已付款"), &format!("Order #{id} is paid"))
        }
        MessageKind::OrderShipped | MessageKind::OrderShippedSms => {
            blocks.push(Block::Para(t(
                &format!("您的订单 #{id} 已发货：{carrier}，运单号 {tracking}。"),
                &format!("Your order #{id} has shipped with {carrier}, tracking number {tracking}."),
            )));
            if let Some(order) = facts.order {
                let a = &order.address;
                blocks.push(Block::Para(t(
                    &format!("收件人：{}，{} {}", a.recipient, a.city, a.line1),
                    &format!("Shipping to: {}, {}, {}", a.recipient, a.line1, a.city),
                )));
            }
            blocks.extend(order_table(facts));
            blocks.push(view_order);
            t(
                &format!("订单 #{id} 已发货（{carrier} {tracking}）"),
                &format!("Order #{id} has shipped ({carrier} {tracking})"),
            )
        }
        MessageKind::TrackingUpdate => {
            let delivered = facts.milestone == Some("delivered");
            blocks.push(Block::Para(if delivered {
                t(
                    &format!("您的订单 #{id}（{carrier} {tracking}）已送达。收到货品后请确认收货。"),
                    &format!("Your order #{id} ({carrier} {tracking}) was delivered. Please confirm receipt once you have it."),
                )
            } else {
                t(
                    &format!("您的订单 #{id}（{carrier} {tracking}）正在派送，请留意查收。"),
                    &format!("Your order #{id} ({carrier} {tracking}) is out for delivery today."),
                )
            }));
            blocks.push(view_order);
            if delivered {
                t(&format!("订单 #{id} 已送达"), &format!("Order #{id} was delivered"))
            } else {
                t(
                    &format!("订单 #{id} 正在派送"),
                    &format!("Order #{id} is out for delivery"),
                )
            }
        }
        MessageKind::OrderReceived => {
            blocks.push(Block::Para(t(
                &format!("订单 #{id} 已确认收货，感谢您的惠顾！欢迎为商品写下评价。"),
                &format!("Order #{id} is confirmed received. Thank you for shopping with us; we would love a review."),
            )));
            blocks.push(view_order);
            t(
                &format!("订单 #{id} 已确认收货"),
                &format!("Order #{id} received: thank you"),
            )
        }
        MessageKind::OrderCancelled => {
            blocks.push(Block::Para(t(
                &format!("订单 #{id} 已取消。如果您已付款，款项将原路退回。"),
                &format!("Order #{id} was cancelled. If you paid for it, the money goes back to where it came from."),
            )));
            blocks.extend(order_table(facts));
            blocks.push(view_order);
            t(&format!("订单 #{id} 已取消"), &format!("Order #{id} was cancelled"))
        }
        MessageKind::RefundApproved => {
            blocks.push(Block::Para(t(
                &format!("订单 #{id} 的退款申请（{refund_amount}）已批准，款项正在原路退回。"),
                &format!("Your refund of {refund_amount} for order #{id} was approved and is on its way back to you."),
            )));
            blocks.push(view_order);
            t(
                &format!("订单 #{id} 的退款 {refund_amount} 已批准"),
                &format!("Refund of {refund_amount} for order #{id} approved"),
            )
        }
        MessageKind::RefundRejected => {
            blocks.push(Block::Para(t(
                &format!("很抱歉，订单 #{id} 的退款申请（{refund_amount}）未获批准。如有疑问请回复联系我们。"),
                &format!("We are sorry: your refund request of {refund_amount} for order #{id} was declined. Reply to this message if you have questions."),
            )));
            blocks.push(view_order);
            t(
                &format!("订单 #{id} 的退款申请未获批准"),
                &format!("Refund request for order #{id} declined"),
            )
        }
        MessageKind::RefundPaid => {
            blocks.push(Block::Para(t(
                &format!("订单 #{id} 的退款 {refund_amount} 已退回，到账时间以支付渠道为准。"),
                &format!("The refund of {refund_amount} for order #{id} was paid back; your bank or wallet may take a few days to show it."),
            )));
            blocks.push(view_order);
            t(
                &format!("订单 #{id} 的退款 {refund_amount} 已退回"),
                &format!("Refund of {refund_amount} for order #{id} paid back"),
            )
        }
        MessageKind::ReturnApproved => {
            let ret = facts.ret;
            let number = ret.map_or(0, |r| r.id);
            blocks.push(Block::Para(t(
                &format!("订单 #{id} 的退货申请（退货单 #{number}）已同意。请按以下说明寄回商品，商家收到后会原路退款："),
                &format!("Your return #{number} for order #{id} was approved. Please send the goods back as below; the money comes back once they arrive:"),
            )));
            blocks.push(Block::Para(
                ret.and_then(|r| r.instructions.clone()).unwrap_or_default(),
            ));
            blocks.extend(return_lines(facts, zh));
            blocks.push(view_order);
            t(
                &format!("订单 #{id} 的退货申请已同意"),
                &format!("Return for order #{id} approved: how to send it back"),
            )
        }
        MessageKind::ReturnRejected => {
            let note = facts.ret.and_then(|r| r.note.clone()).unwrap_or_default();
            blocks.push(Block::Para(t(
                &format!("很抱歉，订单 #{id} 的退货申请未获同意。原因：{note}"),
                &format!("We are sorry: the return for order #{id} was declined. Reason: {note}"),
            )));
            blocks.push(view_order);
            t(
                &format!("订单 #{id} 的退货申请未获同意"),
                &format!("Return for order #{id} declined"),
            )
        }
        MessageKind::StaffReturnRequested => {
            let (number, reason) = facts.ret.map_or((0, ""), |r| (r.id, r.reason.as_str()));
            blocks.push(Block::Para(t(
                &format!("订单 #{id} 的顾客申请退货（退货单 #{number}），原因：{reason}"),
                &format!("The customer of order #{id} asks to return goods (return #{number}). Reason: {reason}"),
            )));
            blocks.extend(return_lines(facts, zh));
            blocks.push(Block::Link(
                t("审核退货", "Decide in the admin"),
                format!("{}/admin/returns/{number}", facts.public_url),
            ));
            t(
                &format!("订单 #{id} 有退货申请待处理"),
                &format!("Return for order #{id} to decide"),
            )
        }
        MessageKind::PasswordReset => {
            blocks.push(Block::Para(t(
                "有人（希望是您）请求重置您账户的密码。点击下面的链接设置新密码；链接 30 分钟内有效，且只能使用一次。如果不是您本人操作，请忽略此邮件，您的密码不会改变。",
                "Someone (we hope you) asked to reset the password of your account. Follow the link below to choose a new one; it works once, for 30 minutes. If it was not you, ignore this message: your password stays as it is.",
            )));
            blocks.push(Block::Link(
                t("设置新密码", "Choose a new password"),
                token_link(facts, "/account/reset"),
            ));
            t("重置您的密码", "Reset your password")
        }
        MessageKind::VerifyEmail => {
            blocks.push(Block::Para(t(
                "请点击下面的链接确认这是您的邮箱地址；链接 30 分钟内有效。如果不是您本人操作，请忽略此邮件。",
                "Follow the link below to confirm this is your email address; it works for 30 minutes. If it was not you, ignore this message.",
            )));
            blocks.push(Block::Link(
                t("验证邮箱", "Verify this address"),
                token_link(facts, "/account/verify-email"),
            ));
            t("验证您的邮箱地址", "Verify your email address")
        }
        MessageKind::StaffNewOrder => {
            blocks.push(Block::Para(t(
                &format!("订单 #{id} 已付款，等待发货。"),
                &format!("Order #{id} is paid and waits to be shipped."),
            )));
            blocks.extend(order_table(facts));
            blocks.push(Block::Link(
                t("在后台处理", "Open it in the admin"),
                format!("{}/admin/orders/{id}", facts.public_url),
            ));
            t(&format!("新订单 #{id} 待发货"), &format!("New order #{id} to ship"))
        }
        MessageKind::StaffRefundRequested => {
            let reason = facts.refund.map_or("", |r| r.reason.as_str());
            blocks.push(Block::Para(t(
                &format!("订单 #{id} 的顾客申请退款 {refund_amount}，原因：{reason}"),
                &format!("The customer of order #{id} asks for a refund of {refund_amount}. Reason: {reason}"),
            )));
            blocks.push(Block::Link(
                t("审核退款", "Decide in the admin"),
                format!("{}/admin/refunds", facts.public_url),
            ));
            t(
                &format!("订单 #{id} 有退款申请待处理"),
                &format!("Refund request for order #{id} to decide"),
            )
        }
        MessageKind::StaffLowStock => {
            let (facts_low, name) = facts.low_stock.unwrap_or((
                LowStock {
                    product_id: 0,
                    variant_id: 0,
                    available: 0,
                    threshold: 0,
                },
                "",
            ));
            let LowStock {
                product_id,
                variant_id,
                available,
                threshold,
            } = facts_low;
            blocks.push(Block::Para(t(
                &format!("「{name}」（规格 #{variant_id}）可售库存仅剩 {available} 件，已低于预警值 {threshold}。"),
                &format!("“{name}” (variant #{variant_id}) has {available} units available, at or below its threshold of {threshold}."),
            )));
            blocks.push(Block::Link(
                t("补货", "Receive stock"),
                format!("{}/admin/products/{product_id}", facts.public_url),
            ));
            t(
                &format!("库存不足：{name} 仅剩 {available} 件"),
                &format!("Low stock: {name} has {available} left"),
            )
        }
    };
    let subject = format!("[{}] {subject}", facts.shop_name);
    let signature = t(&format!("—— {}", facts.shop_name), &format!("— {}", facts.shop_name));
    Rendered {
        text: text_of(&blocks, &signature),
        html: html_of(&blocks, &signature, &subject, facts.locale),
        subject,
    }
}

/// The text message of a shipping notice (one line, with the link).
pub fn sms_text(facts: &Facts<'_>) -> String {
    let id = facts.order.map_or(0, |o| o.id);
    let (carrier, tracking) = facts
        .order
        .and_then(|o| o.shipment.as_ref())
        .map_or(("", ""), |s| (s.carrier.as_str(), s.tracking_number.as_str()));
    let link = facts
        .order_link
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}/orders/{id}", facts.public_url));
    match facts.locale {
        Locale::ZhCn => format!(
            "【{}】您的订单 #{id} 已发货：{carrier}，运单号 {tracking}。{link}",
            facts.shop_name
        ),
        Locale::En => format!(
            "{}: your order #{id} has shipped with {carrier}, tracking {tracking}. {link}",
            facts.shop_name
        ),
    }
}

fn blocks_link(facts: &Facts<'_>, id: i64) -> String {
    facts
        .order_link
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}/orders/{id}", facts.public_url))
}

/// What a token may carry in a query unescaped (RFC 3986's unreserved characters).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn token_link(facts: &Facts<'_>, path: &str) -> String {
    let token = utf8_percent_encode(facts.secret.unwrap_or_default(), QUERY_VALUE);
    format!("{}{path}?token={token}", facts.public_url)
}

/// The order's lines and totals, when the order is known.
fn order_table(facts: &Facts<'_>) -> Option<Block> {
    let order = facts.order?;
    let zh = facts.locale == Locale::ZhCn;
    let label = |c: &str, e: &str| if zh { c.to_owned() } else { e.to_owned() };
    let lines = order
        .items
        .iter()
        .map(|item| {
            let options: Vec<String> = item.options.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let name = if options.is_empty() {
                item.name.clone()
            } else {
                format!("{} ({})", item.name, options.join(", "))
            };
            (
                format!("{name} × {}", item.quantity),
                money(item.line_total, &order.currency),
            )
        })
        .collect();
    let line_discounts = order.discount_total - order.shipping_discount;
    let mut totals = vec![(label("小计", "Subtotal"), money(order.subtotal, &order.currency))];
    if line_discounts > 0 {
        totals.push((label("优惠", "Discounts"), money(-line_discounts, &order.currency)));
    }
    totals.push((label("运费", "Shipping"), money(order.shipping_fee, &order.currency)));
    if order.tax_mode == "exclusive" && order.tax_total > 0 {
        totals.push((label("税费", "Tax"), money(order.tax_total, &order.currency)));
    }
    totals.push((label("合计", "Total"), money(order.total, &order.currency)));
    Some(Block::Table(lines, totals))
}

/// The units a return asks back, one per line (`Longjing × 2`).
fn return_lines(facts: &Facts<'_>, zh: bool) -> Option<Block> {
    let ret = facts.ret?;
    let lines: Vec<String> = ret
        .lines
        .iter()
        .map(|l| format!("{} × {}", l.name, l.quantity))
        .collect();
    let head = if zh { "退回商品：" } else { "Goods to return: " };
    Some(Block::Para(format!(
        "{head}{}",
        lines.join(if zh { "；" } else { "; " })
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_links_carry_encoded_tokens() {
        assert_eq!(
            escape("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
        let facts = Facts {
            kind: MessageKind::PasswordReset,
            locale: Locale::En,
            shop_name: "Shop <&>",
            public_url: "https://shop.example.com",
            order: None,
            order_link: None,
            refund: None,
            ret: None,
            milestone: None,
            low_stock: None,
            secret: Some("a+b/c=="),
        };
        let rendered = render(&facts);
        assert_eq!(rendered.subject, "[Shop <&>] Reset your password");
        assert!(
            rendered
                .text
                .contains("https://shop.example.com/account/reset?token=a%2Bb%2Fc%3D%3D")
        );
        assert!(rendered.html.contains("Shop &lt;&amp;&gt;"));
        assert!(!rendered.html.contains("Shop <&>"));
        let chinese = render(&Facts {
            locale: Locale::ZhCn,
            ..facts
        });
        assert_eq!(chinese.subject, "[Shop <&>] 重置您的密码");
        assert!(chinese.html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
    }
}
