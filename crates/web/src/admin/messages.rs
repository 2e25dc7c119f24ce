//! The staff's message log: what the shop told (or owes) a customer about an order, on
//! the admin order page and on a page per customer, with a Resend button.
//!
//! Its few words live here, both languages in one struct literal each (a missing one
//! does not compile, as in `i18n.rs`), so the log can be added to the order page
//! without touching the shared `Texts` while issue 21's other pages are written there.

use askama::Template;
use axum::extract::State;
use emporium_app::messages::{self, LogQuery, NO_MAIL_SERVER};
use emporium_app::{AppError, AppState};
use emporium_domain::message::{MessageKind, MessageStatus};
use emporium_domain::staff::Permission;
use emporium_store::StoreError;
use emporium_store::messages::Message;

use crate::account::Empty;
use crate::i18n::Lang;
use crate::session::Visitor;
use crate::view::{Ctx, Path, Posted, WebError, WebResult, page, see_other, time};

/// The log's words.
#[derive(Debug)]
pub struct LogTexts {
    pub messages: &'static str,
    pub none: &'static str,
    pub kind: &'static str,
    pub channel: &'static str,
    pub status: &'static str,
    pub attempts: &'static str,
    pub note: &'static str,
    pub created: &'static str,
    pub resend: &'static str,
    pub not_sent: &'static str,
    pub customer_messages: &'static str,
}

const EN: LogTexts = LogTexts {
    messages: "Messages",
    none: "No messages yet.",
    kind: "Message",
    channel: "Channel",
    status: "Status",
    attempts: "Attempts",
    note: "Note",
    created: "Owed at",
    resend: "Resend",
    not_sent: "not sent",
    customer_messages: "Messages to this customer",
};

const ZH: LogTexts = LogTexts {
    messages: "消息记录",
    none: "暂无消息。",
    kind: "消息",
    channel: "渠道",
    status: "状态",
    attempts: "尝试次数",
    note: "说明",
    created: "生成时间",
    resend: "重新发送",
    not_sent: "未发送",
    customer_messages: "发给该顾客的消息",
};

impl LogTexts {
    /// The words in `lang`.
    pub fn of(lang: Lang) -> &'static Self {
        match lang {
            Lang::En => &EN,
            Lang::Zh => &ZH,
        }
    }
}

/// One row of the log.
#[derive(Debug)]
pub struct LogRow {
    pub id: i64,
    pub kind: &'static str,
    pub channel: &'static str,
    pub status: &'static str,
    /// The status in the page's language.
    pub status_label: &'static str,
    pub attempts: i64,
    pub order_id: Option<i64>,
    /// "not sent: no mail server configured", or the last error.
    pub note: String,
    pub created_at: String,
    pub resendable: bool,
}

/// The log of an order or a customer, ready for `admin/message_log.html`.
#[derive(Debug)]
pub struct MessageLog {
    pub t: &'static LogTexts,
    pub rows: Vec<LogRow>,
}

impl MessageLog {
    /// The log `query` names, in `lang`.
    pub async fn load(state: &AppState, lang: Lang, query: LogQuery<'_>) -> Result<Self, AppError> {
        let t = LogTexts::of(lang);
        let rows = messages::list_messages(state, query)
            .await?
            .iter()
            .map(|m| row(t, lang, m))
            .collect();
        Ok(Self { t, rows })
    }
}

/// What a message is, for staff reading the log (the kind's stored name is for machines).
fn kind_label(kind: MessageKind, lang: Lang) -> &'static str {
    use MessageKind::*;
    let (en, zh) = match kind {
        OrderPlaced => ("Order placed", "订单已提交"),
        OrderPaid => ("Payment received", "已收到付款"),
        OrderShipped => ("Shipped", "已发货"),
        OrderShippedSms => ("Shipped (text message)", "已发货（短信）"),
        TrackingUpdate => ("Tracking update", "物流更新"),
        OrderReceived => ("Receipt confirmed", "已确认收货"),
        OrderCancelled => ("Order cancelled", "订单已取消"),
        RefundApproved => ("Refund approved", "退款已同意"),
        RefundRejected => ("Refund declined", "退款未通过"),
        RefundPaid => ("Refund paid back", "退款已退回"),
        ReturnApproved => ("Return approved", "退货已同意"),
        ReturnRejected => ("Return declined", "退货未通过"),
        PasswordReset => ("Password reset", "重置密码"),
        VerifyEmail => ("Email verification", "邮箱验证"),
        StaffNewOrder => ("To staff: new order to ship", "致员工：新订单待发货"),
        StaffRefundRequested => ("To staff: refund to decide", "致员工：退款待审核"),
        StaffLowStock => ("To staff: low stock", "致员工：库存不足"),
        StaffReturnRequested => ("To staff: return to decide", "致员工：退货待审核"),
    };
    if lang == Lang::Zh { zh } else { en }
}

/// A message's status, for staff.
fn status_label(status: MessageStatus, lang: Lang) -> &'static str {
    let (en, zh) = match status {
        MessageStatus::Pending => ("Waiting", "待发送"),
        MessageStatus::Sent => ("Sent", "已发送"),
        MessageStatus::Failed => ("Failed", "发送失败"),
        MessageStatus::Held => ("Not sent", "未发送"),
        MessageStatus::Skipped => ("Skipped", "已跳过"),
    };
    if lang == Lang::Zh { zh } else { en }
}

fn row(t: &LogTexts, lang: Lang, m: &Message) -> LogRow {
    let note = match (m.status, m.last_error.as_deref()) {
        (MessageStatus::Held, _) if lang == Lang::Zh => format!("{}：未配置邮件服务器", t.not_sent),
        (MessageStatus::Held, _) => format!("{}: {NO_MAIL_SERVER}", t.not_sent),
        // Sent, but perhaps twice (an earlier attempt was interrupted): it says so.
        (MessageStatus::Sent, error) => error.unwrap_or_default().to_owned(),
        (_, Some(error)) => error.to_owned(),
        (_, None) => String::new(),
    };
    LogRow {
        id: m.id,
        kind: kind_label(m.kind, lang),
        channel: m.channel.as_str(),
        status: m.status.as_str(),
        status_label: status_label(m.status, lang),
        attempts: m.attempts,
        order_id: m.order_id,
        note,
        created_at: time(m.created_at),
        resendable: !m.kind.carries_secret(),
    }
}

#[derive(Template)]
#[template(path = "admin/customer_messages.html")]
struct CustomerMessagesPage {
    ctx: Ctx,
    customer: String,
    log: MessageLog,
}

/// `GET /admin/customers/{id}/messages`.
pub async fn customer(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> WebResult {
    visitor.staff(Permission::Customers)?;
    let user = match state.store().user(id).await {
        Ok(user) => user,
        Err(StoreError::NotFound(_)) => return Err(WebError::NotFound),
        Err(e) => return Err(AppError::from(e).into()),
    };
    let id_text = id.to_string();
    let log = MessageLog::load(
        &state,
        visitor.lang,
        LogQuery {
            order_id: None,
            user_id: Some(&id_text),
        },
    )
    .await?;
    Ok(page(&CustomerMessagesPage {
        ctx: Ctx::new(&visitor),
        customer: user.username,
        log,
    }))
}

/// `POST /admin/messages/{id}/resend`: back to the order's page (or the customer's).
pub async fn resend(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, .. }: Posted<Empty>,
) -> WebResult {
    visitor.staff(Permission::Customers)?;
    let copy = messages::resend_message(&state, id).await?;
    Ok(match (copy.order_id, copy.user_id) {
        (Some(order), _) => see_other(&format!("/admin/orders/{order}")),
        (None, Some(user)) => see_other(&format!("/admin/customers/{user}/messages")),
        (None, None) => see_other("/admin"),
    })
}
