//! The graph as SQL: `graph_node`, `graph_edge`, `attack_path` and `reachable`.
//!
//! Equality and `IN` filters on `source_arn` (attack_path), `principal_arn` (reachable),
//! `key`/`arn`/`kind` (graph_node) and `source`/`target`/`kind` (graph_edge) are pushed down:
//! a query about one principal runs one BFS from it instead of computing every path.
//! DataFusion re-applies every filter afterwards (pushdown is `Inexact`), so a filter the
//! tables do not understand can never change an answer.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanBuilder, Int64Builder, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{SchemaProvider, Session};
use datafusion::common::ScalarValue;
use datafusion::datasource::{MemTable, TableProvider, TableType};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{Expr, Operator, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::prelude::SessionContext;
use futures::future::BoxFuture;
use rayon::prelude::*;
use serde_json::{Map, Value, json};

use crate::model::{Graph, NodeId};
use crate::paths::{self, Follow, GraphPath};
use crate::{GraphError, build};

type Loader = Box<dyn Fn() -> BoxFuture<'static, Result<Graph, GraphError>> + Send + Sync>;

/// The graph behind the SQL tables: built on first use, cached, rebuilt by [`refresh`].
///
/// [`refresh`]: GraphHandle::refresh
pub struct GraphHandle {
    /// `None` for a handle over a fixed graph.
    loader: Option<Loader>,
    current: tokio::sync::Mutex<Option<Arc<Graph>>>,
}

impl fmt::Debug for GraphHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GraphHandle")
    }
}

impl GraphHandle {
    /// A handle that builds the graph from `schema` of the context `make_context` returns
    /// (called at each build, so it may hand out a fresh session over the same tables).
    pub fn new<F>(schema: impl Into<String>, make_context: F) -> Self
    where
        F: Fn() -> SessionContext + Send + Sync + 'static,
    {
        let schema = schema.into();
        let loader: Loader = Box::new(move || {
            let ctx = make_context();
            let schema = schema.clone();
            Box::pin(async move { build(&ctx, &schema).await })
        });
        GraphHandle {
            loader: Some(loader),
            current: tokio::sync::Mutex::new(None),
        }
    }

    /// A handle over an already-built graph; [`GraphHandle::refresh`] keeps it.
    pub fn from_graph(graph: Graph) -> Self {
        GraphHandle {
            loader: None,
            current: tokio::sync::Mutex::new(Some(Arc::new(graph))),
        }
    }

    /// The current graph, building it first if needed. Concurrent first callers wait for
    /// one build instead of starting several.
    pub async fn graph(&self) -> Result<Arc<Graph>, GraphError> {
        let mut current = self.current.lock().await;
        if let Some(g) = current.as_ref() {
            return Ok(Arc::clone(g));
        }
        let loader = self
            .loader
            .as_ref()
            .ok_or_else(|| GraphError::Task("graph handle has no graph".into()))?;
        let g = Arc::new(loader().await?);
        *current = Some(Arc::clone(&g));
        Ok(g)
    }

    /// Rebuilds the graph from the tables (after a cache refresh of the connection) and
    /// returns it. Queries already running keep the graph they started with.
    pub async fn refresh(&self) -> Result<Arc<Graph>, GraphError> {
        let Some(loader) = self.loader.as_ref() else {
            return self.graph().await;
        };
        let g = Arc::new(loader().await?);
        *self.current.lock().await = Some(Arc::clone(&g));
        Ok(g)
    }
}

/// The four graph tables by name, for a schema the caller owns (the daemon's `pathwarden`).
pub fn tables(handle: Arc<GraphHandle>) -> Vec<(String, Arc<dyn TableProvider>)> {
    GraphTableKind::ALL
        .into_iter()
        .map(|kind| {
            let t: Arc<dyn TableProvider> = Arc::new(GraphTable {
                kind,
                handle: Arc::clone(&handle),
            });
            (kind.name().to_string(), t)
        })
        .collect()
}

/// Registers the four graph tables in a schema that accepts registration (e.g. a
/// `MemorySchemaProvider`).
pub fn register_tables(schema: &dyn SchemaProvider, handle: Arc<GraphHandle>) -> DfResult<()> {
    for (name, table) in tables(handle) {
        schema.register_table(name, table)?;
    }
    Ok(())
}

/// Which graph table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphTableKind {
    /// `graph_node`
    Node,
    /// `graph_edge`
    Edge,
    /// `attack_path`
    AttackPath,
    /// `reachable`
    Reachable,
}

impl GraphTableKind {
    /// All tables.
    pub const ALL: [GraphTableKind; 4] = [
        GraphTableKind::Node,
        GraphTableKind::Edge,
        GraphTableKind::AttackPath,
        GraphTableKind::Reachable,
    ];

    /// SQL name.
    pub fn name(self) -> &'static str {
        match self {
            GraphTableKind::Node => "graph_node",
            GraphTableKind::Edge => "graph_edge",
            GraphTableKind::AttackPath => "attack_path",
            GraphTableKind::Reachable => "reachable",
        }
    }

    /// Columns: (name, type, description).
    pub fn columns(self) -> &'static [(&'static str, DataType, &'static str)] {
        use DataType::{Boolean as B, Int64 as I, Utf8 as T};
        match self {
            GraphTableKind::Node => &[
                ("id", I, "Dense node id (changes between builds)."),
                (
                    "kind",
                    T,
                    "Node label: User, Role, Group, Policy, Bucket, Instance, Account, Admin, Internet, AssumedResource.",
                ),
                ("key", T, "Unique key: ARN, `admin:<account>`, `internet`."),
                ("arn", T, "ARN (null for pseudo-nodes)."),
                ("name", T, "Friendly name."),
                ("account_id", T, "Account."),
                ("properties", T, "Declared properties (JSON)."),
            ],
            GraphTableKind::Edge => &[
                ("id", I, "Dense edge id (changes between builds)."),
                ("source", T, "Key of the source node."),
                ("target", T, "Key of the target node."),
                ("source_kind", T, "Label of the source node."),
                ("target_kind", T, "Label of the target node."),
                (
                    "kind",
                    T,
                    "Relationship type: MEMBER_OF, HAS_POLICY, CAN_ASSUME, CAN_ESCALATE, CAN_ACCESS, EXPOSED_TO_INTERNET, ADMIN_OF, RUNS_AS.",
                ),
                ("technique", T, "Escalation technique or access class."),
                (
                    "conditional",
                    B,
                    "Depends on condition keys the evaluator could not decide.",
                ),
                (
                    "properties",
                    T,
                    "Declared properties and the evidence: policy, statement index, sid, action, resource (JSON).",
                ),
            ],
            GraphTableKind::AttackPath => &[
                (
                    "source_arn",
                    T,
                    "Principal the path starts at: an ARN, a GCP IAM member string, or an Azure object id.",
                ),
                (
                    "source_kind",
                    T,
                    "User, Role, GcpPrincipal, GcpServiceAccount or AzurePrincipal.",
                ),
                ("source_account", T, "Account of the principal."),
                (
                    "target",
                    T,
                    "'admin', or the ARN asked for with `target = '<arn>'`.",
                ),
                ("target_account", T, "Account the target belongs to."),
                ("hops", I, "Number of edges (1: already admin)."),
                ("techniques", T, "Technique per hop (JSON array)."),
                (
                    "conditional",
                    B,
                    "Some hop depends on undecided condition keys.",
                ),
                (
                    "path",
                    T,
                    "Hops with endpoints, technique and the statements behind each (JSON).",
                ),
                (
                    "cloud",
                    T,
                    "Cloud of the principal: aws, gcp or azure (source_arn holds an ARN, a GCP member string or an Entra object id).",
                ),
            ],
            GraphTableKind::Reachable => &[
                ("principal_arn", T, "Principal the search starts at."),
                (
                    "target_arn",
                    T,
                    "Key of the node reached (ARN or `admin:<account>`).",
                ),
                ("target_kind", T, "Label of the node reached."),
                ("target_account", T, "Account of the node reached."),
                ("hops", I, "Shortest number of edges."),
                (
                    "conditional",
                    B,
                    "Some hop depends on undecided condition keys.",
                ),
                (
                    "path",
                    T,
                    "Hops with endpoints, technique and the statements behind each (JSON).",
                ),
            ],
        }
    }

    fn schema(self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns()
                .iter()
                .map(|(n, t, _)| Field::new(*n, t.clone(), true))
                .collect::<Vec<_>>(),
        ))
    }

    /// Columns whose equality filters narrow the computation.
    /// Edges or principals per batch of an unfiltered scan, for the tables whose full
    /// contents grow with edges (`graph_edge`) or principals × reach (`reachable`).
    fn chunk_size(self) -> Option<usize> {
        match self {
            GraphTableKind::Edge => Some(65_536),
            GraphTableKind::Reachable => Some(256),
            GraphTableKind::Node | GraphTableKind::AttackPath => None,
        }
    }

    /// Whether a scan with these filters reads the whole table (see [`Self::chunk_size`]).
    fn unfiltered(self, keys: &KeyFilters) -> bool {
        match self {
            GraphTableKind::Edge => keys.get("source").is_none() && keys.get("target").is_none(),
            GraphTableKind::Reachable => keys.get("principal_arn").is_none(),
            GraphTableKind::Node | GraphTableKind::AttackPath => false,
        }
    }

    /// How many edges or principals an unfiltered scan goes through.
    fn chunked_len(self, g: &Graph) -> usize {
        match self {
            GraphTableKind::Edge => g.edges().len(),
            _ => g.principal_ids().count(),
        }
    }

    fn key_columns(self) -> &'static [&'static str] {
        match self {
            GraphTableKind::Node => &["key", "arn", "kind"],
            GraphTableKind::Edge => &["source", "target", "kind"],
            GraphTableKind::AttackPath => &["source_arn", "target"],
            GraphTableKind::Reachable => &["principal_arn"],
        }
    }
}

/// One graph table.
#[derive(Debug)]
pub struct GraphTable {
    kind: GraphTableKind,
    handle: Arc<GraphHandle>,
}

/// `column = 'text'` / `column IN ('a', 'b')` values per key column (None: no filter).
#[derive(Debug, Default, Clone)]
struct KeyFilters {
    values: Vec<(String, BTreeSet<String>)>,
}

impl KeyFilters {
    fn get(&self, column: &str) -> Option<&BTreeSet<String>> {
        // Several conjuncts on one column intersect; keep the first, DataFusion re-checks.
        self.values
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, v)| v)
    }
}

fn text_literal(e: &Expr) -> Option<String> {
    match e {
        Expr::Literal(v, _) => match v {
            ScalarValue::Utf8(Some(s))
            | ScalarValue::LargeUtf8(Some(s))
            | ScalarValue::Utf8View(Some(s)) => Some(s.clone()),
            _ => None,
        },
        Expr::Cast(c) => text_literal(&c.expr),
        _ => None,
    }
}

fn column_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Column(c) => Some(c.name.as_str()),
        Expr::Cast(c) => column_name(&c.expr),
        _ => None,
    }
}

fn key_filter(e: &Expr, columns: &[&str]) -> Option<(String, BTreeSet<String>)> {
    match e {
        Expr::BinaryExpr(b) if b.op == Operator::Eq => {
            let (col, lit) = match (column_name(&b.left), text_literal(&b.right)) {
                (Some(c), Some(l)) => (c, l),
                _ => (column_name(&b.right)?, text_literal(&b.left)?),
            };
            columns
                .contains(&col)
                .then(|| (col.to_string(), BTreeSet::from([lit])))
        }
        Expr::InList(list) if !list.negated => {
            let col = column_name(&list.expr)?;
            let values: Option<BTreeSet<String>> = list.list.iter().map(text_literal).collect();
            columns.contains(&col).then_some(())?;
            Some((col.to_string(), values?))
        }
        _ => None,
    }
}

fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::BinaryExpr(b) if b.op == Operator::And => {
            let mut v = conjuncts(&b.left);
            v.extend(conjuncts(&b.right));
            v
        }
        other => vec![other],
    }
}

#[async_trait]
impl TableProvider for GraphTable {
    fn schema(&self) -> SchemaRef {
        self.kind.schema()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| {
                if conjuncts(f)
                    .iter()
                    .any(|c| key_filter(c, self.kind.key_columns()).is_some())
                {
                    TableProviderFilterPushDown::Inexact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let mut keys = KeyFilters::default();
        for f in filters {
            for c in conjuncts(f) {
                if let Some(kv) = key_filter(c, self.kind.key_columns()) {
                    keys.values.push(kv);
                }
            }
        }
        let kind = self.kind;
        let schema = kind.schema();
        if let Some(size) = kind.chunk_size()
            && kind.unfiltered(&keys)
        {
            // Every edge or every principal's reachable set: produced in batches while
            // the client reads, never held whole (millions of rows in a large org).
            let part = Arc::new(ChunkedPartition {
                kind,
                handle: Arc::clone(&self.handle),
                keys: Arc::new(keys),
                schema: Arc::clone(&schema),
                size,
            });
            return Ok(Arc::new(StreamingTableExec::try_new(
                schema,
                vec![part],
                projection,
                [],
                false,
                limit,
            )?));
        }
        let graph = self
            .handle
            .graph()
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let schema_for_rows = Arc::clone(&schema);
        let batch = rows_off_runtime(kind, graph, Arc::new(keys), schema_for_rows, None).await?;
        let mem = MemTable::try_new(schema, vec![vec![batch]])?;
        mem.scan(state, projection, &[], limit).await
    }
}

/// [`rows`] on a blocking thread (path computations are CPU-bound).
async fn rows_off_runtime(
    kind: GraphTableKind,
    graph: Arc<Graph>,
    keys: Arc<KeyFilters>,
    schema: SchemaRef,
    part: Option<(usize, usize)>,
) -> DfResult<RecordBatch> {
    tokio::task::spawn_blocking(move || rows(kind, &graph, &keys, schema, part))
        .await
        .map_err(|e| DataFusionError::External(Box::new(GraphError::Task(e.to_string()))))?
}

/// An unfiltered scan of `graph_edge` or `reachable`, one batch per `size` edges or
/// principals. The graph is taken when the scan starts, so a re-executed plan reads the
/// current graph.
struct ChunkedPartition {
    kind: GraphTableKind,
    handle: Arc<GraphHandle>,
    keys: Arc<KeyFilters>,
    schema: SchemaRef,
    size: usize,
}

impl fmt::Debug for ChunkedPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ChunkedPartition({:?}, {} per batch)",
            self.kind, self.size
        )
    }
}

impl PartitionStream for ChunkedPartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let (kind, handle, keys, schema, size) = (
            self.kind,
            Arc::clone(&self.handle),
            Arc::clone(&self.keys),
            Arc::clone(&self.schema),
            self.size,
        );
        let batches = futures::stream::unfold(
            (0usize, None::<(Arc<Graph>, usize)>),
            move |(start, graph)| {
                let (handle, keys, schema) =
                    (Arc::clone(&handle), Arc::clone(&keys), Arc::clone(&schema));
                async move {
                    let (g, total) = match graph {
                        Some(g) => g,
                        None => match handle.graph().await {
                            Ok(g) => {
                                let total = kind.chunked_len(&g);
                                (g, total)
                            }
                            Err(e) => {
                                let e = DataFusionError::External(Box::new(e));
                                return Some((Err(e), (usize::MAX, None)));
                            }
                        },
                    };
                    if start >= total {
                        return None;
                    }
                    let end = start.saturating_add(size);
                    let batch =
                        rows_off_runtime(kind, Arc::clone(&g), keys, schema, Some((start, end)))
                            .await;
                    Some((batch, (end, Some((g, total)))))
                }
            },
        );
        Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&self.schema),
            batches,
        ))
    }
}

/// Column builders for one table, in declared order.
struct Columns {
    builders: Vec<ColumnBuilder>,
}

enum ColumnBuilder {
    Text(StringBuilder),
    Int(Int64Builder),
    Bool(BooleanBuilder),
}

/// One cell value.
enum Cell<'a> {
    Text(Option<&'a str>),
    Owned(Option<String>),
    Int(i64),
    Bool(bool),
}

impl Columns {
    fn new(kind: GraphTableKind) -> Self {
        Columns {
            builders: kind
                .columns()
                .iter()
                .map(|(_, t, _)| match t {
                    DataType::Int64 => ColumnBuilder::Int(Int64Builder::new()),
                    DataType::Boolean => ColumnBuilder::Bool(BooleanBuilder::new()),
                    _ => ColumnBuilder::Text(StringBuilder::new()),
                })
                .collect(),
        }
    }

    fn push(&mut self, row: Vec<Cell<'_>>) {
        for (b, c) in self.builders.iter_mut().zip(row) {
            match (b, c) {
                (ColumnBuilder::Text(b), Cell::Text(v)) => b.append_option(v),
                (ColumnBuilder::Text(b), Cell::Owned(v)) => b.append_option(v),
                (ColumnBuilder::Int(b), Cell::Int(v)) => b.append_value(v),
                (ColumnBuilder::Bool(b), Cell::Bool(v)) => b.append_value(v),
                (ColumnBuilder::Text(b), _) => b.append_null(),
                (ColumnBuilder::Int(b), _) => b.append_null(),
                (ColumnBuilder::Bool(b), _) => b.append_null(),
            }
        }
    }

    fn finish(self, schema: SchemaRef) -> DfResult<RecordBatch> {
        let arrays: Vec<ArrayRef> = self
            .builders
            .into_iter()
            .map(|b| -> ArrayRef {
                match b {
                    ColumnBuilder::Text(mut b) => Arc::new(b.finish()),
                    ColumnBuilder::Int(mut b) => Arc::new(b.finish()),
                    ColumnBuilder::Bool(mut b) => Arc::new(b.finish()),
                }
            })
            .collect();
        Ok(RecordBatch::try_new(schema, arrays)?)
    }
}

fn wanted(filter: Option<&BTreeSet<String>>, value: &str) -> bool {
    filter.is_none_or(|f| f.contains(value))
}

fn node_ids(g: &Graph, keys: Option<&BTreeSet<String>>) -> Option<Vec<NodeId>> {
    keys.map(|k| k.iter().filter_map(|key| g.id(key)).collect())
}

/// The rows of one table for the key filters; `part` (start, end) limits an unfiltered
/// `graph_edge` or `reachable` scan to those edges or principals (in id order).
fn rows(
    kind: GraphTableKind,
    g: &Graph,
    keys: &KeyFilters,
    schema: SchemaRef,
    part: Option<(usize, usize)>,
) -> DfResult<RecordBatch> {
    let range = |len: usize| match part {
        Some((start, end)) => start.min(len)..end.min(len),
        None => 0..len,
    };
    let mut cols = Columns::new(kind);
    match kind {
        GraphTableKind::Node => {
            let key_filter = keys.get("key").or(keys.get("arn"));
            let ids: Vec<NodeId> = match node_ids(g, key_filter) {
                Some(ids) => ids,
                None => (0..g.nodes().len() as NodeId).collect(),
            };
            for id in ids {
                let n = g.node(id);
                if !wanted(keys.get("kind"), n.kind.label()) {
                    continue;
                }
                let is_arn = n.key.starts_with("arn:");
                cols.push(vec![
                    Cell::Int(id as i64),
                    Cell::Text(Some(n.kind.label())),
                    Cell::Text(Some(&n.key)),
                    Cell::Text(is_arn.then_some(n.key.as_str())),
                    Cell::Text(Some(&n.name)),
                    Cell::Text(Some(&n.account_id)),
                    Cell::Owned(Some(Value::Object(n.props.clone()).to_string())),
                ]);
            }
        }
        GraphTableKind::Edge => {
            let mut edge_ids: Vec<u32> = match (
                node_ids(g, keys.get("source")),
                node_ids(g, keys.get("target")),
            ) {
                (Some(s), _) => s
                    .iter()
                    .flat_map(|&v| g.out_edges(v).iter().map(|&(_, e)| e))
                    .collect(),
                (None, Some(t)) => t
                    .iter()
                    .flat_map(|&v| g.in_edges(v).iter().map(|&(_, e)| e))
                    .collect(),
                (None, None) => range(g.edges().len()).map(|e| e as u32).collect(),
            };
            edge_ids.sort_unstable();
            edge_ids.dedup();
            for id in edge_ids {
                let e = g.edge(id);
                let (s, t) = (g.node(e.source), g.node(e.target));
                if !wanted(keys.get("kind"), e.kind.label())
                    || !wanted(keys.get("source"), &s.key)
                    || !wanted(keys.get("target"), &t.key)
                {
                    continue;
                }
                let mut props: Map<String, Value> = (*e.props).clone();
                props.insert(
                    "evidence".into(),
                    serde_json::to_value(&e.evidence[..]).unwrap_or(Value::Null),
                );
                cols.push(vec![
                    Cell::Int(id as i64),
                    Cell::Text(Some(&s.key)),
                    Cell::Text(Some(&t.key)),
                    Cell::Text(Some(s.kind.label())),
                    Cell::Text(Some(t.kind.label())),
                    Cell::Text(Some(e.kind.label())),
                    Cell::Text(e.technique.as_deref()),
                    Cell::Bool(e.conditional),
                    Cell::Owned(Some(Value::Object(props).to_string())),
                ]);
            }
        }
        GraphTableKind::AttackPath => {
            let sources = node_ids(g, keys.get("source_arn"));
            let targets = keys.get("target");
            let mut found: Vec<(String, GraphPath)> = Vec::new();
            let want_admin = targets.is_none_or(|t| t.contains("admin"));
            if want_admin {
                match &sources {
                    // One principal: forward BFS from it only.
                    Some(ids) => {
                        for &s in ids {
                            found.extend(
                                paths::paths_to_admin_from(g, s)
                                    .into_iter()
                                    .map(|p| ("admin".to_string(), p)),
                            );
                        }
                    }
                    None => found.extend(
                        g.admin_paths()
                            .paths
                            .iter()
                            .map(|p| ("admin".to_string(), p.clone())),
                    ),
                }
            }
            for t in targets
                .into_iter()
                .flatten()
                .filter(|t| t.as_str() != "admin")
            {
                let Some(tid) = g.id(t) else { continue };
                let paths = match &sources {
                    Some(ids) => ids
                        .iter()
                        .flat_map(|&s| {
                            paths::reachable(g, s, Follow::Privilege)
                                .into_iter()
                                .filter(|p| p.target == tid)
                        })
                        .collect(),
                    None => paths::paths_to(g, tid, Follow::Privilege),
                };
                found.extend(paths.into_iter().map(|p| (t.clone(), p)));
            }
            let rendered: Vec<(String, GraphPath, String, String)> = found
                .into_par_iter()
                .map(|(target, p)| {
                    let techniques = json!(p.techniques(g)).to_string();
                    let path = p.to_json(g).to_string();
                    (target, p, techniques, path)
                })
                .collect();
            for (target, p, techniques, path) in &rendered {
                let (s, t) = (g.node(p.source), g.node(p.target));
                if !s.kind.is_principal() {
                    continue;
                }
                cols.push(vec![
                    Cell::Text(Some(&s.key)),
                    Cell::Text(Some(s.kind.label())),
                    Cell::Text(Some(&s.account_id)),
                    Cell::Text(Some(target)),
                    Cell::Text(Some(&t.account_id)),
                    Cell::Int(p.hops() as i64),
                    Cell::Text(Some(techniques)),
                    Cell::Bool(p.conditional),
                    Cell::Text(Some(path)),
                    Cell::Text(Some(s.kind.cloud())),
                ]);
            }
        }
        GraphTableKind::Reachable => {
            let sources: Vec<NodeId> = match node_ids(g, keys.get("principal_arn")) {
                Some(ids) => ids,
                None => {
                    let all: Vec<NodeId> = g.principal_ids().collect();
                    all[range(all.len())].to_vec()
                }
            };
            let rendered: Vec<(GraphPath, String)> = sources
                .par_iter()
                .flat_map_iter(|&s| {
                    paths::reachable(g, s, Follow::PrivilegeAndAccess)
                        .into_iter()
                        .map(|p| {
                            let path = p.to_json(g).to_string();
                            (p, path)
                        })
                })
                .collect();
            for (p, path) in &rendered {
                let (s, t) = (g.node(p.source), g.node(p.target));
                if !s.kind.is_principal() {
                    continue;
                }
                cols.push(vec![
                    Cell::Text(Some(&s.key)),
                    Cell::Text(Some(&t.key)),
                    Cell::Text(Some(t.kind.label())),
                    Cell::Text(Some(&t.account_id)),
                    Cell::Int(p.hops() as i64),
                    Cell::Bool(p.conditional),
                    Cell::Text(Some(path)),
                ]);
            }
        }
    }
    cols.finish(schema)
}

/// Kinds of node a principal ARN can name (for callers validating input).
pub fn is_principal_key(g: &Graph, key: &str) -> bool {
    g.id(key).is_some_and(|id| g.node(id).kind.is_principal())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::util::display::array_value_to_string;

    fn text_rows(b: &RecordBatch) -> Vec<String> {
        (0..b.num_rows())
            .map(|r| {
                b.columns()
                    .iter()
                    .map(|c| array_value_to_string(c, r).unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect()
    }

    #[tokio::test]
    async fn chunked_scans_give_exactly_the_whole_table() {
        let ctx = crate::demo_context(300);
        let g = crate::build(&ctx, "demo").await.unwrap();
        let keys = KeyFilters::default();
        for kind in [GraphTableKind::Edge, GraphTableKind::Reachable] {
            assert!(kind.unfiltered(&keys));
            let whole = rows(kind, &g, &keys, kind.schema(), None).unwrap();
            let mut want = text_rows(&whole);
            let total = kind.chunked_len(&g);
            let size = 7;
            let mut got = Vec::new();
            let mut start = 0;
            while start < total {
                let part = rows(kind, &g, &keys, kind.schema(), Some((start, start + size)));
                got.extend(text_rows(&part.unwrap()));
                start += size;
            }
            assert!(want.len() > 100, "{kind:?}: {} rows", want.len());
            want.sort();
            got.sort();
            assert_eq!(got, want, "{kind:?}");
        }
    }
}
