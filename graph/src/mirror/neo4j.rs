//! Bolt sink (the `neo4j` crate, blocking; every call runs on the blocking pool).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use neo4j::driver::auth::AuthToken;
use neo4j::driver::{ConnectionConfig, Driver, DriverConfig, RoutingControl};
use neo4j::retry::ExponentialBackoff;
use neo4j::{ValueReceive, ValueSend};
use serde_json::Value;

use super::{GraphSink, MirrorConfig, MirrorError, Params, cypher};

/// Bolt sink: Neo4j 4.4/5.x, or FalkorDB's Bolt endpoint.
pub struct Neo4jSink {
    driver: Arc<Driver>,
    database: Option<Arc<String>>,
    /// The server is Neo4j (constraints DDL) rather than FalkorDB (index DDL).
    is_neo4j: bool,
}

fn bolt_err(e: impl std::fmt::Display) -> MirrorError {
    MirrorError::Bolt(e.to_string())
}

fn to_send(v: &Value) -> ValueSend {
    match v {
        Value::Null => ValueSend::Null,
        Value::Bool(b) => ValueSend::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => ValueSend::Integer(i),
            None => ValueSend::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => ValueSend::String(s.clone()),
        Value::Array(items) => ValueSend::List(items.iter().map(to_send).collect()),
        Value::Object(m) => {
            ValueSend::Map(m.iter().map(|(k, v)| (k.clone(), to_send(v))).collect())
        }
    }
}

fn to_json(v: &ValueReceive) -> Value {
    match v {
        ValueReceive::Null => Value::Null,
        ValueReceive::Boolean(b) => Value::Bool(*b),
        ValueReceive::Integer(i) => Value::from(*i),
        ValueReceive::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ValueReceive::String(s) => Value::String(s.clone()),
        ValueReceive::List(items) => Value::Array(items.iter().map(to_json).collect()),
        ValueReceive::Map(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
        other => Value::String(format!("{other:?}")),
    }
}

impl Neo4jSink {
    /// Connects to `cfg.uri` (`bolt://` or `neo4j://`; routing off for `bolt://`, which is
    /// what FalkorDB needs).
    pub async fn connect(cfg: &MirrorConfig) -> Result<Self, MirrorError> {
        let conn: ConnectionConfig = cfg
            .uri
            .parse()
            .map_err(|e| MirrorError::Config(format!("{}: {e}", cfg.uri)))?;
        let auth = match (&cfg.user, &cfg.password) {
            (Some(u), Some(p)) => AuthToken::new_basic_auth(u.clone(), p.clone()),
            _ => AuthToken::new_none_auth(),
        };
        let driver = Arc::new(Driver::new(
            conn,
            DriverConfig::new().with_auth(Arc::new(auth)),
        ));
        let d = Arc::clone(&driver);
        let info = tokio::task::spawn_blocking(move || {
            // FalkorDB's Bolt endpoint sometimes drops a fresh connection (EAGAIN on the
            // first read); a second attempt succeeds.
            let mut attempt = 0;
            loop {
                match d.get_server_info() {
                    Ok(info) => return Ok(info),
                    Err(e) if attempt < 4 => {
                        tracing::debug!(error = %e, attempt, "bolt connect retry");
                        attempt += 1;
                        std::thread::sleep(Duration::from_millis(100 << attempt));
                    }
                    Err(e) => return Err(e),
                }
            }
        })
        .await
        .map_err(|e| MirrorError::Task(e.to_string()))?
        .map_err(bolt_err)?;
        // FalkorDB's Bolt endpoint calls itself "Neo4j/5.13.0"; only real Neo4j answers
        // dbms.components(), so ask that to pick the DDL dialect and the default database.
        let mut probe = Neo4jSink {
            driver: Arc::clone(&driver),
            database: cfg.database.clone().map(Arc::new),
            is_neo4j: true,
        };
        let components = probe
            .execute(
                "CALL dbms.components() YIELD name RETURN name".to_string(),
                HashMap::new(),
            )
            .await;
        let is_neo4j = components
            .map(|rows| {
                rows.iter()
                    .flatten()
                    .any(|v| v.as_str().is_some_and(|s| s.starts_with("Neo4j")))
            })
            .unwrap_or(false);
        tracing::debug!(agent = %info.server_agent, protocol = ?info.protocol_version, is_neo4j, "bolt server");
        // FalkorDB addresses graphs as databases; Neo4j uses its default unless told.
        let database = match (&cfg.database, is_neo4j) {
            (Some(db), _) => Some(Arc::new(db.clone())),
            (None, false) => Some(Arc::new(cfg.graph_name().to_string())),
            (None, true) => None,
        };
        probe.database = database;
        probe.is_neo4j = is_neo4j;
        Ok(probe)
    }

    async fn execute(
        &self,
        statement: String,
        params: HashMap<String, ValueSend>,
    ) -> Result<Vec<Vec<Value>>, MirrorError> {
        let driver = Arc::clone(&self.driver);
        let database = self.database.clone();
        tokio::task::spawn_blocking(move || {
            let q = driver
                .execute_query(statement.as_str())
                .with_parameters(params)
                .with_routing_control(RoutingControl::Write);
            // Every statement the mirror sends is idempotent (MERGE, DDL, deletes of stale
            // tags, reads), so transient connection failures are retried.
            let retry = ExponentialBackoff::new().with_max_retry_time(Duration::from_secs(15));
            let result = match database {
                Some(db) => q.with_database(db).run_with_retry(retry),
                None => q.with_default_database().run_with_retry(retry),
            }
            .map_err(|e| {
                let head: String = statement.chars().take(60).collect();
                MirrorError::Bolt(format!("{e} (running `{head}...`)"))
            })?;
            Ok(result
                .records
                .iter()
                .map(|r| r.values().map(to_json).collect())
                .collect())
        })
        .await
        .map_err(|e| MirrorError::Task(e.to_string()))?
    }
}

#[async_trait]
impl GraphSink for Neo4jSink {
    async fn ensure_schema(&mut self) -> Result<(), MirrorError> {
        let statements = if self.is_neo4j {
            cypher::neo4j_schema()
        } else {
            cypher::falkordb_indexes()
        };
        for q in statements {
            match self.execute(q, HashMap::new()).await {
                Ok(_) => {}
                // FalkorDB has no IF NOT EXISTS for indexes, and over Bolt it reports an
                // existing index only as "Unexpected error": indexes are an optimisation
                // there (MERGE stays correct without them), so go on.
                Err(e) if !self.is_neo4j => {
                    tracing::debug!(error = %e, "falkordb index not created (usually: exists)")
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn max_statement_bytes(&self) -> Option<usize> {
        // FalkorDB's Bolt endpoint crashes on messages of about 4 KB; JSON overestimates
        // the PackStream size, so 3,000 bytes of JSON stays clear of it.
        (!self.is_neo4j).then_some(3000)
    }

    async fn run(
        &mut self,
        statement: &str,
        params: Params,
    ) -> Result<Vec<Vec<Value>>, MirrorError> {
        let params: HashMap<String, ValueSend> = params
            .iter()
            .map(|(k, v)| (k.to_string(), to_send(v)))
            .collect();
        self.execute(statement.to_string(), params).await
    }
}
