//! What the Azure graph is built from: one tenant's RBAC ([`Rbac`]: hierarchy, role
//! definitions, role and deny assignments, group memberships) and its Entra objects
//! (principals, owners, credentials, Microsoft Graph app-role grants, directory role
//! definitions and assignments, PIM eligibility), and the workloads that run as managed
//! identities. Loaded by the caller (the graph reads the `azure_*` / `azuread_*` tables).

use std::collections::BTreeMap;

use super::rbac::Rbac;

/// What kind of Entra object a principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalType {
    /// A user.
    User,
    /// A security or Microsoft 365 group.
    Group,
    /// An application's (or a Microsoft first-party app's) service principal.
    ServicePrincipal,
    /// A managed identity's service principal (system- or user-assigned).
    ManagedIdentity,
    /// An application object (it does not act; its service principal does).
    Application,
}

impl PrincipalType {
    /// `User`, `Group`, `ServicePrincipal`, `ManagedIdentity`, `Application`.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::User => "User",
            PrincipalType::Group => "Group",
            PrincipalType::ServicePrincipal => "ServicePrincipal",
            PrincipalType::ManagedIdentity => "ManagedIdentity",
            PrincipalType::Application => "Application",
        }
    }
}

/// One Entra object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzurePrincipal {
    /// Object id, lower-case.
    pub id: String,
    /// What it is.
    pub kind: PrincipalType,
    /// Display name (or user principal name for users).
    pub name: String,
    /// The application (client) id, for service principals and applications.
    pub app_id: Option<String>,
    /// Groups: whether directory roles can be assigned to it (Entra then protects it).
    pub role_assignable: bool,
    /// Disabled accounts cannot sign in.
    pub enabled: bool,
    /// Object ids of its owners (applications, service principals, groups).
    pub owners: Vec<String>,
}

/// A Microsoft Graph (or other API) application permission granted to a service principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRoleGrant {
    /// The service principal holding it.
    pub principal_id: String,
    /// The permission's value (`RoleManagement.ReadWrite.Directory`), resolved from the
    /// resource's app roles or the shipped catalogue; the app role id when unknown.
    pub permission: String,
    /// The resource service principal's app id (Microsoft Graph:
    /// `00000003-0000-0000-c000-000000000000`).
    pub resource_app_id: String,
}

/// A directory (Entra) role definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryRole {
    /// Role definition id (the template id for built-in roles), lower-case.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `allowedResourceActions` of every permission block.
    pub permissions: Vec<String>,
    /// Built-in (true) or custom.
    pub built_in: bool,
}

/// An Entra role assignment, active or PIM-eligible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryAssignment {
    /// Assignment (or eligibility schedule instance) id.
    pub id: String,
    /// The user, group or service principal.
    pub principal_id: String,
    /// The role definition id.
    pub role_id: String,
    /// `/`, `/administrativeUnits/{id}` or `/{object id}`.
    pub directory_scope: String,
    /// PIM-eligible (must be activated) rather than active.
    pub eligible: bool,
    /// Eligibility end, if any.
    pub end: Option<String>,
}

/// A resource that runs code as managed identities (VM, web app, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// ARM resource id.
    pub id: String,
    /// ARM resource type, lower-case (`microsoft.compute/virtualmachines`).
    pub resource_type: String,
    /// Principal ids of its system-assigned and user-assigned identities.
    pub identities: Vec<String>,
}

/// A user-assigned managed identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAssignedIdentity {
    /// ARM resource id.
    pub id: String,
    /// Its service principal's object id.
    pub principal_id: String,
}

/// A key vault or storage account: the resources whose secrets or keys a rule reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretStore {
    /// ARM resource id.
    pub id: String,
    /// `microsoft.keyvault/vaults` or `microsoft.storage/storageaccounts`.
    pub resource_type: String,
    /// Key vaults: true when data access is decided by RBAC, not by access policies.
    pub rbac_authorization: bool,
}

/// One tenant, everything the Azure rules look at.
#[derive(Debug, Clone, Default)]
pub struct AzureSnapshot {
    /// Tenant id, lower-case.
    pub tenant_id: String,
    /// Azure RBAC (hierarchy, definitions, assignments, denies, group members).
    pub rbac: Rbac,
    /// Management group names, lower-case, with display names.
    pub management_groups: BTreeMap<String, String>,
    /// Subscription ids, lower-case, with display names.
    pub subscriptions: BTreeMap<String, String>,
    /// Entra objects by object id (lower-case).
    pub principals: BTreeMap<String, AzurePrincipal>,
    /// Application permissions granted to service principals.
    pub app_role_grants: Vec<AppRoleGrant>,
    /// Directory role definitions by id (lower-case).
    pub directory_roles: BTreeMap<String, DirectoryRole>,
    /// Active and eligible directory role assignments.
    pub directory_assignments: Vec<DirectoryAssignment>,
    /// Resources running as managed identities.
    pub workloads: Vec<Workload>,
    /// User-assigned managed identities.
    pub user_assigned_identities: Vec<UserAssignedIdentity>,
    /// Key vaults and storage accounts.
    pub secret_stores: Vec<SecretStore>,
    /// Custom RBAC role definitions (GUID, lower-case) with their assignable scopes.
    pub custom_role_scopes: BTreeMap<String, Vec<String>>,
}

/// Admin node key of the tenant (Global Administrator / Privileged Role Administrator).
pub fn tenant_admin_key(tenant_id: &str) -> String {
    format!("admin:azure/tenants/{}", tenant_id.to_ascii_lowercase())
}

/// Admin node key of a management group (Owner / User Access Administrator).
pub fn management_group_admin_key(name: &str) -> String {
    format!("admin:azure/managementGroups/{}", name.to_ascii_lowercase())
}

/// Admin node key of a subscription (Owner / User Access Administrator).
pub fn subscription_admin_key(id: &str) -> String {
    format!("admin:azure/subscriptions/{}", id.to_ascii_lowercase())
}
