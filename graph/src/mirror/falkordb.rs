//! FalkorDB over RESP: `GRAPH.QUERY <graph> "CYPHER name=value ... <statement>"`.
//!
//! FalkorDB takes query parameters as a `CYPHER` header in front of the statement; the
//! values are written as Cypher literals by [`cypher::literal`] (quoted and escaped), so
//! the statement text itself stays the constant generated from the schema.

use async_trait::async_trait;
use redis::aio::MultiplexedConnection;
use serde_json::Value;

use super::{GraphSink, MirrorConfig, MirrorError, Params, cypher};
use crate::schema::NodeKind;

/// FalkorDB sink over RESP.
pub struct FalkorDbSink {
    conn: MultiplexedConnection,
    graph: String,
}

impl FalkorDbSink {
    /// Connects to `cfg.uri` (`redis://host:port`; user/password become RESP AUTH).
    pub async fn connect(cfg: &MirrorConfig) -> Result<Self, MirrorError> {
        let mut info = redis::IntoConnectionInfo::into_connection_info(cfg.uri.as_str())?;
        if let Some(u) = &cfg.user {
            info.redis.username = Some(u.clone());
        }
        if let Some(p) = &cfg.password {
            info.redis.password = Some(p.clone());
        }
        let client = redis::Client::open(info)?;
        let conn = client.get_multiplexed_async_connection().await?;
        Ok(FalkorDbSink {
            conn,
            graph: cfg.graph_name().to_string(),
        })
    }

    async fn raw(&mut self, text: &str) -> Result<redis::Value, MirrorError> {
        let reply: redis::Value = redis::cmd("GRAPH.QUERY")
            .arg(&self.graph)
            .arg(text)
            .query_async(&mut self.conn)
            .await?;
        Ok(reply)
    }
}

fn already_exists(e: &dyn std::fmt::Display) -> bool {
    let text = e.to_string().to_ascii_lowercase();
    text.contains("already indexed") || text.contains("already exists")
}

fn to_json(v: &redis::Value) -> Value {
    match v {
        redis::Value::Nil => Value::Null,
        redis::Value::Int(i) => Value::from(*i),
        redis::Value::Double(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        redis::Value::Boolean(b) => Value::Bool(*b),
        redis::Value::BulkString(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        redis::Value::SimpleString(s) => Value::String(s.clone()),
        redis::Value::Okay => Value::String("OK".into()),
        redis::Value::Array(items) | redis::Value::Set(items) => {
            Value::Array(items.iter().map(to_json).collect())
        }
        other => Value::String(format!("{other:?}")),
    }
}

#[async_trait]
impl GraphSink for FalkorDbSink {
    async fn ensure_schema(&mut self) -> Result<(), MirrorError> {
        for q in cypher::falkordb_indexes() {
            match self.raw(&q).await {
                Ok(_) => {}
                Err(e) if already_exists(&e) => {}
                Err(e) => return Err(e),
            }
        }
        // Uniqueness needs the exact-match index created above.
        for k in NodeKind::ALL {
            let d = k.def();
            let r: Result<redis::Value, redis::RedisError> = redis::cmd("GRAPH.CONSTRAINT")
                .arg("CREATE")
                .arg(&self.graph)
                .arg("UNIQUE")
                .arg("NODE")
                .arg(d.label)
                .arg("PROPERTIES")
                .arg(1)
                .arg(d.key_property)
                .query_async(&mut self.conn)
                .await;
            match r {
                Ok(_) => {}
                Err(e) if already_exists(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    async fn run(
        &mut self,
        statement: &str,
        params: Params,
    ) -> Result<Vec<Vec<Value>>, MirrorError> {
        let mut text = String::with_capacity(statement.len() + 64);
        if !params.is_empty() {
            text.push_str("CYPHER ");
            for (name, value) in &params {
                cypher::identifier(name, &mut text);
                text.push('=');
                cypher::literal(value, &mut text);
                text.push(' ');
            }
        }
        text.push_str(statement);
        let reply = self.raw(&text).await?;
        // Reply: [header, rows, statistics] when the statement returns, else [statistics].
        let rows = match &reply {
            redis::Value::Array(parts) if parts.len() == 3 => match &parts[1] {
                redis::Value::Array(rows) => rows
                    .iter()
                    .map(|r| match to_json(r) {
                        Value::Array(cells) => cells,
                        other => vec![other],
                    })
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        Ok(rows)
    }
}
