//! `emporium keys rotate|reseal`: the keys customers' phone numbers and addresses are
//! sealed with (see `emporium_store::sealed` and docs/SECURITY.md for the procedure).

use anyhow::Context;

use crate::settings::Settings;

/// Adds a new key in front of the keyring, so it seals from the next start on; the old
/// keys still open what they sealed until `reseal` has run.
pub fn rotate(settings: &Settings) -> anyhow::Result<()> {
    if settings.data_keys.is_some() {
        let entry = emporium_store::Keyring::generate_entry()?;
        println!("The keys come from EMPORIUM_DATA_KEYS / --data-keys, which this command cannot edit.");
        println!("Put this entry first in that value on every instance (keep the old ones after it):");
        println!("{entry}");
        println!("then restart the instances and run `emporium keys reseal`.");
        return Ok(());
    }
    let path = settings.data_keys_file();
    let keyring = emporium_store::Keyring::add_key_to_file(&path)?;
    println!(
        "new key {} added to {}; restart the instances, then run `emporium keys reseal`",
        keyring.current_id(),
        path.display()
    );
    Ok(())
}

/// Seals every personal value that is plain or under an older key with the first key.
pub async fn reseal(settings: &Settings) -> anyhow::Result<()> {
    let store = super::open_store(settings).await?;
    let report = store.reseal_all().await;
    store.close().await;
    let report = report.context("re-sealing personal data")?;
    println!(
        "re-sealed {} values under key {}; {} were already under it. Older keys can be removed \
         from the keyring a day from now (remembered order answers expire by then).",
        report.resealed,
        report.key_id.as_deref().unwrap_or("(none)"),
        report.current
    );
    Ok(())
}
