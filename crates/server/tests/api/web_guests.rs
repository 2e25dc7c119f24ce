//! Shopping without an account through the pages: the guest cart on its cookie, its merge
//! at login and registration, guest checkout, the order's link (and nobody else's token
//! opening it), paying from the link, and finding an order by number and email.

use reqwest::StatusCode;

use crate::app_test;
use crate::support::TestApp;
use crate::web::{Browser, Page, product};

/// Adds `quantity` of product `id` from its page; answers the response.
async fn add_to_cart(browser: &mut Browser<'_>, id: i64, quantity: &str) -> Page {
    browser
        .submit(
            &format!("/products/{id}"),
            &format!("/cart/items/{id}"),
            &[("quantity", quantity), ("mode", "add")],
        )
        .await
}

/// The value of the hidden field or input `name` on the page.
fn field(page: &Page, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    page.body
        .split(&marker)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no {name} field"))
        .to_owned()
}

/// The guest checkout form, filled in: email, address, and what `more` adds or changes.
async fn check_out_as_guest(browser: &mut Browser<'_>, email: &str, more: &[(&str, &str)]) -> Page {
    let checkout = browser.get("/checkout").await;
    assert_eq!(checkout.status, StatusCode::OK, "{}", checkout.body);
    let (csrf, nonce) = (checkout.csrf(), field(&checkout, "nonce"));
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("nonce", nonce.as_str()),
        ("email", email),
        ("recipient", "李雷"),
        ("phone", "13800138000"),
        ("line1", "中山路 1 号"),
        ("city", "上海"),
        ("country", "CN"),
    ];
    form.retain(|(k, _)| !more.iter().any(|(m, _)| m == k));
    form.extend_from_slice(more);
    browser.post("/checkout/guest", &form).await
}

/// The cart page's subtotal cell.
fn subtotal(page: &Page) -> String {
    page.body
        .split(r#"id="cart-subtotal">"#)
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or("")
        .to_owned()
}

async fn a_visitor_fills_a_guest_cart_that_survives_a_restart_and_is_no_login(app: TestApp) {
    let staff = app.staff("boss").await;
    let id = product(&app, &staff, "Longjing 龙井", 5).await;
    let mut guest = Browser::new(&app);
    // The cart page before anything: empty, no login asked.
    let empty = guest.get("/cart").await;
    assert_eq!(empty.status, StatusCode::OK);
    let added = add_to_cart(&mut guest, id, "2").await;
    assert_eq!(added.location.as_deref(), Some("/cart?added=1"));
    let cookie = added
        .set_cookies
        .iter()
        .find(|c| c.starts_with("emporium_cart="))
        .expect("the cart cookie");
    let ttl = app.state.config().guest_cart_ttl.as_secs();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains(&format!("Max-Age={ttl}"))
            && !cookie.contains("Secure"),
        "{cookie}"
    );
    let cart = guest.get("/cart").await;
    assert_eq!(subtotal(&cart), "¥25.00");
    assert!(!cart.body.contains(r#"id="logout""#), "a guest is not logged in");
    // Adding again adds to the same cart (no second cookie).
    let again = add_to_cart(&mut guest, id, "1").await;
    assert!(!again.set_cookies.iter().any(|c| c.starts_with("emporium_cart=")));
    assert_eq!(subtotal(&guest.get("/cart").await), "¥37.50");
    // A bad quantity is said on the product page; the cart stays.
    let bad = add_to_cart(&mut guest, id, "0").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A browser restarted with only the cookie still has the cart.
    let token = guest.cookie("emporium_cart").expect("kept");
    let mut restarted = Browser::new(&app);
    restarted.set_cookie("emporium_cart", &token);
    assert_eq!(subtotal(&restarted.get("/cart").await), "¥37.50");
    // Lines change from the cart page as a customer's do.
    let csrf = restarted.get("/cart").await.csrf();
    let set = restarted
        .post(&format!("/cart/items/{id}"), &[("csrf", &csrf), ("quantity", "1")])
        .await;
    assert_eq!(set.location.as_deref(), Some("/cart"));
    assert_eq!(subtotal(&restarted.get("/cart").await), "¥12.50");
    // The cart's token is never a login, whatever cookie carries it.
    let mut forger = Browser::new(&app);
    forger.set_cookie("emporium_session", &token);
    let account = forger.get("/account").await;
    assert_eq!(account.status, StatusCode::SEE_OTHER);
    assert!(account.location.as_deref().is_some_and(|l| l.starts_with("/login")));
    assert_eq!(forger.get("/orders").await.status, StatusCode::SEE_OTHER);
    // Without a cart, changing a line just shows the empty cart.
    let mut stranger = Browser::new(&app);
    let csrf = stranger.get("/login").await.csrf();
    let none = stranger
        .post(&format!("/cart/items/{id}"), &[("csrf", &csrf), ("quantity", "3")])
        .await;
    assert_eq!(none.location.as_deref(), Some("/cart"));
    assert!(stranger.cookie("emporium_cart").is_none());
    // The form still needs its CSRF token.
    let forged = guest
        .post(&format!("/cart/items/{id}"), &[("quantity", "1"), ("mode", "add")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}
app_test!(a_visitor_fills_a_guest_cart_that_survives_a_restart_and_is_no_login);

async fn the_guest_cart_joins_the_account_at_login_and_at_registration(app: TestApp) {
    let staff = app.staff("boss").await;
    let id = product(&app, &staff, "Longjing 龙井", 3).await;
    // Gina has 2 in her cart already; as a guest she adds 2 more: 3 are in stock.
    let gina = app.customer("gina").await;
    assert!(app.put_cart(&gina, id, 2).await.status().is_success());
    let mut browser = Browser::new(&app);
    add_to_cart(&mut browser, id, "2").await;
    let login = browser
        .submit(
            "/login",
            "/login",
            &[("username", "gina"), ("password", "password123"), ("next", "/cart")],
        )
        .await;
    assert_eq!(login.location.as_deref(), Some("/cart"), "{}", login.body);
    assert!(
        login
            .set_cookies
            .iter()
            .any(|c| c.starts_with("emporium_cart=;") && c.contains("Max-Age=0")),
        "the cart cookie is forgotten: {:?}",
        login.set_cookies
    );
    let cart = browser.get("/cart").await;
    assert_eq!(subtotal(&cart), "¥37.50", "2 + 2, capped by the stock of 3");
    let lines = app.get_json("/api/v1/cart", Some(&gina)).await;
    assert_eq!(lines["items"][0]["quantity"], 3, "{lines}");
    // Registering keeps the cart too.
    let mut newcomer = Browser::new(&app);
    add_to_cart(&mut newcomer, id, "1").await;
    let registered = newcomer
        .submit(
            "/register",
            "/register",
            &[("username", "hana"), ("password", "password123"), ("next", "/cart")],
        )
        .await;
    assert_eq!(registered.location.as_deref(), Some("/cart"));
    assert!(newcomer.cookie("emporium_cart").is_none());
    let cart = newcomer.get("/cart").await;
    assert_eq!(subtotal(&cart), "¥12.50");
    assert!(cart.body.contains(r#"id="logout""#));
    // A failed login keeps the guest cart for the next try.
    let mut clumsy = Browser::new(&app);
    add_to_cart(&mut clumsy, id, "1").await;
    let wrong = clumsy
        .submit(
            "/login",
            "/login",
            &[("username", "gina"), ("password", "wrong-password")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(clumsy.cookie("emporium_cart").is_some());
    assert_eq!(subtotal(&clumsy.get("/cart").await), "¥12.50");
}
app_test!(the_guest_cart_joins_the_account_at_login_and_at_registration);

/// An order link's token with its last character changed.
fn altered(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let last = chars.pop().expect("a token");
    chars.push(if last == '0' { '1' } else { '0' });
    chars.into_iter().collect()
}

async fn a_guest_checks_out_pays_and_follows_the_order_by_its_link(app: TestApp) {
    let staff = app.staff("boss").await;
    let id = product(&app, &staff, "Longjing 龙井", 10).await;
    let mut guest = Browser::new(&app);
    // No cart: checkout is the (empty) cart page, never a login.
    assert_eq!(guest.get("/checkout").await.location.as_deref(), Some("/cart"));
    add_to_cart(&mut guest, id, "2").await;
    let checkout = guest.get("/checkout").await;
    assert_eq!(checkout.status, StatusCode::OK);
    for choice in [
        r#"id="checkout-login""#,
        r#"id="checkout-register""#,
        r#"id="guest-checkout-form""#,
        r#"name="sms_opt_in""#,
        r#"name="coupon""#,
        r#"name="invoice_kind""#,
    ] {
        assert!(checkout.body.contains(choice), "{choice}");
    }
    // Bad input is shown beside its fields, nothing is placed.
    let bad = check_out_as_guest(&mut guest, "not-an-email", &[("country", "China")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains(r#"id="e-email""#), "{}", bad.body);
    assert!(bad.body.contains(r#"id="e-country""#), "{}", bad.body);
    // Pricing to the address offers the shipping methods and the total.
    let priced = check_out_as_guest(&mut guest, "li@example.com", &[("action", "apply")]).await;
    assert_eq!(priced.status, StatusCode::OK);
    assert!(priced.body.contains(r#"id="checkout-total""#), "{}", priced.body);
    // Placing goes to the order's link; the same form twice places one order.
    let checkout = guest.get("/checkout").await;
    let (csrf, nonce) = (checkout.csrf(), field(&checkout, "nonce"));
    assert!(checkout.body.contains("中山路 1 号"), "the address typed is kept");
    let form = [
        ("csrf", csrf.as_str()),
        ("nonce", nonce.as_str()),
        ("email", "li@example.com"),
        ("contact_phone", "13900139000"),
        ("sms_opt_in", "on"),
        ("recipient", "李雷"),
        ("phone", "13800138000"),
        ("line1", "中山路 1 号"),
        ("city", "上海"),
        ("country", "CN"),
    ];
    let placed = guest.post("/checkout/guest", &form).await;
    let link = placed.location.clone().expect("to the order's link");
    assert!(link.starts_with("/orders/") && link.contains("?access="), "{link}");
    assert_eq!(guest.post("/checkout/guest", &form).await.location, Some(link.clone()));
    let order_id: i64 = link["/orders/".len()..link.find('?').unwrap()].parse().unwrap();
    let token = link.split("access=").nth(1).unwrap().to_owned();
    // The cart is empty now; the link shows the order, to anyone holding it.
    assert!(guest.get("/cart").await.body.contains(r#"href="/products""#));
    let mut elsewhere = Browser::new(&app);
    let page = elsewhere.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"data-status="pending_payment""#) && page.body.contains("¥25.00"));
    assert!(page.body.contains(&format!(r#"name="access" value="{token}""#)));
    assert!(!page.body.contains(r#"id="refund-form""#));
    // An altered token, another order's token, no token: never the order.
    let second = {
        let mut other = Browser::new(&app);
        add_to_cart(&mut other, id, "1").await;
        let placed = check_out_as_guest(&mut other, "other@example.com", &[]).await;
        placed.location.expect("placed")
    };
    let second_id: i64 = second["/orders/".len()..second.find('?').unwrap()].parse().unwrap();
    let second_token = second.split("access=").nth(1).unwrap().to_owned();
    let mut intruder = Browser::new(&app);
    for path in [
        format!("/orders/{order_id}?access={}", altered(&token)),
        format!("/orders/{order_id}?access={second_token}"),
        format!("/orders/{second_id}?access={token}"),
        format!("/orders/{order_id}?access=abc"),
    ] {
        let page = intruder.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.body.contains("中山路"), "{path}");
    }
    let bare = intruder.get(&format!("/orders/{order_id}")).await;
    assert!(bare.location.as_deref().is_some_and(|l| l.starts_with("/login")));
    // The forms act only with the order's own token.
    let csrf = intruder.get("/orders/lookup").await.csrf();
    for access in [altered(&token), second_token.clone(), String::new()] {
        let cancel = intruder
            .post(
                &format!("/orders/{order_id}/cancel"),
                &[("csrf", &csrf), ("access", &access)],
            )
            .await;
        assert!(
            cancel.status == StatusCode::NOT_FOUND || cancel.status == StatusCode::SEE_OTHER && access.is_empty(),
            "{access}: {}",
            cancel.status
        );
    }
    // Paying from the link: to the sandbox's page, and back to the link after.
    let csrf = elsewhere.get(&link).await.csrf();
    let pay = elsewhere
        .post(
            &format!("/orders/{order_id}/pay"),
            &[("csrf", &csrf), ("access", &token)],
        )
        .await;
    let pay_url = pay.location.clone().expect("to the pay page");
    assert!(pay_url.starts_with("/sandbox/pay/"), "{pay_url}");
    let paid = elsewhere
        .post(&format!("{pay_url}/complete"), &[("outcome", "succeeded")])
        .await;
    assert_eq!(
        paid.location.as_deref(),
        Some(link.as_str()),
        "the provider returns the guest to its link"
    );
    app.run_jobs().await;
    let page = elsewhere.get(&link).await;
    assert!(page.body.contains(r#"data-status="paid""#), "{}", page.body);
    // Paid, the link asks for money back like a buyer's login: only with its own token;
    // a mistyped amount is shown again beside its field, on the link's page.
    assert!(page.body.contains(r#"id="refund-form""#), "{}", page.body);
    let csrf = page.csrf();
    let intruder_csrf = intruder.get("/orders/lookup").await.csrf();
    for access in [altered(&token), second_token.clone()] {
        let asked = intruder
            .post(
                &format!("/orders/{order_id}/refunds"),
                &[("csrf", &intruder_csrf), ("access", &access), ("reason", "mine now")],
            )
            .await;
        assert_eq!(asked.status, StatusCode::NOT_FOUND, "{access}");
    }
    let wrong = elsewhere
        .post(
            &format!("/orders/{order_id}/refunds"),
            &[
                ("csrf", &csrf),
                ("access", &token),
                ("amount", "ten"),
                ("reason", "dented"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains(r#"id="e-amount""#), "{}", wrong.body);
    assert!(wrong.body.contains(&format!(r#"name="access" value="{token}""#)));
    let asked = elsewhere
        .post(
            &format!("/orders/{order_id}/refunds"),
            &[
                ("csrf", &csrf),
                ("access", &token),
                ("amount", "5.00"),
                ("reason", "dented"),
            ],
        )
        .await;
    assert_eq!(asked.location.as_deref(), Some(link.as_str()), "back to the link");
    let page = elsewhere.get(&link).await;
    assert!(
        page.body.contains(r#"id="refunds""#) && page.body.contains("dented"),
        "{}",
        page.body
    );
    let refunds = app.get_json("/api/v1/refunds?status=requested", Some(&staff)).await;
    assert_eq!(refunds["data"][0]["order_id"], order_id);
    assert_eq!(refunds["data"][0]["amount"], 500);
    // The second guest cancels theirs by its link.
    let mut other = Browser::new(&app);
    let csrf = other.get(&second).await.csrf();
    let cancelled = other
        .post(
            &format!("/orders/{second_id}/cancel"),
            &[("csrf", &csrf), ("access", &second_token)],
        )
        .await;
    assert_eq!(cancelled.location.as_deref(), Some(second.as_str()));
    assert!(other.get(&second).await.body.contains(r#"data-status="cancelled""#));
    app.assert_clean().await;
}
app_test!(a_guest_checks_out_pays_and_follows_the_order_by_its_link);

async fn a_guest_finds_an_order_by_number_and_email_within_a_budget(app: TestApp) {
    let staff = app.staff("boss").await;
    let id = product(&app, &staff, "Longjing 龙井", 10).await;
    let mut guest = Browser::new(&app);
    add_to_cart(&mut guest, id, "1").await;
    let link = check_out_as_guest(&mut guest, "Mei@Example.com", &[])
        .await
        .location
        .expect("placed");
    let order_id = &link["/orders/".len()..link.find('?').unwrap()];
    let mut visitor = Browser::new(&app);
    let form = visitor.get("/orders/lookup").await;
    assert_eq!(form.status, StatusCode::OK);
    // The right pair (any letter case of the email) leads to the link.
    let found = visitor
        .submit(
            "/orders/lookup",
            "/orders/lookup",
            &[("order", order_id), ("email", "mei@example.com")],
        )
        .await;
    assert_eq!(found.location.as_deref(), Some(link.as_str()));
    // A wrong email or number is "not found", like a missing order.
    let wrong = visitor
        .submit(
            "/orders/lookup",
            "/orders/lookup",
            &[("order", order_id), ("email", "someone@example.com")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(wrong.body.contains(r#"id="lookup-error""#));
    assert!(!wrong.body.contains("access="));
    let malformed = visitor
        .submit(
            "/orders/lookup",
            "/orders/lookup",
            &[("order", "abc"), ("email", "x@example.com")],
        )
        .await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(malformed.body.contains(r#"id="e-order""#));
    // Guessing at speed runs out of budget: then even the right pair waits.
    let mut last = StatusCode::NOT_FOUND;
    for _ in 0..emporium_app::guests::LOOKUPS_PER_ADDRESS {
        last = visitor
            .submit(
                "/orders/lookup",
                "/orders/lookup",
                &[("order", order_id), ("email", "guess@example.com")],
            )
            .await
            .status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let throttled = visitor
        .submit(
            "/orders/lookup",
            "/orders/lookup",
            &[("order", order_id), ("email", "mei@example.com")],
        )
        .await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.body.contains("Too many lookups"), "{}", throttled.body);
}
app_test!(a_guest_finds_an_order_by_number_and_email_within_a_budget);
