//! Graph mirror: copy the privilege graph into a graph database for its browser.
//!
//! One [`GraphSink`] trait, two sinks sharing the Cypher generated in [`cypher`]:
//! [`Neo4jSink`] speaks Bolt (the `neo4j` crate: Bolt 4.4 and 5.0–5.8, so both Neo4j 4.4/5.x
//! and FalkorDB's Bolt endpoint; chosen over neo4rs, which only speaks Bolt ≤ 4.4 and
//! cannot handshake with FalkorDB), and [`FalkorDbSink`] speaks RESP (`GRAPH.QUERY`).
//!
//! A sync: indexes/constraints first, then batched `UNWIND $rows MERGE` of nodes per kind
//! and edges per (kind, source kind, target kind), each stamped with this sync's
//! `update_tag`, then removal of the relationships and nodes of our kinds whose tag is
//! another sync's. Re-running a sync of the same graph leaves the database unchanged.
//!
//! FalkorDB 4.16's Bolt endpoint crashes (stack smashing) on a Bolt message of about 4 KB
//! or more, so through Bolt to FalkorDB batches are also capped by size; the RESP sink
//! has no such limit and is the faster way to FalkorDB.

pub mod cypher;
mod falkordb;
mod neo4j;

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde_json::Value;

pub use self::falkordb::FalkorDbSink;
pub use self::neo4j::Neo4jSink;
use crate::model::Graph;
use crate::schema::{EdgeKind, NodeKind};

/// Errors talking to a graph database.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// Bad configuration (URI, batch size).
    #[error("graph mirror configuration: {0}")]
    Config(String),
    /// Bolt driver error.
    #[error("neo4j/bolt: {0}")]
    Bolt(String),
    /// RESP / FalkorDB error.
    #[error("falkordb: {0}")]
    Redis(#[from] redis::RedisError),
    /// A background task failed.
    #[error("graph mirror task failed: {0}")]
    Task(String),
}

/// Which protocol the mirror speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkKind {
    /// Bolt (`bolt://host:7687`): Neo4j 4.4/5.x, or FalkorDB's Bolt port (no auth).
    Neo4j,
    /// RESP (`redis://host:6379`): FalkorDB's `GRAPH.QUERY`.
    FalkorDb,
}

/// Where and how to mirror.
#[derive(Clone)]
pub struct MirrorConfig {
    /// `bolt://host:port` (Neo4j sink) or `redis://host:port` (FalkorDB sink).
    pub uri: String,
    /// User; `None` for no authentication.
    pub user: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Database (Neo4j) or graph name (FalkorDB, including over Bolt); `None`: server default
    /// for Neo4j, `pathwarden` for FalkorDB.
    pub database: Option<String>,
    /// Protocol.
    pub sink: SinkKind,
    /// Rows per UNWIND batch.
    pub batch_size: usize,
}

impl fmt::Debug for MirrorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the password.
        f.debug_struct("MirrorConfig")
            .field("uri", &self.uri)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("database", &self.database)
            .field("sink", &self.sink)
            .field("batch_size", &self.batch_size)
            .finish()
    }
}

impl MirrorConfig {
    /// Defaults for a sink at `uri`: no auth, default database, batches of 1,000 rows.
    pub fn new(uri: impl Into<String>, sink: SinkKind) -> Self {
        MirrorConfig {
            uri: uri.into(),
            user: None,
            password: None,
            database: None,
            sink,
            batch_size: 1000,
        }
    }

    /// Graph name used by FalkorDB.
    pub fn graph_name(&self) -> &str {
        self.database.as_deref().unwrap_or("pathwarden")
    }
}

/// What one sync did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncStats {
    /// Nodes written.
    pub nodes: usize,
    /// Edges written.
    pub edges: usize,
    /// Stale nodes and edges removed.
    pub removed: usize,
    /// Wall time.
    pub elapsed: Duration,
}

/// Query parameters: name and JSON value.
pub type Params = Vec<(&'static str, Value)>;

/// A graph database the mirror can write to.
#[async_trait]
pub trait GraphSink: Send {
    /// Creates the indexes/constraints of the declared node kinds (idempotent).
    async fn ensure_schema(&mut self) -> Result<(), MirrorError>;

    /// Runs a statement with parameters and returns its rows as JSON values.
    async fn run(&mut self, cypher: &str, params: Params) -> Result<Vec<Vec<Value>>, MirrorError>;

    /// Largest statement (text plus parameters, as JSON) the server takes safely, if limited.
    fn max_statement_bytes(&self) -> Option<usize> {
        None
    }
}

/// Splits rows into batches of at most `max_rows` rows and, when a byte limit is set, at
/// most `max_bytes` of JSON (plus the statement). A row alone over the limit is an error:
/// sending it would crash a server with that limit.
fn batches(
    rows: &[Value],
    max_rows: usize,
    max_bytes: Option<usize>,
    statement: &str,
) -> Result<Vec<Vec<Value>>, MirrorError> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut size = statement.len();
    for row in rows {
        let row_size = match max_bytes {
            Some(_) => row.to_string().len() + 1,
            None => 0,
        };
        if let Some(limit) = max_bytes {
            if statement.len() + row_size > limit {
                return Err(MirrorError::Config(format!(
                    "a row of {row_size} bytes exceeds the {limit}-byte statement limit of this server \
                     (FalkorDB's Bolt endpoint); use the FalkorDB RESP sink instead"
                )));
            }
            if !current.is_empty() && size + row_size > limit {
                out.push(std::mem::take(&mut current));
                size = statement.len();
            }
        }
        if current.len() >= max_rows {
            out.push(std::mem::take(&mut current));
            size = statement.len();
        }
        size += row_size;
        current.push(row.clone());
    }
    if !current.is_empty() {
        out.push(current);
    }
    Ok(out)
}

/// Opens the sink the configuration names.
pub async fn connect(cfg: &MirrorConfig) -> Result<Box<dyn GraphSink>, MirrorError> {
    if cfg.batch_size == 0 {
        return Err(MirrorError::Config("batch_size must be at least 1".into()));
    }
    Ok(match cfg.sink {
        SinkKind::Neo4j => Box::new(Neo4jSink::connect(cfg).await?),
        SinkKind::FalkorDb => Box::new(FalkorDbSink::connect(cfg).await?),
    })
}

/// A tag newer than any earlier sync's (milliseconds since the epoch).
fn new_tag() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn count(rows: &[Vec<Value>]) -> usize {
    rows.first()
        .and_then(|r| r.first())
        .and_then(Value::as_i64)
        .unwrap_or(0)
        .max(0) as usize
}

/// Mirrors `graph` into the database `cfg` names.
pub async fn sync(graph: &Graph, cfg: &MirrorConfig) -> Result<SyncStats, MirrorError> {
    let mut sink = connect(cfg).await?;
    sync_with(graph, sink.as_mut(), cfg.batch_size).await
}

/// Mirrors `graph` through an open sink.
pub async fn sync_with(
    graph: &Graph,
    sink: &mut dyn GraphSink,
    batch_size: usize,
) -> Result<SyncStats, MirrorError> {
    let started = Instant::now();
    let batch_size = batch_size.max(1);
    let tag = new_tag();
    sink.ensure_schema().await?;

    let mut by_kind: BTreeMap<NodeKind, Vec<Value>> = BTreeMap::new();
    for n in graph.nodes() {
        by_kind.entry(n.kind).or_default().push(cypher::node_row(n));
    }
    let mut nodes = 0;
    for (kind, rows) in by_kind {
        let q = cypher::merge_nodes(kind);
        for chunk in batches(&rows, batch_size, sink.max_statement_bytes(), &q)? {
            nodes += chunk.len();
            sink.run(
                &q,
                vec![("rows", Value::Array(chunk)), ("tag", Value::from(tag))],
            )
            .await?;
        }
    }

    let mut by_shape: BTreeMap<(EdgeKind, NodeKind, NodeKind), Vec<Value>> = BTreeMap::new();
    for e in graph.edges() {
        let shape = (e.kind, graph.node(e.source).kind, graph.node(e.target).kind);
        by_shape
            .entry(shape)
            .or_default()
            .push(cypher::edge_row(graph, e));
    }
    let mut edges = 0;
    for ((kind, from, to), rows) in by_shape {
        let q = cypher::merge_edges(kind, from, to);
        for chunk in batches(&rows, batch_size, sink.max_statement_bytes(), &q)? {
            edges += chunk.len();
            sink.run(
                &q,
                vec![("rows", Value::Array(chunk)), ("tag", Value::from(tag))],
            )
            .await?;
        }
    }

    let mut removed = 0;
    for kind in EdgeKind::ALL {
        removed += count(
            &sink
                .run(
                    &cypher::remove_stale_edges(kind),
                    vec![("tag", Value::from(tag))],
                )
                .await?,
        );
    }
    for kind in NodeKind::ALL {
        removed += count(
            &sink
                .run(
                    &cypher::remove_stale_nodes(kind),
                    vec![("tag", Value::from(tag))],
                )
                .await?,
        );
    }
    let stats = SyncStats {
        nodes,
        edges,
        removed,
        elapsed: started.elapsed(),
    };
    tracing::info!(
        nodes,
        edges,
        removed,
        elapsed_ms = stats.elapsed.as_millis() as u64,
        "graph mirror synced"
    );
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn batches_respect_row_and_byte_limits() {
        let rows: Vec<_> = (0..10).map(|i| json!({"k": format!("{i:0>20}")})).collect();
        let by_rows = super::batches(&rows, 4, None, "Q").expect("batches");
        assert_eq!(
            by_rows.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![4, 4, 2]
        );
        let by_bytes = super::batches(&rows, 100, Some(100), "Q").expect("batches");
        assert!(
            by_bytes.len() > 1
                && by_bytes.iter().all(|b| b
                    .iter()
                    .map(|r| r.to_string().len() + 1)
                    .sum::<usize>()
                    < 100)
        );
        assert_eq!(by_bytes.iter().map(Vec::len).sum::<usize>(), 10);
        assert!(super::batches(&rows, 100, Some(10), "Q").is_err());
    }
}
