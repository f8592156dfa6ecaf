//! Lint rules as data. Each file holds the rules of one class; [`all_rules`] lists the
//! tables. Add a rule by copying a sibling entry; most rules are a [`Check::BroadGrant`]
//! list of actions and need no code.

pub mod credentials;
pub mod exfiltration;
pub mod exposure;
pub mod infrastructure;
pub mod notaction;
pub mod privesc;
pub mod trust;
pub mod validity;
pub mod wildcard;

use serde_json::{Value, json};

use super::context::{
    DocContext, condition_evidence, grants_everything, matching_patterns, resource_evidence,
    statement_resource_broad,
};
use super::{LintClass, PolicyKind, Severity};
use crate::policy::{Effect, Statement};

/// One rule match.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Statement position, `None` for document-level matches.
    pub statement_index: Option<usize>,
    /// Overrides the rule's severity (conditioned statements, worse variants).
    pub severity: Option<Severity>,
    /// What matched.
    pub evidence: Value,
}

/// How a rule is checked.
#[derive(Clone, Copy)]
pub enum Check {
    /// An Allow statement grants one of these actions on a broad resource. Statements that
    /// grant everything are left to their own rules.
    BroadGrant(&'static [&'static str]),
    /// A predicate over one statement.
    Statement(fn(&DocContext<'_>, &Statement) -> Option<Hit>),
    /// A check over the whole document (rules that combine statements).
    Document(fn(&DocContext<'_>) -> Vec<Hit>),
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Check::BroadGrant(actions) => f.debug_tuple("BroadGrant").field(actions).finish(),
            Check::Statement(_) => f.write_str("Statement(fn)"),
            Check::Document(_) => f.write_str("Document(fn)"),
        }
    }
}

/// A declared lint rule.
#[derive(Debug, Clone, Copy)]
pub struct LintRule {
    /// Stable id, e.g. `PW-WILDCARD-ADMIN`.
    pub id: &'static str,
    /// Risk class.
    pub class: LintClass,
    /// Default severity.
    pub severity: Severity,
    /// Short title.
    pub title: &'static str,
    /// What the rule detects and why it matters.
    pub description: &'static str,
    /// How to fix a finding.
    pub remediation: &'static str,
    /// Policy kinds the rule applies to.
    pub kinds: &'static [PolicyKind],
    /// How it is checked.
    pub check: Check,
}

/// Kinds shorthand.
pub(crate) const IDENTITY: &[PolicyKind] = &[PolicyKind::Identity];
pub(crate) const TRUST: &[PolicyKind] = &[PolicyKind::Trust];
pub(crate) const RESOURCE: &[PolicyKind] = &[PolicyKind::Resource];
pub(crate) const ALL_KINDS: &[PolicyKind] = &[
    PolicyKind::Identity,
    PolicyKind::Trust,
    PolicyKind::Resource,
];

/// Every rule, in a stable order.
pub fn all_rules() -> impl Iterator<Item = &'static LintRule> {
    wildcard::RULES
        .iter()
        .chain(privesc::RULES)
        .chain(exfiltration::RULES)
        .chain(exposure::RULES)
        .chain(credentials::RULES)
        .chain(infrastructure::RULES)
        .chain(trust::RULES)
        .chain(notaction::RULES)
        .chain(validity::RULES)
}

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static LintRule> {
    all_rules().find(|r| r.id == id)
}

/// Severity for a statement: conditions lower it one level (they narrow, rarely remove).
pub(crate) fn conditioned(s: &Statement, base: Severity) -> Option<Severity> {
    if s.conditions.is_empty() {
        None
    } else {
        Some(base.lowered())
    }
}

/// Runs one rule.
pub(crate) fn run(rule: &LintRule, ctx: &DocContext<'_>) -> Vec<Hit> {
    match rule.check {
        Check::BroadGrant(actions) => ctx
            .allows()
            .filter(|s| statement_resource_broad(s) && !grants_everything(s))
            .filter_map(|s| broad_grant(ctx, s, actions, rule.severity))
            .collect(),
        Check::Statement(f) => ctx
            .doc
            .statements
            .iter()
            .filter_map(|s| f(ctx, s))
            .collect(),
        Check::Document(f) => f(ctx),
    }
}

fn broad_grant(
    ctx: &DocContext<'_>,
    s: &Statement,
    actions: &[&str],
    base: Severity,
) -> Option<Hit> {
    debug_assert_eq!(s.effect, Effect::Allow);
    let mut matched = Vec::new();
    let mut via = Vec::new();
    for action in actions {
        let lower = action.to_ascii_lowercase();
        let patterns = matching_patterns(s, &lower);
        if !patterns.is_empty() && !ctx.denied_everywhere(&lower) {
            matched.push(*action);
            for p in patterns {
                if !via.contains(&p) {
                    via.push(p);
                }
            }
        }
    }
    if matched.is_empty() {
        return None;
    }
    Some(Hit {
        statement_index: Some(s.index),
        severity: conditioned(s, base),
        evidence: json!({
            "actions": matched,
            "granted_by": via,
            "resource": resource_evidence(s),
            "conditions": condition_evidence(s),
        }),
    })
}
