//! Policy review surfaces: `pathwarden.policy_finding` (rule-based lint of every
//! managed policy, inline policy and trust policy, with the principals it is
//! attached to) and `pathwarden.policy_review` (LLM review when `[llm]` is
//! configured, otherwise the heuristic verdict), plus `pathwarden review`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use anyhow::Result;
use async_trait::async_trait;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::ScalarValue;
use datafusion::datasource::{MemTable, TableProvider, TableType};
use datafusion::error::Result as DfResult;
use datafusion::execution::SessionState;
use datafusion::logical_expr::expr::{BinaryExpr, InList};
use datafusion::logical_expr::{Expr, Operator, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionContext;
use pathwarden_analyzers::lint::{PolicyKind, lint_policy};
use pathwarden_analyzers::llm::{CallBudget, LlmConfig, ReviewRequest, Reviewer, heuristic_review};
use serde_json::Value;

use crate::identity::{Identity, Role};
use crate::internal::{AsyncFnTable, Cell, Kind, batch, schema};

/// One policy document to judge.
#[derive(Debug, Clone)]
pub struct PolicyDoc {
    /// ARN (inline policies: `<principal arn>#inline/<name>`; trust: `<role arn>#trust`).
    pub arn: String,
    /// Document.
    pub doc: Value,
    /// Identity or trust.
    pub kind: PolicyKind,
    /// Principals it applies to.
    pub principals: Vec<String>,
}

async fn rows(ctx: &SessionContext, sql: &str) -> DfResult<Vec<Vec<Option<String>>>> {
    // The same front end as a user's query, so the reviewer reads what they would.
    let batches = pathwarden_sqlext::frontend::sql(ctx, sql)
        .await?
        .collect()
        .await?;
    let mut out = Vec::new();
    for b in batches {
        let cols: Vec<_> = b
            .columns()
            .iter()
            .map(|c| datafusion::arrow::compute::cast(c, &DataType::Utf8))
            .collect::<Result<_, _>>()?;
        for i in 0..b.num_rows() {
            out.push(
                cols.iter()
                    .map(|c| {
                        let s = c.as_string::<i32>();
                        (!s.is_null(i)).then(|| s.value(i).to_string())
                    })
                    .collect(),
            );
        }
    }
    Ok(out)
}

fn parse(s: &Option<String>) -> Value {
    s.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

/// Every policy document visible through the search path.
pub async fn collect(ctx: &SessionContext) -> DfResult<Vec<PolicyDoc>> {
    let mut attached: HashMap<String, Vec<String>> = HashMap::new();
    let mut docs = Vec::new();
    for table in ["aws_iam_user", "aws_iam_group", "aws_iam_role"] {
        for r in rows(
            ctx,
            &format!("select arn, attached_policy_arns, inline_policies_std from {table}"),
        )
        .await?
        {
            let Some(arn) = r[0].clone() else { continue };
            if let Value::Array(a) = parse(&r[1]) {
                for p in a.iter().filter_map(Value::as_str) {
                    attached.entry(p.to_string()).or_default().push(arn.clone());
                }
            }
            if let Value::Array(a) = parse(&r[2]) {
                for p in a {
                    let name = p
                        .get("PolicyName")
                        .and_then(Value::as_str)
                        .unwrap_or("inline")
                        .to_string();
                    let doc = p.get("PolicyDocument").cloned().unwrap_or(Value::Null);
                    docs.push(PolicyDoc {
                        arn: format!("{arn}#inline/{name}"),
                        doc,
                        kind: PolicyKind::Identity,
                        principals: vec![arn.clone()],
                    });
                }
            }
        }
    }
    for r in rows(ctx, "select arn, assume_role_policy_std from aws_iam_role").await? {
        let Some(arn) = r[0].clone() else { continue };
        docs.push(PolicyDoc {
            arn: format!("{arn}#trust"),
            doc: parse(&r[1]),
            kind: PolicyKind::Trust,
            principals: vec![arn],
        });
    }
    let mut seen = std::collections::HashSet::new();
    for r in rows(ctx, "select arn, policy_std from aws_iam_policy").await? {
        let Some(arn) = r[0].clone() else { continue };
        // AWS-managed policies repeat once per account; judge each document once.
        if !seen.insert(arn.clone()) {
            continue;
        }
        let principals = attached.get(&arn).cloned().unwrap_or_default();
        docs.push(PolicyDoc {
            arn,
            doc: parse(&r[1]),
            kind: PolicyKind::Identity,
            principals,
        });
    }
    Ok(docs)
}

/// `pathwarden.policy_finding` and `pathwarden.policy_review` over the context the
/// cell holds once the engine is built.
pub fn tables(
    state: Arc<OnceLock<SessionState>>,
    llm: Option<LlmConfig>,
) -> Vec<(String, Arc<dyn datafusion::datasource::TableProvider>)> {
    let st = state.clone();
    let findings = AsyncFnTable::new(
        schema(&[
            ("policy_arn", Kind::Text),
            ("policy_kind", Kind::Text),
            ("statement_index", Kind::Int),
            ("sid", Kind::Text),
            ("rule_id", Kind::Text),
            ("class", Kind::Text),
            ("severity", Kind::Text),
            ("title", Kind::Text),
            ("evidence", Kind::Text),
            ("remediation", Kind::Text),
            ("principals", Kind::Text),
        ]),
        move || {
            let st = st.clone();
            Box::pin(async move {
                let Some(state) = st.get().cloned() else {
                    return Ok(vec![]);
                };
                let ctx = SessionContext::new_with_state(state);
                let docs = collect(&ctx).await?;
                // Linting thousands of documents is CPU work: keep it off the runtime threads.
                tokio::task::spawn_blocking(move || {
                    let mut out = Vec::new();
                    for d in &docs {
                        for f in lint_policy(&d.arn, &d.doc, d.kind) {
                            out.push(vec![
                                Cell::from(d.arn.as_str()),
                                Cell::from(format!("{:?}", d.kind).to_lowercase()),
                                f.statement_index
                                    .map(|i| Cell::Int(i as i64))
                                    .unwrap_or(Cell::Null),
                                Cell::from(f.sid.clone()),
                                Cell::from(f.rule_id),
                                Cell::from(format!("{:?}", f.class)),
                                Cell::from(f.severity.as_str()),
                                Cell::from(f.title),
                                Cell::from(f.evidence.to_string()),
                                Cell::from(f.remediation),
                                Cell::from(
                                    serde_json::to_string(&d.principals).unwrap_or_default(),
                                ),
                            ]);
                        }
                    }
                    out
                })
                .await
                .map_err(|e| datafusion::error::DataFusionError::Execution(e.to_string()))
            })
        },
    );
    let reviews = Arc::new(PolicyReviewTable {
        state,
        llm,
        reviewer: Arc::new(tokio::sync::OnceCell::new()),
        schema: schema(&[
            ("policy_arn", Kind::Text),
            ("risk", Kind::Text),
            ("source", Kind::Text),
            ("summary", Kind::Text),
            ("findings", Kind::Text),
            ("model", Kind::Text),
            ("reviewed_at", Kind::Text),
            ("fallback_reason", Kind::Text),
        ]),
    });
    vec![
        ("policy_finding".into(), findings as _),
        ("policy_review".into(), reviews as _),
    ]
}

/// `pathwarden.policy_review`: one verdict per policy asked for. Filters on `policy_arn`
/// are pushed down, so `where policy_arn = 'x'` reviews one policy, not all of them. Model
/// calls need the operator role and are bounded per query (`max_calls_per_query`) and per
/// hour; readers get cached verdicts or the heuristic one, marked.
pub struct PolicyReviewTable {
    state: Arc<OnceLock<SessionState>>,
    llm: Option<LlmConfig>,
    reviewer: Arc<tokio::sync::OnceCell<Option<Reviewer>>>,
    schema: SchemaRef,
}

impl std::fmt::Debug for PolicyReviewTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PolicyReviewTable")
    }
}

/// The ARNs a `policy_arn` filter admits (`=`, `IN`, `OR` of those); `None` when the
/// filter says something else.
fn arns_of(e: &Expr) -> Option<HashSet<String>> {
    let is_arn = |e: &Expr| matches!(e, Expr::Column(c) if c.name == "policy_arn");
    let text = |e: &Expr| match e {
        Expr::Literal(
            ScalarValue::Utf8(Some(s))
            | ScalarValue::LargeUtf8(Some(s))
            | ScalarValue::Utf8View(Some(s)),
            _,
        ) => Some(s.clone()),
        _ => None,
    };
    match e {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => match op {
            Operator::Eq if is_arn(left) => text(right).map(|s| HashSet::from([s])),
            Operator::Eq if is_arn(right) => text(left).map(|s| HashSet::from([s])),
            Operator::Or => {
                let mut l = arns_of(left)?;
                l.extend(arns_of(right)?);
                Some(l)
            }
            _ => None,
        },
        Expr::InList(InList {
            expr,
            list,
            negated: false,
        }) if is_arn(expr) => list.iter().map(text).collect(),
        _ => None,
    }
}

impl PolicyReviewTable {
    async fn reviewer(&self) -> Option<Reviewer> {
        self.reviewer
            .get_or_init(|| async {
                match self.llm.clone() {
                    Some(cfg) => match Reviewer::new(cfg).await {
                        Ok(r) => Some(r),
                        Err(e) => {
                            tracing::warn!(error = %e, "LLM reviewer unavailable; using heuristic reviews");
                            None
                        }
                    },
                    None => None,
                }
            })
            .await
            .clone()
    }

    /// Review the policies `filters` admit, for `who`.
    async fn rows(&self, who: &Identity, filters: &[Expr]) -> DfResult<Vec<Vec<Cell>>> {
        let Some(state) = self.state.get().cloned() else {
            return Ok(vec![]);
        };
        let ctx = SessionContext::new_with_state(state);
        // Filters are ANDed: a policy must be admitted by each one that names ARNs.
        let mut wanted: Option<HashSet<String>> = None;
        for set in filters.iter().filter_map(arns_of) {
            wanted = Some(match wanted {
                Some(w) => w.intersection(&set).cloned().collect(),
                None => set,
            });
        }
        let docs = collect(&ctx).await?;
        let reqs: Vec<ReviewRequest> = docs
            .into_iter()
            .filter(|d| wanted.as_ref().is_none_or(|w| w.contains(&d.arn)))
            .map(|d| {
                let mut r = ReviewRequest::new(d.arn, d.doc, d.kind);
                r.context.attached_principals = d.principals;
                r
            })
            .collect();
        let reviews = match self.reviewer().await {
            Some(r) => {
                let budget = if who.allows(Role::Operator) {
                    r.query_budget()
                } else {
                    CallBudget::cache_only(format!(
                        "model calls need the operator role; {} is a {}",
                        who.user,
                        who.role.name()
                    ))
                };
                r.review_many_with(&reqs, &budget).await
            }
            None => reqs.iter().map(heuristic_review).collect(),
        };
        Ok(reviews
            .into_iter()
            .map(|r| {
                vec![
                    Cell::from(r.policy_arn),
                    Cell::from(format!("{:?}", r.risk).to_lowercase()),
                    Cell::from(r.source.as_str()),
                    Cell::from(r.summary),
                    Cell::from(r.findings.to_string()),
                    Cell::from(r.model),
                    Cell::from(r.reviewed_at.to_rfc3339()),
                    Cell::from(r.fallback_reason),
                ]
            })
            .collect())
    }
}

#[async_trait]
impl TableProvider for PolicyReviewTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
    fn table_type(&self) -> TableType {
        TableType::View
    }
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        // Inexact: only the policies asked for are reviewed, and DataFusion still applies
        // the filter to the rows.
        Ok(filters
            .iter()
            .map(|f| {
                if arns_of(f).is_some() {
                    TableProviderFilterPushDown::Inexact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }
    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let rows = self.rows(&Identity::of(state), filters).await?;
        let b = batch(&self.schema, &rows)?;
        let mem = MemTable::try_new(self.schema.clone(), vec![vec![b]])?;
        mem.scan(state, projection, filters, limit).await
    }
}

/// Parse `[llm]` from the raw config section.
pub fn llm_config(raw: &Option<toml::Value>) -> Result<Option<LlmConfig>> {
    match raw {
        None => Ok(None),
        Some(v) => Ok(Some(
            v.clone()
                .try_into::<LlmConfig>()
                .map_err(|e| anyhow::anyhow!("[llm]: {}", e.message()))?,
        )),
    }
}

#[cfg(test)]
#[path = "../../analyzers/tests/llm_support/mod.rs"]
mod llm_support;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use datafusion::arrow::array::{Array, AsArray};

    use super::llm_support::{MockServer, Mode};
    use super::*;

    const POLICIES: usize = 20;

    /// An engine-like context: empty principal tables and `POLICIES` distinct managed
    /// policies, with `pathwarden.policy_review` as `policy_review`.
    async fn context(llm: LlmConfig) -> SessionState {
        let ctx = SessionContext::new();
        for sql in [
            "create table aws_iam_user (arn varchar, attached_policy_arns varchar, inline_policies_std varchar)",
            "create table aws_iam_group (arn varchar, attached_policy_arns varchar, inline_policies_std varchar)",
            "create table aws_iam_role (arn varchar, attached_policy_arns varchar, inline_policies_std varchar, assume_role_policy_std varchar)",
            "create table aws_iam_policy (arn varchar, policy_std varchar)",
        ] {
            ctx.sql(sql)
                .await
                .expect("create")
                .collect()
                .await
                .expect("create");
        }
        for i in 0..POLICIES {
            let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Sid": format!("Read{i}"), "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}
            ]});
            ctx.sql(&format!(
                "insert into aws_iam_policy values ('p{i}', '{}')",
                doc.to_string()
            ))
            .await
            .expect("insert")
            .collect()
            .await
            .expect("insert");
        }
        let cell = Arc::new(OnceLock::new());
        for (name, t) in tables(cell.clone(), Some(llm)) {
            ctx.register_table(name.as_str(), t).expect("register");
        }
        let state = ctx.state();
        let _ = cell.set(state.clone());
        state
    }

    fn llm(server: &MockServer) -> LlmConfig {
        LlmConfig {
            base_url: server.base_url.clone(),
            model: "test-model".into(),
            api_key_env: None,
            timeout: Duration::from_secs(5),
            max_retries: 0,
            max_calls_per_query: 5,
            circuit_breaker_failures: 0,
            ..LlmConfig::default()
        }
    }

    /// (policy_arn, source, fallback_reason) rows of `sql` run as `user` with `role`.
    async fn reviews(state: &SessionState, user: &str, role: Role, sql: &str) -> Vec<[String; 3]> {
        let ctx = SessionContext::new_with_state(state.clone());
        Identity {
            user: user.into(),
            role,
        }
        .attach(&ctx);
        let batches = ctx
            .sql(sql)
            .await
            .expect("plan")
            .collect()
            .await
            .expect("run");
        let mut out = Vec::new();
        for b in batches {
            let col = |i: usize| b.column(i).as_string::<i32>().clone();
            let (a, s, r) = (col(0), col(1), col(2));
            for i in 0..b.num_rows() {
                out.push([
                    a.value(i).to_string(),
                    s.value(i).to_string(),
                    if r.is_null(i) {
                        String::new()
                    } else {
                        r.value(i).to_string()
                    },
                ]);
            }
        }
        out
    }

    const ONE: &str =
        "select policy_arn, source, fallback_reason from policy_review where policy_arn = 'p3'";
    const ALL: &str =
        "select policy_arn, source, fallback_reason from policy_review order by policy_arn";

    #[tokio::test]
    async fn only_operators_trigger_model_calls_and_only_for_the_policies_asked_for() {
        let server = MockServer::start(Mode::Valid("medium")).await;
        let state = context(llm(&server)).await;
        // A reader: no model call, the heuristic marked with why.
        let rows = reviews(&state, "ann", Role::Reader, ONE).await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][1], "heuristic");
        assert!(rows[0][2].contains("operator role"), "{rows:?}");
        assert_eq!(server.request_count(), 0);
        // An operator asking for one policy: one call, for that policy only.
        let rows = reviews(&state, "olga", Role::Operator, ONE).await;
        assert_eq!(rows[0][1], "llm", "{rows:?}");
        assert_eq!(server.request_count(), 1);
        // The reader now gets the stored verdict, still without a call.
        let rows = reviews(&state, "ann", Role::Reader, ONE).await;
        assert_eq!(rows[0][1], "cache", "{rows:?}");
        let rows = reviews(&state, "ann", Role::Reader, ALL).await;
        assert_eq!(rows.len(), POLICIES);
        assert_eq!(server.request_count(), 1);
        // An operator's full scan: at most max_calls_per_query calls, the rest marked.
        let rows = reviews(&state, "olga", Role::Operator, ALL).await;
        assert_eq!(server.request_count(), 1 + 5);
        let count = |source: &str| rows.iter().filter(|r| r[1] == source).count();
        assert_eq!(
            (count("cache"), count("llm"), count("heuristic")),
            (1, 5, 14)
        );
        assert!(
            rows.iter()
                .filter(|r| r[1] == "heuristic")
                .all(|r| r[2].starts_with("budget: max_calls_per_query (5)")),
            "{rows:?}"
        );
        // IN lists are pushed down too.
        let rows = reviews(
            &state,
            "olga",
            Role::Admin,
            "select policy_arn, source, fallback_reason from policy_review where policy_arn in ('p18', 'p19')",
        )
        .await;
        assert_eq!(rows.len(), 2);
        assert!(server.request_count() <= 1 + 5 + 2);
    }

    #[tokio::test]
    async fn a_failing_model_is_asked_once_per_policy_not_once_per_query() {
        let server = MockServer::start(Mode::Http500).await;
        let state = context(llm(&server)).await;
        for _ in 0..10 {
            let rows = reviews(&state, "olga", Role::Operator, ONE).await;
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0][1], "heuristic");
        }
        assert_eq!(server.request_count(), 1, "failures are remembered");
        let rows = reviews(&state, "olga", Role::Operator, ONE).await;
        assert!(rows[0][2].starts_with("recent failure"), "{rows:?}");
        // A full scan spends at most the query budget on the failing endpoint.
        reviews(&state, "olga", Role::Operator, ALL).await;
        assert_eq!(server.request_count(), 1 + 5);
    }
}
