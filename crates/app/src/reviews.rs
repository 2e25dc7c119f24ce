//! Reviews by verified buyers, and their moderation by staff.

use emporium_domain::Invalid;
use emporium_domain::review::{Rating, ReviewBody};
use emporium_store::StoreError;
use emporium_store::reviews::{NewReview, NotReviewable, Review};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A review as the buyer writes it.
#[derive(Debug, Clone, Default)]
pub struct ReviewDraft {
    /// The buyer's received order that holds the product.
    pub order_id: i64,
    /// A whole number of stars, 1–5.
    pub rating: f64,
    /// Up to 2,000 characters; line breaks allowed.
    pub body: String,
}

/// Writes a review of a product the user bought and received: validates, checks the buyer
/// may, stores; the product's rating moves in the same transaction.
pub async fn write_review(state: &AppState, user_id: i64, product_id: i64, body: &ReviewDraft) -> AppResult<Review> {
    let (rating, text) = match (Rating::parse(body.rating), ReviewBody::parse(&body.body)) {
        (Ok(r), Ok(t)) => (r, t),
        (r, t) => return Err(Invalid::of([r.err(), t.err()]).into()),
    };
    state
        .store()
        .product(product_id)
        .await?
        .ok_or(AppError::NotFound("product"))?;
    let new = NewReview {
        product_id,
        order_id: body.order_id,
        user_id,
        rating,
        body: text,
    };
    match state.store().add_review(new, state.now()).await {
        Ok(review) => {
            state.nudge_search();
            Ok(review)
        }
        // Unknown and another user's orders look the same.
        Err(StoreError::NotFound(_)) => Err(AppError::NotFound("order")),
        Err(StoreError::NotReviewable(NotReviewable::NotInOrder)) => Err(emporium_domain::FieldError::new(
            "order_id",
            format!("order {} does not contain product {product_id}", body.order_id),
        )
        .into()),
        Err(e) => Err(e.into()),
    }
}

/// Staff hide a review (it leaves the product's rating) or show it again; repeating a
/// decision changes nothing.
pub async fn moderate_review(state: &AppState, staff_id: i64, id: i64, hidden: bool) -> AppResult<Review> {
    let result: AppResult<Review> = async {
        match state.store().set_review_hidden(id, hidden, staff_id, state.now()).await {
            Ok(review) => {
                state.nudge_search();
                Ok(review)
            }
            Err(StoreError::NotFound(_)) => Err(AppError::NotFound("review")),
            Err(e) => Err(e.into()),
        }
    }
    .await;
    crate::audit::recorded(state, "review.moderate", "review", result, |_v| {
        (id.to_string(), serde_json::json!({"hidden": hidden}).to_string())
    })
    .await
}
