//! Optional LLM policy reviewer.
//!
//! [`Reviewer`] sends each policy, its rule findings ([`crate::lint`]), the caller's usage
//! context and the most relevant knowledge-base passages ([`crate::kb`]) to any
//! OpenAI-compatible chat-completions endpoint, asking for a JSON-schema response
//! ([`schema::response_schema`]). Servers that reject `json_schema` are asked again in JSON
//! mode; either way the answer is validated against the same schema.
//!
//! Guarantees:
//! - **Never fails a review.** Timeout, HTTP error, malformed or schema-invalid output ->
//!   the rule-based verdict, `source = heuristic`, with the reason. Retries are bounded
//!   (`max_retries`, exponential `retry_backoff`), each attempt bounded by `timeout`.
//! - **Cached.** Key = SHA-256 of model, prompt version, policy kind and canonical policy
//!   JSON ([`prompt::cache_key`]); Redis when `redis_url` is set, else in-process (moka).
//!   Redis down at start or mid-run degrades to in-process with a warning. Model verdicts
//!   are cached for `cache_ttl`; failures only for `failure_cache_ttl`.
//! - **Policy text is data.** It is sent inside escaped, delimited blocks; the system
//!   message is constant ([`prompt::SYSTEM_PROMPT`]). And whatever the model says, a
//!   policy with a critical rule finding is never rated below its rule-based risk (the
//!   model's own answer is kept in [`Review::model_risk`]).
//! - **Bounded cost.** `max_concurrency` model calls at once, `max_tokens` per answer, at
//!   most `max_calls_per_query` requests per run ([`CallBudget`]) and `max_calls_per_hour`
//!   per clock hour; runs that may not call the model at all ([`CallBudget::cache_only`],
//!   e.g. a reader's query) get cached or heuristic verdicts. A failed review is remembered
//!   for `failure_cache_ttl` (the policy is not sent again meanwhile), and
//!   `circuit_breaker_failures` failures in a row stop all calls for that long. Every
//!   verdict the model did not give is `source = heuristic` with the reason in
//!   `fallback_reason`. Counters in [`Reviewer::stats`].

mod cache;
mod chat;
pub mod config;
pub mod error;
pub mod prompt;
mod reviewer;
pub mod schema;
mod stats;

pub use cache::CacheBackend;
pub use config::LlmConfig;
pub use error::{LlmError, ModelError};
pub use prompt::{Prompt, ReviewContext, SYSTEM_PROMPT, build_prompt, cache_key};
pub use reviewer::{
    CallBudget, Review, ReviewRequest, ReviewSource, Reviewer, heuristic_review, heuristic_risk,
};
pub use schema::{ModelFinding, ModelVerdict, Risk};
pub use stats::ReviewerStats;
