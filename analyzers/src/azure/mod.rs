//! Azure RBAC: scopes, the management-group hierarchy they inherit through, and an
//! evaluator of role assignments (Actions − NotActions, DataActions − NotDataActions,
//! wildcards, union across assignments, deny assignments first, ABAC conditions reported as
//! conditional). Pure: it reads what the caller loads (from the `azure_*` tables or an
//! import) and knows nothing about the graph.
//!
//! ```text
//! let mut h = Hierarchy::new();
//! h.add_management_group("prod", Some("root")).add_subscription(sub, "prod");
//! let mut rbac = Rbac::new(h);
//! rbac.add_definition(RoleDefinition { id, role_name, permissions: vec![Permission::from_json(&v)] })
//!     .add_assignment(RoleAssignment { id, principal_id, role_definition_id, scope: Scope::parse(s)?, condition })
//!     .add_deny(DenyAssignment { .. })
//!     .add_group_members(group, &[member, ..]);
//! rbac.check(principal, "Microsoft.Authorization/roleAssignments/write", Plane::Control, &scope)
//!     -> Decision::{Allow, Conditional, Denied, NotGranted}
//! rbac.who_can(action, plane, &scope) -> Vec<(principal, Decision)>
//! ```

pub mod rbac;
pub mod scope;

pub use rbac::{
    Decision, DenyAssignment, EVERYONE, Permission, Plane, Rbac, RoleAssignment, RoleDefinition,
    action_matches, definition_key,
};
pub use scope::{Hierarchy, Scope, ScopeError};
