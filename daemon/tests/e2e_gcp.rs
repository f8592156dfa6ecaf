//! End to end with the `gcp` provider: `pathwarden serve` with `gcp` connections whose
//! key file's `token_uri` and API endpoints point at a local stand-in for Google's APIs,
//! queried over pgwire with a Postgres driver.

mod common;

#[path = "../../tables/tests/gcp_fake/mod.rs"]
mod gcp_fake;

use common::Daemon;

async fn rows(client: &tokio_postgres::Client, sql: &str) -> Vec<Vec<Option<String>>> {
    let msgs = client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    msgs.into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect()
}

fn text(v: &[Vec<Option<String>>]) -> Vec<Vec<String>> {
    v.iter()
        .map(|r| r.iter().map(|c| c.clone().unwrap_or_default()).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_gcp_connections_over_pgwire() {
    let fake = gcp_fake::start("e2e").await;
    fake.deny("/iam/v1/projects/beta-proj/");
    let endpoints = format!(
        "{{ cloudresourcemanager = \"{}\", iam = \"{}\", iamcredentials = \"{}\", storage = \"{}\" }}",
        fake.endpoint("cloudresourcemanager"),
        fake.endpoint("iam"),
        fake.endpoint("iamcredentials"),
        fake.endpoint("storage")
    );
    let key = fake.key_file.display().to_string();
    let config = format!(
        r#"
[[connection]]
name = "gcp_live"
plugin = "gcp"
project = "alpha-proj"
credentials_file = "{key}"
endpoints = {endpoints}

[[connection]]
name = "gcp_denied"
plugin = "gcp"
projects = ["beta-proj"]
credentials_file = "{key}"
on_access_denied = "record"
endpoints = {endpoints}

[[connection]]
name = "gcp_org"
plugin = "gcp"
organization = "900"
credentials_file = "{key}"
on_access_denied = "record"
endpoints = {endpoints}
"#
    );
    let daemon = tokio::task::spawn_blocking(move || Daemon::start("gcp", Some(&config), &[]))
        .await
        .expect("start daemon");
    // Each connection fetched its token at start-up from the local token endpoint.
    assert_eq!(fake.seen("/token").len(), 3, "{}", daemon.stderr());
    let client = daemon.client().await;

    let tables = pathwarden_tables::gcp::tables().len().to_string();
    let conns = text(
        &rows(
            &client,
            "select name, plugin, detail, tables from pathwarden.connection order by name",
        )
        .await,
    );
    assert_eq!(
        conns,
        vec![
            vec![
                "gcp_denied".to_string(),
                "gcp".into(),
                "beta-proj".into(),
                tables.clone()
            ],
            vec![
                "gcp_live".to_string(),
                "gcp".into(),
                "alpha-proj".into(),
                tables.clone()
            ],
            vec![
                "gcp_org".to_string(),
                "gcp".into(),
                "organization 900".into(),
                tables.clone()
            ],
        ]
    );

    let project = text(
        &rows(
            &client,
            "select project_id, project_number, tags->>'env' from gcp_live.gcp_project",
        )
        .await,
    );
    assert_eq!(
        project,
        vec![vec![
            "alpha-proj".to_string(),
            "111111111111".into(),
            "prod".into()
        ]]
    );

    let n = text(&rows(&client, "select count(*) from gcp_live.gcp_service_account").await);
    assert_eq!(
        n,
        vec![vec!["5".to_string()]],
        "three pages of service accounts"
    );

    // The conditional binding survives (policy version 3), readable with jsonb operators.
    let cond = text(
        &rows(
            &client,
            "select b->>'role', b->'condition'->>'title' \
             from gcp_live.gcp_iam_policy, jsonb_array_elements(bindings) as b \
             where b ? 'condition'",
        )
        .await,
    );
    assert_eq!(
        cond,
        vec![vec!["roles/editor".to_string(), "until-2030".into()]]
    );

    let perms = text(
        &rows(
            &client,
            "select name from gcp_live.gcp_iam_role \
             where included_permissions ? 'iam.serviceAccountKeys.create'",
        )
        .await,
    );
    assert_eq!(
        perms,
        vec![vec!["projects/alpha-proj/roles/keyMaker".to_string()]]
    );

    let keys = text(
        &rows(
            &client,
            "select count(*) from gcp_live.gcp_service_account_key where key_type = 'USER_MANAGED'",
        )
        .await,
    );
    assert_eq!(keys, vec![vec!["2".to_string()]]);

    // Buckets readable by anyone, from their IAM policies.
    let public = text(
        &rows(
            &client,
            "select name from gcp_live.gcp_storage_bucket, jsonb_array_elements(iam_policy->'bindings') as b \
             where b->'members' ? 'allUsers'",
        )
        .await,
    );
    assert_eq!(public, vec![vec!["alpha-public".to_string()]]);

    // PERMISSION_DENIED on a `record` connection: no rows, and a row in pathwarden_error.
    let denied = rows(&client, "select name from gcp_denied.gcp_service_account").await;
    assert!(denied.is_empty());
    let errs = text(
        &rows(
            &client,
            "select connection, table_name, api_call from pathwarden.pathwarden_error where connection = 'gcp_denied'",
        )
        .await,
    );
    assert_eq!(
        errs,
        vec![vec![
            "gcp_denied".to_string(),
            "gcp_service_account".into(),
            "iam.serviceAccounts.list".into()
        ]]
    );
    // An organization connection discovers every project through the folders.
    let org_projects = text(
        &rows(
            &client,
            "select project_id from gcp_org.gcp_organization_project order by 1",
        )
        .await,
    );
    assert_eq!(
        org_projects,
        [["alpha-proj"], ["beta-proj"], ["gamma-proj"]]
    );
    // The graph of a GCP-only configuration (read through the search path, whose first
    // GCP connection is gcp_live): alice, owner of alpha-proj, is owner-equivalent of it,
    // named by her member string.
    let paths = text(
        &rows(
            &client,
            "select cloud, hops, path from pathwarden.attack_path \
             where source_arn = 'user:alice@example.com' and target = 'admin'",
        )
        .await,
    );
    let nodes = text(
        &rows(
            &client,
            "select kind, key from pathwarden.graph_node where kind in ('Admin', 'GcpResource') order by 2",
        )
        .await,
    );
    assert!(
        paths.iter().any(|r| r[0] == "gcp"
            && r[1] == "1"
            && r[2].contains("admin:gcp/projects/alpha-proj")),
        "{paths:?}\n{nodes:?}\n{}",
        daemon.stderr()
    );
    let api = fake.seen("/v1/");
    assert!(
        api.iter()
            .all(|s| s.bearer.as_deref() == Some(gcp_fake::BASE_TOKEN))
    );
}

#[test]
fn a_gcp_connection_without_a_project_is_refused_naming_the_key() {
    let dir = common::temp_dir("gcp-cfg");
    let cfg = dir.join("pathwarden.toml");
    std::fs::write(&cfg, "[[connection]]\nname = \"g\"\nplugin = \"gcp\"\n").expect("write");
    let out = std::process::Command::new(common::bin())
        .args(["serve", "--config"])
        .arg(&cfg)
        .current_dir(&dir)
        .output()
        .expect("run pathwarden");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("connection[0] (g).project"), "{err}");
}
