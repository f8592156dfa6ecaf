//! Privilege escalation, reusing the escalation engine's technique catalogue: a technique
//! is reported when the document alone grants every action it needs.

use std::collections::BTreeMap;

use serde_json::json;

use super::{Check, Hit, IDENTITY, LintRule};
use crate::escalation::{self, rules::Mechanism};
use crate::lint::context::{DocContext, matching_patterns};
use crate::lint::{LintClass, Severity};

/// Privilege-escalation rules.
pub const RULES: &[LintRule] = &[LintRule {
    id: "PW-PRIVESC",
    class: LintClass::PrivilegeEscalation,
    severity: Severity::High,
    title: "Permissions enable a privilege-escalation technique",
    description: "The policy grants every permission one or more published privilege-escalation techniques need (e.g. iam:CreatePolicyVersion, iam:PassRole with lambda:CreateFunction and lambda:InvokeFunction). Resources and conditions are not checked here; the privilege graph confirms which targets are reachable.",
    remediation: "Remove the IAM write or PassRole permissions, or scope them to specific ARNs (PassRole with an iam:PassedToService condition and a role path), and add a permissions boundary that denies IAM policy changes.",
    kinds: IDENTITY,
    check: Check::Document(techniques),
}];

/// Techniques that are not an escalation by themselves (assuming a role is only as
/// dangerous as the trust policies allow, which the graph decides).
const SKIPPED: &[&str] = &["sts-assume-role"];

fn techniques(ctx: &DocContext<'_>) -> Vec<Hit> {
    // An administrator cannot escalate; PW-WILDCARD-ADMIN already reports it.
    if ctx.has_full_admin() {
        return Vec::new();
    }
    // statement index -> (technique ids, actions it contributes)
    let mut per_statement: BTreeMap<usize, (Vec<&'static str>, Vec<String>)> = BTreeMap::new();
    for rule in escalation::all_rules() {
        if SKIPPED.contains(&rule.id) || matches!(rule.mechanism, Mechanism::AssumeRole) {
            continue;
        }
        if rule.requires.is_empty() || !rule.requires.iter().all(|r| ctx.grants(r.action)) {
            continue;
        }
        for req in rule.requires {
            let lower = req.action.to_ascii_lowercase();
            for s in ctx.allows() {
                if matching_patterns(s, &lower).is_empty() {
                    continue;
                }
                let entry = per_statement.entry(s.index).or_default();
                if !entry.0.contains(&rule.id) {
                    entry.0.push(rule.id);
                }
                if !entry.1.iter().any(|a| a == req.action) {
                    entry.1.push(req.action.to_string());
                }
            }
        }
    }
    per_statement
        .into_iter()
        .filter_map(|(index, (ids, actions))| {
            let s = ctx.doc.statements.get(index)?;
            Some(Hit {
                statement_index: Some(index),
                severity: super::conditioned(s, Severity::High),
                evidence: json!({"techniques": ids, "actions": actions}),
            })
        })
        .collect()
}
