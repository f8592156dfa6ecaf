//! The in-memory privilege graph: nodes and edges of the declared kinds, with compact
//! adjacency (CSR, `u32` ids) in both directions for the path engine.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::paths::AdminPaths;
use crate::schema::{EdgeKind, NodeKind, Traversal};

/// Dense node id.
pub type NodeId = u32;
/// Dense edge id.
pub type EdgeId = u32;

/// One node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Kind.
    pub kind: NodeKind,
    /// Unique key: ARN for cloud entities, `admin:<account>` for admin nodes, `internet`.
    pub key: String,
    /// Friendly name.
    pub name: String,
    /// Account the node belongs to (empty for `internet` and AWS-managed policies).
    pub account_id: String,
    /// Declared properties of the kind (see [`crate::schema::NODE_KINDS`]).
    pub props: Map<String, Value>,
}

/// The policy statement behind an edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Managed policy ARN, `owner-arn#inline-name`, or a role ARN for its trust policy.
    pub policy: String,
    /// Statement index in the document.
    pub statement_index: usize,
    /// Statement Sid.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sid: Option<String>,
    /// Action the statement allowed (or the probe it answered).
    pub action: String,
    /// Resource it was allowed on.
    pub resource: String,
    /// What the edge assumes beyond the input (a resource the input does not list), when
    /// this entry states an assumption rather than a statement.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub assumption: Option<String>,
}

/// One directed edge.
///
/// Evidence and properties are reference-counted: many edges carry the same ones (every
/// member of a group reading a bucket through the group's policy has the same statement
/// behind its CAN_ACCESS edge), and a graph of a large organisation has millions of edges.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Source node.
    pub source: NodeId,
    /// Target node.
    pub target: NodeId,
    /// Kind.
    pub kind: EdgeKind,
    /// Technique or action class, when the kind has one (its merge key).
    pub technique: Option<Cow<'static, str>>,
    /// True when a needed permission depends on condition keys the evaluator could not decide.
    pub conditional: bool,
    /// Statements behind the edge.
    pub evidence: Arc<[Evidence]>,
    /// Declared properties of the kind.
    pub props: Arc<Map<String, Value>>,
}

impl Edge {
    /// An edge without technique, evidence or properties.
    pub fn plain(source: NodeId, target: NodeId, kind: EdgeKind) -> Edge {
        Edge {
            source,
            target,
            kind,
            technique: None,
            conditional: false,
            evidence: no_evidence(),
            props: no_props(),
        }
    }
}

/// The empty evidence list (shared, no allocation per edge).
pub fn no_evidence() -> Arc<[Evidence]> {
    static EMPTY: OnceLock<Arc<[Evidence]>> = OnceLock::new();
    Arc::clone(EMPTY.get_or_init(|| Arc::from(Vec::new())))
}

/// The empty property map (shared, no allocation per edge).
pub fn no_props() -> Arc<Map<String, Value>> {
    static EMPTY: OnceLock<Arc<Map<String, Value>>> = OnceLock::new();
    Arc::clone(EMPTY.get_or_init(|| Arc::new(Map::new())))
}

/// Compressed sparse rows: the edges of node `v` are `edges[offsets[v]..offsets[v+1]]`.
#[derive(Debug, Default, Clone)]
pub struct Csr {
    offsets: Vec<u32>,
    /// `(neighbour, edge id)`.
    entries: Vec<(NodeId, EdgeId)>,
}

impl Csr {
    fn build(n: usize, pairs: impl Iterator<Item = (NodeId, NodeId, EdgeId)> + Clone) -> Csr {
        let mut offsets = vec![0u32; n + 1];
        for (from, _, _) in pairs.clone() {
            offsets[from as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut entries = vec![(0, 0); offsets[n] as usize];
        for (from, to, e) in pairs {
            let slot = &mut fill[from as usize];
            entries[*slot as usize] = (to, e);
            *slot += 1;
        }
        Csr { offsets, entries }
    }

    /// `(neighbour, edge id)` of one node.
    pub fn neighbours(&self, v: NodeId) -> &[(NodeId, EdgeId)] {
        let v = v as usize;
        match (self.offsets.get(v), self.offsets.get(v + 1)) {
            (Some(&a), Some(&b)) => &self.entries[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// The privilege graph.
#[derive(Debug, Default)]
pub struct Graph {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    index: HashMap<String, NodeId>,
    /// Policy documents by the ids evidence uses, to show the statement behind a hop.
    policy_documents: HashMap<String, Value>,
    forward: Csr,
    reverse: Csr,
    /// Traversal class per edge, copied out of `edges` for cache-friendly searches.
    edge_traversal: Vec<Traversal>,
    /// All shortest paths to admin, computed on first use.
    pub(crate) admin_paths: OnceLock<AdminPaths>,
}

/// Builds a [`Graph`]: add nodes and edges, then [`GraphBuilder::finish`].
#[derive(Debug, Default)]
pub struct GraphBuilder {
    graph: Graph,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node, or returns the id of the node with the same key (first one wins).
    pub fn node(
        &mut self,
        kind: NodeKind,
        key: &str,
        name: &str,
        account_id: &str,
        props: Map<String, Value>,
    ) -> NodeId {
        if let Some(&id) = self.graph.index.get(key) {
            return id;
        }
        let id = self.graph.nodes.len() as NodeId;
        self.graph.nodes.push(Node {
            kind,
            key: key.to_string(),
            name: name.to_string(),
            account_id: account_id.to_string(),
            props,
        });
        self.graph.index.insert(key.to_string(), id);
        id
    }

    /// Id of a node added earlier.
    pub fn id(&self, key: &str) -> Option<NodeId> {
        self.graph.index.get(key).copied()
    }

    /// The nodes added so far, indexed by id.
    pub fn nodes_so_far(&self) -> &[Node] {
        &self.graph.nodes
    }

    /// Adds an edge between existing nodes. Duplicate `(source, target, kind, technique)`
    /// edges are the caller's to avoid; the mirror would merge them.
    pub fn edge(&mut self, edge: Edge) -> EdgeId {
        let id = self.graph.edges.len() as EdgeId;
        self.graph.edges.push(edge);
        id
    }

    /// Simple edge without evidence.
    pub fn link(&mut self, source: NodeId, target: NodeId, kind: EdgeKind) -> EdgeId {
        self.edge(Edge::plain(source, target, kind))
    }

    /// Reserves room for `additional` more edges (a builder that knows its edge count
    /// avoids regrowing a vector of millions of edges).
    pub fn reserve_edges(&mut self, additional: usize) {
        self.graph.edges.reserve(additional);
    }

    /// Records a policy document under the id evidence refers to it by.
    pub fn policy_document(&mut self, id: &str, doc: Value) {
        self.graph
            .policy_documents
            .entry(id.to_string())
            .or_insert(doc);
    }

    /// Builds the adjacency and returns the graph.
    pub fn finish(mut self) -> Graph {
        let g = &mut self.graph;
        let n = g.nodes.len();
        let fwd = g
            .edges
            .iter()
            .enumerate()
            .map(|(i, e)| (e.source, e.target, i as EdgeId));
        g.forward = Csr::build(n, fwd);
        let rev = g
            .edges
            .iter()
            .enumerate()
            .map(|(i, e)| (e.target, e.source, i as EdgeId));
        g.reverse = Csr::build(n, rev);
        g.edge_traversal = g.edges.iter().map(|e| e.kind.traversal()).collect();
        self.graph
    }
}

impl Graph {
    /// Nodes, indexed by [`NodeId`].
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The ids of the principal nodes (users and roles), in id order.
    pub fn principal_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind.is_principal())
            .map(|(i, _)| i as NodeId)
    }

    /// Edges, indexed by [`EdgeId`].
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// One node.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    /// One edge.
    pub fn edge(&self, id: EdgeId) -> &Edge {
        &self.edges[id as usize]
    }

    /// Node id by key (ARN, `admin:<account>`, `internet`).
    pub fn id(&self, key: &str) -> Option<NodeId> {
        self.index.get(key).copied()
    }

    /// Outgoing `(target, edge)` pairs.
    pub fn out_edges(&self, v: NodeId) -> &[(NodeId, EdgeId)] {
        self.forward.neighbours(v)
    }

    /// Incoming `(source, edge)` pairs.
    pub fn in_edges(&self, v: NodeId) -> &[(NodeId, EdgeId)] {
        self.reverse.neighbours(v)
    }

    /// Traversal class of an edge.
    pub fn traversal(&self, e: EdgeId) -> Traversal {
        self.edge_traversal[e as usize]
    }

    /// Admin pseudo-nodes, one per account.
    pub fn admin_nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == NodeKind::Admin)
            .map(|(i, _)| i as NodeId)
    }

    /// The statement an evidence entry points at, when the document is known.
    pub fn statement(&self, evidence: &Evidence) -> Option<&Value> {
        let doc = self.policy_documents.get(&evidence.policy)?;
        let statements = doc.get("Statement")?;
        match statements {
            Value::Array(list) => list.get(evidence.statement_index),
            single @ Value::Object(_) if evidence.statement_index == 0 => Some(single),
            _ => None,
        }
    }

    /// Count of nodes per kind label.
    pub fn node_counts(&self) -> std::collections::BTreeMap<&'static str, usize> {
        let mut m = std::collections::BTreeMap::new();
        for n in &self.nodes {
            *m.entry(n.kind.label()).or_insert(0) += 1;
        }
        m
    }

    /// Count of edges per kind label.
    pub fn edge_counts(&self) -> std::collections::BTreeMap<&'static str, usize> {
        let mut m = std::collections::BTreeMap::new();
        for e in &self.edges {
            *m.entry(e.kind.label()).or_insert(0) += 1;
        }
        m
    }

    /// A copy of the graph without one node and its edges (used to test stale removal in
    /// mirrors, and handy for "what if this principal were deleted").
    pub fn without_node(&self, key: &str) -> Graph {
        let mut b = GraphBuilder::new();
        let mut map: Vec<Option<NodeId>> = vec![None; self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            if n.key != key {
                map[i] = Some(b.node(n.kind, &n.key, &n.name, &n.account_id, n.props.clone()));
            }
        }
        for e in &self.edges {
            if let (Some(s), Some(t)) = (map[e.source as usize], map[e.target as usize]) {
                let mut e = e.clone();
                e.source = s;
                e.target = t;
                b.edge(e);
            }
        }
        for (k, v) in &self.policy_documents {
            b.policy_document(k, v.clone());
        }
        b.finish()
    }
}
