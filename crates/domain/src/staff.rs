//! Staff roles: the areas of the back office a staff member may work in
//! ([`Permission`]), the roles a shop hands out ([`StaffRole`], each a fixed set of
//! permissions), and the rules about changing them ([`may_assign`]).
//!
//! The roles are defined here once; the store keeps a role by its [`StaffRole::as_str`]
//! name, and every staff route and admin page asks for one [`Permission`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An area of the back office. Each staff route and admin page belongs to exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Products, variants, categories, images, and moderating reviews.
    Catalogue,
    /// Lots, write-offs and stock valuation.
    Inventory,
    /// Shipping orders, their tracking, and the staff's order list and detail.
    Fulfilment,
    /// Deciding refunds and returns, staff cancels and refunds.
    Refunds,
    /// The customer list and detail, blocking, their message log and resending.
    Customers,
    /// The dashboard and the sales and margin reports.
    Reports,
    /// Pricing rules (shipping, promotions, coupons, tax) and the shop's settings.
    Settings,
    /// Managing staff accounts and their roles, and reading the audit log.
    Staff,
}

impl Permission {
    /// Every permission, in the order they are listed.
    pub const ALL: [Permission; 8] = [
        Permission::Catalogue,
        Permission::Inventory,
        Permission::Fulfilment,
        Permission::Refunds,
        Permission::Customers,
        Permission::Reports,
        Permission::Settings,
        Permission::Staff,
    ];

    /// The serialized name (`catalogue`, `refunds`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Catalogue => "catalogue",
            Permission::Inventory => "inventory",
            Permission::Fulfilment => "fulfilment",
            Permission::Refunds => "refunds",
            Permission::Customers => "customers",
            Permission::Reports => "reports",
            Permission::Settings => "settings",
            Permission::Staff => "staff",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Permissions(u16);

impl Permissions {
    /// No permission at all (customers, disabled staff).
    pub const NONE: Permissions = Permissions(0);

    /// Every permission.
    pub fn all() -> Self {
        Self::of(&Permission::ALL)
    }

    /// The set of `permissions`.
    pub fn of(permissions: &[Permission]) -> Self {
        Self(permissions.iter().fold(0, |bits, p| bits | p.bit()))
    }

    /// Whether the set holds `permission`.
    pub fn has(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    /// Whether every permission of `self` is also in `other`.
    pub fn is_subset_of(self, other: Permissions) -> bool {
        self.0 & !other.0 == 0
    }

    /// The set without `permission`.
    pub fn without(self, permission: Permission) -> Self {
        Self(self.0 & !permission.bit())
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the set lets its holder read every customer's orders (and their
    /// payments): fulfilment ships them, refunds decides on them, customers answers
    /// questions about them. Without any of the three, staff see only their own orders.
    pub fn reads_all_orders(self) -> bool {
        self.has(Permission::Fulfilment) || self.has(Permission::Refunds) || self.has(Permission::Customers)
    }

    /// The permissions in the set, in [`Permission::ALL`]'s order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.into_iter().filter(move |p| self.has(*p))
    }
}

/// A staff member's role: a named set of permissions.
///
/// | role | permissions |
/// |---|---|
/// | `owner` | all |
/// | `manager` | all but `staff` |
/// | `fulfilment` | `fulfilment`, `inventory` |
/// | `support` | `customers`, `refunds`, `fulfilment` |
/// | `catalogue` | `catalogue`, `inventory` |
/// | `analyst` | `reports` |
///
/// Support holds `fulfilment` as a whole: answering a customer means reading their
/// orders and their tracking, and a shop small enough to need a support role trusts
/// support to mark a parcel sent too. A shop that does not can give them no role
/// other than this one; there is no read-only fulfilment permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Everything, including staff management: the shop's owners.
    Owner,
    /// Everything but staff management.
    Manager,
    /// Packing and shipping orders, and the stock they draw from.
    Fulfilment,
    /// Answering customers: their accounts and messages, refunds and returns, orders.
    Support,
    /// Keeping the catalogue and its stock.
    Catalogue,
    /// Reading the reports, changing nothing.
    Analyst,
}

impl StaffRole {
    /// Every role, from most to least powerful.
    pub const ALL: [StaffRole; 6] = [
        StaffRole::Owner,
        StaffRole::Manager,
        StaffRole::Fulfilment,
        StaffRole::Support,
        StaffRole::Catalogue,
        StaffRole::Analyst,
    ];

    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Owner => "owner",
            StaffRole::Manager => "manager",
            StaffRole::Fulfilment => "fulfilment",
            StaffRole::Support => "support",
            StaffRole::Catalogue => "catalogue",
            StaffRole::Analyst => "analyst",
        }
    }

    /// What the role may do.
    pub fn permissions(self) -> Permissions {
        use Permission as P;
        match self {
            StaffRole::Owner => Permissions::all(),
            StaffRole::Manager => Permissions::all().without(P::Staff),
            StaffRole::Fulfilment => Permissions::of(&[P::Fulfilment, P::Inventory]),
            StaffRole::Support => Permissions::of(&[P::Customers, P::Refunds, P::Fulfilment]),
            StaffRole::Catalogue => Permissions::of(&[P::Catalogue, P::Inventory]),
            StaffRole::Analyst => Permissions::of(&[P::Reports]),
        }
    }
}

impl fmt::Display for StaffRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StaffRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StaffRole::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            format!("unknown staff role {s:?} (expected owner, manager, fulfilment, support, catalogue or analyst)")
        })
    }
}

/// Why a change of role (or of enabled state) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Nobody changes their own role or disables themselves.
    OwnAccount,
    /// The role gives (or the target holds) a permission the actor does not hold.
    Escalation,
}

/// Whether a staff member holding `actor` may give `target` (currently holding
/// `current`) the role `new`: both what the target holds now and what it is given must
/// be within the actor's own permissions, so nobody hands out, or takes away, more than
/// they hold. The last-owner rule needs the database and is checked there.
pub fn may_assign(
    actor: Permissions,
    actor_id: i64,
    target_id: i64,
    current: Permissions,
    new: Permissions,
) -> Result<(), Refusal> {
    if actor_id == target_id {
        return Err(Refusal::OwnAccount);
    }
    if !new.is_subset_of(actor) || !current.is_subset_of(actor) {
        return Err(Refusal::Escalation);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_hold_their_permissions() {
        use Permission as P;
        assert_eq!(StaffRole::Owner.permissions(), Permissions::all());
        assert!(!StaffRole::Manager.permissions().has(P::Staff));
        assert_eq!(StaffRole::Manager.permissions().iter().count(), 7);
        let names = |r: StaffRole| r.permissions().iter().map(Permission::as_str).collect::<Vec<_>>();
        assert_eq!(names(StaffRole::Fulfilment), ["inventory", "fulfilment"]);
        assert_eq!(names(StaffRole::Support), ["fulfilment", "refunds", "customers"]);
        assert_eq!(names(StaffRole::Catalogue), ["catalogue", "inventory"]);
        assert_eq!(names(StaffRole::Analyst), ["reports"]);
        // Every permission is held by some role other than the owner's, except staff.
        for p in Permission::ALL {
            let holders = StaffRole::ALL.iter().filter(|r| r.permissions().has(p)).count();
            assert!(holders >= 1);
            assert_eq!(p == P::Staff, holders == 1, "{p}");
        }
    }

    #[test]
    fn names_round_trip() {
        for r in StaffRole::ALL {
            assert_eq!(r.as_str().parse::<StaffRole>(), Ok(r));
        }
        assert!("admin".parse::<StaffRole>().is_err());
        assert!("Owner".parse::<StaffRole>().is_err());
        let names: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(
            names,
            [
                "catalogue",
                "inventory",
                "fulfilment",
                "refunds",
                "customers",
                "reports",
                "settings",
                "staff"
            ]
        );
    }

    #[test]
    fn sets() {
        let a = Permissions::of(&[Permission::Reports, Permission::Customers]);
        assert!(a.has(Permission::Reports) && !a.has(Permission::Staff));
        assert!(Permissions::NONE.is_subset_of(a));
        assert!(a.is_subset_of(Permissions::all()));
        assert!(!Permissions::all().is_subset_of(a));
        assert!(a.without(Permission::Reports).without(Permission::Customers).is_empty());
        assert!(a.reads_all_orders());
        assert!(!StaffRole::Analyst.permissions().reads_all_orders());
        assert!(!StaffRole::Catalogue.permissions().reads_all_orders());
    }

    #[test]
    fn nobody_grants_more_than_they_hold() {
        let owner = StaffRole::Owner.permissions();
        let manager = StaffRole::Manager.permissions();
        let support = StaffRole::Support.permissions();
        // The owner may give and take any role, but never their own.
        for from in StaffRole::ALL {
            for to in StaffRole::ALL {
                assert_eq!(may_assign(owner, 1, 2, from.permissions(), to.permissions()), Ok(()));
            }
        }
        assert_eq!(
            may_assign(owner, 1, 1, owner, StaffRole::Manager.permissions()),
            Err(Refusal::OwnAccount)
        );
        // A manager may not make an owner, nor touch one.
        assert_eq!(may_assign(manager, 1, 2, support, owner), Err(Refusal::Escalation));
        assert_eq!(may_assign(manager, 1, 2, owner, support), Err(Refusal::Escalation));
        assert_eq!(may_assign(manager, 1, 2, support, manager), Ok(()));
        // Support holds no more than support.
        assert_eq!(
            may_assign(support, 1, 2, StaffRole::Analyst.permissions(), support),
            Err(Refusal::Escalation)
        );
        assert_eq!(
            may_assign(support, 1, 2, StaffRole::Support.permissions(), support),
            Ok(())
        );
    }
}
