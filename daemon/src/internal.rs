//! Small in-process tables (the `pathwarden` schema) whose rows are computed at
//! scan time by a closure.

use std::fmt;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::datasource::{MemTable, TableProvider, TableType};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;

/// A cell value for [`RowsBuilder`].
#[derive(Debug, Clone)]
pub enum Cell {
    /// NULL
    Null,
    /// text
    Text(String),
    /// bigint
    Int(i64),
    /// boolean
    Bool(bool),
    /// timestamptz in microseconds since the epoch
    Ts(i64),
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}
impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Self {
        s.map(Cell::Text).unwrap_or(Cell::Null)
    }
}
impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}
impl From<u64> for Cell {
    fn from(v: u64) -> Self {
        Cell::Int(v as i64)
    }
}
impl From<bool> for Cell {
    fn from(v: bool) -> Self {
        Cell::Bool(v)
    }
}

/// Column types of internal tables.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// text
    Text,
    /// bigint
    Int,
    /// timestamptz
    Ts,
}

/// Schema from `(name, kind)` pairs.
pub fn schema(cols: &[(&str, Kind)]) -> SchemaRef {
    Arc::new(Schema::new(
        cols.iter()
            .map(|(n, k)| {
                let t = match k {
                    Kind::Text => DataType::Utf8,
                    Kind::Int => DataType::Int64,
                    Kind::Ts => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                };
                Field::new(*n, t, true)
            })
            .collect::<Vec<_>>(),
    ))
}

/// Build a batch from rows of cells matching `schema`.
pub fn batch(schema: &SchemaRef, rows: &[Vec<Cell>]) -> DfResult<RecordBatch> {
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (i, f) in schema.fields().iter().enumerate() {
        let cell = |r: &Vec<Cell>| r.get(i).cloned().unwrap_or(Cell::Null);
        let a: ArrayRef = match f.data_type() {
            DataType::Int64 => {
                let mut b = Int64Builder::new();
                for r in rows {
                    b.append_option(match cell(r) {
                        Cell::Int(v) => Some(v),
                        _ => None,
                    });
                }
                Arc::new(b.finish())
            }
            DataType::Boolean => {
                let mut b = BooleanBuilder::new();
                for r in rows {
                    b.append_option(match cell(r) {
                        Cell::Bool(v) => Some(v),
                        _ => None,
                    });
                }
                Arc::new(b.finish())
            }
            DataType::Timestamp(_, _) => {
                let mut b = TimestampMicrosecondBuilder::new().with_timezone("UTC");
                for r in rows {
                    b.append_option(match cell(r) {
                        Cell::Ts(v) => Some(v),
                        _ => None,
                    });
                }
                Arc::new(b.finish())
            }
            _ => {
                let mut b = StringBuilder::new();
                for r in rows {
                    b.append_option(match cell(r) {
                        Cell::Text(s) => Some(s),
                        Cell::Int(v) => Some(v.to_string()),
                        Cell::Bool(v) => Some(v.to_string()),
                        Cell::Ts(v) => Some(v.to_string()),
                        Cell::Null => None,
                    });
                }
                Arc::new(b.finish())
            }
        };
        arrays.push(a);
    }
    Ok(RecordBatch::try_new(schema.clone(), arrays)?)
}

/// Plan a scan over rows computed for this query.
async fn scan_rows(
    schema: &SchemaRef,
    rows: &[Vec<Cell>],
    state: &dyn Session,
    projection: Option<&Vec<usize>>,
    filters: &[Expr],
    limit: Option<usize>,
) -> DfResult<Arc<dyn ExecutionPlan>> {
    let b = batch(schema, rows)?;
    let mem = MemTable::try_new(schema.clone(), vec![vec![b]])?;
    mem.scan(state, projection, filters, limit).await
}

type RowsFn = dyn Fn() -> Vec<Vec<Cell>> + Send + Sync;

/// A table whose rows are produced by a closure at every scan.
pub struct FnTable {
    schema: SchemaRef,
    rows: Box<RowsFn>,
}

impl fmt::Debug for FnTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FnTable")
    }
}

impl FnTable {
    /// A table with `schema` filled by `rows`.
    pub fn new(
        schema: SchemaRef,
        rows: impl Fn() -> Vec<Vec<Cell>> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(FnTable {
            schema,
            rows: Box::new(rows),
        })
    }
}

#[async_trait]
impl TableProvider for FnTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
    fn table_type(&self) -> TableType {
        TableType::View
    }
    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        scan_rows(
            &self.schema,
            &(self.rows)(),
            state,
            projection,
            filters,
            limit,
        )
        .await
    }
}

type AsyncRowsFn =
    dyn Fn() -> futures::future::BoxFuture<'static, DfResult<Vec<Vec<Cell>>>> + Send + Sync;

/// A table whose rows are produced by an async closure at every scan (for rows that
/// need SQL over other tables, like policy findings).
pub struct AsyncFnTable {
    schema: SchemaRef,
    rows: Box<AsyncRowsFn>,
}

impl fmt::Debug for AsyncFnTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AsyncFnTable")
    }
}

impl AsyncFnTable {
    /// A table with `schema` filled by `rows`.
    pub fn new(
        schema: SchemaRef,
        rows: impl Fn() -> futures::future::BoxFuture<'static, DfResult<Vec<Vec<Cell>>>>
        + Send
        + Sync
        + 'static,
    ) -> Arc<Self> {
        Arc::new(AsyncFnTable {
            schema,
            rows: Box::new(rows),
        })
    }
}

#[async_trait]
impl TableProvider for AsyncFnTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
    fn table_type(&self) -> TableType {
        TableType::View
    }
    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let rows = (self.rows)().await?;
        scan_rows(&self.schema, &rows, state, projection, filters, limit).await
    }
}
