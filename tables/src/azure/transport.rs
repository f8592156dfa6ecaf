//! azure_core's HTTP transport over the workspace's reqwest 0.12 client, so that
//! `azure_identity`'s token requests use the same client settings (no redirects, timeouts,
//! extra root certificates) as the API calls, and no second reqwest enters the build.
//!
//! azure_core 1.x ships a transport only for reqwest 0.13 (its `reqwest` feature, off here);
//! its `HttpClient` trait is the documented hook for bringing one's own.

use std::sync::Arc;

use async_trait::async_trait;
use azure_core::error::{Error, ErrorKind};
use azure_core::http::headers::{HeaderName, HeaderValue, Headers};
use azure_core::http::request::{Body, Request};
use azure_core::http::{AsyncRawResponse, HttpClient, Method};

use crate::framework::rest::{MAX_RESPONSE_BYTES, without_url};

/// A reqwest 0.12 client as azure_core's transport.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// Wrap `client` (build it without redirects: token endpoints never need them).
    pub fn new(client: reqwest::Client) -> Arc<Self> {
        Arc::new(ReqwestTransport { client })
    }
}

fn method(m: Method) -> azure_core::Result<reqwest::Method> {
    Ok(match m {
        Method::Delete => reqwest::Method::DELETE,
        Method::Get => reqwest::Method::GET,
        Method::Head => reqwest::Method::HEAD,
        Method::Patch => reqwest::Method::PATCH,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        other => {
            return Err(Error::with_message(
                ErrorKind::Other,
                format!("HTTP method {other:?} is not supported by this transport"),
            ));
        }
    })
}

#[async_trait]
impl HttpClient for ReqwestTransport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let mut builder = self
            .client
            .request(method(request.method())?, request.url().as_str());
        for (name, value) in request.headers().iter() {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder = match request.body() {
            Body::Bytes(bytes) => builder.body(bytes.clone()),
            // Token requests are small forms; azure_identity never streams a body.
            _ => {
                return Err(Error::with_message(
                    ErrorKind::Other,
                    "streamed request bodies are not supported by this transport",
                ));
            }
        };
        let mut resp = builder.send().await.map_err(|e| {
            let kind = if e.is_connect() {
                ErrorKind::Connection
            } else {
                ErrorKind::Io
            };
            Error::with_message(kind, without_url(e))
        })?;
        let status = resp.status().as_u16();
        let mut headers = Headers::new();
        for (k, v) in resp.headers() {
            if let Ok(v) = v.to_str() {
                headers.insert(
                    HeaderName::from(k.as_str().to_owned()),
                    HeaderValue::from(v.to_owned()),
                );
            }
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| Error::with_message(ErrorKind::Io, without_url(e)))?
        {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(Error::with_message(
                    ErrorKind::Io,
                    "response larger than the limit",
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(AsyncRawResponse::from_bytes(status.into(), headers, body))
    }
}
