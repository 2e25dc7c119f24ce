//! Staff pages for staff management (permission `staff`): the staff list with each
//! member's role and permissions, changing a role and disabling or enabling an account
//! (each after a confirmation step), and a form to add a staff member.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::staff::{self, NewStaff, StaffEdit};
use emporium_app::{AppError, AppState};
use emporium_domain::staff::{Permission, StaffRole};
use emporium_store::accounts::User;
use serde::Deserialize;

use super::confirm;
use crate::flash::{Done, after};
use crate::session::Visitor;
use crate::view::{Ctx, FieldErrors, Path, Posted, WebError, WebResult, form_errors, render, see_other, time};

/// A staff member, formatted.
#[derive(Debug)]
pub struct StaffRow {
    id: i64,
    username: String,
    email: String,
    role: String,
    role_name: &'static str,
    permissions: String,
    disabled: bool,
    created: String,
    is_me: bool,
}

#[derive(Template)]
#[template(path = "admin/staff.html")]
struct StaffPage {
    ctx: Ctx,
    rows: Vec<StaffRow>,
    roles: Vec<(&'static str, &'static str, String)>,
    errors: FieldErrors,
}

async fn staff_page(state: &AppState, visitor: &Visitor, errors: FieldErrors) -> WebResult {
    let me = visitor.staff(Permission::Staff)?.user.id;
    let t = visitor.t();
    let members = staff::list_staff(state).await?;
    let rows = members
        .iter()
        .map(|u: &User| {
            let role = u.staff_role.unwrap_or(StaffRole::Owner);
            StaffRow {
                id: u.id,
                username: u.username.clone(),
                email: u.email.clone().unwrap_or_default(),
                role: role.as_str().to_owned(),
                role_name: t.role_name(role),
                permissions: role
                    .permissions()
                    .iter()
                    .map(Permission::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                disabled: u.disabled_at.is_some(),
                created: time(u.created_at),
                is_me: u.id == me,
            }
        })
        .collect();
    let roles = staff::roles()
        .into_iter()
        .map(|(role, permissions)| {
            let names: Vec<&str> = permissions.iter().map(|p| p.as_str()).collect();
            (role.as_str(), t.role_name(role), names.join(", "))
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &StaffPage {
            ctx: Ctx::new(visitor),
            rows,
            roles,
            errors,
        },
    ))
}

/// `GET /admin/staff`.
pub async fn list(State(state): State<AppState>, visitor: Visitor) -> WebResult {
    visitor.staff(Permission::Staff)?;
    staff_page(&state, &visitor, FieldErrors::default()).await
}

/// The add form.
#[derive(Debug, Default, Deserialize)]
pub struct NewStaffForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// `POST /admin/staff`: adds a staff member.
pub async fn create(State(state): State<AppState>, Posted { visitor, form }: Posted<NewStaffForm>) -> WebResult {
    let actor = visitor.staff(Permission::Staff)?;
    let input = NewStaff {
        username: &form.username,
        password: &form.password,
        email: Some(form.email.as_str()),
        role: &form.role,
    };
    match staff::create_staff(&state, actor, input).await {
        Ok(_) => Ok(see_other(&after("/admin/staff", Done::Saved))),
        Err(e) => again(&state, &visitor, e).await,
    }
}

async fn again(state: &AppState, visitor: &Visitor, e: AppError) -> WebResult {
    let errors = form_errors(e, visitor.lang)?;
    staff_page(state, visitor, errors).await
}

/// A row's change: a role, or `disabled` `1`/`0`; `confirmed=1` once confirmed.
#[derive(Debug, Default, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    disabled: String,
    #[serde(default)]
    confirmed: String,
}

/// `POST /admin/staff/{id}`: asks first, then changes the role or the enabled state.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<ChangeForm>,
) -> WebResult {
    let actor = visitor.staff(Permission::Staff)?;
    let role = Some(form.role.as_str()).filter(|r| !r.trim().is_empty());
    let disabled = match form.disabled.as_str() {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    };
    if form.confirmed != "1" {
        let t = visitor.t();
        let mut fields = Vec::new();
        let mut message = String::new();
        if let Some(role) = role {
            let name = role.parse::<StaffRole>().map(|r| t.role_name(r)).unwrap_or(role);
            message = format!("{} {name}", t.confirm_role);
            fields.push(("role".to_owned(), role.to_owned()));
        }
        if let Some(disabled) = disabled {
            message = if disabled { t.confirm_disable } else { t.confirm_enable }.to_owned();
            fields.push(("disabled".to_owned(), form.disabled.clone()));
        }
        return confirm::ask(&visitor, message, &format!("/admin/staff/{id}"), fields, "/admin/staff");
    }
    match staff::change_staff(&state, actor, id, StaffEdit { role, disabled }).await {
        Ok(_) => Ok(see_other(&after("/admin/staff", Done::Saved))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => again(&state, &visitor, e).await,
    }
}
