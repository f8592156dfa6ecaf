//! Templates (askama, compiled into the binary from `daemon/templates/`) and the view models
//! they render. Askama escapes every `{{ }}` of an `.html` template, so cloud names, tags,
//! policy text and SQL results always render as text.

use askama::Template;

use crate::posture::report::{Changes, Counts, Report, ReportRow};

/// What every console page shows around its content.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// Logged-in user.
    pub user: String,
    /// Their role's name.
    pub role: &'static str,
    /// CSRF token for the page's forms.
    pub csrf: String,
    /// Which navigation entry is current.
    pub page: &'static str,
    /// Whether the session is the anonymous loopback reader (no logout).
    pub anonymous: bool,
    /// Operator or admin.
    pub operator: bool,
    /// Admin.
    pub admin: bool,
}

/// A table of text cells (SQL results, lists).
#[derive(Debug, Clone, Default)]
pub struct TextTable {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows; `None` is SQL NULL.
    pub rows: Vec<Vec<Option<String>>>,
}

/// The summary of one section.
#[derive(Debug, Clone)]
pub struct SectionSummary {
    /// Section id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Counts by status.
    pub c: Counts,
}

/// The results of one section.
#[derive(Debug, Clone)]
pub struct SectionRows {
    /// Section id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Results.
    pub rows: Vec<ReportRow>,
}

/// A report as the templates show it (the console's run page and `--output html`).
#[derive(Debug, Clone)]
pub struct ReportView {
    /// Title.
    pub title: String,
    /// When.
    pub generated_at: String,
    /// Run id.
    pub run_id: Option<i64>,
    /// Summary by section.
    pub sections: Vec<SectionSummary>,
    /// Totals.
    pub total: Counts,
    /// New/resolved/unchanged alarms.
    pub changes: Option<Changes>,
    /// Heading of the results.
    pub rows_heading: &'static str,
    /// Results by section.
    pub groups: Vec<SectionRows>,
}

impl ReportView {
    /// The view of `report`; with `only_failing`, the results are its alarms and errors.
    pub fn new(report: &Report, only_failing: bool) -> ReportView {
        let (sections, total) = report.summary();
        let mut groups: Vec<SectionRows> = sections
            .iter()
            .map(|(id, title, _)| SectionRows {
                id: id.clone(),
                title: title.clone(),
                rows: Vec::new(),
            })
            .collect();
        for r in &report.rows {
            if only_failing && r.status != "alarm" && r.status != "error" {
                continue;
            }
            match groups.iter_mut().find(|g| g.id == r.section) {
                Some(g) => g.rows.push(r.clone()),
                None => groups.push(SectionRows {
                    id: r.section.clone(),
                    title: String::new(),
                    rows: vec![r.clone()],
                }),
            }
        }
        groups.retain(|g| !g.rows.is_empty());
        ReportView {
            title: report.title.clone(),
            generated_at: report.generated_at.clone(),
            run_id: report.run_id,
            sections: sections
                .into_iter()
                .map(|(id, title, c)| SectionSummary { id, title, c })
                .collect(),
            total,
            changes: report.changes.clone(),
            rows_heading: if only_failing {
                "Alarms and errors"
            } else {
                "Results"
            },
            groups,
        }
    }
}

/// `check --output html` and the html report of a run: a standalone page.
#[derive(Template)]
#[template(path = "report.html")]
pub struct ReportPage<'a> {
    /// The report.
    pub r: &'a ReportView,
}

/// One bar of a trend chart (SVG coordinates computed here, so the page needs no script).
#[derive(Debug, Clone)]
pub struct Bar {
    /// Left edge.
    pub x: u32,
    /// Top of the alarm part.
    pub y_alarm: u32,
    /// Height of the alarm part.
    pub h_alarm: u32,
    /// Top of the ok part.
    pub y_ok: u32,
    /// Height of the ok part.
    pub h_ok: u32,
    /// Tooltip.
    pub label: String,
}

/// Width and height of a trend chart.
pub const TREND_W: u32 = 240;
/// Height of a trend chart.
pub const TREND_H: u32 = 48;

/// Bars for runs (oldest first) of (run id, ok, alarm, error).
pub fn trend(runs: &[(i64, i64, i64, i64)]) -> Vec<Bar> {
    let max = runs
        .iter()
        .map(|(_, ok, alarm, err)| ok + alarm + err)
        .max()
        .unwrap_or(0)
        .max(1);
    let n = runs.len().max(1) as u32;
    let w = (TREND_W / n).clamp(2, 24);
    runs.iter()
        .enumerate()
        .map(|(i, (id, ok, alarm, err))| {
            let scale =
                |v: i64| ((v.max(0) as f64 / max as f64) * f64::from(TREND_H)).round() as u32;
            let h_alarm = scale(alarm + err);
            let h_ok = scale(*ok).min(TREND_H - h_alarm.min(TREND_H));
            Bar {
                x: i as u32 * w,
                y_alarm: TREND_H - h_alarm,
                h_alarm,
                y_ok: TREND_H - h_alarm - h_ok,
                h_ok,
                label: format!("run {id}: {ok} ok, {alarm} alarm, {err} error"),
            }
        })
        .collect()
}

/// Counts of one cloud account.
#[derive(Debug, Clone, Default)]
pub struct AccountRow {
    /// aws, gcp, azure.
    pub cloud: String,
    /// Account, subscription or project.
    pub account_id: String,
    /// Principals.
    pub principals: i64,
    /// Principals that are admins.
    pub admins: i64,
    /// Principals that are not admins but can become one.
    pub can_become_admin: i64,
    /// Resources exposed to the internet.
    pub public_resources: i64,
}

/// A run as lists show it.
#[derive(Debug, Clone, Default)]
pub struct RunRow {
    /// Id.
    pub id: i64,
    /// Job.
    pub job: String,
    /// Benchmark or query.
    pub target: String,
    /// Who started it.
    pub triggered_by: String,
    /// running, succeeded, failed, interrupted.
    pub status: String,
    /// Started.
    pub started_at: String,
    /// Finished.
    pub finished_at: String,
    /// Controls done.
    pub progress_done: i64,
    /// Controls in all.
    pub progress_total: i64,
    /// Counts.
    pub ok: i64,
    /// Alarms.
    pub alarm: i64,
    /// Errors.
    pub error: i64,
    /// Info.
    pub info: i64,
    /// New alarms.
    pub new: i64,
    /// Resolved alarms.
    pub resolved: i64,
    /// Previous run.
    pub previous_run_id: Option<i64>,
    /// Message.
    pub message: String,
}

/// The latest run of a job with its trend.
#[derive(Debug, Clone)]
pub struct LatestRun {
    /// The run.
    pub run: RunRow,
    /// Trend over its history.
    pub bars: Vec<Bar>,
}

/// A finding.
#[derive(Debug, Clone, Default)]
pub struct FindingRow {
    /// Job.
    pub job: String,
    /// Control.
    pub control_id: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: String,
    /// Resource.
    pub resource: String,
    /// Reason.
    pub reason: String,
    /// open, resolved.
    pub status: String,
    /// First seen.
    pub first_seen: String,
    /// Last seen.
    pub last_seen: String,
    /// Run that saw it last.
    pub last_run_id: i64,
}

/// `/`
#[derive(Template)]
#[template(path = "console/overview.html")]
pub struct OverviewPage {
    /// Chrome.
    pub c: Chrome,
    /// Per account.
    pub accounts: Vec<AccountRow>,
    /// Totals.
    pub total: AccountRow,
    /// Latest run per job.
    pub latest: Vec<LatestRun>,
    /// Newest findings.
    pub findings: Vec<FindingRow>,
    /// Chart size.
    pub trend_w: u32,
    /// Chart size.
    pub trend_h: u32,
}

/// A configured job.
#[derive(Debug, Clone)]
pub struct JobRow {
    /// Name.
    pub name: String,
    /// Benchmark, query or drift.
    pub what: String,
    /// Schedule.
    pub schedule: String,
}

/// `/benchmarks`
#[derive(Template)]
#[template(path = "console/benchmarks.html")]
pub struct BenchmarksPage {
    /// Chrome.
    pub c: Chrome,
    /// Jobs.
    pub jobs: Vec<JobRow>,
    /// Runs, newest first.
    pub runs: Vec<RunRow>,
    /// Some run is running: the page refreshes itself.
    pub running: bool,
    /// Message after starting a run.
    pub notice: String,
}

/// `/runs/{id}`
#[derive(Template)]
#[template(path = "console/run.html")]
pub struct RunPage {
    /// Chrome.
    pub c: Chrome,
    /// The run.
    pub run: RunRow,
    /// Its report.
    pub r: ReportView,
}

/// One hop of an attack path.
#[derive(Debug, Clone)]
pub struct HopRow {
    /// From key.
    pub from: String,
    /// To key.
    pub to: String,
    /// Edge kind.
    pub kind: String,
    /// Technique.
    pub technique: String,
    /// Depends on undecided conditions.
    pub conditional: bool,
    /// Evidence: policy and statement, pretty JSON.
    pub evidence: String,
}

/// An attack path.
#[derive(Debug, Clone)]
pub struct PathRow {
    /// Index (for the graph's links).
    pub index: usize,
    /// Source principal.
    pub source: String,
    /// `admin` or the target asked for.
    pub target: String,
    /// Account of the target.
    pub target_account: String,
    /// Hops.
    pub hops: Vec<HopRow>,
    /// Conditional.
    pub conditional: bool,
}

/// A principal found by the search.
#[derive(Debug, Clone)]
pub struct PrincipalRow {
    /// Key (ARN or member string).
    pub key: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Account.
    pub account_id: String,
}

/// What the attack-path page knows about the principal asked for.
#[derive(Debug, Clone, Default)]
pub struct PrincipalDetail {
    /// Key.
    pub key: String,
    /// Description (attacker-controlled text).
    pub description: String,
    /// Tags as `k=v` (attacker-controlled text).
    pub tags: Vec<String>,
}

/// `/paths`
#[derive(Template)]
#[template(path = "console/paths.html")]
pub struct PathsPage {
    /// Chrome.
    pub c: Chrome,
    /// Search text.
    pub q: String,
    /// Principals matching the search.
    pub matches: Vec<PrincipalRow>,
    /// The principal whose paths are shown (empty: none, or "everyone").
    pub principal: String,
    /// Details of that principal.
    pub detail: Option<PrincipalDetail>,
    /// Showing everyone who can become admin.
    pub everyone: bool,
    /// The paths.
    pub paths: Vec<PathRow>,
    /// More paths exist than shown.
    pub truncated: bool,
    /// Where the graph's JSON comes from (empty: no graph).
    pub data_url: String,
}

/// `/findings`
#[derive(Template)]
#[template(path = "console/findings.html")]
pub struct FindingsPage {
    /// Chrome.
    pub c: Chrome,
    /// Benchmark findings.
    pub findings: Vec<FindingRow>,
    /// Open findings in all.
    pub open_count: i64,
    /// Policy lint findings.
    pub policy_findings: TextTable,
    /// The same, rendered (escaped) by [`TablePart`].
    pub policy_findings_html: String,
    /// Policy reviews.
    pub reviews: TextTable,
    /// The same, rendered (escaped) by [`TablePart`].
    pub reviews_html: String,
}

/// A [`TextTable`] as HTML (every cell escaped), for pages that show several.
#[derive(Template)]
#[template(path = "console/table.html")]
pub struct TablePart<'a> {
    /// The table.
    pub t: &'a TextTable,
}

/// An access request.
#[derive(Debug, Clone, Default)]
pub struct AccessRequestRow {
    /// Id.
    pub id: i64,
    /// Principal.
    pub principal: String,
    /// policy, group, role.
    pub grant_kind: String,
    /// Value.
    pub grant_value: String,
    /// Account.
    pub account_id: String,
    /// Justification.
    pub justification: String,
    /// Requester.
    pub requested_by: String,
    /// pending, approved, denied, revoked.
    pub status: String,
    /// High risk.
    pub high_risk: bool,
    /// Why.
    pub risk_reason: String,
    /// Approvals needed.
    pub approvals_required: i64,
    /// Decided by.
    pub decided_by: String,
}

/// A remediation action.
#[derive(Debug, Clone, Default)]
pub struct RemediationRow {
    /// Id.
    pub id: i64,
    /// API call.
    pub api_call: String,
    /// Parameters.
    pub parameters: String,
    /// Mode.
    pub mode: String,
    /// High risk.
    pub high_risk: bool,
    /// Status.
    pub status: String,
    /// Result.
    pub result: String,
    /// Approved by.
    pub approved_by: String,
}

/// A drift record.
#[derive(Debug, Clone, Default)]
pub struct DriftRow {
    /// Run.
    pub run_id: i64,
    /// missing, unexpected.
    pub drift_kind: String,
    /// Principal.
    pub principal: String,
    /// Kind.
    pub grant_kind: String,
    /// Value.
    pub grant_value: String,
    /// Account.
    pub account_id: String,
    /// When.
    pub detected_at: String,
}

/// `/decisions`
#[derive(Template)]
#[template(path = "console/decisions.html")]
pub struct DecisionsPage {
    /// Chrome.
    pub c: Chrome,
    /// Outcome of the last decision.
    pub notice: String,
    /// Drift of the latest drift run.
    pub drift: Vec<DriftRow>,
    /// Access requests.
    pub requests: Vec<AccessRequestRow>,
    /// Remediations.
    pub remediations: Vec<RemediationRow>,
}

/// `/sql`
#[derive(Template)]
#[template(path = "console/sql.html")]
pub struct SqlPage {
    /// Chrome.
    pub c: Chrome,
    /// The statement.
    pub sql: String,
    /// Result.
    pub result: Option<TextTable>,
    /// Rows in the result, when more than shown.
    pub total_rows: usize,
    /// Error (SQLSTATE and message).
    pub error: String,
    /// Milliseconds.
    pub elapsed_ms: u128,
    /// The statement timeout.
    pub timeout: String,
}

/// `/login`
#[derive(Template)]
#[template(path = "console/login.html")]
pub struct LoginPage {
    /// CSRF token of the login form.
    pub csrf: String,
    /// Error of the last attempt.
    pub error: String,
    /// Users can log in with a password.
    pub users: bool,
    /// Tokens can be used.
    pub tokens: bool,
}

/// An error page.
#[derive(Template)]
#[template(path = "console/error.html")]
pub struct ErrorPage {
    /// HTTP status.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// What went wrong.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trend_bars_stay_inside_the_chart_and_scale_to_the_largest_run() {
        let bars = trend(&[(1, 10, 0, 0), (2, 5, 5, 0), (3, 0, 0, 0), (4, 2, 3, 5)]);
        assert_eq!(bars.len(), 4);
        assert_eq!(bars[0].h_ok, TREND_H);
        assert_eq!(bars[0].h_alarm, 0);
        assert_eq!(bars[1].h_alarm, TREND_H / 2);
        assert_eq!(bars[2].h_ok + bars[2].h_alarm, 0);
        for b in &bars {
            assert!(b.h_ok + b.h_alarm <= TREND_H && b.y_ok + b.h_ok + b.h_alarm == TREND_H);
            assert!(b.x < TREND_W);
        }
        assert!(bars[3].label.contains("run 4: 2 ok, 3 alarm, 5 error"));
        assert!(trend(&[]).is_empty());
    }

    #[test]
    fn the_report_page_escapes_and_groups_by_section() {
        let row = |section: &str, status: &str, resource: &str| ReportRow {
            control_id: "1.4".into(),
            title: "No root keys".into(),
            section: section.into(),
            severity: "high".into(),
            resource: resource.into(),
            status: status.into(),
            reason: "<img src=x onerror=alert(1)>".into(),
            account_id: "1".into(),
            region: "global".into(),
            change: Some("new".into()),
        };
        let report = Report {
            title: "CIS <b>".into(),
            benchmark: None,
            job: None,
            run_id: Some(7),
            generated_at: "now".into(),
            sections: vec![("1".into(), "IAM".into()), ("2".into(), "Storage".into())],
            changes: None,
            rows: vec![
                row("1", "alarm", "<root>"),
                row("2", "ok", "b"),
                row("2", "error", "c"),
            ],
        };
        let all = ReportView::new(&report, false);
        assert_eq!(all.groups.len(), 2);
        assert_eq!(all.groups[1].rows.len(), 2);
        let failing = ReportView::new(&report, true);
        assert_eq!(failing.groups[1].rows.len(), 1);
        let html = ReportPage { r: &failing }.render().expect("render");
        assert!(html.contains("CIS &#60;b&#62;") && html.contains("&#60;root&#62;"));
        assert!(!html.contains("<img") && !html.contains("<root>"));
        assert!(html.contains(", run 7"));
    }
}
