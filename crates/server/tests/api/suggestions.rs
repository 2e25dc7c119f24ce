//! "Did you mean": a search that finds nothing suggests a spelling correction or the
//! Chinese words of its pinyin, in the API's answer and as a link on the products page.

use reqwest::Method;
use serde_json::{Value, json};

use crate::app_test;
use crate::support::TestApp;
use crate::web::Browser;

/// A bilingual shop: Chinese names with English translations.
async fn bilingual_shop(app: &TestApp) {
    let staff = app.staff("boss").await;
    for (name, english, category) in [
        ("苹果手机 iPhone 15", "Apple iPhone 15 Phone", "Phones"),
        ("索尼头戴式耳机", "Sony Wireless Headphones", "Phones"),
        ("西湖龙井 绿茶 250g", "West Lake Longjing Green Tea", "Tea"),
    ] {
        let body = json!({
            "name": name, "category": category, "price": 12_800,
            "translations": {"en": {"name": english}},
        });
        let response = app
            .send(Method::POST, "/api/v1/products", Some(&staff), Some(body))
            .await;
        assert!(response.status().is_success(), "{name}: {}", response.status());
    }
    app.catch_up_search().await;
}

async fn search(app: &TestApp, query: &str) -> Value {
    app.get_json(&format!("/api/v1/products?{query}"), None).await
}

async fn a_search_that_finds_nothing_suggests_one_that_does(app: TestApp) {
    bilingual_shop(&app).await;
    for (query, suggestion) in [
        ("q=hedphnoes", "headphones"),
        ("q=shouji", "手机"),
        ("q=shou%20ji", "手机"),
        ("q=L%C3%BC%20cha", "绿茶"),
        ("q=erji", "耳机"),
    ] {
        let answer = search(&app, query).await;
        assert_eq!(answer["data"], json!([]), "{query}");
        assert_eq!(answer["suggestion"], suggestion, "{query}");
        let q = serde_urlencoded::to_string([("q", suggestion)]).unwrap();
        let followed = search(&app, &q).await;
        assert!(
            !followed["data"].as_array().unwrap().is_empty(),
            "{suggestion} finds products"
        );
        assert!(followed.get("suggestion").is_none(), "a search that finds has none");
    }
    // Nothing close, or nothing close within the filters: no suggestion at all.
    for query in [
        "q=xqzvbnm",
        "q=shouji&category=Tea",
        "q=hedphnoes&max_price=100",
        "max_price=100",
    ] {
        let answer = search(&app, query).await;
        assert_eq!(answer["data"], json!([]), "{query}");
        assert!(answer.get("suggestion").is_none(), "{query}: {}", answer["suggestion"]);
    }
}
app_test!(a_search_that_finds_nothing_suggests_one_that_does);

/// `shou ji` also finds the tea named "Shou Mei", matching one of its two words: the
/// phones it spells are suggested beside that weak answer, on the API and the page.
async fn a_search_matching_some_words_still_suggests(app: TestApp) {
    bilingual_shop(&app).await;
    let staff = app.staff("tea").await;
    let body = json!({
        "name": "寿眉白茶 Shou Mei", "category": "Tea", "price": 8_800,
        "translations": {"en": {"name": "Shou Mei White Tea"}},
    });
    let response = app
        .send(Method::POST, "/api/v1/products", Some(&staff), Some(body))
        .await;
    assert!(response.status().is_success());
    app.catch_up_search().await;

    let answer = search(&app, "q=shou%20ji").await;
    let names: Vec<&str> = answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["寿眉白茶 Shou Mei"], "the weak match is still shown");
    assert_eq!(answer["suggestion"], "手机");
    // Both words are the catalogue's own, just never together: nothing better to say.
    let answer = search(&app, "q=Sony%20Longjing").await;
    assert_eq!(answer["data"].as_array().map(Vec::len), Some(2));
    assert!(answer.get("suggestion").is_none(), "{}", answer["suggestion"]);

    let mut browser = Browser::new(&app);
    let page = browser.get("/products?q=shou+ji").await;
    assert!(page.body.contains("寿眉白茶 Shou Mei") || page.body.contains("Shou Mei White Tea"));
    assert!(!page.body.contains("No products match."));
    assert!(
        page.body
            .contains(r#"<p id="suggestion">Did you mean <a href="/products?q=%E6%89%8B%E6%9C%BA">手机</a>?</p>"#),
        "{}",
        page.body
    );
}
app_test!(a_search_matching_some_words_still_suggests);

async fn the_products_page_links_the_suggestion_in_both_languages(app: TestApp) {
    bilingual_shop(&app).await;
    let mut english = Browser::new(&app);
    let page = english.get("/products?q=hedphnoes&lang=en").await;
    let page = match page.location {
        Some(location) => english.get(&location).await,
        None => page,
    };
    assert!(page.body.contains("No products match."), "{}", page.body);
    assert!(
        page.body
            .contains(r#"<p id="suggestion">Did you mean <a href="/products?q=headphones">headphones</a>?</p>"#),
        "{}",
        page.body
    );

    let mut chinese = Browser::new(&app);
    chinese.get("/?lang=zh").await;
    let page = chinese.get("/products?q=shou+ji&category=Phones").await;
    assert!(page.body.contains("没有符合条件的商品。"));
    // Askama writes `&` as `&#38;`.
    let link = "/products?category=Phones&#38;q=%E6%89%8B%E6%9C%BA";
    assert!(
        page.body.contains(&format!(
            r#"<p id="suggestion">您是不是要找：<a href="{link}">手机</a>？</p>"#
        )),
        "the link keeps the filters: {}",
        page.body
    );
    let followed = chinese.get(&link.replace("&#38;", "&")).await;
    assert!(followed.body.contains("苹果手机 iPhone 15") && !followed.body.contains(r#"id="suggestion""#));

    let nonsense = chinese.get("/products?q=xqzvbnm").await;
    assert!(nonsense.body.contains("没有符合条件的商品。") && !nonsense.body.contains(r#"id="suggestion""#));
}
app_test!(the_products_page_links_the_suggestion_in_both_languages);
