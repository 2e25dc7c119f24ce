//! Opening the index folder: use it, create it, or wipe and recreate it when it cannot be used.

use std::fs;
use std::path::Path;

use tantivy::directory::error::LockError;
use tantivy::directory::{Directory, INDEX_WRITER_LOCK, MmapDirectory};
use tantivy::{Index, IndexSettings, ReloadPolicy, TantivyError};

use super::SearchIndex;
use crate::error::SearchError;
use crate::schema::{CommitPayload, SCHEMA_VERSION, build_schema};
use crate::types::Opened;

/// What the folder held.
enum Found {
    /// No index.
    Nothing,
    /// A usable index of the current schema version.
    Usable { index: Index, feed_position: Option<i64> },
    /// An index that cannot be used, and why.
    Unusable(String),
}

/// See [`SearchIndex::open`].
pub(super) fn open_dir(dir: &Path) -> Result<(SearchIndex, Opened), SearchError> {
    fs::create_dir_all(dir).map_err(|source| SearchError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let directory = MmapDirectory::open(dir).map_err(TantivyError::from)?;

    // Hold the writer lock while inspecting (and perhaps wiping) the folder, so that an index
    // another process is writing is reported as locked instead of being mistaken for a broken
    // one and deleted under its feet.
    let lock = directory
        .acquire_lock(&INDEX_WRITER_LOCK)
        .map_err(|error| match error {
            LockError::LockBusy => SearchError::Locked { path: dir.to_owned() },
            LockError::IoError(error) => SearchError::Io {
                path: dir.to_owned(),
                source: std::io::Error::new(error.kind(), error.to_string()),
            },
        })?;
    let (index, feed_position, opened) = match inspect(&directory) {
        Found::Usable { index, feed_position } => (index, feed_position, Opened::Existing { feed_position }),
        Found::Nothing => (create(&directory)?, None, Opened::Created),
        Found::Unusable(reason) => {
            tracing::warn!(path = %dir.display(), %reason, "search index unusable; recreating it empty");
            wipe(dir)?;
            (create(&directory)?, None, Opened::Recreated { reason })
        }
    };
    // The `IndexWriter` takes this lock itself (a second holder in one process is refused).
    drop(lock);

    let search_index = SearchIndex::from_index(index, feed_position).map_err(|error| match error {
        SearchError::Locked { .. } => SearchError::Locked { path: dir.to_owned() },
        error => error,
    })?;
    if !matches!(opened, Opened::Existing { .. }) {
        search_index.commit_initial()?;
    }
    tracing::info!(path = %dir.display(), ?opened, docs = search_index.len(), "search index opened");
    Ok((search_index, opened))
}

fn inspect(directory: &MmapDirectory) -> Found {
    match Index::exists(directory) {
        Ok(false) => return Found::Nothing,
        Ok(true) => {}
        Err(error) => return Found::Unusable(format!("cannot check for an index: {error}")),
    }
    let index = match Index::open(directory.clone()) {
        Ok(index) => index,
        Err(error) => return Found::Unusable(format!("cannot open the index: {error}")),
    };
    let payload = match index.load_metas() {
        Ok(metas) => metas.payload,
        Err(error) => return Found::Unusable(format!("cannot read the index metadata: {error}")),
    };
    let Some(payload) = payload.as_deref().and_then(CommitPayload::decode) else {
        return Found::Unusable(format!("unrecognised commit payload {payload:?}"));
    };
    if payload.schema_version != SCHEMA_VERSION {
        return Found::Unusable(format!(
            "schema version {} found, {SCHEMA_VERSION} expected",
            payload.schema_version
        ));
    }
    // A version bump forgotten after a schema change must not reach the field lookups.
    if index.schema() != build_schema().0 {
        return Found::Unusable("the schema differs from this version's".to_owned());
    }
    // Opening a reader opens every segment, which catches missing or truncated segment files.
    if let Err(error) = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into() {
        return Found::Unusable(format!("cannot read the segments: {error}"));
    }
    Found::Usable {
        index,
        feed_position: payload.feed_position,
    }
}

fn create(directory: &MmapDirectory) -> Result<Index, SearchError> {
    Ok(Index::create(
        directory.clone(),
        build_schema().0,
        IndexSettings::default(),
    )?)
}

/// Deletes tantivy's files from `dir`: `meta.json`, `.managed.json` and the segment files
/// (named after a 32-hex-digit segment id). Anything else that happens to be in the folder is
/// left alone, and so are the lock files (one of which this process is holding).
fn wipe(dir: &Path) -> Result<(), SearchError> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| SearchError::Io { path, source }
    };
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let entry = entry.map_err(io_error(dir))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_tantivy_data_file(name) && entry.file_type().map_err(io_error(&entry.path()))?.is_file() {
            fs::remove_file(entry.path()).map_err(io_error(&entry.path()))?;
        }
    }
    Ok(())
}

fn is_tantivy_data_file(name: &str) -> bool {
    let segment_id = name.split('.').next().unwrap_or_default();
    name == "meta.json"
        || name == ".managed.json"
        || (segment_id.len() == 32 && segment_id.bytes().all(|b| b.is_ascii_hexdigit()) && name.len() > 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tantivy_data_files_are_wiped() {
        for name in [
            "meta.json",
            ".managed.json",
            "0123456789abcdef0123456789abcdef.idx",
            "0123456789abcdef0123456789abcdef.12.del",
        ] {
            assert!(is_tantivy_data_file(name), "{name}");
        }
        for name in [
            ".tantivy-writer.lock",
            ".tantivy-meta.lock",
            "notes.txt",
            "0123456789abcdef0123456789abcdef",
            "meta.json.bak",
        ] {
            assert!(!is_tantivy_data_file(name), "{name}");
        }
    }
}
