//! A synthetic Azure tenant of any size, for the graph benchmark: `principals` Entra
//! principals (70% users, 5% groups, 12% application service principals, the rest managed
//! identities of VMs and web apps), one subscription per 1,000 principals under a
//! management-group tree, role assignments, group memberships, owners, directory roles
//! (a few Global, Helpdesk, Groups and Application Administrators, PIM-eligible ones, a
//! role-assignable group) and Microsoft Graph application permissions. The same size always
//! gives the same rows (a fixed-seed generator, no clock).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::azure::{BUILT_IN_ROLE_TABLE, GRAPH_APP_ROLE_TABLE};
use crate::framework::Row;

/// splitmix64: small, deterministic, good enough to spread assignments.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn percent(&mut self) -> u64 {
        self.next() % 100
    }
}

const TENANT: &str = "5ca1e000-0000-4000-8000-000000000000";

fn oid(kind: u16, n: usize) -> String {
    format!("5ca1{kind:04x}-0000-4000-8000-{n:012x}")
}

fn obj(v: Value) -> Row {
    match v {
        Value::Object(m) => m,
        _ => Row::new(),
    }
}

const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const UAA: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
const VM_CONTRIBUTOR: &str = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c";
const WEBSITE_CONTRIBUTOR: &str = "de139f84-1756-47ae-9be6-808fbbe84772";

/// Rows of the Azure tables for a synthetic tenant of `principals` principals.
pub fn rows(principals: usize) -> HashMap<&'static str, Vec<Row>> {
    let mut rng = Rng(0x5CA1_E000_A2E0);
    let principals = principals.max(100);
    let n_users = principals * 70 / 100;
    let n_groups = principals * 5 / 100;
    let n_apps = principals * 12 / 100;
    let n_mi = principals - n_users - n_groups - n_apps;
    let n_subs = (principals / 1000).max(2);
    let n_mgs = n_subs.div_ceil(10);
    let user = |i: usize| oid(0x0001, i);
    let group = |i: usize| oid(0x0002, i);
    let app = |i: usize| oid(0x0003, i);
    let sp = |i: usize| oid(0x0004, i);
    let mi = |i: usize| oid(0x0005, i);
    let sub = |i: usize| oid(0x00b0, i);
    let mg_name = |i: usize| format!("mg-{i}");
    let rg = |s: usize, r: usize| format!("/subscriptions/{}/resourceGroups/rg-{r}", sub(s));
    let mut out: HashMap<&'static str, Vec<Row>> = HashMap::new();
    let ad = |mut row: Row| {
        row.insert("tenant_id".into(), json!(TENANT));
        row
    };

    out.insert(
        "azure_tenant",
        vec![obj(
            json!({"tenant_id": TENANT, "id": format!("/tenants/{TENANT}"), "name": "scale"}),
        )],
    );
    let mut mgs = vec![obj(json!({
        "name": TENANT, "display_name": "Tenant Root Group", "parent": null, "children": [],
        "id": format!("/providers/Microsoft.Management/managementGroups/{TENANT}"),
    }))];
    for m in 0..n_mgs {
        let children: Vec<Value> = (m * 10..((m + 1) * 10).min(n_subs))
            .map(|s| json!({"name": sub(s), "type": "/subscriptions"}))
            .collect();
        mgs.push(obj(json!({
            "name": mg_name(m), "display_name": mg_name(m), "children": children,
            "parent": {"name": TENANT},
            "id": format!("/providers/Microsoft.Management/managementGroups/{}", mg_name(m)),
        })));
    }
    out.insert("azure_management_group", mgs);
    out.insert(
        "azure_subscription",
        (0..n_subs)
            .map(|s| obj(json!({"subscription_id": sub(s), "display_name": format!("sub-{s}"), "tenant_id": TENANT})))
            .collect(),
    );
    let mut defs = Vec::new();
    for (guid, name, actions, not_actions, data) in BUILT_IN_ROLE_TABLE {
        defs.push(obj(json!({
            "name": guid, "role_name": name, "role_type": "BuiltInRole", "assignable_scopes": ["/"],
            "permissions": [{"actions": actions, "notActions": not_actions, "dataActions": data, "notDataActions": []}],
            "id": format!("/providers/Microsoft.Authorization/roleDefinitions/{guid}"),
        })));
    }
    out.insert("azure_role_definition", defs);

    let mut ras = Vec::new();
    let mut assign = |principal: String, role: &str, scope: String| {
        let id = format!(
            "{scope}/providers/Microsoft.Authorization/roleAssignments/{}",
            oid(0x00e0, ras.len())
        );
        ras.push(obj(json!({
            "id": id, "principal_id": principal, "role_definition_id": role, "scope": scope,
            "condition": null,
        })));
    };
    let random_scope = |rng: &mut Rng, rg_share: u64| {
        let s = rng.below(n_subs);
        if rng.percent() < rg_share {
            rg(s, rng.below(5))
        } else {
            format!("/subscriptions/{}", sub(s))
        }
    };
    for g in 0..n_groups {
        let p = rng.percent();
        let role = match p {
            0..50 => READER,
            50..70 => CONTRIBUTOR,
            70..85 => VM_CONTRIBUTOR,
            85..95 => WEBSITE_CONTRIBUTOR,
            _ => OWNER,
        };
        let scope = random_scope(&mut rng, 70);
        assign(group(g), role, scope);
    }
    for u in 0..n_users {
        if rng.percent() < 5 {
            let role = match rng.percent() {
                0..60 => READER,
                60..85 => CONTRIBUTOR,
                85..98 => VM_CONTRIBUTOR,
                _ => OWNER,
            };
            let scope = random_scope(&mut rng, 80);
            assign(user(u), role, scope);
        }
    }
    for a in 0..n_apps {
        let role = if rng.percent() < 30 {
            CONTRIBUTOR
        } else {
            READER
        };
        let scope = random_scope(&mut rng, 90);
        assign(sp(a), role, scope);
    }
    for m in 0..n_mi {
        let role = match rng.percent() {
            0..80 => READER,
            80..95 => CONTRIBUTOR,
            _ => OWNER,
        };
        let scope = random_scope(&mut rng, 30);
        assign(mi(m), role, scope);
    }
    for m in 0..3 {
        let u = rng.below(n_users);
        assign(
            user(u),
            UAA,
            format!(
                "/providers/Microsoft.Management/managementGroups/{}",
                mg_name(m % n_mgs)
            ),
        );
    }
    out.insert("azure_role_assignment", ras);

    // Workloads: each managed identity runs a VM (even) or a web app (odd).
    let mut vms = Vec::new();
    let mut sites = Vec::new();
    for m in 0..n_mi {
        let (s, r) = (rng.below(n_subs), rng.below(5));
        let identity = json!({"type": "SystemAssigned", "principalId": mi(m)});
        if m % 2 == 0 {
            vms.push(obj(json!({"id": format!("{}/providers/Microsoft.Compute/virtualMachines/vm-{m}", rg(s, r)), "identity": identity})));
        } else {
            sites.push(obj(json!({"id": format!("{}/providers/Microsoft.Web/sites/app-{m}", rg(s, r)), "identity": identity})));
        }
    }
    out.insert("azure_compute_virtual_machine", vms);
    out.insert("azure_app_service_web_app", sites);
    let mut vaults = Vec::new();
    let mut storage = Vec::new();
    for s in 0..n_subs {
        for r in 0..5 {
            vaults.push(obj(json!({"id": format!("{}/providers/Microsoft.KeyVault/vaults/kv-{s}-{r}", rg(s, r)), "enable_rbac_authorization": r % 2 == 0})));
            storage.push(obj(json!({"id": format!("{}/providers/Microsoft.Storage/storageAccounts/st{s}x{r}", rg(s, r))})));
        }
    }
    out.insert("azure_key_vault", vaults);
    out.insert("azure_storage_account", storage);

    out.insert(
        "azuread_user",
        (0..n_users)
            .map(|u| {
                ad(obj(json!({"id": user(u), "display_name": format!("user {u}"),
                    "user_principal_name": format!("user{u}@scale.example"), "account_enabled": true})))
            })
            .collect(),
    );
    let mut members: Vec<Vec<String>> = vec![Vec::new(); n_groups];
    for u in 0..n_users {
        for _ in 0..2 {
            members[rng.below(n_groups)].push(user(u));
        }
    }
    for g in 1..n_groups {
        if rng.percent() < 10 {
            let parent = rng.below(g);
            members[parent].push(group(g));
        }
    }
    // Group 0 is role-assignable and holds Privileged Role Administrator.
    members[0] = (0..5).map(|i| user(i * 7)).collect();
    out.insert(
        "azuread_group",
        members
            .into_iter()
            .enumerate()
            .map(|(g, m)| {
                let owners: Vec<String> = if g % 3 == 0 {
                    vec![user((g * 13) % n_users)]
                } else {
                    vec![]
                };
                ad(obj(
                    json!({"id": group(g), "display_name": format!("group {g}"),
                    "is_assignable_to_role": g == 0, "member_ids": m, "owner_ids": owners}),
                ))
            })
            .collect(),
    );
    out.insert(
        "azuread_application",
        (0..n_apps)
            .map(|a| {
                ad(obj(
                    json!({"id": app(a), "display_name": format!("app {a}"),
                    "app_id": oid(0x00a0, a), "owner_ids": [user((a * 31) % n_users)]}),
                ))
            })
            .collect(),
    );
    let graph_sp = oid(0x0004, 0x00ff_ffff);
    let grants = [
        (0usize, "RoleManagement.ReadWrite.Directory"),
        (1, "AppRoleAssignment.ReadWrite.All"),
        (2, "Application.ReadWrite.All"),
        (3, "GroupMember.ReadWrite.All"),
        (4, "Directory.Read.All"),
    ];
    let mut sps: Vec<Row> = (0..n_apps)
        .map(|a| {
            let granted: Vec<Value> = grants
                .iter()
                .filter(|(i, _)| *i == a)
                .map(|(_, v)| {
                    let id = GRAPH_APP_ROLE_TABLE
                        .iter()
                        .find(|r| r.1 == *v)
                        .map(|r| r.0)
                        .unwrap_or_default();
                    json!({"appRoleId": id, "resourceId": graph_sp})
                })
                .collect();
            ad(obj(
                json!({"id": sp(a), "display_name": format!("app {a}"), "app_id": oid(0x00a0, a),
                "service_principal_type": "Application", "account_enabled": true,
                "owner_ids": [], "app_role_assignments": granted, "app_roles": []}),
            ))
        })
        .collect();
    sps.push(ad(obj(json!({"id": graph_sp, "display_name": "Microsoft Graph",
        "app_id": "00000003-0000-0000-c000-000000000000", "service_principal_type": "Application",
        "account_enabled": true, "owner_ids": [], "app_role_assignments": [],
        "app_roles": GRAPH_APP_ROLE_TABLE.iter().map(|(id, v)| json!({"id": id, "value": v})).collect::<Vec<_>>()}))));
    for m in 0..n_mi {
        sps.push(ad(obj(
            json!({"id": mi(m), "display_name": format!("identity {m}"),
            "app_id": oid(0x00c0, m), "service_principal_type": "ManagedIdentity",
            "account_enabled": true, "owner_ids": [], "app_role_assignments": [], "app_roles": []}),
        )));
    }
    out.insert("azuread_service_principal", sps);

    let mut assignments = Vec::new();
    let mut eligible = Vec::new();
    let mut dir = |principal: String, role: &str, is_eligible: bool| {
        let id = oid(0x00da, assignments.len() + eligible.len());
        let row = ad(obj(
            json!({"id": id, "principal_id": principal, "role_definition_id": role,
            "directory_scope_id": "/"}),
        ));
        if is_eligible {
            eligible.push(row);
        } else {
            assignments.push(row);
        }
    };
    for i in 0..5 {
        dir(
            user(i * 101 % n_users),
            "62e90394-69f5-4237-9190-012177145e10",
            false,
        );
    }
    for i in 0..2 {
        dir(
            user(i * 211 % n_users),
            "62e90394-69f5-4237-9190-012177145e10",
            true,
        );
    }
    dir(group(0), "e8611ab8-c189-46e8-94e1-60213ab1f814", false);
    for i in 0..3 {
        dir(
            user(i * 307 % n_users + 1),
            "729827e3-9c14-49f7-bb1b-9608f156bbb8",
            false,
        );
    }
    for i in 0..2 {
        dir(
            user(i * 401 % n_users + 2),
            "fdd7a751-b60b-444a-984c-02652fe8fa1c",
            false,
        );
        dir(
            user(i * 503 % n_users + 3),
            "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
            false,
        );
    }
    out.insert("azuread_directory_role_assignment", assignments);
    out.insert(
        "azuread_directory_role_eligibility_schedule_instance",
        eligible,
    );
    out
}
