//! The audit log kept in the state store (`pathwarden.audit_log`), next to the
//! tracing log.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Result;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot};

use super::store::{Stmt, Store};
use crate::args;
use crate::audit::{AuditEvent, AuditSink, LogAudit, mask_event};
use crate::config::StateConfig;

/// Records every event in the log and (asynchronously, in order) in the store, through a
/// bounded queue: when the store cannot keep up, events beyond the queue's capacity are
/// dropped from the store (they are still logged) and counted, instead of growing memory
/// without limit.
pub struct StoreAudit {
    log: LogAudit,
    tx: mpsc::Sender<Msg>,
    dropped: AtomicU64,
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

/// How often rows older than the retention are deleted (also once at start).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Events dropped by every store sink of the process (`pathwarden_audit_dropped_total`).
static DROPPED_TOTAL: AtomicU64 = AtomicU64::new(0);

/// Audit events dropped because the queue to the store was full, since the process started.
pub fn dropped_total() -> u64 {
    DROPPED_TOTAL.load(Ordering::Relaxed)
}

impl StoreAudit {
    /// A sink writing to `store` with the default `[state]` settings.
    #[cfg(test)]
    pub fn new(store: Store) -> StoreAudit {
        Self::with_config(store, &StateConfig::default())
    }

    /// A sink writing to `store`, with the queue capacity and retention of `cfg`; the
    /// writer and the retention task live as long as the sink.
    pub fn with_config(store: Store, cfg: &StateConfig) -> StoreAudit {
        let (tx, rx) = mpsc::channel::<Msg>(cfg.audit_queue_capacity.max(1));
        tokio::spawn(writer(store.clone(), rx));
        if cfg.audit_retention_days > 0 {
            let days = cfg.audit_retention_days;
            let alive = tx.downgrade();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(PRUNE_EVERY);
                loop {
                    tick.tick().await;
                    if alive.upgrade().is_none() {
                        break;
                    }
                    match prune(&store, days).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(rows = n, days, "audit log: old rows deleted"),
                        Err(e) => {
                            tracing::warn!(error = %format!("{e:#}"), "audit log: retention failed")
                        }
                    }
                }
            });
        }
        StoreAudit {
            log: LogAudit,
            tx,
            dropped: AtomicU64::new(0),
        }
    }

    /// Wait until every event recorded so far is committed to the store.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Flush(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }

    /// Events this sink dropped because its queue was full.
    #[cfg(test)]
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Delete audit-log rows older than `days` days; how many.
pub async fn prune(store: &Store, days: u32) -> Result<u64> {
    let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
    // Times are stored as fixed-format UTC text, so text order is time order.
    store
        .exec(
            "DELETE FROM audit_log WHERE time < $1",
            args![cutoff.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)],
        )
        .await
}

/// Gather queued events into group commits until the sink is dropped.
async fn writer(store: Store, mut rx: mpsc::Receiver<Msg>) {
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
                    ev.error
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
    fn record(&self, ev: AuditEvent) {
        // Masked here, in the sink, so that every producer's events are.
        let ev = mask_event(ev);
        self.log.emit(&ev);
        match self.tx.try_send(Msg::Event(ev)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Closed(_)) => {
                let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                DROPPED_TOTAL.fetch_add(1, Ordering::Relaxed);
                // One warning per doubling, not one per event, while the store is behind.
                if n.is_power_of_two() {
                    tracing::warn!(
                        dropped = n,
                        "audit queue full: events dropped from the store (still logged)"
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::store::{Col, Val};

    fn temp_dir() -> std::path::PathBuf {
        std::env::temp_dir().join(format!(
            "pw-audit-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ))
    }

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
        let dir = temp_dir();
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

    #[tokio::test]
    async fn a_full_queue_drops_and_counts_events() {
        let dir = temp_dir();
        let store = Store::open(&StateConfig::default(), &dir)
            .await
            .expect("open");
        let cfg = StateConfig {
            audit_queue_capacity: 8,
            ..StateConfig::default()
        };
        let audit = StoreAudit::with_config(store.clone(), &cfg);
        let before = dropped_total();
        // On this current-thread runtime the writer cannot run while the loop records, so
        // the queue takes exactly its capacity and the rest is dropped, without blocking.
        for n in 0..20 {
            audit.record(event(n));
        }
        assert_eq!(audit.dropped(), 12);
        assert!(dropped_total() >= before + 12);
        audit.flush().await;
        assert_eq!(count(&store).await, 8);
        // Once the writer has caught up, events are accepted again.
        audit.record(event(99));
        audit.flush().await;
        assert_eq!(count(&store).await, 9);
        assert_eq!(audit.dropped(), 12);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn retention_deletes_rows_older_than_the_configured_days() {
        let dir = temp_dir();
        let store = Store::open(&StateConfig::default(), &dir)
            .await
            .expect("open");
        let keep_forever = StateConfig {
            audit_retention_days: 0,
            ..StateConfig::default()
        };
        let audit = StoreAudit::with_config(store.clone(), &keep_forever);
        for age_days in [400, 100, 31, 29, 0] {
            let mut ev = event(age_days as usize);
            ev.time = chrono::Utc::now() - chrono::Duration::days(age_days);
            audit.record(ev);
        }
        audit.flush().await;
        assert_eq!(count(&store).await, 5);
        assert_eq!(prune(&store, 90).await.expect("prune"), 2);
        assert_eq!(count(&store).await, 3);
        // A sink with a 30-day retention prunes at start, without being asked.
        let cfg = StateConfig {
            audit_retention_days: 30,
            ..StateConfig::default()
        };
        let _pruning = StoreAudit::with_config(store.clone(), &cfg);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while count(&store).await != 2 {
            assert!(
                std::time::Instant::now() < deadline,
                "rows older than 30 days were not deleted at start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let rows = store
            .fetch(
                "SELECT action FROM audit_log ORDER BY id",
                vec![],
                &[Col::Text],
            )
            .await
            .expect("fetch");
        assert_eq!(
            rows,
            vec![
                vec![Val::Text("select 29".into())],
                vec![Val::Text("select 0".into())]
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn stored_events_are_masked() {
        let dir = temp_dir();
        let store = Store::open(&StateConfig::default(), &dir)
            .await
            .expect("open");
        let audit = StoreAudit::new(store.clone());
        let mut ev = event(0);
        ev.action = "select * from t where k = 'AKIAIOSFODNN7EXAMPLE' and password = 'p@ss'".into();
        ev.error = Some("bad value 'p@ss'".into());
        audit.record(ev);
        audit.flush().await;
        let rows = store
            .fetch(
                "SELECT action, error FROM audit_log",
                vec![],
                &[Col::Text, Col::Text],
            )
            .await
            .expect("fetch");
        let text = format!("{rows:?}");
        assert!(
            !text.contains("AKIAIOSFODNN7EXAMPLE") && !text.contains("p@ss"),
            "{text}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
