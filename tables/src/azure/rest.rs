//! The Azure provider's plug into the shared REST layer ([`crate::framework::rest`]): a
//! bearer token for the API's scope (ARM or Microsoft Graph), the error body both APIs use
//! (`{"error": {"code", "message"}}`), `nextLink` / `@odata.nextLink` paging, and ARM's
//! read budget (`x-ms-ratelimit-remaining-*`): when a response says few reads are left, the
//! connection's next ARM request waits a little instead of running into a 429.
//!
//! Retries (429 with or without `Retry-After`, 5xx), access denied (`AuthorizationFailed`,
//! `Authorization_RequestDenied`, 403: `on_access_denied`) and the per-service concurrency
//! bound are the shared layer's and the runtime's.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;
use tokio::sync::Mutex;

use super::auth::Auth;
use crate::framework::FetchError;
use crate::framework::rest::{self, Authorize, HttpRequest, ServiceError};

/// One Azure API: its public base URL and the token scope its calls need.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Api {
    /// Key of the connection's `endpoints` override map.
    pub name: &'static str,
    /// Base URL of the public endpoint.
    pub base: &'static str,
    /// OAuth scope of its tokens.
    pub scope: &'static str,
}

/// Azure Resource Manager.
pub(crate) const ARM: Api = Api {
    name: "management",
    base: "https://management.azure.com",
    scope: "https://management.azure.com/.default",
};

/// Microsoft Graph (v1.0 paths).
pub(crate) const GRAPH: Api = Api {
    name: "graph",
    base: "https://graph.microsoft.com",
    scope: "https://graph.microsoft.com/.default",
};

/// The API names an `endpoints` map may override.
pub const API_NAMES: &[&str] = &["management", "graph"];

/// Headers in which ARM reports how many reads are left in the caller's budget.
const RATE_HEADERS: &[&str] = &[
    "x-ms-ratelimit-remaining-subscription-reads",
    "x-ms-ratelimit-remaining-tenant-reads",
    "x-ms-ratelimit-remaining-subscription-global-reads",
    "x-ms-ratelimit-remaining-tenant-resource-requests",
];

/// Below this many remaining reads, requests are spaced out.
pub(crate) const LOW_READS: u64 = 10;

/// Longest listing followed for one hydrate call (a server that never ends paging).
const MAX_PAGES: usize = 1000;

/// How long to wait before the next ARM request, from a response's remaining-reads headers:
/// nothing while the budget is comfortable, up to 2 s when it is exhausted (ARM refills its
/// buckets every second).
pub(crate) fn pacing(headers: &[(String, String)]) -> Option<Duration> {
    let remaining = RATE_HEADERS
        .iter()
        .filter_map(|h| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(h))
                .and_then(|(_, v)| v.trim().parse::<u64>().ok())
        })
        .min()?;
    (remaining < LOW_READS).then(|| Duration::from_millis(200 * (LOW_READS - remaining)))
}

/// Code and message of a failed ARM or Graph response (`{"error": {"code", "message"}}`;
/// some resource providers put `code`/`message` at the top level).
pub(crate) fn decode_error(
    _status: u16,
    _headers: &[(String, String)],
    body: &[u8],
) -> (String, String) {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let err = parsed
        .as_ref()
        .map(|v| v.get("error").filter(|e| e.is_object()).unwrap_or(v));
    let text = |k: &str| {
        err.and_then(|e| e.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let code = text("code").unwrap_or_default();
    let message = text("message")
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(300).collect());
    (code, message)
}

/// The bearer token of the API's scope on every request.
struct Bearer<'a> {
    auth: &'a Auth,
    scope: &'static str,
}

#[async_trait::async_trait]
impl Authorize for Bearer<'_> {
    async fn authorize(&self, req: &mut HttpRequest) -> Result<(), ServiceError> {
        let token = self
            .auth
            .token(self.scope)
            .await
            .map_err(|e| ServiceError::failed("CredentialUnavailable", e))?;
        req.headers
            .push(("authorization".into(), format!("Bearer {token}")));
        Ok(())
    }
}

/// Authenticated JSON client of one connection.
#[derive(Debug, Clone)]
pub(crate) struct AzureRest {
    rest: rest::RestClient,
    auth: Arc<Auth>,
    endpoints: BTreeMap<String, String>,
    /// ARM requests wait until this instant (the read budget is nearly spent).
    arm_not_before: Arc<Mutex<Option<Instant>>>,
}

impl AzureRest {
    pub(crate) fn new(
        http: reqwest::Client,
        auth: Arc<Auth>,
        endpoints: BTreeMap<String, String>,
    ) -> Self {
        AzureRest {
            rest: rest::RestClient::new("azure", http, decode_error),
            auth,
            endpoints,
            arm_not_before: Arc::new(Mutex::new(None)),
        }
    }

    /// Base URL of `api`, honouring the connection's overrides.
    pub(crate) fn base(&self, api: Api) -> String {
        self.endpoints
            .get(api.name)
            .map(String::as_str)
            .unwrap_or(api.base)
            .trim_end_matches('/')
            .to_string()
    }

    /// A token for `api` (used at connect time to fail early).
    pub(crate) async fn token(&self, api: Api) -> Result<String, String> {
        self.auth.token(api.scope).await
    }

    async fn send_url(&self, api: Api, url: String) -> Result<(Value, String), ServiceError> {
        if api.name == ARM.name {
            let wait = *self.arm_not_before.lock().await;
            if let Some(at) = wait {
                tokio::time::sleep_until(at.into()).await;
            }
        }
        let bearer = Bearer {
            auth: &self.auth,
            scope: api.scope,
        };
        let req = HttpRequest::new(Method::GET, url.clone());
        let resp = self.rest.send(api.name, &bearer, req).await?;
        if api.name == ARM.name {
            let pause = pacing(&resp.headers);
            if let Some(p) = pause {
                tracing::debug!(pause_ms = p.as_millis() as u64, "ARM read budget low");
            }
            *self.arm_not_before.lock().await = pause.map(|p| Instant::now() + p);
        }
        Ok((resp.json()?, url))
    }

    fn url(&self, api: Api, path: &str, query: &[(&str, &str)]) -> String {
        HttpRequest::new(Method::GET, format!("{}{}", self.base(api), path))
            .query(query)
            .url
    }

    /// `GET` a JSON resource; `None` when it does not exist.
    pub(crate) async fn get_opt(
        &self,
        api: Api,
        path: &str,
        query: &[(&str, &str)],
        api_call: &str,
    ) -> Result<Option<Value>, FetchError> {
        match self.send_url(api, self.url(api, path, query)).await {
            Ok((v, _)) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into_fetch(api_call)),
        }
    }

    /// One page of a list: the first page of `path?query`, or the page at `link` (a next
    /// link this connection received from the same API). Returns the `value` items and the
    /// next page's link.
    pub(crate) async fn page(
        &self,
        api: Api,
        path: &str,
        query: &[(&str, &str)],
        link: Option<&str>,
        api_call: &str,
    ) -> Result<(Vec<Value>, Option<String>), FetchError> {
        let base = self.base(api);
        let url = match link {
            // A page token comes back from the query engine; it must still point at the API.
            Some(l) => {
                let probe = serde_json::json!({ "nextLink": l });
                rest::next_link(&probe, &base)
                    .map_err(|e| e.into_fetch(api_call))?
                    .unwrap_or_else(|| self.url(api, path, query))
            }
            None => self.url(api, path, query),
        };
        let (mut body, url) = self
            .send_url(api, url)
            .await
            .map_err(|e| e.into_fetch(api_call))?;
        let next = rest::next_link(&body, &url).map_err(|e| e.into_fetch(api_call))?;
        Ok((rest::take_items(&mut body, "value"), next))
    }

    /// Every item of a list, following next links.
    pub(crate) async fn all(
        &self,
        api: Api,
        path: &str,
        query: &[(&str, &str)],
        api_call: &str,
    ) -> Result<Vec<Value>, FetchError> {
        let mut out = Vec::new();
        let mut link: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let (items, next) = self
                .page(api, path, query, link.as_deref(), api_call)
                .await?;
            out.extend(items);
            match next {
                Some(n) => link = Some(n),
                None => return Ok(out),
            }
        }
        Err(FetchError::Api {
            api_call: api_call.to_string(),
            message: format!("more than {MAX_PAGES} pages"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::rest::{ErrorClass, classify};

    fn h(k: &str, v: &str) -> Vec<(String, String)> {
        vec![(k.to_string(), v.to_string())]
    }

    #[test]
    fn arm_and_graph_errors_decode() {
        let arm = br#"{"error":{"code":"AuthorizationFailed","message":"The client 'x' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read'"}}"#;
        let (code, msg) = decode_error(403, &[], arm);
        assert_eq!(code, "AuthorizationFailed");
        assert!(msg.contains("roleAssignments/read"));
        assert_eq!(classify(403, &code), ErrorClass::AccessDenied);
        let graph = br#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"request-id":"r"}}}"#;
        let (code, _) = decode_error(403, &[], graph);
        assert_eq!(classify(403, &code), ErrorClass::AccessDenied);
        let throttled = br#"{"error":{"code":"TooManyRequests","message":"slow"}}"#;
        assert_eq!(
            classify(429, &decode_error(429, &[], throttled).0),
            ErrorClass::Throttled
        );
        let top = br#"{"code":"ResourceGroupNotFound","message":"gone"}"#;
        assert_eq!(decode_error(404, &[], top).0, "ResourceGroupNotFound");
        let (code, msg) = decode_error(502, &[], b"<html>bad gateway</html>");
        assert_eq!(code, "");
        assert!(msg.contains("bad gateway"));
    }

    #[test]
    fn low_read_budget_paces_requests() {
        assert_eq!(
            pacing(&h("x-ms-ratelimit-remaining-subscription-reads", "11999")),
            None
        );
        assert_eq!(
            pacing(&h("x-ms-ratelimit-remaining-subscription-reads", "0")),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            pacing(&h("X-Ms-Ratelimit-Remaining-Tenant-Reads", "9")),
            Some(Duration::from_millis(200))
        );
        assert_eq!(
            pacing(&h("x-ms-ratelimit-remaining-tenant-reads", "x")),
            None
        );
        assert_eq!(pacing(&[]), None);
    }
}
