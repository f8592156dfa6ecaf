//! `pg_catalog` as clients read it: `pg_attribute` with the PostgreSQL type of JSON
//! columns, `pg_description` with the tables' and columns' descriptions, `pg_class`
//! with `reloptions`.
//!
//! JSON columns are Arrow text columns marked `pathwarden.type = jsonb`; the catalog of
//! datafusion-pg-catalog derives a column's type from its Arrow type only, so clients
//! that read column types from `pg_attribute` (SQLAlchemy's `get_columns()`, psql's
//! `\d`, BI tools) would see `text`. This wraps `pg_catalog` so that `pg_attribute`
//! reports `jsonb` (oid 3802) for them; values stay JSON text on the wire.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, AsArray, Int32Array, RecordBatch};
use datafusion::arrow::datatypes::{Int32Type, SchemaRef};
use datafusion::catalog::{CatalogProviderList, SchemaProvider, Session};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion::prelude::SessionContext;

/// `pg_type.oid` of `jsonb`.
const JSONB_OID: i32 = 3802;

/// Field metadata marking a JSON column (see `pathwarden_tables::framework::def`).
const TYPE_KEY: &str = "pathwarden.type";

/// Descriptions of a table and of its columns (in column order), by table name.
pub type Descriptions = HashMap<String, (String, Vec<String>)>;

/// Wrap the `pg_catalog` schema of `catalog` (once; later calls do nothing).
pub fn install(ctx: &SessionContext, catalog: &str, descriptions: Descriptions) {
    let Some(cat) = ctx.catalog(catalog) else {
        return;
    };
    let Some(inner) = cat.schema("pg_catalog") else {
        return;
    };
    if (inner.as_ref() as &dyn Any).is::<JsonTypedCatalog>() {
        return;
    }
    let wrapped = Arc::new(JsonTypedCatalog {
        inner,
        catalogs: ctx.state().catalog_list().clone(),
        descriptions: Arc::new(descriptions),
    });
    if let Err(e) = cat.register_schema("pg_catalog", wrapped) {
        tracing::warn!(error = %e, "pg_catalog: cannot report jsonb column types");
    }
}

/// `pg_catalog` with [`JsonbAttributes`] as `pg_attribute`.
#[derive(Debug)]
struct JsonTypedCatalog {
    inner: Arc<dyn SchemaProvider>,
    catalogs: Arc<dyn CatalogProviderList>,
    descriptions: Arc<Descriptions>,
}

#[async_trait]
impl SchemaProvider for JsonTypedCatalog {
    fn table_names(&self) -> Vec<String> {
        self.inner.table_names()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        let t = self.inner.table(name).await?;
        if name.eq_ignore_ascii_case("pg_class") {
            return Ok(t.map(|inner| Arc::new(ClassOptions::new(inner)) as Arc<dyn TableProvider>));
        }
        if name.eq_ignore_ascii_case("pg_settings") {
            return Ok(t.map(|inner| Arc::new(MoreSettings { inner }) as Arc<dyn TableProvider>));
        }
        if name.eq_ignore_ascii_case("pg_description") {
            return Ok(t.map(|inner| {
                Arc::new(TableDescriptions {
                    inner,
                    catalog: self.inner.clone(),
                    descriptions: self.descriptions.clone(),
                }) as Arc<dyn TableProvider>
            }));
        }
        if !name.eq_ignore_ascii_case("pg_attribute") {
            return Ok(t);
        }
        Ok(t.map(|inner| {
            Arc::new(JsonbAttributes {
                inner,
                catalog: self.inner.clone(),
                catalogs: self.catalogs.clone(),
            }) as Arc<dyn TableProvider>
        }))
    }

    fn table_exist(&self, name: &str) -> bool {
        self.inner.table_exist(name)
    }
}

/// `pg_attribute` whose `atttypid` is `jsonb` for JSON columns.
#[derive(Debug)]
struct JsonbAttributes {
    inner: Arc<dyn TableProvider>,
    catalog: Arc<dyn SchemaProvider>,
    catalogs: Arc<dyn CatalogProviderList>,
}

async fn scan_all(t: &Arc<dyn TableProvider>, state: &dyn Session) -> Result<Vec<RecordBatch>> {
    let plan = t.scan(state, None, &[], None).await?;
    collect(plan, state.task_ctx()).await
}

fn column<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a dyn Array> {
    b.column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or_else(|| DataFusionError::Internal(format!("pg_catalog: no column {name}")))
}

impl JsonbAttributes {
    /// `(attrelid, attname)` of every JSON column of the user-visible tables.
    async fn json_columns(&self, state: &dyn Session) -> Result<HashSet<(i32, String)>> {
        let mut namespaces: HashMap<i32, String> = HashMap::new();
        if let Some(t) = self.catalog.table("pg_namespace").await? {
            for b in scan_all(&t, state).await? {
                let oid = column(&b, "oid")?.as_primitive_opt::<Int32Type>();
                let name = column(&b, "nspname")?.as_string_opt::<i32>();
                if let (Some(oid), Some(name)) = (oid, name) {
                    for i in 0..b.num_rows() {
                        if !oid.is_null(i) && !name.is_null(i) {
                            namespaces.insert(oid.value(i), name.value(i).to_string());
                        }
                    }
                }
            }
        }
        let mut out = HashSet::new();
        let Some(classes) = self.catalog.table("pg_class").await? else {
            return Ok(out);
        };
        for b in scan_all(&classes, state).await? {
            let (Some(oid), Some(name), Some(ns)) = (
                column(&b, "oid")?.as_primitive_opt::<Int32Type>(),
                column(&b, "relname")?.as_string_opt::<i32>(),
                column(&b, "relnamespace")?.as_primitive_opt::<Int32Type>(),
            ) else {
                continue;
            };
            for i in 0..b.num_rows() {
                if oid.is_null(i) || name.is_null(i) || ns.is_null(i) {
                    continue;
                }
                let Some(schema) = namespaces.get(&ns.value(i)) else {
                    continue;
                };
                if schema == "pg_catalog" || schema == "information_schema" {
                    continue;
                }
                for cat in self.catalogs.catalog_names() {
                    let Some(s) = self.catalogs.catalog(&cat).and_then(|c| c.schema(schema)) else {
                        continue;
                    };
                    let Ok(Some(t)) = s.table(name.value(i)).await else {
                        continue;
                    };
                    for f in t.schema().fields() {
                        if f.metadata().get(TYPE_KEY).map(String::as_str) == Some("jsonb") {
                            out.insert((oid.value(i), f.name().clone()));
                        }
                    }
                    break;
                }
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl TableProvider for JsonbAttributes {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let schema = self.inner.schema();
        let mut batches = scan_all(&self.inner, state).await?;
        let json = self.json_columns(state).await?;
        if !json.is_empty() {
            let Some(typ_idx) = schema.index_of("atttypid").ok() else {
                return MemorySourceConfig::try_new_exec(&[batches], schema, projection.cloned())
                    .map(|e| e as Arc<dyn ExecutionPlan>);
            };
            for b in batches.iter_mut() {
                let (Some(rel), Some(name), Some(typ)) = (
                    column(b, "attrelid")?.as_primitive_opt::<Int32Type>(),
                    column(b, "attname")?.as_string_opt::<i32>(),
                    column(b, "atttypid")?.as_primitive_opt::<Int32Type>(),
                ) else {
                    continue;
                };
                let patched: Int32Array = (0..b.num_rows())
                    .map(|i| {
                        if typ.is_null(i) {
                            return None;
                        }
                        let is_json = !rel.is_null(i)
                            && !name.is_null(i)
                            && json.contains(&(rel.value(i), name.value(i).to_string()));
                        Some(if is_json { JSONB_OID } else { typ.value(i) })
                    })
                    .collect();
                let mut cols = b.columns().to_vec();
                cols[typ_idx] = Arc::new(patched);
                *b = RecordBatch::try_new(b.schema(), cols)?;
            }
        }
        MemorySourceConfig::try_new_exec(&[batches], schema, projection.cloned())
            .map(|e| e as Arc<dyn ExecutionPlan>)
    }
}

/// `pg_class` with `reloptions` (NULL: no storage options here), which
/// datafusion-pg-catalog 0.19 does not have and SQLAlchemy's table reflection
/// (Superset's table metadata, pandas `read_sql_table`) selects.
#[derive(Debug)]
struct ClassOptions {
    inner: Arc<dyn TableProvider>,
    schema: SchemaRef,
}

impl ClassOptions {
    fn new(inner: Arc<dyn TableProvider>) -> Self {
        use datafusion::arrow::datatypes::{DataType, Field, Schema};
        let base = inner.schema();
        let mut fields: Vec<Arc<Field>> = base.fields().iter().cloned().collect();
        if base.index_of("reloptions").is_err() {
            fields.push(Arc::new(Field::new(
                "reloptions",
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
                true,
            )));
        }
        ClassOptions {
            inner,
            schema: Arc::new(Schema::new_with_metadata(fields, base.metadata().clone())),
        }
    }
}

#[async_trait]
impl TableProvider for ClassOptions {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let mut batches = scan_all(&self.inner, state).await?;
        for b in batches.iter_mut() {
            let mut cols = b.columns().to_vec();
            for f in self.schema.fields().iter().skip(cols.len()) {
                cols.push(datafusion::arrow::array::new_null_array(
                    f.data_type(),
                    b.num_rows(),
                ));
            }
            *b = RecordBatch::try_new(self.schema.clone(), cols)?;
        }
        MemorySourceConfig::try_new_exec(&[batches], self.schema.clone(), projection.cloned())
            .map(|e| e as Arc<dyn ExecutionPlan>)
    }
}

/// `pg_description` with the description of every table and column the connections
/// serve (`objsubid` 0 for the table, the column number for a column), after the
/// built-in catalog's rows: what `col_description` and `obj_description` read.
#[derive(Debug)]
struct TableDescriptions {
    inner: Arc<dyn TableProvider>,
    catalog: Arc<dyn SchemaProvider>,
    descriptions: Arc<Descriptions>,
}

#[async_trait]
impl TableProvider for TableDescriptions {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        use datafusion::arrow::array::{ArrayRef, StringArray};
        use datafusion::arrow::compute::cast;
        let schema = self.inner.schema();
        let mut batches = scan_all(&self.inner, state).await?;
        let mut namespaces: HashMap<i32, String> = HashMap::new();
        if let Some(t) = self.catalog.table("pg_namespace").await? {
            for b in scan_all(&t, state).await? {
                let (Some(oid), Some(name)) = (
                    column(&b, "oid")?.as_primitive_opt::<Int32Type>(),
                    column(&b, "nspname")?.as_string_opt::<i32>(),
                ) else {
                    continue;
                };
                for i in 0..b.num_rows() {
                    if !oid.is_null(i) && !name.is_null(i) {
                        namespaces.insert(oid.value(i), name.value(i).to_string());
                    }
                }
            }
        }
        let mut relations: Vec<(i32, String, String)> = Vec::new();
        if let Some(classes) = self.catalog.table("pg_class").await? {
            for b in scan_all(&classes, state).await? {
                let (Some(oid), Some(name), Some(ns)) = (
                    column(&b, "oid")?.as_primitive_opt::<Int32Type>(),
                    column(&b, "relname")?.as_string_opt::<i32>(),
                    column(&b, "relnamespace")?.as_primitive_opt::<Int32Type>(),
                ) else {
                    continue;
                };
                for i in 0..b.num_rows() {
                    if oid.is_null(i) || name.is_null(i) || ns.is_null(i) {
                        continue;
                    }
                    if let Some(schema) = namespaces.get(&ns.value(i)) {
                        relations.push((oid.value(i), schema.clone(), name.value(i).to_string()));
                    }
                }
            }
        }
        // `classoid` is pg_class's own oid, as `'pg_catalog.pg_class'::regclass` gives it
        // here (SQLAlchemy's comment reflection joins on it).
        let class_oid = relations
            .iter()
            .find(|(_, s, n)| s == "pg_catalog" && n == "pg_class")
            .map(|(o, _, _)| *o)
            .unwrap_or(1259);
        let (mut objoid, mut objsubid, mut text) = (Vec::new(), Vec::new(), Vec::new());
        for (oid, schema, name) in &relations {
            if schema == "pg_catalog" || schema == "information_schema" {
                continue;
            }
            let Some((table, columns)) = self.descriptions.get(name) else {
                continue;
            };
            objoid.push(*oid);
            objsubid.push(0);
            text.push(table.clone());
            for (n, c) in columns.iter().enumerate() {
                objoid.push(*oid);
                objsubid.push(n as i32 + 1);
                text.push(c.clone());
            }
        }
        if !objoid.is_empty() {
            let n = objoid.len();
            let mut cols: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
            for f in schema.fields() {
                let col: ArrayRef = match f.name().as_str() {
                    "objoid" => Arc::new(Int32Array::from(objoid.clone())),
                    "classoid" => Arc::new(Int32Array::from(vec![class_oid; n])),
                    "objsubid" => Arc::new(Int32Array::from(objsubid.clone())),
                    "description" => Arc::new(StringArray::from(text.clone())),
                    _ => datafusion::arrow::array::new_null_array(f.data_type(), n),
                };
                cols.push(cast(&col, f.data_type())?);
            }
            batches.push(RecordBatch::try_new(schema.clone(), cols)?);
        }
        MemorySourceConfig::try_new_exec(&[batches], schema, projection.cloned())
            .map(|e| e as Arc<dyn ExecutionPlan>)
    }
}

/// Settings `pg_settings` lacks in datafusion-pg-catalog 0.19 that drivers read:
/// pgjdbc's `getImportedKeys`/`getExportedKeys` refuse to run without
/// `max_index_keys`.
const EXTRA_SETTINGS: &[(&str, &str)] =
    &[("max_index_keys", "32"), ("max_identifier_length", "63")];

/// `pg_settings` with [`EXTRA_SETTINGS`] (when it does not have them).
#[derive(Debug)]
struct MoreSettings {
    inner: Arc<dyn TableProvider>,
}

#[async_trait]
impl TableProvider for MoreSettings {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        use datafusion::arrow::array::{ArrayRef, StringArray};
        use datafusion::arrow::compute::cast;
        let schema = self.inner.schema();
        let mut batches = scan_all(&self.inner, state).await?;
        let mut have = HashSet::new();
        for b in &batches {
            if let Some(names) = column(b, "name")?.as_string_opt::<i32>() {
                have.extend(names.iter().flatten().map(str::to_string));
            }
        }
        let missing: Vec<&(&str, &str)> = EXTRA_SETTINGS
            .iter()
            .filter(|(n, _)| !have.contains(*n))
            .collect();
        if !missing.is_empty() {
            let n = missing.len();
            let mut cols: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
            for f in schema.fields() {
                let col: ArrayRef = match f.name().as_str() {
                    "name" => Arc::new(StringArray::from_iter_values(
                        missing.iter().map(|(k, _)| *k),
                    )),
                    "setting" | "reset_val" => Arc::new(StringArray::from_iter_values(
                        missing.iter().map(|(_, v)| *v),
                    )),
                    "vartype" => Arc::new(StringArray::from(vec!["integer"; n])),
                    "context" => Arc::new(StringArray::from(vec!["internal"; n])),
                    "source" => Arc::new(StringArray::from(vec!["default"; n])),
                    _ => datafusion::arrow::array::new_null_array(f.data_type(), n),
                };
                cols.push(cast(&col, f.data_type())?);
            }
            batches.push(RecordBatch::try_new(schema.clone(), cols)?);
        }
        MemorySourceConfig::try_new_exec(&[batches], schema, projection.cloned())
            .map(|e| e as Arc<dyn ExecutionPlan>)
    }
}
