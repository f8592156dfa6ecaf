//! The shared REST layer against a local server that throttles (with and without
//! `Retry-After`), denies, fails with 5xx, redirects and sends oversized bodies; calls go
//! through `ConnectionRuntime::call` exactly as a table's list call does.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use pathwarden_tables::framework::rest::{
    self, Authorize, HttpRequest, MAX_RESPONSE_BYTES, RestClient, ServiceError,
};
use pathwarden_tables::framework::{
    ConnectionRuntime, ErrorLog, FetchError, HydrateRef, ListRequest, Page, RetryPolicy, Row,
    RuntimeOptions, Source, TableDef,
};
use serde_json::Value;

/// What the server answers, one entry per request (the last one repeats).
#[derive(Clone)]
struct Script {
    steps: Arc<Mutex<Vec<Step>>>,
    hits: Arc<AtomicUsize>,
    auth_seen: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone)]
enum Step {
    Ok,
    Status(u16, Option<&'static str>),
    Redirect,
    Huge,
}

async fn handler(State(s): State<Script>, headers: HeaderMap) -> Response {
    s.hits.fetch_add(1, Ordering::SeqCst);
    if let Some(a) = headers.get("authorization") {
        s.auth_seen
            .lock()
            .unwrap()
            .push(a.to_str().unwrap_or_default().to_string());
    }
    let step = {
        let mut steps = s.steps.lock().unwrap();
        if steps.len() > 1 {
            steps.remove(0)
        } else {
            steps[0].clone()
        }
    };
    match step {
        Step::Ok => (StatusCode::OK, r#"{"items":[1,2,3]}"#).into_response(),
        Step::Status(code, retry_after) => {
            let status = StatusCode::from_u16(code).unwrap();
            let body = match code {
                403 => r#"{"error":{"code":403,"status":"PERMISSION_DENIED","message":"no"}}"#,
                429 => r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"quota"}}"#,
                _ => "upstream trouble",
            };
            let mut resp = (status, body).into_response();
            if let Some(ra) = retry_after {
                resp.headers_mut()
                    .insert("retry-after", ra.parse().unwrap());
            }
            resp
        }
        Step::Redirect => (
            StatusCode::FOUND,
            [("location", "http://127.0.0.1:1/elsewhere")],
            "",
        )
            .into_response(),
        Step::Huge => (StatusCode::OK, vec![b' '; MAX_RESPONSE_BYTES + 1]).into_response(),
    }
}

async fn server(steps: Vec<Step>) -> (String, Script) {
    let script = Script {
        steps: Arc::new(Mutex::new(steps)),
        hits: Arc::new(AtomicUsize::new(0)),
        auth_seen: Arc::new(Mutex::new(Vec::new())),
    };
    let app = Router::new()
        .route("/v1/things", get(handler))
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}/v1/things"), script)
}

/// A bearer token, as the GCP and Azure providers add one.
struct Token;

#[async_trait]
impl Authorize for Token {
    async fn authorize(&self, req: &mut HttpRequest) -> Result<(), ServiceError> {
        req.headers
            .push(("authorization".into(), "Bearer t0k3n".into()));
        Ok(())
    }
}

/// A connection with no tables: only its runtime is used.
#[derive(Debug)]
struct NoTables;

#[async_trait]
impl Source for NoTables {
    fn connection(&self) -> &str {
        "rest"
    }
    fn plugin(&self) -> &str {
        "test"
    }
    fn tables(&self) -> Vec<&'static TableDef> {
        Vec::new()
    }
    fn regions(&self) -> Vec<String> {
        Vec::new()
    }
    async fn list_page(
        &self,
        _: &'static TableDef,
        _: &ListRequest,
        _: Option<String>,
    ) -> Result<Page, FetchError> {
        unreachable!()
    }
    async fn get(
        &self,
        _: &'static TableDef,
        _: Option<&str>,
        _: &str,
        _: &Value,
    ) -> Result<Option<Row>, FetchError> {
        unreachable!()
    }
    async fn hydrate(
        &self,
        _: &'static TableDef,
        _: HydrateRef,
        _: Option<&str>,
        _: &Row,
    ) -> Result<Row, FetchError> {
        unreachable!()
    }
}

fn google_errors(_: u16, _: &[(String, String)], body: &[u8]) -> (String, String) {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let code = v["error"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let msg = v["error"]["message"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(body).to_string());
    (code, msg)
}

fn runtime(max_retries: usize) -> Arc<ConnectionRuntime> {
    ConnectionRuntime::new(
        Arc::new(NoTables),
        RuntimeOptions {
            retry: RetryPolicy {
                min_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(50),
                max_retries,
            },
            ..RuntimeOptions::default()
        },
        Arc::new(ErrorLog::default()),
    )
}

/// One list call through the runtime, as a table scan makes it.
async fn list(rt: &ConnectionRuntime, url: &str) -> Result<Value, FetchError> {
    let client = RestClient::new("test", rest::shared_http(), google_errors);
    rt.call("things", || {
        let client = client.clone();
        let url = url.to_string();
        async move {
            let req = HttpRequest::new(reqwest::Method::GET, url).query(&[("pageSize", "3")]);
            client
                .send("things", &Token, req)
                .await
                .and_then(|r| r.json())
                .map_err(|e| e.into_fetch("things.list"))
        }
    })
    .await
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_no_sooner_than_asked() {
    let (url, s) = server(vec![Step::Status(429, Some("1")), Step::Ok]).await;
    let rt = runtime(3);
    let started = Instant::now();
    let v = list(&rt, &url).await.expect("succeeds after the retry");
    assert_eq!(v["items"], serde_json::json!([1, 2, 3]));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retried after {:?}, before the server's Retry-After of 1 s",
        started.elapsed()
    );
    assert_eq!(s.hits.load(Ordering::SeqCst), 2);
    assert_eq!(rt.stats.retries.load(Ordering::SeqCst), 1);
    // The authoriser's header went with every attempt.
    assert_eq!(
        s.auth_seen.lock().unwrap().as_slice(),
        ["Bearer t0k3n", "Bearer t0k3n"]
    );
}

#[tokio::test]
async fn a_429_without_retry_after_is_retried_with_backoff() {
    let (url, s) = server(vec![
        Step::Status(429, None),
        Step::Status(429, None),
        Step::Ok,
    ])
    .await;
    let rt = runtime(3);
    let started = Instant::now();
    list(&rt, &url).await.expect("succeeds after two retries");
    assert_eq!(s.hits.load(Ordering::SeqCst), 3);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn persistent_throttling_gives_up_after_the_retry_budget() {
    let (url, s) = server(vec![Step::Status(429, None)]).await;
    let rt = runtime(2);
    let e = list(&rt, &url).await.unwrap_err();
    assert!(
        matches!(&e, FetchError::Throttled { api_call, message, .. }
            if api_call == "things.list" && message.contains("RESOURCE_EXHAUSTED")),
        "{e:?}"
    );
    assert_eq!(
        s.hits.load(Ordering::SeqCst),
        3,
        "first attempt and 2 retries"
    );
}

#[tokio::test]
async fn a_403_is_access_denied_and_not_retried() {
    let (url, s) = server(vec![Step::Status(403, None), Step::Ok]).await;
    let rt = runtime(3);
    let e = list(&rt, &url).await.unwrap_err();
    assert!(
        matches!(&e, FetchError::AccessDenied { message, .. } if message == "PERMISSION_DENIED: no"),
        "{e:?}"
    );
    assert_eq!(s.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn server_errors_are_retried() {
    let (url, s) = server(vec![
        Step::Status(500, None),
        Step::Status(503, None),
        Step::Ok,
    ])
    .await;
    let rt = runtime(3);
    list(&rt, &url).await.expect("succeeds after two 5xx");
    assert_eq!(s.hits.load(Ordering::SeqCst), 3);
    let m = rest::metrics("test", "things");
    assert!(m.transient.load(Ordering::SeqCst) >= 2);
    assert!(m.ok.load(Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let (url, s) = server(vec![Step::Redirect]).await;
    let rt = runtime(3);
    let e = list(&rt, &url).await.unwrap_err();
    assert!(matches!(e, FetchError::Api { .. }), "{e:?}");
    assert_eq!(s.hits.load(Ordering::SeqCst), 1, "a 3xx is final");
}

#[tokio::test]
async fn oversized_bodies_fail_the_call() {
    let (url, _) = server(vec![Step::Huge]).await;
    let rt = runtime(0);
    let e = list(&rt, &url).await.unwrap_err();
    assert!(
        matches!(&e, FetchError::Api { message, .. } if message.contains("larger than")),
        "{e:?}"
    );
}
