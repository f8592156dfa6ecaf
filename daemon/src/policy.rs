//! Policy review surfaces: `pathwarden.policy_finding` (rule-based lint of every
//! managed policy, inline policy and trust policy, with the principals it is
//! attached to) and `pathwarden.policy_review` (LLM review when `[llm]` is
//! configured, otherwise the heuristic verdict), plus `pathwarden review`.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use anyhow::Result;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result as DfResult;
use datafusion::execution::SessionState;
use datafusion::prelude::SessionContext;
use pathwarden_analyzers::lint::{PolicyKind, lint_policy};
use pathwarden_analyzers::llm::{LlmConfig, ReviewRequest, Reviewer, heuristic_review};
use serde_json::Value;

use crate::internal::{AsyncFnTable, Cell, Kind, schema};

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
    let batches = ctx.sql(sql).await?.collect().await?;
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
    let reviewer: Arc<tokio::sync::OnceCell<Option<Reviewer>>> =
        Arc::new(tokio::sync::OnceCell::new());
    let st = state;
    let reviews = AsyncFnTable::new(
        schema(&[
            ("policy_arn", Kind::Text),
            ("risk", Kind::Text),
            ("source", Kind::Text),
            ("summary", Kind::Text),
            ("findings", Kind::Text),
            ("model", Kind::Text),
            ("reviewed_at", Kind::Text),
            ("fallback_reason", Kind::Text),
        ]),
        move || {
            let st = st.clone();
            let llm = llm.clone();
            let reviewer = reviewer.clone();
            Box::pin(async move {
                let Some(state) = st.get().cloned() else {
                    return Ok(vec![]);
                };
                let ctx = SessionContext::new_with_state(state);
                let docs = collect(&ctx).await?;
                let reviewer = reviewer
                    .get_or_init(|| async {
                        match llm {
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
                    .clone();
                let reqs: Vec<ReviewRequest> = docs
                    .into_iter()
                    .map(|d| {
                        let mut r = ReviewRequest::new(d.arn, d.doc, d.kind);
                        r.context.attached_principals = d.principals;
                        r
                    })
                    .collect();
                let reviews = match reviewer {
                    Some(r) => review_all(r, reqs).await,
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
            })
        },
    );
    vec![
        ("policy_finding".into(), findings as _),
        ("policy_review".into(), reviews as _),
    ]
}

/// Review every request; the reviewer bounds concurrent model calls itself.
pub async fn review_all(
    reviewer: Reviewer,
    reqs: Vec<ReviewRequest>,
) -> Vec<pathwarden_analyzers::llm::Review> {
    let mut set = tokio::task::JoinSet::new();
    for (i, req) in reqs.into_iter().enumerate() {
        let r = reviewer.clone();
        set.spawn(async move { (i, r.review(&req).await) });
    }
    let mut out = Vec::new();
    while let Some(res) = set.join_next().await {
        if let Ok(x) = res {
            out.push(x);
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
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
