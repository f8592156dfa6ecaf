//! The demo's Azure tenant (`demo-corp.example`, tenant [`TENANT_ID`]): a management-group
//! tree (tenant root → platform, landing zones → prod, sandbox) with three subscriptions,
//! resource groups, built-in and custom RBAC roles, role assignments (one with an ABAC
//! condition, some at management-group scope inherited down), a deny assignment, users,
//! groups (one role-assignable), applications with credentials and owners, service
//! principals with Microsoft Graph application permissions, VMs and a web app with managed
//! identities, key vaults, storage accounts, directory role definitions and assignments
//! (one PIM-eligible, one scoped to an administrative unit), and planted escalation paths
//! and near misses ([`AZURE_PLANTS`], docs/azure.md). Fixed size: it does not grow with
//! `--demo-scale`. Every id is a fixed GUID, so the rows are the same on every run.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::framework::Row;

/// The demo tenant's id.
pub const TENANT_ID: &str = "5e7d0000-0000-4000-8000-00000000a2e0";
const DOMAIN: &str = "demo-corp.example";
const CLOUD: &str = "AzurePublicCloud";

/// Subscription ids.
const SUB_PROD: &str = "5e7d0000-0000-4000-8000-00000000b001";
const SUB_DEV: &str = "5e7d0000-0000-4000-8000-00000000b002";
const SUB_SHARED: &str = "5e7d0000-0000-4000-8000-00000000b003";

/// `(name, display name, parent)`: the tenant root group is named after the tenant.
const MANAGEMENT_GROUPS: &[(&str, &str, Option<&str>)] = &[
    (TENANT_ID, "Tenant Root Group", None),
    ("demo-platform", "Platform", Some(TENANT_ID)),
    ("demo-landing-zones", "Landing zones", Some(TENANT_ID)),
    ("demo-prod", "Production", Some("demo-landing-zones")),
    ("demo-sandbox", "Sandbox", Some("demo-landing-zones")),
];

/// `(id, display name, management group)`.
const SUBSCRIPTIONS: &[(&str, &str, &str)] = &[
    (SUB_PROD, "Demo Prod", "demo-prod"),
    (SUB_DEV, "Demo Dev", "demo-sandbox"),
    (SUB_SHARED, "Demo Shared services", "demo-platform"),
];

/// `(subscription, resource group, region)`.
const RESOURCE_GROUPS: &[(&str, &str, &str)] = &[
    (SUB_PROD, "rg-web", "westeurope"),
    (SUB_PROD, "rg-data", "westeurope"),
    (SUB_DEV, "rg-sandbox", "northeurope"),
    (SUB_SHARED, "rg-identity", "westeurope"),
    (SUB_SHARED, "rg-ops", "westeurope"),
];

/// A demo object id: `5e7d<kind>-0000-4000-8000-<n>`.
fn oid(kind: u16, n: u32) -> String {
    format!("5e7d{kind:04x}-0000-4000-8000-{n:012x}")
}

const USER: u16 = 0x0001;
const GROUP: u16 = 0x0002;
const APP: u16 = 0x0003;
const SP: u16 = 0x0004;
const MI: u16 = 0x0005;

/// Users: `(n, mail nickname, display name)`. Object id `oid(USER, n)`.
const USERS: &[(u32, &str, &str)] = &[
    (1, "cloud-admin", "Cloud Admin"),
    (2, "pim-ga", "Break-glass (PIM eligible GA)"),
    (3, "platform-owner", "Platform Owner"),
    (4, "landing-uaa", "Landing zone access admin"),
    (5, "rbac-delegate", "RBAC delegate (conditional)"),
    (6, "vm-operator", "VM Operator"),
    (7, "web-dev", "Web developer"),
    (8, "role-author", "Role author"),
    (9, "helpdesk", "Helpdesk"),
    (10, "app-owner", "CI app owner"),
    (11, "automation-owner", "Automation SP owner"),
    (12, "tier0-owner", "Tier-0 group owner"),
    (13, "groups-admin", "Groups admin"),
    (14, "app-admin", "Scoped application admin"),
    (15, "kv-contributor", "Key Vault contributor"),
    (16, "storage-ops", "Storage operator"),
    (17, "mi-operator", "Managed identity operator"),
    (18, "fic-writer", "Federated credential writer"),
    (19, "intern", "Intern"),
    (20, "platform-engineer", "Platform engineer"),
    // Near misses.
    (31, "contributor", "Dev contributor"),
    (32, "denied-owner", "Owner under a deny assignment"),
    (33, "vm-user", "VM user login"),
    (34, "mi-operator-only", "Identity operator, no workload"),
    (35, "wiki-app-admin", "Wiki application admin"),
    (36, "role-author-no-custom", "Role author, no custom role"),
    (37, "eligible-reader", "Eligible directory reader"),
    (38, "au-role-admin", "AU-scoped role admin"),
    (39, "helpdesk-scoped", "Helpdesk for the intern only"),
];

fn user(n: u32) -> String {
    oid(USER, n)
}

/// A group: `(n, name, role-assignable, members, owners)`.
type Group = (u32, &'static str, bool, Vec<String>, Vec<String>);

/// Groups.
fn groups() -> Vec<Group> {
    vec![
        (
            1,
            "g-platform-engineers",
            false,
            vec![user(20)],
            vec![user(3)],
        ),
        (2, "g-tier0-admins", true, vec![user(1)], vec![user(12)]),
        (
            3,
            "g-all-staff",
            false,
            vec![user(19), user(20), user(31)],
            vec![],
        ),
    ]
}

/// An application and its service principal: `(n, name, owners of the app, owners of
/// the service principal, federated credential issuer)`.
type Application = (
    u32,
    &'static str,
    Vec<String>,
    Vec<String>,
    Option<&'static str>,
);

/// Applications and their service principals. App object `oid(APP, n)`, service
/// principal `oid(SP, n)`, app id `oid(0x00a0, n)`.
fn applications() -> Vec<Application> {
    vec![
        (
            1,
            "demo-ci-deployer",
            vec![user(10)],
            vec![],
            Some("https://token.actions.githubusercontent.com"),
        ),
        (2, "demo-automation", vec![], vec![user(11)], None),
        (3, "demo-directory-sync", vec![], vec![], None),
        (4, "demo-hr-sync", vec![], vec![], None),
        (5, "demo-wiki", vec![user(35)], vec![], None),
    ]
}

fn app_id(n: u32) -> String {
    oid(0x00a0, n)
}

/// Microsoft Graph's service principal in the tenant.
fn graph_sp() -> String {
    oid(SP, 0x99)
}

/// Microsoft Graph application permissions granted: `(service principal n, value)`.
const GRAPH_GRANTS: &[(u32, &str)] = &[
    (2, "AppRoleAssignment.ReadWrite.All"),
    (3, "RoleManagement.ReadWrite.Directory"),
    (4, "GroupMember.ReadWrite.All"),
    (4, "User.Read.All"),
    (5, "Directory.Read.All"),
];

/// Managed identities (their service principals): `(n, name)`.
const MANAGED_IDENTITIES: &[(u32, &str)] =
    &[(1, "vm-web-01"), (2, "vm-dev-01"), (3, "id-deployer")];

fn rg_id(sub: &str, rg: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}")
}

fn uami_id() -> String {
    format!(
        "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-deployer",
        rg_id(SUB_SHARED, "rg-identity")
    )
}

fn vm_id(sub: &str, rg: &str, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.Compute/virtualMachines/{name}",
        rg_id(sub, rg)
    )
}

fn site_id() -> String {
    format!(
        "{}/providers/Microsoft.Web/sites/app-orders",
        rg_id(SUB_PROD, "rg-web")
    )
}

fn vault_id(name: &str) -> String {
    format!(
        "{}/providers/Microsoft.KeyVault/vaults/{name}",
        rg_id(SUB_PROD, "rg-data")
    )
}

fn storage_id(sub: &str, rg: &str, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.Storage/storageAccounts/{name}",
        rg_id(sub, rg)
    )
}

fn mg_id(name: &str) -> String {
    format!("/providers/Microsoft.Management/managementGroups/{name}")
}

/// A built-in role: `(GUID, name, actions, not actions, data actions)`.
pub(super) type BuiltInRole = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

/// Built-in roles.
const BUILT_IN_ROLES: &[BuiltInRole] = &[
    (
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        "Owner",
        &["*"],
        &[],
        &[],
    ),
    (
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "Contributor",
        &["*"],
        &[
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
        ],
        &[],
    ),
    (
        "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        "Reader",
        &["*/read"],
        &[],
        &[],
    ),
    (
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "User Access Administrator",
        &["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
        &[],
        &[],
    ),
    (
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "Role Based Access Control Administrator",
        &[
            "Microsoft.Authorization/roleAssignments/write",
            "Microsoft.Authorization/roleAssignments/delete",
            "*/read",
            "Microsoft.Support/*",
        ],
        &[],
        &[],
    ),
    (
        "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
        "Virtual Machine Contributor",
        &[
            "Microsoft.Authorization/*/read",
            "Microsoft.Compute/virtualMachines/*",
            "Microsoft.Compute/disks/*",
            "Microsoft.Network/networkInterfaces/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
        ],
        &[],
        &[],
    ),
    (
        "1c0163c0-47e6-4577-8991-ea5c82e286e4",
        "Virtual Machine Administrator Login",
        &[
            "Microsoft.Network/publicIPAddresses/read",
            "Microsoft.Compute/virtualMachines/*/read",
        ],
        &[],
        &[
            "Microsoft.Compute/virtualMachines/login/action",
            "Microsoft.Compute/virtualMachines/loginAsAdmin/action",
        ],
    ),
    (
        "fb879df8-f326-4884-b1cf-06f3ad86be52",
        "Virtual Machine User Login",
        &[
            "Microsoft.Network/publicIPAddresses/read",
            "Microsoft.Compute/virtualMachines/*/read",
        ],
        &[],
        &["Microsoft.Compute/virtualMachines/login/action"],
    ),
    (
        "de139f84-1756-47ae-9be6-808fbbe84772",
        "Website Contributor",
        &[
            "Microsoft.Authorization/*/read",
            "Microsoft.Web/certificates/*",
            "Microsoft.Web/listSitesAssignedToHostName/read",
            "Microsoft.Web/serverFarms/join/action",
            "Microsoft.Web/serverFarms/read",
            "Microsoft.Web/sites/*",
        ],
        &[],
        &[],
    ),
    (
        "f25e0fa2-a7c8-4377-a976-54943a77a395",
        "Key Vault Contributor",
        &["Microsoft.Authorization/*/read", "Microsoft.KeyVault/*"],
        &[],
        &[],
    ),
    (
        "4633458b-17de-408a-b874-0445c86b69e6",
        "Key Vault Secrets User",
        &[],
        &[],
        &[
            "Microsoft.KeyVault/vaults/secrets/getSecret/action",
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
        ],
    ),
    (
        "81a9662b-bebf-436f-a333-f67b29880f12",
        "Storage Account Key Operator Service Role",
        &[
            "Microsoft.Storage/storageAccounts/listkeys/action",
            "Microsoft.Storage/storageAccounts/regeneratekey/action",
        ],
        &[],
        &[],
    ),
    (
        "f1a07417-d97a-45cb-824c-7a7467783830",
        "Managed Identity Operator",
        &[
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.Authorization/*/read",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
        ],
        &[],
        &[],
    ),
    (
        "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59",
        "Managed Identity Contributor",
        &[
            "Microsoft.ManagedIdentity/userAssignedIdentities/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/write",
            "Microsoft.ManagedIdentity/userAssignedIdentities/delete",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/delete",
        ],
        &[],
        &[],
    ),
];

const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const UAA: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
const RBAC_ADMIN: &str = "f58310d9-a9f6-439a-9e8d-f62e7b41a168";
const VM_CONTRIBUTOR: &str = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c";
const VM_USER_LOGIN: &str = "fb879df8-f326-4884-b1cf-06f3ad86be52";
const WEBSITE_CONTRIBUTOR: &str = "de139f84-1756-47ae-9be6-808fbbe84772";
const KV_CONTRIBUTOR: &str = "f25e0fa2-a7c8-4377-a976-54943a77a395";
const KV_SECRETS_USER: &str = "4633458b-17de-408a-b874-0445c86b69e6";
const STORAGE_KEY_OPERATOR: &str = "81a9662b-bebf-436f-a333-f67b29880f12";
const MI_OPERATOR: &str = "f1a07417-d97a-45cb-824c-7a7467783830";
const MI_CONTRIBUTOR: &str = "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59";
/// Custom roles.
const CUSTOM_OPS: &str = "5e7d00c0-0000-4000-8000-000000000001";
const CUSTOM_ROLE_AUTHOR: &str = "5e7d00c0-0000-4000-8000-000000000002";

/// The ABAC condition on the RBAC delegate's assignment: it may only assign Reader.
const DELEGATE_CONDITION: &str = "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {acdd72a7-3385-48ef-bd42-f606fba81ae7}))";

/// Directory roles (template ids) used by the demo.
const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
const HELPDESK_ADMINISTRATOR: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
const GROUPS_ADMINISTRATOR: &str = "fdd7a751-b60b-444a-984c-02652fe8fa1c";
const APPLICATION_ADMINISTRATOR: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
const CLOUD_APPLICATION_ADMINISTRATOR: &str = "158c047a-c907-4556-b7ef-446551a6b5f7";
const DIRECTORY_READERS: &str = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";
/// A custom directory role.
const CUSTOM_APP_CREDENTIALS: &str = "5e7d00d0-0000-4000-8000-000000000001";

/// Directory role definitions served: `(id, name, built in, permissions)`.
const DIRECTORY_ROLE_DEFINITIONS: &[(&str, &str, bool, &[&str])] = &[
    (
        GLOBAL_ADMINISTRATOR,
        "Global Administrator",
        true,
        &[
            "microsoft.directory/applications/allProperties/allTasks",
            "microsoft.directory/servicePrincipals/allProperties/allTasks",
            "microsoft.directory/servicePrincipals/managePermissionGrantsForAll.microsoft-company-admin",
            "microsoft.directory/groups/allProperties/allTasks",
            "microsoft.directory/users/allProperties/allTasks",
            "microsoft.directory/roleAssignments/allProperties/allTasks",
            "microsoft.directory/roleDefinitions/allProperties/allTasks",
        ],
    ),
    (
        PRIVILEGED_ROLE_ADMINISTRATOR,
        "Privileged Role Administrator",
        true,
        &[
            "microsoft.directory/roleAssignments/allProperties/allTasks",
            "microsoft.directory/roleDefinitions/allProperties/allTasks",
            "microsoft.directory/servicePrincipals/managePermissionGrantsForAll.microsoft-company-admin",
        ],
    ),
    (
        HELPDESK_ADMINISTRATOR,
        "Helpdesk Administrator",
        true,
        &[
            "microsoft.directory/users/password/update",
            "microsoft.directory/users/invalidateAllRefreshTokens",
        ],
    ),
    (
        GROUPS_ADMINISTRATOR,
        "Groups Administrator",
        true,
        &[
            "microsoft.directory/groups/members/update",
            "microsoft.directory/groups/owners/update",
        ],
    ),
    (
        APPLICATION_ADMINISTRATOR,
        "Application Administrator",
        true,
        &[
            "microsoft.directory/applications/credentials/update",
            "microsoft.directory/applications/owners/update",
            "microsoft.directory/servicePrincipals/credentials/update",
            "microsoft.directory/servicePrincipals/owners/update",
        ],
    ),
    (
        CLOUD_APPLICATION_ADMINISTRATOR,
        "Cloud Application Administrator",
        true,
        &[
            "microsoft.directory/applications/credentials/update",
            "microsoft.directory/applications/owners/update",
            "microsoft.directory/servicePrincipals/credentials/update",
            "microsoft.directory/servicePrincipals/owners/update",
        ],
    ),
    (
        DIRECTORY_READERS,
        "Directory Readers",
        true,
        &["microsoft.directory/users/standard/read"],
    ),
    (
        CUSTOM_APP_CREDENTIALS,
        "Demo app credential rotator",
        false,
        &["microsoft.directory/applications/credentials/update"],
    ),
];

/// The administrative unit the AU-scoped assignment names.
const ADMIN_UNIT: &str = "5e7d00a0-0000-4000-8000-000000000001";

/// Directory role assignments: `(principal, role, directory scope, eligible)`.
fn directory_assignments() -> Vec<(String, &'static str, String, bool)> {
    vec![
        (user(1), GLOBAL_ADMINISTRATOR, "/".into(), false),
        (user(2), GLOBAL_ADMINISTRATOR, "/".into(), true),
        (
            oid(GROUP, 2),
            PRIVILEGED_ROLE_ADMINISTRATOR,
            "/".into(),
            false,
        ),
        (user(9), HELPDESK_ADMINISTRATOR, "/".into(), false),
        (user(13), GROUPS_ADMINISTRATOR, "/".into(), false),
        (
            user(14),
            APPLICATION_ADMINISTRATOR,
            format!("/{}", oid(APP, 1)),
            false,
        ),
        (
            user(35),
            CLOUD_APPLICATION_ADMINISTRATOR,
            format!("/{}", oid(APP, 5)),
            false,
        ),
        (user(37), DIRECTORY_READERS, "/".into(), true),
        (
            user(38),
            PRIVILEGED_ROLE_ADMINISTRATOR,
            format!("/administrativeUnits/{ADMIN_UNIT}"),
            false,
        ),
        (
            user(39),
            HELPDESK_ADMINISTRATOR,
            format!("/{}", user(19)),
            false,
        ),
        (
            user(11),
            CUSTOM_APP_CREDENTIALS,
            format!("/{}", oid(APP, 5)),
            false,
        ),
    ]
}

/// An RBAC role assignment: `(n, principal, principal type, role, scope, condition)`.
type RoleAssignment = (
    u32,
    String,
    &'static str,
    &'static str,
    String,
    Option<&'static str>,
);

/// RBAC role assignments.
fn role_assignments() -> Vec<RoleAssignment> {
    let vm_web = vm_id(SUB_PROD, "rg-web", "vm-web-01");
    vec![
        (1, user(3), "User", OWNER, mg_id("demo-platform"), None),
        (2, user(4), "User", UAA, mg_id("demo-landing-zones"), None),
        (
            3,
            user(5),
            "User",
            RBAC_ADMIN,
            format!("/subscriptions/{SUB_DEV}"),
            Some(DELEGATE_CONDITION),
        ),
        (
            4,
            user(6),
            "User",
            VM_CONTRIBUTOR,
            rg_id(SUB_PROD, "rg-web"),
            None,
        ),
        // vm-web-01's system-assigned identity is Owner of the production subscription.
        (
            5,
            oid(MI, 1),
            "ServicePrincipal",
            OWNER,
            format!("/subscriptions/{SUB_PROD}"),
            None,
        ),
        (6, user(7), "User", WEBSITE_CONTRIBUTOR, site_id(), None),
        // id-deployer (user-assigned, on the web app) administers prod access.
        (
            7,
            oid(MI, 3),
            "ServicePrincipal",
            UAA,
            format!("/subscriptions/{SUB_PROD}"),
            None,
        ),
        (
            8,
            user(8),
            "User",
            CUSTOM_OPS,
            format!("/subscriptions/{SUB_PROD}"),
            None,
        ),
        (
            9,
            user(8),
            "User",
            CUSTOM_ROLE_AUTHOR,
            format!("/subscriptions/{SUB_PROD}"),
            None,
        ),
        // The CI deployer's service principal administers dev access.
        (
            10,
            oid(SP, 1),
            "ServicePrincipal",
            UAA,
            format!("/subscriptions/{SUB_DEV}"),
            None,
        ),
        (
            11,
            oid(GROUP, 1),
            "Group",
            OWNER,
            format!("/subscriptions/{SUB_SHARED}"),
            None,
        ),
        (
            12,
            user(15),
            "User",
            KV_CONTRIBUTOR,
            vault_id("kv-prod-policies"),
            None,
        ),
        (
            13,
            user(16),
            "User",
            STORAGE_KEY_OPERATOR,
            storage_id(SUB_PROD, "rg-data", "stdemoproddata"),
            None,
        ),
        (14, user(17), "User", MI_OPERATOR, uami_id(), None),
        (
            15,
            user(17),
            "User",
            VM_CONTRIBUTOR,
            rg_id(SUB_DEV, "rg-sandbox"),
            None,
        ),
        (
            16,
            user(18),
            "User",
            MI_CONTRIBUTOR,
            rg_id(SUB_SHARED, "rg-identity"),
            None,
        ),
        (
            17,
            oid(MI, 2),
            "ServicePrincipal",
            READER,
            format!("/subscriptions/{SUB_DEV}"),
            None,
        ),
        (18, oid(GROUP, 3), "Group", READER, mg_id(TENANT_ID), None),
        (
            19,
            user(15),
            "User",
            KV_SECRETS_USER,
            vault_id("kv-prod-rbac"),
            None,
        ),
        // Near misses.
        (
            31,
            user(31),
            "User",
            CONTRIBUTOR,
            format!("/subscriptions/{SUB_DEV}"),
            None,
        ),
        (
            32,
            user(32),
            "User",
            OWNER,
            format!("/subscriptions/{SUB_DEV}"),
            None,
        ),
        (33, user(33), "User", VM_USER_LOGIN, vm_web, None),
        (34, user(34), "User", MI_OPERATOR, uami_id(), None),
        (
            35,
            user(36),
            "User",
            CUSTOM_OPS,
            format!("/subscriptions/{SUB_PROD}"),
            None,
        ),
        (
            36,
            user(36),
            "User",
            CUSTOM_ROLE_AUTHOR,
            rg_id(SUB_PROD, "rg-data"),
            None,
        ),
    ]
}

/// Planted Azure paths: `(object id, what it reaches, technique)`, and near misses
/// (`reaches` empty): what the graph must and must not find.
pub fn azure_plants() -> Vec<(String, String, &'static str)> {
    let tenant = format!("admin:azure/tenants/{TENANT_ID}");
    let sub = |s: &str| format!("admin:azure/subscriptions/{s}");
    let mg = |m: &str| format!("admin:azure/managementGroups/{m}");
    vec![
        (
            user(1),
            tenant.clone(),
            "azure-entra-role-assignments (Global Administrator, already admin)",
        ),
        (
            user(2),
            tenant.clone(),
            "azure-entra-role-assignments (PIM-eligible Global Administrator: eligible)",
        ),
        (
            user(3),
            mg("demo-platform"),
            "azure-role-assignments-write (Owner of the platform management group)",
        ),
        (
            user(4),
            sub(SUB_PROD),
            "azure-role-assignments-write (User Access Administrator inherited from landing zones through prod)",
        ),
        (
            user(5),
            sub(SUB_DEV),
            "azure-role-assignments-write (RBAC Administrator with an ABAC condition: conditional)",
        ),
        (
            user(6),
            sub(SUB_PROD),
            "azure-vm-run-command on vm-web-01 (its identity is Owner)",
        ),
        (
            user(7),
            sub(SUB_PROD),
            "azure-web-app-write on app-orders (its user-assigned identity is UAA)",
        ),
        (
            user(8),
            sub(SUB_PROD),
            "azure-role-definitions-write on the custom role it holds",
        ),
        (
            user(9),
            mg("demo-platform"),
            "azure-reset-password of the platform owner (holds no directory role)",
        ),
        (
            user(10),
            sub(SUB_DEV),
            "azure-app-add-secret as owner of demo-ci-deployer",
        ),
        (
            user(11),
            tenant.clone(),
            "azure-sp-add-secret as owner of demo-automation (AppRoleAssignment.ReadWrite.All)",
        ),
        (
            oid(SP, 2),
            tenant.clone(),
            "azure-graph-approleassignment-readwrite",
        ),
        (
            oid(SP, 3),
            tenant.clone(),
            "azure-graph-rolemanagement-readwrite-directory",
        ),
        (
            oid(SP, 4),
            sub(SUB_SHARED),
            "azure-group-add-member to g-platform-engineers (GroupMember.ReadWrite.All)",
        ),
        (
            user(12),
            tenant.clone(),
            "azure-group-add-member as owner of the role-assignable g-tier0-admins",
        ),
        (
            user(13),
            sub(SUB_SHARED),
            "azure-group-add-member (Groups Administrator) to g-platform-engineers",
        ),
        (
            user(14),
            sub(SUB_DEV),
            "azure-app-add-secret (Application Administrator scoped to demo-ci-deployer)",
        ),
        (
            user(17),
            sub(SUB_PROD),
            "azure-managed-identity-assign of id-deployer to a sandbox VM",
        ),
        (
            user(18),
            sub(SUB_PROD),
            "azure-managed-identity-federated-credential on id-deployer",
        ),
        (
            user(20),
            sub(SUB_SHARED),
            "member of g-platform-engineers (Owner of shared services)",
        ),
        (
            user(31),
            String::new(),
            "near miss: Contributor (NotActions remove roleAssignments/write); its VM identity is a Reader",
        ),
        (
            user(32),
            String::new(),
            "near miss: Owner of dev under a deny assignment on roleAssignments/write",
        ),
        (
            user(33),
            String::new(),
            "near miss: Virtual Machine User Login (not admin login) on vm-web-01",
        ),
        (
            user(34),
            String::new(),
            "near miss: Managed Identity Operator on id-deployer without a workload to attach it to",
        ),
        (
            user(35),
            String::new(),
            "near miss: Cloud Application Administrator scoped to demo-wiki, whose SP holds only Directory.Read.All",
        ),
        (
            user(36),
            String::new(),
            "near miss: roleDefinitions/write only in a resource group, below the assignable scope of the custom roles it holds",
        ),
        (
            user(37),
            String::new(),
            "near miss: PIM-eligible Directory Readers",
        ),
        (
            user(38),
            String::new(),
            "near miss: Privileged Role Administrator scoped to an administrative unit",
        ),
        (
            user(39),
            String::new(),
            "near miss: Helpdesk Administrator scoped to the intern",
        ),
        (
            user(19),
            String::new(),
            "near miss: the intern, Reader everywhere through g-all-staff",
        ),
    ]
}

fn obj(v: Value) -> Row {
    match v {
        Value::Object(m) => m,
        _ => Row::new(),
    }
}

fn akas(id: &str) -> Value {
    json!([
        format!("azure://{id}"),
        format!("azure://{}", id.to_lowercase())
    ])
}

/// The standard columns of an `azure_*` resource row.
fn resource(mut row: Row, id: &str, name: &str, sub: &str, rg: &str, region: &str) -> Row {
    row.insert("id".into(), json!(id));
    row.insert("name".into(), json!(name));
    row.insert("title".into(), json!(name));
    row.insert("akas".into(), akas(id));
    row.insert(
        "tags".into(),
        json!({"env": if sub == SUB_PROD { "prod" } else { "nonprod" }}),
    );
    row.insert("region".into(), json!(region));
    row.insert("resource_group".into(), json!(rg));
    row.insert("subscription_id".into(), json!(sub));
    row.insert("cloud_environment".into(), json!(CLOUD));
    row
}

fn ad(mut row: Row) -> Row {
    row.insert("tenant_id".into(), json!(TENANT_ID));
    row
}

fn identity_system(principal: &str) -> Value {
    json!({"type": "SystemAssigned", "principalId": principal, "tenantId": TENANT_ID})
}

fn identity_user(id: &str, principal: &str) -> Value {
    json!({"type": "UserAssigned", "userAssignedIdentities": {id: {"principalId": principal, "clientId": oid(0x00b0, 3)}}})
}

/// Rows of every Azure and Azure AD table the demo serves.
pub fn rows(epoch: &str) -> HashMap<&'static str, Vec<Row>> {
    let mut out: HashMap<&'static str, Vec<Row>> = HashMap::new();
    out.insert(
        "azure_tenant",
        vec![obj(json!({
            "name": DOMAIN, "id": format!("/tenants/{TENANT_ID}"), "tenant_id": TENANT_ID,
            "tenant_category": "Home", "country": "Netherlands", "country_code": "NL",
            "display_name": "Demo Corp", "domains": [DOMAIN], "title": "Demo Corp",
            "akas": akas(&format!("/tenants/{TENANT_ID}")), "cloud_environment": CLOUD,
            "subscription_id": null,
        }))],
    );
    let mut mgs = Vec::new();
    for (name, display, parent) in MANAGEMENT_GROUPS {
        let children: Vec<Value> = MANAGEMENT_GROUPS
            .iter()
            .filter(|m| m.2 == Some(*name))
            .map(|m| json!({"id": mg_id(m.0), "name": m.0, "displayName": m.1, "type": "Microsoft.Management/managementGroups"}))
            .chain(SUBSCRIPTIONS.iter().filter(|s| s.2 == *name).map(|s| {
                json!({"id": format!("/subscriptions/{}", s.0), "name": s.0, "displayName": s.1, "type": "/subscriptions"})
            }))
            .collect();
        mgs.push(obj(json!({
            "id": mg_id(name), "name": name, "type": "Microsoft.Management/managementGroups",
            "display_name": display, "tenant_id": TENANT_ID, "updated_by": user(1),
            "updated_time": epoch, "version": 3, "children": children,
            "parent": parent.map(|p| json!({"id": mg_id(p), "name": p})),
            "title": display, "akas": akas(&mg_id(name)), "cloud_environment": CLOUD,
            "subscription_id": null,
        })));
    }
    out.insert("azure_management_group", mgs);
    out.insert(
        "azure_subscription",
        SUBSCRIPTIONS
            .iter()
            .map(|(id, name, _)| {
                obj(json!({
                    "id": format!("/subscriptions/{id}"), "subscription_id": id,
                    "display_name": name, "tenant_id": TENANT_ID, "state": "Enabled",
                    "authorization_source": "RoleBased", "managed_by_tenants": [],
                    "subscription_policies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "EnterpriseAgreement_2014-09-01", "spendingLimit": "Off"},
                    "title": name, "tags": {}, "akas": akas(&format!("/subscriptions/{id}")),
                    "cloud_environment": CLOUD,
                }))
            })
            .collect(),
    );
    out.insert(
        "azure_resource_group",
        RESOURCE_GROUPS
            .iter()
            .map(|(sub, rg, region)| {
                let mut row = obj(
                    json!({"provisioning_state": "Succeeded", "managed_by": null,
                    "type": "Microsoft.Resources/resourceGroups"}),
                );
                row = resource(row, &rg_id(sub, rg), rg, sub, rg, region);
                row.remove("resource_group");
                row
            })
            .collect(),
    );

    // Role definitions, listed once per subscription like the live table (built-in ones
    // with subscription-scoped ids, as ARM returns them).
    let mut defs = Vec::new();
    for (sub, _, _) in SUBSCRIPTIONS {
        let def_id = |guid: &str| {
            format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}")
        };
        for (guid, name, actions, not_actions, data) in BUILT_IN_ROLES {
            defs.push(obj(json!({
                "name": guid, "id": def_id(guid), "description": name, "role_name": name,
                "role_type": "BuiltInRole", "type": "Microsoft.Authorization/roleDefinitions",
                "assignable_scopes": ["/"],
                "permissions": [{"actions": actions, "notActions": not_actions, "dataActions": data, "notDataActions": []}],
                "title": name, "akas": akas(&def_id(guid)), "cloud_environment": CLOUD, "subscription_id": sub,
            })));
        }
        for (guid, name, actions, scopes) in [
            (
                CUSTOM_OPS,
                "Demo Ops Operator",
                vec![
                    "Microsoft.Resources/subscriptions/resourceGroups/read",
                    "Microsoft.Compute/virtualMachines/start/action",
                    "Microsoft.Compute/virtualMachines/restart/action",
                ],
                vec![format!("/subscriptions/{SUB_PROD}")],
            ),
            (
                CUSTOM_ROLE_AUTHOR,
                "Demo Role Author",
                vec![
                    "Microsoft.Authorization/roleDefinitions/read",
                    "Microsoft.Authorization/roleDefinitions/write",
                ],
                vec![format!("/subscriptions/{SUB_PROD}")],
            ),
        ] {
            defs.push(obj(json!({
                "name": guid, "id": def_id(guid), "description": name, "role_name": name,
                "role_type": "CustomRole", "type": "Microsoft.Authorization/roleDefinitions",
                "assignable_scopes": scopes,
                "permissions": [{"actions": actions, "notActions": [], "dataActions": [], "notDataActions": []}],
                "title": name, "akas": akas(&def_id(guid)), "cloud_environment": CLOUD, "subscription_id": sub,
            })));
        }
    }
    out.insert("azure_role_definition", defs);

    // Role assignments as each subscription sees them: at or below it, and inherited from
    // its management groups (repeated per subscription, like the live table).
    let mg_chain = |sub: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut at = SUBSCRIPTIONS.iter().find(|s| s.0 == sub).map(|s| s.2);
        while let Some(m) = at {
            out.push(mg_id(m).to_lowercase());
            at = MANAGEMENT_GROUPS
                .iter()
                .find(|g| g.0 == m)
                .and_then(|g| g.2);
        }
        out
    };
    let mut ras = Vec::new();
    for (sub, _, _) in SUBSCRIPTIONS {
        let chain = mg_chain(sub);
        for (n, principal, ptype, role, scope, condition) in role_assignments() {
            let lower = scope.to_lowercase();
            let visible =
                lower.starts_with(&format!("/subscriptions/{sub}")) || chain.contains(&lower);
            if !visible {
                continue;
            }
            let name = oid(0x00e0, n);
            let id = format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}");
            ras.push(obj(json!({
                "name": name, "id": id, "scope": scope,
                "type": "Microsoft.Authorization/roleAssignments",
                "principal_id": principal, "principal_type": ptype,
                "created_on": "2024-03-01T00:00:00Z", "updated_on": "2024-03-01T00:00:00Z",
                "role_definition_id": format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
                "condition": condition, "condition_version": condition.map(|_| "2.0"),
                "description": null, "created_by": user(1), "updated_by": user(1),
                "delegated_managed_identity_resource_id": null,
                "title": name, "akas": akas(&id), "cloud_environment": CLOUD, "subscription_id": sub,
            })));
        }
    }
    out.insert("azure_role_assignment", ras);
    let deny_id = format!(
        "/subscriptions/{SUB_DEV}/providers/Microsoft.Authorization/denyAssignments/{}",
        oid(0x00de, 1)
    );
    out.insert(
        "azure_deny_assignment",
        vec![obj(json!({
            "name": oid(0x00de, 1), "id": deny_id,
            "deny_assignment_name": "Deployment stack: sandbox guardrails",
            "description": "Nobody but the landing-zone team and the CI deployer changes access in the sandbox.",
            "scope": format!("/subscriptions/{SUB_DEV}"),
            "permissions": [{"actions": ["Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete"], "notActions": [], "dataActions": [], "notDataActions": []}],
            "principals": [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}],
            "exclude_principals": [
                {"id": user(4), "type": "User"}, {"id": user(5), "type": "User"},
                {"id": oid(SP, 1), "type": "ServicePrincipal"},
            ],
            "do_not_apply_to_child_scopes": false, "is_system_protected": true,
            "title": "Deployment stack: sandbox guardrails", "akas": akas(&deny_id),
            "cloud_environment": CLOUD, "subscription_id": SUB_DEV,
        }))],
    );

    let vm = |sub: &str, rg: &str, name: &str, principal: &str| {
        let id = vm_id(sub, rg, name);
        let row = obj(json!({
            "type": "Microsoft.Compute/virtualMachines", "provisioning_state": "Succeeded",
            "time_created": "2024-01-01T00:00:00Z", "vm_id": oid(0x00f0, 1), "size": "Standard_B2s",
            "admin_user_name": "azureuser", "allow_extension_operations": true, "computer_name": name,
            "disable_password_authentication": true, "os_type": "Linux", "os_disk_name": format!("{name}-osdisk"),
            "managed_disk_id": null, "image_publisher": "Canonical", "image_offer": "ubuntu-24_04-lts",
            "image_sku": "server", "image_version": "latest", "data_disks": [],
            "linux_configuration_ssh_public_keys": [], "network_interfaces": [],
            "security_profile": null, "identity": identity_system(principal), "zones": ["1"],
        }));
        resource(row, &id, name, sub, rg, "westeurope")
    };
    out.insert(
        "azure_compute_virtual_machine",
        vec![
            vm(SUB_PROD, "rg-web", "vm-web-01", &oid(MI, 1)),
            vm(SUB_DEV, "rg-sandbox", "vm-dev-01", &oid(MI, 2)),
        ],
    );
    let site = resource(
        obj(json!({
            "kind": "app,linux", "type": "Microsoft.Web/sites", "state": "Running",
            "default_site_hostname": "app-orders.azurewebsites.net", "enabled": true,
            "host_names": ["app-orders.azurewebsites.net"], "https_only": false,
            "client_affinity_enabled": false, "client_cert_enabled": false,
            "outbound_ip_addresses": "20.50.2.1,20.50.2.2", "reserved": true,
            "server_farm_id": format!("{}/providers/Microsoft.Web/serverfarms/plan-web", rg_id(SUB_PROD, "rg-web")),
            "identity": identity_user(&uami_id(), &oid(MI, 3)),
        })),
        &site_id(),
        "app-orders",
        SUB_PROD,
        "rg-web",
        "westeurope",
    );
    out.insert("azure_app_service_web_app", vec![site]);
    let vault = |name: &str, rbac: bool| {
        resource(
            obj(json!({
                "vault_uri": format!("https://{name}.vault.azure.net/"), "type": "Microsoft.KeyVault/vaults",
                "create_mode": null, "enabled_for_deployment": false, "enabled_for_disk_encryption": false,
                "enabled_for_template_deployment": false, "enable_rbac_authorization": rbac,
                "purge_protection_enabled": rbac, "soft_delete_enabled": true, "soft_delete_retention_in_days": 90,
                "sku_family": "A", "sku_name": "standard", "tenant_id": TENANT_ID,
                "access_policies": if rbac { json!([]) } else { json!([{"tenantId": TENANT_ID, "objectId": oid(MI, 3), "permissions": {"secrets": ["get", "list"]}}]) },
                "network_acls": {"defaultAction": "Allow", "bypass": "AzureServices"},
                "private_endpoint_connections": [],
            })),
            &vault_id(name),
            name,
            SUB_PROD,
            "rg-data",
            "westeurope",
        )
    };
    out.insert(
        "azure_key_vault",
        vec![
            vault("kv-prod-policies", false),
            vault("kv-prod-rbac", true),
        ],
    );
    let storage = |sub: &str, rg: &str, name: &str, public: bool| {
        resource(
            obj(json!({
                "type": "Microsoft.Storage/storageAccounts", "access_tier": "Hot", "kind": "StorageV2",
                "sku_name": "Standard_LRS", "sku_tier": "Standard", "creation_time": "2023-06-01T00:00:00Z",
                "allow_blob_public_access": public, "allow_shared_key_access": true,
                "allow_cross_tenant_replication": false, "default_to_oauth_authentication": false,
                "enable_https_traffic_only": !public, "encryption_key_source": "Microsoft.Storage",
                "encryption_services": {"blob": {"enabled": true}}, "is_hns_enabled": false,
                "minimum_tls_version": if public { "TLS1_0" } else { "TLS1_2" },
                "network_rule_bypass": "AzureServices",
                "network_rule_default_action": if public { "Allow" } else { "Deny" },
                "network_ip_rules": [], "virtual_network_rules": [],
                "primary_blob_endpoint": format!("https://{name}.blob.core.windows.net/"),
                "primary_location": "westeurope", "provisioning_state": "Succeeded",
                "public_network_access": if public { "Enabled" } else { "Disabled" },
                "require_infrastructure_encryption": false, "private_endpoint_connections": [],
            })),
            &storage_id(sub, rg, name),
            name,
            sub,
            rg,
            "westeurope",
        )
    };
    out.insert(
        "azure_storage_account",
        vec![
            storage(SUB_PROD, "rg-data", "stdemoproddata", false),
            storage(SUB_DEV, "rg-sandbox", "stdemosandbox", true),
        ],
    );

    // Entra.
    let groups = groups();
    let member_of = |u: &str| -> Vec<Value> {
        groups
            .iter()
            .filter(|g| g.3.iter().any(|m| m == u))
            .map(|g| json!({"id": oid(GROUP, g.0), "displayName": g.1}))
            .collect()
    };
    out.insert(
        "azuread_user",
        USERS
            .iter()
            .map(|(n, nick, display)| {
                let id = user(*n);
                let upn = format!("{nick}@{DOMAIN}");
                ad(obj(json!({
                    "display_name": display, "id": id, "user_principal_name": upn,
                    "account_enabled": true, "user_type": "Member", "given_name": display,
                    "surname": null, "created_date_time": "2023-01-01T00:00:00Z", "mail": upn,
                    "mail_nickname": nick, "password_policies": null,
                    "sign_in_sessions_valid_from_date_time": "2024-01-01T00:00:00Z",
                    "usage_location": "NL", "external_user_state": null, "employee_id": null,
                    "job_title": null, "department": null, "on_premises_immutable_id": null,
                    "on_premises_sync_enabled": null, "on_premises_last_sync_date_time": null,
                    "im_addresses": [], "other_mails": [], "member_of": member_of(&id),
                    "title": display,
                })))
            })
            .collect(),
    );
    out.insert(
        "azuread_group",
        groups
            .iter()
            .map(|(n, name, assignable, members, owners)| {
                ad(obj(json!({
                    "display_name": name, "id": oid(GROUP, *n), "description": name,
                    "classification": null, "created_date_time": "2023-01-01T00:00:00Z",
                    "expiration_date_time": null, "is_assignable_to_role": assignable,
                    "mail": null, "mail_enabled": false, "mail_nickname": name,
                    "membership_rule": null, "membership_rule_processing_state": null,
                    "on_premises_sync_enabled": null, "renewed_date_time": "2023-01-01T00:00:00Z",
                    "security_enabled": true, "security_identifier": format!("S-1-12-1-{n}"),
                    "visibility": "Private", "group_types": [], "proxy_addresses": [],
                    "member_ids": members, "owner_ids": owners, "title": name,
                })))
            })
            .collect(),
    );
    let mut apps = Vec::new();
    let mut sps = Vec::new();
    for (n, name, app_owners, sp_owners, issuer) in applications() {
        let federated = match issuer {
            Some(iss) => json!([{"name": "github-main", "issuer": iss,
                "subject": "repo:demo-corp/deploy:ref:refs/heads/main", "audiences": ["api://AzureADTokenExchange"]}]),
            None => json!([]),
        };
        apps.push(ad(obj(json!({
            "display_name": name, "id": oid(APP, n), "app_id": app_id(n),
            "created_date_time": "2023-02-01T00:00:00Z", "description": null,
            "publisher_domain": DOMAIN, "sign_in_audience": "AzureADMyOrg", "api": {},
            "identifier_uris": [], "info": {}, "key_credentials": [],
            "owner_ids": app_owners, "parental_control_settings": {},
            "password_credentials": [{"keyId": oid(0x00c5, n), "displayName": "ci", "hint": "Abc",
                "startDateTime": "2024-01-01T00:00:00Z", "endDateTime": "2026-12-31T00:00:00Z"}],
            "spa": {}, "web": {}, "federated_identity_credentials": federated,
            "tags_src": [], "tags": null, "title": name,
        }))));
        let grants: Vec<Value> = GRAPH_GRANTS
            .iter()
            .filter(|g| g.0 == n)
            .enumerate()
            .map(|(i, (_, value))| {
                let role_id = GRAPH_APP_ROLES
                    .iter()
                    .find(|r| r.1 == *value)
                    .map(|r| r.0)
                    .unwrap_or_default();
                json!({"id": format!("demo-ara-{n}-{i}"), "appRoleId": role_id, "resourceId": graph_sp(),
                       "resourceDisplayName": "Microsoft Graph", "principalId": oid(SP, n),
                       "principalType": "ServicePrincipal", "createdDateTime": "2024-02-01T00:00:00Z"})
            })
            .collect();
        sps.push(sp_row(
            &oid(SP, n),
            name,
            &app_id(n),
            "Application",
            sp_owners,
            grants,
            json!([]),
        ));
    }
    out.insert("azuread_application", apps);
    let graph_roles: Vec<Value> = GRAPH_APP_ROLES
        .iter()
        .map(|(id, value)| {
            json!({"id": id, "value": value, "displayName": value, "isEnabled": true,
                   "allowedMemberTypes": ["Application"], "description": value})
        })
        .collect();
    sps.push(sp_row(
        &graph_sp(),
        "Microsoft Graph",
        "00000003-0000-0000-c000-000000000000",
        "Application",
        vec![],
        vec![],
        Value::Array(graph_roles),
    ));
    for (n, name) in MANAGED_IDENTITIES {
        sps.push(sp_row(
            &oid(MI, *n),
            name,
            &oid(0x00b0, *n),
            "ManagedIdentity",
            vec![],
            vec![],
            json!([]),
        ));
    }
    out.insert("azuread_service_principal", sps);

    let assignments = directory_assignments();
    // Activated directory roles (the v1.0 `directoryRoles` view): tenant-wide active members.
    out.insert(
        "azuread_directory_role",
        DIRECTORY_ROLE_DEFINITIONS
            .iter()
            .filter(|r| r.2)
            .enumerate()
            .map(|(i, (template, name, _, _))| {
                let members: Vec<&String> = assignments
                    .iter()
                    .filter(|a| a.1 == *template && a.2 == "/" && !a.3)
                    .map(|a| &a.0)
                    .collect();
                ad(obj(json!({
                    "id": oid(0x00d1, i as u32 + 1), "description": name, "display_name": name,
                    "role_template_id": template, "member_ids": members, "title": name,
                })))
            })
            .collect(),
    );
    out.insert(
        "azuread_directory_role_definition",
        DIRECTORY_ROLE_DEFINITIONS
            .iter()
            .map(|(id, name, built_in, perms)| {
                ad(obj(json!({
                    "id": id, "display_name": name, "description": name, "is_built_in": built_in,
                    "is_enabled": true, "template_id": id, "version": "1",
                    "resource_scopes": ["/"],
                    "role_permissions": [{"allowedResourceActions": perms, "condition": null}],
                    "title": name,
                })))
            })
            .collect(),
    );
    let mut active = Vec::new();
    let mut eligible = Vec::new();
    for (i, (principal, role, scope, is_eligible)) in assignments.iter().enumerate() {
        let id = oid(0x00da, i as u32 + 1);
        if *is_eligible {
            eligible.push(ad(obj(json!({
                "id": id, "principal_id": principal, "role_definition_id": role,
                "directory_scope_id": scope, "app_scope_id": null,
                "start_date_time": "2025-01-01T00:00:00Z", "end_date_time": null,
                "member_type": "Direct", "role_eligibility_schedule_id": oid(0x00db, i as u32 + 1),
                "title": id,
            }))));
        } else {
            active.push(ad(obj(json!({
                "id": id, "principal_id": principal, "role_definition_id": role,
                "directory_scope_id": scope, "app_scope_id": null, "condition": null, "title": id,
            }))));
        }
    }
    out.insert("azuread_directory_role_assignment", active);
    out.insert(
        "azuread_directory_role_eligibility_schedule_instance",
        eligible,
    );
    out
}

/// The built-in RBAC roles (for the synthetic tenant of the benchmark).
pub(super) const BUILT_IN_ROLE_TABLE: &[BuiltInRole] = BUILT_IN_ROLES;
/// The Microsoft Graph app roles (for the synthetic tenant of the benchmark).
pub(super) const GRAPH_APP_ROLE_TABLE: &[(&str, &str)] = GRAPH_APP_ROLES;

/// Microsoft Graph app roles the demo grants: `(id, value)`.
const GRAPH_APP_ROLES: &[(&str, &str)] = &[
    (
        "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
        "Application.ReadWrite.All",
    ),
    (
        "06b708a9-e830-4db3-a914-8e69da51d44f",
        "AppRoleAssignment.ReadWrite.All",
    ),
    (
        "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
        "RoleManagement.ReadWrite.Directory",
    ),
    (
        "dbaae8cf-10b5-4b86-a4a1-f871c94c6695",
        "GroupMember.ReadWrite.All",
    ),
    ("df021288-bdef-4463-88db-98f22de89214", "User.Read.All"),
    ("7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Directory.Read.All"),
];

fn sp_row(
    id: &str,
    name: &str,
    app: &str,
    kind: &str,
    owners: Vec<String>,
    grants: Vec<Value>,
    app_roles: Value,
) -> Row {
    ad(obj(json!({
        "id": id, "display_name": name, "app_id": app, "account_enabled": true,
        "app_display_name": name, "app_owner_organization_id": TENANT_ID,
        "app_role_assignment_required": false, "service_principal_type": kind,
        "sign_in_audience": "AzureADMyOrg", "app_description": null, "description": null,
        "login_url": null, "logout_url": null, "alternative_names": [], "app_roles": app_roles,
        "info": {}, "key_credentials": [], "notification_email_addresses": [],
        "owner_ids": owners, "password_credentials": [], "oauth2_permission_scopes": [],
        "reply_urls": [], "service_principal_names": [app], "app_role_assignments": grants,
        "tags_src": [], "tags": null, "title": name,
    })))
}
