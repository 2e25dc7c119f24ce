//! Product images: staff upload a picture, it is verified by decoding (never trusted by
//! its name or declared type), stored content-addressed by the SHA-256 of its bytes with
//! three generated sizes, and recorded on the product as `/media/<sha256>` with its alt
//! text; and the files are read back for serving.
//!
//! The rules, in the order a refusal is decided, before anything is written:
//! 1. the file at most [`crate::AppConfig::max_upload_bytes`] ([`AppError::TooLarge`]);
//!    then alt text 0–200 characters, one line (`alt`), and the file present (`file`);
//! 2. the bytes a JPEG, PNG or WebP picture that decodes whole, at most 8000 × 8000 pixels
//!    ([`process`], `file`);
//! 3. the product exists and has room (10 images).
//!
//! Then the files are written (each atomically; sizes first, the original last, so an
//! original present means a complete set and the same bytes uploaded again write
//! nothing), and the product's list is extended in one transaction.

pub mod process;
pub mod s3;
pub mod storage;

use std::sync::Arc;

use emporium_domain::FieldError;
use emporium_domain::catalog::{AltText, Image, Images};
use emporium_domain::media::{ContentHash, MediaPath, UploadFile};
use emporium_store::catalog::Product;
use emporium_store::product_images::ImageAdded;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
pub use s3::{S3Bucket, S3Config, S3ConfigError};
pub use storage::{LocalDir, MediaStorage, StorageKey};

/// The default largest upload: 10 MiB.
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// An image as staff sent it: the file's bytes (as many as were read, at most one past
/// the limit) and the alt text as typed.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    /// The file, `None` when the request had no file.
    pub file: Option<Vec<u8>>,
    /// The alt text; absent or blank means none.
    pub alt: Option<String>,
}

/// The media files and the work of making them: the storage, and a gate so at most one
/// picture per core is decoded at a time (each may take 256 MB while it is).
#[derive(Debug, Clone)]
pub struct Media {
    storage: Arc<dyn MediaStorage>,
    gate: Arc<Semaphore>,
}

impl Media {
    /// Media kept in `storage`.
    pub fn new(storage: Arc<dyn MediaStorage>) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        Self {
            storage,
            gate: Arc::new(Semaphore::new(cores)),
        }
    }

    /// The storage.
    pub fn storage(&self) -> &dyn MediaStorage {
        self.storage.as_ref()
    }
}

/// How many bytes of a file a caller should read at most: one past the limit, so that a
/// larger file is known to be too large without reading it all.
pub fn read_limit(state: &AppState) -> usize {
    state.config().max_upload_bytes.saturating_add(1)
}

/// Verifies, stores and records an uploaded image on product `product_id`. Answers the
/// product and whether the image was added (an image the product shows already is not
/// added twice).
pub async fn add_product_image(state: &AppState, product_id: i64, upload: Upload) -> AppResult<(Product, ImageAdded)> {
    let result: AppResult<(Product, ImageAdded)> = async {
        let verified = verify(state, upload).await?;
        check_room(state, product_id, &verified.image).await?;
        let image = write(state.media(), verified).await?;
        let (product, added) = state.store().add_product_image(product_id, image, state.now()).await?;
        state.nudge_search();
        Ok((product, added))
    }
    .await;
    crate::audit::recorded(state, "product.image_add", "product", result, |_v| {
        (product_id.to_string(), String::new())
    })
    .await
}

/// Verifies and stores an uploaded image that belongs to no product (the home page's
/// banner); answers it as an image to record where it is shown.
pub async fn store_image(state: &AppState, upload: Upload) -> AppResult<Image> {
    let verified = verify(state, upload).await?;
    write(state.media(), verified).await
}

/// An upload checked and decoded, not written yet.
struct Verified {
    image: Image,
    hash: ContentHash,
    bytes: Vec<u8>,
    /// Its sizes, `None` when the same bytes were stored before.
    rendered: Option<process::Rendered>,
}

/// Checks an upload (size first, as for any body: API.md §2.7's order of checks; then the
/// alt text and that the bytes decode as an accepted image) and renders its sizes.
async fn verify(state: &AppState, upload: Upload) -> AppResult<Verified> {
    let max = state.config().max_upload_bytes;
    if upload.file.as_ref().is_some_and(|f| f.len() > max) {
        return Err(AppError::TooLarge {
            field: "file",
            max_bytes: max,
        });
    }
    let alt = AltText::parse("alt", upload.alt.as_deref().unwrap_or(""));
    let file = match upload.file {
        None => Err(FieldError::new("file", "is required: a JPEG, PNG or WebP image")),
        Some(bytes) if bytes.is_empty() => Err(FieldError::new("file", "must not be empty")),
        Some(bytes) => Ok(bytes),
    };
    let (alt, bytes) = match (alt, file) {
        (Ok(alt), Ok(bytes)) => (alt, bytes),
        (alt, file) => return Err(emporium_domain::Invalid::of([alt.err(), file.err()]).into()),
    };
    let hash = ContentHash::parse(&hex::encode(Sha256::digest(&bytes)))
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a SHA-256 digest is 64 hex digits")))?;
    let media = state.media();
    let original = StorageKey::upload(&hash, UploadFile::Original);
    // The same bytes were verified and stored before: nothing to decode or write.
    let stored = media.storage().exists(&original).await.map_err(storage_error)?;
    let rendered = if stored {
        None
    } else {
        Some(render(media, bytes.clone()).await?)
    };
    Ok(Verified {
        image: Image::new(hash.url(), alt),
        hash,
        bytes,
        rendered,
    })
}

/// Writes a verified upload's sizes, then its original (whose presence says the rest is
/// there); answers the image.
async fn write(media: &Media, verified: Verified) -> AppResult<Image> {
    let Verified {
        image,
        hash,
        bytes,
        rendered,
    } = verified;
    if let Some(rendered) = rendered {
        for (rendition, encoded) in rendered.sizes {
            let key = StorageKey::upload(&hash, UploadFile::Sized(rendition));
            media.storage().put(&key, encoded).await.map_err(storage_error)?;
        }
        media
            .storage()
            .put(&StorageKey::upload(&hash, UploadFile::Original), bytes)
            .await
            .map_err(storage_error)?;
        tracing::info!(
            media.hash = hash.as_str(),
            width = rendered.width,
            height = rendered.height,
            format = rendered.format.content_type(),
            "image stored"
        );
    }
    Ok(image)
}

/// Decodes and renders on the blocking pool, at most one picture per core at a time.
async fn render(media: &Media, bytes: Vec<u8>) -> AppResult<process::Rendered> {
    let _permit = media.gate.acquire().await.map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || process::render(&bytes))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::from)
}

/// The product exists and can take `image` (it is there already, or there is room), so
/// no file is written for a request that will be refused. The store checks again as it
/// records, under the product's lock.
async fn check_room(state: &AppState, product_id: i64, image: &Image) -> AppResult<()> {
    let product = state
        .store()
        .product(product_id)
        .await?
        .ok_or(AppError::NotFound("product"))?;
    let there = product.images.iter().any(|i| i.url() == image.url());
    if !there && product.images.len() >= Images::MAX {
        return Err(emporium_store::StoreError::LimitReached("a product holds at most 10 images").into());
    }
    Ok(())
}

/// A storage that cannot read or write now (a bucket unreachable, refusing or failing, a
/// full or unwritable disk) makes the operation fail as unavailable, never as a bug.
fn storage_error(e: std::io::Error) -> AppError {
    AppError::StorageUnavailable(e)
}

/// A stored media file, ready to serve.
#[derive(Debug, Clone)]
pub struct MediaFile {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Its media type.
    pub content_type: &'static str,
    /// A strong validator: the same for the same bytes, different otherwise.
    pub etag: String,
    /// Whether it never changes under this name (an upload's file), so it may be cached
    /// for good; a drawing may be redrawn by a newer binary.
    pub immutable: bool,
}

/// The file a path under `/media/` names (`rest`, the part after it), if it is a media
/// name at all and the file is stored.
pub async fn open(state: &AppState, rest: &str) -> AppResult<Option<MediaFile>> {
    let Some(path) = MediaPath::parse(rest) else {
        return Ok(None);
    };
    let storage = state.media().storage();
    match &path {
        MediaPath::Upload(hash, file) => {
            let Some(bytes) = storage
                .get(&StorageKey::upload(hash, *file))
                .await
                .map_err(storage_error)?
            else {
                return Ok(None);
            };
            // What was stored was verified (or made) by us; its type is read from it.
            let content_type = process::Format::sniff(&bytes).map_or("application/octet-stream", |f| f.content_type());
            Ok(Some(MediaFile {
                etag: format!("\"{}-{}\"", hash.as_str(), file.name()),
                bytes,
                content_type,
                immutable: true,
            }))
        }
        MediaPath::Drawing(name) => {
            let Some(bytes) = storage.get(&StorageKey::drawing(name)).await.map_err(storage_error)? else {
                return Ok(None);
            };
            Ok(Some(MediaFile {
                etag: format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..16])),
                bytes,
                content_type: "image/svg+xml",
                immutable: false,
            }))
        }
    }
}

/// Stores an illustration drawn by the binary (the demo catalogue's) as
/// `/media/demo/<name>.svg`; answers its URL. `name` is 1–64 of `a-z`, `0-9`, `-`.
pub async fn save_drawing(storage: &dyn MediaStorage, name: &str, svg: &str) -> anyhow::Result<String> {
    let url = MediaPath::drawing_url(name);
    let Some(MediaPath::Drawing(checked)) = url.strip_prefix("/media/").and_then(MediaPath::parse) else {
        anyhow::bail!("{name:?} is not a drawing name: 1–64 of a-z, 0-9 and '-'");
    };
    storage
        .put(&StorageKey::drawing(&checked), svg.as_bytes().to_vec())
        .await?;
    Ok(url)
}
