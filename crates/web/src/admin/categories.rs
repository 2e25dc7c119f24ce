//! Staff pages for the category tree: the tree with a form per category (name, English
//! name, slug, parent, position), a form to add one, and removing an empty one.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::categories::{self, CategoryDraft, CategoryEdit};
use emporium_app::{AppError, AppState};
use emporium_domain::staff::Permission;
use serde::Deserialize;

use crate::admin::confirm::Confirmed;
use crate::flash::{Done, after};
use crate::session::Visitor;
use crate::view::{Ctx, FieldErrors, Path, Posted, WebError, WebResult, form_errors, render, see_other};

/// A row of the tree.
#[derive(Debug)]
pub struct CategoryRow {
    id: i64,
    depth: usize,
    name: String,
    name_en: String,
    slug: String,
    parent_id: String,
    position: i64,
    products: i64,
}

#[derive(Template)]
#[template(path = "admin/categories.html")]
struct CategoriesPage {
    ctx: Ctx,
    rows: Vec<CategoryRow>,
    errors: FieldErrors,
}

async fn categories_page(state: &AppState, visitor: &Visitor, errors: FieldErrors) -> WebResult {
    let tree = categories::tree(state).await?;
    let rows = tree
        .iter()
        .map(|(depth, c)| CategoryRow {
            id: c.id,
            depth: *depth,
            name: c.name.clone(),
            name_en: c
                .names
                .iter()
                .find(|(l, _)| l == "en")
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            slug: c.slug.clone(),
            parent_id: c.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            position: c.position,
            products: tree.product_count(c.id),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &CategoriesPage {
            ctx: Ctx::new(visitor),
            rows,
            errors,
        },
    ))
}

/// `GET /admin/categories`.
pub async fn list(State(state): State<AppState>, visitor: Visitor) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    categories_page(&state, &visitor, FieldErrors::default()).await
}

/// The add and change forms.
#[derive(Debug, Default, Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    slug: String,
    /// A category id, or empty for the top.
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    position: String,
}

impl CategoryForm {
    fn parent(&self) -> Result<Option<i64>, AppError> {
        match self.parent_id.trim() {
            "" => Ok(None),
            raw => raw.parse().map(Some).map_err(|_| {
                AppError::Invalid(vec![emporium_domain::FieldError::new(
                    "parent_id",
                    "must be a category",
                )])
            }),
        }
    }

    fn position(&self) -> Result<Option<i64>, AppError> {
        match self.position.trim() {
            "" => Ok(None),
            raw => raw.parse().map(Some).map_err(|_| {
                AppError::Invalid(vec![emporium_domain::FieldError::new(
                    "position",
                    "must be a whole number",
                )])
            }),
        }
    }
}

async fn again(state: &AppState, visitor: &Visitor, e: AppError) -> WebResult {
    let errors = form_errors(e, visitor.lang)?;
    categories_page(state, visitor, errors).await
}

/// `POST /admin/categories`: adds a category.
pub async fn create(State(state): State<AppState>, Posted { visitor, form }: Posted<CategoryForm>) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    let draft = match (form.parent(), form.position()) {
        (Ok(parent_id), Ok(position)) => CategoryDraft {
            name: form.name.clone(),
            slug: Some(form.slug.clone()),
            parent_id,
            position,
            names: if form.name_en.trim().is_empty() {
                Vec::new()
            } else {
                vec![("en".into(), form.name_en.clone())]
            },
        },
        (Err(e), _) | (_, Err(e)) => return again(&state, &visitor, e).await,
    };
    match categories::create_category(&state, draft).await {
        Ok(_) => Ok(see_other(&after("/admin/categories", Done::Saved))),
        Err(e) => again(&state, &visitor, e).await,
    }
}

/// `POST /admin/categories/{id}`: saves a row.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<CategoryForm>,
) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    let edit = match (form.parent(), form.position()) {
        (Ok(parent_id), Ok(position)) => CategoryEdit {
            name: Some(form.name.clone()),
            slug: Some(form.slug.clone()),
            parent_id: Some(parent_id),
            position,
            names: vec![("en".into(), form.name_en.clone())],
        },
        (Err(e), _) | (_, Err(e)) => return again(&state, &visitor, e).await,
    };
    match categories::update_category(&state, id, edit).await {
        Ok(()) => Ok(see_other(&after("/admin/categories", Done::Saved))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => again(&state, &visitor, e).await,
    }
}

/// `POST /admin/categories/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<Confirmed>,
) -> WebResult {
    visitor.staff(Permission::Catalogue)?;
    if let Some(ask) = form.ask_to_delete(&visitor, &format!("/admin/categories/{id}/delete"), "/admin/categories") {
        return ask;
    }
    match categories::delete_category(&state, id).await {
        Ok(()) => Ok(see_other(&after("/admin/categories", Done::Saved))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => again(&state, &visitor, e).await,
    }
}
