//! `pathwarden check <benchmark>`: run a benchmark once and print the report; the exit
//! code tells CI what was found (0 no alarm, 1 alarms, 2 errors).

use anyhow::{Result, bail};

use super::benchmark::{Benchmark, run_controls};
use super::report::{Format, Report, ReportRow};
use crate::engine::Engine;

/// Options of `pathwarden check`.
pub struct CheckOptions {
    /// Benchmark id.
    pub benchmark: String,
    /// Output format.
    pub output: Format,
    /// Control filter (SQL over id, title, section, severity, mode, tags).
    pub where_clause: Option<String>,
    /// Tag filter.
    pub tags: Vec<String>,
    /// Exit 0 even when controls alarm.
    pub no_fail: bool,
}

/// Exit code for a report: errors win over alarms.
pub fn exit_code(report: &Report, no_fail: bool) -> i32 {
    let (_, total) = report.summary();
    if total.error > 0 {
        2
    } else if total.alarm > 0 && !no_fail {
        1
    } else {
        0
    }
}

/// Run and print; returns the exit code.
pub async fn run(engine: &Engine, opts: &CheckOptions) -> Result<i32> {
    let bench = Benchmark::load(&opts.benchmark)?;
    let controls = bench
        .filter(opts.where_clause.as_deref(), &opts.tags)
        .await?;
    if controls.is_empty() {
        bail!("no control of {} matches the filter", bench.meta.id);
    }
    let outcomes = run_controls(engine, &controls, |_| {}).await;
    let mut rows = Vec::new();
    for (c, results) in outcomes {
        for r in results {
            rows.push(ReportRow {
                control_id: r.control_id,
                title: c.title.clone(),
                section: c.section.clone(),
                severity: c.severity.clone(),
                resource: r.resource,
                status: r.status,
                reason: r.reason,
                account_id: r.account_id,
                region: r.region,
                change: None,
            });
        }
    }
    let report = Report {
        title: bench.meta.title.clone(),
        benchmark: Some(bench.meta.id.clone()),
        job: None,
        run_id: None,
        generated_at: super::store::now(),
        sections: bench
            .sections
            .iter()
            .map(|s| (s.id.clone(), s.title.clone()))
            .collect(),
        changes: None,
        rows,
    };
    print!("{}", report.render(opts.output)?);
    if opts.output == Format::Json || opts.output == Format::Html {
        println!();
    }
    Ok(exit_code(&report, opts.no_fail))
}
