//! The Azure part of the graph on the demo tenant: every planted Azure path reaches the
//! Admin node it should, with its technique; near misses reach no admin; PIM-eligible and
//! ABAC-conditional edges are marked; the SQL tables carry Azure nodes with `cloud = 'azure'`
//! and the object id in `source_arn`; the build is deterministic.

mod common;

use std::sync::Arc;

use common::{demo_context, sql};
use datafusion::catalog::MemorySchemaProvider;
use datafusion::prelude::SessionContext;
use pathwarden_graph::schema::{EdgeKind, NodeKind};
use pathwarden_graph::{GraphHandle, build, register_tables};
use pathwarden_tables::demo::{AZURE_TENANT_ID, azure_plants};
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
async fn planted_azure_paths_are_found_and_near_misses_are_not() {
    let ctx = context();
    for (object_id, reaches, what) in azure_plants() {
        let rows = sql(
            &ctx,
            &format!(
                "select path, techniques, conditional, cloud, source_kind from pathwarden.attack_path \
                 where source_arn = '{object_id}' and target = 'admin'"
            ),
        )
        .await;
        if reaches.is_empty() {
            assert!(
                rows.is_empty(),
                "near miss {object_id} ({what}) reaches admin: {rows:?}"
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
            panic!("{object_id} ({what}) does not reach {reaches}: {rows:?}");
        };
        assert_eq!(hit[3], "azure", "{what}");
        assert_eq!(hit[4], "AzurePrincipal", "{what}");
        // The planted technique is an edge of the principal (the shortest path may take a
        // parallel one).
        if let Some(technique) = what
            .split_whitespace()
            .next()
            .filter(|t| t.starts_with("azure-"))
        {
            let edges = sql(
                &ctx,
                &format!(
                    "select target from pathwarden.graph_edge where source = '{object_id}' and technique = '{technique}'"
                ),
            )
            .await;
            assert!(
                !edges.is_empty(),
                "{object_id}: no {technique} edge; path {}",
                hit[1]
            );
        }
        assert_eq!(
            hit[2] == "true",
            what.contains("conditional"),
            "{object_id} ({what}): conditional = {}",
            hit[2]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_graph_structure_and_marks() {
    let ctx = demo_context(150);
    let g = build(&ctx, "demo").await.expect("graph");
    let g2 = build(&ctx, "demo").await.expect("graph again");
    // Deterministic: same nodes and edges in the same order.
    let keys = |g: &pathwarden_graph::Graph| -> Vec<String> {
        g.nodes().iter().map(|n| n.key.clone()).collect()
    };
    assert_eq!(keys(&g), keys(&g2));
    let edge_list = |g: &pathwarden_graph::Graph| -> Vec<(String, String, String)> {
        g.edges()
            .iter()
            .map(|e| {
                (
                    g.node(e.source).key.clone(),
                    g.node(e.target).key.clone(),
                    e.technique.as_deref().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(edge_list(&g), edge_list(&g2));

    let tenant_admin = format!("admin:azure/tenants/{AZURE_TENANT_ID}");
    let admin = g.id(&tenant_admin).expect("tenant admin node");
    assert_eq!(g.node(admin).kind, NodeKind::Admin);
    // The PIM-eligible Global Administrator: ADMIN_OF marked eligible; the active one not.
    let eligible_of = |source: &str| -> Option<bool> {
        let s = g.id(source)?;
        g.out_edges(s).iter().find_map(|&(t, e)| {
            let e = g.edge(e);
            (t == admin && e.kind == EdgeKind::AdminOf)
                .then(|| e.props.get("eligible") == Some(&Value::Bool(true)))
        })
    };
    assert_eq!(
        eligible_of("5e7d0001-0000-4000-8000-000000000002"),
        Some(true)
    );
    assert_eq!(
        eligible_of("5e7d0001-0000-4000-8000-000000000001"),
        Some(false)
    );
    // Group membership is structure.
    let engineer = g
        .id("5e7d0001-0000-4000-8000-000000000014")
        .expect("engineer");
    let group = g.id("5e7d0002-0000-4000-8000-000000000001").expect("group");
    assert!(
        g.out_edges(engineer)
            .iter()
            .any(|&(t, e)| t == group && g.edge(e).kind == EdgeKind::MemberOf)
    );
    // Entra protects the role-assignable group from the Groups Administrator and from
    // Graph GroupMember.ReadWrite.All; its owner may add members.
    let tier0 = g.id("5e7d0002-0000-4000-8000-000000000002").expect("tier0");
    let into_tier0: Vec<String> = g
        .in_edges(tier0)
        .iter()
        .filter(|&&(_, e)| g.edge(e).kind == EdgeKind::CanEscalate)
        .map(|&(s, _)| g.node(s).key.clone())
        .collect();
    assert!(
        into_tier0.contains(&"5e7d0001-0000-4000-8000-00000000000c".to_string()),
        "{into_tier0:?}"
    );
    assert!(
        !into_tier0.contains(&"5e7d0001-0000-4000-8000-00000000000d".to_string()),
        "{into_tier0:?}"
    );
    assert!(
        !into_tier0.contains(&"5e7d0004-0000-4000-8000-000000000004".to_string()),
        "{into_tier0:?}"
    );
    // Secret stores: Key Vault Contributor on the access-policy vault, Key Vault Secrets
    // User on the RBAC vault, the key operator on the storage account.
    let access: Vec<(String, String, String)> = g
        .edges()
        .iter()
        .filter(|e| {
            e.kind == EdgeKind::CanAccess && g.node(e.target).kind == NodeKind::AzureResource
        })
        .map(|e| {
            (
                g.node(e.source).key.clone(),
                g.node(e.target).name.clone(),
                e.technique.as_deref().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for (who, store, class) in [
        (
            "5e7d0001-0000-4000-8000-00000000000f",
            "kv-prod-policies",
            "secrets",
        ),
        (
            "5e7d0001-0000-4000-8000-00000000000f",
            "kv-prod-rbac",
            "secrets",
        ),
        (
            "5e7d0001-0000-4000-8000-000000000010",
            "stdemoproddata",
            "keys",
        ),
    ] {
        assert!(
            access
                .iter()
                .any(|(s, t, c)| s == who && t == store && c == class),
            "{who} {store} {class}: {access:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_nodes_in_sql_tables() {
    let ctx = context();
    let nodes = sql(
        &ctx,
        "select kind, count(*) from pathwarden.graph_node where kind in ('AzurePrincipal', 'AzureResource') group by kind order by kind",
    )
    .await;
    assert_eq!(nodes.len(), 2, "{nodes:?}");
    let reach = sql(
        &ctx,
        "select target_arn from pathwarden.reachable where principal_arn = '5e7d0001-0000-4000-8000-000000000006'",
    )
    .await;
    assert!(
        reach
            .iter()
            .any(|r| r[0] == "5e7d0005-0000-4000-8000-000000000001"),
        "vm-operator reaches vm-web-01's identity: {reach:?}"
    );
    // AWS and GCP principals are still there.
    let clouds = sql(
        &ctx,
        "select distinct cloud from pathwarden.attack_path order by cloud",
    )
    .await;
    let clouds: Vec<&str> = clouds.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(clouds, ["aws", "azure", "gcp"]);
}
