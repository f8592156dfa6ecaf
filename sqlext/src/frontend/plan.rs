//! Planning: a statement the engine runs itself, after the rewrites and the search
//! path, with a fallback for catalog subqueries DataFusion cannot decorrelate, and
//! checked to only read.

use crate::visit::Walk;
use std::collections::BTreeSet;
use std::ops::ControlFlow;

use datafusion::common::tree_node::TreeNode;
use datafusion::execution::SessionState;
use datafusion::logical_expr::{Expr as LExpr, LogicalPlan};
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    Expr, ObjectName, Query, SelectItem, SetExpr, Statement, Value, Visitor, VisitorMut,
};

use super::{SqlError, rewrite, search_path};

/// Plan a statement the engine runs itself (a query or EXPLAIN) after [`rewrite`].
///
/// In queries on the PostgreSQL catalog, select-list subqueries that DataFusion cannot
/// plan or decorrelate (it has no general correlated-subquery execution) are replaced
/// by NULL, one by one, as datafusion-pg-catalog does for all of them: clients' catalog
/// queries ask for details (column defaults, identity options, collations) that this
/// catalog has none of anyway.
pub async fn plan_query(
    state: &SessionState,
    stmt: Statement,
) -> Result<(Statement, LogicalPlan), SqlError> {
    let mut stmt = rewrite(stmt)?;
    if state.scalar_functions().contains_key(crate::TEXT_FUNCTION) {
        super::rewrites::rewrite_text_casts(&mut stmt);
    }
    if has_pg_catalog(state) && state.config().information_schema() {
        super::rewrites::rewrite_information_schema_columns(&mut stmt);
    }
    search_path::qualify(&mut stmt, state);
    let n = null_select_list_subqueries(&mut stmt.clone(), &BTreeSet::new());
    let first = plan_statement(state, &stmt).await;
    if n == 0 || !reads_catalog(&stmt) {
        // A user's query gets DataFusion's error rather than silent NULLs.
        return first.map(|p| (stmt, p));
    }
    if let Ok(plan) = &first
        && runs(state, plan)
    {
        return first.map(|p| (stmt, p));
    }
    let all: BTreeSet<usize> = (0..n).collect();
    let mut drop = all.clone();
    for i in 0..n {
        let mut others = all.clone();
        others.remove(&i);
        if plans_and_runs(state, &stmt, &others).await.is_some() {
            drop.remove(&i);
        }
    }
    for nulled in [drop, all] {
        if let Some(found) = plans_and_runs(state, &stmt, &nulled).await {
            tracing::debug!(statement = %stmt, ?nulled, "select-list subqueries DataFusion cannot run are NULL");
            return Ok(found);
        }
    }
    first.map(|p| (stmt, p))
}

/// Whether the session has the PostgreSQL catalog (`pg_attribute`) to read types from.
fn has_pg_catalog(state: &SessionState) -> bool {
    state
        .catalog_list()
        .catalog(&state.config().options().catalog.default_catalog)
        .and_then(|c| c.schema("pg_catalog"))
        .is_some_and(|s| s.table_exist("pg_attribute"))
}

/// Whether the statement reads `pg_catalog` or `information_schema` relations.
fn reads_catalog(stmt: &Statement) -> bool {
    struct V(bool);
    impl Visitor for V {
        type Break = ();
        fn pre_visit_relation(&mut self, name: &ObjectName) -> ControlFlow<()> {
            let parts: Vec<String> = name
                .0
                .iter()
                .filter_map(|p| p.as_ident().map(|i| i.value.to_ascii_lowercase()))
                .collect();
            if parts
                .iter()
                .any(|p| p == "pg_catalog" || p == "information_schema")
                || parts.last().is_some_and(|p| p.starts_with("pg_"))
            {
                self.0 = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }
    let mut v = V(false);
    let _ = stmt.walk(&mut v);
    v.0
}

async fn plans_and_runs(
    state: &SessionState,
    stmt: &Statement,
    nulled: &BTreeSet<usize>,
) -> Option<(Statement, LogicalPlan)> {
    let mut candidate = stmt.clone();
    null_select_list_subqueries(&mut candidate, nulled);
    let plan = plan_statement(state, &candidate).await.ok()?;
    runs(state, &plan).then_some((candidate, plan))
}

/// Replace the select-list subqueries whose numbers (in visiting order, counting those
/// inside replaced ones too) are in `which` by NULL; returns how many there are.
fn null_select_list_subqueries(stmt: &mut Statement, which: &BTreeSet<usize>) -> usize {
    fn count(q: &mut Query) -> usize {
        let mut c = Nuller {
            which: &BTreeSet::new(),
            next: 0,
        };
        let _ = q.walk_mut(&mut c);
        c.next
    }
    struct Nuller<'a> {
        which: &'a BTreeSet<usize>,
        next: usize,
    }
    impl VisitorMut for Nuller<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
            if let SetExpr::Select(s) = q.body.as_mut() {
                for item in s.projection.iter_mut() {
                    if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } =
                        item
                        && let Expr::Subquery(sq) = e
                    {
                        let i = self.next;
                        self.next += 1;
                        if self.which.contains(&i) {
                            // Its own select-list subqueries keep their numbers.
                            self.next += count(sq);
                            *e = Expr::value(Value::Null);
                        }
                    }
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut v = Nuller { which, next: 0 };
    let _ = stmt.walk_mut(&mut v);
    v.next
}

async fn plan_statement(state: &SessionState, stmt: &Statement) -> Result<LogicalPlan, SqlError> {
    let plan = state
        .statement_to_plan(DfStatement::Statement(Box::new(stmt.clone())))
        .await
        .map_err(SqlError::from_datafusion)?;
    // The front door (`gate`) lets only queries through; this is the second lock, on the
    // plan itself (an EXPLAIN ANALYZE wrapping a COPY, a DDL node in a subquery).
    read_only_sql().verify_plan(&plan).map_err(|e| {
        SqlError::new(
            "42501",
            format!("permission denied: {}", e.strip_backtrace()),
        )
    })?;
    Ok(plan)
}

/// DataFusion's switches for SQL that only reads.
pub fn read_only_sql() -> datafusion::execution::context::SQLOptions {
    datafusion::execution::context::SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Whether the optimizer turns every subquery of `plan` into joins (what the physical
/// planner needs).
fn runs(state: &SessionState, plan: &LogicalPlan) -> bool {
    let Ok(optimized) = state.optimize(plan) else {
        return false;
    };
    let left = optimized.exists(|node| {
        Ok(matches!(node, LogicalPlan::Subquery(_))
            || node.expressions().iter().any(|e| {
                e.exists(|x| {
                    Ok(matches!(
                        x,
                        LExpr::ScalarSubquery(_) | LExpr::Exists(_) | LExpr::InSubquery(_)
                    ))
                })
                .unwrap_or(true)
            }))
    });
    !left.unwrap_or(true)
}
