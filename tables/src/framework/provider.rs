//! The generic DataFusion `TableProvider` behind every declared table.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::ScalarValue;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Expr, Operator, TableProviderFilterPushDown};
use datafusion::physical_plan::stream::RecordBatchReceiverStreamBuilder;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::physical_plan::{EmptyRecordBatchStream, ExecutionPlan, SendableRecordBatchStream};
use futures::StreamExt;
use serde_json::Value;
use tokio::sync::mpsc::Sender;

use super::convert::rows_to_batch;
use super::def::{Scope, TableDef};
use super::registry::HydrateRef;
use super::runtime::{AccessDeniedMode, Cached, ConnectionRuntime, ErrorRecord};
use super::source::{FetchError, ListRequest, Quals, Row};

/// Session options of the table layer (`SET pathwarden.cache = false`).
pub mod options {
    use datafusion::common::extensions_options;
    extensions_options! {
        /// pathwarden session settings
        pub struct PathwardenOptions {
            /// Use cached API results (false bypasses the cache for this session).
            pub cache: bool, default = true
        }
    }
    impl datafusion::config::ConfigExtension for PathwardenOptions {
        const PREFIX: &'static str = "pathwarden";
    }
}

/// A table failure carrying where it happened; the server maps it to a SQLSTATE.
#[derive(Debug, thiserror::Error)]
#[error("{table} (connection {connection}{}): {source}", region.as_ref().map(|r| format!(", region {r}")).unwrap_or_default())]
pub struct TableError {
    /// Table name.
    pub table: String,
    /// Connection name.
    pub connection: String,
    /// Region, for regional calls.
    pub region: Option<String>,
    /// The failed call.
    #[source]
    pub source: FetchError,
}

/// A declared table served from one connection.
#[derive(Clone)]
pub struct CloudTable {
    def: &'static TableDef,
    schema: SchemaRef,
    rt: Arc<ConnectionRuntime>,
}

impl fmt::Debug for CloudTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CloudTable({}.{})", self.rt.connection(), self.def.name)
    }
}

impl CloudTable {
    /// Serve `def` from the connection runtime `rt`.
    pub fn new(def: &'static TableDef, rt: Arc<ConnectionRuntime>) -> Self {
        CloudTable {
            def,
            schema: def.schema(),
            rt,
        }
    }

    /// The table definition.
    pub fn def(&self) -> &'static TableDef {
        self.def
    }
}

fn scalar_to_json(v: &ScalarValue) -> Option<Value> {
    match v {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::Utf8View(Some(s))
        | ScalarValue::LargeUtf8(Some(s)) => Some(Value::String(s.clone())),
        ScalarValue::Boolean(Some(b)) => Some(Value::Bool(*b)),
        ScalarValue::Int64(Some(i)) => Some(Value::from(*i)),
        ScalarValue::Int32(Some(i)) => Some(Value::from(*i)),
        _ => None,
    }
}

/// `col = literal` or `col IN (literals)` → (column, values).
fn equality_filter(expr: &Expr) -> Option<(String, Vec<Value>)> {
    match expr {
        Expr::BinaryExpr(b) if b.op == Operator::Eq => {
            let (c, l) = match (b.left.as_ref(), b.right.as_ref()) {
                (Expr::Column(c), Expr::Literal(l, _)) | (Expr::Literal(l, _), Expr::Column(c)) => {
                    (c, l)
                }
                _ => return None,
            };
            Some((c.name.clone(), vec![scalar_to_json(l)?]))
        }
        // DataFusion turns short IN lists into ORs of equalities.
        Expr::BinaryExpr(b) if b.op == Operator::Or => {
            let (lc, mut lv) = equality_filter(&b.left)?;
            let (rc, rv) = equality_filter(&b.right)?;
            if lc != rc {
                return None;
            }
            lv.extend(rv);
            Some((lc, lv))
        }
        Expr::InList(il) if !il.negated => {
            let Expr::Column(c) = il.expr.as_ref() else {
                return None;
            };
            let mut vals = Vec::with_capacity(il.list.len());
            for e in &il.list {
                let Expr::Literal(l, _) = e else { return None };
                vals.push(scalar_to_json(l)?);
            }
            Some((c.name.clone(), vals))
        }
        _ => None,
    }
}

/// How one scan fetches its rows.
#[derive(Debug, Clone)]
struct FetchPlan {
    keys: Option<(String, Vec<Value>)>,
    hydrates: Vec<HydrateRef>,
    quals: Quals,
    use_cache: bool,
}

#[async_trait]
impl TableProvider for CloudTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        // Every filter is re-checked by DataFusion: pushdown only narrows the API calls.
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let projected: Vec<usize> = match projection {
            Some(p) => p.clone(),
            None => (0..self.def.columns.len()).collect(),
        };
        let hydrates = self.def.hydrates_for(&projected);
        let mut quals = Quals::default();
        for f in filters {
            for conj in split_conjunction(f) {
                if let Some((c, v)) = equality_filter(conj)
                    && self.def.column_index(&c).is_some()
                {
                    quals.equals.push((c, v));
                }
            }
        }
        let keys = self
            .def
            .get_keys
            .iter()
            .find_map(|k| quals.values(k).map(|v| (k.to_string(), v.to_vec())));
        let use_cache = state
            .config_options()
            .extensions
            .get::<options::PathwardenOptions>()
            .map(|o| o.cache)
            .unwrap_or(true);
        let plan = FetchPlan {
            keys,
            hydrates,
            quals: quals.clone(),
            use_cache,
        };

        let regions: Vec<Option<String>> = match self.def.scope {
            Scope::Global => vec![None],
            Scope::Regional => {
                let configured = self.rt.source.regions();
                let wanted: Option<BTreeSet<String>> = quals.values("region").map(|vs| {
                    vs.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                });
                configured
                    .into_iter()
                    .filter(|r| wanted.as_ref().is_none_or(|w| w.contains(r)))
                    .map(Some)
                    .collect()
            }
        };
        let partitions: Vec<Arc<dyn PartitionStream>> = regions
            .into_iter()
            .map(|region| {
                Arc::new(FetchPartition {
                    def: self.def,
                    schema: self.schema.clone(),
                    rt: self.rt.clone(),
                    region,
                    plan: plan.clone(),
                }) as Arc<dyn PartitionStream>
            })
            .collect();
        let exec = if partitions.is_empty() {
            StreamingTableExec::try_new(
                self.schema.clone(),
                vec![Arc::new(EmptyPartition(self.schema.clone())) as Arc<dyn PartitionStream>],
                projection,
                [],
                false,
                limit,
            )?
        } else {
            StreamingTableExec::try_new(
                self.schema.clone(),
                partitions,
                projection,
                [],
                false,
                limit,
            )?
        };
        Ok(Arc::new(exec))
    }
}

fn split_conjunction(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::BinaryExpr(b) if b.op == Operator::And => {
            let mut v = split_conjunction(&b.left);
            v.extend(split_conjunction(&b.right));
            v
        }
        other => vec![other],
    }
}

#[derive(Debug)]
struct EmptyPartition(SchemaRef);

impl PartitionStream for EmptyPartition {
    fn schema(&self) -> &SchemaRef {
        &self.0
    }
    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        Box::pin(EmptyRecordBatchStream::new(self.0.clone()))
    }
}

/// One region (or the whole connection) of one scan.
struct FetchPartition {
    def: &'static TableDef,
    schema: SchemaRef,
    rt: Arc<ConnectionRuntime>,
    region: Option<String>,
    plan: FetchPlan,
}

impl fmt::Debug for FetchPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "FetchPartition({}.{} {:?})",
            self.rt.connection(),
            self.def.name,
            self.region
        )
    }
}

impl PartitionStream for FetchPartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let job = PartitionJob {
            def: self.def,
            schema: self.schema.clone(),
            rt: self.rt.clone(),
            region: self.region.clone(),
            plan: self.plan.clone(),
        };
        if !job.answered_from_cache() {
            // API calls ahead: run them in their own task, so the scans of a join
            // fetch at the same time. Capacity 1: listing runs at most a page ahead of
            // the consumer, so LIMIT stops it early.
            let mut builder = RecordBatchReceiverStreamBuilder::new(self.schema.clone(), 1);
            let tx = builder.tx();
            builder.spawn(async move {
                job.run(tx).await;
                Ok(())
            });
            return builder.build();
        }
        // Answered from the cache: the job runs inside the consuming task (no task
        // spawn, no wake-up across worker threads), polled in turn with the one-slot
        // channel it hands batches over. Dropping the stream drops the job.
        let (tx, mut rx) = tokio::sync::mpsc::channel(1);
        let job = futures::stream::once(job.run(tx)).filter_map(|()| async { None });
        let batches = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));
        Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            futures::stream::select(job, batches),
        ))
    }
}

struct PartitionJob {
    def: &'static TableDef,
    schema: SchemaRef,
    rt: Arc<ConnectionRuntime>,
    region: Option<String>,
    plan: FetchPlan,
}

type Tx = Sender<DfResult<RecordBatch>>;

impl PartitionJob {
    fn key(&self, parts: &[&str]) -> String {
        let mut k = format!(
            "{}|{}",
            self.def.name,
            self.region.as_deref().unwrap_or("-")
        );
        for p in parts {
            k.push('|');
            k.push_str(p);
        }
        k
    }

    fn quals_key(&self) -> String {
        // Only list-narrowing quals change what a list returns.
        serde_json::to_string(
            &self
                .plan
                .quals
                .equals
                .iter()
                .map(|(c, v)| (c.as_str(), v))
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default()
    }

    /// Deliver an error per the connection's AccessDenied mode. Returns false when the
    /// consumer is gone.
    async fn fail(&self, tx: &Tx, err: FetchError) {
        if matches!(err, FetchError::AccessDenied { .. })
            && self.rt.options.access_denied == AccessDeniedMode::Record
        {
            self.rt.errors.push(ErrorRecord {
                time: chrono::Utc::now().to_rfc3339(),
                connection: self.rt.connection().to_string(),
                table: self.def.name.to_string(),
                region: self.region.clone(),
                api_call: err.api_call().to_string(),
                message: err.to_string(),
            });
            tracing::warn!(connection = self.rt.connection(), table = self.def.name, region = ?self.region, error = %err, "access denied; recorded in pathwarden_error");
            return;
        }
        let e = TableError {
            table: self.def.name.to_string(),
            connection: self.rt.connection().to_string(),
            region: self.region.clone(),
            source: err,
        };
        let _ = tx.send(Err(DataFusionError::External(Box::new(e)))).await;
    }

    /// Names of the hydrate calls of this scan, for cache keys.
    fn hydrates_key(&self) -> String {
        let names: Vec<&str> = self.plan.hydrates.iter().map(|h| h.name()).collect();
        names.join(",")
    }

    fn get_batch_key(&self, col: &str, values: &[Value]) -> String {
        let values_key = serde_json::to_string(values).unwrap_or_default();
        self.key(&["getbatch", col, &values_key, &self.hydrates_key()])
    }

    fn list_batch_key(&self, quals_key: &str) -> String {
        self.key(&["batches", &self.hydrates_key(), quals_key])
    }

    /// Whether this scan's converted batches are cached, so running it is only a cache
    /// read.
    fn answered_from_cache(&self) -> bool {
        if !self.plan.use_cache {
            return false;
        }
        let key = match &self.plan.keys {
            Some((col, values)) if self.rt.source.supports_get(self.def) => {
                self.get_batch_key(col, values)
            }
            _ => self.list_batch_key(&self.quals_key()),
        };
        self.rt.cache_contains(&key)
    }

    /// Rows as one batch of the table's schema.
    fn batch(&self, rows: &[Row]) -> DfResult<RecordBatch> {
        rows_to_batch(self.def, &self.schema, rows)
            .map_err(|e| DataFusionError::ArrowError(Box::new(e), None))
    }

    /// Rows as batches of at most 8,192 rows, cached under `batch_key`, then sent.
    async fn cache_and_send(&self, tx: &Tx, batch_key: String, rows: &[Row]) {
        let batches: DfResult<Vec<RecordBatch>> =
            rows.chunks(8192).map(|chunk| self.batch(chunk)).collect();
        match batches {
            Ok(batches) => {
                self.rt
                    .cache_put(batch_key, Cached::Batches(Arc::new(batches.clone())))
                    .await;
                Self::send_all(tx, batches).await;
            }
            Err(e) => {
                let _ = tx.send(Err(e)).await;
            }
        }
    }

    /// Send batches in order, until the consumer is gone.
    async fn send_all(tx: &Tx, batches: impl IntoIterator<Item = RecordBatch>) {
        for b in batches {
            if tx.send(Ok(b)).await.is_err() {
                return;
            }
        }
    }

    async fn run(self, tx: Tx) {
        if let Some((col, values)) = self.plan.keys.clone() {
            self.run_get(&tx, &col, &values).await;
        } else {
            self.run_list(&tx).await;
        }
    }

    async fn run_get(&self, tx: &Tx, col: &str, values: &[Value]) {
        let source = self.rt.source.clone();
        if !source.supports_get(self.def) {
            return self.run_list(tx).await;
        }
        // The converted batch of this exact lookup: a repeated key lookup then costs a
        // cache hit, not a conversion of every column of the row.
        let batch_key = self.get_batch_key(col, values);
        if self.plan.use_cache
            && let Some(Cached::Batches(batches)) = self.rt.cache_get(&batch_key).await
        {
            Self::send_all(tx, batches.iter().cloned()).await;
            return;
        }
        let mut rows = Vec::new();
        for v in values {
            let key = self.key(&["get", col, &v.to_string()]);
            let cached = if self.plan.use_cache {
                self.rt.cache_get(&key).await
            } else {
                None
            };
            let row = match cached {
                Some(Cached::Rows(r)) => r,
                _ => {
                    let region = self.region.clone();
                    let res = self
                        .rt
                        .call(self.def.service, || {
                            let source = source.clone();
                            let region = region.clone();
                            let v = v.clone();
                            let col = col.to_string();
                            let def = self.def;
                            async move { source.get_all(def, region.as_deref(), &col, &v).await }
                        })
                        .await;
                    match res {
                        Ok(r) => {
                            let r = Arc::new(r);
                            self.rt.cache_put(key, Cached::Rows(r.clone())).await;
                            r
                        }
                        Err(e) => return self.fail(tx, e).await,
                    }
                }
            };
            rows.extend(row.iter().cloned());
        }
        match self.hydrate(rows).await {
            Ok(rows) => self.cache_and_send(tx, batch_key, &rows).await,
            Err(e) => self.fail(tx, e).await,
        }
    }

    async fn run_list(&self, tx: &Tx) {
        let quals_key = self.quals_key();
        let batch_key = self.list_batch_key(&quals_key);
        let rows_key = self.key(&["list", &quals_key]);
        if self.plan.use_cache {
            if let Some(Cached::Batches(batches)) = self.rt.cache_get(&batch_key).await {
                Self::send_all(tx, batches.iter().cloned()).await;
                return;
            }
            if let Some(Cached::Rows(rows)) = self.rt.cache_get(&rows_key).await {
                match self.hydrate(rows.as_ref().clone()).await {
                    Ok(h) => self.cache_and_send(tx, batch_key, &h).await,
                    Err(e) => self.fail(tx, e).await,
                }
                return;
            }
        }
        let req = ListRequest {
            region: self.region.clone(),
            quals: self.plan.quals.clone(),
        };
        let mut all_rows: Vec<Row> = Vec::new();
        let mut all_batches: Vec<RecordBatch> = Vec::new();
        let mut token: Option<String> = None;
        let source = self.rt.source.clone();
        loop {
            let res = self
                .rt
                .call(self.def.service, || {
                    let source = source.clone();
                    let req = req.clone();
                    let token = token.clone();
                    let def = self.def;
                    async move { source.list_page(def, &req, token).await }
                })
                .await;
            let (page, next) = match res {
                Ok(p) => (p.rows, p.next),
                Err(e) => return self.fail(tx, e).await,
            };
            token = next;
            all_rows.extend(page.iter().cloned());
            let hydrated = match self.hydrate(page).await {
                Ok(h) => h,
                Err(e) => return self.fail(tx, e).await,
            };
            if !hydrated.is_empty() {
                match self.batch(&hydrated) {
                    Ok(b) => {
                        all_batches.push(b.clone());
                        if tx.send(Ok(b)).await.is_err() {
                            // Consumer stopped (LIMIT reached): stop listing, cache nothing partial.
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                }
            }
            if token.is_none() {
                break;
            }
        }
        self.rt
            .cache_put(rows_key, Cached::Rows(Arc::new(all_rows)))
            .await;
        self.rt
            .cache_put(batch_key, Cached::Batches(Arc::new(all_batches)))
            .await;
    }

    /// Run the hydrate calls the projection needs, each row at most once per call
    /// (cached by the row's id column). A row's calls are independent of each other and
    /// run at the same time; every call still takes a permit of the service's bound.
    async fn hydrate(&self, rows: Vec<Row>) -> Result<Vec<Row>, FetchError> {
        if self.plan.hydrates.is_empty() || rows.is_empty() {
            return Ok(rows);
        }
        let futs = rows.into_iter().map(|mut row| async move {
            let id = row
                .get(self.def.id_column)
                .map(|v| v.to_string())
                .unwrap_or_default();
            let calls = self
                .plan
                .hydrates
                .iter()
                .map(|&h| self.hydrate_one(h, &id, &row));
            let filled = futures::future::try_join_all(calls).await?;
            for extra in filled {
                if let Some(extra) = extra.as_ref() {
                    for (k, v) in extra {
                        row.insert(k.clone(), v.clone());
                    }
                }
            }
            Ok::<Row, FetchError>(row)
        });
        let results: Vec<Result<Row, FetchError>> = futures::stream::iter(futs)
            .buffered(self.rt.options.max_concurrency_per_service.max(1) * 2)
            .collect()
            .await;
        results.into_iter().collect()
    }

    /// One hydrate call of one row, from the cache or bounded by the service's permits.
    async fn hydrate_one(
        &self,
        h: HydrateRef,
        id: &str,
        row: &Row,
    ) -> Result<Arc<Option<Row>>, FetchError> {
        let key = self.key(&["hydrate", h.name(), id]);
        if self.plan.use_cache
            && let Some(Cached::One(r)) = self.rt.cache_get(&key).await
        {
            return Ok(r);
        }
        let source = self.rt.source.clone();
        let region = self.region.clone();
        let def = self.def;
        let res = self
            .rt
            .call(self.def.service, || {
                let source = source.clone();
                let region = region.clone();
                async move { source.hydrate(def, h, region.as_deref(), row).await }
            })
            .await?;
        let r = Arc::new(Some(res));
        self.rt.cache_put(key, Cached::One(r.clone())).await;
        Ok(r)
    }
}
