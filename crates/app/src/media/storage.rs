//! Where media files are kept, behind a small trait so the shop can keep them in its data
//! directory (one instance, [`LocalDir`]) or in an S3-compatible bucket that several
//! instances share ([`super::s3::S3Bucket`]).
//!
//! Keys are made here from checked names only ([`StorageKey`]), never from a client's
//! text, so no key can climb out of the storage's root.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use emporium_domain::media::{ContentHash, UploadFile};

/// What a storage operation answers.
pub type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send + 'a>>;

/// The name of a stored file: `ab/<sha256>/<file>` for an upload (fanned out by the
/// hash's first two digits, so no directory holds too many) or `demo/<name>.svg` for a
/// drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageKey(String);

impl StorageKey {
    /// A file of an upload.
    pub fn upload(hash: &ContentHash, file: UploadFile) -> Self {
        let h = hash.as_str();
        Self(format!("{}/{h}/{}", &h[..2], file.name()))
    }

    /// A drawing, by a name [`emporium_domain::media::MediaPath`] accepted.
    pub fn drawing(name: &str) -> Self {
        Self(format!("demo/{name}.svg"))
    }

    /// The key as a relative path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A place to keep media files. Writes are atomic: a reader sees a whole file or none.
/// An error means the storage could not answer now (the callers answer 503
/// `storage_unavailable`); its message says what failed and never holds a secret.
pub trait MediaStorage: Send + Sync + std::fmt::Debug {
    /// The file's bytes, or `None` when there is no such file.
    fn get<'a>(&'a self, key: &'a StorageKey) -> StorageFuture<'a, Option<Vec<u8>>>;
    /// Stores the file whole, replacing any file of that name.
    fn put<'a>(&'a self, key: &'a StorageKey, bytes: Vec<u8>) -> StorageFuture<'a, ()>;
    /// Whether the file exists.
    fn exists<'a>(&'a self, key: &'a StorageKey) -> StorageFuture<'a, bool>;
}

/// Files in a local directory (`<data-dir>/media`).
#[derive(Debug, Clone)]
pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    /// Files under `root`, created on the first write.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &StorageKey) -> PathBuf {
        self.root.join(key.as_str())
    }
}

/// Distinguishes the temporary files of concurrent writes in this process (the process
/// id distinguishes processes).
static TEMP_SEQ: AtomicU64 = AtomicU64::new(0);

impl MediaStorage for LocalDir {
    fn get<'a>(&'a self, key: &'a StorageKey) -> StorageFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            match tokio::fs::read(self.path(key)).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn put<'a>(&'a self, key: &'a StorageKey, bytes: Vec<u8>) -> StorageFuture<'a, ()> {
        let path = self.path(key);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
                .await
                .map_err(io::Error::other)?
        })
    }

    fn exists<'a>(&'a self, key: &'a StorageKey) -> StorageFuture<'a, bool> {
        Box::pin(async move { tokio::fs::try_exists(self.path(key)).await })
    }
}

/// Writes to a temporary file beside `path`, flushes it to disk, then renames it into
/// place: a crash leaves the old file or the new one, never half of one.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("a media file needs a directory"))?;
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let seq = TEMP_SEQ.fetch_add(1, Ordering::Relaxed);
    let temp = dir.join(format!(".{name}.{}.{seq}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use emporium_domain::media::Rendition;

    use super::*;

    #[tokio::test]
    async fn files_round_trip_and_leave_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalDir::new(dir.path());
        let hash = ContentHash::parse(&"ab".repeat(32)).unwrap();
        let key = StorageKey::upload(&hash, UploadFile::Sized(Rendition::Small));
        assert_eq!(key.as_str(), format!("ab/{}/small", "ab".repeat(32)));
        assert_eq!(storage.get(&key).await.unwrap(), None);
        assert!(!storage.exists(&key).await.unwrap());
        storage.put(&key, b"one".to_vec()).await.unwrap();
        storage.put(&key, b"two".to_vec()).await.unwrap();
        assert_eq!(storage.get(&key).await.unwrap().as_deref(), Some(&b"two"[..]));
        assert!(storage.exists(&key).await.unwrap());
        let entries: Vec<_> = std::fs::read_dir(dir.path().join("ab").join("ab".repeat(32)))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries, vec![std::ffi::OsString::from("small")]);
        assert_eq!(StorageKey::drawing("tea-jade").as_str(), "demo/tea-jade.svg");
    }
}
