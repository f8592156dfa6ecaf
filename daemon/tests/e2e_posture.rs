//! End to end: `pathwarden check` on the demo organisation, scheduled and triggered runs
//! with history in SQLite and PostgreSQL, the HTTP API with tokens and roles, the audit
//! log, and a run killed with SIGKILL marked interrupted after restart.

mod common;

use common::Moto;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Daemon, bin, temp_dir};
use serde_json::Value;
use sha2::{Digest, Sha256};

const READER: &str = "reader-token-0123456789";
const OPERATOR: &str = "operator-token-0123456789";
const ADMIN: &str = "admin-token-0123456789";

fn sha(t: &str) -> String {
    hex::encode(Sha256::digest(t.as_bytes()))
}

fn tokens_toml() -> String {
    format!(
        "[[token]]\nname = \"ci-reader\"\nsha256 = \"{}\"\nrole = \"reader\"\n\n[[token]]\nname = \"ci-operator\"\nsha256 = \"{}\"\nrole = \"operator\"\n\n[[token]]\nname = \"ci-admin\"\nsha256 = \"{}\"\nrole = \"admin\"\n",
        sha(READER),
        sha(OPERATOR),
        sha(ADMIN)
    )
}

/// `pathwarden check` with args; (exit code, stdout).
fn check(args: &[&str]) -> (i32, String) {
    let out = Command::new(bin())
        .arg("check")
        .args(args)
        .env("PATHWARDEN_LOG", "warn")
        .output()
        .expect("run pathwarden check");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        [0, 1, 2].contains(&code),
        "unexpected exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, stdout)
}

fn alarms(results: &[Value], control: &str) -> BTreeSet<String> {
    results
        .iter()
        .filter(|r| r["control_id"] == control && r["status"] == "alarm")
        .map(|r| r["resource"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn oks(results: &[Value], control: &str) -> BTreeSet<String> {
    results
        .iter()
        .filter(|r| r["control_id"] == control && r["status"] == "ok")
        .map(|r| r["resource"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn user(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:user/{name}")
}

/// Controls of the CIS benchmark: one SQL file each in the benchmark's folder.
fn cis_control_count() -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sql/benchmarks/cis_aws_v3");
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "sql"))
        .count()
}

const PROD: &str = "111111111111";
const DEV: &str = "222222222222";
const SEC: &str = "333333333333";

#[test]
fn check_cis_on_the_demo_finds_the_planted_misconfigurations() {
    // Scale 1 is exactly the planted set, so the alarms can be compared exactly.
    let (code, out) = check(&["cis_aws_v3", "--demo-scale", "1", "--output", "json"]);
    assert_eq!(code, 1, "alarms must exit 1:\n{out}");
    let doc: Value = serde_json::from_str(&out).expect("json report");
    let results = doc["results"].as_array().expect("results").clone();
    let controls: BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r["control_id"].as_str())
        .collect();
    assert_eq!(
        controls.len(),
        cis_control_count(),
        "every control reports: {controls:?}"
    );
    let errors: Vec<&Value> = results.iter().filter(|r| r["status"] == "error").collect();
    assert!(errors.is_empty(), "no control may fail: {errors:#?}");
    let total = &doc["summary"]["total"];
    // Every control is automated or manual now; the only skips are the KMS keys 3.6
    // leaves out of scope (imported, asymmetric, pending deletion).
    let skips: Vec<&Value> = results.iter().filter(|r| r["status"] == "skip").collect();
    assert_eq!(total["skip"], 3, "{skips:#?}");
    assert!(skips.iter().all(|r| r["control_id"] == "3.6"), "{skips:#?}");

    let root = |a: &str| format!("arn:aws:iam::{a}:root");
    assert_eq!(alarms(&results, "1.4"), set(&[&root(PROD)]));
    assert_eq!(alarms(&results, "1.5"), set(&[&root(PROD)]));
    assert_eq!(alarms(&results, "1.7"), set(&[&root(DEV)]));
    let acct = |a: &str| format!("arn:aws:::{a}");
    assert!(alarms(&results, "1.8").contains(&acct(DEV)));
    assert!(alarms(&results, "1.9").contains(&acct(DEV)));
    assert!(
        oks(&results, "1.8").contains(&acct(SEC)),
        "the security account is the clean reference"
    );
    assert_eq!(
        alarms(&results, "1.10"),
        set(&[
            &user(DEV, "cis-console-no-mfa"),
            &user(PROD, "ops-admin-carol")
        ])
    );
    assert_eq!(
        alarms(&results, "1.11"),
        set(&[&user(PROD, "cis-never-used-key")])
    );
    assert!(alarms(&results, "1.12").contains(&user(PROD, "cis-unused-credentials")));
    assert_eq!(
        alarms(&results, "1.13"),
        set(&[&user(PROD, "cis-two-active-keys")])
    );
    let rot = alarms(&results, "1.14");
    for u in [
        "cis-stale-access-key",
        "svc-legacy-soap",
        "break-glass-admin",
    ] {
        assert!(
            rot.iter()
                .any(|a| a.starts_with("arn:aws:iam::111111111111:user/")
                    && a.ends_with(&format!("/{u}"))),
            "1.14 must flag {u}: {rot:?}"
        );
    }
    let direct = alarms(&results, "1.15");
    assert!(
        direct.contains(&user(DEV, "cis-direct-attached-policy"))
            && direct.contains(&user(PROD, "break-glass-admin")),
        "{direct:?}"
    );
    assert!(
        direct.contains(&user(PROD, "esc-attach-user-policy")),
        "inline policies count: {direct:?}"
    );
    assert!(
        !direct.contains(&user(PROD, "admin-alice")),
        "group-only users are fine: {direct:?}"
    );
    let star = alarms(&results, "1.16");
    assert_eq!(star.len(), 1, "{star:?}");
    assert!(
        star.iter().all(|a| a.ends_with("policy/legacy-full-admin")),
        "{star:?}"
    );
    assert_eq!(alarms(&results, "1.17"), set(&[&acct(DEV), &acct(SEC)]));

    let bucket = |n: &str| format!("arn:aws:s3:::{n}");
    let tls = alarms(&results, "2.1.1");
    assert!(
        tls.contains(&bucket("acme-prod-public-website"))
            && !tls.contains(&bucket("acme-prod-access-logs")),
        "{tls:?}"
    );
    assert!(oks(&results, "2.1.2").contains(&bucket("acme-prod-cloudtrail")));
    assert_eq!(
        oks(&results, "2.1.2").len(),
        1,
        "only the CloudTrail bucket has MFA delete"
    );
    let public = alarms(&results, "2.1.4");
    for b in [
        "acme-prod-public-website",
        "acme-dev-shared-uploads",
        "acme-prod-legacy-exports",
    ] {
        assert!(
            public.contains(&bucket(b)),
            "2.1.4 must flag {b}: {public:?}"
        );
    }
    assert!(!public.contains(&bucket("acme-prod-cloudtrail")));

    let reasons = |c: &str| -> Vec<String> {
        results
            .iter()
            .filter(|r| r["control_id"] == c && r["status"] == "alarm")
            .map(|r| r["reason"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let open4 = reasons("5.2");
    assert_eq!(open4.len(), 3, "{open4:?}");
    for g in ["bastion-ssh-open", "legacy-rdp-open", "debug-all-open"] {
        assert!(
            open4.iter().any(|r| r.starts_with(g)),
            "5.2 must flag {g}: {open4:?}"
        );
    }
    let open6 = reasons("5.3");
    assert_eq!(open6.len(), 1, "{open6:?}");
    assert!(open6[0].starts_with("bastion-ssh-open"));
    let default_sg: Vec<&Value> = results
        .iter()
        .filter(|r| r["control_id"] == "5.4")
        .collect();
    let count = |acct: &str, st: &str| {
        default_sg
            .iter()
            .filter(|r| r["account_id"] == acct && r["status"] == st)
            .count()
    };
    // Default VPCs keep AWS's rules everywhere; only the security account's main VPCs are locked down.
    assert_eq!(
        (
            count(PROD, "alarm"),
            count(DEV, "alarm"),
            count(SEC, "alarm"),
            count(SEC, "ok")
        ),
        (4, 4, 2, 2)
    );
    assert!(
        !alarms(&results, "5.6").is_empty(),
        "IMDSv1 instances are planted"
    );

    // The service controls: exactly the planted set (tables/src/demo/README.md).
    let region = |a: &str, r: &str| format!("arn:aws::{r}:{a}");
    assert_eq!(
        alarms(&results, "1.19"),
        set(&[&format!(
            "arn:aws:iam::{PROD}:server-certificate/acme-legacy-api-2019"
        )])
    );
    assert_eq!(oks(&results, "1.19").len(), 2);
    assert_eq!(
        alarms(&results, "1.20"),
        set(&[&region(PROD, "eu-west-1"), &region(DEV, "eu-west-1")])
    );
    assert_eq!(oks(&results, "1.20").len(), 4, "one result per region");
    assert_eq!(alarms(&results, "2.2.1"), set(&[&region(DEV, "us-east-1")]));
    let db = |a: &str, r: &str, id: &str| format!("arn:aws:rds:{r}:{a}:db:{id}");
    assert_eq!(
        alarms(&results, "2.3.1"),
        set(&[&db(PROD, "us-east-1", "legacy-reporting")])
    );
    assert_eq!(
        alarms(&results, "2.3.2"),
        set(&[&db(PROD, "eu-west-1", "billing-ledger")])
    );
    assert_eq!(
        alarms(&results, "2.3.3"),
        set(&[&db(DEV, "us-east-1", "dev-analytics-pg")])
    );
    let efs = reasons("2.4.1");
    assert!(
        efs.len() == 1 && efs[0].starts_with("ml-scratch "),
        "{efs:?}"
    );
    assert_eq!(alarms(&results, "3.1"), set(&[&acct(DEV)]));
    let trail = |a: &str, r: &str, n: &str| format!("arn:aws:cloudtrail:{r}:{a}:trail/{n}");
    let dev_trails = set(&[
        &trail(DEV, "us-east-1", "acme-dev-trail"),
        &trail(DEV, "eu-west-1", "sandbox-eu-trail"),
    ]);
    for c in ["3.2", "3.4", "3.5"] {
        assert_eq!(alarms(&results, c), dev_trails, "{c}");
        assert_eq!(oks(&results, c).len(), 2, "{c}: prod and security trails");
    }
    assert_eq!(
        alarms(&results, "3.3"),
        set(&[&region(PROD, "eu-west-1"), &region(DEV, "eu-west-1")])
    );
    let rotation = reasons("3.6");
    assert!(
        rotation.len() == 1 && rotation[0].starts_with("alias/legacy-exports "),
        "{rotation:?}"
    );
    let per_account = |control: &str, st: &str| -> [usize; 3] {
        [PROD, DEV, SEC].map(|a| {
            results
                .iter()
                .filter(|r| r["control_id"] == control && r["status"] == st && r["account_id"] == a)
                .count()
        })
    };
    // Flow logs: prod and dev default VPCs, dev's eu-west-1 main VPC.
    assert_eq!(per_account("3.7", "alarm"), [2, 3, 0]);
    // Object-level logging: prod logs writes of every bucket, dev of one, security all.
    let writes = per_account("3.8", "alarm");
    assert!(
        writes[0] == 0 && writes[1] > 0 && writes[2] == 0,
        "{writes:?}"
    );
    assert!(oks(&results, "3.8").contains(&bucket("acme-dev-terraform-state")));
    let reads = per_account("3.9", "ok");
    assert!(reads[0] == 0 && reads[1] == 0 && reads[2] > 0, "{reads:?}");
    assert_eq!(per_account("3.9", "alarm")[2], 0);
    // Monitoring: the security account has the whole chain; prod 4.2-4.6; dev's trail
    // does not record all management events.
    for n in 1..=15 {
        let c = format!("4.{n}");
        let expected = if (2..=6).contains(&n) {
            set(&[&acct(DEV)])
        } else {
            set(&[&acct(PROD), &acct(DEV)])
        };
        assert_eq!(alarms(&results, &c), expected, "{c}");
        assert!(oks(&results, &c).contains(&acct(SEC)), "{c}");
    }
    assert!(
        reasons("4.1")
            .iter()
            .any(|r| r.starts_with("No metric filter on aws-cloudtrail-logs-acme-prod"))
    );
    assert!(
        reasons("4.7")
            .iter()
            .any(|r| r.contains("cis-disable-or-delete-cmk") && r.contains("no alarm"))
    );
    assert_eq!(alarms(&results, "4.16"), set(&[&region(DEV, "eu-west-1")]));
    assert_eq!(oks(&results, "4.16").len(), 5);
    let nacl = reasons("5.1");
    assert_eq!(nacl.len(), 8, "6 default-VPC ACLs and 2 planted: {nacl:?}");
    assert!(
        nacl.iter().any(|r| r.contains("(bastion-public)")),
        "{nacl:?}"
    );
    assert_eq!(per_account("5.1", "alarm"), [3, 3, 2]);

    // Summary by section and status on the terminal.
    let (code, text) = check(&["cis_aws_v3", "--demo-scale", "1"]);
    assert_eq!(code, 1);
    for s in [
        "Identity and Access Management",
        "Storage",
        "Logging",
        "Monitoring",
        "Networking",
        "total",
    ] {
        assert!(text.contains(s), "summary lists {s}:\n{text}");
    }
}

#[test]
fn check_filters_formats_and_exit_codes() {
    let (code, out) = check(&[
        "cis_aws_v3",
        "--demo-scale",
        "1",
        "--where",
        "section = '1'",
        "--output",
        "csv",
    ]);
    assert_eq!(code, 1);
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let headers = rdr.headers().expect("header").clone();
    let section = headers
        .iter()
        .position(|h| h == "section")
        .expect("section column");
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| &r[section] == "1"),
        "--where keeps section 1 only"
    );

    // Logging controls: the planted trail, Config and flow-log gaps alarm.
    let (code, out) = check(&[
        "cis_aws_v3",
        "--demo-scale",
        "1",
        "--where",
        "section = '3'",
        "--output",
        "json",
    ]);
    assert_eq!(code, 1, "{out}");
    let doc: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        doc["summary"]["total"]["skip"], 3,
        "3.6's out-of-scope keys"
    );
    assert_eq!(doc["summary"]["total"]["error"], 0);

    // Manual controls only: info, so exit 0.
    let (code, out) = check(&[
        "cis_aws_v3",
        "--demo-scale",
        "1",
        "--where",
        "mode = 'manual'",
        "--output",
        "json",
    ]);
    assert_eq!(code, 0, "{out}");
    let doc: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(doc["summary"]["total"]["alarm"], 0);
    assert!(doc["summary"]["total"]["info"].as_i64().unwrap_or(0) > 0);

    let (code, _) = check(&["cis_aws_v3", "--demo-scale", "1", "--no-fail"]);
    assert_eq!(code, 0, "--no-fail forces 0");

    let (code, out) = check(&[
        "cis_aws_v3",
        "--demo-scale",
        "1",
        "--tag",
        "nist:SC-7(21)",
        "--output",
        "json",
    ]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).expect("json");
    let ids: BTreeSet<&str> = doc["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["control_id"].as_str())
        .collect();
    assert!(
        ids.contains("5.2") && ids.contains("5.4") && !ids.contains("1.4"),
        "{ids:?}"
    );

    let (_, md) = check(&["cis_aws_v3", "--demo-scale", "1", "--output", "md"]);
    assert!(
        md.starts_with("# CIS Amazon Web Services Foundations Benchmark v3.0.0"),
        "{md}"
    );
    let (_, html) = check(&["cis_aws_v3", "--demo-scale", "1", "--output", "html"]);
    assert!(
        html.contains("<table>") && html.contains("&#60;root_account&#62;")
            || html.contains("arn:aws:iam::111111111111:root")
    );

    let (code, _) = check(&["no_such_benchmark"]);
    assert_eq!(code, 2, "a check that cannot run exits 2");
    let (code, _) = check(&[
        "cis_aws_v3",
        "--demo-scale",
        "1",
        "--where",
        "no_such_column = 1",
    ]);
    assert_eq!(code, 2);
}

/// A one-shot HTTP server that records the bodies it receives (webhook target).
fn webhook_server() -> (u16, std::sync::mpsc::Receiver<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read headers, then Content-Length bytes of body.
            let body = loop {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => break None,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(i) = text.find("\r\n\r\n") {
                    let len = text[..i]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() >= i + 4 + len {
                        break Some(String::from_utf8_lossy(&buf[i + 4..i + 4 + len]).to_string());
                    }
                }
            };
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            if let Some(b) = body {
                let _ = tx.send(b);
            }
        }
    });
    (port, rx)
}

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    fn new(d: &Daemon) -> Api {
        Api {
            base: format!("http://127.0.0.1:{}", d.http_port),
            http: reqwest::Client::new(),
        }
    }
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(
            method.parse().expect("method"),
            format!("{}{path}", self.base),
        );
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("http");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    async fn get(&self, path: &str) -> Value {
        let (s, v) = self.call("GET", path, Some(READER), None).await;
        assert_eq!(s, 200, "GET {path}: {v}");
        v
    }
    /// Poll a run until it leaves `running`.
    async fn wait_run(&self, id: i64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let r = self.get(&format!("/api/v1/runs/{id}")).await;
            if r["status"] != "running" {
                return r;
            }
            assert!(Instant::now() < deadline, "run {id} still running: {r}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    async fn trigger(&self, job: &str) -> i64 {
        let (s, v) = self
            .call(
                "POST",
                "/api/v1/runs",
                Some(OPERATOR),
                Some(serde_json::json!({"job": job})),
            )
            .await;
        assert_eq!(s, 202, "trigger {job}: {v}");
        v["run_id"].as_i64().expect("run id")
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
}

async fn scheduled_and_triggered_runs(state_toml: &str, tag: &str) {
    let dir = temp_dir(tag);
    let findings_sql = dir.join("findings.sql");
    write(
        &findings_sql,
        "select 'bucket-a' as resource, 'alarm' as status, 'public' as reason, '111111111111' as account_id, 'us-east-1' as region \
         union all select 'bucket-b', 'alarm', 'public', '111111111111', 'us-east-1' \
         union all select 'bucket-c', 'ok', 'private', '111111111111', 'us-east-1'",
    );
    let reports = dir.join("reports");
    let (hook_port, hook_rx) = webhook_server();
    let config = format!(
        "{state_toml}\n[[connection]]\nname = \"demo\"\nplugin = \"demo\"\nscale = 1\n\n\
         [[job]]\nname = \"nightly-cis\"\nschedule = \"*/2 * * * * *\"\nbenchmark = \"cis_aws_v3\"\n\
         report = {{ formats = [\"json\", \"csv\", \"md\", \"html\"], dir = \"{}\" }}\nwebhook = \"http://127.0.0.1:{hook_port}/hook\"\n\n\
         [[job]]\nname = \"public-buckets\"\nsql_file = \"{}\"\n\n{}",
        reports.display(),
        findings_sql.display(),
        tokens_toml()
    );
    let d = Daemon::start(tag, Some(&config), &[]);
    let api = Api::new(&d);

    // The scheduled benchmark runs on its own; wait for its first finished run.
    let deadline = Instant::now() + Duration::from_secs(120);
    let cis_run = loop {
        let runs = api.get("/api/v1/runs?job=nightly-cis").await;
        if let Some(r) = runs["runs"]
            .as_array()
            .and_then(|a| a.iter().rev().find(|r| r["status"] != "running").cloned())
        {
            break r;
        }
        assert!(
            Instant::now() < deadline,
            "no scheduled run finished: {}",
            d.stderr()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(cis_run["status"], "succeeded", "{cis_run}");
    assert_eq!(cis_run["triggered_by"], "schedule");
    assert_eq!(cis_run["progress_total"], cis_control_count());
    assert_eq!(cis_run["progress_done"], cis_control_count());
    assert_eq!(cis_run["error_count"], 0);
    let cis_id = cis_run["id"].as_i64().expect("id");
    let results = api
        .get(&format!(
            "/api/v1/runs/{cis_id}/results?status=alarm&control_id=1.4"
        ))
        .await;
    let roots: Vec<&str> = results["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["resource"].as_str())
        .collect();
    assert_eq!(roots, vec!["arn:aws:iam::111111111111:root"]);
    for ext in ["json", "csv", "md", "html"] {
        let p = reports.join(format!("nightly-cis-{cis_id}.{ext}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !p.exists() {
            assert!(Instant::now() < deadline, "report {} missing", p.display());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let hook = hook_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("webhook called");
    let hook: Value = serde_json::from_str(&hook).expect("webhook json");
    assert_eq!(hook["event"], "run.finished");
    assert_eq!(hook["run"]["job"], "nightly-cis");

    // A triggered query job; then the query changes: one alarm fixed, one new.
    let first = api.trigger("public-buckets").await;
    let r1 = api.wait_run(first).await;
    assert_eq!(r1["status"], "succeeded", "{r1}");
    assert_eq!(
        (
            r1["alarm_count"].as_i64(),
            r1["ok_count"].as_i64(),
            r1["new_count"].as_i64()
        ),
        (Some(2), Some(1), Some(2))
    );
    write(
        &findings_sql,
        "select 'bucket-a' as resource, 'ok' as status, 'fixed' as reason, '111111111111' as account_id, 'us-east-1' as region \
         union all select 'bucket-b', 'alarm', 'public', '111111111111', 'us-east-1' \
         union all select 'bucket-d', 'alarm', 'public', '111111111111', 'us-east-1'",
    );
    let second = api.trigger("public-buckets").await;
    let r2 = api.wait_run(second).await;
    assert_eq!(r2["status"], "succeeded", "{r2}");
    assert_eq!(
        (
            r2["new_count"].as_i64(),
            r2["resolved_count"].as_i64(),
            r2["unchanged_count"].as_i64(),
            r2["previous_run_id"].as_i64()
        ),
        (Some(1), Some(1), Some(1), Some(first)),
        "{r2}"
    );
    let res = api.get(&format!("/api/v1/runs/{second}/results")).await;
    let change = |resource: &str| {
        res["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|r| r["resource"] == resource)
            .map(|r| r["change"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(change("bucket-a"), "resolved");
    assert_eq!(change("bucket-b"), "unchanged");
    assert_eq!(change("bucket-d"), "new");
    let findings = api.get("/api/v1/findings?job=public-buckets").await;
    let f = |resource: &str| {
        findings["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["resource"] == resource)
            .cloned()
            .expect("finding")
    };
    assert_eq!(f("bucket-a")["status"], "resolved");
    assert_eq!(
        f("bucket-a")["status_history"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(f("bucket-b")["status"], "open");
    assert_eq!(f("bucket-b")["first_run_id"].as_i64(), Some(first));
    assert_eq!(f("bucket-b")["last_run_id"].as_i64(), Some(second));

    // The same history over pgwire.
    let client = d.client().await;
    let rows = client
        .query("select status, new_count, resolved_count from pathwarden.run where job = 'public-buckets' order by id", &[])
        .await
        .expect("pathwarden.run");
    assert_eq!(rows.len(), 2);
    let resolved: i64 = rows[1].get(2);
    assert_eq!(resolved, 1);
    let rows = client
        .query("select resource from pathwarden.finding where job = 'public-buckets' and status = 'open' order by resource", &[])
        .await
        .expect("pathwarden.finding");
    let open: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(open, vec!["bucket-b".to_string(), "bucket-d".to_string()]);
    let rows = client
        .query("select count(*) from pathwarden.control_result where run_id = (select max(id) from pathwarden.run where job = 'public-buckets')", &[])
        .await
        .expect("pathwarden.control_result");
    let n: i64 = rows[0].get(0);
    assert_eq!(n, 3);

    // Access requests: reader files, operator may not decide, admin approves → desired grant.
    let (s, v) = api
        .call(
            "POST",
            "/api/v1/access-requests",
            Some(READER),
            Some(serde_json::json!({"principal": "arn:aws:iam::111111111111:user/maria", "grant_kind": "group", "grant_value": "engineering", "account_id": "111111111111"})),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let ar = v["id"].as_i64().expect("id");
    let (s, v) = api
        .call(
            "POST",
            &format!("/api/v1/access-requests/{ar}/approve"),
            Some(OPERATOR),
            None,
        )
        .await;
    assert_eq!(s, 403, "{v}");
    assert!(
        v["error"].as_str().is_some_and(|e| e.contains("admin")),
        "{v}"
    );
    let (s, v) = api
        .call(
            "POST",
            &format!("/api/v1/access-requests/{ar}/approve"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = api
        .call(
            "POST",
            &format!("/api/v1/access-requests/{ar}/approve"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(s, 409, "approving twice is a conflict");
    let rows = client
        .query("select principal, grant_kind, grant_value, status from pathwarden.desired_grant where access_request_id = $1", &[&ar])
        .await
        .expect("pathwarden.desired_grant");
    assert_eq!(rows.len(), 1);
    let st: String = rows[0].get(3);
    assert_eq!(st, "active");

    // Tokens and roles.
    let (s, v) = api.call("GET", "/api/v1/runs", None, None).await;
    assert_eq!((s, v["status"].as_i64()), (401, Some(401)), "{v}");
    let (s, v) = api
        .call("GET", "/api/v1/runs", Some("not-a-token"), None)
        .await;
    assert_eq!(s, 401, "{v}");
    assert!(v["error"].is_string());
    let (s, v) = api
        .call(
            "POST",
            "/api/v1/runs",
            Some(READER),
            Some(serde_json::json!({"job": "public-buckets"})),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = api
        .call(
            "POST",
            "/api/v1/runs",
            Some(OPERATOR),
            Some(serde_json::json!({"job": "nope"})),
        )
        .await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = api
        .call(
            "POST",
            "/api/v1/runs",
            Some(OPERATOR),
            Some(serde_json::json!({"jobb": 1})),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert!(v["error"].is_string());
    let (s, _) = api
        .call("GET", "/api/v1/runs/999999", Some(READER), None)
        .await;
    assert_eq!(s, 404);
    let (s, v) = api.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(s, 200);
    assert_eq!(v["openapi"], "3.1.0");
    let (s, _) = api.call("GET", "/healthz", None, None).await;
    assert_eq!(s, 200);

    // Every API call is in the audit log, with the token's name and no token text.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows = client
            .query("select user_name, action, error from pathwarden.audit_log where kind = 'api' order by id", &[])
            .await
            .expect("pathwarden.audit_log");
        let actions: Vec<(String, String, Option<String>)> = rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let has = |user: &str, action: &str, err: bool| {
            actions
                .iter()
                .any(|(u, a, e)| u == user && a == action && e.is_some() == err)
        };
        if has(
            "ci-admin",
            &format!("POST /api/v1/access-requests/{ar}/approve"),
            false,
        ) && has("ci-reader", "POST /api/v1/runs", true)
            && has("unauthenticated", "GET /api/v1/runs", true)
        {
            assert!(
                !actions
                    .iter()
                    .any(|(_, a, _)| a.contains(READER) || a.contains(ADMIN))
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "audit log incomplete: {actions:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows = client
        .query(
            "select count(*) from pathwarden.audit_log where kind = 'sql'",
            &[],
        )
        .await
        .expect("sql audit");
    let n: i64 = rows[0].get(0);
    assert!(n >= 1, "SQL statements are audited too");
    drop(d);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_with_history_api_and_audit_on_sqlite() {
    scheduled_and_triggered_runs("", "posture-sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_with_history_api_and_audit_on_postgres() {
    let schema = format!("pw_test_{}_{}", std::process::id(), common::free_port());
    let url = "postgres://postgres@127.0.0.1:5432/test";
    let (admin, conn) = tokio_postgres::connect("host=127.0.0.1 port=5432 user=postgres dbname=test", tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL must run on 127.0.0.1:5432 (trust auth, database test): start it with `service postgresql start`");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let state = format!("[state]\nurl = \"{url}\"\nschema = \"{schema}\"\n");
    let outcome =
        tokio::spawn(async move { scheduled_and_triggered_runs(&state, "posture-pg").await }).await;
    let tables = admin
        .query(
            "select table_name::text from information_schema.tables where table_schema = $1",
            &[&schema],
        )
        .await
        .map(|rows| {
            rows.iter()
                .map(|r| r.get::<_, String>(0))
                .collect::<BTreeSet<String>>()
        })
        .unwrap_or_default();
    let _ = admin
        .execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"), &[])
        .await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
    for t in [
        "run",
        "control_result",
        "finding",
        "desired_grant",
        "access_request",
        "drift",
        "remediation_action",
        "audit_log",
    ] {
        assert!(tables.contains(t), "PostgreSQL state has {t}: {tables:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_with_sigkill_is_marked_interrupted_after_restart() {
    // A query that keeps the engine busy far longer than the test waits.
    let config = format!(
        "[[connection]]\nname = \"demo\"\nplugin = \"demo\"\nscale = 1\n\n\
         [[job]]\nname = \"slow\"\nsql = \"select count(*) as n from aws_iam_policy a, aws_iam_policy b, aws_iam_policy c, aws_iam_policy d where a.name || b.name || c.name || d.name = 'x'\"\n\n{}",
        tokens_toml()
    );
    let mut d = Daemon::start("posture-kill", Some(&config), &[]);
    let api = Api::new(&d);
    let id = api.trigger("slow").await;
    let r = api.get(&format!("/api/v1/runs/{id}")).await;
    assert_eq!(r["status"], "running");
    // A second trigger while it runs is refused: runs of one job never overlap.
    let (s, v) = api
        .call(
            "POST",
            "/api/v1/runs",
            Some(OPERATOR),
            Some(serde_json::json!({"job": "slow"})),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["run_id"].as_i64(), Some(id));
    d.child.kill().expect("SIGKILL");
    let _ = d.child.wait();

    // Restart on the same data directory.
    let dir = d.dir.clone();
    let pg_port = common::free_port();
    let http_port = common::free_port();
    let mut child = Command::new(bin())
        .arg("serve")
        .arg("--listen")
        .arg(format!("127.0.0.1:{pg_port}"))
        .arg("--http-listen")
        .arg(format!("127.0.0.1:{http_port}"))
        .arg("--config")
        .arg(dir.join("pathwarden.toml"))
        .current_dir(&dir)
        .env("PATHWARDEN_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("restart");
    let api = Api {
        base: format!("http://127.0.0.1:{http_port}"),
        http: reqwest::Client::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let r = loop {
        if let Ok(resp) = api
            .http
            .get(format!("{}/api/v1/runs/{id}", api.base))
            .bearer_auth(READER)
            .send()
            .await
        {
            break resp.json::<Value>().await.expect("json");
        }
        assert!(Instant::now() < deadline, "restarted daemon did not answer");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(r["status"], "interrupted", "{r}");
    assert!(r["finished_at"].is_string());
    let res = api.get(&format!("/api/v1/runs/{id}/results")).await;
    assert_eq!(
        res["results"].as_array().map(Vec::len),
        Some(0),
        "no half-written results"
    );
    // The job can run again.
    let (s, v) = api
        .call("GET", "/api/v1/runs?job=slow", Some(READER), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["runs"].as_array().map(Vec::len), Some(1));
    let _ = child.kill();
    let _ = child.wait();
}

const DEV_TOOLS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"codecommit:*","Resource":"*"}]}"#;

async fn alice_state(iam: &aws_sdk_iam::Client) -> (Vec<String>, Vec<String>, Vec<String>) {
    let groups = iam
        .list_groups_for_user()
        .user_name("alice")
        .send()
        .await
        .expect("groups");
    let attached = iam
        .list_attached_user_policies()
        .user_name("alice")
        .send()
        .await
        .expect("attached");
    let inline = iam
        .list_user_policies()
        .user_name("alice")
        .send()
        .await
        .expect("inline");
    let mut g: Vec<String> = groups
        .groups()
        .iter()
        .map(|g| g.group_name().to_string())
        .collect();
    let mut a: Vec<String> = attached
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect();
    let mut i: Vec<String> = inline.policy_names().to_vec();
    g.sort();
    a.sort();
    i.sort();
    (g, a, i)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_access_request_dry_run_then_auto_fix_on_moto() {
    let moto = Moto::start();
    let url = format!("http://127.0.0.1:{}", moto.port);
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&url)
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await;
    let iam = aws_sdk_iam::Client::new(&sdk);
    iam.create_user()
        .user_name("alice")
        .send()
        .await
        .expect("user");
    iam.create_user()
        .user_name("bob")
        .send()
        .await
        .expect("user");
    for g in ["engineering", "contractors"] {
        iam.create_group()
            .group_name(g)
            .send()
            .await
            .expect("group");
    }
    iam.add_user_to_group()
        .group_name("contractors")
        .user_name("alice")
        .send()
        .await
        .expect("membership");
    iam.add_user_to_group()
        .group_name("contractors")
        .user_name("bob")
        .send()
        .await
        .expect("membership");
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("legacy-inline")
        .policy_document(DEV_TOOLS)
        .send()
        .await
        .expect("inline");
    let pol = iam
        .create_policy()
        .policy_name("dev-tools")
        .policy_document(DEV_TOOLS)
        .send()
        .await
        .expect("policy");
    let dev_tools = pol.policy().and_then(|p| p.arn()).expect("arn").to_string();

    let dir = temp_dir("posture-drift");
    let desired = dir.join("desired.toml");
    write(
        &desired,
        &format!(
            "[[grant]]\nprincipal = \"user/alice\"\nkind = \"policy\"\nvalue = \"{dev_tools}\"\n"
        ),
    );
    let state_db = dir.join("state.db");
    let config = |mode: &str| {
        format!(
            "[state]\nurl = \"sqlite:{}\"\n\n[[connection]]\nname = \"cloud\"\nplugin = \"aws\"\nregions = [\"us-east-1\"]\nendpoint_url = \"{url}\"\n\
             access_key_id_env = \"PW_DRIFT_KEY\"\nsecret_access_key_env = \"PW_DRIFT_SECRET\"\n\n\
             [desired_state]\npath = \"{}\"\nremediation = \"{mode}\"\nconnection = \"cloud\"\n\n[[job]]\nname = \"iam-drift\"\ndrift = true\n\n{}",
            state_db.display(),
            desired.display(),
            tokens_toml()
        )
    };
    // SAFETY: set before the daemons (child processes) start; no other test reads these.
    unsafe {
        std::env::set_var("PW_DRIFT_KEY", "testing");
        std::env::set_var("PW_DRIFT_SECRET", "testing");
    }

    // Dry run: drift found, exact calls recorded, nothing changed.
    let d = Daemon::start("posture-drift-dry", Some(&config("dry_run")), &[]);
    let api = Api::new(&d);
    let (s, v) = api
        .call(
            "POST",
            "/api/v1/access-requests",
            Some(READER),
            Some(serde_json::json!({"principal": "user/alice", "grant_kind": "group", "grant_value": "engineering", "justification": "joins the team"})),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let ar = v["id"].as_i64().expect("id");
    let (s, v) = api
        .call(
            "POST",
            &format!("/api/v1/access-requests/{ar}/approve"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let run = api.trigger("iam-drift").await;
    let r = api.wait_run(run).await;
    assert_eq!(r["status"], "succeeded", "{r} {}", d.stderr());
    assert_eq!(r["alarm_count"], 4, "{r}");
    let rem = api.get("/api/v1/remediations").await;
    let actions: BTreeSet<(String, String, String)> = rem["remediations"]
        .as_array()
        .expect("remediations")
        .iter()
        .map(|a| {
            (
                a["api_call"].as_str().unwrap_or_default().to_string(),
                a["status"].as_str().unwrap_or_default().to_string(),
                a["parameters"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = [
        (
            "iam:AttachUserPolicy",
            "planned",
            format!("{{\"PolicyArn\":\"{dev_tools}\",\"UserName\":\"alice\"}}"),
        ),
        (
            "iam:AddUserToGroup",
            "planned",
            "{\"GroupName\":\"engineering\",\"UserName\":\"alice\"}".to_string(),
        ),
        (
            "iam:RemoveUserFromGroup",
            "awaiting_approval",
            "{\"GroupName\":\"contractors\",\"UserName\":\"alice\"}".to_string(),
        ),
        (
            "iam:DeleteUserPolicy",
            "awaiting_approval",
            "{\"PolicyName\":\"legacy-inline\",\"UserName\":\"alice\"}".to_string(),
        ),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c))
    .collect();
    assert_eq!(actions, expected);
    assert_eq!(
        alice_state(&iam).await,
        (
            vec!["contractors".to_string()],
            vec![],
            vec!["legacy-inline".to_string()]
        ),
        "a dry run changes nothing"
    );
    drop(d);

    // Auto-fix: low-risk calls are made, high-risk ones wait for an admin.
    let d = Daemon::start("posture-drift-fix", Some(&config("auto_fix")), &[]);
    let api = Api::new(&d);
    let run = api.trigger("iam-drift").await;
    let r = api.wait_run(run).await;
    assert_eq!(r["status"], "succeeded", "{r} {}", d.stderr());
    let rem = api
        .get("/api/v1/remediations?status=awaiting_approval")
        .await;
    let waiting: Vec<(i64, String)> = rem["remediations"]
        .as_array()
        .expect("remediations")
        .iter()
        .filter(|a| a["mode"] == "auto_fix")
        .map(|a| {
            (
                a["id"].as_i64().unwrap_or(0),
                a["api_call"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(waiting.len(), 2, "{rem}");
    let applied = api.get("/api/v1/remediations?status=applied").await;
    let all = api.get("/api/v1/remediations").await;
    assert_eq!(
        applied["remediations"].as_array().map(Vec::len),
        Some(2),
        "{all}"
    );
    let (groups, attached, _) = alice_state(&iam).await;
    assert_eq!(attached, vec![dev_tools.clone()]);
    assert!(
        groups.contains(&"engineering".to_string()) && groups.contains(&"contractors".to_string()),
        "{groups:?}"
    );
    let (s, _) = api
        .call(
            "POST",
            &format!("/api/v1/remediations/{}/approve", waiting[0].0),
            Some(OPERATOR),
            None,
        )
        .await;
    assert_eq!(s, 403, "operators cannot approve");
    for (id, call) in &waiting {
        let (s, v) = api
            .call(
                "POST",
                &format!("/api/v1/remediations/{id}/approve"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(
            (s, v["status"].as_str()),
            (200, Some("applied")),
            "{call}: {v}"
        );
    }
    assert_eq!(
        alice_state(&iam).await,
        (
            vec!["engineering".to_string()],
            vec![dev_tools.clone()],
            vec![]
        ),
        "the account matches the desired state"
    );
    let bob = iam
        .list_groups_for_user()
        .user_name("bob")
        .send()
        .await
        .expect("bob");
    assert_eq!(bob.groups().len(), 1, "unmanaged principals are left alone");

    // The next drift run finds nothing and records the four drifts as resolved.
    let run = api.trigger("iam-drift").await;
    let r = api.wait_run(run).await;
    assert_eq!(
        (
            r["status"].as_str(),
            r["alarm_count"].as_i64(),
            r["resolved_count"].as_i64()
        ),
        (Some("succeeded"), Some(0), Some(4)),
        "{r}"
    );

    let client = d.client().await;
    // Audit events reach the store in group commits: poll briefly.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows = client
            .query("select user_name, action, error from pathwarden.audit_log where kind = 'remediation' and action like '%mode=auto_fix%' and action like 'iam:RemoveUserFromGroup%'", &[])
            .await
            .expect("audit");
        if rows.iter().any(|r| {
            r.get::<_, String>(0) == "api:ci-admin" && r.get::<_, Option<String>>(2).is_none()
        }) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "approved fix audited with who and result"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rows = client
        .query(
            "select count(*) from pathwarden.drift where drift_kind = 'unexpected'",
            &[],
        )
        .await
        .expect("drift");
    let n: i64 = rows[0].get(0);
    assert_eq!(n, 4, "two unexpected grants in each of the first two runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_cis_on_moto_finds_the_violations_and_records_the_fix() {
    let moto = Moto::start();
    let url = format!("http://127.0.0.1:{}", moto.port);
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&url)
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await;
    let iam = aws_sdk_iam::Client::new(&sdk);
    // Deliberate violations: two active keys on one user (1.13), SSH open to the world (5.2,
    // security groups made with boto3 by py/moto_cis_network.py).
    iam.create_user()
        .user_name("two-keys")
        .send()
        .await
        .expect("user");
    iam.create_user()
        .user_name("one-key")
        .send()
        .await
        .expect("user");
    let k1 = iam
        .create_access_key()
        .user_name("two-keys")
        .send()
        .await
        .expect("key");
    iam.create_access_key()
        .user_name("two-keys")
        .send()
        .await
        .expect("key");
    iam.create_access_key()
        .user_name("one-key")
        .send()
        .await
        .expect("key");
    let network: Value = serde_json::from_str(&common::run_python("moto_cis_network.py", &[&url]))
        .expect("moto_cis_network.py output");
    let sg_id = network["groups"]["ssh-open"]
        .as_str()
        .expect("ssh-open group id")
        .to_string();

    // The services of the logging, monitoring, storage and network controls, created with
    // boto3 by the fixture the tables' moto test uses: KMS keys (one without rotation),
    // a multi-region trail with validation, KMS and the 4.1 monitoring chain plus a bare
    // single-region trail, a Config recorder, EBS default encryption, a NACL open on 22,
    // a flow log, an unencrypted public RDS instance without minor upgrades beside a
    // compliant one, an unencrypted EFS beside an encrypted one, Security Hub.
    let fixture = Command::new(common::python())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tables/tests/fixtures/moto_cis_setup.py"
        ))
        .arg(&url)
        .output()
        .expect("run moto_cis_setup.py");
    assert!(
        fixture.status.success(),
        "moto_cis_setup.py: {}",
        String::from_utf8_lossy(&fixture.stderr)
    );
    let made: Value = serde_json::from_slice(&fixture.stdout).expect("fixture output");

    let config = format!(
        "[[connection]]\nname = \"cloud\"\nplugin = \"aws\"\nregions = [\"us-east-1\"]\nendpoint_url = \"{url}\"\n\
         access_key_id_env = \"PW_CIS_KEY\"\nsecret_access_key_env = \"PW_CIS_SECRET\"\ns3_force_path_style = true\n\n\
         [[job]]\nname = \"cis\"\nschedule = \"*/2 * * * * *\"\nbenchmark = \"cis_aws_v3\"\nwhere = \"id not in ('1.20', '2.1.2')\"\n\n{}",
        tokens_toml()
    );
    // SAFETY: set before the daemon (a child process) starts; no other test reads these.
    unsafe {
        std::env::set_var("PW_CIS_KEY", "testing");
        std::env::set_var("PW_CIS_SECRET", "testing");
    }
    // moto does not implement IAM Access Analyzer (ListAnalyzers answers 500), so 1.20,
    // which reads aws_accessanalyzer_analyzer, is left out of the job; so is 2.1.2, whose
    // s3:GetBucketVersioning moto answers under an XML root the SDK rejects.
    let d = Daemon::start("posture-cis-moto", Some(&config), &[]);
    let api = Api::new(&d);
    let results_of = |id: i64, control: &'static str| {
        let api = &api;
        async move {
            let v = api
                .get(&format!("/api/v1/runs/{id}/results?control_id={control}"))
                .await;
            v["results"].as_array().cloned().unwrap_or_default()
        }
    };
    let alarm_set = |rows: &[Value]| -> BTreeSet<String> {
        rows.iter()
            .filter(|r| r["status"] == "alarm")
            .filter_map(|r| r["resource"].as_str().map(str::to_string))
            .collect()
    };
    let finished_after = |after: i64| {
        let api = &api;
        let d = &d;
        async move {
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                let runs = api.get("/api/v1/runs?job=cis").await;
                if let Some(r) = runs["runs"].as_array().and_then(|a| {
                    a.iter()
                        .rev()
                        .find(|r| r["status"] != "running" && r["id"].as_i64().unwrap_or(0) > after)
                        .cloned()
                }) {
                    return r;
                }
                assert!(
                    Instant::now() < deadline,
                    "no scheduled run after {after}: {}",
                    d.stderr()
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };

    let first = finished_after(0).await;
    assert_eq!(first["status"], "succeeded", "{first}");
    let first_id = first["id"].as_i64().expect("id");
    let errors = api
        .get(&format!("/api/v1/runs/{first_id}/results?status=error"))
        .await;
    assert_eq!(
        errors["results"].as_array().map(Vec::len),
        Some(0),
        "no control fails against moto: {errors}"
    );
    let keys = alarm_set(&results_of(first_id, "1.13").await);
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        keys.iter().all(|k| k.ends_with(":user/two-keys")),
        "{keys:?}"
    );
    let open = alarm_set(&results_of(first_id, "5.2").await);
    assert_eq!(open.len(), 1, "{open:?}");
    assert!(open.iter().all(|a| a.ends_with(&sg_id)), "{open:?}");

    // The controls of the fixture's services: exactly its violations alarm.
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let ok_set = |rows: &[Value]| -> BTreeSet<String> {
        rows.iter()
            .filter(|r| r["status"] == "ok")
            .filter_map(|r| r["resource"].as_str().map(str::to_string))
            .collect()
    };
    let one = |s: String| BTreeSet::from([s]);
    let cis = |c: &'static str| results_of(first_id, c);
    assert_eq!(
        alarm_set(&cis("3.6").await),
        one(text(&made["kms"]["unrotated"])),
        "3.6: the key without rotation"
    );
    assert!(ok_set(&cis("3.6").await).contains(&text(&made["kms"]["rotated"])));
    let legacy_db = |rows: &[Value]| {
        let a = alarm_set(rows);
        a.len() == 1 && a.iter().all(|r| r.ends_with(":db:legacy-db"))
    };
    for c in ["2.3.1", "2.3.2", "2.3.3"] {
        let rows = cis(c).await;
        assert!(legacy_db(&rows), "{c}: only legacy-db alarms: {rows:?}");
        assert!(
            ok_set(&rows).iter().any(|r| r.ends_with(":db:orders-db")),
            "{c}: {rows:?}"
        );
    }
    let efs = alarm_set(&cis("2.4.1").await);
    assert_eq!(efs.len(), 1, "{efs:?}");
    assert!(
        efs.iter()
            .all(|r| r.ends_with(&text(&made["efs"]["plain"]))),
        "{efs:?}"
    );
    let local_trail = one(text(&made["trails"]["local"]));
    assert_eq!(alarm_set(&cis("3.2").await), local_trail, "3.2");
    assert_eq!(alarm_set(&cis("3.5").await), local_trail, "3.5");
    assert!(
        alarm_set(&cis("5.1").await)
            .iter()
            .any(|r| r.ends_with(&text(&made["open_acl"]))),
        "5.1 finds the NACL open on 22"
    );
    // The one complete chain is 4.1's (multi-region trail -> metric filter with the CIS
    // pattern -> alarm -> SNS topic with a subscription); 4.2 has no filter.
    let account_ok = |c: &'static str| {
        let cis = &cis;
        async move {
            let rows = cis(c).await;
            (ok_set(&rows).len(), alarm_set(&rows).len())
        }
    };
    assert_eq!(account_ok("4.1").await, (1, 0), "4.1 is monitored");
    assert_eq!(account_ok("4.2").await, (0, 1), "4.2 is not");
    assert_eq!(
        account_ok("3.1").await,
        (1, 0),
        "3.1: the multi-region trail"
    );
    assert_eq!(
        account_ok("2.2.1").await,
        (1, 0),
        "2.2.1: EBS encryption by default"
    );
    assert_eq!(
        account_ok("4.16").await,
        (1, 0),
        "4.16: Security Hub is enabled"
    );

    // Fix one violation; a later scheduled run records it as resolved.
    let key_id = k1
        .access_key()
        .map(|k| k.access_key_id().to_string())
        .expect("key id");
    iam.delete_access_key()
        .user_name("two-keys")
        .access_key_id(&key_id)
        .send()
        .await
        .expect("delete key");
    let mut after = first_id;
    let deadline = Instant::now() + Duration::from_secs(120);
    let fixed = loop {
        let r = finished_after(after).await;
        let id = r["id"].as_i64().expect("id");
        let rows = results_of(id, "1.13").await;
        if alarm_set(&rows).is_empty() {
            break (r, rows);
        }
        after = id;
        assert!(Instant::now() < deadline, "the fix was never seen");
    };
    let (run, rows) = fixed;
    assert_eq!(run["status"], "succeeded");
    assert!(run["resolved_count"].as_i64().unwrap_or(0) >= 1, "{run}");
    let two_keys = rows
        .iter()
        .find(|r| {
            r["resource"]
                .as_str()
                .is_some_and(|s| s.ends_with(":user/two-keys"))
        })
        .expect("row");
    assert_eq!(
        (two_keys["status"].as_str(), two_keys["change"].as_str()),
        (Some("ok"), Some("resolved")),
        "{two_keys}"
    );
    let still = alarm_set(&results_of(run["id"].as_i64().expect("id"), "5.2").await);
    assert_eq!(still, open, "the unfixed violation stays");
    let findings = api.get("/api/v1/findings?job=cis&control_id=1.13").await;
    let f = findings["findings"].as_array().expect("findings");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["status"], "resolved");
}
