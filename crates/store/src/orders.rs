//! Orders, the writes: placing one from the cart (every line drawn FIFO in one
//! transaction, or none), and the moves of its life through the state machine
//! (cancelling, shipping and tracking, confirming receipt), each recorded in its history.
//! Reading orders is [`crate::order_read`]'s.

use emporium_domain::address::AddressSnapshot;
use emporium_domain::inventory::Units;
use emporium_domain::invoice::InvoiceRequest;
use emporium_domain::message::MessageKind;
use emporium_domain::order::{self, InvalidTransition, OrderEvent, OrderStatus};
use emporium_domain::pricing::priced::Reason;
use emporium_domain::pricing::shipping::Destination;
use emporium_domain::pricing::{CartItem, PricedCart, Rules, price_cart};
use emporium_domain::time::Timestamp;

use crate::cart::{CartLine, cart_lines_in, clear_cart_in};
use crate::categories::CategoryTree;
use crate::db::{Conn, parse_column, query, query_scalar};
use crate::guests::GuestContact;
use crate::idempotency::{AnswerKind, IdempotencyKey, Idempotent, Render, StoredAnswer, remember_answer_in};
use crate::inventory::{StockItem, draw_fifo, open_draws, return_draws};
use crate::messages::{NewMessage, TOLD_TRACKING, owe_for_move_in, owe_in};
use crate::order_read::{
    Order, TrackingEvent, address_context, encode_discounts, encode_invoice, encode_offers, encode_options,
    invoice_context, item_from, order_from, order_in,
};
use crate::pricing::{PricingRefusal, price_lines_in};
use crate::sealed::context;
use crate::{Sealer, Store, StoreError};

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
    /// The shipping method chosen (`None`: the first offered for the address).
    pub shipping_method_id: Option<i64>,
    /// Coupon codes typed (any case); each must apply, or nothing is placed.
    pub coupon_codes: Vec<String>,
    /// The 发票 asked for, if any.
    pub invoice: Option<InvoiceRequest>,
    /// A guest's contact (`None` for a customer's order).
    pub guest: Option<GuestContact>,
}

impl Store {
    /// Places an order from the user's cart in one transaction: every line's units are
    /// drawn FIFO or none are ([`StoreError::InsufficientStock`] names the product), prices
    /// are copied as they are now, the address is copied, the cart is emptied, and the
    /// idempotency key (if any) is stored with the rendered answer.
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
        // The rules other than coupons (kept a few seconds) and the category tree are read
        // before the transaction; the coupons inside it, where their use is counted.
        let rules = self.pricing_rules().await?;
        let tree = self.category_tree_for(&rules, !request.coupon_codes.is_empty()).await?;
        self.idempotent(key, open, move |conn| {
            Box::pin(async move {
                let order = place_order_in(conn, &sealer, &request, (&rules, tree.as_deref()), now).await?;
                if let Some(key) = &idempotency {
                    let answer = StoredAnswer {
                        kind: AnswerKind::Order,
                        body: sealer.seal(&seal_context, &render(&order))?,
                    };
                    remember_answer_in(conn, key, &answer, now).await?;
                }
                Ok(Idempotent::Fresh(order))
            })
        })
        .await
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
        let sealer = self.sealer().clone();
        self.write(move |conn| {
            Box::pin(async move { cancel_order_in(conn, &sealer, order_id, owner, event, &actor, None, now).await })
        })
        .await
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
        let sealer = self.sealer().clone();
        self.write(move |conn| {
            Box::pin(
                async move { ship_order_in(conn, &sealer, order_id, &carrier, &tracking_number, &actor, now).await },
            )
        })
        .await
    }

    /// Adds a carrier tracking event to a shipped order (staff).
    pub async fn add_tracking_event(
        &self,
        order_id: i64,
        event: TrackingEvent,
        now: Timestamp,
    ) -> Result<Order, StoreError> {
        let sealer = self.sealer().clone();
        self.write(move |conn| {
            Box::pin(async move { add_tracking_event_in(conn, &sealer, order_id, &event, now).await })
        })
        .await
    }

    /// Confirms receipt of a shipped order (the buyer, or the auto-confirm job).
    pub async fn confirm_receipt(
        &self,
        order_id: i64,
        owner: Option<i64>,
        actor: String,
        now: Timestamp,
    ) -> Result<Order, StoreError> {
        let sealer = self.sealer().clone();
        self.write(move |conn| {
            Box::pin(async move {
                move_order(conn, order_id, owner, OrderEvent::ConfirmReceipt, &actor, None, now).await?;
                order_in(conn, &sealer, order_id)
                    .await?
                    .ok_or(StoreError::NotFound("order"))
            })
        })
        .await
    }
}

async fn place_order_in(
    conn: &mut Conn,
    sealer: &Sealer,
    request: &PlaceOrder,
    (rules, tree): (&Rules, Option<&CategoryTree>),
    now: Timestamp,
) -> Result<Order, StoreError> {
    // The buyer's data key (made now if this is their first sealed datum) seals the
    // order's personal fields, so deleting the account makes them unreadable.
    let sealer = &sealer.owner_key_in(conn, request.user_id, now.millis()).await?;
    let snapshot = snapshot_address_in(conn, sealer, request.user_id, request.address_id).await?;
    let address = sealer.seal(&address_context(request.user_id), &snapshot.to_lines())?;
    let lines = cart_lines_in(conn, request.user_id).await?;
    // Refused here, before anything is written, when a line asks for more than is on
    // hand: in a flash sale nearly every attempt ends here, and then costs two reads
    // instead of six statements and a rollback (and on PostgreSQL no wait on the
    // product's row lock). The draws below still decide for the attempts that pass.
    let quick = price_cart(&lines.iter().map(CartLine::as_item).collect::<Vec<CartItem<'_>>>())?;
    let priced = price_lines_in(
        conn,
        rules,
        tree,
        &lines,
        Some(request.user_id),
        Destination::from(&snapshot),
        request.shipping_method_id,
        &request.coupon_codes,
        now,
    )
    .await??
    .priced;
    // Every code typed must apply: an order never goes through without a discount the
    // shopper asked for.
    if let Some(refused) = priced.coupons.iter().find(|c| !c.applied) {
        return Err(PricingRefusal::Coupon {
            code: refused.code.clone(),
            reason: refused.reason.map_or("not_applicable", Reason::as_str),
        }
        .into());
    }
    let line_discounts: i64 = priced.lines.iter().map(|l| l.subtotal - l.net).sum();
    let shipping_discount = priced.shipping.base_fee - priced.shipping.fee;
    // The new order is assembled from what the inserts return rather than read back
    // afterwards: on SQLite every statement is a hand-off to the one writer connection.
    let order_row = query(
        "INSERT INTO orders (user_id, status, currency, subtotal, shipping_fee, total, address, note, pay_deadline, created_at,
                             discount_total, shipping_discount, tax_total, shipping_tax, tax_mode, shipping_method_id, shipping_method, offers,
                             invoice, guest_email, guest_phone, sms_opt_in)
         VALUES ($1, 'pending_payment', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
         RETURNING *",
    )
    .bind(request.user_id)
    .bind(&quick.currency)
    .bind(priced.subtotal)
    .bind(priced.shipping_fee)
    .bind(priced.total)
    .bind(address)
    .bind(&request.note)
    .bind(request.pay_deadline.millis())
    .bind(now.millis())
    .bind(line_discounts + shipping_discount)
    .bind(shipping_discount)
    .bind(priced.tax_total)
    .bind(priced.shipping.tax)
    .bind(priced.tax_mode.as_str())
    .bind(priced.shipping.method_id)
    .bind(&priced.shipping.name)
    .bind(encode_offers(&priced))
    .bind(
        request
            .invoice
            .as_ref()
            .map(|i| sealer.seal(&invoice_context(request.user_id), &encode_invoice(i)))
            .transpose()?,
    )
    .bind(request.guest.as_ref().map(|g| g.email.as_str()))
    .bind(
        request
            .guest
            .as_ref()
            .and_then(|g| g.phone.as_deref())
            .map(|p| sealer.seal(&context("orders.guest_phone", request.user_id), p))
            .transpose()?,
    )
    .bind(i64::from(request.guest.as_ref().is_some_and(|g| g.sms_opt_in)))
    .fetch_one(&mut *conn)
    .await?;
    let mut order = order_from(&order_row, sealer)?;
    redeem_coupons_in(conn, &priced, order.id, request.user_id, now).await?;
    // `cart_lines_in` answers the lines in (product, variant) order, so concurrent orders
    // lock products in one order on PostgreSQL; the engine keeps the lines' order.
    for (line, charged) in lines.iter().zip(&priced.lines) {
        let item = query(
            "INSERT INTO order_items (order_id, product_id, variant_id, name, sku, options, unit_price, quantity, line_total, cost,
                                      discounts, discount, tax)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, $12) RETURNING *",
        )
        .bind(order.id)
        .bind(line.product_id)
        .bind(line.variant_id)
        .bind(&line.name)
        .bind(&line.sku)
        .bind(encode_options(&line.options))
        .bind(line.unit_price)
        .bind(line.quantity)
        .bind(charged.subtotal)
        .bind(encode_discounts(&charged.discounts))
        .bind(charged.subtotal - charged.net)
        .bind(charged.tax)
        .fetch_one(&mut *conn)
        .await?;
        let mut item = item_from(&item)?;
        let units = Units::parse("quantity", line.quantity).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let stock = StockItem {
            product_id: line.product_id,
            variant_id: line.variant_id,
        };
        let drawn = draw_fifo(conn, stock, units, &format!("order_item:{}", item.id), now).await?;
        let cost: i64 = drawn.iter().map(|d| d.quantity * d.unit_cost).sum();
        query("UPDATE order_items SET cost = $1 WHERE id = $2")
            .bind(cost)
            .bind(item.id)
            .execute(&mut *conn)
            .await?;
        item.cost = cost;
        order.items.push(item);
    }
    let actor = format!("user:{}", request.user_id);
    record_event(conn, order.id, None, OrderStatus::PendingPayment, &actor, None, now).await?;
    // The confirmation is owed with the order (one INSERT; it is written at delivery).
    let placed = NewMessage {
        user_id: Some(request.user_id),
        ..NewMessage::about_order(MessageKind::OrderPlaced, order.id, "placed")
    };
    owe_in(conn, &placed, now).await?;
    clear_cart_in(conn, request.user_id).await?;
    // A new order has no payment or shipment yet.
    Ok(order)
}

/// Counts a use of every coupon the order applied, each only while below its limit: the
/// conditional update is what keeps a 100-use code at 100 orders under any concurrency
/// (on PostgreSQL it also waits for a concurrent order holding the coupon's row).
async fn redeem_coupons_in(
    conn: &mut Conn,
    priced: &PricedCart,
    order_id: i64,
    user_id: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    for coupon in priced.coupons.iter().filter(|c| c.applied) {
        let Some(coupon_id) = coupon.coupon_id else { continue };
        let counted =
            query("UPDATE coupons SET used = used + 1 WHERE id = $1 AND (usage_limit IS NULL OR used < usage_limit)")
                .bind(coupon_id)
                .execute(&mut *conn)
                .await?;
        if counted.rows_affected() == 0 {
            return Err(PricingRefusal::Coupon {
                code: coupon.code.clone(),
                reason: Reason::UsageLimitReached.as_str(),
            }
            .into());
        }
        query("INSERT INTO coupon_redemptions (coupon_id, order_id, user_id, amount, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(coupon_id)
            .bind(order_id)
            .bind(user_id)
            .bind(coupon.amount)
            .bind(now.millis())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Gives back the coupon uses of a cancelled order.
async fn release_coupons_in(conn: &mut Conn, order_id: i64, now: Timestamp) -> Result<(), StoreError> {
    query(
        "UPDATE coupons SET used = used - 1 WHERE id IN
           (SELECT coupon_id FROM coupon_redemptions WHERE order_id = $1 AND released_at IS NULL)",
    )
    .bind(order_id)
    .execute(&mut *conn)
    .await?;
    query("UPDATE coupon_redemptions SET released_at = $1 WHERE order_id = $2 AND released_at IS NULL")
        .bind(now.millis())
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One of the buyer's addresses as the order keeps it, opened from the address book's
/// sealed columns (each sealed on its own; the country is not personal).
pub(crate) async fn snapshot_address_in(
    conn: &mut Conn,
    sealer: &Sealer,
    user_id: i64,
    address_id: i64,
) -> Result<AddressSnapshot, StoreError> {
    let row = query(
        "SELECT recipient, phone, line1, line2, city, region, postal_code, country FROM addresses WHERE id = $1 AND user_id = $2",
    )
    .bind(address_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("address"))?;
    let sealer = &sealer.with_owner_in(conn, user_id).await?;
    let open = |column: &str| -> Result<String, StoreError> {
        let stored = row.try_get::<Option<String>, _>(column)?.unwrap_or_default();
        sealer.open(&context(&format!("addresses.{column}"), user_id), stored)
    };
    let present = |line: String| Some(line).filter(|l| !l.is_empty());
    Ok(AddressSnapshot {
        recipient: open("recipient")?,
        phone: open("phone")?,
        line1: open("line1")?,
        line2: present(open("line2")?),
        city: open("city")?,
        region: present(open("region")?),
        postal_code: present(open("postal_code")?),
        country: row.try_get("country")?,
    })
}

#[allow(clippy::too_many_arguments)] // one transaction's inputs, each named at the call
pub(crate) async fn cancel_order_in(
    conn: &mut Conn,
    sealer: &Sealer,
    order_id: i64,
    owner: Option<i64>,
    event: OrderEvent,
    actor: &str,
    detail: Option<&str>,
    now: Timestamp,
) -> Result<Order, StoreError> {
    move_order(conn, order_id, owner, event, actor, detail, now).await?;
    // Coupons before products, the order placing takes their locks in (PostgreSQL).
    release_coupons_in(conn, order_id, now).await?;
    return_order_stock(conn, order_id, now).await?;
    order_in(conn, sealer, order_id)
        .await?
        .ok_or(StoreError::NotFound("order"))
}

async fn ship_order_in(
    conn: &mut Conn,
    sealer: &Sealer,
    order_id: i64,
    carrier: &str,
    tracking_number: &str,
    actor: &str,
    now: Timestamp,
) -> Result<Order, StoreError> {
    let detail = format!("{carrier} {tracking_number}");
    // The order's row lock comes with the move, so a refund request cannot slip in
    // between this check and the shipment (it locks the order first too).
    move_order(conn, order_id, None, OrderEvent::Ship, actor, Some(&detail), now).await?;
    refuse_if_refund_pending_in(conn, order_id).await?;
    query("INSERT INTO shipments (order_id, carrier, tracking_number, shipped_at) VALUES ($1, $2, $3, $4)")
        .bind(order_id)
        .bind(carrier)
        .bind(tracking_number)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    order_in(conn, sealer, order_id)
        .await?
        .ok_or(StoreError::NotFound("order"))
}

/// The rule for shipping and refunds, in one place: an order whose whole paid amount is
/// asked back (requested, or approved and still with the provider) does not ship until
/// the refund is decided, or goods would leave with the money going back and no stock
/// returned. A partial refund does not hold the shipment.
async fn refuse_if_refund_pending_in(conn: &mut Conn, order_id: i64) -> Result<(), StoreError> {
    let row = query(
        "SELECT o.paid_amount, o.refunded_amount,
                CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) AS pending
         FROM orders o LEFT JOIN refunds r ON r.order_id = o.id AND r.status IN ('requested', 'processing')
         WHERE o.id = $1 GROUP BY o.id, o.paid_amount, o.refunded_amount",
    )
    .bind(order_id)
    .fetch_one(&mut *conn)
    .await?;
    let (paid, refunded, pending): (i64, i64, i64) = (
        row.try_get("paid_amount")?,
        row.try_get("refunded_amount")?,
        row.try_get("pending")?,
    );
    if pending > 0 && refunded + pending >= paid {
        return Err(StoreError::RefundPending);
    }
    Ok(())
}

async fn add_tracking_event_in(
    conn: &mut Conn,
    sealer: &Sealer,
    order_id: i64,
    event: &TrackingEvent,
    now: Timestamp,
) -> Result<Order, StoreError> {
    let row = query("SELECT status FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("order"))?;
    let status: OrderStatus = parse_column(&row, "status")?;
    if !matches!(status, OrderStatus::Shipped | OrderStatus::Received) {
        return Err(InvalidTransition {
            from: status,
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
    // The milestones the customer is told of, once each (the key holds the status).
    let milestone = event.status.trim().to_ascii_lowercase();
    if TOLD_TRACKING.contains(&milestone.as_str()) {
        let told = NewMessage {
            detail: Some(milestone.clone()),
            ..NewMessage::about_order(MessageKind::TrackingUpdate, order_id, &format!("tracking:{milestone}"))
        };
        owe_in(conn, &told, now).await?;
    }
    order_in(conn, sealer, order_id)
        .await?
        .ok_or(StoreError::NotFound("order"))
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
    let row = row.ok_or(StoreError::NotFound("order"))?;
    if owner.is_some_and(|o| o != row.try_get::<i64, _>("user_id").unwrap_or(-1)) {
        return Err(StoreError::NotFound("order"));
    }
    let from: OrderStatus = parse_column(&row, "status")?;
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
    let mut update = query(stamp).bind(to.as_str()).bind(order_id).bind(from.as_str());
    if stamp.contains("$4") {
        update = update.bind(now.millis());
    }
    let moved = update.execute(&mut *conn).await?;
    if moved.rows_affected() != 1 {
        // Another request moved it between our read and our update: it won.
        let now_status: String = query_scalar("SELECT status FROM orders WHERE id = $1")
            .bind(order_id)
            .fetch_one(&mut *conn)
            .await?;
        let from = now_status
            .parse()
            .map_err(|()| StoreError::Corrupt(format!("status {now_status:?}")))?;
        return Err(InvalidTransition { from, event }.into());
    }
    record_event(conn, order_id, Some(from), to, actor, detail, now).await?;
    owe_for_move_in(conn, order_id, to, now).await?;
    Ok((from, to))
}

/// Returns the units of every line of an order to their lots.
pub(crate) async fn return_order_stock(conn: &mut Conn, order_id: i64, now: Timestamp) -> Result<i64, StoreError> {
    let items: Vec<i64> = query_scalar("SELECT id FROM order_items WHERE order_id = $1")
        .bind(order_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut draws = Vec::new();
    for item in items {
        draws.extend(open_draws(conn, &format!("order_item:{item}")).await?);
    }
    // All at once, so the products and lots are locked in the store's one order.
    return_draws(conn, draws, now).await
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
