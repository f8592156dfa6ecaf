//! The wire protocol's side of the SQL front end ([`pathwarden_sqlext::frontend`]):
//! its pipeline with errors as pgwire errors, and the typing and decoding of a prepared
//! statement's parameters, which only the extended protocol has.

use std::collections::HashMap;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::execution::SessionState;
use datafusion::logical_expr::{Expr as LExpr, LogicalPlan};
use datafusion::sql::sqlparser::ast::Statement;
use datafusion_postgres::arrow_pg;
use pathwarden_sqlext::frontend;
use pgwire::api::Type;
use pgwire::error::PgWireResult;

pub use pathwarden_sqlext::frontend::{PgParser, is_engine_query};

use super::errors::{from_df, from_sql};

/// [`frontend::parse_sql`] with its error as a pgwire error.
pub fn parse_sql(parser: &PgParser, sql: &str) -> PgWireResult<Vec<Statement>> {
    frontend::parse_sql(parser, sql).map_err(from_sql)
}

/// [`frontend::rewrite`] with its error as a pgwire error.
pub fn rewrite(stmt: Statement) -> PgWireResult<Statement> {
    frontend::rewrite(stmt).map_err(from_sql)
}

/// [`frontend::plan_query`] with its error as a pgwire error, and a query's
/// `timestamptz` columns in the session's time zone (what `SET TIME ZONE` changes).
pub async fn plan_query(
    state: &SessionState,
    stmt: Statement,
) -> PgWireResult<(Statement, LogicalPlan)> {
    let (stmt, plan) = frontend::plan_query(state, stmt).await.map_err(from_sql)?;
    let plan = match &stmt {
        Statement::Query(_) => as_postgres_prints(
            plan,
            state.config().options().execution.time_zone.as_deref(),
        )
        .map_err(from_df)?,
        _ => plan,
    };
    Ok((stmt, plan))
}

/// `plan` with its result columns in the form PostgreSQL prints them:
/// - `timestamptz` columns cast to the session's `zone`: the same instants, printed (by
///   arrow-pg) with that zone's offset, as PostgreSQL prints them in its `TimeZone`;
/// - durations (DataFusion's type of `timestamptz - timestamptz`) as intervals of days
///   and time, as PostgreSQL's difference of two timestamps is (`105 days 09:59:23`, not
///   `2529:59:23`).
fn as_postgres_prints(
    plan: LogicalPlan,
    zone: Option<&str>,
) -> datafusion::error::Result<LogicalPlan> {
    use datafusion::common::Column;
    use datafusion::logical_expr::{LogicalPlanBuilder, cast};
    let mut changed = false;
    let exprs: Vec<LExpr> = plan
        .schema()
        .iter()
        .map(|(qualifier, field)| {
            let col = LExpr::Column(Column::from((qualifier, field)));
            match field.data_type() {
                DataType::Timestamp(unit, Some(tz)) if zone.is_some_and(|z| tz.as_ref() != z) => {
                    changed = true;
                    cast(col, DataType::Timestamp(*unit, zone.map(Into::into)))
                        .alias_qualified(qualifier.cloned(), field.name())
                }
                DataType::Duration(unit) => {
                    changed = true;
                    duration_as_days(*unit)
                        .call(vec![col])
                        .alias_qualified(qualifier.cloned(), field.name())
                }
                _ => col,
            }
        })
        .collect();
    if !changed {
        return Ok(plan);
    }
    LogicalPlanBuilder::from(plan).project(exprs)?.build()
}

/// A duration as an interval of whole days and the rest (PostgreSQL's `justify_hours`,
/// which its timestamp difference applies): days truncated toward zero, so `-25 hours`
/// is `-1 days -01:00:00` as there.
fn duration_as_days(
    unit: datafusion::arrow::datatypes::TimeUnit,
) -> datafusion::logical_expr::ScalarUDF {
    use std::sync::Arc;

    use datafusion::arrow::array::{Array, AsArray, IntervalMonthDayNanoArray};
    use datafusion::arrow::compute::cast;
    use datafusion::arrow::datatypes::{
        DurationNanosecondType, IntervalMonthDayNano, IntervalUnit, TimeUnit,
    };
    use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
    const DAY_NANOS: i64 = 86_400_000_000_000;
    let f = move |args: &[ColumnarValue]| -> datafusion::error::Result<ColumnarValue> {
        let array = args[0].clone().into_array(1)?;
        // Nanoseconds hold ±292 years, more than any two timestamps are apart.
        let array = cast(&array, &DataType::Duration(TimeUnit::Nanosecond))?;
        let nanos = array.as_primitive::<DurationNanosecondType>();
        let out: IntervalMonthDayNanoArray = nanos
            .iter()
            .map(|n| {
                n.map(|n| {
                    // Truncating division: days and rest share the sign.
                    IntervalMonthDayNano::new(0, (n / DAY_NANOS) as i32, n % DAY_NANOS)
                })
            })
            .collect();
        debug_assert_eq!(out.len(), array.len());
        Ok(ColumnarValue::Array(Arc::new(out)))
    };
    create_udf(
        "pg_duration_as_interval",
        vec![DataType::Duration(unit)],
        DataType::Interval(IntervalUnit::MonthDayNano),
        Volatility::Immutable,
        Arc::new(f),
    )
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::{Field, Schema};
    use datafusion::datasource::MemTable;
    use datafusion::prelude::SessionContext;

    use super::*;

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
        ctx
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
}
