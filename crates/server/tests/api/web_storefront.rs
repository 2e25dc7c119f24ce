//! What the shopper's pages say, without a browser: the order page tells what happened to
//! a payment (and offers only what makes sense then), the history is sentences for its
//! reader in their language with amounts in yuan and no internal names, the cart stops a
//! shopper who asks for more than is in stock, times are in the shop's time zone, and
//! the listing pages back and forth. (The browser journeys are in `tests/browser`.)

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::app_test;
use crate::support::{NewProduct, TestApp, json_of};
use crate::web::{Browser, Page};

/// What a shopper must never read: internal actor names, ids of internal things, and
/// amounts in minor units next to the words that carry them.
fn assert_no_internals(page: &Page) {
    for needle in ["user:", "staff:", "provider:", "order_item:", "payment ", " of 1598000"] {
        assert!(
            !page.body.contains(needle),
            "{needle:?} shown to the shopper:\n{}",
            page.body
        );
    }
}

/// Opens a sandbox payment for `order` and completes it on the pay page with `outcome`
/// (the buyer's click), without delivering the notification.
async fn pay_on_the_page(app: &TestApp, token: &str, order: i64, outcome: &str) {
    let payment = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{order}/pay"),
            Some(token),
            Some(json!({"provider": "sandbox"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let complete = app
        .post(
            &format!("{}/complete", payment["pay_url"].as_str().expect("pay_url")),
            json!({"outcome": outcome}),
        )
        .await;
    assert_eq!(complete.status(), StatusCode::ACCEPTED);
}

async fn the_order_page_says_what_happened_to_a_payment(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app
        .create_product(&staff, NewProduct::new("Longjing 龙井", 799_000).stocked(10, 300_000))
        .await;
    let (customer, address) = app.shopper("mei", tea, 2).await;
    let order = app.place_order(&customer, address).await;
    let mut buyer = Browser::logged_in(&app, "mei", "password123").await;
    let path = format!("/orders/{order}");

    let page = buyer.get(&path).await;
    assert!(page.body.contains(r#"data-pay-state="none""#), "not paid yet");
    assert!(page.body.contains(r#"id="pay""#) && page.body.contains(r#"id="cancel""#));
    assert!(page.body.contains("¥15,980.00"), "thousands separated");

    // The buyer fails on the pay page and comes back before the notification: the page
    // asks the provider and says so, offering to pay again.
    pay_on_the_page(&app, &customer, order, "failed").await;
    let page = buyer.get(&path).await;
    assert!(page.body.contains(r#"data-pay-state="failed""#), "{}", page.body);
    assert!(page.body.contains("did not go through"));
    assert!(!page.body.contains("received by the provider"));
    assert!(page.body.contains(r#"id="pay""#), "pay again");

    // An attempt left unfinished at the provider is said to be unfinished.
    json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{order}/pay"),
            Some(&customer),
            Some(json!({"provider": "sandbox"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let page = buyer.get(&path).await;
    assert!(page.body.contains(r#"data-pay-state="unfinished""#), "{}", page.body);

    // Paid at the provider: back on the page the order is paid at once, with no pay or
    // cancel buttons, before any notification is delivered.
    pay_on_the_page(&app, &customer, order, "succeeded").await;
    // Several views at once (other tabs, the refresh): each may ask the provider, and
    // the answer is applied once.
    let mut tabs = Vec::new();
    for _ in 0..4 {
        tabs.push(Browser::logged_in(&app, "mei", "password123").await);
    }
    let views = tabs.iter_mut().map(|tab| tab.get(&path));
    for view in futures_util::future::join_all(views).await {
        assert_eq!(view.status, StatusCode::OK);
        assert!(view.body.contains(r#"data-status="paid""#), "{}", view.body);
    }
    let page = buyer.get(&path).await;
    assert!(page.body.contains(r#"data-status="paid""#), "{}", page.body);
    assert!(page.body.contains(r#"id="paid-note""#));
    assert!(!page.body.contains(r#"id="pay""#) && !page.body.contains(r#"id="cancel""#));
    // The notification (and its duplicate) then changes nothing.
    app.run_jobs().await;
    let api = app.get_json(&format!("/api/v1/orders/{order}"), Some(&customer)).await;
    assert_eq!(api["status"], "paid");
    let stored = app.store.order(order).await.expect("read").expect("order");
    assert_eq!(stored.paid_amount, 1_598_000, "paid once");
    app.assert_clean().await;
}
app_test!(the_order_page_says_what_happened_to_a_payment);

async fn the_history_is_written_for_its_reader(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app
        .create_product(&staff, NewProduct::new("Longjing 龙井", 799_000).stocked(10, 300_000))
        .await;
    let (customer, address) = app.shopper("lan", tea, 2).await;
    let order = app.paid_order(&customer, address, &[]).await;
    app.deliver(&staff, &customer, order).await;
    let refund = json!({"amount": 1_234_500, "reason": "scratched"});
    json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{order}/refunds"),
            Some(&customer),
            Some(refund),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/orders/{order}");

    let mut buyer = Browser::logged_in(&app, "lan", "password123").await;
    let page = buyer.get(&path).await;
    assert_no_internals(&page);
    for sentence in [
        "You placed the order.",
        "Payment received through the sandbox.",
        "Shipped with SF Express, tracking number",
        "You confirmed receipt.",
        "You asked for a refund of ¥12,345.00: scratched",
    ] {
        assert!(page.body.contains(sentence), "{sentence:?} missing:\n{}", page.body);
    }
    assert!(page.body.contains(r#"s-refund">Refund<"#), "a refund is badged as one");

    let page = buyer.get(&format!("{path}?lang=zh")).await;
    let page = buyer.get(page.location.as_deref().unwrap_or(&path)).await;
    assert_no_internals(&page);
    for sentence in [
        "您提交了订单。",
        "已通过沙盒支付收到付款。",
        "您已确认收货。",
        "您申请退款 ¥12,345.00：scratched",
    ] {
        assert!(page.body.contains(sentence), "{sentence:?} missing:\n{}", page.body);
    }

    // Staff read the same history about the customer, with who on the staff acted.
    let mut boss = Browser::logged_in(&app, "boss", "staff-password").await;
    let page = boss.get(&format!("/admin/orders/{order}")).await;
    assert!(page.body.contains("The customer asked for a refund of ¥12,345.00"));
    assert!(page.body.contains("(staff #"), "{}", page.body);
}
app_test!(the_history_is_written_for_its_reader);

async fn the_cart_stops_a_shopper_asking_for_more_than_is_in_stock(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app
        .create_product(&staff, NewProduct::new("Longjing 龙井", 3_000).stocked(5, 700))
        .await;
    let (_customer, _address) = app.shopper("ping", tea, 4).await;
    let mut buyer = Browser::logged_in(&app, "ping", "password123").await;
    let cart = buyer.get("/cart").await;
    assert!(cart.body.contains(r#"id="checkout""#) && !cart.body.contains("cart-short"));
    assert!(cart.body.contains(r#"id="cart-count""#) && cart.body.contains(">4</span>"));

    // Someone else buys three of the five: four no longer fit.
    let (other, other_address) = app.shopper("other", tea, 3).await;
    app.place_order(&other, other_address).await;
    let cart = buyer.get("/cart").await;
    assert!(cart.body.contains(r#"id="cart-short""#), "{}", cart.body);
    assert!(cart.body.contains("Only 2 left"), "names how many are left");
    assert!(!cart.body.contains(r#"id="checkout""#), "no way on to the checkout");
    let checkout = buyer.get("/checkout").await;
    assert_eq!(checkout.location.as_deref(), Some("/cart"), "sent back to the cart");

    let page = buyer.get("/cart?lang=zh").await;
    let cart = buyer.get(page.location.as_deref().unwrap_or("/cart")).await;
    assert!(cart.body.contains("仅剩 2 件"), "{}", cart.body);
    assert!(!cart.body.contains("product "), "no product ids");
}
app_test!(the_cart_stops_a_shopper_asking_for_more_than_is_in_stock);

async fn times_are_in_the_shops_zone_and_listings_page_both_ways(app: TestApp) {
    let staff = app.staff("boss").await;
    let mut teas = Vec::new();
    for i in 0..5 {
        teas.push(
            app.create_product(&staff, NewProduct::new(format!("Tea {i}"), 1_000 + i).stocked(3, 500))
                .await,
        );
    }
    let (customer, address) = app.shopper("yan", teas[0], 1).await;
    let order = app.place_order(&customer, address).await;
    let placed = app.get_json(&format!("/api/v1/orders/{order}"), Some(&customer)).await["created_at"]
        .as_str()
        .expect("created_at")
        .to_owned();
    // The API answers in UTC; the pages in Asia/Shanghai (UTC+8), as each language writes.
    let utc = jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%.fZ", &placed)
        .or_else(|_| placed.parse::<jiff::Timestamp>())
        .expect("RFC 3339");
    let shanghai = utc.to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap());
    let mut buyer = Browser::logged_in(&app, "yan", "password123").await;
    let page = buyer.get(&format!("/orders/{order}")).await;
    // Written with no-break spaces, so a moment never wraps.
    let english = shanghai.strftime("%-d %b %Y, %H:%M").to_string().replace(' ', "\u{a0}");
    assert!(page.body.contains(&english), "{english} missing:\n{}", page.body);
    let page = buyer.get(&format!("/orders/{order}?lang=zh")).await;
    let page = buyer.get(page.location.as_deref().expect("switch")).await;
    let chinese = shanghai.strftime("%Y-%m-%d %H:%M").to_string().replace(' ', "\u{a0}");
    assert!(page.body.contains(&chinese), "{chinese} missing");

    // The cards and the pager of a listing page (its facet counts follow the search
    // index, which may still be taking in the products just made).
    let results = |page: &Page| -> String {
        let start = page.body.find(r#"id="results""#).expect("results");
        page.body[start..].to_owned()
    };
    // Two products a page: next twice, then previous twice, back where it started.
    let href = |page: &Page, rel: &str| -> Option<String> {
        let marker = format!(r#"" rel="{rel}""#);
        let end = page.body.find(&marker)?;
        let start = page.body[..end].rfind("href=\"")? + 6;
        Some(page.body[start..end].replace("&#38;", "&").replace("&amp;", "&"))
    };
    let first = buyer.get("/products?sort=price_asc&limit=2&lang=en").await;
    let first = buyer.get(first.location.as_deref().expect("switch")).await;
    assert!(href(&first, "prev").is_none());
    let mut pages = vec![first];
    for _ in 0..2 {
        let next = href(pages.last().unwrap(), "next").expect("a next page");
        pages.push(buyer.get(&next).await);
    }
    assert!(pages[2].body.contains("page 3"));
    let back = buyer.get(&href(&pages[2], "prev").expect("previous")).await;
    assert_eq!(results(&back), results(&pages[1]), "previous is the page before");
    let back = buyer.get(&href(&back, "prev").expect("previous")).await;
    assert_eq!(results(&back), results(&pages[0]), "and the first page again");
    // The sort in use is marked, and the header's search keeps the query.
    assert!(
        pages[0]
            .body
            .contains(r#"class="active" aria-current="true">Price: low to high"#),
        "{}",
        pages[0].body
    );
    let searched = buyer.get("/products?q=Tea").await;
    assert!(searched.body.contains(r#"name="q" value="Tea""#));
}
app_test!(times_are_in_the_shops_zone_and_listings_page_both_ways);

async fn staff_set_the_home_page_banner(app: TestApp) {
    let owner = app.staff("boss").await;
    app.customer("kim").await;
    let mut home = Browser::new(&app);
    assert!(
        !home.get("/").await.body.contains(r#"id="hero""#),
        "no banner until one is set"
    );

    let mut customer = Browser::logged_in(&app, "kim", "password123").await;
    assert_eq!(customer.get("/admin/storefront").await.status, StatusCode::FORBIDDEN);

    let mut boss = Browser::logged_in(&app, "boss", "staff-password").await;
    let bad = boss
        .submit(
            "/admin/storefront",
            "/admin/storefront",
            &[("title_zh", "新茶上市"), ("link", "javascript:alert(1)")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains(r#"id="hero-e-link""#), "{}", bad.body);
    assert!(bad.body.contains(r#"value="新茶上市""#), "what was typed is kept");
    let saved = boss
        .submit(
            "/admin/storefront",
            "/admin/storefront",
            &[
                ("title_zh", "新茶上市"),
                ("title_en", "New tea is in"),
                ("subtitle_en", "Spring's first picking"),
                ("link", "/products?category=Tea"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = boss.get("/admin/storefront").await;
    let csrf = page.csrf();
    let uploaded = boss
        .post_multipart(
            "/admin/storefront/image",
            &[
                ("csrf", None, csrf.into_bytes()),
                ("file", Some("hills.png"), crate::web::png(1200, 400)),
                ("alt", None, "Tea hills".as_bytes().to_vec()),
            ],
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    assert!(boss.get("/admin/storefront").await.body.contains(r#"id="hero-thumb""#));

    let page = home.get("/").await;
    assert!(
        page.body.contains(r#"<h1 id="hero-h">New tea is in</h1>"#),
        "{}",
        page.body
    );
    assert!(page.body.contains("Spring&#39;s first picking") || page.body.contains("Spring's first picking"));
    assert!(page.body.contains(r#"href="/products?category=Tea" id="hero-link""#));
    assert!(page.body.contains(r#"alt="Tea hills""#));
    home.set_cookie("lang", "zh");
    let page = home.get("/").await;
    assert!(page.body.contains(r#"<h1 id="hero-h">新茶上市</h1>"#));
    // No Chinese line was given: the English one stands in.
    assert!(page.body.contains("Spring"));
    let audit = app.get_json("/api/v1/audit-log?limit=10", Some(&owner)).await;
    assert!(audit.to_string().contains("storefront.hero"), "{audit}");
}
app_test!(staff_set_the_home_page_banner);
