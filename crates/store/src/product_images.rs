//! Adding one image to a product's list (an upload), as its own operation: the list is
//! read and extended under the product's row lock, so two uploads to one product at once
//! both land, and neither passes the cap.

use emporium_domain::catalog::{Image, Images};
use emporium_domain::time::Timestamp;

use crate::catalog::{Product, product_in, record_change};
use crate::db::{Conn, query, query_scalar};
use crate::{Store, StoreError};

/// What adding an image did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageAdded {
    /// It was appended to the list.
    Added,
    /// The product already showed an image at that URL; nothing changed.
    AlreadyThere,
}

impl Store {
    /// Appends `image` to product `id`'s images, unless one with its URL is there already.
    /// A product holds at most [`Images::MAX`] images (`LimitReached` past that).
    pub async fn add_product_image(
        &self,
        id: i64,
        image: Image,
        now: Timestamp,
    ) -> Result<(Product, ImageAdded), StoreError> {
        self.write(move |conn| Box::pin(async move { add_product_image_in(conn, id, &image, now).await }))
            .await
    }
}

async fn add_product_image_in(
    conn: &mut Conn,
    id: i64,
    image: &Image,
    now: Timestamp,
) -> Result<(Product, ImageAdded), StoreError> {
    // The row lock first (a no-op update takes it on PostgreSQL), so the list read below
    // is the one extended; an image already there then changes nothing at all.
    let locked = query("UPDATE products SET updated_at = updated_at WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if locked.rows_affected() == 0 {
        return Err(StoreError::NotFound("product"));
    }
    let stored: String = query_scalar("SELECT images FROM products WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let mut images = Images::decode(&stored);
    if images.iter().any(|i| i.url() == image.url()) {
        return Ok((product_in(conn, id).await?, ImageAdded::AlreadyThere));
    }
    if images.len() >= Images::MAX {
        return Err(StoreError::LimitReached("a product holds at most 10 images"));
    }
    images.push(image.clone());
    query("UPDATE products SET images = $1, updated_at = $2 WHERE id = $3")
        .bind(Images::encode(&images))
        .bind(now.millis())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    record_change(conn, id, now).await?;
    Ok((product_in(conn, id).await?, ImageAdded::Added))
}
