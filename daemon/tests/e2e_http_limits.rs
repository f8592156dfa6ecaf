//! The HTTP listener under attack: slow and idle clients, too many connections, foreign
//! `Host` names (DNS rebinding), anonymous API access without loopback trust; and a bad
//! configuration refused at start with one line naming the file and the key.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Daemon;

/// One client connection, polled without blocking.
struct Client {
    stream: TcpStream,
    opened: Instant,
    /// When the server closed it.
    closed: Option<Duration>,
    /// What the server sent.
    received: Vec<u8>,
}

impl Client {
    fn open(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_nonblocking(true).expect("nonblocking");
        Client {
            stream,
            opened: Instant::now(),
            closed: None,
            received: Vec::new(),
        }
    }

    /// Write `bytes` (if any) and read what is there; notes when the server has closed.
    fn poll(&mut self, bytes: &[u8]) {
        if self.closed.is_some() {
            return;
        }
        if !bytes.is_empty() {
            match self.stream.write(bytes) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => {
                    self.closed = Some(self.opened.elapsed());
                    return;
                }
            }
        }
        let mut buf = [0u8; 4096];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    self.closed = Some(self.opened.elapsed());
                    return;
                }
                Ok(n) => self.received.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(_) => {
                    self.closed = Some(self.opened.elapsed());
                    return;
                }
            }
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.received).to_string()
    }
}

/// Poll `clients` (writing `trickle` to each every round) until `done` holds or the
/// deadline passes; returns whether `done` held.
fn poll_until(
    clients: &mut [Client],
    trickle: &[u8],
    deadline: Duration,
    done: impl Fn(&[Client]) -> bool,
) -> bool {
    let until = Instant::now() + deadline;
    loop {
        for c in clients.iter_mut() {
            c.poll(trickle);
        }
        if done(clients) {
            return true;
        }
        if Instant::now() > until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One request on a fresh connection; the whole response (the server closes: HTTP/1.0
/// semantics via `Connection: close`).
fn request(port: u16, method: &str, path: &str, host: Option<&str>, headers: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\n{host}{headers}Connection: close\r\nContent-Length: 0\r\n\r\n"
    )
    .expect("write request");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

fn status(response: &str) -> u16 {
    response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {response:?}"))
}

fn json_body(response: &str) -> serde_json::Value {
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {response:?}"))
}

fn healthz(port: u16) -> String {
    request(port, "GET", "/healthz", Some("localhost"), "")
}

/// Connections that never finish their headers (idle, or one byte at a time) are closed
/// once `server.http_request_timeout` has passed, and the server keeps answering.
#[test]
fn slow_and_idle_connections_are_closed_in_bounded_time() {
    let d = Daemon::start(
        "http-slow",
        Some("[server]\nhttp_request_timeout = \"2s\"\n"),
        &[],
    );
    let mut trickling: Vec<Client> = (0..30).map(|_| Client::open(d.http_port)).collect();
    for c in &mut trickling {
        c.poll(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n");
    }
    let all_closed = |cs: &[Client]| cs.iter().all(|c| c.closed.is_some());
    let ok = poll_until(&mut trickling, b"X", Duration::from_secs(12), all_closed);
    let open = trickling.iter().filter(|c| c.closed.is_none()).count();
    assert!(
        ok,
        "{open} of 30 trickling connections still open after 12 s"
    );
    for c in &trickling {
        let t = c.closed.unwrap_or_default();
        assert!(
            t >= Duration::from_millis(1500) && t < Duration::from_secs(8),
            "trickling connection closed after {t:?}, expected about 2 s"
        );
        assert!(c.text().is_empty() || c.text().starts_with("HTTP/1.1 408"));
    }
    let mut idle: Vec<Client> = (0..10).map(|_| Client::open(d.http_port)).collect();
    let ok = poll_until(&mut idle, b"", Duration::from_secs(12), all_closed);
    assert!(ok, "idle connections still open after 12 s");
    // A kept-alive connection that goes quiet after a request is closed the same way.
    let mut kept = vec![Client::open(d.http_port)];
    kept[0].poll(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let ok = poll_until(&mut kept, b"", Duration::from_secs(12), all_closed);
    assert!(
        kept[0].text().starts_with("HTTP/1.1 200"),
        "{}",
        kept[0].text()
    );
    assert!(ok, "an idle kept-alive connection still open after 12 s");
    assert_eq!(status(&healthz(d.http_port)), 200);
}

/// A request whose body trickles in is answered 408 with a JSON error once the request
/// deadline has passed.
#[test]
fn slow_request_body_gets_408_with_json() {
    let d = Daemon::start(
        "http-body",
        Some("[server]\nhttp_request_timeout = \"2s\"\n"),
        &[],
    );
    let mut c = Client::open(d.http_port);
    c.poll(
        b"POST /api/v1/access-requests HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"principal\": \"",
    );
    let done = |cs: &[Client]| cs[0].closed.is_some() || cs[0].text().contains("\r\n\r\n{");
    let mut cs = [c];
    let ok = poll_until(&mut cs, b"a", Duration::from_secs(10), done);
    assert!(ok, "no answer to a trickling body after 10 s");
    let answered = cs[0].opened.elapsed();
    assert!(answered < Duration::from_secs(8), "{answered:?}");
    // Wait for the whole body (the connection is closed after it).
    poll_until(&mut cs, b"", Duration::from_secs(5), |cs: &[Client]| {
        cs[0].closed.is_some()
    });
    let text = cs[0].text();
    assert_eq!(status(&text), 408, "{text}");
    let body = json_body(&text);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("server.http_request_timeout")),
        "{body}"
    );
}

/// With `http_max_connections = 20`, forty idle connections leave at most twenty open
/// after a moment (eight more get a one-second health lane, the rest a 503 at once);
/// meanwhile `/healthz` still answers through the health lane and the API says 503.
#[test]
fn connection_cap_holds_and_health_still_answers() {
    let d = Daemon::start(
        "http-cap",
        Some("[server]\nhttp_request_timeout = \"20s\"\nhttp_max_connections = 20\n"),
        &[],
    );
    let mut clients: Vec<Client> = (0..40).map(|_| Client::open(d.http_port)).collect();
    let at_most_cap = |cs: &[Client]| cs.iter().filter(|c| c.closed.is_none()).count() <= 20;
    let ok = poll_until(&mut clients, b"", Duration::from_secs(6), at_most_cap);
    let open = clients.iter().filter(|c| c.closed.is_none()).count();
    assert!(ok, "{open} of 40 connections open with a cap of 20");
    let refused = clients
        .iter()
        .filter(|c| c.text().starts_with("HTTP/1.1 503"))
        .count();
    assert!(refused >= 1, "no connection was told 503");
    // The cap is full of idle connections: health answers, the API does not.
    let h = healthz(d.http_port);
    assert_eq!(status(&h), 200, "{h}");
    let api = request(d.http_port, "GET", "/api/v1/runs", Some("localhost"), "");
    assert_eq!(status(&api), 503, "{api}");
    assert!(json_body(&api)["error"].as_str().is_some());
    // The twenty held connections are still the same twenty: the cap did not grow.
    for c in &mut clients {
        c.poll(b"");
    }
    assert_eq!(clients.iter().filter(|c| c.closed.is_none()).count(), open);
    // Once they are gone the API answers again.
    drop(clients);
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let r = request(d.http_port, "GET", "/api/v1/runs", Some("localhost"), "");
        if status(&r) == 200 {
            break;
        }
        assert!(Instant::now() < until, "API still refused: {r}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// DNS rebinding: on loopback only our own names are served.
#[test]
fn foreign_host_names_are_refused_on_loopback() {
    let d = Daemon::start(
        "http-host",
        Some("[server]\nallowed_hosts = [\"pathwarden.internal\"]\n"),
        &[],
    );
    let p = d.http_port;
    for bad in [
        "evil.example".to_string(),
        format!("evil.example:{p}"),
        format!("localhost.evil.example:{p}"),
        "127.0.0.1.nip.io".to_string(),
    ] {
        for path in ["/healthz", "/api/v1/runs", "/metrics"] {
            let r = request(p, "GET", path, Some(&bad), "");
            assert_eq!(status(&r), 421, "Host {bad} {path}: {r}");
            assert!(
                json_body(&r)["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("allowed_hosts")),
                "{r}"
            );
        }
    }
    let r = request(p, "GET", "/healthz", None, "");
    assert_eq!(status(&r), 421, "no Host: {r}");
    for good in [
        "localhost".to_string(),
        format!("localhost:{p}"),
        format!("127.0.0.1:{p}"),
        format!("[::1]:{p}"),
        "pathwarden.internal".to_string(),
        format!("pathwarden.internal:{p}"),
    ] {
        let r = request(p, "GET", "/healthz", Some(&good), "");
        assert_eq!(status(&r), 200, "Host {good}: {r}");
        let r = request(p, "GET", "/api/v1/runs", Some(&good), "");
        assert_eq!(status(&r), 200, "Host {good}: {r}");
    }
}

/// `trust_loopback = false` without `[[token]]`: the API is closed (401 with JSON), health
/// stays public.
#[test]
fn no_anonymous_api_without_loopback_trust() {
    let d = Daemon::start(
        "http-notrust",
        Some("[server]\ntrust_loopback = false\n"),
        &[],
    );
    for path in [
        "/api/v1/runs",
        "/api/v1/findings",
        "/api/v1/access-requests",
    ] {
        let r = request(d.http_port, "GET", path, Some("localhost"), "");
        assert_eq!(status(&r), 401, "{path}: {r}");
        assert!(json_body(&r)["error"].as_str().is_some(), "{r}");
    }
    let r = request(d.http_port, "POST", "/api/v1/runs", Some("localhost"), "");
    assert_eq!(status(&r), 401, "{r}");
    assert_eq!(status(&healthz(d.http_port)), 200);
}

/// With loopback trust on (the default), the API answers loopback clients without a token.
#[test]
fn loopback_trust_keeps_the_zero_config_api() {
    let d = Daemon::start("http-trust", None, &[]);
    let r = request(d.http_port, "GET", "/api/v1/runs", Some("localhost"), "");
    assert_eq!(status(&r), 200, "{r}");
}

/// `serve -c bad.toml` exits non-zero with one line: `error: file: key: problem`.
#[test]
fn bad_config_is_one_line_naming_file_and_key() {
    let dir = common::temp_dir("badconfig");
    let cases = [
        (
            "[[job]]\nname = \"nightly\"\nsql = \"select 1\"\nschedule = \"61 * * * *\"\n",
            "job[0] (nightly).schedule: ",
        ),
        (
            "[[connection]]\nname = \"prod\"\nplugin = \"gaad\"\npath = \"/nonexistent/gaad.json\"\n",
            "connection[0] (prod).path: cannot read /nonexistent/gaad.json: ",
        ),
        (
            "[server]\ntls_cert = \"/nonexistent/server.crt\"\ntls_key = \"/nonexistent/server.key\"\n",
            "server.tls_cert: cannot open /nonexistent/server.crt",
        ),
        (
            "[llm]\nbase_url = \"ftp://models.example\"\n",
            "llm.base_url: ",
        ),
        ("[neo4j]\nuri = \"http://127.0.0.1:7474\"\n", "neo4j.uri: "),
        (
            "[server]\ndata_dir = \"/proc/version/state\"\n",
            "server.data_dir: cannot create /proc/version/state",
        ),
    ];
    for (i, (text, key)) in cases.iter().enumerate() {
        let p = dir.join(format!("bad{i}.toml"));
        std::fs::write(&p, text).expect("write");
        let log = dir.join(format!("bad{i}.log"));
        let mut child = Command::new(common::bin())
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--http-listen",
                "127.0.0.1:0",
                "-c",
            ])
            .arg(&p)
            .env("PATHWARDEN_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("run pathwarden");
        // A config that is not refused starts serving: stop it rather than hang.
        let until = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(st) = child.try_wait().expect("wait") {
                break st;
            }
            if Instant::now() > until {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{key}: bad config accepted, the daemon kept running: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stderr = std::fs::read_to_string(&log).unwrap_or_default();
        assert_eq!(status.code(), Some(1), "{key}: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{key}: expected one line, got {stderr:?}");
        let expected = format!("error: {}: {key}", p.display());
        assert!(
            lines[0].starts_with(&expected),
            "{:?} does not start with {expected:?}",
            lines[0]
        );
        assert!(
            lines[0].matches("os error").count() <= 1,
            "OS error repeated: {}",
            lines[0]
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGTERM while every HTTP slot is held by a client that never sends a request: the
/// daemon still exits, within the shutdown grace period, not after the header deadline.
#[test]
fn sigterm_with_every_http_slot_held_exits_promptly() {
    let mut d = Daemon::start(
        "http-term",
        Some("[server]\nhttp_request_timeout = \"60s\"\nhttp_max_connections = 10\n"),
        &[],
    );
    let mut held: Vec<Client> = (0..10).map(|_| Client::open(d.http_port)).collect();
    // The slots are taken once a further client only reaches the health lane.
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let r = request(d.http_port, "GET", "/api/v1/runs", Some("localhost"), "");
        if status(&r) == 503 {
            break;
        }
        assert!(Instant::now() < until, "slots never filled: {r}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let term = Instant::now();
    let st = Command::new("kill")
        .args(["-TERM", &d.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
    let until = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = d.child.try_wait().expect("wait") {
            break st;
        }
        assert!(
            Instant::now() < until,
            "still running 20 s after SIGTERM: {}",
            d.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = term.elapsed();
    assert!(status.success(), "{status}: {}", d.stderr());
    assert!(took < Duration::from_secs(15), "exit took {took:?}");
    // The held connections were closed by the daemon, not left to the header deadline.
    assert!(poll_until(
        &mut held,
        b"",
        Duration::from_secs(1),
        |cs: &[Client]| { cs.iter().all(|c| c.closed.is_some()) }
    ));
}
