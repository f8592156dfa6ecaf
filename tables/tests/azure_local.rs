//! The live `azure` and `azuread` providers against a local stand-in for Azure Resource
//! Manager and Microsoft Graph (`azure_fake`) serving their documented shapes: paging over
//! `nextLink` / `@odata.nextLink`, 429s with and without `Retry-After`, ARM's remaining-reads
//! header, 403s under both `on_access_denied` modes, next links to another host, and a
//! bearer token of the right audience on every call. The credential here is a counting
//! `azure_core` `TokenCredential`; `azure_identity`'s own flows (client secret against a
//! local token endpoint, managed identity, Azure CLI, workload identity) are exercised by
//! `daemon/tests/e2e_azure.rs`, which can serve the HTTPS token endpoint they require.

mod azure_fake;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use arrow::util::display::array_value_to_string;
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_fake::*;
use datafusion::prelude::SessionContext;
use pathwarden_tables::azure::{
    AzureConnectionConfig, AzureCredential, AzurePlugin, AzureSource, tables,
};
use pathwarden_tables::catalog::TablesSchema;
use pathwarden_tables::framework::{
    AccessDeniedMode, ConnectionRuntime, ErrorLog, ListRequest, Quals, RetryPolicy, RuntimeOptions,
    Source,
};
use serde_json::Value;

/// Issues the fake's token for the scope asked, counting requests per scope.
#[derive(Debug, Default)]
struct ScopedTokens {
    arm: AtomicUsize,
    graph: AtomicUsize,
}

#[async_trait::async_trait]
impl TokenCredential for ScopedTokens {
    async fn get_token(
        &self,
        scopes: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let token = match scopes {
            ["https://management.azure.com/.default"] => {
                self.arm.fetch_add(1, Ordering::SeqCst);
                ARM_TOKEN
            }
            ["https://graph.microsoft.com/.default"] => {
                self.graph.fetch_add(1, Ordering::SeqCst);
                GRAPH_TOKEN
            }
            other => {
                return Err(azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Credential,
                    format!("unexpected scopes {other:?}"),
                ));
            }
        };
        Ok(AccessToken::new(
            token.to_string(),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

fn config(
    fake: &FakeAzure,
    plugin: AzurePlugin,
    subscriptions: &[&str],
    cred: Arc<ScopedTokens>,
) -> AzureConnectionConfig {
    let endpoints: BTreeMap<String, String> = ["management", "graph"]
        .iter()
        .map(|a| (a.to_string(), fake.endpoint(a)))
        .collect();
    AzureConnectionConfig {
        name: "az_test".into(),
        plugin,
        tenant_id: None,
        subscriptions: subscriptions.iter().map(|s| s.to_string()).collect(),
        credential: AzureCredential::Custom(cred),
        endpoints,
        authority_host: None,
        ca_file: None,
        request_timeout: Some(Duration::from_secs(10)),
    }
}

async fn connect(fake: &FakeAzure, plugin: AzurePlugin, subscriptions: &[&str]) -> AzureSource {
    AzureSource::connect(config(fake, plugin, subscriptions, Arc::default()))
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"))
}

fn context(source: AzureSource, mode: AccessDeniedMode) -> (SessionContext, Arc<ErrorLog>) {
    let errors = Arc::new(ErrorLog::default());
    let rt = ConnectionRuntime::new(
        Arc::new(source),
        RuntimeOptions {
            cache_ttl: Duration::ZERO,
            max_concurrency_per_service: 4,
            retry: RetryPolicy {
                min_delay: Duration::from_millis(50),
                max_delay: Duration::from_millis(500),
                max_retries: 4,
            },
            access_denied: mode,
        },
        errors.clone(),
    );
    let ctx = SessionContext::new();
    let catalog = ctx.catalog("datafusion").expect("default catalog");
    catalog
        .register_schema("az_test", Arc::new(TablesSchema::for_connection(&rt)))
        .expect("register schema");
    (ctx, errors)
}

async fn try_sql(ctx: &SessionContext, query: &str) -> Result<Vec<Vec<String>>, String> {
    let df = ctx.sql(query).await.map_err(|e| e.to_string())?;
    let batches = df.collect().await.map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for b in batches {
        for row in 0..b.num_rows() {
            out.push(
                (0..b.num_columns())
                    .map(|c| array_value_to_string(b.column(c), row).unwrap_or_default())
                    .collect(),
            );
        }
    }
    Ok(out)
}

async fn sql(ctx: &SessionContext, query: &str) -> Vec<Vec<String>> {
    try_sql(ctx, query)
        .await
        .unwrap_or_else(|e| panic!("{query}: {e}"))
}

fn json(cell: &str) -> Value {
    serde_json::from_str(cell).unwrap_or_else(|e| panic!("not JSON: {cell:?}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_are_discovered_and_arm_tables_read_back() {
    let fake = azure_fake::start().await;
    let tokens = Arc::new(ScopedTokens::default());
    let source = AzureSource::connect(config(&fake, AzurePlugin::Azure, &[], tokens.clone()))
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    assert_eq!(source.subscriptions(), [SUB_A, SUB_B]);
    assert_eq!(source.tenant_id(), Some(TENANT));
    let (ctx, _) = context(source, AccessDeniedMode::Error);

    let subs = sql(
        &ctx,
        "select subscription_id, display_name, tenant_id, state, tags, cloud_environment, akas \
         from az_test.azure_subscription order by subscription_id",
    )
    .await;
    assert_eq!(subs.len(), 2, "{subs:?}");
    assert_eq!(subs[0][..4], [SUB_A, "Production", TENANT, "Enabled"]);
    assert_eq!(json(&subs[0][4])["env"], "production");
    assert_eq!(subs[0][5], "AzureCustomCloud");
    assert_eq!(
        json(&subs[0][6]),
        serde_json::json!([format!("azure:///subscriptions/{SUB_A}")])
    );

    // Three resource groups in A (two pages), one in B; the hostile tag survives.
    let rgs = sql(
        &ctx,
        "select subscription_id, name, region, provisioning_state, managed_by, tags \
         from az_test.azure_resource_group order by subscription_id, name",
    )
    .await;
    let names: Vec<&str> = rgs.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(names, ["MC_aks_westeurope", "rg-data", "rg-web", "rg-dev"]);
    assert_eq!(json(&rgs[2][5])["owner"], HOSTILE_NAME);
    assert!(rgs[0][4].ends_with("/managedClusters/aks"), "{:?}", rgs[0]);
    let pages = fake.seen(&format!("/arm/subscriptions/{SUB_A}/resourcegroups"));
    assert_eq!(pages.len(), 2, "two pages of sub A");
    assert!(pages[1].query.contains("skiptoken=2"), "{:?}", pages[1]);
    assert!(
        pages
            .iter()
            .all(|p| p.query.contains("api-version=2021-04-01"))
    );

    // `subscription_id = ...` lists only that subscription.
    let before = fake
        .seen(&format!("/arm/subscriptions/{SUB_A}/resourcegroups"))
        .len();
    let only_b = sql(
        &ctx,
        &format!("select name from az_test.azure_resource_group where subscription_id = '{SUB_B}'"),
    )
    .await;
    assert_eq!(only_b, [["rg-dev"]]);
    assert_eq!(
        fake.seen(&format!("/arm/subscriptions/{SUB_A}/resourcegroups"))
            .len(),
        before,
        "sub A was not listed"
    );

    // Role assignments: the management-group one is inherited into A; the ABAC condition
    // comes through.
    let ras = sql(
        &ctx,
        "select subscription_id, scope, principal_id, principal_type, role_definition_id, condition, condition_version, created_on \
         from az_test.azure_role_assignment order by subscription_id, name",
    )
    .await;
    assert_eq!(ras.len(), 4, "{ras:?}");
    assert_eq!(
        ras[1][1],
        "/providers/Microsoft.Management/managementGroups/mg-prod"
    );
    assert_eq!(ras[1][2], ADMINS);
    assert!(ras[2][5].contains("StringEquals 'public'"), "{:?}", ras[2]);
    assert_eq!(ras[2][6], "2.0");
    assert_eq!(
        ras[0][5], "",
        "unconditional assignment has a null condition"
    );
    assert!(ras[0][7].starts_with("2025-01-02T03:04:05"), "{:?}", ras[0]);

    let defs = sql(
        &ctx,
        "select subscription_id, role_name, role_type, permissions, assignable_scopes from az_test.azure_role_definition \
         where role_type = 'CustomRole'",
    )
    .await;
    assert_eq!(defs.len(), 1, "{defs:?}");
    assert_eq!(defs[0][..3], [SUB_A, "VM Operator", "CustomRole"]);
    let perms = json(&defs[0][3]);
    assert_eq!(
        perms[0]["notActions"][0],
        "Microsoft.Compute/virtualMachines/delete"
    );
    let builtins = sql(
        &ctx,
        "select count(*) from az_test.azure_role_definition where role_type = 'BuiltInRole'",
    )
    .await;
    assert_eq!(builtins, [["6"]], "three built-ins per subscription");

    // Management groups: list, and the hierarchy through the hydrate call.
    let mgs = sql(
        &ctx,
        "select name, display_name, tenant_id, parent, children, version, updated_time \
         from az_test.azure_management_group order by name",
    )
    .await;
    assert_eq!(mgs.len(), 3, "{mgs:?}");
    let prod = mgs.iter().find(|r| r[0] == "mg-prod").expect("mg-prod");
    assert_eq!(json(&prod[3])["name"], TENANT);
    assert_eq!(json(&prod[4])[0]["name"], SUB_A);
    assert_eq!(prod[5], "3");
    let root = mgs.iter().find(|r| r[0] == TENANT).expect("root");
    assert_eq!(json(&root[4]).as_array().map(Vec::len), Some(2));
    assert!(fake.seen("/managementGroups/mg-prod").iter().all(|s| s.query.contains("%24expand=children") || s.query.contains("$expand=children")));
    // `name = ...` is a get call.
    let before = fake
        .seen("/arm/providers/Microsoft.Management/managementGroups")
        .len();
    let one = sql(
        &ctx,
        "select display_name from az_test.azure_management_group where name = 'mg-dev'",
    )
    .await;
    assert_eq!(one, [["Development"]]);
    let after = fake.seen("/arm/providers/Microsoft.Management/managementGroups");
    assert_eq!(after.len(), before + 1, "one get call, no list");
    assert!(after.last().is_some_and(|s| s.path.ends_with("/mg-dev")));
    // A hostile key is not sent anywhere.
    let none = sql(
        &ctx,
        "select name from az_test.azure_management_group where name = '../../subscriptions'",
    )
    .await;
    assert!(none.is_empty());

    let tenants = sql(&ctx, "select tenant_id, display_name, country_code, domains, subscription_id from az_test.azure_tenant").await;
    assert_eq!(tenants.len(), 1);
    assert_eq!(tenants[0][..3], [TENANT, "Contoso", "NL"]);
    assert_eq!(tenants[0][4], "", "tenant rows belong to no subscription");

    // Resources: a VM's managed identities, a vault's permission model, a storage account.
    let vms = sql(
        &ctx,
        "select name, resource_group, region, size, admin_user_name, identity, image_offer, os_type, tags \
         from az_test.azure_compute_virtual_machine order by name",
    )
    .await;
    assert_eq!(vms.len(), 2, "{vms:?}");
    assert_eq!(
        vms[0][..5],
        ["web-1", "rg-web", "westeurope", "Standard_B2s", "azureuser"]
    );
    let identity = json(&vms[0][5]);
    assert_eq!(identity["principalId"], MI_SP);
    let uami = identity["userAssignedIdentities"]
        .as_object()
        .expect("user-assigned");
    assert_eq!(
        uami.values().next().map(|v| v["principalId"].clone()),
        Some(Value::String(UAMI_PRINCIPAL.into()))
    );
    assert_eq!(vms[0][7], "Linux");
    assert_eq!(vms[1][5], "", "no identity");
    let kvs = sql(
        &ctx,
        "select name, enable_rbac_authorization, access_policies, soft_delete_retention_in_days, vault_uri, resource_group \
         from az_test.azure_key_vault order by name",
    )
    .await;
    assert_eq!(kvs.len(), 2);
    assert_eq!(kvs[0][1], "false");
    assert_eq!(json(&kvs[0][2])[0]["objectId"], DEPLOY_SP);
    assert_eq!(kvs[0][3], "90");
    assert_eq!(kvs[1][..2], ["kv-rbac", "true"]);
    let sas = sql(
        &ctx,
        "select name, allow_blob_public_access, minimum_tls_version, sku_name, network_rule_default_action, enable_https_traffic_only, creation_time \
         from az_test.azure_storage_account",
    )
    .await;
    assert_eq!(sas.len(), 1);
    assert_eq!(
        sas[0][..6],
        [
            "contosodata",
            "true",
            "TLS1_0",
            "Standard_LRS",
            "Allow",
            "true"
        ]
    );
    assert!(sas[0][6].starts_with("2024-01-02T03:04:05"), "{:?}", sas[0]);

    // Every ARM call carried the ARM token (the fake refuses others), and the token was
    // asked for once: it is cached for its lifetime.
    assert!(
        fake.seen("/arm/")
            .iter()
            .all(|s| s.bearer.as_deref() == Some(ARM_TOKEN))
    );
    assert_eq!(tokens.arm.load(Ordering::SeqCst), 1);
    assert_eq!(tokens.graph.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_tables_read_back_with_members_and_owners() {
    let fake = azure_fake::start().await;
    let source = connect(&fake, AzurePlugin::AzureAd, &[]).await;
    assert_eq!(source.tenant_id(), Some(TENANT), "read from /organization");
    let (ctx, _) = context(source, AccessDeniedMode::Error);

    let users = sql(
        &ctx,
        "select id, display_name, user_principal_name, account_enabled, user_type, tenant_id, title \
         from az_test.azuread_user order by id",
    )
    .await;
    assert_eq!(users.len(), 3, "{users:?}");
    assert_eq!(
        users[0][..5],
        [
            ALICE,
            "Alice Admin",
            "alice@contoso.example",
            "true",
            "Member"
        ]
    );
    assert_eq!(users[2][1], HOSTILE_NAME);
    assert_eq!(users[2][4], "Guest");
    assert_eq!(users[0][5], TENANT);
    let pages = fake.seen("/graph/v1.0/users");
    assert_eq!(
        pages
            .iter()
            .filter(|s| s.path == "/graph/v1.0/users")
            .count(),
        2,
        "two pages"
    );
    assert!(pages[0].query.contains("%24select=") || pages[0].query.contains("$select="));

    let member_of = sql(
        &ctx,
        &format!("select member_of from az_test.azuread_user where id = '{ALICE}'"),
    )
    .await;
    let m = json(&member_of[0][0]);
    assert_eq!(m[1]["@odata.type"], "#microsoft.graph.directoryRole");

    // Group members span two @odata.nextLink pages.
    let groups = sql(
        &ctx,
        "select id, display_name, is_assignable_to_role, member_ids, owner_ids from az_test.azuread_group order by display_name",
    )
    .await;
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0][..3], [ADMINS, "Cloud Admins", "true"]);
    assert_eq!(
        json(&groups[0][3]),
        serde_json::json!([ALICE, DEPLOY_SP, EVERYONE])
    );
    assert_eq!(json(&groups[0][4]), serde_json::json!([BOB]));
    assert_eq!(fake.seen(&format!("/groups/{ADMINS}/members")).len(), 2);

    let sps = sql(
        &ctx,
        "select id, service_principal_type, app_role_assignments, owner_ids, tags, tags_src, password_credentials \
         from az_test.azuread_service_principal order by display_name",
    )
    .await;
    assert_eq!(sps.len(), 3);
    let deploy = sps.iter().find(|r| r[0] == DEPLOY_SP).expect("deploy sp");
    assert_eq!(json(&deploy[2])[0]["resourceId"], GRAPH_SP);
    assert_eq!(json(&deploy[3]), serde_json::json!([BOB]));
    assert_eq!(
        json(&deploy[4])["WindowsAzureActiveDirectoryIntegratedApp"],
        true
    );
    assert_eq!(json(&deploy[6])[0]["hint"], "s3c");

    let apps = sql(
        &ctx,
        "select id, app_id, federated_identity_credentials, owner_ids, tags from az_test.azuread_application",
    )
    .await;
    assert_eq!(apps.len(), 1);
    let fic = json(&apps[0][2]);
    assert_eq!(
        fic[0]["issuer"],
        "https://token.actions.githubusercontent.com"
    );
    assert_eq!(fic[0]["subject"], "repo:contoso/infra:ref:refs/heads/main");

    assert!(
        fake.seen("/graph/v1.0/users")
            .iter()
            .filter(|s| s.path == "/graph/v1.0/users")
            .all(|s| s.query.contains("top=999"))
    );
    let roles = sql(
        &ctx,
        "select display_name, role_template_id, member_ids from az_test.azuread_directory_role order by display_name",
    )
    .await;
    assert_eq!(roles.len(), 2);
    assert_eq!(
        roles[0][..2],
        [
            "Global Administrator",
            "62e90394-69f5-4237-9190-012177145e10"
        ]
    );
    assert_eq!(json(&roles[0][2]), serde_json::json!([ALICE]));
    assert_eq!(json(&roles[1][2]), serde_json::json!([]));
    assert!(
        fake.seen("/graph/v1.0/directoryRoles")
            .iter()
            .all(|s| !s.query.contains("top=")),
        "directoryRoles refuses $top"
    );

    // `id = ...` is a get call; a non-GUID key never reaches Graph.
    let before = fake.seen("/graph/v1.0/groups").len();
    let g = sql(
        &ctx,
        &format!("select display_name from az_test.azuread_group where id = '{EVERYONE}'"),
    )
    .await;
    assert_eq!(g, [["Everyone"]]);
    assert!(
        fake.seen("/graph/v1.0/groups")
            .last()
            .is_some_and(|s| s.path.ends_with(EVERYONE))
    );
    let none = sql(
        &ctx,
        "select display_name from az_test.azuread_group where id = '../users'",
    )
    .await;
    assert!(none.is_empty());
    assert_eq!(fake.seen("/graph/v1.0/groups").len(), before + 1);

    assert!(
        fake.seen("/graph/")
            .iter()
            .all(|s| s.bearer.as_deref() == Some(GRAPH_TOKEN))
    );
}

/// Each table's list call and each hydrate call fill exactly their declared columns.
/// Tables the local stand-in does not serve yet.
const NOT_IN_STAND_IN: &[&str] = &[
    "azure_deny_assignment",
    "azure_app_service_web_app",
    "azuread_directory_role_definition",
    "azuread_directory_role_assignment",
    "azuread_directory_role_eligibility_schedule_instance",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_fill_exactly_the_declared_columns() {
    let fake = azure_fake::start().await;
    for plugin in [AzurePlugin::Azure, AzurePlugin::AzureAd] {
        let source = connect(&fake, plugin, &[SUB_A]).await;
        for table in tables(plugin) {
            // Not served by the local ARM/Graph stand-in yet (their rows are checked on
            // the demo only).
            if NOT_IN_STAND_IN.contains(&table.name) {
                continue;
            }
            let req = ListRequest {
                region: None,
                quals: Quals::default(),
            };
            let page = source
                .list_page(table, &req, None)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", table.name));
            let row = page
                .rows
                .first()
                .unwrap_or_else(|| panic!("{}: no rows", table.name));
            for key in row.keys() {
                assert!(
                    table.is_filled_by(key, None),
                    "{}: list fills undeclared {key}",
                    table.name
                );
            }
            for h in table.hydrates() {
                let extra = source
                    .hydrate(table, h, None, row)
                    .await
                    .unwrap_or_else(|e| panic!("{}:{}: {e}", table.name, h.name()));
                for key in extra.keys() {
                    assert!(
                        table.is_filled_by(key, Some(h)),
                        "{}:{} fills {key}",
                        table.name,
                        h.name()
                    );
                }
                for c in table
                    .columns
                    .iter()
                    .filter(|c| c.hydrate.is_some_and(|x| std::ptr::addr_eq(x, h)))
                {
                    assert!(
                        extra.contains_key(c.name),
                        "{}:{} leaves {} out",
                        table.name,
                        h.name(),
                        c.name
                    );
                }
            }
            for c in table.columns {
                if c.hydrate.is_none() {
                    assert!(
                        row.contains_key(c.name),
                        "{}: list leaves {} out",
                        table.name,
                        c.name
                    );
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_is_retried_and_a_low_read_budget_paces_arm() {
    let fake = azure_fake::start().await;
    // Resource groups of A: one 429 asking for 1 s, then fine.
    fake.fault(
        &format!("/subscriptions/{SUB_A}/resourcegroups"),
        429,
        Some("1"),
        1,
    );
    // Role definitions: two 429s without Retry-After (jittered backoff).
    fake.fault("/roleDefinitions", 429, None, 2);
    let source = connect(&fake, AzurePlugin::Azure, &[SUB_A]).await;
    let (ctx, _) = context(source, AccessDeniedMode::Error);
    let rgs = sql(&ctx, "select name from az_test.azure_resource_group").await;
    assert_eq!(rgs.len(), 3);
    let seen = fake.seen(&format!("/subscriptions/{SUB_A}/resourcegroups"));
    assert!(seen.len() >= 3, "429, retry, page 2: {}", seen.len());
    let waited = seen[1].at.duration_since(seen[0].at);
    assert!(
        waited >= Duration::from_millis(950),
        "retried after {waited:?}, Retry-After was 1 s"
    );
    let defs = sql(&ctx, "select count(*) from az_test.azure_role_definition").await;
    assert_eq!(defs, [["4"]]);
    assert_eq!(
        fake.seen("/roleDefinitions").len(),
        2 + 2,
        "two 429s, then two pages"
    );

    // A response reporting 0 reads left holds the next ARM request back ~2 s.
    fake.low_reads("/roleAssignments", 0);
    let ras = sql(&ctx, "select count(*) from az_test.azure_role_assignment").await;
    assert_eq!(ras, [["3"]]);
    let pages = fake.seen("/roleAssignments");
    assert_eq!(pages.len(), 2);
    let gap = pages[1].at.duration_since(pages[0].at);
    assert!(
        gap >= Duration::from_millis(1900),
        "second page after {gap:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_throttling_is_retried() {
    let fake = azure_fake::start().await;
    fake.fault("/graph/v1.0/users", 429, Some("1"), 1);
    fake.fault("/graph/v1.0/directoryRoles", 503, None, 1);
    let source = connect(&fake, AzurePlugin::AzureAd, &[]).await;
    let (ctx, _) = context(source, AccessDeniedMode::Error);
    assert_eq!(
        sql(&ctx, "select count(*) from az_test.azuread_user").await,
        [["3"]]
    );
    assert_eq!(
        sql(&ctx, "select count(*) from az_test.azuread_directory_role").await,
        [["2"]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_fails_or_is_recorded() {
    let fake = azure_fake::start().await;
    fake.deny(&format!(
        "/subscriptions/{SUB_B}/providers/Microsoft.Authorization/roleAssignments"
    ));
    fake.deny("/directoryRoles/");
    let source = connect(&fake, AzurePlugin::Azure, &[SUB_A, SUB_B]).await;
    let (ctx, _) = context(source, AccessDeniedMode::Error);
    let e = try_sql(&ctx, "select id from az_test.azure_role_assignment")
        .await
        .expect_err("denied");
    assert!(
        e.contains("Microsoft.Authorization/roleAssignments/read"),
        "{e}"
    );
    assert!(e.contains("AuthorizationFailed"), "{e}");

    let source = connect(&fake, AzurePlugin::Azure, &[SUB_A, SUB_B]).await;
    let (ctx, errors) = context(source, AccessDeniedMode::Record);
    let rows = sql(
        &ctx,
        "select subscription_id from az_test.azure_role_assignment",
    )
    .await;
    assert_eq!(rows.len(), 3, "sub A's rows are kept");
    assert!(rows.iter().all(|r| r[0] == SUB_A));
    let recorded = errors.snapshot();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].table, "azure_role_assignment");
    assert!(recorded[0].api_call.contains("roleAssignments/read"));

    // Graph: Authorization_RequestDenied on a hydrate call is denied too, never empty.
    let source = connect(&fake, AzurePlugin::AzureAd, &[]).await;
    let (ctx, _) = context(source, AccessDeniedMode::Error);
    let e = try_sql(
        &ctx,
        "select member_ids from az_test.azuread_directory_role",
    )
    .await
    .expect_err("denied");
    assert!(e.contains("Authorization_RequestDenied"), "{e}");
    assert!(e.contains("graph:directoryRoles.members.list"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_next_link_to_another_host_is_refused() {
    let fake = azure_fake::start().await;
    fake.evil_next("/graph/v1.0/users");
    fake.evil_next("/resourcegroups");
    let source = connect(&fake, AzurePlugin::AzureAd, &[]).await;
    let (ctx, _) = context(source, AccessDeniedMode::Error);
    let e = try_sql(&ctx, "select id from az_test.azuread_user")
        .await
        .expect_err("refused");
    assert!(e.contains("another host"), "{e}");
    let source = connect(&fake, AzurePlugin::Azure, &[SUB_A]).await;
    let (ctx, _) = context(source, AccessDeniedMode::Error);
    let e = try_sql(&ctx, "select id from az_test.azure_resource_group")
        .await
        .expect_err("refused");
    assert!(e.contains("another host"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_errors_name_the_connection() {
    let fake = azure_fake::start().await;
    let mut cfg = config(&fake, AzurePlugin::Azure, &["not-a-guid"], Arc::default());
    let e = AzureSource::connect(cfg.clone())
        .await
        .expect_err("bad subscription");
    assert!(
        e.to_string()
            .contains("azure connection az_test: subscriptions"),
        "{e}"
    );
    cfg.subscriptions.clear();
    cfg.endpoints.insert("compute".into(), "http://x".into());
    let e = AzureSource::connect(cfg.clone())
        .await
        .expect_err("bad endpoint");
    assert!(e.to_string().contains("unknown API \"compute\""), "{e}");
    cfg.endpoints.remove("compute");
    cfg.authority_host = Some("http://127.0.0.1:1".into());
    let e = AzureSource::connect(cfg.clone())
        .await
        .expect_err("http authority");
    assert!(e.to_string().contains("authority_host"), "{e}");
    cfg.authority_host = None;
    // Listing subscriptions denied at start-up: the connection fails, naming the call.
    fake.deny("/arm/subscriptions");
    let e = AzureSource::connect(cfg).await.expect_err("denied");
    assert!(e.to_string().contains("listing subscriptions"), "{e}");
    assert!(e.to_string().contains("AuthorizationFailed"), "{e}");
}
