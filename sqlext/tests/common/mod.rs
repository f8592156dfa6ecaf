//! Shared fixtures: Steampipe-shaped IAM tables in a SessionContext with the
//! SQL extensions registered, and a small synchronous query runner.

#![allow(dead_code)]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use arrow::array::{ArrayRef, BooleanArray, RecordBatch, StringArray, TimestampNanosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;

/// Runs a future to completion on the current thread.
///
/// The crate has no async runtime dependency; with one target partition the
/// plans used here never spawn tasks, so a parking executor is enough.
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct ThreadWaker(Thread);
    impl Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => thread::park(),
        }
    }
}

const NS_PER_DAY: i64 = 86_400 * 1_000_000_000;

fn ts(days_since_epoch: i64) -> Option<i64> {
    Some(days_since_epoch * NS_PER_DAY)
}

fn text(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn timestamps(values: &[Option<i64>]) -> ArrayRef {
    Arc::new(TimestampNanosecondArray::from(values.to_vec()).with_timezone("+00:00"))
}

fn ts_field(name: &str) -> Field {
    Field::new(
        name,
        DataType::Timestamp(TimeUnit::Nanosecond, Some("+00:00".into())),
        true,
    )
}

/// `aws_iam_policy` with Steampipe's column names; `policy_std` is JSON text.
fn policies() -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("arn", DataType::Utf8, false),
        Field::new("is_aws_managed", DataType::Boolean, false),
        Field::new("policy_std", DataType::Utf8, true),
        ts_field("create_date"),
    ]));
    let columns: Vec<ArrayRef> = vec![
        text(&[
            Some("AdminAccess"),
            Some("ReadOnlyS3"),
            Some("EmptyPolicy"),
            Some("NullPolicy"),
            Some("Conditional"),
        ]),
        text(&[
            Some("arn:aws:iam::aws:policy/AdminAccess"),
            Some("arn:aws:iam::123456789012:policy/ReadOnlyS3"),
            Some("arn:aws:iam::123456789012:policy/EmptyPolicy"),
            Some("arn:aws:iam::123456789012:policy/NullPolicy"),
            Some("arn:aws:iam::123456789012:policy/Conditional"),
        ]),
        Arc::new(BooleanArray::from(vec![true, false, false, false, false])),
        text(&[
            Some(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*"],"Resource":["*"]}]}"#,
            ),
            Some(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:getobject","s3:listbucket"],"Resource":["arn:aws:s3:::bucket/*"]},{"Effect":"Deny","Action":["s3:deleteobject"],"Resource":["*"]}]}"#,
            ),
            Some(r#"{"Version":"2012-10-17","Statement":[]}"#),
            None,
            Some(
                r#"{"Statement":[{"Effect":"Allow","Action":["iam:passrole"],"Resource":["*"],"Condition":{"StringEquals":{"iam:PassedToService":["ec2.amazonaws.com"]}}}],"Version":"2012-10-17"}"#,
            ),
        ]),
        // 2016-01-01, 2020-06-01, far future, 2021-01-01, far future
        timestamps(&[ts(16801), ts(18414), ts(100_000), ts(18628), ts(100_000)]),
    ];
    match RecordBatch::try_new(schema, columns) {
        Ok(b) => b,
        Err(e) => panic!("fixture aws_iam_policy: {e}"),
    }
}

/// `aws_iam_role` with `tags`, `assume_role_policy_std` and
/// `attached_policy_arns` as JSON text.
fn roles() -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("arn", DataType::Utf8, false),
        Field::new("tags", DataType::Utf8, true),
        Field::new("assume_role_policy_std", DataType::Utf8, true),
        Field::new("attached_policy_arns", DataType::Utf8, true),
        ts_field("create_date"),
    ]));
    let columns: Vec<ArrayRef> = vec![
        text(&[
            Some("ci-deployer"),
            Some("auditor"),
            Some("orphan"),
            Some("untagged"),
        ]),
        text(&[
            Some("arn:aws:iam::123456789012:role/ci-deployer"),
            Some("arn:aws:iam::123456789012:role/auditor"),
            Some("arn:aws:iam::123456789012:role/orphan"),
            Some("arn:aws:iam::123456789012:role/untagged"),
        ]),
        text(&[
            Some(r#"{"team":"platform","env":"prod"}"#),
            Some(r#"{"team":"security"}"#),
            Some("{}"),
            None,
        ]),
        text(&[
            Some(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["codebuild.amazonaws.com"]},"Action":["sts:assumerole"]}]}"#,
            ),
            Some(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root"]},"Action":["sts:assumerole"],"Condition":{"Bool":{"aws:MultiFactorAuthPresent":["true"]}}}]}"#,
            ),
            Some(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["sts:assumerole"]}]}"#,
            ),
            None,
        ]),
        text(&[
            Some(r#"["arn:aws:iam::aws:policy/AdminAccess"]"#),
            Some(
                r#"["arn:aws:iam::123456789012:policy/ReadOnlyS3","arn:aws:iam::123456789012:policy/Conditional"]"#,
            ),
            Some("[]"),
            None,
        ]),
        timestamps(&[ts(19000), ts(100_000), ts(18000), ts(100_000)]),
    ];
    match RecordBatch::try_new(schema, columns) {
        Ok(b) => b,
        Err(e) => panic!("fixture aws_iam_role: {e}"),
    }
}

/// A context with both tables and the extensions registered.
pub fn context() -> SessionContext {
    // PostgreSQL dialect so that SQL text re-parsed by `ctx.sql` keeps
    // PostgreSQL operator precedence (`a ->> 'k' = 'v'`).
    let config = SessionConfig::new()
        .with_target_partitions(1)
        .set_str("datafusion.sql_parser.dialect", "PostgreSQL");
    let ctx = SessionContext::new_with_config(config);
    for (name, batch) in [("aws_iam_policy", policies()), ("aws_iam_role", roles())] {
        let table = MemTable::try_new(batch.schema(), vec![vec![batch]])
            .unwrap_or_else(|e| panic!("memtable {name}: {e}"));
        ctx.register_table(name, Arc::new(table))
            .unwrap_or_else(|e| panic!("register {name}: {e}"));
    }
    if let Err(e) = pathwarden_sqlext::register(&ctx) {
        panic!("register extensions: {e}");
    }
    ctx
}

/// Result of a query: PostgreSQL column names and rows rendered as text
/// (`NULL` for SQL NULL).
#[derive(Debug, PartialEq)]
pub struct Output {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Parses with the PostgreSQL dialect, rewrites, plans the AST directly and
/// executes. Errors are returned as their display text.
pub fn query(ctx: &SessionContext, sql: &str) -> Result<Output, String> {
    let mut statements =
        Parser::parse_sql(&PostgreSqlDialect {}, sql).map_err(|e| format!("parse: {e}"))?;
    if statements.len() != 1 {
        return Err(format!("expected one statement, got {}", statements.len()));
    }
    let mut statement = statements.remove(0);
    pathwarden_sqlext::rewrite(&mut statement).map_err(|e| e.to_string())?;
    let batches = block_on(async {
        let state = ctx.state();
        let plan = state
            .statement_to_plan(datafusion::sql::parser::Statement::Statement(Box::new(
                statement,
            )))
            .await?;
        ctx.execute_logical_plan(plan).await?.collect().await
    })
    .map_err(|e| e.to_string())?;
    render(batches)
}

/// Like [`query`] but plans the rewritten statement re-serialised to SQL text,
/// as a client of `SessionContext::sql` would.
pub fn query_via_text(ctx: &SessionContext, sql: &str) -> Result<Output, String> {
    let mut statements =
        Parser::parse_sql(&PostgreSqlDialect {}, sql).map_err(|e| format!("parse: {e}"))?;
    let mut statement = statements.remove(0);
    pathwarden_sqlext::rewrite(&mut statement).map_err(|e| e.to_string())?;
    let text = statement.to_string();
    let batches = block_on(async { ctx.sql(&text).await?.collect().await })
        .map_err(|e| format!("{e} (sql: {text})"))?;
    render(batches)
}

fn render(batches: Vec<RecordBatch>) -> Result<Output, String> {
    let mut columns = Vec::new();
    let mut rows = Vec::new();
    let options = FormatOptions::default().with_null("NULL");
    for (i, batch) in batches.iter().enumerate() {
        if i == 0 {
            columns = batch
                .schema()
                .fields()
                .iter()
                .map(|f| pathwarden_sqlext::output_name(f.name()).to_string())
                .collect();
        }
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        for row in 0..batch.num_rows() {
            rows.push(
                formatters
                    .iter()
                    .map(|f| f.value(row).to_string())
                    .collect(),
            );
        }
    }
    Ok(Output { columns, rows })
}

/// Runs a query that must succeed and returns its rows.
pub fn rows(ctx: &SessionContext, sql: &str) -> Vec<Vec<String>> {
    match query(ctx, sql) {
        Ok(out) => out.rows,
        Err(e) => panic!("query failed: {e}\nSQL: {sql}"),
    }
}

/// Builds expected rows from string slices.
pub fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}
