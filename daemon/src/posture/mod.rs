//! Posture: the state store, benchmarks, scheduled runs with history, reports, the
//! HTTP API for runs, findings and access requests, and the persistent audit log.

pub mod api;
pub mod audit;
pub mod benchmark;
pub mod check;
pub mod drift;
pub mod iam;
pub mod report;
pub mod runner;
pub mod scheduler;
pub mod store;
pub mod tables;

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::audit::AuditSink;
use crate::config::{Config, StateConfig};
use crate::engine::Engine;
use store::Store;

/// The process's store: opened once, shared by the daemon, the API and the
/// `pathwarden.*` tables.
static STORE: tokio::sync::OnceCell<Store> = tokio::sync::OnceCell::const_new();

/// The shared store, opened (and migrated) on first use.
pub async fn shared_store(cfg: &StateConfig, data_dir: &Path) -> Result<&'static Store> {
    STORE.get_or_try_init(|| Store::open(cfg, data_dir)).await
}

/// The runs of `serve`: jobs, remediation settings, and the desired-state file loaded
/// into the store.
pub async fn setup(
    cfg: &Config,
    engine: Arc<Engine>,
    store: Store,
    audit: Arc<dyn AuditSink>,
) -> Result<runner::Posture> {
    let http_addr: std::net::SocketAddr = cfg
        .server
        .http_listen
        .parse()
        .context("server.http_listen: expected host:port")?;
    if !http_addr.ip().is_loopback() && cfg.tokens.is_empty() {
        anyhow::bail!(
            "server.http_listen = {http_addr} is not a loopback address: configure [[token]] entries for the API first"
        );
    }
    let mut mode = "off".to_string();
    let mut target = None;
    if let Some(ds) = &cfg.desired_state {
        if let Some(path) = &ds.path {
            let grants = drift::load_file(path)?;
            drift::sync_file(&store, &grants)
                .await
                .context("storing the desired state")?;
            tracing::info!(grants = grants.len(), path = %path.display(), "desired state loaded");
        }
        mode = ds.remediation.clone();
        if let Some(name) = &ds.connection {
            target = Some(iam_target(cfg, name).await?);
        }
    }
    let two_person_rule = cfg.desired_state.as_ref().is_none_or(|d| d.two_person_rule);
    let mut posture = runner::Posture::new(engine, store, &cfg.jobs)
        .with_remediation(&mode, target, audit)
        .with_two_person_rule(two_person_rule);
    posture.console_url = Some(format!("http://{http_addr}"));
    Ok(posture)
}

/// The IAM client of the aws connection `name`, for remediation calls: the connection's
/// own credentials chain (and role), identified with sts:GetCallerIdentity at start-up.
async fn iam_target(cfg: &Config, name: &str) -> Result<iam::IamTarget> {
    let c = cfg
        .connections
        .iter()
        .find(|c| c.name == name)
        .with_context(|| format!("desired_state.connection: no connection {name:?}"))?;
    if c.plugin != crate::config::Plugin::Aws {
        anyhow::bail!("desired_state.connection: connection {name} is not an aws connection");
    }
    let source =
        pathwarden_tables::aws::AwsSource::connect(crate::engine::aws_connection_config(c)?)
            .await
            .with_context(|| format!("desired_state.connection: connection {name}"))?;
    Ok(iam::IamTarget {
        client: source.iam_client(),
        connection: name.to_string(),
    })
}
