//! Per-connection runtime: result cache, per-service concurrency bounds, retries,
//! and the record of access errors.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arrow::record_batch::RecordBatch;
use backon::{BackoffBuilder, ExponentialBuilder};
use tokio::sync::Semaphore;

use super::source::{FetchError, Row, Source};

/// What to do when a call is denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccessDeniedMode {
    /// Fail the query with SQLSTATE 42501 naming table, connection, region and call.
    #[default]
    Error,
    /// Return the rows that could be read and add a row to `pathwarden.pathwarden_error`.
    Record,
}

/// Retry policy for throttled calls.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// First delay.
    pub min_delay: Duration,
    /// Largest delay.
    pub max_delay: Duration,
    /// Retries after the first attempt.
    pub max_retries: usize,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_retries: 6,
        }
    }
}

/// Runtime settings of a connection.
#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    /// Cache time-to-live; zero disables caching.
    pub cache_ttl: Duration,
    /// Concurrent calls per service.
    pub max_concurrency_per_service: usize,
    /// Throttling retries.
    pub retry: RetryPolicy,
    /// AccessDenied handling.
    pub access_denied: AccessDeniedMode,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            cache_ttl: Duration::from_secs(300),
            max_concurrency_per_service: 8,
            retry: RetryPolicy::default(),
            access_denied: AccessDeniedMode::Error,
        }
    }
}

/// A call that failed and was recorded instead of failing the query.
#[derive(Debug, Clone)]
pub struct ErrorRecord {
    /// When it happened (RFC 3339).
    pub time: String,
    /// Connection name.
    pub connection: String,
    /// Table name.
    pub table: String,
    /// Region, if regional.
    pub region: Option<String>,
    /// API call.
    pub api_call: String,
    /// Error text.
    pub message: String,
}

/// Shared, bounded log of recorded errors (newest last).
#[derive(Debug, Default)]
pub struct ErrorLog {
    records: Mutex<Vec<ErrorRecord>>,
}

impl ErrorLog {
    const MAX: usize = 10_000;

    /// Add a record.
    pub fn push(&self, r: ErrorRecord) {
        if let Ok(mut v) = self.records.lock() {
            if v.len() >= Self::MAX {
                v.remove(0);
            }
            v.push(r);
        }
    }

    /// Copy of all records.
    pub fn snapshot(&self) -> Vec<ErrorRecord> {
        self.records.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Remove all records.
    pub fn clear(&self) {
        if let Ok(mut v) = self.records.lock() {
            v.clear();
        }
    }
}

/// Cached results.
#[derive(Clone)]
pub(crate) enum Cached {
    Rows(Arc<Vec<Row>>),
    Batches(Arc<Vec<RecordBatch>>),
    One(Arc<Option<Row>>),
}

/// Counters, exported as metrics and used by tests.
#[derive(Debug, Default)]
pub struct RuntimeStats {
    /// API calls made (after retries count separately).
    pub api_calls: AtomicU64,
    /// Retries after throttling.
    pub retries: AtomicU64,
    /// Cache hits.
    pub cache_hits: AtomicU64,
    /// Cache misses.
    pub cache_misses: AtomicU64,
}

/// Everything a table scan of one connection shares.
pub struct ConnectionRuntime {
    /// The provider.
    pub source: Arc<dyn Source>,
    /// Settings.
    pub options: RuntimeOptions,
    /// Recorded errors (shared across connections).
    pub errors: Arc<ErrorLog>,
    /// Counters.
    pub stats: RuntimeStats,
    cache: moka::future::Cache<String, Cached>,
    semaphores: Mutex<HashMap<&'static str, Arc<Semaphore>>>,
}

impl std::fmt::Debug for ConnectionRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionRuntime")
            .field("connection", &self.source.connection())
            .finish()
    }
}

impl ConnectionRuntime {
    /// Build the runtime of a connection.
    pub fn new(
        source: Arc<dyn Source>,
        options: RuntimeOptions,
        errors: Arc<ErrorLog>,
    ) -> Arc<Self> {
        let ttl = if options.cache_ttl.is_zero() {
            Duration::from_nanos(1)
        } else {
            options.cache_ttl
        };
        let cache = moka::future::Cache::builder()
            .time_to_live(ttl)
            .max_capacity(1_000_000)
            .build();
        Arc::new(ConnectionRuntime {
            source,
            options,
            errors,
            stats: RuntimeStats::default(),
            cache,
            semaphores: Mutex::new(HashMap::new()),
        })
    }

    /// Connection name.
    pub fn connection(&self) -> &str {
        self.source.connection()
    }

    pub(crate) async fn cache_get(&self, key: &str) -> Option<Cached> {
        if self.options.cache_ttl.is_zero() {
            return None;
        }
        let hit = self.cache.get(key).await;
        if hit.is_some() {
            self.stats.cache_hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.stats.cache_misses.fetch_add(1, Ordering::Relaxed);
        }
        hit
    }

    /// Whether `key` has a live cache entry (no hit or miss is counted).
    pub(crate) fn cache_contains(&self, key: &str) -> bool {
        !self.options.cache_ttl.is_zero() && self.cache.contains_key(key)
    }

    pub(crate) async fn cache_put(&self, key: String, value: Cached) {
        if !self.options.cache_ttl.is_zero() {
            self.cache.insert(key, value).await;
        }
    }

    /// Drop every cached result of this connection.
    pub fn clear_cache(&self) {
        self.cache.invalidate_all();
    }

    /// Number of cached entries (approximate).
    pub fn cache_entries(&self) -> u64 {
        self.cache.entry_count()
    }

    fn semaphore(&self, service: &'static str) -> Arc<Semaphore> {
        let mut map = match self.semaphores.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.entry(service)
            .or_insert_with(|| {
                Arc::new(Semaphore::new(
                    self.options.max_concurrency_per_service.max(1),
                ))
            })
            .clone()
    }

    /// Run one API call: bounded per service, retried with jittered exponential
    /// backoff while throttled (or transiently failing), never sooner than the delay the
    /// service asked for. The per-service permit is held only while a request is in flight.
    pub async fn call<T, F, Fut>(&self, service: &'static str, mut f: F) -> Result<T, FetchError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, FetchError>>,
    {
        let sem = self.semaphore(service);
        let policy = self.options.retry;
        let mut delays = ExponentialBuilder::default()
            .with_min_delay(policy.min_delay)
            .with_max_delay(policy.max_delay)
            .with_max_times(policy.max_retries)
            .with_jitter()
            .build();
        loop {
            let result = {
                let _permit = sem.acquire().await.map_err(|e| FetchError::Api {
                    api_call: "semaphore".into(),
                    message: e.to_string(),
                })?;
                self.stats.api_calls.fetch_add(1, Ordering::Relaxed);
                f().await
            };
            let asked = match &result {
                Err(FetchError::Throttled { retry_after, .. }) => *retry_after,
                _ => return result,
            };
            let Some(backoff) = delays.next() else {
                return result;
            };
            let delay = asked.map_or(backoff, |a| a.max(backoff));
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            if let Err(e) = &result {
                tracing::debug!(service, error = %e, delay_ms = delay.as_millis() as u64, "throttled, retrying");
            }
            tokio::time::sleep(delay).await;
        }
    }
}
