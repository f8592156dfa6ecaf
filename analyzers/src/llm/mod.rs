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
//!   Redis down at start or mid-run degrades to in-process with a warning. Only model
//!   verdicts are cached.
//! - **Policy text is data.** It is sent inside escaped, delimited blocks; the system
//!   message is constant ([`prompt::SYSTEM_PROMPT`]). And whatever the model says, a
//!   policy with a critical rule finding is never rated below its rule-based risk (the
//!   model's own answer is kept in [`Review::model_risk`]).
//! - **Bounded cost.** `max_concurrency` model calls at once, `max_tokens` per answer,
//!   counters in [`Reviewer::stats`].

mod cache;
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
    Review, ReviewRequest, ReviewSource, Reviewer, heuristic_review, heuristic_risk,
};
pub use schema::{ModelFinding, ModelVerdict, Risk};
pub use stats::ReviewerStats;
