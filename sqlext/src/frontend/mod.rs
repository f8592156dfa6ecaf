//! The SQL front end: SQL text to planned statements with PostgreSQL semantics, the
//! same for every path SQL comes in by — the PostgreSQL wire protocol, `pathwarden
//! query` and `check`, scheduled jobs, the policy reviewer and the graph's table reads.
//!
//! The pipeline, in order:
//! 1. [`PgParser`]: PostgreSQL's dialect with datafusion-pg-catalog's
//!    client-compatibility rules (whole-query substitutions for known client catalog
//!    queries, operator and cast rewrites), but keeping correlated scalar subqueries.
//! 2. [`rewrite`]: the AST rewrites that let DataFusion plan PostgreSQL query shapes
//!    (LIKE ... ESCAPE, catalog vector columns, regproc comparisons, subqueries inside
//!    CASE and unaggregated scalar subqueries) and this crate's JSON and
//!    set-returning-function rewrites ([`crate::rewrite`]).
//! 3. [`plan_query`]: the session's search path ([`search_path`]), planning, a
//!    fallback for catalog subqueries DataFusion cannot decorrelate, and a read-only
//!    check on the plan.
//!
//! Errors are [`SqlError`]s carrying a SQLSTATE; the wire protocol sends them as they
//! are, the CLI prints their message.
//!
//! # Patches on upstream behaviour
//!
//! Each can go when its upstream changes:
//! - [`PgParser`]: datafusion-pg-catalog 0.19's `RemoveSubqueryFromProjection` turns
//!   every correlated select-list subquery into NULL (wrong answers) and drops its
//!   parameters.
//! - [`plan_query`]'s fallback: DataFusion 55 cannot run some correlated subqueries;
//!   only those of catalog queries become NULL, one by one.
//! - `compare_regproc_columns_by_name`: datafusion-pg-catalog holds `pg_type`'s regproc
//!   columns as names but turns `'f'::regproc` into an oid lookup.
//! - `rewrite_catalog_vectors`, `rewrite_field_access`: datafusion-pg-catalog holds
//!   `int2vector`/`oidvector` columns (`indkey`, `conkey`, `proargtypes`) as text, and
//!   DataFusion plans no `(composite).field`.
//! - `rewrite_catalog_functions`: datafusion-pg-catalog has no `col_description`,
//!   `obj_description`, `pg_get_function_*`, `pg_get_indexdef`, `_pg_expandarray`, and
//!   its oid type planner makes `regtype` an integer (`x::regtype::text` is a number).
//! - `rewrite_information_schema_columns`: DataFusion's information_schema names Arrow
//!   types in `data_type`.
//! - `rewrite_text_casts`: DataFusion casts timestamps to text in Arrow's ISO form.
//! - `hoist_case_subqueries`, `aggregate_scalar_subqueries`, `rewrite_like_escape`:
//!   DataFusion plans no subquery inside CASE, no unaggregated correlated scalar
//!   subquery, and only the backslash LIKE escape.
//!
//! The wire protocol's own patches (pgwire's transaction status, datafusion-postgres'
//! `SET TIME ZONE`, arrow-pg's parameter decoding, catalog tables) are in the daemon's
//! `pg` module, each with the upstream behaviour it works around.

mod error;
mod parser;
mod plan;
mod rewrites;
pub mod search_path;

use std::sync::LazyLock;

use datafusion::dataframe::DataFrame;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::Statement;

pub use error::{SqlError, clean_message, sqlstate};
pub use parser::{PgParser, parse_sql};
pub use plan::{plan_query, read_only_sql};
pub use rewrites::rewrite;

/// Statements the engine plans and runs itself (queries and EXPLAIN); everything else
/// (SET, SHOW, transactions, cursors, DDL) is the session's to handle.
pub fn is_engine_query(stmt: &Statement) -> bool {
    matches!(stmt, Statement::Query(_) | Statement::Explain { .. })
}

/// One parser for in-process callers (building one compiles the compat parser's
/// query templates).
static PARSER: LazyLock<PgParser> = LazyLock::new(PgParser::new);

/// Plan one query through the whole front end on `ctx`, as if a client had sent it:
/// what the graph build and the policy reviewer use to read tables. Anything but a
/// single query (or EXPLAIN) is SQLSTATE 0A000.
pub async fn sql(ctx: &SessionContext, sql: &str) -> Result<DataFrame, SqlError> {
    let mut stmts = parse_sql(&PARSER, sql)?;
    let stmt = match (stmts.pop(), stmts.is_empty()) {
        (Some(stmt), true) if is_engine_query(&stmt) => stmt,
        _ => {
            return Err(SqlError::new(
                "0A000",
                "only a single query can be run here",
            ));
        }
    };
    let (_, plan) = plan_query(&ctx.state(), stmt).await?;
    ctx.execute_logical_plan(plan)
        .await
        .map_err(SqlError::from_datafusion)
}

#[cfg(test)]
mod tests;
