//! The AST rewrites that let DataFusion plan the PostgreSQL query shapes clients send.

use crate::visit::Walk;
use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{Expr, Statement, Value};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;

use super::SqlError;

/// The PostgreSQL-compatibility rewrites every statement goes through before planning.
pub fn rewrite(mut stmt: Statement) -> Result<Statement, SqlError> {
    rewrite_like_escape(&mut stmt);
    rewrite_catalog_vectors(&mut stmt);
    rewrite_catalog_functions(&mut stmt);
    rewrite_field_access(&mut stmt);
    compare_regproc_columns_by_name(&mut stmt);
    hoist_case_subqueries(&mut stmt);
    aggregate_scalar_subqueries(&mut stmt);
    crate::rewrite(&mut stmt).map_err(|e| SqlError::new("0A000", e.to_string()))?;
    Ok(stmt)
}

/// `pg_type`'s regproc columns (`typinput`, `typoutput`, ...) hold function names here,
/// not oids, so `typinput = 'pg_catalog.array_in'::regproc` (pgjdbc's type lookup behind
/// `getObject`, `getColumns`, `getTypeInfo`) compares names: datafusion-pg-catalog turns
/// the cast into an oid subquery on `pg_proc`, and the name column cannot be cast to an
/// integer. The subquery goes back to the function's name, without its schema.
fn compare_regproc_columns_by_name(stmt: &mut Statement) {
    use datafusion::sql::sqlparser::ast::BinaryOperator;
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
    let _ = crate::visit::exprs_mut(stmt, |e| {
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
    use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, SetExpr, Value};
    use std::ops::ControlFlow;
    let _ = crate::visit::exprs_mut(stmt, |e| {
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
        Ident, ObjectName, SelectItem, SetExpr,
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
        let _ = crate::visit::exprs_mut(e, |x| {
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
    let _ = crate::visit::exprs_mut(stmt, |e| {
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
    use datafusion::sql::sqlparser::ast::{Expr, Value};
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use std::ops::ControlFlow;
    let _ = crate::visit::exprs_mut(stmt, |e| {
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
                    let _ = crate::visit::exprs_mut(&mut new, |x| {
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

/// The catalog's `int2vector`/`oidvector` columns (`pg_index.indkey`, ...) are text in
/// datafusion-pg-catalog 0.19 (`1 2`, or `[1, 2]` for `pg_constraint.conkey`): `unnest(col)` and
/// `generate_subscripts(col, 1)` on them (SQLAlchemy's primary-key, index and foreign-key
/// reflection) become the same over the parsed array. `generate_subscripts(a, 1)` on a
/// real array becomes `unnest(range(1, array_length(a, 1) + 1))`, which DataFusion
/// unnests in step with an `unnest(a)` next to it, as PostgreSQL does.
fn rewrite_catalog_vectors(stmt: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{FunctionArg, FunctionArgExpr, FunctionArguments};
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
    let _ = crate::visit::exprs_mut(stmt, |e| {
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

/// `x::text` (and `CAST(x AS text)`, `::varchar`) → `__pw_text(x)`, which prints
/// timestamps as PostgreSQL does (DataFusion's cast gives Arrow's ISO form, `T` and
/// nanoseconds, and ignores the session's time zone) and casts anything else as before.
/// Literals and parameters keep their cast: a parameter's type comes from it. A select
/// item keeps the name the cast gave it.
pub(crate) fn rewrite_text_casts(stmt: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{
        CastKind, DataType, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
        FunctionArguments, Ident, ObjectName, Query, SelectItem, SetExpr, VisitorMut,
    };
    fn is_text(t: &DataType) -> bool {
        matches!(
            t,
            DataType::Text
                | DataType::Varchar(None)
                | DataType::CharacterVarying(None)
                | DataType::String(None)
        )
    }
    fn rewritable(e: &Expr) -> bool {
        matches!(
            e,
            Expr::Cast {
                kind: CastKind::Cast | CastKind::DoubleColon,
                expr,
                data_type,
                format: None,
                ..
            } if is_text(data_type) && !matches!(expr.as_ref(), Expr::Value(_))
        )
    }
    // The name DataFusion gives an unaliased cast: its operand's.
    fn cast_name(e: &Expr) -> Option<String> {
        let Expr::Cast { expr, .. } = e else {
            return None;
        };
        match expr.as_ref() {
            Expr::Identifier(i) => Some(i.value.clone()),
            Expr::CompoundIdentifier(ids) => ids.last().map(|i| i.value.clone()),
            _ => None,
        }
    }
    struct Names;
    impl VisitorMut for Names {
        type Break = ();
        fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
            if let SetExpr::Select(s) = q.body.as_mut() {
                for item in s.projection.iter_mut() {
                    if let SelectItem::UnnamedExpr(e) = item
                        && rewritable(e)
                        && let Some(name) = cast_name(e)
                    {
                        let expr = std::mem::replace(e, Expr::value(Value::Null));
                        *item = SelectItem::ExprWithAlias {
                            expr,
                            alias: Ident::with_quote('"', name),
                        };
                    }
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = stmt.walk_mut(&mut Names);
    let _ = crate::visit::exprs_mut(stmt, |e| {
        if rewritable(e)
            && let Expr::Cast { expr, .. } = e
        {
            let inner = std::mem::replace(expr.as_mut(), Expr::value(Value::Null));
            *e = Expr::Function(Function {
                name: ObjectName::from(vec![Ident::new(crate::TEXT_FUNCTION)]),
                uses_odbc_syntax: false,
                parameters: FunctionArguments::None,
                args: FunctionArguments::List(FunctionArgumentList {
                    duplicate_treatment: None,
                    args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(inner))],
                    clauses: vec![],
                }),
                filter: None,
                null_treatment: None,
                over: None,
                within_group: vec![],
            });
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Catalog functions PostgreSQL computes from its catalog, as subqueries over the
/// catalog here (datafusion-pg-catalog has no such functions):
///
/// - `col_description(rel, n)` / `obj_description(oid [, catalog])` read
///   `pg_description` (psql `\d+`, harlequin's describe, SQLAlchemy comments);
/// - `pg_get_function_result(oid)`, `pg_get_function_arguments(oid)`,
///   `pg_get_function_identity_arguments(oid)` read `pg_proc` (psql `\df`, pgjdbc
///   `getFunctions`);
/// - `pg_get_indexdef(...)` is NULL: no relation here has an index (pandas
///   `read_sql_table`, SQLAlchemy index reflection);
/// - `x::regtype::text` is the type's name, not its oid, and `x::regtype[]` the names
///   of an oid list (pgcli's completion queries); datafusion-pg-catalog's oid type
///   planner makes `regtype` an integer.
pub(crate) fn rewrite_catalog_functions(stmt: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{
        DataType, FunctionArg, FunctionArgExpr, FunctionArguments,
    };
    fn args(f: &datafusion::sql::sqlparser::ast::Function) -> Vec<Expr> {
        match &f.args {
            FunctionArguments::List(l) => l
                .args
                .iter()
                .filter_map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
                    _ => None,
                })
                .collect(),
            _ => vec![],
        }
    }
    fn is_regtype(t: &DataType) -> bool {
        let name = t.to_string().to_ascii_lowercase();
        name == "regtype" || name == "pg_catalog.regtype"
    }
    fn parse(sql: &str) -> Option<Expr> {
        Parser::new(&PostgreSqlDialect {})
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_expr())
            .ok()
    }
    // The built-in catalog's rows carry PostgreSQL's class oids; relations here have
    // oids of their own (16384 and up), so `pg_class` needs no class filter.
    fn class_filter(catalog: &Expr) -> Option<&'static str> {
        let Expr::Value(v) = catalog else { return None };
        let Value::SingleQuotedString(s) = &v.value else {
            return None;
        };
        Some(match s.to_ascii_lowercase().as_str() {
            "pg_class" => "",
            "pg_proc" => "AND __pw_d.classoid = 1255",
            "pg_type" => "AND __pw_d.classoid = 1247",
            "pg_namespace" => "AND __pw_d.classoid = 2615",
            "pg_database" => "AND __pw_d.classoid = 1262",
            "pg_constraint" => "AND __pw_d.classoid = 2606",
            _ => return None,
        })
    }
    let _ = crate::visit::exprs_mut(stmt, |e| {
        let replacement = match e {
            Expr::Cast {
                expr: inner,
                data_type:
                    DataType::Text | DataType::Varchar(None) | DataType::CharacterVarying(None),
                ..
            } => match inner.as_ref() {
                Expr::Cast {
                    expr: x,
                    data_type: t,
                    ..
                } if is_regtype(t) => match x.as_ref() {
                    // `'int4'::regtype::text` names the type; an unknown name is an
                    // error as in PostgreSQL (42704), raised by the cast to INT.
                    Expr::Value(v) => match &v.value {
                        Value::SingleQuotedString(n) => {
                            match crate::pgtext::regtype_literal_name(n) {
                                Some(name) => Some(Expr::value(Value::SingleQuotedString(name))),
                                None => parse(&format!("format_type(CAST(({x}) AS INT), -1)")),
                            }
                        }
                        _ => parse(&format!("format_type(CAST(({x}) AS INT), -1)")),
                    },
                    _ => parse(&format!("format_type(CAST(({x}) AS INT), -1)")),
                },
                _ => None,
            },
            Expr::Cast {
                expr: x,
                data_type: DataType::Array(elem),
                ..
            } => {
                use datafusion::sql::sqlparser::ast::ArrayElemTypeDef;
                let regtype = match elem {
                    ArrayElemTypeDef::AngleBracket(t)
                    | ArrayElemTypeDef::SquareBracket(t, _)
                    | ArrayElemTypeDef::Parenthesis(t) => is_regtype(t),
                    ArrayElemTypeDef::None => false,
                };
                if regtype {
                    parse(&format!("{}(({x}))", crate::REGTYPE_NAMES_FUNCTION))
                } else {
                    None
                }
            }
            Expr::Function(f) => {
                let name = f.name.to_string().to_ascii_lowercase();
                let name = name.rsplit('.').next().unwrap_or("").to_string();
                let a = args(f);
                match (name.as_str(), a.as_slice()) {
                    ("col_description", [rel, n]) => parse(&format!(
                        "(SELECT max(__pw_d.description) FROM pg_catalog.pg_description __pw_d \
                         WHERE __pw_d.objoid = ({rel}) AND __pw_d.objsubid = ({n}))"
                    )),
                    ("obj_description", [oid]) => parse(&format!(
                        "(SELECT max(__pw_d.description) FROM pg_catalog.pg_description __pw_d \
                         WHERE __pw_d.objoid = ({oid}) AND __pw_d.objsubid = 0)"
                    )),
                    ("obj_description", [oid, catalog]) => class_filter(catalog).and_then(|c| {
                        parse(&format!(
                            "(SELECT max(__pw_d.description) FROM pg_catalog.pg_description __pw_d \
                             WHERE __pw_d.objoid = ({oid}) AND __pw_d.objsubid = 0 {c})"
                        ))
                    }),
                    ("pg_get_function_result", [oid]) => parse(&format!(
                        "(SELECT max(format_type(CAST(__pw_p.prorettype AS INT), -1)) \
                         FROM pg_catalog.pg_proc __pw_p WHERE __pw_p.oid = ({oid}))"
                    )),
                    ("pg_get_function_arguments" | "pg_get_function_identity_arguments", [oid]) => {
                        parse(&format!(
                            "(SELECT max(array_to_string({}(__pw_p.proargtypes), ', ')) \
                         FROM pg_catalog.pg_proc __pw_p WHERE __pw_p.oid = ({oid}))",
                            crate::REGTYPE_NAMES_FUNCTION
                        ))
                    }
                    ("pg_get_indexdef", _) => parse("CAST(NULL AS TEXT)"),
                    // A set of (x, n) records: pgjdbc's getPrimaryKeys, getIndexInfo.
                    ("_pg_expandarray", [a]) => {
                        parse(&format!("unnest({}(({a})))", crate::EXPAND_ARRAY_FUNCTION))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(r) = replacement {
            *e = r;
        }
        ControlFlow::<()>::Continue(())
    });
}

/// `information_schema.columns` with PostgreSQL's type names in `data_type` (`text`,
/// `bigint`, `jsonb`, `timestamp with time zone`, `ARRAY`): DataFusion's
/// information_schema names Arrow types (`Utf8`, `Timestamp(µs, "UTC")`). The type
/// comes from `pg_attribute`, which knows JSON columns.
pub(crate) fn rewrite_information_schema_columns(stmt: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{
        Ident, ObjectNamePart, TableAlias, TableFactor, VisitorMut,
    };
    const VIEW: &str = "SELECT __pw_c.table_catalog, __pw_c.table_schema, __pw_c.table_name, \
        __pw_c.column_name, __pw_c.ordinal_position, __pw_c.column_default, __pw_c.is_nullable, \
        CASE WHEN __pw_t.type_name IS NULL THEN __pw_c.data_type \
             WHEN __pw_t.type_name LIKE '%[]' THEN 'ARRAY' \
             ELSE __pw_t.type_name END AS data_type, \
        __pw_c.character_maximum_length, __pw_c.character_octet_length, __pw_c.numeric_precision, \
        __pw_c.numeric_precision_radix, __pw_c.numeric_scale, __pw_c.datetime_precision, \
        __pw_c.interval_type \
        FROM information_schema.columns __pw_c LEFT JOIN ( \
            SELECT __pw_n.nspname, __pw_r.relname, __pw_a.attname, \
                   format_type(CAST(__pw_a.atttypid AS INT), -1) AS type_name \
            FROM pg_catalog.pg_attribute __pw_a \
            JOIN pg_catalog.pg_class __pw_r ON __pw_r.oid = __pw_a.attrelid \
            JOIN pg_catalog.pg_namespace __pw_n ON __pw_n.oid = __pw_r.relnamespace \
            WHERE __pw_a.attnum > 0) __pw_t \
        ON __pw_t.nspname = __pw_c.table_schema AND __pw_t.relname = __pw_c.table_name \
           AND __pw_t.attname = __pw_c.column_name";
    fn is_columns(name: &datafusion::sql::sqlparser::ast::ObjectName) -> bool {
        let parts: Vec<String> = name
            .0
            .iter()
            .filter_map(|p| match p {
                ObjectNamePart::Identifier(i) => Some(i.value.to_ascii_lowercase()),
                _ => None,
            })
            .collect();
        matches!(parts.as_slice(), [.., s, t] if s == "information_schema" && t == "columns")
            && parts.len() <= 3
    }
    struct V;
    impl VisitorMut for V {
        type Break = ();
        // After the children: the view's own reference to information_schema.columns
        // is not visited again.
        fn post_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
            let TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } = t
            else {
                return ControlFlow::Continue(());
            };
            if !is_columns(name) {
                return ControlFlow::Continue(());
            }
            let Ok(Statement::Query(q)) = Parser::new(&PostgreSqlDialect {})
                .try_with_sql(VIEW)
                .and_then(|mut p| p.parse_statement())
            else {
                return ControlFlow::Continue(());
            };
            let alias = alias.clone().unwrap_or(TableAlias {
                explicit: false,
                name: Ident::new("columns"),
                columns: vec![],
                at: None,
            });
            *t = TableFactor::Derived {
                lateral: false,
                subquery: q,
                alias: Some(alias),
                sample: None,
            };
            ControlFlow::Continue(())
        }
    }
    let _ = stmt.walk_mut(&mut V);
}

/// The element type of a catalog vector column (`int2vector`/`oidvector`, held as text
/// here) named by `e`.
fn catalog_vector_type(e: &Expr) -> Option<&'static str> {
    const VECTORS: &[(&str, &str)] = &[
        ("indkey", "SMALLINT"),
        ("indoption", "SMALLINT"),
        ("conkey", "SMALLINT"),
        ("confkey", "SMALLINT"),
        ("indclass", "INT"),
        ("indcollation", "INT"),
        ("proargtypes", "INT"),
    ];
    let name = match e {
        Expr::Identifier(i) => &i.value,
        Expr::CompoundIdentifier(ids) => &ids.last()?.value,
        _ => return None,
    };
    let name = name.to_ascii_lowercase();
    // pgjdbc's getIndexInfo reads `i.indoption AS i_indoption` through a subquery.
    VECTORS
        .iter()
        .find(|(c, _)| name == *c || name.strip_suffix(c).is_some_and(|p| p.ends_with('_')))
        .map(|(_, t)| *t)
}

/// Field and element access DataFusion does not plan as PostgreSQL does:
/// `(expr).field` on a composite value becomes `get_field(expr, 'field')` (pgjdbc's
/// `(information_schema._pg_expandarray(i.indkey)).n`), and a subscript of a catalog
/// vector column (`con.conkey[1]`, pgjdbc's `getImportedKeys`) indexes the parsed array.
pub(crate) fn rewrite_field_access(stmt: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{AccessExpr, Subscript};
    let _ = crate::visit::exprs_mut(stmt, |e| {
        let Expr::CompoundFieldAccess { root, access_chain } = e else {
            return ControlFlow::<()>::Continue(());
        };
        let replacement = match access_chain.as_slice() {
            // `con.conkey[i]` parses as `con` with `.conkey` then `[i]`.
            [AccessExpr::Dot(Expr::Identifier(col)), AccessExpr::Subscript(Subscript::Index { index })]
                if matches!(root.as_ref(), Expr::Identifier(_)) =>
            {
                catalog_vector_type(&Expr::Identifier(col.clone())).map(|ty| {
                    format!(
                        "(CAST(string_to_array(nullif(btrim(replace({root}.{col}, ',', ''), '[]'), ''), ' ') AS {ty}[]))[{index}]"
                    )
                })
            }
            [AccessExpr::Subscript(Subscript::Index { index })] => {
                catalog_vector_type(root).map(|ty| {
                    format!(
                        "(CAST(string_to_array(nullif(btrim(replace({root}, ',', ''), '[]'), ''), ' ') AS {ty}[]))[{index}]"
                    )
                })
            }
            chain
                if !chain.is_empty()
                    && chain
                        .iter()
                        .all(|a| matches!(a, AccessExpr::Dot(Expr::Identifier(_))))
                    && !matches!(root.as_ref(), Expr::Identifier(_)) =>
            {
                let mut text = root.to_string();
                for a in chain {
                    if let AccessExpr::Dot(Expr::Identifier(i)) = a {
                        let field = i.value.to_ascii_lowercase().replace('\'', "''");
                        text = format!("get_field({text}, '{field}')");
                    }
                }
                Some(text)
            }
            _ => None,
        };
        if let Some(sql) = replacement
            && let Ok(new) = Parser::new(&PostgreSqlDialect {})
                .try_with_sql(&sql)
                .and_then(|mut p| p.parse_expr())
        {
            *e = new;
        }
        ControlFlow::Continue(())
    });
}
