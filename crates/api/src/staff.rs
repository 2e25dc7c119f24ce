//! Staff management (permission `staff`): the roles on offer, the staff accounts,
//! making one, changing a role, disabling and enabling.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::staff::{self, NewStaff, StaffEdit};
use emporium_store::accounts::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Page;
use crate::error::{ApiResult, Problem};
use crate::extract::{JsonBody, Path, Staff, area};

/// A role and what it may do.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RoleView {
    /// `owner`, `manager`, `fulfilment`, `support`, `catalogue` or `analyst`.
    pub role: String,
    /// Its permissions: `catalogue`, `inventory`, `fulfilment`, `refunds`, `customers`,
    /// `reports`, `settings`, `staff`.
    pub permissions: Vec<String>,
}

/// A staff account.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StaffView {
    /// User id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Contact address.
    pub email: Option<String>,
    /// Name shown on pages.
    pub display_name: Option<String>,
    /// The role's name.
    pub role: String,
    /// What the role may do (empty while disabled).
    pub permissions: Vec<String>,
    /// Whether the account is disabled (it cannot log in).
    pub disabled: bool,
    /// RFC 3339, when it was disabled.
    pub disabled_at: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

impl From<&User> for StaffView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            username: u.username.clone(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.staff_role.map(|r| r.as_str().to_owned()).unwrap_or_default(),
            permissions: u.permissions().iter().map(|p| p.as_str().to_owned()).collect(),
            disabled: u.disabled_at.is_some(),
            disabled_at: u.disabled_at.map(|t| t.to_rfc3339()),
            created_at: u.created_at.to_rfc3339(),
        }
    }
}

/// Every role and its permissions, most powerful first.
#[utoipa::path(get, path = "/api/v1/roles", tag = "staff", security(("bearer" = [])),
    responses(
        (status = 200, description = "The roles", body = Page<RoleView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Lacks permission `staff`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_roles(_staff: Staff<area::Staff>) -> Json<Page<RoleView>> {
    Json(Page {
        data: staff::roles()
            .into_iter()
            .map(|(role, permissions)| RoleView {
                role: role.as_str().to_owned(),
                permissions: permissions.iter().map(|p| p.as_str().to_owned()).collect(),
            })
            .collect(),
        next_cursor: None,
    })
}

/// Every staff account, oldest first.
#[utoipa::path(get, path = "/api/v1/staff", tag = "staff", security(("bearer" = [])),
    responses(
        (status = 200, description = "The staff accounts", body = Page<StaffView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Lacks permission `staff`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_staff(State(state): State<AppState>, _staff: Staff<area::Staff>) -> ApiResult<Json<Page<StaffView>>> {
    let members = staff::list_staff(&state).await?;
    Ok(Json(Page {
        data: members.iter().map(StaffView::from).collect(),
        next_cursor: None,
    }))
}

/// A staff account to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStaffRequest {
    /// 3–32 letters (any script), digits, `_`, `.` or `-`.
    #[schema(min_length = 3, max_length = 32)]
    pub username: String,
    /// 8–72 bytes.
    #[schema(min_length = 8, max_length = 72)]
    pub password: String,
    /// Optional contact address.
    pub email: Option<String>,
    /// The role: within the caller's own permissions.
    #[schema(example = "fulfilment")]
    pub role: String,
}

/// Makes a staff account. The role must hold no permission the caller lacks (403).
#[utoipa::path(post, path = "/api/v1/staff", tag = "staff", security(("bearer" = [])), request_body = CreateStaffRequest,
    responses(
        (status = 201, description = "Made", body = StaffView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Lacks permission `staff`, or the role is beyond the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Username taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_staff(
    State(state): State<AppState>,
    Staff(actor, _): Staff<area::Staff>,
    JsonBody(body): JsonBody<CreateStaffRequest>,
) -> ApiResult<(StatusCode, Json<StaffView>)> {
    let input = NewStaff {
        username: &body.username,
        password: &body.password,
        email: body.email.as_deref(),
        role: &body.role,
    };
    let user = staff::create_staff(&state, &actor, input).await?;
    Ok((StatusCode::CREATED, Json(StaffView::from(&user))))
}

/// A change to a staff account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStaffRequest {
    /// The new role.
    pub role: Option<String>,
    /// `true` disables the account (its sessions end), `false` enables it.
    pub disabled: Option<bool>,
}

/// Changes a staff account's role or disables/enables it. Nobody changes their own
/// account, or gives or takes a role beyond their own permissions (403); the last
/// enabled owner stays (409 `last_owner`).
#[utoipa::path(patch, path = "/api/v1/staff/{id}", tag = "staff", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")), request_body = UpdateStaffRequest,
    responses(
        (status = 200, description = "Changed", body = StaffView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Lacks permission `staff`, own account, or beyond the caller's permissions", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such staff account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last_owner`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_staff(
    State(state): State<AppState>,
    Staff(actor, _): Staff<area::Staff>,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<UpdateStaffRequest>,
) -> ApiResult<Json<StaffView>> {
    let edit = StaffEdit {
        role: body.role.as_deref(),
        disabled: body.disabled,
    };
    let user = staff::change_staff(&state, &actor, id, edit).await?;
    Ok(Json(StaffView::from(&user)))
}
