//! Path engine on small hand-built graphs.

use pathwarden_graph::paths::{self, Follow};
use pathwarden_graph::schema::{EdgeKind, NodeKind};
use pathwarden_graph::{Edge, Graph, GraphBuilder, NodeId};
use serde_json::Map;

fn node(b: &mut GraphBuilder, kind: NodeKind, key: &str) -> NodeId {
    b.node(kind, key, key, "1", Map::new())
}

fn edge(
    b: &mut GraphBuilder,
    s: NodeId,
    t: NodeId,
    kind: EdgeKind,
    technique: &str,
    conditional: bool,
) {
    b.edge(Edge {
        source: s,
        target: t,
        kind,
        technique: Some(technique.to_string().into()),
        conditional,
        evidence: Default::default(),
        props: Default::default(),
    });
}

/// u1 -> r1 -> r2 -> admin, u1 -> r3 -> admin (shorter), r1 <-> r2 cycle, u2 isolated,
/// u3 -> admin only through a conditional edge, u4 member of an admin group (structural only).
fn sample() -> Graph {
    let mut b = GraphBuilder::new();
    let admin = node(&mut b, NodeKind::Admin, "admin:1");
    let u1 = node(&mut b, NodeKind::User, "u1");
    let u2 = node(&mut b, NodeKind::User, "u2");
    let u3 = node(&mut b, NodeKind::User, "u3");
    let u4 = node(&mut b, NodeKind::User, "u4");
    let r1 = node(&mut b, NodeKind::Role, "r1");
    let r2 = node(&mut b, NodeKind::Role, "r2");
    let r3 = node(&mut b, NodeKind::Role, "r3");
    let g = node(&mut b, NodeKind::Group, "g");
    let bucket = node(&mut b, NodeKind::Bucket, "bucket");
    edge(
        &mut b,
        u1,
        r1,
        EdgeKind::CanAssume,
        "sts-assume-role",
        false,
    );
    edge(
        &mut b,
        r1,
        r2,
        EdgeKind::CanAssume,
        "sts-assume-role",
        false,
    );
    edge(
        &mut b,
        r2,
        r1,
        EdgeKind::CanAssume,
        "sts-assume-role",
        false,
    );
    edge(&mut b, r2, admin, EdgeKind::AdminOf, "admin", false);
    edge(
        &mut b,
        u1,
        r3,
        EdgeKind::CanEscalate,
        "passrole-lambda-create-invoke",
        false,
    );
    edge(&mut b, r3, admin, EdgeKind::AdminOf, "admin", false);
    edge(
        &mut b,
        u3,
        admin,
        EdgeKind::CanEscalate,
        "iam-put-user-policy",
        true,
    );
    b.link(u4, g, EdgeKind::MemberOf);
    edge(&mut b, g, admin, EdgeKind::AdminOf, "admin", false);
    edge(&mut b, r1, bucket, EdgeKind::CanAccess, "read", false);
    let _ = u2;
    b.finish()
}

fn key(g: &Graph, id: NodeId) -> &str {
    &g.node(id).key
}

#[test]
fn shortest_path_to_admin_per_principal() {
    let g = sample();
    let all = paths::all_paths_to_admin(&g);
    let by_source: Vec<(&str, usize, bool)> = all
        .paths
        .iter()
        .map(|p| (key(&g, p.source), p.hops(), p.conditional))
        .collect();
    // u1 takes the 2-hop route through r3, not the 3-hop chain; r1 goes through r2.
    assert_eq!(
        by_source,
        vec![
            ("r1", 2, false),
            ("r2", 1, false),
            ("r3", 1, false),
            ("u1", 2, false),
            ("u3", 1, true)
        ]
    );
    let u1 = all
        .paths
        .iter()
        .find(|p| key(&g, p.source) == "u1")
        .expect("u1 path");
    assert_eq!(
        u1.techniques(&g),
        vec![
            "passrole-lambda-create-invoke".to_string(),
            "admin".to_string()
        ]
    );
    // Membership is structural: u4's group being admin says nothing about u4's own rights.
    assert!(!by_source.iter().any(|(s, _, _)| *s == "u4" || *s == "u2"));
}

#[test]
fn forward_search_agrees_with_reverse_search() {
    let g = sample();
    let all = paths::all_paths_to_admin(&g);
    for p in &all.paths {
        let forward = paths::paths_to_admin_from(&g, p.source);
        assert_eq!(forward.len(), 1);
        assert_eq!(forward[0].hops(), p.hops(), "{}", key(&g, p.source));
        assert_eq!(forward[0].conditional, p.conditional);
    }
    let u2 = g.id("u2").expect("u2");
    assert!(paths::paths_to_admin_from(&g, u2).is_empty());
}

#[test]
fn decided_paths_are_preferred_over_shorter_conditional_ones() {
    let mut b = GraphBuilder::new();
    let admin = node(&mut b, NodeKind::Admin, "admin:1");
    let u = node(&mut b, NodeKind::User, "u");
    let r = node(&mut b, NodeKind::Role, "r");
    edge(
        &mut b,
        u,
        admin,
        EdgeKind::CanEscalate,
        "iam-attach-user-policy",
        true,
    );
    edge(&mut b, u, r, EdgeKind::CanAssume, "sts-assume-role", false);
    edge(&mut b, r, admin, EdgeKind::AdminOf, "admin", false);
    let g = b.finish();
    let all = paths::all_paths_to_admin(&g);
    let p = all
        .paths
        .iter()
        .find(|p| key(&g, p.source) == "u")
        .expect("path");
    assert_eq!((p.hops(), p.conditional), (2, false));
    let f = paths::paths_to_admin_from(&g, u);
    assert_eq!((f[0].hops(), f[0].conditional), (2, false));
}

#[test]
fn reachable_follows_privilege_and_access_edges_through_cycles() {
    let g = sample();
    let u1 = g.id("u1").expect("u1");
    let reach = paths::reachable(&g, u1, Follow::PrivilegeAndAccess);
    let mut got: Vec<(&str, usize)> = reach
        .iter()
        .map(|p| (key(&g, p.target), p.hops()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("admin:1", 2),
            ("bucket", 2),
            ("r1", 1),
            ("r2", 2),
            ("r3", 1)
        ]
    );
    let only_privilege = paths::reachable(&g, u1, Follow::Privilege);
    assert!(!only_privilege.iter().any(|p| key(&g, p.target) == "bucket"));
    // Each path is connected and starts at u1.
    for p in &reach {
        let mut at = u1;
        for &e in &p.edges {
            assert_eq!(g.edge(e).source, at);
            at = g.edge(e).target;
        }
        assert_eq!(at, p.target);
    }
}

#[test]
fn simple_paths_up_to_k_hops() {
    let g = sample();
    let (u1, admin) = (g.id("u1").expect("u1"), g.id("admin:1").expect("admin"));
    let count = |k| paths::simple_paths(&g, u1, admin, k, Follow::Privilege, 100).len();
    assert_eq!(count(1), 0);
    assert_eq!(count(2), 1); // u1 -> r3 -> admin
    assert_eq!(count(3), 2); // + u1 -> r1 -> r2 -> admin
    assert_eq!(count(10), 2); // the r1 <-> r2 cycle adds no simple path
    for p in paths::simple_paths(&g, u1, admin, 10, Follow::Privilege, 100) {
        let mut seen = std::collections::HashSet::new();
        assert!(seen.insert(u1));
        for &e in &p.edges {
            assert!(seen.insert(g.edge(e).target), "repeated node");
        }
    }
    assert_eq!(
        paths::simple_paths(&g, u1, admin, 10, Follow::Privilege, 1).len(),
        1,
        "limit honoured"
    );
}

#[test]
fn linear_scaling_smoke() {
    // A long chain and a wide fan-in: one BFS handles both without revisiting.
    let mut b = GraphBuilder::new();
    let admin = node(&mut b, NodeKind::Admin, "admin:1");
    let mut prev = admin;
    for i in 0..200 {
        let r = node(&mut b, NodeKind::Role, &format!("chain{i}"));
        edge(
            &mut b,
            r,
            prev,
            EdgeKind::CanAssume,
            "sts-assume-role",
            false,
        );
        prev = r;
    }
    for i in 0..20_000 {
        let u = node(&mut b, NodeKind::User, &format!("fan{i}"));
        edge(
            &mut b,
            u,
            prev,
            EdgeKind::CanAssume,
            "sts-assume-role",
            false,
        );
    }
    let g = b.finish();
    let all = paths::all_paths_to_admin(&g);
    assert_eq!(all.paths.len(), 20_200);
    let deepest = all.paths.iter().map(|p| p.hops()).max();
    assert_eq!(deepest, Some(201));
}
