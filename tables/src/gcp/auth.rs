//! Credentials of a GCP connection: a token from the `gcp_auth` crate (a service-account
//! key file, or application default credentials: `GOOGLE_APPLICATION_CREDENTIALS`, the
//! gcloud ADC file, the metadata server, the gcloud CLI), optionally exchanged for a
//! token of another service account through IAM Credentials `generateAccessToken`.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::framework::FetchError;

/// The OAuth scope every call is made with (IAM decides what the token may do).
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// An impersonated token is refreshed when it has less than this left.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Where the connection's base token comes from and whom it impersonates.
pub(crate) struct Auth {
    base: Arc<dyn gcp_auth::TokenProvider>,
    impersonation: Option<Impersonation>,
}

struct Impersonation {
    /// Email of the service account whose token is used.
    target: String,
    /// `generateAccessToken` URL.
    url: String,
    /// The current token and when it expires.
    current: Mutex<Option<(String, DateTime<Utc>)>>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tokens never leave this struct, not even through Debug.
        f.debug_struct("Auth")
            .field(
                "impersonate",
                &self.impersonation.as_ref().map(|i| i.target.as_str()),
            )
            .finish()
    }
}

/// Why credentials could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The key file could not be read or parsed.
    #[error("credentials_file {path}: {message}")]
    KeyFile {
        /// The file.
        path: String,
        /// What went wrong (never the key).
        message: String,
    },
    /// No application default credentials were found.
    #[error("no application default credentials: {0}")]
    Default(String),
}

impl Auth {
    /// Credentials from a key file, or application default credentials when `None`.
    pub(crate) async fn new(
        credentials_file: Option<&Path>,
        impersonate: Option<&str>,
        iamcredentials_base: &str,
    ) -> Result<Auth, AuthError> {
        let base: Arc<dyn gcp_auth::TokenProvider> = match credentials_file {
            Some(p) => Arc::new(gcp_auth::CustomServiceAccount::from_file(p).map_err(|e| {
                AuthError::KeyFile {
                    path: p.display().to_string(),
                    message: e.to_string(),
                }
            })?),
            None => gcp_auth::provider()
                .await
                .map_err(|e| AuthError::Default(e.to_string()))?,
        };
        let impersonation = impersonate.map(|target| Impersonation {
            target: target.to_string(),
            url: format!(
                "{}/v1/projects/-/serviceAccounts/{}:generateAccessToken",
                iamcredentials_base.trim_end_matches('/'),
                urlencoding::encode(target)
            ),
            current: Mutex::new(None),
        });
        Ok(Auth {
            base,
            impersonation,
        })
    }

    /// The project the credentials name (a key file's `project_id`), if any.
    pub(crate) async fn project_id(&self) -> Option<String> {
        self.base.project_id().await.ok().map(|p| p.to_string())
    }

    async fn base_token(&self) -> Result<String, FetchError> {
        self.base
            .token(&[CLOUD_PLATFORM_SCOPE])
            .await
            .map(|t| t.as_str().to_string())
            .map_err(|e| FetchError::Api {
                api_call: "oauth2.token".into(),
                message: format!("cannot obtain an access token: {}", error_chain(&e)),
            })
    }

    /// A bearer token for the next call (cached by `gcp_auth`, or here when impersonating).
    pub(crate) async fn token(&self, http: &reqwest::Client) -> Result<String, FetchError> {
        let Some(imp) = &self.impersonation else {
            return self.base_token().await;
        };
        let mut current = imp.current.lock().await;
        if let Some((token, expires)) = current.as_ref() {
            let left = (*expires - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            if left > REFRESH_MARGIN {
                return Ok(token.clone());
            }
        }
        let base = self.base_token().await?;
        let (token, expires) = generate_access_token(http, &imp.url, &base).await?;
        *current = Some((token.clone(), expires));
        Ok(token)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

const GENERATE_ACCESS_TOKEN: &str = "iamcredentials.serviceAccounts.generateAccessToken";

async fn generate_access_token(
    http: &reqwest::Client,
    url: &str,
    base_token: &str,
) -> Result<(String, DateTime<Utc>), FetchError> {
    let api_err = |message: String| FetchError::Api {
        api_call: GENERATE_ACCESS_TOKEN.into(),
        message,
    };
    let resp = http
        .post(url)
        .bearer_auth(base_token)
        .json(&json!({ "scope": [CLOUD_PLATFORM_SCOPE], "lifetime": "3600s" }))
        .send()
        .await
        .map_err(|e| api_err(format!("request failed: {}", error_chain(&e.without_url()))))?;
    let status = resp.status();
    let text = resp
        .text()
        .await
        .map_err(|e| api_err(format!("reading the response failed: {e}")))?;
    if !status.is_success() {
        return Err(
            match super::rest::classify(GENERATE_ACCESS_TOKEN, status, &text, None) {
                super::rest::Failure::Fetch(e) => e,
                super::rest::Failure::NotFound => {
                    api_err("the service account to impersonate does not exist".into())
                }
            },
        );
    }
    let body: Value =
        serde_json::from_str(&text).map_err(|e| api_err(format!("response is not JSON: {e}")))?;
    let token = body
        .get("accessToken")
        .and_then(Value::as_str)
        .ok_or_else(|| api_err("response has no accessToken".into()))?;
    let expires = body
        .get("expireTime")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc::now() + chrono::Duration::seconds(3600));
    Ok((token.to_string(), expires))
}
