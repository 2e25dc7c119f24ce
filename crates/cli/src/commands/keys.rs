//! `emporium keys rotate|reseal`: the keys customers' phone numbers and addresses are
//! sealed with (see `emporium_store::sealed` and docs/SECURITY.md for the procedure).

use anyhow::Context;

use crate::settings::Settings;

/// Adds a new key in front of the keyring, so it seals from the next start on; the old
/// keys still open what they sealed until `reseal` has run.
pub fn rotate(settings: &Settings) -> anyhow::Result<()> {
    let entry = emporium_store::Keyring::generate_entry()?;
    if settings.data_keys.is_some() {
        println!("The keys come from EMPORIUM_DATA_KEYS / --data-keys, which this command cannot edit.");
        println!("Put this entry first in that value on every instance (keep the old ones after it):");
        println!("{entry}");
        println!("then restart the instances and run `emporium keys reseal`.");
        return Ok(());
    }
    let path = settings.data_keys_file();
    let old = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    emporium_store::Keyring::parse(&old).with_context(|| format!("reading {}", path.display()))?;
    let (comments, keys): (Vec<&str>, Vec<&str>) = old.lines().partition(|l| l.trim_start().starts_with('#'));
    let mut text = comments.join("\n");
    text.push('\n');
    text.push_str(&entry);
    for key in keys.iter().filter(|l| !l.trim().is_empty()) {
        text.push('\n');
        text.push_str(key);
    }
    text.push('\n');
    let keyring = emporium_store::Keyring::parse(&text)?;
    // Write beside it, then rename: a crash leaves the old file or the new one, never half.
    let fresh = path.with_extension("new");
    write_private(&fresh, &text).with_context(|| format!("writing {}", fresh.display()))?;
    std::fs::rename(&fresh, &path).with_context(|| format!("replacing {}", path.display()))?;
    println!(
        "new key {} added to {}; restart the instances, then run `emporium keys reseal`",
        keyring.current_id(),
        path.display()
    );
    Ok(())
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
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
        settings.keyring()?.current_id(),
        report.current
    );
    Ok(())
}
