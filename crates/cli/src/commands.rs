//! One module per command. Each opens what it needs from its settings.

pub mod demo;
pub mod keys;
pub mod recommendations;
pub mod reindex;
pub mod serve;
pub mod user;

use std::sync::Arc;

use anyhow::Context;
use emporium_app::media::{LocalDir, MediaStorage, S3Bucket};
use emporium_store::{Store, StoreOptions};

use crate::settings::{MediaArgs, StoreArgs};

/// Opens (and migrates) the database named by the settings, with the store's default
/// caches (`serve` sizes its own: [`open_store_with`]).
pub async fn open_store(store: &StoreArgs) -> anyhow::Result<Store> {
    open_store_with(store, |options| options).await
}

/// Opens (and migrates) the database, with `tune` adjusting the options first.
pub async fn open_store_with(
    store: &StoreArgs,
    tune: impl FnOnce(StoreOptions) -> StoreOptions,
) -> anyhow::Result<Store> {
    let url = store.database_url();
    let keys = store.keyring().context("loading the data keys")?;
    let options = tune(StoreOptions::new(&url).with_keys(keys));
    Store::open(&options)
        .await
        .with_context(|| format!("opening the database {}", emporium_store::redact(&url)))
}

/// Opens (or creates) the search index in the data dir. A running server holds the
/// index's write lock, so this fails while one runs on the same data dir.
pub fn open_search(settings: &StoreArgs) -> anyhow::Result<(emporium_search::SearchIndex, emporium_search::Opened)> {
    let dir = settings.data_dir.join("search");
    emporium_search::SearchIndex::open(&dir).with_context(|| {
        format!(
            "opening the search index in {} (is `emporium serve` running on this data dir?)",
            dir.display()
        )
    })
}

/// Where media files are kept: the bucket of `--media-s3-url`, else `<data-dir>/media`.
/// A bucket that does not answer now is a warning, not a failure: the shop serves
/// everything else meanwhile, and `/media` answers 503 until the bucket is back.
pub async fn open_media(store: &StoreArgs, media: &MediaArgs) -> anyhow::Result<Arc<dyn MediaStorage>> {
    let Some(config) = media.media_s3()? else {
        let dir = store.media_dir();
        tracing::info!(media = %dir.display(), "media files in the data directory");
        return Ok(Arc::new(LocalDir::new(dir)));
    };
    let shown = config.redacted();
    let bucket = S3Bucket::new(config).with_context(|| format!("--media-s3-url: the client for {shown}"))?;
    match bucket.check().await {
        Ok(()) => tracing::info!(media = %shown, "media files in an S3 bucket"),
        Err(e) => tracing::warn!(media = %shown, error = %e, "the media bucket does not answer yet"),
    }
    Ok(Arc::new(bucket))
}

/// `emporium migrate`: apply pending migrations and exit.
pub async fn migrate(settings: &StoreArgs) -> anyhow::Result<()> {
    let url = settings.database_url();
    let keys = settings.keyring().context("loading the data keys")?;
    let applied = emporium_store::migrate(&StoreOptions::new(&url).with_keys(keys))
        .await
        .with_context(|| format!("migrating {}", emporium_store::redact(&url)))?;
    println!(
        "database {} is up to date ({applied} migrations applied)",
        emporium_store::redact(&url)
    );
    Ok(())
}

/// `emporium check`: the stock and money invariants; fails when any is broken.
pub async fn check(settings: &StoreArgs) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let result = store.check_invariants().await;
    let unreadable = store.unreadable_sealed_values().await;
    store.close().await;
    let (checks, violations) = result.context("checking invariants")?;
    let unreadable = unreadable.context("opening sealed personal data")?;
    for v in &violations {
        println!("VIOLATION {}: {} ({})", v.invariant, v.subject, v.detail);
    }
    if unreadable > 0 {
        println!("VIOLATION sealed personal data: {unreadable} values open with no key in the keyring");
    }
    if violations.is_empty() && unreadable == 0 {
        println!("clean: {} invariants hold", checks + 1);
        return Ok(());
    }
    anyhow::bail!(
        "{} violations of {} invariants",
        violations.len() + usize::from(unreadable > 0),
        checks + 1
    )
}
