//! Reviews by verified buyers. Who may review is checked inside the same transaction that
//! writes the review and moves the product's rating aggregate, so the aggregate always
//! equals the sum over the visible reviews (an invariant `check` verifies).

use crate::db::{Conn, Row, query, query_scalar};
use emporium_domain::review::{Rating, ReviewBody};
use emporium_domain::time::Timestamp;

use crate::catalog::record_change;
use crate::{Store, StoreError};

/// A review as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// Primary key.
    pub id: i64,
    /// The product reviewed.
    pub product_id: i64,
    /// The order it was bought in.
    pub order_id: i64,
    /// The reviewer.
    pub user_id: i64,
    /// The reviewer's display name, or their username masked (`a***7`) when they set
    /// none: a login name is half a credential and must not be published.
    pub author: String,
    /// 1–5 stars.
    pub rating: i64,
    /// The text (may be empty).
    pub body: String,
    /// Hidden by staff: not listed to shoppers and not counted in the rating.
    pub hidden: bool,
    /// When it was written.
    pub created_at: Timestamp,
}

/// A review to write, already validated.
#[derive(Debug, Clone)]
pub struct NewReview {
    /// The product reviewed.
    pub product_id: i64,
    /// The order holding it.
    pub order_id: i64,
    /// The reviewer, who must own the order.
    pub user_id: i64,
    /// Stars.
    pub rating: Rating,
    /// Text.
    pub body: ReviewBody,
}

/// Why a buyer may not review (yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotReviewable {
    /// The order does not hold the product.
    #[error("the order does not contain this product")]
    NotInOrder,
    /// The order has not been received (or was cancelled or refunded).
    #[error("only a received order can be reviewed")]
    NotReceived,
}

macro_rules! review_columns {
    () => {
        "r.id, r.product_id, r.order_id, r.user_id, u.display_name, u.username, r.rating, r.body, r.status, r.created_at
         FROM reviews r JOIN users u ON u.id = r.user_id"
    };
}

pub(crate) fn review_from(row: &Row) -> Result<Review, StoreError> {
    let status: String = row.try_get("status")?;
    Ok(Review {
        id: row.try_get("id")?,
        product_id: row.try_get("product_id")?,
        order_id: row.try_get("order_id")?,
        user_id: row.try_get("user_id")?,
        author: match row.try_get::<Option<String>, _>("display_name")? {
            Some(name) => name,
            None => masked(&row.try_get::<String, _>("username")?),
        },
        rating: row.try_get("rating")?,
        body: row.try_get("body")?,
        hidden: status == "hidden",
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
    })
}

/// A username as shown to others: its first and last characters around `***`. Reviews
/// are public, and a published login name would let anyone aim the login throttle (ten
/// failures lock the account) at a reviewer, or start guessing their password.
fn masked(username: &str) -> String {
    let mut chars = username.chars();
    match (chars.next(), chars.next_back()) {
        (Some(first), Some(last)) => format!("{first}***{last}"),
        (Some(first), None) => format!("{first}***"),
        _ => "***".to_owned(),
    }
}

async fn review_in(conn: &mut Conn, id: i64) -> Result<Review, StoreError> {
    let row = query(concat!("SELECT ", review_columns!(), " WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("review"))?;
    review_from(&row)
}

/// Moves a product's rating aggregate by one review: `sign` +1 adds it, -1 takes it out.
async fn move_rating(
    conn: &mut Conn,
    product_id: i64,
    rating: i64,
    sign: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    query(
        "UPDATE products SET
            rating_sum   = rating_sum + $1,
            rating_count = rating_count + $2,
            rating_milli = CASE WHEN rating_count + $2 > 0 THEN ((rating_sum + $1) * 1000) / (rating_count + $2) ELSE 0 END
         WHERE id = $3",
    )
    .bind(sign * rating)
    .bind(sign)
    .bind(product_id)
    .execute(&mut *conn)
    .await?;
    // The rating is a listing sort key: the search follower re-reads the product.
    record_change(conn, product_id, now).await
}

impl Store {
    /// Writes a review and counts it into the product's rating, in one transaction.
    ///
    /// An order that is unknown or another user's is [`StoreError::NotFound`]; one that
    /// does not hold the product or is not `received` is [`StoreError::NotReviewable`];
    /// a second review of the same order and product is [`StoreError::AlreadyReviewed`]
    /// (decided by a UNIQUE constraint, so concurrent attempts cannot both land).
    pub async fn add_review(&self, new: NewReview, now: Timestamp) -> Result<Review, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                let status: Option<String> = query_scalar("SELECT status FROM orders WHERE id = $1 AND user_id = $2")
                    .bind(new.order_id)
                    .bind(new.user_id)
                    .fetch_optional(&mut *conn)
                    .await?;
                let status = status.ok_or(StoreError::NotFound("order"))?;
                let holds: i64 =
                    query_scalar("SELECT COUNT(*) FROM order_items WHERE order_id = $1 AND product_id = $2")
                        .bind(new.order_id)
                        .bind(new.product_id)
                        .fetch_one(&mut *conn)
                        .await?;
                if holds == 0 {
                    return Err(NotReviewable::NotInOrder.into());
                }
                if status != "received" {
                    return Err(NotReviewable::NotReceived.into());
                }
                let id: i64 = query_scalar(
                    "INSERT INTO reviews (product_id, order_id, user_id, rating, body, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(new.product_id)
                .bind(new.order_id)
                .bind(new.user_id)
                .bind(new.rating.stars())
                .bind(new.body.as_str())
                .bind(now.millis())
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| match StoreError::from(e) {
                    e if e.is_unique_violation() => StoreError::AlreadyReviewed,
                    e => e,
                })?;
                move_rating(conn, new.product_id, new.rating.stars(), 1, now).await?;
                review_in(conn, id).await
            })
        })
        .await
    }

    /// A product's reviews, newest first, starting below `before_id`; hidden ones only
    /// when `include_hidden` (staff).
    pub async fn reviews(
        &self,
        product_id: i64,
        include_hidden: bool,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Review>, StoreError> {
        let rows = query(concat!(
            "SELECT ",
            review_columns!(),
            " WHERE r.product_id = $1 AND ($2 = 1 OR r.status = 'visible') AND r.id < $3
              ORDER BY r.id DESC LIMIT $4"
        ))
        .bind(product_id)
        .bind(i64::from(include_hidden))
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(review_from).collect()
    }

    /// The products of an order its buyer has reviewed (for the order page).
    pub async fn reviewed_in_order(&self, order_id: i64) -> Result<Vec<i64>, StoreError> {
        Ok(query_scalar("SELECT product_id FROM reviews WHERE order_id = $1")
            .bind(order_id)
            .fetch_all(self.reader())
            .await?)
    }

    /// One review, hidden or not.
    pub async fn review(&self, id: i64) -> Result<Option<Review>, StoreError> {
        let row = query(concat!("SELECT ", review_columns!(), " WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(review_from).transpose()
    }

    /// Hides a review (staff), taking it out of the product's rating, or shows it again.
    /// Setting the state it already has changes nothing, so a repeated request cannot
    /// count a review twice.
    pub async fn set_review_hidden(
        &self,
        id: i64,
        hidden: bool,
        staff_id: i64,
        now: Timestamp,
    ) -> Result<Review, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                let (from, to) = if hidden {
                    ("visible", "hidden")
                } else {
                    ("hidden", "visible")
                };
                let moved = query(
                    "UPDATE reviews SET status = $1, hidden_by = $2, hidden_at = $3 WHERE id = $4 AND status = $5
                     RETURNING product_id, rating",
                )
                .bind(to)
                .bind(hidden.then_some(staff_id))
                .bind(hidden.then_some(now.millis()))
                .bind(id)
                .bind(from)
                .fetch_optional(&mut *conn)
                .await?;
                if let Some(row) = moved {
                    let sign = if hidden { -1 } else { 1 };
                    move_rating(conn, row.try_get("product_id")?, row.try_get("rating")?, sign, now).await?;
                }
                review_in(conn, id).await
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn usernames_are_masked_to_their_ends() {
        assert_eq!(masked("alice_a7"), "a***7");
        assert_eq!(masked("王小明"), "王***明");
        assert_eq!(masked("x"), "x***");
        assert_eq!(masked(""), "***");
    }
}
