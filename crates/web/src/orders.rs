//! The buyer's orders: the list, the order page with its timeline and tracking, paying
//! through the provider's page, cancelling, confirming receipt and asking for a refund.
//! A guest order's page is the same page opened by its link (`?access=<token>`); the link
//! and the lookup by number and email are in `orders/link.rs`.

pub mod history;
mod link;
pub mod returns;

pub use link::{lookup_order, lookup_page};

/// The link of a guest order: `/orders/{id}?access=<token>`.
pub fn order_link(id: i64, token: &str) -> String {
    link::order_url(id, Some(token))
}

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use emporium_domain::order::OrderStatus;
use emporium_domain::payment::PaymentStatus;
use emporium_store::accounts::Session;
use emporium_store::cart::CartLine;
use emporium_store::idempotency::Idempotent;
use emporium_store::order_read::Order;
use serde::Deserialize;

use self::history::{Reader, Step};
use super::i18n::Lang;
use super::session::Visitor;
use super::view::{
    Ctx, FieldErrors, Path, Posted, WebError, WebResult, money, nonblank, page, parse_money, refund_errors, render,
    see_other, time,
};
use emporium_app::accounts::ClientAddress;
use emporium_app::payments::{self, Asked, PayWith, RefundWish};
use emporium_app::{AppState, guests, orders};

/// A line of a cart or order, formatted.
#[derive(Debug)]
pub struct Line {
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
    /// Its name.
    pub name: String,
    /// The variant's option values, `颜色: 黑 · 尺码: 42` (empty for a simple product).
    pub variant: String,
    /// Unit price.
    pub unit_price: String,
    /// Units.
    pub quantity: i64,
    /// Line total.
    pub line_total: String,
}

impl Line {
    /// A cart line as the cart and checkout pages show it, named in the page's language.
    pub fn of_cart(l: &CartLine, names: &Names) -> Self {
        Self {
            product_id: l.product_id,
            variant_id: l.variant_id,
            name: names.product(l.product_id, &l.name),
            variant: names.variant(&l.options),
            unit_price: money(l.unit_price, &l.currency),
            quantity: l.quantity,
            line_total: money(l.unit_price * l.quantity, &l.currency),
        }
    }
}

/// Product names and option labels in a page's language, for lines that store them as
/// written in the catalogue (cart lines, and order lines' snapshots). A snapshot is
/// translated only while the product still has that name; a product renamed since keeps
/// the name it was bought under.
pub struct Names {
    products: std::collections::HashMap<i64, emporium_store::catalog::Product>,
    labels: std::sync::Arc<emporium_store::catalog::OptionLabels>,
    locale: &'static str,
}

impl Names {
    /// The names of `product_ids` in `lang` (read through the store's product cache).
    pub async fn load(
        state: &AppState,
        lang: Lang,
        product_ids: impl IntoIterator<Item = i64>,
    ) -> Result<Self, WebError> {
        let mut ids: Vec<i64> = product_ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        let products = state.store().products_by_ids(&ids).await?;
        Ok(Self {
            products: products.into_iter().map(|p| (p.id, p)).collect(),
            labels: state.store().option_labels(lang.html_tag()).await?,
            locale: lang.html_tag(),
        })
    }

    /// `snapshot`, the name stored with a line of `product_id`, in the page's language.
    pub fn product(&self, product_id: i64, snapshot: &str) -> String {
        match self.products.get(&product_id) {
            Some(p) if p.name == snapshot => {
                emporium_domain::translation::InLocale::of(&p.translations, Some(self.locale))
                    .name(&p.name)
                    .to_owned()
            }
            _ => snapshot.to_owned(),
        }
    }

    /// `颜色: 黑 · 尺码: 42` (or `Colour: Black · Size: 42`) for a line's options.
    pub fn variant(&self, options: &[(String, String)]) -> String {
        options
            .iter()
            .map(|(name, value)| format!("{}: {}", self.labels.option(name), self.labels.value(name, value)))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// What a cart's lines add up to (before shipping), and their currency.
pub fn cart_subtotal(lines: &[CartLine]) -> String {
    let currency = lines.first().map_or("CNY", |l| l.currency.as_str());
    money(lines.iter().map(|l| l.unit_price * l.quantity).sum(), currency)
}

/// An order in a list.
#[derive(Debug)]
pub struct OrderRow {
    /// Id.
    pub id: i64,
    /// Raw status (for the badge's class).
    pub status: String,
    /// Total, formatted.
    pub total: String,
    /// Placed at.
    pub created_at: String,
    /// Lines in short.
    pub summary: String,
}

impl From<&Order> for OrderRow {
    fn from(o: &Order) -> Self {
        let names: Vec<String> = o.items.iter().map(|i| format!("{} × {}", i.name, i.quantity)).collect();
        Self {
            id: o.id,
            status: o.status.as_str().to_owned(),
            total: money(o.total, &o.currency),
            created_at: time(o.created_at),
            summary: names.join(", "),
        }
    }
}

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage {
    ctx: Ctx,
    orders: Vec<OrderRow>,
    next_url: Option<String>,
}

/// `?before=` for keyset pages of orders.
#[derive(Debug, Deserialize)]
pub struct Before {
    before: Option<String>,
}

/// The page size of order lists.
pub const ORDERS_PER_PAGE: i64 = 20;

/// A page of orders (newest first) and the link to the next.
pub async fn order_page(
    state: &AppState,
    owner: Option<i64>,
    status: Option<OrderStatus>,
    before: Option<&str>,
    base: &str,
) -> Result<(Vec<Order>, Option<String>), WebError> {
    let before = before.and_then(|b| b.parse::<i64>().ok());
    let mut orders = state.store().orders(owner, status, before, ORDERS_PER_PAGE + 1).await?;
    let next = super::view::next_before(&mut orders, ORDERS_PER_PAGE, base, |o| o.id);
    Ok((orders, next))
}

/// `GET /orders`.
pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(p): Query<Before>) -> WebResult {
    let session = visitor.user()?;
    let (orders, next_url) =
        order_page(&state, Some(session.user.id), None, p.before.as_deref(), &visitor.path).await?;
    Ok(page(&OrdersPage {
        ctx: Ctx::new(&visitor),
        orders: orders.iter().map(OrderRow::from).collect(),
        next_url,
    }))
}

/// A tracking event, formatted.
#[derive(Debug)]
pub struct Track {
    /// e.g. `in_transit`.
    pub status: String,
    /// Where.
    pub location: String,
    /// What.
    pub description: String,
    /// When.
    pub at: String,
}

/// Everything the order pages (the buyer's and staff's) show.
#[derive(Debug)]
pub struct OrderDetail {
    /// Id.
    pub id: i64,
    /// Raw status.
    pub status: String,
    /// Lines.
    pub lines: Vec<Line>,
    /// Subtotal.
    pub subtotal: String,
    /// Shipping fee.
    pub shipping: String,
    /// The discounts, as `(promotion name or coupon code, −amount)`.
    pub discounts: Vec<(String, String)>,
    /// The tax: inside the prices (`true`) or added, and how much (empty when none).
    pub tax: (bool, String),
    /// Total.
    pub total: String,
    /// Refunded so far (empty when nothing).
    pub refunded: String,
    /// The address in one line.
    pub address: String,
    /// Buyer's note.
    pub note: String,
    /// The 发票 asked for (empty when none).
    pub invoice: String,
    /// Placed at.
    pub created_at: String,
    /// Pay deadline.
    pub pay_deadline: String,
    /// Carrier and tracking number.
    pub shipment: Option<(String, String)>,
    /// Tracking events.
    pub tracking: Vec<Track>,
    /// The history.
    pub steps: Vec<Step>,
    /// Whether a refund may be asked (paid and not all refunded).
    pub refundable: bool,
    /// What is left to refund, formatted in major units (the form's default hint).
    pub refundable_left: String,
    /// The order's refunds: (id, amount, reason, raw status, asked at).
    pub refunds: Vec<(i64, String, String, String, String)>,
}

/// Loads an order's page data.
pub async fn order_detail(
    state: &AppState,
    order: &Order,
    lang: Lang,
    reader: Reader,
) -> Result<OrderDetail, WebError> {
    let events = state.store().order_events(order.id).await?;
    let refunds = state.store().order_refunds(order.id).await?;
    let address = order.address.parts().collect::<Vec<_>>().join(", ");
    let ids: Vec<i64> = order.items.iter().map(|i| i.product_id).collect();
    let names = Names::load(state, lang, ids).await?;
    let refundable = matches!(
        order.status,
        OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Received
    ) && order.paid_amount > order.refunded_amount;
    Ok(OrderDetail {
        id: order.id,
        status: order.status.as_str().to_owned(),
        lines: order
            .items
            .iter()
            .map(|i| Line {
                product_id: i.product_id,
                variant_id: i.variant_id,
                name: names.product(i.product_id, &i.name),
                variant: names.variant(&i.options),
                unit_price: money(i.unit_price, &order.currency),
                quantity: i.quantity,
                line_total: money(i.line_total, &order.currency),
            })
            .collect(),
        subtotal: money(order.subtotal, &order.currency),
        shipping: money(order.shipping_fee, &order.currency),
        discounts: order
            .offers
            .iter()
            .filter(|o| o.applied)
            .map(|o| (o.label.clone(), money(-o.amount, &order.currency)))
            .collect(),
        tax: (
            order.tax_mode != "exclusive",
            match order.tax_total {
                0 => String::new(),
                tax => money(tax, &order.currency),
            },
        ),
        total: money(order.total, &order.currency),
        refunded: if order.refunded_amount > 0 {
            money(order.refunded_amount, &order.currency)
        } else {
            String::new()
        },
        address,
        note: order.note.clone().unwrap_or_default(),
        invoice: order.invoice.as_ref().map(ToString::to_string).unwrap_or_default(),
        created_at: time(order.created_at),
        pay_deadline: time(order.pay_deadline),
        shipment: order
            .shipment
            .as_ref()
            .map(|s| (s.carrier.clone(), s.tracking_number.clone())),
        tracking: order
            .shipment
            .as_ref()
            .map(|s| {
                s.events
                    .iter()
                    .map(|e| Track {
                        status: e.status.clone(),
                        location: e.location.clone().unwrap_or_default(),
                        description: e.description.clone().unwrap_or_default(),
                        at: time(e.occurred_at),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        steps: history::steps(&events, lang, reader, &order.currency, time),
        refundable,
        refundable_left: money(order.paid_amount - order.refunded_amount, &order.currency),
        refunds: refunds
            .iter()
            .map(|r| {
                (
                    r.id,
                    money(r.amount, &order.currency),
                    r.reason.clone(),
                    r.status.as_str().to_owned(),
                    time(r.created_at),
                )
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    ctx: Ctx,
    order: OrderDetail,
    refund_amount: String,
    refund_reason: String,
    errors: FieldErrors,
    /// Whether to refresh the page by itself (a payment is under way).
    refresh: bool,
    /// Where the latest payment of an unpaid order stands, for its notice and the actions
    /// offered: `none` (not started), `qr` (a code to scan), `unfinished` (the buyer left the
    /// provider's page), `checking` (the provider could not say yet) or `failed`.
    pay_state: &'static str,
    /// The lines of a received order, each with a review form or "reviewed".
    reviewable: Vec<Reviewable>,
    /// The review form that failed, with what was typed, and its errors.
    draft: ReviewDraft,
    review_errors: FieldErrors,
    /// The rating choices, best first.
    stars: [i64; 5],
    /// A guest order's link token, carried by every form of the page (empty for the
    /// buyer's own page).
    access: String,
    /// The ways to pay that are on (`provider` or `provider:channel`, and its label).
    pay_methods: Vec<(String, &'static str)>,
    /// A pending QR payment's code, drawn as an inline SVG.
    qr_svg: Option<String>,
    /// The order's returns.
    returns: Vec<returns::ReturnRow>,
    /// The form to ask for a return, while the buyer may.
    return_form: Option<returns::ReturnFormView>,
}

/// The ways to pay that are on, as the pay form offers them: one per provider channel
/// (`alipay:qr`), or the provider alone when it has none (`sandbox`).
fn pay_methods(state: &AppState, t: &crate::i18n::Texts) -> Vec<(String, &'static str)> {
    let label = |method: &str| match method {
        "alipay:page" => t.pay_alipay_page,
        "alipay:wap" => t.pay_alipay_wap,
        "alipay:qr" => t.pay_alipay_qr,
        "wechatpay:native" => t.pay_wechatpay_native,
        "wechatpay:h5" => t.pay_wechatpay_h5,
        _ => t.pay_sandbox,
    };
    payments::offered_providers(state)
        .into_iter()
        .flat_map(|offer| {
            let methods: Vec<String> = if offer.channels.is_empty() {
                vec![offer.name.to_owned()]
            } else {
                offer.channels.iter().map(|c| format!("{}:{c}", offer.name)).collect()
            };
            methods
        })
        .map(|method| {
            let text = label(&method);
            (method, text)
        })
        .collect()
}

/// `text` as a QR code in an inline SVG (made here: the page loads nothing from elsewhere).
fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

/// A line of a received order, as the review section shows it.
struct Reviewable {
    product_id: i64,
    name: String,
    reviewed: bool,
}

/// A review form as typed, to show again with its errors.
#[derive(Debug, Default)]
pub struct ReviewDraft {
    /// The product the form was for (0: none).
    pub product_id: i64,
    /// The rating as typed.
    pub rating: String,
    /// The text as typed.
    pub body: String,
}

/// Who acts on an order page: a logged-in session (the buyer, or staff), or whoever holds
/// a guest order's link, standing for its guest (`access` is the link's token).
pub(super) struct Viewer<'a> {
    /// The session the use cases act for.
    pub session: &'a Session,
    /// The link's token, for a guest order opened by its link.
    pub access: Option<&'a str>,
}

/// The forms of the order page shown again with what was typed and their errors.
#[derive(Default)]
pub(super) struct Shown {
    /// The refund form: amount and reason as typed.
    pub refund: (String, String),
    /// The refund form's (and the page's) errors.
    pub errors: FieldErrors,
    /// A review form that failed.
    pub review: Option<(ReviewDraft, FieldErrors)>,
    /// A return form that failed: the fields as posted, and the errors.
    pub returned: Option<(Vec<(String, String)>, FieldErrors)>,
}

/// The order page; `review` re-shows a review form that failed.
pub(super) async fn order_page_for(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    refund: (String, String),
    errors: FieldErrors,
    status: StatusCode,
    review: Option<(ReviewDraft, FieldErrors)>,
) -> WebResult {
    let session = visitor.user()?;
    let viewer = Viewer { session, access: None };
    let shown = Shown {
        refund,
        errors,
        review,
        ..Shown::default()
    };
    order_page_as(state, visitor, &viewer, id, status, shown).await
}

/// The order page as `viewer` sees it.
pub(super) async fn order_page_as(
    state: &AppState,
    visitor: &Visitor,
    viewer: &Viewer<'_>,
    id: i64,
    status: StatusCode,
    shown: Shown,
) -> WebResult {
    let session = viewer.session;
    let mut order = orders::visible_order(state, session, id).await?;
    // A buyer back from the provider's page learns what happened there: the provider is
    // asked about a pending payment, and an answer it gives is applied at once.
    let mut asked = None;
    if order.status == OrderStatus::PendingPayment
        && let Some(payment) = order.payment.as_ref().filter(|p| p.status != PaymentStatus::Failed)
    {
        asked = payments::ask_about_pending(state, payment.id).await?;
        // Read again unless the provider says the buyer has not finished: it settled the
        // payment, or (had it no answer in time) a notification or another view may have.
        if asked.is_some_and(|a| a != Asked::Unfinished) {
            order = orders::visible_order(state, session, id).await?;
        }
    }
    let pay_state = pay_state(&order, asked);
    let refresh = matches!(pay_state, "qr" | "checking");
    let ctx = Ctx::new(visitor);
    let detail = order_detail(state, &order, ctx.lang, Reader::Shopper).await?;
    // Only the buyer reviews, once per line of a received order; a guest's link pays,
    // cancels, confirms receipt, asks for refunds and returns, and writes no reviews
    // (reviews carry an account's name).
    let reviewable =
        if viewer.access.is_none() && order.status == OrderStatus::Received && order.user_id == session.user.id {
            let reviewed = state.store().reviewed_in_order(order.id).await?;
            order
                .items
                .iter()
                .map(|i| Reviewable {
                    product_id: i.product_id,
                    name: i.name.clone(),
                    reviewed: reviewed.contains(&i.product_id),
                })
                .collect()
        } else {
            Vec::new()
        };
    let (draft, review_errors) = shown.review.unwrap_or_default();
    let (typed, return_errors) = shown.returned.unwrap_or_default();
    // The buyer asks for returns (a guest too, by the order's link); staff only look.
    let asker = order.user_id == session.user.id;
    let (returns, return_form) = returns::section(state, &order, asker, &typed, &return_errors, visitor.lang).await?;
    let (pay_methods, qr_svg) = if order.status == OrderStatus::PendingPayment {
        let qr = order
            .payment
            .as_ref()
            .filter(|p| p.status == PaymentStatus::Pending)
            .and_then(|p| p.qr_code.as_deref())
            .and_then(qr_svg);
        (pay_methods(state, ctx.t), qr)
    } else {
        (Vec::new(), None)
    };
    Ok(render(
        status,
        &OrderPage {
            ctx,
            order: detail,
            refund_amount: shown.refund.0,
            refund_reason: shown.refund.1,
            errors: shown.errors,
            refresh,
            pay_state,
            reviewable,
            draft,
            review_errors,
            stars: [5, 4, 3, 2, 1],
            access: viewer.access.unwrap_or_default().to_owned(),
            pay_methods,
            qr_svg,
            returns,
            return_form,
        },
    ))
}

/// Where an unpaid order's latest payment stands (see [`OrderPage::pay_state`]); `""` for
/// an order that is not awaiting payment.
fn pay_state(order: &Order, asked: Option<Asked>) -> &'static str {
    if order.status != OrderStatus::PendingPayment {
        return "";
    }
    match &order.payment {
        None => "none",
        Some(p) if p.status == PaymentStatus::Failed => "failed",
        Some(p) if p.status == PaymentStatus::Succeeded => "checking",
        Some(p) if p.qr_code.is_some() => "qr",
        Some(_) if asked == Some(Asked::Unfinished) => "unfinished",
        Some(_) => "checking",
    }
}

/// `?access=` of a guest order's link.
#[derive(Debug, Default, Deserialize)]
pub struct Access {
    #[serde(default)]
    access: String,
}

/// `GET /orders/{id}[?access=<token>]`: the buyer's order, or a guest order by its link
/// (any other token, or a changed one, is the 404 page). The pay provider sends a buyer
/// back here, a guest with its link (`guests::order_page`).
pub async fn detail(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Query(link): Query<Access>,
) -> WebResult {
    if let Some(access) = nonblank(&link.access) {
        let session = guests::order_session(&state, id, access).await?;
        let viewer = Viewer {
            session: &session,
            access: Some(access),
        };
        return order_page_as(&state, &visitor, &viewer, id, StatusCode::OK, Shown::default()).await;
    }
    order_page_for(
        &state,
        &visitor,
        id,
        Default::default(),
        FieldErrors::default(),
        StatusCode::OK,
        None,
    )
    .await
}

/// The pay, cancel and confirm forms: nothing but a guest order's link token, if any.
#[derive(Debug, Default, Deserialize)]
pub struct OrderAction {
    #[serde(default)]
    access: String,
    /// The pay form's choice: `provider` or `provider:channel` (blank: the first offered).
    #[serde(default)]
    method: String,
}

impl OrderAction {
    /// The action of a form carrying only a guest order's link token (blank: none).
    fn with_access(access: &str) -> Self {
        Self {
            access: access.to_owned(),
            ..Self::default()
        }
    }

    /// The link token, if the form carried one.
    fn access(&self) -> Option<&str> {
        nonblank(&self.access)
    }

    /// The session to act for: the guest of the link's order, or the logged-in buyer.
    async fn session(&self, state: &AppState, visitor: &Visitor, id: i64) -> Result<Session, WebError> {
        match nonblank(&self.access) {
            Some(access) => Ok(guests::order_session(state, id, access).await?),
            None => Ok(visitor.user()?.clone()),
        }
    }

    /// The order's page for whoever acted: its link again for a guest.
    fn page(&self, id: i64) -> String {
        link::order_url(id, nonblank(&self.access))
    }
}

/// `POST /orders/{id}/pay`: opens (or resumes) the payment and goes to the provider's page.
pub async fn pay(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    from: Option<Extension<ClientAddress>>,
    Posted { visitor, form }: Posted<OrderAction>,
) -> WebResult {
    let session = form.session(&state, &visitor, id).await?;
    let method = match nonblank(&form.method) {
        Some(method) => method.to_owned(),
        None => pay_methods(&state, Ctx::new(&visitor).t)
            .into_iter()
            .next()
            .map(|(m, _)| m)
            .unwrap_or_default(),
    };
    let (provider, channel) = match method.split_once(':') {
        Some((provider, channel)) => (provider.to_owned(), Some(channel.to_owned())),
        None => (method, None),
    };
    let with = PayWith {
        provider,
        channel,
        client_ip: from.and_then(|Extension(a)| a.0).map(|ip| ip.to_string()),
    };
    // Without a key nothing is replayed, so nothing needs rendering.
    let render = std::sync::Arc::new(|_: &emporium_store::payments::Payment| String::new());
    // The provider sends the buyer back to the order's page (a guest's by its link); a QR
    // payment is paid from that page, which shows the code.
    Ok(
        match payments::start_payment(&state, session.user.id, id, &with, None, render).await? {
            Idempotent::Fresh(payment) if payment.qr_code.is_none() => {
                see_other(payment.pay_url.as_deref().unwrap_or("/orders"))
            }
            _ => see_other(&form.page(id)),
        },
    )
}

/// `POST /orders/{id}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<OrderAction>,
) -> WebResult {
    let session = form.session(&state, &visitor, id).await?;
    orders::cancel_order(&state, session.user.id, id).await?;
    Ok(see_other(&form.page(id)))
}

/// `POST /orders/{id}/confirm`: confirms receipt.
pub async fn confirm(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<OrderAction>,
) -> WebResult {
    let session = form.session(&state, &visitor, id).await?;
    orders::confirm_receipt(&state, session.user.id, id).await?;
    Ok(see_other(&form.page(id)))
}

/// The refund form (a guest's carries the order's link token).
#[derive(Debug, Deserialize)]
pub struct RefundForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    access: String,
}

/// `POST /orders/{id}/refunds`: the buyer asks for money back, a guest by the order's link.
pub async fn refund(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<RefundForm>,
) -> WebResult {
    let action = OrderAction::with_access(&form.access);
    let session = action.session(&state, &visitor, id).await?;
    let order = state
        .store()
        .order(id)
        .await?
        .filter(|o| o.user_id == session.user.id)
        .ok_or(WebError::NotFound)?;
    let again = |errors: FieldErrors| {
        let (state, visitor, session, action) = (&state, &visitor, &session, &action);
        let refund = (form.amount.clone(), form.reason.clone());
        async move {
            let viewer = Viewer {
                session,
                access: action.access(),
            };
            let shown = Shown {
                refund,
                errors,
                ..Shown::default()
            };
            order_page_as(state, visitor, &viewer, id, StatusCode::UNPROCESSABLE_ENTITY, shown).await
        }
    };
    let amount = if form.amount.trim().is_empty() {
        None
    } else {
        match parse_money(&form.amount, &order.currency) {
            Some(minor) => Some(minor),
            None => {
                let errors = FieldErrors::one("amount", "must be an amount such as 12.50").localized(visitor.lang);
                return again(errors).await;
            }
        }
    };
    let wish = RefundWish {
        amount,
        reason: form.reason.clone(),
        lines: Vec::new(),
    };
    let render = std::sync::Arc::new(|_: &emporium_store::refunds::Refund| String::new());
    match payments::ask_refund(&state, session.user.id, id, &wish, None, render).await {
        Ok(_) => Ok(see_other(&action.page(id))),
        Err(e) => again(refund_errors(e, visitor.lang, &order)?).await,
    }
}
