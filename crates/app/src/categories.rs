//! The category tree: reading it (in a locale), and the staff's operations that add,
//! rename, move and remove categories.

use std::sync::Arc;

use emporium_domain::catalog::{CategoryName, Slug};
use emporium_domain::{FieldError, Invalid};
use emporium_store::categories::{CategoryChanges, CategoryTree, NewCategory};

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use emporium_domain::locale::Locale;

/// A category as typed by staff.
#[derive(Debug, Clone, Default)]
pub struct CategoryDraft {
    /// 1–64 characters, unique in the shop.
    pub name: String,
    /// Lowercase ASCII letters, digits and `-`; default `c<id>`.
    pub slug: Option<String>,
    /// The parent category.
    pub parent_id: Option<i64>,
    /// Order among siblings (default 0).
    pub position: Option<i64>,
    /// Translations of the name: `(locale, name)`.
    pub names: Vec<(String, String)>,
}

/// Changes to a category as typed by staff.
#[derive(Debug, Clone, Default)]
pub struct CategoryEdit {
    /// New name.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New parent; `Some(None)` moves it to the top.
    pub parent_id: Option<Option<i64>>,
    /// New position.
    pub position: Option<i64>,
    /// Translations to set; an empty name removes that locale's.
    pub names: Vec<(String, String)>,
}

fn position(raw: Option<i64>) -> Result<Option<i64>, FieldError> {
    match raw {
        Some(p) if !(0..=1_000_000).contains(&p) => Err(FieldError::new("position", "must be 0–1,000,000")),
        p => Ok(p),
    }
}

fn names(raw: &[(String, String)], allow_empty: bool) -> Result<Vec<(String, Option<CategoryName>)>, Invalid> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (locale, name) in raw {
        let field = format!("names.{locale}");
        let Some(locale) = Locale::parse(locale) else {
            errors.push(FieldError::new(field, "must be a supported locale: zh-CN or en"));
            continue;
        };
        if allow_empty && name.trim().is_empty() {
            out.push((locale.tag().to_owned(), None));
            continue;
        }
        match CategoryName::parse(&field, name) {
            Ok(n) => out.push((locale.tag().to_owned(), Some(n))),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Invalid(errors))
    }
}

/// The tree.
pub async fn tree(state: &AppState) -> AppResult<Arc<CategoryTree>> {
    Ok(state.store().category_tree().await?)
}

/// Validates and creates a category; answers its id.
pub async fn create_category(state: &AppState, d: CategoryDraft) -> AppResult<i64> {
    let result: AppResult<i64> = async {
        let parsed = (
            CategoryName::parse("name", &d.name),
            d.slug
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(|s| Slug::parse("slug", s))
                .transpose(),
            position(d.position),
            names(&d.names, false),
        );
        let new = match parsed {
            (Ok(name), Ok(slug), Ok(position), Ok(names)) => NewCategory {
                parent_id: d.parent_id,
                // Until the id is known; the store names it `c<id>` when none was typed.
                slug,
                name,
                position: position.unwrap_or(0),
                names: names.into_iter().filter_map(|(l, n)| n.map(|n| (l, n))).collect(),
            },
            (a, b, c, d) => {
                let mut errors = Invalid::of([a.err(), b.err(), c.err()]);
                errors.0.extend(d.err().map(|i| i.0).unwrap_or_default());
                return Err(errors.into());
            }
        };
        let id = state
            .store()
            .create_category(new, state.now())
            .await
            .map_err(|e| parent_not_found(e, "parent_id"))?;
        Ok(id)
    }
    .await;
    crate::audit::recorded(state, "category.create", "category", result, |v| {
        (v.to_string(), String::new())
    })
    .await
}

/// A missing parent is a bad field, not a missing category.
fn parent_not_found(e: emporium_store::StoreError, field: &'static str) -> AppError {
    match e {
        emporium_store::StoreError::NotFound("parent") => {
            AppError::Invalid(vec![FieldError::new(field, "names no category")])
        }
        e => e.into(),
    }
}

/// Validates and applies changes to a category.
pub async fn update_category(state: &AppState, id: i64, e: CategoryEdit) -> AppResult<()> {
    let result: AppResult<()> = async {
        let parsed = (
            e.name.as_deref().map(|n| CategoryName::parse("name", n)).transpose(),
            e.slug.as_deref().map(|s| Slug::parse("slug", s)).transpose(),
            position(e.position),
            names(&e.names, true),
        );
        let changes = match parsed {
            (Ok(name), Ok(slug), Ok(position), Ok(names)) => CategoryChanges {
                parent_id: e.parent_id,
                slug,
                name,
                position,
                names,
            },
            (a, b, c, d) => {
                let mut errors = Invalid::of([a.err(), b.err(), c.err()]);
                errors.0.extend(d.err().map(|i| i.0).unwrap_or_default());
                return Err(errors.into());
            }
        };
        state
            .store()
            .update_category(id, changes, state.now())
            .await
            .map_err(|e| parent_not_found(e, "parent_id"))?;
        state.nudge_search();
        Ok(())
    }
    .await;
    crate::audit::recorded(state, "category.update", "category", result, |_v| {
        (id.to_string(), String::new())
    })
    .await
}

/// Removes an empty category.
pub async fn delete_category(state: &AppState, id: i64) -> AppResult<()> {
    let result: AppResult<()> = async { Ok(state.store().delete_category(id).await?) }.await;
    crate::audit::recorded(state, "category.delete", "category", result, |_v| {
        (id.to_string(), String::new())
    })
    .await
}
