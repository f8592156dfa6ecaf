//! Azure: the RBAC evaluator, Entra permissions, and the escalation rules.
//!
//! - [`scope`] and [`rbac`]: scopes, the management-group hierarchy they inherit through,
//!   and an evaluator of role assignments (Actions − NotActions, DataActions −
//!   NotDataActions, wildcards, union across assignments and nested groups, deny
//!   assignments first, ABAC conditions reported as conditional). Pure: it reads what the
//!   caller loads and knows nothing about the graph.
//! - [`entra`]: directory role permissions (`microsoft.directory/...` with `allProperties`
//!   / `allTasks`), the built-in roles and Microsoft Graph application permissions the
//!   rules look at.
//! - [`model`]: one tenant as the rules see it ([`AzureSnapshot`]).
//! - [`rules`] and [`engine`]: one declared rule per technique, applied per principal.
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
//! let snapshot = AzureSnapshot { rbac, principals, directory_assignments, .. };
//! let edges = all_edges(&AzureIndex::new(&snapshot));
//! ```
//!
//! Principals are keyed by Entra object id (lower-case GUID). "Admin" is Global
//! Administrator / Privileged Role Administrator of the tenant
//! (`admin:azure/tenants/<tenant id>`) and Owner / User Access Administrator of each
//! management group and subscription (`admin:azure/managementGroups/<name>`,
//! `admin:azure/subscriptions/<id>`): the principal can assign roles there.
//!
//! # Coverage
//!
//! Covered (rule ids): `azure-role-assignments-write` (direct admin), `azure-role-definitions-write`,
//! `azure-elevate-access`, `azure-vm-run-command`, `azure-vm-extension-write`,
//! `azure-vm-admin-login`, `azure-vmss-run-command`, `azure-web-app-write`,
//! `azure-logic-app-write`, `azure-automation-runbook`, `azure-aks-command`,
//! `azure-acr-task`, `azure-managed-identity-assign`,
//! `azure-managed-identity-federated-credential`, `azure-keyvault-access-policy-write`,
//! `azure-keyvault-secrets-read`, `azure-storage-list-keys` (CAN_ACCESS),
//! `azure-entra-role-assignments` (direct admin), `azure-graph-rolemanagement-readwrite-directory`,
//! `azure-graph-approleassignment-readwrite`, `azure-app-add-secret`, `azure-app-add-owner`,
//! `azure-sp-add-secret`, `azure-sp-add-owner`, `azure-group-add-member`,
//! `azure-reset-password`.
//!
//! Left out (and why):
//! - Administrative-unit scoped directory roles: AU members are not read, so such an
//!   assignment gives no edge (object-scoped and tenant-wide ones do).
//! - Azure RBAC PIM eligibility (ARM `roleEligibilityScheduleInstances`): not read yet;
//!   Entra PIM eligibility is (edges marked `eligible`).
//! - `ServicePrincipalEndpoint.ReadWrite.All`: it redirects an app's endpoints (token
//!   theft from users who sign in), not a principal's privileges by itself.
//! - Password reset protection is modelled as Entra documents it by role (privileged
//!   users only by Privileged Authentication / Global Administrators); the exact per-role
//!   matrix (User Administrator may reset some limited administrators) is simplified to
//!   "holds a role beyond the limited list".
//! - Workload rules reach the workload's identities only where the workload is read
//!   (VMs and web apps today); scale sets, Logic Apps, Automation, AKS and ACR rules are
//!   declared and tested but have no table to feed them yet.
//! - `Microsoft.Authorization/elevateAccess/Action` cannot be granted by RBAC; the rule
//!   follows the Global Administrator role.

pub mod engine;
pub mod entra;
pub mod model;
pub mod rbac;
pub mod rules;
pub mod scope;

pub use engine::{AzureEdge, AzureHit, AzureIndex, AzureTarget, all_edges, edges_for};
pub use model::{
    AppRoleGrant, AzurePrincipal, AzureSnapshot, DirectoryAssignment, DirectoryRole, PrincipalType,
    SecretStore, UserAssignedIdentity, Workload, management_group_admin_key,
    subscription_admin_key, tenant_admin_key,
};
pub use rbac::{
    Decision, DenyAssignment, EVERYONE, Permission, Plane, Rbac, RoleAssignment, RoleDefinition,
    action_matches, definition_key,
};
pub use rules::{AzureRule, EntraReach, RULES, Shape, rule};
pub use scope::{Hierarchy, Scope, ScopeError};

#[cfg(test)]
mod tests;
