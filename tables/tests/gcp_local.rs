//! The live `gcp` provider against local servers: the real `gcp_auth` service-account flow
//! against a local token endpoint (the JWT's signature is checked), impersonation through
//! `generateAccessToken`, and the tables over Cloud Resource Manager and IAM responses in
//! their documented shapes, with paging, 429s (with and without Retry-After), a 503, and
//! PERMISSION_DENIED.

mod gcp_fake;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use arrow::util::display::array_value_to_string;
use datafusion::prelude::SessionContext;
use gcp_fake::{BASE_TOKEN, FakeGcp, IMPERSONATED_TOKEN};
use pathwarden_tables::catalog::TablesSchema;
use pathwarden_tables::framework::{
    AccessDeniedMode, ConnectionRuntime, ErrorLog, RetryPolicy, RuntimeOptions,
};
use pathwarden_tables::gcp::{GcpConnectionConfig, GcpError, GcpSource};
use serde_json::Value;

fn config(fake: &FakeGcp, projects: &[&str], impersonate: Option<&str>) -> GcpConnectionConfig {
    let endpoints: BTreeMap<String, String> =
        ["cloudresourcemanager", "iam", "iamcredentials", "storage"]
            .iter()
            .map(|a| (a.to_string(), fake.endpoint(a)))
            .collect();
    GcpConnectionConfig {
        name: "gcp_test".into(),
        projects: projects.iter().map(|p| p.to_string()).collect(),
        organization: None,
        credentials_file: Some(fake.key_file.clone()),
        impersonate_service_account: impersonate.map(str::to_string),
        endpoints,
        request_timeout: Some(Duration::from_secs(10)),
    }
}

async fn connect(fake: &FakeGcp, projects: &[&str]) -> GcpSource {
    GcpSource::connect(config(fake, projects, None))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "connect: {e}; rejected: {:?}",
                fake.state.rejected.lock().map(|r| r.clone())
            )
        })
}

fn context(source: GcpSource, mode: AccessDeniedMode) -> (SessionContext, Arc<ErrorLog>) {
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
        .register_schema("gcp_test", Arc::new(TablesSchema::for_connection(&rt)))
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
async fn key_file_token_flow_and_project_table() {
    let fake = gcp_fake::start("project").await;
    let source = connect(&fake, &["alpha-proj"]).await;
    // gcp_auth signed a JWT with the key and exchanged it at the local token endpoint.
    assert_eq!(fake.seen("/token").len(), 1, "one token request at connect");
    assert!(
        fake.state
            .rejected
            .lock()
            .map(|r| r.is_empty())
            .unwrap_or(false)
    );
    let (ctx, _) = context(source, AccessDeniedMode::Error);
    let rows = sql(
        &ctx,
        "select project_id, name, project_number, lifecycle_state, create_time, parent, tags, akas, title, self_link \
         from gcp_test.gcp_project",
    )
    .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let r = &rows[0];
    assert_eq!(r[0], "alpha-proj");
    assert_eq!(r[1], "Alpha");
    assert_eq!(r[2], "111111111111");
    assert_eq!(r[3], "ACTIVE");
    assert!(r[4].starts_with("2024-03-01T10:00:00"), "{}", r[4]);
    assert_eq!(
        json(&r[5]),
        serde_json::json!({"type": "folder", "id": "300"})
    );
    assert_eq!(json(&r[6])["env"], "prod");
    assert_eq!(
        json(&r[7]),
        serde_json::json!(["gcp://cloudresourcemanager.googleapis.com/projects/alpha-proj"])
    );
    assert_eq!(r[8], "Alpha");
    assert_eq!(
        r[9],
        "https://cloudresourcemanager.googleapis.com/v1/projects/alpha-proj"
    );
    // The ancestors column is a hydrate call, made only when projected.
    assert!(fake.seen(":getAncestry").is_empty());
    let rows = sql(&ctx, "select ancestors from gcp_test.gcp_project").await;
    let anc = json(&rows[0][0]);
    assert_eq!(anc[2]["resourceId"]["type"], "organization");
    assert_eq!(fake.seen(":getAncestry").len(), 1);
    // Every API call carried the token the endpoint issued; no further token requests.
    let api_calls: Vec<_> = fake.seen("/v1/");
    assert!(!api_calls.is_empty());
    assert!(
        api_calls
            .iter()
            .all(|s| s.bearer.as_deref() == Some(BASE_TOKEN))
    );
    assert_eq!(fake.seen("/token").len(), 1, "token cached by gcp_auth");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_policy_asks_for_version_3_and_keeps_conditions() {
    let fake = gcp_fake::start("policy").await;
    let (ctx, _) = context(
        connect(&fake, &["alpha-proj"]).await,
        AccessDeniedMode::Error,
    );
    let rows = sql(
        &ctx,
        "select project, version, etag, bindings, title, akas, location from gcp_test.gcp_iam_policy",
    )
    .await;
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r[0], "alpha-proj");
    assert_eq!(r[1], "3");
    assert_eq!(r[2], "BwXalpha-proj=");
    let bindings = json(&r[3]);
    let editor = bindings
        .as_array()
        .and_then(|b| b.iter().find(|b| b["role"] == "roles/editor"))
        .unwrap_or_else(|| panic!("no plain roles/editor binding: {bindings}"));
    assert_eq!(editor["condition"]["title"], "until-2030");
    assert_eq!(r[4], "ALPHA-PROJ IAM Policy");
    assert_eq!(
        json(&r[5]),
        serde_json::json!([
            "gcp://cloudresourcemanager.googleapis.com/projects/alpha-proj/iamPolicy"
        ])
    );
    assert_eq!(r[6], "global");
    let req = &fake.seen(":getIamPolicy")[0];
    assert_eq!(req.method, "POST");
    assert_eq!(json(&req.body)["options"]["requestedPolicyVersion"], 3);
    // Flattening the bindings works with the JSON functions Steampipe queries use.
    let rows = sql(
        &ctx,
        "select count(*) from gcp_test.gcp_iam_policy where bindings::text like '%contractors@example.com%'",
    )
    .await;
    assert_eq!(rows[0][0], "1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_accounts_page_through_every_page_and_hydrate_their_policy() {
    let fake = gcp_fake::start("sa").await;
    let (ctx, _) = context(
        connect(&fake, &["alpha-proj"]).await,
        AccessDeniedMode::Error,
    );
    let rows = sql(
        &ctx,
        "select name, email, unique_id, display_name, disabled, title, project, location, akas \
         from gcp_test.gcp_service_account order by name",
    )
    .await;
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        names,
        [
            "backup@alpha-proj.iam.gserviceaccount.com",
            "ci@alpha-proj.iam.gserviceaccount.com",
            "deployer@alpha-proj.iam.gserviceaccount.com",
            "scanner@alpha-proj.iam.gserviceaccount.com",
            "web@alpha-proj.iam.gserviceaccount.com",
        ]
    );
    assert_eq!(rows[0][4], "true", "backup is disabled");
    assert_eq!(rows[1][4], "false");
    assert_eq!(rows[1][5], "ci account");
    assert_eq!(
        rows[4][5], "web@alpha-proj.iam.gserviceaccount.com",
        "title falls back to the email"
    );
    assert_eq!(rows[1][6], "alpha-proj");
    assert_eq!(
        json(&rows[1][8]),
        serde_json::json!([
            "gcp://iam.googleapis.com/projects/alpha-proj/serviceAccounts/ci@alpha-proj.iam.gserviceaccount.com"
        ])
    );
    let lists = fake.seen("/iam/v1/projects/alpha-proj/serviceAccounts");
    let tokens: Vec<String> = lists.iter().map(|s| s.query.clone()).collect();
    assert_eq!(lists.len(), 3, "three pages of two: {tokens:?}");
    assert!(
        tokens[1].contains("pageToken=tok2") && tokens[2].contains("pageToken=tok4"),
        "{tokens:?}"
    );
    assert!(
        fake.seen(":getIamPolicy").is_empty(),
        "iam_policy not projected, not fetched"
    );

    let rows = sql(
        &ctx,
        "select iam_policy from gcp_test.gcp_service_account where name = 'deployer@alpha-proj.iam.gserviceaccount.com'",
    )
    .await;
    assert_eq!(rows.len(), 1);
    let policy = json(&rows[0][0]);
    assert_eq!(
        policy["bindings"][0]["role"],
        "roles/iam.serviceAccountUser"
    );
    let get = fake.seen("/iam/v1/projects/-/serviceAccounts/deployer@");
    assert_eq!(get.len(), 1, "name = ... is a get call");
    let pol = fake.seen(":getIamPolicy");
    assert_eq!(pol.len(), 1);
    assert!(
        pol[0].query.contains("options.requestedPolicyVersion=3"),
        "{}",
        pol[0].query
    );
    // A service account of another project is not this connection's.
    let rows = sql(
        &ctx,
        "select name from gcp_test.gcp_service_account where name = 'ci@beta-proj.iam.gserviceaccount.com'",
    )
    .await;
    assert!(rows.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_custom_and_predefined_with_permissions() {
    let fake = gcp_fake::start("roles").await;
    let (ctx, _) = context(
        connect(&fake, &["alpha-proj"]).await,
        AccessDeniedMode::Error,
    );
    let rows = sql(
        &ctx,
        "select name, role_id, is_gcp_managed, stage, title, included_permissions, project \
         from gcp_test.gcp_iam_role order by name",
    )
    .await;
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        names,
        [
            "projects/alpha-proj/roles/keyMaker",
            "roles/iam.serviceAccountTokenCreator",
            "roles/owner",
            "roles/viewer",
        ]
    );
    assert_eq!(rows[0][1], "keyMaker");
    assert_eq!(rows[0][2], "false");
    assert_eq!(rows[0][3], "BETA");
    assert_eq!(rows[2][2], "true");
    assert_eq!(
        json(&rows[2][5]),
        serde_json::json!([
            "resourcemanager.projects.setIamPolicy",
            "iam.serviceAccounts.actAs"
        ])
    );
    assert_eq!(rows[2][6], "alpha-proj");
    let predefined = fake.seen("/iam/v1/roles");
    assert_eq!(predefined.len(), 2, "two pages of predefined roles");
    assert!(predefined.iter().all(|s| s.query.contains("view=FULL")));

    // is_gcp_managed = false keeps only the project's custom roles. (DataFusion rewrites
    // `= false` to `NOT is_gcp_managed`, which the framework does not push down, so both
    // listings are still made; `iam_role::wanted` is unit-tested for the pushed-down case.)
    let rows = sql(
        &ctx,
        "select name from gcp_test.gcp_iam_role where is_gcp_managed = false",
    )
    .await;
    assert_eq!(
        rows,
        vec![vec!["projects/alpha-proj/roles/keyMaker".to_string()]]
    );

    // A name is a get call.
    let rows = sql(&ctx, "select title, included_permissions from gcp_test.gcp_iam_role where name = 'roles/iam.serviceAccountTokenCreator'").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], "Service Account Token Creator");
    assert!(rows[0][1].contains("iam.serviceAccounts.getAccessToken"));
    assert_eq!(
        fake.seen("/iam/v1/roles/iam.serviceAccountTokenCreator")
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_account_keys_with_public_key_hydrates() {
    let fake = gcp_fake::start("keys").await;
    let (ctx, _) = context(
        connect(&fake, &["alpha-proj"]).await,
        AccessDeniedMode::Error,
    );
    let rows = sql(
        &ctx,
        "select name, service_account_name, key_type, key_algorithm, key_origin, valid_after_time, project \
         from gcp_test.gcp_service_account_key order by name",
    )
    .await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0][0], "ci0");
    assert_eq!(rows[0][1], "ci@alpha-proj.iam.gserviceaccount.com");
    assert_eq!(rows[0][2], "USER_MANAGED");
    assert_eq!(rows[1][2], "SYSTEM_MANAGED");
    assert_eq!(rows[2][0], "de0");
    assert_eq!(rows[0][3], "KEY_ALG_RSA_2048");
    assert!(rows[0][5].starts_with("2024-05-01"));
    // One key list per service account (five accounts over three pages).
    assert_eq!(fake.seen("/keys").len(), 5);
    let rows = sql(
        &ctx,
        "select name, public_key_data_pem, public_key_data_raw from gcp_test.gcp_service_account_key where key_type = 'USER_MANAGED' order by name",
    )
    .await;
    assert_eq!(rows.len(), 2);
    assert!(
        rows[0][1].starts_with("-----BEGIN CERTIFICATE-----\nMIICci0"),
        "{}",
        rows[0][1]
    );
    assert_eq!(rows[0][2], "MIIBIjANci0");
    let gets = fake.seen("/keys/ci0");
    assert!(
        gets.iter()
            .any(|s| s.query.contains("publicKeyType=TYPE_X509_PEM_FILE"))
    );
    assert!(
        gets.iter()
            .any(|s| s.query.contains("publicKeyType=TYPE_RAW_PUBLIC_KEY"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_server_errors_are_retried_honouring_retry_after() {
    let fake = gcp_fake::start("throttle").await;
    let (ctx, _) = context(
        connect(&fake, &["alpha-proj"]).await,
        AccessDeniedMode::Error,
    );
    // Predefined roles: two 429s without Retry-After; the project policy: one 503.
    fake.fault("/iam/v1/roles", 429, None, 2);
    fake.fault(":getIamPolicy", 503, None, 1);
    let rows = sql(&ctx, "select count(*) from gcp_test.gcp_iam_role").await;
    assert_eq!(rows[0][0], "4", "roles complete after two 429s");
    assert_eq!(
        fake.seen("/iam/v1/roles").len(),
        2 + 2,
        "two throttled, two pages"
    );
    let rows = sql(&ctx, "select version from gcp_test.gcp_iam_policy").await;
    assert_eq!(rows[0][0], "3", "policy read after a 503");
    assert_eq!(fake.seen(":getIamPolicy").len(), 2);

    // Retry-After: the retry comes no earlier than the server asked.
    let base = fake
        .seen("/iam/v1/projects/alpha-proj/serviceAccounts")
        .len();
    fake.fault(
        "/iam/v1/projects/alpha-proj/serviceAccounts",
        429,
        Some("1"),
        1,
    );
    let rows = sql(&ctx, "select count(*) from gcp_test.gcp_service_account").await;
    assert_eq!(rows[0][0], "5");
    let lists = fake.seen("/iam/v1/projects/alpha-proj/serviceAccounts");
    let lists = &lists[base..];
    assert_eq!(lists.len(), 4, "one throttled call, then three pages");
    let gap = lists[1].at.duration_since(lists[0].at);
    assert!(
        gap >= Duration::from_millis(1000),
        "retried after {gap:?}, Retry-After was 1 s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_denied_is_an_error_or_a_recorded_row_never_silently_empty() {
    let fake = gcp_fake::start("denied").await;
    fake.deny("/iam/v1/projects/beta-proj/");
    let (ctx, _) = context(
        connect(&fake, &["alpha-proj", "beta-proj"]).await,
        AccessDeniedMode::Error,
    );
    let err = try_sql(&ctx, "select name from gcp_test.gcp_service_account")
        .await
        .expect_err("a denied list must fail the query");
    assert!(err.contains("access denied"), "{err}");
    assert!(err.contains("iam.serviceAccounts.list"), "{err}");
    assert!(err.contains("PERMISSION_DENIED"), "{err}");
    assert!(err.contains("gcp_service_account"), "{err}");
    // A filter on the other project never calls the denied one.
    let rows = sql(
        &ctx,
        "select count(*) from gcp_test.gcp_service_account where project = 'alpha-proj'",
    )
    .await;
    assert_eq!(rows[0][0], "5");

    let (ctx, errors) = context(
        connect(&fake, &["beta-proj"]).await,
        AccessDeniedMode::Record,
    );
    let rows = sql(&ctx, "select name from gcp_test.gcp_service_account").await;
    assert!(rows.is_empty());
    let recorded = errors.snapshot();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].table, "gcp_service_account");
    assert_eq!(recorded[0].api_call, "iam.serviceAccounts.list");
    assert_eq!(recorded[0].connection, "gcp_test");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_filter_lists_only_that_project() {
    let fake = gcp_fake::start("filter").await;
    let (ctx, _) = context(
        connect(&fake, &["alpha-proj", "beta-proj"]).await,
        AccessDeniedMode::Error,
    );
    let rows = sql(
        &ctx,
        "select project, etag from gcp_test.gcp_iam_policy order by project",
    )
    .await;
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[1],
        vec!["beta-proj".to_string(), "BwXbeta-proj=".to_string()]
    );
    let before = fake.seen(":getIamPolicy").len();
    let rows = sql(
        &ctx,
        "select etag from gcp_test.gcp_iam_policy where project = 'beta-proj'",
    )
    .await;
    assert_eq!(rows.len(), 1);
    let after = fake.seen(":getIamPolicy");
    assert_eq!(after.len(), before + 1);
    assert!(after[before].path.contains("beta-proj"));
    // Predefined roles appear once per project, as under a Steampipe aggregator.
    let rows = sql(
        &ctx,
        "select project, count(*) from gcp_test.gcp_iam_role group by project order by project",
    )
    .await;
    assert_eq!(
        rows,
        vec![
            vec!["alpha-proj".to_string(), "4".into()],
            vec!["beta-proj".into(), "4".into()]
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impersonation_exchanges_the_token_through_generate_access_token() {
    let fake = gcp_fake::start("impersonate").await;
    fake.expect_token(IMPERSONATED_TOKEN);
    let target = "auditor@alpha-proj.iam.gserviceaccount.com";
    let source = GcpSource::connect(config(&fake, &["alpha-proj"], Some(target)))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let generated = fake.seen(":generateAccessToken");
    assert_eq!(generated.len(), 1);
    assert!(generated[0].path.contains(target), "{}", generated[0].path);
    assert_eq!(generated[0].bearer.as_deref(), Some(BASE_TOKEN));
    let (ctx, _) = context(source, AccessDeniedMode::Error);
    let rows = sql(&ctx, "select project_id from gcp_test.gcp_project").await;
    assert_eq!(rows.len(), 1);
    let api = fake.seen("/crm/v1/");
    assert!(
        api.iter()
            .all(|s| s.bearer.as_deref() == Some(IMPERSONATED_TOKEN))
    );
    assert_eq!(
        fake.seen(":generateAccessToken").len(),
        1,
        "impersonated token reused"
    );

    // A target the caller may not impersonate fails the connection, naming the call.
    let err = GcpSource::connect(config(
        &fake,
        &["alpha-proj"],
        Some("nobody@alpha-proj.iam.gserviceaccount.com"),
    ))
    .await
    .expect_err("impersonation must be refused");
    let text = err.to_string();
    assert!(matches!(err, GcpError::Token { .. }), "{text}");
    assert!(
        text.contains("generateAccessToken") && text.contains("PERMISSION_DENIED"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_the_token_endpoint_rejects_fails_at_connect() {
    let fake = gcp_fake::start("badkey").await;
    // Same account and token endpoint, signed with another key.
    let other = gcp_fake::start("badkey-other").await;
    let mut key: Value =
        serde_json::from_slice(&std::fs::read(&other.key_file).expect("key")).expect("json");
    key["token_uri"] = Value::String(format!("http://{}/token", fake.addr));
    let path = fake.dir.join("wrong-key.json");
    std::fs::write(&path, key.to_string()).expect("write");
    let mut cfg = config(&fake, &["alpha-proj"], None);
    cfg.credentials_file = Some(path);
    let err = GcpSource::connect(cfg)
        .await
        .expect_err("a wrongly signed JWT must be refused");
    assert!(matches!(err, GcpError::Token { .. }), "{err}");
    assert!(
        err.to_string().contains("cannot obtain an access token"),
        "{err}"
    );
    let rejected = fake
        .state
        .rejected
        .lock()
        .map(|r| r.clone())
        .unwrap_or_default();
    assert!(
        rejected.iter().any(|r| r == "bad signature"),
        "{rejected:?}"
    );

    // A key file that is not one fails before any request, naming the file.
    let junk = fake.dir.join("junk.json");
    std::fs::write(&junk, "{\"type\": \"service_account\"}").expect("write");
    let mut cfg = config(&fake, &["alpha-proj"], None);
    cfg.credentials_file = Some(junk.clone());
    let err = GcpSource::connect(cfg).await.expect_err("junk key");
    assert!(matches!(err, GcpError::Credentials { .. }), "{err}");
    assert!(err.to_string().contains("junk.json"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_buckets_page_and_hydrate_their_iam_policy() {
    let fake = gcp_fake::start("buckets").await;
    let (ctx, _) = context(
        connect(&fake, &["alpha-proj"]).await,
        AccessDeniedMode::Error,
    );
    let rows = sql(
        &ctx,
        "select name, location, location_type, storage_class, project_number, metageneration, \
         iam_configuration_uniform_bucket_level_access_enabled, iam_configuration_public_access_prevention, \
         versioning_enabled, retention_policy, tags, akas, project, time_created \
         from gcp_test.gcp_storage_bucket order by name",
    )
    .await;
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["alpha-data", "alpha-logs", "alpha-public"]);
    let logs = &rows[1];
    assert_eq!(logs[1], "US");
    assert_eq!(logs[2], "multi-region");
    assert_eq!(logs[3], "STANDARD");
    assert_eq!(
        logs[4], "111111111111.0",
        "double precision, as Steampipe types it"
    );
    assert_eq!(logs[5], "3");
    assert_eq!(logs[6], "false");
    assert_eq!(logs[7], "enforced");
    assert_eq!(logs[8], "true");
    assert_eq!(
        json(&logs[9]),
        serde_json::json!({"is_locked": true, "retention_period": "86400", "effective_time": "2024-04-01T08:00:00Z"})
    );
    assert_eq!(json(&rows[0][9]), serde_json::json!({}));
    assert_eq!(json(&logs[10])["owner"], "data");
    assert_eq!(
        json(&logs[11]),
        serde_json::json!(["gcp://storage.googleapis.com/projects/alpha-proj/buckets/alpha-logs"])
    );
    assert_eq!(logs[12], "alpha-proj");
    assert!(logs[13].starts_with("2024-04-01T08:00:00"));
    let lists = fake.seen("/storage/storage/v1/b");
    assert_eq!(lists.len(), 2, "two pages");
    assert!(
        lists
            .iter()
            .all(|s| s.query.contains("project=alpha-proj") && s.query.contains("projection=full"))
    );

    // Public buckets through their IAM policy, with the conditional binding kept.
    let rows = sql(
        &ctx,
        "select name, iam_policy from gcp_test.gcp_storage_bucket order by name",
    )
    .await;
    let public: Vec<&str> = rows
        .iter()
        .filter(|r| r[1].contains("\"allUsers\""))
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(public, ["alpha-public"]);
    let data = json(&rows[0][1]);
    assert_eq!(data["version"], 3);
    assert_eq!(data["bindings"][1]["condition"]["title"], "tmp-prefix");
    let iam = fake.seen("/iam");
    let iam: Vec<_> = iam
        .iter()
        .filter(|s| s.path.starts_with("/storage/"))
        .collect();
    assert_eq!(iam.len(), 3);
    assert!(
        iam.iter()
            .all(|s| s.query.contains("optionsRequestedPolicyVersion=3"))
    );
}

async fn connect_org(fake: &FakeGcp) -> GcpSource {
    let mut cfg = config(fake, &[], None);
    cfg.organization = Some(gcp_fake::ORG.into());
    GcpSource::connect(cfg)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_discovery_recurses_folders_and_pages_through_429s() {
    let fake = gcp_fake::start("org").await;
    // The first folder listing is throttled twice; discovery retries that call only.
    fake.fault("/crm/v3/folders", 429, None, 2);
    let (ctx, _) = context(connect_org(&fake).await, AccessDeniedMode::Error);
    let rows = sql(
        &ctx,
        "select project_id, project_number, lifecycle_state, parent, ancestors, name \
         from gcp_test.gcp_organization_project order by project_id",
    )
    .await;
    let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["alpha-proj", "beta-proj", "gamma-proj"], "{rows:?}");
    assert_eq!(rows[2][1], "333333333333");
    assert_eq!(rows[2][2], "ACTIVE");
    assert_eq!(
        json(&rows[2][3]),
        serde_json::json!({"type": "folder", "id": "311"})
    );
    let chain: Vec<String> = json(&rows[2][4])
        .as_array()
        .expect("ancestors")
        .iter()
        .map(|a| {
            format!(
                "{}/{}",
                a["resourceId"]["type"].as_str().unwrap_or(""),
                a["resourceId"]["id"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        chain,
        [
            "project/gamma-proj",
            "folder/311",
            "folder/310",
            "organization/900"
        ]
    );
    assert_eq!(rows[2][5], "Gamma");
    // Paging: three folders under the organization come two per page; projects one per page.
    let folder_lists = fake.seen("/crm/v3/folders");
    assert!(
        folder_lists
            .iter()
            .any(|s| s.query.contains("pageToken=tok2")),
        "second page of folders requested: {:?}",
        folder_lists.iter().map(|s| &s.query).collect::<Vec<_>>()
    );
    assert!(
        fake.seen("/crm/v3/projects")
            .iter()
            .any(|s| s.query.contains("pageToken=tok1") && s.query.contains("folders%2F300")),
        "second page of folder 300's projects requested"
    );
    // The per-project tables cover every discovered project.
    let rows = sql(
        &ctx,
        "select project from gcp_test.gcp_iam_policy order by project",
    )
    .await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    let rows = sql(
        &ctx,
        "select name, folder_id, parent, display_name, organization_id from gcp_test.gcp_folder order by name",
    )
    .await;
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(
        rows[3],
        [
            "folders/320",
            "320",
            "organizations/900",
            "folder-320",
            "900"
        ]
    );
    assert_eq!(rows[1][2], "organizations/900");
    let nested = rows
        .iter()
        .find(|r| r[0] == "folders/311")
        .expect("nested folder");
    assert_eq!(nested[2], "folders/310");
    // Discovery ran once for all these tables (one walk per snapshot).
    let walks = fake
        .seen("/crm/v3/folders")
        .iter()
        .filter(|s| s.query.contains("organizations%2F900") && !s.query.contains("pageToken"))
        .count();
    assert_eq!(walks, 3, "one walk: two throttled calls and one answered");
    let rows = sql(
        &ctx,
        "select organization_id, display_name, directory_customer_id, lifecycle_state from gcp_test.gcp_organization",
    )
    .await;
    assert_eq!(rows, [["900", "example.com", "C0abc123", "ACTIVE"]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_and_folder_policies_are_version_3_and_flatten_into_effective_bindings() {
    let fake = gcp_fake::start("orgpolicy").await;
    let (ctx, _) = context(connect_org(&fake).await, AccessDeniedMode::Error);
    let rows = sql(
        &ctx,
        "select organization_id, version, bindings from gcp_test.gcp_organization_iam_policy",
    )
    .await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][1], "3");
    let bindings = json(&rows[0][2]);
    assert!(
        bindings.as_array().is_some_and(|b| b
            .iter()
            .any(|b| b["condition"]["title"] == "business-hours")),
        "conditional org binding kept: {bindings}"
    );
    for s in fake.seen(":getIamPolicy") {
        assert!(
            s.body.contains("\"requestedPolicyVersion\":3"),
            "{} {}",
            s.path,
            s.body
        );
    }
    let rows = sql(
        &ctx,
        "select folder_id from gcp_test.gcp_folder_iam_policy order by folder_id",
    )
    .await;
    assert_eq!(rows.len(), 4);

    let rows = sql(
        &ctx,
        "select member, role, granted_at, inherited, conditional, condition_expression \
         from gcp_test.gcp_iam_effective_binding where resource = 'projects/gamma-proj' order by member, role",
    )
    .await;
    let viewer = rows
        .iter()
        .find(|r| r[0] == "domain:example.com")
        .expect("folder 311 binding inherited by gamma-proj");
    assert_eq!(viewer[1], "roles/viewer");
    assert_eq!(viewer[2], "folders/311");
    assert_eq!(viewer[3], "true");
    let sre = rows
        .iter()
        .find(|r| r[0] == "group:sre@example.com")
        .expect("org binding");
    assert_eq!(sre[2], "organizations/900");
    assert_eq!(sre[4], "true", "conditional binding marked");
    assert!(sre[5].contains("getHours"));
    assert!(
        !rows.iter().any(|r| r[0] == "user:folder-admin@example.com"),
        "folder 300's binding does not reach a project outside it"
    );
    let own = rows
        .iter()
        .find(|r| r[0] == "user:alice@example.com")
        .expect("project binding");
    assert_eq!(own[3], "false");
    // Folder 300's grant applies to both its projects and to itself, not to the organization.
    let rows = sql(
        &ctx,
        "select resource from gcp_test.gcp_iam_effective_binding \
         where member = 'user:folder-admin@example.com' order by resource",
    )
    .await;
    let resources: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        resources,
        ["folders/300", "projects/alpha-proj", "projects/beta-proj"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_folder_listing_is_reported_never_silently_dropped() {
    let fake = gcp_fake::start("orgdenied").await;
    fake.deny("parent=folders/320");
    let (ctx, _) = context(connect_org(&fake).await, AccessDeniedMode::Error);
    let err = try_sql(
        &ctx,
        "select project_id from gcp_test.gcp_organization_project",
    )
    .await
    .expect_err("a partly discovered organization must not look complete");
    assert!(err.contains("access denied"), "{err}");
    assert!(err.contains("folders/320"), "{err}");
    assert!(err.contains("PERMISSION_DENIED"), "{err}");

    let (ctx, errors) = context(connect_org(&fake).await, AccessDeniedMode::Record);
    let rows = sql(
        &ctx,
        "select project_id from gcp_test.gcp_organization_project",
    )
    .await;
    assert_eq!(rows.len(), 3, "what could be read is served");
    let rows = sql(&ctx, "select project from gcp_test.gcp_service_account").await;
    assert_eq!(rows.len(), 15, "every discovered project's accounts");
    let recorded = errors.snapshot();
    assert!(
        recorded
            .iter()
            .any(|r| r.table == "gcp_organization_project"
                && r.api_call.contains("cloudresourcemanager.")
                && r.api_call.contains("folders/320")),
        "{recorded:?}"
    );
    assert!(
        recorded.iter().any(|r| r.table == "gcp_service_account"),
        "{recorded:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workload_identity_providers_page_through_pools_and_providers() {
    let fake = gcp_fake::start("wif").await;
    let (ctx, _) = context(
        connect(&fake, &["alpha-proj", "beta-proj"]).await,
        AccessDeniedMode::Error,
    );
    let rows = sql(
        &ctx,
        "select pool_id, provider_id, aws_account_id, oidc_issuer_uri, disabled, pool_disabled, attribute_condition, project \
         from gcp_test.gcp_iam_workload_identity_pool_provider order by pool_id, provider_id",
    )
    .await;
    let expected: Vec<Vec<String>> = [
        [
            "aws-ci",
            "aws-prod",
            "123456789012",
            "",
            "false",
            "false",
            "",
            "alpha-proj",
        ],
        [
            "aws-ci",
            "github",
            "",
            "https://token.actions.githubusercontent.com",
            "true",
            "false",
            "assertion.repository_owner == 'acme'",
            "alpha-proj",
        ],
        [
            "old-pool",
            "aws-old",
            "210987654321",
            "",
            "false",
            "true",
            "",
            "alpha-proj",
        ],
    ]
    .iter()
    .map(|r| r.iter().map(|c| c.to_string()).collect())
    .collect();
    assert_eq!(rows, expected);
    // Every page of pools and of providers was asked for; the malformed pool name was not
    // followed.
    let seen = fake.seen("workloadIdentityPools");
    assert!(
        seen.iter().any(|s| s.query.contains("pageToken")),
        "{seen:?}"
    );
    assert!(
        !seen
            .iter()
            .any(|s| s.path.contains("x?y") || s.path.contains("x%3Fy")),
        "{seen:?}"
    );
}
