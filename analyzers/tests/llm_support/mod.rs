//! A local OpenAI-compatible chat-completions server for tests and the review benchmark:
//! tokio TcpListener, minimal HTTP/1.1 (Content-Length bodies, keep-alive), scripted modes.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How the server answers `/v1/chat/completions`.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// A schema-valid verdict with this risk and one finding on statement 0.
    Valid(&'static str),
    /// Content that is not JSON.
    Malformed,
    /// JSON that violates the schema (unknown risk level, missing fields).
    SchemaInvalid,
    /// Never answers.
    Hang,
    /// HTTP 500.
    Http500,
    /// HTTP 400 for `response_format: json_schema`; a valid verdict in JSON mode.
    RejectSchema(&'static str),
}

#[derive(Debug)]
struct State {
    mode: Mutex<Mode>,
    latency: Mutex<Duration>,
    requests: Mutex<Vec<Value>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// A running mock server; stops when dropped.
pub struct MockServer {
    /// API base to put in `LlmConfig::base_url`.
    pub base_url: String,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockServer {
    /// Starts on a free loopback port.
    pub async fn start(mode: Mode) -> MockServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(State {
            mode: Mutex::new(mode),
            latency: Mutex::new(Duration::ZERO),
            requests: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let s = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, s.clone()));
            }
        });
        MockServer {
            base_url: format!("http://{addr}/v1"),
            state,
            task,
        }
    }

    /// Changes how later requests are answered.
    pub fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().expect("mode lock") = mode;
    }

    /// Adds a delay before each answer (simulated model latency).
    pub fn set_latency(&self, latency: Duration) {
        *self.state.latency.lock().expect("latency lock") = latency;
    }

    /// Chat-completion request bodies received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.state.requests.lock().expect("requests lock").clone()
    }

    /// Number of chat-completion requests received so far.
    pub fn request_count(&self) -> usize {
        self.state.requests.lock().expect("requests lock").len()
    }

    /// Most requests handled at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

fn find_header_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

async fn serve(mut stream: TcpStream, state: Arc<State>) {
    let mut buf = Vec::with_capacity(16 * 1024);
    loop {
        // Read one request head.
        let head_end = loop {
            if let Some(end) = find_header_end(&buf) {
                break end;
            }
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default().to_string();
        let content_length = lines
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        while buf.len() < head_end + content_length {
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body: Vec<u8> = buf[head_end..head_end + content_length].to_vec();
        buf.drain(..head_end + content_length);

        if !request_line.starts_with("POST /v1/chat/completions ") {
            if write(
                &mut stream,
                404,
                &json!({"error": {"message": "not found", "type": "invalid_request_error"}})
                    .to_string(),
            )
            .await
            .is_err()
            {
                return;
            }
            continue;
        }
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        state
            .requests
            .lock()
            .expect("requests lock")
            .push(request.clone());
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let latency = *state.latency.lock().expect("latency lock");
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let mode = state.mode.lock().expect("mode lock").clone();
        let result = match mode {
            Mode::Valid(risk) => write(&mut stream, 200, &completion(&verdict(risk))).await,
            Mode::Malformed => {
                write(
                    &mut stream,
                    200,
                    &completion("{\"risk\": \"high\", \"summary\": "),
                )
                .await
            }
            Mode::SchemaInvalid => {
                write(
                    &mut stream,
                    200,
                    &completion(&json!({"risk": "catastrophic", "findings": "many"}).to_string()),
                )
                .await
            }
            Mode::Hang => {
                tokio::time::sleep(Duration::from_secs(120)).await;
                Err(())
            }
            Mode::Http500 => write(&mut stream, 500, "upstream model crashed").await,
            Mode::RejectSchema(risk) => {
                if request["response_format"]["type"] == "json_schema" {
                    let err = json!({"error": {"message": "response_format of type json_schema is not supported",
                        "type": "invalid_request_error", "param": "response_format", "code": null}});
                    write(&mut stream, 400, &err.to_string()).await
                } else {
                    write(&mut stream, 200, &completion(&verdict(risk))).await
                }
            }
        };
        state.in_flight.fetch_sub(1, Ordering::SeqCst);
        if result.is_err() {
            return;
        }
    }
}

/// The verdict text a well-behaved model returns.
pub fn verdict(risk: &str) -> String {
    json!({
        "risk": risk,
        "summary": "Statement 0 is broader than the workload needs.",
        "findings": [{
            "statement_index": 0,
            "category": "over_permissive",
            "explanation": "Grants more than the workload uses.",
            "recommended_rewrite": "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::reports/*\"}"
        }]
    })
    .to_string()
}

fn completion(content: &str) -> String {
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000u32,
        "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
    })
    .to_string()
}

async fn write(stream: &mut TcpStream, status: u16, body: &str) -> Result<(), ()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Internal Server Error",
    };
    let ctype = if status == 500 {
        "text/plain"
    } else {
        "application/json"
    };
    let msg = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(msg.as_bytes()).await.map_err(|_| ())
}

/// A TCP proxy to a real service that can be cut mid-test (simulates Redis going down).
pub struct CuttableProxy {
    /// `host:port` to connect to.
    pub addr: String,
    accept: JoinHandle<()>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl CuttableProxy {
    /// Proxies a free loopback port to `target`.
    pub async fn start(target: &'static str) -> CuttableProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr").to_string();
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let c = conns.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let handle = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                c.lock().expect("conns lock").push(handle);
            }
        });
        CuttableProxy {
            addr,
            accept,
            conns,
        }
    }

    /// Closes the listener and every proxied connection.
    pub fn cut(&self) {
        self.accept.abort();
        for h in self.conns.lock().expect("conns lock").drain(..) {
            h.abort();
        }
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
