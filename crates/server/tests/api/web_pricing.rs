//! The pricing-rule pages without a browser: staff set up shipping, promotions, coupons
//! and tax through the forms (amounts typed in yuan, rates in percent) and read them back
//! through the API; bad input comes back beside its field with 422; customers are refused.

use reqwest::StatusCode;
use serde_json::Value;

use crate::app_test;
use crate::support::{NewProduct, TestApp};
use crate::web::Browser;

/// A browser logged in as staff `boss`, and the staff's API token.
async fn staff_browser(app: &TestApp) -> (Browser<'_>, String) {
    let token = app.staff("boss").await;
    let mut staff = Browser::new(app);
    let login = staff
        .submit(
            "/login",
            "/login",
            &[("username", "boss"), ("password", "staff-password")],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    (staff, token)
}

fn data(v: &Value) -> &Vec<Value> {
    v["data"].as_array().expect("a list")
}

async fn staff_set_up_shipping_from_the_page(app: TestApp) {
    let (mut staff, token) = staff_browser(&app).await;
    let page = staff.get("/admin/shipping").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(r#"href="/admin/shipping""#),
        "the admin nav links the pricing section"
    );
    let added = staff
        .submit(
            "/admin/shipping",
            "/admin/shipping/zones",
            &[("name", "华南"), ("country", "cn"), ("regions", "广东, 广西\n海南")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert_eq!(added.location.as_deref(), Some("/admin/shipping?done=saved"));
    let zones = app.get_json("/api/v1/shipping-zones", Some(&token)).await;
    let zone = data(&zones).iter().find(|z| z["name"] == "华南").unwrap().clone();
    assert_eq!(zone["country"], "CN");
    assert_eq!(zone["regions"], serde_json::json!(["广东", "广西", "海南"]));
    let zone_id = zone["id"].as_i64().unwrap();
    // A flat method typed in yuan, then one by weight in tiers.
    let flat = staff
        .submit(
            "/admin/shipping",
            &format!("/admin/shipping/zones/{zone_id}/methods"),
            &[
                ("name", "顺丰"),
                ("name_en", "SF Express"),
                ("kind", "flat"),
                ("fee", "12.50"),
                ("free_above", "99"),
                ("estimate", "1–2 天"),
            ],
        )
        .await;
    assert_eq!(flat.status, StatusCode::SEE_OTHER);
    let weight = staff
        .submit(
            "/admin/shipping",
            &format!("/admin/shipping/zones/{zone_id}/methods"),
            &[("name", "邮政"), ("kind", "weight"), ("tiers", "1000 8\n5000 15.5\n30")],
        )
        .await;
    assert_eq!(weight.status, StatusCode::SEE_OTHER);
    let zone = app
        .get_json(&format!("/api/v1/shipping-zones/{zone_id}"), Some(&token))
        .await;
    let methods = zone["methods"].as_array().unwrap();
    assert_eq!(methods.len(), 2);
    let sf = methods.iter().find(|m| m["name"] == "顺丰").unwrap();
    assert_eq!(sf["rule"]["fee"], 1_250, "yuan become fen exactly");
    assert_eq!(sf["free_above"], 9_900);
    let post = methods.iter().find(|m| m["name"] == "邮政").unwrap();
    assert_eq!(post["rule"]["tiers"][1]["fee"], 1_550);
    assert!(post["rule"]["tiers"][2]["up_to_grams"].is_null());
    let page = staff.get("/admin/shipping").await;
    assert!(
        page.body.contains("顺丰") && page.body.contains("¥12.50"),
        "the method is listed"
    );
    // A bad fee is shown beside its field, with what was typed.
    let refused = staff
        .submit(
            "/admin/shipping",
            &format!("/admin/shipping/zones/{zone_id}/methods"),
            &[("name", "坏"), ("kind", "flat"), ("fee", "12.345")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(&format!(r#"id="method-form-{zone_id}-e-fee""#)));
    // Pausing then removing a method.
    let sf_id = sf["id"].as_i64().unwrap();
    let paused = staff
        .submit(
            "/admin/shipping",
            &format!("/admin/shipping/methods/{sf_id}/active"),
            &[("active", "false")],
        )
        .await;
    assert_eq!(paused.status, StatusCode::SEE_OTHER);
    let zone = app
        .get_json(&format!("/api/v1/shipping-zones/{zone_id}"), Some(&token))
        .await;
    let sf = zone["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == sf_id)
        .unwrap()
        .clone();
    assert_eq!(sf["active"], false);
    // Deleting asks first; nothing goes until confirmed.
    let asked = staff
        .submit(
            "/admin/shipping",
            &format!("/admin/shipping/methods/{sf_id}/delete"),
            &[],
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("id=\"confirm-form\"") && asked.body.contains("cannot be undone"));
    let removed = staff
        .submit(
            "/admin/shipping",
            &format!("/admin/shipping/methods/{sf_id}/delete"),
            &[("confirmed", "1")],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let gone = staff
        .submit(
            "/admin/shipping",
            &format!("/admin/shipping/zones/{zone_id}/delete"),
            &[("confirmed", "1")],
        )
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    let zones = app.get_json("/api/v1/shipping-zones", Some(&token)).await;
    assert!(data(&zones).iter().all(|z| z["id"] != zone_id));
}
app_test!(staff_set_up_shipping_from_the_page);

async fn staff_add_a_threshold_promotion_and_see_bad_percentages_refused(app: TestApp) {
    let (mut staff, token) = staff_browser(&app).await;
    let added = staff
        .submit(
            "/admin/promotions",
            "/admin/promotions",
            &[
                ("name", "双十一满减"),
                ("kind", "threshold"),
                ("tiers", "99 10\n199 30"),
                ("starts_at", "2026-11-11T00:00"),
                ("ends_at", "2026-11-12T00:00"),
                ("priority", "5"),
                ("combinable", "true"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let list = app.get_json("/api/v1/promotions", Some(&token)).await;
    let promo = data(&list).iter().find(|p| p["name"] == "双十一满减").unwrap().clone();
    assert_eq!(promo["kind"], "threshold");
    assert_eq!(promo["tiers"][1]["off"], 3_000);
    assert_eq!(
        promo["starts_at"], "2026-11-10T16:00:00.000Z",
        "datetime-local is read in the shop's time zone (Asia/Shanghai, UTC+8)"
    );
    let page = staff.get("/admin/promotions").await;
    assert!(page.body.contains("双十一满减") && page.body.contains("¥199.00 − ¥30.00"));
    // The change form comes back filled in; a percentage of 150 is refused beside it.
    let id = promo["id"].as_i64().unwrap();
    let edit = staff.get(&format!("/admin/promotions/{id}")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("199 30") && edit.body.contains("2026-11-11T00:00"));
    let refused = staff
        .submit(
            "/admin/promotions",
            "/admin/promotions",
            &[("name", "太多"), ("kind", "percent_off"), ("percent", "150")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains(r#"id="promotion-form-e-percent""#),
        "the error is beside the field"
    );
    assert!(refused.body.contains(r#"value="150""#), "what was typed stays");
    // Changed into a percentage, then removed.
    let changed = staff
        .submit(
            &format!("/admin/promotions/{id}"),
            &format!("/admin/promotions/{id}"),
            &[("name", "九折"), ("kind", "percent_off"), ("percent", "10")],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let promo = app.get_json(&format!("/api/v1/promotions/{id}"), Some(&token)).await;
    assert_eq!(promo["percent"], 10);
    assert_eq!(promo["active"], false, "an unticked box is off");
    let removed = staff
        .submit(
            "/admin/promotions",
            &format!("/admin/promotions/{id}/delete"),
            &[("confirmed", "1")],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
}
app_test!(staff_add_a_threshold_promotion_and_see_bad_percentages_refused);

async fn staff_add_a_coupon_and_generate_a_batch(app: TestApp) {
    let (mut staff, token) = staff_browser(&app).await;
    let added = staff
        .submit(
            "/admin/coupons",
            "/admin/coupons",
            &[
                ("code", "welcome10"),
                ("kind", "fixed"),
                ("value", "10"),
                ("min_spend", "50"),
                ("usage_limit", "100"),
                ("combinable", "true"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let list = app.get_json("/api/v1/coupons", Some(&token)).await;
    let coupon = data(&list).iter().find(|c| c["code"] == "WELCOME10").unwrap().clone();
    assert_eq!(coupon["value"], 1_000);
    assert_eq!(coupon["min_spend"], 5_000);
    let page = staff.get("/admin/coupons").await;
    assert!(
        page.body.contains("WELCOME10") && page.body.contains("0 / 100"),
        "listed with its use"
    );
    // The same code again is a conflict shown on the form, not an error page.
    let taken = staff
        .submit(
            "/admin/coupons",
            "/admin/coupons",
            &[("code", "WELCOME10"), ("kind", "fixed"), ("value", "5")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    let batch = staff
        .submit(
            "/admin/coupons",
            "/admin/coupons/batch",
            &[
                ("prefix", "VIP-"),
                ("count", "3"),
                ("kind", "percent"),
                ("value", "15"),
                ("max_discount", "50"),
                ("per_customer_limit", "1"),
            ],
        )
        .await;
    assert_eq!(batch.status, StatusCode::OK, "{}", batch.body);
    assert!(batch.body.contains(r#"id="generated-codes""#));
    let shown = batch.body.split(r#"id="generated-codes""#).nth(1).unwrap();
    let shown = shown.split("</section>").next().unwrap();
    assert_eq!(shown.matches("VIP-").count(), 3, "the new codes are shown");
    let list = app.get_json("/api/v1/coupons", Some(&token)).await;
    let vips: Vec<&Value> = data(&list)
        .iter()
        .filter(|c| c["code"].as_str().unwrap().starts_with("VIP-"))
        .collect();
    assert_eq!(vips.len(), 3);
    assert_eq!(vips[0]["max_discount"], 5_000);
    // A coupon no order holds is deleted, and the list says so.
    let id = coupon["id"].as_i64().unwrap();
    let removed = staff
        .submit(
            "/admin/coupons",
            &format!("/admin/coupons/{id}/delete"),
            &[("confirmed", "1")],
        )
        .await;
    assert_eq!(removed.location.as_deref(), Some("/admin/coupons?removed=deleted"));
    let notice = staff.get("/admin/coupons?removed=deleted").await;
    assert!(notice.body.contains("The coupon was deleted."));
}
app_test!(staff_add_a_coupon_and_generate_a_batch);

async fn staff_set_tax_in_percent(app: TestApp) {
    let (mut staff, token) = staff_browser(&app).await;
    app.create_product(&token, NewProduct::new("龙井", 12_800).in_category("Tea"))
        .await;
    let tree = app.get_json("/api/v1/categories", Some(&token)).await;
    let tea = data(&tree).iter().find(|c| c["name"] == "Tea").unwrap()["id"].clone();
    let saved = staff
        .submit(
            "/admin/tax",
            "/admin/tax",
            &[("mode", "exclusive"), ("default_rate", "6.5"), ("shipping_rate", "9")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let settings = app.get_json("/api/v1/tax-settings", Some(&token)).await;
    assert_eq!(settings["mode"], "exclusive");
    assert_eq!(settings["default_rate"], 650, "percent becomes basis points exactly");
    let added = staff
        .submit(
            "/admin/tax",
            "/admin/tax/rates",
            &[("category_id", &tea.to_string()), ("region", "海南"), ("rate", "13")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let rates = app.get_json("/api/v1/tax-rates", Some(&token)).await;
    let rate = data(&rates)[0].clone();
    assert_eq!(rate["rate"], 1_300);
    let page = staff.get("/admin/tax").await;
    assert!(page.body.contains("海南") && page.body.contains("13 %"));
    let refused = staff
        .submit(
            "/admin/tax",
            "/admin/tax",
            &[("mode", "inclusive"), ("default_rate", "150"), ("shipping_rate", "abc")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(r#"id="tax-settings-form-e-shipping_rate""#));
    let removed = staff
        .submit(
            "/admin/tax",
            &format!("/admin/tax/rates/{}/delete", rate["id"]),
            &[("confirmed", "1")],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let rates = app.get_json("/api/v1/tax-rates", Some(&token)).await;
    assert!(data(&rates).is_empty());
}
app_test!(staff_set_tax_in_percent);

async fn customers_and_visitors_never_see_the_pricing_pages(app: TestApp) {
    let mut customer = Browser::new(&app);
    customer.register("bob").await;
    let csrf = customer.get("/account").await.csrf();
    for path in ["/admin/shipping", "/admin/promotions", "/admin/coupons", "/admin/tax"] {
        assert_eq!(customer.get(path).await.status, StatusCode::FORBIDDEN, "GET {path}");
    }
    for path in [
        "/admin/shipping/zones",
        "/admin/promotions",
        "/admin/coupons/batch",
        "/admin/tax/rates",
    ] {
        let page = customer.post(path, &[("csrf", &csrf), ("name", "x")]).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "POST {path}");
    }
    let mut visitor = Browser::new(&app);
    let page = visitor.get("/admin/coupons").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/login?next=%2Fadmin%2Fcoupons"));
}
app_test!(customers_and_visitors_never_see_the_pricing_pages);
