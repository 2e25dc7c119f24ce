//! Running the day from the admin pages without a browser (issue 23): the sidebar and the
//! dashboard's "needs attention" counters, the order list's search, sort, CSV export and
//! "ship several" (one failing order reported on its own), confirmation pages before
//! archiving, approving a refund and cancelling, the notices after a save, unarchiving,
//! writing stock off, and editing an address of one's own book.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::app_test;
use crate::support::{NewProduct, TestApp, json_of};
use crate::web::{Browser, Page};

/// The status of order `id` as its owner reads it.
async fn order_status(app: &TestApp, token: &str, id: i64) -> String {
    app.get_json(&format!("/api/v1/orders/{id}"), Some(token)).await["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Units on hand of the product's (first) variant.
async fn stock_of(app: &TestApp, token: &str, product: i64) -> i64 {
    app.get_json(&format!("/api/v1/products/{product}"), Some(token)).await["variants"][0]["stock_available"]
        .as_i64()
        .unwrap()
}

/// Order `id`'s total, as the pages write it (`¥40.00`).
async fn total_of(app: &TestApp, token: &str, id: i64) -> String {
    let total = app.get_json(&format!("/api/v1/orders/{id}"), Some(token)).await["total"]
        .as_i64()
        .unwrap();
    format!("¥{}.{:02}", total / 100, total % 100)
}

/// Whether `page` is the confirmation page posting to `action`.
fn asks_to_confirm(page: &Page, action: &str) -> bool {
    page.status == StatusCode::OK
        && page.body.contains("id=\"confirm-form\"")
        && page.body.contains(&format!("action=\"{action}\""))
        && page.body.contains("name=\"confirmed\" value=\"1\"")
}

async fn the_dashboard_counts_what_needs_attention(app: TestApp) {
    let token = app.staff("boss").await;
    // The default low-stock threshold is 5: 3 units is low, 50 is not.
    let scarce = app
        .create_product(&token, NewProduct::new("Scarce 稀有茶", 3_000).stocked(3, 700))
        .await;
    let plenty = app
        .create_product(&token, NewProduct::new("Plenty 绿茶", 3_000).stocked(50, 700))
        .await;
    let (customer, address) = app.shopper("lee_w", plenty, 1).await;
    let to_ship = app.place_order(&customer, address).await;
    app.pay(&customer, to_ship).await;
    let refunded = app.paid_order(&customer, address, &[(plenty, 1)]).await;
    json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{refunded}/refunds"),
            Some(&customer),
            Some(json!({"reason": "changed my mind"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let returned = app.paid_order(&customer, address, &[(plenty, 2)]).await;
    app.deliver(&token, &customer, returned).await;
    let item = app
        .get_json(&format!("/api/v1/orders/{returned}"), Some(&customer))
        .await["items"][0]["id"]
        .as_i64()
        .unwrap();
    json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{returned}/returns"),
            Some(&customer),
            Some(json!({"lines": [{"order_item_id": item, "quantity": 1}], "reason": "too big"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    let mut staff = Browser::logged_in(&app, "boss", "staff-password").await;
    let page = staff.get("/admin").await;
    assert_eq!(page.status, StatusCode::OK);
    let counter = |id: &str| {
        let start = page
            .body
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id}"));
        let rest = &page.body[start..];
        let n = rest.split("<strong>").nth(1).unwrap().split('<').next().unwrap();
        n.parse::<i64>().unwrap()
    };
    // Paid and not shipped: the one waiting, and the one whose buyer asked for a refund.
    assert_eq!(counter("attention-to-ship"), 2);
    assert_eq!(counter("attention-refunds"), 1);
    assert_eq!(counter("attention-returns"), 1);
    assert_eq!(counter("attention-low-stock"), 1, "only the scarce tea");
    assert!(page.body.contains("href=\"/admin/orders?status=paid&amp;sort=oldest\""));
    // The sidebar marks the section; the menu toggle is there for narrow screens.
    assert!(page.body.contains("<a href=\"/admin\" aria-current=\"page\">"));
    assert!(page.body.contains("id=\"admin-menu-toggle\""));
    // Round ticks on the money axis, without zero decimals.
    assert!(page.body.contains(">¥0</text>"), "a zero tick");

    // Each counter's list shows what it counted.
    let low = staff.get("/admin/inventory/low").await;
    assert_eq!(low.status, StatusCode::OK);
    assert!(low.body.contains(&format!("href=\"/admin/products/{scarce}\"")));
    assert!(!low.body.contains(&format!("href=\"/admin/products/{plenty}\"")));
    assert!(
        low.body
            .contains("<a href=\"/admin/inventory/low\" aria-current=\"page\">")
    );
    let list = staff.get("/admin/orders?status=paid&sort=oldest").await;
    assert!(list.body.contains(&format!("id=\"pick-{to_ship}\"")));
    assert!(list.body.contains("<a href=\"/admin/orders\" aria-current=\"page\">"));

    // In Chinese.
    staff.set_cookie("lang", "zh");
    let zh = staff.get("/admin").await;
    assert!(zh.body.contains("待发货订单") && zh.body.contains("库存预警"));

    // Customers are refused, anonymous visitors sent to log in.
    let mut buyer = Browser::logged_in(&app, "lee_w", "password123").await;
    assert_eq!(buyer.get("/admin/inventory/low").await.status, StatusCode::FORBIDDEN);
    let anonymous = Browser::new(&app).get("/admin/inventory/low").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    app.assert_clean().await;
}

async fn ship_several_orders_reports_each_failure(app: TestApp) {
    let token = app.staff("boss").await;
    let tea = app
        .create_product(&token, NewProduct::new("Longjing 龙井", 3_000).stocked(20, 700))
        .await;
    let (customer, address) = app.shopper("lee_w", tea, 1).await;
    let first = app.place_order(&customer, address).await;
    app.pay(&customer, first).await;
    let second = app.paid_order(&customer, address, &[(tea, 2)]).await;
    app.put_cart(&customer, tea, 1).await;
    let unpaid = app.place_order(&customer, address).await;

    let mut staff = Browser::logged_in(&app, "boss", "staff-password").await;
    let list = staff.get("/admin/orders").await;
    assert!(
        list.body.contains(&format!("id=\"pick-{first}\"")) && list.body.contains(&format!("id=\"pick-{second}\""))
    );
    assert!(
        !list.body.contains(&format!("id=\"pick-{unpaid}\"")),
        "only paid orders can be ticked"
    );
    // The ticked orders, each with its own carrier and tracking number.
    let form = staff
        .get(&format!("/admin/orders/ship?id={first}&id={second}&id={unpaid}"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    for id in [first, second, unpaid] {
        assert!(form.body.contains(&format!("id=\"carrier-{id}\"")), "{id}");
    }
    let csrf = form.csrf();
    let (first_s, second_s, unpaid_s) = (first.to_string(), second.to_string(), unpaid.to_string());
    let fields = [
        ("csrf".to_owned(), csrf.clone()),
        ("id".to_owned(), first_s.clone()),
        ("id".to_owned(), second_s.clone()),
        ("id".to_owned(), unpaid_s.clone()),
        (format!("carrier_{first}"), "SF Express 顺丰".to_owned()),
        (format!("tracking_number_{first}"), "SF0001".to_owned()),
        // No carrier: refused by the rules.
        (format!("carrier_{second}"), String::new()),
        (format!("tracking_number_{second}"), "SF0002".to_owned()),
        // Not paid: cannot ship.
        (format!("carrier_{unpaid}"), "SF Express".to_owned()),
        (format!("tracking_number_{unpaid}"), "SF0003".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let shipped = staff.post("/admin/orders/ship", &fields).await;
    assert_eq!(shipped.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", shipped.body);
    assert!(shipped.body.contains("Shipped: 1. Not shipped: 2."), "{}", shipped.body);
    assert!(
        shipped
            .body
            .contains(&format!("href=\"/admin/orders/{first}\">#{first}</a></li>"))
    );
    assert!(shipped.body.contains(&format!("id=\"error-{second}\"")));
    assert!(shipped.body.contains(&format!("id=\"error-{unpaid}\"")));
    assert!(!shipped.body.contains(&format!("id=\"error-{first}\"")));
    assert!(shipped.body.contains("Carrier: must not be empty"), "{}", shipped.body);
    assert!(
        shipped
            .body
            .contains("Only paid orders ship; this one is “Awaiting payment”.")
    );
    // The failed ones come back with what was typed, to correct and send again.
    assert!(shipped.body.contains(&format!(
        "name=\"tracking_number_{second}\" id=\"tracking-{second}\" value=\"SF0002\""
    )));
    assert_eq!(order_status(&app, &customer, first).await, "shipped");
    assert_eq!(order_status(&app, &customer, second).await, "paid");
    assert_eq!(order_status(&app, &customer, unpaid).await, "pending_payment");
    let shipment = app.get_json(&format!("/api/v1/orders/{first}"), Some(&customer)).await["shipment"].clone();
    assert_eq!(shipment["tracking_number"], "SF0001", "{shipment}");

    // Corrected, the second goes too.
    let again = staff
        .post(
            "/admin/orders/ship",
            &[
                ("csrf", &csrf),
                ("id", &second_s),
                (&format!("carrier_{second}"), "YTO 圆通"),
                (&format!("tracking_number_{second}"), "YT0002"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(order_status(&app, &customer, second).await, "shipped");
    // Nothing ticked: said so.
    let none = staff.get("/admin/orders/ship").await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.body.contains("Select at least one order"));

    // Customers may neither open the form nor post it.
    let mut buyer = Browser::logged_in(&app, "lee_w", "password123").await;
    let buyer_csrf = buyer.get("/account").await.csrf();
    assert_eq!(
        buyer.get(&format!("/admin/orders/ship?id={unpaid}")).await.status,
        StatusCode::FORBIDDEN
    );
    let refused = buyer
        .post(
            "/admin/orders/ship",
            &[
                ("csrf", &buyer_csrf),
                ("id", &unpaid_s),
                (&format!("carrier_{unpaid}"), "X"),
                (&format!("tracking_number_{unpaid}"), "1"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(order_status(&app, &customer, unpaid).await, "pending_payment");
    app.assert_clean().await;
}

async fn orders_search_sort_and_export(app: TestApp) {
    let token = app.staff("boss").await;
    let tea = app
        .create_product(
            &token,
            NewProduct::new("Longjing, \"best\" 龙井", 3_000).stocked(20, 700),
        )
        .await;
    let (alice, alice_address) = app.shopper("alice_q", tea, 1).await;
    let small = app.place_order(&alice, alice_address).await;
    app.pay(&alice, small).await;
    let (bob, bob_address) = app.shopper("bob_q", tea, 3).await;
    let big = app.place_order(&bob, bob_address).await;

    let mut staff = Browser::logged_in(&app, "boss", "staff-password").await;
    let by_customer = staff.get("/admin/orders?q=ALICE").await;
    assert!(by_customer.body.contains(&format!("href=\"/admin/orders/{small}\"")));
    assert!(!by_customer.body.contains(&format!("href=\"/admin/orders/{big}\"")));
    let by_number = staff.get(&format!("/admin/orders?q=%23{big}")).await;
    assert!(by_number.body.contains(&format!("href=\"/admin/orders/{big}\"")));
    assert!(!by_number.body.contains(&format!("href=\"/admin/orders/{small}\"")));
    let nobody = staff.get("/admin/orders?q=%25").await;
    assert!(nobody.body.contains("id=\"no-orders\""), "a % is not a wildcard");
    let by_status = staff.get("/admin/orders?status=pending_payment").await;
    assert!(by_status.body.contains(&format!("href=\"/admin/orders/{big}\"")));
    assert!(!by_status.body.contains(&format!("href=\"/admin/orders/{small}\"")));
    let by_total = staff.get("/admin/orders?sort=total_asc").await;
    let (at_small, at_big) = (
        by_total.body.find(&format!("href=\"/admin/orders/{small}\"")).unwrap(),
        by_total.body.find(&format!("href=\"/admin/orders/{big}\"")).unwrap(),
    );
    assert!(at_small < at_big, "the smaller total first");
    assert!(by_total.body.contains("<option value=\"total_asc\" selected>"));
    assert_eq!(
        staff.get("/admin/orders?sort=random").await.status,
        StatusCode::BAD_REQUEST
    );
    assert!(
        by_status
            .body
            .contains("href=\"/admin/orders.csv?status=pending_payment\""),
        "the export keeps the filters"
    );

    // The export: the filtered orders, amounts in yuan, text quoted.
    let csv = staff.get("/admin/orders.csv?sort=total_desc").await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "number,placed_at,customer,status,items,currency,total,paid,refunded"
    );
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(lines[1].starts_with(&format!("{big},")) && lines[1].contains(",bob_q,pending_payment,"));
    let (big_total, small_total) = (total_of(&app, &bob, big).await, total_of(&app, &alice, small).await);
    let (big_total, small_total) = (big_total.trim_start_matches('¥'), small_total.trim_start_matches('¥'));
    assert!(
        lines[1].ends_with(&format!(",CNY,{big_total},0.00,0.00")),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].ends_with(&format!(",CNY,{small_total},{small_total},0.00")),
        "{}",
        lines[2]
    );
    assert!(lines[2].contains("\"Longjing, \"\"best\"\" 龙井 × 1\""), "{}", lines[2]);
    let only_alice = staff.get("/admin/orders.csv?q=alice").await;
    assert_eq!(only_alice.body.split("\r\n").filter(|l| !l.is_empty()).count(), 2);
    let products = staff.get("/admin/products.csv?status=active").await;
    assert_eq!(products.status, StatusCode::OK);
    assert!(
        products
            .body
            .starts_with("product_id,name,status,category,variant_id,sku,options,currency,price,stock\r\n")
    );
    assert!(
        products
            .body
            .contains(&format!("{tea},\"Longjing, \"\"best\"\" 龙井\",active,"))
    );
    assert!(products.body.contains(",CNY,30.00,16\r\n"), "{}", products.body);

    // Customers get 403; anonymous visitors are sent to log in.
    let mut buyer = Browser::logged_in(&app, "alice_q", "password123").await;
    for path in ["/admin/orders.csv", "/admin/products.csv", "/admin/orders?q=bob"] {
        let refused = buyer.get(path).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!refused.body.contains("bob_q"));
        let anonymous = Browser::new(&app).get(path).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{path}");
    }
}

async fn irreversible_actions_ask_first(app: TestApp) {
    let token = app.staff("boss").await;
    let tea = app
        .create_product(&token, NewProduct::new("Longjing 龙井", 3_000).stocked(20, 700))
        .await;
    let (customer, address) = app.shopper("lee_w", tea, 1).await;
    let to_cancel = app.place_order(&customer, address).await;
    app.pay(&customer, to_cancel).await;
    let to_refund = app.paid_order(&customer, address, &[(tea, 2)]).await;
    let refund = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{to_refund}/refunds"),
            Some(&customer),
            Some(json!({"reason": "changed my mind"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mut staff = Browser::logged_in(&app, "boss", "staff-password").await;

    // Archive: the confirmation page first, naming the product; nothing changes yet.
    let path = format!("/admin/products/{tea}");
    let asked = staff.submit(&path, &format!("{path}/archive"), &[]).await;
    assert!(asks_to_confirm(&asked, &format!("{path}/archive")), "{}", asked.body);
    assert!(asked.body.contains("Archive “Longjing 龙井”?"));
    assert!(
        asked.body.contains(&format!("id=\"confirm-no\" href=\"{path}\""))
            || asked.body.contains(&format!("href=\"{path}\" id=\"confirm-no\""))
    );
    let mut visitor = Browser::new(&app);
    assert_eq!(visitor.get(&format!("/products/{tea}")).await.status, StatusCode::OK);
    let archived = staff
        .post(
            &format!("{path}/archive"),
            &[("csrf", &asked.csrf()), ("confirmed", "1")],
        )
        .await;
    assert_eq!(archived.status, StatusCode::SEE_OTHER);
    assert_eq!(
        archived.location.as_deref(),
        Some(format!("{path}?done=archived").as_str())
    );
    assert_eq!(
        visitor.get(&format!("/products/{tea}")).await.status,
        StatusCode::NOT_FOUND
    );
    let page = staff.get(&format!("{path}?done=archived")).await;
    assert!(
        page.body
            .contains("<p class=\"notice\" role=\"status\">Product archived.</p>")
    );
    assert!(page.body.contains("id=\"unarchive\""), "offered to put it back");
    // Unarchive: back on sale.
    let back = staff.submit(&path, &format!("{path}/unarchive"), &[]).await;
    assert_eq!(
        back.location.as_deref(),
        Some(format!("{path}?done=unarchived").as_str())
    );
    assert_eq!(visitor.get(&format!("/products/{tea}")).await.status, StatusCode::OK);
    assert!(staff.get(&path).await.body.contains("id=\"archive\""));

    // Approving a refund: the page says how much goes back; then it goes.
    let asked = staff
        .submit("/admin/refunds", &format!("/admin/refunds/{refund}/approve"), &[])
        .await;
    assert!(asks_to_confirm(&asked, &format!("/admin/refunds/{refund}/approve")));
    let paid = total_of(&app, &customer, to_refund).await;
    assert!(asked.body.contains(&format!("pay {paid} back")), "{}", asked.body);
    assert_eq!(order_status(&app, &customer, to_refund).await, "paid");
    let approved = staff
        .post(
            &format!("/admin/refunds/{refund}/approve"),
            &[("csrf", &asked.csrf()), ("confirmed", "1")],
        )
        .await;
    assert_eq!(
        approved.location.as_deref(),
        Some("/admin/refunds?status=refunded&done=refund_approved")
    );
    app.run_jobs().await;
    assert_eq!(order_status(&app, &customer, to_refund).await, "refunded");

    // Cancelling a paid order: the reason travels through the confirmation page.
    let order_path = format!("/admin/orders/{to_cancel}");
    let asked = staff
        .submit(
            &order_path,
            &format!("{order_path}/cancel"),
            &[("reason", "warehouse fire")],
        )
        .await;
    assert!(asks_to_confirm(&asked, &format!("{order_path}/cancel")));
    assert!(asked.body.contains("name=\"reason\" value=\"warehouse fire\""));
    let paid = total_of(&app, &customer, to_cancel).await;
    assert!(asked.body.contains(&format!(
        "Cancel order #{to_cancel} and pay back everything paid ({paid})?"
    )));
    assert_eq!(order_status(&app, &customer, to_cancel).await, "paid");
    // In Chinese too.
    staff.set_cookie("lang", "zh");
    let zh = staff.submit(&order_path, &format!("{order_path}/cancel"), &[]).await;
    assert!(zh.body.contains(&format!("确定取消订单 #{to_cancel}")));
    staff.set_cookie("lang", "en");
    let cancelled = staff
        .post(
            &format!("{order_path}/cancel"),
            &[
                ("csrf", &asked.csrf()),
                ("reason", "warehouse fire"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    assert_eq!(order_status(&app, &customer, to_cancel).await, "cancelled");
    let page = staff.get(cancelled.location.as_deref().unwrap()).await;
    assert!(
        page.body
            .contains("Order cancelled; everything paid is being refunded.")
    );
    app.assert_clean().await;
}

async fn saves_say_so_in_the_page_language(app: TestApp) {
    let token = app.staff("boss").await;
    let tea = app
        .create_product(&token, NewProduct::new("Longjing 龙井", 3_000).stocked(5, 700))
        .await;
    let mut staff = Browser::logged_in(&app, "boss", "staff-password").await;
    let path = format!("/admin/products/{tea}");
    let saved = staff
        .submit(
            &path,
            &path,
            &[
                ("name", "Longjing 龙井 2026"),
                ("price", "35"),
                ("currency", "CNY"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let to = saved.location.clone().unwrap();
    assert_eq!(to, format!("{path}?done=saved"));
    assert!(
        staff
            .get(&to)
            .await
            .body
            .contains("<p class=\"notice\" role=\"status\">Saved.</p>")
    );
    staff.set_cookie("lang", "zh");
    assert!(
        staff
            .get(&to)
            .await
            .body
            .contains("<p class=\"notice\" role=\"status\">已保存。</p>")
    );
    // Only known notices: a made-up text in the address says nothing.
    let forged = staff.get(&format!("{path}?done=%3Cb%3Epaid+in+full%3C%2Fb%3E")).await;
    assert_eq!(forged.status, StatusCode::OK);
    assert!(!forged.body.contains("class=\"notice\"") && !forged.body.contains("paid in full"));
    // Receiving stock says so too.
    let received = staff
        .submit(
            &path,
            &format!("{path}/lots"),
            &[("quantity", "4"), ("unit_cost", "7.50")],
        )
        .await;
    assert_eq!(
        received.location.as_deref(),
        Some(format!("{path}?done=stock_received#lots").as_str())
    );
}

async fn staff_write_stock_off_after_confirming(app: TestApp) {
    let token = app.staff("boss").await;
    let tea = app
        .create_product(&token, NewProduct::new("Longjing 龙井", 3_000).stocked(10, 700))
        .await;
    let mut staff = Browser::logged_in(&app, "boss", "staff-password").await;
    let path = format!("/admin/products/{tea}");
    let page = staff.get(&path).await;
    assert!(page.body.contains("id=\"write-off-form\""));
    let asked = staff
        .submit(
            &path,
            &format!("{path}/write-off"),
            &[("quantity", "3"), ("reason", "water damage 受潮")],
        )
        .await;
    assert!(asks_to_confirm(&asked, &format!("{path}/write-off")), "{}", asked.body);
    assert!(
        asked
            .body
            .contains("Write off 3 units of “Longjing 龙井” (water damage 受潮)?")
    );
    assert_eq!(stock_of(&app, &token, tea).await, 10, "nothing before confirming");
    let csrf = asked.csrf();
    let done = staff
        .post(
            &format!("{path}/write-off"),
            &[
                ("csrf", &csrf),
                ("quantity", "3"),
                ("reason", "water damage 受潮"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        done.location.as_deref(),
        Some(format!("{path}?done=written_off#lots").as_str())
    );
    assert_eq!(stock_of(&app, &token, tea).await, 7);
    assert!(
        staff
            .get(&format!("{path}?done=written_off"))
            .await
            .body
            .contains("Stock written off.")
    );
    // More than is on hand: refused beside the form, nothing written off.
    let too_many = staff
        .post(
            &format!("{path}/write-off"),
            &[
                ("csrf", &csrf),
                ("quantity", "50"),
                ("reason", "lost"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", too_many.body);
    assert!(too_many.body.contains("id=\"write-off-error\"") || too_many.body.contains("id=\"wo-e-quantity\""));
    // No reason: the field's message, no confirmation page.
    let no_reason = staff
        .post(
            &format!("{path}/write-off"),
            &[("csrf", &csrf), ("quantity", "1"), ("reason", "")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("id=\"wo-e-reason\""), "{}", no_reason.body);
    assert_eq!(stock_of(&app, &token, tea).await, 7);

    // A customer may not.
    let (customer, _) = app.shopper("lee_w", tea, 1).await;
    drop(customer);
    let mut buyer = Browser::logged_in(&app, "lee_w", "password123").await;
    let buyer_csrf = buyer.get("/account").await.csrf();
    let refused = buyer
        .post(
            &format!("{path}/write-off"),
            &[
                ("csrf", &buyer_csrf),
                ("quantity", "1"),
                ("reason", "x"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(stock_of(&app, &token, tea).await, 7);
    app.assert_clean().await;
}

async fn shoppers_edit_their_own_addresses_only(app: TestApp) {
    let mine = app.customer("lee_w").await;
    let address = app.add_address(&mine).await;
    let theirs = app.customer("mallory").await;
    let their_address = app.add_address(&theirs).await;

    let mut lee = Browser::logged_in(&app, "lee_w", "password123").await;
    let account = lee.get("/account").await;
    assert!(account.body.contains(&format!("href=\"/account/addresses/{address}\"")));
    let form = lee.get(&format!("/account/addresses/{address}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("value=\"王小明\"") && form.body.contains("value=\"北京\""));
    let fields = [
        ("recipient", "王小明"),
        ("phone", "+86 138 0013 8000"),
        ("line1", "南京路 1 号"),
        ("city", "上海"),
        ("country", "CN"),
    ];
    let saved = lee
        .submit(
            &format!("/account/addresses/{address}"),
            &format!("/account/addresses/{address}"),
            &fields,
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location.as_deref(), Some("/account?done=address_saved"));
    let account = lee.get("/account?done=address_saved").await;
    assert!(account.body.contains("南京路 1 号") && account.body.contains("上海"));
    assert!(account.body.contains("Address saved."));
    let book = app.get_json("/api/v1/me/addresses", Some(&mine)).await;
    assert_eq!(book["data"][0]["city"], "上海", "{book}");

    // A bad field comes back beside it, nothing saved.
    let refused = lee
        .submit(
            &format!("/account/addresses/{address}"),
            &format!("/account/addresses/{address}"),
            &[
                ("recipient", ""),
                ("phone", "+86 138 0013 8000"),
                ("line1", "x"),
                ("city", "杭州"),
                ("country", "CN"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"e-recipient\""));
    assert_eq!(
        app.get_json("/api/v1/me/addresses", Some(&mine)).await["data"][0]["city"],
        "上海"
    );

    // Someone else's address is not found, and stays as it was.
    assert_eq!(
        lee.get(&format!("/account/addresses/{their_address}")).await.status,
        StatusCode::NOT_FOUND
    );
    let csrf = lee.get("/account").await.csrf();
    let mut hijack = vec![("csrf", csrf.as_str())];
    hijack.extend_from_slice(&fields);
    let hijacked = lee.post(&format!("/account/addresses/{their_address}"), &hijack).await;
    assert_eq!(hijacked.status, StatusCode::NOT_FOUND);
    assert!(!hijacked.body.contains("北京"));
    assert_eq!(
        app.get_json("/api/v1/me/addresses", Some(&theirs)).await["data"][0]["city"],
        "北京"
    );
    // Anonymous visitors are sent to log in.
    let anonymous = Browser::new(&app).get(&format!("/account/addresses/{address}")).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.location.as_deref().is_some_and(|l| l.starts_with("/login")));
}

app_test!(
    the_dashboard_counts_what_needs_attention,
    ship_several_orders_reports_each_failure,
    orders_search_sort_and_export,
    irreversible_actions_ask_first,
    saves_say_so_in_the_page_language,
    staff_write_stock_off_after_confirming,
    shoppers_edit_their_own_addresses_only,
);
