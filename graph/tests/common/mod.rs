//! Shared test helpers: a DataFusion context serving the demo organisation.

#![allow(dead_code)]

use std::sync::Arc;

use arrow::util::display::array_value_to_string;
use datafusion::prelude::SessionContext;
use pathwarden_tables::catalog::TablesSchema;
use pathwarden_tables::demo;
use pathwarden_tables::framework::{ConnectionRuntime, ErrorLog, RuntimeOptions};

/// A context with the demo organisation at `scale` as schema `demo`.
pub fn demo_context(scale: usize) -> SessionContext {
    let source = demo::source("demo", scale);
    let rt = ConnectionRuntime::new(
        Arc::new(source),
        RuntimeOptions::default(),
        Arc::new(ErrorLog::default()),
    );
    let ctx = SessionContext::new();
    let catalog = ctx.catalog("datafusion").expect("default catalog");
    catalog
        .register_schema("demo", Arc::new(TablesSchema::for_connection(&rt)))
        .expect("register schema");
    ctx
}

/// Runs SQL and returns every cell as text.
pub async fn sql(ctx: &SessionContext, q: &str) -> Vec<Vec<String>> {
    let batches = ctx
        .sql(q)
        .await
        .unwrap_or_else(|e| panic!("{q}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{q}: {e}"));
    let mut out = Vec::new();
    for b in batches {
        for row in 0..b.num_rows() {
            out.push(
                (0..b.num_columns())
                    .map(|c| array_value_to_string(b.column(c), row).unwrap_or_default())
                    .collect(),
            );
        }
    }
    out
}

/// `arn:aws:iam::111111111111:user/<name>` and friends.
pub fn prod_user(name: &str) -> String {
    format!("arn:aws:iam::111111111111:user/{name}")
}
