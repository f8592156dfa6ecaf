//! pathwarden-analyzers: IAM policy model and evaluator, privilege-escalation rules.
pub mod escalation;
pub mod policy;
pub mod lint;
pub mod kb;
pub mod llm;
