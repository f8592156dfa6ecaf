//! Errors raised while reading policy documents.

use thiserror::Error;

/// A policy document that cannot be understood.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// The text is not JSON.
    #[error("policy is not valid JSON: {0}")]
    Json(String),
    /// The document (or a statement) is not a JSON object.
    #[error("{0} must be a JSON object")]
    NotAnObject(&'static str),
    /// `Statement` is missing.
    #[error("policy has no Statement element")]
    MissingStatement,
    /// `Effect` is missing or not exactly `Allow`/`Deny`.
    #[error("statement {index}: Effect must be \"Allow\" or \"Deny\", found {found}")]
    BadEffect {
        /// Statement position.
        index: usize,
        /// What was there.
        found: String,
    },
    /// Neither or both of a pair such as Action/NotAction are present.
    #[error("statement {index}: {problem}")]
    BadElementPair {
        /// Statement position.
        index: usize,
        /// Which pair and how it is wrong.
        problem: String,
    },
    /// An element has a value of the wrong JSON type.
    #[error("statement {index}: element {element} must be a string or an array of strings")]
    BadValue {
        /// Statement position.
        index: usize,
        /// Element name.
        element: String,
    },
    /// A Principal block uses a key other than AWS/Service/Federated/CanonicalUser.
    #[error("statement {index}: unknown principal type {kind}")]
    UnknownPrincipalType {
        /// Statement position.
        index: usize,
        /// Offending key.
        kind: String,
    },
    /// A condition operator that IAM does not define.
    #[error("statement {index}: unknown condition operator {operator}")]
    UnknownConditionOperator {
        /// Statement position.
        index: usize,
        /// Offending operator.
        operator: String,
    },
    /// A condition block that is not operator -> key -> value(s).
    #[error("statement {index}: malformed Condition: {problem}")]
    BadCondition {
        /// Statement position.
        index: usize,
        /// What is wrong.
        problem: String,
    },
}
