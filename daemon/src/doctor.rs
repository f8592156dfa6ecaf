//! `pathwarden doctor`: can each configured connection authenticate and make the calls
//! its tables need?
//!
//! Every table of a connection is read once through the engine
//! (`select * from conn.table limit 1`, the same path a user's query takes, with the
//! cache off and AccessDenied as an error), so the check makes exactly the calls a query
//! makes: the list call in each region, and the per-row calls for one row. A denied call
//! is reported with the IAM action it needs; the least-privilege read-only policy for
//! every AWS table is `docs/aws-scanner-policy.json`, embedded here and checked against
//! the calls the tables make by a test below.

use std::time::Duration;

use anyhow::{Context, Result};
use futures::StreamExt;
use pathwarden_tables::framework::{FetchError, TableError};
use serde::Serialize;

use crate::config::{Config, Plugin};
use crate::engine::Engine;

/// The read-only policy the AWS tables need (`pathwarden doctor --print-policy aws`).
pub const AWS_SCANNER_POLICY: &str = include_str!("../../docs/aws-scanner-policy.json");

/// Where the policy lives in the repository, for messages.
pub const AWS_SCANNER_POLICY_PATH: &str = "docs/aws-scanner-policy.json";

/// API calls whose IAM action has another name (the tables name calls by API operation).
const API_TO_IAM_ACTION: &[(&str, &str)] = &[
    ("s3:ListBuckets", "s3:ListAllMyBuckets"),
    ("s3:GetBucketEncryption", "s3:GetEncryptionConfiguration"),
    (
        "s3:GetBucketLifecycleConfiguration",
        "s3:GetLifecycleConfiguration",
    ),
    (
        "s3:GetBucketNotificationConfiguration",
        "s3:GetBucketNotification",
    ),
    ("s3:GetBucketReplication", "s3:GetReplicationConfiguration"),
    ("s3:GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
    (
        "s3:GetObjectLockConfiguration",
        "s3:GetBucketObjectLockConfiguration",
    ),
];

/// The IAM action that allows `api_call` (`iam:ListRoles` → `iam:ListRoles`,
/// `s3:ListBuckets` → `s3:ListAllMyBuckets`).
pub fn iam_action(api_call: &str) -> String {
    API_TO_IAM_ACTION
        .iter()
        .find(|(api, _)| *api == api_call)
        .map(|(_, action)| action.to_string())
        .unwrap_or_else(|| api_call.to_string())
}

/// Output formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Output {
    /// Aligned text table.
    Table,
    /// JSON array of checks.
    Json,
}

/// Clouds whose policy `--print-policy` can print.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PolicyCloud {
    /// The IAM policy JSON for the `aws` tables.
    Aws,
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It works.
    Ok,
    /// A call was denied: the credentials lack a permission.
    Denied,
    /// It failed for another reason (network, unsupported service, bad input).
    Error,
    /// Not checked because an earlier check failed.
    Skipped,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Denied => "denied",
            Status::Error => "error",
            Status::Skipped => "skipped",
        }
    }
}

/// One row of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Connection name.
    pub connection: String,
    /// What was checked: `credentials`, `load`, `members` or `table <name>`.
    pub check: String,
    /// Outcome.
    pub status: Status,
    /// What was found (account, rows, the error).
    pub detail: String,
    /// The table, for table checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The failed API call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_call: Option<String>,
    /// The IAM action a denied call needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam_action: Option<String>,
    /// The region of a failed regional call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The whole error text of a failed check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Benchmark controls that read the failed table (`cis_aws_v3 1.16`): their results
    /// will be errors or incomplete.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<String>,
}

impl Check {
    fn new(connection: &str, check: impl Into<String>, status: Status, detail: String) -> Check {
        Check {
            connection: connection.to_string(),
            check: check.into(),
            status,
            detail,
            table: None,
            api_call: None,
            iam_action: None,
            region: None,
            message: None,
            controls: Vec::new(),
        }
    }
}

/// How long one table may take (a list call per region and one row's per-row calls).
const TABLE_TIMEOUT: Duration = Duration::from_secs(120);
/// Tables checked at once per connection.
const TABLE_CONCURRENCY: usize = 4;

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The framework error behind a failed query, if a table call failed.
fn table_error(err: &anyhow::Error) -> Option<&TableError> {
    err.chain().find_map(|e| e.downcast_ref::<TableError>())
}

/// The API call named by an error text (`access denied calling iam:ListRoles: ...`), for
/// errors whose typed cause was lost on the way (e.g. converted to text by a plan node).
fn denied_call_in_text(text: &str) -> Option<String> {
    let rest = &text[text.find("access denied calling ")? + "access denied calling ".len()..];
    let call: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    Some(call.trim_end_matches(':').to_string()).filter(|c| c.contains(':'))
}

/// Error codes that mean the credentials or the signature were refused: not a missing
/// permission, whatever HTTP status came with them.
const CREDENTIAL_ERRORS: &[&str] = &[
    "SignatureDoesNotMatch",
    "InvalidClientTokenId",
    "ExpiredToken",
    "IncompleteSignature",
    "InvalidSignatureException",
    "UnrecognizedClientException",
];

fn credentials_refused(message: &str) -> bool {
    CREDENTIAL_ERRORS.iter().any(|c| message.contains(c))
}

/// Whether a failed call is a missing permission. The typed error is trusted first;
/// an untyped one still counts when the service's answer says so (an error body the
/// SDK could not parse, as some AWS-compatible endpoints send, keeps the code in its text).
fn classify(typed_denial: bool, message: &str) -> Status {
    if credentials_refused(message) {
        return Status::Error;
    }
    let says_denied = [
        "<Code>AccessDenied",
        "not authorized to perform",
        "UnauthorizedOperation",
    ]
    .iter()
    .any(|m| message.contains(m));
    if typed_denial || says_denied {
        Status::Denied
    } else {
        Status::Error
    }
}

/// At most 200 characters of an error, for the table.
fn short(message: &str) -> String {
    let mut s: String = message.chars().take(200).collect();
    if s.len() < message.len() {
        s.push_str("...");
    }
    s
}

async fn check_table(engine: &Engine, connection: &str, table: &str, has_hydrates: bool) -> Check {
    let sql = format!(
        "select * from {}.{} limit 1",
        quote_ident(connection),
        quote_ident(table)
    );
    let name = format!("table {table}");
    let result = tokio::time::timeout(TABLE_TIMEOUT, crate::query::execute(engine, &sql)).await;
    let mut check = match result {
        Err(_) => Check::new(
            connection,
            name,
            Status::Error,
            format!("no answer within {} s", TABLE_TIMEOUT.as_secs()),
        ),
        Ok(Ok((_, batches))) => {
            let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
            let detail = if rows == 0 && has_hydrates {
                "readable (no rows, so the per-row calls were not made)".to_string()
            } else if rows == 0 {
                "readable (no rows)".to_string()
            } else {
                "readable".to_string()
            };
            Check::new(connection, name, Status::Ok, detail)
        }
        Ok(Err(e)) => {
            let text = format!("{e:#}").replace('\n', " ");
            let (call, region, message) = match table_error(&e) {
                Some(te) => (
                    Some(te.source.api_call().to_string()),
                    te.region.clone(),
                    te.source.to_string().replace('\n', " "),
                ),
                None => (denied_call_in_text(&text), None, text.clone()),
            };
            let typed_denial = table_error(&e)
                .is_some_and(|te| matches!(te.source, FetchError::AccessDenied { .. }));
            let status = classify(
                typed_denial || denied_call_in_text(&text).is_some(),
                &message,
            );
            let detail = match (&status, &call) {
                (Status::Denied, Some(call)) => format!(
                    "needs {} ({call} was denied{})",
                    iam_action(call),
                    region
                        .as_ref()
                        .map(|r| format!(" in {r}"))
                        .unwrap_or_default()
                ),
                _ if credentials_refused(&message) => format!(
                    "the service refused the credentials or the request signature: {}",
                    short(&message)
                ),
                _ => short(&message),
            };
            let mut c = Check::new(connection, name, status, detail);
            if status == Status::Denied {
                c.iam_action = call.as_deref().map(iam_action);
            }
            c.api_call = call;
            c.region = region;
            c.message = Some(message);
            c
        }
    };
    check.table = Some(table.to_string());
    check
}

/// The checks of one connection that has a source (not an aggregator).
async fn check_connection(cfg: &Config, index: usize, demo_scale: usize) -> Vec<Check> {
    let conn = &cfg.connections[index];
    let name = conn.name.as_str();
    let mut out = Vec::new();
    if conn.plugin == Plugin::Aws {
        // Credentials first, with the provider's own chain (profile, role, static keys):
        // sts:GetCallerIdentity names the account.
        let identity = match crate::engine::aws_connection_config(conn) {
            Ok(c) => pathwarden_tables::aws::AwsSource::connect(c)
                .await
                .map(|src| {
                    format!(
                        "account {} (partition {}) via sts:GetCallerIdentity",
                        src.account_id(),
                        src.partition()
                    )
                })
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("{e:#}")),
        };
        match identity {
            Ok(who) => out.push(Check::new(name, "credentials", Status::Ok, who)),
            Err(e) => {
                out.push(Check::new(name, "credentials", Status::Error, e));
                out.push(Check::new(
                    name,
                    "tables",
                    Status::Skipped,
                    "not checked: the credentials do not resolve".into(),
                ));
                return out;
            }
        }
    }
    // One engine per connection, so one broken connection does not hide the others;
    // no cache (every call is really made) and denied calls fail the query.
    let mut one = cfg.clone();
    let mut c = conn.clone();
    c.cache_ttl = Some(0);
    c.on_access_denied = Some("error".into());
    one.connections = vec![c];
    one.server.search_path = Vec::new();
    let engine = match Engine::build(&one, demo_scale).await {
        Ok(e) => e,
        Err(e) => {
            out.push(Check::new(
                name,
                "load",
                Status::Error,
                format!("{e:#}").replace('\n', " "),
            ));
            return out;
        }
    };
    // An organization connection is checked account by account (its schemas
    // `<name>_<account id>`); a member whose role could not be assumed is an error.
    let schemas: Vec<String> = if conn.organization_accounts.is_some() {
        for e in engine.errors.snapshot() {
            if e.api_call == "sts:AssumeRole" {
                out.push(Check::new(
                    &e.connection,
                    "credentials",
                    Status::Error,
                    e.message.clone(),
                ));
            }
        }
        let prefix = format!("{name}_");
        engine
            .runtimes
            .keys()
            .filter(|n| n.starts_with(&prefix))
            .cloned()
            .collect()
    } else {
        vec![name.to_string()]
    };
    let engine = &engine;
    for schema in &schemas {
        let Some(rt) = engine.runtimes.get(schema) else {
            out.push(Check::new(
                schema,
                "load",
                Status::Error,
                "the connection has no tables".into(),
            ));
            continue;
        };
        let tables = rt.source.tables();
        if conn.plugin != Plugin::Aws {
            out.push(Check::new(
                schema,
                "load",
                Status::Ok,
                format!("{} plugin, {} tables", rt.source.plugin(), tables.len()),
            ));
        }
        let schema = schema.as_str();
        let mut checks: Vec<Check> = futures::stream::iter(tables.into_iter().map(|t| {
            let has_hydrates = t.columns.iter().any(|c| c.hydrate.is_some());
            async move { check_table(engine, schema, t.name, has_hydrates).await }
        }))
        .buffered(TABLE_CONCURRENCY)
        .collect()
        .await;
        out.append(&mut checks);
    }
    out
}

fn aggregator_members(cfg: &Config, index: usize) -> Check {
    let conn = &cfg.connections[index];
    let matches = |pattern: &str, name: &str| match pattern.split_once('*') {
        None => pattern == name,
        Some((pre, post)) => {
            name.len() >= pre.len() + post.len() && name.starts_with(pre) && name.ends_with(post)
        }
    };
    let members: Vec<&str> = cfg
        .connections
        .iter()
        .filter(|c| c.plugin != Plugin::Aggregator)
        .filter(|c| conn.connections.iter().any(|p| matches(p, &c.name)))
        .map(|c| c.name.as_str())
        .collect();
    if members.is_empty() {
        Check::new(
            &conn.name,
            "members",
            Status::Error,
            format!("no connection matches {}", conn.connections.join(", ")),
        )
    } else {
        Check::new(
            &conn.name,
            "members",
            Status::Ok,
            format!("{} (checked as their own connections)", members.join(", ")),
        )
    }
}

/// Whether `sql` names `table` as a whole identifier.
fn mentions_table(sql: &str, table: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    sql.match_indices(table).any(|(i, _)| {
        let before = sql[..i].chars().next_back();
        let after = sql[i + table.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// Name the benchmark controls that read each failed table.
fn add_affected_controls(checks: &mut [Check]) {
    let benchmarks: Vec<crate::posture::benchmark::Benchmark> =
        crate::posture::benchmark::available()
            .iter()
            .filter_map(|id| crate::posture::benchmark::Benchmark::load(id).ok())
            .collect();
    for c in checks.iter_mut() {
        let Some(table) = c.table.clone() else {
            continue;
        };
        if !matches!(c.status, Status::Denied | Status::Error) {
            continue;
        }
        for b in &benchmarks {
            let ids: Vec<&str> = b
                .controls
                .iter()
                .filter(|ctl| mentions_table(&ctl.sql, &table))
                .map(|ctl| ctl.id.as_str())
                .collect();
            if !ids.is_empty() {
                c.controls
                    .extend(ids.iter().map(|id| format!("{} {id}", b.meta.id)));
                c.detail
                    .push_str(&format!("; incomplete: {} {}", b.meta.id, ids.join(", ")));
            }
        }
    }
}

/// Run every check of the selected connections.
pub async fn run_checks(
    cfg: &Config,
    connection: Option<&str>,
    demo_scale: usize,
) -> Result<Vec<Check>> {
    if let Some(want) = connection {
        if !cfg.connections.iter().any(|c| c.name == want) {
            anyhow::bail!(
                "--connection {want}: no such connection (configured: {})",
                cfg.connections
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let mut out = Vec::new();
    for (i, c) in cfg.connections.iter().enumerate() {
        if connection.is_some_and(|want| want != c.name) {
            continue;
        }
        if c.plugin == Plugin::Aggregator {
            out.push(aggregator_members(cfg, i));
        } else {
            out.extend(check_connection(cfg, i, demo_scale).await);
        }
    }
    add_affected_controls(&mut out);
    Ok(out)
}

/// The report as text: a table of checks, then what to do about failures.
pub fn render_table(checks: &[Check]) -> String {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    t.set_header(vec!["connection", "check", "status", "detail"]);
    for c in checks {
        t.add_row(vec![
            c.connection.clone(),
            c.check.clone(),
            c.status.as_str().to_string(),
            c.detail.clone(),
        ]);
    }
    let mut out = format!("{t}\n");
    let failed = checks
        .iter()
        .filter(|c| matches!(c.status, Status::Denied | Status::Error))
        .count();
    let mut missing: Vec<&str> = checks
        .iter()
        .filter_map(|c| c.iam_action.as_deref())
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if failed == 0 {
        out.push_str(&format!("all {} checks passed\n", checks.len()));
    } else {
        out.push_str(&format!("{failed} of {} checks failed\n", checks.len()));
    }
    if !missing.is_empty() {
        out.push_str(&format!(
            "missing permissions: {}\nthe read-only policy pathwarden needs for every AWS table is {AWS_SCANNER_POLICY_PATH}; print it with `pathwarden doctor --print-policy aws`\n",
            missing.join(", ")
        ));
    }
    out
}

/// `pathwarden doctor`: print the report; exit code 1 when a check failed.
pub async fn run(
    cfg: &Config,
    connection: Option<&str>,
    demo_scale: usize,
    output: Output,
) -> Result<i32> {
    let checks = run_checks(cfg, connection, demo_scale).await?;
    match output {
        Output::Table => print!("{}", render_table(&checks)),
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&checks).context("serialising the report")?
        ),
    }
    let failed = checks
        .iter()
        .any(|c| matches!(c.status, Status::Denied | Status::Error | Status::Skipped));
    Ok(if failed { 1 } else { 0 })
}

/// The policy text for `--print-policy`.
pub fn policy(cloud: PolicyCloud) -> &'static str {
    match cloud {
        PolicyCloud::Aws => AWS_SCANNER_POLICY,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    use super::*;

    /// Literals that look like `service:Operation` but are not calls a table makes.
    const NOT_API_CALLS: &[(&str, &str)] = &[(
        "s3:GetBucket",
        "label of the error for a row without a bucket name, before any call",
    )];

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    /// Whether a string literal's text names an API call (`iam:ListRoles`).
    fn api_call_literal(s: &str) -> bool {
        let Some((service, op)) = s.split_once(':') else {
            return false;
        };
        !service.is_empty()
            && service != "aws"
            && service
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && op.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && op.chars().all(|c| c.is_ascii_alphanumeric())
    }

    /// Every API call the AWS tables name (their error labels), by file, outside tests.
    fn api_calls_in_code() -> Vec<(String, String)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tables/src/aws");
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        files.sort();
        assert!(
            files.len() >= 20,
            "expected the AWS table files under {}",
            dir.display()
        );
        let mut out = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            let code = match text.find("#[cfg(test)]") {
                Some(i) => &text[..i],
                None => &text[..],
            };
            // Odd pieces between double quotes are string literals (good enough for
            // labels, which hold no escaped quotes).
            for (i, piece) in code.split('"').enumerate() {
                if i % 2 == 1
                    && api_call_literal(piece)
                    && !NOT_API_CALLS.iter().any(|(n, _)| *n == piece)
                {
                    let name = f
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    out.push((name, piece.to_string()));
                }
            }
        }
        out
    }

    fn policy_actions() -> BTreeSet<String> {
        let doc: serde_json::Value =
            serde_json::from_str(AWS_SCANNER_POLICY).expect("the policy is JSON");
        assert_eq!(doc["Version"], "2012-10-17");
        let mut out = BTreeSet::new();
        for s in doc["Statement"].as_array().expect("Statement array") {
            assert_eq!(s["Effect"], "Allow", "{s}");
            assert_eq!(s["Resource"], "*", "{s}");
            for a in s["Action"].as_array().expect("Action array") {
                let a = a.as_str().expect("action text");
                assert!(
                    !a.contains('*'),
                    "{a}: no wildcards in a least-privilege policy"
                );
                assert!(out.insert(a.to_string()), "{a} listed twice");
            }
        }
        out
    }

    /// The policy file as it should be: one statement per service, actions sorted.
    fn generated_policy(actions: &BTreeSet<String>) -> String {
        let mut by_service: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for a in actions {
            let service = a.split(':').next().unwrap_or_default();
            by_service.entry(service).or_default().push(a);
        }
        let statements: Vec<serde_json::Value> = by_service
            .iter()
            .map(|(service, actions)| {
                let sid: String = service
                    .split('-')
                    .map(|w| {
                        let mut c = w.chars();
                        c.next()
                            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                            .unwrap_or_default()
                    })
                    .collect();
                serde_json::json!({
                    "Sid": format!("PathwardenRead{sid}"),
                    "Effect": "Allow",
                    "Action": actions,
                    "Resource": "*",
                })
            })
            .collect();
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
        serde_json::to_string_pretty(&doc).expect("json") + "\n"
    }

    #[test]
    fn the_scanner_policy_allows_exactly_the_calls_the_tables_make() {
        let calls = api_calls_in_code();
        assert!(calls.len() >= 60, "found only {} API calls", calls.len());
        let needed: BTreeSet<String> = calls.iter().map(|(_, c)| iam_action(c)).collect();
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(AWS_SCANNER_POLICY_PATH);
        if std::env::var_os("PATHWARDEN_BLESS").is_some() {
            std::fs::write(&path, generated_policy(&needed)).expect("write the policy");
            return;
        }
        let granted = policy_actions();
        let missing: Vec<String> = calls
            .iter()
            .filter(|(_, c)| !granted.contains(&iam_action(c)))
            .map(|(f, c)| format!("{} (called in tables/src/aws/{f})", iam_action(c)))
            .collect();
        assert!(
            missing.is_empty(),
            "{AWS_SCANNER_POLICY_PATH} lacks actions the tables need:\n{}\nrun with PATHWARDEN_BLESS=1 to regenerate it",
            missing.join("\n")
        );
        let unused: Vec<&String> = granted.difference(&needed).collect();
        assert!(
            unused.is_empty(),
            "{AWS_SCANNER_POLICY_PATH} grants actions no table calls (least privilege): {unused:?}"
        );
        assert_eq!(
            AWS_SCANNER_POLICY,
            generated_policy(&needed),
            "{AWS_SCANNER_POLICY_PATH} is not in the generated form; run with PATHWARDEN_BLESS=1"
        );
    }

    #[test]
    fn renamed_s3_actions_and_read_only() {
        assert_eq!(iam_action("s3:ListBuckets"), "s3:ListAllMyBuckets");
        assert_eq!(iam_action("iam:ListRoles"), "iam:ListRoles");
        // Read-only, apart from the credential report AWS makes us ask for.
        for a in policy_actions() {
            let op = a.split(':').nth(1).unwrap_or_default();
            assert!(
                ["List", "Get", "Describe"]
                    .iter()
                    .any(|p| op.starts_with(p))
                    || a == "iam:GenerateCredentialReport",
                "{a} is not a read call"
            );
        }
    }

    #[test]
    fn denials_and_refused_credentials_are_told_apart() {
        assert_eq!(classify(true, "AccessDenied: no"), Status::Denied);
        assert_eq!(
            classify(
                false,
                "iam:ListRoles failed: unhandled error <Code>AccessDenied</Code><Message>User: x is not authorized to perform: iam:ListRoles</Message>"
            ),
            Status::Denied
        );
        assert_eq!(
            classify(true, "Http403: <Code>SignatureDoesNotMatch</Code>"),
            Status::Error
        );
        assert_eq!(classify(false, "Http500: internal error"), Status::Error);
    }

    #[test]
    fn failed_tables_name_the_controls_that_read_them() {
        assert!(mentions_table(
            "select * from aws_iam_user u",
            "aws_iam_user"
        ));
        assert!(!mentions_table(
            "select * from aws_iam_user_x",
            "aws_iam_user"
        ));
        let mut c = Check::new(
            "prod",
            "table aws_iam_account_password_policy",
            Status::Denied,
            "needs iam:GetAccountPasswordPolicy".into(),
        );
        c.table = Some("aws_iam_account_password_policy".into());
        let mut checks = [c];
        add_affected_controls(&mut checks);
        assert!(
            checks[0]
                .controls
                .iter()
                .any(|id| id.starts_with("cis_aws_v3 1.")),
            "{:?}",
            checks[0]
        );
        assert!(
            checks[0].detail.contains("incomplete: cis_aws_v3 1."),
            "{}",
            checks[0].detail
        );
    }

    #[test]
    fn denied_calls_are_found_in_error_text() {
        assert_eq!(
            denied_call_in_text(
                "aws_iam_role (connection p): access denied calling iam:ListRoles: AccessDenied: no"
            )
            .as_deref(),
            Some("iam:ListRoles")
        );
        assert_eq!(denied_call_in_text("some other failure"), None);
    }

    #[test]
    fn the_report_names_missing_actions_and_the_policy() {
        let mut c = Check::new(
            "prod",
            "table aws_iam_role",
            Status::Denied,
            "needs iam:ListRoles".into(),
        );
        c.iam_action = Some("iam:ListRoles".into());
        let text = render_table(&[
            Check::new("prod", "credentials", Status::Ok, "account 1".into()),
            c,
        ]);
        assert!(text.contains("| prod"), "{text}");
        assert!(text.contains("1 of 2 checks failed"), "{text}");
        assert!(
            text.contains("missing permissions: iam:ListRoles"),
            "{text}"
        );
        assert!(text.contains(AWS_SCANNER_POLICY_PATH), "{text}");
    }
}
