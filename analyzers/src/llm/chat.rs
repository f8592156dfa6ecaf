//! A minimal client of the OpenAI-compatible chat-completions endpoint
//! (`POST {base_url}/chat/completions`), which OpenAI, Azure OpenAI's v1 API, vLLM,
//! llama.cpp's server and Ollama all serve.
//!
//! The reviewer sends one request shape (a system and a user message, a response format,
//! `max_tokens`, `temperature`) and reads three things back (the first choice's content
//! and the token usage), so a full SDK is not needed: this file replaces one that compiled
//! the types of the whole OpenAI API. Retries, timeouts and budgets are the reviewer's;
//! this client makes exactly one request per call and never follows redirects.

use std::time::Duration;

use serde_json::{Value, json};

/// Largest answer body read (a verdict is a few kilobytes).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// One chat-completions request.
#[derive(Debug, Clone)]
pub(crate) struct ChatRequest {
    pub model: String,
    pub system: String,
    pub user: String,
    /// The `response_format` member as sent.
    pub response_format: Value,
    pub max_tokens: u32,
    pub temperature: Option<f32>,
}

impl ChatRequest {
    /// The request body.
    pub(crate) fn body(&self) -> Value {
        let mut body = json!({
            "model": self.model,
            "messages": [
                {"role": "system", "content": self.system},
                {"role": "user", "content": self.user},
            ],
            "response_format": self.response_format,
            // `max_tokens` is what llama.cpp, vLLM and Ollama read; OpenAI still accepts it
            // for chat models.
            "max_tokens": self.max_tokens,
        });
        if let Some(t) = self.temperature {
            body["temperature"] = json!(t);
        }
        body
    }
}

/// What the reviewer reads from an answer.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChatResponse {
    /// The first choice's message content.
    pub content: Option<String>,
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
}

/// Why a call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum ChatError {
    /// The server answered with an error status.
    #[error("HTTP {status}: {message}")]
    Api {
        status: u16,
        message: String,
        /// The request member the error names (`response_format`), if any.
        param: Option<String>,
    },
    /// No answer arrived (connect, TLS, reset).
    #[error("request failed: {0}")]
    Transport(String),
    /// A 2xx answer that is not a chat-completions response.
    #[error("{0}")]
    Envelope(String),
}

impl ChatError {
    /// Whether the server refused the JSON-schema response format.
    pub(crate) fn rejects_schema_mode(&self) -> bool {
        match self {
            ChatError::Api { message, param, .. } => {
                let msg = message.to_ascii_lowercase();
                param.as_deref() == Some("response_format")
                    || msg.contains("response_format")
                    || msg.contains("json_schema")
                    || msg.contains("schema")
            }
            _ => false,
        }
    }
}

/// The client of one configured endpoint.
#[derive(Clone)]
pub(crate) struct ChatClient {
    http: reqwest::Client,
    url: String,
    api_key: Option<String>,
}

impl std::fmt::Debug for ChatClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key never leaves this struct.
        f.debug_struct("ChatClient")
            .field("url", &self.url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl ChatClient {
    /// A client of `{base_url}/chat/completions`, sending `api_key` as a bearer token.
    pub(crate) fn new(base_url: &str, api_key: Option<String>) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        ChatClient {
            http,
            url: format!("{}/chat/completions", base_url.trim_end_matches('/')),
            api_key: api_key.filter(|k| !k.is_empty()),
        }
    }

    /// Send one request (the caller bounds the time it may take).
    pub(crate) async fn create(&self, req: &ChatRequest) -> Result<ChatResponse, ChatError> {
        let mut builder = self.http.post(&self.url).json(&req.body());
        if let Some(key) = &self.api_key {
            builder = builder.bearer_auth(key);
        }
        let mut resp = builder
            .send()
            .await
            .map_err(|e| ChatError::Transport(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| ChatError::Transport(e.without_url().to_string()))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(ChatError::Envelope(format!(
                    "answer larger than {MAX_BODY} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let value: Option<Value> = serde_json::from_slice(&body).ok();
        if !(200..300).contains(&status) {
            let err = value.as_ref().and_then(|v| v.get("error"));
            let message = err
                .and_then(|e| e.get("message"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(300).collect());
            let param = err
                .and_then(|e| e.get("param"))
                .and_then(Value::as_str)
                .map(str::to_string);
            return Err(ChatError::Api {
                status,
                message,
                param,
            });
        }
        let value = value.ok_or_else(|| {
            ChatError::Envelope(format!(
                "response envelope: not JSON: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(200)
                    .collect::<String>()
            ))
        })?;
        parse_response(&value)
    }
}

/// The parts of a chat-completions response the reviewer uses.
pub(crate) fn parse_response(v: &Value) -> Result<ChatResponse, ChatError> {
    let choices = v
        .get("choices")
        .and_then(Value::as_array)
        .ok_or_else(|| ChatError::Envelope("response envelope: missing field `choices`".into()))?;
    let content = choices
        .first()
        .and_then(|c| c.get("message"))
        .and_then(|m| m.get("content"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let usage = v.get("usage");
    let tokens = |k: &str| usage.and_then(|u| u.get(k)).and_then(Value::as_u64);
    Ok(ChatResponse {
        content,
        prompt_tokens: tokens("prompt_tokens"),
        completion_tokens: tokens("completion_tokens"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_body_has_the_openai_shape() {
        let r = ChatRequest {
            model: "m".into(),
            system: "s".into(),
            user: "u".into(),
            response_format: json!({"type": "json_object"}),
            max_tokens: 10,
            temperature: None,
        };
        let b = r.body();
        assert_eq!(b["messages"][0]["role"], "system");
        assert_eq!(b["messages"][1]["content"], "u");
        assert_eq!(b["response_format"]["type"], "json_object");
        assert!(b.get("temperature").is_none());
        let b = ChatRequest {
            temperature: Some(0.0),
            ..r
        }
        .body();
        assert_eq!(b["temperature"], 0.0);
    }

    #[test]
    fn responses_and_envelopes() {
        let ok = parse_response(&json!({
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "{}"}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}
        }))
        .unwrap();
        assert_eq!(ok.content.as_deref(), Some("{}"));
        assert_eq!((ok.prompt_tokens, ok.completion_tokens), (Some(5), Some(7)));
        assert!(matches!(
            parse_response(&json!({"id": "x"})),
            Err(ChatError::Envelope(_))
        ));
        let none = parse_response(&json!({"choices": []})).unwrap();
        assert!(none.content.is_none());
    }

    #[test]
    fn schema_rejections_are_recognised() {
        let e = ChatError::Api {
            status: 400,
            message: "response_format of type json_schema is not supported".into(),
            param: Some("response_format".into()),
        };
        assert!(e.rejects_schema_mode());
        let e = ChatError::Api {
            status: 500,
            message: "boom".into(),
            param: None,
        };
        assert!(!e.rejects_schema_mode());
    }
}
