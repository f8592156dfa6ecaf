//! HTTP: health, Prometheus metrics and the JSON API, served with the limits of `[server]`:
//! a header-read and request deadline, a connection cap and a `Host` check on loopback.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::uri::Authority;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt;

use crate::engine::Engine;

/// State shared by HTTP handlers.
#[derive(Clone)]
pub struct HttpState {
    /// The engine.
    pub engine: Arc<Engine>,
}

async fn healthz() -> impl IntoResponse {
    (
        StatusCode::OK,
        axum::Json(serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})),
    )
}

async fn metrics(State(st): State<HttpState>) -> impl IntoResponse {
    let mut out = String::new();
    out.push_str("# HELP pathwarden_api_calls_total Provider API calls made.\n# TYPE pathwarden_api_calls_total counter\n");
    for (name, rt) in &st.engine.runtimes {
        out.push_str(&format!(
            "pathwarden_api_calls_total{{connection=\"{name}\"}} {}\n",
            rt.stats.api_calls.load(Ordering::Relaxed)
        ));
    }
    out.push_str("# HELP pathwarden_api_retries_total Throttled calls retried.\n# TYPE pathwarden_api_retries_total counter\n");
    for (name, rt) in &st.engine.runtimes {
        out.push_str(&format!(
            "pathwarden_api_retries_total{{connection=\"{name}\"}} {}\n",
            rt.stats.retries.load(Ordering::Relaxed)
        ));
    }
    out.push_str("# HELP pathwarden_cache_hits_total Cache hits.\n# TYPE pathwarden_cache_hits_total counter\n");
    for (name, rt) in &st.engine.runtimes {
        out.push_str(&format!(
            "pathwarden_cache_hits_total{{connection=\"{name}\"}} {}\n",
            rt.stats.cache_hits.load(Ordering::Relaxed)
        ));
    }
    out.push_str("# HELP pathwarden_cache_misses_total Cache misses.\n# TYPE pathwarden_cache_misses_total counter\n");
    for (name, rt) in &st.engine.runtimes {
        out.push_str(&format!(
            "pathwarden_cache_misses_total{{connection=\"{name}\"}} {}\n",
            rt.stats.cache_misses.load(Ordering::Relaxed)
        ));
    }
    out.push_str("# HELP pathwarden_http_requests_total Provider REST requests by provider, service and outcome.\n# TYPE pathwarden_http_requests_total counter\n");
    let rest = pathwarden_tables::framework::rest::metrics_snapshot();
    for (provider, service, m) in &rest {
        for (outcome, n) in [
            ("ok", &m.ok),
            ("denied", &m.denied),
            ("throttled", &m.throttled),
            ("transient", &m.transient),
            ("not_found", &m.not_found),
            ("failed", &m.failed),
        ] {
            out.push_str(&format!(
                "pathwarden_http_requests_total{{provider=\"{provider}\",service=\"{service}\",outcome=\"{outcome}\"}} {}\n",
                n.load(Ordering::Relaxed)
            ));
        }
    }
    out.push_str("# HELP pathwarden_http_request_seconds_total Time spent in provider REST requests.\n# TYPE pathwarden_http_request_seconds_total counter\n");
    for (provider, service, m) in &rest {
        out.push_str(&format!(
            "pathwarden_http_request_seconds_total{{provider=\"{provider}\",service=\"{service}\"}} {:.6}\n",
            m.latency_us.load(Ordering::Relaxed) as f64 / 1e6
        ));
    }
    out.push_str("# HELP pathwarden_audit_dropped_total Audit events not stored because the audit queue was full.\n# TYPE pathwarden_audit_dropped_total counter\n");
    out.push_str(&format!(
        "pathwarden_audit_dropped_total {}\n",
        crate::posture::audit::dropped_total()
    ));
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
}

/// The HTTP router.
pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// Connections accepted beyond `server.http_max_connections` that are still answered, but
/// only on `/healthz` and with a one-second header deadline: a health check gets through
/// while the regular slots are full, and the total stays bounded.
pub const HEALTH_LANE_CONNECTIONS: usize = 8;

/// Header deadline of a connection in the health lane.
const HEALTH_LANE_HEADER_TIMEOUT: Duration = Duration::from_secs(1);

/// How long shutdown waits for open connections to finish their requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(4);

/// The limits the HTTP listener enforces (from `[server]`).
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Deadline to read a request's headers, and to answer a request
    /// (`server.http_request_timeout`).
    pub request_timeout: Duration,
    /// Concurrent connections at most (`server.http_max_connections`).
    pub max_connections: usize,
    /// `Some` when bound to loopback: the `Host` names accepted besides `localhost`,
    /// `127.0.0.1` and `[::1]` (`server.allowed_hosts` and the listen address).
    pub allowed_hosts: Option<Vec<String>>,
    /// API requests without a token from loopback peers are served as an anonymous reader
    /// (`server.trust_loopback`).
    pub trust_loopback: bool,
}

impl HttpLimits {
    /// The limits for a listener bound to `addr`.
    pub fn new(
        addr: SocketAddr,
        request_timeout: Duration,
        max_connections: usize,
        allowed_hosts: &[String],
        trust_loopback: bool,
    ) -> HttpLimits {
        let allowed_hosts = addr.ip().is_loopback().then(|| {
            let mut names: Vec<String> = allowed_hosts
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect();
            names.push(match addr {
                SocketAddr::V4(a) => a.ip().to_string(),
                SocketAddr::V6(a) => format!("[{}]", a.ip()),
            });
            names
        });
        HttpLimits {
            request_timeout,
            max_connections: max_connections.max(1),
            allowed_hosts,
            trust_loopback,
        }
    }
}

/// Request extension: whether a request without a token may use the API as an anonymous
/// reader (the peer is on loopback and `server.trust_loopback` is on). Absent means no.
#[derive(Debug, Clone, Copy)]
pub struct AnonymousAllowed(pub bool);

/// A JSON error response, shaped as the API's: `{"error": "...", "status": 421}`.
fn json_error(status: StatusCode, message: String) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "error": message, "status": status.as_u16() })),
    )
        .into_response()
}

/// Whether a `Host` header value names this daemon: `localhost`, `127.0.0.1`, `[::1]` or
/// one of `allowed` (an entry may carry a port, then the port must match too).
fn host_allowed(host: &str, allowed: &[String]) -> bool {
    if host.contains('@') {
        return false;
    }
    let Ok(authority) = host.parse::<Authority>() else {
        return false;
    };
    // `Authority` takes `localhost:abc`; a port, when present, must be a number.
    if authority.as_str().len() != authority.host().len() && authority.port_u16().is_none() {
        return false;
    }
    let name = authority.host().to_ascii_lowercase();
    let full = authority.as_str().to_ascii_lowercase();
    ["localhost", "127.0.0.1", "[::1]"].contains(&name.as_str())
        || allowed.iter().any(|a| *a == name || *a == full)
}

/// DNS rebinding: a page on another site must not reach the loopback listener through a
/// name that resolves to 127.0.0.1, so only our own names are served.
async fn check_host(State(allowed): State<Arc<Vec<String>>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    match host {
        Some(h) if host_allowed(&h, &allowed) => next.run(req).await,
        Some(h) => json_error(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "Host {:?} is not a name of this server; add it to server.allowed_hosts",
                h.chars().take(200).collect::<String>()
            ),
        ),
        None => json_error(
            StatusCode::MISDIRECTED_REQUEST,
            "a Host header is required".into(),
        ),
    }
}

/// A request not answered within the deadline (a slow body included) gets 408 and the
/// connection is closed.
async fn request_deadline(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            let mut r = json_error(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "request not answered within server.http_request_timeout ({})",
                    crate::limits::format_duration(Some(limit))
                ),
            );
            r.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
            r
        }
    }
}

/// Wrap `app` in the request deadline and, on loopback, the `Host` check.
fn with_limits(app: Router, limits: &HttpLimits) -> Router {
    let app = match &limits.allowed_hosts {
        Some(names) => app.layer(middleware::from_fn_with_state(
            Arc::new(names.clone()),
            check_host,
        )),
        None => app,
    };
    app.layer(middleware::from_fn_with_state(
        limits.request_timeout,
        request_deadline,
    ))
}

/// What a connection beyond the regular slots may reach.
fn health_lane(limits: &HttpLimits) -> Router {
    const BUSY: &str =
        "too many HTTP connections (server.http_max_connections); only /healthz is answered";
    let app = Router::new()
        .route("/healthz", get(healthz))
        .fallback(|| async { json_error(StatusCode::SERVICE_UNAVAILABLE, BUSY.into()) });
    with_limits(app, limits)
}

/// Answer a connection that finds every slot taken, without reading from it.
fn refuse(stream: TcpStream) {
    const BODY: &str =
        r#"{"error":"too many HTTP connections (server.http_max_connections)","status":503}"#;
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    // A fresh socket's send buffer is empty, so this does not block; if it cannot be
    // written at once the client just sees the connection closed.
    let _ = stream.try_write(response.as_bytes());
}

/// What a connection is served with: the full router, or the health lane's.
#[derive(Clone)]
struct Lane {
    app: Router,
    header_timeout: Duration,
    keep_alive: bool,
}

/// One connection: HTTP/1.1 with the header deadline; it closes gracefully on shutdown.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    lane: Lane,
    anonymous: AnonymousAllowed,
    mut stop: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let Lane {
        app,
        header_timeout,
        keep_alive,
    } = lane;
    let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        req.extensions_mut().insert(anonymous);
        app.clone().oneshot(req.map(axum::body::Body::new))
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(keep_alive);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    // The watch guard must not live across an await: reduce it to `()` first.
    let stopping = async move {
        let _ = stop.wait_for(|stopping| *stopping).await;
    };
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = stopping => {
            // Requests in flight finish; a connection still waiting for one is dropped
            // when the grace period is over.
            conn.as_mut().graceful_shutdown();
            tokio::time::timeout(SHUTDOWN_GRACE, conn)
                .await
                .unwrap_or(Ok(()))
        }
    };
    if let Err(e) = result {
        // Header timeouts and clients that hang up are routine; nothing to act on.
        tracing::debug!(%peer, error = %e, "http connection ended");
    }
}

/// Serve `app` on `listener` until `shutdown` resolves, then let open requests finish
/// (for a few seconds at most).
///
/// At most `max_connections` connections are served; up to [`HEALTH_LANE_CONNECTIONS`]
/// more are answered on `/healthz` only; anything beyond gets 503 and is closed at once.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let full = Lane {
        app: with_limits(app, &limits),
        header_timeout: limits.request_timeout,
        keep_alive: true,
    };
    let health = Lane {
        app: health_lane(&limits),
        header_timeout: HEALTH_LANE_HEADER_TIMEOUT.min(limits.request_timeout),
        keep_alive: false,
    };
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let health_slots = Arc::new(Semaphore::new(HEALTH_LANE_CONNECTIONS));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "http: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let anonymous = AnonymousAllowed(limits.trust_loopback && peer.ip().is_loopback());
        if let Ok(slot) = slots.clone().try_acquire_owned() {
            tokio::spawn(serve_connection(
                stream,
                peer,
                full.clone(),
                anonymous,
                stop_rx.clone(),
                slot,
            ));
        } else if let Ok(slot) = health_slots.clone().try_acquire_owned() {
            tracing::debug!(%peer, "http: every connection slot is taken; health lane");
            tokio::spawn(serve_connection(
                stream,
                peer,
                health.clone(),
                anonymous,
                stop_rx.clone(),
                slot,
            ));
        } else {
            tracing::debug!(%peer, "http: every connection slot is taken; refused");
            refuse(stream);
        }
    }
    let _ = stop_tx.send(true);
    drop(listener);
    // Every slot back means every connection has finished.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_of_this_server_only() {
        let extra = vec!["pathwarden.internal".to_string(), "box:8080".to_string()];
        for ok in [
            "localhost",
            "localhost:9194",
            "LOCALHOST:9194",
            "127.0.0.1",
            "127.0.0.1:9194",
            "[::1]",
            "[::1]:9194",
            "pathwarden.internal",
            "pathwarden.internal:9194",
            "box:8080",
        ] {
            assert!(host_allowed(ok, &extra), "{ok} should be allowed");
        }
        for bad in [
            "evil.example",
            "evil.example:9194",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "box:9090",
            "box",
            "localhost@evil.example",
            "localhost:abc",
            "",
        ] {
            assert!(!host_allowed(bad, &extra), "{bad} should be refused");
        }
    }

    #[test]
    fn host_check_only_when_bound_to_loopback() {
        let t = Duration::from_secs(1);
        let lo = HttpLimits::new("127.0.0.1:9194".parse().unwrap(), t, 4, &[], true);
        assert_eq!(lo.allowed_hosts, Some(vec!["127.0.0.1".to_string()]));
        let lo6 = HttpLimits::new("[::1]:9194".parse().unwrap(), t, 4, &[], true);
        assert_eq!(lo6.allowed_hosts, Some(vec!["[::1]".to_string()]));
        let any = HttpLimits::new("0.0.0.0:9194".parse().unwrap(), t, 4, &[], true);
        assert_eq!(any.allowed_hosts, None);
    }
}
