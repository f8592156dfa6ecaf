//! The reviewer: cache lookup, bounded model calls with retries, validation, and the
//! rule-based fallback.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use super::cache::{CacheBackend, ReviewCache};
use super::chat::{ChatClient, ChatError, ChatRequest};
use super::config::LlmConfig;
use super::error::{LlmError, ModelError};
use super::prompt::{Prompt, ReviewContext, build_prompt, cache_key};
use super::schema::{ModelVerdict, Risk, SCHEMA_NAME, parse_answer, response_schema, validate};
use super::stats::{Metrics, ReviewerStats};
use crate::kb::KnowledgeBase;
use crate::lint::{Finding, LintClass, PolicyKind, Severity, lint_policy};

/// Where a review's verdict came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewSource {
    /// A fresh, validated model answer.
    Llm,
    /// A model answer from the cache (no model call).
    Cache,
    /// The rule-based verdict (no model configured, or the model failed).
    Heuristic,
}

impl ReviewSource {
    /// Lower-case name as stored in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewSource::Llm => "llm",
            ReviewSource::Cache => "cache",
            ReviewSource::Heuristic => "heuristic",
        }
    }
}

/// The review of one policy (one row of `pathwarden.policy_review`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// Policy ARN.
    pub policy_arn: String,
    /// Overall risk.
    pub risk: Risk,
    /// Where the verdict came from.
    pub source: ReviewSource,
    /// One-paragraph summary.
    pub summary: String,
    /// Findings: `[{statement_index, category, explanation, recommended_rewrite, ...}]`.
    pub findings: Value,
    /// Model that produced the verdict (`None` for heuristic verdicts).
    pub model: Option<String>,
    /// When the verdict was produced (for cache hits: when the model answered).
    pub reviewed_at: DateTime<Utc>,
    /// The model's own risk when it was raised to the rule-based floor.
    pub model_risk: Option<Risk>,
    /// Why the model was not used (`timeout: ...`, `http: ...`), for heuristic verdicts.
    pub fallback_reason: Option<String>,
}

/// One policy to review.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRequest {
    /// Policy ARN (or `owner#inline-name`).
    pub policy_arn: String,
    /// The policy document.
    pub document: Value,
    /// How the document is used.
    pub kind: PolicyKind,
    /// Usage facts from the tables and the graph.
    pub context: ReviewContext,
}

impl ReviewRequest {
    /// A request without context.
    pub fn new(policy_arn: impl Into<String>, document: Value, kind: PolicyKind) -> Self {
        ReviewRequest {
            policy_arn: policy_arn.into(),
            document,
            kind,
            context: ReviewContext::default(),
        }
    }
}

fn category_of(class: LintClass) -> &'static str {
    match class {
        LintClass::Wildcard | LintClass::NotAction => "over_permissive",
        LintClass::PrivilegeEscalation => "privilege_escalation",
        LintClass::DataExfiltration => "data_exfiltration",
        LintClass::ResourceExposure => "resource_exposure",
        LintClass::CredentialExposure => "credential_exposure",
        LintClass::InfrastructureModification => "infrastructure_modification",
        LintClass::TrustPolicy => "trust_policy",
        LintClass::Validity => "other",
    }
}

/// Risk implied by rule findings: the worst severity; `low` when no rule matched, because
/// rules only recognise known patterns and cannot prove a policy harmless.
pub fn heuristic_risk(findings: &[Finding]) -> Risk {
    findings
        .iter()
        .map(|f| Risk::from(f.severity))
        .max()
        .unwrap_or(Risk::Low)
}

fn heuristic_from(req: &ReviewRequest, findings: &[Finding], reason: Option<String>) -> Review {
    let risk = heuristic_risk(findings);
    let items: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "statement_index": f.statement_index,
                "category": category_of(f.class),
                "explanation": format!("{}: {}", f.title, f.evidence),
                "recommended_rewrite": f.remediation,
                "rule_id": f.rule_id,
                "severity": f.severity,
            })
        })
        .collect();
    let summary = if findings.is_empty() {
        "No rule matched; rules only recognise known risky patterns.".to_string()
    } else {
        let mut ids: Vec<&str> = findings.iter().map(|f| f.rule_id).collect();
        ids.dedup();
        format!("{} rule finding(s): {}", findings.len(), ids.join(", "))
    };
    Review {
        policy_arn: req.policy_arn.clone(),
        risk,
        source: ReviewSource::Heuristic,
        summary,
        findings: Value::Array(items),
        model: None,
        reviewed_at: Utc::now(),
        model_risk: None,
        fallback_reason: reason,
    }
}

/// The rule-based review, used when no model is configured and as the fallback.
pub fn heuristic_review(req: &ReviewRequest) -> Review {
    let findings = lint_policy(&req.policy_arn, &req.document, req.kind);
    heuristic_from(req, &findings, None)
}

/// Applies the floor: with a critical rule finding, the verdict is never below the
/// rule-based risk, whatever the model says. This keeps a policy that talks the model into
/// "risk: none" (prompt injection) or a model that misreads `Action: *` from hiding a
/// critical finding. Returns the model's own risk when it was raised.
fn floor_risk(model_risk: Risk, findings: &[Finding]) -> (Risk, Option<Risk>) {
    if findings.iter().any(|f| f.severity == Severity::Critical) {
        let floor = heuristic_risk(findings);
        if model_risk < floor {
            return (floor, Some(model_risk));
        }
    }
    (model_risk, None)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormatMode {
    JsonSchema,
    JsonObject,
}

struct Inner {
    config: LlmConfig,
    client: ChatClient,
    cache: ReviewCache,
    semaphore: Semaphore,
    /// Per-cache-key locks of reviews in progress (single flight for identical policies).
    in_flight: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    metrics: Arc<Metrics>,
    /// Cleared the first time the server rejects `json_schema`; later calls use JSON mode.
    schema_supported: AtomicBool,
    kb: &'static KnowledgeBase,
    /// Why recent reviews failed, by cache key, for `failure_cache_ttl`.
    failures: moka::future::Cache<String, String>,
    /// Failed reviews in a row (reset by a model verdict).
    failures_in_a_row: AtomicU64,
    /// While set and in the future, no model calls (circuit breaker).
    circuit_open_until: std::sync::Mutex<Option<Instant>>,
    /// Model requests in the current clock hour: (hour start, requests).
    hour: std::sync::Mutex<(Instant, u32)>,
}

/// The model calls one run of reviews (one query, one `pathwarden review`) may make.
/// Reviews over the budget, or of a run that may not call the model at all, get a cached
/// verdict or the heuristic one, marked with the reason.
#[derive(Debug)]
pub struct CallBudget {
    remaining: AtomicU64,
    limit: u64,
    refusal: Option<String>,
}

impl CallBudget {
    /// Up to `max_calls` model requests (retries included).
    pub fn new(max_calls: u32) -> CallBudget {
        CallBudget {
            remaining: AtomicU64::new(u64::from(max_calls)),
            limit: u64::from(max_calls),
            refusal: None,
        }
    }

    /// No model calls at all, for `reason` (e.g. the caller's role): cached verdicts or
    /// the heuristic.
    pub fn cache_only(reason: impl Into<String>) -> CallBudget {
        CallBudget {
            remaining: AtomicU64::new(0),
            limit: 0,
            refusal: Some(reason.into()),
        }
    }

    /// Model requests still allowed.
    pub fn remaining(&self) -> u64 {
        self.remaining.load(Ordering::Relaxed)
    }

    fn take(&self) -> Result<(), String> {
        if let Some(r) = &self.refusal {
            return Err(format!("not allowed: {r}"));
        }
        self.remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .map(|_| ())
            .map_err(|_| {
                format!(
                    "budget: max_calls_per_query ({}) reached in this query",
                    self.limit
                )
            })
    }
}

/// Why a review has no model verdict.
enum NoVerdict {
    /// The model was asked and failed.
    Failed(ModelError),
    /// The model was not asked (budget, role, circuit breaker); the reason.
    Refused(String),
}

/// Reviews policies with an OpenAI-compatible model, caching validated verdicts and
/// falling back to the rule-based verdict on any model failure. Cheap to clone.
#[derive(Clone)]
pub struct Reviewer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Reviewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reviewer")
            .field(
                "base_url",
                &super::config::redact_url(&self.inner.config.base_url),
            )
            .field("model", &self.inner.config.model)
            .field("cache", &self.inner.cache.backend())
            .finish()
    }
}

fn build_client(config: &LlmConfig) -> ChatClient {
    let api_key = config
        .api_key_env
        .as_deref()
        .filter(|name| !name.is_empty())
        .and_then(|name| match std::env::var(name) {
            Ok(key) => Some(key),
            Err(_) => {
                tracing::warn!(
                    variable = name,
                    "API key variable is not set; calling the model without a key"
                );
                None
            }
        });
    // One request per call: retries are ours to bound (max_retries, retry_backoff, timeout).
    ChatClient::new(&config.base_url, api_key)
}

impl Reviewer {
    /// Builds a reviewer. Fails only on invalid settings; an unreachable Redis or model
    /// server is not an error (the cache degrades to in-process, reviews to heuristic).
    pub async fn new(config: LlmConfig) -> Result<Reviewer, LlmError> {
        if config.max_concurrency == 0 {
            return Err(LlmError::Config {
                field: "max_concurrency",
                problem: "must be at least 1".into(),
            });
        }
        if config.timeout.is_zero() {
            return Err(LlmError::Config {
                field: "timeout",
                problem: "must be positive".into(),
            });
        }
        if config.model.trim().is_empty() {
            return Err(LlmError::Config {
                field: "model",
                problem: "must not be empty".into(),
            });
        }
        if config.base_url.trim().is_empty() {
            return Err(LlmError::Config {
                field: "base_url",
                problem: "must not be empty".into(),
            });
        }
        // moka rejects a zero time-to-live; a nanosecond forgets failures at once.
        let failure_ttl = config.failure_cache_ttl.max(Duration::from_nanos(1));
        let metrics = Arc::new(Metrics::default());
        let cache = ReviewCache::new(
            config.redis_url.as_deref(),
            &config.cache_key_prefix,
            config.cache_ttl,
            config.in_process_cache_capacity,
            metrics.clone(),
        )
        .await;
        Ok(Reviewer {
            inner: Arc::new(Inner {
                client: build_client(&config),
                semaphore: Semaphore::new(config.max_concurrency),
                config,
                cache,
                metrics,
                schema_supported: AtomicBool::new(true),
                in_flight: std::sync::Mutex::default(),
                kb: KnowledgeBase::builtin(),
                failures: moka::future::Cache::builder()
                    .max_capacity(100_000)
                    .time_to_live(failure_ttl)
                    .build(),
                failures_in_a_row: AtomicU64::new(0),
                circuit_open_until: std::sync::Mutex::new(None),
                hour: std::sync::Mutex::new((Instant::now(), 0)),
            }),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &LlmConfig {
        &self.inner.config
    }

    /// The cache backend actually in use (in-process when Redis was unreachable at start).
    pub fn cache_backend(&self) -> CacheBackend {
        self.inner.cache.backend()
    }

    /// Counters since the reviewer was built.
    pub fn stats(&self) -> ReviewerStats {
        self.inner.metrics.snapshot()
    }

    /// The prompt that would be sent for a request (for inspection and tests).
    pub fn prompt_for(&self, req: &ReviewRequest) -> Prompt {
        let findings = lint_policy(&req.policy_arn, &req.document, req.kind);
        self.prompt_with(req, &findings)
    }

    fn prompt_with(&self, req: &ReviewRequest, findings: &[Finding]) -> Prompt {
        build_prompt(
            &req.policy_arn,
            &req.document,
            req.kind,
            findings,
            &req.context,
            self.inner.kb,
            self.inner.config.knowledge_passages,
        )
    }

    /// A budget of `max_calls_per_query` model requests for one run of reviews.
    pub fn query_budget(&self) -> CallBudget {
        CallBudget::new(self.inner.config.max_calls_per_query)
    }

    /// Reviews one policy with a budget of its own ([`Reviewer::query_budget`]).
    pub async fn review(&self, req: &ReviewRequest) -> Review {
        self.review_with(req, &self.query_budget()).await
    }

    /// Reviews one policy. Never fails: every model or cache problem ends in a cached,
    /// model or heuristic verdict. Concurrent reviews of the same policy make one model
    /// call; the others wait for it and are answered from the cache. Model requests are
    /// taken from `budget` and from the hourly budget; a policy whose review failed within
    /// `failure_cache_ttl` is not sent again meanwhile.
    pub async fn review_with(&self, req: &ReviewRequest, budget: &CallBudget) -> Review {
        let m = &self.inner.metrics;
        m.reviews.fetch_add(1, Ordering::Relaxed);
        let cfg = &self.inner.config;
        let key = cache_key(&cfg.model, &cfg.prompt_version, req.kind, &req.document);
        if let Some(hit) = self.cached(&key, req).await {
            return hit;
        }
        let key_lock = self.key_lock(&key);
        let guard = key_lock.lock().await;
        // Another review of the same policy may have finished while we waited.
        let review = match self.cached(&key, req).await {
            Some(hit) => hit,
            None => match self.inner.failures.get(&key).await {
                Some(why) => {
                    m.failure_cache_hits.fetch_add(1, Ordering::Relaxed);
                    let findings = lint_policy(&req.policy_arn, &req.document, req.kind);
                    heuristic_from(
                        req,
                        &findings,
                        Some(format!(
                            "recent failure (not retried for {:?}): {why}",
                            cfg.failure_cache_ttl
                        )),
                    )
                }
                None => {
                    m.cache_misses.fetch_add(1, Ordering::Relaxed);
                    self.review_uncached(req, &key, budget).await
                }
            },
        };
        drop(guard);
        self.release_key_lock(&key, key_lock);
        review
    }

    /// Take one model request from the breaker, the hourly budget and `budget`, or say why
    /// not.
    fn take_call(&self, budget: &CallBudget) -> Result<(), String> {
        let cfg = &self.inner.config;
        {
            let open = self
                .inner
                .circuit_open_until
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(until) = *open {
                if Instant::now() < until {
                    return Err(format!(
                        "circuit open: {} model reviews failed in a row; no calls for {:?}",
                        cfg.circuit_breaker_failures, cfg.failure_cache_ttl
                    ));
                }
            }
        }
        budget.take()?;
        let mut hour = self.inner.hour.lock().unwrap_or_else(|e| e.into_inner());
        if hour.0.elapsed() >= Duration::from_secs(3600) {
            *hour = (Instant::now(), 0);
        }
        if hour.1 >= cfg.max_calls_per_hour {
            return Err(format!(
                "budget: max_calls_per_hour ({}) reached",
                cfg.max_calls_per_hour
            ));
        }
        hour.1 += 1;
        Ok(())
    }

    /// Count a failed review; too many in a row open the circuit breaker. Called while the
    /// call permit is held, so that with `max_concurrency = 1` no call slips past it.
    fn note_failure(&self) {
        let cfg = &self.inner.config;
        let n = self.inner.failures_in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
        if cfg.circuit_breaker_failures > 0 && n >= u64::from(cfg.circuit_breaker_failures) {
            let mut open = self
                .inner
                .circuit_open_until
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if open.is_none_or(|until| Instant::now() >= until) {
                tracing::warn!(
                    failures = n,
                    pause = ?cfg.failure_cache_ttl,
                    "model reviews keep failing; no model calls for a while"
                );
            }
            *open = Some(Instant::now() + cfg.failure_cache_ttl);
        }
    }

    async fn cached(&self, key: &str, req: &ReviewRequest) -> Option<Review> {
        let mut hit = self.inner.cache.get(key).await?;
        // The cached verdict already had the risk floor applied; no need to lint again.
        self.inner
            .metrics
            .cache_hits
            .fetch_add(1, Ordering::Relaxed);
        hit.policy_arn = req.policy_arn.clone();
        hit.source = ReviewSource::Cache;
        Some(hit)
    }

    fn key_lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        // A poisoned map only means another task panicked while inserting; the map itself
        // is still consistent.
        let mut map = self
            .inner
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        map.entry(key.to_string()).or_default().clone()
    }

    fn release_key_lock(&self, key: &str, lock: Arc<tokio::sync::Mutex<()>>) {
        let mut map = self
            .inner
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Ours plus the map's: nobody else is waiting, so the entry can go.
        if Arc::strong_count(&lock) <= 2 {
            map.remove(key);
        }
    }

    async fn review_uncached(&self, req: &ReviewRequest, key: &str, budget: &CallBudget) -> Review {
        let m = &self.inner.metrics;
        let cfg = &self.inner.config;
        let findings = lint_policy(&req.policy_arn, &req.document, req.kind);
        let statement_count = crate::policy::PolicyDocument::from_value(&req.document)
            .map(|d| d.statements.len())
            .unwrap_or(0);
        let prompt = self.prompt_with(req, &findings);
        let outcome = {
            // The permit bounds model calls only; cache hits never wait for it.
            let _permit = self.inner.semaphore.acquire().await;
            self.call_with_retries(&prompt, statement_count, budget)
                .await
        };
        match outcome {
            Ok(verdict) => {
                let (risk, model_risk) = floor_risk(verdict.risk, &findings);
                if model_risk.is_some() {
                    m.risk_floors.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(policy = %req.policy_arn, model_risk = model_risk.map(Risk::as_str), risk = risk.as_str(),
                        "model risk raised to the rule-based floor");
                }
                let review = Review {
                    policy_arn: req.policy_arn.clone(),
                    risk,
                    source: ReviewSource::Llm,
                    summary: verdict.summary,
                    findings: serde_json::to_value(&verdict.findings)
                        .unwrap_or(Value::Array(Vec::new())),
                    model: Some(cfg.model.clone()),
                    reviewed_at: Utc::now(),
                    model_risk,
                    fallback_reason: None,
                };
                // Only model verdicts are cached for long: a failure is remembered for
                // `failure_cache_ttl` only, then the model is asked again.
                self.inner.cache.put(key, &review).await;
                review
            }
            Err(NoVerdict::Failed(err)) => {
                m.heuristic_fallbacks.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(policy = %req.policy_arn, error = %err, "model review failed; using the rule-based verdict");
                // This policy is not sent again for `failure_cache_ttl`.
                self.inner
                    .failures
                    .insert(key.to_string(), format!("{}: {}", err.kind(), err))
                    .await;
                heuristic_from(req, &findings, Some(format!("{}: {}", err.kind(), err)))
            }
            Err(NoVerdict::Refused(why)) => {
                m.calls_refused.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(policy = %req.policy_arn, reason = %why, "model not asked; using the rule-based verdict");
                heuristic_from(req, &findings, Some(why))
            }
        }
    }

    /// Reviews many policies as one run ([`Reviewer::query_budget`]), results in request
    /// order.
    pub async fn review_many(&self, requests: &[ReviewRequest]) -> Vec<Review> {
        self.review_many_with(requests, &self.query_budget()).await
    }

    /// Reviews many policies with one budget, results in request order. Model calls are
    /// bounded by `max_concurrency`; cache lookups run a few ahead of them.
    pub async fn review_many_with(
        &self,
        requests: &[ReviewRequest],
        budget: &CallBudget,
    ) -> Vec<Review> {
        let lookahead = self.inner.config.max_concurrency.saturating_mul(4).max(1);
        // Indices rather than `&ReviewRequest` items: a closure over borrowed items makes
        // the future's `Send` bound higher-ranked, which callers inside `async_trait`
        // methods (table scans) cannot prove.
        futures::stream::iter(0..requests.len())
            .map(|i| self.review_with(&requests[i], budget))
            .buffered(lookahead)
            .collect()
            .await
    }

    async fn call_with_retries(
        &self,
        prompt: &Prompt,
        statement_count: usize,
        budget: &CallBudget,
    ) -> Result<ModelVerdict, NoVerdict> {
        let cfg = &self.inner.config;
        let mut attempt: u32 = 0;
        let mut last_error: Option<ModelError> = None;
        loop {
            if let Err(why) = self.take_call(budget) {
                // Out of budget after a failure: the failure is the outcome.
                return Err(match last_error {
                    Some(err) => {
                        self.note_failure();
                        NoVerdict::Failed(err)
                    }
                    None => NoVerdict::Refused(why),
                });
            }
            let mode = if self.inner.schema_supported.load(Ordering::Relaxed) {
                FormatMode::JsonSchema
            } else {
                FormatMode::JsonObject
            };
            match self.call_once(prompt, statement_count, mode).await {
                Ok(v) => {
                    self.inner.failures_in_a_row.store(0, Ordering::Relaxed);
                    return Ok(v);
                }
                Err(CallError::SchemaModeRejected(msg)) => {
                    // Not a failure of the model: switch to JSON mode and try again at once,
                    // without spending a retry.
                    if self.inner.schema_supported.swap(false, Ordering::Relaxed) {
                        self.inner
                            .metrics
                            .json_mode_fallbacks
                            .fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(error = %msg, "server rejected JSON-schema response format; using JSON mode with validation");
                    }
                    continue;
                }
                Err(CallError::Model(err)) => {
                    self.inner
                        .metrics
                        .model_failures
                        .fetch_add(1, Ordering::Relaxed);
                    if attempt >= cfg.max_retries {
                        self.note_failure();
                        return Err(NoVerdict::Failed(err));
                    }
                    let delay = cfg.retry_backoff.saturating_mul(1u32 << attempt.min(10));
                    tracing::debug!(attempt, error = %err, ?delay, "retrying model call");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                    last_error = Some(err);
                }
            }
        }
    }

    fn request(&self, prompt: &Prompt, mode: FormatMode) -> ChatRequest {
        let cfg = &self.inner.config;
        let response_format = match mode {
            FormatMode::JsonSchema => serde_json::json!({
                "type": "json_schema",
                "json_schema": {
                    "description": "IAM policy review verdict",
                    "name": SCHEMA_NAME,
                    "schema": response_schema(),
                    "strict": true,
                },
            }),
            FormatMode::JsonObject => serde_json::json!({"type": "json_object"}),
        };
        ChatRequest {
            model: cfg.model.clone(),
            system: prompt.system.clone(),
            user: prompt.user.clone(),
            response_format,
            max_tokens: cfg.max_tokens,
            temperature: cfg.temperature,
        }
    }

    async fn call_once(
        &self,
        prompt: &Prompt,
        statement_count: usize,
        mode: FormatMode,
    ) -> Result<ModelVerdict, CallError> {
        let cfg = &self.inner.config;
        let m = &self.inner.metrics;
        let request = self.request(prompt, mode);
        m.model_calls.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let result = tokio::time::timeout(cfg.timeout, self.inner.client.create(&request)).await;
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        m.model_latency_micros.fetch_add(micros, Ordering::Relaxed);
        let response = match result {
            Err(_) => return Err(CallError::Model(ModelError::Timeout(cfg.timeout))),
            Ok(Err(err)) if mode == FormatMode::JsonSchema && err.rejects_schema_mode() => {
                return Err(CallError::SchemaModeRejected(err.to_string()));
            }
            Ok(Err(ChatError::Envelope(msg))) => {
                return Err(CallError::Model(ModelError::Malformed(msg)));
            }
            Ok(Err(err)) => return Err(CallError::Model(ModelError::Http(err.to_string()))),
            Ok(Ok(r)) => r,
        };
        if let Some(n) = response.prompt_tokens {
            m.prompt_tokens.fetch_add(n, Ordering::Relaxed);
        }
        if let Some(n) = response.completion_tokens {
            m.completion_tokens.fetch_add(n, Ordering::Relaxed);
        }
        let content = response.content.as_deref().ok_or_else(|| {
            CallError::Model(ModelError::Malformed(
                "answer has no message content".into(),
            ))
        })?;
        let value =
            parse_answer(content).map_err(|e| CallError::Model(ModelError::Malformed(e)))?;
        validate(&value, statement_count)
            .map_err(|e| CallError::Model(ModelError::SchemaInvalid(e)))
    }
}

enum CallError {
    SchemaModeRejected(String),
    Model(ModelError),
}
