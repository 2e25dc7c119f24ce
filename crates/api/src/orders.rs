//! Orders: placing one from the cart (idempotent), reading them (through the hot-order
//! cache), and the moves of their life: cancel, ship, tracking, confirm receipt, history.

use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use emporium_app::AppState;
use emporium_app::accounts::ClientAddress;
use emporium_app::cursor::Position;
use emporium_app::guests;
use emporium_app::orders::{self, Checkout, Tracking};
use emporium_app::paging::{cut_page, keyset};
use emporium_domain::FieldError;
use emporium_domain::order::OrderStatus;
use emporium_domain::time::Timestamp;
use emporium_store::idempotency::{AnswerKind, Idempotent, StoredAnswer};
use emporium_store::order_read::Order;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use super::params;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, IdempotencyHeader, JsonBody, OrderCaller, Path, Query, Shopper, Staff, area};

/// An order line.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrderItemView {
    /// The line's id (a return names it as `order_item_id`).
    pub id: i64,
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
    /// The product's name when ordered.
    pub name: String,
    /// The variant's SKU when ordered.
    pub sku: Option<String>,
    /// The variant's option values when ordered, `[{name, value}]`.
    pub options: Vec<crate::cart::OptionValueView>,
    /// Its price when ordered.
    pub unit_price: i64,
    /// Units.
    pub quantity: i64,
    /// unit_price × quantity.
    pub line_total: i64,
    /// The discounts on it when ordered.
    pub discounts: Vec<crate::pricing::DiscountView>,
    /// line_total − discounts: what was paid for the line (a refund of it returns at
    /// most this).
    pub net: i64,
    /// The tax in (inclusive) or on (exclusive) `net`.
    pub tax: i64,
}

/// The delivery address, as it was when ordered.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrderAddressView {
    /// Recipient.
    pub recipient: String,
    /// Phone.
    pub phone: String,
    /// Street.
    pub line1: String,
    /// More.
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// Region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country code.
    pub country: String,
}

/// An order's payment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrderPaymentView {
    /// Payment id.
    pub id: i64,
    /// Provider.
    pub provider: String,
    /// `pending`, `succeeded`, `failed`.
    pub status: String,
    /// Amount.
    pub amount: i64,
    /// Currency.
    pub currency: String,
    /// Where to pay.
    pub pay_url: Option<String>,
    /// The provider's channel (absent for the sandbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// For QR channels: the text to show as a QR code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<String>,
}

/// A tracking event.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrackingEventView {
    /// e.g. `in_transit`.
    pub status: String,
    /// Where.
    pub location: Option<String>,
    /// What happened.
    pub description: Option<String>,
    /// RFC 3339.
    pub occurred_at: String,
}

/// Shipping details.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShipmentView {
    /// Carrier.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: String,
    /// RFC 3339.
    pub shipped_at: String,
    /// Tracking events, oldest first.
    pub events: Vec<TrackingEventView>,
}

/// The shipping method of an order, as it was when ordered.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrderShippingMethodView {
    /// The method.
    pub id: i64,
    /// Its name then.
    pub name: String,
    /// Its discount (free-shipping promotions), minor units.
    pub discount: i64,
    /// The tax of the shipping fee.
    pub tax: i64,
}

/// An order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrderView {
    /// Order id.
    pub id: i64,
    /// The buyer.
    pub user_id: i64,
    /// `pending_payment`, `paid`, `cancelled`, `shipped`, `received`, `refunded`.
    pub status: String,
    /// Lines.
    pub items: Vec<OrderItemView>,
    /// Σ line totals, at list prices.
    pub subtotal: i64,
    /// Every discount: the lines' and the shipping's.
    pub discount_total: i64,
    /// Shipping, after its discount.
    pub shipping_fee: i64,
    /// Tax of the lines and the shipping (inside the prices when `tax_mode` is
    /// `inclusive`, added to the total when `exclusive`).
    pub tax_total: i64,
    /// `inclusive` or `exclusive`.
    pub tax_mode: String,
    /// subtotal − discounts + shipping (+ tax when exclusive): what the buyer pays.
    pub total: i64,
    /// The shipping method chosen (`null` on orders placed before methods existed).
    pub shipping_method: Option<OrderShippingMethodView>,
    /// The promotions considered when it was priced, applied or not.
    pub promotions: Vec<crate::pricing::OfferView>,
    /// The coupon codes it was placed with.
    pub coupons: Vec<crate::pricing::OfferView>,
    /// The 发票 asked for, if any.
    pub invoice: Option<InvoiceBody>,
    /// Paid back so far.
    pub refunded_amount: i64,
    /// Currency of all amounts.
    pub currency: String,
    /// Where it goes.
    pub address: OrderAddressView,
    /// The buyer's note.
    pub note: Option<String>,
    /// The payment (latest attempt), if any.
    pub payment: Option<OrderPaymentView>,
    /// Shipping, once shipped.
    pub shipment: Option<ShipmentView>,
    /// RFC 3339: unpaid by then, it is cancelled.
    pub pay_deadline: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub paid_at: Option<String>,
    /// RFC 3339.
    pub shipped_at: Option<String>,
    /// RFC 3339.
    pub received_at: Option<String>,
    /// RFC 3339.
    pub cancelled_at: Option<String>,
    /// A guest order's contact, as the guest gave it (`null` for a customer's order).
    pub guest: Option<GuestContactView>,
}

/// How to reach the guest who placed an order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GuestContactView {
    /// Where the order's messages go.
    pub email: String,
    /// A phone number for the shop, if given.
    pub phone: Option<String>,
    /// Whether a text message goes to the address's phone when the order ships.
    pub sms_opt_in: bool,
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        let a = &o.address;
        Self {
            id: o.id,
            user_id: o.user_id,
            status: o.status.as_str().to_owned(),
            items: o
                .items
                .iter()
                .map(|i| OrderItemView {
                    id: i.id,
                    product_id: i.product_id,
                    variant_id: i.variant_id,
                    name: i.name.clone(),
                    sku: i.sku.clone(),
                    options: crate::cart::option_values(i.options.clone()),
                    unit_price: i.unit_price,
                    quantity: i.quantity,
                    line_total: i.line_total,
                    discounts: i
                        .discounts
                        .iter()
                        .map(|(source, amount)| crate::pricing::DiscountView {
                            source: source.clone(),
                            amount: *amount,
                        })
                        .collect(),
                    net: i.net(),
                    tax: i.tax,
                })
                .collect(),
            subtotal: o.subtotal,
            discount_total: o.discount_total,
            shipping_fee: o.shipping_fee,
            tax_total: o.tax_total,
            tax_mode: o.tax_mode.clone(),
            total: o.total,
            shipping_method: o.shipping_method_id.map(|id| OrderShippingMethodView {
                id,
                name: o.shipping_method.clone().unwrap_or_default(),
                discount: o.shipping_discount,
                tax: o.shipping_tax,
            }),
            promotions: offers(o, "promotion"),
            coupons: offers(o, "coupon"),
            invoice: o.invoice.as_ref().map(|i| InvoiceBody {
                kind: i.kind.as_str().to_owned(),
                title: i.title.clone(),
                taxpayer_id: i.taxpayer_id.clone(),
            }),
            refunded_amount: o.refunded_amount,
            currency: o.currency.clone(),
            address: OrderAddressView {
                recipient: a.recipient.clone(),
                phone: a.phone.clone(),
                line1: a.line1.clone(),
                line2: a.line2.clone(),
                city: a.city.clone(),
                region: a.region.clone(),
                postal_code: a.postal_code.clone(),
                country: a.country.clone(),
            },
            note: o.note.clone(),
            payment: o.payment.as_ref().map(|p| OrderPaymentView {
                id: p.id,
                provider: p.provider.clone(),
                status: p.status.as_str().to_owned(),
                amount: p.amount,
                currency: p.currency.clone(),
                pay_url: p.pay_url.clone(),
                channel: p.channel.clone(),
                qr_code: p.qr_code.clone(),
            }),
            shipment: o.shipment.as_ref().map(|s| ShipmentView {
                carrier: s.carrier.clone(),
                tracking_number: s.tracking_number.clone(),
                shipped_at: s.shipped_at.to_rfc3339(),
                events: s
                    .events
                    .iter()
                    .map(|e| TrackingEventView {
                        status: e.status.clone(),
                        location: e.location.clone(),
                        description: e.description.clone(),
                        occurred_at: e.occurred_at.to_rfc3339(),
                    })
                    .collect(),
            }),
            pay_deadline: o.pay_deadline.to_rfc3339(),
            created_at: o.created_at.to_rfc3339(),
            paid_at: o.paid_at.map(Timestamp::to_rfc3339),
            shipped_at: o.shipped_at.map(Timestamp::to_rfc3339),
            received_at: o.received_at.map(Timestamp::to_rfc3339),
            cancelled_at: o.cancelled_at.map(Timestamp::to_rfc3339),
            guest: o.guest.as_ref().map(|g| GuestContactView {
                email: g.email.clone(),
                phone: g.phone.clone(),
                sms_opt_in: g.sms_opt_in,
            }),
        }
    }
}

/// The order's offers of one kind (`promotion`, `coupon`) as the pricing answer shows them.
fn offers(o: &Order, kind: &str) -> Vec<crate::pricing::OfferView> {
    o.offers
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| {
            let promotion = kind == "promotion";
            crate::pricing::OfferView {
                id: r.id.filter(|_| promotion),
                name: promotion.then(|| r.label.clone()),
                code: (!promotion).then(|| r.label.clone()),
                applied: r.applied,
                amount: r.amount,
                reason: r.reason.clone(),
            }
        })
        .collect()
}

/// Serializes a view for storing under an idempotency key or in the cache.
pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}

/// A stored JSON body as a response.
pub(crate) fn raw_json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The reply to a request whose `Idempotency-Key` was answered before: what the first
/// send was answered. Every answer the API remembers is the document of something the
/// request created, so it is replayed as that creation was answered, `201 Created`.
pub(crate) fn replayed(answer: StoredAnswer) -> Response {
    let status = match answer.kind {
        AnswerKind::Order | AnswerKind::Payment | AnswerKind::Refund => StatusCode::CREATED,
    };
    raw_json(status, answer.body)
}

/// Placing an order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrderRequest {
    /// One of the caller's addresses (customers; required for them).
    pub address_id: Option<i64>,
    /// Guests (with `Cart-Token`), required: where the order's messages go.
    pub email: Option<String>,
    /// Guests: a phone number for the shop.
    pub phone: Option<String>,
    /// Guests, required: where the order ships.
    pub address: Option<crate::me::AddAddressRequest>,
    /// Guests: send a text message to the address's phone when the order ships.
    #[serde(default)]
    pub sms_opt_in: bool,
    /// Up to 500 characters for the shop.
    pub note: Option<String>,
    /// A shipping method offered for the address (`GET /shipping-methods`; default: the
    /// first offered).
    pub shipping_method_id: Option<i64>,
    /// Up to 5 coupon codes, any case; each must apply (`422 coupon_not_applicable` with
    /// the reason otherwise, and nothing is placed).
    #[serde(default)]
    pub coupon_codes: Vec<String>,
    /// A 发票 (invoice) to issue for the order.
    pub invoice: Option<InvoiceBody>,
}

/// A 发票 (invoice): for a person (`personal`, the title is their name) or a company
/// (`company`, its registered name and taxpayer number).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceBody {
    /// `personal` or `company`.
    pub kind: String,
    /// 抬头: 1–100 characters.
    pub title: String,
    /// Companies only: the unified social credit code (18 characters, check character
    /// verified), or a legacy number of 15, 17 or 20.
    pub taxpayer_id: Option<String>,
}

/// A guest's order as placed: the order and its link's token.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GuestOrderView {
    /// The order.
    #[serde(flatten)]
    pub order: OrderView,
    /// Send as `Order-Access-Token` to see, pay, cancel or confirm this order; the page
    /// `/orders/{id}?access=<token>` shows it. Keep it: it is the guest's only key.
    pub access_token: String,
}

/// Places an order from the cart: every line's stock is taken, or none
/// (`409 insufficient_stock` names the product). Send `Idempotency-Key` to make retries
/// safe. A customer names one of their addresses; a guest (`Cart-Token`) gives an email,
/// an address and optionally a phone, and the answer carries the order's `access_token`.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", security(("bearer" = []), ("cart_token" = [])), request_body = PlaceOrderRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "1–255 characters; a retry with the same key and body replays the first answer")),
    responses(
        (status = 201, description = "Placed (a guest's answer also carries `access_token`)", body = OrderView),
        (status = 401, description = "Not logged in and no guest cart", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such address of yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Empty cart, insufficient stock, or key reused with another body", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or missing field (a customer's `address_id`; a guest's `email` and `address`); a coupon that does not apply (`coupon_not_applicable`); no shipping method for the address (`no_shipping_method`) or the one chosen is not offered there (`shipping_method_not_offered`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn place_order(
    State(state): State<AppState>,
    Shopper(session): Shopper,
    key: IdempotencyHeader,
    JsonBody(req): JsonBody<PlaceOrderRequest>,
) -> ApiResult<Response> {
    let guest = session.user.guest;
    let checkout = Checkout {
        address_id: req.address_id.unwrap_or(0),
        note: req.note.clone(),
        shipping_method_id: req.shipping_method_id,
        coupon_codes: req.coupon_codes.clone(),
        invoice: req.invoice.as_ref().map(|i| orders::InvoiceInput {
            kind: i.kind.clone(),
            title: i.title.clone(),
            taxpayer_id: i.taxpayer_id.clone(),
        }),
    };
    if !guest {
        let key = orders::idempotency_key(key.0, session.user.id, "POST /orders".into(), &checkout);
        if req.address_id.is_none() {
            return Err(FieldError::new("address_id", "name one of your addresses").into());
        }
        if let Some(field) = [
            ("email", req.email.is_some()),
            ("phone", req.phone.is_some()),
            ("address", req.address.is_some()),
        ]
        .into_iter()
        .find_map(|(name, given)| given.then_some(name))
        {
            return Err(FieldError::new(field, "only a guest order takes it; yours goes to your account").into());
        }
        // The answer is rendered inside the order's transaction, so a retry with the same
        // key replays exactly this document.
        let render = Arc::new(|o: &Order| to_json(&OrderView::from(o)));
        return match orders::place_order(&state, session.user.id, &checkout, key, render).await? {
            Idempotent::Replay(answer) => Ok(replayed(answer)),
            Idempotent::Fresh(order) => Ok((StatusCode::CREATED, Json(OrderView::from(&order))).into_response()),
        };
    }
    let missing: Vec<FieldError> = [("email", req.email.is_none()), ("address", req.address.is_none())]
        .into_iter()
        .filter(|(_, missing)| *missing)
        .map(|(name, _)| FieldError::new(name, "a guest order needs it"))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::Validation(missing));
    }
    let (Some(email), Some(address)) = (req.email.as_deref(), req.address.as_ref()) else {
        unreachable!("checked just above")
    };
    // A guest's typed contact and address are part of what a retry must repeat.
    let key = orders::idempotency_key(key.0, session.user.id, "POST /orders".into(), &req);
    let details = guests::GuestDetails {
        email,
        phone: req.phone.as_deref(),
        address: address.input(),
        sms_opt_in: req.sms_opt_in,
    };
    let links = state.order_links().clone();
    let view = move |o: &Order| GuestOrderView {
        order: OrderView::from(o),
        access_token: links.token(o.id),
    };
    let render_view = view.clone();
    let render = Arc::new(move |o: &Order| to_json(&render_view(o)));
    match guests::place_order(&state, &session, details, &checkout, key, render).await? {
        Idempotent::Replay(answer) => Ok(replayed(answer)),
        Idempotent::Fresh(order) => Ok((StatusCode::CREATED, Json(view(&order))).into_response()),
    }
}

/// Looking a guest order up.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    /// The order number.
    pub order_id: i64,
    /// The email address it was placed with (any letter case).
    pub email: String,
}

/// A guest order found.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LookupView {
    /// The order number.
    pub order_id: i64,
    /// The order's link token (send as `Order-Access-Token`).
    pub access_token: String,
}

/// Finds a guest order by its number and the email it was placed with, and answers its
/// link's token. At most 10 tries per client address and 10 per order each 15 minutes
/// (then 429); a wrong pair is 404, like a missing order.
#[utoipa::path(post, path = "/api/v1/orders/lookup", tag = "orders", request_body = LookupRequest,
    responses(
        (status = 200, description = "Found", body = LookupView),
        (status = 404, description = "No guest order with this number and email", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many tries", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn look_up_order(
    State(state): State<AppState>,
    from: Option<Extension<ClientAddress>>,
    JsonBody(req): JsonBody<LookupRequest>,
) -> ApiResult<Json<LookupView>> {
    let from = from.map(|Extension(a)| a).unwrap_or_default();
    let access_token = guests::look_up_order(&state, req.order_id, &req.email, from).await?;
    Ok(Json(LookupView {
        order_id: req.order_id,
        access_token,
    }))
}

/// Order listing parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListOrdersParams {
    /// One status: `pending_payment`, `paid`, `cancelled`, `shipped`, `received` or `refunded`.
    #[param(pattern = "^(pending_payment|paid|cancelled|shipped|received|refunded)?$")]
    pub status: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// The caller's orders, newest first (staff: everyone's, optionally by `status`).
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", security(("bearer" = [])), params(ListOrdersParams),
    responses(
        (status = 200, description = "A page of orders", body = Page<OrderView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_orders(
    State(state): State<AppState>,
    Auth(session): Auth,
    Query(p): Query<ListOrdersParams>,
) -> ApiResult<Response> {
    let staff = session.user.reads_all_orders();
    let status = p
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| OrderStatus::parse("status", s))
        .transpose();
    let fingerprint = format!("orders|{}|{:?}", if staff { 0 } else { session.user.id }, p.status);
    let page = params::PageParams {
        limit: p.limit.clone(),
        cursor: p.cursor.clone(),
    };
    let (status, (limit, position)) = match (status, page.parse(state.cursors(), &fingerprint)) {
        (Ok(s), Ok(lp)) => (s, lp),
        (Err(e), _) => return Err(e.into()),
        (_, Err(e)) => return Err(e),
    };
    let before = keyset(position)?.map(|(_, id)| id);
    let owner = if staff { None } else { Some(session.user.id) };
    let heads = state.store().order_versions(owner, status, before, limit + 1).await?;
    let (heads, next) = cut_page(heads, limit, |&(id, _)| Position::After(0, id));
    let next = next.map(|p| state.cursors().encode(&fingerprint, p));
    // The page is written from the orders' cached documents: the same `Page<OrderView>`
    // as serializing it whole, without assembling the orders already in the cache.
    let documents = order_documents(&state, &heads).await?;
    let mut body = String::from(r#"{"data":["#);
    for (i, doc) in documents.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(doc);
    }
    body.push_str(r#"],"next_cursor":"#);
    body.push_str(&to_json(&next));
    body.push('}');
    Ok(raw_json(StatusCode::OK, body))
}

/// The API documents of these orders (`(id, version)` just read), from the hot-order cache
/// where it holds them at that version; the others are read together and cached.
async fn order_documents(state: &AppState, heads: &[(i64, i64)]) -> ApiResult<Vec<Arc<str>>> {
    let cache = state.order_cache();
    let mut documents: Vec<Option<Arc<str>>> =
        futures_util::future::join_all(heads.iter().map(|&(id, version)| cache.get(id, version))).await;
    let missing: Vec<i64> = heads
        .iter()
        .zip(&documents)
        .filter(|(_, doc)| doc.is_none())
        .map(|(&(id, _), _)| id)
        .collect();
    for order in state.store().orders_by_ids(&missing).await? {
        let json: Arc<str> = Arc::from(to_json(&OrderView::from(&order)));
        if let Some(i) = heads.iter().position(|&(id, _)| id == order.id) {
            documents[i] = Some(Arc::clone(&json));
        }
        cache.put(order.id, order.version, json).await;
    }
    // Orders are never deleted, so every head has its document.
    Ok(documents.into_iter().flatten().collect())
}

/// One order. Another customer's order is 404. Served from the hot-order cache when the
/// cached copy is at the order's current version.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = []), ("order_access_token" = [])),
    params(("id" = i64, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order", body = OrderView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order of yours", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_order(
    State(state): State<AppState>,
    OrderCaller(session): OrderCaller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (_, version) = orders::visible_head(&state, &session, id).await?;
    if let Some(json) = state.order_cache().get(id, version).await {
        return Ok(raw_json(StatusCode::OK, json.to_string()));
    }
    let order = state.store().order(id).await?.ok_or(ApiError::NotFound("order"))?;
    let json: Arc<str> = Arc::from(to_json(&OrderView::from(&order)));
    state.order_cache().put(id, order.version, Arc::clone(&json)).await;
    Ok(raw_json(StatusCode::OK, json.to_string()))
}

/// Why staff cancel an order (the body is optional).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Up to 500 characters, kept in the order's history and its refund when staff
    /// cancel a paid order (other cancels ignore it).
    pub reason: Option<String>,
}

/// Cancels an order; its units go back to their lots. The buyer may cancel while it
/// awaits payment; staff may also cancel a paid order that has not shipped, which pays
/// everything back through the provider at once.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", security(("bearer" = []), ("order_access_token" = [])),
    params(("id" = i64, Path, description = "Order id")),
    request_body(content = Option<CancelRequest>, description = "Optional: why (staff)"),
    responses(
        (status = 200, description = "Cancelled (by staff, with its refund paid back or being paid)", body = OrderView),
        (status = 400, description = "A body that is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order of yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not awaiting payment (buyer), shipped already (staff)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A reason too long", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel_order(
    State(state): State<AppState>,
    OrderCaller(session): OrderCaller,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<OrderView>> {
    let req = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(crate::extract::parse_json::<CancelRequest>(&body)?)
    };
    let order = if session.user.may(emporium_domain::staff::Permission::Refunds) {
        let reason = req.as_ref().and_then(|r| r.reason.as_deref());
        emporium_app::returns::cancel_by_staff(&state, session.user.id, id, reason).await?
    } else {
        orders::cancel_order(&state, session.user.id, id).await?
    };
    Ok(Json(OrderView::from(&order)))
}

/// Shipping an order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipRequest {
    /// 1–64 characters.
    #[schema(min_length = 1)]
    pub carrier: String,
    /// 1–64 characters.
    #[schema(min_length = 1)]
    pub tracking_number: String,
}

/// Ships a paid order (staff).
#[utoipa::path(post, path = "/api/v1/orders/{id}/ship", tag = "orders", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id")), request_body = ShipRequest,
    responses(
        (status = 200, description = "Shipped", body = OrderView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not paid", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ship_order(
    State(state): State<AppState>,
    Staff(staff, _): Staff<area::Fulfilment>,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<ShipRequest>,
) -> ApiResult<Json<OrderView>> {
    let order = orders::ship_order(&state, staff.user.id, id, &req.carrier, &req.tracking_number).await?;
    Ok(Json(OrderView::from(&order)))
}

/// A carrier's tracking event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackingEventRequest {
    /// 1–64 characters, e.g. `in_transit`.
    #[schema(min_length = 1)]
    pub status: String,
    /// Up to 200 characters.
    pub location: Option<String>,
    /// Up to 500 characters.
    pub description: Option<String>,
    /// RFC 3339 (default: now).
    #[schema(format = DateTime)]
    pub occurred_at: Option<String>,
}

/// Adds a tracking event to a shipped order (staff).
#[utoipa::path(post, path = "/api/v1/orders/{id}/tracking-events", tag = "orders", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Order id")), request_body = TrackingEventRequest,
    responses(
        (status = 201, description = "Recorded", body = OrderView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not shipped", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_tracking_event(
    State(state): State<AppState>,
    _staff: Staff<area::Fulfilment>,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<TrackingEventRequest>,
) -> ApiResult<(StatusCode, Json<OrderView>)> {
    let tracking = Tracking {
        status: &req.status,
        location: req.location.as_deref(),
        description: req.description.as_deref(),
        occurred_at: req.occurred_at.as_deref(),
    };
    let order = orders::add_tracking_event(&state, id, tracking).await?;
    Ok((StatusCode::CREATED, Json(OrderView::from(&order))))
}

/// Confirms receipt of the caller's shipped order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/confirm-receipt", tag = "orders", security(("bearer" = []), ("order_access_token" = [])),
    params(("id" = i64, Path, description = "Order id")),
    responses(
        (status = 200, description = "Received", body = OrderView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order of yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not shipped", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm_receipt(
    State(state): State<AppState>,
    OrderCaller(session): OrderCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<OrderView>> {
    let order = orders::confirm_receipt(&state, session.user.id, id).await?;
    Ok(Json(OrderView::from(&order)))
}

/// An entry of an order's history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrderEventView {
    /// Status before (null when placed).
    pub from: Option<String>,
    /// Status after.
    pub to: String,
    /// Who: `user:7`, `staff:2`, `system`, `provider:sandbox`.
    pub actor: String,
    /// RFC 3339.
    pub at: String,
    /// Details.
    pub detail: Option<String>,
}

/// An order's history, oldest first.
#[utoipa::path(get, path = "/api/v1/orders/{id}/events", tag = "orders", security(("bearer" = []), ("order_access_token" = [])),
    params(("id" = i64, Path, description = "Order id")),
    responses(
        (status = 200, description = "History", body = Page<OrderEventView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order of yours", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn order_events(
    State(state): State<AppState>,
    OrderCaller(session): OrderCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Page<OrderEventView>>> {
    orders::visible_head(&state, &session, id).await?;
    let events = state.store().order_events(id).await?;
    Ok(Json(Page {
        data: events
            .into_iter()
            .map(|e| OrderEventView {
                from: e.from.map(|s| s.as_str().to_owned()),
                to: e.to.as_str().to_owned(),
                actor: e.actor,
                at: e.at.to_rfc3339(),
                detail: e.detail,
            })
            .collect(),
        next_cursor: None,
    }))
}
