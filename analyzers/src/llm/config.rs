//! `[llm]` configuration.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Settings of the optional LLM reviewer. Durations are written in seconds in TOML
/// (`timeout = 60`, `cache_ttl = 2592000`, `retry_backoff = 0.5`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmConfig {
    /// OpenAI-compatible API base, including the version path, e.g.
    /// `https://api.openai.com/v1` or `http://127.0.0.1:8080/v1` (llama.cpp, vLLM, Ollama).
    pub base_url: String,
    /// Model name sent with each request.
    pub model: String,
    /// Environment variable holding the API key; unset or missing means no key (local
    /// servers). The key itself never appears in config files or logs.
    pub api_key_env: Option<String>,
    /// Model calls in flight at once, across all reviews of this reviewer.
    pub max_concurrency: usize,
    /// Per-request deadline.
    #[serde(with = "secs")]
    pub timeout: Duration,
    /// Completion token cap per request (cost control).
    pub max_tokens: u32,
    /// How long a model verdict stays cached.
    #[serde(with = "secs")]
    pub cache_ttl: Duration,
    /// Redis URL for a cache shared between runs and daemons; in-process cache when unset.
    pub redis_url: Option<String>,
    /// Bumped whenever the prompt or schema changes, so cached verdicts of an older prompt
    /// are not reused.
    pub prompt_version: String,
    /// Retries after a failed model call (timeout, HTTP error, invalid output).
    pub max_retries: u32,
    /// First retry delay; doubled for each further retry.
    #[serde(with = "secs")]
    pub retry_backoff: Duration,
    /// Prefix of cache keys in Redis.
    pub cache_key_prefix: String,
    /// Knowledge-base passages added to each prompt.
    pub knowledge_passages: usize,
    /// Entries kept by the in-process cache.
    pub in_process_cache_capacity: u64,
    /// Sampling temperature; 0 for repeatable verdicts. `None` omits it (reasoning models
    /// that reject the parameter).
    pub temperature: Option<f32>,
    /// Model requests (retries included) one query or one review run may make; the
    /// policies beyond get the heuristic verdict, marked `budget`. 0: no model calls.
    pub max_calls_per_query: u32,
    /// Model requests (retries included) per hour across all queries and runs (fixed
    /// one-hour windows, the first starting when the reviewer is built). 0: no model calls.
    pub max_calls_per_hour: u32,
    /// How long a failed review is remembered: the same policy is not sent to the model
    /// again meanwhile (heuristic verdict, marked), and after `circuit_breaker_failures`
    /// failed reviews in a row no policy is, for this long.
    #[serde(with = "secs")]
    pub failure_cache_ttl: Duration,
    /// Failed reviews in a row that stop all model calls for `failure_cache_ttl`.
    /// 0: never stop.
    pub circuit_breaker_failures: u32,
}

impl Default for LlmConfig {
    fn default() -> Self {
        LlmConfig {
            base_url: "https://api.openai.com/v1".to_string(),
            model: "gpt-4o-mini".to_string(),
            api_key_env: Some("OPENAI_API_KEY".to_string()),
            max_concurrency: 4,
            timeout: Duration::from_secs(60),
            max_tokens: 1500,
            cache_ttl: Duration::from_secs(30 * 24 * 3600),
            redis_url: None,
            prompt_version: crate::llm::prompt::PROMPT_VERSION.to_string(),
            max_retries: 2,
            retry_backoff: Duration::from_millis(500),
            cache_key_prefix: "pathwarden:review:".to_string(),
            knowledge_passages: 4,
            in_process_cache_capacity: 100_000,
            temperature: Some(0.0),
            max_calls_per_query: 50,
            max_calls_per_hour: 500,
            failure_cache_ttl: Duration::from_secs(60),
            circuit_breaker_failures: 5,
        }
    }
}

impl std::fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A Redis URL may carry a password (`redis://:secret@host`); never print it.
        let redis = self.redis_url.as_deref().map(redact_url);
        f.debug_struct("LlmConfig")
            .field("base_url", &redact_url(&self.base_url))
            .field("model", &self.model)
            .field("api_key_env", &self.api_key_env)
            .field("max_concurrency", &self.max_concurrency)
            .field("timeout", &self.timeout)
            .field("max_tokens", &self.max_tokens)
            .field("cache_ttl", &self.cache_ttl)
            .field("redis_url", &redis)
            .field("prompt_version", &self.prompt_version)
            .field("max_retries", &self.max_retries)
            .field("retry_backoff", &self.retry_backoff)
            .field("cache_key_prefix", &self.cache_key_prefix)
            .field("knowledge_passages", &self.knowledge_passages)
            .field("in_process_cache_capacity", &self.in_process_cache_capacity)
            .field("temperature", &self.temperature)
            .field("max_calls_per_query", &self.max_calls_per_query)
            .field("max_calls_per_hour", &self.max_calls_per_hour)
            .field("failure_cache_ttl", &self.failure_cache_ttl)
            .field("circuit_breaker_failures", &self.circuit_breaker_failures)
            .finish()
    }
}

/// `scheme://user:pass@host/...` -> `scheme://***@host/...`.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***{}", &url[..scheme_end], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Durations as (fractional) seconds.
mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let v = f64::deserialize(d)?;
        Duration::try_from_secs_f64(v).map_err(serde::de::Error::custom)
    }
}
