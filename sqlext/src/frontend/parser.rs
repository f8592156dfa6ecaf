//! Parsing: PostgreSQL's dialect with datafusion-pg-catalog's client-compatibility
//! rules, but keeping correlated scalar subqueries.

use crate::visit::Walk;
use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::sql::sqlparser::ast::{
    Expr, LimitClause, Query, SelectItem, SetExpr, Statement, TableFactor, Value, ValueWithSpan,
    Visitor, VisitorMut,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::{Parser, ParserError};
use datafusion_pg_catalog::sql::PostgresCompatibilityParser;
use datafusion_pg_catalog::sql::rules::{
    AliasDuplicatedProjectionRewrite, CurrentUserVariableToSessionUserFunctionCall,
    FixArrayLiteral, FixVersionColumnName, PrependUnqualifiedPgTableName,
    RemoveSubqueryFromProjection, ResolveUnqualifiedIdentifier, RewriteArrayAnyAllOperation,
    RewritePgCatalogOperator, RewriteRegCastToSubquery, SqlStatementRewriteRule,
    StripCallableQualifier, StripCollate,
};

use super::SqlError;

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
pub fn parse_sql(parser: &PgParser, sql: &str) -> Result<Vec<Statement>, SqlError> {
    parser.parse(sql).map_err(SqlError::syntax)
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
    let _ = stmt.walk(&mut v);
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
        let _ = q.walk(&mut c);
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
    let _ = stmt.walk_mut(&mut L);
}
