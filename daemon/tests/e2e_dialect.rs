//! The dialect suite: Steampipe-mod-style queries (`daemon/tests/dialect/queries.sql`) run
//! against pathwarden on the demo and against the local PostgreSQL 15 holding the same rows.
//!
//! Every table the queries name is copied, through the wire, from pathwarden
//! (`COPY (...) TO STDOUT`) into a fresh schema of PostgreSQL (`COPY ... FROM STDIN`) with
//! the column types pathwarden's `pg_catalog` reports. Both sessions get a `search_path`
//! so the same text runs unchanged, and the results (as text, as each server prints them in
//! the simple query protocol) must be identical: in order where the query orders totally,
//! as multisets otherwise. A query annotated `-- gap: <feature>` must be refused by
//! pathwarden with SQLSTATE 0A000 naming the feature (and run on PostgreSQL).
//!
//! `dialect_benchmark` (ignored; `cargo nextest run -p pathwarden --test e2e_dialect
//! --run-ignored only`) prints each query's time on both servers and the ratio; give it a
//! release build with `PATHWARDEN_BINARY=target/release/pathwarden`.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::Daemon;
use futures::{SinkExt, TryStreamExt};
use tokio_postgres::{Client, SimpleQueryMessage};

const QUERIES: &str = include_str!("dialect/queries.sql");

/// The connection whose tables the queries read (the demo's default connection).
const PATHWARDEN_SCHEMA: &str = "demo";

/// Local PostgreSQL 15 (trust auth), as in the rest of the test suite.
fn postgres_dsn() -> String {
    std::env::var("PATHWARDEN_TEST_POSTGRES")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".into())
}

/// One query of the suite.
#[derive(Debug)]
struct Query {
    name: String,
    sql: String,
    ordered: bool,
    gap: Option<String>,
    bug: Option<String>,
}

/// Parse the annotated query file.
fn load_queries() -> Vec<Query> {
    let mut out: Vec<Query> = Vec::new();
    let mut current: Option<Query> = None;
    for line in QUERIES.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix("-- name:") {
            assert!(
                current.is_none(),
                "query {:?} has no terminating `;`",
                current.map(|q| q.name)
            );
            current = Some(Query {
                name: name.trim().to_string(),
                sql: String::new(),
                ordered: false,
                gap: None,
                bug: None,
            });
            continue;
        }
        let Some(q) = current.as_mut() else {
            continue;
        };
        if q.sql.is_empty() {
            if let Some(order) = trimmed.strip_prefix("-- order:") {
                assert_eq!(
                    order.trim(),
                    "total",
                    "{}: unknown order annotation",
                    q.name
                );
                q.ordered = true;
                continue;
            }
            if let Some(gap) = trimmed.strip_prefix("-- gap:") {
                q.gap = Some(gap.trim().to_string());
                continue;
            }
            if let Some(bug) = trimmed.strip_prefix("-- bug:") {
                q.bug = Some(bug.trim().to_string());
                continue;
            }
        }
        if trimmed.is_empty() && q.sql.is_empty() {
            continue;
        }
        q.sql.push_str(line);
        q.sql.push('\n');
        if trimmed.ends_with(';') {
            let mut q = current.take().expect("current query");
            q.sql = q.sql.trim().trim_end_matches(';').to_string();
            out.push(q);
        }
    }
    assert!(current.is_none(), "the last query has no terminating `;`");
    let names: BTreeSet<&str> = out.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names.len(), out.len(), "query names must be unique");
    out
}

/// The `aws_*` names the queries mention (tables; checked against the catalog later).
fn mentioned_tables(queries: &[Query]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for q in queries {
        let bytes = q.sql.as_bytes();
        let mut i = 0;
        while let Some(pos) = q.sql[i..].find("aws_") {
            let start = i + pos;
            let boundary = start == 0
                || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
            let mut end = start;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            if boundary {
                out.insert(q.sql[start..end].to_string());
            }
            i = end;
        }
    }
    out
}

async fn connect(dsn: &str) -> Client {
    let (client, conn) = tokio_postgres::connect(dsn, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "cannot connect to {dsn}: {e} (the dialect suite needs PostgreSQL 15 on \
                 127.0.0.1:5432 with trust auth and a database `test`, or \
                 PATHWARDEN_TEST_POSTGRES set to a libpq connection string)"
            )
        });
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// Rows of a simple-protocol query as text.
type Rows = Vec<Vec<Option<String>>>;

async fn simple_rows(c: &Client, sql: &str) -> Result<Rows, tokio_postgres::Error> {
    let msgs = c.simple_query(sql).await?;
    Ok(msgs
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect())
}

fn sqlstate(e: &tokio_postgres::Error) -> String {
    e.code()
        .map(|c| c.code().to_string())
        .unwrap_or_else(|| "-----".into())
}

fn message(e: &tokio_postgres::Error) -> String {
    e.as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_else(|| e.to_string())
}

/// The demo on pathwarden and a fresh PostgreSQL schema holding the same rows.
struct Setup {
    _daemon: Daemon,
    pathwarden: Client,
    postgres: Client,
    schema: String,
}

impl Setup {
    async fn new(tag: &str, tables: BTreeSet<String>) -> Setup {
        let daemon = Daemon::start(tag, None, &[]);
        let pathwarden = daemon.client().await;
        let postgres = connect(&postgres_dsn()).await;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let schema = format!("dialect_{}_{}", std::process::id(), nanos % 1_000_000_000);
        postgres
            .batch_execute(&format!("create schema {schema}"))
            .await
            .expect("create schema");
        let setup = Setup {
            _daemon: daemon,
            pathwarden,
            postgres,
            schema,
        };
        for table in tables {
            setup.copy_table(&table).await;
        }
        setup
            .pathwarden
            .batch_execute(&format!("set search_path to {PATHWARDEN_SCHEMA}"))
            .await
            .expect("pathwarden search_path");
        setup
            .postgres
            .batch_execute(&format!(
                "set search_path to {}; set timezone to 'UTC'",
                setup.schema
            ))
            .await
            .expect("postgres search_path");
        setup
    }

    /// Create `table` in PostgreSQL with pathwarden's column types and copy its rows.
    async fn copy_table(&self, table: &str) {
        let columns = self
            .pathwarden
            .query(
                "select a.attname::text, format_type(a.atttypid, a.atttypmod)::text, \
                 col_description(a.attrelid, a.attnum)::text, \
                 obj_description(c.oid, 'pg_class')::text \
                 from pg_catalog.pg_attribute a \
                 join pg_catalog.pg_class c on c.oid = a.attrelid \
                 join pg_catalog.pg_namespace n on n.oid = c.relnamespace \
                 where n.nspname = $1 and c.relname = $2 and a.attnum > 0 \
                 order by a.attnum",
                &[&PATHWARDEN_SCHEMA, &table],
            )
            .await
            .unwrap_or_else(|e| panic!("columns of {table}: {e}"));
        assert!(
            !columns.is_empty(),
            "{table}: no such table in pathwarden's schema {PATHWARDEN_SCHEMA}"
        );
        let defs: Vec<String> = columns
            .iter()
            .map(|r| {
                let name: String = r.get(0);
                let ty: String = r.get(1);
                format!("\"{name}\" {ty}")
            })
            .collect();
        let names: Vec<String> = columns
            .iter()
            .map(|r| format!("\"{}\"", r.get::<_, String>(0)))
            .collect();
        self.postgres
            .batch_execute(&format!(
                "create table {}.{table} ({})",
                self.schema,
                defs.join(", ")
            ))
            .await
            .unwrap_or_else(|e| panic!("create {table} in PostgreSQL: {e}"));
        // The descriptions, so catalog browsers (harlequin's describe, Superset's table
        // comment) see the same text on both servers.
        let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
        let mut comments = Vec::new();
        if let Some(d) = columns[0].get::<_, Option<String>>(3) {
            comments.push(format!(
                "comment on table {}.{table} is {}",
                self.schema,
                quote(&d)
            ));
        }
        for r in &columns {
            if let Some(d) = r.get::<_, Option<String>>(2) {
                comments.push(format!(
                    "comment on column {}.{table}.\"{}\" is {}",
                    self.schema,
                    r.get::<_, String>(0),
                    quote(&d)
                ));
            }
        }
        self.postgres
            .batch_execute(&comments.join(";\n"))
            .await
            .unwrap_or_else(|e| panic!("comments of {table} in PostgreSQL: {e}"));
        let out = self
            .pathwarden
            .copy_out(&format!(
                "copy (select {} from {PATHWARDEN_SCHEMA}.{table}) to stdout",
                names.join(", ")
            ))
            .await
            .unwrap_or_else(|e| panic!("copy {table} out of pathwarden: {e}"));
        let sink = self
            .postgres
            .copy_in::<_, bytes::Bytes>(&format!(
                "copy {}.{table} ({}) from stdin",
                self.schema,
                names.join(", ")
            ))
            .await
            .unwrap_or_else(|e| panic!("copy {table} into PostgreSQL: {e}"));
        futures::pin_mut!(out);
        futures::pin_mut!(sink);
        while let Some(chunk) = out
            .try_next()
            .await
            .unwrap_or_else(|e| panic!("copy {table} out of pathwarden: {e}"))
        {
            sink.send(chunk)
                .await
                .unwrap_or_else(|e| panic!("copy {table} into PostgreSQL: {e}"));
        }
        sink.finish()
            .await
            .unwrap_or_else(|e| panic!("copy {table} into PostgreSQL: {e}"));
    }

    async fn drop_schema(&self) {
        let _ = self
            .postgres
            .batch_execute(&format!("drop schema if exists {} cascade", self.schema))
            .await;
    }
}

/// Compare one query's results; `None` when they agree.
fn compare(q: &Query, pw: &Rows, pg: &Rows) -> Option<String> {
    let (mut a, mut b) = (pw.clone(), pg.clone());
    if !q.ordered {
        a.sort();
        b.sort();
    }
    if a == b {
        return None;
    }
    let mut diff = format!(
        "{}: results differ ({} rows from pathwarden, {} from PostgreSQL{})",
        q.name,
        a.len(),
        b.len(),
        if q.ordered { ", in order" } else { "" }
    );
    let mut shown = 0;
    for i in 0..a.len().max(b.len()) {
        if a.get(i) != b.get(i) {
            diff.push_str(&format!(
                "\n    row {i}: pathwarden {:?}\n           postgres   {:?}",
                a.get(i),
                b.get(i)
            ));
            shown += 1;
            if shown == 3 {
                break;
            }
        }
    }
    Some(diff)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialect_suite_matches_postgres() {
    let queries = load_queries();
    assert!(queries.len() >= 60, "the suite holds at least 60 queries");
    let setup = Setup::new("dialect", mentioned_tables(&queries)).await;
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut gaps = Vec::new();
    let mut bugs = Vec::new();
    for q in &queries {
        let pg = simple_rows(&setup.postgres, &q.sql).await;
        let pw = simple_rows(&setup.pathwarden, &q.sql).await;
        let pg = match pg {
            Ok(rows) => rows,
            Err(e) => {
                failures.push(format!(
                    "{}: PostgreSQL refuses the query ({} {}); fix the query",
                    q.name,
                    sqlstate(&e),
                    message(&e)
                ));
                continue;
            }
        };
        match (&q.gap, pw) {
            (Some(feature), Err(e)) => {
                let msg = message(&e);
                if sqlstate(&e) != "0A000" || !msg.to_lowercase().contains(&feature.to_lowercase())
                {
                    failures.push(format!(
                        "{}: known gap `{feature}` must be 0A000 naming it, got {} {msg}",
                        q.name,
                        sqlstate(&e)
                    ));
                } else {
                    gaps.push(format!("{}: {msg}", q.name));
                }
            }
            (Some(feature), Ok(_)) => failures.push(format!(
                "{}: listed as gap `{feature}` but pathwarden runs it: compare it instead",
                q.name
            )),
            (None, Err(e)) => {
                let what = format!(
                    "{}: pathwarden fails: {} {}",
                    q.name,
                    sqlstate(&e),
                    message(&e)
                );
                match &q.bug {
                    Some(bug) => bugs.push(format!("{what} (known bug: {bug})")),
                    None => failures.push(what),
                }
            }
            (None, Ok(pw)) => {
                compared += 1;
                match (compare(q, &pw, &pg), &q.bug) {
                    (Some(diff), None) => failures.push(diff),
                    (Some(diff), Some(bug)) => bugs.push(format!("{diff} (known bug: {bug})")),
                    (None, Some(_)) => failures.push(format!(
                        "{}: annotated as a known bug but now matches PostgreSQL: remove the annotation",
                        q.name
                    )),
                    (None, None) => {}
                }
            }
        }
    }
    setup.drop_schema().await;
    eprintln!(
        "dialect suite: {} queries, {compared} compared, {} known gaps:\n  {}\n{} known bugs:\n  {}",
        queries.len(),
        gaps.len(),
        gaps.join("\n  "),
        bugs.len(),
        bugs.join("\n  ")
    );
    assert!(
        failures.is_empty(),
        "{} of {} queries fail:\n{}",
        failures.len(),
        queries.len(),
        failures.join("\n")
    );
}

/// Median of timings in milliseconds.
fn median_ms(mut v: Vec<Duration>) -> f64 {
    v.sort();
    let n = v.len();
    let mid = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    };
    mid.as_secs_f64() * 1000.0
}

async fn time_query(c: &Client, sql: &str, warmup: usize, runs: usize) -> Vec<Duration> {
    for _ in 0..warmup {
        c.simple_query(sql).await.expect("warm-up run");
    }
    let mut out = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        c.simple_query(sql).await.expect("timed run");
        out.push(t.elapsed());
    }
    out
}

/// Per-query time on pathwarden and on PostgreSQL 15 with the same rows: median of
/// `DIALECT_BENCH_RUNS` runs (default 20) after `DIALECT_BENCH_WARMUP` (default 3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --run-ignored only and --no-capture"]
async fn dialect_benchmark() {
    let env_usize = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let runs = env_usize("DIALECT_BENCH_RUNS", 20).max(1);
    let warmup = env_usize("DIALECT_BENCH_WARMUP", 3);
    let queries = load_queries();
    let setup = Setup::new("dialect-bench", mentioned_tables(&queries)).await;
    let mut lines = Vec::new();
    let mut ratios = Vec::new();
    for q in queries
        .iter()
        .filter(|q| q.gap.is_none() && q.bug.is_none())
    {
        let pw = median_ms(time_query(&setup.pathwarden, &q.sql, warmup, runs).await);
        let pg = median_ms(time_query(&setup.postgres, &q.sql, warmup, runs).await);
        let ratio = pw / pg.max(0.001);
        ratios.push((ratio, q.name.clone()));
        lines.push(format!("| {} | {pw:.2} | {pg:.2} | {ratio:.2} |", q.name));
    }
    setup.drop_schema().await;
    ratios.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = ratios[ratios.len() / 2].0;
    let over = ratios.iter().filter(|r| r.0 > 1.5).count();
    println!(
        "{} cores; median of {runs} runs after {warmup} warm-up runs; simple query protocol\n\n\
         | query | pathwarden ms | PostgreSQL 15 ms | ratio |\n|---|---|---|---|\n{}\n\n\
         queries: {}; median ratio {median:.2}; over 1.5x: {over}; worst: {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        lines.join("\n"),
        ratios.len(),
        ratios
            .iter()
            .rev()
            .take(5)
            .map(|(r, n)| format!("{n} {r:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// The client matrix's checks (daemon/tests/py/client_matrix.py and the pgjdbc program)
/// against PostgreSQL 15 holding the demo's rows, so that no check encodes a behaviour
/// only pathwarden has; `e2e_pg_compat` runs the same checks against pathwarden.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_matrix_against_postgres() {
    let tables: BTreeSet<String> = ["aws_iam_role", "aws_iam_user"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let setup = Setup::new("matrix-pg", tables).await;
    let schema = setup.schema.clone();
    let url = std::env::var("PATHWARDEN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".into());
    let python = tokio::task::spawn_blocking({
        let (url, schema) = (url.clone(), schema.clone());
        move || common::run_python_result("client_matrix.py", &[url.as_str(), schema.as_str()])
    })
    .await
    .expect("python thread");
    let java = tokio::task::spawn_blocking({
        let schema = schema.clone();
        move || common::run_jdbc_compat("5432", &schema, Some("test?user=postgres"))
    })
    .await
    .expect("java thread");
    setup.drop_schema().await;
    let (py_ok, py_out) = python;
    assert!(
        py_ok && py_out.contains("ALL OK"),
        "client_matrix.py against PostgreSQL:\n{py_out}"
    );
    let (java_ok, java_out) = java;
    assert!(java_ok, "JdbcCompat against PostgreSQL:\n{java_out}");
}
