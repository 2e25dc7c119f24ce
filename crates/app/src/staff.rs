//! Staff management: the roles on offer, the staff accounts, making one, changing a
//! role or disabling an account, and the one permission check every staff route and
//! admin page makes ([`require`]).
//!
//! The rules (who may hand out which role, the last owner) are `domain::staff`'s and the
//! store's, applied in the transaction that makes the change; the permission of the
//! route itself is checked at the edge, once, by the API's `Staff<area>` extractor and
//! the pages' `Visitor::staff(area)`, both through [`require`].

use emporium_domain::account::{Email, Password, Role, Username};
use emporium_domain::staff::{Permission, StaffRole};
use emporium_domain::{FieldError, Invalid};
use emporium_store::accounts::{NewUser, Session, User};
use emporium_store::staff::StaffChange;

use crate::{AppError, AppResult, AppState};

/// The caller's session if it may work in `area`: [`AppError::Forbidden`] for a
/// customer, for disabled staff and for staff whose role lacks the permission.
pub fn require(session: &Session, area: Permission) -> AppResult<&Session> {
    if session.user.may(area) {
        // The staff member is the actor of whatever this request writes: the audit log
        // reads it from the request's context (`crate::audit`), so every gate sets it here.
        crate::audit::act_as(&session.user);
        Ok(session)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Every role with its permissions, most powerful first.
pub fn roles() -> Vec<(StaffRole, Vec<Permission>)> {
    StaffRole::ALL
        .into_iter()
        .map(|role| (role, role.permissions().iter().collect()))
        .collect()
}

/// Every staff account, oldest first.
pub async fn list_staff(state: &AppState) -> AppResult<Vec<User>> {
    Ok(state.store().staff_members().await?)
}

/// A staff account to make, as typed.
#[derive(Debug, Clone, Copy)]
pub struct NewStaff<'a> {
    /// Login name.
    pub username: &'a str,
    /// First password (they change it themselves later).
    pub password: &'a str,
    /// Optional contact address (staff notifications go there).
    pub email: Option<&'a str>,
    /// The role's name (`owner`, `manager`…).
    pub role: &'a str,
}

/// Parses a role's name for `field`.
pub fn parse_role(field: &str, raw: &str) -> Result<StaffRole, FieldError> {
    raw.trim().parse().map_err(|e: String| FieldError::new(field, e))
}

/// Makes a staff account on behalf of `actor`; the role must be within the actor's
/// own permissions (403 otherwise), the username free (409).
pub async fn create_staff(state: &AppState, actor: &Session, input: NewStaff<'_>) -> AppResult<User> {
    let (username, password, email, role) = match (
        Username::parse(input.username),
        Password::parse("password", input.password),
        input
            .email
            .filter(|e| !e.trim().is_empty())
            .map(Email::parse)
            .transpose(),
        parse_role("role", input.role),
    ) {
        (Ok(u), Ok(p), Ok(e), Ok(r)) => (u, p, e, r),
        (u, p, e, r) => return Err(Invalid::of([u.err(), p.err(), e.err(), r.err()]).into()),
    };
    let password_hash = state
        .passwords()
        .hash(&password)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let new = NewUser {
        username,
        password_hash,
        email,
        role: Role::Staff,
    };
    let user = state
        .store()
        .create_staff(Some(actor.user.id), new, role, state.now())
        .await?;
    tracing::info!(user.id = user.id, actor.id = actor.user.id, role = %role, "staff account created");
    crate::audit::record(
        state,
        "staff.create",
        "user",
        user.id,
        serde_json::json!({"username": user.username, "role": role.as_str()}).to_string(),
    )
    .await;
    Ok(user)
}

/// A change to a staff account, as sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct StaffEdit<'a> {
    /// The new role's name.
    pub role: Option<&'a str>,
    /// Disable (`true`) or enable (`false`) the account.
    pub disabled: Option<bool>,
}

/// Changes staff member `id`'s role or enabled state on behalf of `actor`: nobody
/// changes their own account, nobody gives or takes a role beyond their own permissions
/// (403), and the last enabled owner stays one (409 `last_owner`). Disabling ends the
/// account's sessions.
pub async fn change_staff(state: &AppState, actor: &Session, id: i64, edit: StaffEdit<'_>) -> AppResult<User> {
    let role = edit.role.map(|r| parse_role("role", r)).transpose()?;
    if role.is_none() && edit.disabled.is_none() {
        return Err(FieldError::new("body", "give a role, disabled, or both").into());
    }
    let change = StaffChange {
        role,
        disabled: edit.disabled,
    };
    let before = state.store().user(id).await.ok();
    let user = state
        .store()
        .change_staff(actor.user.id, id, change, state.now())
        .await?;
    tracing::info!(user.id = id, actor.id = actor.user.id, role = ?role, disabled = ?edit.disabled, "staff account changed");
    let role_of = |u: &User| u.staff_role.map_or("none", StaffRole::as_str).to_owned();
    if role.is_some() {
        let was = before.as_ref().map_or_else(|| "unknown".to_owned(), role_of);
        crate::audit::role_changed(state, id, &was, &role_of(&user)).await;
    }
    if let Some(disabled) = edit.disabled {
        let action = if disabled { "staff.disable" } else { "staff.enable" };
        crate::audit::record(state, action, "user", id, user.username.clone()).await;
    }
    Ok(user)
}
