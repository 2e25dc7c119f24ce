//! Staff accounts and their roles: listing, creating, changing a role, disabling. The
//! rules of who may change whom are `domain::staff`'s; this module applies them inside
//! the transaction that makes the change, against the rows as they are then.

use emporium_domain::account::Role;
use emporium_domain::staff::{Permissions, StaffRole, may_assign};
use emporium_domain::time::Timestamp;

use crate::accounts::{NewUser, User, create_user_in, user_by_id, user_columns, user_from};
use crate::db::{Conn, query, query_scalar};
use crate::{Sealer, Store, StoreError};

/// A change to a staff account: a new role, disabled or enabled again, or both.
#[derive(Debug, Clone, Copy, Default)]
pub struct StaffChange {
    /// The new role.
    pub role: Option<StaffRole>,
    /// `Some(true)` disables the account (ending its sessions), `Some(false)` enables it.
    pub disabled: Option<bool>,
}

impl Store {
    /// Every staff account, oldest first (a shop has a handful).
    pub async fn staff_members(&self) -> Result<Vec<User>, StoreError> {
        let rows = query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE u.role = 'staff' ORDER BY u.id"
        ))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(|row| user_from(row, self.sealer())).collect()
    }

    /// Makes a staff account with `role` on behalf of staff member `actor_id`, whose
    /// permissions are read in the same transaction: the role must be within them
    /// ([`StoreError::StaffRefused`] otherwise). `None` is the operator at the command
    /// line (`emporium user create`), bound by no staff member's permissions.
    pub async fn create_staff(
        &self,
        actor_id: Option<i64>,
        user: NewUser,
        role: StaffRole,
        now: Timestamp,
    ) -> Result<User, StoreError> {
        let sealer = self.sealer().clone();
        self.write(move |conn| {
            Box::pin(async move {
                if let Some(actor_id) = actor_id {
                    let actor = staff_permissions_in(conn, actor_id).await?;
                    // A new account is nobody yet (id 0): only the subset rule applies.
                    may_assign(actor, actor_id, 0, Permissions::NONE, role.permissions())
                        .map_err(StoreError::StaffRefused)?;
                }
                let user = NewUser {
                    role: Role::Staff,
                    ..user
                };
                create_user_in(conn, &sealer, &user, Some(role), now).await
            })
        })
        .await
    }

    /// Changes staff member `target_id`'s role or enabled state on behalf of `actor_id`,
    /// in one transaction: the actor's permissions and the target's role are read there,
    /// `domain::staff::may_assign` decides, and a change that would leave no enabled
    /// owner is refused with [`StoreError::LastOwner`]. Disabling ends the target's
    /// sessions in the same transaction; any change forgets the target's cached sessions
    /// (they carry the role) after the commit.
    pub async fn change_staff(
        &self,
        actor_id: i64,
        target_id: i64,
        change: StaffChange,
        now: Timestamp,
    ) -> Result<User, StoreError> {
        let sealer = self.sealer().clone();
        let changed = self
            .write(move |conn| {
                Box::pin(async move { change_staff_in(conn, &sealer, actor_id, target_id, change, now).await })
            })
            .await;
        self.sessions.forget(|s| s.user.id == target_id);
        changed
    }
}

/// The permissions `user_id` holds now (none unless enabled staff).
async fn staff_permissions_in(conn: &mut Conn, user_id: i64) -> Result<Permissions, StoreError> {
    let row = query("SELECT role, staff_role, disabled_at FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(Permissions::NONE) };
    let role: String = row.try_get("role")?;
    let staff_role: Option<String> = row.try_get("staff_role")?;
    let disabled: Option<i64> = row.try_get("disabled_at")?;
    Ok(
        match (
            role.as_str(),
            staff_role.and_then(|r| r.parse::<StaffRole>().ok()),
            disabled,
        ) {
            ("staff", Some(r), None) => r.permissions(),
            _ => Permissions::NONE,
        },
    )
}

async fn change_staff_in(
    conn: &mut Conn,
    sealer: &Sealer,
    actor_id: i64,
    target_id: i64,
    change: StaffChange,
    now: Timestamp,
) -> Result<User, StoreError> {
    // Lock every enabled owner first (on PostgreSQL; SQLite's one writer serialises
    // anyway): two owners demoting each other at once would otherwise each count the
    // other as the owner left, and both win. With the rows locked, the second waits for
    // the first to commit and then counts what is left.
    query("UPDATE users SET updated_at = updated_at WHERE role = 'staff' AND staff_role = 'owner' AND disabled_at IS NULL")
        .execute(&mut *conn)
        .await?;
    let actor = staff_permissions_in(conn, actor_id).await?;
    let target = user_by_id(conn, target_id, sealer)
        .await
        .ok()
        .filter(|u| u.role == Role::Staff)
        .ok_or(StoreError::NotFound("staff member"))?;
    let current_role = target.staff_role.unwrap_or(StaffRole::Owner);
    let new_role = change.role.unwrap_or(current_role);
    may_assign(
        actor,
        actor_id,
        target_id,
        current_role.permissions(),
        new_role.permissions(),
    )
    .map_err(StoreError::StaffRefused)?;
    let disabled_at = match change.disabled {
        Some(true) => Some(target.disabled_at.unwrap_or(now).millis()),
        Some(false) => None,
        None => target.disabled_at.map(Timestamp::millis),
    };
    let was_enabled_owner = current_role == StaffRole::Owner && target.disabled_at.is_none();
    let stays_enabled_owner = new_role == StaffRole::Owner && disabled_at.is_none();
    if was_enabled_owner && !stays_enabled_owner {
        let others: i64 = query_scalar(
            "SELECT COUNT(*) FROM users WHERE role = 'staff' AND staff_role = 'owner' AND disabled_at IS NULL AND id <> $1",
        )
        .bind(target_id)
        .fetch_one(&mut *conn)
        .await?;
        if others == 0 {
            return Err(StoreError::LastOwner);
        }
    }
    query("UPDATE users SET staff_role = $1, disabled_at = $2, updated_at = $3 WHERE id = $4")
        .bind(new_role.as_str())
        .bind(disabled_at)
        .bind(now.millis())
        .bind(target_id)
        .execute(&mut *conn)
        .await?;
    if disabled_at.is_some() {
        query("DELETE FROM sessions WHERE user_id = $1")
            .bind(target_id)
            .execute(&mut *conn)
            .await?;
    }
    user_by_id(conn, target_id, sealer).await
}
