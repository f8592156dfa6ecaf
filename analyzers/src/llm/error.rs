//! Errors of the LLM reviewer.

use thiserror::Error;

/// A reviewer that cannot be built from its configuration.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LlmError {
    /// A setting is out of range.
    #[error("invalid [llm] setting {field}: {problem}")]
    Config {
        /// Setting name.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
}

/// Why a model answer could not be used; the review then falls back to the heuristic.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ModelError {
    /// No answer within the configured timeout.
    #[error("model call timed out after {0:?}")]
    Timeout(std::time::Duration),
    /// Transport or API error (connection refused, HTTP 4xx/5xx).
    #[error("model call failed: {0}")]
    Http(String),
    /// The answer was not JSON.
    #[error("model answer is not JSON: {0}")]
    Malformed(String),
    /// The answer was JSON but does not match the response schema.
    #[error("model answer does not match the schema: {0}")]
    SchemaInvalid(String),
}

impl ModelError {
    /// Short machine-readable kind (`timeout`, `http`, `malformed`, `schema_invalid`).
    pub fn kind(&self) -> &'static str {
        match self {
            ModelError::Timeout(_) => "timeout",
            ModelError::Http(_) => "http",
            ModelError::Malformed(_) => "malformed",
            ModelError::SchemaInvalid(_) => "schema_invalid",
        }
    }
}
