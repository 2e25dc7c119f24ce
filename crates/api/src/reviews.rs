//! Reviews: written by buyers of a received order, listed newest first, hidden by staff.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::paging::{cut_page, keyset};
use emporium_app::reviews::{self, ReviewDraft};
use emporium_domain::catalog::ProductStatus;
use emporium_store::reviews::Review;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Page;
use super::params::PageParams;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, JsonBody, MaybeAuth, Path, Query, Staff, area};
use emporium_app::AppState;
use emporium_app::cursor::Position;

/// A review as shown. The body is plain text: whoever renders it must escape it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReviewView {
    /// Review id.
    pub id: i64,
    /// The product.
    pub product_id: i64,
    /// The order the product was bought in.
    pub order_id: i64,
    /// The reviewer's display name, or their username masked (`a***e`).
    pub author: String,
    /// 1–5 stars.
    pub rating: i64,
    /// The text; may be empty.
    pub body: String,
    /// Hidden by staff (only staff see hidden reviews).
    pub hidden: bool,
    /// When it was written.
    pub created_at: String,
}

impl From<Review> for ReviewView {
    fn from(r: Review) -> Self {
        Self {
            id: r.id,
            product_id: r.product_id,
            order_id: r.order_id,
            author: r.author,
            rating: r.rating,
            body: r.body,
            hidden: r.hidden,
            created_at: r.created_at.to_rfc3339(),
        }
    }
}

/// A new review.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReviewBody {
    /// The caller's received order that holds the product.
    pub order_id: i64,
    /// A whole number of stars, 1–5.
    #[schema(value_type = i64, minimum = 1, maximum = 5)]
    pub rating: f64,
    /// Up to 2,000 characters; line breaks allowed.
    #[serde(default)]
    pub body: String,
}

/// Writes a review of a product the caller bought and received; the product's
/// `rating_average` and `rating_count` change in the same transaction.
#[utoipa::path(post, path = "/api/v1/products/{id}/reviews", tag = "reviews", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")),
    request_body = NewReviewBody,
    responses(
        (status = 201, description = "Written", body = ReviewView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The order is not received yet (or was cancelled or refunded)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product, or no such order of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_reviewed`: this order's product has a review", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rating or body, or the order does not hold the product", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_review(
    State(state): State<AppState>,
    Auth(session): Auth,
    Path(product_id): Path<i64>,
    JsonBody(body): JsonBody<NewReviewBody>,
) -> ApiResult<(StatusCode, Json<ReviewView>)> {
    let draft = ReviewDraft {
        order_id: body.order_id,
        rating: body.rating,
        body: body.body,
    };
    let review = reviews::write_review(&state, session.user.id, product_id, &draft).await?;
    Ok((StatusCode::CREATED, Json(review.into())))
}

/// A product's reviews, newest first. Staff also see hidden ones.
#[utoipa::path(get, path = "/api/v1/products/{id}/reviews", tag = "reviews",
    params(("id" = i64, Path, description = "Product id"), PageParams),
    responses(
        (status = 200, description = "A page of reviews", body = Page<ReviewView>),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_reviews(
    State(state): State<AppState>,
    caller: MaybeAuth,
    Path(product_id): Path<i64>,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<Page<ReviewView>>> {
    let staff = caller.is_staff();
    let fingerprint = format!("reviews|{product_id}|{staff}");
    let (limit, position) = page.parse(state.cursors(), &fingerprint)?;
    let before = keyset(position)?.map(|(_, id)| id);
    state
        .store()
        .product(product_id)
        .await?
        .filter(|p| p.status == ProductStatus::Active || staff)
        .ok_or(ApiError::NotFound("product"))?;
    let rows = state.store().reviews(product_id, staff, before, limit + 1).await?;
    let (reviews, next) = cut_page(rows, limit, |r| Position::After(0, r.id));
    Ok(Json(Page {
        data: reviews.into_iter().map(ReviewView::from).collect(),
        next_cursor: next.map(|p| state.cursors().encode(&fingerprint, p)),
    }))
}

/// A moderation decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerateReview {
    /// `true` hides the review (it leaves the product's rating); `false` shows it again.
    pub hidden: bool,
}

/// Hides a review or shows it again (staff). Repeating a decision changes nothing.
#[utoipa::path(patch, path = "/api/v1/reviews/{id}", tag = "reviews", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Review id")),
    request_body = ModerateReview,
    responses(
        (status = 200, description = "The review now", body = ReviewView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such review", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn moderate_review(
    State(state): State<AppState>,
    Staff(staff, _): Staff<area::Catalogue>,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<ModerateReview>,
) -> ApiResult<Json<ReviewView>> {
    Ok(Json(
        reviews::moderate_review(&state, staff.user.id, id, body.hidden)
            .await?
            .into(),
    ))
}
