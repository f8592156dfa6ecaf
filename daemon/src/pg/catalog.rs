//! `pg_catalog.pg_attribute` with the PostgreSQL type of JSON columns.
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

/// Wrap the `pg_catalog` schema of `catalog` (once; later calls do nothing).
pub fn install(ctx: &SessionContext, catalog: &str) {
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
}

#[async_trait]
impl SchemaProvider for JsonTypedCatalog {
    fn table_names(&self) -> Vec<String> {
        self.inner.table_names()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        let t = self.inner.table(name).await?;
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
