//! End to end against the built-in demo organisation: the real binary, real
//! clients (tokio-postgres, psql, psycopg/SQLAlchemy/pandas/asyncpg).

mod common;

use common::{Daemon, run_python};
use tokio_postgres::error::SqlState;

const SLOW: &str = "select count(*) from generate_series(1, 50000000000)";

fn code(e: &tokio_postgres::Error) -> String {
    e.code()
        .map(|c| c.code().to_string())
        .unwrap_or_else(|| format!("no sqlstate: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_over_pgwire() {
    let d = Daemon::start("sql", None, &[]);
    let c = d.client().await;

    // Basic table access, Steampipe names.
    let users: i64 = c
        .query_one("select count(*) from aws_iam_user", &[])
        .await
        .expect("count")
        .get(0);
    assert!(users > 10, "demo has users: {users}");
    let qualified: i64 = c
        .query_one("select count(*) from demo.aws_iam_user", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(
        users, qualified,
        "search path resolves to the demo connection"
    );

    // Extended protocol with a parameter (a key lookup).
    let name: String = c
        .query_one("select name from aws_iam_user order by name limit 1", &[])
        .await
        .expect("q")
        .get(0);
    let rows = c
        .query(
            "select name, arn from aws_iam_user where name = $1",
            &[&name],
        )
        .await
        .expect("param query");
    assert_eq!(rows.len(), 1);
    let arn: String = rows[0].get("arn");
    assert!(
        arn.starts_with("arn:aws:iam::") && arn.ends_with(&format!("user/{name}"))
            || arn.contains(&name),
        "{arn}"
    );

    // PostgreSQL result naming.
    let stmt = c
        .prepare("select count(*), max(name), 1 + 1, name from aws_iam_user group by name limit 1")
        .await
        .expect("prepare");
    let names: Vec<&str> = stmt.columns().iter().map(|c| c.name()).collect();
    assert_eq!(names, vec!["count", "max", "?column?", "name"]);
    let row = c
        .query_one("select count(*), count(name) from aws_iam_user", &[])
        .await
        .expect("dup names");
    assert_eq!(row.columns()[0].name(), "count");
    assert_eq!(row.columns()[1].name(), "count");
    let v: String = c
        .query_one("select version()", &[])
        .await
        .expect("version")
        .get(0);
    assert!(v.starts_with("PostgreSQL 16.0 (pathwarden "), "{v}");

    // JSON operators and Steampipe-style lateral joins.
    let n: i64 = c
        .query_one(
            "select count(*) from aws_iam_policy p, jsonb_array_elements(p.policy_std -> 'Statement') as s \
             where s ->> 'Effect' = 'Allow'",
            &[],
        )
        .await
        .expect("lateral jsonb_array_elements")
        .get(0);
    assert!(n > 0);
    let admin: i64 = c
        .query_one(
            "select count(*) from aws_iam_policy where policy_std @> '{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"*\"],\"Resource\":[\"*\"]}]}'",
            &[],
        )
        .await
        .expect("containment")
        .get(0);
    assert!(admin >= 1, "AdministratorAccess-like policies exist");
    let old: i64 = c
        .query_one("select count(*) from aws_iam_access_key where create_date < now() - interval '90 days'", &[])
        .await
        .expect("interval")
        .get(0);
    assert!(old >= 1, "demo plants old access keys");
    c.query("with r as (select name, row_number() over (order by name) as n from aws_iam_role) select * from r where n <= 3 and name ilike '%'", &[])
        .await
        .expect("cte + window + ilike");

    // Errors carry SQLSTATEs and the connection stays usable.
    let e = c.simple_query("selec 1").await.expect_err("syntax");
    assert_eq!(code(&e), "42601", "{e:?}");
    let e = c
        .query("select * from aws_iam_nope", &[])
        .await
        .expect_err("unknown table");
    assert_eq!(code(&e), "42P01", "{e:?}");
    let e = c
        .query("select nope from aws_iam_user", &[])
        .await
        .expect_err("unknown column");
    assert_eq!(code(&e), "42703", "{e:?}");
    let one: i64 = c
        .query_one("select count(*) from aws_iam_group", &[])
        .await
        .expect("still usable")
        .get(0);
    assert!(one > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_timeout_and_cancel() {
    let d = Daemon::start("cancel", None, &[]);
    let c = d.client().await;
    c.batch_execute("set statement_timeout = '300ms'")
        .await
        .expect("set");
    let started = std::time::Instant::now();
    let e = c.simple_query(SLOW).await.expect_err("timeout");
    assert_eq!(e.code(), Some(&SqlState::QUERY_CANCELED), "{e:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    c.batch_execute("set statement_timeout = 0")
        .await
        .expect("reset");
    let v: i64 = c
        .query_one("select 41 + 1", &[])
        .await
        .expect("usable")
        .get(0);
    assert_eq!(v, 42);

    // Cancel request from another connection.
    let token = c.cancel_token();
    let slow = tokio::spawn(async move {
        let r = c.simple_query(SLOW).await;
        (r.map(|_| ()), c)
    });
    // Poll until the query is running server-side: retry cancel until the task ends.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !slow.is_finished() {
        token
            .cancel_query(tokio_postgres::NoTls)
            .await
            .expect("cancel request");
        assert!(
            std::time::Instant::now() < deadline,
            "cancel did not stop the query"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (r, c) = slow.await.expect("join");
    let e = r.expect_err("cancelled");
    assert_eq!(e.code(), Some(&SqlState::QUERY_CANCELED), "{e:?}");
    let v: i64 = c
        .query_one("select 1", &[])
        .await
        .expect("usable after cancel")
        .get(0);
    assert_eq!(v, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_meta_commands() {
    let d = Daemon::start("psql", None, &[]);
    let dt = d.psql(&["-c", "\\dt"]);
    assert!(dt.contains("aws_iam_role"), "{dt}");
    let dn = d.psql(&["-c", "\\dn"]);
    assert!(dn.contains("demo") && dn.contains("pathwarden"), "{dn}");
    let desc = d.psql(&["-c", "\\d aws_iam_role"]);
    assert!(desc.contains("assume_role_policy_std"), "{desc}");
    assert!(desc.contains("arn"), "{desc}");
    let q = d.psql(&["-A", "-t", "-c", "select count(*) > 0 from aws_iam_role"]);
    assert_eq!(q.trim(), "t");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_clients() {
    let d = Daemon::start("python", None, &[]);
    let out = run_python("clients.py", &[&d.url()]);
    assert!(out.contains("ALL OK"), "{out}");
}

#[test]
fn cli_query_outputs() {
    let out = std::process::Command::new(common::bin())
        .args([
            "query",
            "--output",
            "json",
            "select count(*) as n from aws_iam_user",
        ])
        .output()
        .expect("run query");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
    assert!(v[0]["n"].as_i64().unwrap_or(0) > 0, "{v}");
    let out = std::process::Command::new(common::bin())
        .args([
            "query",
            "--output",
            "csv",
            "select name from aws_iam_group order by name limit 2",
        ])
        .output()
        .expect("run query");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().next(), Some("name"));
    assert_eq!(text.lines().count(), 3);
    let out = std::process::Command::new(common::bin())
        .args(["query", "select * from nope"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one readable line: {err}");
    assert!(err.starts_with("error: "), "{err}");
}

#[test]
fn bad_config_is_one_line_naming_file_and_key() {
    let dir = common::temp_dir("badcfg");
    let p = dir.join("bad.toml");
    std::fs::write(
        &p,
        "[server]\nlisten = \"127.0.0.1:9193\"\n[[connection]]\nname = \"x\"\nplugin = \"gaad\"\n",
    )
    .expect("write");
    let out = std::process::Command::new(common::bin())
        .args(["serve", "--config"])
        .arg(&p)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err.trim();
    assert_eq!(line.lines().count(), 1, "{err}");
    assert!(
        line.contains("bad.toml") && line.contains("connection[0] (x).path"),
        "{err}"
    );
}

#[test]
fn non_loopback_without_auth_is_refused() {
    let out = std::process::Command::new(common::bin())
        .args([
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--http-listen",
            "127.0.0.1:0",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a loopback address"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_and_policy_tables_over_pgwire() {
    let d = Daemon::start("graph", None, &[]);
    let c = d.client().await;
    let rows = c
        .query("select source_arn, techniques::text from pathwarden.attack_path where target = 'admin' and source_arn like '%user/esc-%'", &[])
        .await
        .expect("attack_path");
    let planted: Vec<String> = rows.iter().map(|r| r.get::<_, String>(0)).collect();
    for name in [
        "esc-create-policy-version",
        "esc-passrole-lambda",
        "esc-assume-chain",
        "esc-add-user-to-group",
    ] {
        assert!(
            planted.iter().any(|a| a.ends_with(&format!("user/{name}"))),
            "{name} missing from {planted:?}"
        );
    }
    let near: i64 = c
        .query_one(
            "select count(*) from pathwarden.attack_path where source_arn like '%nearmiss-%'",
            &[],
        )
        .await
        .expect("near misses")
        .get(0);
    assert_eq!(near, 0, "near misses must not reach admin");
    // Filter pushdown: one principal's reachable set, with the chain's hops.
    let hops: i64 = c
        .query_one(
            "select hops from pathwarden.reachable where principal_arn = 'arn:aws:iam::111111111111:user/esc-assume-chain' and target_arn = 'admin:111111111111'",
            &[],
        )
        .await
        .expect("reachable")
        .get(0);
    assert_eq!(hops, 3);
    let crit: i64 = c
        .query_one("select count(*) from pathwarden.policy_finding where rule_id = 'PW-WILDCARD-ADMIN' and severity = 'critical'", &[])
        .await
        .expect("policy_finding")
        .get(0);
    assert!(crit >= 1);
    let src: String = c
        .query_one("select source from pathwarden.policy_review where policy_arn = 'arn:aws:iam::aws:policy/AdministratorAccess'", &[])
        .await
        .expect("policy_review")
        .get(0);
    assert_eq!(src, "heuristic", "no [llm] configured");
}
