//! Path engine over the CSR adjacency of a [`Graph`].
//!
//! - "Who can reach admin": one reverse BFS per Admin node over privilege edges, linear in
//!   edges; each reached principal's shortest path falls out of the BFS parent pointers.
//!   Paths that rely only on decided (non-conditional) edges are preferred: a first BFS uses
//!   only those, a second one fills in principals that can only get there conditionally.
//! - `reachable(from)`: one forward BFS over privilege and access edges.
//! - `simple_paths(from, to, k)`: depth-first enumeration of simple paths up to k hops.

use std::collections::VecDeque;

use rayon::prelude::*;
use serde_json::{Value, json};

use crate::model::{EdgeId, Graph, NodeId};
use crate::schema::{NodeKind, Traversal};

const NONE: u32 = u32::MAX;

/// Which edges a search may follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// Privilege edges only (CAN_ASSUME, CAN_ESCALATE, ADMIN_OF): paths to become someone.
    Privilege,
    /// Privilege and access edges (adds CAN_ACCESS): everything an identity can reach.
    PrivilegeAndAccess,
}

impl Follow {
    fn allows(self, t: Traversal) -> bool {
        match self {
            Follow::Privilege => t == Traversal::Privilege,
            Follow::PrivilegeAndAccess => matches!(t, Traversal::Privilege | Traversal::Access),
        }
    }
}

/// A path as a list of edges from `source` to `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphPath {
    /// First node.
    pub source: NodeId,
    /// Last node.
    pub target: NodeId,
    /// Edges in order; `edges.len()` is the number of hops.
    pub edges: Vec<EdgeId>,
    /// True when some edge on it is conditional.
    pub conditional: bool,
}

impl GraphPath {
    /// Number of hops.
    pub fn hops(&self) -> usize {
        self.edges.len()
    }

    /// Techniques in hop order: the edge's technique, or its kind label when it has none.
    pub fn techniques(&self, g: &Graph) -> Vec<String> {
        self.edges
            .iter()
            .map(|&e| {
                let e = g.edge(e);
                e.technique
                    .as_deref()
                    .map(str::to_string)
                    .unwrap_or_else(|| e.kind.label().to_ascii_lowercase())
            })
            .collect()
    }

    /// The path as JSON: one object per hop with its endpoints, kind, technique and the
    /// statements (with their text when known) behind it.
    pub fn to_json(&self, g: &Graph) -> Value {
        let hops: Vec<Value> = self
            .edges
            .iter()
            .map(|&id| {
                let e = g.edge(id);
                let evidence: Vec<Value> = e
                    .evidence
                    .iter()
                    .map(|ev| {
                        let mut v = serde_json::to_value(ev).unwrap_or(Value::Null);
                        if let (Value::Object(m), Some(st)) = (&mut v, g.statement(ev)) {
                            m.insert("statement".into(), st.clone());
                        }
                        v
                    })
                    .collect();
                json!({
                    "from": g.node(e.source).key,
                    "to": g.node(e.target).key,
                    "kind": e.kind.label(),
                    "technique": e.technique,
                    "conditional": e.conditional,
                    "evidence": evidence,
                })
            })
            .collect();
        Value::Array(hops)
    }

    fn from_chain(g: &Graph, source: NodeId, next_edge: &[u32]) -> GraphPath {
        let mut edges = Vec::new();
        let mut v = source;
        let mut conditional = false;
        // Parent pointers of a BFS form a tree, so this walk ends; the bound guards against
        // a corrupted array turning into an endless loop.
        while next_edge[v as usize] != NONE && edges.len() <= next_edge.len() {
            let e = next_edge[v as usize];
            edges.push(e);
            let edge = g.edge(e);
            conditional |= edge.conditional;
            v = edge.target;
        }
        GraphPath {
            source,
            target: v,
            edges,
            conditional,
        }
    }
}

/// Every principal's shortest path to each account's Admin node it can reach.
#[derive(Debug, Default)]
pub struct AdminPaths {
    /// Paths, sorted by (source key, target account).
    pub paths: Vec<GraphPath>,
}

/// Reverse BFS from `target` over edges `follow` allows, restricted to non-conditional
/// edges when `certain_only`. Returns, per node, the next edge toward `target`.
fn reverse_bfs(g: &Graph, target: NodeId, follow: Follow, certain_only: bool) -> Vec<u32> {
    let n = g.nodes().len();
    let mut next = vec![NONE; n];
    let mut seen = vec![false; n];
    let mut queue = VecDeque::new();
    seen[target as usize] = true;
    queue.push_back(target);
    while let Some(v) = queue.pop_front() {
        for &(u, e) in g.in_edges(v) {
            if seen[u as usize]
                || !follow.allows(g.traversal(e))
                || (certain_only && g.edge(e).conditional)
            {
                continue;
            }
            seen[u as usize] = true;
            next[u as usize] = e;
            queue.push_back(u);
        }
    }
    next
}

/// Shortest paths from every principal (user or role) to `target`, preferring paths made
/// of decided edges. Linear in edges.
pub fn paths_to(g: &Graph, target: NodeId, follow: Follow) -> Vec<GraphPath> {
    let certain = reverse_bfs(g, target, follow, true);
    let any = reverse_bfs(g, target, follow, false);
    let mut out = Vec::new();
    for (v, node) in g.nodes().iter().enumerate() {
        if !node.kind.is_principal() || v as NodeId == target {
            continue;
        }
        let chain = if certain[v] != NONE {
            &certain
        } else if any[v] != NONE {
            &any
        } else {
            continue;
        };
        out.push(GraphPath::from_chain(g, v as NodeId, chain));
    }
    out
}

/// All principals' shortest paths to every Admin node (one reverse BFS pair per account,
/// accounts in parallel on rayon).
pub fn all_paths_to_admin(g: &Graph) -> AdminPaths {
    let admins: Vec<NodeId> = g.admin_nodes().collect();
    let mut paths: Vec<GraphPath> = admins
        .par_iter()
        .flat_map_iter(|&a| paths_to(g, a, Follow::Privilege))
        .collect();
    paths.sort_by(|a, b| {
        (
            g.node(a.source).key.as_str(),
            g.node(a.target).account_id.as_str(),
        )
            .cmp(&(
                g.node(b.source).key.as_str(),
                g.node(b.target).account_id.as_str(),
            ))
    });
    AdminPaths { paths }
}

/// Shortest paths from one node to every node it reaches.
pub fn reachable(g: &Graph, from: NodeId, follow: Follow) -> Vec<GraphPath> {
    let n = g.nodes().len();
    if from as usize >= n {
        return Vec::new();
    }
    // Parent edge per node; a hash map would be smaller for tiny reach sets, but one pass
    // over a dense array of a few hundred thousand entries costs well under a millisecond.
    let mut parent = vec![NONE; n];
    let mut seen = vec![false; n];
    let mut order = Vec::new();
    let mut queue = VecDeque::new();
    seen[from as usize] = true;
    queue.push_back(from);
    while let Some(v) = queue.pop_front() {
        for &(u, e) in g.out_edges(v) {
            if seen[u as usize] || !follow.allows(g.traversal(e)) {
                continue;
            }
            seen[u as usize] = true;
            parent[u as usize] = e;
            order.push(u);
            queue.push_back(u);
        }
    }
    order
        .into_iter()
        .map(|t| {
            let mut edges = Vec::new();
            let mut v = t;
            let mut conditional = false;
            while v != from && parent[v as usize] != NONE && edges.len() <= n {
                let e = parent[v as usize];
                edges.push(e);
                conditional |= g.edge(e).conditional;
                v = g.edge(e).source;
            }
            edges.reverse();
            GraphPath {
                source: from,
                target: t,
                edges,
                conditional,
            }
        })
        .collect()
}

/// Shortest path from one principal to each Admin node it can reach (forward BFS; what a
/// query filtered on one source computes instead of every principal's paths). Prefers
/// paths of decided edges, like [`all_paths_to_admin`].
pub fn paths_to_admin_from(g: &Graph, from: NodeId) -> Vec<GraphPath> {
    let certain_graph_paths = reachable_filtered(g, from, true);
    let any = reachable(g, from, Follow::Privilege);
    let mut out = Vec::new();
    for p in any
        .into_iter()
        .filter(|p| g.node(p.target).kind == NodeKind::Admin)
    {
        match certain_graph_paths.iter().find(|c| c.target == p.target) {
            Some(c) => out.push(c.clone()),
            None => out.push(p),
        }
    }
    out.sort_by(|a, b| {
        g.node(a.target)
            .account_id
            .cmp(&g.node(b.target).account_id)
    });
    out
}

fn reachable_filtered(g: &Graph, from: NodeId, certain_only: bool) -> Vec<GraphPath> {
    let n = g.nodes().len();
    let mut parent = vec![NONE; n];
    let mut seen = vec![false; n];
    let mut queue = VecDeque::new();
    let mut admins = Vec::new();
    seen[from as usize] = true;
    queue.push_back(from);
    while let Some(v) = queue.pop_front() {
        for &(u, e) in g.out_edges(v) {
            if seen[u as usize]
                || !Follow::Privilege.allows(g.traversal(e))
                || (certain_only && g.edge(e).conditional)
            {
                continue;
            }
            seen[u as usize] = true;
            parent[u as usize] = e;
            if g.node(u).kind == NodeKind::Admin {
                admins.push(u);
            }
            queue.push_back(u);
        }
    }
    admins
        .into_iter()
        .map(|t| {
            let mut edges = Vec::new();
            let mut v = t;
            while v != from && parent[v as usize] != NONE && edges.len() <= n {
                let e = parent[v as usize];
                edges.push(e);
                v = g.edge(e).source;
            }
            edges.reverse();
            let conditional = edges.iter().any(|&e| g.edge(e).conditional);
            GraphPath {
                source: from,
                target: t,
                edges,
                conditional,
            }
        })
        .collect()
}

/// Every simple path (no repeated node) from `from` to `to` of at most `max_hops` edges,
/// stopping after `limit` paths (the count can grow exponentially with `max_hops`).
pub fn simple_paths(
    g: &Graph,
    from: NodeId,
    to: NodeId,
    max_hops: usize,
    follow: Follow,
    limit: usize,
) -> Vec<GraphPath> {
    let n = g.nodes().len();
    let mut out = Vec::new();
    if from as usize >= n || to as usize >= n || max_hops == 0 {
        return out;
    }
    let mut on_path = vec![false; n];
    let mut stack_edges: Vec<EdgeId> = Vec::new();
    // Iterative DFS: (node, index of the next out-edge to try).
    let mut stack: Vec<(NodeId, usize)> = vec![(from, 0)];
    on_path[from as usize] = true;
    while let Some(&mut (v, ref mut i)) = stack.last_mut() {
        let out_edges = g.out_edges(v);
        if *i >= out_edges.len() || stack_edges.len() >= max_hops || out.len() >= limit {
            on_path[v as usize] = false;
            stack.pop();
            stack_edges.pop();
            continue;
        }
        let (u, e) = out_edges[*i];
        *i += 1;
        if on_path[u as usize] || !follow.allows(g.traversal(e)) {
            continue;
        }
        if u == to {
            let mut edges = stack_edges.clone();
            edges.push(e);
            let conditional = edges.iter().any(|&x| g.edge(x).conditional);
            out.push(GraphPath {
                source: from,
                target: to,
                edges,
                conditional,
            });
            continue;
        }
        on_path[u as usize] = true;
        stack_edges.push(e);
        stack.push((u, 0));
    }
    out
}

impl Graph {
    /// Every principal's shortest path to each reachable Admin node, computed once per graph.
    pub fn admin_paths(&self) -> &AdminPaths {
        self.admin_paths.get_or_init(|| all_paths_to_admin(self))
    }
}
