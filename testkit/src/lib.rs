//! The local services the tests of every crate run against, started from one place.
//!
//! - [`Moto`]: moto's server, the local AWS endpoint (`PATHWARDEN_MOTO_SERVER`, else the
//!   repository's `.venv/bin/moto_server`, which `./scripts/test` installs).
//!
//! FalkorDB is started by the graph crate's mirror test (its only user) and the GCP and
//! Azure API stand-ins are per-provider fake servers in `tables/tests/`.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A moto server on a free loopback port, stopped (only the process this started) on drop.
pub struct Moto {
    child: Child,
    /// Its port.
    pub port: u16,
}

const MOTO_HINT: &str = "install it with: python3 -m venv .venv && .venv/bin/pip install \
    'moto[server]' in the repository root (./scripts/test does this), or set \
    PATHWARDEN_MOTO_SERVER to a moto_server executable";

impl Moto {
    /// Start moto and wait until it listens. Panics, naming what to install, when it
    /// cannot start: a test that needs moto fails rather than skips.
    pub fn start() -> Moto {
        Moto::start_with_env(&[])
    }

    /// [`Moto::start`] with extra environment (e.g. `MOTO_IAM_LOAD_MANAGED_POLICIES`).
    pub fn start_with_env(env: &[(&str, &str)]) -> Moto {
        let bin = std::env::var("PATHWARDEN_MOTO_SERVER").unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/moto_server").to_string()
        });
        let port = free_port();
        let mut cmd = Command::new(&bin);
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start moto_server ({bin}): {e}; {MOTO_HINT}"));
        let mut moto = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_millis(200),
        )
        .is_err()
        {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server ({bin}) exited with {status} before listening; {MOTO_HINT}");
            }
            assert!(
                Instant::now() < deadline,
                "moto_server ({bin}) did not listen on port {port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        moto
    }

    /// Its endpoint URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
