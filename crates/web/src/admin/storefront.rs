//! The staff page for the home page's banner (`emporium_app::storefront`): its words and
//! link in both languages, and its picture (uploaded like a product's image).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::storefront::{self, Hero, HeroDraft};
use emporium_domain::staff::Permission;

use super::images::PostedUpload;
use crate::flash::{Done, after};
use crate::session::Visitor;
use crate::view::{Ctx, FieldErrors, Posted, WebResult, form_errors, render, see_other};

#[derive(Template)]
#[template(path = "admin/storefront.html")]
struct StorefrontPage {
    ctx: Ctx,
    hero: Hero,
    /// The words as typed (the saved ones, or what failed).
    draft: HeroDraft,
    errors: FieldErrors,
    image_errors: FieldErrors,
    /// The picture's small size, for the preview.
    thumb: String,
}

async fn page(
    state: &AppState,
    visitor: &Visitor,
    draft: Option<HeroDraft>,
    errors: FieldErrors,
    image_errors: FieldErrors,
) -> WebResult {
    visitor.staff(Permission::Settings)?;
    let hero = storefront::hero(state).await?;
    let status = if errors.is_empty() && image_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let draft = draft.unwrap_or_else(|| HeroDraft {
        title_en: hero.title.en.clone(),
        title_zh: hero.title.zh.clone(),
        subtitle_en: hero.subtitle.en.clone(),
        subtitle_zh: hero.subtitle.zh.clone(),
        link: hero.link.clone(),
    });
    let thumb = hero
        .image
        .as_deref()
        .map(|url| emporium_domain::media::rendition_url(url, emporium_domain::media::Rendition::Small))
        .unwrap_or_default();
    Ok(render(
        status,
        &StorefrontPage {
            ctx: Ctx::new(visitor),
            hero,
            draft,
            errors,
            image_errors,
            thumb,
        },
    ))
}

/// `GET /admin/storefront`.
pub async fn show(State(state): State<AppState>, visitor: Visitor) -> WebResult {
    page(&state, &visitor, None, FieldErrors::default(), FieldErrors::default()).await
}

/// `POST /admin/storefront`: the banner's words and link.
pub async fn save(State(state): State<AppState>, Posted { visitor, form }: Posted<HeroDraft>) -> WebResult {
    let staff = visitor.staff(Permission::Settings)?;
    match storefront::set_hero(&state, staff, &form).await {
        Ok(_) => Ok(see_other(&after("/admin/storefront", Done::Saved))),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            page(&state, &visitor, Some(form), errors, FieldErrors::default()).await
        }
    }
}

/// `POST /admin/storefront/image`: the banner's picture.
pub async fn upload(State(state): State<AppState>, PostedUpload { visitor, upload }: PostedUpload) -> WebResult {
    let staff = visitor.staff(Permission::Settings)?;
    match storefront::set_hero_image(&state, staff, upload).await {
        Ok(_) => Ok(see_other(&after("/admin/storefront", Done::Saved))),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            page(&state, &visitor, None, FieldErrors::default(), errors).await
        }
    }
}

/// `POST /admin/storefront/image/remove`.
pub async fn remove_image(State(state): State<AppState>, Posted { visitor, .. }: Posted<Empty>) -> WebResult {
    let staff = visitor.staff(Permission::Settings)?;
    storefront::remove_hero_image(&state, staff).await?;
    Ok(see_other(&after("/admin/storefront", Done::Saved)))
}

/// A form with nothing but its CSRF token.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Empty {}
