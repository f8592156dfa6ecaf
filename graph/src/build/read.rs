//! Phase 1: read the tables through SQL into typed rows.

use std::collections::BTreeSet;

use datafusion::prelude::SessionContext;

use super::types::{ErrorRow, OrgTables, Tables};
use crate::GraphError;
use crate::rows::{FromRow, quote_ident, read_query, read_table};

/// Reads `schema.table` into `T`s. A table the schema does not serve is an error when
/// `required`, else no rows.
async fn read<T: FromRow>(
    ctx: &SessionContext,
    schema: &str,
    table: &str,
    required: bool,
) -> Result<Vec<T>, GraphError> {
    if !served(ctx, schema, table) {
        if required {
            return Err(GraphError::MissingTable {
                schema: schema.to_string(),
                table: table.to_string(),
            });
        }
        tracing::info!(
            schema,
            table,
            "table not served by this connection; graph built without it"
        );
        return Ok(Vec::new());
    }
    read_table(ctx, schema, table)
        .await
        .map_err(|e| GraphError::Query {
            table: table.to_string(),
            source: e,
        })
}

fn served(ctx: &SessionContext, schema: &str, table: &str) -> bool {
    ctx.table_exist(format!("{schema}.{table}").as_str())
        .unwrap_or(false)
}

/// Reads an optional table: `None` when the schema does not serve it or reading it
/// failed (e.g. access denied), which the builder treats as "no inventory", never as "no
/// rows".
async fn read_optional<T: FromRow>(
    ctx: &SessionContext,
    schema: &str,
    table: &str,
) -> Option<Vec<T>> {
    if !served(ctx, schema, table) {
        tracing::info!(
            schema,
            table,
            "table not served by this connection; graph built without it"
        );
        return None;
    }
    match read_table(ctx, schema, table).await {
        Ok(rows) => Some(rows),
        Err(e) => {
            tracing::warn!(schema, table, error = %e, "optional table unreadable; its inventory is treated as absent");
            None
        }
    }
}

/// Reads the organization's structure and SCPs. `None` when the schema does not serve
/// the Organizations tables or a read fails (an account outside any organization reads
/// as no rows, which applies no SCP, as AWS does).
async fn read_org(ctx: &SessionContext, schema: &str) -> Option<OrgTables> {
    const TABLES: [&str; 4] = [
        "aws_organizations_account",
        "aws_organizations_organizational_unit",
        "aws_organizations_root",
        "aws_organizations_policy_target",
    ];
    if !TABLES.iter().all(|t| served(ctx, schema, t)) {
        return None;
    }
    let scp_sql = format!(
        "select id, name, target_id, content from {}.{} where type = 'SERVICE_CONTROL_POLICY'",
        quote_ident(schema),
        quote_ident(TABLES[3])
    );
    let read = async {
        Ok::<_, datafusion::error::DataFusionError>(OrgTables {
            accounts: read_table(ctx, schema, TABLES[0]).await?,
            units: read_table(ctx, schema, TABLES[1]).await?,
            roots: read_table(ctx, schema, TABLES[2]).await?,
            scps: read_query(ctx, &scp_sql).await?,
        })
    };
    match read.await {
        Ok(org) => Some(org),
        Err(e) => {
            tracing::warn!(schema, error = %e, "organization tables unreadable; no SCP is applied to the graph");
            None
        }
    }
}

/// Spawns `read` on its own task (see [`read_tables`]).
fn spawn<T: FromRow + Send + 'static>(
    ctx: &SessionContext,
    schema: &str,
    table: &'static str,
    required: bool,
) -> tokio::task::JoinHandle<Result<Vec<T>, GraphError>> {
    let ctx = ctx.clone();
    let schema = schema.to_string();
    tokio::spawn(async move { read(&ctx, &schema, table, required).await })
}

async fn join<T>(
    h: tokio::task::JoinHandle<Result<T, GraphError>>,
) -> Result<Result<T, GraphError>, GraphError> {
    h.await.map_err(|e| GraphError::Task(e.to_string()))
}

/// Reads every table the builder uses.
pub(crate) async fn read_tables(ctx: &SessionContext, schema: &str) -> Result<Tables, GraphError> {
    // Tables are read concurrently, each on its own task: converting rows to Arrow and
    // reading them back is CPU work that then spreads over the cores. Live connections
    // still bound API concurrency per service in the connection runtime. Errors are
    // reported in the fixed order below, as if read one after another.
    let instances = {
        let ctx = ctx.clone();
        let schema = schema.to_string();
        tokio::spawn(async move { read_optional(&ctx, &schema, "aws_ec2_instance").await })
    };
    let accounts = spawn(ctx, schema, "aws_account", false);
    let users = spawn(ctx, schema, "aws_iam_user", true);
    let groups = spawn(ctx, schema, "aws_iam_group", true);
    let roles = spawn(ctx, schema, "aws_iam_role", true);
    let policies = spawn(ctx, schema, "aws_iam_policy", true);
    let buckets = spawn(ctx, schema, "aws_s3_bucket", false);
    let sg_rules = spawn(ctx, schema, "aws_vpc_security_group_rule", false);
    // Joined in order first (a panicked task is reported before any read error), then
    // unwrapped in order.
    let (accounts, users, groups, roles, policies, buckets, sg_rules) = (
        join(accounts).await?,
        join(users).await?,
        join(groups).await?,
        join(roles).await?,
        join(policies).await?,
        join(buckets).await?,
        join(sg_rules).await?,
    );
    let (accounts, users, groups, roles, policies, buckets, sg_rules) = (
        accounts?, users?, groups?, roles?, policies?, buckets?, sg_rules?,
    );
    let instances = instances
        .await
        .map_err(|e| GraphError::Task(e.to_string()))?;
    let mut inventory_tables = BTreeSet::new();
    if instances.is_some() {
        inventory_tables.insert("aws_ec2_instance");
    }
    // The daemon's catalogue logs denied reads there; a context without it (tests, the
    // library on its own) has none to report.
    let failed_reads = read_optional::<ErrorRow>(ctx, "pathwarden", "pathwarden_error")
        .await
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| Some((r.connection?, r.table_name?)))
        .collect();
    let org = read_org(ctx, schema).await;
    Ok(Tables {
        org,
        accounts,
        users,
        groups,
        roles,
        policies,
        buckets,
        sg_rules,
        instances: instances.unwrap_or_default(),
        inventory_tables,
        failed_reads,
    })
}
