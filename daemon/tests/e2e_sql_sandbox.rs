//! Attacks on the SQL surface, against the real binary: SQL may not touch the host's
//! files, change what other sessions see, or take the daemon down; roles are enforced
//! on pgwire; connections cannot be exhausted before login.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::Daemon;

fn sqlstate(e: &tokio_postgres::Error) -> String {
    e.code()
        .map(|c| c.code().to_string())
        .unwrap_or_else(|| format!("no SQLSTATE: {e}"))
}

async fn count(c: &tokio_postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).await.expect(sql).get::<_, i64>(0)
}

/// A six-way cross join of the demo's IAM roles: far too big to finish.
const RUNAWAY: &str = "select count(*) from aws_iam_role a, aws_iam_role b, aws_iam_role c, \
                       aws_iam_role d, aws_iam_role e, aws_iam_role f";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_cannot_read_or_write_the_hosts_files() {
    let d = Daemon::start("nofiles", None, &[]);
    // Loopback trust: the strongest role there is.
    let c = d.client().await;
    let dir = common::temp_dir("copy-target");
    for (i, ext) in ["csv", "json", "parquet"].iter().enumerate() {
        let path = dir.join(format!("missing-{i}/out.{ext}"));
        let plain = format!(
            "COPY (select name from aws_iam_user) TO '{}'",
            path.display()
        );
        let e = c.simple_query(&plain).await.expect_err(&plain);
        assert_eq!(sqlstate(&e), "42501", "{plain}: {e}");
        let e = c.query(plain.as_str(), &[]).await.expect_err(&plain);
        assert_eq!(sqlstate(&e), "42501", "extended protocol: {e}");
        // DataFusion's own COPY syntax does not parse as PostgreSQL; either way, no file.
        let stored = format!(
            "COPY (select name from aws_iam_user) TO '{}' STORED AS {}",
            path.display(),
            ext.to_uppercase()
        );
        let e = c.simple_query(&stored).await.expect_err(&stored);
        assert!(
            ["42501", "42601"].contains(&sqlstate(&e).as_str()),
            "{stored}: {e}"
        );
        assert!(!path.exists(), "{} was written", path.display());
        assert!(!path.parent().unwrap().exists(), "a directory was created");
    }
    for (sql, named) in [
        (
            "CREATE EXTERNAL TABLE leak STORED AS CSV LOCATION '/etc/passwd'",
            "CREATE EXTERNAL TABLE",
        ),
        (
            "CREATE EXTERNAL TABLE leak STORED AS PARQUET LOCATION '/etc/'",
            "CREATE EXTERNAL TABLE",
        ),
        ("COPY aws_iam_user FROM '/etc/passwd'", "COPY"),
        (
            "EXPLAIN ANALYZE COPY (select 1) TO '/tmp/pathwarden-explain.csv'",
            "COPY",
        ),
    ] {
        let e = c.simple_query(sql).await.expect_err(sql);
        if sql.contains("STORED AS CSV") && sqlstate(&e) == "42601" {
            // Not PostgreSQL syntax: refused by the parser before anything else.
            continue;
        }
        assert_eq!(sqlstate(&e), "42501", "{sql}: {e}");
        let msg = e
            .as_db_error()
            .map(|d| d.message().to_string())
            .unwrap_or_default();
        assert!(msg.contains(named), "the error names the statement: {msg}");
    }
    assert!(!std::path::Path::new("/tmp/pathwarden-explain.csv").exists());
    // URL-style table names do not reach the filesystem either.
    let e = c
        .simple_query("select * from '/etc/passwd'")
        .await
        .expect_err("url table");
    assert_ne!(sqlstate(&e), "00000");
    // The session still works.
    assert!(count(&c, "select count(*) from aws_iam_user").await > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_session_can_change_what_others_see() {
    let config = common::role_users();
    let d = Daemon::start("immutable", Some(&config), &[]);
    let reader = d.client_as("reader", "pw-reader").await;
    let admin = d.client_as("admin", "pw-admin").await;
    let users_before = count(&admin, "select count(*) from aws_iam_user").await;
    let cis_before = count(&admin, "select count(*) from pathwarden.connection").await;
    for who in [&reader, &admin] {
        for sql in [
            "DROP SCHEMA public CASCADE",
            "DROP SCHEMA pathwarden CASCADE",
            "CREATE VIEW public.aws_iam_user AS SELECT 'fake' AS name",
            "CREATE SCHEMA evil",
            "CREATE TABLE evil (a int)",
            "CREATE DATABASE evil",
            "INSERT INTO aws_iam_user (name) VALUES ('x')",
            "DROP TABLE aws_iam_user",
            "SET datafusion.runtime.memory_limit = '100G'",
        ] {
            let e = who.simple_query(sql).await.expect_err(sql);
            assert_eq!(sqlstate(&e), "42501", "{sql}: {e}");
        }
    }
    // Every session, including a new one, still reads the real tables.
    let fresh = d.client_as("reader", "pw-reader").await;
    assert_eq!(
        count(&fresh, "select count(*) from aws_iam_user").await,
        users_before
    );
    assert_eq!(
        count(&fresh, "select count(*) from pathwarden.connection").await,
        cis_before
    );
    let fake = count(
        &fresh,
        "select count(*) from aws_iam_user where name = 'fake'",
    )
    .await;
    assert_eq!(fake, 0);

    // Roles: engine settings are admin's, cache control is operator's.
    let e = reader
        .simple_query("SET datafusion.execution.batch_size = 1")
        .await
        .expect_err("reader sets datafusion.*");
    assert_eq!(sqlstate(&e), "42501");
    admin
        .simple_query("SET datafusion.execution.batch_size = 100")
        .await
        .expect("admin may tune its own session");
    let e = reader
        .simple_query("select pathwarden_cache_clear('demo')")
        .await
        .expect_err("reader clears the cache");
    assert_eq!(sqlstate(&e), "42501", "{e}");
    let e = reader
        .simple_query("SET pathwarden.cache = false")
        .await
        .expect_err("reader bypasses the cache");
    assert_eq!(sqlstate(&e), "42501");
    let operator = d.client_as("operator", "pw-operator").await;
    assert_eq!(
        count(&operator, "select pathwarden_cache_clear('demo')").await,
        1
    );
    // One session's settings are not another's.
    admin
        .simple_query("SET datafusion.execution.batch_size = 7")
        .await
        .unwrap();
    assert_eq!(batch_size(&admin).await, "7");
    assert_eq!(
        batch_size(&reader).await,
        "8192",
        "another session's SET leaked"
    );
}

async fn batch_size(c: &tokio_postgres::Client) -> String {
    c.query_one(
        "select value from information_schema.df_settings where name = 'datafusion.execution.batch_size'",
        &[],
    )
    .await
    .expect("df_settings")
    .get::<_, Option<String>>(0)
    .unwrap_or_default()
}

async fn show(c: &tokio_postgres::Client) -> String {
    let rows = c.simple_query("show statement_timeout").await.unwrap();
    rows.iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
            _ => None,
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_timeout_is_parsed_and_guarded_by_role() {
    let config = common::role_users();
    let d = Daemon::start("timeouts", Some(&config), &[]);
    let reader = d.client_as("reader", "pw-reader").await;
    assert_eq!(show(&reader).await, "5min", "the server default");
    reader
        .simple_query("set statement_timeout = '3s'")
        .await
        .unwrap();
    assert_eq!(show(&reader).await, "3s");
    let e = reader
        .simple_query("set statement_timeout = 'soon'")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&e), "22023");
    let e = reader
        .simple_query("set statement_timeout = '1h'")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&e), "42501", "a reader may not raise it: {e}");
    let e = reader
        .simple_query("set statement_timeout = 0")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&e), "42501");
    let op = d.client_as("operator", "pw-operator").await;
    op.simple_query("set statement_timeout = '1h'")
        .await
        .unwrap();
    assert_eq!(show(&op).await, "1h", "1h is an hour, not 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_queries_stop_by_timeout_cancel_and_disconnect() {
    let d = Daemon::start("runaway", None, &[]);
    let c = d.client().await;
    let probe = d.client().await;
    let roles = count(&c, "select count(*) from aws_iam_role").await;
    assert!(roles >= 50, "the demo has {roles} roles");

    // 1. Statement timeout, while another session is answered meanwhile.
    c.simple_query("set statement_timeout = '1s'")
        .await
        .unwrap();
    let started = Instant::now();
    let heavy = tokio::spawn(async move {
        let r = c.simple_query(RUNAWAY).await;
        (r.map(|_| ()), c)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..5 {
        let t = Instant::now();
        assert_eq!(count(&probe, "select count(*) from (select 1) x").await, 1);
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "select 1 took {:?}",
            t.elapsed()
        );
    }
    // The HTTP health check too.
    let t = Instant::now();
    let mut http = TcpStream::connect(("127.0.0.1", d.http_port)).unwrap();
    http.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let reply = read_until_closed(&mut http, Duration::from_secs(2)).expect("healthz answered");
    assert!(
        String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 200"),
        "{reply:?}"
    );
    assert!(
        t.elapsed() < Duration::from_millis(1000),
        "healthz took {:?}",
        t.elapsed()
    );
    let (r, c) = heavy.await.unwrap();
    let e = r.expect_err("the runaway join finished?");
    assert_eq!(sqlstate(&e), "57014", "{e}");
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "timeout of 1 s took {took:?}"
    );
    assert_eq!(
        count(&c, "select count(*) from (select 1) x").await,
        1,
        "the session goes on"
    );
    assert!(d.rss_kib() < 1_500_000, "RSS {} KiB", d.rss_kib());

    // 1b. A cursor over the runaway join: its query stops at the timeout too, even
    // while nobody fetches, and the next FETCH reports it.
    c.simple_query("begin").await.unwrap();
    c.simple_query(&format!("declare runaway cursor for {RUNAWAY}"))
        .await
        .unwrap();
    let t = Instant::now();
    let e = c
        .simple_query("fetch 1 from runaway")
        .await
        .expect_err("cursor finished?");
    assert_eq!(sqlstate(&e), "57014", "{e}");
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "cursor timeout took {:?}",
        t.elapsed()
    );
    c.simple_query("rollback").await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = d.cpu_ticks();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let used = d.cpu_ticks() - before;
    assert!(
        used < 30,
        "daemon used {used} ticks in a second after the cursor's timeout"
    );

    // 2. Cancel request.
    c.simple_query("set statement_timeout = 0").await.unwrap();
    let token = c.cancel_token();
    let heavy = tokio::spawn(async move { c.simple_query(RUNAWAY).await.map(|_| ()) });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = Instant::now();
    token
        .cancel_query(tokio_postgres::NoTls)
        .await
        .expect("cancel");
    let e = heavy.await.unwrap().expect_err("cancelled query finished?");
    assert_eq!(sqlstate(&e), "57014", "{e}");
    assert!(
        sent.elapsed() < Duration::from_secs(1),
        "cancel took {:?}",
        sent.elapsed()
    );

    // 3. The client goes away: the query stops, the daemon's CPU goes back to idle.
    let mut psql = psql_running(&d, RUNAWAY);
    tokio::time::sleep(Duration::from_millis(800)).await;
    psql.kill().expect("kill our psql");
    let _ = psql.wait();
    // Within a second the query is gone: over the next second the daemon is nearly idle.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let before = d.cpu_ticks();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let used = d.cpu_ticks() - before;
    assert!(
        used < 30,
        "daemon used {used} ticks (1/100 s) in the second after the client left"
    );
    assert_eq!(
        count(&probe, "select count(*) from aws_iam_user").await > 0,
        true
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_limits_fail_the_query_not_the_daemon() {
    let config = "[server]\nmemory_limit = \"256MiB\"\nquery_memory_limit = \"32MiB\"\n";
    let d = Daemon::start("memory", Some(config), &[]);
    let c = d.client().await;
    let e = c
        .simple_query(
            "select a.name, b.name, c.name, a.arn from aws_iam_role a, aws_iam_role b, aws_iam_role c \
             order by a.arn, b.name, c.name",
        )
        .await
        .expect_err("a sort of millions of rows in 32 MiB");
    assert_eq!(sqlstate(&e), "53200", "{e}");
    assert!(d.rss_kib() < 1_000_000, "RSS {} KiB", d.rss_kib());
    assert!(
        count(&c, "select count(*) from aws_iam_user").await > 0,
        "the daemon survives"
    );
}

/// psql running `sql` in the background (its output discarded).
fn psql_running(d: &Daemon, sql: &str) -> std::process::Child {
    std::process::Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &d.pg_port.to_string(),
            "-U",
            "analyst",
            "-d",
            "pathwarden",
            "-X",
            "-c",
        ])
        .arg(sql)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("psql")
}

fn startup_packet(user: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&196_608u32.to_be_bytes());
    for (k, v) in [("user", user), ("database", "pathwarden")] {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut p = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    p.extend_from_slice(&body);
    p
}

/// Read until the server closes the connection or `limit` passes; returns what came.
fn read_until_closed(s: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let deadline = Instant::now() + limit;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => return Some(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return Some(got),
        }
    }
    None
}

#[test]
fn connections_cannot_be_exhausted_before_login() {
    let config = format!(
        "[server]\nmax_startup_connections = 8\nstartup_timeout = \"1s\"\nmax_connections = 4\n{}",
        common::role_users()
    );
    let d = Daemon::start("slots", Some(&config), &[]);
    // Eight sockets that never send a byte fill the pre-login slots...
    let mut idle: Vec<TcpStream> = (0..8)
        .map(|_| TcpStream::connect(("127.0.0.1", d.pg_port)).unwrap())
        .collect();
    // ...so a ninth is told 53300 at once (polled: on a loaded machine the daemon may
    // not have accepted all eight yet, and a probe that got a slot is dropped and retried).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut probe = TcpStream::connect(("127.0.0.1", d.pg_port)).unwrap();
        match read_until_closed(&mut probe, Duration::from_millis(400)) {
            Some(reply) if String::from_utf8_lossy(&reply).contains("53300") => break,
            other => assert!(
                Instant::now() < deadline,
                "never refused for capacity: {other:?}"
            ),
        }
    }
    // ...and the idle ones are cut off by the startup timeout, freeing the slots.
    for s in idle.iter_mut() {
        assert!(
            read_until_closed(s, Duration::from_secs(3)).is_some(),
            "idle socket kept open"
        );
    }
    let ok = std::process::Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=reader dbname=pathwarden",
            d.pg_port
        ))
        .args(["-X", "-A", "-t", "-c", "select 1"])
        .env("PGPASSWORD", "pw-reader")
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    // A 1 GB message announced before login is refused at its header...
    let mut s = TcpStream::connect(("127.0.0.1", d.pg_port)).unwrap();
    s.write_all(&startup_packet("reader")).unwrap();
    let mut q = vec![b'Q'];
    q.extend_from_slice(&(1u32 << 30).to_be_bytes());
    s.write_all(&q).unwrap();
    let reply = read_until_closed(&mut s, Duration::from_secs(3)).expect("closed");
    let text = String::from_utf8_lossy(&reply);
    assert!(text.contains("before authentication"), "{text}");
    // ...and the daemon does not buffer what follows it.
    let rss_before = d.rss_kib();
    let mut s = TcpStream::connect(("127.0.0.1", d.pg_port)).unwrap();
    s.write_all(&startup_packet("reader")).unwrap();
    s.write_all(&q).unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..64 {
        if s.write_all(&chunk).is_err() {
            break;
        }
    }
    assert!(
        read_until_closed(&mut s, Duration::from_secs(3)).is_some(),
        "kept open"
    );
    assert!(
        d.rss_kib() < rss_before + 32 * 1024,
        "RSS grew from {rss_before} to {} KiB",
        d.rss_kib()
    );

    // A malformed Bind before login: the connection is closed, nothing else happens.
    let mut s = TcpStream::connect(("127.0.0.1", d.pg_port)).unwrap();
    s.write_all(&startup_packet("reader")).unwrap();
    s.write_all(&[b'B', 0, 0, 0, 9, 0xff, 0xff, 0xff, 0xff, 0x00])
        .unwrap();
    assert!(read_until_closed(&mut s, Duration::from_secs(3)).is_some());
    assert!(!d.stderr().contains("panicked"), "{}", d.stderr());

    // Four logins fill max_connections; the fifth gets 53300 from the login itself.
    let keep: Vec<std::process::Child> = (0..4)
        .map(|_| {
            std::process::Command::new("psql")
                .arg(format!(
                    "host=127.0.0.1 port={} user=reader dbname=pathwarden",
                    d.pg_port
                ))
                .args(["-X", "-c", "select pg_sleep(0)", "-c", "\\! sleep 3"])
                .env("PGPASSWORD", "pw-reader")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    let fifth = std::process::Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=reader dbname=pathwarden",
            d.pg_port
        ))
        .args(["-X", "-A", "-t", "-c", "select 1"])
        .env("PGPASSWORD", "pw-reader")
        .output()
        .unwrap();
    for mut k in keep {
        let _ = k.kill();
        let _ = k.wait();
    }
    let err = String::from_utf8_lossy(&fifth.stderr);
    assert!(
        !fifth.status.success() && err.contains("too many clients"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_are_refused_without_trust_and_failures_are_audited() {
    let d = Daemon::start("notrust", Some("[server]\ntrust_loopback = false\n"), &[]);
    let out = std::process::Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=anyone dbname=pathwarden",
            d.pg_port
        ))
        .args(["-X", "-c", "select 1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("trust_loopback"));
    drop(d);

    let d = Daemon::start("trustwarn", None, &[]);
    assert!(d.stderr().contains("logged in as admin"), "{}", d.stderr());
    drop(d);

    let d = Daemon::start("loginaudit", Some(&common::role_users()), &[]);
    let bad = std::process::Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=reader dbname=pathwarden",
            d.pg_port
        ))
        .args(["-X", "-c", "select 1"])
        .env("PGPASSWORD", "wrong")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let admin = d.client_as("admin", "pw-admin").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let n = count(
            &admin,
            "select count(*) from pathwarden.audit_log where kind = 'login' and user_name = 'reader' and error like '%28P01%'",
        )
        .await;
        if n >= 1 {
            break;
        }
        assert!(Instant::now() < deadline, "failed login not audited");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn sigterm_drains_and_exits_while_a_query_runs() {
    let mut d = Daemon::start("sigterm", None, &[]);
    let mut psql = psql_running(&d, RUNAWAY);
    std::thread::sleep(Duration::from_millis(800));
    let pid = d.child.id().to_string();
    let sent = Instant::now();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(st) = d.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "SIGTERM did not stop the daemon within 15 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = psql.kill();
    let _ = psql.wait();
    assert!(status.success(), "{status}");
    assert!(sent.elapsed() < Duration::from_secs(15));
}
