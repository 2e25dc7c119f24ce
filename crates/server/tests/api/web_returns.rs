//! The return pages without a browser: the buyer asks on the order page (bad counts come
//! back beside the form, naming the line), staff approve, receive with a ticked
//! confirmation, and the refund shows on both sides; staff cancel a paid order and refund
//! on the shop's initiative from the admin order page; customers are refused the staff
//! pages. (The browser journey is in `tests/browser`.)

use reqwest::StatusCode;

use crate::app_test;
use crate::support::{NewProduct, TestApp, json_of};
use crate::web::Browser;

async fn the_return_journey_through_the_forms(app: TestApp) {
    let token = app.staff("boss").await;
    let tea = app
        .create_product(&token, NewProduct::new("Longjing 龙井", 3_000).stocked(10, 700))
        .await;
    let (customer, address) = app.shopper("lee_w", tea, 3).await;
    let order = app.place_order(&customer, address).await;
    app.pay(&customer, order).await;
    app.deliver(&token, &customer, order).await;
    let item = app.get_json(&format!("/api/v1/orders/{order}"), Some(&customer)).await["items"][0]["id"]
        .as_i64()
        .unwrap();
    let qty = format!("qty_{item}");

    let mut buyer = Browser::logged_in(&app, "lee_w", "password123").await;
    let page = buyer.get(&format!("/orders/{order}")).await;
    assert!(
        page.body.contains("id=\"return-form\""),
        "a received order offers returns"
    );
    // Too many units: the page again, the message naming the product.
    let csrf = page.csrf();
    let refused = buyer
        .post(
            &format!("/orders/{order}/returns"),
            &[("csrf", &csrf), (&qty, "4"), ("reason", "too big")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Longjing 龙井: only 3 of its 3 units can still be returned"),
        "{}",
        refused.body
    );
    let asked = buyer
        .post(
            &format!("/orders/{order}/returns"),
            &[("csrf", &csrf), (&qty, "2"), ("reason", "too big")],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    let rid = app.store.order_returns(order).await.unwrap()[0].id;
    let page = buyer.get(&format!("/orders/{order}")).await;
    assert!(page.body.contains(&format!("id=\"return-{rid}\"")));
    assert!(page.body.contains("max=\"1\""), "one unit left to ask for");

    // The customer cannot open the staff pages.
    assert_eq!(buyer.get("/admin/returns").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        buyer.get(&format!("/admin/returns/{rid}")).await.status,
        StatusCode::FORBIDDEN
    );

    let mut staff = Browser::logged_in(&app, "boss", "staff-password").await;
    let list = staff.get("/admin/returns").await;
    assert!(list.body.contains(&format!("id=\"open-return-{rid}\"")));
    let approved = staff
        .submit(
            &format!("/admin/returns/{rid}"),
            &format!("/admin/returns/{rid}/approve"),
            &[("instructions", "寄回：上海市 1 号\n请附上订单号")],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    // Receiving without the tick is refused and changes nothing.
    let (resellable, damaged) = (format!("resellable_{item}"), format!("damaged_{item}"));
    let unticked = staff
        .submit(
            &format!("/admin/returns/{rid}"),
            &format!("/admin/returns/{rid}/receive"),
            &[(&resellable, "1"), (&damaged, "1")],
        )
        .await;
    assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unticked.body.contains("tick the box"));
    let received = staff
        .submit(
            &format!("/admin/returns/{rid}"),
            &format!("/admin/returns/{rid}/receive"),
            &[(&resellable, "1"), (&damaged, "1"), ("confirm", "1")],
        )
        .await;
    assert_eq!(received.status, StatusCode::SEE_OTHER);
    let page = staff.get(&format!("/admin/returns/{rid}")).await;
    assert!(page.body.contains("data-status=\"received\""));
    assert!(page.body.contains("¥60.00"), "2 × 30.00 paid back");
    let product = app.get_json(&format!("/api/v1/products/{tea}"), Some(&token)).await;
    assert_eq!(
        product["variants"][0]["stock_available"], 8,
        "one unit back on the shelf"
    );
    // The customer's page in the admin lists it.
    let lee = app.store.credentials("lee_w").await.unwrap().unwrap().0.id;
    let customer_page = staff.get(&format!("/admin/customers/{lee}")).await;
    assert!(customer_page.body.contains(&format!("href=\"/admin/returns/{rid}\"")));

    // The buyer sees the instructions with their line break and the refund, in Chinese too.
    buyer.set_cookie("lang", "zh");
    let page = buyer.get(&format!("/orders/{order}")).await;
    assert!(page.body.contains("寄回：上海市 1 号\n请附上订单号"));
    assert!(page.body.contains("退货单"));
    assert!(page.body.contains(&format!("id=\"return-refund-{rid}\">¥60.00")));
    app.assert_clean().await;
}

async fn staff_cancel_and_refund_from_the_order_page(app: TestApp) {
    let token = app.staff("boss").await;
    let tea = app
        .create_product(&token, NewProduct::new("Longjing 龙井", 12_000).stocked(5, 700))
        .await;
    let (customer, address) = app.shopper("lee_w", tea, 1).await;
    let paid = app.paid_order(&customer, address, &[]).await;
    app.put_cart(&customer, tea, 1).await;
    let other = app.place_order(&customer, address).await;
    app.pay(&customer, other).await;

    let mut staff = Browser::logged_in(&app, "boss", "staff-password").await;
    let page = staff.get(&format!("/admin/orders/{paid}")).await;
    assert!(page.body.contains("id=\"staff-cancel-form\""));
    // A goodwill refund of 20.00, typed in yuan, confirmed.
    let refunded = staff
        .submit(
            &format!("/admin/orders/{paid}"),
            &format!("/admin/orders/{paid}/refunds"),
            &[("amount", "20.00"), ("reason", "late delivery"), ("confirm", "1")],
        )
        .await;
    assert_eq!(refunded.status, StatusCode::SEE_OTHER);
    let order = json_of(
        app.send(
            reqwest::Method::GET,
            &format!("/api/v1/orders/{paid}"),
            Some(&customer),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(order["refunded_amount"], 2_000);
    // Unconfirmed, the confirmation page and nothing cancelled; confirmed, the rest goes back.
    let unconfirmed = staff
        .submit(
            &format!("/admin/orders/{other}"),
            &format!("/admin/orders/{other}/cancel"),
            &[("reason", "warehouse fire")],
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::OK);
    assert!(unconfirmed.body.contains("id=\"confirm-form\""));
    let order = app.get_json(&format!("/api/v1/orders/{other}"), Some(&customer)).await;
    assert_eq!(order["status"], "paid");
    let cancelled = staff
        .submit(
            &format!("/admin/orders/{other}"),
            &format!("/admin/orders/{other}/cancel"),
            &[("reason", "warehouse fire"), ("confirm", "1")],
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    let order = app.get_json(&format!("/api/v1/orders/{other}"), Some(&customer)).await;
    assert_eq!(order["status"], "cancelled");
    assert_eq!(order["refunded_amount"], order["total"]);

    // A customer posting to the staff forms is refused.
    let mut buyer = Browser::logged_in(&app, "lee_w", "password123").await;
    let csrf = buyer.get("/account").await.csrf();
    let refused = buyer
        .post(
            &format!("/admin/orders/{paid}/refunds"),
            &[("csrf", &csrf), ("amount", "1.00"), ("reason", "me"), ("confirm", "1")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    app.assert_clean().await;
}

app_test!(
    the_return_journey_through_the_forms,
    staff_cancel_and_refund_from_the_order_page,
);
