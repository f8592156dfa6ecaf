//! Per-connection plan caches, so a repeated statement does not pay for SQL parsing,
//! DataFusion's analyzer and optimizer, and physical planning again.
//!
//! * Parsed statements, by SQL text (the extended protocol's Parse of an unnamed
//!   statement, or a simple query), for queries the engine plans itself.
//! * Parameter types, by statement.
//! * Physical plans, by statement and bound values, when every leaf re-reads its table
//!   when executed (the API-backed tables: rows come from the connection's cache with its
//!   TTL, never from the plan): re-executed after resetting operator state.
//!
//! Values are bound before the optimizer runs, never after: table providers decide
//! what to push down (a key lookup, one principal's paths) from literal values, and a
//! plan optimized around `$n` placeholders would scan everything and filter afterwards.
//!
//! Nothing is cached for plans with functions that are not immutable (`now()` is folded
//! into the plan by the optimizer, `random()`...). Every cache of a connection is
//! dropped when it runs any statement the engine does not plan itself (`SET`, `RESET`,
//! transactions, DDL, ...), since settings and the catalog are inputs to planning.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{BinaryArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::{ParamValues, ScalarValue};
use datafusion::execution::{SessionState, TaskContext};
use datafusion::logical_expr::{Expr, LogicalPlan, Volatility};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::execution_plan::reset_plan_states;
use datafusion::physical_plan::placeholder_row::PlaceholderRowExec;
use datafusion::physical_plan::streaming::StreamingTableExec;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::Statement;
use datafusion_postgres::arrow_pg;
use futures::StreamExt;
use pgwire::api::portal::Format;
use pgwire::api::results::{FieldFormat, FieldInfo, QueryResponse};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::data::DataRow;
use pgwire::types::format::FormatOptions;

use super::errors::from_df;
use super::sql::{ParamTypes, parameter_types};

/// Entries per cache before it is emptied (a connection rarely has more statements).
const MAX_ENTRIES: usize = 256;

/// A statement as parsed, rewritten and planned.
#[derive(Clone)]
pub struct Parsed {
    /// The statement as the client sent it (parsed), for the audit log.
    pub original: String,
    /// The rewritten statement's text: the key of the other caches.
    pub key: String,
    /// The rewritten statement.
    pub stmt: Statement,
    /// Its plan, not optimized.
    pub plan: LogicalPlan,
}

/// What is known about one statement's plan.
pub struct Prepared {
    /// Parameter types by position.
    pub types: ParamTypes,
    /// Whether its physical plans may be kept and re-executed.
    reusable: bool,
}

#[derive(Default)]
struct Inner {
    /// The session state planning and execution use, with its task context.
    state: Option<(Arc<SessionState>, Arc<TaskContext>)>,
    parsed: HashMap<String, Arc<Parsed>>,
    prepared: HashMap<String, Arc<Prepared>>,
    physical: HashMap<(String, Vec<ScalarValue>), Arc<dyn ExecutionPlan>>,
}

/// The caches of one connection.
#[derive(Default)]
pub struct PlanCache {
    inner: Mutex<Inner>,
}

fn bounded<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>) {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
}

impl PlanCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Forget everything (settings or the catalog may have changed).
    pub fn clear(&self) {
        *self.lock() = Inner::default();
    }

    /// The statement the SQL text `sql` (one query) was parsed and planned to, if cached.
    pub fn parsed(&self, sql: &str) -> Option<Arc<Parsed>> {
        self.lock().parsed.get(sql).cloned()
    }

    /// Remember what the SQL text `sql` (one query) parsed and planned to, when the plan
    /// may be reused.
    pub fn remember_parsed(&self, sql: &str, parsed: &Arc<Parsed>) {
        if !reusable(&parsed.plan) {
            return;
        }
        let mut g = self.lock();
        bounded(&mut g.parsed);
        g.parsed.insert(sql.to_string(), Arc::clone(parsed));
    }

    /// The session state and task context to plan and run with (a snapshot of the
    /// session's, taken again after [`PlanCache::clear`]).
    pub fn state(&self, ctx: &SessionContext) -> (Arc<SessionState>, Arc<TaskContext>) {
        let mut g = self.lock();
        if let Some(s) = &g.state {
            return s.clone();
        }
        let state = Arc::new(ctx.state());
        let task = state.task_ctx();
        g.state = Some((state.clone(), task.clone()));
        (state, task)
    }

    /// Parameter types of the statement `key`, and whether its plans may be reused.
    pub fn prepared(&self, key: &str, plan: &LogicalPlan) -> PgWireResult<Arc<Prepared>> {
        if let Some(p) = self.lock().prepared.get(key) {
            return Ok(p.clone());
        }
        let types = parameter_types(plan)?;
        let p = Arc::new(Prepared {
            types,
            reusable: reusable(plan),
        });
        let mut g = self.lock();
        bounded(&mut g.prepared);
        g.prepared.insert(key.to_string(), p.clone());
        Ok(p)
    }

    /// Run the statement `key` (whose unoptimized plan is `plan`) with `params`.
    pub async fn run(
        &self,
        key: &str,
        plan: &LogicalPlan,
        prepared: &Prepared,
        params: ParamValues,
        ctx: &SessionContext,
        format: &Format,
        options: Arc<FormatOptions>,
    ) -> PgWireResult<QueryResponse> {
        let fields = Arc::new(pg_fields(&wire_schema(plan), format, Some(options))?);
        let bind = || {
            plan.clone()
                .replace_params_with_values(&params)
                .map_err(from_df)
        };
        let (physical, task) = if !prepared.reusable {
            // Planned from scratch with a fresh state (its start time is `now()`).
            match bind()? {
                plan @ (LogicalPlan::Ddl(_)
                | LogicalPlan::Dml(_)
                | LogicalPlan::Statement(_)
                | LogicalPlan::Copy(_)) => {
                    let df = ctx.execute_logical_plan(plan).await.map_err(from_df)?;
                    return arrow_pg::datatypes::df::encode_dataframe(df, format, None).await;
                }
                plan => {
                    let state = ctx.state();
                    let physical = state.create_physical_plan(&plan).await.map_err(from_df)?;
                    (physical, state.task_ctx())
                }
            }
        } else {
            let values: Vec<ScalarValue> = match &params {
                ParamValues::List(v) => v.iter().map(|p| p.value.clone()).collect(),
                ParamValues::Map(_) => Vec::new(),
            };
            let (state, task) = self.state(ctx);
            let cache_key = (key.to_string(), values);
            let cached = self.lock().physical.get(&cache_key).cloned();
            let physical = match cached {
                Some(p) => reset_plan_states(p).map_err(from_df)?,
                None => {
                    let physical = state
                        .create_physical_plan(&bind()?)
                        .await
                        .map_err(from_df)?;
                    if rereads_tables(&physical) && !folded_scans(plan, &physical) {
                        let mut g = self.lock();
                        bounded(&mut g.physical);
                        g.physical.insert(cache_key, physical.clone());
                    }
                    physical
                }
            };
            (physical, task)
        };
        // Executed on the query pool; dropping the response (cancel, timeout, client
        // gone) aborts it.
        let stream = crate::exec::spawn_plan(physical, task);
        Ok(respond(fields, stream))
    }
}

/// Field metadata marking a JSON column (see `pathwarden_tables::framework::def`).
pub const JSON_TYPE_KEY: &str = "pathwarden.type";

/// Whether an Arrow field is one of the tables' JSON columns (text holding jsonb as
/// PostgreSQL prints it).
pub fn is_json_field(f: &Field) -> bool {
    f.metadata().get(JSON_TYPE_KEY).map(String::as_str) == Some("jsonb")
        && matches!(
            f.data_type(),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        )
}

/// The result schema of `plan` as the wire describes it: a JSON column the query casts to
/// text (`policy::text`) is text, not jsonb (DataFusion's casts keep the field's metadata).
pub fn wire_schema(plan: &LogicalPlan) -> Schema {
    let schema = plan.schema().as_arrow().clone();
    let mut node = plan;
    let exprs = loop {
        match node {
            LogicalPlan::Projection(p) => break Some(&p.expr),
            LogicalPlan::Sort(s) => node = s.input.as_ref(),
            LogicalPlan::Limit(l) => node = l.input.as_ref(),
            LogicalPlan::Filter(f) => node = f.input.as_ref(),
            _ => break None,
        }
    };
    let Some(exprs) = exprs else { return schema };
    let text_cast = |e: &Expr| {
        let inner = match e {
            Expr::Alias(a) => a.expr.as_ref(),
            other => other,
        };
        match inner {
            Expr::Cast(c) => matches!(
                c.field.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ),
            Expr::TryCast(c) => matches!(
                c.field.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ),
            _ => false,
        }
    };
    if exprs.len() != schema.fields().len() || !exprs.iter().any(text_cast) {
        return schema;
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .zip(exprs)
        .map(|(f, e)| {
            if text_cast(e) && is_json_field(f) {
                let mut meta = f.metadata().clone();
                meta.remove(JSON_TYPE_KEY);
                f.as_ref().clone().with_metadata(meta)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    Schema::new_with_metadata(fields, schema.metadata().clone())
}

/// The wire description of a result with `schema`: arrow-pg's, with JSON columns typed
/// `jsonb` (oid 3802) as `pg_attribute` reports them, so drivers decode documents.
pub fn pg_fields(
    schema: &Schema,
    format: &Format,
    options: Option<Arc<FormatOptions>>,
) -> PgWireResult<Vec<FieldInfo>> {
    let fields = arrow_pg::datatypes::arrow_schema_to_pg_fields(schema, format, options)?;
    Ok(fields
        .into_iter()
        .zip(schema.fields())
        .map(|(f, a)| {
            if is_json_field(a) {
                FieldInfo::new(
                    f.name().to_string(),
                    f.table_id(),
                    f.column_id(),
                    pgwire::api::Type::JSONB,
                    f.format(),
                )
                .with_format_options(f.format_options().clone())
                .with_type_size(-1)
                .with_type_modifier(-1)
            } else {
                f
            }
        })
        .collect())
}

/// Columns sent as binary `jsonb`: the format's version byte (1) before the text.
/// arrow-pg would send the text alone, which binary-format clients reject.
fn jsonb_binary_columns(
    rb: RecordBatch,
    columns: &[usize],
) -> datafusion::error::Result<RecordBatch> {
    let schema = rb.schema();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut arrays = rb.columns().to_vec();
    for &i in columns {
        let Some(a) = arrays.get(i) else { continue };
        let text = datafusion::arrow::compute::cast(a, &DataType::Utf8)?;
        let text = datafusion::common::cast::as_string_array(&text)?;
        let bin: BinaryArray = text
            .iter()
            .map(|v| {
                v.map(|s| {
                    let mut b = Vec::with_capacity(s.len() + 1);
                    b.push(1u8);
                    b.extend_from_slice(s.as_bytes());
                    b
                })
            })
            .collect();
        arrays[i] = Arc::new(bin);
        fields[i] = Field::new(fields[i].name(), DataType::Binary, true);
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

/// Text-format timestamp columns as PostgreSQL prints them (`2024-01-01 09:00:00+09`,
/// fractional seconds only when there are some, trailing zeros dropped). pgwire's text
/// encoding always prints six digits (`.000000`), which PostgreSQL never does.
fn timestamp_text_columns(
    rb: RecordBatch,
    columns: &[usize],
) -> datafusion::error::Result<RecordBatch> {
    let schema = rb.schema();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut arrays = rb.columns().to_vec();
    for &i in columns {
        let Some(a) = arrays.get(i) else { continue };
        let DataType::Timestamp(_, zone) = a.data_type() else {
            continue;
        };
        let zone = zone.clone();
        arrays[i] = pathwarden_sqlext::pg_text(a, zone.as_deref())?;
        fields[i] = Field::new(fields[i].name(), DataType::Utf8, true);
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

/// Record batches prepared for arrow-pg: binary-format `jsonb` columns with their
/// version byte, text-format timestamps printed as PostgreSQL prints them.
pub fn wire_batches(
    fields: &[FieldInfo],
    stream: datafusion::execution::SendableRecordBatchStream,
) -> futures::stream::BoxStream<'static, datafusion::error::Result<RecordBatch>> {
    let json: Vec<usize> = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            *f.datatype() == pgwire::api::Type::JSONB && f.format() == FieldFormat::Binary
        })
        .map(|(i, _)| i)
        .collect();
    let timestamps: Vec<usize> = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            matches!(
                *f.datatype(),
                pgwire::api::Type::TIMESTAMPTZ | pgwire::api::Type::TIMESTAMP
            ) && f.format() == FieldFormat::Text
        })
        .map(|(i, _)| i)
        .collect();
    if json.is_empty() && timestamps.is_empty() {
        return stream.boxed();
    }
    stream
        .map(move |rb| {
            let rb = if json.is_empty() {
                rb
            } else {
                rb.and_then(|b| jsonb_binary_columns(b, &json))
            };
            if timestamps.is_empty() {
                rb
            } else {
                rb.and_then(|b| timestamp_text_columns(b, &timestamps))
            }
        })
        .boxed()
}

/// Rows of a record batch stream, encoded for the client.
pub fn respond(
    fields: Arc<Vec<pgwire::api::results::FieldInfo>>,
    stream: datafusion::execution::SendableRecordBatchStream,
) -> QueryResponse {
    let f = fields.clone();
    let rows = wire_batches(&fields, stream)
        .map(move |rb| {
            let it: Box<dyn Iterator<Item = PgWireResult<DataRow>> + Send + Sync> = match rb {
                Ok(rb) => arrow_pg::datatypes::encode_recordbatch(f.clone(), rb),
                Err(e) => Box::new(std::iter::once(Err(PgWireError::ApiError(Box::new(e))))),
            };
            futures::stream::iter(it)
        })
        .flatten();
    QueryResponse::new(fields, rows)
}

/// Whether a plan may be reused: a query (not DDL, EXPLAIN, ...) whose functions are
/// all immutable.
fn reusable(plan: &LogicalPlan) -> bool {
    if matches!(
        plan,
        LogicalPlan::Ddl(_)
            | LogicalPlan::Dml(_)
            | LogicalPlan::Statement(_)
            | LogicalPlan::Copy(_)
            | LogicalPlan::Explain(_)
            | LogicalPlan::Analyze(_)
            | LogicalPlan::DescribeTable(_)
    ) {
        return false;
    }
    let mut ok = true;
    let _ = plan.apply_with_subqueries(|node| {
        if matches!(
            node,
            LogicalPlan::Ddl(_) | LogicalPlan::Dml(_) | LogicalPlan::Statement(_)
        ) {
            ok = false;
            return Ok(TreeNodeRecursion::Stop);
        }
        node.apply_expressions(|e| {
            e.apply(|x| {
                let volatile = match x {
                    Expr::ScalarFunction(f) => {
                        f.func.signature().volatility != Volatility::Immutable
                    }
                    Expr::AggregateFunction(f) => {
                        f.func.signature().volatility != Volatility::Immutable
                    }
                    Expr::WindowFunction(f) => match &f.fun {
                        datafusion::logical_expr::WindowFunctionDefinition::AggregateUDF(u) => {
                            u.signature().volatility != Volatility::Immutable
                        }
                        datafusion::logical_expr::WindowFunctionDefinition::WindowUDF(u) => {
                            u.signature().volatility != Volatility::Immutable
                        }
                    },
                    _ => false,
                };
                if volatile {
                    ok = false;
                    Ok(TreeNodeRecursion::Stop)
                } else {
                    Ok(TreeNodeRecursion::Continue)
                }
            })
        })?;
        Ok(if ok {
            TreeNodeRecursion::Continue
        } else {
            TreeNodeRecursion::Stop
        })
    });
    ok
}

/// Whether every leaf of a physical plan reads its rows when executed (the API-backed
/// tables' streaming scans), rather than holding rows computed at planning time.
/// Whether the optimizer answered the query's table scans from statistics taken at
/// planning time (`count(*)` of an in-memory table becomes a constant over a placeholder
/// row): such a plan holds the table's size then, not now, and must not be reused.
fn folded_scans(logical: &LogicalPlan, physical: &Arc<dyn ExecutionPlan>) -> bool {
    /// Every leaf is a placeholder row: no table is read at execution.
    fn placeholders_only(p: &Arc<dyn ExecutionPlan>) -> bool {
        let children = p.children();
        if children.is_empty() {
            return (p.as_ref() as &dyn std::any::Any).is::<PlaceholderRowExec>();
        }
        children.into_iter().all(placeholders_only)
    }
    let mut scans = false;
    let _ = logical.apply_with_subqueries(|node| {
        if matches!(node, LogicalPlan::TableScan(_)) {
            scans = true;
            return Ok(TreeNodeRecursion::Stop);
        }
        Ok(TreeNodeRecursion::Continue)
    });
    scans && placeholders_only(physical)
}

fn rereads_tables(plan: &Arc<dyn ExecutionPlan>) -> bool {
    let children = plan.children();
    if children.is_empty() {
        let any = plan.as_ref() as &dyn std::any::Any;
        return any.is::<StreamingTableExec>()
            || any.is::<EmptyExec>()
            || any.is::<PlaceholderRowExec>();
    }
    children.into_iter().all(rereads_tables)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, RecordBatch};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::common::metadata::ScalarAndMetadata;
    use datafusion::datasource::MemTable;
    use futures::TryStreamExt;

    async fn plan(ctx: &SessionContext, sql: &str) -> LogicalPlan {
        ctx.state().create_logical_plan(sql).await.unwrap()
    }

    async fn values(resp: QueryResponse) -> usize {
        let mut resp = resp;
        let rows: Vec<DataRow> = resp.data_rows().try_collect().await.unwrap();
        rows.len()
    }

    /// Runs `sql` with one parameter through `cache`; the number of rows.
    async fn run_cached(
        cache: &PlanCache,
        ctx: &SessionContext,
        sql: &str,
        value: ScalarValue,
    ) -> usize {
        let p = plan(ctx, sql).await;
        let prepared = cache.prepared(sql, &p).unwrap();
        let params = ParamValues::List(vec![ScalarAndMetadata::from(value)]);
        let opts = Arc::new(FormatOptions::default());
        let resp = cache
            .run(sql, &p, &prepared, params, ctx, &Format::UnifiedText, opts)
            .await
            .unwrap();
        values(resp).await
    }

    #[tokio::test]
    async fn only_immutable_queries_are_reused() {
        let ctx = SessionContext::new();
        assert!(reusable(&plan(&ctx, "select 1 + 2").await));
        assert!(!reusable(&plan(&ctx, "select now()").await));
        assert!(!reusable(&plan(&ctx, "select random()").await));
        assert!(!reusable(&plan(&ctx, "explain select 1").await));
    }

    #[tokio::test]
    async fn physical_plans_are_kept_only_when_leaves_reread() {
        let ctx = SessionContext::new();
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, true)]));
        let batch =
            RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(vec![1, 2]))])
                .unwrap();
        ctx.register_table(
            "t",
            Arc::new(MemTable::try_new(schema, vec![vec![batch]]).unwrap()),
        )
        .unwrap();
        let state = ctx.state();
        let p = state
            .create_physical_plan(&plan(&ctx, "select n from t").await)
            .await
            .unwrap();
        assert!(!rereads_tables(&p), "rows held by the plan");
        let p = state
            .create_physical_plan(&plan(&ctx, "select 1").await)
            .await
            .unwrap();
        assert!(rereads_tables(&p));
        let one = plan(&ctx, "select 1").await;
        assert!(!folded_scans(&one, &p));
        // count(*) answered from the table's statistics: a constant that goes stale.
        let counted = plan(&ctx, "select count(*) from t").await;
        let p = state.create_physical_plan(&counted).await.unwrap();
        assert!(!rereads_tables(&p) || folded_scans(&counted, &p));
    }

    /// A table that pushes down only `column = literal`, as the graph tables and the
    /// key columns of the API tables do, and records the filters its scans get.
    #[derive(Debug)]
    struct LiteralKeyTable {
        schema: datafusion::arrow::datatypes::SchemaRef,
        scans: Arc<Mutex<Vec<Vec<Expr>>>>,
    }

    #[async_trait::async_trait]
    impl datafusion::catalog::TableProvider for LiteralKeyTable {
        fn schema(&self) -> datafusion::arrow::datatypes::SchemaRef {
            self.schema.clone()
        }
        fn table_type(&self) -> datafusion::datasource::TableType {
            datafusion::datasource::TableType::Base
        }
        fn supports_filters_pushdown(
            &self,
            filters: &[&Expr],
        ) -> datafusion::error::Result<Vec<datafusion::logical_expr::TableProviderFilterPushDown>>
        {
            use datafusion::logical_expr::TableProviderFilterPushDown as P;
            Ok(filters
                .iter()
                .map(|f| match f {
                    Expr::BinaryExpr(b) if matches!(*b.right, Expr::Literal(..)) => P::Inexact,
                    _ => P::Unsupported,
                })
                .collect())
        }
        async fn scan(
            &self,
            _state: &dyn datafusion::catalog::Session,
            _projection: Option<&Vec<usize>>,
            filters: &[Expr],
            _limit: Option<usize>,
        ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
            self.scans.lock().unwrap().push(filters.to_vec());
            Ok(Arc::new(EmptyExec::new(self.schema.clone())))
        }
    }

    #[tokio::test]
    async fn parameters_are_bound_before_filters_are_pushed_down() {
        let ctx = SessionContext::new();
        let scans = Arc::new(Mutex::new(Vec::new()));
        let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Utf8, true)]));
        ctx.register_table(
            "t",
            Arc::new(LiteralKeyTable {
                schema,
                scans: scans.clone(),
            }),
        )
        .unwrap();
        let cache = PlanCache::default();
        let sql = "select k from t where k = $1";
        for v in ["a", "b", "a"] {
            let n = run_cached(&cache, &ctx, sql, ScalarValue::Utf8(Some(v.into()))).await;
            assert_eq!(n, 0);
        }
        let scans = scans.lock().unwrap();
        // Two plans ("a" again re-executes the first), each scan given its literal.
        assert_eq!(scans.len(), 2, "{scans:?}");
        for (filters, v) in scans.iter().zip(["a", "b"]) {
            let text = format!("{filters:?}");
            assert!(
                text.contains(&format!("Utf8(\"{v}\")")) && !text.contains("Placeholder"),
                "{text}"
            );
        }
    }

    #[tokio::test]
    async fn cached_plans_bind_each_execution() {
        let ctx = SessionContext::new();
        let cache = PlanCache::default();
        let sql = "select * from unnest(range(0, $1::bigint))";
        for n in [3i64, 5, 3, 0] {
            let rows = run_cached(&cache, &ctx, sql, ScalarValue::Int64(Some(n))).await;
            assert_eq!(rows, n as usize);
        }
    }
}
