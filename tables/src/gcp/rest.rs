//! The GCP provider's plug into the shared REST layer ([`crate::framework::rest`]): a bearer
//! token from the connection's credentials, Google's error body
//! (`{"error": {"code", "message", "status"}}`), `pageToken` paging and the API endpoints.
//!
//! Retries, throttling (`RESOURCE_EXHAUSTED`, 429, 5xx: retried no sooner than
//! `Retry-After`) and access denied (`PERMISSION_DENIED`, 403: `on_access_denied`) are the
//! shared layer's; see its module documentation.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::auth::Auth;
use crate::framework::FetchError;
use crate::framework::rest::{self, Authorize, HttpRequest, ServiceError};

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
    rest: rest::RestClient,
    auth: Arc<Auth>,
    endpoints: BTreeMap<String, String>,
}

/// What a failed call turns into before the framework sees it.
#[derive(Debug)]
pub(crate) enum Failure {
    /// 404: the resource does not exist.
    NotFound,
    /// Anything else (a throttle carries the delay the server asked for).
    Fetch(FetchError),
}

/// The connection's bearer token on every request.
struct Bearer<'a> {
    auth: &'a Auth,
    http: &'a reqwest::Client,
}

#[async_trait::async_trait]
impl Authorize for Bearer<'_> {
    async fn authorize(&self, req: &mut HttpRequest) -> Result<(), ServiceError> {
        let token = self.auth.token(self.http).await.map_err(|e| {
            // Keep the kind: a denied impersonation stays denied, a throttled one retried.
            let code = match &e {
                FetchError::AccessDenied { .. } => "PERMISSION_DENIED",
                FetchError::Throttled { .. } => "RESOURCE_EXHAUSTED",
                FetchError::Api { .. } => "Credentials",
            };
            ServiceError::failed(code, e)
        })?;
        req.headers
            .push(("authorization".into(), format!("Bearer {token}")));
        Ok(())
    }
}

/// Code (`error.status`) and message of a failed Google API response.
pub(crate) fn decode_error(
    _status: u16,
    _headers: &[(String, String)],
    body: &[u8],
) -> (String, String) {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let err = parsed.as_ref().and_then(|v| v.get("error"));
    let code = err
        .and_then(|e| e.get("status"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let message = err
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(300).collect());
    (code, message)
}

/// Pages one listing may take before it is refused (a runaway token loop).
const MAX_LIST_PAGES: usize = 1_000;

impl RestClient {
    pub(crate) fn new(
        http: reqwest::Client,
        auth: Arc<Auth>,
        endpoints: BTreeMap<String, String>,
    ) -> Self {
        RestClient {
            rest: rest::RestClient::new("gcp", http, decode_error),
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

    /// Every item of a paged listing, page after page (at most `MAX_LIST_PAGES`; a
    /// server repeating a page token ends the listing instead of looping).
    pub(crate) async fn all_pages(
        &self,
        api: Api,
        path: &str,
        query: &[(&str, &str)],
        items_key: &str,
        api_call: &str,
    ) -> Result<Vec<Value>, FetchError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..MAX_LIST_PAGES {
            let (items, next) = self
                .page(api, path, query, token.as_deref(), items_key, api_call)
                .await?;
            out.extend(items);
            match next {
                Some(t) if seen.insert(t.clone()) => token = Some(t),
                _ => return Ok(out),
            }
        }
        Err(FetchError::Api {
            api_call: api_call.to_string(),
            message: format!("more than {MAX_LIST_PAGES} pages"),
        })
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
        let mut req = HttpRequest::new(method, self.url(api, path)).query(query);
        if let Some(b) = body {
            req = req.json(b);
        }
        let bearer = Bearer {
            auth: &self.auth,
            http: self.rest.http(),
        };
        let result = self.rest.send(api.name, &bearer, req).await;
        match result.and_then(|r| r.json()) {
            Ok(v) => Ok(v),
            Err(e) if e.is_not_found() => Err(Failure::NotFound),
            Err(e) => Err(Failure::Fetch(e.into_fetch(api_call))),
        }
    }
}

fn into_fetch(f: Failure, api_call: &str) -> FetchError {
    match f {
        Failure::NotFound => FetchError::Api {
            api_call: api_call.to_string(),
            message: "404 NOT_FOUND".into(),
        },
        Failure::Fetch(e) => e,
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

/// Map a failed response to the framework's error kinds through the shared classification.
pub(crate) fn classify(
    api_call: &str,
    status: StatusCode,
    body: &str,
    retry_after: Option<Duration>,
) -> Failure {
    let (code, message) = decode_error(status.as_u16(), &[], body.as_bytes());
    let e = ServiceError {
        status: status.as_u16(),
        code: if code.is_empty() {
            format!("Http{}", status.as_u16())
        } else {
            code
        },
        message,
        retry_after,
    };
    if e.is_not_found() {
        return Failure::NotFound;
    }
    Failure::Fetch(e.into_fetch(api_call))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetch(f: Failure) -> (FetchError, Option<Duration>) {
        match f {
            Failure::Fetch(e) => {
                let d = match &e {
                    FetchError::Throttled { retry_after, .. } => *retry_after,
                    _ => None,
                };
                (e, d)
            }
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
