//! The interface a provider implements for one connection.

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use super::def::TableDef;
use super::registry::HydrateRef;

/// One row as the provider produces it: column name -> JSON value.
pub type Row = serde_json::Map<String, Value>;

/// Errors a provider call can return.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    /// The credentials are not allowed to make the call.
    #[error("access denied calling {api_call}: {message}")]
    AccessDenied {
        /// API call, e.g. `iam:ListRoles`.
        api_call: String,
        /// Message from the service.
        message: String,
    },
    /// The service throttled the call, or failed in a way a retry may get past; it is
    /// retried with backoff, never sooner than `retry_after`.
    #[error("throttled calling {api_call}: {message}")]
    Throttled {
        /// API call.
        api_call: String,
        /// Message from the service.
        message: String,
        /// How long the service asked the caller to wait.
        retry_after: Option<std::time::Duration>,
    },
    /// Any other failed call.
    #[error("{api_call} failed: {message}")]
    Api {
        /// API call.
        api_call: String,
        /// Message from the service.
        message: String,
    },
}

impl FetchError {
    /// The API call that failed.
    pub fn api_call(&self) -> &str {
        match self {
            FetchError::AccessDenied { api_call, .. }
            | FetchError::Throttled { api_call, .. }
            | FetchError::Api { api_call, .. } => api_call,
        }
    }
}

/// Equality constraints taken from the query's WHERE clause.
#[derive(Debug, Clone, Default)]
pub struct Quals {
    /// `(column, allowed values)`; a row must match every entry.
    pub equals: Vec<(String, Vec<Value>)>,
}

impl Quals {
    /// Values allowed for a column, if the query constrains it.
    pub fn values(&self, column: &str) -> Option<&[Value]> {
        self.equals
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, v)| v.as_slice())
    }
}

/// One page of a list call.
#[derive(Debug, Default)]
pub struct Page {
    /// Rows of this page.
    pub rows: Vec<Row>,
    /// Token of the next page, if any.
    pub next: Option<String>,
}

/// Arguments of a list call.
#[derive(Debug, Clone)]
pub struct ListRequest {
    /// Region for regional tables.
    pub region: Option<String>,
    /// Equality constraints the provider may use to list less.
    pub quals: Quals,
}

/// A provider's view of one configured connection.
#[async_trait]
pub trait Source: Send + Sync + Debug {
    /// Connection (schema) name.
    fn connection(&self) -> &str;
    /// The plugin that serves it (`aws`, `demo`, `gaad`).
    fn plugin(&self) -> &str;
    /// Tables this connection serves.
    fn tables(&self) -> Vec<&'static TableDef>;
    /// Regions regional tables are listed in.
    fn regions(&self) -> Vec<String>;
    /// How long API results stay cached.
    fn cache_ttl(&self) -> Duration {
        Duration::from_secs(300)
    }
    /// Whether `get` is implemented for the table (otherwise key lookups filter a list).
    fn supports_get(&self, _table: &'static TableDef) -> bool {
        false
    }
    /// List one page of rows; `token` is `None` for the first page. Returns the rows
    /// and the next page's token (`None` when done). The framework stops asking for
    /// pages once the query has enough rows.
    async fn list_page(
        &self,
        table: &'static TableDef,
        req: &ListRequest,
        token: Option<String>,
    ) -> Result<Page, FetchError>;
    /// Fetch one row by a key column.
    async fn get(
        &self,
        table: &'static TableDef,
        region: Option<&str>,
        key_column: &str,
        key: &Value,
    ) -> Result<Option<Row>, FetchError>;
    /// Every row with this key (a key can repeat across accounts or regions in
    /// aggregated or offline data). Defaults to `get`.
    async fn get_all(
        &self,
        table: &'static TableDef,
        region: Option<&str>,
        key_column: &str,
        key: &Value,
    ) -> Result<Vec<Row>, FetchError> {
        Ok(self
            .get(table, region, key_column, key)
            .await?
            .into_iter()
            .collect())
    }
    /// Run a hydrate call for one row, returning the columns it fills.
    async fn hydrate(
        &self,
        table: &'static TableDef,
        hydrate: HydrateRef,
        region: Option<&str>,
        row: &Row,
    ) -> Result<Row, FetchError>;
}
