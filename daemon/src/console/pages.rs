//! Console page handlers. Store data comes from the state store the API reads; cloud and
//! graph data from SQL run through the same front end as pgwire, in a session bound to the
//! logged-in user (so a reader sees what a reader sees over pgwire).

use std::collections::BTreeMap;
use std::time::Instant;

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::{
    LOGIN_COOKIE, SESSION_COOKIE, cookie, password_matches, random_token, set_cookie,
};
use super::views::*;
use super::{ConsoleState, SessionInfo};
use crate::args;
use crate::identity::{Identity, Role};
use crate::posture::api::Caller;
use crate::posture::report::{Changes, Format, Report, ReportRow};
use crate::posture::store::{Col, Val};

/// Principal node kinds of the graph (`graph_node.kind`).
pub const PRINCIPAL_KINDS: &str = "('User', 'Role', 'GcpPrincipal', 'GcpServiceAccount')";

/// Per cloud and account: principals.
pub const SQL_PRINCIPALS: &str = "SELECT CASE WHEN kind LIKE 'Gcp%' THEN 'gcp' ELSE 'aws' END AS cloud, account_id, count(*) AS principals FROM pathwarden.graph_node WHERE kind IN ('User', 'Role', 'GcpPrincipal', 'GcpServiceAccount') GROUP BY 1, 2";
/// Per cloud and account: principals that are admins (a one-hop path) and those that can
/// become admin (their shortest path has more hops).
pub const SQL_ADMINS: &str = "SELECT cloud, account_id, sum(CASE WHEN h = 1 THEN 1 ELSE 0 END) AS admins, sum(CASE WHEN h > 1 THEN 1 ELSE 0 END) AS can_become_admin FROM (SELECT cloud, source_account AS account_id, source_arn, min(hops) AS h FROM pathwarden.attack_path WHERE target = 'admin' GROUP BY 1, 2, 3) AS p GROUP BY 1, 2";
/// Per cloud and account: resources exposed to the internet.
pub const SQL_PUBLIC: &str = "SELECT CASE WHEN n.kind LIKE 'Gcp%' THEN 'gcp' ELSE 'aws' END AS cloud, n.account_id, count(DISTINCT n.key) AS public_resources FROM pathwarden.graph_edge e JOIN pathwarden.graph_node n ON n.key = CASE WHEN e.source = 'internet' THEN e.target ELSE e.source END WHERE e.kind = 'EXPOSED_TO_INTERNET' GROUP BY 1, 2";

/// Paths shown at most on one page.
const MAX_PATHS: usize = 200;
/// Paths drawn at most in the graph.
const MAX_DRAWN: usize = 50;
/// SQL console rows shown on the page.
const SQL_ROWS_SHOWN: usize = 1000;
/// SQL console rows in a CSV download.
const SQL_ROWS_CSV: usize = 1_000_000;

/// A page-level failure: an HTML error page.
pub struct PageError(StatusCode, String);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0, self.1)
    }
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        tracing::warn!(error = %format!("{e:#}"), "console request failed");
        PageError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; see the daemon log".into(),
        )
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError::from(anyhow::anyhow!("template: {e}"))
    }
}

type PageResult = Result<Response, PageError>;

/// An HTML error page with `status`.
pub fn error_page(status: StatusCode, message: String) -> Response {
    let page = ErrorPage {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("").to_string(),
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, "error").into_response(),
    }
}

fn html(t: impl Template) -> PageResult {
    Ok(Html(t.render()?).into_response())
}

fn chrome(s: &SessionInfo, page: &'static str) -> Chrome {
    Chrome {
        user: s.user.clone(),
        role: s.role.name(),
        csrf: s.csrf.clone(),
        page,
        anonymous: s.user == "anonymous",
        operator: s.role >= Role::Operator,
        admin: s.role >= Role::Admin,
    }
}

fn need(s: &SessionInfo, role: Role, what: &str) -> Result<(), PageError> {
    if s.role < role {
        return Err(PageError(
            StatusCode::FORBIDDEN,
            format!(
                "role {} may not {what}; {} is required",
                s.role.name(),
                role.name()
            ),
        ));
    }
    Ok(())
}

fn caller(s: &SessionInfo) -> Caller {
    Caller {
        name: s.user.clone(),
        role: s.role,
    }
}

/// A SQL string literal (standard-conforming: only `'` is special).
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\0', "").replace('\'', "''"))
}

/// Run `sql` as the session's user through the pgwire front end; text cells by column name.
async fn sql_table(st: &ConsoleState, s: &SessionInfo, sql: &str) -> anyhow::Result<TextTable> {
    let ctx = st.engine.session_for(Identity {
        user: s.user.clone(),
        role: s.role,
    });
    let (columns, batches) =
        tokio::time::timeout(st.statement_timeout, crate::query::execute_in(&ctx, sql))
            .await
            .map_err(|_| anyhow::anyhow!("canceling statement due to statement timeout"))??;
    let rows = crate::query::cells(&batches)?
        .into_iter()
        .map(|r| r.into_iter().map(|(v, _)| v).collect())
        .collect();
    Ok(TextTable { columns, rows })
}

/// Column `name` of row `r` as text ("" for NULL or absent).
fn col<'a>(t: &'a TextTable, r: &'a [Option<String>], name: &str) -> &'a str {
    t.columns
        .iter()
        .position(|c| c == name)
        .and_then(|i| r.get(i))
        .and_then(|v| v.as_deref())
        .unwrap_or("")
}

fn col_int(t: &TextTable, r: &[Option<String>], name: &str) -> i64 {
    col(t, r, name).parse().unwrap_or(0)
}

// ---------------------------------------------------------------- store rows

const RUN_SQL: &str = "SELECT id, job, target, triggered_by, status, started_at, finished_at, progress_done, progress_total, ok_count, alarm_count, error_count, info_count, skip_count, new_count, resolved_count, previous_run_id, message FROM run";
const RUN_KINDS: &[Col] = &[
    Col::Int,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Int,
    Col::Int,
    Col::Int,
    Col::Int,
    Col::Int,
    Col::Int,
    Col::Int,
    Col::Int,
    Col::Int,
    Col::Int,
    Col::Text,
];

fn text(v: &Val) -> String {
    v.text().unwrap_or_default().to_string()
}

fn run_row(r: &[Val]) -> RunRow {
    let i = |k: usize| r.get(k).and_then(Val::int).unwrap_or(0);
    let t = |k: usize| r.get(k).map(text).unwrap_or_default();
    RunRow {
        id: i(0),
        job: t(1),
        target: t(2),
        triggered_by: t(3),
        status: t(4),
        started_at: t(5),
        finished_at: t(6),
        progress_done: i(7),
        progress_total: i(8),
        ok: i(9),
        alarm: i(10),
        error: i(11),
        info: i(12),
        new: i(14),
        resolved: i(15),
        previous_run_id: r.get(16).and_then(Val::int),
        message: t(17),
    }
}

const FINDING_SQL: &str = "SELECT job, control_id, title, severity, resource, reason, status, first_seen, last_seen, last_run_id FROM finding";

fn finding_row(r: &[Val]) -> FindingRow {
    let t = |k: usize| r.get(k).map(text).unwrap_or_default();
    FindingRow {
        job: t(0),
        control_id: t(1),
        title: t(2),
        severity: t(3),
        resource: t(4),
        reason: t(5),
        status: t(6),
        first_seen: t(7),
        last_seen: t(8),
        last_run_id: r.get(9).and_then(Val::int).unwrap_or(0),
    }
}

const FINDING_KINDS: &[Col] = &[
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Int,
];

// ---------------------------------------------------------------- overview

/// The per-account counts of the overview.
pub async fn account_counts(st: &ConsoleState, s: &SessionInfo) -> anyhow::Result<Vec<AccountRow>> {
    let (principals, admins, public) = tokio::try_join!(
        sql_table(st, s, SQL_PRINCIPALS),
        sql_table(st, s, SQL_ADMINS),
        sql_table(st, s, SQL_PUBLIC),
    )?;
    let mut by: BTreeMap<(String, String), AccountRow> = BTreeMap::new();
    fn slot<'a>(
        by: &'a mut BTreeMap<(String, String), AccountRow>,
        t: &TextTable,
        r: &[Option<String>],
    ) -> &'a mut AccountRow {
        let (cloud, account) = (
            col(t, r, "cloud").to_string(),
            col(t, r, "account_id").to_string(),
        );
        by.entry((cloud.clone(), account.clone()))
            .or_insert_with(|| AccountRow {
                cloud,
                account_id: account,
                ..Default::default()
            })
    }
    for r in &principals.rows {
        slot(&mut by, &principals, r).principals = col_int(&principals, r, "principals");
    }
    for r in &admins.rows {
        let a = slot(&mut by, &admins, r);
        a.admins = col_int(&admins, r, "admins");
        a.can_become_admin = col_int(&admins, r, "can_become_admin");
    }
    for r in &public.rows {
        slot(&mut by, &public, r).public_resources = col_int(&public, r, "public_resources");
    }
    Ok(by.into_values().collect())
}

async fn latest_runs(st: &ConsoleState) -> anyhow::Result<Vec<LatestRun>> {
    let store = &st.api.posture.store;
    let latest = store
        .fetch(
            &format!("{RUN_SQL} WHERE id IN (SELECT MAX(id) FROM run GROUP BY job) ORDER BY job"),
            args![],
            RUN_KINDS,
        )
        .await?;
    let mut out = Vec::new();
    for r in latest {
        let run = run_row(&r);
        let history = store
            .fetch(
                "SELECT id, ok_count, alarm_count, error_count FROM run WHERE job = $1 AND status <> 'running' ORDER BY id DESC LIMIT 30",
                args![run.job.clone()],
                &[Col::Int, Col::Int, Col::Int, Col::Int],
            )
            .await?;
        let mut points: Vec<(i64, i64, i64, i64)> = history
            .iter()
            .map(|h| {
                let i = |k: usize| h.get(k).and_then(Val::int).unwrap_or(0);
                (i(0), i(1), i(2), i(3))
            })
            .collect();
        points.reverse();
        out.push(LatestRun {
            bars: trend(&points),
            run,
        });
    }
    Ok(out)
}

/// `GET /`
pub async fn overview(
    State(st): State<ConsoleState>,
    Extension(s): Extension<SessionInfo>,
) -> PageResult {
    let newest =
        format!("{FINDING_SQL} WHERE status = 'open' ORDER BY first_seen DESC, id DESC LIMIT 15");
    let (accounts, latest, findings) = tokio::join!(
        account_counts(&st, &s),
        latest_runs(&st),
        st.api.posture.store.fetch(&newest, args![], FINDING_KINDS)
    );
    let accounts = accounts?;
    let mut total = AccountRow::default();
    for a in &accounts {
        total.principals += a.principals;
        total.admins += a.admins;
        total.can_become_admin += a.can_become_admin;
        total.public_resources += a.public_resources;
    }
    html(OverviewPage {
        c: chrome(&s, "overview"),
        accounts,
        total,
        latest: latest?,
        findings: findings?.iter().map(|r| finding_row(r)).collect(),
        trend_w: TREND_W,
        trend_h: TREND_H,
    })
}

// ---------------------------------------------------------------- benchmarks and runs

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

/// `GET /benchmarks`
pub async fn benchmarks(
    State(st): State<ConsoleState>,
    Extension(s): Extension<SessionInfo>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let runs: Vec<RunRow> = st
        .api
        .posture
        .store
        .fetch(
            &format!("{RUN_SQL} ORDER BY id DESC LIMIT 100"),
            args![],
            RUN_KINDS,
        )
        .await?
        .iter()
        .map(|r| run_row(r))
        .collect();
    let jobs = st
        .api
        .posture
        .jobs
        .values()
        .map(|j| JobRow {
            name: j.name.clone(),
            what: if j.drift {
                "drift".into()
            } else if let Some(b) = &j.benchmark {
                format!("benchmark {b}")
            } else {
                "query".into()
            },
            schedule: j.schedule.clone().unwrap_or_else(|| "on demand".into()),
        })
        .collect();
    html(BenchmarksPage {
        c: chrome(&s, "benchmarks"),
        running: runs.iter().any(|r| r.status == "running"),
        jobs,
        runs,
        notice: q.notice.chars().take(300).collect(),
    })
}

#[derive(Deserialize)]
pub struct StartForm {
    job: String,
}

/// `POST /benchmarks/run` (operator)
pub async fn start_run(
    State(st): State<ConsoleState>,
    Extension(s): Extension<SessionInfo>,
    axum::Form(f): axum::Form<StartForm>,
) -> PageResult {
    need(&s, Role::Operator, "start a run")?;
    use crate::posture::runner::StartError;
    let started = match st
        .api
        .posture
        .start(&f.job, &format!("console:{}", s.user))
        .await
    {
        Ok(x) => x,
        Err(StartError::UnknownJob(j)) => {
            return Err(PageError(
                StatusCode::NOT_FOUND,
                format!("unknown job {j:?}"),
            ));
        }
        Err(StartError::AlreadyRunning(_, id)) => {
            return Ok(Redirect::to(&format!("/runs/{id}")).into_response());
        }
        Err(StartError::Other(e)) => return Err(e.into()),
    };
    let id = started.run_id;
    let p = st.api.posture.clone();
    tokio::spawn(async move {
        p.execute(started).await;
    });
    Ok(Redirect::to(&format!("/runs/{id}")).into_response())
}

fn parse_id(id: &str) -> Result<i64, PageError> {
    id.parse::<i64>().map_err(|_| {
        PageError(
            StatusCode::BAD_REQUEST,
            format!(
                "expected a numeric id, got {:?}",
                id.chars().take(40).collect::<String>()
            ),
        )
    })
}

/// A stored run and its report, as the runner made it.
pub async fn stored_report(st: &ConsoleState, id: i64) -> Result<(RunRow, Report), PageError> {
    let store = &st.api.posture.store;
    let run = store
        .fetch(&format!("{RUN_SQL} WHERE id = $1"), args![id], RUN_KINDS)
        .await?;
    let Some(run) = run.first().map(|r| run_row(r)) else {
        return Err(PageError(StatusCode::NOT_FOUND, format!("no run {id}")));
    };
    let rows = store
        .fetch(
            "SELECT control_id, title, section, severity, resource, status, reason, account_id, region, change, benchmark FROM control_result WHERE run_id = $1 ORDER BY id",
            args![id],
            &[Col::Text; 11],
        )
        .await?;
    let benchmark = rows.first().and_then(|r| r[10].text().map(str::to_string));
    let bench = benchmark
        .as_deref()
        .and_then(|b| crate::posture::benchmark::Benchmark::load(b).ok());
    let report = Report {
        title: bench
            .as_ref()
            .map(|b| b.meta.title.clone())
            .unwrap_or_else(|| run.job.clone()),
        benchmark,
        job: Some(run.job.clone()),
        run_id: Some(id),
        generated_at: if run.finished_at.is_empty() {
            run.started_at.clone()
        } else {
            run.finished_at.clone()
        },
        sections: bench
            .map(|b| {
                b.sections
                    .iter()
                    .map(|s| (s.id.clone(), s.title.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        changes: Some(Changes {
            previous_run_id: run.previous_run_id,
            new: run.new,
            resolved: run.resolved,
            unchanged: 0,
        }),
        rows: rows
            .iter()
            .map(|r| ReportRow {
                control_id: text(&r[0]),
                title: text(&r[1]),
                section: text(&r[2]),
                severity: text(&r[3]),
                resource: text(&r[4]),
                status: text(&r[5]),
                reason: text(&r[6]),
                account_id: text(&r[7]),
                region: text(&r[8]),
                change: r[9].text().map(str::to_string),
            })
            .collect(),
    };
    Ok((run, report))
}

/// `GET /runs/{id}`
pub async fn run_detail(
    State(st): State<ConsoleState>,
    Extension(s): Extension<SessionInfo>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let (run, mut report) = stored_report(&st, id).await?;
    if let Some(c) = report.changes.as_mut() {
        c.unchanged = report
            .rows
            .iter()
            .filter(|r| r.change.as_deref() == Some("unchanged") && r.status == "alarm")
            .count() as i64;
    }
    html(RunPage {
        c: chrome(&s, "benchmarks"),
        r: ReportView::new(&report, false),
        run,
    })
}

/// `GET /runs/{id}/report/{format}`: the report of the run in md, html, json or csv, by
/// the same code as the runner's report files.
pub async fn run_report(
    State(st): State<ConsoleState>,
    Path((id, format)): Path<(String, String)>,
) -> PageResult {
    let id = parse_id(&id)?;
    let fmt = match Format::parse(&format) {
        Some(f @ (Format::Md | Format::Html | Format::Json | Format::Csv)) => f,
        _ => {
            return Err(PageError(
                StatusCode::NOT_FOUND,
                "report formats: md, html, json, csv".into(),
            ));
        }
    };
    let (run, report) = stored_report(&st, id).await?;
    let body = report.render(fmt)?;
    let mime = match fmt {
        Format::Md => "text/markdown; charset=utf-8",
        Format::Html => "text/html; charset=utf-8",
        Format::Json => "application/json",
        _ => "text/csv; charset=utf-8",
    };
    let name: String = run
        .job
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{name}-{id}.{}\"", fmt.extension());
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

// ---------------------------------------------------------------- attack paths

#[derive(Deserialize, Default)]
pub struct PathsQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    principal: String,
    #[serde(default)]
    everyone: String,
}

fn path_sql(principal: &str, everyone: bool, limit: usize) -> String {
    let cols = "source_arn, source_account, target, target_account, hops, conditional, path";
    if everyone {
        format!(
            "SELECT {cols} FROM pathwarden.attack_path WHERE target = 'admin' AND hops > 1 ORDER BY hops, source_arn LIMIT {limit}"
        )
    } else {
        format!(
            "SELECT {cols} FROM pathwarden.attack_path WHERE source_arn = {} ORDER BY hops, target_account LIMIT {limit}",
            literal(principal)
        )
    }
}

fn parse_paths(t: &TextTable) -> Vec<(PathRow, Value)> {
    t.rows
        .iter()
        .enumerate()
        .map(|(index, r)| {
            let hops_json: Value =
                serde_json::from_str(col(t, r, "path")).unwrap_or(Value::Array(Vec::new()));
            let hops = hops_json
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|h| HopRow {
                            from: h["from"].as_str().unwrap_or_default().to_string(),
                            to: h["to"].as_str().unwrap_or_default().to_string(),
                            kind: h["kind"].as_str().unwrap_or_default().to_string(),
                            technique: h["technique"].as_str().unwrap_or_default().to_string(),
                            conditional: h["conditional"].as_bool().unwrap_or(false),
                            evidence: serde_json::to_string_pretty(&h["evidence"])
                                .unwrap_or_default(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                PathRow {
                    index,
                    source: col(t, r, "source_arn").to_string(),
                    target: col(t, r, "target").to_string(),
                    target_account: col(t, r, "target_account").to_string(),
                    hops,
                    conditional: col(t, r, "conditional") == "true",
                },
                hops_json,
            )
        })
        .collect()
}

/// `GET /paths`
pub async fn paths(
    State(st): State<ConsoleState>,
    Extension(s): Extension<SessionInfo>,
    Query(q): Query<PathsQuery>,
) -> PageResult {
    let search: String = q.q.trim().chars().take(200).collect();
    let principal: String = q.principal.trim().chars().take(2000).collect();
    let everyone = !q.everyone.is_empty() && principal.is_empty();
    let mut matches = Vec::new();
    if !search.is_empty() {
        let needle = literal(&search.to_lowercase());
        let t = sql_table(
            &st,
            &s,
            &format!(
                "SELECT key, name, kind, account_id FROM pathwarden.graph_node WHERE kind IN {PRINCIPAL_KINDS} AND (strpos(lower(name), {needle}) > 0 OR strpos(lower(key), {needle}) > 0) ORDER BY name, key LIMIT 50"
            ),
        )
        .await
        .map_err(|e| PageError(StatusCode::BAD_REQUEST, format!("{e:#}")))?;
        matches = t
            .rows
            .iter()
            .map(|r| PrincipalRow {
                key: col(&t, r, "key").to_string(),
                name: col(&t, r, "name").to_string(),
                kind: col(&t, r, "kind").to_string(),
                account_id: col(&t, r, "account_id").to_string(),
            })
            .collect();
    }
    let mut detail = None;
    let mut paths = Vec::new();
    let mut truncated = false;
    if !principal.is_empty() || everyone {
        let t = sql_table(&st, &s, &path_sql(&principal, everyone, MAX_PATHS + 1))
            .await
            .map_err(|e| PageError(StatusCode::BAD_REQUEST, format!("{e:#}")))?;
        paths = parse_paths(&t).into_iter().map(|(p, _)| p).collect();
        truncated = paths.len() > MAX_PATHS;
        paths.truncate(MAX_PATHS);
        if !principal.is_empty() {
            detail = Some(principal_detail(&st, &s, &principal).await);
        }
    }
    let data_url = if paths.is_empty() {
        String::new()
    } else if everyone {
        "/paths/data?everyone=1".to_string()
    } else {
        format!("/paths/data?principal={}", urlencode(&principal))
    };
    html(PathsPage {
        c: chrome(&s, "paths"),
        q: search,
        matches,
        principal,
        detail,
        everyone,
        paths,
        truncated,
        data_url,
    })
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Description and tags of an AWS role or user (attacker-controlled text).
async fn principal_detail(st: &ConsoleState, s: &SessionInfo, key: &str) -> PrincipalDetail {
    let mut d = PrincipalDetail {
        key: key.to_string(),
        ..Default::default()
    };
    let table = if key.contains(":role/") {
        "aws_iam_role"
    } else if key.contains(":user/") {
        "aws_iam_user"
    } else {
        return d;
    };
    let desc = if table == "aws_iam_role" {
        "description"
    } else {
        "NULL AS description"
    };
    let sql = format!(
        "SELECT {desc}, tags FROM {table} WHERE arn = {} LIMIT 1",
        literal(key)
    );
    if let Ok(t) = sql_table(st, s, &sql).await {
        if let Some(r) = t.rows.first() {
            d.description = col(&t, r, "description").to_string();
            if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(col(&t, r, "tags")) {
                d.tags = m
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            v.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string())
                        )
                    })
                    .collect();
            }
        }
    }
    d
}

/// `GET /paths/data`: the paths asked for as nodes and edges for the graph (never the whole
/// graph: at most [`MAX_DRAWN`] paths).
pub async fn paths_json(
    State(st): State<ConsoleState>,
    Extension(s): Extension<SessionInfo>,
    Query(q): Query<PathsQuery>,
) -> Response {
    let principal: String = q.principal.trim().chars().take(2000).collect();
    let everyone = !q.everyone.is_empty() && principal.is_empty();
    if principal.is_empty() && !everyone {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "principal or everyone=1 is required", "status": 400})),
        )
            .into_response();
    }
    let t = match sql_table(&st, &s, &path_sql(&principal, everyone, MAX_DRAWN + 1)).await {
        Ok(t) => t,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": format!("{e:#}"), "status": 400})),
            )
                .into_response();
        }
    };
    let parsed = parse_paths(&t);
    let truncated = parsed.len() > MAX_DRAWN;
    let paths: Vec<Value> = parsed
        .into_iter()
        .take(MAX_DRAWN)
        .map(|(p, hops)| {
            json!({"index": p.index, "source": p.source, "target": p.target,
                   "target_account": p.target_account, "conditional": p.conditional, "hops": hops})
        })
        .collect();
    axum::Json(json!({"paths": paths, "truncated": truncated})).into_response()
}

// ---------------------------------------------------------------- findings

/// `GET /findings`
pub async fn findings(
    State(st): State<ConsoleState>,
    Extension(s): Extension<SessionInfo>,
) -> PageResult {
    let store = &st.api.posture.store;
    let rows = store
        .fetch(
            &format!("{FINDING_SQL} ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, last_seen DESC, id DESC LIMIT 500"),
            args![],
            FINDING_KINDS,
        )
        .await?;
    let open = store
        .fetch(
            "SELECT COUNT(*) FROM finding WHERE status = 'open'",
            args![],
            &[Col::Int],
        )
        .await?;
    let (pf, rv) = tokio::join!(
        sql_table(
            &st,
            &s,
            "SELECT * FROM pathwarden.policy_finding ORDER BY 1 LIMIT 300"
        ),
        sql_table(
            &st,
            &s,
            "SELECT * FROM pathwarden.policy_review ORDER BY 1 LIMIT 100"
        ),
    );
    let problem = |e: anyhow::Error| TextTable {
        columns: vec!["error".into()],
        rows: vec![vec![Some(format!("{e:#}"))]],
    };
    let policy_findings = pf.unwrap_or_else(problem);
    let reviews = rv.unwrap_or_else(problem);
    html(FindingsPage {
        c: chrome(&s, "findings"),
        findings: rows.iter().map(|r| finding_row(r)).collect(),
        open_count: open.first().and_then(|r| r[0].int()).unwrap_or(0),
        policy_findings_html: TablePart {
            t: &policy_findings,
        }
        .render()?,
        reviews_html: TablePart { t: &reviews }.render()?,
        policy_findings,
        reviews,
    })
}

// ---------------------------------------------------------------- decisions

/// `GET /decisions`
pub async fn decisions(
    State(st): State<ConsoleState>,
    Extension(s): Extension<SessionInfo>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let store = &st.api.posture.store;
    let requests = store
        .fetch(
            "SELECT id, principal, grant_kind, grant_value, account_id, justification, requested_by, status, high_risk, risk_reason, approvals_required, decided_by FROM access_request ORDER BY CASE WHEN status = 'pending' THEN 0 ELSE 1 END, id DESC LIMIT 300",
            args![],
            &[Col::Int, Col::Text, Col::Text, Col::Text, Col::Text, Col::Text, Col::Text, Col::Text, Col::Int, Col::Text, Col::Int, Col::Text],
        )
        .await?
        .iter()
        .map(|r| AccessRequestRow {
            id: r[0].int().unwrap_or(0),
            principal: text(&r[1]),
            grant_kind: text(&r[2]),
            grant_value: text(&r[3]),
            account_id: text(&r[4]),
            justification: text(&r[5]),
            requested_by: text(&r[6]),
            status: text(&r[7]),
            high_risk: r[8].int() == Some(1),
            risk_reason: text(&r[9]),
            approvals_required: r[10].int().unwrap_or(1),
            decided_by: text(&r[11]),
        })
        .collect();
    let remediations = store
        .fetch(
            "SELECT id, api_call, parameters, mode, high_risk, status, result, approved_by FROM remediation_action ORDER BY id DESC LIMIT 300",
            args![],
            &[Col::Int, Col::Text, Col::Text, Col::Text, Col::Int, Col::Text, Col::Text, Col::Text],
        )
        .await?
        .iter()
        .map(|r| RemediationRow {
            id: r[0].int().unwrap_or(0),
            api_call: text(&r[1]),
            parameters: text(&r[2]),
            mode: text(&r[3]),
            high_risk: r[4].int() == Some(1),
            status: text(&r[5]),
            result: text(&r[6]),
            approved_by: text(&r[7]),
        })
        .collect();
    let drift = store
        .fetch(
            "SELECT run_id, drift_kind, principal, grant_kind, grant_value, account_id, detected_at FROM drift WHERE run_id = (SELECT MAX(run_id) FROM drift) ORDER BY id LIMIT 500",
            args![],
            &[Col::Int, Col::Text, Col::Text, Col::Text, Col::Text, Col::Text, Col::Text],
        )
        .await?
        .iter()
        .map(|r| DriftRow {
            run_id: r[0].int().unwrap_or(0),
            drift_kind: text(&r[1]),
            principal: text(&r[2]),
            grant_kind: text(&r[3]),
            grant_value: text(&r[4]),
            account_id: text(&r[5]),
            detected_at: text(&r[6]),
        })
        .collect();
    html(DecisionsPage {
        c: chrome(&s, "decisions"),
        notice: q.notice.chars().take(300).collect(),
        drift,
        requests,
        remediations,
    })
}

/// What an API decision answered, as a notice on the decisions page (or an error page).
async fn decision_outcome(result: crate::posture::api::ApiResult) -> PageResult {
    let resp = match result {
        Ok(r) => r,
        Err(e) => return Err(PageError(e.0, e.1)),
    };
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(PageError(
            status,
            v["error"].as_str().unwrap_or("refused").to_string(),
        ));
    }
    let mut notice = format!(
        "{} {} is {}",
        if v.get("approvals_required").is_some() || v.get("approvals").is_some() {
            "access request"
        } else {
            "item"
        },
        v["id"],
        v["status"].as_str().unwrap_or("?")
    );
    if status == StatusCode::ACCEPTED {
        notice.push_str("; it needs the approval of another admin");
    }
    Ok(Redirect::to(&format!("/decisions?notice={}", urlencode(&notice))).into_response())
}

/// `POST /decisions/access-requests/{id}/{decision}` (admin): the API's decision code.
pub async fn decide_access_request(
    State(st): State<ConsoleState>,
    Extension(s): Extension<SessionInfo>,
    Path((id, decision)): Path<(String, String)>,
) -> PageResult {
    need(&s, Role::Admin, "decide access requests")?;
    decision_outcome(
        crate::posture::api::decide_access_request(
            State(st.api.clone()),
            Extension(caller(&s)),
            Path((id, decision)),
        )
        .await,
    )
    .await
}

/// `POST /decisions/remediations/{id}/approve` (admin): the API's approval code.
pub async fn approve_remediation(
    State(st): State<ConsoleState>,
    Extension(s): Extension<SessionInfo>,
    Path(id): Path<String>,
) -> PageResult {
    need(&s, Role::Admin, "approve remediations")?;
    decision_outcome(
        crate::posture::api::approve_remediation(
            State(st.api.clone()),
            Extension(caller(&s)),
            Path(id),
        )
        .await,
    )
    .await
}

// ---------------------------------------------------------------- SQL console

#[derive(Deserialize)]
pub struct SqlForm {
    #[serde(default)]
    sql: String,
}

fn timeout_text(st: &ConsoleState) -> String {
    crate::limits::format_duration(Some(st.statement_timeout))
}

/// `GET /sql`
pub async fn sql_form(
    State(st): State<ConsoleState>,
    Extension(s): Extension<SessionInfo>,
) -> PageResult {
    html(SqlPage {
        c: chrome(&s, "sql"),
        sql: "select account_id, count(*) as roles from aws_iam_role group by account_id order by 2 desc".into(),
        result: None,
        total_rows: 0,
        error: String::new(),
        elapsed_ms: 0,
        timeout: timeout_text(&st),
    })
}

/// `POST /sql`
pub async fn sql_run(
    State(st): State<ConsoleState>,
    Extension(s): Extension<SessionInfo>,
    axum::Form(f): axum::Form<SqlForm>,
) -> PageResult {
    let started = Instant::now();
    let (result, total_rows, error) = match sql_table(&st, &s, &f.sql).await {
        Ok(mut t) => {
            let n = t.rows.len();
            t.rows.truncate(SQL_ROWS_SHOWN);
            (Some(t), n, String::new())
        }
        Err(e) => (None, 0, format!("{e:#}")),
    };
    html(SqlPage {
        c: chrome(&s, "sql"),
        sql: f.sql,
        result,
        total_rows,
        error,
        elapsed_ms: started.elapsed().as_millis(),
        timeout: timeout_text(&st),
    })
}

/// `POST /sql/csv`
pub async fn sql_csv(
    State(st): State<ConsoleState>,
    Extension(s): Extension<SessionInfo>,
    axum::Form(f): axum::Form<SqlForm>,
) -> PageResult {
    let t = sql_table(&st, &s, &f.sql)
        .await
        .map_err(|e| PageError(StatusCode::BAD_REQUEST, format!("{e:#}")))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&t.columns).map_err(anyhow::Error::from)?;
    for r in t.rows.iter().take(SQL_ROWS_CSV) {
        w.write_record(r.iter().map(|v| v.as_deref().unwrap_or("")))
            .map_err(anyhow::Error::from)?;
    }
    let body = w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"query.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

// ---------------------------------------------------------------- login

/// `GET /login`
pub async fn login_form(State(st): State<ConsoleState>) -> Response {
    login_page(&st, String::new(), StatusCode::OK)
}

fn login_page(st: &ConsoleState, error: String, status: StatusCode) -> Response {
    let csrf = random_token();
    let page = LoginPage {
        csrf: csrf.clone(),
        error,
        users: !st.users.is_empty(),
        tokens: st.api.has_tokens(),
    };
    let mut resp = match page.render() {
        Ok(h) => (status, Html(h)).into_response(),
        Err(e) => return PageError::from(e).into_response(),
    };
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        LOGIN_COOKIE,
        &csrf,
        st.secure_cookies,
        Some(3600),
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: String,
}

/// `POST /login`: a token or a user and password for a session cookie.
pub async fn login(
    State(st): State<ConsoleState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    axum::Form(f): axum::Form<LoginForm>,
) -> Response {
    // A locked-out address is refused before any password work.
    if let Err(wait) = st.throttle.check(peer.ip()) {
        tracing::warn!(client = %peer, "console: login refused, address locked out");
        let mut resp = login_page(
            &st,
            crate::throttle::retry_text(wait),
            StatusCode::TOO_MANY_REQUESTS,
        );
        resp.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(crate::throttle::retry_secs(wait)),
        );
        return resp;
    }
    let who: Option<(String, Role)> = if !f.token.is_empty() {
        st.api
            .token_caller(f.token.trim())
            .map(|c| (c.name, c.role))
    } else {
        let known = st.users.get(&f.user).cloned();
        let verifier = match &known {
            Some((v, _)) => v.clone(),
            None => (*st.decoy).clone(),
        };
        let password = f.password.clone();
        // PBKDF2 with thousands of rounds: off the runtime threads, and for unknown
        // users too (against the decoy), so the answer's timing does not tell them apart.
        let ok = tokio::task::spawn_blocking(move || password_matches(&verifier, &password))
            .await
            .unwrap_or(false);
        known.filter(|_| ok).map(|(_, role)| (f.user.clone(), role))
    };
    let Some((user, role)) = who else {
        st.throttle.failed(peer.ip());
        tracing::info!(client = %peer, "console: failed login");
        return login_page(&st, "invalid credentials".into(), StatusCode::UNAUTHORIZED);
    };
    st.throttle.succeeded(peer.ip());
    let id = st.sessions.create(&user, role);
    let mut resp = Redirect::to("/").into_response();
    for c in [
        set_cookie(SESSION_COOKIE, &id, st.secure_cookies, None),
        set_cookie(LOGIN_COOKIE, "", st.secure_cookies, Some(0)),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// `POST /logout`
pub async fn logout(State(st): State<ConsoleState>, headers: axum::http::HeaderMap) -> Response {
    if let Some(id) = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| cookie(c, SESSION_COOKIE))
    {
        st.sessions.remove(id);
    }
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) =
        HeaderValue::from_str(&set_cookie(SESSION_COOKIE, "", st.secure_cookies, Some(0)))
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}
