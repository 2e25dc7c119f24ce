//! One module per command. Each opens what it needs from the shared settings.

pub mod serve;
pub mod user;

use anyhow::Context;
use emporium_store::{Store, StoreOptions};

use crate::settings::Settings;

/// Opens (and migrates) the database named by the settings.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let url = settings.database_url();
    Store::open(&StoreOptions::new(&url))
        .await
        .with_context(|| format!("opening the database {}", emporium_store::redact(&url)))
}

/// `emporium migrate`: apply pending migrations and exit.
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let url = settings.database_url();
    let applied = emporium_store::migrate(&StoreOptions::new(&url))
        .await
        .with_context(|| format!("migrating {}", emporium_store::redact(&url)))?;
    println!(
        "database {} is up to date ({applied} migrations applied)",
        emporium_store::redact(&url)
    );
    Ok(())
}

/// A command whose capability has not landed yet: say so plainly and fail.
pub fn not_yet(command: &str, arrives_with: &str) -> anyhow::Result<()> {
    anyhow::bail!("`emporium {command}` is not available in this build yet; it arrives with {arrives_with}")
}
