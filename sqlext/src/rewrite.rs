//! AST rewrites applied before planning, so PostgreSQL/Steampipe query shapes
//! plan on DataFusion with PostgreSQL semantics.

use crate::visit::Walk;
use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    DataType, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, GroupByExpr, Ident, ObjectName, ObjectNamePart, OrderByKind, Query, Select,
    SelectItem, SetExpr, Statement, TableAlias, TableAliasColumnDef, TableFactor, TableWithJoins,
    TimezoneInfo, Value, VisitorMut,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;

use crate::srf::{SrfKind, list_function_name, srf_kind};
use crate::udf::CAST_FUNCTION;
use crate::{INTERNAL_NAME_PREFIX, SqlExtError};

/// Rewrites a parsed statement, in place, into a form DataFusion plans with
/// PostgreSQL semantics:
///
/// * unaliased result columns of the top-level SELECT get the name PostgreSQL
///   gives them, as internal aliases `__pw<N>_<name>` (see
///   [`crate::output_name`]), which also keeps duplicate names apart;
/// * set-returning functions in FROM become LATERAL, and a single-column
///   function's alias used as a value (`s ->> 'Effect'`) reads its column;
/// * set-returning functions in the select list become `unnest(...)`;
/// * `::jsonb` / `::json` casts become a JSON-validating function call.
///
/// Shapes that cannot be given PostgreSQL semantics are reported as
/// [`SqlExtError::Unsupported`].
pub fn rewrite(stmt: &mut Statement) -> Result<(), SqlExtError> {
    refuse_network_types(stmt)?;
    match stmt {
        Statement::Query(query) => {
            name_result_columns(query);
            rewrite_query(query, &Scope::default())?;
        }
        Statement::Explain { statement, .. } => rewrite(statement)?,
        Statement::CreateView(view) => rewrite_query(&mut view.query, &Scope::default())?,
        _ => {}
    }
    let _ = stmt.walk_mut(&mut CastRewriter);
    Ok(())
}

/// PostgreSQL's network address functions (`host(inet)`, ...).
const NETWORK_FUNCTIONS: &[&str] = &[
    "host",
    "network",
    "masklen",
    "netmask",
    "hostmask",
    "broadcast",
    "set_masklen",
    "inet_same_family",
    "inet_merge",
    "abbrev",
];

/// The `inet` / `cidr` / `macaddr` types, their functions and containment operators are
/// not implemented: a cast to them or a call of their functions is refused (0A000)
/// rather than planned with text semantics (`<<` on text would be a wrong answer).
fn refuse_network_types(stmt: &Statement) -> Result<(), SqlExtError> {
    let network_type = |t: &DataType| {
        let name = t.to_string().to_ascii_lowercase();
        let name = name.strip_prefix("pg_catalog.").unwrap_or(&name);
        matches!(
            name.trim_end_matches("[]"),
            "inet" | "cidr" | "macaddr" | "macaddr8"
        )
        .then(|| name.trim_end_matches("[]").to_string())
    };
    let mut found: Option<String> = None;
    let _ = crate::visit::exprs(stmt, |e| {
        found = match e {
            Expr::Cast { data_type, .. } => network_type(data_type),
            Expr::TypedString(ts) => network_type(&ts.data_type),
            Expr::Function(f) => last_name(&f.name)
                .filter(|n| NETWORK_FUNCTIONS.contains(&n.as_str()))
                .map(|n| format!("{n}()")),
            _ => None,
        };
        match found {
            Some(_) => ControlFlow::Break(()),
            None => ControlFlow::Continue(()),
        }
    });
    match found {
        Some(what) => Err(SqlExtError::Unsupported(format!(
            "the inet and cidr types, their functions and operators are not supported \
             ({what}); address columns hold text: compare them as text"
        ))),
        None => Ok(()),
    }
}

/// Set-returning-function aliases visible in a scope: alias -> the column the
/// alias stands for when used as a value.
#[derive(Debug, Clone, Default)]
struct Scope {
    whole_row: HashMap<String, String>,
}

/// PostgreSQL folds unquoted identifiers to lower case.
fn normalize(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

fn last_name(name: &ObjectName) -> Option<String> {
    match name.0.last() {
        Some(ObjectNamePart::Identifier(id)) => Some(normalize(id)),
        _ => None,
    }
}

fn rewrite_query(query: &mut Query, outer: &Scope) -> Result<(), SqlExtError> {
    if let Some(with) = query.with.as_mut() {
        for cte in with.cte_tables.iter_mut() {
            rewrite_query(&mut cte.query, outer)?;
        }
    }
    let scope = rewrite_set_expr(&mut query.body, outer)?;
    if let Some(order_by) = query.order_by.as_mut()
        && let OrderByKind::Expressions(exprs) = &mut order_by.kind
    {
        for e in exprs.iter_mut() {
            rewrite_expr(&mut e.expr, &scope)?;
        }
    }
    Ok(())
}

fn rewrite_set_expr(body: &mut SetExpr, outer: &Scope) -> Result<Scope, SqlExtError> {
    match body {
        SetExpr::Select(select) => rewrite_select(select, outer),
        SetExpr::Query(q) => {
            rewrite_query(q, outer)?;
            Ok(outer.clone())
        }
        SetExpr::SetOperation { left, right, .. } => {
            rewrite_set_expr(left, outer)?;
            rewrite_set_expr(right, outer)?;
            Ok(outer.clone())
        }
        SetExpr::Values(values) => {
            for row in values.rows.iter_mut() {
                for e in row.iter_mut() {
                    rewrite_expr(e, outer)?;
                }
            }
            Ok(outer.clone())
        }
        _ => Ok(outer.clone()),
    }
}

fn rewrite_select(select: &mut Select, outer: &Scope) -> Result<Scope, SqlExtError> {
    merge_using_chains(select);
    let mut scope = outer.clone();
    for twj in select.from.iter_mut() {
        rewrite_table_with_joins(twj, &mut scope)?;
    }
    for item in select.projection.iter_mut() {
        match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                rewrite_select_list_srf(e)?;
                rewrite_expr(e, &scope)?;
            }
            _ => {}
        }
    }
    if let Some(e) = select.selection.as_mut() {
        reject_srf(e, "WHERE")?;
        rewrite_expr(e, &scope)?;
    }
    if let GroupByExpr::Expressions(exprs, _) = &mut select.group_by {
        for e in exprs.iter_mut() {
            reject_srf(e, "GROUP BY")?;
            rewrite_expr(e, &scope)?;
        }
    }
    if let Some(e) = select.having.as_mut() {
        reject_srf(e, "HAVING")?;
        rewrite_expr(e, &scope)?;
    }
    if let Some(e) = select.qualify.as_mut() {
        rewrite_expr(e, &scope)?;
    }
    Ok(scope)
}

/// A column joined `USING` by two or more joins of one FROM item (`a left join b using
/// (k) left join c using (k)`) is one column in PostgreSQL; DataFusion sees `k` of `a`, `b`
/// and `c` and answers "ambiguous reference". An unqualified `k` of this SELECT (not of
/// its subqueries) becomes the merged column: the left side's for inner and left joins,
/// the right side's for a right join, `COALESCE` of both for a full join — PostgreSQL's
/// definition of the merged column.
fn merge_using_chains(select: &mut Select) {
    use datafusion::sql::sqlparser::ast::{JoinConstraint, JoinOperator};
    let mut merged: HashMap<String, Expr> = HashMap::new();
    for twj in &select.from {
        let Some(first) = alias_name(&twj.relation) else {
            continue;
        };
        // Per column: (times joined USING, the merged expression so far).
        let mut columns: HashMap<String, (usize, Expr)> = HashMap::new();
        for join in &twj.joins {
            let (constraint, side) = match &join.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => (c, 'i'),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (c, 'l'),
                JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (c, 'r'),
                JoinOperator::FullOuter(c) => (c, 'f'),
                _ => continue,
            };
            let JoinConstraint::Using(names) = constraint else {
                continue;
            };
            let Some(right) = alias_name(&join.relation) else {
                continue;
            };
            for n in names {
                let Some(col) = last_name(n) else { continue };
                let qualified = |q: &str| {
                    Expr::CompoundIdentifier(vec![Ident::new(q), Ident::new(col.clone())])
                };
                let (count, left) = columns
                    .remove(&col)
                    .unwrap_or_else(|| (0, qualified(&first)));
                let right = qualified(&right);
                let expr = match side {
                    'r' => right,
                    'f' => call("coalesce", vec![left, right]),
                    _ => left,
                };
                columns.insert(col, (count + 1, expr));
            }
        }
        for (col, (count, expr)) in columns {
            if count > 1 {
                merged.insert(col, expr);
            }
        }
    }
    if merged.is_empty() {
        return;
    }
    struct Merge<'a> {
        merged: &'a HashMap<String, Expr>,
        depth: usize,
    }
    impl VisitorMut for Merge<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
            self.depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            if self.depth == 0
                && let Expr::Identifier(i) = expr
                && let Some(m) = self.merged.get(&normalize(i))
            {
                *expr = m.clone();
            }
            ControlFlow::Continue(())
        }
    }
    let mut v = Merge {
        merged: &merged,
        depth: 0,
    };
    for item in select.projection.iter_mut() {
        match item {
            SelectItem::UnnamedExpr(e) => {
                // The result column keeps its name.
                if let Expr::Identifier(i) = e
                    && merged.contains_key(&normalize(i))
                {
                    let alias = i.clone();
                    let mut expr = e.clone();
                    let _ = expr.walk_mut(&mut v);
                    *item = SelectItem::ExprWithAlias { expr, alias };
                } else {
                    let _ = e.walk_mut(&mut v);
                }
            }
            SelectItem::ExprWithAlias { expr, .. } => {
                let _ = expr.walk_mut(&mut v);
            }
            _ => {}
        }
    }
    if let Some(e) = select.selection.as_mut() {
        let _ = e.walk_mut(&mut v);
    }
    if let GroupByExpr::Expressions(exprs, _) = &mut select.group_by {
        for e in exprs.iter_mut() {
            let _ = e.walk_mut(&mut v);
        }
    }
    if let Some(e) = select.having.as_mut() {
        let _ = e.walk_mut(&mut v);
    }
}

fn rewrite_table_with_joins(
    twj: &mut TableWithJoins,
    scope: &mut Scope,
) -> Result<(), SqlExtError> {
    rewrite_table_factor(&mut twj.relation, scope)?;
    for join in twj.joins.iter_mut() {
        rewrite_table_factor(&mut join.relation, scope)?;
        let mut rewriter = ConstraintRewriter { scope, error: None };
        let _ = join.join_operator.walk_mut(&mut rewriter);
        if let Some(e) = rewriter.error {
            return Err(e);
        }
    }
    Ok(())
}

/// Rewrites ON conditions of joins (the only expressions inside a join
/// operator) with the current scope.
struct ConstraintRewriter<'a> {
    scope: &'a Scope,
    error: Option<SqlExtError>,
}

impl VisitorMut for ConstraintRewriter<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Err(e) = rewrite_expr(expr, self.scope) {
            self.error = Some(e);
        }
        // The whole ON expression was handled; do not descend into it again.
        ControlFlow::Break(())
    }
}

fn alias_name(factor: &TableFactor) -> Option<String> {
    match factor {
        TableFactor::Table { alias, name, .. } => match alias {
            Some(a) => Some(normalize(&a.name)),
            None => last_name(name),
        },
        TableFactor::Function { alias, name, .. } => match alias {
            Some(a) => Some(normalize(&a.name)),
            None => last_name(name),
        },
        TableFactor::Derived { alias, .. }
        | TableFactor::NestedJoin { alias, .. }
        | TableFactor::UNNEST { alias, .. } => alias.as_ref().map(|a| normalize(&a.name)),
        _ => None,
    }
}

fn rewrite_function_args(args: &mut [FunctionArg], scope: &Scope) -> Result<(), SqlExtError> {
    for arg in args.iter_mut() {
        match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
            | FunctionArg::Named {
                arg: FunctionArgExpr::Expr(e),
                ..
            }
            | FunctionArg::ExprNamed {
                arg: FunctionArgExpr::Expr(e),
                ..
            } => rewrite_expr(e, scope)?,
            _ => {}
        }
    }
    Ok(())
}

fn rewrite_table_factor(factor: &mut TableFactor, scope: &mut Scope) -> Result<(), SqlExtError> {
    // A set-returning function written as a plain table function becomes
    // LATERAL: in PostgreSQL a function in FROM may always read columns of
    // the FROM items before it.
    if let TableFactor::Table {
        name,
        alias,
        args: Some(args),
        with_ordinality,
        ..
    } = factor
        && let Some(fname) = last_name(name)
        && srf_kind(&fname).is_some()
    {
        if *with_ordinality {
            return Err(SqlExtError::Unsupported(format!(
                "{fname}(...) WITH ORDINALITY"
            )));
        }
        let new = TableFactor::Function {
            lateral: true,
            name: name.clone(),
            args: std::mem::take(&mut args.args),
            alias: alias.take(),
            with_ordinality: false,
        };
        *factor = new;
    }

    let shadowed = alias_name(factor);
    match factor {
        TableFactor::Function {
            name, args, alias, ..
        } => {
            rewrite_function_args(args, scope)?;
            if let Some(n) = shadowed.as_ref() {
                scope.whole_row.remove(n);
            }
            if let Some(fname) = last_name(name)
                && let Some(kind) = srf_kind(&fname)
            {
                register_srf_alias(kind, &fname, alias, scope)?;
            }
        }
        TableFactor::Table { args, .. } => {
            if let Some(args) = args.as_mut() {
                rewrite_function_args(&mut args.args, scope)?;
            }
            if let Some(n) = shadowed.as_ref() {
                scope.whole_row.remove(n);
            }
        }
        TableFactor::Derived { subquery, .. } => {
            rewrite_query(subquery, scope)?;
            if let Some(n) = shadowed.as_ref() {
                scope.whole_row.remove(n);
            }
        }
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => {
            rewrite_table_with_joins(table_with_joins, scope)?;
        }
        TableFactor::UNNEST {
            array_exprs, alias, ..
        } => {
            for e in array_exprs.iter_mut() {
                rewrite_expr(e, scope)?;
            }
            // `unnest(x) as a`: PostgreSQL names the single column after the alias too.
            if let Some(a) = alias.as_mut()
                && a.columns.is_empty()
                && array_exprs.len() == 1
            {
                a.columns.push(TableAliasColumnDef {
                    name: a.name.clone(),
                    data_type: None,
                });
            }
            if let Some(n) = shadowed.as_ref() {
                scope.whole_row.remove(n);
            }
        }
        _ => {
            if let Some(n) = shadowed.as_ref() {
                scope.whole_row.remove(n);
            }
        }
    }
    Ok(())
}

/// Records how a set-returning function's alias resolves when used as a value.
fn register_srf_alias(
    kind: SrfKind,
    fname: &str,
    alias: &mut Option<TableAlias>,
    scope: &mut Scope,
) -> Result<(), SqlExtError> {
    let Some(alias) = alias.as_mut() else {
        return Ok(());
    };
    let name = normalize(&alias.name);
    match kind {
        SrfKind::ArrayElements | SrfKind::ArrayElementsText => {
            if alias.columns.len() > 1 {
                return Err(SqlExtError::Unsupported(format!(
                    "{fname} returns one column but {} column aliases were given",
                    alias.columns.len()
                )));
            }
            let column = match alias.columns.first() {
                Some(c) => normalize(&c.name),
                None => "value".to_string(),
            };
            // `s` alone means the element itself, as in PostgreSQL.
            scope.whole_row.insert(name, column);
        }
        SrfKind::ObjectKeys => {
            // PostgreSQL names the single column after the alias.
            if alias.columns.is_empty() {
                alias.columns.push(TableAliasColumnDef {
                    name: alias.name.clone(),
                    data_type: None,
                });
            } else if alias.columns.len() > 1 {
                return Err(SqlExtError::Unsupported(format!(
                    "{fname} returns one column but {} column aliases were given",
                    alias.columns.len()
                )));
            }
            let column = normalize(&alias.columns[0].name);
            if column != name {
                scope.whole_row.insert(name, column);
            }
        }
        SrfKind::Each | SrfKind::EachText => {}
    }
    Ok(())
}

fn is_srf_call(expr: &Expr) -> Option<(String, SrfKind)> {
    if let Expr::Function(f) = expr
        && let Some(name) = last_name(&f.name)
        && let Some(kind) = srf_kind(&name)
    {
        return Some((name, kind));
    }
    None
}

/// `select jsonb_array_elements_text(x)` -> `select unnest(pw_..._rows(x))`.
fn rewrite_select_list_srf(expr: &mut Expr) -> Result<(), SqlExtError> {
    struct SelectListSrf {
        error: Option<SqlExtError>,
    }
    impl VisitorMut for SelectListSrf {
        type Break = ();
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            if let Some((name, kind)) = is_srf_call(expr)
                && let Expr::Function(f) = expr
            {
                if kind.is_pair_kind() {
                    self.error = Some(SqlExtError::Unsupported(format!(
                        "{name}(...) in the select list returns records; use it in FROM: \
                         `FROM t, {name}(t.col) AS e` and select e.key, e.value"
                    )));
                    return ControlFlow::Break(());
                }
                let mut inner = f.clone();
                inner.name = ObjectName::from(vec![Ident::new(list_function_name(&name))]);
                *expr = call("unnest", vec![Expr::Function(inner)]);
            }
            ControlFlow::Continue(())
        }
    }
    let mut v = SelectListSrf { error: None };
    let _ = expr.walk_mut(&mut v);
    match v.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn reject_srf(expr: &mut Expr, clause: &str) -> Result<(), SqlExtError> {
    struct Finder(Option<String>, usize);
    impl VisitorMut for Finder {
        type Break = ();
        // Subqueries have their own select list, where these functions are
        // allowed; only this clause's own expressions count.
        fn pre_visit_query(&mut self, _q: &mut Query) -> ControlFlow<()> {
            self.1 += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _q: &mut Query) -> ControlFlow<()> {
            self.1 = self.1.saturating_sub(1);
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            if self.1 > 0 {
                return ControlFlow::Continue(());
            }
            if let Some((name, _)) = is_srf_call(expr) {
                self.0 = Some(name);
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }
    let mut f = Finder(None, 0);
    let _ = expr.walk_mut(&mut f);
    match f.0 {
        Some(name) => Err(SqlExtError::Unsupported(format!(
            "set-returning function {name}(...) is not allowed in {clause}"
        ))),
        None => Ok(()),
    }
}

impl SrfKind {
    fn is_pair_kind(self) -> bool {
        matches!(self, SrfKind::Each | SrfKind::EachText)
    }
}

fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
                .collect(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

fn placeholder_query() -> Option<Box<Query>> {
    let mut stmts = Parser::parse_sql(&PostgreSqlDialect {}, "SELECT 1").ok()?;
    match stmts.pop() {
        Some(Statement::Query(q)) => Some(q),
        _ => None,
    }
}

/// Replaces whole-row references to set-returning-function aliases and
/// rewrites subqueries with their own scope (their FROM may shadow aliases).
struct ExprRewriter<'a> {
    scope: &'a Scope,
    stash: Vec<Box<Query>>,
    error: Option<SqlExtError>,
}

fn subquery_of(expr: &mut Expr) -> Option<&mut Box<Query>> {
    match expr {
        Expr::Subquery(q) => Some(q),
        Expr::Exists { subquery, .. } => Some(subquery),
        Expr::InSubquery { subquery, .. } => Some(subquery),
        _ => None,
    }
}

impl VisitorMut for ExprRewriter<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Identifier(id) = expr
            && let Some(column) = self.scope.whole_row.get(&normalize(id))
        {
            *expr = Expr::CompoundIdentifier(vec![id.clone(), Ident::new(column.clone())]);
            return ControlFlow::Continue(());
        }
        if let Some(q) = subquery_of(expr) {
            if let Err(e) = rewrite_query(q, self.scope) {
                self.error = Some(e);
                return ControlFlow::Break(());
            }
            // Hide the already rewritten subquery from this visitor; it is put
            // back in post_visit_expr (visits are properly nested).
            let Some(placeholder) = placeholder_query() else {
                self.error = Some(SqlExtError::Unsupported(
                    "internal: cannot build placeholder query".to_string(),
                ));
                return ControlFlow::Break(());
            };
            let original = std::mem::replace(q, placeholder);
            self.stash.push(original);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Some(q) = subquery_of(expr)
            && let Some(original) = self.stash.pop()
        {
            *q = original;
        }
        ControlFlow::Continue(())
    }
}

fn rewrite_expr(expr: &mut Expr, scope: &Scope) -> Result<(), SqlExtError> {
    let mut rewriter = ExprRewriter {
        scope,
        stash: Vec::new(),
        error: None,
    };
    let _ = expr.walk_mut(&mut rewriter);
    match rewriter.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// `x::jsonb`, `CAST(x AS json)` and `jsonb '...'` -> `jsonb_in(x)`: DataFusion
/// has no JSON type, and the function validates and normalises the text.
struct CastRewriter;

fn is_json_type(t: &DataType) -> bool {
    matches!(t, DataType::JSON | DataType::JSONB)
}

impl VisitorMut for CastRewriter {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            Expr::Cast {
                expr: inner,
                data_type,
                format: None,
                array: false,
                ..
            } if is_json_type(data_type) => {
                let inner = std::mem::replace(inner.as_mut(), Expr::Value(Value::Null.into()));
                *expr = call(CAST_FUNCTION, vec![inner]);
            }
            Expr::TypedString(ts) if is_json_type(&ts.data_type) => {
                let value = Expr::Value(ts.value.clone());
                *expr = call(CAST_FUNCTION, vec![value]);
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

// ---------------------------------------------------------------------------
// Result column naming

/// Single-column set-returning-function aliases of a SELECT's FROM, which
/// PostgreSQL lets stand for the value itself.
fn whole_row_aliases(select: &Select) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut visit = |factor: &TableFactor| {
        let (name, alias) = match factor {
            TableFactor::Table {
                name,
                alias,
                args: Some(_),
                ..
            } => (name, alias),
            TableFactor::Function { name, alias, .. } => (name, alias),
            _ => return,
        };
        if let (Some(fname), Some(alias)) = (last_name(name), alias.as_ref())
            && let Some(kind) = srf_kind(&fname)
            && !kind.is_pair_kind()
        {
            out.insert(normalize(&alias.name));
        }
    };
    for twj in &select.from {
        visit(&twj.relation);
        for j in &twj.joins {
            visit(&j.relation);
        }
    }
    out
}

fn leftmost_select(body: &mut SetExpr) -> Option<&mut Select> {
    match body {
        SetExpr::Select(s) => Some(s),
        SetExpr::Query(q) => leftmost_select(&mut q.body),
        SetExpr::SetOperation { left, .. } => leftmost_select(left),
        _ => None,
    }
}

/// Gives unaliased top-level result columns their PostgreSQL names through
/// unique internal aliases, and separates duplicate names.
fn name_result_columns(query: &mut Query) {
    let Some(select) = leftmost_select(&mut query.body) else {
        return;
    };
    let whole_row = whole_row_aliases(select);
    let mut counter = 0usize;
    let mut seen_plain: HashSet<String> = HashSet::new();
    let mut seen_alias: HashSet<String> = HashSet::new();
    let mut internal = |name: &str| {
        counter += 1;
        Ident::with_quote('"', format!("{INTERNAL_NAME_PREFIX}{counter}_{name}"))
    };
    for item in select.projection.iter_mut() {
        match item {
            SelectItem::UnnamedExpr(expr) => {
                let plain_column = match expr {
                    Expr::Identifier(id) => !whole_row.contains(&normalize(id)),
                    Expr::CompoundIdentifier(_) => true,
                    _ => false,
                };
                if plain_column && seen_plain.insert(expr.to_string()) {
                    continue;
                }
                let (name, _) = pg_name(expr);
                let alias = internal(&name);
                let expr = std::mem::replace(expr, Expr::Value(Value::Null.into()));
                *item = SelectItem::ExprWithAlias { expr, alias };
            }
            SelectItem::ExprWithAlias { alias, .. } => {
                let name = normalize(alias);
                if !seen_alias.insert(name.clone()) {
                    *alias = internal(&name);
                }
            }
            _ => {}
        }
    }
}

const NO_NAME: &str = "?column?";

/// PostgreSQL's FigureColname: the name and its strength (0 none, 1 weak:
/// type names and `case`, 2 strong).
fn pg_name(expr: &Expr) -> (String, u8) {
    match expr {
        Expr::Identifier(id) => (normalize(id), 2),
        Expr::CompoundIdentifier(ids) => match ids.last() {
            Some(id) => (normalize(id), 2),
            None => (NO_NAME.to_string(), 0),
        },
        Expr::Function(f) => match last_name(&f.name) {
            Some(n) => (n, 2),
            None => (NO_NAME.to_string(), 0),
        },
        Expr::Cast {
            expr, data_type, ..
        } => {
            let (n, strength) = pg_name(expr);
            if strength <= 1 {
                (type_name(data_type), 1)
            } else {
                (n, strength)
            }
        }
        Expr::TypedString(ts) => (type_name(&ts.data_type), 1),
        Expr::Value(v) => match &v.value {
            Value::Boolean(_) => ("bool".to_string(), 1),
            _ => (NO_NAME.to_string(), 0),
        },
        Expr::Nested(e) | Expr::Collate { expr: e, .. } => pg_name(e),
        Expr::Case { .. } => ("case".to_string(), 1),
        Expr::Exists { .. } => ("exists".to_string(), 2),
        Expr::Subquery(q) => {
            let mut q = q.clone();
            match leftmost_select(&mut q.body).and_then(|s| s.projection.first().cloned()) {
                Some(SelectItem::ExprWithAlias { alias, .. }) => (normalize(&alias), 2),
                Some(SelectItem::UnnamedExpr(e)) => pg_name(&e),
                _ => (NO_NAME.to_string(), 0),
            }
        }
        Expr::Array(_) => ("array".to_string(), 2),
        Expr::Tuple(_) => ("row".to_string(), 2),
        Expr::Interval(_) => ("interval".to_string(), 1),
        Expr::Extract { .. } => ("extract".to_string(), 2),
        Expr::Substring { .. } => ("substring".to_string(), 2),
        Expr::Position { .. } => ("position".to_string(), 2),
        Expr::Overlay { .. } => ("overlay".to_string(), 2),
        Expr::Trim { trim_where, .. } => {
            let n = match trim_where {
                Some(datafusion::sql::sqlparser::ast::TrimWhereField::Leading) => "ltrim",
                Some(datafusion::sql::sqlparser::ast::TrimWhereField::Trailing) => "rtrim",
                _ => "btrim",
            };
            (n.to_string(), 2)
        }
        Expr::Ceil { .. } => ("ceil".to_string(), 2),
        Expr::Floor { .. } => ("floor".to_string(), 2),
        Expr::AtTimeZone { .. } => ("timezone".to_string(), 2),
        Expr::CompoundFieldAccess { root, access_chain } => match access_chain.last() {
            Some(datafusion::sql::sqlparser::ast::AccessExpr::Dot(Expr::Identifier(id))) => {
                (normalize(id), 2)
            }
            _ => pg_name(root),
        },
        _ => (NO_NAME.to_string(), 0),
    }
}

/// PostgreSQL's internal type name, which it uses to name a cast column.
fn type_name(t: &DataType) -> String {
    match t {
        DataType::Int(_) | DataType::Integer(_) | DataType::Int4(_) => "int4".into(),
        DataType::SmallInt(_) | DataType::Int2(_) => "int2".into(),
        DataType::BigInt(_) | DataType::Int8(_) => "int8".into(),
        DataType::Real | DataType::Float4 => "float4".into(),
        DataType::Double(_) | DataType::DoublePrecision | DataType::Float8 => "float8".into(),
        DataType::Float(info) => match info {
            datafusion::sql::sqlparser::ast::ExactNumberInfo::Precision(p)
            | datafusion::sql::sqlparser::ast::ExactNumberInfo::PrecisionAndScale(p, _)
                if *p <= 24 =>
            {
                "float4".into()
            }
            _ => "float8".into(),
        },
        DataType::Bool | DataType::Boolean => "bool".into(),
        DataType::Text => "text".into(),
        DataType::Varchar(_) | DataType::CharacterVarying(_) => "varchar".into(),
        DataType::Char(_) | DataType::Character(_) => "bpchar".into(),
        DataType::Numeric(_) | DataType::Decimal(_) => "numeric".into(),
        DataType::Timestamp(_, TimezoneInfo::WithTimeZone | TimezoneInfo::Tz) => {
            "timestamptz".into()
        }
        DataType::Timestamp(_, _) => "timestamp".into(),
        DataType::Time(_, TimezoneInfo::WithTimeZone | TimezoneInfo::Tz) => "timetz".into(),
        DataType::Time(_, _) => "time".into(),
        DataType::Date => "date".into(),
        DataType::Interval { .. } => "interval".into(),
        DataType::JSON => "json".into(),
        DataType::JSONB => "jsonb".into(),
        DataType::Uuid => "uuid".into(),
        DataType::Bytea => "bytea".into(),
        DataType::Array(elem) => match elem {
            datafusion::sql::sqlparser::ast::ArrayElemTypeDef::AngleBracket(t)
            | datafusion::sql::sqlparser::ast::ArrayElemTypeDef::SquareBracket(t, _)
            | datafusion::sql::sqlparser::ast::ArrayElemTypeDef::Parenthesis(t) => type_name(t),
            datafusion::sql::sqlparser::ast::ArrayElemTypeDef::None => "anyarray".into(),
        },
        DataType::Custom(name, _) => last_name(name).unwrap_or_else(|| NO_NAME.to_string()),
        other => other
            .to_string()
            .split(['(', ' '])
            .next()
            .unwrap_or(NO_NAME)
            .to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> Statement {
        let mut stmts = Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap_or_default();
        stmts.pop().unwrap_or(Statement::Flush {
            object_type: datafusion::sql::sqlparser::ast::FlushType::Logs,
            location: None,
            channel: None,
            read_lock: false,
            export: false,
            tables: vec![],
        })
    }

    fn rewritten(sql: &str) -> String {
        let mut stmt = parse(sql);
        match rewrite(&mut stmt) {
            Ok(()) => stmt.to_string(),
            Err(e) => format!("ERROR: {e}"),
        }
    }

    #[test]
    fn names_follow_postgres() {
        assert_eq!(
            rewritten(
                "select count(*), count(name), p.name, x -> 'a', 1, case when true then 1 end, name::text, (x->'a')::text, true from t p"
            ),
            "SELECT count(*) AS \"__pw1_count\", count(name) AS \"__pw2_count\", p.name, x -> 'a' AS \"__pw3_?column?\", 1 AS \"__pw4_?column?\", CASE WHEN true THEN 1 END AS \"__pw5_case\", name::TEXT AS \"__pw6_name\", (x -> 'a')::TEXT AS \"__pw7_text\", true AS \"__pw8_bool\" FROM t p"
        );
    }

    #[test]
    fn implicit_lateral_and_whole_row_alias() {
        assert_eq!(
            rewritten(
                "select s ->> 'Effect' as e from p, jsonb_array_elements(p.doc -> 'S') as s, jsonb_array_elements_text(s -> 'A') as a where a = '*'"
            ),
            "SELECT s.value ->> 'Effect' AS e FROM p, LATERAL jsonb_array_elements(p.doc -> 'S') AS s, LATERAL jsonb_array_elements_text(s.value -> 'A') AS a WHERE a.value = '*'"
        );
    }

    #[test]
    fn subquery_shadowing_keeps_inner_alias() {
        assert_eq!(
            rewritten(
                "select 1 as one from p, jsonb_array_elements(p.d) s where exists (select 1 as x from q s where s = 1) and s = '2'"
            ),
            "SELECT 1 AS one FROM p, LATERAL jsonb_array_elements(p.d) s WHERE EXISTS (SELECT 1 AS x FROM q s WHERE s = 1) AND s.value = '2'"
        );
    }

    #[test]
    fn casts_become_function_calls() {
        assert_eq!(
            rewritten("select '{\"a\":1}'::jsonb -> 'a' as v"),
            "SELECT jsonb_in('{\"a\":1}') -> 'a' AS v"
        );
    }
}
