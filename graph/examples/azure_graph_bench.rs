//! Azure graph benchmark on a synthetic tenant.
//!
//! ```text
//! cargo run -p pathwarden-graph --example azure_graph_bench -- 10000 100000
//! ```
//!
//! Per size: Entra principals, nodes, edges, time to generate the tenant's rows, graph build
//! (the `azure_*` / `azuread_*` tables read through SQL, the RBAC evaluator and the Azure
//! rules), time to compute every principal's paths to admin, the number of such paths, and
//! peak RSS so far (VmHWM: it only grows, so run sizes in increasing order).

use std::time::{Duration, Instant};

use pathwarden_graph::paths;

/// A `/proc/self/status` memory figure (`VmHWM:` peak, `VmRSS:` current) in MiB.
fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(str::to_string))
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// The synthetic tenant as schema `scale` of a DataFusion context.
fn context(principals: usize) -> datafusion::prelude::SessionContext {
    use pathwarden_tables::catalog::TablesSchema;
    use pathwarden_tables::framework::{ConnectionRuntime, ErrorLog, RuntimeOptions};
    let rt = ConnectionRuntime::new(
        std::sync::Arc::new(pathwarden_tables::demo::azure_scale_source(
            "scale", principals,
        )),
        RuntimeOptions::default(),
        std::sync::Arc::new(ErrorLog::default()),
    );
    let ctx = datafusion::prelude::SessionContext::new();
    if let Some(catalog) = ctx.catalog("datafusion") {
        let _ = catalog.register_schema(
            "scale",
            std::sync::Arc::new(TablesSchema::for_connection(&rt)),
        );
    }
    ctx
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    if sizes.is_empty() {
        sizes = vec![10_000];
    }
    println!(
        "| principals | nodes | edges | generate | build | all paths to admin | admin paths | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for size in sizes {
        let t = Instant::now();
        let ctx = context(size);
        let generate = t.elapsed();
        let t = Instant::now();
        let g = pathwarden_graph::build(&ctx, "scale").await?;
        let build = t.elapsed();
        let t = Instant::now();
        let admin = paths::all_paths_to_admin(&g);
        let all_paths = t.elapsed();
        eprintln!(
            "size {size}: nodes by kind {:?}; edges by kind {:?}",
            g.node_counts(),
            g.edge_counts()
        );
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {:.0} MiB |",
            g.principal_ids().count(),
            g.nodes().len(),
            g.edges().len(),
            ms(generate),
            ms(build),
            ms(all_paths),
            admin.paths.len(),
            status_mib("VmHWM:"),
        );
    }
    Ok(())
}
