//! The S3 media storage against a real S3 server: moto (`.ci/moto.sh` installs it; see
//! `emporium_testkit::moto`), one per test, each test in a bucket of its own. Without moto
//! these tests pass as skipped, saying why, except under `CI=true`, where that is a
//! failure. The tests of an endpoint that refuses or never answers need no moto and always
//! run.

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use std::io;
use std::time::{Duration, Instant};

use emporium_app::media::{self, MediaStorage, S3Bucket, S3Config, StorageKey};
use emporium_domain::media::{ContentHash, Rendition, UploadFile};
use emporium_testkit::moto::Moto;

fn bucket_at(url: &str) -> S3Bucket {
    S3Bucket::new(S3Config::parse(url).unwrap()).unwrap()
}

fn key(hex_pair: &str, file: UploadFile) -> StorageKey {
    StorageKey::upload(&ContentHash::parse(&hex_pair.repeat(32)).unwrap(), file)
}

#[tokio::test]
async fn files_round_trip_through_a_real_bucket() {
    let Some(moto) = Moto::start() else { return };
    let name = moto.bucket();
    let storage = bucket_at(&moto.url(&name));
    storage.check().await.unwrap();

    let small = key("ab", UploadFile::Sized(Rendition::Small));
    assert_eq!(storage.get(&small).await.unwrap(), None, "nothing there yet");
    assert!(!storage.exists(&small).await.unwrap());

    storage.put(&small, b"first".to_vec()).await.unwrap();
    assert!(storage.exists(&small).await.unwrap());
    assert_eq!(storage.get(&small).await.unwrap().as_deref(), Some(&b"first"[..]));
    // A second write replaces the file whole.
    storage.put(&small, b"second, longer".to_vec()).await.unwrap();
    assert_eq!(
        storage.get(&small).await.unwrap().as_deref(),
        Some(&b"second, longer"[..])
    );
    // Other names are other files, a drawing included; binary bytes come back unchanged.
    let original = key("ab", UploadFile::Original);
    assert!(!storage.exists(&original).await.unwrap());
    let bytes: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    storage.put(&original, bytes.clone()).await.unwrap();
    assert_eq!(storage.get(&original).await.unwrap(), Some(bytes));
    let url = media::save_drawing(&storage, "tea-jade", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
        .await
        .unwrap();
    assert_eq!(url, "/media/demo/tea-jade.svg");
    assert!(storage.exists(&StorageKey::drawing("tea-jade")).await.unwrap());
    // Each object carries its type: read from the bytes, or SVG for a drawing.
    let png = key("12", UploadFile::Original);
    storage
        .put(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec())
        .await
        .unwrap();
    let stored = |key: &StorageKey| moto.stored_type(&name, key.as_str());
    assert_eq!(stored(&png).as_deref(), Some("image/png"));
    assert_eq!(
        stored(&StorageKey::drawing("tea-jade")).as_deref(),
        Some("image/svg+xml")
    );
    assert_eq!(stored(&original).as_deref(), Some("application/octet-stream"));

    // Two settings with prefixes share the bucket without seeing each other's files.
    let eu = bucket_at(&moto.url(&format!("{name}/shop/eu")));
    assert!(!eu.exists(&small).await.unwrap());
    eu.put(&small, b"eu".to_vec()).await.unwrap();
    assert_eq!(eu.get(&small).await.unwrap().as_deref(), Some(&b"eu"[..]));
    assert_eq!(
        storage.get(&small).await.unwrap().as_deref(),
        Some(&b"second, longer"[..])
    );
}

#[tokio::test]
async fn a_missing_bucket_is_an_error_not_a_missing_file() {
    let Some(moto) = Moto::start() else { return };
    let storage = bucket_at(&moto.url("no-such-bucket"));
    let small = key("cd", UploadFile::Sized(Rendition::Small));
    let error = storage.get(&small).await.unwrap_err();
    assert!(error.to_string().contains("NoSuchBucket"), "{error}");
    let error = storage.put(&small, b"x".to_vec()).await.unwrap_err();
    assert!(error.to_string().contains("NoSuchBucket"), "{error}");
    assert!(storage.check().await.is_err());
    // Its messages name the operation and the bucket, never the secret.
    assert!(error.to_string().contains("PUT"), "{error}");
    assert!(!error.to_string().contains(emporium_testkit::moto::SECRET), "{error}");
}

#[tokio::test]
async fn a_bucket_whose_certificate_is_not_trusted_is_refused() {
    let Some(moto) = Moto::start_untrusted_tls() else {
        return;
    };
    // The default, tls=true: the endpoint's certificate is checked against the system's
    // trusted ones, and a self-signed one is never accepted.
    let storage = bucket_at(&format!("s3://key:secret@{}/media?path_style=true", moto.authority));
    let error = storage.exists(&key("34", UploadFile::Original)).await.unwrap_err();
    assert!(error.to_string().contains("certificate"), "{error}");
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn an_endpoint_that_refuses_connections_fails_at_once() {
    let storage = bucket_at(&format!(
        "s3://key:secret@127.0.0.1:{}/media?path_style=true&tls=false",
        closed_port()
    ));
    let small = key("ef", UploadFile::Sized(Rendition::Small));
    let started = Instant::now();
    for error in [
        storage.get(&small).await.unwrap_err(),
        storage.put(&small, b"x".to_vec()).await.unwrap_err(),
        storage.exists(&small).await.unwrap_err(),
    ] {
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused, "{error}");
        assert!(error.to_string().contains("127.0.0.1"), "{error}");
        assert!(!error.to_string().contains("secret"), "{error}");
    }
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn an_endpoint_that_never_answers_times_out() {
    // Accepts connections (the kernel's backlog does) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let storage = bucket_at(&format!(
        "s3://key:secret@{}/media?path_style=true&tls=false&timeout=1",
        silent.local_addr().unwrap()
    ));
    let started = Instant::now();
    let error = storage.exists(&key("01", UploadFile::Original)).await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
    assert!(error.to_string().contains("no answer within 1 s"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}
