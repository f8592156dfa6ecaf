//! Rule-based IAM policy lint.
//!
//! Rules are declared as data in [`rules`] (one small table per class); [`lint_policy`]
//! parses the document once with [`crate::policy::PolicyDocument`] and runs every rule that
//! applies to the [`PolicyKind`]. A newcomer adds a rule by copying a sibling entry.
//!
//! Precision notes (why a rule may over- or under-report):
//! - "Granted" is decided per action name against the document alone: an Allow statement
//!   whose Action/NotAction covers the action, minus unconditional `Deny` statements with a
//!   broad resource in the same document. Other policies (boundaries, SCPs) are not known
//!   here; the graph and the evaluator answer those questions.
//! - "Broad resource" means `*`, a missing Resource, `NotResource`, or an ARN whose resource
//!   part is only wildcards after its type prefix (see [`is_broad_resource`]).
//! - A statement with a Condition is still reported, one severity lower, because conditions
//!   usually narrow but rarely remove the risk (e.g. `aws:SourceIp`).
//! - Statements that grant everything (`Action: *` or `Allow` + `NotAction` on a broad
//!   resource) are reported once by their own rules, not again by every class rule.

mod context;
pub mod rules;

use serde::Serialize;
use serde_json::Value;

use crate::policy::PolicyDocument;

pub use context::{DocContext, is_broad_resource};
pub use rules::{Check, Hit, LintRule, all_rules, rule};

/// How a policy document is used, which decides the rules that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// Attached to a user, group or role (managed or inline).
    Identity,
    /// A role's assume-role (trust) policy.
    Trust,
    /// A resource-based policy (bucket, key, queue, topic, function, ...).
    Resource,
}

/// Finding severity, ordered from least to most severe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing, not a risk by itself.
    Info,
    /// Hygiene problem.
    Low,
    /// Broader than needed; exploitable with other weaknesses.
    Medium,
    /// Directly exploitable by whoever holds the policy.
    High,
    /// Account takeover or public exposure.
    Critical,
}

impl Severity {
    /// One level lower (used for conditioned statements); `Info` stays `Info`.
    pub fn lowered(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::Info => Severity::Info,
        }
    }

    /// Lower-case name as stored in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// The risk class a rule belongs to (the classes the well-known policy linters use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LintClass {
    /// Wildcard actions or resources on sensitive services.
    Wildcard,
    /// Permissions that let the holder gain more permissions.
    PrivilegeEscalation,
    /// Reading data out of the account at scale.
    DataExfiltration,
    /// Making resources reachable from outside the account.
    ResourceExposure,
    /// Minting or reading credentials.
    CredentialExposure,
    /// Changing or destroying infrastructure, including security logging.
    InfrastructureModification,
    /// Trust policies that let too many principals assume the role.
    TrustPolicy,
    /// NotAction used in a way that grants too much or does nothing.
    NotAction,
    /// The document cannot be parsed.
    Validity,
}

impl LintClass {
    /// Lower-case name as stored in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            LintClass::Wildcard => "wildcard",
            LintClass::PrivilegeEscalation => "privilege_escalation",
            LintClass::DataExfiltration => "data_exfiltration",
            LintClass::ResourceExposure => "resource_exposure",
            LintClass::CredentialExposure => "credential_exposure",
            LintClass::InfrastructureModification => "infrastructure_modification",
            LintClass::TrustPolicy => "trust_policy",
            LintClass::NotAction => "not_action",
            LintClass::Validity => "validity",
        }
    }
}

/// One rule violation in one statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// ARN (or `owner#inline-name`) of the policy.
    pub policy_arn: String,
    /// 0-based statement position; `None` for document-level findings (unparseable policy).
    pub statement_index: Option<usize>,
    /// Statement Sid, if any.
    pub sid: Option<String>,
    /// Rule id, e.g. `PW-WILDCARD-ADMIN`.
    pub rule_id: &'static str,
    /// Risk class of the rule.
    pub class: LintClass,
    /// Severity of this finding (the rule's, lowered for conditioned statements).
    pub severity: Severity,
    /// Short rule title.
    pub title: &'static str,
    /// What matched: actions, resources, principals, condition keys.
    pub evidence: Value,
    /// How to fix it.
    pub remediation: &'static str,
}

/// Lints one policy document. Never fails: an unparseable document yields a
/// `PW-POLICY-UNPARSEABLE` finding instead of an error, so that a table of findings stays
/// complete.
pub fn lint_policy(policy_arn: &str, doc: &Value, kind: PolicyKind) -> Vec<Finding> {
    let parsed = match PolicyDocument::from_value(doc) {
        Ok(parsed) => parsed,
        Err(err) => return vec![rules::validity::unparseable(policy_arn, &err)],
    };
    let ctx = DocContext::new(policy_arn, &parsed, kind);
    let mut out = Vec::new();
    for rule in all_rules().filter(|r| r.kinds.contains(&kind)) {
        for hit in rules::run(rule, &ctx) {
            let sid = hit
                .statement_index
                .and_then(|i| parsed.statements.get(i))
                .and_then(|s| s.sid.clone());
            out.push(Finding {
                policy_arn: policy_arn.to_string(),
                statement_index: hit.statement_index,
                sid,
                rule_id: rule.id,
                class: rule.class,
                severity: hit.severity.unwrap_or(rule.severity),
                title: rule.title,
                evidence: hit.evidence,
                remediation: rule.remediation,
            });
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.statement_index.cmp(&b.statement_index))
    });
    out
}
