//! The audit log an auditor can trust, and the LLM reviewer that cannot be used to run
//! up costs, against the real binary: secrets masked in stored SQL and API records, the
//! dropped-events counter in /metrics, retention at start-up, audit_log filters pushed
//! down, and policy_review model calls counted at a local fake model endpoint.
//!
//! Reader/operator row filtering and model-call rights are checked with real logins in
//! `readers_*` below once pgwire sessions carry the login's identity; the same rules are
//! unit-tested with an attached identity in `posture::tables` and `policy`.

mod common;

#[path = "../../analyzers/tests/llm_support/mod.rs"]
mod llm_support;

use std::time::{Duration, Instant};

use common::Daemon;
use llm_support::{MockServer, Mode};

const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SK: &str = "sk-proj-4f9aB3cD5eF6gH7iJ8kL9mN0pQ";
const PG: &str = "host=127.0.0.1 port=5432 user=postgres dbname=test";

async fn postgres() -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(PG, tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL must run on 127.0.0.1:5432 (trust auth, database test): start it with `service postgresql start`");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// A schema of its own in the test database, dropped on drop.
struct PgSchema {
    name: String,
}

impl PgSchema {
    fn new(tag: &str) -> PgSchema {
        PgSchema {
            name: format!(
                "pw_audit_{tag}_{}_{}",
                std::process::id(),
                common::free_port()
            ),
        }
    }

    fn state_toml(&self) -> String {
        format!(
            "[state]\nurl = \"postgres://postgres@127.0.0.1:5432/test\"\nschema = \"{}\"\n",
            self.name
        )
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let _ = std::process::Command::new("psql")
            .arg(PG)
            .args(["-X", "-q", "-c"])
            .arg(format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name))
            .output();
    }
}

async fn strings(c: &tokio_postgres::Client, sql: &str) -> Vec<Vec<Option<String>>> {
    c.simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect()
}

async fn metric(d: &Daemon, name: &str) -> Option<f64> {
    let text = reqwest::get(format!("http://127.0.0.1:{}/metrics", d.http_port))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_audit_records_never_hold_secrets() {
    let d = Daemon::start(
        "audit-mask",
        Some("[state]\naudit_retention_days = 90\n"),
        &[],
    );
    let c = d.client().await;
    let statements = [
        format!("select '{AKID}' as key_id, 'alice' as who"),
        format!(
            "select count(*) from aws_iam_user where name = 'x' or name = E'it\\'s {SECRET_KEY}'"
        ),
        format!("select $${SK}$$ as k -- and a comment with {AKID}"),
        "select 1 where 'x' <> 'Bearer abcdefghij0123456789' /* password: hunter2 */".to_string(),
        "select * from aws_iam_user where password = 'hunter2'".to_string(),
        format!("select cast('{SECRET_KEY}' as bigint)"),
    ];
    for s in &statements {
        // Some fail (unknown column, bad cast); every one is audited either way.
        let _ = c.simple_query(s).await;
    }
    // The API is audited through the same sink.
    let _ = reqwest::get(format!("http://127.0.0.1:{}/api/v1/runs/{SK}", d.http_port)).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let rows = loop {
        let rows = strings(
            &c,
            "select kind, action, coalesce(error, '') from pathwarden.audit_log where kind in ('sql', 'api') order by id",
        )
        .await;
        let sql = rows
            .iter()
            .filter(|r| {
                r[0].as_deref() == Some("sql")
                    && !r[1]
                        .as_deref()
                        .unwrap_or("")
                        .contains("pathwarden.audit_log")
            })
            .count();
        let api = rows.iter().any(|r| r[0].as_deref() == Some("api"));
        if sql >= statements.len() && api {
            break rows;
        }
        assert!(
            Instant::now() < deadline,
            "audit records missing: {rows:?}\n{}",
            d.stderr()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let text = format!("{rows:?}");
    for secret in [AKID, SECRET_KEY, SK, "abcdefghij0123456789", "hunter2"] {
        assert!(
            !text.contains(secret),
            "{secret} stored in the audit log: {text}"
        );
    }
    // The statement is stored as parsed (keywords upper case, comments dropped).
    assert!(
        text.to_lowercase().contains("'alice' as who"),
        "other literals are kept: {text}"
    );
    assert!(text.contains("'***'"), "{text}");
    let log = d.stderr();
    for secret in [AKID, SECRET_KEY, SK] {
        assert!(!log.contains(secret), "{secret} in the daemon log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_audit_queue_is_counted_in_metrics() {
    let schema = PgSchema::new("drop");
    let config = format!("{}audit_queue_capacity = 2\n", schema.state_toml());
    let d = Daemon::start("audit-drop", Some(&config), &[]);
    let c = d.client().await;
    strings(&c, "select 1").await;
    assert_eq!(
        metric(&d, "pathwarden_audit_dropped_total").await,
        Some(0.0)
    );
    // Hold the audit table so that the writer blocks: the queue fills up.
    let mut pg = postgres().await;
    let tx = pg.transaction().await.expect("begin");
    tx.batch_execute(&format!(
        "LOCK TABLE \"{}\".audit_log IN ACCESS EXCLUSIVE MODE",
        schema.name
    ))
    .await
    .expect("lock audit_log");
    for i in 0..60 {
        strings(&c, &format!("select {i}")).await;
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let dropped = loop {
        let n = metric(&d, "pathwarden_audit_dropped_total")
            .await
            .unwrap_or(0.0);
        if n > 0.0 {
            break n;
        }
        assert!(Instant::now() < deadline, "no dropped events counted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // The writer took what arrived in its gathering window; beyond, a queue of 2.
    assert!(dropped >= 1.0, "dropped {dropped}");
    tx.rollback().await.expect("unlock");
    // Queries still run, and once the store is free again the writer catches up and
    // events are stored again (the first ones may still find the queue full).
    let deadline = Instant::now() + Duration::from_secs(20);
    // Rows, not count(*): a connection caches a count that the optimizer folded from
    // the table's statistics.
    loop {
        strings(&c, "select 'after'").await;
        let rows = strings(
            &c,
            "select id from pathwarden.audit_log where lower(action) = 'select ''after'''",
        )
        .await;
        if !rows.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "audit writer did not recover");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_audit_rows_are_deleted_at_start_up() {
    let schema = PgSchema::new("retention");
    // A first start creates the tables.
    drop(Daemon::start("audit-ret1", Some(&schema.state_toml()), &[]));
    let pg = postgres().await;
    let table = format!("\"{}\".audit_log", schema.name);
    for days in [400i64, 45, 1] {
        let t = (chrono::Utc::now() - chrono::Duration::days(days))
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        pg.execute(
            &format!("INSERT INTO {table} (time, kind, user_name, client_addr, action, duration_ms) VALUES ($1, 'sql', 'old', 'x', $2, 0)"),
            &[&t, &format!("aged {days}")],
        )
        .await
        .expect("insert");
    }
    let config = format!("{}audit_retention_days = 30\n", schema.state_toml());
    let _d = Daemon::start("audit-ret2", Some(&config), &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = pg
            .query(
                &format!("SELECT action FROM {table} WHERE user_name = 'old' ORDER BY id"),
                &[],
            )
            .await
            .expect("select");
        let left: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        if left == ["aged 1"] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "rows older than 30 days not deleted at start: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_log_filters_are_pushed_down_and_give_the_same_rows() {
    let d = Daemon::start("audit-push", None, &[]);
    let c = d.client().await;
    for i in 0..25 {
        strings(&c, &format!("select {i} as n")).await;
    }
    let _ = reqwest::get(format!("http://127.0.0.1:{}/api/v1/runs", d.http_port)).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while strings(&c, "select id from pathwarden.audit_log where kind = 'api'")
        .await
        .is_empty()
    {
        assert!(Instant::now() < deadline, "api call not audited");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mid: String = strings(
        &c,
        "select cast(time as varchar) from pathwarden.audit_log order by id limit 1 offset 10",
    )
    .await[0][0]
        .clone()
        .expect("a time");
    let filters = [
        "kind = 'api'".to_string(),
        "user_name = 'analyst' and kind = 'sql'".into(),
        format!("time >= '{mid}'"),
        format!("time < '{mid}' and kind in ('sql', 'api')"),
        "time > now() - interval '1 hour'".into(),
        "id between 3 and 9".into(),
        "user_name = 'nobody'' or ''1''=''1'".into(),
    ];
    // Rows audited from here on (these queries themselves) are left out of both sides.
    let max_id = strings(&c, "select max(id) from pathwarden.audit_log").await[0][0]
        .clone()
        .expect("rows");
    for f in &filters {
        let pushed = format!(
            "select id from pathwarden.audit_log where ({f}) and id <= {max_id} order by id"
        );
        // A LIMIT under the filter keeps it out of the scan: the whole table, filtered by
        // the engine.
        let unpushed = format!(
            "select id from (select * from pathwarden.audit_log limit 1000000) t where ({f}) and id <= {max_id} order by id"
        );
        let a = strings(&c, &pushed).await;
        let b = strings(&c, &unpushed).await;
        assert_eq!(a, b, "{f}");
        let plan = strings(
            &c,
            &format!("explain select id from pathwarden.audit_log where {f}"),
        )
        .await;
        let plan = format!("{plan:?}");
        assert!(
            plan.contains("partial_filters"),
            "{f} not pushed down: {plan}"
        );
    }
    assert_ne!(
        strings(
            &c,
            &format!("select count(*) from pathwarden.audit_log where time >= '{mid}'")
        )
        .await,
        vec![vec![Some("0".to_string())]]
    );
}

fn llm_toml(server: &MockServer, extra: &str) -> String {
    format!(
        "[llm]\nbase_url = \"{}\"\nmodel = \"test-model\"\napi_key_env = \"\"\ntimeout = 5\nmax_retries = 0\n{extra}",
        server.base_url
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_review_against_a_failing_model_makes_bounded_calls() {
    let server = MockServer::start(Mode::Http500).await;
    let config = llm_toml(
        &server,
        "max_calls_per_query = 5\nmax_calls_per_hour = 8\ncircuit_breaker_failures = 0\n",
    );
    let d = Daemon::start("audit-llm", Some(&config), &[]);
    let c = d.client().await;
    let one = "select source, fallback_reason from pathwarden.policy_review where policy_arn = 'arn:aws:iam::aws:policy/AdministratorAccess'";
    for _ in 0..10 {
        let rows = strings(&c, one).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0][0].as_deref(), Some("heuristic"));
    }
    // One policy asked for, a failure remembered: one call, not 384 per query.
    assert_eq!(server.request_count(), 1);
    let rows = strings(&c, one).await;
    assert!(
        rows[0][1]
            .as_deref()
            .unwrap_or("")
            .starts_with("recent failure"),
        "{rows:?}"
    );
    // A full scan spends the query budget, no more.
    let rows = strings(&c, "select fallback_reason from pathwarden.policy_review").await;
    assert!(rows.len() > 20, "demo policies: {}", rows.len());
    assert_eq!(server.request_count(), 1 + 5);
    assert!(rows.iter().any(|r| {
        r[0].as_deref()
            .unwrap_or("")
            .starts_with("budget: max_calls_per_query (5)")
    }));
    // And the hourly budget holds across queries.
    // (Row queries: a repeated count(*) may be answered from the connection's plan cache.)
    let rows = strings(&c, "select risk from pathwarden.policy_review").await;
    assert!(rows.len() > 20);
    assert_eq!(server.request_count(), 8);
    let rows = strings(
        &c,
        "select source, fallback_reason from pathwarden.policy_review",
    )
    .await;
    assert_eq!(server.request_count(), 8);
    assert!(rows.iter().any(|r| {
        r[1].as_deref()
            .unwrap_or("")
            .starts_with("budget: max_calls_per_hour (8)")
    }));
}

/// With real logins: a reader sees only their own audit rows and cannot make model
/// calls; an operator can. Needs the pgwire session to carry the login's identity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_see_their_own_audit_rows_and_make_no_model_calls() {
    let server = MockServer::start(Mode::Valid("medium")).await;
    let users = [("ann", "reader"), ("olga", "operator"), ("root", "admin")]
        .iter()
        .map(|(u, r)| {
            format!(
                "[[user]]\nname = \"{u}\"\npassword_hash = \"{}\"\nrole = \"{r}\"\n",
                common::hash_password(&format!("{u}-pw"))
            )
        })
        .collect::<String>();
    let config = format!("{users}{}", llm_toml(&server, ""));
    let d = Daemon::start("audit-roles", Some(&config), &[]);
    let ann = d.client_as("ann", "ann-pw").await;
    let olga = d.client_as("olga", "olga-pw").await;
    let root = d.client_as("root", "root-pw").await;
    for (c, tag) in [(&ann, "a"), (&olga, "o"), (&root, "r")] {
        strings(c, &format!("select '{tag}' as marker")).await;
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let users = strings(
            &root,
            "select distinct user_name from pathwarden.audit_log order by 1",
        )
        .await;
        if users.len() >= 3 {
            break;
        }
        assert!(Instant::now() < deadline, "audit rows missing: {users:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = strings(&ann, "select distinct user_name from pathwarden.audit_log").await;
    assert_eq!(seen, vec![vec![Some("ann".to_string())]]);
    let seen = strings(
        &ann,
        "select count(*) from pathwarden.audit_log where user_name = 'root'",
    )
    .await;
    assert_eq!(seen, vec![vec![Some("0".to_string())]]);
    let seen = strings(&olga, "select distinct user_name from pathwarden.audit_log").await;
    assert_eq!(seen, vec![vec![Some("olga".to_string())]]);
    let seen = strings(
        &root,
        "select count(distinct user_name) from pathwarden.audit_log",
    )
    .await;
    assert_ne!(seen, vec![vec![Some("1".to_string())]]);
    let one = "select source from pathwarden.policy_review where policy_arn = 'arn:aws:iam::aws:policy/ReadOnlyAccess'";
    assert_eq!(
        strings(&ann, one).await,
        vec![vec![Some("heuristic".to_string())]]
    );
    assert_eq!(server.request_count(), 0);
    assert_eq!(
        strings(&olga, one).await,
        vec![vec![Some("llm".to_string())]]
    );
    assert_eq!(server.request_count(), 1);
    assert_eq!(
        strings(&ann, one).await,
        vec![vec![Some("cache".to_string())]]
    );
    assert_eq!(server.request_count(), 1);
}
