//! The web pages without a browser: CSRF refusals, who may see the staff pages, escaping
//! of user text, the cookie's flags, the login throttle, the language switch, HTML 404s,
//! and a whole purchase through the forms.

use std::collections::BTreeMap;

use reqwest::{StatusCode, header};

use crate::app_test;
use crate::support::{NewProduct, TestApp};

/// A minimal browser: keeps cookies, does not follow redirects, reads CSRF tokens.
pub struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookies: BTreeMap<String, String>,
    /// Extra headers sent with every request.
    headers: Vec<(&'static str, String)>,
}

/// A page as the test sees it.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Page {
    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let start = self.body.find(marker).expect("a form with a csrf field") + marker.len();
        self.body[start..].split('"').next().expect("token").to_owned()
    }
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: BTreeMap::new(),
            headers: vec![("accept", "text/html".into())],
        }
    }

    /// The value of cookie `name` the browser keeps, if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.get(name).cloned()
    }

    /// Sends `Accept-Language: value` with every request from now on.
    pub fn accept_language(&mut self, value: &str) {
        self.headers.push(("accept-language", value.to_owned()));
    }

    /// Keeps cookie `name` (as another browser that was handed it would).
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, response: reqwest::Response) -> Page {
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let set_cookies: Vec<String> = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        for c in &set_cookies {
            let pair = c.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || c.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        Page {
            status,
            location,
            set_cookies,
            body: response.text().await.expect("body"),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let mut req = self
            .app
            .request(reqwest::Method::GET, path)
            .header(header::COOKIE, self.cookie_header());
        for (k, v) in &self.headers {
            req = req.header(*k, v);
        }
        let response = self.client.execute(req.build().expect("request")).await.expect("sent");
        self.finish(response).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(form).expect("form");
        let mut req = self
            .app
            .request(reqwest::Method::POST, path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        for (k, v) in &self.headers {
            req = req.header(*k, v);
        }
        let response = self.client.execute(req.build().expect("request")).await.expect("sent");
        self.finish(response).await
    }

    /// Posts a `multipart/form-data` form (an upload) of `(name, filename, bytes)` parts.
    pub async fn post_multipart(&mut self, path: &str, parts: &[(&str, Option<&str>, Vec<u8>)]) -> Page {
        let (content_type, body) = crate::support::multipart(parts);
        let mut req = self
            .app
            .request(reqwest::Method::POST, path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, content_type)
            .body(body);
        for (k, v) in &self.headers {
            req = req.header(*k, v);
        }
        let response = self.client.execute(req.build().expect("request")).await.expect("sent");
        self.finish(response).await
    }

    /// Fetches `page` for a fresh token, then posts `form` with it to `action`.
    pub async fn submit(&mut self, page: &str, action: &str, form: &[(&str, &str)]) -> Page {
        let csrf = self.get(page).await.csrf();
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend_from_slice(form);
        self.post(action, &fields).await
    }

    /// A browser logged in through the login page as `username`.
    pub async fn logged_in(app: &'a TestApp, username: &str, password: &str) -> Self {
        let mut browser = Self::new(app);
        let login = browser
            .submit("/login", "/login", &[("username", username), ("password", password)])
            .await;
        assert_eq!(login.status, StatusCode::SEE_OTHER);
        browser
    }

    /// Registers through the page (which logs in).
    pub async fn register(&mut self, username: &str) -> Page {
        self.submit(
            "/register",
            "/register",
            &[("username", username), ("password", "password123"), ("next", "/")],
        )
        .await
    }
}

/// A product at 12.50 in Tea, created by staff through the API; answers its id.
pub async fn product(app: &TestApp, staff: &str, name: &str, stock: i64) -> i64 {
    let product = NewProduct::new(name, 1250).in_category("Tea").stocked(stock, 500);
    app.create_product(staff, product).await
}

async fn forms_without_a_valid_csrf_token_or_from_another_origin_are_refused(app: TestApp) {
    let mut browser = Browser::new(&app);
    browser.register("alice").await;
    let page = browser.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    // No token, a wrong token, another visitor's token: all 403, nothing changes.
    assert_eq!(
        browser
            .post("/account/profile", &[("display_name", "Mallory")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        browser
            .post("/account/profile", &[("csrf", "00ff"), ("display_name", "Mallory")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut other = Browser::new(&app);
    let foreign_token = other.get("/login").await.csrf();
    assert_eq!(
        browser
            .post(
                "/account/profile",
                &[("csrf", &foreign_token), ("display_name", "Mallory")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The right token from another origin is refused too.
    let csrf = page.csrf();
    browser.headers.push(("origin", "http://evil.example".into()));
    assert_eq!(
        browser
            .post("/account/profile", &[("csrf", &csrf), ("display_name", "Mallory")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    browser.headers.pop();
    // Logging out without a token is refused as well.
    assert_eq!(browser.post("/logout", &[]).await.status, StatusCode::FORBIDDEN);
    assert!(!browser.get("/account").await.body.contains("Mallory"));
    // With its token and from the same origin, the change goes through.
    let origin = format!("http://{}", app.addr);
    browser.headers.push(("origin", origin));
    let done = browser
        .post("/account/profile", &[("csrf", &csrf), ("display_name", "Alice")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(browser.get("/account").await.body.contains(r#"value="Alice""#));
}
app_test!(forms_without_a_valid_csrf_token_or_from_another_origin_are_refused);

async fn staff_pages_redirect_visitors_and_refuse_customers(app: TestApp) {
    let mut visitor = Browser::new(&app);
    let page = visitor.get("/admin/orders").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/login?next=%2Fadmin%2Forders"));
    let mut customer = Browser::new(&app);
    customer.register("bob").await;
    assert_eq!(customer.get("/admin").await.status, StatusCode::FORBIDDEN);
    assert_eq!(customer.get("/admin/refunds").await.status, StatusCode::FORBIDDEN);
    app.staff("boss").await;
    let mut staff = Browser::new(&app);
    let logged_in = staff
        .submit(
            "/login",
            "/login",
            &[("username", "boss"), ("password", "staff-password"), ("next", "/admin")],
        )
        .await;
    assert_eq!(logged_in.location.as_deref(), Some("/admin"));
    let dashboard = staff.get("/admin").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(
        dashboard.body.contains(r#"id="chart-money""#),
        "the dashboard draws its chart"
    );
}
app_test!(staff_pages_redirect_visitors_and_refuse_customers);

async fn user_text_is_escaped_everywhere(app: TestApp) {
    let staff = app.staff("boss").await;
    let id = product(&app, &staff, "<script>alert(1)</script>", 5).await;
    app.catch_up_search().await;
    let mut browser = Browser::new(&app);
    for path in [
        format!("/products/{id}"),
        "/".to_owned(),
        "/products?q=script".to_owned(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("<script>alert(1)"), "{path} must escape the name");
    }
    assert!(
        browser
            .get(&format!("/products/{id}"))
            .await
            .body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
    );
    // A search for markup comes back escaped too.
    let page = browser
        .get("/products?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
        .await;
    assert!(!page.body.contains("<img src=x"));
}
app_test!(user_text_is_escaped_everywhere);

async fn the_session_cookie_is_http_only_lax_and_secure_under_tls(app: TestApp) {
    let mut browser = Browser::new(&app);
    let page = browser.register("carol").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let session = page
        .set_cookies
        .iter()
        .find(|c| c.starts_with("emporium_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Path=/"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "plain HTTP: {session}");
    // Behind a TLS-terminating proxy the cookie is Secure.
    let mut tls = Browser::new(&app);
    tls.headers.push(("x-forwarded-proto", "https".into()));
    let page = tls
        .submit(
            "/login",
            "/login",
            &[("username", "carol"), ("password", "password123")],
        )
        .await;
    let session = page
        .set_cookies
        .iter()
        .find(|c| c.starts_with("emporium_session="))
        .expect("session cookie");
    assert!(session.contains("Secure") && session.contains("HttpOnly"), "{session}");
    // The cookie's token is an API session: logging out through the page ends it.
    let token = tls.cookies["emporium_session"].clone();
    assert_eq!(
        app.send(reqwest::Method::GET, "/api/v1/me", Some(&token), None)
            .await
            .status(),
        StatusCode::OK
    );
    let out = tls.submit("/account", "/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.send(reqwest::Method::GET, "/api/v1/me", Some(&token), None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}
app_test!(the_session_cookie_is_http_only_lax_and_secure_under_tls);

async fn page_logins_are_throttled_like_the_api(app: TestApp) {
    app.customer("dave").await;
    let mut browser = Browser::new(&app);
    for _ in 0..10 {
        let page = browser
            .submit(
                "/login",
                "/login",
                &[("username", "dave"), ("password", "wrong-password")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert!(page.body.contains("Wrong username or password."));
    }
    let page = browser
        .submit("/login", "/login", &[("username", "dave"), ("password", "password123")])
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    // The API sees the same lock.
    assert_eq!(
        app.login("dave", "password123").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}
app_test!(page_logins_are_throttled_like_the_api);

async fn after_login_only_a_path_on_this_site_is_followed(app: TestApp) {
    app.customer("nina").await;
    for (next, expected) in [
        ("/orders", "/orders"),
        ("/\n", "/"),
        ("/\t/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
    ] {
        let mut browser = Browser::new(&app);
        let form = browser.get(&format!("/login?next={}", urlencode(next))).await;
        assert_eq!(form.status, StatusCode::OK, "{next:?}");
        let fields = [
            ("csrf", form.csrf()),
            ("username", "nina".to_owned()),
            ("password", "password123".to_owned()),
            ("next", next.to_owned()),
        ];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = browser.post("/login", &fields).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(page.location.as_deref(), Some(expected), "{next:?}");
    }
}
app_test!(after_login_only_a_path_on_this_site_is_followed);

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)]).expect("encoded")[1..].to_owned()
}

async fn language_follows_the_switch_then_accept_language(app: TestApp) {
    let mut browser = Browser::new(&app);
    browser.headers.push(("accept-language", "zh-CN,zh;q=0.9".into()));
    let page = browser.get("/").await;
    assert!(page.body.contains(r#"<html lang="zh-CN">"#) && page.body.contains("购物车"));
    let switched = browser.get("/products?q=tea&lang=en").await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(switched.location.as_deref(), Some("/products?q=tea"));
    let page = browser.get("/").await;
    assert!(page.body.contains(r#"<html lang="en">"#) && page.body.contains("Cart"));
    assert!(
        page.body.contains(r#"href="/?lang=zh""#),
        "the switch offers the other language"
    );
    // Field errors follow the page's language too.
    browser.get("/?lang=zh").await;
    let page = browser
        .submit(
            "/register",
            "/register",
            &[("username", "zhang"), ("password", "short")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("至少需要 8 字节"), "the password error in Chinese");
}
app_test!(language_follows_the_switch_then_accept_language);

async fn unknown_pages_are_html_for_browsers_and_problems_for_the_api(app: TestApp) {
    let mut browser = Browser::new(&app);
    let page = browser.get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Page not found") && page.body.contains("页面不存在"));
    let page = browser.get("/products/999999").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let api = app.send(reqwest::Method::GET, "/api/v1/nothing", None, None).await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
}
app_test!(unknown_pages_are_html_for_browsers_and_problems_for_the_api);

async fn a_purchase_through_the_forms(app: TestApp) {
    let staff = app.staff("boss").await;
    let id = product(&app, &staff, "Longjing 龙井", 3).await;
    let mut browser = Browser::new(&app);
    browser.register("erin").await;
    // A bad quantity is shown next to its field.
    let page = browser
        .submit(
            &format!("/products/{id}"),
            &format!("/cart/items/{id}"),
            &[("quantity", "abc"), ("mode", "add")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains(r#"id="e-quantity""#));
    let added = browser
        .submit(
            &format!("/products/{id}"),
            &format!("/cart/items/{id}"),
            &[("quantity", "2"), ("mode", "add")],
        )
        .await;
    assert_eq!(added.location.as_deref(), Some("/cart?added=1"));
    assert!(browser.get("/cart").await.body.contains("¥25.00"));
    // A bad address re-renders the checkout with the errors; a good one is kept.
    let bad = browser
        .submit(
            "/checkout",
            "/account/addresses",
            &[("next", "/checkout"), ("recipient", ""), ("country", "CN")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains(r#"id="e-recipient""#));
    let saved = browser
        .submit(
            "/checkout",
            "/account/addresses",
            &[
                ("next", "/checkout"),
                ("recipient", "王小明"),
                ("phone", "13800138000"),
                ("line1", "建国路 88 号"),
                ("city", "北京"),
                ("country", "CN"),
            ],
        )
        .await;
    assert_eq!(saved.location.as_deref(), Some("/checkout"));
    let checkout = browser.get("/checkout").await;
    let address_id = checkout
        .body
        .split(r#"name="address_id" id="addr-"#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("address")
        .to_owned();
    let nonce = checkout
        .body
        .split(r#"name="nonce" value=""#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("nonce")
        .to_owned();
    let form = [("csrf", checkout.csrf()), ("nonce", nonce), ("address_id", address_id)];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let placed = browser.post("/checkout", &form).await;
    let order_path = placed.location.clone().expect("redirect to the order");
    assert!(order_path.starts_with("/orders/"));
    // Submitting the same form twice places one order.
    assert_eq!(
        browser.post("/checkout", &form).await.location.as_deref(),
        Some(order_path.as_str())
    );
    let order = browser.get(&order_path).await;
    assert!(order.body.contains(r#"data-status="pending_payment""#) && order.body.contains("¥25.00"));
    // A move the order cannot make now is a friendly 409 page, never a 5xx.
    let early = browser.submit(&order_path, &format!("{order_path}/confirm"), &[]).await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(early.body.contains("That cannot be done now"));
    assert!(
        early.body.contains("订单当前的状态不允许这一操作"),
        "the refusal in Chinese too"
    );
    let pay = browser.submit(&order_path, &format!("{order_path}/pay"), &[]).await;
    assert!(
        pay.location.as_deref().is_some_and(|l| l.starts_with("/sandbox/pay/")),
        "{:?}",
        pay.location
    );
    // Another customer cannot see it.
    let mut other = Browser::new(&app);
    other.register("frank").await;
    assert_eq!(other.get(&order_path).await.status, StatusCode::NOT_FOUND);
}
app_test!(a_purchase_through_the_forms);

async fn staff_create_edit_stock_and_archive_products_from_the_pages(app: TestApp) {
    app.staff("boss").await;
    let mut staff = Browser::new(&app);
    staff
        .submit(
            "/login",
            "/login",
            &[("username", "boss"), ("password", "staff-password")],
        )
        .await;
    // Bad input is shown next to each field, and nothing is created.
    let bad = staff
        .submit(
            "/admin/products/new",
            "/admin/products",
            &[
                ("name", ""),
                ("price", "12.345"),
                ("currency", "CNY"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains(r#"id="e-price""#), "price error shown");
    let created = staff
        .submit(
            "/admin/products/new",
            "/admin/products",
            &[
                ("name", "Pu'er 普洱 <b>"),
                ("price", "88.5"),
                ("currency", "CNY"),
                ("category", "Tea"),
                ("status", "active"),
                ("initial_quantity", "4"),
                ("initial_unit_cost", "30"),
            ],
        )
        .await;
    let to = created.location.clone().expect("to the product's page");
    // The product's page, saying it was created.
    let page = staff.get(&to).await;
    assert!(page.body.contains("Product created."));
    let path = to.trim_end_matches("?done=created").to_owned();
    assert!(
        page.body.contains(r#"value="88.50""#),
        "the price is shown in major units"
    );
    assert!(page.body.contains(r#"<span id="stock-available">4</span>"#));
    assert!(
        page.body.contains("普洱 &#60;b&#62;") && !page.body.contains("普洱 <b>"),
        "the name is escaped"
    );
    // Receiving stock: a bad quantity is named; a good lot adds to the stock.
    let bad_lot = staff
        .submit(
            &path,
            &format!("{path}/lots"),
            &[("quantity", "many"), ("unit_cost", "31")],
        )
        .await;
    assert_eq!(bad_lot.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_lot.body.contains(r#"id="e-quantity""#));
    staff
        .submit(
            &path,
            &format!("{path}/lots"),
            &[("quantity", "6"), ("unit_cost", "31.00"), ("note", "batch 2")],
        )
        .await;
    assert!(
        staff
            .get(&path)
            .await
            .body
            .contains(r#"<span id="stock-available">10</span>"#)
    );
    // Editing, then archiving: customers no longer see it.
    let edited = staff
        .submit(
            &path,
            &path,
            &[
                ("name", "Pu'er 普洱"),
                ("price", "90"),
                ("currency", "CNY"),
                ("category", "Tea"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER);
    let id = path.trim_start_matches("/admin/products/");
    let mut visitor = Browser::new(&app);
    assert!(visitor.get(&format!("/products/{id}")).await.body.contains("¥90.00"));
    staff
        .submit(&path, &format!("{path}/archive"), &[("confirmed", "1")])
        .await;
    assert_eq!(
        visitor.get(&format!("/products/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        staff.get("/admin/inventory").await.body.contains("¥306.00"),
        "4 × 30 + 6 × 31 on hand"
    );
}
app_test!(staff_create_edit_stock_and_archive_products_from_the_pages);

async fn reviews_and_recommendations_on_the_pages(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = product(&app, &staff, "Longjing 龙井", 10).await;
    let cup = product(&app, &staff, "Teacup 茶杯", 10).await;
    // Another buyer bought both, so the cup is "also bought" with the tea.
    let other = app.customer("olga").await;
    let home = app.add_address(&other).await;
    app.paid_order(&other, home, &[(tea, 1), (cup, 1)]).await;
    let erin = app.customer("erin").await;
    let home = app.add_address(&erin).await;
    let order = app.paid_order(&erin, home, &[(tea, 1)]).await;
    let mut browser = Browser::new(&app);
    browser
        .submit("/login", "/login", &[("username", "erin"), ("password", "password123")])
        .await;
    let order_path = format!("/orders/{order}");
    assert!(
        !browser.get(&order_path).await.body.contains("submit-review-"),
        "no review form before receipt"
    );
    app.deliver(&staff, &erin, order).await;

    // A bad rating is shown next to its field, and what was typed is kept.
    let action = format!("{order_path}/reviews/{tea}");
    let bad = browser
        .submit(&order_path, &action, &[("rating", "6"), ("body", "typed text")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("must be a whole number from 1 to 5") && bad.body.contains(">typed text</textarea>"),
        "{}",
        bad.body
    );
    let posted = browser
        .submit(
            &order_path,
            &action,
            &[("rating", "4"), ("body", "<script>alert(1)</script> 好茶")],
        )
        .await;
    assert_eq!(
        posted.location.as_deref(),
        Some(format!("{order_path}#review-{tea}").as_str())
    );
    assert!(browser.get(&order_path).await.body.contains("✓ Reviewed"));
    let again = browser.submit(&order_path, &action, &[("rating", "1")]).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a second review is refused on the page"
    );

    // The product page shows it escaped, with the new average.
    let page = browser.get(&format!("/products/{tea}")).await;
    let shown = page
        .body
        .split(r#"class="pre-line">"#)
        .last()
        .and_then(|s| s.split("</p>").next())
        .unwrap_or_default();
    assert!(
        shown.contains("好茶") && !page.body.contains("<script>alert(1)"),
        "{shown}"
    );
    assert!(
        page.body.contains(
            r#"class="stars s-8" role="img" aria-label="Rating 4.0/5"></span> 4.0 <span class="muted">(1)</span>"#
        ),
        "a star bar filled to 4 of 5, the average and the count"
    );
    assert!(!page.body.contains(r#"id="also-bought""#), "no model yet");
    emporium_app::recommendations::refresh(&app.state).await.unwrap();
    let page = browser.get(&format!("/products/{tea}")).await;
    let also = page
        .body
        .split(r#"id="also-bought""#)
        .nth(1)
        .expect("also bought shown");
    assert!(also.contains(&format!("/products/{cup}")));
    // Home: erin has history, so the list is personal and leaves out what she bought.
    let home_page = browser.get("/").await;
    let recommended = home_page
        .body
        .split(r#"id="rec-h""#)
        .nth(1)
        .expect("recommendations shown");
    assert!(
        recommended.starts_with(">Recommended for you<")
            && recommended
                .split("</section>")
                .next()
                .unwrap()
                .contains(&format!("/products/{cup}\"")),
        "{recommended}"
    );

    // Staff hide the review from the product page; shoppers no longer see it.
    let mut boss = Browser::new(&app);
    boss.submit(
        "/login",
        "/login",
        &[("username", "boss"), ("password", "staff-password")],
    )
    .await;
    let review_id = page
        .body
        .split(r#"id="review-"#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let hidden = boss
        .submit(
            &format!("/products/{tea}"),
            &format!("/admin/reviews/{review_id}"),
            &[("hidden", "true")],
        )
        .await;
    assert_eq!(hidden.status, StatusCode::SEE_OTHER);
    assert!(!browser.get(&format!("/products/{tea}")).await.body.contains("好茶"));
    assert!(
        boss.get(&format!("/products/{tea}"))
            .await
            .body
            .contains("Hidden by staff")
    );
    // Customers cannot moderate.
    let refused = browser
        .submit(
            &format!("/products/{tea}"),
            &format!("/admin/reviews/{review_id}"),
            &[("hidden", "false")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    app.assert_clean().await;
}
app_test!(reviews_and_recommendations_on_the_pages);

async fn staff_build_the_category_tree_from_the_admin_page(app: TestApp) {
    let staff_token = app.staff("boss").await;
    app.create_product(
        &staff_token,
        NewProduct::new("龙井 Longjing", 12_800).in_category("Tea"),
    )
    .await;
    let mut staff = Browser::new(&app);
    staff
        .submit(
            "/login",
            "/login",
            &[("username", "boss"), ("password", "staff-password")],
        )
        .await;
    let page = staff.get("/admin/categories").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"categories-table\""));
    let added = staff
        .submit(
            "/admin/categories",
            "/admin/categories",
            &[
                ("name", "饮品"),
                ("name_en", "Drinks"),
                ("slug", "drinks"),
                ("parent_id", ""),
                ("position", ""),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let tree = app.get_json("/api/v1/categories", Some(&staff_token)).await;
    let drinks = tree["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slug"] == "drinks")
        .unwrap()
        .clone();
    let tea = tree["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Tea")
        .unwrap()
        .clone();
    // Tea moves under the drinks; a bad slug is shown back, nothing changed.
    let moved = staff
        .submit(
            "/admin/categories",
            &format!("/admin/categories/{}", tea["id"]),
            &[
                ("name", "Tea"),
                ("name_en", ""),
                ("slug", "tea"),
                ("parent_id", &drinks["id"].to_string()),
                ("position", "0"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    let refused = staff
        .submit(
            "/admin/categories",
            &format!("/admin/categories/{}", drinks["id"]),
            &[
                ("name", "饮品"),
                ("name_en", "Drinks"),
                ("slug", "Not a slug"),
                ("parent_id", ""),
                ("position", "0"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = app.get_json("/api/v1/products?category=drinks", None).await;
    assert_eq!(
        page["data"].as_array().unwrap().len(),
        1,
        "the tea is under the drinks now"
    );
    let shop = Browser::new(&app).get("/products").await;
    assert!(shop.body.contains("— Tea"), "the filter shows the tree");
    app.assert_clean().await;
}
app_test!(staff_build_the_category_tree_from_the_admin_page);

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    }))
    .write_to(&mut out, image::ImageFormat::Png)
    .unwrap();
    out.into_inner()
}

async fn staff_upload_label_and_remove_images_on_the_product_page(app: TestApp) {
    let staff = app.staff("boss").await;
    let id = product(&app, &staff, "Celadon cup 青瓷杯", 5).await;
    let mut browser = Browser::new(&app);
    let login = browser
        .submit(
            "/login",
            "/login",
            &[("username", "boss"), ("password", "staff-password"), ("next", "/admin")],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    let edit = format!("/admin/products/{id}");
    let action = format!("/admin/products/{id}/images");
    let page = browser.get(&edit).await;
    assert!(page.body.contains(r#"enctype="multipart/form-data""#), "an upload form");
    let csrf = page.csrf();

    // Without the token (a part of the form): refused, nothing written.
    let refused = browser
        .post_multipart(&action, &[("file", Some("cup.png"), png(900, 600))])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(app.media_files().is_empty());
    // Not a picture: the form again with the message beside the file field.
    let bad = browser
        .post_multipart(
            &action,
            &[
                ("csrf", None, csrf.clone().into_bytes()),
                ("file", Some("cup.png"), b"not a picture".to_vec()),
                ("alt", None, "Green cup".as_bytes().to_vec()),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("must be a JPEG, PNG or WebP image"), "{}", bad.body);
    assert!(bad.body.contains(r#"value="Green cup""#), "the alt text typed is kept");
    assert!(app.media_files().is_empty());

    let done = browser
        .post_multipart(
            &action,
            &[
                ("csrf", None, csrf.clone().into_bytes()),
                ("file", Some("cup.png"), png(900, 600)),
                ("alt", None, "青瓷杯 celadon cup".as_bytes().to_vec()),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some(format!("{edit}#images").as_str()));
    let listed = browser.get(&edit).await;
    assert!(listed.body.contains("青瓷杯 celadon cup"), "listed with its alt text");
    let shown = app.get_json(&format!("/api/v1/products/{id}"), None).await;
    let url = shown["images"][0].as_str().unwrap().to_owned();

    // The shop: the product page shows the large size with srcset and the alt text; the
    // cards the medium.
    let product_page = browser.get(&format!("/products/{id}")).await;
    assert!(
        product_page.body.contains(&format!(r#"src="{url}/large""#))
            && product_page.body.contains(&format!("{url}/medium 800w"))
            && product_page.body.contains(r#"alt="青瓷杯 celadon cup""#),
        "{}",
        product_page.body
    );
    let listing = browser.get("/products").await;
    assert!(
        listing.body.contains(&format!(r#"src="{url}/medium""#)),
        "{}",
        listing.body
    );

    // Saving the product form keeps the alt text (the textarea holds "url alt").
    let form = browser.get(&edit).await;
    assert!(
        form.body.contains(&format!("{url} 青瓷杯 celadon cup")),
        "{}",
        form.body
    );

    // Remove it.
    let removed = browser
        .post(
            &format!("{action}/remove"),
            &[("csrf", csrf.as_str()), ("url", url.as_str())],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let shown = app.get_json(&format!("/api/v1/products/{id}"), None).await;
    assert_eq!(shown["images"], serde_json::json!([]));
}
app_test!(staff_upload_label_and_remove_images_on_the_product_page);
