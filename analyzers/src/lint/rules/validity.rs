//! Documents the parser rejects.

use serde_json::json;

use super::{ALL_KINDS, Check, LintRule};
use crate::lint::{Finding, LintClass, Severity};
use crate::policy::PolicyError;

/// Validity rules; checked in [`crate::lint::lint_policy`] before any other rule.
pub const RULES: &[LintRule] = &[LintRule {
    id: "PW-POLICY-UNPARSEABLE",
    class: LintClass::Validity,
    severity: Severity::Medium,
    title: "Policy document cannot be parsed",
    description: "The document is not a valid IAM policy for pathwarden's parser (missing Statement, bad Effect, unknown condition operator, ...). No other rule could judge it, so its risk is unknown.",
    remediation: "Validate the document with IAM Access Analyzer policy validation and fix the reported element.",
    kinds: ALL_KINDS,
    // Reported by lint_policy directly when parsing fails.
    check: Check::Document(|_| Vec::new()),
}];

fn statement_of(err: &PolicyError) -> Option<usize> {
    match err {
        PolicyError::BadEffect { index, .. }
        | PolicyError::BadElementPair { index, .. }
        | PolicyError::BadValue { index, .. }
        | PolicyError::UnknownPrincipalType { index, .. }
        | PolicyError::UnknownConditionOperator { index, .. }
        | PolicyError::BadCondition { index, .. } => Some(*index),
        _ => None,
    }
}

/// The finding for an unparseable document.
pub(crate) fn unparseable(policy_arn: &str, err: &PolicyError) -> Finding {
    let rule = &RULES[0];
    Finding {
        policy_arn: policy_arn.to_string(),
        statement_index: statement_of(err),
        sid: None,
        rule_id: rule.id,
        class: rule.class,
        severity: rule.severity,
        title: rule.title,
        evidence: json!({"error": err.to_string()}),
        remediation: rule.remediation,
    }
}
