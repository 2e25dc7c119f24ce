//! The pricing pages in Chinese, without a browser: staff edit a shipping zone and every
//! field of a method, and target variants (by id or SKU) in promotions and coupons, on
//! pages asked for in zh-CN; every word of the interface is Chinese, errors too; and the
//! edits take effect at checkout and in the cart's breakdown.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{TestApp, json_of};
use crate::web::{Browser, Page};

/// English interface text the pricing pages, the cart and their errors would show if a
/// Chinese page fell back to English (from the English catalogue and the use cases'
/// messages).
const ENGLISH: &[&str] = &[
    "Shipping",
    "Add a zone",
    "Add a method",
    "Edit",
    "Delete",
    "Save",
    "Fee rule",
    "Flat fee",
    "Delivery estimate",
    "Regions",
    "Country code",
    "English name",
    "Position",
    "Free shipping from",
    "Active",
    "Variants",
    "Product ids",
    "Category ids",
    "Weight tiers",
    "In yuan",
    "optional",
    "Lower comes first",
    "Promotions",
    "Coupons",
    "Subtotal",
    "Total",
    "of which VAT",
    "Not applied",
    "Discount",
    "must be",
    "names no",
    "needs a country",
    "is required",
];

/// The text a reader sees: the page without its tags, scripts and styles.
fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        text.push(' ');
        let after = &rest[open..];
        let skip_to = ["<script", "<style"]
            .iter()
            .find(|tag| after.starts_with(**tag))
            .and_then(|tag| after.find(&format!("</{}", &tag[1..])))
            .unwrap_or(0);
        rest = match after[skip_to..].find('>') {
            Some(close) => &after[skip_to + close + 1..],
            None => "",
        };
    }
    text.push_str(rest);
    text
}

/// Asserts a page is Chinese through and through: `<html lang="zh-CN">`, and none of the
/// English interface words in what it shows.
fn assert_chinese(page: &Page, what: &str) {
    assert!(
        page.body.contains(r#"<html lang="zh-CN">"#),
        "{what}: not a Chinese page"
    );
    let text = visible_text(&page.body);
    for english in ENGLISH {
        let found = text.match_indices(english).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + english.len()..].chars().next();
            before.is_none_or(|c| !c.is_ascii_alphabetic()) && after.is_none_or(|c| !c.is_ascii_alphabetic())
        });
        assert!(!found, "{what} shows untranslated {english:?}:\n{text}");
    }
}

/// Staff `boss` logged in through the page, asking for Chinese; and the API token.
async fn chinese_staff(app: &TestApp) -> (Browser<'_>, String) {
    let token = app.staff("boss").await;
    let mut staff = Browser::new(app);
    staff.accept_language("zh-CN,zh;q=0.9");
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

/// A product with a SKU, stocked; answers (product id, its variant's id).
async fn product_with_sku(app: &TestApp, staff: &str, name: &str, price: i64, sku: &str) -> (i64, i64) {
    let body = json!({"name": name, "price": price, "sku": sku,
                      "initial_stock": {"quantity": 50, "unit_cost": 100}});
    let product = json_of(
        app.send(Method::POST, "/api/v1/products", Some(staff), Some(body))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = product["id"].as_i64().unwrap();
    let read = app.get_json(&format!("/api/v1/products/{id}"), None).await;
    (id, read["variants"][0]["id"].as_i64().unwrap())
}

/// A customer's address in `region` (a Chinese province); answers its id.
async fn address_in(app: &TestApp, token: &str, region: &str) -> i64 {
    let body = json!({"recipient": "李雷", "phone": "+86 138 0013 8000", "line1": "人民路 1 号",
                      "city": "某市", "region": region, "country": "CN"});
    let response = app
        .send(Method::POST, "/api/v1/me/addresses", Some(token), Some(body))
        .await;
    json_of(response, StatusCode::CREATED).await["id"].as_i64().unwrap()
}

async fn chinese_staff_edit_a_zone_and_a_method_and_checkout_follows(app: TestApp) {
    let (mut staff, token) = chinese_staff(&app).await;
    // A zone for two provinces, added on the page: the list says it was saved, in Chinese.
    let added = staff
        .submit(
            "/admin/shipping",
            "/admin/shipping/zones",
            &[("name", "华南"), ("country", "CN"), ("regions", "广东\n广西")],
        )
        .await;
    assert_eq!(added.location.as_deref(), Some("/admin/shipping?done=saved"));
    let list = staff.get("/admin/shipping?done=saved").await;
    assert!(list.body.contains("已保存。"), "the notice after a save");
    assert_chinese(&list, "the shipping list");
    let zones = app.get_json("/api/v1/shipping-zones", Some(&token)).await;
    let zone_id = zones["data"][0]["id"].as_i64().unwrap();
    let added = staff
        .submit(
            "/admin/shipping",
            &format!("/admin/shipping/zones/{zone_id}/methods"),
            &[("name", "顺丰"), ("name_en", "SF"), ("kind", "flat"), ("fee", "12")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let list = staff.get("/admin/shipping").await;
    assert!(
        list.body
            .contains(&format!(r#"href="/admin/shipping/zones/{zone_id}""#))
    );
    let zone = app
        .get_json(&format!("/api/v1/shipping-zones/{zone_id}"), Some(&token))
        .await;
    let method_id = zone["methods"][0]["id"].as_i64().unwrap();
    assert!(
        list.body
            .contains(&format!(r#"href="/admin/shipping/methods/{method_id}""#))
    );

    // The zone's page, filled in; a bad country and regions without one are refused
    // beside their fields, in Chinese, with what was typed.
    let page = staff.get(&format!("/admin/shipping/zones/{zone_id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("编辑配送区域") && page.body.contains("广东\n广西"));
    assert_chinese(&page, "the zone's page");
    let path = format!("/admin/shipping/zones/{zone_id}");
    let refused = staff
        .submit(
            &path,
            &path,
            &[("name", "华南"), ("country", "XX"), ("regions", "广西")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(r#"id="zone-edit-e-country""#));
    assert!(refused.body.contains("请输入两位国家代码") && refused.body.contains(r#"value="XX""#));
    assert_chinese(&refused, "the zone's page refused");
    let refused = staff
        .submit(&path, &path, &[("name", ""), ("country", ""), ("regions", "广西")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(r#"id="zone-edit-e-name""#) && refused.body.contains(r#"id="zone-edit-e-regions""#));
    assert_chinese(&refused, "the zone's page refused twice");
    // Guangdong is taken out of the zone, and the zone renamed and moved.
    let saved = staff
        .submit(
            &path,
            &path,
            &[
                ("name", "广西专区"),
                ("country", "cn"),
                ("regions", "广西"),
                ("position", "4"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location.as_deref(), Some("/admin/shipping?done=saved"));
    let zone = app
        .get_json(&format!("/api/v1/shipping-zones/{zone_id}"), Some(&token))
        .await;
    assert_eq!(zone["name"], "广西专区");
    assert_eq!(zone["regions"], json!(["广西"]));
    assert_eq!(zone["position"], 4);

    // The method's page: every field, in Chinese; a tier gap is refused beside the tiers.
    let path = format!("/admin/shipping/methods/{method_id}");
    let page = staff.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("编辑配送方式") && page.body.contains(r#"value="12""#));
    assert!(page.body.contains("广西专区"), "it names its zone");
    assert_chinese(&page, "the method's page");
    let refused = staff
        .submit(
            &path,
            &path,
            &[
                ("name", "顺丰"),
                ("kind", "weight"),
                ("tiers", "1000 8\n500 9"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(r#"id="method-edit-e-tiers""#));
    assert!(refused.body.contains("重量上限须大于上一档的上限"));
    assert!(refused.body.contains("1000 8\n500 9"), "what was typed stays");
    assert_chinese(&refused, "the method's page refused");
    let saved = staff
        .submit(
            &path,
            &path,
            &[
                ("name", "顺丰速运"),
                ("name_en", "SF Express"),
                ("kind", "count"),
                ("first", "10"),
                ("each_more", "2.50"),
                ("free_above", ""),
                ("estimate", "次日达"),
                ("position", "3"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let zone = app
        .get_json(&format!("/api/v1/shipping-zones/{zone_id}"), Some(&token))
        .await;
    let method = &zone["methods"][0];
    assert_eq!(method["name"], "顺丰速运");
    assert_eq!(method["name_en"], "SF Express");
    assert_eq!(
        method["rule"],
        json!({"kind": "count", "first": 1_000, "each_more": 250})
    );
    assert_eq!(method["estimate"], "次日达");
    assert_eq!(method["position"], 3);
    assert_eq!(method["active"], true);
    let audit = app
        .get_json("/api/v1/audit-log?action=shipping_method.update", Some(&token))
        .await;
    assert!(
        audit["data"].as_array().is_some_and(|d| !d.is_empty()),
        "the change is audited: {audit}"
    );

    // Checkout follows: an address in Guangdong has no method any more (422), one in
    // Guangxi is offered the edited one at its new fee.
    let (_, tea) = product_with_sku(&app, &token, "龙井", 3_000, "LJ-1").await;
    let customer = app.customer("lilei").await;
    let cart = app
        .send(
            Method::PUT,
            &format!("/api/v1/cart/lines/{tea}"),
            Some(&customer),
            Some(json!({"quantity": 2})),
        )
        .await;
    assert_eq!(cart.status(), StatusCode::OK);
    let guangdong = address_in(&app, &customer, "广东").await;
    let refused = app
        .send(
            Method::POST,
            "/api/v1/orders",
            Some(&customer),
            Some(json!({"address_id": guangdong})),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json::<Value>().await.unwrap()["code"], "no_shipping_method");
    let guangxi = address_in(&app, &customer, "广西").await;
    let methods = app
        .get_json(
            &format!("/api/v1/shipping-methods?address_id={guangxi}"),
            Some(&customer),
        )
        .await;
    assert_eq!(methods["data"][0]["id"], method_id);
    assert_eq!(
        methods["data"][0]["fee"], 1_250,
        "¥10 for the first item, ¥2.50 for the second"
    );
}
app_test!(chinese_staff_edit_a_zone_and_a_method_and_checkout_follows);

async fn chinese_staff_target_variants_by_sku_and_the_cart_shows_it(app: TestApp) {
    let (mut staff, token) = chinese_staff(&app).await;
    let (_, tea) = product_with_sku(&app, &token, "龙井", 10_000, "LJ-250G").await;
    let (_, cup) = product_with_sku(&app, &token, "茶杯", 5_000, "CUP-1").await;
    // An unknown SKU and an unknown id are each named, in Chinese, beside the box.
    let refused = staff
        .submit(
            "/admin/promotions",
            "/admin/promotions",
            &[
                ("name", "龙井九折"),
                ("kind", "percent_off"),
                ("percent", "10"),
                ("variant_ids", "NO-SUCH, 999999"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(r#"id="promotion-form-e-variant_ids""#));
    assert!(refused.body.contains("没有这个款式"));
    assert!(refused.body.contains(r#"value="NO-SUCH, 999999""#));
    assert_chinese(&refused, "the promotion form refused");
    // By SKU: stored as the variant's id.
    let added = staff
        .submit(
            "/admin/promotions",
            "/admin/promotions",
            &[
                ("name", "龙井九折"),
                ("kind", "percent_off"),
                ("percent", "10"),
                ("variant_ids", "LJ-250G"),
                ("combinable", "true"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let list = app.get_json("/api/v1/promotions", Some(&token)).await;
    let promotion = list["data"][0].clone();
    assert_eq!(promotion["variant_ids"], json!([tea]));
    let id = promotion["id"].as_i64().unwrap();
    let page = staff.get(&format!("/admin/promotions/{id}")).await;
    assert!(
        page.body
            .contains(&format!(r#"name="variant_ids" type="text" value="{tea}""#))
    );
    assert_chinese(&page, "the promotion's page");
    // A 满减 the cart does not reach, to be shown as not applied with why.
    let added = staff
        .submit(
            "/admin/promotions",
            "/admin/promotions",
            &[
                ("name", "满 999 减 100"),
                ("kind", "threshold"),
                ("tiers", "999 100"),
                ("combinable", "true"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    // A coupon for the cup by id, changed to the tea by SKU on its page.
    let added = staff
        .submit(
            "/admin/coupons",
            "/admin/coupons",
            &[
                ("code", "CUP5"),
                ("kind", "fixed"),
                ("value", "5"),
                ("variant_ids", &cup.to_string()),
                ("combinable", "true"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let coupons = app.get_json("/api/v1/coupons", Some(&token)).await;
    let coupon_id = coupons["data"][0]["id"].as_i64().unwrap();
    assert_eq!(coupons["data"][0]["variant_ids"], json!([cup]));
    let path = format!("/admin/coupons/{coupon_id}");
    let page = staff.get(&path).await;
    assert_chinese(&page, "the coupon's page");
    let refused = staff
        .submit(
            &path,
            &path,
            &[
                ("code", "CUP5"),
                ("kind", "fixed"),
                ("value", "5"),
                ("variant_ids", "lj-250g"),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "SKUs are matched exactly"
    );
    assert!(refused.body.contains(r#"id="coupon-form-e-variant_ids""#));
    assert_chinese(&refused, "the coupon's page refused");
    let saved = staff
        .submit(
            &path,
            &path,
            &[
                ("code", "CUP5"),
                ("kind", "fixed"),
                ("value", "5"),
                ("variant_ids", "LJ-250G"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location.as_deref(), Some("/admin/coupons?done=saved"));
    let coupon = app
        .get_json(&format!("/api/v1/coupons/{coupon_id}"), Some(&token))
        .await;
    assert_eq!(coupon["variant_ids"], json!([tea]));

    // The cart shows the breakdown: the tea 10 % off (struck through), the cup at its
    // price, the 满减 not reached and why, shipping, the VAT inside and the total.
    let mut buyer = Browser::new(&app);
    buyer.register("hanmeimei").await;
    buyer.accept_language("zh-CN");
    let csrf = buyer.get("/account").await.csrf();
    for (variant, product) in [(tea, tea), (cup, cup)] {
        let added = buyer
            .post(
                &format!("/cart/items/{product}"),
                &[
                    ("csrf", &csrf),
                    ("variant_id", &variant.to_string()),
                    ("quantity", "1"),
                    ("mode", "add"),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    }
    let unpriced = buyer.get("/cart").await;
    assert!(
        unpriced.body.contains(r#"id="priced-at-checkout""#),
        "no address yet: priced at checkout"
    );
    assert_chinese(&unpriced, "the cart without an address");
    let saved = buyer
        .submit(
            "/account",
            "/account/addresses",
            &[
                ("recipient", "韩梅梅"),
                ("phone", "13800138000"),
                ("line1", "中山路 2 号"),
                ("city", "上海"),
                ("country", "CN"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let cart = buyer.get("/cart").await;
    assert_eq!(cart.status, StatusCode::OK);
    assert!(
        cart.body
            .contains(r#"<s class="muted">¥100.00</s> <span class="discounted">¥90.00</span>"#),
        "{}",
        cart.body
    );
    assert!(
        cart.body.contains("优惠: 龙井九折") && cart.body.contains("-¥10.00"),
        "{}",
        cart.body
    );
    assert!(
        cart.body.contains("满 999 减 100: 未使用 (未达到最低消费金额)"),
        "{}",
        cart.body
    );
    // ¥150 of goods, ¥10 off: ¥140, shipping free from ¥99 in the default shop.
    assert!(cart.body.contains(r#"id="checkout-total">¥140.00<"#), "{}", cart.body);
    assert!(cart.body.contains("其中增值税") && cart.body.contains(r#"id="priced-to""#));
    assert_chinese(&cart, "the cart");
    // The same cart in English, from the same partial as checkout.
    let switched = buyer.get("/cart?lang=en").await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    let english = buyer.get("/cart").await;
    assert!(
        english.body.contains("Discount: 龙井九折") && english.body.contains("of which VAT"),
        "{}",
        english.body
    );
    assert!(
        english
            .body
            .contains("Not applied (the order does not reach its minimum spend)")
    );
    let checkout = buyer.get("/checkout").await;
    assert!(
        checkout.body.contains(r#"id="checkout-total">¥140.00<"#),
        "the checkout agrees"
    );
}
app_test!(chinese_staff_target_variants_by_sku_and_the_cart_shows_it);
