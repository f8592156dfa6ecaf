//! Graph benchmark on the demo organisation.
//!
//! ```text
//! cargo run --release -p pathwarden-graph --example graph_bench -- 1000 10000 100000 [--falkordb redis://127.0.0.1:6379]
//! ```
//!
//! Prints, per scale: principals, nodes, edges, build time (tables read through SQL plus
//! policy evaluation), time to compute every principal's paths to admin, the resident set
//! after generating the demo organisation (before the build: what the synthetic rows take,
//! not the graph), peak RSS so far (VmHWM: it only grows, so run scales in increasing
//! order), and p50/p95 of a single-principal `reachable` search over 200 principals.
//! Node and edge counts per kind go to stderr. With `--falkordb URI` it also syncs the
//! graph to FalkorDB over RESP and prints the rate in nodes+edges per second.

use std::time::{Duration, Instant};

use pathwarden_graph::mirror::{self, MirrorConfig, SinkKind};
use pathwarden_graph::paths::{self, Follow};

#[path = "../tests/common/demo.rs"]
mod demo;

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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut scales = Vec::new();
    let mut falkordb: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--falkordb" {
            falkordb = Some(
                args.next()
                    .unwrap_or_else(|| "redis://127.0.0.1:6379".to_string()),
            );
        } else {
            scales.push(a.parse::<usize>()?);
        }
    }
    if scales.is_empty() {
        scales = vec![1_000, 10_000];
    }
    println!(
        "| scale | principals | nodes | edges | generate | build | all paths to admin | admin paths | RSS before build | peak RSS | reachable p50 | reachable p95 |{}",
        if falkordb.is_some() {
            " FalkorDB sync |"
        } else {
            ""
        }
    );
    println!(
        "|---|---|---|---|---|---|---|---|---|---|---|---|{}",
        if falkordb.is_some() { "---|" } else { "" }
    );
    for scale in scales {
        let t = Instant::now();
        let ctx = demo::demo_context(scale);
        let generate = t.elapsed();
        let demo_rss = status_mib("VmRSS:");
        let t = Instant::now();
        let g = pathwarden_graph::build(&ctx, "demo").await?;
        let build = t.elapsed();
        let t = Instant::now();
        let admin = paths::all_paths_to_admin(&g);
        let all_paths = t.elapsed();
        let principals: Vec<u32> = g.principal_ids().collect();
        // 200 principals spread over the id range, planted ones included.
        let step = (principals.len() / 200).max(1);
        let mut times: Vec<Duration> = principals
            .iter()
            .step_by(step)
            .map(|&p| {
                let t = Instant::now();
                let r = paths::reachable(&g, p, Follow::PrivilegeAndAccess);
                std::hint::black_box(r.len());
                t.elapsed()
            })
            .collect();
        times.sort();
        let pct = |q: f64| {
            times
                .get(((times.len() as f64 - 1.0) * q) as usize)
                .copied()
                .unwrap_or_default()
        };
        let sync = match &falkordb {
            Some(uri) => {
                let mut cfg = MirrorConfig::new(uri.clone(), SinkKind::FalkorDb);
                cfg.database = Some(format!("pathwarden_bench_{scale}"));
                let stats = mirror::sync(&g, &cfg).await?;
                let rate = (stats.nodes + stats.edges) as f64 / stats.elapsed.as_secs_f64();
                format!(" {:.0} /s ({}) |", rate, ms(stats.elapsed))
            }
            None => String::new(),
        };
        eprintln!(
            "scale {scale}: nodes by kind {:?}; edges by kind {:?}",
            g.node_counts(),
            g.edge_counts()
        );
        println!(
            "| {scale} | {} | {} | {} | {} | {} | {} | {} | {:.0} MiB | {:.0} MiB | {:.3} ms | {:.3} ms |{sync}",
            principals.len(),
            g.nodes().len(),
            g.edges().len(),
            ms(generate),
            ms(build),
            ms(all_paths),
            admin.paths.len(),
            demo_rss,
            status_mib("VmHWM:"),
            pct(0.5).as_secs_f64() * 1000.0,
            pct(0.95).as_secs_f64() * 1000.0,
        );
    }
    Ok(())
}
