//! The browser suite: real journeys through the pages in headless Chromium, with a
//! screenshot per step in `target/browser-artifacts/<test>/`.
//!
//! `cargo test -p emporium-server --test browser`. Needs Debian's `chromium` and
//! `chromium-driver`; without them it skips (and fails under `CI=true`).

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

#[path = "../support/mod.rs"]
#[allow(
    dead_code,
    unused_imports,
    reason = "shared with the API suite; this suite uses a part of it"
)]
mod support;

mod harness;
mod tour;

use anyhow::{Result, ensure};
use emporium_testkit::TestDb;
use reqwest::Method;
use serde_json::{Value, json};

use harness::{Journey, browser_available};
use support::{NewProduct, TestApp};

/// A server with a staff account and a small catalogue; answers it with the staff token.
async fn shop() -> (TestApp, String) {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    let staff = app.staff("boss").await;
    for (name, price, category, stock, cost) in [
        ("Longjing Green Tea 龙井绿茶 250g", 12_800, "Tea", 20, 6_000),
        ("Ceramic Teapot 青花瓷茶壶", 15_900, "Home", 5, 7_500),
        ("Oolong Tea 乌龙茶 500g", 9_900, "Tea", 12, 4_000),
    ] {
        let product = NewProduct::new(name, price).in_category(category).stocked(stock, cost);
        app.create_product(&staff, product).await;
    }
    app.catch_up_search().await;
    (app, staff)
}

async fn api_call(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> Value {
    let response = app.send(method, path, Some(token), body).await;
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.unwrap_or(Value::Null)
}

/// A customer's paid order of `quantity` units of product 1, placed through the API.
async fn paid_order(app: &TestApp, token: &str, quantity: i64) -> i64 {
    let address = app.add_address(token).await;
    app.paid_order(token, address, &[(1, quantity)]).await
}

/// The status an order page shows.
async fn shown_status(j: &Journey) -> Result<String> {
    let badge = j
        .client
        .wait()
        .for_element(fantoccini::Locator::Css("#order-status"))
        .await?;
    Ok(badge.attr("data-status").await?.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopper_searches_buys_pays_and_asks_for_a_refund() -> Result<()> {
    if !browser_available() {
        return Ok(());
    }
    let (app, staff) = shop().await;
    api_call(
        &app,
        Method::POST,
        "/api/v1/coupons",
        &staff,
        Some(json!({"code": "TEA20", "kind": "fixed", "value": 2000})),
    )
    .await;
    let mut j = Journey::start(&app, "shopper").await?;

    let r = j.open("/").await;
    j.step("home", r).await?;

    let r = async {
        j.click("#nav-register").await?;
        j.fill("#f-username", "shopper_li").await?;
        j.fill("#f-password", "correct horse battery").await?;
        j.click("#submit").await?;
        j.expect_html("id=\"logout\"").await
    }
    .await;
    j.step("register", r).await?;

    let r = async {
        j.fill("#site-q", "Longjing").await?;
        j.click("header form.search button").await?;
        let first = j.text("#results .card a.name").await?;
        ensure!(first.contains("Longjing"), "first result: {first}");
        Ok(())
    }
    .await;
    j.step("search", r).await?;

    let r = async {
        // Browse a category, cheapest first, with the filter form.
        j.open("/products").await?;
        j.unfold_filters().await?;
        let category = j.client.find(fantoccini::Locator::Css("#f-category")).await?;
        category.select_by_value("Tea").await?;
        let sort = j.client.find(fantoccini::Locator::Css("#f-sort")).await?;
        sort.select_by_value("price_asc").await?;
        j.click("form.filters button[type=submit]").await?;
        let first = j.text("#results .card a.name").await?;
        ensure!(first.contains("Oolong"), "cheapest tea first: {first}");
        ensure!(!j.html().await?.contains("Teapot"), "only the Tea category");
        Ok(())
    }
    .await;
    j.step("browse-category", r).await?;

    let r = async {
        j.fill("#site-q", "Longjing").await?;
        j.click("header form.search button").await?;
        j.click("#results .card a.name").await?;
        let price = j.text("#product-price").await?;
        ensure!(price == "¥128.00", "price shown as {price}");
        Ok(())
    }
    .await;
    j.step("product", r).await?;

    let r = async {
        j.fill("#f-quantity", "2").await?;
        j.click("#add-to-cart").await?;
        let subtotal = j.text("#cart-subtotal").await?;
        ensure!(subtotal == "¥256.00", "cart subtotal {subtotal}");
        Ok(())
    }
    .await;
    j.step("cart", r).await?;

    let r = async {
        j.click("#checkout").await?;
        // No address yet: the form shows, and a missing field is named next to it.
        j.fill("#f-recipient", "").await?;
        j.fill("#f-country", "CN").await?;
        j.click("#save-address").await?;
        j.expect_html("id=\"e-recipient\"").await
    }
    .await;
    j.step("address-error", r).await?;

    let r = async {
        j.fill("#f-recipient", "李雷").await?;
        j.fill("#f-phone", "13900139000").await?;
        j.fill("#f-line1", "南京路 100 号").await?;
        j.fill("#f-city", "上海").await?;
        j.click("#save-address").await?;
        j.expect_html("name=\"address_id\"").await
    }
    .await;
    j.step("checkout", r).await?;

    let r = async {
        // Free shipping above ¥99 and VAT inside the prices, before any code.
        ensure!(j.text("#checkout-total").await? == "¥256.00");
        j.expect_html("of which VAT").await?;
        // A code that does not exist says so; a good one (any case) is taken off.
        j.fill("#f-coupon", "NOPE").await?;
        j.click("#apply-coupon").await?;
        let refused = j.text(".coupon-refused").await?;
        ensure!(
            refused.contains("NOPE") && refused.contains("no such code"),
            "{refused}"
        );
        j.fill("#f-coupon", "tea20").await?;
        j.click("#apply-coupon").await?;
        let total = j.text("#checkout-total").await?;
        ensure!(total == "¥236.00", "total with the coupon: {total}");
        j.expect_html("Coupon codes: TEA20").await
    }
    .await;
    j.step("coupon", r).await?;

    let r = async {
        j.click("#place-order").await?;
        ensure!(shown_status(&j).await? == "pending_payment");
        j.expect_html("¥236.00").await
    }
    .await;
    j.step("order-placed", r).await?;
    let order_path = j.path().await?;

    let r = async {
        j.click("#pay").await?;
        ensure!(j.path().await?.starts_with("/sandbox/pay/"), "at {}", j.path().await?);
        Ok(())
    }
    .await;
    j.step("sandbox-pay-page", r).await?;

    let r = async {
        j.click("button[value=succeeded]").await?;
        ensure!(j.path().await? == order_path, "back at {}", j.path().await?);
        Ok(())
    }
    .await;
    j.step("back-from-sandbox", r).await?;

    let r = async {
        // The provider's signed notification arrives (the job runner delivers it).
        app.run_jobs().await;
        j.open(&order_path).await?;
        ensure!(shown_status(&j).await? == "paid");
        Ok(())
    }
    .await;
    j.step("paid", r).await?;

    let id: i64 = order_path.trim_start_matches("/orders/").parse()?;
    let r = async {
        // Staff ship it (through the API here; the staff journey uses the pages).
        api_call(
            &app,
            Method::POST,
            &format!("/api/v1/orders/{id}/ship"),
            &staff,
            Some(json!({"carrier": "SF Express", "tracking_number": "SF1234567890"})),
        )
        .await;
        j.open(&order_path).await?;
        ensure!(shown_status(&j).await? == "shipped");
        j.click("#confirm-receipt").await?;
        ensure!(shown_status(&j).await? == "received");
        j.expect_html("SF1234567890").await
    }
    .await;
    j.step("received", r).await?;

    let r = async {
        // Review the tea from the received order, then see it on the product page.
        let html = j.html().await?;
        let product: i64 = html
            .split("id=\"submit-review-")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .ok_or_else(|| anyhow::anyhow!("a review form on the received order"))?
            .parse()?;
        j.fill(&format!("#body-{product}"), "好喝！Great tea <b>").await?;
        j.click(&format!("#submit-review-{product}")).await?;
        j.expect_html("✓ Reviewed").await?;
        j.open(&format!("/products/{product}")).await?;
        j.expect_html("好喝！Great tea &lt;b&gt;").await?;
        j.expect_html(r#"aria-label="Rating 5.0/5"></span> 5.0 <span class="muted">(1)</span>"#)
            .await
    }
    .await;
    j.step("review", r).await?;

    let r = async {
        j.open(&order_path).await?;
        j.fill("#f-amount", "50").await?;
        j.fill("#f-reason", "").await?;
        j.click("#request-refund").await?;
        j.expect_html("id=\"e-reason\"").await?;
        j.fill("#f-reason", "Box arrived dented").await?;
        j.click("#request-refund").await?;
        ensure!(j.path().await? == order_path);
        let refunds = j.text("#refunds").await?;
        ensure!(
            refunds.contains("¥50.00") && refunds.contains("Requested"),
            "refunds: {refunds}"
        );
        Ok(())
    }
    .await;
    j.step("refund-requested", r).await?;
    let refunds = api_call(&app, Method::GET, "/api/v1/refunds?status=requested", &staff, None).await;
    ensure!(refunds["data"][0]["amount"] == 5000, "refund: {refunds}");

    let r = async {
        // The same order page fits a phone's screen.
        j.client.set_window_size(390, 844).await?;
        j.open(&order_path).await?;
        j.expect_html("id=\"timeline\"").await
    }
    .await;
    j.step("phone-layout", r).await?;
    j.finish().await?;
    app.assert_clean().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_make_sizes_and_colours_and_a_shopper_buys_exactly_one() -> Result<()> {
    if !browser_available() {
        return Ok(());
    }
    let (app, _) = shop().await;
    let mut j = Journey::start(&app, "variants").await?;

    let r = async {
        j.open("/login").await?;
        j.fill("#f-username", "boss").await?;
        j.fill("#f-password", "staff-password").await?;
        j.click("#submit").await?;
        // A new product with two options: a variant per combination, at the form's price.
        j.open("/admin/products/new").await?;
        j.fill("#f-name", "跑鞋 Runner").await?;
        j.fill("#f-price", "399.00").await?;
        j.fill("#f-sku", "RUN").await?;
        j.fill("#f-options", "颜色: 黑, 白\n尺码: 41, 42").await?;
        // Its English, in the translation fields.
        j.fill("#f-name_en", "Runner shoe").await?;
        j.fill("#f-labels_en", "颜色 = Colour\n颜色: 白 = White\n尺码 = Size")
            .await?;
        j.click("#save-product").await?;
        j.expect_html("id=\"variants-table\"").await?;
        let grid = j.text("#variants-table").await?;
        ensure!(grid.contains("白 / 42") && grid.contains("黑 / 41"), "grid: {grid}");
        Ok(())
    }
    .await;
    j.step("create-with-options", r).await?;
    // The product's page, with the "created" notice's `?done=` after it.
    let product_path = j.path().await?;
    let product_path = product_path.split('?').next().unwrap_or_default();
    let id: i64 = product_path.trim_start_matches("/admin/products/").parse()?;
    let product = app.get_json(&format!("/api/v1/products/{id}"), None).await;
    let english: Value = app
        .request(Method::GET, &format!("/api/v1/products/{id}"))
        .header("accept-language", "en")
        .send()
        .await?
        .json()
        .await?;
    ensure!(
        english["name"] == "Runner shoe"
            && english["options"][0]["label"] == "Colour"
            && english["options"][0]["value_labels"][1] == "White",
        "translations saved from the form: {english}"
    );
    let white42 = product["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["title"] == "白 / 42")
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    let r = async {
        // The white 42 costs more; it gets a lot of its own.
        j.fill(&format!("#variant-{white42} input[name=price]"), "429.00")
            .await?;
        j.click(&format!("#save-variant-{white42}")).await?;
        let lot_variant = j.client.find(fantoccini::Locator::Css("#f-lot-variant")).await?;
        lot_variant.select_by_value(&white42.to_string()).await?;
        j.fill("#receive-form #f-quantity", "4").await?;
        j.fill("#receive-form #f-unit_cost", "200.00").await?;
        j.click("#receive").await?;
        let stock = j.text(&format!("#variant-{white42} td.num")).await?;
        ensure!(stock == "4", "white 42 stock: {stock}");
        Ok(())
    }
    .await;
    j.step("variant-price-and-lot", r).await?;

    let r = async {
        j.click("#logout").await?;
        j.click("#nav-register").await?;
        j.fill("#f-username", "shopper_han").await?;
        j.fill("#f-password", "correct horse battery").await?;
        j.click("#submit").await?;
        // The shop's filters: size 42 in stock finds the runner (only the white 42 has
        // stock), with the counts beside each value.
        app.catch_up_search().await;
        j.open("/products").await?;
        j.unfold_filters().await?;
        j.tick("input[name=option][value='尺码:42']").await?;
        j.tick("#f-in_stock").await?;
        j.click("form.filters button[type=submit]").await?;
        let count = j.text("#result-count").await?;
        ensure!(count == "1 product" || count == "共 1 件商品", "result count: {count}");
        j.unfold_filters().await?;
        let sizes = j.text(".facet-option").await?;
        ensure!(sizes.contains("42"), "size facet: {sizes}");
        j.open(&format!("/products/{id}")).await?;
        let price = j.text("#product-price").await?;
        ensure!(price == "¥399.00 – ¥429.00", "price range shown as {price}");
        let choice = j.client.find(fantoccini::Locator::Css("#f-variant")).await?;
        choice.select_by_value(&white42.to_string()).await?;
        j.fill("#f-quantity", "2").await?;
        j.click("#add-to-cart").await?;
        let cart = j.text("#cart").await?;
        // The options in the page's language (English), from the translations saved above.
        ensure!(cart.contains("Colour: White · Size: 42"), "cart: {cart}");
        let subtotal = j.text("#cart-subtotal").await?;
        ensure!(subtotal == "¥858.00", "cart subtotal {subtotal}");
        Ok(())
    }
    .await;
    j.step("pick-size-and-colour", r).await?;

    let r = async {
        j.click("#checkout").await?;
        j.fill("#f-recipient", "韩梅梅").await?;
        j.fill("#f-phone", "13900139000").await?;
        j.fill("#f-line1", "南京路 100 号").await?;
        j.fill("#f-city", "上海").await?;
        j.fill("#f-country", "CN").await?;
        j.click("#save-address").await?;
        j.click("#place-order").await?;
        ensure!(shown_status(&j).await? == "pending_payment");
        j.expect_html("Colour: White · Size: 42").await
    }
    .await;
    j.step("ordered-that-variant", r).await?;
    j.finish().await?;

    let after = app.get_json(&format!("/api/v1/products/{id}"), None).await;
    let stock: Vec<(String, i64)> = after["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["title"].as_str().unwrap().to_owned(),
                v["stock_available"].as_i64().unwrap(),
            )
        })
        .collect();
    ensure!(
        stock.iter().all(|(t, s)| *s == if t == "白 / 42" { 2 } else { 0 }),
        "only the white 42 was drawn: {stock:?}"
    );
    app.assert_clean().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_receive_stock_ship_and_refund_from_the_admin_pages() -> Result<()> {
    if !browser_available() {
        return Ok(());
    }
    let (app, _) = shop().await;
    let customer = app.customer("buyer_wang").await;
    let to_ship = paid_order(&app, &customer, 1).await;
    let to_refund = paid_order(&app, &customer, 2).await;
    api_call(
        &app,
        Method::POST,
        &format!("/api/v1/orders/{to_refund}/refunds"),
        &customer,
        Some(json!({"reason": "ordered twice"})),
    )
    .await;
    let mut j = Journey::start(&app, "staff").await?;

    let r = async {
        j.open("/admin").await?;
        ensure!(
            j.path().await?.starts_with("/login?next="),
            "anonymous visitors log in first"
        );
        j.fill("#f-username", "boss").await?;
        j.fill("#f-password", "staff-password").await?;
        j.click("#submit").await?;
        ensure!(j.path().await? == "/admin", "after login at {}", j.path().await?);
        Ok(())
    }
    .await;
    j.step("login", r).await?;

    let r = async {
        j.open("/admin/products").await?;
        j.click("#admin-products a[href='/admin/products/2']").await?;
        j.fill("#receive-form #f-quantity", "10").await?;
        j.fill("#receive-form #f-unit_cost", "70.00").await?;
        j.fill("#receive-form #f-note", "Supplier B, invoice 42").await?;
        j.click("#receive").await?;
        let stock = j.text("#stock-available").await?;
        ensure!(stock == "15", "stock after receiving: {stock}");
        j.expect_html("¥70.00").await
    }
    .await;
    j.step("receive-stock", r).await?;

    let r = async {
        j.open("/admin/inventory").await?;
        let value = j.text("#total-value").await?;
        // 17 + 10 + 12 + 5 ... units at their lots' costs: 17×60 + 5×75 + 10×70 + 12×40.
        ensure!(value == "¥2,575.00", "valuation {value}");
        Ok(())
    }
    .await;
    j.step("valuation", r).await?;

    let r = async {
        j.open("/admin/orders?status=paid").await?;
        j.click(&format!("#admin-orders a[href='/admin/orders/{to_ship}']"))
            .await?;
        j.fill("#f-carrier", "").await?;
        j.fill("#f-tracking_number", "YT0001").await?;
        j.click("#ship").await?;
        j.expect_html("id=\"e-carrier\"").await?;
        j.fill("#f-carrier", "YTO Express 圆通").await?;
        j.click("#ship").await?;
        ensure!(shown_status(&j).await? == "shipped");
        Ok(())
    }
    .await;
    j.step("ship", r).await?;

    let r = async {
        j.fill("#f-status", "in_transit").await?;
        j.fill("#f-location", "Hangzhou 杭州").await?;
        j.click("#add-tracking").await?;
        let tracking = j.text("#tracking").await?;
        ensure!(
            tracking.contains("in_transit") && tracking.contains("Hangzhou"),
            "tracking: {tracking}"
        );
        Ok(())
    }
    .await;
    j.step("tracking", r).await?;

    let r = async {
        j.open("/admin/refunds").await?;
        j.click("#admin-refunds button[id^=approve-]").await?;
        // Approving pays money back: the confirmation page first.
        j.click("#confirm-yes").await?;
        j.expect_html("status-badge s-refunded").await
    }
    .await;
    j.step("approve-refund", r).await?;
    let order = api_call(
        &app,
        Method::GET,
        &format!("/api/v1/orders/{to_refund}"),
        &customer,
        None,
    )
    .await;
    ensure!(
        order["status"] == "refunded",
        "order after the refund: {}",
        order["status"]
    );

    let r = async {
        j.open("/admin").await?;
        j.expect_html("id=\"chart-money\"").await?;
        j.expect_html("<polyline").await?;
        let orders = j.text("#kpi-orders").await?;
        ensure!(orders == "2", "orders today: {orders}");
        Ok(())
    }
    .await;
    j.step("dashboard", r).await?;
    j.finish().await?;
    app.assert_clean().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_goes_from_the_order_page_back_onto_the_shelf() -> Result<()> {
    if !browser_available() {
        return Ok(());
    }
    let (app, staff) = shop().await;
    let customer = app.customer("buyer_zhao").await;
    let order = paid_order(&app, &customer, 2).await;
    app.deliver(&staff, &customer, order).await;
    let item = api_call(&app, Method::GET, &format!("/api/v1/orders/{order}"), &customer, None).await["items"][0]["id"]
        .as_i64()
        .unwrap();

    let mut j = Journey::start(&app, "return-buyer").await?;
    let r = async {
        j.open(&format!("/login?next=%2Forders%2F{order}")).await?;
        j.fill("#f-username", "buyer_zhao").await?;
        j.fill("#f-password", "password123").await?;
        j.click("#submit").await?;
        ensure!(shown_status(&j).await? == "received");
        j.fill(&format!("#qty-{item}"), "1").await?;
        j.fill("#return-reason", "颜色不喜欢").await?;
        j.click("#request-return").await?;
        j.expect_html("data-status=\"requested\"").await
    }
    .await;
    j.step("ask", r).await?;
    j.finish().await?;
    let rid = api_call(
        &app,
        Method::GET,
        &format!("/api/v1/orders/{order}/returns"),
        &customer,
        None,
    )
    .await[0]["id"]
        .as_i64()
        .unwrap();

    let mut j = Journey::start(&app, "return-staff").await?;
    let r = async {
        j.open("/login?next=%2Fadmin%2Freturns").await?;
        j.fill("#f-username", "boss").await?;
        j.fill("#f-password", "staff-password").await?;
        j.click("#submit").await?;
        j.click(&format!("#open-return-{rid}")).await?;
        j.fill("#instructions", "寄回：杭州市西湖区 1 号").await?;
        j.click("#approve-return").await?;
        j.expect_html("data-status=\"approved\"").await
    }
    .await;
    j.step("approve", r).await?;
    let r = async {
        j.fill(&format!("#resellable-{item}"), "1").await?;
        j.fill(&format!("#damaged-{item}"), "0").await?;
        j.tick("#confirm-receive").await?;
        j.click("#receive-return").await?;
        j.expect_html("data-status=\"received\"").await?;
        let refund = j.text("#return-refund").await?;
        ensure!(refund == "¥128.00", "refund shown: {refund}");
        Ok(())
    }
    .await;
    j.step("receive", r).await?;
    j.finish().await?;

    let order = api_call(&app, Method::GET, &format!("/api/v1/orders/{order}"), &customer, None).await;
    ensure!(
        order["refunded_amount"] == 12_800,
        "refunded: {}",
        order["refunded_amount"]
    );
    let product = api_call(&app, Method::GET, "/api/v1/products/1", &staff, None).await;
    ensure!(
        product["variants"][0]["stock_available"] == 19,
        "stock after the return: {}",
        product["variants"][0]["stock_available"]
    );
    app.assert_clean().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_switch_changes_every_page() -> Result<()> {
    if !browser_available() {
        return Ok(());
    }
    let (app, _) = shop().await;
    let mut j = Journey::start(&app, "language").await?;

    let r = async {
        j.open("/products?q=tea").await?;
        j.expect_html("<html lang=\"en\">").await?;
        ensure!(j.text("#nav-cart").await? == "Cart");
        Ok(())
    }
    .await;
    j.step("english", r).await?;

    let r = async {
        j.click("#lang-switch").await?;
        j.expect_html("<html lang=\"zh-CN\">").await?;
        ensure!(j.text("#nav-cart").await? == "购物车");
        ensure!(
            j.path().await? == "/products?q=tea",
            "the switch stays on the page: {}",
            j.path().await?
        );
        Ok(())
    }
    .await;
    j.step("chinese", r).await?;

    let r = async {
        // The choice sticks to other pages.
        j.open("/products/1").await?;
        ensure!(j.text("#add-to-cart").await? == "加入购物车");
        Ok(())
    }
    .await;
    j.step("chinese-product", r).await?;

    let r = async {
        j.click("#lang-switch").await?;
        ensure!(j.text("#add-to-cart").await? == "Add to cart");
        Ok(())
    }
    .await;
    j.step("back-to-english", r).await?;
    j.finish().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_pages_and_forms_are_guarded() -> Result<()> {
    if !browser_available() {
        return Ok(());
    }
    let (app, _) = shop().await;
    let mut j = Journey::start(&app, "guards").await?;

    let r = async {
        j.open("/admin/refunds").await?;
        ensure!(
            j.path().await? == "/login?next=%2Fadmin%2Frefunds",
            "at {}",
            j.path().await?
        );
        Ok(())
    }
    .await;
    j.step("anonymous-redirected", r).await?;

    let r = async {
        j.open("/register").await?;
        j.fill("#f-username", "curious_cat").await?;
        j.fill("#f-password", "password123").await?;
        j.click("#submit").await?;
        j.open("/admin").await?;
        j.expect_html("Staff only").await
    }
    .await;
    j.step("customer-forbidden", r).await?;

    let r = async {
        // A page on another origin posts a form to the shop: refused, nothing changes.
        let target = format!("{}/account/profile", j.base);
        let page = format!(
            "data:text/html,<form method=post action='{target}'><input name=display_name value=Mallory><button id=go>go</button></form>"
        );
        j.client.goto(&page).await?;
        j.click("#go").await?;
        j.expect_html("came from another site").await?;
        j.open("/account").await?;
        ensure!(!j.html().await?.contains("Mallory"));
        Ok(())
    }
    .await;
    j.step("cross-site-post-refused", r).await?;
    j.finish().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopper_fills_a_cart_as_a_guest_registers_and_keeps_it() -> Result<()> {
    if !browser_available() {
        return Ok(());
    }
    let (app, _staff) = shop().await;
    let mut j = Journey::start(&app, "guest-cart").await?;

    let r = async {
        // No login: "Add to cart" fills a guest cart instead of asking to log in.
        j.open("/products/1").await?;
        j.fill("#f-quantity", "2").await?;
        j.click("#add-to-cart").await?;
        ensure!(j.path().await? == "/cart?added=1", "at {}", j.path().await?);
        let subtotal = j.text("#cart-subtotal").await?;
        ensure!(subtotal == "¥256.00", "cart subtotal {subtotal}");
        j.expect_html("id=\"nav-login\"").await
    }
    .await;
    j.step("guest-cart", r).await?;

    let r = async {
        // The cart's cookie outlives the browser session, and scripts cannot read it.
        let cookie = j.client.get_named_cookie("emporium_cart").await?;
        ensure!(cookie.http_only() == Some(true), "HttpOnly");
        ensure!(cookie.expires().is_some(), "a persistent cookie");
        Ok(())
    }
    .await;
    j.step("cart-cookie", r).await?;

    let r = async {
        // Checkout offers to log in, register or go on as a guest; they register.
        j.click("#checkout").await?;
        j.expect_html("id=\"guest-checkout-form\"").await?;
        j.click("#checkout-register").await?;
        j.fill("#f-username", "guest_turned_customer").await?;
        j.fill("#f-password", "correct horse battery").await?;
        j.click("#submit").await?;
        ensure!(j.path().await? == "/checkout", "back at {}", j.path().await?);
        j.expect_html("id=\"logout\"").await
    }
    .await;
    j.step("register", r).await?;

    let r = async {
        j.open("/cart").await?;
        let subtotal = j.text("#cart-subtotal").await?;
        ensure!(subtotal == "¥256.00", "the cart was kept: {subtotal}");
        Ok(())
    }
    .await;
    j.step("cart-kept", r).await?;
    j.finish().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopper_checks_out_as_a_guest_pays_and_follows_the_order_link() -> Result<()> {
    if !browser_available() {
        return Ok(());
    }
    let (app, _staff) = shop().await;
    let mut j = Journey::start(&app, "guest-checkout").await?;

    let r = async {
        j.open("/products/2").await?;
        j.click("#add-to-cart").await?;
        j.click("#checkout").await?;
        j.fill("#f-email", "mei@example.com").await?;
        j.fill("#f-recipient", "韩梅梅").await?;
        j.fill("#f-phone", "13900139000").await?;
        j.fill("#f-line1", "南京路 100 号").await?;
        j.fill("#f-city", "上海").await?;
        j.fill("#f-country", "CN").await?;
        j.tick("#f-sms_opt_in").await?;
        j.click("#price-to-address").await?;
        let total = j.text("#checkout-total").await?;
        ensure!(total == "¥159.00", "total {total}");
        Ok(())
    }
    .await;
    j.step("guest-checkout", r).await?;

    let r = async {
        j.click("#place-guest-order").await?;
        let path = j.path().await?;
        ensure!(path.contains("?access="), "at {path}");
        ensure!(shown_status(&j).await? == "pending_payment");
        j.expect_html("id=\"order-link-note\"").await
    }
    .await;
    j.step("order-placed", r).await?;
    let link = j.path().await?;

    let r = async {
        j.click("#pay").await?;
        ensure!(j.path().await?.starts_with("/sandbox/pay/"), "at {}", j.path().await?);
        j.click("button[value=succeeded]").await?;
        // The provider returns to /orders/{id}; the pay button's cookie leads to the link.
        ensure!(j.path().await? == link, "back at {}", j.path().await?);
        Ok(())
    }
    .await;
    j.step("paid-from-the-link", r).await?;

    let r = async {
        app.run_jobs().await;
        // Another visitor (no cookies at all) follows the link from the email.
        j.client.delete_all_cookies().await?;
        j.open(&link).await?;
        ensure!(shown_status(&j).await? == "paid");
        j.expect_html("南京路 100 号").await
    }
    .await;
    j.step("followed-by-link", r).await?;

    let r = async {
        // An altered token is the 404 page, with nothing of the order.
        let last = link.chars().last().unwrap_or('0');
        let altered = format!("{}{}", &link[..link.len() - 1], if last == '0' { '1' } else { '0' });
        j.open(&altered).await?;
        j.expect_html("Not found").await?;
        ensure!(!j.html().await?.contains("南京路"), "the order leaked");
        Ok(())
    }
    .await;
    j.step("altered-link-404", r).await?;
    j.finish().await?;
    app.assert_clean().await;
    Ok(())
}
