//! The REST layer of the GCP provider: bearer-authenticated JSON calls over reqwest,
//! `pageToken` paging, and GCP's errors mapped onto the framework's kinds.
//!
//! Retries: 429 (`RESOURCE_EXHAUSTED`) and 5xx come back as [`FetchError::Throttled`], which
//! the framework's `ConnectionRuntime::call` retries with jittered exponential backoff and
//! a per-service concurrency bound. When the server sends `Retry-After`, the call first
//! waits that long (at most [`MAX_RETRY_AFTER`]) before it reports the throttle, so the
//! framework's next attempt never comes earlier than the server asked.
//! `PERMISSION_DENIED` (403) is [`FetchError::AccessDenied`], so `on_access_denied` applies.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::auth::Auth;
use crate::framework::FetchError;

/// Longest `Retry-After` honoured; a server asking for more is retried after this.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// One Google API, with its public base URL.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Api {
    /// Key of the connection's `endpoints` override map.
    pub name: &'static str,
    /// Base URL of the public endpoint.
    pub base: &'static str,
}

/// Cloud Resource Manager (projects, folders, organizations and their IAM policies).
pub(crate) const CRM: Api = Api {
    name: "cloudresourcemanager",
    base: "https://cloudresourcemanager.googleapis.com",
};
/// IAM (service accounts, keys, roles).
pub(crate) const IAM: Api = Api {
    name: "iam",
    base: "https://iam.googleapis.com",
};
/// IAM Credentials (service-account impersonation).
pub(crate) const IAM_CREDENTIALS: Api = Api {
    name: "iamcredentials",
    base: "https://iamcredentials.googleapis.com",
};

/// Cloud Storage JSON API (buckets and their IAM policies).
pub(crate) const STORAGE: Api = Api {
    name: "storage",
    base: "https://storage.googleapis.com",
};

/// Compute Engine (VM instances).
pub(crate) const COMPUTE: Api = Api {
    name: "compute",
    base: "https://compute.googleapis.com",
};

/// The API names an `endpoints` map may override.
pub const API_NAMES: &[&str] = &[
    "cloudresourcemanager",
    "iam",
    "iamcredentials",
    "storage",
    "compute",
];

/// Base URL of `api`, honouring the connection's overrides.
pub(crate) fn base_url(endpoints: &BTreeMap<String, String>, api: Api) -> String {
    endpoints
        .get(api.name)
        .map(String::as_str)
        .unwrap_or(api.base)
        .trim_end_matches('/')
        .to_string()
}

/// Authenticated JSON client of one connection.
#[derive(Debug, Clone)]
pub(crate) struct RestClient {
    http: reqwest::Client,
    auth: Arc<Auth>,
    endpoints: BTreeMap<String, String>,
}

/// What a failed call turns into before the framework sees it.
#[derive(Debug)]
pub(crate) enum Failure {
    /// 404: the resource does not exist.
    NotFound,
    /// Anything else, with the delay the server asked for, if any.
    Fetch(FetchError, Option<Duration>),
}

impl RestClient {
    pub(crate) fn new(
        http: reqwest::Client,
        auth: Arc<Auth>,
        endpoints: BTreeMap<String, String>,
    ) -> Self {
        RestClient {
            http,
            auth,
            endpoints,
        }
    }

    fn url(&self, api: Api, path: &str) -> String {
        format!("{}{}", base_url(&self.endpoints, api), path)
    }

    /// `GET` a JSON resource.
    pub(crate) async fn get(
        &self,
        api: Api,
        path: &str,
        query: &[(&str, &str)],
        api_call: &str,
    ) -> Result<Value, FetchError> {
        self.send(Method::GET, api, path, query, None, api_call)
            .await
            .map_err(|f| into_fetch(f, api_call))
    }

    /// `GET` a JSON resource; `None` when it does not exist.
    pub(crate) async fn get_opt(
        &self,
        api: Api,
        path: &str,
        query: &[(&str, &str)],
        api_call: &str,
    ) -> Result<Option<Value>, FetchError> {
        match self
            .send(Method::GET, api, path, query, None, api_call)
            .await
        {
            Ok(v) => Ok(Some(v)),
            Err(Failure::NotFound) => Ok(None),
            Err(f) => Err(into_fetch(f, api_call)),
        }
    }

    /// `POST` a JSON body.
    pub(crate) async fn post(
        &self,
        api: Api,
        path: &str,
        query: &[(&str, &str)],
        body: &Value,
        api_call: &str,
    ) -> Result<Value, FetchError> {
        self.send(Method::POST, api, path, query, Some(body), api_call)
            .await
            .map_err(|f| into_fetch(f, api_call))
    }

    /// One page of a list call: the items under `items_key` and the next page's token.
    pub(crate) async fn page(
        &self,
        api: Api,
        path: &str,
        query: &[(&str, &str)],
        token: Option<&str>,
        items_key: &str,
        api_call: &str,
    ) -> Result<(Vec<Value>, Option<String>), FetchError> {
        let mut q: Vec<(&str, &str)> = query.to_vec();
        if let Some(t) = token {
            q.push(("pageToken", t));
        }
        let body = self.get(api, path, &q, api_call).await?;
        Ok(split_page(body, items_key))
    }

    async fn send(
        &self,
        method: Method,
        api: Api,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        api_call: &str,
    ) -> Result<Value, Failure> {
        let token = self
            .auth
            .token(&self.http)
            .await
            .map_err(|e| Failure::Fetch(e, None))?;
        let mut req = self
            .http
            .request(method, self.url(api, path))
            .bearer_auth(token)
            .query(query);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| {
            Failure::Fetch(
                FetchError::Api {
                    api_call: api_call.to_string(),
                    message: format!("request failed: {}", without_url(e)),
                },
                None,
            )
        })?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let text = resp.text().await.map_err(|e| {
            Failure::Fetch(
                FetchError::Api {
                    api_call: api_call.to_string(),
                    message: format!("reading the response failed: {}", without_url(e)),
                },
                None,
            )
        })?;
        if status.is_success() {
            if text.trim().is_empty() {
                return Ok(Value::Object(Default::default()));
            }
            return serde_json::from_str(&text).map_err(|e| {
                Failure::Fetch(
                    FetchError::Api {
                        api_call: api_call.to_string(),
                        message: format!("response is not JSON: {e}"),
                    },
                    None,
                )
            });
        }
        let failure = classify(api_call, status, &text, retry_after);
        if let Failure::Fetch(FetchError::Throttled { .. }, Some(delay)) = &failure {
            tracing::debug!(
                api_call,
                delay_ms = delay.as_millis() as u64,
                "throttled; waiting as Retry-After asks"
            );
            tokio::time::sleep(*delay).await;
        }
        Err(failure)
    }
}

/// Transport errors print the URL, whose query may carry page tokens; keep the causes only.
fn without_url(e: reqwest::Error) -> String {
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

fn into_fetch(f: Failure, api_call: &str) -> FetchError {
    match f {
        Failure::NotFound => FetchError::Api {
            api_call: api_call.to_string(),
            message: "404 NOT_FOUND".into(),
        },
        Failure::Fetch(e, _) => e,
    }
}

/// Items and next page token of a list response (an empty token ends the listing).
pub(crate) fn split_page(mut body: Value, items_key: &str) -> (Vec<Value>, Option<String>) {
    let items = match body.get_mut(items_key).map(Value::take) {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    let next = body
        .get("nextPageToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    (items, next)
}

/// `Retry-After` as delta-seconds or an HTTP date, capped at [`MAX_RETRY_AFTER`].
pub(crate) fn parse_retry_after(v: &str) -> Option<Duration> {
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

/// Map a failed response to the framework's error kinds, from GCP's error body
/// (`{"error": {"code", "message", "status"}}`) and the HTTP status.
pub(crate) fn classify(
    api_call: &str,
    status: StatusCode,
    body: &str,
    retry_after: Option<Duration>,
) -> Failure {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let err = parsed.as_ref().and_then(|v| v.get("error"));
    let gstatus = err
        .and_then(|e| e.get("status"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let gmessage = err
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| body.chars().take(300).collect());
    let message = if gstatus.is_empty() {
        format!("HTTP {}: {gmessage}", status.as_u16())
    } else {
        format!("{gstatus}: {gmessage}")
    };
    let api_call = api_call.to_string();
    if status == StatusCode::NOT_FOUND || gstatus == "NOT_FOUND" {
        return Failure::NotFound;
    }
    if status == StatusCode::FORBIDDEN || gstatus == "PERMISSION_DENIED" {
        return Failure::Fetch(FetchError::AccessDenied { api_call, message }, None);
    }
    if status == StatusCode::TOO_MANY_REQUESTS
        || gstatus == "RESOURCE_EXHAUSTED"
        || status.is_server_error()
    {
        return Failure::Fetch(FetchError::Throttled { api_call, message }, retry_after);
    }
    Failure::Fetch(FetchError::Api { api_call, message }, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetch(f: Failure) -> (FetchError, Option<Duration>) {
        match f {
            Failure::Fetch(e, d) => (e, d),
            Failure::NotFound => panic!("not found"),
        }
    }

    #[test]
    fn permission_denied_is_access_denied() {
        let body = r#"{"error":{"code":403,"message":"Permission 'iam.serviceAccounts.list' denied","status":"PERMISSION_DENIED"}}"#;
        let (e, _) = fetch(classify(
            "iam.serviceAccounts.list",
            StatusCode::FORBIDDEN,
            body,
            None,
        ));
        match e {
            FetchError::AccessDenied { api_call, message } => {
                assert_eq!(api_call, "iam.serviceAccounts.list");
                assert!(
                    message.starts_with("PERMISSION_DENIED: Permission"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rate_limits_and_server_errors_are_throttles() {
        let body =
            r#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}"#;
        let (e, d) = fetch(classify(
            "x",
            StatusCode::TOO_MANY_REQUESTS,
            body,
            Some(Duration::from_secs(2)),
        ));
        assert!(matches!(e, FetchError::Throttled { .. }));
        assert_eq!(d, Some(Duration::from_secs(2)));
        let (e, _) = fetch(classify("x", StatusCode::SERVICE_UNAVAILABLE, "oops", None));
        assert!(matches!(e, FetchError::Throttled { .. }), "{e:?}");
        let (e, _) = fetch(classify("x", StatusCode::BAD_REQUEST, "{}", None));
        assert!(matches!(e, FetchError::Api { .. }));
        assert!(matches!(
            classify("x", StatusCode::NOT_FOUND, "", None),
            Failure::NotFound
        ));
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("100000"), Some(MAX_RETRY_AFTER));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn paging_stops_on_an_empty_token() {
        let (items, next) = split_page(
            serde_json::json!({"accounts": [1, 2], "nextPageToken": ""}),
            "accounts",
        );
        assert_eq!(items.len(), 2);
        assert_eq!(next, None);
        let (items, next) = split_page(serde_json::json!({"nextPageToken": "p2"}), "accounts");
        assert!(items.is_empty());
        assert_eq!(next.as_deref(), Some("p2"));
    }
}
