//! The served catalog, frozen: once the engine is built, no SQL statement can add,
//! replace or drop a catalog, schema or table, whatever reaches DataFusion's DDL.
//!
//! DataFusion's in-memory catalogs accept `CREATE SCHEMA`, `DROP SCHEMA ... CASCADE`
//! and `CREATE VIEW` from any session, and every session shares them. The SQL front
//! door refuses those statements; this is the second lock, at the catalog itself.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::catalog::{CatalogProvider, CatalogProviderList, SchemaProvider};
use datafusion::error::{DataFusionError, Result};

fn refused(what: &str) -> DataFusionError {
    DataFusionError::External(Box::new(crate::identity::PermissionDenied(format!(
        "permission denied: {what}: the catalog is read-only"
    ))))
}

/// A catalog whose schemas are fixed.
#[derive(Debug)]
pub struct FrozenCatalog {
    schemas: BTreeMap<String, Arc<dyn SchemaProvider>>,
}

impl FrozenCatalog {
    /// Snapshot `inner`'s schemas.
    pub fn freeze(inner: &dyn CatalogProvider) -> Self {
        let schemas = inner
            .schema_names()
            .into_iter()
            .filter_map(|n| inner.schema(&n).map(|s| (n, s)))
            .collect();
        FrozenCatalog { schemas }
    }
}

impl CatalogProvider for FrozenCatalog {
    fn schema_names(&self) -> Vec<String> {
        self.schemas.keys().cloned().collect()
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        self.schemas.get(name).cloned()
    }

    fn register_schema(
        &self,
        name: &str,
        _schema: Arc<dyn SchemaProvider>,
    ) -> Result<Option<Arc<dyn SchemaProvider>>> {
        Err(refused(&format!("creating schema {name}")))
    }

    fn deregister_schema(
        &self,
        name: &str,
        _cascade: bool,
    ) -> Result<Option<Arc<dyn SchemaProvider>>> {
        Err(refused(&format!("dropping schema {name}")))
    }
}

/// A catalog list whose catalogs are fixed (and frozen).
#[derive(Debug)]
pub struct FrozenCatalogList {
    catalogs: BTreeMap<String, Arc<dyn CatalogProvider>>,
}

impl FrozenCatalogList {
    /// Snapshot `inner`, freezing each of its catalogs.
    pub fn freeze(inner: &dyn CatalogProviderList) -> Self {
        let catalogs = inner
            .catalog_names()
            .into_iter()
            .filter_map(|n| {
                inner.catalog(&n).map(|c| {
                    let frozen: Arc<dyn CatalogProvider> =
                        Arc::new(FrozenCatalog::freeze(c.as_ref()));
                    (n, frozen)
                })
            })
            .collect();
        FrozenCatalogList { catalogs }
    }
}

impl CatalogProviderList for FrozenCatalogList {
    fn register_catalog(
        &self,
        name: String,
        _catalog: Arc<dyn CatalogProvider>,
    ) -> Option<Arc<dyn CatalogProvider>> {
        // The trait gives no way to refuse; the catalog is simply not added.
        tracing::warn!(catalog = %name, "refused to register a catalog: the catalog is read-only");
        None
    }

    fn catalog_names(&self) -> Vec<String> {
        self.catalogs.keys().cloned().collect()
    }

    fn catalog(&self, name: &str) -> Option<Arc<dyn CatalogProvider>> {
        self.catalogs.get(name).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::catalog::{
        MemoryCatalogProvider, MemoryCatalogProviderList, MemorySchemaProvider,
    };

    #[test]
    fn frozen_catalogs_refuse_changes() {
        let list = MemoryCatalogProviderList::new();
        let cat = Arc::new(MemoryCatalogProvider::new());
        cat.register_schema("public", Arc::new(MemorySchemaProvider::new()))
            .unwrap();
        list.register_catalog("pathwarden".into(), cat);
        let frozen = FrozenCatalogList::freeze(&list);
        let c = frozen.catalog("pathwarden").unwrap();
        assert_eq!(c.schema_names(), vec!["public".to_string()]);
        assert!(c.deregister_schema("public", true).is_err());
        assert!(
            c.register_schema("evil", Arc::new(MemorySchemaProvider::new()))
                .is_err()
        );
        assert!(c.schema("public").is_some());
        frozen.register_catalog("other".into(), Arc::new(MemoryCatalogProvider::new()));
        assert_eq!(frozen.catalog_names(), vec!["pathwarden".to_string()]);
    }
}
