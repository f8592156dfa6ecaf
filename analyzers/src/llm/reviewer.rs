//! The reviewer: cache lookup, bounded model calls with retries, validation, and the
//! rule-based fallback.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, CreateChatCompletionRequest, ResponseFormat,
    ResponseFormatJsonSchema,
};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use super::cache::{CacheBackend, ReviewCache};
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
    client: Client<OpenAIConfig>,
    cache: ReviewCache,
    semaphore: Semaphore,
    /// Per-cache-key locks of reviews in progress (single flight for identical policies).
    in_flight: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    metrics: Arc<Metrics>,
    /// Cleared the first time the server rejects `json_schema`; later calls use JSON mode.
    schema_supported: AtomicBool,
    kb: &'static KnowledgeBase,
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

/// Takes a default value of the type `f` accepts as its second argument. Used to obtain
/// async-openai's backoff policy value without depending on the `backoff` crate ourselves.
fn default_arg<A: Default, R>(_f: impl Fn(Client<OpenAIConfig>, A) -> R) -> A {
    A::default()
}

fn build_client(config: &LlmConfig) -> Client<OpenAIConfig> {
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
        })
        .unwrap_or_default();
    let openai = OpenAIConfig::new()
        .with_api_base(config.base_url.trim_end_matches('/'))
        .with_api_key(api_key);
    // async-openai retries 5xx and 429 answers internally for up to 15 minutes by default.
    // Retries are ours to bound (max_retries, retry_backoff, timeout), so its own backoff
    // must give up at once: a zero max elapsed time makes the first transient error final.
    let mut backoff = default_arg(Client::<OpenAIConfig>::with_backoff);
    backoff.max_elapsed_time = Some(Duration::ZERO);
    Client::with_config(openai).with_backoff(backoff)
}

fn rejects_schema_mode(err: &OpenAIError) -> bool {
    match err {
        OpenAIError::ApiError(api) => {
            let msg = api.message.to_ascii_lowercase();
            api.param.as_deref() == Some("response_format")
                || msg.contains("response_format")
                || msg.contains("json_schema")
                || msg.contains("schema")
        }
        _ => false,
    }
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

    /// Reviews one policy. Never fails: every model or cache problem ends in a cached,
    /// model or heuristic verdict. Concurrent reviews of the same policy make one model
    /// call; the others wait for it and are answered from the cache.
    pub async fn review(&self, req: &ReviewRequest) -> Review {
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
            None => {
                m.cache_misses.fetch_add(1, Ordering::Relaxed);
                self.review_uncached(req, &key).await
            }
        };
        drop(guard);
        self.release_key_lock(&key, key_lock);
        review
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

    async fn review_uncached(&self, req: &ReviewRequest, key: &str) -> Review {
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
            self.call_with_retries(&prompt, statement_count).await
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
                // Only model verdicts are cached: a heuristic fallback should be retried
                // with the model next time.
                self.inner.cache.put(key, &review).await;
                review
            }
            Err(err) => {
                m.heuristic_fallbacks.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(policy = %req.policy_arn, error = %err, "model review failed; using the rule-based verdict");
                heuristic_from(req, &findings, Some(format!("{}: {}", err.kind(), err)))
            }
        }
    }

    /// Reviews many policies, results in request order. Model calls are bounded by
    /// `max_concurrency`; cache lookups run a few ahead of them.
    pub async fn review_many(&self, requests: &[ReviewRequest]) -> Vec<Review> {
        let lookahead = self.inner.config.max_concurrency.saturating_mul(4).max(1);
        futures::stream::iter(requests.iter().map(|r| self.review(r)))
            .buffered(lookahead)
            .collect()
            .await
    }

    async fn call_with_retries(
        &self,
        prompt: &Prompt,
        statement_count: usize,
    ) -> Result<ModelVerdict, ModelError> {
        let cfg = &self.inner.config;
        let mut attempt: u32 = 0;
        loop {
            let mode = if self.inner.schema_supported.load(Ordering::Relaxed) {
                FormatMode::JsonSchema
            } else {
                FormatMode::JsonObject
            };
            match self.call_once(prompt, statement_count, mode).await {
                Ok(v) => return Ok(v),
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
                        return Err(err);
                    }
                    let delay = cfg.retry_backoff.saturating_mul(1u32 << attempt.min(10));
                    tracing::debug!(attempt, error = %err, ?delay, "retrying model call");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
            }
        }
    }

    fn request(&self, prompt: &Prompt, mode: FormatMode) -> CreateChatCompletionRequest {
        let cfg = &self.inner.config;
        let response_format = match mode {
            FormatMode::JsonSchema => ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    description: Some("IAM policy review verdict".to_string()),
                    name: SCHEMA_NAME.to_string(),
                    schema: Some(response_schema()),
                    strict: Some(true),
                },
            },
            FormatMode::JsonObject => ResponseFormat::JsonObject,
        };
        #[allow(deprecated)]
        CreateChatCompletionRequest {
            model: cfg.model.clone(),
            messages: vec![
                ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage {
                    content: prompt.system.clone().into(),
                    name: None,
                }),
                ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage {
                    content: prompt.user.clone().into(),
                    name: None,
                }),
            ],
            response_format: Some(response_format),
            // `max_tokens` is what llama.cpp, vLLM and Ollama read; OpenAI still accepts it
            // for chat models.
            max_tokens: Some(cfg.max_tokens),
            temperature: cfg.temperature,
            ..Default::default()
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
        let result =
            tokio::time::timeout(cfg.timeout, self.inner.client.chat().create(request)).await;
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        m.model_latency_micros.fetch_add(micros, Ordering::Relaxed);
        let response = match result {
            Err(_) => return Err(CallError::Model(ModelError::Timeout(cfg.timeout))),
            Ok(Err(err)) if mode == FormatMode::JsonSchema && rejects_schema_mode(&err) => {
                return Err(CallError::SchemaModeRejected(err.to_string()));
            }
            Ok(Err(OpenAIError::JSONDeserialize(err))) => {
                return Err(CallError::Model(ModelError::Malformed(format!(
                    "response envelope: {err}"
                ))));
            }
            Ok(Err(err)) => return Err(CallError::Model(ModelError::Http(err.to_string()))),
            Ok(Ok(r)) => r,
        };
        if let Some(usage) = &response.usage {
            m.prompt_tokens
                .fetch_add(u64::from(usage.prompt_tokens), Ordering::Relaxed);
            m.completion_tokens
                .fetch_add(u64::from(usage.completion_tokens), Ordering::Relaxed);
        }
        let content = response
            .choices
            .first()
            .and_then(|c| c.message.content.as_deref())
            .ok_or_else(|| {
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
