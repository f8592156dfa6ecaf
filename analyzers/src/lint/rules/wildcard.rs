//! Wildcard actions and resources.

use serde_json::json;

use super::{Check, Hit, IDENTITY, LintRule, conditioned};
use crate::lint::context::{
    DocContext, condition_evidence, is_star_action, resource_evidence, statement_resource_broad,
};
use crate::lint::{LintClass, Severity};
use crate::policy::document::Negatable;
use crate::policy::{Effect, Statement};

/// Services where `service:*` on every resource is dangerous; the ones whose wildcard is
/// admin-equivalent are reported as critical.
const SENSITIVE: &[(&str, Severity)] = &[
    ("iam", Severity::Critical),
    ("organizations", Severity::Critical),
    ("sts", Severity::High),
    ("kms", Severity::High),
    ("secretsmanager", Severity::High),
    ("ssm", Severity::High),
    ("s3", Severity::High),
    ("ec2", Severity::High),
    ("lambda", Severity::High),
    ("cloudtrail", Severity::High),
    ("cloudformation", Severity::High),
    ("dynamodb", Severity::High),
    ("rds", Severity::High),
    ("ecr", Severity::High),
    ("eks", Severity::High),
    ("logs", Severity::High),
    ("config", Severity::High),
    ("guardduty", Severity::High),
    ("sso", Severity::High),
    ("account", Severity::High),
];

/// Wildcard rules.
pub const RULES: &[LintRule] = &[
    LintRule {
        id: "PW-WILDCARD-ADMIN",
        class: LintClass::Wildcard,
        severity: Severity::Critical,
        title: "Action * on Resource *",
        description: "The statement allows every action on every resource: full administrator access.",
        remediation: "Replace `*` with the specific actions and resource ARNs the workload uses (generate them from CloudTrail or IAM Access Analyzer policy generation); keep administrator access on a break-glass role with MFA.",
        kinds: IDENTITY,
        check: Check::Statement(full_admin),
    },
    LintRule {
        id: "PW-WILDCARD-SERVICE",
        class: LintClass::Wildcard,
        severity: Severity::High,
        title: "service:* on a sensitive service for every resource",
        description: "The statement allows every action of a sensitive service (IAM, KMS, S3, Secrets Manager, ...) on every resource, including its write and permission-management actions.",
        remediation: "List the read or write actions needed and scope Resource to the specific ARNs; `iam:*` and `organizations:*` are administrator-equivalent.",
        kinds: IDENTITY,
        check: Check::Statement(service_wildcard),
    },
];

fn full_admin(_ctx: &DocContext<'_>, s: &Statement) -> Option<Hit> {
    let Negatable::Is(actions) = &s.action else {
        return None;
    };
    if s.effect != Effect::Allow || !statement_resource_broad(s) {
        return None;
    }
    let stars: Vec<&str> = actions
        .iter()
        .filter(|a| is_star_action(&a.raw))
        .map(|a| a.raw.as_str())
        .collect();
    if stars.is_empty() {
        return None;
    }
    Some(Hit {
        statement_index: Some(s.index),
        severity: conditioned(s, Severity::Critical),
        evidence: json!({"actions": stars, "resource": resource_evidence(s), "conditions": condition_evidence(s)}),
    })
}

fn service_wildcard(_ctx: &DocContext<'_>, s: &Statement) -> Option<Hit> {
    let Negatable::Is(actions) = &s.action else {
        return None;
    };
    if s.effect != Effect::Allow
        || !statement_resource_broad(s)
        || actions.iter().any(|a| is_star_action(&a.raw))
    {
        return None;
    }
    let mut worst: Option<Severity> = None;
    let mut matched = Vec::new();
    for a in actions {
        let Some((service, verb)) = a.raw.split_once(':') else {
            continue;
        };
        if !verb.chars().all(|c| c == '*') {
            continue;
        }
        let service = service.to_ascii_lowercase();
        if let Some((_, sev)) = SENSITIVE.iter().find(|(name, _)| *name == service) {
            matched.push(a.raw.as_str());
            worst = Some(worst.map_or(*sev, |w| w.max(*sev)));
        }
    }
    let worst = worst?;
    Some(Hit {
        statement_index: Some(s.index),
        severity: Some(if s.conditions.is_empty() {
            worst
        } else {
            worst.lowered()
        }),
        evidence: json!({"actions": matched, "resource": resource_evidence(s), "conditions": condition_evidence(s)}),
    })
}
