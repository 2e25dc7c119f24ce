//! Staff pages for a product's images: uploading one (a multipart form, whose CSRF token
//! is one of its parts) and removing one. Both call the same use cases as the API
//! (`media::add_product_image`, `catalog::update_product`).

use axum::extract::multipart::{Field, Multipart};
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use emporium_app::AppState;
use emporium_app::catalog::{self, ImageInput, ProductEdit};
use emporium_app::media::{self, Upload};
use emporium_domain::staff::Permission;
use serde::Deserialize;

use crate::csrf;
use crate::session::{ANON_COOKIE, Visitor, cookie};
use crate::view::{FieldErrors, Path, Posted, WebError, WebResult, form_errors, see_other};

/// An image of the product as the edit page lists it.
#[derive(Debug)]
pub struct ImageRow {
    /// Where it is recorded (what removing it names).
    pub url: String,
    /// Its small size, for the list.
    pub thumb: String,
    /// Its alt text.
    pub alt: String,
}

/// The product's images as rows.
pub(super) fn rows(product: &emporium_store::catalog::Product) -> Vec<ImageRow> {
    product
        .images
        .iter()
        .map(|i| ImageRow {
            url: i.url().to_owned(),
            thumb: emporium_domain::media::rendition_url(i.url(), emporium_domain::media::Rendition::Small),
            alt: i.alt().to_owned(),
        })
        .collect()
}

/// The upload form as typed: what to show again beside its errors.
#[derive(Debug, Default)]
pub struct UploadForm {
    /// The alt text as typed.
    pub alt: String,
    /// What was wrong.
    pub errors: FieldErrors,
}

/// A multipart form post: like [`Posted`], the `Origin` and the CSRF token are checked
/// before anything else is done with it (the token arrives as a part).
#[derive(Debug)]
pub struct PostedUpload {
    /// Who posted.
    pub visitor: Visitor,
    /// The file and alt text.
    pub upload: Upload,
}

/// The most of a small part (`csrf`, `alt`) read: far past what either may hold.
const SMALL_PART: usize = 4 * 1024;
/// What is read and dropped of a file past the limit, so the browser can finish sending
/// and show the answer.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

impl FromRequest<AppState> for PostedUpload {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        if csrf::is_cross_origin(&parts.headers, &state.config().public_url) {
            return Err(WebError::Csrf);
        }
        let visitor = Visitor::from_request_parts(&mut parts, state).await?;
        let anon = cookie(&parts.headers, ANON_COOKIE).unwrap_or_default();
        let mut form = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| WebError::Csrf)?;
        let mut token = String::new();
        let mut upload = Upload::default();
        while let Some(field) = form.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_owned();
            let (bytes, whole) = match name.as_str() {
                "file" => read_part(field, media::read_limit(state), DRAIN_LIMIT).await?,
                _ => read_part(field, SMALL_PART, 0).await?,
            };
            match name.as_str() {
                "file" => upload.file = Some(bytes).filter(|b| !b.is_empty()),
                "alt" => upload.alt = Some(String::from_utf8_lossy(&bytes).into_owned()),
                "csrf" => token = String::from_utf8_lossy(&bytes).into_owned(),
                _ => {}
            }
            // Reading on would read through the rest of a part cut short.
            if !whole {
                break;
            }
        }
        if !csrf::verify(state, visitor.session.as_ref().map(|s| s.id), &anon, &token) {
            return Err(WebError::Csrf);
        }
        Ok(Self { visitor, upload })
    }
}

/// A part's bytes, at most `keep`, and whether it was read to its end (up to `drain`
/// bytes past `keep` are read and dropped).
async fn read_part(mut field: Field<'_>, keep: usize, drain: usize) -> Result<(Vec<u8>, bool), WebError> {
    let mut bytes = Vec::new();
    let mut dropped = 0usize;
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        let room = keep.saturating_sub(bytes.len());
        bytes.extend_from_slice(&chunk[..room.min(chunk.len())]);
        dropped = dropped.saturating_add(chunk.len().saturating_sub(room));
        if dropped > drain {
            return Ok((bytes, false));
        }
    }
    Ok((bytes, true))
}

fn unreadable(e: axum::extract::multipart::MultipartError) -> WebError {
    WebError::BadRequest(e.body_text())
}

/// `POST /admin/products/{id}/images`: uploads an image.
pub async fn upload(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PostedUpload { visitor, upload }: PostedUpload,
) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    let alt = upload.alt.clone().unwrap_or_default();
    match media::add_product_image(&state, id, upload).await {
        Ok(_) => Ok(see_other(&format!("/admin/products/{id}#images"))),
        Err(emporium_app::AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            super::catalog::product_page_with_upload(&state, &visitor, id, UploadForm { alt, errors }).await
        }
    }
}

/// The remove button's form.
#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    url: String,
}

/// `POST /admin/products/{id}/images/remove`: takes one image off the product (its
/// files stay: another product, or an old order's page, may show the same picture).
pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<RemoveForm>,
) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    let product = state.store().product(id).await?.ok_or(WebError::NotFound)?;
    let images: Vec<ImageInput> = product
        .images
        .iter()
        .filter(|i| i.url() != form.url)
        .map(|i| ImageInput {
            url: i.url().to_owned(),
            alt: Some(i.alt().to_owned()),
        })
        .collect();
    let edit = ProductEdit {
        images: Some(images),
        ..ProductEdit::default()
    };
    catalog::update_product(&state, id, edit).await?;
    Ok(see_other(&format!("/admin/products/{id}#images")))
}
