//! Paths through resources the input does not list depend on whether the connection has
//! an inventory of that service: a served and readable `aws_ec2_instance` proves which
//! instances exist; a denied read (a `pathwarden_error` row) leaves them unknown, so
//! instance techniques are reported as conditional on an instance existing.

mod common;

use std::sync::Arc;

use arrow::array::StringArray;
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use common::demo_context;
use datafusion::catalog::MemorySchemaProvider;
use datafusion::datasource::MemTable;
use pathwarden_graph::Graph;
use pathwarden_graph::schema::EdgeKind;

/// CAN_ESCALATE edges whose evidence assumes an EC2 instance exists.
fn assumed_instance_edges(g: &Graph) -> usize {
    g.edges()
        .iter()
        .filter(|e| {
            e.kind == EdgeKind::CanEscalate
                && e.evidence.iter().any(|ev| {
                    ev.assumption
                        .as_deref()
                        .is_some_and(|a| a.contains("an EC2 instance"))
                })
        })
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_instance_inventory_turns_instance_techniques_conditional() {
    let ctx = demo_context(300);
    let present = pathwarden_graph::build(&ctx, "demo")
        .await
        .unwrap_or_else(|e| panic!("build: {e}"));
    assert_eq!(
        assumed_instance_edges(&present),
        0,
        "the demo's instance inventory is complete: nothing is assumed"
    );

    // The daemon's error log says the instance listing was denied on this connection.
    let schema = Arc::new(Schema::new(vec![
        Field::new("connection", DataType::Utf8, true),
        Field::new("table_name", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["demo"])),
            Arc::new(StringArray::from(vec!["aws_ec2_instance"])),
        ],
    )
    .unwrap_or_else(|e| panic!("batch: {e}"));
    let errors = MemorySchemaProvider::new();
    datafusion::catalog::SchemaProvider::register_table(
        &errors,
        "pathwarden_error".into(),
        Arc::new(MemTable::try_new(schema, vec![vec![batch]]).unwrap_or_else(|e| panic!("{e}"))),
    )
    .unwrap_or_else(|e| panic!("register: {e}"));
    ctx.catalog("datafusion")
        .unwrap_or_else(|| panic!("catalog"))
        .register_schema("pathwarden", Arc::new(errors))
        .unwrap_or_else(|e| panic!("register schema: {e}"));
    let denied = pathwarden_graph::build(&ctx, "demo")
        .await
        .unwrap_or_else(|e| panic!("build: {e}"));
    let assumed = assumed_instance_edges(&denied);
    assert!(
        assumed > 0,
        "with the listing denied, instance techniques must be reported as assumed"
    );
    assert!(
        denied
            .edges()
            .iter()
            .filter(|e| e.evidence.iter().any(|ev| ev.assumption.is_some()))
            .all(|e| e.conditional),
        "an assumed resource is never a decided edge"
    );
}
