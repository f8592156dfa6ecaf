//! `pathwarden paths`, `pathwarden graph sync` and `pathwarden review`.

use anyhow::{Context, Result, bail};
use pathwarden_graph::mirror::{MirrorConfig, SinkKind};
use serde::Deserialize;

use crate::engine::Engine;
use crate::query::{self, Output};

/// `[neo4j]`: where `graph sync` mirrors the privilege graph.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Neo4jConfig {
    /// `bolt://host:7687` (Neo4j, or FalkorDB's Bolt port) or `redis://host:6379` (FalkorDB RESP).
    pub uri: String,
    /// User (omit for no authentication).
    pub user: Option<String>,
    /// Environment variable holding the password.
    pub password_env: Option<String>,
    /// File holding the password.
    pub password_file: Option<std::path::PathBuf>,
    /// Database (Neo4j) or graph name (FalkorDB).
    pub database: Option<String>,
    /// `neo4j` (Bolt, default for bolt://) or `falkordb` (RESP, default for redis://).
    pub sink: Option<String>,
    /// Rows per UNWIND batch.
    pub batch_size: Option<usize>,
    /// `serve` mirrors the graph in the background once it has started.
    #[serde(default)]
    pub sync_on_start: bool,
}

impl Neo4jConfig {
    /// Parse and check the raw `[neo4j]` section; errors name the key (`neo4j.uri: ...`).
    pub fn from_raw(raw: &Option<toml::Value>) -> Result<Option<Neo4jConfig>> {
        let Some(cfg) =
            crate::config::section::<Neo4jConfig>("neo4j", raw).map_err(anyhow::Error::msg)?
        else {
            return Ok(None);
        };
        cfg.check().map_err(anyhow::Error::msg)?;
        Ok(Some(cfg))
    }

    /// What the section must hold for a mirror to be possible (checked at load time).
    fn check(&self) -> std::result::Result<(), String> {
        const BOLT: &[&str] = &[
            "bolt",
            "bolt+s",
            "bolt+ssc",
            "neo4j",
            "neo4j+s",
            "neo4j+ssc",
        ];
        const RESP: &[&str] = &["redis", "rediss"];
        let scheme = match self.uri.split_once("://") {
            Some((scheme, rest)) if !rest.trim().is_empty() => scheme.to_ascii_lowercase(),
            _ => {
                return Err(format!(
                    "neo4j.uri: expected bolt://host:port (Neo4j, FalkorDB's Bolt port) or redis://host:port (FalkorDB), got {:?}",
                    self.uri
                ));
            }
        };
        match self.sink.as_deref() {
            None if BOLT.contains(&scheme.as_str()) || RESP.contains(&scheme.as_str()) => {}
            None => {
                return Err(format!(
                    "neo4j.uri: unknown scheme {scheme:?} (expected bolt, neo4j or redis, with +s / rediss for TLS)"
                ));
            }
            Some("neo4j") if !BOLT.contains(&scheme.as_str()) => {
                return Err(format!(
                    "neo4j.uri: sink \"neo4j\" speaks Bolt: expected bolt:// or neo4j://, got {:?}",
                    self.uri
                ));
            }
            Some("falkordb") if !RESP.contains(&scheme.as_str()) => {
                return Err(format!(
                    "neo4j.uri: sink \"falkordb\" speaks RESP: expected redis://, got {:?}",
                    self.uri
                ));
            }
            Some("neo4j" | "falkordb") => {}
            Some(other) => {
                return Err(format!(
                    "neo4j.sink: expected \"neo4j\" or \"falkordb\", got {other:?}"
                ));
            }
        }
        if self.batch_size == Some(0) {
            return Err("neo4j.batch_size: must be more than 0".into());
        }
        if self
            .password_env
            .as_deref()
            .is_some_and(|v| v.trim().is_empty())
        {
            return Err("neo4j.password_env: expected the name of an environment variable".into());
        }
        Ok(())
    }

    /// The mirror settings, with the password read from env or file (never from the config text).
    pub fn mirror(&self) -> Result<MirrorConfig> {
        let sink = match self.sink.as_deref() {
            Some("neo4j") => SinkKind::Neo4j,
            Some("falkordb") => SinkKind::FalkorDb,
            Some(other) => bail!("neo4j.sink: expected \"neo4j\" or \"falkordb\", got {other:?}"),
            None if self.uri.starts_with("redis://") => SinkKind::FalkorDb,
            None => SinkKind::Neo4j,
        };
        let password = match (&self.password_env, &self.password_file) {
            (Some(v), _) => Some(
                std::env::var(v).with_context(|| format!("neo4j.password_env: {v} is not set"))?,
            ),
            (None, Some(f)) => Some(
                std::fs::read_to_string(f)
                    .with_context(|| format!("neo4j.password_file: cannot read {}", f.display()))?
                    .trim()
                    .to_string(),
            ),
            (None, None) => None,
        };
        let mut m = MirrorConfig::new(self.uri.clone(), sink);
        m.user = self.user.clone();
        m.password = password;
        m.database = self.database.clone();
        if let Some(b) = self.batch_size {
            m.batch_size = b.max(1);
        }
        Ok(m)
    }
}

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `pathwarden paths --to-admin | --from ARN`.
pub async fn paths(
    engine: &Engine,
    to_admin: bool,
    from: Option<String>,
    output: Output,
) -> Result<()> {
    let sql = match (to_admin, from) {
        (_, Some(arn)) => format!(
            "select target_arn, target_kind, hops, path from pathwarden.reachable where principal_arn = {} order by hops, target_arn",
            literal(&arn)
        ),
        (true, None) => {
            "select source_arn, target_account, hops, techniques, path from pathwarden.attack_path \
                         where target = 'admin' order by hops, source_arn"
                .to_string()
        }
        (false, None) => bail!("say what to compute: --to-admin or --from ARN"),
    };
    query::run(engine, &sql, output).await
}

/// `pathwarden review [--policy ARN]`.
pub async fn review(engine: &Engine, policy: Option<String>, output: Output) -> Result<()> {
    let filter = policy
        .map(|p| format!(" where policy_arn = {}", literal(&p)))
        .unwrap_or_default();
    eprintln!(
        "reviewing policies{}...",
        if filter.is_empty() { "" } else { " (one)" }
    );
    let started = std::time::Instant::now();
    let sql = format!(
        "select policy_arn, risk, source, summary, findings from pathwarden.policy_review{filter} \
         order by case risk when 'critical' then 0 when 'high' then 1 when 'medium' then 2 when 'low' then 3 else 4 end, policy_arn"
    );
    let (names, batches) = query::execute(engine, &sql).await?;
    let n: usize = batches.iter().map(|b| b.num_rows()).sum();
    eprintln!(
        "reviewed {n} policies in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    query::print(&names, &batches, output)
}

/// `pathwarden graph sync`.
pub async fn sync(engine: &Engine, cfg: &Neo4jConfig) -> Result<()> {
    eprintln!(
        "building the privilege graph and mirroring it to {}...",
        cfg.uri
    );
    let stats = mirror_now(engine, cfg).await?;
    println!("{stats:?}");
    Ok(())
}

/// Build (or reuse) the engine's privilege graph and mirror it into the configured server.
pub async fn mirror_now(
    engine: &Engine,
    cfg: &Neo4jConfig,
) -> Result<pathwarden_graph::mirror::SyncStats> {
    let mirror = cfg.mirror()?;
    let graph = engine.graph.graph().await.context("building the graph")?;
    pathwarden_graph::mirror::sync(&graph, &mirror)
        .await
        .context("graph sync")
}
