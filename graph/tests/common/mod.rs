//! Shared test helpers: a DataFusion context serving the demo organisation.

#![allow(dead_code)]

use arrow::util::display::array_value_to_string;
use datafusion::prelude::SessionContext;

mod demo;
pub use demo::demo_context;

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
