//! The audit log kept in the state store (`pathwarden.audit_log`), next to the
//! tracing log.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::store::{Stmt, Store};
use crate::args;
use crate::audit::{AuditEvent, AuditSink, LogAudit, redact};

/// Records every event in the log and (asynchronously, in order) in the store.
pub struct StoreAudit {
    log: LogAudit,
    tx: mpsc::UnboundedSender<Msg>,
}

enum Msg {
    Event(AuditEvent),
    /// Commit everything queued so far, then answer.
    Flush(oneshot::Sender<()>),
}

/// How long the writer gathers events before it commits them. A busy connection's
/// statements then cost one commit (and one fsync) per window instead of one each.
pub const GROUP_COMMIT_WINDOW: Duration = Duration::from_millis(20);

/// Events per transaction at most.
const MAX_BATCH: usize = 500;

impl StoreAudit {
    /// A sink writing to `store`; the writer task lives as long as the sink.
    pub fn new(store: Store) -> StoreAudit {
        let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = Vec::new();
                let mut waiters = Vec::new();
                // Gather for a moment; a flush request, a full batch or the sink being
                // dropped ends the wait.
                let mut flush = take(first, &mut batch, &mut waiters);
                let deadline = tokio::time::sleep(GROUP_COMMIT_WINDOW);
                tokio::pin!(deadline);
                while !flush && batch.len() < MAX_BATCH {
                    tokio::select! {
                        _ = &mut deadline => break,
                        m = rx.recv() => match m {
                            Some(m) => flush = take(m, &mut batch, &mut waiters),
                            None => break,
                        },
                    }
                }
                // Whatever else is already queued goes into the same transaction.
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(m) => {
                            take(m, &mut batch, &mut waiters);
                        }
                        Err(_) => break,
                    }
                }
                write(&store, batch).await;
                for w in waiters {
                    let _ = w.send(());
                }
            }
        });
        StoreAudit { log: LogAudit, tx }
    }

    /// Wait until every event recorded so far is committed to the store.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

/// Add a message to the batch being gathered; true for a flush request.
fn take(m: Msg, batch: &mut Vec<AuditEvent>, waiters: &mut Vec<oneshot::Sender<()>>) -> bool {
    match m {
        Msg::Event(ev) => {
            batch.push(ev);
            false
        }
        Msg::Flush(w) => {
            waiters.push(w);
            true
        }
    }
}

/// Commit one batch of events in one transaction.
async fn write(store: &Store, batch: Vec<AuditEvent>) {
    if batch.is_empty() {
        return;
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

impl AuditSink for StoreAudit {
    fn record(&self, mut ev: AuditEvent) {
        ev.action = redact(&ev.action);
        let _ = self.tx.send(Msg::Event(ev.clone()));
        self.log.record(ev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StateConfig;
    use crate::posture::store::{Col, Val};

    fn event(n: usize) -> AuditEvent {
        AuditEvent {
            time: chrono::Utc::now(),
            kind: "sql".into(),
            user: "tester".into(),
            client_addr: "127.0.0.1:1".into(),
            action: format!("select {n}"),
            duration_ms: 0,
            rows: Some(1),
            error: None,
        }
    }

    async fn count(store: &Store) -> i64 {
        let rows = store
            .fetch("SELECT count(*) FROM audit_log", vec![], &[Col::Int])
            .await
            .expect("count");
        match rows[0][0] {
            Val::Int(n) => n,
            ref v => panic!("{v:?}"),
        }
    }

    #[tokio::test]
    async fn events_are_grouped_into_commits_and_flush_writes_them_all() {
        let dir = std::env::temp_dir().join(format!(
            "pw-audit-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let store = Store::open(&StateConfig::default(), &dir)
            .await
            .expect("open");
        let audit = StoreAudit::new(store.clone());
        // More than one batch, recorded faster than one window.
        for n in 0..(MAX_BATCH + 20) {
            audit.record(event(n));
        }
        audit.flush().await;
        assert_eq!(count(&store).await, (MAX_BATCH + 20) as i64);
        // A lone event is committed by the window running out, without a flush.
        audit.record(event(0));
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while count(&store).await < (MAX_BATCH + 21) as i64 {
            assert!(
                std::time::Instant::now() < deadline,
                "event never committed"
            );
            tokio::time::sleep(GROUP_COMMIT_WINDOW).await;
        }
        // Order is kept: ids follow recording order.
        let rows = store
            .fetch(
                "SELECT action FROM audit_log ORDER BY id LIMIT 3",
                vec![],
                &[Col::Text],
            )
            .await
            .expect("fetch");
        let actions: Vec<&Val> = rows.iter().map(|r| &r[0]).collect();
        assert_eq!(
            actions,
            vec![
                &Val::Text("select 0".into()),
                &Val::Text("select 1".into()),
                &Val::Text("select 2".into())
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
