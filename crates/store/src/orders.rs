//! Carts and orders: the cart, placing an order (all lines drawn FIFO in one transaction,
//! or none), reading orders, moving them through the state machine with their event
//! history, shipping, and idempotency keys.

use std::collections::HashMap;

use crate::db::{Conn, Row, query, query_scalar};
use emporium_domain::inventory::Units;
use emporium_domain::order::{self, CartQuantity, OrderEvent, OrderStatus};
use emporium_domain::time::Timestamp;

use crate::db::Value;
use crate::inventory::{draw_fifo, return_drawn};
use crate::sealed::context;
use crate::sql::Sql;
use crate::{BoxFuture, Sealer, Store, StoreError};

/// A cart line with the product as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct CartLine {
    /// The product.
    pub product_id: i64,
    /// Its name now.
    pub name: String,
    /// Its price now.
    pub unit_price: i64,
    /// Its currency.
    pub currency: String,
    /// Units wanted.
    pub quantity: i64,
    /// Units on hand now.
    pub stock_available: i64,
}

/// A line of an order: the product as it was when ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderItem {
    /// Line id.
    pub id: i64,
    /// The product.
    pub product_id: i64,
    /// Its name when ordered.
    pub name: String,
    /// Its price when ordered.
    pub unit_price: i64,
    /// Units.
    pub quantity: i64,
    /// unit_price × quantity.
    pub line_total: i64,
    /// FIFO cost of goods of these units.
    pub cost: i64,
}

/// The payment of an order (the latest attempt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentInfo {
    /// Payment id.
    pub id: i64,
    /// Provider name.
    pub provider: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    /// Amount, minor units.
    pub amount: i64,
    /// Currency.
    pub currency: String,
    /// Where the buyer pays.
    pub pay_url: Option<String>,
}

/// A carrier's tracking event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingEvent {
    /// e.g. `in_transit`.
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
    /// subtotal + shipping.
    pub total: i64,
    /// Received from the buyer.
    pub paid_amount: i64,
    /// Paid back.
    pub refunded_amount: i64,
    /// The address snapshot: recipient, phone, line1, line2, city, region, postal code, country.
    pub address: [String; 8],
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
    pub from: Option<String>,
    /// Status after.
    pub to: String,
    /// Who: `user:7`, `staff:2`, `system`, `provider:sandbox`.
    pub actor: String,
    /// When.
    pub at: Timestamp,
    /// Free text.
    pub detail: Option<String>,
}

/// What placing an order needs besides the cart.
#[derive(Debug, Clone)]
pub struct PlaceOrder {
    /// The buyer.
    pub user_id: i64,
    /// One of the buyer's addresses.
    pub address_id: i64,
    /// The buyer's note.
    pub note: Option<String>,
    /// When an unpaid order is cancelled.
    pub pay_deadline: Timestamp,
}

/// A request's `Idempotency-Key`, scoped to its user and route, with a hash of its body.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    /// The caller.
    pub user_id: i64,
    /// The route, e.g. `POST /orders`.
    pub scope: String,
    /// The key the client sent.
    pub key: String,
    /// A hash of the request body: the same key with another body is a conflict.
    pub request_hash: String,
}

/// The outcome of an idempotent operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotent<T> {
    /// It ran now.
    Fresh(T),
    /// It ran before: here is the first response.
    Replay {
        /// HTTP status of the first response.
        status: u16,
        /// Body of the first response.
        body: String,
    },
}

/// Renders the response to remember under an idempotency key, inside the transaction.
pub type Render<T> = Box<dyn FnOnce(&T) -> (u16, String) + Send>;

fn ts(row: &Row, column: &str) -> Result<Option<Timestamp>, StoreError> {
    Ok(row.try_get::<Option<i64>, _>(column)?.map(Timestamp::from_millis))
}

/// The eight lines of an address snapshot.
fn address_parts(text: &str) -> [String; 8] {
    let mut parts = text.split('\n').map(str::to_owned);
    std::array::from_fn(|_| parts.next().unwrap_or_default())
}

/// Opens an order's sealed address snapshot; every order leaving the store passes here.
/// (Reads inside transactions that only check amounts and states leave it sealed.)
fn unseal(sealer: &Sealer, mut order: Order) -> Result<Order, StoreError> {
    if order.address[1..].iter().all(String::is_empty) {
        let stored = std::mem::take(&mut order.address[0]);
        let plain = sealer.open(&context("orders.address", order.user_id), stored)?;
        order.address = address_parts(&plain);
    }
    Ok(order)
}

fn order_from(row: &Row) -> Result<Order, StoreError> {
    let status: String = row.try_get("status")?;
    // Still sealed (the first part then holds the whole value): see `Store::unseal`.
    let address = address_parts(&row.try_get::<String, _>("address")?);
    Ok(Order {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        status: OrderStatus::parse("status", &status).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        currency: row.try_get("currency")?,
        subtotal: row.try_get("subtotal")?,
        shipping_fee: row.try_get("shipping_fee")?,
        total: row.try_get("total")?,
        paid_amount: row.try_get("paid_amount")?,
        refunded_amount: row.try_get("refunded_amount")?,
        address,
        note: row.try_get("note")?,
        version: row.try_get("version")?,
        pay_deadline: Timestamp::from_millis(row.try_get("pay_deadline")?),
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        paid_at: ts(row, "paid_at")?,
        shipped_at: ts(row, "shipped_at")?,
        received_at: ts(row, "received_at")?,
        cancelled_at: ts(row, "cancelled_at")?,
        items: Vec::new(),
        payment: None,
        shipment: None,
    })
}

fn item_from(r: &Row) -> Result<OrderItem, StoreError> {
    Ok(OrderItem {
        id: r.try_get("id")?,
        product_id: r.try_get("product_id")?,
        name: r.try_get("name")?,
        unit_price: r.try_get("unit_price")?,
        quantity: r.try_get("quantity")?,
        line_total: r.try_get("line_total")?,
        cost: r.try_get("cost")?,
    })
}

impl Store {
    /// The user's cart: active products only, oldest line first.
    pub async fn cart(&self, user_id: i64) -> Result<Vec<CartLine>, StoreError> {
        let rows = query(
            "SELECT c.product_id, c.quantity, p.name, p.price, p.currency, p.stock_available
             FROM cart_items c JOIN products p ON p.id = c.product_id
             WHERE c.user_id = $1 AND p.status = 'active' ORDER BY c.added_at, c.product_id",
        )
        .bind(user_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CartLine {
                    product_id: r.try_get("product_id")?,
                    name: r.try_get("name")?,
                    unit_price: r.try_get("price")?,
                    currency: r.try_get("currency")?,
                    quantity: r.try_get("quantity")?,
                    stock_available: r.try_get("stock_available")?,
                })
            })
            .collect()
    }

    /// Sets a cart line's quantity (`None` removes it). The product must be for sale.
    pub async fn set_cart_item(
        &self,
        user_id: i64,
        product_id: i64,
        quantity: Option<CartQuantity>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                let Some(quantity) = quantity else {
                    query("DELETE FROM cart_items WHERE user_id = $1 AND product_id = $2")
                        .bind(user_id)
                        .bind(product_id)
                        .execute(&mut *conn)
                        .await?;
                    return Ok(());
                };
                // The product's state and the cart's other lines, in one statement.
                let row = query(
                    "SELECT status, (SELECT COUNT(*) FROM cart_items WHERE user_id = $1 AND product_id <> $2) AS other_lines
                     FROM products WHERE id = $2",
                )
                .bind(user_id)
                .bind(product_id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(StoreError::NotFound)?;
                if row.try_get::<String, _>("status")? != "active" {
                    return Err(StoreError::ProductUnavailable(product_id));
                }
                if row.try_get::<i64, _>("other_lines")? >= order::MAX_CART_LINES {
                    return Err(StoreError::LimitReached("a cart holds at most 100 products"));
                }
                query(
                    "INSERT INTO cart_items (user_id, product_id, quantity, added_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = excluded.quantity",
                )
                .bind(user_id)
                .bind(product_id)
                .bind(quantity.get())
                .bind(now.millis())
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// Empties the user's cart.
    pub async fn clear_cart(&self, user_id: i64) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                query("DELETE FROM cart_items WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// Places an order from the user's cart in one transaction: every line's units are
    /// drawn FIFO or none are ([`StoreError::InsufficientStock`] names the product), prices
    /// are copied as they are now, the address is copied, the cart is emptied, and the
    /// idempotency key (if any) is stored with the rendered response.
    pub async fn place_order(
        &self,
        request: PlaceOrder,
        idempotency: Option<IdempotencyKey>,
        render: Render<Order>,
        now: Timestamp,
    ) -> Result<Idempotent<Order>, StoreError> {
        let sealer = self.sealer().clone();
        // The remembered answer holds the address, so it is sealed like the address.
        let body_context = context("idempotency_keys.body", request.user_id);
        let open = |body| self.sealer().open(&body_context, body);
        let key = idempotency.clone();
        let seal_context = body_context.clone();
        self.idempotent(key, open, move |conn| {
            Box::pin(async move {
                let order = unseal(&sealer, place_order_in(conn, &request, &sealer, now).await?)?;
                if let Some(key) = &idempotency {
                    let (status, body) = render(&order);
                    let body = sealer.seal(&seal_context, &body)?;
                    idempotency_record(conn, key, status, &body, now).await?;
                }
                Ok(Idempotent::Fresh(order))
            })
        })
        .await
    }

    /// Runs `op`, a write that records its answer under `key`, so that one key gets one
    /// answer however often and however concurrently it is sent:
    ///
    /// - an answer already remembered is read on the read pool and answered without
    ///   entering the writer (on SQLite every statement there is a hand-off that all other
    ///   writes wait behind);
    /// - if `op` fails, a concurrent first use of the key may have committed while it ran
    ///   (emptied the cart, raised the refunded total, or taken the key:
    ///   [`StoreError::IdempotencyRace`]); if that answer exists now, it is this one's too.
    ///   A failure is reported only after the commit it raced (the group commit on SQLite,
    ///   the unique index's wait on PostgreSQL), so the answer is visible by then.
    ///
    /// `open` turns a remembered body into the caller's (unsealing it where it was sealed).
    pub(crate) async fn idempotent<T, F>(
        &self,
        key: Option<IdempotencyKey>,
        open: impl Fn(String) -> Result<String, StoreError>,
        op: F,
    ) -> Result<Idempotent<T>, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<Idempotent<T>, StoreError>> + Send + 'static,
    {
        let replay = async || -> Result<Option<Idempotent<T>>, StoreError> {
            Ok(match self.replay(key.as_ref()).await? {
                Some((status, body)) => Some(Idempotent::Replay {
                    status,
                    body: open(body)?,
                }),
                None => None,
            })
        };
        if let Some(replayed) = replay().await? {
            return Ok(replayed);
        }
        match self.write(op).await {
            Err(e) if key.is_some() => replay().await?.ok_or(e),
            done => done,
        }
    }

    /// The status and body remembered under `key`, read on the read pool, or a conflict if
    /// the key was used with another body.
    pub(crate) async fn replay(&self, key: Option<&IdempotencyKey>) -> Result<Option<(u16, String)>, StoreError> {
        let Some(key) = key else { return Ok(None) };
        let row = query(
            "SELECT request_hash, status, body FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3",
        )
        .bind(key.user_id)
        .bind(&key.scope)
        .bind(&key.key)
        .fetch_optional(self.point())
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<String, _>("request_hash")? != key.request_hash {
            return Err(StoreError::IdempotencyConflict);
        }
        let status: i64 = row.try_get("status")?;
        Ok(Some((u16::try_from(status).unwrap_or(200), row.try_get("body")?)))
    }

    /// The order with everything in it.
    pub async fn order(&self, id: i64) -> Result<Option<Order>, StoreError> {
        let mut conn = Conn::Pooled(self.reader().acquire().await?);
        order_in(&mut conn, id)
            .await?
            .map(|o| unseal(self.sealer(), o))
            .transpose()
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
        self.whole_orders(order_page("SELECT * FROM orders", user_id, status, before, limit))
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
        let mut sql = Sql::new("SELECT * FROM orders WHERE id IN ");
        sql.bind_list(ids.iter().copied());
        let mut orders = self.whole_orders(sql).await?;
        orders.sort_by_key(|o| ids.iter().position(|id| *id == o.id));
        Ok(orders)
    }

    /// The orders `sql` selects (`SELECT * FROM orders …`), with their items, payment and
    /// shipment, unsealed.
    async fn whole_orders(&self, sql: Sql) -> Result<Vec<Order>, StoreError> {
        let mut conn = Conn::Pooled(self.reader().acquire().await?);
        let rows = sql.build().fetch_all(&mut conn).await?;
        let mut orders = rows.iter().map(order_from).collect::<Result<Vec<_>, _>>()?;
        complete_all(&mut conn, &mut orders).await?;
        orders.into_iter().map(|o| unseal(self.sealer(), o)).collect()
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
                Ok(OrderEventRecord {
                    from: r.try_get("from_status")?,
                    to: r.try_get("to_status")?,
                    actor: r.try_get("actor")?,
                    at: Timestamp::from_millis(r.try_get("at")?),
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }

    /// Cancels an unpaid order (the buyer's choice, or the payment timeout) and returns
    /// its units to the lots they came from. `owner`, when given, must own the order.
    pub async fn cancel_order(
        &self,
        order_id: i64,
        owner: Option<i64>,
        event: OrderEvent,
        actor: String,
        now: Timestamp,
    ) -> Result<Order, StoreError> {
        let order = self
            .write(move |conn| {
                Box::pin(async move {
                    move_order(conn, order_id, owner, event, &actor, None, now).await?;
                    return_order_stock(conn, order_id, now).await?;
                    order_in(conn, order_id).await?.ok_or(StoreError::NotFound)
                })
            })
            .await?;
        unseal(self.sealer(), order)
    }

    /// Ships a paid order (staff).
    pub async fn ship_order(
        &self,
        order_id: i64,
        carrier: String,
        tracking_number: String,
        actor: String,
        now: Timestamp,
    ) -> Result<Order, StoreError> {
        let order = self
            .write(move |conn| {
                Box::pin(async move {
                    let detail = format!("{carrier} {tracking_number}");
                    move_order(conn, order_id, None, OrderEvent::Ship, &actor, Some(&detail), now).await?;
                    query(
                    "INSERT INTO shipments (order_id, carrier, tracking_number, shipped_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(order_id)
                .bind(&carrier)
                .bind(&tracking_number)
                .bind(now.millis())
                .execute(&mut *conn)
                .await?;
                    order_in(conn, order_id).await?.ok_or(StoreError::NotFound)
                })
            })
            .await?;
        unseal(self.sealer(), order)
    }

    /// Adds a carrier tracking event to a shipped order (staff).
    pub async fn add_tracking_event(
        &self,
        order_id: i64,
        event: TrackingEvent,
        now: Timestamp,
    ) -> Result<Order, StoreError> {
        let order = self
            .write(move |conn| {
                Box::pin(async move {
                    let status: Option<String> = query_scalar("SELECT status FROM orders WHERE id = $1")
                        .bind(order_id)
                        .fetch_optional(&mut *conn)
                        .await?;
                    let status = status.ok_or(StoreError::NotFound)?;
                    if status != "shipped" && status != "received" {
                        let from =
                            OrderStatus::parse("status", &status).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                        return Err(emporium_domain::order::InvalidTransition {
                            from,
                            event: OrderEvent::Ship,
                        }
                        .into());
                    }
                    query(
                    "INSERT INTO tracking_events (order_id, status, location, description, occurred_at, recorded_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(order_id)
                .bind(&event.status)
                .bind(&event.location)
                .bind(&event.description)
                .bind(event.occurred_at.millis())
                .bind(now.millis())
                .execute(&mut *conn)
                .await?;
                    query("UPDATE orders SET version = version + 1 WHERE id = $1")
                        .bind(order_id)
                        .execute(&mut *conn)
                        .await?;
                    order_in(conn, order_id).await?.ok_or(StoreError::NotFound)
                })
            })
            .await?;
        unseal(self.sealer(), order)
    }

    /// Confirms receipt of a shipped order (the buyer, or the auto-confirm job).
    pub async fn confirm_receipt(
        &self,
        order_id: i64,
        owner: Option<i64>,
        actor: String,
        now: Timestamp,
    ) -> Result<Order, StoreError> {
        let order = self
            .write(move |conn| {
                Box::pin(async move {
                    move_order(conn, order_id, owner, OrderEvent::ConfirmReceipt, &actor, None, now).await?;
                    order_in(conn, order_id).await?.ok_or(StoreError::NotFound)
                })
            })
            .await?;
        unseal(self.sealer(), order)
    }

    /// Orders unpaid past their deadline, oldest first (for the timeout job).
    pub async fn overdue_unpaid_orders(&self, now: Timestamp, limit: i64) -> Result<Vec<i64>, StoreError> {
        Ok(query_scalar("SELECT id FROM orders WHERE status = 'pending_payment' AND pay_deadline <= $1 ORDER BY pay_deadline LIMIT $2")
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

async fn place_order_in(
    conn: &mut Conn,
    request: &PlaceOrder,
    sealer: &Sealer,
    now: Timestamp,
) -> Result<Order, StoreError> {
    let address = query(
        "SELECT recipient, phone, line1, line2, city, region, postal_code, country FROM addresses WHERE id = $1 AND user_id = $2",
    )
    .bind(request.address_id)
    .bind(request.user_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let mut snapshot = Vec::with_capacity(8);
    for column in [
        "recipient",
        "phone",
        "line1",
        "line2",
        "city",
        "region",
        "postal_code",
        "country",
    ] {
        let stored = address.try_get::<Option<String>, _>(column)?.unwrap_or_default();
        snapshot.push(if column == "country" {
            stored
        } else {
            sealer.open(&context(&format!("addresses.{column}"), request.user_id), stored)?
        });
    }
    let snapshot = sealer.seal(&context("orders.address", request.user_id), &snapshot.join("\n"))?;
    let lines = query(
        "SELECT c.product_id, c.quantity, p.name, p.price, p.currency, p.stock_available FROM cart_items c JOIN products p ON p.id = c.product_id
         WHERE c.user_id = $1 AND p.status = 'active' ORDER BY c.product_id",
    )
    .bind(request.user_id)
    .fetch_all(&mut *conn)
    .await?;
    if lines.is_empty() {
        return Err(StoreError::EmptyCart);
    }
    let currency: String = lines[0].try_get("currency")?;
    let mut subtotal = 0i64;
    for line in &lines {
        if line.try_get::<String, _>("currency")? != currency {
            return Err(StoreError::MixedCurrencies);
        }
        subtotal += line.try_get::<i64, _>("price")? * line.try_get::<i64, _>("quantity")?;
    }
    // Refuse before writing anything when a line asks for more than is on hand: in a
    // flash sale nearly every attempt ends here, and then costs two reads instead of six
    // statements and a rollback (and on PostgreSQL no wait on the product's row lock).
    // This read takes no lock; the draw below still decides for the attempts that pass.
    for line in &lines {
        let available: i64 = line.try_get("stock_available")?;
        if available < line.try_get::<i64, _>("quantity")? {
            return Err(StoreError::InsufficientStock {
                product_id: line.try_get("product_id")?,
                available,
            });
        }
    }
    let shipping = order::shipping_fee(subtotal);
    // The new order is assembled from what the inserts return rather than read back
    // afterwards: on SQLite every statement is a hand-off to the one writer connection.
    let order_row = query(
        "INSERT INTO orders (user_id, status, currency, subtotal, shipping_fee, total, address, note, pay_deadline, created_at)
         VALUES ($1, 'pending_payment', $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
    )
    .bind(request.user_id)
    .bind(&currency)
    .bind(subtotal)
    .bind(shipping)
    .bind(subtotal + shipping)
    .bind(snapshot)
    .bind(&request.note)
    .bind(request.pay_deadline.millis())
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await?;
    let mut order = order_from(&order_row)?;
    let order_id = order.id;
    // Lines in product-id order: concurrent orders lock products in one order on
    // PostgreSQL, so two carts sharing products cannot deadlock.
    for line in &lines {
        let product_id: i64 = line.try_get("product_id")?;
        let quantity: i64 = line.try_get("quantity")?;
        let price: i64 = line.try_get("price")?;
        let item = query(
            "INSERT INTO order_items (order_id, product_id, name, unit_price, quantity, line_total, cost)
             VALUES ($1, $2, $3, $4, $5, $6, 0) RETURNING *",
        )
        .bind(order_id)
        .bind(product_id)
        .bind(line.try_get::<String, _>("name")?)
        .bind(price)
        .bind(quantity)
        .bind(price * quantity)
        .fetch_one(&mut *conn)
        .await?;
        let mut item = item_from(&item)?;
        let item_id = item.id;
        let units = Units::parse("quantity", quantity).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let drawn = draw_fifo(conn, product_id, units, &format!("order_item:{item_id}"), now).await?;
        let cost: i64 = drawn.iter().map(|d| d.quantity * d.unit_cost).sum();
        query("UPDATE order_items SET cost = $1 WHERE id = $2")
            .bind(cost)
            .bind(item_id)
            .execute(&mut *conn)
            .await?;
        item.cost = cost;
        order.items.push(item);
    }
    record_event(
        conn,
        order_id,
        None,
        OrderStatus::PendingPayment,
        &format!("user:{}", request.user_id),
        None,
        now,
    )
    .await?;
    query("DELETE FROM cart_items WHERE user_id = $1")
        .bind(request.user_id)
        .execute(&mut *conn)
        .await?;
    // A new order has no payment or shipment yet.
    Ok(order)
}

/// Moves an order through the state machine inside a transaction: reads its status,
/// asks the domain where `event` leads, and updates only if the status is still the one
/// read, so of two concurrent moves exactly one wins. Records the event.
pub(crate) async fn move_order(
    conn: &mut Conn,
    order_id: i64,
    owner: Option<i64>,
    event: OrderEvent,
    actor: &str,
    detail: Option<&str>,
    now: Timestamp,
) -> Result<(OrderStatus, OrderStatus), StoreError> {
    let row = query("SELECT status, user_id FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_optional(&mut *conn)
        .await?;
    let row = row.ok_or(StoreError::NotFound)?;
    if owner.is_some_and(|o| o != row.try_get::<i64, _>("user_id").unwrap_or(-1)) {
        return Err(StoreError::NotFound);
    }
    let from_raw: String = row.try_get("status")?;
    let from = OrderStatus::parse("status", &from_raw).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let to = order::transition(from, event)?;
    let stamp = match to {
        OrderStatus::Paid => {
            "UPDATE orders SET status = $1, version = version + 1, paid_at = $4 WHERE id = $2 AND status = $3"
        }
        OrderStatus::Shipped => {
            "UPDATE orders SET status = $1, version = version + 1, shipped_at = $4 WHERE id = $2 AND status = $3"
        }
        OrderStatus::Received => {
            "UPDATE orders SET status = $1, version = version + 1, received_at = $4 WHERE id = $2 AND status = $3"
        }
        OrderStatus::Cancelled => {
            "UPDATE orders SET status = $1, version = version + 1, cancelled_at = $4 WHERE id = $2 AND status = $3"
        }
        OrderStatus::Refunded | OrderStatus::PendingPayment => {
            "UPDATE orders SET status = $1, version = version + 1 WHERE id = $2 AND status = $3"
        }
    };
    let mut query = query(stamp).bind(to.as_str()).bind(order_id).bind(from.as_str());
    if stamp.contains("$4") {
        query = query.bind(now.millis());
    }
    let moved = query.execute(&mut *conn).await?;
    if moved.rows_affected() != 1 {
        // Another request moved it between our read and our update: it won.
        let now_status: String = query_scalar("SELECT status FROM orders WHERE id = $1")
            .bind(order_id)
            .fetch_one(&mut *conn)
            .await?;
        let from = OrderStatus::parse("status", &now_status).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        return Err(emporium_domain::order::InvalidTransition { from, event }.into());
    }
    record_event(conn, order_id, Some(from), to, actor, detail, now).await?;
    Ok((from, to))
}

/// Returns the units of every line of an order to their lots.
pub(crate) async fn return_order_stock(conn: &mut Conn, order_id: i64, now: Timestamp) -> Result<i64, StoreError> {
    let items: Vec<i64> = query_scalar("SELECT id FROM order_items WHERE order_id = $1")
        .bind(order_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut units = 0;
    for item in items {
        units += return_drawn(conn, &format!("order_item:{item}"), now).await?;
    }
    Ok(units)
}

/// Appends to an order's history.
pub(crate) async fn record_event(
    conn: &mut Conn,
    order_id: i64,
    from: Option<OrderStatus>,
    to: OrderStatus,
    actor: &str,
    detail: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    query("INSERT INTO order_events (order_id, from_status, to_status, actor, detail, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(order_id)
        .bind(from.map(OrderStatus::as_str))
        .bind(to.as_str())
        .bind(actor)
        .bind(detail)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Reads a whole order inside a transaction (or on a reader connection).
pub(crate) async fn order_in(conn: &mut Conn, id: i64) -> Result<Option<Order>, StoreError> {
    let Some(row) = query("SELECT * FROM orders WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut order = order_from(&row)?;
    complete(conn, &mut order).await?;
    Ok(Some(order))
}

/// Fills in one order's items, payment and shipment.
async fn complete(conn: &mut Conn, order: &mut Order) -> Result<(), StoreError> {
    complete_all(conn, std::slice::from_mut(order)).await
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
    let at = |order_id: i64| position.get(&order_id).copied().ok_or(StoreError::NotFound);
    let items = query("SELECT * FROM order_items", " ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    for r in &items {
        orders[at(r.try_get("order_id")?)?].items.push(item_from(r)?);
    }
    // The payment shown is the succeeded one, else the newest: the first row per order.
    let payments = query(
        "SELECT id, order_id, provider, status, amount, currency, pay_url FROM payments",
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
                status: r.try_get("status")?,
                amount: r.try_get("amount")?,
                currency: r.try_get("currency")?,
                pay_url: r.try_get("pay_url")?,
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

/// Remembers a response under an idempotency key (in the same transaction as its effect).
pub(crate) async fn idempotency_record(
    conn: &mut Conn,
    key: &IdempotencyKey,
    status: u16,
    body: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    query("INSERT INTO idempotency_keys (user_id, scope, key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(key.user_id)
        .bind(&key.scope)
        .bind(&key.key)
        .bind(&key.request_hash)
        .bind(i64::from(status))
        .bind(body)
        .bind(now.millis())
        .execute(&mut *conn)
        .await
        .map_err(|e| match StoreError::from(e) {
            // Another request with this key committed first; retrying replays its answer.
            e if e.is_unique_violation() => StoreError::IdempotencyRace,
            e => e,
        })?;
    Ok(())
}
