//! The GCP part of the graph on the demo organisation: every planted GCP path reaches the
//! owner-equivalent it should, with its technique; near misses reach nothing; the
//! `attack_path` table names both clouds' principals in `source_arn` with a `cloud`.

mod common;

use std::sync::Arc;

use common::{demo_context, sql};
use datafusion::catalog::MemorySchemaProvider;
use datafusion::prelude::SessionContext;
use pathwarden_graph::schema::NodeKind;
use pathwarden_graph::{GraphHandle, build, register_tables};
use pathwarden_tables::demo::GCP_PLANTS;
use serde_json::Value;

fn context() -> SessionContext {
    let schema = Arc::new(MemorySchemaProvider::new());
    let handle = Arc::new(GraphHandle::new("demo", || demo_context(150)));
    register_tables(schema.as_ref(), handle).expect("register graph tables");
    let ctx = SessionContext::new();
    ctx.catalog("datafusion")
        .expect("catalog")
        .register_schema("pathwarden", schema)
        .expect("schema");
    ctx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_gcp_paths_are_found_and_near_misses_are_not() {
    let ctx = context();
    for (member, reaches, what) in GCP_PLANTS {
        let rows = sql(
            &ctx,
            &format!(
                "select path, techniques, conditional, cloud, source_kind from pathwarden.attack_path \
                 where source_arn = '{member}' and target = 'admin'"
            ),
        )
        .await;
        if reaches.is_empty() {
            assert!(
                rows.is_empty(),
                "near miss {member} ({what}) reaches admin: {rows:?}"
            );
            continue;
        }
        let hit = rows.iter().find(|r| {
            let path: Value = serde_json::from_str(&r[0]).unwrap_or(Value::Null);
            path.as_array()
                .and_then(|hops| hops.last())
                .is_some_and(|h| h["to"] == *reaches)
        });
        let Some(hit) = hit else {
            panic!("{member} ({what}) does not reach {reaches}: {rows:?}");
        };
        assert_eq!(hit[3], "gcp");
        assert!(hit[4].starts_with("Gcp"), "{}", hit[4]);
        // The planted technique is an edge of the member (the shortest path may take a
        // parallel one).
        if let Some(technique) = what
            .split_whitespace()
            .next()
            .filter(|t| t.starts_with("gcp-"))
        {
            let edges = sql(
                &ctx,
                &format!(
                    "select target from pathwarden.graph_edge where source = '{member}' and technique = '{technique}'"
                ),
            )
            .await;
            assert!(
                !edges.is_empty(),
                "{member}: no {technique} edge; path {}",
                hit[1]
            );
        }
        assert_eq!(
            hit[2] == "true",
            what.contains("(conditional)"),
            "{member}: conditional flag"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_query_answers_for_both_clouds() {
    let ctx = context();
    let rows = sql(
        &ctx,
        "select distinct source_arn, cloud from pathwarden.attack_path where target = 'admin'",
    )
    .await;
    assert!(
        rows.iter()
            .any(|r| r[0].starts_with("arn:aws:") && r[1] == "aws")
    );
    assert!(
        rows.iter()
            .any(|r| r[0] == "user:dev-alice@demo-corp.example" && r[1] == "gcp")
    );
    assert!(
        rows.iter().all(|r| r[1]
            == if r[0].starts_with("arn:") {
                "aws"
            } else if r[0].contains(':') {
                "gcp"
            } else {
                // Azure principals are keyed by their Entra object id.
                "azure"
            }),
        "{rows:?}"
    );
    // The hop behind a GCP edge names the binding: role, member and the policy's resource.
    let rows = sql(
        &ctx,
        "select properties from pathwarden.graph_edge \
         where source = 'user:dev-alice@demo-corp.example' and technique = 'gcp-sa-get-access-token'",
    )
    .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let props: Value = serde_json::from_str(&rows[0][0]).expect("json");
    let ev = &props["evidence"][0];
    assert_eq!(ev["action"], "iam.serviceAccounts.getAccessToken");
    assert_eq!(
        ev["policy"],
        "gcp-iam-policy:projects/demo-prod-app/serviceAccounts/deployer@demo-prod-app.iam.gserviceaccount.com"
    );
    assert!(
        ev["sid"]
            .as_str()
            .is_some_and(|s| s.contains("roles/iam.serviceAccountTokenCreator"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gcp_nodes_are_keyed_by_member_string_and_resource_name() {
    let g = build(&demo_context(150), "demo").await.expect("graph");
    let sa = g
        .id("serviceAccount:ci-runner@demo-shared-ci.iam.gserviceaccount.com")
        .expect("service account node");
    assert_eq!(g.node(sa).kind, NodeKind::GcpServiceAccount);
    assert_eq!(g.node(sa).account_id, "demo-shared-ci");
    let org = g
        .id("organizations/424242424242")
        .expect("organization node");
    assert_eq!(g.node(org).kind, NodeKind::GcpResource);
    let admin = g
        .id("admin:gcp/projects/demo-prod-app")
        .expect("project admin node");
    assert_eq!(g.node(admin).kind, NodeKind::Admin);
    // The disabled owner account is a node but nobody escalates to it.
    let old = g
        .id("serviceAccount:old-deployer@demo-prod-app.iam.gserviceaccount.com")
        .expect("disabled account node");
    assert!(g.in_edges(old).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aws_role_reaches_gcp_admin_through_workload_identity_federation() {
    let ctx = context();
    let sec = pathwarden_tables::demo::ACCOUNTS[2].id;
    let prod = pathwarden_tables::demo::ACCOUNTS[0].id;
    let ci_runner = format!("arn:aws:iam::{sec}:role/ci-runner");
    let rows = sql(
        &ctx,
        &format!(
            "select path, techniques, cloud from pathwarden.attack_path \
             where source_arn = '{ci_runner}' and target = 'admin'"
        ),
    )
    .await;
    let hit = rows
        .iter()
        .find(|r| r[0].contains("admin:gcp/projects/demo-prod-app"))
        .unwrap_or_else(|| panic!("{ci_runner} does not reach GCP admin: {rows:?}"));
    assert!(
        hit[1].contains("gcp-workload-identity-federation-aws"),
        "{hit:?}"
    );
    assert_eq!(hit[2], "aws", "the path starts in AWS");
    // The federation hop names the provider that admits the AWS account.
    let edges = sql(
        &ctx,
        &format!(
            "select target, properties from pathwarden.graph_edge \
             where source = '{ci_runner}' and technique = 'gcp-workload-identity-federation-aws'"
        ),
    )
    .await;
    assert_eq!(edges.len(), 1, "{edges:?}");
    assert!(edges[0][0].starts_with("principalSet://iam.googleapis.com/projects/610000000004/locations/global/workloadIdentityPools/aws-ci/"));
    assert!(
        edges[0][1].contains("providers/acme-security"),
        "{}",
        edges[0][1]
    );
    // Near miss: the same grant through a pool whose provider is disabled.
    let bastion = format!("arn:aws:iam::{prod}:role/bastion-ssm");
    let edges = sql(
        &ctx,
        &format!(
            "select target from pathwarden.graph_edge \
             where source = '{bastion}' and technique = 'gcp-workload-identity-federation-aws'"
        ),
    )
    .await;
    assert!(edges.is_empty(), "disabled provider gave {edges:?}");
}
