//! Product translations through the API: staff write them with the product, answers
//! follow `Accept-Language` with the original as fallback, search matches either
//! language, facet labels follow, edits replace them, and bad ones are named.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{TestApp, expect_problem, fields, json_of};

async fn get_in(app: &TestApp, path: &str, language: &str) -> Value {
    let response = app
        .request(Method::GET, path)
        .header("accept-language", language)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

fn english() -> Value {
    json!({
        "name": "Trail runner",
        "description": "Light shoes for rough paths.",
        "options": {"颜色": "Colour"},
        "values": {"颜色": {"黑": "Black", "白": "White"}},
    })
}

async fn answers_follow_the_language_and_search_matches_either(app: TestApp) {
    let staff = app.staff("boss").await;
    let shoe = json_of(
        app.send(
            Method::POST,
            "/api/v1/products",
            Some(&staff),
            Some(json!({
                "name": "越野跑鞋",
                "description": "适合山路的轻便跑鞋。",
                "options": [{"name": "颜色", "values": ["黑", "白"]}],
                "variants": [
                    {"option_values": ["黑"], "price": 39_900, "initial_stock": {"quantity": 2, "unit_cost": 10_000}},
                    {"option_values": ["白"], "price": 39_900},
                ],
                "translations": {"en": english()},
            })),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/api/v1/products/{}", shoe["id"]);
    assert_eq!(shoe["translations"]["en"], english());

    let en = get_in(&app, &path, "en-US,en;q=0.9").await;
    assert_eq!(
        (&en["name"], &en["description"], &en["original_name"]),
        (
            &json!("Trail runner"),
            &json!("Light shoes for rough paths."),
            &json!("越野跑鞋")
        )
    );
    assert_eq!(
        en["options"][0],
        json!({"name": "颜色", "values": ["黑", "白"], "label": "Colour", "value_labels": ["Black", "White"]})
    );
    assert_eq!(en["variants"][0]["title"], "Black");
    assert_eq!(
        en["variants"][0]["option_values"],
        json!(["黑"]),
        "values stay the identifiers"
    );
    // Chinese, or a language without a translation: the original.
    for language in ["zh-CN", "fr"] {
        let page = get_in(&app, &path, language).await;
        assert_eq!(
            (&page["name"], &page["variants"][0]["title"]),
            (&json!("越野跑鞋"), &json!("黑"))
        );
    }

    // Search matches the original and the translation; listings answer in the language.
    app.catch_up_search().await;
    for q in ["%E8%B6%8A%E9%87%8E", "trail", "rough", "black"] {
        let found = get_in(&app, &format!("/api/v1/products?q={q}"), "en").await;
        assert_eq!(found["data"][0]["name"], "Trail runner", "q={q}");
    }
    let facets = get_in(&app, "/api/v1/products", "en").await;
    let colour = &facets["facets"]["options"][0];
    assert_eq!((&colour["name"], &colour["label"]), (&json!("颜色"), &json!("Colour")));
    let labels: Vec<(&str, &str)> = colour["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["value"].as_str().unwrap(), v["label"].as_str().unwrap()))
        .collect();
    assert_eq!(labels, vec![("白", "White"), ("黑", "Black")]);

    // An edit replaces every translation; an empty map removes them.
    let edited = json_of(
        app.send(
            Method::PATCH,
            &path,
            Some(&staff),
            Some(json!({"translations": {"en": {"name": "Fell runner"}}})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        edited["translations"],
        json!({"en": {"name": "Fell runner", "options": {}, "values": {}}})
    );
    assert_eq!(get_in(&app, &path, "en").await["description"], "适合山路的轻便跑鞋。");
    json_of(
        app.send(Method::PATCH, &path, Some(&staff), Some(json!({"translations": {}})))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(get_in(&app, &path, "en").await["name"], "越野跑鞋");
}

async fn bad_translations_are_named_and_nothing_is_written(app: TestApp) {
    let staff = app.staff("boss").await;
    let body = json!({
        "name": "茶杯", "price": 2_900,
        "options": [],
        "translations": {
            "en": {"name": "", "options": {"颜色": "Colour"}},
            "fr": {"name": "Tasse"},
        },
    });
    let response = app
        .send(Method::POST, "/api/v1/products", Some(&staff), Some(body))
        .await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(
        fields(&problem),
        vec![
            "translations.en.name",
            "translations.en.options.颜色",
            "translations.fr"
        ]
    );
    let listed = app.get_json("/api/v1/products?facets=false", Some(&staff)).await;
    assert_eq!(listed["data"], json!([]), "nothing was written");

    let cup = json_of(
        app.send(
            Method::POST,
            "/api/v1/products",
            Some(&staff),
            Some(json!({"name": "茶杯", "price": 2_900})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let response = app
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{}", cup["id"]),
            Some(&staff),
            Some(json!({"translations": {"en": {"values": {"尺码": {"L": "Large"}}}}})),
        )
        .await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), vec!["translations.en.values.尺码"]);
}

app_test!(answers_follow_the_language_and_search_matches_either);
app_test!(bad_translations_are_named_and_nothing_is_written);
