//! The table framework: declared tables, the provider interface, and the generic
//! DataFusion table that pushes key filters down to get calls, hydrates only the
//! projected columns, honours LIMIT, caches with a TTL, bounds concurrency and
//! retries throttling.

pub mod convert;
pub mod def;
pub mod provider;
pub mod registry;
pub mod rest;
pub mod runtime;
pub mod source;

pub use def::{ColumnDef, ColumnType, Scope, TableDef, col, hcol};
pub use provider::{CloudTable, TableError};
pub use registry::{Hydrate, HydrateCall, HydrateRef, Table};
pub use runtime::{
    AccessDeniedMode, ConnectionRuntime, ErrorLog, ErrorRecord, RetryPolicy, RuntimeOptions,
};
pub use source::{FetchError, ListRequest, Page, Quals, Row, Source};
