//! Security baseline: SCRAM-SHA-256 logins, TLS that fails loudly, secrets not logged.

mod common;

use std::process::{Command, Stdio};

use common::Daemon;

use common::hash_password;

fn self_signed(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let cert = dir.join("server.crt");
    let key = dir.join("server.key");
    let st = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl is needed to make a test certificate");
    assert!(st.success());
    (cert, key)
}

fn psql_as(d: &Daemon, user: &str, pw: &str, sslmode: &str, sql: &str) -> std::process::Output {
    Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user={user} dbname=pathwarden sslmode={sslmode}",
            d.pg_port
        ))
        .args(["-X", "-A", "-t", "-c", sql])
        .env("PGPASSWORD", pw)
        .stdin(Stdio::null())
        .output()
        .expect("psql")
}

#[test]
fn scram_over_tls() {
    let hash = hash_password("correct horse");
    assert!(hash.starts_with("SCRAM-SHA-256$4096:"), "{hash}");
    assert!(!hash.contains("correct horse"));
    let dir = common::temp_dir("tls");
    let (cert, key) = self_signed(&dir);
    let config = format!(
        "[server]\ntls_cert = \"{}\"\ntls_key = \"{}\"\n[[user]]\nname = \"analyst\"\npassword_hash = \"{hash}\"\nrole = \"reader\"\n",
        cert.display(),
        key.display()
    );
    let d = Daemon::start("scram", Some(&config), &[]);
    let ok = psql_as(
        &d,
        "analyst",
        "correct horse",
        "require",
        "select count(*) > 0 from aws_iam_user",
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), "t");
    let ssl = psql_as(&d, "analyst", "correct horse", "require", "select 1");
    assert!(ssl.status.success());
    let bad = psql_as(&d, "analyst", "wrong", "require", "select 1");
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("password authentication failed"), "{err}");
    let nouser = psql_as(&d, "mallory", "x", "require", "select 1");
    assert!(!nouser.status.success());
    // Failed logins from one address: after five in a row (two above, three here) the
    // next locks the address out, and then even the right password is refused until the
    // lock (1 s) has passed.
    for _ in 0..4 {
        let bad = psql_as(&d, "analyst", "wrong", "require", "select 1");
        let err = String::from_utf8_lossy(&bad.stderr);
        assert!(err.contains("password authentication failed"), "{err}");
    }
    let locked = psql_as(&d, "analyst", "correct horse", "require", "select 1");
    assert!(!locked.status.success());
    let err = String::from_utf8_lossy(&locked.stderr);
    assert!(err.contains("too many failed logins"), "{err}");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let again = psql_as(&d, "analyst", "correct horse", "require", "select 1");
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    // The log never carries the password or the verifier.
    let log = d.stderr();
    assert!(
        !log.contains("correct horse") && !log.contains(&hash[20..40]),
        "secret in log"
    );
}

#[test]
fn broken_tls_config_is_an_error_not_plaintext() {
    let dir = common::temp_dir("badtls");
    let p = dir.join("c.toml");
    std::fs::write(
        &p,
        "[server]\ntls_cert = \"/nonexistent.crt\"\ntls_key = \"/nonexistent.key\"\n",
    )
    .expect("write");
    let out = Command::new(common::bin())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--http-listen",
            "127.0.0.1:0",
            "--config",
        ])
        .arg(&p)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("server.tls_cert") && err.contains("/nonexistent.crt"),
        "{err}"
    );
}

#[test]
fn non_loopback_requires_tls_from_clients() {
    let hash = hash_password("pw");
    let dir = common::temp_dir("nonloop");
    let (cert, key) = self_signed(&dir);
    let port = common::free_port();
    let config = format!(
        "[server]\nlisten = \"0.0.0.0:{port}\"\ntls_cert = \"{}\"\ntls_key = \"{}\"\n[[user]]\nname = \"analyst\"\npassword_hash = \"{hash}\"\n",
        cert.display(),
        key.display()
    );
    let cfg_path = dir.join("n.toml");
    std::fs::write(&cfg_path, config).expect("write");
    let http = common::free_port();
    let mut child = Command::new(common::bin())
        .args([
            "serve",
            "--http-listen",
            &format!("127.0.0.1:{http}"),
            "--config",
        ])
        .arg(&cfg_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "did not listen");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let run = |sslmode: &str| {
        Command::new("psql")
            .arg(format!(
                "host=127.0.0.1 port={port} user=analyst dbname=pathwarden sslmode={sslmode}"
            ))
            .args(["-X", "-A", "-t", "-c", "select 1"])
            .env("PGPASSWORD", "pw")
            .stdin(Stdio::null())
            .output()
            .expect("psql")
    };
    let plain = run("disable");
    let tls = run("require");
    let _ = child.kill();
    let _ = child.wait();
    assert!(!plain.status.success(), "plaintext must be refused");
    assert!(
        String::from_utf8_lossy(&plain.stderr).contains("requires TLS"),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    assert!(
        tls.status.success(),
        "{}",
        String::from_utf8_lossy(&tls.stderr)
    );
}
