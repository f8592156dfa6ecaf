//! Builds the privilege graph from the tables of one schema of a DataFusion context.
//!
//! The build runs in named phases, each in its own module, handing each other the types of
//! [`types`]:
//!
//! 1. [`read`]: the tables, read through SQL into typed rows (so every fact in the graph
//!    can be checked in SQL; the crate cannot reach the table providers any other way);
//! 2. [`parse`]: rows into per-account snapshots, resources and node properties;
//! 3. [`structure`]: nodes and the edges that need no evaluation;
//! 4. [`evaluate`]: admin checks and escalations per principal (the escalation engine),
//!    then bucket access ([`access`]);
//! 5. [`emit`]: the evaluated edges, group admins and cross-account AssumeRole
//!    ([`cross_account`]).
//!
//! Phases 2–5 are CPU work: they run on the blocking pool and rayon, never on the async
//! runtime's threads.

mod access;
mod cross_account;
mod emit;
mod evaluate;
mod parse;
mod policies;
mod read;
mod structure;
mod types;

use std::time::Instant;

use datafusion::prelude::SessionContext;

pub use types::ASSUMPTION_POLICY;
pub(crate) use types::Tables;

use crate::GraphError;
use crate::model::{Graph, GraphBuilder};

/// Builds the graph from `schema`'s tables (`aws_iam_user`, `aws_iam_role`, ...).
///
/// Resource tables (`aws_s3_bucket`, `aws_ec2_instance`, `aws_vpc_security_group_rule`,
/// `aws_account`) are optional: a connection without them (an offline IAM export) gives a
/// graph without resources. The IAM tables are required.
pub async fn build(ctx: &SessionContext, schema: &str) -> Result<Graph, GraphError> {
    let started = Instant::now();
    let (gcp, azure) = tokio::join!(
        crate::gcp::read_tables(ctx, schema),
        Box::pin(crate::azure::read_tables(ctx, schema))
    );
    let (gcp, azure) = (gcp?, azure?);
    // A schema with GCP or Azure tables and no AWS IAM tables gives a graph of those.
    let aws = (gcp.is_none() && azure.is_none())
        || ctx
            .table_exist(format!("{schema}.aws_iam_role").as_str())
            .unwrap_or(false);
    let tables = if aws {
        read::read_tables(ctx, schema).await?
    } else {
        Tables::default()
    };
    let read_elapsed = started.elapsed();
    let graph = tokio::task::spawn_blocking(move || assemble(tables, gcp, azure))
        .await
        .map_err(|e| GraphError::Task(e.to_string()))?;
    tracing::info!(
        schema,
        nodes = graph.nodes().len(),
        edges = graph.edges().len(),
        read_ms = read_elapsed.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "privilege graph built"
    );
    Ok(graph)
}

/// Phases 2–5 (and the GCP and Azure graphs, built by their own modules from their own
/// tables).
fn assemble(
    tables: Tables,
    gcp: Option<crate::gcp::GcpTables>,
    azure: Option<crate::azure::AzureTables>,
) -> Graph {
    let t0 = Instant::now();
    let mut parsed = parse::parse(tables);
    let t_parse = t0.elapsed();
    let mut b = GraphBuilder::new();
    structure::add_structure(&mut b, &mut parsed);
    let t_structure = t0.elapsed();
    let unresolved = evaluate::unresolved(&parsed);
    let ev = evaluate::Evaluated::new(&parsed, &unresolved);
    let mut results = evaluate::escalations(&parsed, &ev);
    let t_escalation = t0.elapsed();
    evaluate::bucket_access(&parsed, &ev, &mut results);
    let t_eval = t0.elapsed();
    emit::add_evaluated_edges(&mut b, &parsed, &ev, results);
    if let Some(gcp) = gcp {
        crate::gcp::add(&mut b, gcp);
    }
    if let Some(azure) = azure {
        crate::azure::add(&mut b, azure);
    }
    let graph = b.finish();
    let ms = |d: std::time::Duration| d.as_millis() as u64;
    tracing::debug!(
        parse_ms = ms(t_parse),
        structure_ms = ms(t_structure - t_parse),
        escalation_ms = ms(t_escalation - t_structure),
        access_ms = ms(t_eval - t_escalation),
        edges_ms = ms(t0.elapsed() - t_eval),
        total_ms = ms(t0.elapsed()),
        "graph assembled"
    );
    graph
}

/// CAN_ACCESS facts of every user and role of `tables` as (principal ARN, bucket ARN,
/// class, conditional, evidence), computed with or without sharing between principals:
/// the two must agree.
#[cfg(test)]
pub(crate) fn access_facts(
    tables: Tables,
    share: bool,
) -> (
    Vec<(String, String, usize, bool, Vec<crate::model::Evidence>)>,
    usize,
) {
    let parsed = parse::parse(tables);
    let unresolved = policies::unresolved_documents(&parsed.snapshots);
    let group_maps = policies::group_maps(&parsed.snapshots);
    let mut policies = Vec::new();
    for (ai, s) in parsed.snapshots.iter().enumerate() {
        for info in s.users.iter().chain(s.roles.iter().map(|r| &r.principal)) {
            policies.push(policies::PrincipalPolicies::new(
                s,
                info,
                &group_maps[ai],
                &unresolved,
            ));
        }
    }
    let index = access::BucketIndex::new(&parsed.buckets);
    let facts = access::bucket_access_with(&policies, &parsed.buckets, &index, share);
    let shared = facts.iter().filter(|f| f.is_shared()).count();
    let mut out = Vec::new();
    for (pp, f) in policies.iter().zip(facts) {
        for a in f.iter() {
            out.push((
                pp.principal.arn.clone(),
                parsed.buckets[a.bucket].arn.clone(),
                a.class,
                a.conditional,
                a.evidence.to_vec(),
            ));
        }
    }
    (out, shared)
}
