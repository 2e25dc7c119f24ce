//! What every page shares: the layout's context, rendering, form posts (with the CSRF
//! check), field errors, redirects, the HTML error pages, and money and time formatting.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use emporium_domain::FieldError;
use emporium_domain::money::Currency;
use emporium_domain::time::Timestamp;
use serde::de::DeserializeOwned;

use super::csrf;
use super::i18n::{Lang, Texts};
use super::session::{ANON_COOKIE, Visitor, cookie};
use emporium_app::{AppError, AppState};
use emporium_domain::staff::Permissions;
use emporium_store::categories::CategoryTree;
use std::sync::{Arc, Mutex, Weak};

/// What the layout needs on every page.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The page's language.
    pub lang: Lang,
    /// Its messages.
    pub t: &'static Texts,
    /// The logged-in username, if any.
    pub username: Option<String>,
    /// Whether to show the admin link.
    pub is_staff: bool,
    /// What the visitor may do in the back office: the admin nav shows only these areas.
    pub permissions: Permissions,
    /// The CSRF token for forms.
    pub csrf: String,
    /// This page in the other language.
    pub switch_url: String,
    /// A one-line notice at the top (after an action).
    pub notice: Option<&'static str>,
    /// The request's path and query (the admin sidebar highlights its section).
    pub path: String,
    /// Units in the cart, shown beside the header's cart link.
    pub cart_count: i64,
    /// What the header's search box shows: the query of the listing on screen.
    pub query: String,
    /// The top categories under the header; none in the back office.
    pub catnav: Arc<[NavLink]>,
    /// The category the listing on screen browses (its `?category=`), to mark its link.
    pub browsed: Option<String>,
}

/// One of the header's category links.
#[derive(Debug)]
pub struct NavLink {
    /// `/products?category=…`.
    pub href: String,
    /// The category's name in the page's language.
    pub label: String,
    /// Its own name, as `?category=` carries it.
    pub name: String,
}

/// The header's links to the top categories that have products, in `lang`. They are the
/// same on every page until the tree changes, so they are built once per tree the store
/// reads (it keeps one for a few seconds) and language, not on every page.
fn catnav(tree: &Arc<CategoryTree>, lang: Lang) -> Arc<[NavLink]> {
    type Built = Vec<(Weak<CategoryTree>, Lang, Arc<[NavLink]>)>;
    static BUILT: Mutex<Built> = Mutex::new(Vec::new());
    let same = |(built, built_lang, _): &(Weak<CategoryTree>, Lang, Arc<[NavLink]>)| {
        *built_lang == lang && std::ptr::eq(built.as_ptr(), Arc::as_ptr(tree))
    };
    if let Some((.., links)) = BUILT.lock().unwrap_or_else(|p| p.into_inner()).iter().find(|e| same(e)) {
        return Arc::clone(links);
    }
    let locale = Some(lang.html_tag());
    let links: Arc<[NavLink]> = tree
        .iter()
        .filter(|(depth, c)| *depth == 0 && tree.product_count(c.id) > 0)
        .map(|(_, c)| NavLink {
            href: format!("/products?category={}", urlencode(&c.name)),
            label: c.name_in(locale).to_owned(),
            name: c.name.clone(),
        })
        .collect();
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    // Trees no longer held by any store are dropped (a few remain: one per store, and
    // tests run many).
    built.retain(|(t, ..)| t.strong_count() > 0);
    if built.len() >= 16 {
        built.remove(0);
    }
    built.push((Arc::downgrade(tree), lang, Arc::clone(&links)));
    links
}

impl Ctx {
    /// The context for `visitor`'s page.
    pub fn new(visitor: &Visitor) -> Self {
        let (query, browsed) = listing_params(&visitor.path);
        Self {
            lang: visitor.lang,
            t: visitor.t(),
            username: visitor.session.as_ref().map(|s| s.user.username.clone()),
            is_staff: visitor.is_staff(),
            permissions: visitor.permissions(),
            csrf: visitor.csrf.clone(),
            switch_url: with_query(&visitor.path, "lang", visitor.lang.other().code()),
            notice: super::flash::notice(&visitor.path, visitor.t()),
            path: visitor.path.clone(),
            cart_count: visitor.cart_count,
            query: query.unwrap_or_default(),
            catnav: if visitor.path.starts_with("/admin") {
                Arc::from([])
            } else {
                catnav(&visitor.categories, visitor.lang)
            },
            browsed,
        }
    }

    /// Whether the visitor may use the back-office area named `area` (`catalogue`,
    /// `staff`…), for the admin nav.
    pub fn may(&self, area: &str) -> bool {
        self.permissions.iter().any(|p| p.as_str() == area)
    }

    /// An order or refund status in words.
    pub fn status(&self, status: &str) -> &'static str {
        self.t.order_status(status)
    }
}

/// `q` and `category` of `path` when it is the product listing (`/products?…`), read in
/// one pass (the header shows the one, marks the other).
fn listing_params(path: &str) -> (Option<String>, Option<String>) {
    let Some(query) = path.strip_prefix("/products?") else {
        return (None, None);
    };
    let (mut q, mut category) = (None, None);
    for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default() {
        match k.as_str() {
            "q" if q.is_none() => q = Some(v),
            "category" if category.is_none() => category = Some(v),
            _ => {}
        }
    }
    (q, category)
}

/// Cuts `rows`, read with one row more than `per_page`, to the page, and answers the
/// next page's address (`path` with `before=` the id of the last row shown) when that
/// extra row says there is one. The keyset paging of the pages' newest-first lists.
pub fn next_before<T>(rows: &mut Vec<T>, per_page: i64, path: &str, id: impl Fn(&T) -> i64) -> Option<String> {
    let per_page = usize::try_from(per_page).unwrap_or(0);
    if rows.len() <= per_page {
        return None;
    }
    rows.truncate(per_page);
    rows.last().map(|r| with_query(path, "before", &id(r).to_string()))
}

/// `path` with `key=value` set in its query string (replacing any earlier value).
pub fn with_query(path: &str, key: &str, value: &str) -> String {
    replace_query(path, &[key], &[(key, value)])
}

/// `path` without the parameters named in `drop` (every occurrence), then with `set`.
pub fn replace_query(path: &str, drop: &[&str], set: &[(&str, &str)]) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| !drop.contains(&k.as_str()))
        .collect();
    pairs.extend(set.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    format!("{base}?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
}

/// Money with its currency's symbol, thousands separators and minor units: `¥12.50`,
/// `¥1,597,291.00`, `$3.00`, `€0.99`,
/// `JPY 500` style for currencies without a well-known symbol.
pub fn money(amount: i64, currency: &str) -> String {
    // The currencies shops here use, without a look-up in the ISO table (a page shows a
    // few dozen amounts, so this is one of its hottest functions).
    let (symbol, exponent) = match currency {
        "CNY" => ("¥", 2),
        "USD" => ("$", 2),
        "EUR" => ("€", 2),
        "GBP" => ("£", 2),
        "HKD" => ("HK$", 2),
        "INR" => ("₹", 2),
        "JPY" => ("¥", 0),
        "KRW" => ("₩", 0),
        other => ("", Currency::parse("currency", other).map_or(2, Currency::exponent)),
    };
    let mut out = String::with_capacity(24);
    if amount < 0 {
        out.push('-');
    }
    if symbol.is_empty() {
        out.push_str(currency);
        out.push(' ');
    } else {
        out.push_str(symbol);
    }
    let abs = amount.unsigned_abs();
    let scale = 10u64.pow(u32::from(exponent));
    push_grouped(&mut out, abs / scale);
    if exponent > 0 {
        use std::fmt::Write;
        let _ = write!(out, ".{:0width$}", abs % scale, width = usize::from(exponent));
    }
    out
}

/// Appends `1597291` as `1,597,291`: thousands separated by commas, as both languages
/// write money.
fn push_grouped(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = n;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for i in (0..len).rev() {
        out.push(char::from(digits[i]));
        if i > 0 && i % 3 == 0 {
            out.push(',');
        }
    }
}

/// Parses an amount typed in major units (`12.5`, `12.50`, `12`) into minor units of
/// `currency`; `None` if it is not such a number or has too many decimals.
pub fn parse_money(raw: &str, currency: &str) -> Option<i64> {
    let exponent = u32::from(Currency::parse("currency", currency).map_or(2, Currency::exponent));
    // What the pages show (`¥1,597.00`) may be typed back.
    let raw = raw.trim().trim_start_matches(['¥', '$', '€', '£']).replace(',', "");
    let raw = raw.as_str();
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > exponent as usize
        || whole.len() > 12
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let padded = format!("{fraction:0<width$}", width = exponent as usize);
    let fraction: i64 = if padded.is_empty() { 0 } else { padded.parse().ok()? };
    whole.checked_mul(10i64.pow(exponent))?.checked_add(fraction)
}

/// A moment as the page's reader writes it, in the shop's time zone (see [`time_in`]).
pub fn time(t: Timestamp) -> String {
    let (lang, zone) = PAGE_CLOCK
        .try_with(|c| (c.lang, c.zone.clone()))
        .unwrap_or((Lang::En, jiff::tz::TimeZone::UTC));
    time_in(t, lang, &zone)
}

/// `t` as `lang` writes a date and time, in `zone`: `2026-12-07 20:47` (the form Chinese
/// pages use) or `7 Dec 2026, 20:47`, with no-break spaces.
pub fn time_in(t: Timestamp, lang: Lang, zone: &jiff::tz::TimeZone) -> String {
    let Ok(at) = jiff::Timestamp::from_millisecond(t.millis()) else {
        return String::new();
    };
    let zoned = at.to_zoned(zone.clone());
    let written = match lang {
        Lang::Zh => zoned.strftime("%Y-%m-%d %H:%M").to_string(),
        Lang::En => zoned.strftime("%-d %b %Y, %H:%M").to_string(),
    };
    // No-break spaces: a narrow table column never breaks a moment over several lines.
    written.replace(' ', "\u{a0}")
}

/// The shop's time zone, for the page being made (UTC outside a page request).
pub fn shop_zone() -> jiff::tz::TimeZone {
    PAGE_CLOCK
        .try_with(|c| c.zone.clone())
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

/// What a page's times are written with: its language and the shop's time zone.
#[derive(Debug, Clone)]
pub struct PageClock {
    /// The page's language.
    pub lang: Lang,
    /// The shop's time zone.
    pub zone: jiff::tz::TimeZone,
}

tokio::task_local! {
    /// The clock of the page being made. The pages middleware sets it around each request,
    /// so [`time`] (called from every page's view code, often far from any [`Ctx`]) writes
    /// times in the page's language and the shop's zone without threading both through.
    pub static PAGE_CLOCK: PageClock;
}

/// A form field as typed, or `None` when it was left blank (optional fields).
pub fn nonblank(s: &str) -> Option<&str> {
    Some(s).filter(|s| !s.trim().is_empty())
}

/// Field errors of a form, shown next to their fields.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// The message for `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Messages for fields the form does not show (e.g. a conflict).
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|e| !shown.contains(&e.field.as_str()))
            .map(|e| e.message.clone())
            .collect()
    }

    /// One error.
    pub fn one(field: &str, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, message)])
    }

    /// The same errors in `lang` (the shared rules word them in English).
    pub fn localized(mut self, lang: Lang) -> Self {
        for e in &mut self.0 {
            e.message = super::i18n::localize(lang, &e.message);
        }
        self
    }
}

/// Turns a failed action into field errors to show on the form again, or into an error
/// page when it is not about the form's input.
pub fn form_errors(e: AppError, lang: Lang) -> Result<FieldErrors, WebError> {
    let errors = match e {
        AppError::Invalid(errors) | AppError::Unprocessable { errors, .. } => FieldErrors(errors),
        AppError::Malformed {
            detail,
            field: Some(field),
        } => FieldErrors::one(&field, detail),
        AppError::Conflict { detail, .. } => FieldErrors::one("form", detail),
        AppError::TooLarge { field, max_bytes } => {
            FieldErrors::one(field, format!("must be at most {} MiB", max_bytes / (1024 * 1024)))
        }
        other => return Err(WebError::App(other)),
    };
    Ok(errors.localized(lang))
}

/// [`form_errors`] for a refund of `order`: the use case words "too much" in minor units
/// (`must be between 1 and 290700`); people read what is left in money.
pub fn refund_errors(
    e: AppError,
    lang: Lang,
    order: &emporium_store::order_read::Order,
) -> Result<FieldErrors, WebError> {
    let mut errors = form_errors(e, Lang::En)?;
    for error in &mut errors.0 {
        if error.field == "amount" && error.message.starts_with("must be between 1 and") {
            let left = money(order.paid_amount - order.refunded_amount, &order.currency);
            error.message = format!("must be at most {left}, what is left to refund");
        }
    }
    Ok(errors.localized(lang))
}

/// Renders a template as an HTML response with `status`.
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => WebError::App(AppError::Internal(e.into())).into_response(),
    }
}

/// A 200 page.
pub fn page(page: &impl Template) -> Response {
    render(StatusCode::OK, page)
}

/// 303 See Other to `to` (Post/Redirect/Get).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Only a path on this site is followed after login (no open redirect); anything else
/// goes home.
///
/// A same-origin path starts with one `/` and holds only visible ASCII other than `\`.
/// The character rule is what makes the check sound: browsers drop tabs and newlines
/// from a URL and read `\` as `/`, so `/\t/evil.example` or `/\\evil.example` would
/// otherwise become `//evil.example`, another host; and a control character cannot go
/// into a `Location` header at all (it was a 500). Non-ASCII arrives percent-encoded
/// from a browser, so nothing legitimate is refused.
pub fn safe_next(next: Option<&str>) -> String {
    let same_origin =
        |n: &str| n.starts_with('/') && !n.starts_with("//") && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    match next {
        Some(n) if same_origin(n) => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum WebError {
    /// Not logged in: go to the login page, then back to this path.
    LoginRequired(String),
    /// Logged in, but not allowed (a customer on a staff page).
    Forbidden,
    /// A form without a valid CSRF token, or from another origin.
    Csrf,
    /// No such page or thing.
    NotFound,
    /// A malformed request.
    BadRequest(String),
    /// Anything a use case reported.
    App(AppError),
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}

impl From<emporium_store::StoreError> for WebError {
    fn from(e: emporium_store::StoreError) -> Self {
        Self::App(e.into())
    }
}

/// The status of the page that shows a use case's failure.
fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Malformed { .. } => StatusCode::BAD_REQUEST,
        AppError::Invalid(_) | AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Unauthenticated(_) | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
        AppError::Forbidden | AppError::NotAllowed(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable | AppError::StorageUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Path parameters of a page; a malformed one (`/orders/abc`) is the 404 page, as a
/// path that names nothing.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(WebError))]
pub struct Path<T>(pub T);

impl From<axum::extract::rejection::PathRejection> for WebError {
    fn from(_: axum::extract::rejection::PathRejection) -> Self {
        Self::NotFound
    }
}

/// A page's result.
pub type WebResult = Result<Response, WebError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title_en: &'static str,
    title_zh: &'static str,
    detail: String,
    /// The detail in Chinese where there is one, shown marked with its `lang`.
    detail_zh: &'static str,
}

/// What a refusal means, for the Chinese half of the error page (the use cases word their
/// details in English; the code says which refusal it is).
fn conflict_zh(code: &str) -> &'static str {
    match code {
        "invalid_transition" => "订单当前的状态不允许这一操作，请刷新页面查看最新状态。",
        "insufficient_stock" => "库存不足，请减少数量后再试。",
        "cart_empty" => "购物车是空的。",
        "product_unavailable" => "该商品已下架。",
        "refund_pending" => "这个订单有待处理的退款申请，请先处理。",
        "order_not_received" => "确认收货后才能申请退货。",
        "return_window_closed" => "已超过可申请退货的期限。",
        "provider_refused" => "支付机构拒绝了这笔交易，请换一种付款方式。",
        "idempotency_conflict" => "这个请求已经用于另一项操作，请刷新页面后重试。",
        "already_reviewed" => "这件商品在此订单中已评价过。",
        "mixed_currencies" => "购物车中的商品币种不同，无法一起结算。",
        "coupon_not_applicable" => "这张优惠券不适用于本订单。",
        "limit_reached" => "已达到数量上限。",
        _ => "",
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title_en, title_zh, detail, detail_zh) = match self {
            Self::LoginRequired(next) => {
                let to = format!("/login?next={}", urlencode(&next));
                return Redirect::to(&to).into_response();
            }
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "Staff only",
                "仅限工作人员",
                "This page needs a permission your account does not hold.".to_owned(),
                "您的账号没有访问此页面的权限。",
            ),
            Self::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired or came from another site",
                "表单已过期或来自其他网站",
                "Go back, reload the page and try again.".to_owned(),
                "请返回并刷新页面后重试。",
            ),
            Self::NotFound => (StatusCode::NOT_FOUND, "Page not found", "页面不存在", String::new(), ""),
            Self::BadRequest(detail) => (StatusCode::BAD_REQUEST, "Bad request", "请求有误", detail, ""),
            Self::App(e) => {
                let status = status_of(&e);
                let mut detail_zh = "";
                let detail = match e {
                    // Logged once, here; the visitor sees no internals.
                    AppError::Internal(cause) => {
                        tracing::error!(error = ?cause, "internal error on a page");
                        String::new()
                    }
                    AppError::StorageUnavailable(cause) => {
                        tracing::error!(error = %cause, "media storage unavailable on a page");
                        detail_zh = "图片存储暂时无法访问，请稍后重试。";
                        "The image storage cannot be reached; try again later.".to_owned()
                    }
                    AppError::Invalid(errors) | AppError::Unprocessable { errors, .. } => {
                        errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
                    }
                    AppError::Conflict { code, detail } => {
                        detail_zh = conflict_zh(code);
                        detail
                    }
                    other => other.to_string(),
                };
                let (en, zh) = match status {
                    StatusCode::NOT_FOUND => ("Not found", "找不到该内容"),
                    StatusCode::CONFLICT => ("That cannot be done now", "当前无法执行该操作"),
                    StatusCode::TOO_MANY_REQUESTS => ("Too many attempts", "尝试次数过多"),
                    StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => ("Invalid input", "输入有误"),
                    StatusCode::SERVICE_UNAVAILABLE => ("Temporarily unavailable", "服务暂时不可用"),
                    _ => ("Something went wrong", "出错了"),
                };
                (status, en, zh, detail, detail_zh)
            }
        };
        render(
            status,
            &ErrorPage {
                status: status.as_u16(),
                title_en,
                title_zh,
                detail,
                detail_zh,
            },
        )
    }
}

/// The HTML 404 page for a path no route serves.
pub fn not_found() -> Response {
    WebError::NotFound.into_response()
}

/// Percent-encodes a query value.
pub fn urlencode(value: &str) -> String {
    // As `application/x-www-form-urlencoded` writes a value (what serde_urlencoded does):
    // letters, digits and `*-._` as they are, a space as `+`, every other byte as `%XX`.
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
    out
}

/// A form post from a page: the visitor and the parsed fields, after the CSRF checks (a
/// foreign `Origin`, or a missing or wrong `csrf` field, is a 403 page). Fields are read
/// leniently (every field a string), so a malformed value becomes a field error shown on
/// the form rather than a rejection.
#[derive(Debug)]
pub struct Posted<T> {
    /// Who posted.
    pub visitor: Visitor,
    /// The form's fields.
    pub form: T,
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Posted<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        if csrf::is_cross_origin(&parts.headers, &state.config().public_url) {
            return Err(WebError::Csrf);
        }
        let visitor = Visitor::from_request_parts(&mut parts, state).await?;
        let anon = cookie(&parts.headers, ANON_COOKIE).unwrap_or_default();
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|r| WebError::BadRequest(r.body_text()))?;
        let sent: CsrfField = if is_form {
            serde_urlencoded::from_bytes(&bytes).map_err(|_| WebError::Csrf)?
        } else {
            return Err(WebError::Csrf);
        };
        if !csrf::verify(state, visitor.session.as_ref().map(|s| s.id), &anon, &sent.csrf) {
            return Err(WebError::Csrf);
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|e| WebError::BadRequest(e.to_string()))?;
        Ok(Self { visitor, form })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_symbols_and_minor_units() {
        assert_eq!(money(1250, "CNY"), "¥12.50");
        assert_eq!(money(300, "USD"), "$3.00");
        assert_eq!(money(5, "EUR"), "€0.05");
        assert_eq!(money(500, "JPY"), "¥500");
        assert_eq!(money(1234, "KWD"), "KWD 1.234");
        assert_eq!(money(-199, "CNY"), "-¥1.99");
        assert_eq!(money(99_900, "CNY"), "¥999.00");
        assert_eq!(money(100_000, "CNY"), "¥1,000.00");
        assert_eq!(money(159_729_100, "CNY"), "¥1,597,291.00");
        assert_eq!(money(100_000, "JPY"), "¥100,000");
        assert_eq!(money(7, "CNY"), "¥0.07");
        assert_eq!(money(i64::MIN, "CNY"), "-¥92,233,720,368,547,758.08");
        assert_eq!(money(-123_456_789, "USD"), "-$1,234,567.89");
    }

    #[test]
    fn typed_amounts_become_minor_units() {
        assert_eq!(parse_money("12.5", "CNY"), Some(1250));
        assert_eq!(parse_money("¥12.50", "CNY"), Some(1250));
        assert_eq!(parse_money("¥1,597.00", "CNY"), Some(159_700));
        assert_eq!(parse_money("12", "CNY"), Some(1200));
        assert_eq!(parse_money("500", "JPY"), Some(500));
        assert_eq!(parse_money("5.5", "JPY"), None);
        assert_eq!(parse_money("1.234", "CNY"), None);
        assert_eq!(parse_money("abc", "CNY"), None);
        assert_eq!(parse_money("", "CNY"), None);
        assert_eq!(parse_money("-3", "CNY"), None);
    }

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/cart")), "/cart");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/orders\n")), "/");
        assert_eq!(
            safe_next(Some("/products?q=%E8%8C%B6&page=2")),
            "/products?q=%E8%8C%B6&page=2"
        );
        assert_eq!(safe_next(None), "/");
    }

    proptest::proptest! {
        /// The hand-written encoder writes what a form encoder would.
        #[test]
        fn urlencode_writes_a_value_as_forms_do(value in proptest::prelude::any::<String>()) {
            let form = serde_urlencoded::to_string([("v", value.as_str())]).unwrap();
            proptest::prop_assert_eq!(format!("v={}", urlencode(&value)), form);
        }

        /// Whatever arrives, the answer is a valid `Location` header that a browser
        /// resolves to this site: the whole class of open redirects and header 500s.
        #[test]
        fn any_next_stays_on_this_site(next in proptest::prelude::any::<String>(), tail in "[ -~\t\n\r]{0,12}") {
            for candidate in [next.clone(), format!("/{tail}"), format!("/{next}")] {
                let target = safe_next(Some(&candidate));
                proptest::prop_assert!(axum::http::HeaderValue::from_str(&target).is_ok());
                // As a browser reads it: tabs and newlines dropped, `\` taken for `/`.
                let read: String = target.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).map(|c| if c == '\\' { '/' } else { c }).collect();
                proptest::prop_assert!(read.starts_with('/') && !read.starts_with("//"), "{candidate:?} -> {target:?}");
            }
        }
    }

    #[test]
    fn the_language_switch_keeps_the_query() {
        assert_eq!(
            with_query("/products?q=tea&lang=en", "lang", "zh"),
            "/products?q=tea&lang=zh"
        );
        assert_eq!(with_query("/", "lang", "en"), "/?lang=en");
    }
}
