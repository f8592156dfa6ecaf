//! `pathwarden doctor` and the start banner, against the real binary: the demo, a GAAD
//! import with an aggregator, and moto with IAM enforcement on (a user missing one
//! permission of the scanner policy, and one with all of it).

mod common;

use common::Moto;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn doctor(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(common::bin())
        .arg("doctor")
        .args(args)
        .env_remove("PATHWARDEN_CONFIG")
        .env("PATHWARDEN_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run pathwarden doctor");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn checks(stdout: &str) -> Vec<Value> {
    serde_json::from_str::<Value>(stdout)
        .unwrap_or_else(|e| panic!("doctor --output json printed no JSON ({e}): {stdout}"))
        .as_array()
        .cloned()
        .expect("a JSON array of checks")
}

fn field<'a>(c: &'a Value, name: &str) -> &'a str {
    c[name].as_str().unwrap_or("")
}

#[test]
fn doctor_passes_on_the_demo() {
    let (code, out, err) = doctor(&["--output", "json"], &[]);
    assert_eq!(code, 0, "doctor on the demo: {out}\n{err}");
    let cs = checks(&out);
    assert!(cs.len() >= 30, "one check per table expected: {out}");
    for c in &cs {
        assert_eq!(field(c, "status"), "ok", "{c}");
        assert_eq!(field(c, "connection"), "demo", "{c}");
    }
    assert!(cs.iter().any(|c| field(c, "check") == "table aws_iam_user"));
    assert!(cs.iter().any(|c| field(c, "check") == "load"));

    let (code, out, _) = doctor(&[], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("| connection"), "a table: {out}");
    assert!(
        out.contains(&format!("all {} checks passed", cs.len())),
        "{out}"
    );
}

#[test]
fn doctor_checks_a_gaad_import_and_an_aggregator() {
    let dir = common::temp_dir("doctor-gaad");
    let gaad = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tables/tests/fixtures/gaad.json"
    );
    let config = dir.join("pathwarden.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\ndata_dir = {:?}\n\n[[connection]]\nname = \"offline\"\nplugin = \"gaad\"\npath = {gaad:?}\n\n[[connection]]\nname = \"all\"\nplugin = \"aggregator\"\nconnections = [\"off*\"]\n",
            dir.join("data").display().to_string()
        ),
    )
    .expect("write config");
    let config = config.display().to_string();
    let (code, out, err) = doctor(&["-c", &config, "--output", "json"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let cs = checks(&out);
    assert!(
        cs.iter().any(|c| field(c, "connection") == "all"
            && field(c, "check") == "members"
            && field(c, "detail").starts_with("offline")),
        "{out}"
    );
    assert!(
        cs.iter().any(|c| field(c, "connection") == "offline"
            && field(c, "check") == "table aws_iam_role"
            && field(c, "status") == "ok"),
        "{out}"
    );

    // One connection only.
    let (code, out, _) = doctor(
        &["-c", &config, "--connection", "all", "--output", "json"],
        &[],
    );
    assert_eq!(code, 0);
    assert_eq!(checks(&out).len(), 1, "{out}");
    // An unknown connection: the checks cannot run.
    let (code, _, err) = doctor(&["-c", &config, "--connection", "nope"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--connection nope: no such connection"),
        "{err}"
    );
}

#[test]
fn print_policy_prints_the_shipped_scanner_policy() {
    let (code, out, err) = doctor(&["--print-policy", "aws"], &[]);
    assert_eq!(code, 0, "{err}");
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/aws-scanner-policy.json"
    ))
    .expect("docs/aws-scanner-policy.json");
    assert_eq!(out, shipped);
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    assert!(doc["Statement"].as_array().is_some_and(|s| !s.is_empty()));
}

/// The shipped policy without `remove`, as moto evaluates it: moto names CloudWatch's
/// actions by the endpoint prefix (`monitoring:DescribeAlarms`) where IAM says
/// `cloudwatch:DescribeAlarms`, so that spelling is added for moto's sake.
fn moto_policy_without(remove: Option<&str>) -> String {
    let mut doc: Value = serde_json::from_str(pathwarden_policy()).expect("policy JSON");
    for s in doc["Statement"].as_array_mut().expect("statements") {
        if let Some(actions) = s["Action"].as_array_mut() {
            actions.retain(|a| a.as_str() != remove);
        }
    }
    doc["Statement"]
        .as_array_mut()
        .expect("statements")
        .push(serde_json::json!({
            "Effect": "Allow",
            "Action": ["monitoring:DescribeAlarms"],
            "Resource": "*"
        }));
    doc.to_string()
}

/// Tables moto cannot answer with IAM enforcement on, and why; they must fail as errors,
/// never as denials.
const MOTO_CANNOT: &[(&str, &str)] = &[
    (
        "aws_accessanalyzer_analyzer",
        "moto does not serve Access Analyzer (HTTP 500)",
    ),
    (
        "aws_ec2_regional_settings",
        "moto answers ec2:GetEbsDefaultKmsKeyId with HTTP 500",
    ),
    (
        "aws_efs_file_system",
        "moto's enforcement refuses the signature of REST-JSON GETs (SignatureDoesNotMatch)",
    ),
    (
        "aws_securityhub_hub",
        "moto's enforcement refuses the signature of REST-JSON GETs (SignatureDoesNotMatch)",
    ),
];

/// Every check is ok, or an error (not a denial) of a table moto cannot answer.
fn only_moto_gaps_fail(cs: &[Value], out: &str) {
    for c in cs {
        if field(c, "status") == "ok" || field(c, "status") == "denied" {
            continue;
        }
        let table = field(c, "table");
        let reason = MOTO_CANNOT
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, r)| *r)
            .unwrap_or_else(|| panic!("unexpected failure: {c}\n{out}"));
        assert_eq!(field(c, "status"), "error", "{table} ({reason}): {c}");
        println!("moto cannot check {table}: {reason}");
    }
}

fn pathwarden_policy() -> &'static str {
    include_str!("../../docs/aws-scanner-policy.json")
}

/// A moto IAM user with `policy` attached; returns its access key id and secret.
async fn scanner_user(iam: &aws_sdk_iam::Client, name: &str, policy: &str) -> (String, String) {
    let arn = iam
        .create_policy()
        .policy_name(format!("{name}-policy"))
        .policy_document(policy)
        .send()
        .await
        .expect("create policy")
        .policy()
        .and_then(|p| p.arn())
        .expect("policy arn")
        .to_string();
    iam.create_user()
        .user_name(name)
        .send()
        .await
        .expect("create user");
    iam.attach_user_policy()
        .user_name(name)
        .policy_arn(arn)
        .send()
        .await
        .expect("attach policy");
    let key = iam
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .expect("access key");
    let key = key.access_key().expect("key");
    (
        key.access_key_id().to_string(),
        key.secret_access_key().to_string(),
    )
}

/// Turn moto's IAM enforcement on from the next request (moto's `reset-auth` API).
fn enforce_iam(moto: &Moto) {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", moto.port)).expect("connect moto");
    write!(
        s,
        "POST /moto-api/reset-auth HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nConnection: close\r\n\r\n0"
    )
    .expect("write");
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    assert!(
        reply.starts_with("HTTP/1.1 200") || reply.starts_with("HTTP/1.0 200"),
        "{reply}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_against_moto_names_the_one_missing_permission() {
    let moto = Moto::start();
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(moto.url())
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await;
    let iam = aws_sdk_iam::Client::new(&sdk);
    let missing = "iam:ListRoles";
    let (full_id, full_secret) =
        scanner_user(&iam, "scanner-full", &moto_policy_without(None)).await;
    let (part_id, part_secret) = scanner_user(
        &iam,
        "scanner-restricted",
        &moto_policy_without(Some(missing)),
    )
    .await;
    enforce_iam(&moto);

    let dir = common::temp_dir("doctor-moto");
    let config = dir.join("pathwarden.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\ndata_dir = {:?}\n\n[[connection]]\nname = \"moto\"\nplugin = \"aws\"\nregions = [\"us-east-1\"]\nendpoint_url = \"{}\"\naccess_key_id_env = \"PW_DOCTOR_KEY\"\nsecret_access_key_env = \"PW_DOCTOR_SECRET\"\ns3_force_path_style = true\n",
            dir.join("data").display().to_string(),
            moto.url()
        ),
    )
    .expect("write config");
    let config = config.display().to_string();

    // The restricted user: exactly the table that needs the missing action is denied.
    let (code, out, err) = doctor(
        &["-c", &config, "--output", "json"],
        &[
            ("PW_DOCTOR_KEY", &part_id),
            ("PW_DOCTOR_SECRET", &part_secret),
        ],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    let cs = checks(&out);
    let creds = cs
        .iter()
        .find(|c| field(c, "check") == "credentials")
        .unwrap_or_else(|| panic!("no credentials check: {out}"));
    assert_eq!(field(creds, "status"), "ok", "{creds}");
    assert!(
        field(creds, "detail").contains("account 123456789012"),
        "{creds}"
    );
    let denied: Vec<&Value> = cs
        .iter()
        .filter(|c| field(c, "status") == "denied")
        .collect();
    assert_eq!(
        denied.len(),
        1,
        "only the table needing {missing} is denied: {out}"
    );
    assert_eq!(field(denied[0], "table"), "aws_iam_role", "{out}");
    assert_eq!(field(denied[0], "iam_action"), missing, "{out}");
    // The CIS controls that read aws_iam_role are named as incomplete.
    let controls: Vec<&str> = denied[0]["controls"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(controls.contains(&"cis_aws_v3 1.17"), "{out}");
    only_moto_gaps_fail(&cs, &out);

    let (code, text, _) = doctor(
        &["-c", &config],
        &[
            ("PW_DOCTOR_KEY", &part_id),
            ("PW_DOCTOR_SECRET", &part_secret),
        ],
    );
    assert_eq!(code, 1);
    println!("{text}");
    assert!(
        text.contains(&format!("missing permissions: {missing}")),
        "{text}"
    );
    assert!(text.contains("docs/aws-scanner-policy.json"), "{text}");

    // The user with the whole scanner policy: nothing is denied.
    let (code, out, err) = doctor(
        &["-c", &config, "--output", "json"],
        &[
            ("PW_DOCTOR_KEY", &full_id),
            ("PW_DOCTOR_SECRET", &full_secret),
        ],
    );
    let cs = checks(&out);
    let denied: Vec<&Value> = cs
        .iter()
        .filter(|c| field(c, "status") == "denied")
        .collect();
    assert!(
        denied.is_empty(),
        "the scanner policy lacks something: {out}\n{err}"
    );
    only_moto_gaps_fail(&cs, &out);
    // The IAM tables read the scanner users themselves: their per-row calls ran.
    assert!(
        cs.iter().any(|c| field(c, "check") == "table aws_iam_user"
            && field(c, "status") == "ok"
            && field(c, "detail") == "readable"),
        "{out}"
    );
    let all_ok = cs.iter().all(|c| field(c, "status") == "ok");
    assert_eq!(code, if all_ok { 0 } else { 1 });
}

#[test]
fn serve_prints_a_banner_and_version_names_the_build() {
    let out = Command::new(common::bin())
        .arg("--version")
        .output()
        .expect("run --version");
    assert!(out.status.success());
    let version = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        version.starts_with(&format!(
            "pathwarden {} (commit ",
            env!("CARGO_PKG_VERSION")
        )),
        "{version}"
    );
    assert!(version.contains(" build, rustc "), "{version}");

    let d = common::Daemon::start("banner", None, &[]);
    // The banner is written once the listeners are bound; poll for its last line.
    let deadline = Instant::now() + Duration::from_secs(30);
    let banner = loop {
        let text = d.stderr();
        if text.contains("  tls:") {
            break text;
        }
        assert!(Instant::now() < deadline, "no banner: {text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(banner.contains("is ready"), "{banner}");
    let demo_line = banner
        .lines()
        .find(|l| l.trim_start().starts_with("demo "))
        .unwrap_or_else(|| panic!("no demo connection line: {banner}"));
    assert!(demo_line.contains(" tables"), "{demo_line}");
    let psql = format!(
        "psql -h 127.0.0.1 -p {} -U analyst -d pathwarden",
        d.pg_port
    );
    assert!(banner.contains(&psql), "{banner}");
    assert!(
        banner.contains(&format!("http://127.0.0.1:{}", d.http_port)),
        "{banner}"
    );
    assert!(banner.contains("state:       sqlite "), "{banner}");
    assert!(banner.contains("state.db"), "{banner}");
    assert!(
        banner.contains("auth:        off: trusted loopback"),
        "{banner}"
    );
    assert!(banner.contains("tls:         off"), "{banner}");
    // The printed command works as printed.
    let args: Vec<&str> = psql.split_whitespace().skip(1).collect();
    let mut all = args.clone();
    all.extend(["-X", "-tA", "-c", "select 1"]);
    let out = Command::new("psql")
        .args(&all)
        .stdin(Stdio::null())
        .output()
        .expect("psql must be installed (apt-get install postgresql-client)");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
}

#[test]
fn the_banner_redacts_a_postgres_state_password() {
    // A state store URL with a password: the banner shows the URL without it. The store
    // must be reachable for serve to start, so this uses the local PostgreSQL (trust
    // auth ignores the password).
    let pg = std::net::TcpStream::connect(("127.0.0.1", 5432));
    assert!(
        pg.is_ok(),
        "PostgreSQL must listen on 127.0.0.1:5432 (database `test`, trust auth) for this test"
    );
    let schema = format!("pw_banner_{}", std::process::id());
    let config = format!(
        "[state]\nurl = \"postgres://postgres:hunter2-secret@127.0.0.1:5432/test\"\nschema = \"{schema}\"\n"
    );
    let d = common::Daemon::start("banner-pg", Some(&config), &[]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let banner = loop {
        let text = d.stderr();
        if text.contains("  tls:") {
            break text;
        }
        assert!(Instant::now() < deadline, "no banner: {text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!banner.contains("hunter2-secret"), "{banner}");
    assert!(
        banner.contains("state:       postgresql postgres://postgres:***@127.0.0.1:5432/test"),
        "{banner}"
    );
    drop(d);
    // Best effort: leave the shared test database as it was.
    let _ = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "test",
            "-X",
            "-q",
            "-c",
        ])
        .arg(format!("drop schema if exists {schema} cascade"))
        .stdin(Stdio::null())
        .output();
}
