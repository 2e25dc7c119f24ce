//! Product images: staff upload a picture as `multipart/form-data` (a `file` part and an
//! optional `alt` part); the application layer verifies, stores and records it.
//!
//! This module only reads the form, within bounds: the file up to one byte past the
//! shop's limit (so a larger one is known to be too large without holding it), the alt
//! text up to a few KiB (longer is refused by its rule anyway), nothing else.

use axum::Json;
use axum::extract::multipart::{Field, Multipart};
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use emporium_app::AppState;
use emporium_app::media::{self, Upload};
use emporium_domain::FieldError;
use emporium_store::product_images::ImageAdded;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::catalog::ProductView;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Path, Staff, area};

/// The form of an upload (`multipart/form-data`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "describes the multipart form in the OpenAPI document; read by `read_upload`"
)]
pub struct UploadImageForm {
    /// The picture: JPEG, PNG or WebP (read from its content, whatever its name or
    /// declared type), at most 10 MiB by default and 8000 × 8000 pixels.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Alt text: 0–200 characters, one line.
    #[schema(max_length = 200)]
    alt: Option<String>,
}

/// The most of an `alt` part read: far past 200 characters of any script, so the rule
/// itself refuses a longer one with its message.
const ALT_READ_LIMIT: usize = 4 * 1024;
/// What is read and thrown away of a file past the limit, so the client can finish
/// sending and read the 413 rather than see its connection closed mid-send.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Adds an uploaded image to a product (staff). The image is stored once per content
/// (the same bytes again are the same files) with three sizes; the product answers with
/// it at the end of `images` and `gallery`.
#[utoipa::path(post, path = "/api/v1/products/{id}/images", tag = "catalogue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")),
    request_body(content = UploadImageForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Added", body = ProductView),
        (status = 200, description = "The product shows this image already; nothing changed", body = ProductView),
        (status = 400, description = "The multipart body cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The product holds 10 images (`limit_reached`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than the limit (`payload_too_large`, naming `file`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `multipart/form-data` (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No file, a file that is not a JPEG, PNG or WebP picture that decodes, or bad alt text, naming `file` or `alt`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The image storage cannot be reached (`storage_unavailable`); nothing was recorded", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn upload_image(
    State(state): State<AppState>,
    _staff: Staff<area::Catalogue>,
    Path(id): Path<i64>,
    request: Request,
) -> ApiResult<(StatusCode, Json<ProductView>)> {
    let upload = read_upload(&state, request).await?;
    let (product, added) = media::add_product_image(&state, id, upload).await?;
    let status = match added {
        ImageAdded::Added => StatusCode::CREATED,
        ImageAdded::AlreadyThere => StatusCode::OK,
    };
    Ok((status, Json(ProductView::staff(product))))
}

/// Reads the `file` and `alt` parts of a multipart body.
async fn read_upload(state: &AppState, request: Request) -> ApiResult<Upload> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        // Read what was sent (bounded) before answering, as a JSON route would: a body
        // left unread spoils the connection for the client's next request.
        let _ = axum::body::to_bytes(request.into_body(), DRAIN_LIMIT).await;
        return Err(ApiError::Refused {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            detail: "expected Content-Type: multipart/form-data".into(),
        });
    }
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|r| ApiError::BadRequest {
            detail: r.body_text(),
            field: None,
        })?;
    let mut upload = Upload::default();
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        // A part read only in part ends the reading: going on to the next part would
        // read through the rest of this one, however long.
        let whole = match name.as_str() {
            "file" if upload.file.is_none() => {
                let (bytes, whole) = read_part(field, media::read_limit(state), DRAIN_LIMIT).await?;
                upload.file = Some(bytes);
                whole
            }
            "alt" if upload.alt.is_none() => {
                let (bytes, whole) = read_part(field, ALT_READ_LIMIT, 0).await?;
                upload.alt = Some(String::from_utf8_lossy(&bytes).into_owned());
                whole
            }
            "file" | "alt" => return Err(FieldError::new(name, "must be sent once").into()),
            "" => return Err(FieldError::new("body", "every part needs a name").into()),
            _ => return Err(FieldError::new(name, "unknown field: expected file and alt").into()),
        };
        if !whole {
            break;
        }
    }
    Ok(upload)
}

/// A part's bytes, at most `keep` of them, and whether it was read to its end: up to
/// `drain` bytes past `keep` are read and dropped, and reading stops after that.
async fn read_part(mut field: Field<'_>, keep: usize, drain: usize) -> ApiResult<(Vec<u8>, bool)> {
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

fn unreadable(e: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::BadRequest {
        detail: format!("the multipart body cannot be read: {}", e.body_text()),
        field: None,
    }
}
