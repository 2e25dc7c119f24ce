//! `emporium keys rotate|reseal`: the keys customers' phone numbers and addresses are
//! sealed with (see `emporium_store::sealed` and docs/SECURITY.md for the procedure).

use anyhow::Context;

use crate::settings::StoreArgs;

/// Adds a new key in front of the keyring, so it seals from the next start on; the old
/// keys still open what they sealed until `reseal` has run.
pub fn rotate(settings: &StoreArgs) -> anyhow::Result<()> {
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
pub async fn reseal(settings: &StoreArgs) -> anyhow::Result<()> {
    use emporium_domain::time::{Clock as _, SystemClock};
    let store = super::open_store(settings).await?;
    let report = store.reseal_all(SystemClock.now()).await;
    // The security event goes in the audit log (in a transaction of its own: a re-seal
    // is many batches), whether it finished or not.
    let summary = match &report {
        Ok(r) => format!(
            "{{\"key\":{:?},\"resealed\":{},\"current\":{}}}",
            r.key_id.as_deref().unwrap_or(""),
            r.resealed,
            r.current
        ),
        Err(_) => "{\"failed\":true}".to_owned(),
    };
    let recorded = store
        .record_audit(emporium_store::audit::Entry {
            at: SystemClock.now(),
            actor_id: None,
            actor_name: "emporium keys reseal".into(),
            action: "keys.reseal".into(),
            entity_kind: "keys".into(),
            entity_id: report.as_ref().ok().and_then(|r| r.key_id.clone()),
            summary,
            request_id: None,
            ip: None,
        })
        .await;
    store.close().await;
    recorded.context("recording the re-seal in the audit log")?;
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
