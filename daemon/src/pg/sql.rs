//! SQL text to planned statements with PostgreSQL semantics: parsing (with the
//! client-compatibility rules of datafusion-pg-catalog, but keeping correlated scalar
//! subqueries), the AST rewrites that let DataFusion plan PostgreSQL query shapes, and
//! planning with a fallback for subqueries DataFusion cannot decorrelate.

use std::collections::{BTreeSet, HashMap};
use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::execution::SessionState;
use datafusion::logical_expr::{Expr as LExpr, LogicalPlan};
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    Expr, LimitClause, ObjectName, Query, SelectItem, SetExpr, Statement, TableFactor, Value,
    ValueWithSpan, Visit, VisitMut, Visitor, VisitorMut,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::{Parser, ParserError};
use datafusion_postgres::arrow_pg;
use datafusion_postgres::datafusion_pg_catalog::sql::PostgresCompatibilityParser;
use datafusion_postgres::datafusion_pg_catalog::sql::rules::{
    AliasDuplicatedProjectionRewrite, CurrentUserVariableToSessionUserFunctionCall,
    FixArrayLiteral, FixVersionColumnName, PrependUnqualifiedPgTableName,
    RemoveSubqueryFromProjection, ResolveUnqualifiedIdentifier, RewriteArrayAnyAllOperation,
    RewritePgCatalogOperator, RewriteRegCastToSubquery, SqlStatementRewriteRule,
    StripCallableQualifier, StripCollate,
};
use pgwire::api::Type;
use pgwire::error::PgWireResult;

use super::errors::{from_df, sql_error};

/// datafusion-pg-catalog's `PostgresCompatibilityParser` (whole-query substitutions for
/// known client catalog queries, then its rewrite rules) without the effect of its
/// `RemoveSubqueryFromProjection` rule on correlated subqueries.
///
/// That rule replaces every select-list scalar subquery that looks correlated (it
/// references a name outside its own FROM, or holds a `$n` parameter) with NULL. That
/// silently answers NULL for queries such as
/// `select r.name, (select count(*) from aws_iam_user u where u.account_id = r.account_id) from aws_iam_role r`,
/// and it drops the parameters inside those subqueries from the statement, so the
/// parameters a client binds no longer line up with the ones the plan has (SQLAlchemy's
/// `get_columns()` query failed with "cannot parse integer from empty string": its
/// first parameter, an empty string, was decoded with the type of its 14th).
pub struct PgParser {
    compat: PostgresCompatibilityParser,
    /// The compat parser's rules that run before `RemoveSubqueryFromProjection`, in order.
    before: Vec<Arc<dyn SqlStatementRewriteRule>>,
}

impl Default for PgParser {
    fn default() -> Self {
        Self::new()
    }
}

impl PgParser {
    /// A parser (builds the compat parser's templates once).
    pub fn new() -> Self {
        // Must mirror `PostgresCompatibilityParser::new()`; if it ever differs, the
        // equality check in `parse` fails and the compat parser's result is used as is.
        let before: Vec<Arc<dyn SqlStatementRewriteRule>> = vec![
            Arc::new(AliasDuplicatedProjectionRewrite),
            Arc::new(ResolveUnqualifiedIdentifier),
            Arc::new(RewriteArrayAnyAllOperation),
            Arc::new(PrependUnqualifiedPgTableName),
            Arc::new(StripCallableQualifier),
            Arc::new(FixArrayLiteral),
            Arc::new(CurrentUserVariableToSessionUserFunctionCall),
            Arc::new(StripCollate),
            Arc::new(RewritePgCatalogOperator),
            Arc::new(RewriteRegCastToSubquery::new()),
        ];
        PgParser {
            compat: PostgresCompatibilityParser::new(),
            before,
        }
    }

    /// Parse one or more statements.
    pub fn parse(&self, sql: &str) -> Result<Vec<Statement>, ParserError> {
        let compat = self.compat.parse(sql)?;
        if !compat.iter().any(has_null_in_select_list) {
            // Nothing was replaced by NULL (the common case): the compat result is it.
            return Ok(compat);
        }
        let plain = match Parser::parse_sql(&PostgreSqlDialect {}, sql) {
            Ok(p) if p.len() == compat.len() => p,
            // Only the compat parser's token substitutions made it parse.
            _ => return Ok(compat),
        };
        Ok(plain
            .into_iter()
            .zip(compat)
            .map(|(p, c)| {
                let mut kept = p;
                for rule in &self.before {
                    kept = rule.rewrite(kept);
                }
                let nulled = FixVersionColumnName
                    .rewrite(RemoveSubqueryFromProjection.rewrite(kept.clone()));
                if nulled != c {
                    // A whole-query substitution applied (or the rules changed): keep it.
                    return c;
                }
                let mut kept = FixVersionColumnName.rewrite(kept);
                limit_uncorrelated_subqueries(&mut kept);
                kept
            })
            .collect())
    }
}

/// Parse with [`PgParser`], mapping errors to SQLSTATE 42601.
pub fn parse_sql(parser: &PgParser, sql: &str) -> PgWireResult<Vec<Statement>> {
    parser
        .parse(sql)
        .map_err(|e| sql_error("42601", format!("syntax error: {e}")))
}

fn is_null(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Value(ValueWithSpan {
            value: Value::Null,
            ..
        })
    )
}

/// Whether any SELECT (at any depth) has a bare NULL in its select list.
fn has_null_in_select_list(stmt: &Statement) -> bool {
    struct V(bool);
    impl Visitor for V {
        type Break = ();
        fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
            if let SetExpr::Select(s) = q.body.as_ref() {
                if s.projection.iter().any(|item| match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                        is_null(e)
                    }
                    _ => false,
                }) {
                    self.0 = true;
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut v = V(false);
    let _ = stmt.visit(&mut v);
    v.0
}

/// The other half of `RemoveSubqueryFromProjection`: a select-list subquery that is not
/// correlated (by the same test) and has no LIMIT gets `LIMIT 1`, so it yields one row.
fn limit_uncorrelated_subqueries(stmt: &mut Statement) {
    fn aliases(q: &Query) -> std::collections::HashSet<String> {
        let mut out = std::collections::HashSet::new();
        if let SetExpr::Select(s) = q.body.as_ref() {
            for twj in &s.from {
                for f in std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation))
                {
                    if let TableFactor::Table { alias: Some(a), .. } = f {
                        out.insert(a.name.value.clone());
                    }
                }
            }
        }
        out
    }
    fn correlated(q: &Query) -> bool {
        if !matches!(q.body.as_ref(), SetExpr::Select(_)) {
            return false;
        }
        struct C<'a>(bool, &'a std::collections::HashSet<String>);
        impl Visitor for C<'_> {
            type Break = ();
            fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
                match e {
                    Expr::Value(ValueWithSpan {
                        value: Value::Placeholder(_),
                        ..
                    }) => self.0 = true,
                    Expr::CompoundIdentifier(ids) if !ids.is_empty() => {
                        if !self.1.contains(&ids[0].value) {
                            self.0 = true;
                        }
                    }
                    _ => {}
                }
                ControlFlow::Continue(())
            }
        }
        let a = aliases(q);
        let mut c = C(false, &a);
        let _ = q.visit(&mut c);
        c.0
    }
    struct L;
    impl VisitorMut for L {
        type Break = ();
        fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
            if let SetExpr::Select(s) = q.body.as_mut() {
                for item in s.projection.iter_mut() {
                    if let SelectItem::UnnamedExpr(Expr::Subquery(sq))
                    | SelectItem::ExprWithAlias {
                        expr: Expr::Subquery(sq),
                        ..
                    } = item
                    {
                        if sq.limit_clause.is_none() && sq.fetch.is_none() && !correlated(sq) {
                            sq.limit_clause = Some(LimitClause::LimitOffset {
                                limit: Some(Expr::value(Value::Number("1".into(), false))),
                                offset: None,
                                limit_by: vec![],
                            });
                        }
                    }
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = stmt.visit(&mut L);
}

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
) -> PgWireResult<(Statement, LogicalPlan)> {
    let mut stmt = rewrite(stmt)?;
    super::search_path::qualify(&mut stmt, state);
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
    let _ = stmt.visit(&mut v);
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
        let _ = q.visit(&mut c);
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
    let _ = stmt.visit(&mut v);
    v.next
}

async fn plan_statement(state: &SessionState, stmt: &Statement) -> PgWireResult<LogicalPlan> {
    let plan = state
        .statement_to_plan(DfStatement::Statement(Box::new(stmt.clone())))
        .await
        .map_err(from_df)?;
    // The front door (`gate`) lets only queries through; this is the second lock, on the
    // plan itself (an EXPLAIN ANALYZE wrapping a COPY, a DDL node in a subquery).
    read_only_sql().verify_plan(&plan).map_err(|e| {
        super::errors::sql_error(
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

/// The PostgreSQL-compatibility rewrites every statement goes through before planning.
pub fn rewrite(mut stmt: Statement) -> PgWireResult<Statement> {
    rewrite_like_escape(&mut stmt);
    rewrite_catalog_vectors(&mut stmt);
    compare_regproc_columns_by_name(&mut stmt);
    hoist_case_subqueries(&mut stmt);
    aggregate_scalar_subqueries(&mut stmt);
    pathwarden_sqlext::rewrite(&mut stmt).map_err(|e| sql_error("0A000", e.to_string()))?;
    Ok(stmt)
}

/// `pg_type`'s regproc columns (`typinput`, `typoutput`, ...) hold function names here,
/// not oids, so `typinput = 'pg_catalog.array_in'::regproc` (pgjdbc's type lookup behind
/// `getObject`, `getColumns`, `getTypeInfo`) compares names: datafusion-pg-catalog turns
/// the cast into an oid subquery on `pg_proc`, and the name column cannot be cast to an
/// integer. The subquery goes back to the function's name, without its schema.
fn compare_regproc_columns_by_name(stmt: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{BinaryOperator, visit_expressions_mut};
    const COLUMNS: &[&str] = &[
        "typinput",
        "typoutput",
        "typreceive",
        "typsend",
        "typmodin",
        "typmodout",
        "typanalyze",
    ];
    fn is_regproc_column(e: &Expr) -> bool {
        let name = match e {
            Expr::Identifier(i) => &i.value,
            Expr::CompoundIdentifier(ids) => match ids.last() {
                Some(i) => &i.value,
                None => return false,
            },
            _ => return false,
        };
        COLUMNS.contains(&name.to_ascii_lowercase().as_str())
    }
    /// The function name a `(SELECT oid FROM pg_catalog.pg_proc WHERE proname = 'f')` looks up.
    fn proname_lookup(e: &Expr) -> Option<String> {
        let Expr::Subquery(q) = e else { return None };
        let text = q.to_string();
        let rest = text.strip_prefix("SELECT oid FROM pg_catalog.pg_proc WHERE proname = '")?;
        let name = rest.strip_suffix('\'')?;
        if name.contains('\'') {
            return None;
        }
        Some(name.rsplit('.').next().unwrap_or(name).to_string())
    }
    let _ = visit_expressions_mut(stmt, |e| {
        if let Expr::BinaryOp { left, op, right } = e
            && matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq)
        {
            if is_regproc_column(left)
                && let Some(name) = proname_lookup(right)
            {
                **right = Expr::value(Value::SingleQuotedString(name));
            } else if is_regproc_column(right)
                && let Some(name) = proname_lookup(left)
            {
                **left = Expr::value(Value::SingleQuotedString(name));
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// `CASE WHEN c THEN (SELECT e FROM t WHERE w) [ELSE NULL] END` → `(SELECT e FROM t WHERE w AND (c))`:
/// the same value whenever the subquery yields at most one row (PostgreSQL's rule for
/// scalar subqueries), and a form DataFusion can decorrelate (it cannot inside CASE).
fn hoist_case_subqueries(stmt: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{
        BinaryOperator, Expr, SetExpr, Value, visit_expressions_mut,
    };
    use std::ops::ControlFlow;
    let _ = visit_expressions_mut(stmt, |e| {
        let Expr::Case {
            operand: None,
            conditions,
            else_result,
            ..
        } = e
        else {
            return ControlFlow::<()>::Continue(());
        };
        let else_null = match else_result.as_deref() {
            None => true,
            Some(Expr::Value(v)) => matches!(v.value, Value::Null),
            _ => false,
        };
        if !else_null || conditions.len() != 1 {
            return ControlFlow::Continue(());
        }
        let mut result = conditions[0].result.clone();
        while let Expr::Nested(inner) = result {
            result = *inner;
        }
        let Expr::Subquery(mut q) = result else {
            return ControlFlow::Continue(());
        };
        let SetExpr::Select(sel) = q.body.as_mut() else {
            return ControlFlow::Continue(());
        };
        let cond = Expr::Nested(Box::new(conditions[0].condition.clone()));
        sel.selection = Some(match sel.selection.take() {
            Some(w) => Expr::BinaryOp {
                left: Box::new(Expr::Nested(Box::new(w))),
                op: BinaryOperator::And,
                right: Box::new(cond),
            },
            None => cond,
        });
        *e = Expr::Subquery(q);
        ControlFlow::Continue(())
    });
}

/// Scalar subqueries `(SELECT e FROM ... WHERE <correlated>)` return at most one row in
/// PostgreSQL (more is an error); DataFusion only plans correlated ones when they are
/// aggregated. Catalog queries of SQLAlchemy and other clients use them, so wrap the
/// single projected expression in `max(...)`, which is the same value for one row.
fn aggregate_scalar_subqueries(stmt: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{
        Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments,
        Ident, ObjectName, SelectItem, SetExpr, visit_expressions_mut,
    };
    use std::ops::ControlFlow;
    const AGGS: &[&str] = &[
        "count",
        "sum",
        "min",
        "max",
        "avg",
        "array_agg",
        "string_agg",
        "bool_and",
        "bool_or",
        "jsonb_agg",
        "json_agg",
        "jsonb_object_agg",
        "json_object_agg",
        "first_value",
        "last_value",
    ];
    fn has_aggregate(e: &mut Expr) -> bool {
        let mut found = false;
        let _ = visit_expressions_mut(e, |x| {
            if let Expr::Function(f) = x {
                let n = f.name.to_string().to_ascii_lowercase();
                if AGGS.contains(&n.rsplit('.').next().unwrap_or("")) {
                    found = true;
                }
            }
            ControlFlow::<()>::Continue(())
        });
        found
    }
    let _ = visit_expressions_mut(stmt, |e| {
        if let Expr::Subquery(q) = e {
            if q.limit_clause.is_none() {
                if let SetExpr::Select(sel) = q.body.as_mut() {
                    let grouped = !matches!(&sel.group_by, datafusion::sql::sqlparser::ast::GroupByExpr::Expressions(v, _) if v.is_empty());
                    if sel.projection.len() == 1 && !grouped && sel.having.is_none() {
                        let (inner, alias) = match &mut sel.projection[0] {
                            SelectItem::UnnamedExpr(x) => (x, None),
                            SelectItem::ExprWithAlias { expr, alias } => {
                                (expr, Some(alias.clone()))
                            }
                            _ => return ControlFlow::<()>::Continue(()),
                        };
                        if !has_aggregate(inner) {
                            let arg = std::mem::replace(
                                inner,
                                Expr::value(datafusion::sql::sqlparser::ast::Value::Null),
                            );
                            let call = Expr::Function(Function {
                                name: ObjectName::from(vec![Ident::new("max")]),
                                uses_odbc_syntax: false,
                                parameters: FunctionArguments::None,
                                args: FunctionArguments::List(FunctionArgumentList {
                                    duplicate_treatment: None,
                                    args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))],
                                    clauses: vec![],
                                }),
                                filter: None,
                                null_treatment: None,
                                over: None,
                                within_group: vec![],
                            });
                            sel.projection[0] = match alias {
                                Some(alias) => SelectItem::ExprWithAlias { expr: call, alias },
                                None => SelectItem::UnnamedExpr(call),
                            };
                        }
                    }
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// `x LIKE p ESCAPE 'c'` (SQLAlchemy uses `/`) → `x LIKE <p with c turned into a backslash>`,
/// because DataFusion only knows the backslash escape.
fn rewrite_like_escape(stmt: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{Expr, Value, visit_expressions_mut};
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use std::ops::ControlFlow;
    let _ = visit_expressions_mut(stmt, |e| {
        if let Expr::Like {
            pattern,
            escape_char,
            ..
        }
        | Expr::ILike {
            pattern,
            escape_char,
            ..
        } = e
        {
            let esc = escape_char.as_ref().and_then(|v| match &v.value {
                Value::SingleQuotedString(s) if s.chars().count() == 1 && s != "\\" => {
                    Some(s.clone())
                }
                _ => None,
            });
            if let Some(c) = esc {
                let c = c.replace('\'', "''");
                let template =
                    format!("replace(replace(__pw_like_pattern, '\\', '\\\\'), '{c}', '\\')");
                if let Ok(mut new) =
                    datafusion::sql::sqlparser::parser::Parser::new(&PostgreSqlDialect {})
                        .try_with_sql(&template)
                        .and_then(|mut p| p.parse_expr())
                {
                    let inner = std::mem::replace(pattern.as_mut(), Expr::value(Value::Null));
                    let mut inner = Some(inner);
                    let _ = visit_expressions_mut(&mut new, |x| {
                        if matches!(x, Expr::Identifier(i) if i.value == "__pw_like_pattern") {
                            if let Some(v) = inner.take() {
                                *x = Expr::Nested(Box::new(v));
                            }
                        }
                        ControlFlow::<()>::Continue(())
                    });
                    **pattern = new;
                    *escape_char = None;
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Statements the session plans and runs itself; everything else (SET, SHOW,
/// transactions, cursors, DDL) goes to datafusion-postgres and its hooks.
pub fn is_engine_query(stmt: &Statement) -> bool {
    matches!(stmt, Statement::Query(_) | Statement::Explain { .. })
}

/// The parameters of a prepared statement by position (`$1` first): the type the plan
/// gives each one (`None` when it gives none, or when the statement does not use that
/// parameter at all), and the wire type reported in ParameterDescription and used to
/// decode bound values.
pub struct ParamTypes {
    /// Arrow types, by position.
    pub arrow: Vec<Option<DataType>>,
    /// Wire types, by position.
    pub wire: Vec<Type>,
}

/// Parameter types of `plan`, including parameters inside subqueries, aligned by
/// number: a parameter the plan does not use leaves a gap instead of shifting the
/// ones after it (datafusion-postgres lists only the parameters it finds, in order,
/// and decodes the client's values against that list by position).
pub fn parameter_types(plan: &LogicalPlan) -> PgWireResult<ParamTypes> {
    let fields = plan.get_parameter_fields().map_err(from_df)?;
    let mut casts: HashMap<String, DataType> = HashMap::new();
    plan.apply_with_subqueries(|node| {
        node.apply_expressions(|e| {
            e.apply(|x| {
                if let LExpr::Cast(c) = x
                    && let LExpr::Placeholder(p) = c.expr.as_ref()
                {
                    casts
                        .entry(p.id.clone())
                        .or_insert_with(|| c.field.data_type().clone());
                }
                Ok(TreeNodeRecursion::Continue)
            })
        })
    })
    .map_err(from_df)?;
    let position = |id: &str| id.strip_prefix('$').and_then(|n| n.parse::<usize>().ok());
    let count = fields
        .keys()
        .chain(casts.keys())
        .filter_map(|id| position(id))
        .max()
        .unwrap_or(0);
    let mut arrow = Vec::with_capacity(count);
    let mut wire = Vec::with_capacity(count);
    for n in 1..=count {
        let id = format!("${n}");
        let field = fields.get(&id).cloned().flatten();
        let dt = field
            .as_ref()
            .map(|f| f.data_type().clone())
            .or_else(|| casts.get(&id).cloned());
        // `oid` columns are Int32 with an alias marker; clients bind them as OID.
        let alias = field.as_ref().and_then(|f| {
            (f.data_type() == &DataType::Int32)
                .then(|| f.metadata().get(arrow_pg::datatypes::PG_OID_ALIAS_KEY))
                .flatten()
                .and_then(|k| arrow_pg::datatypes::pg_type_for_alias_kind(k))
        });
        let ty = match (alias, &dt) {
            (Some(t), _) => t,
            (None, Some(t)) => arrow_pg::datatypes::into_pg_type(t).unwrap_or(Type::UNKNOWN),
            (None, None) => Type::UNKNOWN,
        };
        arrow.push(dt);
        wire.push(ty);
    }
    Ok(ParamTypes { arrow, wire })
}

/// Decode a portal's bound values against the statement's parameter types, by position.
pub fn bind_parameters<S: Clone>(
    portal: &pgwire::api::portal::Portal<S>,
    types: &ParamTypes,
) -> PgWireResult<datafusion::common::ParamValues> {
    let n = portal.parameter_len();
    let wire: Vec<Type> = (0..n)
        .map(|i| {
            let server = types.wire.get(i).cloned().unwrap_or(Type::UNKNOWN);
            let client = portal.statement.parameter_types.get(i).cloned().flatten();
            let untyped = client.is_none()
                && server == Type::UNKNOWN
                && types.arrow.get(i).is_none_or(|t| t.is_none());
            // arrow-pg skips a NULL whose type nobody knows, which would shift every
            // later value; decode it as a text NULL instead.
            if untyped && matches!(portal.parameters.get(i), Some(None)) {
                Type::TEXT
            } else {
                server
            }
        })
        .collect();
    let wire_refs: Vec<Option<&Type>> = wire.iter().map(Some).collect();
    let arrow_refs: Vec<Option<&DataType>> = (0..n)
        .map(|i| types.arrow.get(i).and_then(|t| t.as_ref()))
        .collect();
    arrow_pg::datatypes::df::deserialize_parameters_with_server_types(
        portal,
        &arrow_refs,
        &wire_refs,
    )
}

/// The catalog's `int2vector`/`oidvector` columns (`pg_index.indkey`, ...) are text here
/// (`1 2`, or `[1, 2]` for `pg_constraint.conkey`): `unnest(col)` and
/// `generate_subscripts(col, 1)` on them (SQLAlchemy's primary-key, index and foreign-key
/// reflection) become the same over the parsed array. `generate_subscripts(a, 1)` on a
/// real array becomes `unnest(range(1, array_length(a, 1) + 1))`, which DataFusion
/// unnests in step with an `unnest(a)` next to it, as PostgreSQL does.
fn rewrite_catalog_vectors(stmt: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{
        FunctionArg, FunctionArgExpr, FunctionArguments, visit_expressions_mut,
    };
    const VECTORS: &[(&str, &str)] = &[
        ("indkey", "SMALLINT"),
        ("indoption", "SMALLINT"),
        ("stxkeys", "SMALLINT"),
        ("partattrs", "SMALLINT"),
        ("conkey", "SMALLINT"),
        ("confkey", "SMALLINT"),
        ("indclass", "INT"),
        ("indcollation", "INT"),
        ("proargtypes", "INT"),
        ("conpfeqop", "INT"),
        ("conexclop", "INT"),
    ];
    fn vector_type(e: &Expr) -> Option<&'static str> {
        let name = match e {
            Expr::Identifier(i) => &i.value,
            Expr::CompoundIdentifier(ids) => &ids.last()?.value,
            _ => return None,
        };
        let name = name.to_ascii_lowercase();
        VECTORS.iter().find(|(c, _)| *c == name).map(|(_, t)| *t)
    }
    let _ = visit_expressions_mut(stmt, |e| {
        let Expr::Function(f) = e else {
            return ControlFlow::<()>::Continue(());
        };
        let fname = f.name.to_string().to_ascii_lowercase();
        let fname = fname.rsplit('.').next().unwrap_or("").to_string();
        if fname != "unnest" && fname != "generate_subscripts" {
            return ControlFlow::Continue(());
        }
        let FunctionArguments::List(list) = &f.args else {
            return ControlFlow::Continue(());
        };
        let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))) = list.args.first() else {
            return ControlFlow::Continue(());
        };
        let ty = vector_type(arg);
        let array = match ty {
            Some(ty) => format!(
                "CAST(string_to_array(nullif(btrim(replace({arg}, ',', ''), '[]'), ''), ' ') AS {ty}[])"
            ),
            None => arg.to_string(),
        };
        let template = match (fname.as_str(), ty) {
            ("unnest", Some(_)) => format!("unnest({array})"),
            ("generate_subscripts", _) => format!(
                "unnest(range(1, CAST(coalesce(array_length({array}, 1), 0) AS BIGINT) + 1))"
            ),
            _ => return ControlFlow::Continue(()),
        };
        if let Ok(new) = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(&template)
            .and_then(|mut p| p.parse_expr())
        {
            *e = new;
        }
        ControlFlow::Continue(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{AsArray, Int64Array, StringArray};
    use datafusion::arrow::datatypes::{Field, Schema};
    use datafusion::datasource::MemTable;
    use datafusion::prelude::SessionContext;
    use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
    use datafusion_postgres::datafusion_pg_catalog::pg_catalog::setup_pg_catalog;

    fn ctx() -> SessionContext {
        let ctx = SessionContext::new();
        let schema = Arc::new(Schema::new(vec![
            Field::new("name", DataType::Utf8, true),
            Field::new("account_id", DataType::Utf8, true),
            Field::new("n", DataType::Int64, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec!["a", "b", "c"])),
                Arc::new(StringArray::from(vec!["1", "1", "2"])),
                Arc::new(Int64Array::from(vec![1, 2, 3])),
            ],
        )
        .unwrap();
        let t = MemTable::try_new(schema, vec![vec![batch]]).unwrap();
        ctx.register_table("t", Arc::new(t)).unwrap();
        setup_pg_catalog(&ctx, "datafusion", EmptyContextProvider).unwrap();
        ctx
    }

    async fn run(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
        let stmt = PgParser::new().parse(sql).unwrap().remove(0);
        let (_, plan) = plan_query(&ctx.state(), stmt).await.unwrap();
        ctx.execute_logical_plan(plan)
            .await
            .unwrap()
            .collect()
            .await
            .unwrap()
    }

    use datafusion::arrow::array::RecordBatch;

    #[test]
    fn correlated_select_list_subqueries_are_kept() {
        let p = PgParser::new();
        let sql = "select r.name, (select count(*) from t u where u.account_id = r.account_id) as c from t r";
        let s = p.parse(sql).unwrap().remove(0).to_string();
        assert!(
            s.contains("(SELECT count(*) FROM t u WHERE u.account_id = r.account_id) AS c"),
            "{s}"
        );
        // What datafusion-pg-catalog alone makes of it.
        let compat = PostgresCompatibilityParser::new()
            .parse(sql)
            .unwrap()
            .remove(0);
        assert!(compat.to_string().contains("NULL AS c"), "{compat}");
        // Uncorrelated ones still get LIMIT 1, as before.
        let s = p
            .parse("select (select name from t limit 1) as a, null as b, (select name from t) as c")
            .unwrap()
            .remove(0)
            .to_string();
        assert!(
            s.contains("(SELECT name FROM t) AS c") || s.contains("LIMIT 1) AS c"),
            "{s}"
        );
    }

    #[tokio::test]
    async fn correlated_subquery_values() {
        let ctx = ctx();
        let out = run(
            &ctx,
            "select r.name, (select count(*) from t u where u.account_id = r.account_id) as c from t r order by r.name",
        )
        .await;
        let c = out[0]
            .column(1)
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        assert_eq!(c.values().to_vec(), vec![2, 2, 1]);
    }

    #[tokio::test]
    async fn parameters_are_aligned_by_number() {
        let ctx = ctx();
        let p = PgParser::new();
        let stmt = p
            .parse("select (select max(u.n) from t u where u.name = $1::varchar and u.account_id = r.account_id), r.n + $2::smallint from t r")
            .unwrap()
            .remove(0);
        let (_, plan) = plan_query(&ctx.state(), stmt).await.unwrap();
        let types = parameter_types(&plan).unwrap();
        assert_eq!(types.wire, vec![Type::TEXT, Type::INT2]);
        // A parameter the statement does not use leaves a gap instead of shifting.
        let stmt = p.parse("select $2::int as x").unwrap().remove(0);
        let (_, plan) = plan_query(&ctx.state(), stmt).await.unwrap();
        assert_eq!(
            parameter_types(&plan).unwrap().wire,
            vec![Type::UNKNOWN, Type::INT4]
        );
    }

    #[tokio::test]
    async fn catalog_subqueries_datafusion_cannot_run_become_null() {
        let ctx = ctx();
        // DataFusion does not decorrelate a subquery filter on outer columns only.
        let sql = "select a.attname, (select max(d.adnum) from pg_catalog.pg_attrdef d \
                   where a.atthasdef and d.adrelid = a.attrelid and d.adnum = a.attnum) as def \
                   from pg_catalog.pg_attribute a";
        let out = run(&ctx, sql).await;
        assert!(!out.is_empty());
        assert!(
            out.iter()
                .all(|b| b.column(1).logical_null_count() == b.num_rows())
        );
        // On user tables it is an error, not silent NULLs.
        let stmt = PgParser::new()
            .parse("select r.name, (select max(u.n) from t u where r.n > 1 and u.account_id = r.account_id) from t r")
            .unwrap()
            .remove(0);
        let (_, plan) = plan_query(&ctx.state(), stmt).await.unwrap();
        let res = async { ctx.execute_logical_plan(plan).await?.collect().await }.await;
        assert!(res.is_err());
    }

    #[tokio::test]
    async fn regproc_columns_compare_by_name() {
        let ctx = ctx();
        let out = run(
            &ctx,
            "select typname, typinput = 'pg_catalog.array_in'::regproc as is_array \
             from pg_catalog.pg_type where typname in ('_int4', 'int4') order by typname",
        )
        .await;
        let b = &out[0];
        let flags = b.column(1).as_boolean();
        assert_eq!(b.num_rows(), 2);
        assert!(flags.value(0), "_int4 is an array");
        assert!(!flags.value(1), "int4 is not");
    }

    #[tokio::test]
    async fn int2vector_columns_unnest() {
        let ctx = ctx();
        let out = run(
            &ctx,
            "select unnest(i.indkey) as k, generate_subscripts(i.indkey, 1) as o, i.indkey \
             from pg_catalog.pg_index i where i.indkey like '% %' limit 2",
        )
        .await;
        let b = &out[0];
        assert_eq!(b.num_rows(), 2);
        assert_eq!(
            b.column(1)
                .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                .values()
                .to_vec(),
            vec![1, 2]
        );
    }
}
