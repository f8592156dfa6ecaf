//! Runs of jobs: a benchmark or a query, its results stored with what changed since the
//! job's previous run, findings opened and resolved, reports written and a webhook called.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde_json::json;

use super::benchmark::{Benchmark, ResultRow, contract_rows, query_text_rows, run_controls};
use super::report::{Changes, Format, Report, ReportRow};
use super::store::{Col, Stmt, Store, Val, now};
use crate::args;
use crate::config::JobConfig;
use crate::engine::Engine;

/// What runs share: the engine, the store, the jobs and their locks.
pub struct Posture {
    /// Query engine.
    pub engine: Arc<Engine>,
    /// State store.
    pub store: Store,
    /// Configured jobs by name.
    pub jobs: BTreeMap<String, JobConfig>,
    locks: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    http: reqwest::Client,
    /// `off`, `dry_run` or `auto_fix`.
    pub remediation: String,
    /// Where auto_fix makes its calls.
    pub iam_target: Option<super::iam::IamTarget>,
    /// Where remediation actions are audited.
    pub audit: Option<Arc<dyn crate::audit::AuditSink>>,
    /// High-risk access requests need two admins' approvals (`[desired_state] two_person_rule`).
    pub two_person_rule: bool,
    /// Base URL of the web console (`http://<http_listen>`): run-finished webhooks link to
    /// the run's page.
    pub console_url: Option<String>,
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// No such job.
    #[error("unknown job {0:?}")]
    UnknownJob(String),
    /// The job is already running.
    #[error("job {0:?} is already running (run {1})")]
    AlreadyRunning(String, i64),
    /// Anything else.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// A started run: the job's lock is held until it finishes.
pub struct Started {
    /// Run id.
    pub run_id: i64,
    job: JobConfig,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

/// Outcome of a finished run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunSummary {
    /// Run id.
    pub run_id: i64,
    /// Job name.
    pub job: String,
    /// succeeded or failed.
    pub status: String,
    /// Counts by status.
    pub counts: super::report::Counts,
    /// New, resolved, unchanged alarms.
    pub changes: Changes,
    /// Failure or report/webhook problems.
    pub message: Option<String>,
}

/// The state of a key in the previous run.
struct Previous {
    status: String,
    first_seen: String,
}

impl Posture {
    /// Runs over `engine` and `store` for `jobs`.
    pub fn new(engine: Arc<Engine>, store: Store, jobs: &[JobConfig]) -> Posture {
        Posture {
            engine,
            store,
            jobs: jobs.iter().map(|j| (j.name.clone(), j.clone())).collect(),
            locks: std::sync::Mutex::new(HashMap::new()),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(15))
                .build()
                .unwrap_or_default(),
            remediation: "off".into(),
            iam_target: None,
            audit: None,
            two_person_rule: true,
            console_url: None,
        }
    }

    /// Whether high-risk access requests need two admins' approvals.
    pub fn with_two_person_rule(mut self, on: bool) -> Posture {
        self.two_person_rule = on;
        self
    }

    /// Remediation mode, target and audit sink.
    pub fn with_remediation(
        mut self,
        mode: &str,
        target: Option<super::iam::IamTarget>,
        audit: Arc<dyn crate::audit::AuditSink>,
    ) -> Posture {
        self.remediation = mode.to_string();
        self.iam_target = target;
        self.audit = Some(audit);
        self
    }

    /// Make one recorded remediation action (status `pending` or `approved`) and record the outcome.
    pub async fn apply_action(&self, id: i64, who: &str) -> Result<String> {
        let rows = self
            .store
            .fetch(
                "SELECT api_call, parameters, mode FROM remediation_action WHERE id = $1",
                args![id],
                &[Col::Text, Col::Text, Col::Text],
            )
            .await?;
        let Some(r) = rows.first() else {
            bail!("no remediation {id}")
        };
        let call = r[0].text().unwrap_or_default().to_string();
        let params: std::collections::BTreeMap<String, String> =
            serde_json::from_str(r[1].text().unwrap_or("{}")).unwrap_or_default();
        let mode = r[2].text().unwrap_or_default().to_string();
        let started = std::time::Instant::now();
        let outcome = match (&self.iam_target, call.strip_prefix("iam:")) {
            (Some(t), Some(action)) if mode == "auto_fix" => {
                super::iam::call(t, action, &params).await
            }
            _ => Err(anyhow::anyhow!(
                "remediation {id} is {mode}; nothing is called"
            )),
        };
        let (status, result) = match &outcome {
            Ok(req) => ("applied", format!("ok request_id={req}")),
            Err(e) => ("failed", format!("{e:#}")),
        };
        self.store
            .exec(
                "UPDATE remediation_action SET status = $1, result = $2, updated_at = $3 WHERE id = $4",
                args![status, result.clone(), now(), id],
            )
            .await?;
        self.audit_action(
            who,
            &call,
            &params,
            &mode,
            started.elapsed().as_millis() as i64,
            outcome.as_ref().err().map(|e| format!("{e:#}")),
        );
        Ok(status.to_string())
    }

    fn audit_action(
        &self,
        who: &str,
        call: &str,
        params: &std::collections::BTreeMap<String, String>,
        mode: &str,
        ms: i64,
        error: Option<String>,
    ) {
        if let Some(a) = &self.audit {
            a.record(crate::audit::AuditEvent {
                time: chrono::Utc::now(),
                kind: "remediation".into(),
                user: who.to_string(),
                client_addr: "daemon".into(),
                action: format!(
                    "{call} {} mode={mode}",
                    serde_json::to_string(params).unwrap_or_default()
                ),
                duration_ms: ms,
                rows: None,
                error,
            });
        }
    }

    /// Mark runs left `running` by a previous process as `interrupted`; how many.
    pub async fn mark_interrupted(&self) -> Result<u64> {
        self.store
            .exec(
                "UPDATE run SET status = 'interrupted', finished_at = $1, message = 'the daemon stopped during the run' WHERE status = 'running'",
                args![now()],
            )
            .await
    }

    /// The configured job, or an ad-hoc job running benchmark `name`.
    pub fn job(&self, name: &str) -> Option<JobConfig> {
        if let Some(j) = self.jobs.get(name) {
            return Some(j.clone());
        }
        super::benchmark::available()
            .iter()
            .any(|b| b == name)
            .then(|| JobConfig {
                name: name.to_string(),
                schedule: None,
                benchmark: Some(name.to_string()),
                where_clause: None,
                tags: Vec::new(),
                sql: None,
                sql_file: None,
                drift: false,
                report: None,
                webhook: None,
            })
    }

    /// Start a run of `job_name`: take the job's lock (no overlapping runs) and record the run.
    pub async fn start(&self, job_name: &str, triggered_by: &str) -> Result<Started, StartError> {
        let job = self
            .job(job_name)
            .ok_or_else(|| StartError::UnknownJob(job_name.to_string()))?;
        let lock = {
            let mut m = self
                .locks
                .lock()
                .map_err(|_| anyhow::anyhow!("job lock table poisoned"))?;
            m.entry(job.name.clone()).or_default().clone()
        };
        let guard = match lock.try_lock_owned() {
            Ok(g) => g,
            Err(_) => {
                let running = self
                    .store
                    .fetch(
                        "SELECT id FROM run WHERE job = $1 AND status = 'running' ORDER BY id DESC",
                        args![job.name.clone()],
                        &[Col::Int],
                    )
                    .await?;
                let id = running.first().and_then(|r| r[0].int()).unwrap_or(0);
                return Err(StartError::AlreadyRunning(job.name.clone(), id));
            }
        };
        let (kind, target) = match (&job.benchmark, &job.sql, &job.sql_file) {
            _ if job.drift => ("drift", "desired_state".to_string()),
            (Some(b), _, _) => ("benchmark", b.clone()),
            (_, Some(s), _) => ("sql", s.clone()),
            (_, _, Some(f)) => ("sql", f.display().to_string()),
            _ => {
                return Err(StartError::Other(anyhow::anyhow!(
                    "job {}: nothing to run",
                    job.name
                )));
            }
        };
        let run_id = self
            .store
            .insert(
                "INSERT INTO run (job, kind, target, triggered_by, status, started_at) VALUES ($1, $2, $3, $4, 'running', $5) RETURNING id",
                args![job.name.clone(), kind, target, triggered_by, now()],
            )
            .await?;
        Ok(Started {
            run_id,
            job,
            _guard: guard,
        })
    }

    /// Execute a started run to the end; the run row says how it went.
    pub async fn execute(&self, started: Started) -> RunSummary {
        let run_id = started.run_id;
        let job = started.job.clone();
        match self.execute_inner(&started).await {
            Ok(summary) => summary,
            Err(e) => {
                let msg = format!("{e:#}").replace('\n', " ");
                tracing::warn!(job = %job.name, run = run_id, error = %msg, "run failed");
                let _ = self
                    .store
                    .exec(
                        "UPDATE run SET status = 'failed', finished_at = $1, message = $2 WHERE id = $3",
                        args![now(), msg.clone(), run_id],
                    )
                    .await;
                RunSummary {
                    run_id,
                    job: job.name,
                    status: "failed".into(),
                    counts: Default::default(),
                    changes: Default::default(),
                    message: Some(msg),
                }
            }
        }
    }

    async fn execute_inner(&self, started: &Started) -> Result<RunSummary> {
        let job = &started.job;
        let run_id = started.run_id;
        let mut report = Report {
            title: job.name.clone(),
            benchmark: job.benchmark.clone(),
            job: Some(job.name.clone()),
            run_id: Some(run_id),
            generated_at: String::new(),
            sections: Vec::new(),
            changes: None,
            rows: Vec::new(),
        };
        // (result, title, section, severity)
        // A posture run judges the accounts as they are now, not as last cached.
        for rt in self.engine.runtimes.values() {
            rt.clear_cache();
        }
        let mut results: Vec<(ResultRow, String, String, String)> = Vec::new();
        let mut extra: Vec<Stmt> = Vec::new();
        if job.drift {
            self.store
                .exec(
                    "UPDATE run SET progress_total = 1 WHERE id = $1",
                    args![run_id],
                )
                .await?;
            let desired = super::drift::desired(&self.store).await?;
            let actual = super::drift::actual(&self.engine).await?;
            let d = super::drift::compare(&desired, &actual);
            for r in super::drift::result_rows(&d) {
                let title = if r.control_id == "drift.missing" {
                    "Desired grant missing"
                } else {
                    "Unexpected grant"
                };
                results.push((r, title.to_string(), "drift".into(), "high".into()));
            }
            extra = self
                .drift_statements(run_id, &started_by(job), &d, &actual)
                .await?;
            report.title = format!("Drift: {}", job.name);
        } else if let Some(bid) = &job.benchmark {
            let bench = Benchmark::load(bid)?;
            let controls = bench.filter(job.where_clause.as_deref(), &job.tags).await?;
            self.store
                .exec(
                    "UPDATE run SET progress_total = $1 WHERE id = $2",
                    args![controls.len() as i64, run_id],
                )
                .await?;
            let store = self.store.clone();
            let outcomes = run_controls(&self.engine, &controls, move |done| {
                // Progress is best effort: a slow store must not stall the controls.
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = store
                        .exec("UPDATE run SET progress_done = $1 WHERE id = $2 AND progress_done < $1", args![done as i64, run_id])
                        .await;
                });
            })
            .await;
            report.title = bench.meta.title.clone();
            report.sections = bench
                .sections
                .iter()
                .map(|s| (s.id.clone(), s.title.clone()))
                .collect();
            for (c, rows) in outcomes {
                for r in rows {
                    results.push((r, c.title.clone(), c.section.clone(), c.severity.clone()));
                }
            }
        } else {
            let sql = match (&job.sql, &job.sql_file) {
                (Some(s), _) => s.clone(),
                (_, Some(f)) => std::fs::read_to_string(f)
                    .with_context(|| format!("job {}: sql_file {}", job.name, f.display()))?,
                _ => bail!("job {}: nothing to run", job.name),
            };
            self.store
                .exec(
                    "UPDATE run SET progress_total = 1 WHERE id = $1",
                    args![run_id],
                )
                .await?;
            let (names, rows) = query_text_rows(&self.engine, &sql)
                .await
                .with_context(|| format!("job {}", job.name))?;
            for r in contract_rows(&job.name, &names, rows) {
                results.push((r, job.name.clone(), String::new(), String::new()));
            }
        }
        // Two rows for one (control, resource) would make the history ambiguous: keep the worst.
        results = dedupe(results);

        let at = now();
        // An auto-fixing drift run stays `running` until its calls are made.
        let fixing = job.drift && self.remediation == "auto_fix";
        let changes = self
            .persist(
                run_id,
                job,
                &results,
                &at,
                extra,
                if fixing { "running" } else { "succeeded" },
            )
            .await?;
        if fixing {
            let pending = self
                .store
                .fetch("SELECT id FROM remediation_action WHERE run_id = $1 AND status = 'pending' ORDER BY id", args![run_id], &[Col::Int])
                .await?;
            for r in pending {
                if let Some(id) = r[0].int() {
                    self.apply_action(id, &format!("job:{}", job.name)).await?;
                }
            }
            self.store
                .exec(
                    "UPDATE run SET status = 'succeeded', finished_at = $1 WHERE id = $2",
                    args![now(), run_id],
                )
                .await?;
        }
        let mut counts = super::report::Counts::default();
        for (r, ..) in &results {
            counts.add(&r.status);
        }
        report.generated_at = at;
        report.changes = Some(changes.clone());
        report.rows = results
            .iter()
            .map(|(r, title, section, severity)| ReportRow {
                control_id: r.control_id.clone(),
                title: title.clone(),
                section: section.clone(),
                severity: severity.clone(),
                resource: r.resource.clone(),
                status: r.status.clone(),
                reason: r.reason.clone(),
                account_id: r.account_id.clone(),
                region: r.region.clone(),
                change: None,
            })
            .collect();
        let mut problems = Vec::new();
        if let Some(rc) = &job.report {
            if let Err(e) = write_reports(&report, &rc.formats, &rc.dir) {
                problems.push(format!("report: {e:#}"));
            }
        }
        let summary = RunSummary {
            run_id,
            job: job.name.clone(),
            status: "succeeded".into(),
            counts,
            changes,
            message: None,
        };
        if let Some(url) = &job.webhook {
            let mut body = json!({"event": "run.finished", "run": &summary, "title": report.title});
            if let Some(base) = &self.console_url {
                body["url"] = json!(format!("{base}/runs/{run_id}"));
            }
            match self.http.post(url).json(&body).send().await {
                Ok(resp) if resp.status().is_success() => {}
                Ok(resp) => problems.push(format!("webhook: HTTP {}", resp.status())),
                Err(e) => problems.push(format!("webhook: {}", e.without_url())),
            }
        }
        let message = (!problems.is_empty()).then(|| problems.join("; "));
        if let Some(m) = &message {
            self.store
                .exec(
                    "UPDATE run SET message = $1 WHERE id = $2",
                    args![m.clone(), run_id],
                )
                .await?;
        }
        tracing::info!(job = %job.name, run = run_id, alarms = summary.counts.alarm, new = summary.changes.new, resolved = summary.changes.resolved, "run finished");
        Ok(RunSummary { message, ..summary })
    }

    /// Store the results, the changes since the previous run and the findings, in one transaction.
    /// Drift rows and remediation actions of a drift run (one per drift, skipping calls
    /// already recorded and not yet done).
    async fn drift_statements(
        &self,
        run_id: i64,
        who: &str,
        d: &super::drift::Drift,
        actual: &[super::drift::Grant],
    ) -> Result<Vec<Stmt>> {
        let at = now();
        // Judge every drifting grant, and every grant its principal holds (a change to a
        // principal holding wildcard admin is high-risk whatever it is).
        let drifting: HashSet<&str> = d
            .missing
            .iter()
            .chain(&d.unexpected)
            .map(|g| g.principal.as_str())
            .collect();
        let held: Vec<super::drift::Grant> = actual
            .iter()
            .filter(|g| drifting.contains(g.principal.as_str()))
            .cloned()
            .collect();
        let judged: Vec<super::drift::Grant> = held
            .iter()
            .chain(&d.missing)
            .chain(&d.unexpected)
            .cloned()
            .collect();
        let catalog = if self.remediation == "off" || judged.is_empty() {
            super::drift::risk::PolicyCatalog::default()
        } else {
            super::drift::risk::PolicyCatalog::load(&self.engine, &judged).await
        };
        let admins: std::collections::BTreeSet<String> = held
            .iter()
            .filter(|g| catalog.grant_risk(g).level == super::drift::risk::Level::Admin)
            .map(|g| g.principal.clone())
            .collect();
        let open: HashSet<(String, String, String)> = self
            .store
            .fetch(
                "SELECT api_call, parameters, mode FROM remediation_action WHERE status IN ('planned', 'pending', 'awaiting_approval', 'approved')",
                vec![],
                &[Col::Text, Col::Text, Col::Text],
            )
            .await?
            .into_iter()
            .map(|r| (r[0].text().unwrap_or_default().to_string(), r[1].text().unwrap_or_default().to_string(), r[2].text().unwrap_or_default().to_string()))
            .collect();
        let mut stmts = Vec::new();
        let drifts = d
            .missing
            .iter()
            .map(|g| (g, true))
            .chain(d.unexpected.iter().map(|g| (g, false)));
        for (g, missing) in drifts {
            stmts.push(Stmt::new(
                "INSERT INTO drift (run_id, drift_kind, principal, grant_kind, grant_value, account_id, detected_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                args![run_id, if missing { "missing" } else { "unexpected" }, g.principal.clone(), g.kind.clone(), g.value.clone(), g.account_id.clone(), at.clone()],
            ));
            if self.remediation == "off" {
                continue;
            }
            let risk = catalog.grant_risk(g);
            let Some((call, params, high_risk)) =
                super::drift::remediation_for(g, missing, &admins, &risk)
            else {
                continue;
            };
            let params_json = serde_json::to_string(&params)?;
            if open.contains(&(call.clone(), params_json.clone(), self.remediation.clone())) {
                continue;
            }
            let status = match (high_risk, self.remediation.as_str()) {
                (true, _) => "awaiting_approval",
                (false, "auto_fix") => "pending",
                _ => "planned",
            };
            self.audit_action(who, &call, &params, &self.remediation, 0, None);
            stmts.push(Stmt::new(
                "INSERT INTO remediation_action (drift_id, run_id, api_call, parameters, mode, high_risk, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                vec![
                    super::store::Arg::LastId,
                    run_id.into(),
                    call.into(),
                    params_json.into(),
                    self.remediation.clone().into(),
                    i64::from(high_risk).into(),
                    status.into(),
                    at.clone().into(),
                ],
            ));
        }
        Ok(stmts)
    }

    async fn persist(
        &self,
        run_id: i64,
        job: &JobConfig,
        results: &[(ResultRow, String, String, String)],
        at: &str,
        extra: Vec<Stmt>,
        final_status: &str,
    ) -> Result<Changes> {
        let prev_run = self
            .store
            .fetch(
                "SELECT id FROM run WHERE job = $1 AND status = 'succeeded' AND id < $2 ORDER BY id DESC LIMIT 1",
                args![job.name.clone(), run_id],
                &[Col::Int],
            )
            .await?
            .first()
            .and_then(|r| r[0].int());
        let mut previous: HashMap<(String, String), Previous> = HashMap::new();
        if let Some(p) = prev_run {
            for r in self
                .store
                .fetch(
                    "SELECT control_id, resource, status, first_seen FROM control_result WHERE run_id = $1",
                    args![p],
                    &[Col::Text, Col::Text, Col::Text, Col::Text],
                )
                .await?
            {
                let t = |i: usize| r[i].text().unwrap_or_default().to_string();
                previous.insert((t(0), t(1)), Previous { status: t(2), first_seen: t(3) });
            }
        }
        // Findings of this job: (control, resource) → (id, status, history).
        let mut findings: HashMap<(String, String), (i64, String, String)> = HashMap::new();
        for r in self
            .store
            .fetch(
                "SELECT id, control_id, resource, status, status_history FROM finding WHERE job = $1",
                args![job.name.clone()],
                &[Col::Int, Col::Text, Col::Text, Col::Text, Col::Text],
            )
            .await?
        {
            let t = |i: usize| r[i].text().unwrap_or_default().to_string();
            findings.insert((t(1), t(2)), (r[0].int().unwrap_or(0), t(3), t(4)));
        }
        let errored: HashSet<&str> = results
            .iter()
            .filter(|(r, ..)| r.status == "error")
            .map(|(r, ..)| r.control_id.as_str())
            .collect();

        let mut changes = Changes {
            previous_run_id: prev_run,
            ..Default::default()
        };
        let mut stmts = Vec::with_capacity(results.len() * 2 + 4);
        let mut alarming_now: HashSet<(String, String)> = HashSet::new();
        for (r, title, section, severity) in results {
            let key = (r.control_id.clone(), r.resource.clone());
            let p = previous.get(&key);
            let was_alarm = p.is_some_and(|p| p.status == "alarm");
            let change = match (r.status == "alarm", p) {
                (true, _) if was_alarm => {
                    changes.unchanged += 1;
                    "unchanged"
                }
                (true, _) => {
                    changes.new += 1;
                    "new"
                }
                (false, Some(_)) if was_alarm => {
                    changes.resolved += 1;
                    "resolved"
                }
                (false, None) => "new",
                (false, Some(p)) if p.status == r.status => "unchanged",
                (false, Some(_)) => "changed",
            };
            let first_seen = match p {
                Some(p) if p.status == r.status => p.first_seen.clone(),
                _ => at.to_string(),
            };
            stmts.push(Stmt::new(
                "INSERT INTO control_result (run_id, job, benchmark, control_id, title, section, severity, resource, status, reason, account_id, region, change, previous_status, first_seen, last_seen) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                args![
                    run_id,
                    job.name.clone(),
                    job.benchmark.clone(),
                    r.control_id.clone(),
                    title.clone(),
                    section.clone(),
                    severity.clone(),
                    r.resource.clone(),
                    r.status.clone(),
                    r.reason.clone(),
                    r.account_id.clone(),
                    r.region.clone(),
                    change,
                    p.map(|p| p.status.clone()),
                    first_seen,
                    at
                ],
            ));
            if r.status == "alarm" {
                alarming_now.insert(key.clone());
                match findings.get(&key) {
                    Some((id, status, _)) if status == "open" => stmts.push(Stmt::new(
                        "UPDATE finding SET last_seen = $1, last_run_id = $2, reason = $3 WHERE id = $4",
                        args![at, run_id, r.reason.clone(), *id],
                    )),
                    Some((id, _, history)) => stmts.push(Stmt::new(
                        "UPDATE finding SET status = 'open', last_seen = $1, last_run_id = $2, reason = $3, resolved_at = NULL, status_history = $4 WHERE id = $5",
                        args![at, run_id, r.reason.clone(), push_history(history, "open", at, run_id), *id],
                    )),
                    None => stmts.push(Stmt::new(
                        "INSERT INTO finding (job, control_id, resource, title, severity, reason, account_id, region, status, first_seen, last_seen, first_run_id, last_run_id, status_history) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $9, $10, $10, $11)",
                        args![
                            job.name.clone(),
                            r.control_id.clone(),
                            r.resource.clone(),
                            title.clone(),
                            severity.clone(),
                            r.reason.clone(),
                            r.account_id.clone(),
                            r.region.clone(),
                            at,
                            run_id,
                            push_history("[]", "open", at, run_id)
                        ],
                    )),
                }
            }
        }
        // Alarms of the previous run that no longer appear at all are resolved too,
        // unless their control failed this time (then nothing is known about them).
        for ((control, resource), p) in &previous {
            if p.status == "alarm"
                && !errored.contains(control.as_str())
                && !results
                    .iter()
                    .any(|(r, ..)| &r.control_id == control && &r.resource == resource)
            {
                changes.resolved += 1;
            }
        }
        for ((control, resource), (id, status, history)) in &findings {
            if status == "open"
                && !alarming_now.contains(&(control.clone(), resource.clone()))
                && !errored.contains(control.as_str())
            {
                stmts.push(Stmt::new(
                    "UPDATE finding SET status = 'resolved', resolved_at = $1, last_run_id = $2, status_history = $3 WHERE id = $4",
                    args![at, run_id, push_history(history, "resolved", at, run_id), *id],
                ));
            }
        }
        let mut counts = super::report::Counts::default();
        for (r, ..) in results {
            counts.add(&r.status);
        }
        stmts.push(Stmt::new(
            "UPDATE run SET status = $12, finished_at = $1, progress_done = progress_total, ok_count = $2, alarm_count = $3, info_count = $4, \
             skip_count = $5, error_count = $6, new_count = $7, resolved_count = $8, unchanged_count = $9, previous_run_id = $10 WHERE id = $11",
            args![
                at,
                counts.ok,
                counts.alarm,
                counts.info,
                counts.skip,
                counts.error,
                changes.new,
                changes.resolved,
                changes.unchanged,
                prev_run,
                run_id,
                final_status
            ],
        ));
        stmts.extend(extra);
        self.store.transaction(stmts).await?;
        Ok(changes)
    }
}

fn started_by(job: &JobConfig) -> String {
    format!("job:{}", job.name)
}

fn severity_rank(status: &str) -> u8 {
    match status {
        "error" => 4,
        "alarm" => 3,
        "info" => 2,
        "skip" => 1,
        _ => 0,
    }
}

fn dedupe(
    results: Vec<(ResultRow, String, String, String)>,
) -> Vec<(ResultRow, String, String, String)> {
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut out: Vec<(ResultRow, String, String, String)> = Vec::with_capacity(results.len());
    for r in results {
        let key = (r.0.control_id.clone(), r.0.resource.clone());
        match index.get(&key) {
            Some(&i) => {
                if severity_rank(&r.0.status) > severity_rank(&out[i].0.status) {
                    out[i] = r;
                }
            }
            None => {
                index.insert(key, out.len());
                out.push(r);
            }
        }
    }
    out
}

fn push_history(history: &str, status: &str, at: &str, run_id: i64) -> String {
    let mut v: Vec<serde_json::Value> = serde_json::from_str(history).unwrap_or_default();
    v.push(json!({"status": status, "at": at, "run_id": run_id}));
    serde_json::Value::Array(v).to_string()
}

/// Write `report` in each format to `dir/<job>-<run>.<ext>` (and `<job>-latest.<ext>`).
pub fn write_reports(
    report: &Report,
    formats: &[String],
    dir: &std::path::Path,
) -> Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stem = report.job.clone().unwrap_or_else(|| "report".into());
    let mut written = Vec::new();
    for f in formats {
        let fmt = Format::parse(f).with_context(|| format!("unknown report format {f:?}"))?;
        let text = report.render(fmt)?;
        let name = match report.run_id {
            Some(id) => format!("{stem}-{id}.{}", fmt.extension()),
            None => format!("{stem}.{}", fmt.extension()),
        };
        let path = dir.join(name);
        // Write then rename, so a reader never sees half a report.
        let tmp = path.with_extension(format!("{}.tmp", fmt.extension()));
        std::fs::write(&tmp, &text).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
        let latest = dir.join(format!("{stem}-latest.{}", fmt.extension()));
        let _ = std::fs::write(&latest, &text);
        written.push(path);
    }
    Ok(written)
}

/// JSON of rows fetched with named columns.
pub fn rows_json(names: &[&str], rows: &[Vec<Val>]) -> Vec<serde_json::Value> {
    rows.iter()
        .map(|r| {
            let mut m = serde_json::Map::new();
            for (n, v) in names.iter().zip(r) {
                m.insert((*n).to_string(), v.json());
            }
            serde_json::Value::Object(m)
        })
        .collect()
}
