//! pathwarden's privilege graph.
//!
//! - [`schema`]: node and edge kinds declared once as data; everything else is generated.
//! - [`build()`]: reads a connection's tables through SQL and evaluates every principal's
//!   policies (escalation rules, AssumeRole, admin, bucket access) into a [`Graph`].
//! - [`paths`]: CSR path engine: who reaches admin, what one identity reaches, simple paths.
//! - [`gcp`]: GCP principals, owner-equivalent Admin nodes and escalation edges, from the
//!   GCP tables through `pathwarden_analyzers::gcp`.
//! - [`azure`]: Azure principals (Entra object ids), Admin nodes of the tenant, management
//!   groups and subscriptions, and escalation edges, from the Azure tables through
//!   `pathwarden_analyzers::azure`.
//! - [`rows`]: typed table reads (rows into structs by column name), also used by the
//!   daemon's policy reviewer.
//! - [`sql`]: `graph_node`, `graph_edge`, `attack_path`, `reachable` as DataFusion tables.
//! - [`mirror`]: sync into Neo4j (Bolt) or FalkorDB (RESP) with Cypher generated from the schema.

pub mod azure;
pub mod build;
pub mod gcp;
pub mod mirror;
pub mod model;
pub mod paths;
pub mod rows;
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

/// The demo organisation for unit tests (shared with the integration tests and benchmark).
#[cfg(test)]
#[path = "../tests/common/demo.rs"]
mod demo;
#[cfg(test)]
pub(crate) use demo::demo_context;
