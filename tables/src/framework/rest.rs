//! The one REST client layer of every provider.
//!
//! A provider plugs in two things: how a request is authorised (AWS signs it with SigV4,
//! GCP and Azure add a bearer token: [`Authorize`]) and how its wire format spells an error
//! (a [`DecodeError`] function returning the service's code and message). Everything else
//! is shared and lives here or in [`ConnectionRuntime::call`](super::ConnectionRuntime::call):
//!
//! - **classification**: one table of error codes and HTTP statuses ([`classify`]) decides
//!   whether a failure is access denied (feeds `on_access_denied`), throttling or a
//!   transient server error (retried), not found, or final;
//! - **retries**: `ConnectionRuntime::call` retries throttled and transient failures with
//!   jittered exponential backoff, never sooner than the server's `Retry-After` (or
//!   `retry-after-ms` / `x-ms-retry-after-ms`), capped at [`MAX_RETRY_AFTER`];
//! - **per-service concurrency**: the same `call` holds a per-service permit while a request
//!   is in flight (and releases it while waiting to retry);
//! - **paging**: [`next_token`] for `NextToken`/`Marker`/`nextPageToken` styles and
//!   [`next_link`] for `nextLink`/`@odata.nextLink`, which refuses a link to another origin
//!   (a hostile endpoint must not be able to send the connection's credentials elsewhere);
//! - **limits**: no redirects are followed, response bodies are capped at
//!   [`MAX_RESPONSE_BYTES`], connect and total timeouts are set;
//! - **metrics**: per provider and service, requests by outcome and total latency
//!   ([`metrics_snapshot`], exported on `/metrics`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::Value;

use super::source::FetchError;

/// Longest server-requested delay honoured; a server asking for more is retried after this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Largest response body read; a larger one fails the call.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// What a failed call means to the framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The resource does not exist (or the feature is not enabled).
    NotFound,
    /// The credentials may not make the call: `on_access_denied` decides.
    AccessDenied,
    /// The service asked the caller to slow down: retried.
    Throttled,
    /// A server-side or transport failure that may pass: retried.
    Transient,
    /// Anything else: the call fails.
    Failed,
}

/// Codes meaning "access denied" across AWS, Google and Azure (ARM and Microsoft Graph).
const DENIED: &[&str] = &[
    // AWS
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "AuthFailure",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "AllAccessDisabled",
    // Google
    "PERMISSION_DENIED",
    "UNAUTHENTICATED",
    // Azure Resource Manager and Microsoft Graph
    "AuthorizationFailed",
    "LinkedAuthorizationFailed",
    "InvalidAuthenticationToken",
    "ExpiredAuthenticationToken",
    "Authorization_RequestDenied",
    "Authorization_IdentityNotFound",
    "Forbidden",
];

/// Codes meaning "slow down" (the AWS list is the SDKs' throttling list).
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "RESOURCE_EXHAUSTED",
    "TooManyRequests",
    "SubscriptionRequestsThrottled",
    "TenantRequestsThrottled",
];

/// Codes of transient failures that a retry may get past.
const TRANSIENT: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "UNAVAILABLE",
    "INTERNAL",
    "DEADLINE_EXCEEDED",
    "Transport",
];

/// The one classification of a failed call, from the service's error code (checked first)
/// and the HTTP status (0 when no response arrived).
pub fn classify(status: u16, code: &str) -> ErrorClass {
    if DENIED.contains(&code) {
        return ErrorClass::AccessDenied;
    }
    if THROTTLED.contains(&code) {
        return ErrorClass::Throttled;
    }
    if TRANSIENT.contains(&code) {
        return ErrorClass::Transient;
    }
    if code.contains("NotFound")
        || code.starts_with("NoSuch")
        || code == "NOT_FOUND"
        || code == "Request_ResourceNotFound"
    {
        return ErrorClass::NotFound;
    }
    match status {
        401 | 403 => ErrorClass::AccessDenied,
        404 => ErrorClass::NotFound,
        429 => ErrorClass::Throttled,
        500..=599 => ErrorClass::Transient,
        _ => ErrorClass::Failed,
    }
}

/// A failed call as the service (or the transport) described it.
#[derive(Debug, Clone)]
pub struct ServiceError {
    /// HTTP status; 0 when no response arrived.
    pub status: u16,
    /// The service's error code without namespace (`AccessDeniedException`,
    /// `PERMISSION_DENIED`, `AuthorizationFailed`), or `Http<status>`, or `Transport`.
    pub code: String,
    /// The service's message.
    pub message: String,
    /// How long the server asked the caller to wait before retrying.
    pub retry_after: Option<Duration>,
}

impl ServiceError {
    /// A failure before any response arrived (connect, TLS, timeout, signing).
    pub fn transport(message: impl ToString) -> Self {
        ServiceError {
            status: 0,
            code: "Transport".into(),
            message: message.to_string(),
            retry_after: None,
        }
    }

    /// A failure that is the caller's own (bad input, unusable response); never retried.
    pub fn failed(code: impl ToString, message: impl ToString) -> Self {
        ServiceError {
            status: 0,
            code: code.to_string(),
            message: message.to_string(),
            retry_after: None,
        }
    }

    /// The classification of this failure.
    pub fn class(&self) -> ErrorClass {
        classify(self.status, &self.code)
    }

    /// Whether the failure says the resource does not exist.
    pub fn is_not_found(&self) -> bool {
        self.class() == ErrorClass::NotFound
    }

    /// The framework's error for this failure of `api_call`.
    pub fn into_fetch(self, api_call: &str) -> FetchError {
        let api_call = api_call.to_string();
        let message = if self.message.is_empty() {
            self.code.clone()
        } else if self.code.is_empty() || self.message.starts_with(&self.code) {
            self.message.clone()
        } else {
            format!("{}: {}", self.code, self.message)
        };
        match self.class() {
            ErrorClass::AccessDenied => FetchError::AccessDenied { api_call, message },
            ErrorClass::Throttled | ErrorClass::Transient => FetchError::Throttled {
                api_call,
                message,
                retry_after: self.retry_after,
            },
            ErrorClass::NotFound | ErrorClass::Failed => FetchError::Api { api_call, message },
        }
    }
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// A request about to be sent: what [`Authorize`] may sign or add headers to.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// Method.
    pub method: reqwest::Method,
    /// Full URL, query included.
    pub url: String,
    /// Headers (lower-case names).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A request without headers or body.
    pub fn new(method: reqwest::Method, url: impl Into<String>) -> Self {
        HttpRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// Set the body.
    pub fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// A JSON body with its content type.
    pub fn json(self, value: &Value) -> Self {
        self.header("content-type", "application/json")
            .body(serde_json::to_vec(value).unwrap_or_default())
    }

    /// Append `query` to the URL, percent-encoded.
    pub fn query(mut self, query: &[(&str, &str)]) -> Self {
        if !query.is_empty() {
            let q: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v)))
                .collect();
            self.url
                .push(if self.url.contains('?') { '&' } else { '?' });
            self.url.push_str(&q.join("&"));
        }
        self
    }

    /// Host (and port) of the URL.
    pub fn host(&self) -> &str {
        origin_parts(&self.url).1
    }
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status (2xx).
    pub status: u16,
    /// Headers (lower-case names).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The body as JSON (an empty body is an empty object).
    pub fn json(&self) -> Result<Value, ServiceError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Default::default()));
        }
        serde_json::from_slice(&self.body).map_err(|e| ServiceError {
            status: self.status,
            code: format!("Http{}", self.status),
            message: format!("response is not JSON: {e}"),
            retry_after: None,
        })
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// How a provider authorises a request (SigV4 signature, bearer token).
#[async_trait]
pub trait Authorize: Send + Sync {
    /// Add the credentials to `req` just before it is sent.
    async fn authorize(&self, req: &mut HttpRequest) -> Result<(), ServiceError>;
}

/// No credentials (public endpoints, tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct Anonymous;

#[async_trait]
impl Authorize for Anonymous {
    async fn authorize(&self, _req: &mut HttpRequest) -> Result<(), ServiceError> {
        Ok(())
    }
}

/// A provider's reading of a failed response: `(code, message)` from status, headers, body.
pub type DecodeError = fn(u16, &[(String, String)], &[u8]) -> (String, String);

/// Counters of one provider's service.
#[derive(Debug, Default)]
pub struct RestMetrics {
    /// Requests sent.
    pub requests: AtomicU64,
    /// 2xx responses.
    pub ok: AtomicU64,
    /// Access denied.
    pub denied: AtomicU64,
    /// Throttled.
    pub throttled: AtomicU64,
    /// 5xx and transport failures.
    pub transient: AtomicU64,
    /// Not found.
    pub not_found: AtomicU64,
    /// Other failures.
    pub failed: AtomicU64,
    /// Total time of all requests, in microseconds.
    pub latency_us: AtomicU64,
}

type MetricsMap = BTreeMap<(&'static str, String), Arc<RestMetrics>>;

fn registry() -> &'static Mutex<MetricsMap> {
    static REG: OnceLock<Mutex<MetricsMap>> = OnceLock::new();
    REG.get_or_init(|| Mutex::new(BTreeMap::new()))
}

/// The counters of `(provider, service)`, created on first use.
pub fn metrics(provider: &'static str, service: &str) -> Arc<RestMetrics> {
    let mut map = registry().lock().unwrap_or_else(|p| p.into_inner());
    map.entry((provider, service.to_string()))
        .or_default()
        .clone()
}

/// Every provider's and service's counters.
pub fn metrics_snapshot() -> Vec<(&'static str, String, Arc<RestMetrics>)> {
    let map = registry().lock().unwrap_or_else(|p| p.into_inner());
    map.iter()
        .map(|((p, s), m)| (*p, s.clone(), m.clone()))
        .collect()
}

/// The shared HTTP client: one connection pool, no redirects, bounded waits.
pub fn shared_http() -> reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .timeout(Duration::from_secs(60))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_else(|_| reqwest::Client::new())
        })
        .clone()
}

/// The REST client of one provider.
#[derive(Clone)]
pub struct RestClient {
    provider: &'static str,
    http: reqwest::Client,
    decode: DecodeError,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("provider", &self.provider)
            .finish()
    }
}

impl RestClient {
    /// A client of `provider` reading errors with `decode`.
    pub fn new(provider: &'static str, http: reqwest::Client, decode: DecodeError) -> Self {
        RestClient {
            provider,
            http,
            decode,
        }
    }

    /// The HTTP client (for credential exchanges that are not API calls).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Authorise and send `req` to `service`; a non-2xx response is a [`ServiceError`]
    /// carrying the service's code, message and requested delay.
    pub async fn send(
        &self,
        service: &str,
        auth: &(dyn Authorize + '_),
        mut req: HttpRequest,
    ) -> Result<HttpResponse, ServiceError> {
        let m = metrics(self.provider, service);
        let started = Instant::now();
        let result = self.send_inner(auth, &mut req).await;
        m.requests.fetch_add(1, Ordering::Relaxed);
        m.latency_us
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        let counter = match &result {
            Ok(_) => &m.ok,
            Err(e) => match e.class() {
                ErrorClass::AccessDenied => &m.denied,
                ErrorClass::Throttled => &m.throttled,
                ErrorClass::Transient => &m.transient,
                ErrorClass::NotFound => &m.not_found,
                ErrorClass::Failed => &m.failed,
            },
        };
        counter.fetch_add(1, Ordering::Relaxed);
        result
    }

    async fn send_inner(
        &self,
        auth: &(dyn Authorize + '_),
        req: &mut HttpRequest,
    ) -> Result<HttpResponse, ServiceError> {
        auth.authorize(req).await?;
        let method = req.method.clone();
        let mut builder = self.http.request(method, &req.url);
        for (k, v) in &req.headers {
            if k != "host" {
                builder = builder.header(k.as_str(), v.as_str());
            }
        }
        let mut resp = builder
            .body(std::mem::take(&mut req.body))
            .send()
            .await
            .map_err(|e| ServiceError::transport(without_url(e)))?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        if resp
            .content_length()
            .is_some_and(|n| n as usize > MAX_RESPONSE_BYTES)
        {
            return Err(too_large(status));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| ServiceError::transport(without_url(e)))?
        {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(too_large(status));
            }
            body.extend_from_slice(&chunk);
        }
        if (200..300).contains(&status) {
            return Ok(HttpResponse {
                status,
                headers,
                body,
            });
        }
        let (code, message) = (self.decode)(status, &headers, &body);
        Err(ServiceError {
            status,
            code: if code.is_empty() {
                format!("Http{status}")
            } else {
                code
            },
            message,
            retry_after: retry_after(&headers),
        })
    }
}

fn too_large(status: u16) -> ServiceError {
    ServiceError::failed(
        format!("Http{status}"),
        format!("response larger than {MAX_RESPONSE_BYTES} bytes"),
    )
}

/// Transport errors print the URL, whose query may carry page tokens; keep the causes only.
pub fn without_url(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

/// The delay a response asks for: `Retry-After` (seconds or HTTP date), or Azure's
/// `retry-after-ms` / `x-ms-retry-after-ms`, capped at [`MAX_RETRY_AFTER`].
pub fn retry_after(headers: &[(String, String)]) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = header(headers, name).and_then(|v| v.trim().parse::<u64>().ok()) {
            return Some(Duration::from_millis(ms).min(MAX_RETRY_AFTER));
        }
    }
    header(headers, "retry-after").and_then(parse_retry_after)
}

/// `Retry-After` as delta-seconds or an HTTP date, capped at [`MAX_RETRY_AFTER`].
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    let d = if let Ok(secs) = v.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
        (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
    };
    Some(d.min(MAX_RETRY_AFTER))
}

/// The continuation token under `key` (`NextToken`, `Marker`, `nextPageToken`); an empty
/// token ends the listing.
pub fn next_token(body: &Value, key: &str) -> Option<String> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// The next page's URL (`nextLink`, `@odata.nextLink`) of a response to `request_url`.
/// A link to another scheme, host or port is refused: the connection's credentials would
/// go with it.
pub fn next_link(body: &Value, request_url: &str) -> Result<Option<String>, ServiceError> {
    let Some(link) = ["@odata.nextLink", "nextLink"]
        .iter()
        .find_map(|k| body.get(*k).and_then(Value::as_str))
        .filter(|l| !l.is_empty())
    else {
        return Ok(None);
    };
    if origin_parts(link) != origin_parts(request_url) || !link.contains("://") {
        return Err(ServiceError::failed(
            "UntrustedNextLink",
            "the next page link points to another host; refusing to send credentials there",
        ));
    }
    Ok(Some(link.to_string()))
}

/// `(scheme, host[:port])` of a URL (lower-cased host; userinfo is not allowed).
fn origin_parts(url: &str) -> (&str, &str) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return (scheme, "\u{0}userinfo");
    }
    (scheme, authority)
}

/// The items under `items_key` of a list response (missing: none).
pub fn take_items(body: &mut Value, items_key: &str) -> Vec<Value> {
    match body.get_mut(items_key).map(Value::take) {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_table_classifies_every_cloud() {
        assert_eq!(
            classify(400, "AccessDeniedException"),
            ErrorClass::AccessDenied
        );
        assert_eq!(classify(403, "PERMISSION_DENIED"), ErrorClass::AccessDenied);
        assert_eq!(
            classify(403, "AuthorizationFailed"),
            ErrorClass::AccessDenied
        );
        assert_eq!(
            classify(403, "Authorization_RequestDenied"),
            ErrorClass::AccessDenied
        );
        assert_eq!(classify(403, "Http403"), ErrorClass::AccessDenied);
        assert_eq!(classify(400, "ThrottlingException"), ErrorClass::Throttled);
        assert_eq!(classify(503, "SlowDown"), ErrorClass::Throttled);
        assert_eq!(classify(429, "RESOURCE_EXHAUSTED"), ErrorClass::Throttled);
        assert_eq!(classify(429, "Http429"), ErrorClass::Throttled);
        assert_eq!(classify(502, "Http502"), ErrorClass::Transient);
        assert_eq!(classify(400, "NoSuchEntity"), ErrorClass::NotFound);
        assert_eq!(classify(404, "ResourceGroupNotFound"), ErrorClass::NotFound);
        assert_eq!(classify(400, "ValidationError"), ErrorClass::Failed);
    }

    #[test]
    fn throttles_carry_the_requested_delay() {
        let e = ServiceError {
            status: 429,
            code: "Http429".into(),
            message: "slow down".into(),
            retry_after: Some(Duration::from_secs(3)),
        };
        match e.into_fetch("x:List") {
            FetchError::Throttled { retry_after, .. } => {
                assert_eq!(retry_after, Some(Duration::from_secs(3)))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn retry_after_forms() {
        let h = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        assert_eq!(
            retry_after(&h("retry-after", "3")),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&h("retry-after", "100000")),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            retry_after(&h("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after(&h("x-ms-retry-after-ms", "1500")),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(retry_after(&h("retry-after", "soon")), None);
    }

    #[test]
    fn next_links_stay_on_the_origin() {
        let base = "https://management.azure.com/subscriptions?api-version=2022-12-01";
        let ok = serde_json::json!({"nextLink": "https://management.azure.com/subscriptions?$skiptoken=a"});
        assert!(next_link(&ok, base).unwrap().is_some());
        let odata = serde_json::json!({"@odata.nextLink": "https://management.azure.com/x"});
        assert!(next_link(&odata, base).unwrap().is_some());
        for evil in [
            "https://attacker.example/subscriptions",
            "http://management.azure.com/subscriptions",
            "https://management.azure.com.attacker.example/x",
            "https://management.azure.com:8443/x",
            "https://user@management.azure.com/x",
            "/relative",
        ] {
            let v = serde_json::json!({ "nextLink": evil });
            assert!(next_link(&v, base).is_err(), "{evil}");
        }
        assert_eq!(
            next_link(&serde_json::json!({"nextLink": ""}), base).unwrap(),
            None
        );
    }

    #[test]
    fn tokens_end_on_empty() {
        assert_eq!(
            next_token(&serde_json::json!({"NextToken": "t"}), "NextToken").as_deref(),
            Some("t")
        );
        assert_eq!(
            next_token(&serde_json::json!({"NextToken": ""}), "NextToken"),
            None
        );
    }
}
