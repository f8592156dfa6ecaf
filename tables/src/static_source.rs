//! A source serving rows held in memory: the demo organisation and offline imports.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use crate::framework::{FetchError, HydrateRef, ListRequest, Page, Row, Source, TableDef};

/// Rows per table, served as if listed from an API (paged, with get by key).
#[derive(Debug)]
pub struct StaticSource {
    connection: String,
    plugin: String,
    regions: Vec<String>,
    tables: Vec<&'static TableDef>,
    rows: HashMap<&'static str, Arc<Vec<Row>>>,
    /// `(table, key column)` -> key value text -> row indexes.
    index: HashMap<(&'static str, &'static str), HashMap<String, Vec<usize>>>,
    page_size: usize,
}

fn key_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl StaticSource {
    /// Serve `rows` (table name -> rows) for the given tables.
    pub fn new(
        connection: impl Into<String>,
        plugin: impl Into<String>,
        regions: Vec<String>,
        tables: Vec<&'static TableDef>,
        mut rows: HashMap<&'static str, Vec<Row>>,
    ) -> Self {
        let mut index = HashMap::new();
        let mut stored = HashMap::new();
        for def in &tables {
            let table_rows = rows.remove(def.name).unwrap_or_default();
            for key in def.get_keys {
                let mut m: HashMap<String, Vec<usize>> = HashMap::new();
                for (i, r) in table_rows.iter().enumerate() {
                    if let Some(v) = r.get(*key) {
                        m.entry(key_text(v)).or_default().push(i);
                    }
                }
                index.insert((def.name, *key), m);
            }
            stored.insert(def.name, Arc::new(table_rows));
        }
        StaticSource {
            connection: connection.into(),
            plugin: plugin.into(),
            regions,
            tables,
            rows: stored,
            index,
            page_size: 1000,
        }
    }

    /// Rows of a table.
    pub fn rows(&self, table: &str) -> Option<&Arc<Vec<Row>>> {
        self.rows.get(table)
    }
}

fn matches_quals(row: &Row, req: &ListRequest) -> bool {
    req.quals.equals.iter().all(|(c, vals)| match row.get(c) {
        Some(v) => vals.iter().any(|w| key_text(w) == key_text(v)),
        None => false,
    })
}

#[async_trait]
impl Source for StaticSource {
    fn connection(&self) -> &str {
        &self.connection
    }
    fn plugin(&self) -> &str {
        &self.plugin
    }
    fn tables(&self) -> Vec<&'static TableDef> {
        self.tables.clone()
    }
    fn regions(&self) -> Vec<String> {
        self.regions.clone()
    }
    fn cache_ttl(&self) -> Duration {
        // The data never changes; caching only saves the Arrow conversion.
        Duration::from_secs(24 * 3600)
    }
    fn supports_get(&self, _table: &'static TableDef) -> bool {
        true
    }

    async fn list_page(
        &self,
        table: &'static TableDef,
        req: &ListRequest,
        token: Option<String>,
    ) -> Result<Page, FetchError> {
        let Some(all) = self.rows.get(table.name) else {
            return Ok(Page::default());
        };
        let start: usize = token.as_deref().and_then(|t| t.parse().ok()).unwrap_or(0);
        let region = req.region.as_deref();
        let mut rows = Vec::new();
        let mut i = start;
        while i < all.len() && rows.len() < self.page_size {
            let r = &all[i];
            let in_region = match region {
                None => true,
                Some(rg) => r.get("region").and_then(Value::as_str) == Some(rg),
            };
            if in_region && matches_quals(r, req) {
                rows.push(r.clone());
            }
            i += 1;
        }
        let next = if i < all.len() {
            Some(i.to_string())
        } else {
            None
        };
        Ok(Page { rows, next })
    }

    async fn get(
        &self,
        table: &'static TableDef,
        region: Option<&str>,
        key_column: &str,
        key: &Value,
    ) -> Result<Option<Row>, FetchError> {
        let Some(all) = self.rows.get(table.name) else {
            return Ok(None);
        };
        let Some(idx) = self
            .index
            .iter()
            .find(|((t, k), _)| *t == table.name && *k == key_column)
            .map(|(_, m)| m)
        else {
            return Ok(None);
        };
        let hit = idx
            .get(&key_text(key))
            .into_iter()
            .flatten()
            .map(|&i| &all[i])
            .find(|r| match region {
                None => true,
                Some(rg) => r.get("region").and_then(Value::as_str) == Some(rg),
            });
        Ok(hit.cloned())
    }

    async fn get_all(
        &self,
        table: &'static TableDef,
        region: Option<&str>,
        key_column: &str,
        key: &Value,
    ) -> Result<Vec<Row>, FetchError> {
        let Some(all) = self.rows.get(table.name) else {
            return Ok(vec![]);
        };
        let Some(idx) = self
            .index
            .iter()
            .find(|((t, k), _)| *t == table.name && *k == key_column)
            .map(|(_, m)| m)
        else {
            return Ok(vec![]);
        };
        Ok(idx
            .get(&key_text(key))
            .into_iter()
            .flatten()
            .map(|&i| &all[i])
            .filter(|r| match region {
                None => true,
                Some(rg) => r.get("region").and_then(Value::as_str) == Some(rg),
            })
            .cloned()
            .collect())
    }

    async fn hydrate(
        &self,
        _table: &'static TableDef,
        _hydrate: HydrateRef,
        _region: Option<&str>,
        _row: &Row,
    ) -> Result<Row, FetchError> {
        // Rows are complete: nothing to add.
        Ok(Row::new())
    }
}
