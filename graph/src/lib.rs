//! pathwarden's privilege graph.
//!
//! - [`schema`]: node and edge kinds declared once as data; everything else is generated.
//! - [`build()`]: reads a connection's tables through SQL and evaluates every principal's
//!   policies (escalation rules, AssumeRole, admin, bucket access) into a [`Graph`].
//! - [`paths`]: CSR path engine: who reaches admin, what one identity reaches, simple paths.
//! - [`gcp`]: GCP principals, owner-equivalent Admin nodes and escalation edges, from the
//!   GCP tables through `pathwarden_analyzers::gcp`.
//! - [`sql`]: `graph_node`, `graph_edge`, `attack_path`, `reachable` as DataFusion tables.
//! - [`mirror`]: sync into Neo4j (Bolt) or FalkorDB (RESP) with Cypher generated from the schema.

mod access;
pub mod build;
pub mod gcp;
pub mod mirror;
pub mod model;
pub mod paths;
pub mod schema;
pub mod sql;

pub use build::build;
pub use model::{Edge, EdgeId, Evidence, Graph, GraphBuilder, Node, NodeId};
pub use paths::{Follow, GraphPath};
pub use sql::{GraphHandle, register_tables, tables};

/// Errors building or querying the graph.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// A table the graph needs is not served by the schema.
    #[error("schema {schema} has no table {table}; the graph needs the AWS IAM tables")]
    MissingTable {
        /// Schema asked for.
        schema: String,
        /// Missing table.
        table: String,
    },
    /// Reading a table failed.
    #[error("reading {table} for the graph: {source}")]
    Query {
        /// Table being read.
        table: String,
        /// Cause.
        #[source]
        source: datafusion::error::DataFusionError,
    },
    /// A background task failed (panicked or was cancelled).
    #[error("graph task failed: {0}")]
    Task(String),
    /// No node has this key.
    #[error("no graph node with key {0}")]
    UnknownNode(String),
}

/// A DataFusion context serving the built-in demo organisation at `scale` principals as
/// schema `demo` (what the benchmarks and tests build graphs from).
pub fn demo_context(scale: usize) -> datafusion::prelude::SessionContext {
    use pathwarden_tables::catalog::TablesSchema;
    use pathwarden_tables::framework::{ConnectionRuntime, ErrorLog, RuntimeOptions};
    let rt = ConnectionRuntime::new(
        std::sync::Arc::new(pathwarden_tables::demo::source("demo", scale)),
        RuntimeOptions::default(),
        std::sync::Arc::new(ErrorLog::default()),
    );
    let ctx = datafusion::prelude::SessionContext::new();
    if let Some(catalog) = ctx.catalog("datafusion") {
        let _ = catalog.register_schema(
            "demo",
            std::sync::Arc::new(TablesSchema::for_connection(&rt)),
        );
    }
    ctx
}
