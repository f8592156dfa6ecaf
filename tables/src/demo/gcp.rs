//! The demo's Google Cloud organisation: `organizations/424242424242`
//! (`demo-corp.example`) with nested folders, four projects, service accounts, VMs,
//! custom roles, and planted escalation paths and near misses (listed in [`GCP_PLANTS`]
//! and in docs/gcp.md). Fixed size: it does not grow with `--demo-scale`.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::model::{ACCOUNTS as AWS_ACCOUNTS, PROD, SEC};
use crate::framework::Row;
use crate::gcp::iam_effective_binding::binding_rows;

/// The demo organization.
pub const ORGANIZATION: &str = "organizations/424242424242";
const DOMAIN: &str = "demo-corp.example";

/// `(folder id, parent, display name)`.
const FOLDERS: &[(&str, &str, &str)] = &[
    ("1001", ORGANIZATION, "production"),
    ("1002", ORGANIZATION, "development"),
    ("1003", ORGANIZATION, "shared-services"),
    ("1011", "folders/1001", "prod-data"),
];

/// `(project id, number, parent, display name)`.
const PROJECTS: &[(&str, &str, &str, &str)] = &[
    ("demo-prod-app", "610000000001", "folders/1001", "Prod app"),
    (
        "demo-prod-data",
        "610000000002",
        "folders/1011",
        "Prod data",
    ),
    (
        "demo-dev-sandbox",
        "610000000003",
        "folders/1002",
        "Dev sandbox",
    ),
    (
        "demo-shared-ci",
        "610000000004",
        "folders/1003",
        "Shared CI",
    ),
];

/// `(email, project, disabled)`.
const ACCOUNTS: &[(&str, &str, bool)] = &[
    (
        "deployer@demo-prod-app.iam.gserviceaccount.com",
        "demo-prod-app",
        false,
    ),
    (
        "app-runtime@demo-prod-app.iam.gserviceaccount.com",
        "demo-prod-app",
        false,
    ),
    (
        "old-deployer@demo-prod-app.iam.gserviceaccount.com",
        "demo-prod-app",
        true,
    ),
    (
        "610000000001-compute@developer.gserviceaccount.com",
        "demo-prod-app",
        false,
    ),
    (
        "etl@demo-prod-data.iam.gserviceaccount.com",
        "demo-prod-data",
        false,
    ),
    (
        "sandbox-vm@demo-dev-sandbox.iam.gserviceaccount.com",
        "demo-dev-sandbox",
        false,
    ),
    (
        "ci-runner@demo-shared-ci.iam.gserviceaccount.com",
        "demo-shared-ci",
        false,
    ),
    (
        "build@demo-shared-ci.iam.gserviceaccount.com",
        "demo-shared-ci",
        false,
    ),
];

/// Planted GCP paths: `(member, what it reaches, technique)`, and near misses
/// (`reaches` empty): what the graph must and must not find.
pub const GCP_PLANTS: &[(&str, &str, &str)] = &[
    (
        "user:ceo-admin@demo-corp.example",
        "admin:gcp/organizations/424242424242",
        "organizationAdmin on the organization (already admin)",
    ),
    (
        "group:platform-admins@demo-corp.example",
        "admin:gcp/projects/demo-prod-app",
        "owner on the production folder (already admin of its projects)",
    ),
    (
        "user:dev-alice@demo-corp.example",
        "admin:gcp/projects/demo-prod-app",
        "gcp-sa-get-access-token on deployer@ (owner of demo-prod-app)",
    ),
    (
        "user:intern-bob@demo-corp.example",
        "admin:gcp/organizations/424242424242",
        "gcp-sa-keys-create on ci-runner@ (organizationAdmin)",
    ),
    (
        "group:data-eng@demo-corp.example",
        "admin:gcp/projects/demo-prod-app",
        "gcp-actas-cloudfunctions-create as deployer@",
    ),
    (
        "user:folder-lead@demo-corp.example",
        "admin:gcp/projects/demo-dev-sandbox",
        "gcp-set-iam-policy-folder on development",
    ),
    (
        "user:role-tinkerer@demo-corp.example",
        "admin:gcp/organizations/424242424242",
        "gcp-iam-roles-update on the organization role it holds",
    ),
    (
        "user:ops-carol@demo-corp.example",
        "admin:gcp/organizations/424242424242",
        "gcp-compute-set-metadata on ci-runner-vm (runs as ci-runner@)",
    ),
    (
        "user:eve@demo-corp.example",
        "admin:gcp/projects/demo-prod-app",
        "gcp-sa-implicit-delegation through build@ to deployer@",
    ),
    (
        "user:contractor-dave@demo-corp.example",
        "admin:gcp/projects/demo-prod-data",
        "owner with an expiry condition (conditional)",
    ),
    (
        "user:viewer-frank@demo-corp.example",
        "",
        "near miss: serviceAccountUser (actAs) on demo-prod-app, no service to deploy with",
    ),
    (
        "user:dev-gina@demo-corp.example",
        "",
        "near miss: cloudfunctions.developer on demo-prod-app without actAs",
    ),
    (
        "user:legacy-ivan@demo-corp.example",
        "",
        "near miss: Token Creator on a disabled owner account",
    ),
    (
        "user:ops-hank@demo-corp.example",
        "",
        "near miss: instanceAdmin + actAs in demo-prod-data, whose VM account is not admin",
    ),
];

fn b(role: &str, members: &[&str]) -> Value {
    json!({"role": role, "members": members})
}

fn policy(bindings: Vec<Value>) -> Value {
    json!({"version": 3, "etag": "BwXdemo=", "bindings": bindings})
}

fn m(kind: &str, name: &str) -> String {
    format!("{kind}:{name}@{DOMAIN}")
}

/// IAM policies by resource name (organization, folders, projects, service accounts).
fn policies() -> HashMap<String, Value> {
    let mut p = HashMap::new();
    let u = |n: &str| m("user", n);
    let g = |n: &str| m("group", n);
    p.insert(
        ORGANIZATION.to_string(),
        policy(vec![
            b(
                "roles/resourcemanager.organizationAdmin",
                &[
                    &u("ceo-admin"),
                    "serviceAccount:ci-runner@demo-shared-ci.iam.gserviceaccount.com",
                ],
            ),
            b(
                "organizations/424242424242/roles/auditor",
                &[&u("role-tinkerer")],
            ),
            b("roles/iam.organizationRoleAdmin", &[&u("role-tinkerer")]),
            b("roles/browser", &[&format!("domain:{DOMAIN}")]),
        ]),
    );
    p.insert(
        "folders/1001".into(),
        policy(vec![b("roles/owner", &[&g("platform-admins")])]),
    );
    p.insert(
        "folders/1002".into(),
        policy(vec![b(
            "roles/resourcemanager.folderIamAdmin",
            &[&u("folder-lead")],
        )]),
    );
    p.insert("folders/1003".into(), policy(vec![]));
    p.insert(
        "folders/1011".into(),
        policy(vec![b("roles/viewer", &[&g("data-eng")])]),
    );
    p.insert(
        "projects/demo-prod-app".into(),
        policy(vec![
            b(
                "roles/owner",
                &[
                    "serviceAccount:deployer@demo-prod-app.iam.gserviceaccount.com",
                    "serviceAccount:old-deployer@demo-prod-app.iam.gserviceaccount.com",
                ],
            ),
            b(
                "roles/editor",
                &[
                    "serviceAccount:app-runtime@demo-prod-app.iam.gserviceaccount.com",
                    "serviceAccount:610000000001-compute@developer.gserviceaccount.com",
                ],
            ),
            b(
                "roles/cloudfunctions.developer",
                &[&g("data-eng"), &u("dev-gina")],
            ),
            b(
                "roles/iam.serviceAccountUser",
                &[&g("data-eng"), &u("viewer-frank")],
            ),
            b("roles/viewer", &[&u("dev-alice"), &u("eve")]),
        ]),
    );
    p.insert(
        "projects/demo-prod-data".into(),
        policy(vec![
            b("roles/storage.admin", &["serviceAccount:etl@demo-prod-data.iam.gserviceaccount.com"]),
            b("roles/compute.instanceAdmin.v1", &[&u("ops-hank")]),
            b("roles/iam.serviceAccountUser", &[&u("ops-hank")]),
            json!({"role": "roles/owner", "members": [u("contractor-dave")],
                   "condition": {"title": "contract-ends-2026-06", "description": "Temporary owner for the migration",
                                 "expression": "request.time < timestamp(\"2026-06-30T00:00:00Z\")"}}),
        ]),
    );
    p.insert(
        "projects/demo-dev-sandbox".into(),
        policy(vec![
            b(
                "roles/editor",
                &[
                    "serviceAccount:sandbox-vm@demo-dev-sandbox.iam.gserviceaccount.com",
                    &g("developers"),
                ],
            ),
            b(
                "projects/demo-dev-sandbox/roles/sandboxOperator",
                &[&g("developers")],
            ),
        ]),
    );
    p.insert(
        "projects/demo-shared-ci".into(),
        policy(vec![
            b("roles/iam.serviceAccountKeyAdmin", &[&u("intern-bob")]),
            b("roles/compute.instanceAdmin.v1", &[&u("ops-carol")]),
            b("roles/iam.serviceAccountUser", &[&u("ops-carol")]),
            b(
                "roles/cloudbuild.builds.editor",
                &["serviceAccount:build@demo-shared-ci.iam.gserviceaccount.com"],
            ),
        ]),
    );
    let sa = |email: &str, project: &str| format!("projects/{project}/serviceAccounts/{email}");
    p.insert(
        sa(
            "deployer@demo-prod-app.iam.gserviceaccount.com",
            "demo-prod-app",
        ),
        policy(vec![b(
            "roles/iam.serviceAccountTokenCreator",
            &[
                &u("dev-alice"),
                "serviceAccount:build@demo-shared-ci.iam.gserviceaccount.com",
            ],
        )]),
    );
    p.insert(
        sa(
            "old-deployer@demo-prod-app.iam.gserviceaccount.com",
            "demo-prod-app",
        ),
        policy(vec![b(
            "roles/iam.serviceAccountTokenCreator",
            &[&u("legacy-ivan")],
        )]),
    );
    p.insert(
        sa(
            "build@demo-shared-ci.iam.gserviceaccount.com",
            "demo-shared-ci",
        ),
        policy(vec![
            b("roles/iam.serviceAccountTokenCreator", &[&u("eve")]),
            // AWS's `ci-runner` role (security account) acts as build@ through workload
            // identity federation: a path that starts in AWS and ends in Google Cloud.
            b(
                "roles/iam.workloadIdentityUser",
                &[&wif_member("aws-ci", SEC, "ci-runner")],
            ),
        ]),
    );
    // The same grant through a pool whose only provider is disabled: no path.
    if let Some(list) = p
        .get_mut(&sa(
            "deployer@demo-prod-app.iam.gserviceaccount.com",
            "demo-prod-app",
        ))
        .and_then(|pol| pol["bindings"].as_array_mut())
    {
        list.push(b(
            "roles/iam.workloadIdentityUser",
            &[&wif_member("legacy-aws", PROD, "bastion-ssm")],
        ));
    }
    p
}

/// Project that holds the demo's workload identity pools (demo-shared-ci's number).
const WIF_PROJECT_NUMBER: &str = "610000000004";

/// `(pool, provider, AWS account index, disabled)`: the demo's workload identity providers.
const WIF_PROVIDERS: &[(&str, &str, usize, bool)] = &[
    ("aws-ci", "acme-security", SEC, false),
    ("legacy-aws", "acme-prod-old", PROD, true),
];

/// The principal set of the AWS role `role` of demo account `account` in `pool`.
fn wif_member(pool: &str, account: usize, role: &str) -> String {
    format!(
        "principalSet://iam.googleapis.com/projects/{WIF_PROJECT_NUMBER}/locations/global/workloadIdentityPools/{pool}/attribute.aws_role/arn:aws:sts::{}:assumed-role/{role}",
        AWS_ACCOUNTS[account].id
    )
}

/// Custom roles: `(name, title, permissions, stage)`.
const CUSTOM_ROLES: &[(&str, &str, &[&str])] = &[
    (
        "organizations/424242424242/roles/auditor",
        "Auditor",
        &[
            "resourcemanager.organizations.get",
            "resourcemanager.projects.list",
        ],
    ),
    (
        "projects/demo-dev-sandbox/roles/sandboxOperator",
        "Sandbox operator",
        &["compute.instances.start", "compute.instances.stop"],
    ),
];

/// `(name, project, zone, service account, scopes, metadata items)`.
const INSTANCES: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "ci-runner-vm",
        "demo-shared-ci",
        "europe-west1-b",
        "ci-runner@demo-shared-ci.iam.gserviceaccount.com",
        &["https://www.googleapis.com/auth/cloud-platform"],
    ),
    (
        "batch-vm",
        "demo-prod-data",
        "europe-west1-c",
        "etl@demo-prod-data.iam.gserviceaccount.com",
        &[
            "https://www.googleapis.com/auth/devstorage.read_only",
            "https://www.googleapis.com/auth/logging.write",
        ],
    ),
    (
        "web-1",
        "demo-prod-app",
        "us-central1-a",
        "610000000001-compute@developer.gserviceaccount.com",
        &["https://www.googleapis.com/auth/cloud-platform"],
    ),
];

fn std_columns(row: &mut Row, project: Option<&str>, location: &str, title: &str, aka: String) {
    row.insert("title".into(), json!(title));
    row.insert("akas".into(), json!([aka]));
    row.insert("location".into(), json!(location));
    row.insert("project".into(), json!(project));
}

fn obj(v: Value) -> Row {
    match v {
        Value::Object(m) => m.into_iter().collect(),
        _ => Row::new(),
    }
}

fn ancestors(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = name.to_string();
    loop {
        let parent = if let Some(id) = at.strip_prefix("projects/") {
            PROJECTS.iter().find(|p| p.0 == id).map(|p| p.2.to_string())
        } else {
            FOLDERS
                .iter()
                .find(|f| format!("folders/{}", f.0) == at)
                .map(|f| f.1.to_string())
        };
        match parent {
            Some(p) => {
                out.push(p.clone());
                at = p;
            }
            None => return out,
        }
    }
}

fn resource_id(name: &str) -> Value {
    let (kind, id) = name.split_once('/').unwrap_or(("", name));
    let kind = match kind {
        "projects" => "project",
        "folders" => "folder",
        _ => "organization",
    };
    json!({"resourceId": {"type": kind, "id": id}})
}

fn parent_object(parent: &str) -> Value {
    resource_id(parent)["resourceId"].clone()
}

/// Rows of every GCP table the demo serves.
pub fn rows(epoch: &str) -> HashMap<&'static str, Vec<Row>> {
    let mut out: HashMap<&'static str, Vec<Row>> = HashMap::new();
    let policies = policies();
    let org_id = ORGANIZATION.trim_start_matches("organizations/");
    out.insert(
        "gcp_organization",
        vec![obj(json!({
            "display_name": DOMAIN, "name": ORGANIZATION, "organization_id": org_id,
            "lifecycle_state": "ACTIVE", "creation_time": "2019-05-01T00:00:00Z",
            "directory_customer_id": "C0demo42", "title": DOMAIN,
            "akas": [format!("gcp://cloudresourcemanager.googleapis.com/organizations/{DOMAIN}")],
        }))],
    );
    out.insert(
        "gcp_organization_iam_policy",
        vec![obj(json!({
            "organization_id": org_id, "name": ORGANIZATION, "version": 3, "etag": "BwXdemo=",
            "bindings": policies[ORGANIZATION]["bindings"], "title": format!("{ORGANIZATION} IAM Policy"),
            "akas": [format!("gcp://cloudresourcemanager.googleapis.com/{ORGANIZATION}/iamPolicy")],
        }))],
    );
    let mut folders = Vec::new();
    let mut folder_policies = Vec::new();
    for (id, parent, display) in FOLDERS {
        let name = format!("folders/{id}");
        let mut chain = vec![resource_id(&name)];
        chain.extend(ancestors(&name).iter().map(|a| resource_id(a)));
        folders.push(obj(json!({
            "name": name, "folder_id": id, "display_name": display, "parent": parent,
            "state": "ACTIVE", "create_time": "2020-01-01T00:00:00Z", "update_time": epoch,
            "etag": format!("W/\"{id}\""), "ancestors": chain, "organization_id": org_id,
            "title": display, "akas": [format!("gcp://cloudresourcemanager.googleapis.com/{name}")],
        })));
        folder_policies.push(obj(json!({
            "folder_id": id, "name": name, "version": 3, "etag": "BwXdemo=",
            "bindings": policies[&name]["bindings"], "title": format!("{name} IAM Policy"),
            "akas": [format!("gcp://cloudresourcemanager.googleapis.com/{name}/iamPolicy")],
        })));
    }
    out.insert("gcp_folder", folders);
    out.insert("gcp_folder_iam_policy", folder_policies);

    let mut projects = Vec::new();
    let mut org_projects = Vec::new();
    let mut project_policies = Vec::new();
    for (id, number, parent, display) in PROJECTS {
        let name = format!("projects/{id}");
        let mut chain = vec![resource_id(&name)];
        chain.extend(ancestors(&name).iter().map(|a| resource_id(a)));
        let labels = json!({"env": if id.contains("prod") { "prod" } else { "nonprod" }});
        let row = json!({
            "name": display, "project_id": id,
            "self_link": format!("https://cloudresourcemanager.googleapis.com/v1/projects/{id}"),
            "project_number": number.parse::<i64>().unwrap_or_default(), "lifecycle_state": "ACTIVE",
            "create_time": "2021-02-01T00:00:00Z", "parent": parent_object(parent), "labels": labels,
            "ancestors": chain, "title": display, "tags": labels,
            "akas": [format!("gcp://cloudresourcemanager.googleapis.com/projects/{id}")],
        });
        projects.push(obj(row.clone()));
        org_projects.push(obj(row));
        let mut pol =
            obj(json!({"version": 3, "etag": "BwXdemo=", "bindings": policies[&name]["bindings"]}));
        std_columns(
            &mut pol,
            Some(id),
            "global",
            &format!("{} IAM Policy", id.to_uppercase()),
            format!("gcp://cloudresourcemanager.googleapis.com/projects/{id}/iamPolicy"),
        );
        project_policies.push(pol);
    }
    out.insert("gcp_project", projects);
    out.insert("gcp_organization_project", org_projects);
    out.insert("gcp_iam_policy", project_policies);

    let mut accounts = Vec::new();
    let mut keys = Vec::new();
    for (i, (email, project, disabled)) in ACCOUNTS.iter().enumerate() {
        let resource = format!("projects/{project}/serviceAccounts/{email}");
        let account_policy = policies
            .get(&resource)
            .cloned()
            .unwrap_or_else(|| json!({"version": 1, "etag": "ACAB"}));
        let mut row = obj(json!({
            "name": email, "email": email, "unique_id": format!("10{i:019}"),
            "display_name": email.split('@').next().unwrap_or(email),
            "disabled": disabled, "description": "demo service account",
            "oauth2_client_id": format!("10{i:019}"), "iam_policy": account_policy,
        }));
        std_columns(
            &mut row,
            Some(project),
            "global",
            email,
            format!("gcp://iam.googleapis.com/{resource}"),
        );
        accounts.push(row);
        if email.starts_with("ci-runner@") || email.starts_with("etl@") {
            let mut key = obj(json!({
                "name": format!("{:040x}", i + 1), "service_account_name": email,
                "key_type": "USER_MANAGED", "key_algorithm": "KEY_ALG_RSA_2048",
                "key_origin": "GOOGLE_PROVIDED", "public_key_data_pem": null, "public_key_data_raw": null,
                "valid_after_time": "2023-01-01T00:00:00Z", "valid_before_time": "9999-12-31T23:59:59Z",
            }));
            std_columns(
                &mut key,
                Some(project),
                "global",
                email,
                format!("gcp://iam.googleapis.com/{resource}/keys/{:040x}", i + 1),
            );
            keys.push(key);
        }
    }
    out.insert("gcp_service_account", accounts);
    out.insert("gcp_service_account_key", keys);

    let mut roles = Vec::new();
    for (name, title, perms) in CUSTOM_ROLES {
        let project = name
            .strip_prefix("projects/")
            .and_then(|r| r.split('/').next())
            .unwrap_or("demo-shared-ci");
        let mut row = obj(json!({
            "name": name, "deleted": false, "role_id": name.rsplit('/').next(),
            "is_gcp_managed": false, "stage": "GA", "description": title, "etag": "BwXrole=",
            "included_permissions": perms,
        }));
        std_columns(
            &mut row,
            Some(project),
            "global",
            title,
            format!("gcp://iam.googleapis.com/{name}"),
        );
        roles.push(row);
    }
    // Predefined roles as `roles.list` returns them, from the same catalogue the
    // evaluator ships (so the demo's tables and graph agree).
    let catalogue: Value = serde_json::from_str(include_str!(
        "../../../analyzers/src/gcp/predefined_roles.json"
    ))
    .unwrap_or(Value::Null);
    if let Value::Object(m) = catalogue {
        for (name, perms) in m.iter().filter(|(_, p)| p.is_array()) {
            let mut row = obj(json!({
                "name": name, "deleted": false, "role_id": name.trim_start_matches("roles/"),
                "is_gcp_managed": true, "stage": "GA", "description": name, "etag": "AA==",
                "included_permissions": perms,
            }));
            std_columns(
                &mut row,
                Some("demo-shared-ci"),
                "global",
                name,
                format!("gcp://iam.googleapis.com/{name}"),
            );
            roles.push(row);
        }
    }
    out.insert("gcp_iam_role", roles);

    let mut instances = Vec::new();
    for (i, (name, project, zone, sa, scopes)) in INSTANCES.iter().enumerate() {
        let self_link = format!(
            "https://www.googleapis.com/compute/v1/projects/{project}/zones/{zone}/instances/{name}"
        );
        let mut row = obj(json!({
            "name": name, "id": format!("77{i:017}"), "machine_type_name": "e2-medium",
            "status": "RUNNING", "can_ip_forward": false, "creation_timestamp": "2024-01-01T00:00:00Z",
            "deletion_protection": false, "description": "", "hostname": null,
            "machine_type": format!("https://www.googleapis.com/compute/v1/projects/{project}/zones/{zone}/machineTypes/e2-medium"),
            "self_link": self_link,
            "zone": format!("https://www.googleapis.com/compute/v1/projects/{project}/zones/{zone}"),
            "zone_name": zone, "disks": [], "labels": {"role": name},
            "metadata": {"kind": "compute#metadata", "items": [{"key": "enable-oslogin", "value": "FALSE"}]},
            "network_interfaces": [{"network": "global/networks/default", "accessConfigs": [{"natIP": format!("203.0.113.{}", 10 + i)}]}],
            "scheduling": {"automaticRestart": true},
            "service_accounts": [{"email": sa, "scopes": scopes}],
            "shielded_instance_config": {"enableSecureBoot": false}, "network_tags": ["ssh"],
            "tags": {"role": name},
        }));
        std_columns(
            &mut row,
            Some(project),
            zone,
            name,
            format!(
                "gcp://compute.googleapis.com/projects/{project}/zones/{zone}/instances/{name}"
            ),
        );
        instances.push(row);
    }
    out.insert("gcp_compute_instance", instances);

    let mut buckets = Vec::new();
    for (name, public) in [
        ("demo-corp-public-assets", true),
        ("demo-corp-prod-data", false),
    ] {
        let mut bindings = vec![b(
            "roles/storage.admin",
            &["serviceAccount:etl@demo-prod-data.iam.gserviceaccount.com"],
        )];
        if public {
            bindings.push(b("roles/storage.objectViewer", &["allUsers"]));
        }
        let mut row = obj(json!({
            "name": name, "id": name, "kind": "storage#bucket", "time_created": "2022-01-01T00:00:00Z",
            "location_type": "multi-region", "storage_class": "STANDARD",
            "iam_configuration_uniform_bucket_level_access_enabled": !public,
            "iam_configuration_bucket_policy_only_enabled": !public,
            "iam_configuration_public_access_prevention": if public { "inherited" } else { "enforced" },
            "versioning_enabled": !public, "labels": {"data": name}, "tags": {"data": name},
            "project_number": 610000000002i64,
            "self_link": format!("https://www.googleapis.com/storage/v1/b/{name}"),
            "iam_policy": {"version": 3, "bindings": bindings},
        }));
        std_columns(
            &mut row,
            Some("demo-prod-data"),
            "US",
            name,
            format!("gcp://storage.googleapis.com/{name}"),
        );
        buckets.push(row);
    }
    out.insert("gcp_storage_bucket", buckets);

    // The flattened bindings of every resource of the hierarchy.
    let mut effective = Vec::new();
    let mut resources = vec![ORGANIZATION.to_string()];
    resources.extend(FOLDERS.iter().map(|f| format!("folders/{}", f.0)));
    resources.extend(PROJECTS.iter().map(|p| format!("projects/{}", p.0)));
    for r in &resources {
        let scopes: Vec<(String, Value)> = std::iter::once(r.clone())
            .chain(ancestors(r))
            .map(|s| {
                let p = policies.get(&s).cloned().unwrap_or(Value::Null);
                (s, p)
            })
            .collect();
        effective.extend(binding_rows(r, &scopes));
    }
    out.insert("gcp_iam_effective_binding", effective);

    let mut providers = Vec::new();
    for (pool, provider, account, disabled) in WIF_PROVIDERS {
        let name = format!(
            "projects/{WIF_PROJECT_NUMBER}/locations/global/workloadIdentityPools/{pool}/providers/{provider}"
        );
        let mut row = obj(json!({
            "name": name, "pool_id": pool, "provider_id": provider,
            "display_name": provider, "description": "AWS workloads of the demo organization",
            "state": "ACTIVE", "disabled": disabled, "pool_disabled": false,
            "attribute_mapping": {
                "google.subject": "assertion.arn",
                "attribute.aws_role": "assertion.arn.contains('assumed-role') ? assertion.arn.extract('{account_arn}assumed-role/') + 'assumed-role/' + assertion.arn.extract('assumed-role/{role_name}/') : assertion.arn"
            },
            "attribute_condition": null, "aws_account_id": AWS_ACCOUNTS[*account].id,
            "oidc_issuer_uri": null, "oidc_allowed_audiences": null,
        }));
        std_columns(
            &mut row,
            Some("demo-shared-ci"),
            "global",
            provider,
            format!("gcp://iam.googleapis.com/{name}"),
        );
        providers.push(row);
    }
    out.insert("gcp_iam_workload_identity_pool_provider", providers);
    out
}
