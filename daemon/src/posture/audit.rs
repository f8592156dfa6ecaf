//! The audit log kept in the state store (`pathwarden.audit_log`), next to the
//! in-memory ring and the tracing log.

use tokio::sync::mpsc;

use super::store::{Stmt, Store};
use crate::args;
use crate::audit::{AuditEvent, AuditSink, LogAudit, redact};

/// Records every event in the log and (asynchronously, in order) in the store.
pub struct StoreAudit {
    log: LogAudit,
    tx: mpsc::UnboundedSender<AuditEvent>,
}

impl StoreAudit {
    /// A sink writing to `store`; the writer task lives as long as the sink.
    pub fn new(store: Store) -> StoreAudit {
        let (tx, mut rx) = mpsc::unbounded_channel::<AuditEvent>();
        tokio::spawn(async move {
            // Events are written in batches (one transaction each), so a burst of
            // statements costs one commit, not one per statement.
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < 500 {
                    match rx.try_recv() {
                        Ok(ev) => batch.push(ev),
                        Err(_) => break,
                    }
                }
                let stmts: Vec<Stmt> = batch
                    .into_iter()
                    .map(|ev| {
                        Stmt::new(
                            "INSERT INTO audit_log (time, kind, user_name, client_addr, action, duration_ms, rows, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                            args![
                                ev.time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                                ev.kind,
                                ev.user,
                                ev.client_addr,
                                ev.action,
                                ev.duration_ms,
                                ev.rows,
                                ev.error.as_deref().map(redact)
                            ],
                        )
                    })
                    .collect();
                let n = stmts.len();
                if let Err(e) = store.transaction(stmts).await {
                    tracing::warn!(events = n, error = %format!("{e:#}"), "audit events not stored");
                }
            }
        });
        StoreAudit { log: LogAudit, tx }
    }
}

impl AuditSink for StoreAudit {
    fn record(&self, mut ev: AuditEvent) {
        ev.action = redact(&ev.action);
        let _ = self.tx.send(ev.clone());
        self.log.record(ev);
    }
}
