//! pathwarden's tables: the declarative table framework and the providers that fill
//! the tables (`aws` live, `demo` synthetic organisation, `gaad` offline import).

pub mod catalog;
pub mod framework;
pub mod static_source;

pub use framework::{ColumnDef, ColumnType, Scope, TableDef};
pub mod aws;
pub mod azure;
pub mod demo;
pub mod gaad;
pub mod gcp;
