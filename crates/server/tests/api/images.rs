//! Product images: staff upload JPEG, PNG and WebP pictures (multipart), which are
//! verified by decoding, stored once per content with three sizes, and served with
//! long-lived cache headers; refusals name their field and write nothing.

use std::io::Cursor;

use emporium_app::{AppConfig, WriteLimits};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, json_of, multipart};

/// A picture with some detail, so encoders have something to do.
pub(crate) fn picture(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 7 % 256) as u8, (y * 5 % 256) as u8, ((x + y) % 256) as u8])
    }))
}

/// `image` encoded as `format`.
pub(crate) fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// The lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Fetches `path`, checks the headers every media answer carries, and answers the
/// decoded picture's size and the content type.
pub(crate) async fn fetch_picture(app: &TestApp, path: &str) -> (u32, u32, String) {
    let response = app.request(Method::GET, path).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("cache-control"), "public, max-age=31536000, immutable", "{path}");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(
        header("etag").starts_with('"') && header("etag").len() > 2,
        "a strong ETag"
    );
    let content_type = header("content-type");
    let bytes = response.bytes().await.unwrap();
    let decoded = image::load_from_memory(&bytes).unwrap();
    (decoded.width(), decoded.height(), content_type)
}

/// A staff token and a product in category "Tea".
pub(crate) async fn staff_and_product(app: &TestApp) -> (String, i64) {
    let staff = app.staff("boss").await;
    let product = app
        .create_product(&staff, NewProduct::new("Teacup 茶杯", 1_500).in_category("Tea"))
        .await;
    (staff, product)
}

async fn staff_upload_jpeg_png_and_webp_and_every_size_is_served(app: TestApp) {
    let (staff, product) = staff_and_product(&app).await;
    let png = encoded(&picture(1800, 1200), ImageFormat::Png);
    let jpeg = encoded(&picture(900, 600), ImageFormat::Jpeg);
    let webp = encoded(&picture(400, 300), ImageFormat::WebP);

    let answer = json_of(
        app.upload_image(&staff, product, &png, "cup.png", Some("白瓷茶杯 · a white teacup"))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let png_url = format!("/media/{}", sha256(&png));
    assert_eq!(answer["images"], json!([png_url]));
    assert_eq!(
        answer["gallery"][0],
        json!({"url": png_url, "alt": "白瓷茶杯 · a white teacup", "small": format!("{png_url}/small"),
               "medium": format!("{png_url}/medium"), "large": format!("{png_url}/large")})
    );
    // The name and declared type of a part are not what decides: a JPEG called .png.
    json_of(
        app.upload_image(&staff, product, &jpeg, "photo.png", Some("Side view"))
            .await,
        StatusCode::CREATED,
    )
    .await;
    json_of(
        app.upload_image(&staff, product, &webp, "top.webp", None).await,
        StatusCode::CREATED,
    )
    .await;

    // Anyone reads the gallery, in upload order, with the alt text.
    let shown = app.get_json(&format!("/api/v1/products/{product}"), None).await;
    let gallery = shown["gallery"].as_array().unwrap();
    let alts: Vec<&str> = gallery.iter().map(|g| g["alt"].as_str().unwrap()).collect();
    assert_eq!(alts, ["白瓷茶杯 · a white teacup", "Side view", ""]);
    assert_eq!(shown["images"].as_array().unwrap().len(), 3);

    // Each size decodes to the width it promises; nothing is enlarged.
    let widths = [(0, [320, 800, 1600]), (1, [320, 800, 900]), (2, [320, 400, 400])];
    for (i, expected) in widths {
        for (size, width) in ["small", "medium", "large"].into_iter().zip(expected) {
            let path = gallery[i][size].as_str().unwrap();
            let (w, _, content_type) = fetch_picture(&app, path).await;
            assert_eq!((w, content_type.as_str()), (width, "image/jpeg"), "{path}");
        }
    }
    // The recorded URL serves the large size; the original is the bytes sent.
    assert_eq!(fetch_picture(&app, &png_url).await, (1600, 1067, "image/jpeg".into()));
    let original = app
        .request(Method::GET, &format!("/media/{}/original", sha256(&webp)))
        .send()
        .await
        .unwrap();
    assert_eq!(original.headers()["content-type"], "image/webp");
    assert_eq!(original.bytes().await.unwrap().as_ref(), webp.as_slice());

    // A cached copy is still good: 304 without a body.
    let small = format!("{png_url}/small");
    let etag = app.request(Method::GET, &small).send().await.unwrap().headers()["etag"].clone();
    let again = app
        .request(Method::GET, &small)
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // Nothing else is served: unknown hashes, sizes, shapes, climbing out.
    let hash = sha256(&png);
    for path in [
        format!("/media/{}", sha256(b"never uploaded")),
        format!("/media/{hash}/huge"),
        format!("/media/{}", hash.to_uppercase()),
        format!("/media/{hash}/small/x"),
        "/media/..%2F..%2FCargo.toml".to_owned(),
        "/media/demo/..%2Fsecret.svg".to_owned(),
        "/media/demo/nothing-here.svg".to_owned(),
    ] {
        let response = app.request(Method::GET, &path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
}
app_test!(staff_upload_jpeg_png_and_webp_and_every_size_is_served);

async fn a_transparent_png_keeps_its_transparency_in_every_size(app: TestApp) {
    let (staff, product) = staff_and_product(&app).await;
    let logo = DynamicImage::ImageRgba8(RgbaImage::from_fn(1000, 500, |x, _| {
        Rgba([200, 30, 30, if x < 500 { 0 } else { 255 }])
    }));
    let png = encoded(&logo, ImageFormat::Png);
    let answer = json_of(
        app.upload_image(&staff, product, &png, "logo.png", None).await,
        StatusCode::CREATED,
    )
    .await;
    let medium = answer["gallery"][0]["medium"].as_str().unwrap().to_owned();
    assert_eq!(fetch_picture(&app, &medium).await, (800, 400, "image/png".into()));
}
app_test!(a_transparent_png_keeps_its_transparency_in_every_size);

async fn bad_uploads_are_refused_naming_the_field_and_write_nothing(app: TestApp) {
    let (staff, product) = staff_and_product(&app).await;
    let before = app.get_json(&format!("/api/v1/products/{product}"), Some(&staff)).await;
    let png = encoded(&picture(64, 64), ImageFormat::Png);

    let text = b"Dear staff, this is a text file that calls itself a picture.\n";
    let problem = expect_problem(
        app.upload_image(&staff, product, text, "photo.png", Some("fine")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.errors[0].field, "file", "{problem:?}");

    let truncated = &png[..png.len() - 20];
    let problem = expect_problem(
        app.upload_image(&staff, product, truncated, "cut.png", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.errors[0].field, "file", "{problem:?}");

    let long_alt = "字".repeat(201);
    let problem = expect_problem(
        app.upload_image(&staff, product, &png, "ok.png", Some(&long_alt)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.errors[0].field, "alt", "{problem:?}");
    let problem = expect_problem(
        app.upload_image(&staff, product, &png, "ok.png", Some("two\nlines"))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.errors[0].field, "alt");

    // No file at all, an unknown part, a body that is not multipart.
    let upload = |parts: Vec<(&'static str, Option<&'static str>, Vec<u8>)>| {
        let (content_type, body) = multipart(&parts);
        app.request(Method::POST, &format!("/api/v1/products/{product}/images"))
            .bearer_auth(&staff)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let problem = expect_problem(
        upload(vec![("alt", None, b"no file".to_vec())]).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.errors[0].field, "file");
    let problem = expect_problem(
        upload(vec![
            ("file", Some("a.png"), png.clone()),
            ("status", None, b"archived".to_vec()),
        ])
        .await
        .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.errors[0].field, "status");
    let json = app
        .send(
            Method::POST,
            &format!("/api/v1/products/{product}/images"),
            Some(&staff),
            Some(json!({"file": "aGVsbG8="})),
        )
        .await;
    expect_problem(json, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;

    // Who may: a customer is refused whatever the body, a stranger must log in.
    let customer = app.customer("carol").await;
    expect_problem(
        app.upload_image(&customer, product, &png, "ok.png", None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let anonymous = app
        .request(Method::POST, &format!("/api/v1/products/{product}/images"))
        .send()
        .await
        .unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    // A good picture for no product: 404, and still nothing written.
    expect_problem(
        app.upload_image(&staff, 999_999, &png, "ok.png", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    assert_eq!(app.media_files(), Vec::<String>::new(), "nothing written");
    let after = app.get_json(&format!("/api/v1/products/{product}"), Some(&staff)).await;
    assert_eq!(before, after, "the product is unchanged");
}
app_test!(bad_uploads_are_refused_naming_the_field_and_write_nothing);

async fn a_file_over_the_limit_is_413_naming_file(app: TestApp) {
    let (staff, product) = staff_and_product(&app).await;
    // Another instance on the same database, with a 64 KiB limit.
    let small = TestApp::spawn_on(
        &app.url,
        AppConfig {
            bcrypt_cost: 4,
            write_limits: WriteLimits::OFF,
            max_upload_bytes: 64 * 1024,
            ..AppConfig::default()
        },
    )
    .await;
    let noise = RgbImage::from_fn(400, 400, |x, y| {
        let v = x
            .wrapping_mul(2_654_435_761)
            .wrapping_add(y.wrapping_mul(40_503))
            .rotate_left(x % 31);
        Rgb([v as u8, (v >> 8) as u8, (v >> 16) as u8])
    });
    let big = encoded(&DynamicImage::ImageRgb8(noise), ImageFormat::Png);
    assert!(big.len() > 64 * 1024, "{} bytes", big.len());
    let problem = expect_problem(
        small.upload_image(&staff, product, &big, "big.png", None).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    assert_eq!(problem.errors[0].field, "file", "{problem:?}");
    assert_eq!(small.media_files(), Vec::<String>::new(), "nothing written");
    // The same file is welcome where the limit is the default 10 MiB.
    json_of(
        app.upload_image(&staff, product, &big, "big.png", None).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(AppConfig::default().max_upload_bytes, 10 * 1024 * 1024);
}
app_test!(a_file_over_the_limit_is_413_naming_file);

async fn the_same_image_twice_is_stored_once(app: TestApp) {
    let (staff, cup) = staff_and_product(&app).await;
    let pot = app.create_product(&staff, NewProduct::new("Teapot 茶壶", 9_900)).await;
    let png = encoded(&picture(500, 500), ImageFormat::Png);
    json_of(
        app.upload_image(&staff, cup, &png, "a.png", Some("Cup")).await,
        StatusCode::CREATED,
    )
    .await;
    let files = app.media_files();
    let hash = sha256(&png);
    let dir = format!("{}/{hash}", &hash[..2]);
    assert_eq!(
        files,
        ["large", "medium", "original", "small"].map(|f| format!("{dir}/{f}")),
        "three sizes and the original"
    );
    // Again on the same product: nothing added; on another: shown there too, stored once.
    let again = json_of(
        app.upload_image(&staff, cup, &png, "b.png", Some("Cup")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["gallery"].as_array().unwrap().len(), 1);
    let pot_view = json_of(
        app.upload_image(&staff, pot, &png, "c.png", Some("Pot")).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(pot_view["gallery"][0]["alt"], "Pot");
    assert_eq!(app.media_files(), files, "no duplicate files");
}
app_test!(the_same_image_twice_is_stored_once);

async fn staff_reorder_relabel_and_remove_images_with_patch(app: TestApp) {
    let (staff, product) = staff_and_product(&app).await;
    let png = encoded(&picture(50, 40), ImageFormat::Png);
    let answer: Value = json_of(
        app.upload_image(&staff, product, &png, "a.png", Some("Front")).await,
        StatusCode::CREATED,
    )
    .await;
    let uploaded = answer["images"][0].as_str().unwrap().to_owned();
    let path = format!("/api/v1/products/{product}");
    // Strings still work (no alt text), beside objects; the order is the list's.
    let body = json!({"images": ["https://cdn.example/side.jpg", {"url": uploaded, "alt": "正面 front"}]});
    let patched = json_of(
        app.send(Method::PATCH, &path, Some(&staff), Some(body)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(patched["images"], json!(["https://cdn.example/side.jpg", uploaded]));
    assert_eq!(
        patched["gallery"][0],
        json!({"url": "https://cdn.example/side.jpg", "alt": "", "small": "https://cdn.example/side.jpg",
               "medium": "https://cdn.example/side.jpg", "large": "https://cdn.example/side.jpg"})
    );
    assert_eq!(patched["gallery"][1]["alt"], "正面 front");
    assert_eq!(patched["gallery"][1]["small"], format!("{uploaded}/small"));
    // Removing is the list without it.
    let body = json!({"images": [{"url": uploaded, "alt": "正面 front"}]});
    let patched = json_of(
        app.send(Method::PATCH, &path, Some(&staff), Some(body)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(patched["gallery"].as_array().unwrap().len(), 1);
    // Bad alt text and unknown keys are named.
    let body = json!({"images": [{"url": uploaded, "alt": "x".repeat(201)}]});
    let problem = expect_problem(
        app.send(Method::PATCH, &path, Some(&staff), Some(body)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.errors[0].field, "images[0].alt");
    let body = json!({"images": [{"url": uploaded, "caption": "no"}]});
    let problem = expect_problem(
        app.send(Method::PATCH, &path, Some(&staff), Some(body)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(problem.errors[0].field.starts_with("images"), "{problem:?}");
}
app_test!(staff_reorder_relabel_and_remove_images_with_patch);

async fn a_product_holds_at_most_ten_images(app: TestApp) {
    let (staff, product) = staff_and_product(&app).await;
    let urls: Vec<String> = (0..10).map(|i| format!("https://cdn.example/{i}.jpg")).collect();
    let path = format!("/api/v1/products/{product}");
    json_of(
        app.send(Method::PATCH, &path, Some(&staff), Some(json!({"images": urls})))
            .await,
        StatusCode::OK,
    )
    .await;
    let png = encoded(&picture(30, 30), ImageFormat::Png);
    expect_problem(
        app.upload_image(&staff, product, &png, "eleven.png", None).await,
        StatusCode::CONFLICT,
        "limit_reached",
    )
    .await;
    assert_eq!(app.media_files(), Vec::<String>::new(), "nothing written");
}
app_test!(a_product_holds_at_most_ten_images);
