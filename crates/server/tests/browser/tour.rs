//! The shopper's path and the staff's day in both languages and at a phone's width: one
//! journey in Chinese on a phone, then the same pages again in English on the phone and in
//! Chinese on a laptop. Every page is checked as the harness checks all (axe, the
//! detectors, and on the phone overflow and tap targets), with a screenshot per page.

use anyhow::{Result, ensure};
use reqwest::Method;
use serde_json::json;

use crate::harness::{DESKTOP, Journey, PHONE, browser_available};
use crate::{api_call, paid_order, shop, shown_status};

/// Switches the pages' language to `code` (`zh` or `en`) through the link every page has.
async fn speak(j: &Journey, code: &str) -> Result<()> {
    let tag = if code == "zh" { "zh-CN" } else { "en" };
    if !j.html().await?.contains(&format!("<html lang=\"{tag}\">")) {
        j.click("#lang-switch").await?;
    }
    j.expect_html(&format!("<html lang=\"{tag}\">")).await
}

/// Visits `pages` one by one, a step (and a screenshot) each, named `<prefix>-<name>`.
async fn tour(j: &mut Journey, prefix: &str, pages: &[(&str, String)]) -> Result<()> {
    for (name, path) in pages {
        let r = j.open(path).await;
        j.step(&format!("{prefix}-{name}"), r).await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopper_on_a_phone_in_chinese_then_in_english_and_on_a_laptop() -> Result<()> {
    if !browser_available() {
        return Ok(());
    }
    let (app, staff) = shop().await;
    let customer = app.customer("buyer_chen").await;
    // An order that went all the way and a refund asked for, for the history's sentences.
    let delivered = paid_order(&app, &customer, 2).await;
    app.deliver(&staff, &customer, delivered).await;
    api_call(
        &app,
        Method::POST,
        &format!("/api/v1/orders/{delivered}/refunds"),
        &customer,
        Some(json!({"amount": 5000, "reason": "盒子压坏了"})),
    )
    .await;
    let mut j = Journey::start(&app, "phone-shopper").await?;
    j.content([
        "buyer_chen",
        "王小明",
        "+86 138 0013 8000",
        "建国路 88 号",
        "北京",
        "CN",
        "SF Express",
        "盒子压坏了",
    ]);

    let r = async {
        j.open("/").await?;
        speak(&j, "zh").await?;
        j.resize(PHONE).await?;
        j.click("#nav-login").await?;
        j.fill("#f-username", "buyer_chen").await?;
        j.fill("#f-password", "password123").await?;
        j.click("#submit").await?;
        j.expect_html("id=\"logout\"").await
    }
    .await;
    j.step("zh-phone-login", r).await?;

    let r = async {
        // The filters fold under their summary on a phone; opened, they work as on a laptop.
        j.open("/products").await?;
        let category = j.client.find(fantoccini::Locator::Css("#f-category")).await?;
        ensure!(!category.is_displayed().await?, "the filter panel starts folded");
        j.unfold_filters().await?;
        ensure!(category.is_displayed().await?, "the summary opens the panel");
        category.select_by_value("Tea").await?;
        j.click("form.filters button[type=submit]").await?;
        let count = j.text("#result-count").await?;
        ensure!(count.contains('2'), "two teas: {count}");
        Ok(())
    }
    .await;
    j.step("zh-phone-filters", r).await?;

    let r = async {
        j.click("#results .card a.name").await?;
        j.click("#add-to-cart").await?;
        // The checkout button stays in reach: a bar stuck to the bottom of the screen.
        let (sticky, bottom, height): (String, f64, f64) = serde_json::from_value(
            j.client
                .execute(
                    "const bar = document.querySelector('.checkout-bar');
                     return [getComputedStyle(bar).position, bar.getBoundingClientRect().bottom, window.innerHeight];",
                    Vec::new(),
                )
                .await?,
        )?;
        ensure!(sticky == "sticky", "the checkout bar is {sticky}");
        ensure!(bottom <= height + 1.0, "the checkout bar ends at {bottom} of {height}");
        Ok(())
    }
    .await;
    j.step("zh-phone-cart", r).await?;

    let r = async {
        j.click("#checkout").await?;
        j.click("#place-order").await?;
        ensure!(shown_status(&j).await? == "pending_payment");
        Ok(())
    }
    .await;
    j.step("zh-phone-order-placed", r).await?;
    let order_path = j.path().await?;

    let r = async {
        j.click("#pay").await?;
        j.click("button[value=succeeded]").await?;
        app.run_jobs().await;
        j.open(&order_path).await?;
        ensure!(shown_status(&j).await? == "paid");
        Ok(())
    }
    .await;
    j.step("zh-phone-paid", r).await?;

    let r = async {
        // A payment that fails leaves the order awaiting payment, and the page says so.
        j.open("/products/3").await?;
        j.click("#add-to-cart").await?;
        j.click("#checkout").await?;
        j.click("#place-order").await?;
        j.click("#pay").await?;
        j.click("button[value=failed]").await?;
        app.run_jobs().await;
        j.open(&j.path().await?).await?;
        ensure!(shown_status(&j).await? == "pending_payment");
        j.expect_html("id=\"pay\"").await
    }
    .await;
    j.step("zh-phone-payment-failed", r).await?;

    let r = async {
        // Asking for more than is left to refund: the message names yuan, not fen.
        j.open(&format!("/orders/{delivered}")).await?;
        j.fill("#f-amount", "9999").await?;
        j.fill("#f-reason", "全部退款").await?;
        j.click("#request-refund").await?;
        j.expect_html("id=\"e-amount\"").await
    }
    .await;
    j.step("zh-phone-refund-too-much", r).await?;

    let pages = [
        ("home", "/".to_owned()),
        ("products", "/products".to_owned()),
        ("search", "/products?q=tea".to_owned()),
        ("product", "/products/1".to_owned()),
        ("cart", "/cart".to_owned()),
        ("checkout", "/checkout".to_owned()),
        ("orders", "/orders".to_owned()),
        ("order-paid", order_path.clone()),
        ("order-history", format!("/orders/{delivered}")),
        ("account", "/account".to_owned()),
        ("lookup", "/orders/lookup".to_owned()),
    ];
    tour(&mut j, "zh-phone", &pages).await?;
    speak(&j, "en").await?;
    tour(&mut j, "en-phone", &pages).await?;
    j.resize(DESKTOP).await?;
    speak(&j, "zh").await?;
    tour(&mut j, "zh-laptop", &pages).await?;

    let r = async {
        // axe ran inside pages whose policy forbids scripts: the policy still holds for
        // a script the page itself would add.
        let ran: bool = serde_json::from_value(
            j.client
                .execute(
                    "const s = document.createElement('script'); s.textContent = 'window.__ran = true';
                     document.head.appendChild(s); return window.__ran === true;",
                    Vec::new(),
                )
                .await?,
        )?;
        ensure!(!ran, "a script added to the page ran despite script-src 'none'");
        // On a laptop the filter panel shows unfolded, and its fields take the keyboard.
        j.open("/products").await?;
        let reachable: bool = serde_json::from_value(
            j.client
                .execute(
                    "const f = document.querySelector('#f-category'); f.focus();
                     return f.checkVisibility() && document.activeElement === f;",
                    Vec::new(),
                )
                .await?,
        )?;
        ensure!(
            reachable,
            "the filters on a laptop are hidden or out of the keyboard's reach"
        );
        j.click("#logout").await?;
        for (name, path) in [
            ("login", "/login"),
            ("register", "/register"),
            ("lookup", "/orders/lookup"),
            ("forgot", "/account/forgot"),
        ] {
            j.open(path).await?;
            ensure!(j.path().await? == path, "{name}");
        }
        // A guest's cart and the checkout that asks for an email and an address.
        j.open("/products/2").await?;
        j.click("#add-to-cart").await?;
        j.click("#checkout").await?;
        j.expect_html("id=\"guest-checkout-form\"").await
    }
    .await;
    j.step("zh-laptop-logged-out", r).await?;

    let r = async {
        // The same pages for a visitor on a phone, in English.
        j.resize(PHONE).await?;
        speak(&j, "en").await?;
        for path in [
            "/login",
            "/register",
            "/orders/lookup",
            "/account/forgot",
            "/cart",
            "/checkout",
        ] {
            j.open(path).await?;
            ensure!(j.path().await? == path, "{path} led to {}", j.path().await?);
        }
        j.expect_html("id=\"guest-checkout-form\"").await
    }
    .await;
    j.step("en-phone-logged-out", r).await?;
    eprintln!("phone-shopper: {} pages checked", j.pages_checked());
    j.finish().await?;
    app.assert_clean().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_run_the_day_on_a_phone_in_chinese_then_in_english_and_on_a_laptop() -> Result<()> {
    if !browser_available() {
        return Ok(());
    }
    let (app, staff) = shop().await;
    let customer = app.customer("buyer_sun").await;
    let to_ship = paid_order(&app, &customer, 1).await;
    let delivered = paid_order(&app, &customer, 2).await;
    app.deliver(&staff, &customer, delivered).await;
    api_call(
        &app,
        Method::POST,
        &format!("/api/v1/orders/{delivered}/refunds"),
        &customer,
        Some(json!({"amount": 5000, "reason": "盒子压坏了"})),
    )
    .await;
    let customer_id = api_call(&app, Method::GET, "/api/v1/me", &customer, None).await["id"]
        .as_i64()
        .unwrap_or(0);
    let mut j = Journey::start(&app, "phone-staff").await?;
    j.content([
        "boss",
        "buyer_sun",
        "王小明",
        "+86 138 0013 8000",
        "建国路 88 号",
        "北京",
        "盒子压坏了",
    ]);

    let r = async {
        j.open("/login?next=%2Fadmin").await?;
        speak(&j, "zh").await?;
        j.resize(PHONE).await?;
        j.fill("#f-username", "boss").await?;
        j.fill("#f-password", "staff-password").await?;
        j.click("#submit").await?;
        ensure!(j.path().await? == "/admin", "after login at {}", j.path().await?);
        Ok(())
    }
    .await;
    j.step("zh-phone-login", r).await?;

    let r = async {
        j.open(&format!("/admin/orders/{to_ship}")).await?;
        j.fill("#f-carrier", "顺丰速运").await?;
        j.fill("#f-tracking_number", "SF0001").await?;
        j.click("#ship").await?;
        ensure!(shown_status(&j).await? == "shipped");
        Ok(())
    }
    .await;
    j.step("zh-phone-ship", r).await?;

    let pages: Vec<(&str, String)> = [
        ("dashboard", "/admin".to_owned()),
        ("orders", "/admin/orders".to_owned()),
        ("order", format!("/admin/orders/{delivered}")),
        ("refunds", "/admin/refunds".to_owned()),
        ("returns", "/admin/returns".to_owned()),
        ("products", "/admin/products".to_owned()),
        ("product", "/admin/products/1".to_owned()),
        ("new-product", "/admin/products/new".to_owned()),
        ("inventory", "/admin/inventory".to_owned()),
        ("low-stock", "/admin/inventory/low".to_owned()),
        ("storefront", "/admin/storefront".to_owned()),
        ("categories", "/admin/categories".to_owned()),
        ("customers", "/admin/customers".to_owned()),
        ("customer", format!("/admin/customers/{customer_id}")),
        ("coupons", "/admin/coupons".to_owned()),
        ("promotions", "/admin/promotions".to_owned()),
        ("shipping", "/admin/shipping".to_owned()),
        ("tax", "/admin/tax".to_owned()),
        ("staff", "/admin/staff".to_owned()),
        ("audit", "/admin/audit".to_owned()),
    ]
    .into_iter()
    .filter(|(name, _)| *name != "customer" || customer_id > 0)
    .collect();
    tour(&mut j, "zh-phone", &pages).await?;
    speak(&j, "en").await?;
    tour(&mut j, "en-phone", &pages).await?;
    j.resize(DESKTOP).await?;
    speak(&j, "zh").await?;
    tour(&mut j, "zh-laptop", &pages).await?;
    eprintln!("phone-staff: {} pages checked", j.pages_checked());
    j.finish().await?;
    app.assert_clean().await;
    Ok(())
}
