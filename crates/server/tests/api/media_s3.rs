//! Product images kept in an S3 bucket, through the real router: two instances on one
//! database and one bucket (a real S3 server, moto; see `emporium_testkit::moto`), an
//! upload on one served by the other exactly as from the data directory, and a bucket
//! that goes away answered with 503 `storage_unavailable`, recording nothing. Without moto
//! the test passes as skipped, except under `CI=true`. It runs on SQLite only: where the
//! files are kept does not depend on the database engine.

use std::sync::Arc;

use emporium_app::media::{self, MediaStorage, S3Bucket, S3Config, StorageKey};
use emporium_app::{AppConfig, WriteLimits};
use emporium_domain::media::{ContentHash, Rendition, UploadFile};
use emporium_testkit::TestDb;
use emporium_testkit::moto::Moto;
use image::ImageFormat;
use reqwest::{Method, StatusCode};

use crate::images::{encoded, fetch_picture, picture, sha256, staff_and_product};
use crate::support::{TestApp, expect_problem, json_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_images_in_a_bucket_and_an_unreachable_bucket_is_a_503() {
    let Some(mut moto) = Moto::start() else { return };
    let bucket = moto.bucket();
    let storage: Arc<dyn MediaStorage> = Arc::new(S3Bucket::new(S3Config::parse(&moto.url(&bucket)).unwrap()).unwrap());
    let db = TestDb::sqlite();
    let config = AppConfig {
        bcrypt_cost: 4,
        write_limits: WriteLimits::OFF,
        ..AppConfig::default()
    };
    let one = TestApp::spawn_on_with_media(&db.url, config.clone(), Arc::clone(&storage)).await;
    let two = TestApp::spawn_on_with_media(&db.url, config, Arc::clone(&storage)).await;

    // Staff upload on the first instance…
    let (staff, product) = staff_and_product(&one).await;
    let png = encoded(&picture(1800, 1200), ImageFormat::Png);
    let hash = sha256(&png);
    let answer = json_of(
        one.upload_image(&staff, product, &png, "cup.png", Some("a white teacup"))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let url = format!("/media/{hash}");
    assert_eq!(answer["images"][0], url.as_str());

    // …and the second serves every size, with the same headers as from a directory.
    for (size, width) in [("small", 320), ("medium", 800), ("large", 1600)] {
        let (w, _, content_type) = fetch_picture(&two, &format!("{url}/{size}")).await;
        assert_eq!((w, content_type.as_str()), (width, "image/jpeg"), "{size}");
    }
    assert_eq!(fetch_picture(&two, &url).await, (1600, 1067, "image/jpeg".into()));
    let original = two
        .request(Method::GET, &format!("{url}/original"))
        .send()
        .await
        .unwrap();
    assert_eq!(original.headers()["content-type"], "image/png");
    let etag = original.headers()["etag"].clone();
    assert_eq!(original.bytes().await.unwrap().as_ref(), png.as_slice());
    let again = two
        .request(Method::GET, &format!("{url}/original"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let missing = two
        .request(Method::GET, &format!("/media/{}/small", sha256(b"never uploaded")))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // The files are objects in the bucket, each with its type; none is on either disk.
    let content_hash = ContentHash::parse(&hash).unwrap();
    for (file, content_type) in [
        (UploadFile::Sized(Rendition::Small), "image/jpeg"),
        (UploadFile::Sized(Rendition::Medium), "image/jpeg"),
        (UploadFile::Sized(Rendition::Large), "image/jpeg"),
        (UploadFile::Original, "image/png"),
    ] {
        let key = StorageKey::upload(&content_hash, file);
        assert_eq!(
            moto.stored_type(&bucket, key.as_str()).as_deref(),
            Some(content_type),
            "{}",
            file.name()
        );
    }
    assert!(one.media_files().is_empty() && two.media_files().is_empty());

    // A drawing written to the bucket (as the demo does) is served as SVG for a day.
    let drawing = media::save_drawing(
        storage.as_ref(),
        "tea-jade",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .await
    .unwrap();
    let svg = two.request(Method::GET, &drawing).send().await.unwrap();
    assert_eq!(svg.status(), StatusCode::OK);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert_eq!(svg.headers()["cache-control"], "public, max-age=86400");

    // The bucket goes away: reading is a 503 problem (GET and HEAD alike), not a 500…
    moto.stop();
    for method in [Method::GET, Method::HEAD] {
        let response = two
            .request(method.clone(), &format!("{url}/small"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{method}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        assert!(response.headers().get("cache-control").is_none(), "never cached");
    }
    let problem = expect_problem(
        one.request(Method::GET, &format!("{url}/small")).send().await.unwrap(),
        StatusCode::SERVICE_UNAVAILABLE,
        "storage_unavailable",
    )
    .await;
    assert!(!problem.detail.contains("127.0.0.1"), "no internals: {problem:?}");

    // …and so is an upload, which records nothing on the product.
    let jpeg = encoded(&picture(640, 480), ImageFormat::Jpeg);
    expect_problem(
        one.upload_image(&staff, product, &jpeg, "side.jpg", None).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "storage_unavailable",
    )
    .await;
    // The instance that wrote shows its product at once; the other one forgets its cached
    // copy when its search follower reads the change feed (every 250 ms, later on a busy
    // machine: OPERATIONS, "Product cache"), so it is asked until it shows the upload. A
    // failed upload that had recorded its image would never match.
    let want = serde_json::json!([url]);
    let shown = one.get_json(&format!("/api/v1/products/{product}"), None).await;
    assert_eq!(shown["images"], want);
    // As catalog.rs waits for one instance to see another's change.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while two.get_json(&format!("/api/v1/products/{product}"), None).await["images"] != want {
        assert!(
            std::time::Instant::now() < deadline,
            "the other instance never showed the upload"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
