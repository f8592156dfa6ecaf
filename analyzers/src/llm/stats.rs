//! Reviewer metrics: lock-free counters, read as a snapshot by [`ReviewerStats`].

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Live counters.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    pub(crate) reviews: AtomicU64,
    pub(crate) model_calls: AtomicU64,
    pub(crate) model_failures: AtomicU64,
    pub(crate) cache_hits: AtomicU64,
    pub(crate) cache_misses: AtomicU64,
    pub(crate) redis_hits: AtomicU64,
    pub(crate) redis_errors: AtomicU64,
    pub(crate) prompt_tokens: AtomicU64,
    pub(crate) completion_tokens: AtomicU64,
    pub(crate) heuristic_fallbacks: AtomicU64,
    pub(crate) json_mode_fallbacks: AtomicU64,
    pub(crate) risk_floors: AtomicU64,
    pub(crate) model_latency_micros: AtomicU64,
    pub(crate) calls_refused: AtomicU64,
    pub(crate) failure_cache_hits: AtomicU64,
}

/// A snapshot of the reviewer's counters since it was built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReviewerStats {
    /// Reviews requested.
    pub reviews: u64,
    /// HTTP requests sent to the model (including retries).
    pub model_calls: u64,
    /// Model requests that failed (timeout, HTTP error, malformed or schema-invalid answer).
    pub model_failures: u64,
    /// Reviews answered from the cache.
    pub cache_hits: u64,
    /// Reviews not found in the cache.
    pub cache_misses: u64,
    /// Of the cache hits, those served by Redis.
    pub redis_hits: u64,
    /// Redis operations that failed (each fell through to the in-process cache).
    pub redis_errors: u64,
    /// Prompt tokens reported by the server.
    pub prompt_tokens: u64,
    /// Completion tokens reported by the server.
    pub completion_tokens: u64,
    /// Reviews that fell back to the rule-based verdict.
    pub heuristic_fallbacks: u64,
    /// Times the server rejected JSON-schema mode and JSON mode was used instead.
    pub json_mode_fallbacks: u64,
    /// Model verdicts raised to the rule-based risk (critical rule findings).
    pub risk_floors: u64,
    /// Total time spent in model requests, in milliseconds.
    pub model_latency_ms_total: u64,
    /// Mean time per model request, in milliseconds (0 without requests).
    pub model_latency_ms_mean: u64,
    /// Reviews that got the heuristic verdict without asking the model: over a call
    /// budget, caller not allowed to trigger model calls, or the circuit breaker open.
    pub calls_refused: u64,
    /// Reviews answered with the heuristic because the same policy failed recently.
    pub failure_cache_hits: u64,
}

impl Metrics {
    pub(crate) fn snapshot(&self) -> ReviewerStats {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let calls = g(&self.model_calls);
        let micros = g(&self.model_latency_micros);
        ReviewerStats {
            reviews: g(&self.reviews),
            model_calls: calls,
            model_failures: g(&self.model_failures),
            cache_hits: g(&self.cache_hits),
            cache_misses: g(&self.cache_misses),
            redis_hits: g(&self.redis_hits),
            redis_errors: g(&self.redis_errors),
            prompt_tokens: g(&self.prompt_tokens),
            completion_tokens: g(&self.completion_tokens),
            heuristic_fallbacks: g(&self.heuristic_fallbacks),
            json_mode_fallbacks: g(&self.json_mode_fallbacks),
            risk_floors: g(&self.risk_floors),
            model_latency_ms_total: micros / 1000,
            model_latency_ms_mean: micros.checked_div(calls).unwrap_or(0) / 1000,
            calls_refused: g(&self.calls_refused),
            failure_cache_hits: g(&self.failure_cache_hits),
        }
    }
}
