//! Azure nodes and edges: read the `azure_*` and `azuread_*` tables of the schema (when it
//! serves them), run the Azure RBAC evaluator and rules (`pathwarden_analyzers::azure`),
//! and add Entra principals (keyed by object id), the tenant, management groups,
//! subscriptions and secret stores, their Admin nodes, and ADMIN_OF / CAN_ESCALATE /
//! CAN_ACCESS / MEMBER_OF edges with the assignments behind them.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use datafusion::prelude::SessionContext;
use pathwarden_analyzers::azure::{
    AppRoleGrant, AzureEdge, AzureIndex, AzurePrincipal, AzureSnapshot, AzureTarget,
    DenyAssignment, DirectoryAssignment, DirectoryRole, EVERYONE, Hierarchy, Permission,
    PrincipalType, Rbac, RoleAssignment, RoleDefinition, Scope, SecretStore, UserAssignedIdentity,
    Workload, definition_key, edges_for, entra, management_group_admin_key, subscription_admin_key,
    tenant_admin_key,
};
use rayon::prelude::*;
use serde_json::{Map, Value, json};

use crate::GraphError;
use crate::gcp::{Rows, cell, json_cell, read};
use crate::model::{Edge, Evidence, GraphBuilder, no_props};
use crate::schema::{EdgeKind, NodeKind};

/// What the Azure part of the graph is built from.
#[derive(Debug, Default)]
pub struct AzureTables {
    snapshot: AzureSnapshot,
    /// User principal names by object id.
    upns: HashMap<String, String>,
    /// Management group name → parent name.
    mg_parents: BTreeMap<String, String>,
    /// Subscription id → management group name.
    sub_parents: BTreeMap<String, String>,
}

/// The rows read, or none when the table is not served.
fn rows(r: &Option<Rows>) -> &[Vec<Option<String>>] {
    r.as_deref().unwrap_or(&[])
}

/// Adds an Entra object (the first row of an id wins).
fn add_principal(principals: &mut BTreeMap<String, AzurePrincipal>, p: AzurePrincipal) {
    principals.entry(p.id.clone()).or_insert(p);
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(lower))
        .collect()
}

/// Ids of `[{id, type}]` (deny assignment principals) or plain id strings.
fn ids_of(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| {
            x.get("id")
                .and_then(Value::as_str)
                .or(x.as_str())
                .map(lower)
        })
        .collect()
}

fn permissions(v: &Value) -> Vec<Permission> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(Permission::from_json)
        .collect()
}

/// Principal ids of a resource's `identity` (system-assigned and user-assigned), with the
/// user-assigned identities' resource ids.
fn identity_principals(v: &Value) -> (Vec<String>, Vec<(String, String)>) {
    let mut principals = Vec::new();
    let mut user_assigned = Vec::new();
    if let Some(p) = v.get("principalId").and_then(Value::as_str) {
        principals.push(lower(p));
    }
    if let Some(m) = v.get("userAssignedIdentities").and_then(Value::as_object) {
        for (id, ident) in m {
            if let Some(p) = ident.get("principalId").and_then(Value::as_str) {
                principals.push(lower(p));
                user_assigned.push((id.clone(), lower(p)));
            }
        }
    }
    (principals, user_assigned)
}

/// Reads the Azure tables of `schema`; `None` when it serves neither RBAC assignments nor
/// Entra users.
pub async fn read_tables(
    ctx: &SessionContext,
    schema: &str,
) -> Result<Option<AzureTables>, GraphError> {
    let (tenants, mgs, subs, defs, ras, denies, vms, sites, vaults, storage) = tokio::join!(
        read(ctx, schema, "azure_tenant", &["tenant_id"]),
        read(
            ctx,
            schema,
            "azure_management_group",
            &["name", "display_name", "parent", "children", "tenant_id"]
        ),
        read(
            ctx,
            schema,
            "azure_subscription",
            &["subscription_id", "display_name", "tenant_id"]
        ),
        read(
            ctx,
            schema,
            "azure_role_definition",
            &[
                "name",
                "role_name",
                "role_type",
                "assignable_scopes",
                "permissions"
            ]
        ),
        read(
            ctx,
            schema,
            "azure_role_assignment",
            &[
                "id",
                "principal_id",
                "role_definition_id",
                "scope",
                "condition"
            ]
        ),
        read(
            ctx,
            schema,
            "azure_deny_assignment",
            &[
                "id",
                "scope",
                "permissions",
                "principals",
                "exclude_principals",
                "do_not_apply_to_child_scopes"
            ]
        ),
        read(
            ctx,
            schema,
            "azure_compute_virtual_machine",
            &["id", "identity"]
        ),
        read(
            ctx,
            schema,
            "azure_app_service_web_app",
            &["id", "identity"]
        ),
        read(
            ctx,
            schema,
            "azure_key_vault",
            &["id", "enable_rbac_authorization"]
        ),
        read(ctx, schema, "azure_storage_account", &["id"]),
    );
    let (users, groups, sps, apps, roles, role_defs, dir_assignments, eligible) = tokio::join!(
        read(
            ctx,
            schema,
            "azuread_user",
            &[
                "id",
                "display_name",
                "user_principal_name",
                "account_enabled",
                "tenant_id"
            ]
        ),
        read(
            ctx,
            schema,
            "azuread_group",
            &[
                "id",
                "display_name",
                "is_assignable_to_role",
                "member_ids",
                "owner_ids"
            ]
        ),
        read(
            ctx,
            schema,
            "azuread_service_principal",
            &[
                "id",
                "display_name",
                "app_id",
                "service_principal_type",
                "account_enabled",
                "owner_ids",
                "app_role_assignments",
                "app_roles"
            ]
        ),
        read(
            ctx,
            schema,
            "azuread_application",
            &["id", "display_name", "app_id", "owner_ids"]
        ),
        read(
            ctx,
            schema,
            "azuread_directory_role",
            &["id", "role_template_id", "member_ids"]
        ),
        read(
            ctx,
            schema,
            "azuread_directory_role_definition",
            &["id", "display_name", "is_built_in", "role_permissions"]
        ),
        read(
            ctx,
            schema,
            "azuread_directory_role_assignment",
            &[
                "id",
                "principal_id",
                "role_definition_id",
                "directory_scope_id"
            ]
        ),
        read(
            ctx,
            schema,
            "azuread_directory_role_eligibility_schedule_instance",
            &[
                "id",
                "principal_id",
                "role_definition_id",
                "directory_scope_id",
                "end_date_time"
            ]
        ),
    );
    if ras.is_none() && users.is_none() {
        return Ok(None);
    }
    let mut t = AzureTables::default();
    let s = &mut t.snapshot;
    // Tenant: the first one named (tenants, then subscriptions, then users).
    s.tenant_id = rows(&tenants)
        .iter()
        .find_map(|r| cell(r, 0))
        .or_else(|| rows(&subs).iter().find_map(|r| cell(r, 2)))
        .or_else(|| rows(&users).iter().find_map(|r| cell(r, 4)))
        .map(lower)
        .unwrap_or_default();
    for r in rows(&subs) {
        if let Some(id) = cell(&r, 0) {
            s.subscriptions
                .insert(lower(id), cell(r, 1).unwrap_or(id).to_string());
        }
    }
    for r in rows(&mgs) {
        let Some(name) = cell(&r, 0) else { continue };
        let name = lower(name);
        s.management_groups
            .insert(name.clone(), cell(&r, 1).unwrap_or(&name).to_string());
        let parent = json_cell(&r, 2);
        if let Some(p) = parent.get("name").and_then(Value::as_str).or_else(|| {
            parent
                .get("id")
                .and_then(Value::as_str)
                .and_then(|i| i.rsplit('/').next())
        }) {
            t.mg_parents.insert(name.clone(), lower(p));
        }
        for c in json_cell(&r, 3).as_array().into_iter().flatten() {
            let ty = c.get("type").and_then(Value::as_str).unwrap_or_default();
            if ty.ends_with("subscriptions")
                && let Some(sub) = c.get("name").and_then(Value::as_str)
            {
                t.sub_parents.insert(lower(sub), name.clone());
            }
        }
    }
    let mut h = Hierarchy::new();
    for (mg, parent) in &t.mg_parents {
        h.add_management_group(mg, Some(parent));
    }
    for (sub, mg) in &t.sub_parents {
        h.add_subscription(sub, mg);
    }
    let mut rbac = Rbac::new(h);
    for r in rows(&defs) {
        let Some(name) = cell(&r, 0) else { continue };
        rbac.add_definition(RoleDefinition {
            id: name.to_string(),
            role_name: cell(&r, 1).unwrap_or(name).to_string(),
            permissions: permissions(&json_cell(&r, 4)),
        });
        if cell(&r, 2) == Some("CustomRole") {
            s.custom_role_scopes
                .insert(definition_key(name), strings(&json_cell(&r, 3)));
        }
    }
    // The live table repeats inherited assignments once per subscription.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for r in rows(&ras) {
        let (Some(id), Some(principal), Some(role), Some(scope)) =
            (cell(&r, 0), cell(&r, 1), cell(&r, 2), cell(&r, 3))
        else {
            continue;
        };
        if !seen.insert(lower(id)) {
            continue;
        }
        let Ok(scope) = Scope::parse(scope) else {
            tracing::warn!(
                assignment = id,
                "role assignment scope not understood; skipped"
            );
            continue;
        };
        rbac.add_assignment(RoleAssignment {
            id: id.to_string(),
            principal_id: lower(principal),
            role_definition_id: role.to_string(),
            scope,
            condition: cell(&r, 4).map(str::to_string),
        });
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for r in rows(&denies) {
        let (Some(id), Some(scope)) = (cell(&r, 0), cell(&r, 1)) else {
            continue;
        };
        if !seen.insert(lower(id)) {
            continue;
        }
        let Ok(scope) = Scope::parse(scope) else {
            continue;
        };
        rbac.add_deny(DenyAssignment {
            id: id.to_string(),
            principals: ids_of(&json_cell(&r, 3))
                .into_iter()
                .map(|p| {
                    if p == EVERYONE {
                        EVERYONE.to_string()
                    } else {
                        p
                    }
                })
                .collect(),
            exclude_principals: ids_of(&json_cell(&r, 4)),
            permissions: permissions(&json_cell(&r, 2)),
            scope,
            do_not_apply_to_child_scopes: cell(&r, 5) == Some("true"),
        });
    }
    let mut uamis: BTreeMap<String, String> = BTreeMap::new();
    for (rows_of, ty) in [
        (&vms, "microsoft.compute/virtualmachines"),
        (&sites, "microsoft.web/sites"),
    ] {
        for r in rows(rows_of) {
            let Some(id) = cell(&r, 0) else { continue };
            let (principals, user_assigned) = identity_principals(&json_cell(&r, 1));
            for (uami, p) in user_assigned {
                uamis.insert(lower(&uami), p);
            }
            s.workloads.push(Workload {
                id: id.to_string(),
                resource_type: ty.to_string(),
                identities: principals,
            });
        }
    }
    s.user_assigned_identities = uamis
        .into_iter()
        .map(|(id, principal_id)| UserAssignedIdentity { id, principal_id })
        .collect();
    for r in rows(&vaults) {
        if let Some(id) = cell(&r, 0) {
            s.secret_stores.push(SecretStore {
                id: id.to_string(),
                resource_type: "microsoft.keyvault/vaults".into(),
                rbac_authorization: cell(&r, 1) == Some("true"),
            });
        }
    }
    for r in rows(&storage) {
        if let Some(id) = cell(&r, 0) {
            s.secret_stores.push(SecretStore {
                id: id.to_string(),
                resource_type: "microsoft.storage/storageaccounts".into(),
                rbac_authorization: false,
            });
        }
    }

    // Entra objects.
    for r in rows(&users) {
        let Some(id) = cell(&r, 0) else { continue };
        if let Some(upn) = cell(&r, 2) {
            t.upns.insert(lower(id), upn.to_string());
        }
        add_principal(
            &mut s.principals,
            AzurePrincipal {
                id: lower(id),
                kind: PrincipalType::User,
                name: cell(&r, 1).or(cell(&r, 2)).unwrap_or(id).to_string(),
                app_id: None,
                role_assignable: false,
                enabled: cell(&r, 3) != Some("false"),
                owners: Vec::new(),
            },
        );
    }
    let mut memberships: Vec<(String, Vec<String>)> = Vec::new();
    for r in rows(&groups) {
        let Some(id) = cell(&r, 0) else { continue };
        memberships.push((lower(id), strings(&json_cell(&r, 3))));
        add_principal(
            &mut s.principals,
            AzurePrincipal {
                id: lower(id),
                kind: PrincipalType::Group,
                name: cell(&r, 1).unwrap_or(id).to_string(),
                app_id: None,
                role_assignable: cell(&r, 2) == Some("true"),
                enabled: true,
                owners: strings(&json_cell(&r, 4)),
            },
        );
    }
    // Graph app roles by (resource service principal, app role id): the resource's own
    // `app_roles` first, then the shipped catalogue for Microsoft Graph.
    let sp_rows = rows(&sps);
    let mut app_role_values: HashMap<(String, String), String> = HashMap::new();
    let mut sp_app_ids: HashMap<String, String> = HashMap::new();
    for r in sp_rows {
        let Some(id) = cell(r, 0) else { continue };
        if let Some(app) = cell(r, 2) {
            sp_app_ids.insert(lower(id), lower(app));
        }
        for role in json_cell(r, 7).as_array().into_iter().flatten() {
            if let (Some(rid), Some(value)) = (
                role.get("id").and_then(Value::as_str),
                role.get("value").and_then(Value::as_str),
            ) {
                app_role_values.insert((lower(id), lower(rid)), value.to_string());
            }
        }
    }
    for r in sp_rows {
        let Some(id) = cell(r, 0) else { continue };
        let managed = cell(r, 3) == Some("ManagedIdentity");
        add_principal(
            &mut s.principals,
            AzurePrincipal {
                id: lower(id),
                kind: if managed {
                    PrincipalType::ManagedIdentity
                } else {
                    PrincipalType::ServicePrincipal
                },
                name: cell(r, 1).unwrap_or(id).to_string(),
                app_id: cell(r, 2).map(lower),
                role_assignable: false,
                enabled: cell(r, 4) != Some("false"),
                owners: strings(&json_cell(r, 5)),
            },
        );
        for g in json_cell(r, 6).as_array().into_iter().flatten() {
            let (Some(resource), Some(role_id)) = (
                g.get("resourceId").and_then(Value::as_str),
                g.get("appRoleId").and_then(Value::as_str),
            ) else {
                continue;
            };
            let resource_app_id = sp_app_ids
                .get(&lower(resource))
                .cloned()
                .unwrap_or_else(|| {
                    // The resource's service principal was not read: Microsoft Graph's app
                    // roles are still known by id.
                    if entra::graph_app_role(role_id).is_some() {
                        entra::MICROSOFT_GRAPH_APP_ID.to_string()
                    } else {
                        String::new()
                    }
                });
            let permission = app_role_values
                .get(&(lower(resource), lower(role_id)))
                .cloned()
                .or_else(|| {
                    (resource_app_id == entra::MICROSOFT_GRAPH_APP_ID)
                        .then(|| entra::graph_app_role(role_id).map(str::to_string))
                        .flatten()
                })
                .unwrap_or_else(|| lower(role_id));
            s.app_role_grants.push(AppRoleGrant {
                principal_id: lower(id),
                permission,
                resource_app_id,
            });
        }
    }
    for r in rows(&apps) {
        let Some(id) = cell(&r, 0) else { continue };
        add_principal(
            &mut s.principals,
            AzurePrincipal {
                id: lower(id),
                kind: PrincipalType::Application,
                name: cell(&r, 1).unwrap_or(id).to_string(),
                app_id: cell(&r, 2).map(lower),
                role_assignable: false,
                enabled: true,
                owners: strings(&json_cell(&r, 3)),
            },
        );
    }
    for (group, members) in &memberships {
        let m: Vec<&str> = members.iter().map(String::as_str).collect();
        rbac.add_group_members(group, &m);
    }
    s.rbac = rbac;
    for r in rows(&role_defs) {
        let Some(id) = cell(&r, 0) else { continue };
        let perms: Vec<String> = json_cell(&r, 3)
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|b| {
                b.get("allowedResourceActions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.as_str().map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .collect();
        s.directory_roles.insert(
            lower(id),
            DirectoryRole {
                id: lower(id),
                name: cell(&r, 1).unwrap_or(id).to_string(),
                permissions: perms,
                built_in: cell(&r, 2) != Some("false"),
            },
        );
    }
    let mut assignment_ids: BTreeSet<String> = BTreeSet::new();
    for (rows_of, eligible) in [(&dir_assignments, false), (&eligible, true)] {
        for r in rows(rows_of) {
            let (Some(id), Some(principal), Some(role)) = (cell(&r, 0), cell(&r, 1), cell(&r, 2))
            else {
                continue;
            };
            if !assignment_ids.insert(lower(id)) {
                continue;
            }
            s.directory_assignments.push(DirectoryAssignment {
                id: id.to_string(),
                principal_id: lower(principal),
                role_id: lower(role),
                directory_scope: cell(&r, 3).unwrap_or("/").to_string(),
                eligible,
                end: if eligible {
                    cell(&r, 4).map(str::to_string)
                } else {
                    None
                },
            });
        }
    }
    // Without the role-management tables, the activated roles' tenant-wide members.
    if dir_assignments.is_none() {
        for r in rows(&roles) {
            let (Some(id), Some(template)) = (cell(&r, 0), cell(&r, 1)) else {
                continue;
            };
            for m in strings(&json_cell(&r, 2)) {
                s.directory_assignments.push(DirectoryAssignment {
                    id: format!("{id}/{m}"),
                    principal_id: m,
                    role_id: lower(template),
                    directory_scope: "/".into(),
                    eligible: false,
                    end: None,
                });
            }
        }
    }
    Ok(Some(t))
}

fn evidence(e: &AzureEdge, target_key: &str) -> Arc<[Evidence]> {
    e.evidence
        .iter()
        .map(|h| Evidence {
            policy: h.grant.clone(),
            statement_index: 0,
            sid: Some(format!("{} at {}", h.role, h.scope)),
            action: h.permission.clone(),
            resource: target_key.to_string(),
            assumption: None,
        })
        .collect::<Vec<_>>()
        .into()
}

/// The Azure edges of every principal (rules run in parallel per principal), in source order.
pub fn edges(t: &AzureTables) -> Vec<AzureEdge> {
    let idx = AzureIndex::new(&t.snapshot);
    idx.sources()
        .par_iter()
        .flat_map_iter(|p| edges_for(&idx, p))
        .collect()
}

fn tenant_resource(tenant: &str) -> String {
    format!("/tenants/{tenant}")
}

fn mg_resource(name: &str) -> String {
    format!("/providers/microsoft.management/managementgroups/{name}")
}

fn sub_resource(id: &str) -> String {
    format!("/subscriptions/{id}")
}

/// Adds Azure nodes and edges to the builder.
pub fn add(b: &mut GraphBuilder, t: AzureTables) {
    let edges = edges(&t);
    let s = &t.snapshot;
    let tenant = s.tenant_id.clone();
    let resource = |b: &mut GraphBuilder,
                    key: &str,
                    name: &str,
                    account: &str,
                    ty: &str,
                    parent: Option<String>| {
        let mut props = Map::new();
        props.insert("resource_type".into(), json!(ty));
        if let Some(p) = parent {
            props.insert("parent".into(), json!(p));
        }
        b.node(NodeKind::AzureResource, key, name, account, props);
    };
    if !tenant.is_empty() {
        resource(
            b,
            &tenant_resource(&tenant),
            &tenant,
            &tenant,
            "tenant",
            None,
        );
        b.node(
            NodeKind::Admin,
            &tenant_admin_key(&tenant),
            &format!("Global Administrator of tenant {tenant}"),
            &tenant,
            Map::new(),
        );
    }
    for (mg, name) in &s.management_groups {
        resource(
            b,
            &mg_resource(mg),
            name,
            &tenant,
            "managementGroup",
            t.mg_parents.get(mg).map(|p| mg_resource(p)),
        );
        b.node(
            NodeKind::Admin,
            &management_group_admin_key(mg),
            &format!("Owner of management group {name}"),
            &tenant,
            Map::new(),
        );
    }
    for (sub, name) in &s.subscriptions {
        resource(
            b,
            &sub_resource(sub),
            name,
            sub,
            "subscription",
            t.sub_parents.get(sub).map(|p| mg_resource(p)),
        );
        b.node(
            NodeKind::Admin,
            &subscription_admin_key(sub),
            &format!("Owner of subscription {name}"),
            sub,
            Map::new(),
        );
    }
    for store in &s.secret_stores {
        let id = lower(&store.id);
        let sub = Scope::parse(&id)
            .ok()
            .and_then(|sc| match sc {
                Scope::Resource { subscription, .. } => Some(subscription),
                _ => None,
            })
            .unwrap_or_default();
        let name = id.rsplit('/').next().unwrap_or(&id).to_string();
        let ty = if store.resource_type.contains("keyvault") {
            "keyVault"
        } else {
            "storageAccount"
        };
        resource(b, &id, &name, &sub, ty, None);
    }
    let principal_node = |b: &mut GraphBuilder, p: &AzurePrincipal, upn: Option<&String>| {
        let mut props = Map::new();
        props.insert("principal_type".into(), json!(p.kind.as_str()));
        if let Some(u) = upn {
            props.insert("user_principal_name".into(), json!(u));
        }
        if let Some(a) = &p.app_id {
            props.insert("app_id".into(), json!(a));
        }
        if p.kind == PrincipalType::Group {
            props.insert("role_assignable".into(), json!(p.role_assignable));
        }
        b.node(NodeKind::AzurePrincipal, &p.id, &p.name, &tenant, props);
    };
    for p in s.principals.values() {
        principal_node(b, p, t.upns.get(&p.id));
    }
    // Principals named only by assignments or identities (objects not read, deleted ones).
    let mut unknown: BTreeSet<String> = BTreeSet::new();
    for a in s.rbac.assignments() {
        unknown.insert(lower(&a.principal_id));
    }
    for e in &edges {
        if let AzureTarget::Principal(p) = &e.target {
            unknown.insert(p.clone());
        }
    }
    for id in unknown {
        if b.id(&id).is_none() {
            principal_node(
                b,
                &AzurePrincipal {
                    id: id.clone(),
                    kind: PrincipalType::ServicePrincipal,
                    name: id.clone(),
                    app_id: None,
                    role_assignable: false,
                    enabled: true,
                    owners: Vec::new(),
                },
                None,
            );
        }
    }
    // Structure: group memberships.
    for g in s
        .principals
        .values()
        .filter(|p| p.kind == PrincipalType::Group)
    {
        let Some(gid) = b.id(&g.id) else { continue };
        for m in s.rbac.members_of(&g.id) {
            if let Some(mid) = b.id(m) {
                b.link(mid, gid, EdgeKind::MemberOf);
            }
        }
    }
    b.reserve_edges(edges.len());
    for e in &edges {
        let Some(src) = b.id(&e.source) else { continue };
        let (target_key, kind, technique) = match &e.target {
            AzureTarget::Admin(k) => (
                k.clone(),
                if e.direct_admin {
                    EdgeKind::AdminOf
                } else {
                    EdgeKind::CanEscalate
                },
                e.rule_id,
            ),
            AzureTarget::Principal(p) => (p.clone(), EdgeKind::CanEscalate, e.rule_id),
            AzureTarget::Resource { id, class } => (id.clone(), EdgeKind::CanAccess, *class),
        };
        let Some(dst) = b.id(&target_key) else {
            continue;
        };
        let mut p = Map::new();
        match kind {
            EdgeKind::CanAccess => {
                p.insert("action_class".into(), json!(technique));
                p.insert("action".into(), json!(e.rule_id));
            }
            _ => {
                p.insert("technique".into(), json!(technique));
            }
        }
        if e.eligible {
            p.insert("eligible".into(), json!(true));
        }
        b.edge(Edge {
            source: src,
            target: dst,
            kind,
            technique: Some(Cow::Borrowed(technique)),
            conditional: e.conditional,
            evidence: evidence(e, &target_key),
            props: if p.is_empty() {
                no_props()
            } else {
                Arc::new(p)
            },
        });
    }
    tracing::info!(
        principals = s.principals.len(),
        edges = edges.len(),
        subscriptions = s.subscriptions.len(),
        "Azure part of the graph built"
    );
}
