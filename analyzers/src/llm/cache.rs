//! Verdict cache: an in-process moka cache, backed by Redis when configured.
//!
//! Redis is an optimisation, never a dependency: if it cannot be reached at start the
//! reviewer runs with the in-process cache only; if it fails mid-run each failed operation
//! falls through to the in-process cache, with one warning per outage (not per request).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::reviewer::Review;
use super::stats::Metrics;

/// Upper bound for a single Redis operation, so a stalled Redis cannot stall reviews.
const REDIS_OP_TIMEOUT: Duration = Duration::from_millis(500);
/// Upper bound for connecting at start.
const REDIS_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Which store backs the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheBackend {
    /// Redis plus the in-process cache.
    Redis,
    /// In-process only (no `redis_url`, or Redis unreachable at start).
    InProcess,
}

struct RedisTier {
    conn: ConnectionManager,
    prefix: String,
    ttl_secs: u64,
    healthy: AtomicBool,
}

/// Two-tier verdict cache.
pub(crate) struct ReviewCache {
    local: moka::future::Cache<String, Review>,
    redis: Option<RedisTier>,
    metrics: Arc<Metrics>,
}

impl ReviewCache {
    /// Builds the cache; connects to Redis when `redis_url` is set.
    pub(crate) async fn new(
        redis_url: Option<&str>,
        prefix: &str,
        ttl: Duration,
        capacity: u64,
        metrics: Arc<Metrics>,
    ) -> ReviewCache {
        let local = moka::future::Cache::builder()
            .max_capacity(capacity)
            .time_to_live(ttl)
            .build();
        let redis = match redis_url {
            Some(url) => connect(url).await.map(|conn| RedisTier {
                conn,
                prefix: prefix.to_string(),
                ttl_secs: ttl.as_secs().max(1),
                healthy: AtomicBool::new(true),
            }),
            None => None,
        };
        ReviewCache {
            local,
            redis,
            metrics,
        }
    }

    /// The backend in use.
    pub(crate) fn backend(&self) -> CacheBackend {
        if self.redis.is_some() {
            CacheBackend::Redis
        } else {
            CacheBackend::InProcess
        }
    }

    /// Looks a verdict up: in-process first, then Redis (copying a Redis hit in-process).
    pub(crate) async fn get(&self, key: &str) -> Option<Review> {
        if let Some(hit) = self.local.get(key).await {
            return Some(hit);
        }
        let tier = self.redis.as_ref()?;
        let mut conn = tier.conn.clone();
        let full = format!("{}{}", tier.prefix, key);
        match tokio::time::timeout(REDIS_OP_TIMEOUT, conn.get::<_, Option<String>>(&full)).await {
            Ok(Ok(Some(text))) => {
                tier.mark_up();
                match serde_json::from_str::<Review>(&text) {
                    Ok(review) => {
                        self.metrics.redis_hits.fetch_add(1, Ordering::Relaxed);
                        self.local.insert(key.to_string(), review.clone()).await;
                        Some(review)
                    }
                    Err(err) => {
                        tracing::warn!(key = %full, error = %err, "ignoring unreadable cached review");
                        None
                    }
                }
            }
            Ok(Ok(None)) => {
                tier.mark_up();
                None
            }
            Ok(Err(err)) => {
                self.redis_failed(tier, &err.to_string());
                None
            }
            Err(_) => {
                self.redis_failed(tier, "timeout");
                None
            }
        }
    }

    /// Stores a verdict in both tiers.
    pub(crate) async fn put(&self, key: &str, review: &Review) {
        self.local.insert(key.to_string(), review.clone()).await;
        let Some(tier) = self.redis.as_ref() else {
            return;
        };
        let text = match serde_json::to_string(review) {
            Ok(t) => t,
            Err(err) => {
                tracing::warn!(error = %err, "cannot serialise review for Redis");
                return;
            }
        };
        let mut conn = tier.conn.clone();
        let full = format!("{}{}", tier.prefix, key);
        match tokio::time::timeout(
            REDIS_OP_TIMEOUT,
            conn.set_ex::<_, _, ()>(&full, text, tier.ttl_secs),
        )
        .await
        {
            Ok(Ok(())) => tier.mark_up(),
            Ok(Err(err)) => self.redis_failed(tier, &err.to_string()),
            Err(_) => self.redis_failed(tier, "timeout"),
        }
    }

    fn redis_failed(&self, tier: &RedisTier, error: &str) {
        self.metrics.redis_errors.fetch_add(1, Ordering::Relaxed);
        if tier.healthy.swap(false, Ordering::Relaxed) {
            tracing::warn!(
                error,
                "Redis review cache unavailable; using the in-process cache until it recovers"
            );
        }
    }
}

impl RedisTier {
    fn mark_up(&self) {
        if !self.healthy.swap(true, Ordering::Relaxed) {
            tracing::info!("Redis review cache reachable again");
        }
    }
}

async fn connect(url: &str) -> Option<ConnectionManager> {
    let client = match redis::Client::open(url) {
        Ok(c) => c,
        Err(err) => {
            tracing::warn!(error = %err, "invalid redis_url; using the in-process review cache");
            return None;
        }
    };
    // Few reconnect retries with short delays: a dead Redis must not hold reviews up.
    let config = ConnectionManagerConfig::new()
        .set_number_of_retries(1)
        .set_max_delay(200)
        .set_connection_timeout(REDIS_CONNECT_TIMEOUT)
        .set_response_timeout(REDIS_OP_TIMEOUT);
    match tokio::time::timeout(
        REDIS_CONNECT_TIMEOUT * 2,
        ConnectionManager::new_with_config(client, config),
    )
    .await
    {
        Ok(Ok(conn)) => Some(conn),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "Redis unreachable; using the in-process review cache");
            None
        }
        Err(_) => {
            tracing::warn!("Redis connection timed out; using the in-process review cache");
            None
        }
    }
}
