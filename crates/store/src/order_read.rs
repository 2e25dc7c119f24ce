//! Reading orders: one order whole (lines, payment, shipment), pages of them for a
//! customer or for staff, their version heads for the hot-order cache, their history, and
//! the orders the jobs act on. Every order leaving here has its address opened.

use std::collections::HashMap;

use emporium_domain::address::AddressSnapshot;
use emporium_domain::invoice::InvoiceRequest;
use emporium_domain::order::OrderStatus;
use emporium_domain::payment::PaymentStatus;
use emporium_domain::pricing::{Discount, PricedCart};
use emporium_domain::time::Timestamp;

use crate::db::{Conn, Row, Value, parse_column, query, query_scalar};
use crate::sealed::{ORDER_SELECT, context, order_select};
use crate::sql::Sql;
use crate::{Sealer, Store, StoreError};

/// A line of an order: the variant as it was when ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderItem {
    /// Line id.
    pub id: i64,
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
    /// The product's name when ordered.
    pub name: String,
    /// The variant's SKU when ordered.
    pub sku: Option<String>,
    /// The variant's option values when ordered, as `(option, value)` pairs.
    pub options: Vec<(String, String)>,
    /// Its price when ordered.
    pub unit_price: i64,
    /// Units.
    pub quantity: i64,
    /// unit_price × quantity.
    pub line_total: i64,
    /// FIFO cost of goods of these units.
    pub cost: i64,
    /// The discounts on it, as `(source, amount)`: `promotion:12`, `coupon:SPRING10`.
    pub discounts: Vec<(String, i64)>,
    /// Σ discounts: the line was paid `line_total − discount`.
    pub discount: i64,
    /// The tax in (inclusive) or on (exclusive) what was paid for it.
    pub tax: i64,
}

impl OrderItem {
    /// What the buyer paid for the line: its total after its discounts (what a refund
    /// of the line returns at most).
    pub fn net(&self) -> i64 {
        self.line_total - self.discount
    }
}

/// A promotion or coupon considered when the order was priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferRecord {
    /// `promotion` or `coupon`.
    pub kind: String,
    /// The promotion's or coupon's id (none for a code that named no coupon).
    pub id: Option<i64>,
    /// The promotion's name or the coupon's code, as they were.
    pub label: String,
    /// Whether it took something off.
    pub applied: bool,
    /// What it took off, minor units.
    pub amount: i64,
    /// Why not, when not applied (a `Reason` code).
    pub reason: Option<String>,
}

/// The payment of an order (the latest attempt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentInfo {
    /// Payment id.
    pub id: i64,
    /// Provider name.
    pub provider: String,
    /// Where the attempt is.
    pub status: PaymentStatus,
    /// Amount, minor units.
    pub amount: i64,
    /// Currency.
    pub currency: String,
    /// Where the buyer pays.
    pub pay_url: Option<String>,
    /// How the buyer pays at the provider (`qr`, `native`, …).
    pub channel: Option<String>,
    /// For QR channels, the text the pay page draws.
    pub qr_code: Option<String>,
}

/// A carrier's tracking event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingEvent {
    /// The carrier's word for it, e.g. `in_transit` (carriers have their own lists).
    pub status: String,
    /// Where.
    pub location: Option<String>,
    /// What happened.
    pub description: Option<String>,
    /// When it happened.
    pub occurred_at: Timestamp,
}

/// How an order travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    /// Carrier name.
    pub carrier: String,
    /// Its tracking number.
    pub tracking_number: String,
    /// When it shipped.
    pub shipped_at: Timestamp,
    /// Tracking events, oldest first.
    pub events: Vec<TrackingEvent>,
}

/// An order with its lines, payment and shipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Order id.
    pub id: i64,
    /// The buyer.
    pub user_id: i64,
    /// Where it is.
    pub status: OrderStatus,
    /// Currency of every amount.
    pub currency: String,
    /// Σ line totals.
    pub subtotal: i64,
    /// Shipping.
    pub shipping_fee: i64,
    /// subtotal − discounts + shipping (+ tax when prices exclude it).
    pub total: i64,
    /// Every discount: the lines' and the shipping's.
    pub discount_total: i64,
    /// The part of `discount_total` taken off shipping (`shipping_fee` is after it).
    pub shipping_discount: i64,
    /// Tax of the lines and the shipping, in (inclusive) or on (exclusive) the prices.
    pub tax_total: i64,
    /// The shipping's part of `tax_total`.
    pub shipping_tax: i64,
    /// `inclusive` or `exclusive`.
    pub tax_mode: String,
    /// The shipping method chosen (none on orders placed before methods existed).
    pub shipping_method_id: Option<i64>,
    /// Its name then.
    pub shipping_method: Option<String>,
    /// The promotions and coupons considered, applied or not.
    pub offers: Vec<OfferRecord>,
    /// The 发票 asked for at checkout, if any.
    pub invoice: Option<InvoiceRequest>,
    /// Received from the buyer.
    pub paid_amount: i64,
    /// Paid back.
    pub refunded_amount: i64,
    /// Where it ships, as the address was when the order was placed.
    pub address: AddressSnapshot,
    /// The buyer's note.
    pub note: Option<String>,
    /// Bumped by every change.
    pub version: i64,
    /// Unpaid after this, it is cancelled.
    pub pay_deadline: Timestamp,
    /// Placed.
    pub created_at: Timestamp,
    /// Paid.
    pub paid_at: Option<Timestamp>,
    /// Shipped.
    pub shipped_at: Option<Timestamp>,
    /// Received.
    pub received_at: Option<Timestamp>,
    /// Cancelled.
    pub cancelled_at: Option<Timestamp>,
    /// A guest order's contact (`None` for a customer's).
    pub guest: Option<crate::guests::GuestContact>,
    /// Lines.
    pub items: Vec<OrderItem>,
    /// The latest payment attempt.
    pub payment: Option<PaymentInfo>,
    /// Shipping details.
    pub shipment: Option<Shipment>,
}

/// One entry of an order's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEventRecord {
    /// Status before (none when placed).
    pub from: Option<OrderStatus>,
    /// Status after (the same as before for events that record without moving: a refund
    /// asked for, a late payment).
    pub to: OrderStatus,
    /// Who: `user:7`, `staff:2`, `system`, `provider:sandbox`.
    pub actor: String,
    /// When.
    pub at: Timestamp,
    /// Free text.
    pub detail: Option<String>,
}

/// The sealing context of an order's address snapshot, by its buyer.
pub(crate) fn address_context(user_id: i64) -> String {
    context("orders.address", user_id)
}

/// The sealing context of an order's invoice request.
pub(crate) fn invoice_context(user_id: i64) -> String {
    context("orders.invoice", user_id)
}

/// An invoice request as stored (before sealing): `kind<TAB>title<TAB>taxpayer id`.
pub(crate) fn encode_invoice(i: &InvoiceRequest) -> String {
    format!(
        "{}\t{}\t{}",
        i.kind.as_str(),
        i.title,
        i.taxpayer_id.as_deref().unwrap_or("")
    )
}

fn decode_invoice(plain: &str) -> Result<InvoiceRequest, StoreError> {
    let mut parts = plain.split('\t');
    let (kind, title, id) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next());
    InvoiceRequest::parse(kind, title, id).map_err(|e| StoreError::Corrupt(format!("an order's invoice: {e}")))
}

fn ts(row: &Row, column: &str) -> Result<Option<Timestamp>, StoreError> {
    Ok(row.try_get::<Option<i64>, _>(column)?.map(Timestamp::from_millis))
}

/// An order from its row (items, payment and shipment still empty), its address opened.
pub(crate) fn order_from(row: &Row, sealer: &Sealer) -> Result<Order, StoreError> {
    let user_id = row.try_get("user_id")?;
    let sealer = &sealer.for_row(user_id, row)?;
    let address = sealer.open(&address_context(user_id), row.try_get("address")?)?;
    Ok(Order {
        id: row.try_get("id")?,
        user_id,
        status: parse_column(row, "status")?,
        currency: row.try_get("currency")?,
        subtotal: row.try_get("subtotal")?,
        shipping_fee: row.try_get("shipping_fee")?,
        total: row.try_get("total")?,
        discount_total: row.try_get("discount_total")?,
        shipping_discount: row.try_get("shipping_discount")?,
        tax_total: row.try_get("tax_total")?,
        shipping_tax: row.try_get("shipping_tax")?,
        tax_mode: row.try_get("tax_mode")?,
        shipping_method_id: row.try_get("shipping_method_id")?,
        shipping_method: row.try_get("shipping_method")?,
        offers: decode_offers(&row.try_get::<String, _>("offers")?),
        invoice: row
            .try_get::<Option<String>, _>("invoice")?
            .map(|sealed| sealer.open(&invoice_context(user_id), sealed))
            .transpose()?
            .filter(|plain| plain != crate::sealed::ERASED)
            .map(|plain| decode_invoice(&plain))
            .transpose()?,
        paid_amount: row.try_get("paid_amount")?,
        refunded_amount: row.try_get("refunded_amount")?,
        address: AddressSnapshot::from_lines(&address),
        note: row.try_get("note")?,
        version: row.try_get("version")?,
        pay_deadline: Timestamp::from_millis(row.try_get("pay_deadline")?),
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        paid_at: ts(row, "paid_at")?,
        shipped_at: ts(row, "shipped_at")?,
        received_at: ts(row, "received_at")?,
        cancelled_at: ts(row, "cancelled_at")?,
        guest: match row.try_get::<Option<String>, _>("guest_email")? {
            Some(email) => Some(crate::guests::GuestContact {
                email,
                phone: sealer.open_opt(
                    &crate::sealed::context("orders.guest_phone", user_id),
                    row.try_get("guest_phone")?,
                )?,
                sms_opt_in: row.try_get::<i64, _>("sms_opt_in")? == 1,
            }),
            None => None,
        },
        items: Vec::new(),
        payment: None,
        shipment: None,
    })
}

pub(crate) fn item_from(r: &Row) -> Result<OrderItem, StoreError> {
    Ok(OrderItem {
        id: r.try_get("id")?,
        product_id: r.try_get("product_id")?,
        variant_id: r
            .try_get::<Option<i64>, _>("variant_id")?
            .ok_or_else(|| StoreError::Corrupt("an order line without a variant".into()))?,
        name: r.try_get("name")?,
        sku: r.try_get("sku")?,
        options: decode_options(&r.try_get::<String, _>("options")?),
        unit_price: r.try_get("unit_price")?,
        quantity: r.try_get("quantity")?,
        line_total: r.try_get("line_total")?,
        cost: r.try_get("cost")?,
        discounts: decode_discounts(&r.try_get::<String, _>("discounts")?),
        discount: r.try_get("discount")?,
        tax: r.try_get("tax")?,
    })
}

/// A line's discounts as stored: `source<TAB>amount` per line of text.
pub(crate) fn encode_discounts(discounts: &[Discount]) -> String {
    discounts
        .iter()
        .map(|d| format!("{}\t{}", d.source, d.amount))
        .collect::<Vec<_>>()
        .join("\n")
}

fn decode_discounts(text: &str) -> Vec<(String, i64)> {
    text.lines()
        .filter_map(|l| {
            let (source, amount) = l.split_once('\t')?;
            Some((source.to_owned(), amount.parse().ok()?))
        })
        .collect()
}

/// The offers considered, as stored: `kind<TAB>id<TAB>label<TAB>applied<TAB>amount<TAB>reason`
/// per line of text (names and codes are single lines without tabs).
pub(crate) fn encode_offers(priced: &PricedCart) -> String {
    let promotions = priced.promotions.iter().map(|p| {
        let reason = p.reason.map_or("", |r| r.as_str());
        format!(
            "promotion\t{}\t{}\t{}\t{}\t{reason}",
            p.id,
            p.name,
            u8::from(p.applied),
            p.amount
        )
    });
    let coupons = priced.coupons.iter().map(|c| {
        let reason = c.reason.map_or("", |r| r.as_str());
        let id = c.coupon_id.map(|id| id.to_string()).unwrap_or_default();
        format!(
            "coupon\t{id}\t{}\t{}\t{}\t{reason}",
            c.code,
            u8::from(c.applied),
            c.amount
        )
    });
    promotions.chain(coupons).collect::<Vec<_>>().join("\n")
}

fn decode_offers(text: &str) -> Vec<OfferRecord> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            let (kind, id, label, applied, amount, reason) =
                (f.next()?, f.next()?, f.next()?, f.next()?, f.next()?, f.next()?);
            Some(OfferRecord {
                kind: kind.to_owned(),
                id: id.parse().ok(),
                label: label.to_owned(),
                applied: applied == "1",
                amount: amount.parse().ok()?,
                reason: Some(reason.to_owned()).filter(|r| !r.is_empty()),
            })
        })
        .collect()
}

/// An order line's options as stored: `name<TAB>value` per line (names and values never
/// hold control characters).
pub(crate) fn encode_options(options: &[(String, String)]) -> String {
    options
        .iter()
        .map(|(name, value)| format!("{name}\t{value}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn decode_options(stored: &str) -> Vec<(String, String)> {
    stored
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

impl Store {
    /// The order with everything in it, all of it as of one moment: its status, items,
    /// payment and shipment are read on one snapshot, so a read racing a commit (the
    /// payment's notification, say) sees the order wholly before or wholly after it.
    pub async fn order(&self, id: i64) -> Result<Option<Order>, StoreError> {
        let sealer = self.sealer().clone();
        self.snapshot(move |conn| Box::pin(async move { order_in(conn, &sealer, id).await }))
            .await
    }

    /// The owner and version of an order (a cheap look-up for the cache and for access checks).
    pub async fn order_head(&self, id: i64) -> Result<Option<(i64, i64)>, StoreError> {
        let row = query("SELECT user_id, version FROM orders WHERE id = $1")
            .bind(id)
            .fetch_optional(self.point())
            .await?;
        row.map(|r| Ok((r.try_get("user_id")?, r.try_get("version")?)))
            .transpose()
    }

    /// A page of orders, newest first: one user's, or everyone's (staff), optionally in
    /// one status, after the order id `before`.
    pub async fn orders(
        &self,
        user_id: Option<i64>,
        status: Option<OrderStatus>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Order>, StoreError> {
        self.whole_orders(order_page(ORDER_SELECT, user_id, status, before, limit))
            .await
    }

    /// The ids and versions of the page [`Store::orders`] would answer: one cheap query,
    /// for readers that keep assembled orders in a cache checked against the version.
    pub async fn order_versions(
        &self,
        user_id: Option<i64>,
        status: Option<OrderStatus>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let sql = order_page("SELECT id, version FROM orders", user_id, status, before, limit);
        let rows = sql.build().fetch_all(self.point()).await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("version")?)))
            .collect()
    }

    /// The orders with these ids, whole, in the order given (missing ids are skipped).
    pub async fn orders_by_ids(&self, ids: &[i64]) -> Result<Vec<Order>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(ORDER_SELECT);
        sql.push(" WHERE id IN ");
        sql.bind_list(ids.iter().copied());
        let mut orders = self.whole_orders(sql).await?;
        orders.sort_by_key(|o| ids.iter().position(|id| *id == o.id));
        Ok(orders)
    }

    /// The orders `sql` selects (`SELECT * FROM orders …`), with their items, payment and
    /// shipment.
    pub(crate) async fn whole_orders(&self, sql: Sql) -> Result<Vec<Order>, StoreError> {
        let mut conn = Conn::Pooled(self.reader().acquire().await?);
        let rows = sql.build().fetch_all(&mut conn).await?;
        let mut orders = rows
            .iter()
            .map(|r| order_from(r, self.sealer()))
            .collect::<Result<Vec<_>, _>>()?;
        complete_all(&mut conn, &mut orders).await?;
        Ok(orders)
    }

    /// An order's history, oldest first.
    pub async fn order_events(&self, order_id: i64) -> Result<Vec<OrderEventRecord>, StoreError> {
        let rows =
            query("SELECT from_status, to_status, actor, detail, at FROM order_events WHERE order_id = $1 ORDER BY id")
                .bind(order_id)
                .fetch_all(self.reader())
                .await?;
        rows.iter()
            .map(|r| {
                let from = r.try_get::<Option<String>, _>("from_status")?;
                Ok(OrderEventRecord {
                    from: from
                        .map(|s| {
                            s.parse()
                                .map_err(|()| StoreError::Corrupt(format!("from_status {s:?}")))
                        })
                        .transpose()?,
                    to: parse_column(r, "to_status")?,
                    actor: r.try_get("actor")?,
                    at: Timestamp::from_millis(r.try_get("at")?),
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }

    /// Orders unpaid past their deadline, oldest first (for the timeout job).
    pub async fn overdue_unpaid_orders(&self, now: Timestamp, limit: i64) -> Result<Vec<i64>, StoreError> {
        Ok(query_scalar(
            "SELECT id FROM orders WHERE status = 'pending_payment' AND pay_deadline <= $1 ORDER BY pay_deadline LIMIT $2",
        )
        .bind(now.millis())
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    /// Orders shipped before `shipped_before` and not yet confirmed (for auto-confirm).
    pub async fn unconfirmed_shipped_orders(
        &self,
        shipped_before: Timestamp,
        limit: i64,
    ) -> Result<Vec<i64>, StoreError> {
        Ok(query_scalar(
            "SELECT id FROM orders WHERE status = 'shipped' AND shipped_at <= $1 ORDER BY shipped_at LIMIT $2",
        )
        .bind(shipped_before.millis())
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }
}

/// Reads a whole order inside a transaction (or on a reader connection).
pub(crate) async fn order_in(conn: &mut Conn, sealer: &Sealer, id: i64) -> Result<Option<Order>, StoreError> {
    let Some(row) = query(concat!(order_select!(), " WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut order = order_from(&row, sealer)?;
    complete_all(conn, std::slice::from_mut(&mut order)).await?;
    Ok(Some(order))
}

/// `select` over one page of orders, newest first (see [`Store::orders`]).
fn order_page(
    select: &'static str,
    user_id: Option<i64>,
    status: Option<OrderStatus>,
    before: Option<i64>,
    limit: i64,
) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(" WHERE 1 = 1");
    if let Some(user) = user_id {
        sql.push(" AND user_id = ").bind(Value::Int(user));
    }
    if let Some(status) = status {
        sql.push(" AND status = ").bind(Value::Text(status.as_str().into()));
    }
    if let Some(before) = before {
        sql.push(" AND id < ").bind(Value::Int(before));
    }
    sql.push(" ORDER BY id DESC LIMIT ").bind(Value::Int(limit));
    sql
}

/// Fills in the items, payment and shipment of a page of orders with one query per kind
/// rather than per order: on SQLite every query is a hop to the connection's thread, and
/// a customer's order list is read far more often than it changes.
async fn complete_all(conn: &mut Conn, orders: &mut [Order]) -> Result<(), StoreError> {
    if orders.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    // `SELECT … WHERE order_id IN (ids) …` for each kind.
    let query = |select: &'static str, rest: &'static str| {
        let mut sql = Sql::new(select);
        sql.push(" WHERE order_id IN ")
            .bind_list(ids.iter().copied())
            .push(rest);
        sql.build()
    };
    let position: HashMap<i64, usize> = orders.iter().enumerate().map(|(i, o)| (o.id, i)).collect();
    let at = |order_id: i64| position.get(&order_id).copied().ok_or(StoreError::NotFound("order"));
    let items = query("SELECT * FROM order_items", " ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    for r in &items {
        orders[at(r.try_get("order_id")?)?].items.push(item_from(r)?);
    }
    // The payment shown is the succeeded one, else the newest: the first row per order.
    let payments = query(
        "SELECT id, order_id, provider, status, amount, currency, pay_url, channel, qr_code FROM payments",
        " ORDER BY order_id, CASE status WHEN 'succeeded' THEN 0 ELSE 1 END, id DESC",
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in &payments {
        let order = &mut orders[at(r.try_get("order_id")?)?];
        if order.payment.is_none() {
            order.payment = Some(PaymentInfo {
                id: r.try_get("id")?,
                provider: r.try_get("provider")?,
                status: parse_column(r, "status")?,
                amount: r.try_get("amount")?,
                currency: r.try_get("currency")?,
                pay_url: r.try_get("pay_url")?,
                channel: r.try_get("channel")?,
                qr_code: r.try_get("qr_code")?,
            });
        }
    }
    let shipments = query(
        "SELECT order_id, carrier, tracking_number, shipped_at FROM shipments",
        "",
    )
    .fetch_all(&mut *conn)
    .await?;
    if shipments.is_empty() {
        return Ok(());
    }
    for s in &shipments {
        orders[at(s.try_get("order_id")?)?].shipment = Some(Shipment {
            carrier: s.try_get("carrier")?,
            tracking_number: s.try_get("tracking_number")?,
            shipped_at: Timestamp::from_millis(s.try_get("shipped_at")?),
            events: Vec::new(),
        });
    }
    let events = query(
        "SELECT order_id, status, location, description, occurred_at FROM tracking_events",
        " ORDER BY occurred_at, id",
    )
    .fetch_all(&mut *conn)
    .await?;
    for e in &events {
        if let Some(shipment) = orders[at(e.try_get("order_id")?)?].shipment.as_mut() {
            shipment.events.push(TrackingEvent {
                status: e.try_get("status")?,
                location: e.try_get("location")?,
                description: e.try_get("description")?,
                occurred_at: Timestamp::from_millis(e.try_get("occurred_at")?),
            });
        }
    }
    Ok(())
}
