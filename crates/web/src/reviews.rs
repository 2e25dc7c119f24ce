//! Reviews on the pages: the form under each line of a received order, and the staff's
//! hide / show buttons on the product page. Both call the same use cases as the API
//! (`emporium_app::reviews`), so the rules are one.

use axum::extract::State;
use axum::http::StatusCode;
use emporium_domain::staff::Permission;
use serde::Deserialize;

use super::orders::{ReviewDraft, order_page_for};
use super::view::{Path, Posted, WebError, WebResult, form_errors, see_other};
use emporium_app::reviews;
use emporium_app::{AppError, AppState};

/// The review form.
#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    body: String,
}

/// `POST /orders/{order}/reviews/{product}`: writes the review, or shows the order page
/// again with the message next to the field.
pub async fn write_review(
    State(state): State<AppState>,
    Path((order_id, product_id)): Path<(i64, i64)>,
    Posted { visitor, form }: Posted<ReviewForm>,
) -> WebResult {
    let session = visitor.user()?;
    // Anything but a number falls to the rating rule's own message ("1 to 5").
    let rating = form.rating.trim().parse::<f64>().unwrap_or(0.0);
    let body = reviews::ReviewDraft {
        order_id,
        rating,
        body: form.body.clone(),
    };
    match reviews::write_review(&state, session.user.id, product_id, &body).await {
        Ok(_) => Ok(see_other(&format!("/orders/{order_id}#review-{product_id}"))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            let draft = ReviewDraft {
                product_id,
                rating: form.rating,
                body: form.body,
            };
            order_page_for(
                &state,
                &visitor,
                order_id,
                Default::default(),
                Default::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((draft, errors)),
            )
            .await
        }
    }
}

/// The hide / show button.
#[derive(Debug, Deserialize)]
pub struct ModerateForm {
    #[serde(default)]
    hidden: String,
}

/// `POST /admin/reviews/{id}` (staff): hides the review or shows it again, then back to
/// the product page.
pub async fn moderate_review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<ModerateForm>,
) -> WebResult {
    let staff = visitor.staff(Permission::Catalogue)?.user.id;
    let review = reviews::moderate_review(&state, staff, id, form.hidden == "true").await?;
    Ok(see_other(&format!("/products/{}#review-{id}", review.product_id)))
}
