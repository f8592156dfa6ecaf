//! The builder on the demo organisation: every planted escalation is found with its
//! technique, near misses are not, and the SQL tables agree with each other.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use common::{demo_context, prod_user, sql};
use datafusion::catalog::MemorySchemaProvider;
use datafusion::prelude::SessionContext;
use pathwarden_graph::schema::{EdgeKind, NodeKind};
use pathwarden_graph::{Graph, GraphHandle, build, register_tables};
use pathwarden_tables::demo::{ESCALATIONS, NEAR_MISSES};

const DEV: &str = "222222222222";

fn arn_of(name: &str) -> String {
    if name == "xacct-dev-deployer" {
        format!("arn:aws:iam::{DEV}:user/{name}")
    } else {
        prod_user(name)
    }
}

/// Planted principal -> technique its escalation must carry (rule id prefix).
fn expected_technique(name: &str) -> &'static str {
    match name {
        "esc-create-policy-version" => "iam-create-policy-version",
        "esc-attach-user-policy" => "iam-attach-user-policy",
        "esc-put-user-policy" => "iam-put-user-policy",
        "esc-add-user-to-group" => "iam-add-user-to-group",
        "esc-create-access-key" => "iam-create-access-key",
        "esc-create-login-profile" => "iam-create-login-profile",
        "esc-update-login-profile" => "iam-update-login-profile",
        "esc-update-assume-role-policy" => "iam-update-assume-role-policy",
        "esc-passrole-lambda" => "passrole-lambda",
        "esc-passrole-ec2" => "passrole-ec2",
        "esc-passrole-cloudformation" => "passrole-cloudformation",
        "esc-passrole-glue" => "passrole-glue",
        "esc-assume-chain" => "sts-assume-role",
        "xacct-dev-deployer" => "sts-assume-role-cross-account",
        other => panic!("no expectation for planted principal {other}"),
    }
}

async fn demo_graph(scale: usize) -> (SessionContext, Graph) {
    let ctx = demo_context(scale);
    let g = build(&ctx, "demo")
        .await
        .expect("graph builds from the demo");
    (ctx, g)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_escalations_are_found_and_near_misses_are_not() {
    let (_ctx, g) = demo_graph(150).await;
    let paths = g.admin_paths();
    let mut found: BTreeMap<String, Vec<(String, usize, Vec<String>)>> = BTreeMap::new();
    for p in &paths.paths {
        found
            .entry(g.node(p.source).key.clone())
            .or_default()
            .push((
                g.node(p.target).account_id.clone(),
                p.hops(),
                p.techniques(&g),
            ));
    }
    for name in ESCALATIONS {
        let arn = arn_of(name);
        let rows = found
            .get(&arn)
            .unwrap_or_else(|| panic!("no path to admin for planted {name}"));
        let technique = expected_technique(name);
        // The technique is on the principal's own outgoing edges (the shortest path may
        // start with another technique when several work).
        let id = g.id(&arn).expect("planted principal is a node");
        let own: BTreeSet<String> = g
            .out_edges(id)
            .iter()
            .filter_map(|&(_, e)| g.edge(e).technique.as_deref().map(str::to_string))
            .collect();
        assert!(
            own.iter().any(|t| t.starts_with(technique)),
            "{name}: techniques {own:?}, want {technique}"
        );
        assert!(
            rows.iter().any(|(acct, _, _)| acct == "111111111111"),
            "{name} reaches prod admin: {rows:?}"
        );
        assert!(
            rows.iter().all(|(_, _, t)| t[0] != "admin_of"),
            "{name} is not admin itself: {rows:?}"
        );
    }
    // The chain is two assumes then the admin role.
    let chain = &found[&prod_user("esc-assume-chain")];
    assert!(
        chain.iter().any(|(_, hops, t)| *hops == 3
            && t[0] == "sts-assume-role"
            && t[1] == "sts-assume-role"),
        "{chain:?}"
    );
    for name in NEAR_MISSES {
        let arn = prod_user(name);
        assert!(g.id(&arn).is_some(), "near miss {name} is in the graph");
        assert!(
            !found.contains_key(&arn),
            "near miss {name} must not reach admin: {:?}",
            found.get(&arn)
        );
    }
    // Admin targets from the README are admin themselves (one hop).
    for admin in [
        "user/admin-alice",
        "user/break-glass-admin",
        "role/prod-admin",
    ] {
        let arn = format!("arn:aws:iam::111111111111:{admin}");
        let rows = found
            .get(&arn)
            .unwrap_or_else(|| panic!("{admin} is admin"));
        assert!(
            rows.iter()
                .any(|(a, hops, t)| a == "111111111111" && *hops == 1 && t[0] == "admin_of"),
            "{admin}: {rows:?}"
        );
    }

    // Exposure: the planted public bucket/instances and nothing private.
    let exposed: BTreeSet<String> = g
        .edges()
        .iter()
        .filter(|e| e.kind == EdgeKind::ExposedToInternet)
        .map(|e| g.node(e.source).name.clone())
        .collect();
    assert!(exposed.contains("acme-prod-public-website"), "{exposed:?}");
    assert!(exposed.contains("acme-dev-shared-uploads"), "{exposed:?}");
    assert!(!exposed.contains("acme-prod-legacy-exports"), "{exposed:?}");
    let bastion = g.nodes().iter().position(|n| {
        n.kind == NodeKind::Instance && n.props.get("public_ip").is_some_and(|v| !v.is_null())
    });
    assert!(bastion.is_some(), "demo has public instances");

    // Every node kind the schema declares for AWS is present, and edges of every kind.
    let nodes = g.node_counts();
    let edges = g.edge_counts();
    for k in [
        "User", "Role", "Group", "Policy", "Bucket", "Instance", "Account", "Admin", "Internet",
    ] {
        assert!(
            nodes.get(k).copied().unwrap_or(0) > 0,
            "no {k} nodes: {nodes:?}"
        );
    }
    for k in [
        "MEMBER_OF",
        "HAS_POLICY",
        "CAN_ASSUME",
        "CAN_ESCALATE",
        "CAN_ACCESS",
        "EXPOSED_TO_INTERNET",
        "ADMIN_OF",
    ] {
        assert!(
            edges.get(k).copied().unwrap_or(0) > 0,
            "no {k} edges: {edges:?}"
        );
    }
    println!(
        "scale 150: nodes {nodes:?} edges {edges:?} admin paths {}",
        paths.paths.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_names_the_statement_behind_each_hop() {
    let (_ctx, g) = demo_graph(150).await;
    let arn = prod_user("esc-attach-user-policy");
    let p = g
        .admin_paths()
        .paths
        .iter()
        .find(|p| g.node(p.source).key == arn)
        .expect("path");
    let json = p.to_json(&g);
    let first = &json[0];
    assert_eq!(first["from"], arn.as_str());
    let ev = first["evidence"].as_array().expect("evidence list");
    assert!(!ev.is_empty(), "{json}");
    assert!(
        ev[0]["policy"]
            .as_str()
            .is_some_and(|s| s.contains("esc-attach-user-policy#")),
        "{json}"
    );
    assert!(
        ev[0]["statement"].is_object(),
        "statement text is attached: {json}"
    );
}

async fn sql_context(scale: usize) -> SessionContext {
    let schema = Arc::new(MemorySchemaProvider::new());
    let handle = Arc::new(GraphHandle::new("demo", move || demo_context(scale)));
    register_tables(schema.as_ref(), handle).expect("register graph tables");
    let ctx = SessionContext::new();
    ctx.catalog("datafusion")
        .expect("catalog")
        .register_schema("pathwarden", schema)
        .expect("schema");
    ctx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_path_filtered_by_source_equals_unfiltered_rows() {
    let ctx = sql_context(150).await;
    let all = sql(&ctx, "select source_arn, target, target_account, hops, conditional from pathwarden.attack_path order by 1, 3").await;
    assert!(!all.is_empty());
    let sources: BTreeSet<String> = all.iter().map(|r| r[0].clone()).collect();
    for name in ESCALATIONS.iter().chain(NEAR_MISSES) {
        let arn = arn_of(name);
        let filtered = sql(
            &ctx,
            &format!("select source_arn, target, target_account, hops, conditional from pathwarden.attack_path where source_arn = '{arn}' order by 1, 3"),
        )
        .await;
        let expected: Vec<Vec<String>> = all.iter().filter(|r| r[0] == arn).cloned().collect();
        assert_eq!(filtered, expected, "{name}");
        assert_eq!(NEAR_MISSES.contains(name), filtered.is_empty(), "{name}");
    }
    assert!(sources.contains(&prod_user("esc-passrole-glue")));

    // The path JSON carries technique and statement per hop.
    let rows = sql(
        &ctx,
        &format!(
            "select techniques, path from pathwarden.attack_path where source_arn = '{}'",
            prod_user("esc-passrole-glue")
        ),
    )
    .await;
    assert!(rows[0][0].contains("passrole-glue"), "{rows:?}");
    assert!(rows[0][1].contains("\"statement\""), "{rows:?}");

    // reachable for one principal: its roles and the admin node.
    let reach = sql(
        &ctx,
        &format!(
            "select target_arn, target_kind, hops from pathwarden.reachable where principal_arn = '{}' order by hops, target_arn",
            prod_user("esc-assume-chain")
        ),
    )
    .await;
    let targets: Vec<&str> = reach.iter().map(|r| r[0].as_str()).collect();
    assert!(
        targets.contains(&"arn:aws:iam::111111111111:role/chain-hop-a"),
        "{reach:?}"
    );
    assert!(targets.contains(&"admin:111111111111"), "{reach:?}");

    // graph_node / graph_edge pushdown gives the same rows as filtering afterwards.
    let one = sql(
        &ctx,
        &format!(
            "select kind, name from pathwarden.graph_node where key = '{}'",
            prod_user("esc-passrole-glue")
        ),
    )
    .await;
    assert_eq!(
        one,
        vec![vec!["User".to_string(), "esc-passrole-glue".to_string()]]
    );
    let edges_all = sql(
        &ctx,
        "select source, kind, technique, target from pathwarden.graph_edge order by 1, 2, 3, 4",
    )
    .await;
    let src = prod_user("esc-passrole-glue");
    let edges_one = sql(&ctx, &format!("select source, kind, technique, target from pathwarden.graph_edge where source = '{src}' order by 1, 2, 3, 4")).await;
    let expected: Vec<Vec<String>> = edges_all.into_iter().filter(|r| r[0] == src).collect();
    assert_eq!(edges_one, expected);
    assert!(
        edges_one
            .iter()
            .any(|r| r[1] == "CAN_ESCALATE" && r[2].starts_with("passrole-glue")),
        "{edges_one:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builds_are_deterministic() {
    let (_c1, a) = demo_graph(150).await;
    let (_c2, b) = demo_graph(150).await;
    assert_eq!(a.node_counts(), b.node_counts());
    assert_eq!(a.edge_counts(), b.edge_counts());
    let edges = |g: &Graph| -> BTreeSet<(String, String, String, Option<String>)> {
        g.edges()
            .iter()
            .map(|e| {
                (
                    g.node(e.source).key.clone(),
                    e.kind.label().to_string(),
                    g.node(e.target).key.clone(),
                    e.technique.as_deref().map(str::to_string),
                )
            })
            .collect()
    };
    assert_eq!(edges(&a), edges(&b));
}
