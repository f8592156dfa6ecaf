//! NotAction misuse.

use serde_json::json;

use super::{ALL_KINDS, Check, Hit, IDENTITY, LintRule};
use crate::lint::context::{
    DocContext, condition_evidence, resource_evidence, statement_resource_broad,
};
use crate::lint::{LintClass, Severity};
use crate::policy::document::Negatable;
use crate::policy::{Effect, Statement, glob};

/// NotAction rules.
pub const RULES: &[LintRule] = &[
    LintRule {
        id: "PW-NOTACTION-BROAD",
        class: LintClass::NotAction,
        severity: Severity::High,
        title: "Allow with NotAction on every resource",
        description: "Allow + NotAction grants every action of every service except the listed ones, including services added in the future. When IAM is not excluded it is administrator-equivalent.",
        remediation: "Rewrite as an Allow with the explicit actions needed; keep NotAction for Deny guardrails (deny everything except ...).",
        kinds: IDENTITY,
        check: Check::Statement(broad),
    },
    LintRule {
        id: "PW-NOTACTION-REDUNDANT",
        class: LintClass::NotAction,
        severity: Severity::Low,
        title: "NotAction entry that excludes nothing",
        description: "A NotAction entry is a duplicate, is covered by a wider entry of the same list, or is not of the form service:action, so it changes nothing. Usually a typo or a leftover, and a sign the exclusion list is not doing what its author thinks.",
        remediation: "Remove the redundant entry, or fix its spelling (service prefix, colon, action name).",
        kinds: ALL_KINDS,
        check: Check::Statement(redundant),
    },
];

fn broad(_ctx: &DocContext<'_>, s: &Statement) -> Option<Hit> {
    let Negatable::Not(excluded) = &s.action else {
        return None;
    };
    if s.effect != Effect::Allow || !statement_resource_broad(s) {
        return None;
    }
    // Whether IAM write access survives the exclusion list decides admin-equivalence.
    let iam_granted = [
        "iam:passrole",
        "iam:attachrolepolicy",
        "iam:createpolicyversion",
    ]
    .iter()
    .any(|a| s.matches_action(a));
    let base = if iam_granted {
        Severity::Critical
    } else {
        Severity::High
    };
    Some(Hit {
        statement_index: Some(s.index),
        severity: Some(if s.conditions.is_empty() {
            base
        } else {
            base.lowered()
        }),
        evidence: json!({
            "not_action": excluded.iter().map(|p| p.raw.as_str()).collect::<Vec<_>>(),
            "iam_write_granted": iam_granted,
            "resource": resource_evidence(s),
            "conditions": condition_evidence(s),
        }),
    })
}

fn well_formed(raw: &str) -> bool {
    if raw.chars().all(|c| c == '*') {
        return !raw.is_empty();
    }
    match raw.split_once(':') {
        Some((service, action)) => {
            !service.is_empty()
                && !action.is_empty()
                && service
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*' || c == '?')
                && action
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
        }
        None => false,
    }
}

fn redundant(_ctx: &DocContext<'_>, s: &Statement) -> Option<Hit> {
    let Negatable::Not(list) = &s.action else {
        return None;
    };
    let mut dead = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let lower = p.raw.to_ascii_lowercase();
        if !well_formed(&p.raw) {
            dead.push(json!({"entry": p.raw, "why": "not service:action"}));
            continue;
        }
        // Matching the other entry against this entry's text (its `*` read literally) is a
        // sufficient test for "covered by": `iam:*` matches the text `iam:get*`.
        let covered = list.iter().enumerate().any(|(j, q)| {
            j != i && {
                let q_lower = q.raw.to_ascii_lowercase();
                let same = q_lower == lower;
                // For duplicates, report only the later copy.
                if same {
                    j < i
                } else {
                    glob::matches(&q.tokens, lower.as_bytes())
                }
            }
        });
        if covered {
            dead.push(json!({"entry": p.raw, "why": "duplicate or covered by another entry"}));
        }
    }
    if dead.is_empty() {
        return None;
    }
    Some(Hit {
        statement_index: Some(s.index),
        severity: None,
        evidence: json!({"entries": dead, "conditions": condition_evidence(s)}),
    })
}
