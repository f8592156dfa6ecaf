//! Each Azure rule: a principal that triggers it, and a near miss that does not.

use super::*;

const SUB_A: &str = "/subscriptions/sub-a";
const RG_A: &str = "/subscriptions/sub-a/resourceGroups/app";
const MG_PROD: &str = "/providers/Microsoft.Management/managementGroups/prod";
const VM: &str =
    "/subscriptions/sub-a/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm1";
const VM_NO_ID: &str =
    "/subscriptions/sub-a/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm2";
const SITE: &str = "/subscriptions/sub-a/resourceGroups/app/providers/Microsoft.Web/sites/web1";
const LOGIC: &str =
    "/subscriptions/sub-a/resourceGroups/app/providers/Microsoft.Logic/workflows/flow1";
const AUTOMATION: &str = "/subscriptions/sub-a/resourceGroups/app/providers/Microsoft.Automation/automationAccounts/auto1";
const AKS: &str = "/subscriptions/sub-a/resourceGroups/app/providers/Microsoft.ContainerService/managedClusters/aks1";
const ACR: &str =
    "/subscriptions/sub-a/resourceGroups/app/providers/Microsoft.ContainerRegistry/registries/acr1";
const VMSS: &str = "/subscriptions/sub-a/resourceGroups/app/providers/Microsoft.Compute/virtualMachineScaleSets/ss1";
const UAMI: &str = "/subscriptions/sub-a/resourceGroups/app/providers/Microsoft.ManagedIdentity/userAssignedIdentities/deploy-id";
const VAULT_AP: &str =
    "/subscriptions/sub-a/resourceGroups/app/providers/Microsoft.KeyVault/vaults/kv-policies";
const VAULT_RBAC: &str =
    "/subscriptions/sub-a/resourceGroups/app/providers/Microsoft.KeyVault/vaults/kv-rbac";
const STORAGE: &str =
    "/subscriptions/sub-a/resourceGroups/app/providers/Microsoft.Storage/storageAccounts/st1";

fn perm(actions: &[&str], not_actions: &[&str], data: &[&str]) -> Permission {
    let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect();
    Permission {
        actions: v(actions),
        not_actions: v(not_actions),
        data_actions: v(data),
        not_data_actions: Vec::new(),
    }
}

fn principal(id: &str, kind: PrincipalType) -> AzurePrincipal {
    AzurePrincipal {
        id: id.into(),
        kind,
        name: id.into(),
        app_id: None,
        role_assignable: false,
        enabled: true,
        owners: Vec::new(),
    }
}

/// A tenant with management groups root → prod → sub-a, sub-b under root, the built-in
/// roles the rules need, workloads with identities and every principal the tests use.
fn tenant() -> AzureSnapshot {
    let mut h = Hierarchy::new();
    h.add_management_group("prod", Some("root"))
        .add_subscription("sub-a", "prod")
        .add_subscription("sub-b", "root");
    let mut rbac = Rbac::new(h);
    for (id, name, p) in [
        ("owner", "Owner", perm(&["*"], &[], &[])),
        (
            "uaa",
            "User Access Administrator",
            perm(&["*/read", "Microsoft.Authorization/*"], &[], &[]),
        ),
        (
            "contributor",
            "Contributor",
            perm(
                &["*"],
                &[
                    "Microsoft.Authorization/*/Delete",
                    "Microsoft.Authorization/*/Write",
                    "Microsoft.Authorization/elevateAccess/Action",
                ],
                &[],
            ),
        ),
        ("reader", "Reader", perm(&["*/read"], &[], &[])),
        (
            "vm-contributor",
            "Virtual Machine Contributor",
            perm(&["Microsoft.Compute/virtualMachines/*"], &[], &[]),
        ),
        (
            "vm-admin-login",
            "Virtual Machine Administrator Login",
            perm(
                &["Microsoft.Compute/virtualMachines/read"],
                &[],
                &[
                    "Microsoft.Compute/virtualMachines/login/action",
                    "Microsoft.Compute/virtualMachines/loginAsAdmin/action",
                ],
            ),
        ),
        (
            "vm-user-login",
            "Virtual Machine User Login",
            perm(
                &["Microsoft.Compute/virtualMachines/read"],
                &[],
                &["Microsoft.Compute/virtualMachines/login/action"],
            ),
        ),
        (
            "website-contributor",
            "Website Contributor",
            perm(&["Microsoft.Web/sites/*"], &[], &[]),
        ),
        (
            "logic-contributor",
            "Logic App Contributor",
            perm(&["Microsoft.Logic/*"], &[], &[]),
        ),
        (
            "logic-operator",
            "Logic App Operator",
            perm(
                &[
                    "Microsoft.Logic/*/read",
                    "Microsoft.Logic/workflows/run/action",
                ],
                &[],
                &[],
            ),
        ),
        (
            "automation-contributor",
            "Automation Contributor",
            perm(&["Microsoft.Automation/automationAccounts/*"], &[], &[]),
        ),
        (
            "automation-runbook-writer",
            "Runbook writer",
            perm(
                &["Microsoft.Automation/automationAccounts/runbooks/write"],
                &[],
                &[],
            ),
        ),
        (
            "aks-admin",
            "Azure Kubernetes Service Cluster Admin Role",
            perm(
                &["Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action"],
                &[],
                &[],
            ),
        ),
        (
            "acr-tasks",
            "ACR task contributor",
            perm(
                &[
                    "Microsoft.ContainerRegistry/registries/tasks/write",
                    "Microsoft.ContainerRegistry/registries/scheduleRun/action",
                ],
                &[],
                &[],
            ),
        ),
        (
            "acr-push",
            "AcrPush",
            perm(
                &["Microsoft.ContainerRegistry/registries/push/write"],
                &[],
                &[],
            ),
        ),
        (
            "vmss-contributor",
            "Scale set operator",
            perm(&["Microsoft.Compute/virtualMachineScaleSets/*"], &[], &[]),
        ),
        (
            "kv-contributor",
            "Key Vault Contributor",
            perm(&["Microsoft.KeyVault/*"], &[], &[]),
        ),
        (
            "kv-secrets-user",
            "Key Vault Secrets User",
            perm(
                &[],
                &[],
                &["Microsoft.KeyVault/vaults/secrets/getSecret/action"],
            ),
        ),
        (
            "storage-key-operator",
            "Storage Account Key Operator Service Role",
            perm(
                &[
                    "Microsoft.Storage/storageAccounts/listkeys/action",
                    "Microsoft.Storage/storageAccounts/regeneratekey/action",
                ],
                &[],
                &[],
            ),
        ),
        (
            "mi-operator",
            "Managed Identity Operator",
            perm(
                &[
                    "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
                    "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
                ],
                &[],
                &[],
            ),
        ),
        (
            "mi-contributor",
            "Managed Identity Contributor",
            perm(
                &["Microsoft.ManagedIdentity/userAssignedIdentities/*"],
                &[],
                &[],
            ),
        ),
        (
            "custom-delegator",
            "Custom delegated access admin",
            perm(
                &[
                    "Microsoft.Authorization/roleAssignments/write",
                    "Microsoft.Authorization/roleAssignments/read",
                ],
                &[],
                &[],
            ),
        ),
        (
            "custom-ops",
            "Custom ops",
            perm(
                &["Microsoft.Resources/subscriptions/resourceGroups/read"],
                &[],
                &[],
            ),
        ),
        (
            "role-definition-writer",
            "Role definition writer",
            perm(&["Microsoft.Authorization/roleDefinitions/write"], &[], &[]),
        ),
    ] {
        rbac.add_definition(RoleDefinition {
            id: format!(
                "/subscriptions/sub-a/providers/Microsoft.Authorization/roleDefinitions/{id}"
            ),
            role_name: name.into(),
            permissions: vec![p],
        });
    }
    let mut snap = AzureSnapshot {
        tenant_id: "tid".into(),
        rbac,
        ..Default::default()
    };
    snap.management_groups
        .insert("root".into(), "Tenant Root Group".into());
    snap.management_groups
        .insert("prod".into(), "Production".into());
    snap.subscriptions.insert("sub-a".into(), "Prod A".into());
    snap.subscriptions
        .insert("sub-b".into(), "Sandbox B".into());
    snap.custom_role_scopes
        .insert("custom-ops".into(), vec![SUB_A.into()]);
    for (id, ty, identities) in [
        (VM, "microsoft.compute/virtualmachines", vec!["vm-identity"]),
        (VM_NO_ID, "microsoft.compute/virtualmachines", vec![]),
        (SITE, "microsoft.web/sites", vec!["site-identity"]),
        (LOGIC, "microsoft.logic/workflows", vec!["logic-identity"]),
        (
            AUTOMATION,
            "microsoft.automation/automationaccounts",
            vec!["auto-identity"],
        ),
        (
            AKS,
            "microsoft.containerservice/managedclusters",
            vec!["aks-identity"],
        ),
        (
            ACR,
            "microsoft.containerregistry/registries",
            vec!["acr-identity"],
        ),
        (
            VMSS,
            "microsoft.compute/virtualmachinescalesets",
            vec!["vmss-identity"],
        ),
    ] {
        snap.workloads.push(Workload {
            id: id.into(),
            resource_type: ty.into(),
            identities: identities.into_iter().map(str::to_string).collect(),
        });
    }
    snap.user_assigned_identities.push(UserAssignedIdentity {
        id: UAMI.into(),
        principal_id: "uami-sp".into(),
    });
    for (id, ty, rbac_mode) in [
        (VAULT_AP, "microsoft.keyvault/vaults", false),
        (VAULT_RBAC, "microsoft.keyvault/vaults", true),
        (STORAGE, "microsoft.storage/storageaccounts", false),
    ] {
        snap.secret_stores.push(SecretStore {
            id: id.into(),
            resource_type: ty.into(),
            rbac_authorization: rbac_mode,
        });
    }
    for id in ["alice", "bob", "carol", "helpdesk", "pauth", "ga"] {
        snap.principals
            .insert(id.into(), principal(id, PrincipalType::User));
    }
    for id in [
        "vm-identity",
        "site-identity",
        "logic-identity",
        "auto-identity",
        "aks-identity",
        "acr-identity",
        "vmss-identity",
        "uami-sp",
    ] {
        snap.principals
            .insert(id.into(), principal(id, PrincipalType::ManagedIdentity));
    }
    let mut app = principal("app-obj", PrincipalType::Application);
    app.app_id = Some("app-client-id".into());
    app.owners = vec!["alice".into()];
    snap.principals.insert("app-obj".into(), app);
    let mut sp = principal("app-sp", PrincipalType::ServicePrincipal);
    sp.app_id = Some("app-client-id".into());
    snap.principals.insert("app-sp".into(), sp);
    let mut automation_sp = principal("automation-sp", PrincipalType::ServicePrincipal);
    automation_sp.app_id = Some("automation-client".into());
    snap.principals
        .insert("automation-sp".into(), automation_sp);
    let mut group = principal("plain-group", PrincipalType::Group);
    group.owners = vec!["carol".into()];
    snap.principals.insert("plain-group".into(), group);
    let mut privileged = principal("admins-group", PrincipalType::Group);
    privileged.role_assignable = true;
    privileged.owners = vec!["carol".into()];
    snap.principals.insert("admins-group".into(), privileged);
    snap
}

fn assign(snap: &mut AzureSnapshot, id: &str, principal: &str, role: &str, scope: &str) {
    snap.rbac.add_assignment(RoleAssignment {
        id: id.into(),
        principal_id: principal.into(),
        role_definition_id: format!("/providers/Microsoft.Authorization/roleDefinitions/{role}"),
        scope: Scope::parse(scope).unwrap_or_else(|e| panic!("{e}")),
        condition: None,
    });
}

fn directory(snap: &mut AzureSnapshot, principal: &str, role: &str, scope: &str, eligible: bool) {
    let n = snap.directory_assignments.len();
    snap.directory_assignments.push(DirectoryAssignment {
        id: format!("dra-{n}"),
        principal_id: principal.into(),
        role_id: role.into(),
        directory_scope: scope.into(),
        eligible,
        end: None,
    });
}

fn graph_grant(snap: &mut AzureSnapshot, principal: &str, permission: &str) {
    snap.app_role_grants.push(AppRoleGrant {
        principal_id: principal.into(),
        permission: permission.into(),
        resource_app_id: entra::MICROSOFT_GRAPH_APP_ID.into(),
    });
}

fn edges(snap: &AzureSnapshot, principal: &str) -> Vec<AzureEdge> {
    edges_for(&AzureIndex::new(snap), principal)
}

fn has(edges: &[AzureEdge], rule: &str, target: &AzureTarget) -> bool {
    edges
        .iter()
        .any(|e| e.rule_id == rule && &e.target == target)
}

fn p(id: &str) -> AzureTarget {
    AzureTarget::Principal(id.into())
}

fn sub_admin(id: &str) -> AzureTarget {
    AzureTarget::Admin(subscription_admin_key(id))
}

#[test]
fn every_rule_is_declared_once_and_tested_here() {
    let src = include_str!("tests.rs");
    let mut seen = std::collections::HashSet::new();
    for r in RULES {
        assert!(seen.insert(r.id), "{} declared twice", r.id);
        assert!(
            src.contains(&format!("\"{}\"", r.id)),
            "{}: needs a trigger and a near-miss test here",
            r.id
        );
    }
}

#[test]
fn role_assignments_write_owner_uaa_custom_and_inheritance() {
    let mut s = tenant();
    assign(&mut s, "ra1", "alice", "owner", MG_PROD);
    assign(&mut s, "ra2", "bob", "uaa", SUB_A);
    assign(
        &mut s,
        "ra3",
        "carol",
        "custom-delegator",
        "/subscriptions/sub-b",
    );
    assign(&mut s, "ra4", "helpdesk", "contributor", MG_PROD);
    let rule = "azure-role-assignments-write";
    let a = edges(&s, "alice");
    // Inherited from the management group down to its subscription, not to sub-b.
    assert!(has(
        &a,
        rule,
        &AzureTarget::Admin(management_group_admin_key("prod"))
    ));
    assert!(has(&a, rule, &sub_admin("sub-a")));
    assert!(!has(&a, rule, &sub_admin("sub-b")));
    assert!(a.iter().all(|e| e.rule_id != rule || e.direct_admin));
    assert!(has(&edges(&s, "bob"), rule, &sub_admin("sub-a")));
    assert!(has(&edges(&s, "carol"), rule, &sub_admin("sub-b")));
    // Near miss: Contributor's NotActions remove roleAssignments/write.
    assert!(!has(&edges(&s, "helpdesk"), rule, &sub_admin("sub-a")));
}

#[test]
fn conditions_make_edges_conditional_and_denies_remove_them() {
    let mut s = tenant();
    s.rbac.add_assignment(RoleAssignment {
        id: "ra-cond".into(),
        principal_id: "alice".into(),
        role_definition_id: "uaa".into(),
        scope: Scope::parse(SUB_A).unwrap_or_else(|e| panic!("{e}")),
        condition: Some("@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {reader}".into()),
    });
    assign(&mut s, "ra-b", "bob", "owner", SUB_A);
    s.rbac.add_deny(DenyAssignment {
        id: "deny-1".into(),
        principals: vec![EVERYONE.into()],
        exclude_principals: vec!["carol".into()],
        permissions: vec![perm(
            &["Microsoft.Authorization/roleAssignments/write"],
            &[],
            &[],
        )],
        scope: Scope::parse(SUB_A).unwrap_or_else(|e| panic!("{e}")),
        do_not_apply_to_child_scopes: false,
    });
    assign(&mut s, "ra-c", "carol", "owner", SUB_A);
    let rule = "azure-role-assignments-write";
    // The deny assignment blocks bob; carol is excluded from it; alice's grant is
    // conditional (and denied too).
    assert!(!has(&edges(&s, "bob"), rule, &sub_admin("sub-a")));
    assert!(has(&edges(&s, "carol"), rule, &sub_admin("sub-a")));
    assert!(!has(&edges(&s, "alice"), rule, &sub_admin("sub-a")));
    let mut s = tenant();
    s.rbac.add_assignment(RoleAssignment {
        id: "ra-cond".into(),
        principal_id: "alice".into(),
        role_definition_id: "uaa".into(),
        scope: Scope::parse(SUB_A).unwrap_or_else(|e| panic!("{e}")),
        condition: Some("@Request[...] ForAnyOfAnyValues:GuidEquals {x}".into()),
    });
    let a = edges(&s, "alice");
    let e = a
        .iter()
        .find(|e| e.rule_id == rule && e.target == sub_admin("sub-a"))
        .unwrap_or_else(|| panic!("{a:?}"));
    assert!(e.conditional);
}

#[test]
fn group_members_inherit_the_groups_roles() {
    let mut s = tenant();
    s.principals
        .insert("outer".into(), principal("outer", PrincipalType::Group));
    s.rbac
        .add_group_members("plain-group", &["alice"])
        .add_group_members("outer", &["plain-group"]);
    assign(&mut s, "ra1", "outer", "owner", SUB_A);
    assert!(has(
        &edges(&s, "alice"),
        "azure-role-assignments-write",
        &sub_admin("sub-a")
    ));
    assert!(!has(
        &edges(&s, "bob"),
        "azure-role-assignments-write",
        &sub_admin("sub-a")
    ));
}

#[test]
fn role_definitions_write_on_a_held_custom_role() {
    let mut s = tenant();
    let rule = "azure-role-definitions-write";
    assign(&mut s, "ra1", "alice", "custom-ops", SUB_A);
    assign(&mut s, "ra2", "alice", "role-definition-writer", SUB_A);
    assert!(has(&edges(&s, "alice"), rule, &sub_admin("sub-a")));
    // Near miss: the writer holds no custom role to rewrite.
    assign(&mut s, "ra3", "bob", "role-definition-writer", SUB_A);
    assert!(!edges(&s, "bob").iter().any(|e| e.rule_id == rule));
    // Near miss: writing definitions only in a resource group, not the role's scope.
    assign(&mut s, "ra4", "carol", "custom-ops", SUB_A);
    assign(&mut s, "ra5", "carol", "role-definition-writer", RG_A);
    assert!(!edges(&s, "carol").iter().any(|e| e.rule_id == rule));
}

#[test]
fn elevate_access_for_global_administrators_only() {
    let mut s = tenant();
    let rule = "azure-elevate-access";
    directory(&mut s, "ga", entra::GLOBAL_ADMINISTRATOR, "/", false);
    directory(
        &mut s,
        "pauth",
        entra::PRIVILEGED_ROLE_ADMINISTRATOR,
        "/",
        false,
    );
    let g = edges(&s, "ga");
    assert!(has(&g, rule, &sub_admin("sub-b")));
    assert!(has(
        &g,
        rule,
        &AzureTarget::Admin(management_group_admin_key("root"))
    ));
    assert!(!edges(&s, "pauth").iter().any(|e| e.rule_id == rule));
}

fn workload_case(rule: &str, role: &str, scope: &str, identity: &str, near_role: &str) {
    let mut s = tenant();
    assign(&mut s, "ra1", "alice", role, scope);
    assign(&mut s, "ra2", "bob", near_role, scope);
    assert!(
        has(&edges(&s, "alice"), rule, &p(identity)),
        "{rule}: {:?}",
        edges(&s, "alice")
    );
    assert!(
        !edges(&s, "bob").iter().any(|e| e.rule_id == rule),
        "{rule} near miss"
    );
}

#[test]
fn vm_run_command_extensions_and_admin_login() {
    workload_case(
        "azure-vm-run-command",
        "vm-contributor",
        RG_A,
        "vm-identity",
        "reader",
    );
    workload_case(
        "azure-vm-extension-write",
        "contributor",
        SUB_A,
        "vm-identity",
        "vm-user-login",
    );
    workload_case(
        "azure-vm-admin-login",
        "vm-admin-login",
        VM,
        "vm-identity",
        "vm-user-login",
    );
    // A VM without an identity gives nothing; a role on another VM gives nothing.
    let mut s = tenant();
    assign(&mut s, "ra1", "bob", "vm-contributor", VM_NO_ID);
    assert!(edges(&s, "bob").is_empty());
}

#[test]
fn workload_contributors_reach_identities() {
    workload_case(
        "azure-web-app-write",
        "website-contributor",
        SITE,
        "site-identity",
        "reader",
    );
    workload_case(
        "azure-logic-app-write",
        "logic-contributor",
        RG_A,
        "logic-identity",
        "logic-operator",
    );
    workload_case(
        "azure-automation-runbook",
        "automation-contributor",
        AUTOMATION,
        "auto-identity",
        "automation-runbook-writer",
    );
    workload_case(
        "azure-aks-command",
        "aks-admin",
        AKS,
        "aks-identity",
        "reader",
    );
    workload_case(
        "azure-acr-task",
        "acr-tasks",
        ACR,
        "acr-identity",
        "acr-push",
    );
    workload_case(
        "azure-vmss-run-command",
        "vmss-contributor",
        VMSS,
        "vmss-identity",
        "vm-contributor",
    );
}

#[test]
fn user_assigned_identity_assign_and_federated_credentials() {
    let mut s = tenant();
    assign(&mut s, "ra1", "alice", "mi-operator", UAMI);
    assign(&mut s, "ra2", "alice", "vm-contributor", RG_A);
    assign(&mut s, "ra3", "bob", "mi-operator", UAMI);
    assign(&mut s, "ra4", "carol", "mi-contributor", RG_A);
    assign(&mut s, "ra5", "helpdesk", "mi-operator", RG_A);
    let assign_rule = "azure-managed-identity-assign";
    let fic = "azure-managed-identity-federated-credential";
    assert!(has(&edges(&s, "alice"), assign_rule, &p("uami-sp")));
    // Near miss: assign without any workload to attach it to.
    assert!(!edges(&s, "bob").iter().any(|e| e.rule_id == assign_rule));
    assert!(has(&edges(&s, "carol"), fic, &p("uami-sp")));
    // Near miss: Managed Identity Operator cannot write federated credentials.
    assert!(!edges(&s, "helpdesk").iter().any(|e| e.rule_id == fic));
}

#[test]
fn key_vault_and_storage_keys() {
    let mut s = tenant();
    assign(&mut s, "ra1", "alice", "kv-contributor", RG_A);
    assign(&mut s, "ra2", "bob", "kv-secrets-user", RG_A);
    assign(&mut s, "ra3", "carol", "storage-key-operator", STORAGE);
    assign(&mut s, "ra4", "helpdesk", "reader", RG_A);
    let vault = |id: &str| AzureTarget::Resource {
        id: id.to_ascii_lowercase(),
        class: "secrets",
    };
    let a = edges(&s, "alice");
    assert!(has(
        &a,
        "azure-keyvault-access-policy-write",
        &vault(VAULT_AP)
    ));
    // Key Vault Contributor on an RBAC-mode vault reads nothing (near miss).
    assert!(!has(&a, "azure-keyvault-secrets-read", &vault(VAULT_RBAC)));
    assert!(!has(
        &a,
        "azure-keyvault-access-policy-write",
        &vault(VAULT_RBAC)
    ));
    let b = edges(&s, "bob");
    assert!(has(&b, "azure-keyvault-secrets-read", &vault(VAULT_RBAC)));
    assert!(!has(
        &b,
        "azure-keyvault-access-policy-write",
        &vault(VAULT_AP)
    ));
    let keys = AzureTarget::Resource {
        id: STORAGE.to_ascii_lowercase(),
        class: "keys",
    };
    assert!(has(&edges(&s, "carol"), "azure-storage-list-keys", &keys));
    assert!(
        !edges(&s, "helpdesk")
            .iter()
            .any(|e| e.rule_id == "azure-storage-list-keys")
    );
}

#[test]
fn directory_role_assignment_admins_and_pim_eligibility() {
    let mut s = tenant();
    let tenant_admin = AzureTarget::Admin(tenant_admin_key("tid"));
    directory(
        &mut s,
        "alice",
        entra::PRIVILEGED_ROLE_ADMINISTRATOR,
        "/",
        false,
    );
    directory(&mut s, "bob", entra::GLOBAL_ADMINISTRATOR, "/", true);
    directory(
        &mut s,
        "carol",
        entra::PRIVILEGED_ROLE_ADMINISTRATOR,
        "/administrativeUnits/au1",
        false,
    );
    let rule = "azure-entra-role-assignments";
    let a = edges(&s, "alice");
    let e = a
        .iter()
        .find(|e| e.rule_id == rule && e.target == tenant_admin)
        .unwrap_or_else(|| panic!("{a:?}"));
    assert!(e.direct_admin && !e.eligible);
    let b = edges(&s, "bob");
    let e = b
        .iter()
        .find(|e| e.rule_id == rule && e.target == tenant_admin)
        .unwrap_or_else(|| panic!("{b:?}"));
    assert!(e.eligible, "PIM-eligible Global Administrator");
    // Near miss: scoped to an administrative unit, not the tenant.
    assert!(!has(&edges(&s, "carol"), rule, &tenant_admin));
}

#[test]
fn graph_app_permissions() {
    let mut s = tenant();
    let tenant_admin = AzureTarget::Admin(tenant_admin_key("tid"));
    graph_grant(
        &mut s,
        "automation-sp",
        "RoleManagement.ReadWrite.Directory",
    );
    assert!(has(
        &edges(&s, "automation-sp"),
        "azure-graph-rolemanagement-readwrite-directory",
        &tenant_admin
    ));
    let mut s = tenant();
    graph_grant(&mut s, "automation-sp", "AppRoleAssignment.ReadWrite.All");
    assert!(has(
        &edges(&s, "automation-sp"),
        "azure-graph-approleassignment-readwrite",
        &tenant_admin
    ));
    let mut s = tenant();
    graph_grant(&mut s, "automation-sp", "Application.ReadWrite.All");
    let e = edges(&s, "automation-sp");
    assert!(has(&e, "azure-app-add-secret", &p("app-sp")));
    assert!(has(&e, "azure-sp-add-secret", &p("app-sp")));
    // Near misses: read-only permissions, and the same permission of another API.
    let mut s = tenant();
    graph_grant(&mut s, "automation-sp", "Directory.Read.All");
    s.app_role_grants.push(AppRoleGrant {
        principal_id: "automation-sp".into(),
        permission: "RoleManagement.ReadWrite.Directory".into(),
        resource_app_id: "some-other-api".into(),
    });
    assert!(edges(&s, "automation-sp").is_empty());
    assert!(!has(
        &edges(&s, "automation-sp"),
        "azure-graph-rolemanagement-readwrite-directory",
        &tenant_admin
    ));
    assert!(!has(
        &edges(&s, "automation-sp"),
        "azure-graph-approleassignment-readwrite",
        &tenant_admin
    ));
}

#[test]
fn application_secrets_and_owners() {
    let mut s = tenant();
    // alice owns the application; bob is Application Administrator scoped to the app;
    // carol is Cloud Application Administrator scoped to another object.
    directory(
        &mut s,
        "bob",
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "/app-obj",
        false,
    );
    directory(
        &mut s,
        "carol",
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "/other-app",
        false,
    );
    let a = edges(&s, "alice");
    assert!(has(&a, "azure-app-add-secret", &p("app-sp")));
    assert!(
        !has(&a, "azure-app-add-owner", &p("app-sp")),
        "owners need no add-owner"
    );
    let b = edges(&s, "bob");
    assert!(has(&b, "azure-app-add-secret", &p("app-sp")));
    assert!(has(&b, "azure-app-add-owner", &p("app-sp")));
    assert!(!has(
        &edges(&s, "carol"),
        "azure-app-add-secret",
        &p("app-sp")
    ));
    // Service principal owners and SP-scoped credential rights.
    let mut s = tenant();
    if let Some(sp) = s.principals.get_mut("automation-sp") {
        sp.owners = vec!["helpdesk".into()];
    }
    directory(
        &mut s,
        "carol",
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "/",
        false,
    );
    assert!(has(
        &edges(&s, "helpdesk"),
        "azure-sp-add-secret",
        &p("automation-sp")
    ));
    let c = edges(&s, "carol");
    assert!(has(&c, "azure-sp-add-owner", &p("automation-sp")));
    // Managed identities take no credentials.
    assert!(!has(&c, "azure-sp-add-secret", &p("vm-identity")));
    assert!(
        !edges(&s, "pauth")
            .iter()
            .any(|e| e.rule_id == "azure-sp-add-owner")
    );
}

#[test]
fn group_members_and_role_assignable_groups() {
    let mut s = tenant();
    let rule = "azure-group-add-member";
    directory(
        &mut s,
        "alice",
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        "/",
        false,
    );
    graph_grant(&mut s, "automation-sp", "GroupMember.ReadWrite.All");
    let a = edges(&s, "alice");
    assert!(has(&a, rule, &p("plain-group")));
    // Entra protects role-assignable groups from Groups Administrators (near miss) ...
    assert!(!has(&a, rule, &p("admins-group")));
    assert!(has(&edges(&s, "automation-sp"), rule, &p("plain-group")));
    assert!(!has(&edges(&s, "automation-sp"), rule, &p("admins-group")));
    // ... but not from their owners.
    let c = edges(&s, "carol");
    assert!(has(&c, rule, &p("admins-group")));
    assert!(has(&c, rule, &p("plain-group")));
}

#[test]
fn password_reset_respects_entra_protection_and_scope() {
    let mut s = tenant();
    let rule = "azure-reset-password";
    directory(
        &mut s,
        "helpdesk",
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "/",
        false,
    );
    directory(
        &mut s,
        "pauth",
        entra::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
        "/",
        false,
    );
    directory(&mut s, "ga", entra::GLOBAL_ADMINISTRATOR, "/", false);
    directory(
        &mut s,
        "carol",
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "/bob",
        false,
    );
    s.rbac.add_group_members("admins-group", &["alice"]);
    let h = edges(&s, "helpdesk");
    assert!(has(&h, rule, &p("bob")));
    // Near misses: a Global Administrator and a member of a role-assignable group are
    // protected from Helpdesk Administrators.
    assert!(!has(&h, rule, &p("ga")));
    assert!(!has(&h, rule, &p("alice")));
    let pa = edges(&s, "pauth");
    assert!(has(&pa, rule, &p("ga")));
    assert!(has(&pa, rule, &p("alice")));
    // Object-scoped: only that user.
    let c = edges(&s, "carol");
    assert!(has(&c, rule, &p("bob")));
    assert!(!has(&c, rule, &p("helpdesk")));
}

#[test]
fn custom_directory_roles_count_by_permission() {
    let mut s = tenant();
    s.directory_roles.insert(
        "custom-cred-role".into(),
        DirectoryRole {
            id: "custom-cred-role".into(),
            name: "App credential manager".into(),
            permissions: vec!["microsoft.directory/applications/credentials/update".into()],
            built_in: false,
        },
    );
    s.directory_roles.insert(
        "custom-reader".into(),
        DirectoryRole {
            id: "custom-reader".into(),
            name: "App reader".into(),
            permissions: vec!["microsoft.directory/applications/standard/read".into()],
            built_in: false,
        },
    );
    directory(&mut s, "bob", "custom-cred-role", "/", false);
    directory(&mut s, "helpdesk", "custom-reader", "/", false);
    assert!(has(&edges(&s, "bob"), "azure-app-add-secret", &p("app-sp")));
    assert!(edges(&s, "helpdesk").is_empty());
}

#[test]
fn edges_are_deterministic() {
    let mut s = tenant();
    assign(&mut s, "ra1", "alice", "owner", MG_PROD);
    directory(&mut s, "alice", entra::GLOBAL_ADMINISTRATOR, "/", false);
    let idx = AzureIndex::new(&s);
    let a = all_edges(&idx);
    let b = all_edges(&AzureIndex::new(&s));
    assert_eq!(a, b);
    assert!(a.len() > 5);
}
