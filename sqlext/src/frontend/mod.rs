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
