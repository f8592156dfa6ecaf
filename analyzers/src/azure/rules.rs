//! Azure escalation rules, one per technique, declared as data: the RBAC actions or Entra
//! permissions each needs, on what, and what it reaches. Needs are actions and permissions,
//! never role names, so custom roles count. The engine (`engine.rs`) is written once.

use super::rbac::Plane;

/// An RBAC action on a plane.
pub type Action = (&'static str, Plane);

const fn c(action: &'static str) -> Action {
    (action, Plane::Control)
}

const fn d(action: &'static str) -> Action {
    (action, Plane::Data)
}

/// What an Entra rule reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntraReach {
    /// Administrator of the tenant (can assign itself Global Administrator).
    TenantAdmin,
    /// The service principals of applications (credentials or owners added to the app).
    ApplicationServicePrincipals,
    /// Service principals other than managed identities (credentials added to the SP).
    ServicePrincipals,
    /// Groups (members added); role-assignable groups only with [`super::entra::ROLE_ASSIGNMENTS_ALL`]
    /// or as their owner, as Entra protects them.
    Groups,
    /// Users (password reset); users holding a directory role beyond
    /// [`super::entra::LIMITED_ROLES`], or in a role-assignable group, only with one of
    /// `privileged_roles`.
    Users,
}

/// What a rule checks and what it reaches.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// `action` at a management group or subscription: the principal can grant itself
    /// Owner there (ADMIN_OF that scope's Admin node).
    RbacAdmin {
        /// `Microsoft.Authorization/roleAssignments/write`.
        action: &'static str,
    },
    /// `action` on every assignable scope of a custom role the principal holds at a
    /// management group or subscription: it rewrites the role to grant everything there.
    RoleDefinitionUpdate {
        /// `Microsoft.Authorization/roleDefinitions/write`.
        action: &'static str,
    },
    /// A Global Administrator may elevate to User Access Administrator at `/`: admin of
    /// every management group and subscription. Entra grants this to the role, not to a
    /// permission, so the rule names the roles.
    ElevateAccess {
        /// Directory role ids that may elevate.
        roles: &'static [&'static str],
    },
    /// All of `all` and one of `any` on a workload of `resource_type`: code runs as its
    /// managed identities.
    Workload {
        /// ARM resource type, lower-case.
        resource_type: &'static str,
        /// Needed, all of them.
        all: &'static [Action],
        /// Needed, at least one (empty: none).
        any: &'static [Action],
    },
    /// `assign` on a user-assigned identity and one of `workload_write` anywhere in the
    /// tenant: attach the identity to a workload the principal controls.
    IdentityAssign {
        /// `Microsoft.ManagedIdentity/userAssignedIdentities/assign/action`.
        assign: &'static str,
        /// Creating or changing a workload.
        workload_write: &'static [&'static str],
    },
    /// `action` on a user-assigned identity makes the principal that identity.
    UserAssignedIdentity {
        /// e.g. `.../federatedIdentityCredentials/write`.
        action: &'static str,
    },
    /// One of `any` on a key vault or storage account of `resource_type` (key vaults: only
    /// in the permission model `rbac_mode` says): CAN_ACCESS its secrets or keys.
    SecretStore {
        /// ARM resource type, lower-case.
        resource_type: &'static str,
        /// `Some(true)`: vaults using RBAC; `Some(false)`: vaults using access policies.
        rbac_mode: Option<bool>,
        /// Needed, at least one.
        any: &'static [Action],
        /// CAN_ACCESS action class.
        class: &'static str,
    },
    /// Entra: one of the directory permissions `directory` (assigned at a scope covering
    /// the target), one of the Microsoft Graph application permissions `graph`, or (with
    /// `owner`) ownership of the target object.
    Entra {
        /// Directory permissions (any).
        directory: &'static [&'static str],
        /// Graph application permissions (any).
        graph: &'static [&'static str],
        /// Owners of the target object qualify.
        owner: bool,
        /// What it reaches.
        reach: EntraReach,
        /// [`EntraReach::Users`]: roles that may also reset privileged users.
        privileged_roles: &'static [&'static str],
    },
}

/// One declared technique.
#[derive(Debug, Clone, Copy)]
pub struct AzureRule {
    /// Rule id (the edge's technique).
    pub id: &'static str,
    /// What the technique does.
    pub description: &'static str,
    /// What it needs and reaches.
    pub shape: Shape,
}

const WORKLOAD_WRITE: &[&str] = &[
    "Microsoft.Compute/virtualMachines/write",
    "Microsoft.Web/sites/write",
    "Microsoft.Logic/workflows/write",
    "Microsoft.Automation/automationAccounts/write",
    "Microsoft.ContainerInstance/containerGroups/write",
];

const fn entra(
    id: &'static str,
    description: &'static str,
    directory: &'static [&'static str],
    graph: &'static [&'static str],
    owner: bool,
    reach: EntraReach,
) -> AzureRule {
    AzureRule {
        id,
        description,
        shape: Shape::Entra {
            directory,
            graph,
            owner,
            reach,
            privileged_roles: &[],
        },
    }
}

const fn workload(
    id: &'static str,
    description: &'static str,
    resource_type: &'static str,
    all: &'static [Action],
    any: &'static [Action],
) -> AzureRule {
    AzureRule {
        id,
        description,
        shape: Shape::Workload {
            resource_type,
            all,
            any,
        },
    }
}

/// Every Azure rule.
pub static RULES: &[AzureRule] = &[
    AzureRule {
        id: "azure-role-assignments-write",
        description: "Microsoft.Authorization/roleAssignments/write at a management group or subscription (Owner, User Access Administrator, custom): assign oneself Owner there.",
        shape: Shape::RbacAdmin {
            action: "Microsoft.Authorization/roleAssignments/write",
        },
    },
    AzureRule {
        id: "azure-role-definitions-write",
        description: "Microsoft.Authorization/roleDefinitions/write on the assignable scopes of a custom role one holds: add `*` to the role.",
        shape: Shape::RoleDefinitionUpdate {
            action: "Microsoft.Authorization/roleDefinitions/write",
        },
    },
    AzureRule {
        id: "azure-elevate-access",
        description: "Microsoft.Authorization/elevateAccess/Action: a Global Administrator makes itself User Access Administrator at the root scope `/`.",
        shape: Shape::ElevateAccess {
            roles: &[super::entra::GLOBAL_ADMINISTRATOR],
        },
    },
    workload(
        "azure-vm-run-command",
        "Run a script on a VM (Run Command) and take its managed identity's token from IMDS.",
        "microsoft.compute/virtualmachines",
        &[],
        &[
            c("Microsoft.Compute/virtualMachines/runCommand/action"),
            c("Microsoft.Compute/virtualMachines/runCommands/write"),
        ],
    ),
    workload(
        "azure-vm-extension-write",
        "Install a custom script extension on a VM and take its managed identity's token.",
        "microsoft.compute/virtualmachines",
        &[c("Microsoft.Compute/virtualMachines/extensions/write")],
        &[],
    ),
    workload(
        "azure-vm-admin-login",
        "Sign in to a VM as administrator (Entra login) and take its managed identity's token.",
        "microsoft.compute/virtualmachines",
        &[d("Microsoft.Compute/virtualMachines/loginAsAdmin/action")],
        &[],
    ),
    workload(
        "azure-vmss-run-command",
        "Run a script on a scale set's VMs and take their managed identity's token.",
        "microsoft.compute/virtualmachinescalesets",
        &[],
        &[
            c("Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action"),
            c("Microsoft.Compute/virtualMachineScaleSets/extensions/write"),
        ],
    ),
    workload(
        "azure-web-app-write",
        "Deploy code or change the settings of a web or function app (Website Contributor) and take its managed identity's token.",
        "microsoft.web/sites",
        &[],
        &[
            c("Microsoft.Web/sites/write"),
            c("Microsoft.Web/sites/config/write"),
            c("Microsoft.Web/sites/publish/Action"),
        ],
    ),
    workload(
        "azure-logic-app-write",
        "Change a Logic App workflow to call APIs with its managed identity.",
        "microsoft.logic/workflows",
        &[c("Microsoft.Logic/workflows/write")],
        &[],
    ),
    workload(
        "azure-automation-runbook",
        "Write and start a runbook in an Automation account that runs as its managed identity.",
        "microsoft.automation/automationaccounts",
        &[
            c("Microsoft.Automation/automationAccounts/runbooks/write"),
            c("Microsoft.Automation/automationAccounts/jobs/write"),
        ],
        &[],
    ),
    workload(
        "azure-aks-command",
        "Run commands on an AKS cluster (or take its admin credentials) and use its kubelet identity.",
        "microsoft.containerservice/managedclusters",
        &[],
        &[
            c("Microsoft.ContainerService/managedClusters/runCommand/action"),
            c("Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action"),
        ],
    ),
    workload(
        "azure-acr-task",
        "Create and run an ACR task, which runs as the registry's managed identity.",
        "microsoft.containerregistry/registries",
        &[
            c("Microsoft.ContainerRegistry/registries/tasks/write"),
            c("Microsoft.ContainerRegistry/registries/scheduleRun/action"),
        ],
        &[],
    ),
    AzureRule {
        id: "azure-managed-identity-assign",
        description: "Assign a user-assigned identity to a workload one can write (Microsoft.ManagedIdentity/userAssignedIdentities/assign/action plus a VM, web app, Logic App, Automation or container write) and use its token.",
        shape: Shape::IdentityAssign {
            assign: "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
            workload_write: WORKLOAD_WRITE,
        },
    },
    AzureRule {
        id: "azure-managed-identity-federated-credential",
        description: "Add a federated identity credential to a user-assigned identity, trusting an issuer one controls.",
        shape: Shape::UserAssignedIdentity {
            action: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",
        },
    },
    AzureRule {
        id: "azure-keyvault-access-policy-write",
        description: "Grant oneself secret access in a key vault's access policies (Key Vault Contributor, Contributor).",
        shape: Shape::SecretStore {
            resource_type: "microsoft.keyvault/vaults",
            rbac_mode: Some(false),
            any: &[
                c("Microsoft.KeyVault/vaults/accessPolicies/write"),
                c("Microsoft.KeyVault/vaults/write"),
            ],
            class: "secrets",
        },
    },
    AzureRule {
        id: "azure-keyvault-secrets-read",
        description: "Read secrets of a key vault in RBAC mode (Microsoft.KeyVault/vaults/secrets/getSecret/action).",
        shape: Shape::SecretStore {
            resource_type: "microsoft.keyvault/vaults",
            rbac_mode: Some(true),
            any: &[d("Microsoft.KeyVault/vaults/secrets/getSecret/action")],
            class: "secrets",
        },
    },
    AzureRule {
        id: "azure-storage-list-keys",
        description: "List a storage account's keys (Microsoft.Storage/storageAccounts/listKeys/action): full data access.",
        shape: Shape::SecretStore {
            resource_type: "microsoft.storage/storageaccounts",
            rbac_mode: None,
            any: &[c("Microsoft.Storage/storageAccounts/listKeys/action")],
            class: "keys",
        },
    },
    entra(
        "azure-entra-role-assignments",
        "Assign directory roles (Global Administrator, Privileged Role Administrator): administrator of the tenant.",
        &[super::entra::ROLE_ASSIGNMENTS_ALL],
        &[],
        false,
        EntraReach::TenantAdmin,
    ),
    entra(
        "azure-graph-rolemanagement-readwrite-directory",
        "Microsoft Graph RoleManagement.ReadWrite.Directory: assign oneself Global Administrator.",
        &[],
        &["RoleManagement.ReadWrite.Directory"],
        false,
        EntraReach::TenantAdmin,
    ),
    entra(
        "azure-graph-approleassignment-readwrite",
        "Grant any app role, including Microsoft Graph RoleManagement.ReadWrite.Directory, to a service principal one controls (AppRoleAssignment.ReadWrite.All, or the directory permission to consent for Microsoft Graph).",
        &[
            "microsoft.directory/servicePrincipals/managePermissionGrantsForAll.microsoft-company-admin",
        ],
        &["AppRoleAssignment.ReadWrite.All"],
        false,
        EntraReach::TenantAdmin,
    ),
    entra(
        "azure-app-add-secret",
        "Add a client secret or certificate to an application (Application.ReadWrite.All, applications/credentials/update, or its owner) and sign in as its service principal.",
        &["microsoft.directory/applications/credentials/update"],
        &["Application.ReadWrite.All"],
        true,
        EntraReach::ApplicationServicePrincipals,
    ),
    entra(
        "azure-app-add-owner",
        "Make oneself owner of an application (applications/owners/update), then add a secret.",
        &["microsoft.directory/applications/owners/update"],
        &[],
        false,
        EntraReach::ApplicationServicePrincipals,
    ),
    entra(
        "azure-sp-add-secret",
        "Add a secret to a service principal (Application.ReadWrite.All, servicePrincipals/credentials/update, or its owner) and sign in as it.",
        &["microsoft.directory/servicePrincipals/credentials/update"],
        &["Application.ReadWrite.All"],
        true,
        EntraReach::ServicePrincipals,
    ),
    entra(
        "azure-sp-add-owner",
        "Make oneself owner of a service principal (servicePrincipals/owners/update), then add a secret.",
        &["microsoft.directory/servicePrincipals/owners/update"],
        &[],
        false,
        EntraReach::ServicePrincipals,
    ),
    entra(
        "azure-group-add-member",
        "Add oneself to a group (GroupMember.ReadWrite.All, Group.ReadWrite.All, Directory.ReadWrite.All, groups/members/update, or its owner); role-assignable groups only as their owner or with the right to assign roles.",
        &["microsoft.directory/groups/members/update"],
        &[
            "GroupMember.ReadWrite.All",
            "Group.ReadWrite.All",
            "Directory.ReadWrite.All",
        ],
        true,
        EntraReach::Groups,
    ),
    AzureRule {
        id: "azure-reset-password",
        description: "Reset a user's password (users/password/update at a scope covering the user); users holding privileged directory roles or in role-assignable groups only as Privileged Authentication or Global Administrator.",
        shape: Shape::Entra {
            directory: &["microsoft.directory/users/password/update"],
            graph: &[],
            owner: false,
            reach: EntraReach::Users,
            privileged_roles: &[
                super::entra::GLOBAL_ADMINISTRATOR,
                super::entra::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
            ],
        },
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static AzureRule> {
    RULES.iter().find(|r| r.id == id)
}
