//! Connections as schemas: one schema per connection, aggregator connections that
//! union their members, and the search-path schema that resolves unqualified names.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::{SchemaProvider, Session};
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::union::UnionExec;

use crate::framework::{CloudTable, ConnectionRuntime};

/// A fixed set of tables as a schema.
#[derive(Debug, Default)]
pub struct TablesSchema {
    tables: BTreeMap<String, Arc<dyn TableProvider>>,
}

impl TablesSchema {
    /// The schema of one connection: one `CloudTable` per table its source serves.
    pub fn for_connection(rt: &Arc<ConnectionRuntime>) -> Self {
        let mut tables: BTreeMap<String, Arc<dyn TableProvider>> = BTreeMap::new();
        for def in rt.source.tables() {
            tables.insert(
                def.name.to_string(),
                Arc::new(CloudTable::new(def, rt.clone())),
            );
        }
        TablesSchema { tables }
    }

    /// An aggregator schema: each table name that any member serves, as the union of
    /// the members that serve it.
    pub fn aggregate(members: &[Arc<TablesSchema>]) -> DfResult<Self> {
        let mut by_name: BTreeMap<String, Vec<Arc<dyn TableProvider>>> = BTreeMap::new();
        for m in members {
            for (name, t) in &m.tables {
                by_name.entry(name.clone()).or_default().push(t.clone());
            }
        }
        let mut tables: BTreeMap<String, Arc<dyn TableProvider>> = BTreeMap::new();
        for (name, parts) in by_name {
            let t: Arc<dyn TableProvider> = if parts.len() == 1 {
                parts[0].clone()
            } else {
                Arc::new(UnionTable::try_new(parts)?)
            };
            tables.insert(name, t);
        }
        Ok(TablesSchema { tables })
    }

    /// The search-path schema: for each name, the first schema in `path` that has it.
    pub fn search_path(path: &[Arc<TablesSchema>]) -> Self {
        let mut tables: BTreeMap<String, Arc<dyn TableProvider>> = BTreeMap::new();
        for s in path {
            for (name, t) in &s.tables {
                tables.entry(name.clone()).or_insert_with(|| t.clone());
            }
        }
        TablesSchema { tables }
    }

    /// Add a table.
    pub fn insert(&mut self, name: impl Into<String>, t: Arc<dyn TableProvider>) {
        self.tables.insert(name.into(), t);
    }
}

#[async_trait]
impl SchemaProvider for TablesSchema {
    fn table_names(&self) -> Vec<String> {
        self.tables.keys().cloned().collect()
    }
    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        Ok(self.tables.get(name).cloned())
    }
    fn table_exist(&self, name: &str) -> bool {
        self.tables.contains_key(name)
    }
}

/// The union of one table across the member connections of an aggregator.
pub struct UnionTable {
    parts: Vec<Arc<dyn TableProvider>>,
    schema: SchemaRef,
}

impl fmt::Debug for UnionTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UnionTable({} parts)", self.parts.len())
    }
}

impl UnionTable {
    /// Union tables with identical schemas.
    pub fn try_new(parts: Vec<Arc<dyn TableProvider>>) -> DfResult<Self> {
        let schema = parts
            .first()
            .map(|p| p.schema())
            .ok_or_else(|| DataFusionError::Plan("aggregator has no member tables".into()))?;
        Ok(UnionTable { parts, schema })
    }
}

#[async_trait]
impl TableProvider for UnionTable {
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
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }
    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let mut plans = Vec::with_capacity(self.parts.len());
        for p in &self.parts {
            plans.push(p.scan(state, projection, filters, limit).await?);
        }
        UnionExec::try_new(plans)
    }
}
