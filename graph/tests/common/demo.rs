//! The demo organisation as a DataFusion context (tests and the benchmark). The graph crate
//! itself reads tables only through SQL: `pathwarden-tables` is one of its dev-dependencies.

/// A DataFusion context serving the built-in demo organisation at `scale` principals as
/// schema `demo` (what the benchmarks and tests build graphs from).
pub fn demo_context(scale: usize) -> datafusion::prelude::SessionContext {
    use pathwarden_tables::catalog::TablesSchema;
    use pathwarden_tables::framework::{ConnectionRuntime, ErrorLog, RuntimeOptions};
    let rt = ConnectionRuntime::new(
        std::sync::Arc::new(pathwarden_tables::demo::source("demo", scale)),
        RuntimeOptions::default(),
        std::sync::Arc::new(ErrorLog::default()),
    );
    let ctx = datafusion::prelude::SessionContext::new();
    if let Some(catalog) = ctx.catalog("datafusion") {
        let _ = catalog.register_schema(
            "demo",
            std::sync::Arc::new(TablesSchema::for_connection(&rt)),
        );
    }
    ctx
}
