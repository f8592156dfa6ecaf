//! Posture: the state store, benchmarks, scheduled runs with history, reports, the
//! HTTP API for runs, findings and access requests, and the persistent audit log.

pub mod api;
pub mod audit;
pub mod benchmark;
pub mod check;
pub mod report;
pub mod runner;
pub mod scheduler;
pub mod store;
pub mod tables;

use std::path::Path;

use anyhow::Result;

use crate::config::StateConfig;
use store::Store;

/// The process's store: opened once, shared by the daemon, the API and the
/// `pathwarden.*` tables.
static STORE: tokio::sync::OnceCell<Store> = tokio::sync::OnceCell::const_new();

/// The shared store, opened (and migrated) on first use.
pub async fn shared_store(cfg: &StateConfig, data_dir: &Path) -> Result<&'static Store> {
    STORE.get_or_try_init(|| Store::open(cfg, data_dir)).await
}
