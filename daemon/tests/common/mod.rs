//! Start the real `pathwarden` binary on free loopback ports and talk to it.
#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running daemon, killed on drop.
pub struct Daemon {
    pub child: Child,
    pub pg_port: u16,
    pub http_port: u16,
    pub dir: PathBuf,
    pub started: Instant,
    pub ready_after: Duration,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The daemon under test: this build's, or the one `PATHWARDEN_BINARY` names (the
/// benchmarks run a release build with it).
pub fn bin() -> &'static str {
    static BIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var("PATHWARDEN_BINARY")
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_pathwarden").to_string())
    })
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "pathwarden-test-{tag}-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

impl Daemon {
    /// Start `pathwarden serve` with an optional config text (written to a file).
    pub fn start(tag: &str, config: Option<&str>, extra: &[&str]) -> Daemon {
        Self::start_with_env(tag, config, extra, &[])
    }

    /// [`Daemon::start`] with extra environment variables for the daemon process.
    pub fn start_with_env(
        tag: &str,
        config: Option<&str>,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Daemon {
        let dir = temp_dir(tag);
        let pg_port = free_port();
        let http_port = free_port();
        let mut cmd = Command::new(bin());
        cmd.arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{pg_port}"))
            .arg("--http-listen")
            .arg(format!("127.0.0.1:{http_port}"))
            .current_dir(&dir)
            .env("PATHWARDEN_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.join("stderr.log")).expect("log file"),
            ));
        if let Some(text) = config {
            let p = dir.join("pathwarden.toml");
            std::fs::File::create(&p)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .expect("write config");
            cmd.arg("--config").arg(&p);
        }
        cmd.args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let started = Instant::now();
        let child = cmd.spawn().expect("spawn pathwarden");
        let mut d = Daemon {
            child,
            pg_port,
            http_port,
            dir,
            started,
            ready_after: Duration::ZERO,
        };
        d.wait_ready();
        d
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("pathwarden exited early ({status}): {}", self.stderr());
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.pg_port)).is_ok() {
                self.ready_after = self.started.elapsed();
                return;
            }
            assert!(
                Instant::now() < deadline,
                "pathwarden did not listen within 60 s: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    pub fn dsn(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=analyst dbname=pathwarden",
            self.pg_port
        )
    }

    pub fn url(&self) -> String {
        format!("postgresql://analyst@127.0.0.1:{}/pathwarden", self.pg_port)
    }

    pub async fn client(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.dsn(), tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        client
    }

    /// Run psql with the given arguments; returns stdout, panics with stderr on failure.
    pub fn psql(&self, args: &[&str]) -> String {
        let out = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.pg_port.to_string(),
                "-U",
                "analyst",
                "-d",
                "pathwarden",
                "-X",
                "-v",
                "ON_ERROR_STOP=1",
            ])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("psql must be installed (apt-get install postgresql-client)");
        assert!(
            out.status.success(),
            "psql {:?} failed: {}",
            args,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Python interpreter with psycopg, SQLAlchemy, pandas, asyncpg, moto.
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("PATHWARDEN_PYTHON") {
        return PathBuf::from(p);
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    if local.exists() {
        return local;
    }
    panic!(
        "Python test clients missing: run ./scripts/test (it creates .venv), or set PATHWARDEN_PYTHON"
    );
}

/// Run a Python test script from daemon/tests/py with args; panics with its output on failure.
pub fn run_python(script: &str, args: &[&str]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/py")
        .join(script);
    let out = Command::new(python())
        .arg(&path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{script} failed:\n--- stdout\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Run a Python test script from daemon/tests/py with args; returns whether it exited
/// successfully and its stdout followed by its stderr.
pub fn run_python_result(script: &str, args: &[&str]) -> (bool, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/py")
        .join(script);
    let out = Command::new(python())
        .arg(&path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run python");
    (
        out.status.success(),
        format!(
            "{}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Compile and run daemon/tests/java/JdbcCompat.java (pgjdbc) against the server on
/// `port`; `database` is `DB?user=USER` (default: pathwarden as `analyst`). Returns
/// whether every check passed and the program's output.
pub fn run_jdbc_compat(port: &str, schema: &str, database: Option<&str>) -> (bool, String) {
    let jar = Path::new("/usr/share/java/postgresql.jar");
    assert!(
        jar.exists(),
        "pgjdbc missing: apt-get install libpostgresql-jdbc-java (scripts/test installs it)"
    );
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/JdbcCompat.java");
    let classes = temp_dir("jdbc-classes");
    let javac = Command::new("javac")
        .args(["-cp", &jar.display().to_string(), "-d"])
        .arg(&classes)
        .arg(&src)
        .output()
        .expect("javac missing: apt-get install default-jdk-headless (scripts/test installs it)");
    assert!(
        javac.status.success(),
        "javac: {}",
        String::from_utf8_lossy(&javac.stderr)
    );
    let mut cmd = Command::new("java");
    cmd.arg("-cp")
        .arg(format!("{}:{}", jar.display(), classes.display()))
        .args(["JdbcCompat", port, schema]);
    if let Some(db) = database {
        cmd.arg(db);
    }
    let out = cmd.stdin(Stdio::null()).output().expect("java");
    let _ = std::fs::remove_dir_all(&classes);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    (
        out.status.success() && stdout.contains("ALL OK"),
        format!(
            "{stdout}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A SCRAM-SHA-256 verifier for `pw`, made by `pathwarden hash-password`.
pub fn hash_password(pw: &str) -> String {
    let mut child = Command::new(bin())
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run hash-password");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{pw}\n").as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Config lines for three logins, `reader`, `operator` and `admin`, each with password `pw-<name>`.
pub fn role_users() -> String {
    ["reader", "operator", "admin"]
        .iter()
        .map(|r| {
            format!(
                "[[user]]\nname = \"{r}\"\npassword_hash = \"{}\"\nrole = \"{r}\"\n",
                hash_password(&format!("pw-{r}"))
            )
        })
        .collect()
}

impl Daemon {
    /// A tokio-postgres client logged in as `user` with `password`.
    pub async fn client_as(&self, user: &str, password: &str) -> tokio_postgres::Client {
        let dsn = format!(
            "host=127.0.0.1 port={} user={user} password={password} dbname=pathwarden",
            self.pg_port
        );
        let (client, conn) = tokio_postgres::connect(&dsn, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        client
    }

    /// CPU time (user + system) the daemon has used, in clock ticks.
    pub fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("/proc/<pid>/stat");
        // Fields after the command name (which may hold spaces) are space-separated.
        let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        f[11].parse::<u64>().unwrap_or(0) + f[12].parse::<u64>().unwrap_or(0)
    }

    /// Resident memory of the daemon, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/<pid>/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

/// A moto server (local AWS endpoint), from the shared test kit.
#[allow(unused_imports)]
pub use pathwarden_testkit::Moto;
