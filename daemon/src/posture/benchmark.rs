//! Benchmarks as SQL data: `sql/benchmarks/<id>/manifest.toml` lists the controls,
//! one SQL file per control returns the control contract
//! (`resource, status, reason, account_id, region`).

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use datafusion::arrow::array::{Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::engine::Engine;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/sql_files.rs"));
}

/// An embedded SQL data file by path relative to `sql/`.
pub fn sql_file(path: &str) -> Option<&'static str> {
    embedded::SQL_FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, t)| *t)
}

/// Statuses a control may return.
pub const STATUSES: [&str; 5] = ["ok", "alarm", "info", "skip", "error"];

/// `[benchmark]` of a manifest.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkMeta {
    /// Identifier (`cis_aws_v3`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Version of the published benchmark.
    pub version: String,
    /// Where the benchmark comes from.
    #[serde(default)]
    pub description: String,
}

/// `[[section]]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// `1`, `2`...
    pub id: String,
    /// Title.
    pub title: String,
}

/// `[[control]]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// Control number (`1.4`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Section id.
    pub section: String,
    /// low, medium, high, critical.
    pub severity: String,
    /// `automated`, `manual` (returns info) or `unsupported` (returns skip: a table is missing).
    pub mode: String,
    /// SQL file, relative to the manifest.
    pub query: String,
    /// Tags such as `nist:AC-2`, `cis_level:1`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The SQL text (filled when loading).
    #[serde(skip_deserializing, default)]
    pub sql: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    benchmark: BenchmarkMeta,
    #[serde(rename = "section")]
    sections: Vec<Section>,
    #[serde(rename = "control")]
    controls: Vec<Control>,
}

/// A loaded benchmark.
#[derive(Debug, Clone)]
pub struct Benchmark {
    /// Identity.
    pub meta: BenchmarkMeta,
    /// Sections in order.
    pub sections: Vec<Section>,
    /// Controls in manifest order.
    pub controls: Vec<Arc<Control>>,
}

/// Ids of the embedded benchmarks.
pub fn available() -> Vec<String> {
    embedded::SQL_FILES
        .iter()
        .filter_map(|(p, _)| {
            p.strip_prefix("benchmarks/")?
                .strip_suffix("/manifest.toml")
                .map(str::to_string)
        })
        .collect()
}

impl Benchmark {
    /// Load an embedded benchmark by id.
    pub fn load(id: &str) -> Result<Benchmark> {
        let Some(text) = sql_file(&format!("benchmarks/{id}/manifest.toml")) else {
            bail!(
                "unknown benchmark {id:?} (available: {})",
                available().join(", ")
            );
        };
        let m: Manifest = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("benchmark {id}: manifest.toml: {}", e.message()))?;
        let mut controls = Vec::with_capacity(m.controls.len());
        let mut seen = std::collections::HashSet::new();
        for mut c in m.controls {
            if !seen.insert(c.id.clone()) {
                bail!("benchmark {id}: duplicate control {}", c.id);
            }
            if !m.sections.iter().any(|s| s.id == c.section) {
                bail!(
                    "benchmark {id}: control {} names unknown section {}",
                    c.id,
                    c.section
                );
            }
            c.sql = sql_file(&format!("benchmarks/{id}/{}", c.query))
                .with_context(|| {
                    format!(
                        "benchmark {id}: control {}: query file {} is missing",
                        c.id, c.query
                    )
                })?
                .to_string();
            controls.push(Arc::new(c));
        }
        Ok(Benchmark {
            meta: m.benchmark,
            sections: m.sections,
            controls,
        })
    }

    /// Keep the controls matching `where_clause` (SQL over id, title, section, severity,
    /// mode, tags) and carrying any of `tags` (all controls when both are empty).
    pub async fn filter(
        &self,
        where_clause: Option<&str>,
        tags: &[String],
    ) -> Result<Vec<Arc<Control>>> {
        let mut keep: Vec<Arc<Control>> = self
            .controls
            .iter()
            .filter(|c| {
                tags.is_empty()
                    || tags
                        .iter()
                        .any(|t| c.tags.iter().any(|ct| ct.eq_ignore_ascii_case(t)))
            })
            .cloned()
            .collect();
        if let Some(w) = where_clause.map(str::trim).filter(|w| !w.is_empty()) {
            let ids = matching_ids(&keep, w).await?;
            keep.retain(|c| ids.contains(&c.id));
        }
        Ok(keep)
    }
}

/// Evaluate a filter expression over the controls with DataFusion, as an expression
/// (not spliced into a statement).
async fn matching_ids(
    controls: &[Arc<Control>],
    where_clause: &str,
) -> Result<std::collections::HashSet<String>> {
    let schema = Arc::new(Schema::new(
        ["id", "title", "section", "severity", "mode", "tags"]
            .iter()
            .map(|n| Field::new(*n, DataType::Utf8, false))
            .collect::<Vec<_>>(),
    ));
    let col = |f: &dyn Fn(&Control) -> String| -> Arc<dyn Array> {
        Arc::new(StringArray::from(
            controls.iter().map(|c| f(c)).collect::<Vec<_>>(),
        ))
    };
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            col(&|c| c.id.clone()),
            col(&|c| c.title.clone()),
            col(&|c| c.section.clone()),
            col(&|c| c.severity.clone()),
            col(&|c| c.mode.clone()),
            col(&|c| c.tags.join(",")),
        ],
    )?;
    let ctx = SessionContext::new();
    ctx.register_table(
        "control",
        Arc::new(MemTable::try_new(schema, vec![vec![batch]])?),
    )?;
    let df = ctx.table("control").await?;
    let expr = df
        .parse_sql_expr(where_clause)
        .with_context(|| format!("--where {where_clause:?}"))?;
    let batches = df
        .filter(expr)
        .with_context(|| format!("--where {where_clause:?}"))?
        .select_columns(&["id"])?
        .collect()
        .await?;
    let mut out = std::collections::HashSet::new();
    for b in &batches {
        let a = datafusion::common::cast::as_string_array(b.column(0))?;
        out.extend(a.iter().flatten().map(str::to_string));
    }
    Ok(out)
}

/// One row of a control's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResultRow {
    /// Control id (or job name for query jobs).
    pub control_id: String,
    /// The resource the row is about.
    pub resource: String,
    /// ok | alarm | info | skip | error
    pub status: String,
    /// Why.
    pub reason: String,
    /// Account.
    pub account_id: String,
    /// Region.
    pub region: String,
}

/// Column values of the last statement of `sql` as text, by output column name.
pub async fn query_text_rows(
    engine: &Engine,
    sql: &str,
) -> Result<(Vec<String>, Vec<Vec<Option<String>>>)> {
    let (names, batches) = crate::query::execute(engine, sql).await?;
    let mut rows = Vec::new();
    for b in &batches {
        let cols: Vec<Arc<dyn Array>> = b
            .columns()
            .iter()
            .map(|c| datafusion::arrow::compute::cast(c, &DataType::Utf8))
            .collect::<Result<_, _>>()?;
        let cols: Vec<&StringArray> = cols
            .iter()
            .map(|c| datafusion::common::cast::as_string_array(c))
            .collect::<Result<_, _>>()?;
        for r in 0..b.num_rows() {
            rows.push(
                cols.iter()
                    .map(|c| {
                        if c.is_null(r) {
                            None
                        } else {
                            Some(c.value(r).to_string())
                        }
                    })
                    .collect(),
            );
        }
    }
    Ok((names, rows))
}

/// Map a query's rows onto the control contract. Rows without a `status` column are alarms
/// (a query job lists what is wrong); without `resource` the row's values identify it.
pub fn contract_rows(
    control_id: &str,
    names: &[String],
    rows: Vec<Vec<Option<String>>>,
) -> Vec<ResultRow> {
    let idx = |n: &str| names.iter().position(|c| c == n);
    let (ri, si, rei, ai, gi) = (
        idx("resource"),
        idx("status"),
        idx("reason"),
        idx("account_id"),
        idx("region"),
    );
    rows.into_iter()
        .map(|r| {
            let get = |i: Option<usize>| i.and_then(|i| r.get(i).cloned().flatten());
            let resource = get(ri).unwrap_or_else(|| {
                r.iter()
                    .map(|v| v.clone().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join("|")
            });
            let mut status = get(si)
                .map(|s| s.trim().to_ascii_lowercase())
                .unwrap_or_else(|| "alarm".into());
            let mut reason = get(rei).unwrap_or_default();
            if !STATUSES.contains(&status.as_str()) {
                reason = format!("invalid status {status:?} returned by the query; {reason}");
                status = "error".into();
            }
            ResultRow {
                control_id: control_id.to_string(),
                resource,
                status,
                reason,
                account_id: get(ai).unwrap_or_default(),
                region: get(gi).unwrap_or_default(),
            }
        })
        .collect()
}

/// Run `controls` (four at a time), calling `progress(done)` as each finishes.
/// A control that fails yields one `error` row naming the failure.
pub async fn run_controls(
    engine: &Engine,
    controls: &[Arc<Control>],
    progress: impl Fn(usize) + Send + Sync,
) -> Vec<(Arc<Control>, Vec<ResultRow>)> {
    let done = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<(usize, Arc<Control>, Vec<ResultRow>)> =
        futures::stream::iter(controls.iter().cloned().enumerate())
            .map(|(i, c)| {
                let done = &done;
                let progress = &progress;
                async move {
                    let rows = match query_text_rows(engine, &c.sql).await {
                        Ok((names, rows)) => {
                            let missing: Vec<&str> = ["resource", "status", "reason"]
                                .into_iter()
                                .filter(|n| !names.iter().any(|c| c == n))
                                .collect();
                            if missing.is_empty() {
                                contract_rows(&c.id, &names, rows)
                            } else {
                                vec![error_row(
                                    &c.id,
                                    &format!("query does not return {}", missing.join(", ")),
                                )]
                            }
                        }
                        Err(e) => vec![error_row(&c.id, &format!("{e:#}"))],
                    };
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    progress(n);
                    (i, c, rows)
                }
            })
            .buffer_unordered(4)
            .collect()
            .await;
    out.sort_by_key(|(i, _, _)| *i);
    out.into_iter().map(|(_, c, r)| (c, r)).collect()
}

fn error_row(control_id: &str, message: &str) -> ResultRow {
    ResultRow {
        control_id: control_id.to_string(),
        resource: format!("control:{control_id}"),
        status: "error".into(),
        reason: message.replace('\n', " "),
        account_id: String::new(),
        region: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SQL files of a benchmark's folder: one per control.
    fn sql_files(id: &str) -> usize {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../sql/benchmarks")
            .join(id);
        std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "sql"))
            .count()
    }

    #[test]
    fn cis_manifest_loads_a_control_per_sql_file() {
        let b = Benchmark::load("cis_aws_v3").expect("load");
        assert_eq!(b.controls.len(), sql_files("cis_aws_v3"));
        for c in &b.controls {
            assert!(
                ["automated", "manual", "unsupported"].contains(&c.mode.as_str()),
                "{}: mode {}",
                c.id,
                c.mode
            );
            assert!(!c.sql.trim().is_empty(), "{}", c.id);
        }
    }

    #[tokio::test]
    async fn filters_by_where_and_tag() {
        let b = Benchmark::load("cis_aws_v3").expect("load");
        let s1 = b.filter(Some("section = '1'"), &[]).await.expect("filter");
        assert_eq!(s1.len(), 22);
        assert!(s1.iter().all(|c| c.section == "1"));
        let tagged = b.filter(None, &["nist:AC-2".into()]).await.expect("tags");
        assert!(!tagged.is_empty() && tagged.len() < b.controls.len());
        assert!(b.filter(Some("nonsense_column = 1"), &[]).await.is_err());
    }

    #[test]
    fn rows_without_status_are_alarms() {
        let rows = contract_rows("q", &["name".into()], vec![vec![Some("x".into())]]);
        assert_eq!(rows[0].status, "alarm");
        assert_eq!(rows[0].resource, "x");
        let rows = contract_rows(
            "q",
            &["resource".into(), "status".into()],
            vec![vec![Some("r".into()), Some("bad".into())]],
        );
        assert_eq!(rows[0].status, "error");
    }
}
