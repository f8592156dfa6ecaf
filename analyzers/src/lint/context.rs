//! Facts about one parsed document that several rules need (what a statement grants, how
//! broad its resource is, what its conditions restrict).

use serde_json::{Value, json};

use super::PolicyKind;
use crate::policy::arn::Arn;
use crate::policy::condition::{BaseOperator, Condition};
use crate::policy::document::{Negatable, ValuePattern};
use crate::policy::{Effect, PolicyDocument, Statement};

/// A parsed document plus the facts rules share.
#[derive(Debug)]
pub struct DocContext<'d> {
    /// ARN the caller passed in.
    pub policy_arn: &'d str,
    /// Account of the policy ARN (the role's own account for trust policies), if any.
    pub own_account: Option<&'d str>,
    /// The document.
    pub doc: &'d PolicyDocument,
    /// How the document is used.
    pub kind: PolicyKind,
}

impl<'d> DocContext<'d> {
    /// Builds the context.
    pub fn new(policy_arn: &'d str, doc: &'d PolicyDocument, kind: PolicyKind) -> Self {
        let own_account = crate::policy::arn::account_of(policy_arn).filter(|a| *a != "aws");
        DocContext {
            policy_arn,
            own_account,
            doc,
            kind,
        }
    }

    /// Allow statements in document order.
    pub fn allows(&self) -> impl Iterator<Item = &'d Statement> {
        self.doc
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
    }

    /// Whether an unconditional Deny with a broad resource removes `action_lower` everywhere.
    pub fn denied_everywhere(&self, action_lower: &str) -> bool {
        self.doc.statements.iter().any(|s| {
            s.effect == Effect::Deny
                && s.conditions.is_empty()
                && statement_resource_broad(s)
                && s.matches_action(action_lower)
        })
    }

    /// Whether the document (alone) grants `action` on some resource.
    pub fn grants(&self, action: &str) -> bool {
        let lower = action.to_ascii_lowercase();
        !self.denied_everywhere(&lower) && self.allows().any(|s| s.matches_action(&lower))
    }

    /// Whether the document has an `Action: *` statement on a broad resource (administrator;
    /// `Allow`+`NotAction` does not count: it usually excludes IAM, e.g. PowerUserAccess).
    pub fn has_full_admin(&self) -> bool {
        self.allows().any(|s| {
            statement_resource_broad(s)
                && matches!(&s.action, Negatable::Is(list) if list.iter().any(|p| is_star_action(&p.raw)))
        })
    }
}

/// Whether the statement grants all actions (`*`, `*:*`) or nearly all (`Allow`+`NotAction`)
/// on a broad resource; such statements get their own rules only.
pub fn grants_everything(s: &Statement) -> bool {
    s.effect == Effect::Allow
        && statement_resource_broad(s)
        && match &s.action {
            Negatable::Is(list) => list.iter().any(|p| is_star_action(&p.raw)),
            Negatable::Not(_) => true,
        }
}

/// `*` or `*:*`.
pub fn is_star_action(raw: &str) -> bool {
    raw.chars().all(|c| c == '*' || c == ':') && raw.contains('*')
}

/// Whether the statement's resource element is broad (see [`is_broad_resource`]).
pub fn statement_resource_broad(s: &Statement) -> bool {
    match &s.resource {
        None => true,
        Some(Negatable::Not(_)) => true,
        Some(Negatable::Is(list)) => list.iter().any(|r| is_broad_resource(&r.raw)),
    }
}

/// Whether a Resource pattern covers every resource of its kind: `*`, or an ARN whose
/// resource part is only wildcards after its type prefix (`arn:aws:iam::*:role/*`,
/// `arn:aws:secretsmanager:*:*:secret:*`). For S3 the first segment is the bucket name, so
/// only `arn:aws:s3:::*...` counts. `arn:aws:s3:::my-bucket/*` is not broad.
pub fn is_broad_resource(raw: &str) -> bool {
    let only_wild = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c == '*' || c == '/' || c == ':' || c == '?')
    };
    if only_wild(raw) {
        return true;
    }
    let Some(arn) = Arn::parse(raw) else {
        return false;
    };
    if only_wild(arn.resource) || arn.service == "*" {
        return true;
    }
    if arn.service == "s3" {
        return arn.resource.starts_with('*');
    }
    match arn.resource.find([':', '/']) {
        Some(pos) => only_wild(&arn.resource[pos + 1..]),
        None => false,
    }
}

/// Action patterns of an Allow statement that cover `action_lower`, as written; for
/// NotAction statements the single entry `NotAction`.
pub fn matching_patterns(s: &Statement, action_lower: &str) -> Vec<String> {
    match &s.action {
        Negatable::Is(list) => list
            .iter()
            .filter(|p| p.matches_lower(action_lower))
            .map(|p| p.raw.clone())
            .collect(),
        Negatable::Not(list) => {
            if list.iter().any(|p| p.matches_lower(action_lower)) {
                Vec::new()
            } else {
                vec!["NotAction".to_string()]
            }
        }
    }
}

/// Resource patterns as written (`NotResource:` prefixed for NotResource).
pub fn resource_evidence(s: &Statement) -> Value {
    match &s.resource {
        None => json!(null),
        Some(Negatable::Is(list)) => json!(list.iter().map(|r| r.raw.as_str()).collect::<Vec<_>>()),
        Some(Negatable::Not(list)) => {
            json!({"NotResource": list.iter().map(|r| r.raw.as_str()).collect::<Vec<_>>()})
        }
    }
}

/// Condition keys as `Operator:key` strings.
pub fn condition_evidence(s: &Statement) -> Vec<String> {
    s.conditions
        .iter()
        .map(|c| format!("{}:{}", c.operator.raw, c.key))
        .collect()
}

/// Keys that tie a request to a specific caller, organisation, network or source resource.
const RESTRICTING_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:userid",
    "aws:principalservicename",
];

/// Keys whose value is an ARN with an account component.
const ARN_KEYS: &[&str] = &["aws:principalarn", "aws:sourcearn"];

/// What a statement's conditions do to "who may call".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerRestriction {
    /// No condition narrows the caller.
    None,
    /// Only ARN conditions whose account component is a wildcard: any account may call.
    AnyAccount(Vec<String>),
    /// Some condition pins the caller, organisation, account, network or source.
    Restricted(Vec<String>),
}

fn positive_operator(c: &Condition) -> bool {
    // `...IfExists` passes when the key is absent (e.g. callers outside any organisation
    // have no aws:PrincipalOrgID), and negated operators admit everyone else.
    let (_, negated) = c.operator.base.positive();
    !negated && !c.operator.if_exists && c.operator.base != BaseOperator::Null
}

fn wildcard_only(v: &ValuePattern) -> bool {
    !v.raw.is_empty() && v.raw.chars().all(|c| c == '*' || c == '?')
}

fn account_is_wild(v: &ValuePattern) -> bool {
    match Arn::parse(&v.raw) {
        Some(arn) => {
            arn.account.is_empty() || arn.account.contains('*') || arn.account.contains('?')
        }
        None => v.raw.contains('*'),
    }
}

/// Classifies the statement's conditions by how they restrict the caller.
pub fn caller_restriction(s: &Statement) -> CallerRestriction {
    let mut restricting = Vec::new();
    let mut any_account = Vec::new();
    for c in &s.conditions {
        let key = c.key.to_ascii_lowercase();
        if !RESTRICTING_KEYS.contains(&key.as_str())
            || !positive_operator(c)
            || c.values.iter().any(wildcard_only)
        {
            continue;
        }
        if ARN_KEYS.contains(&key.as_str()) && c.values.iter().all(account_is_wild) {
            any_account.push(c.key.clone());
        } else {
            restricting.push(c.key.clone());
        }
    }
    if !restricting.is_empty() {
        CallerRestriction::Restricted(restricting)
    } else if !any_account.is_empty() {
        CallerRestriction::AnyAccount(any_account)
    } else {
        CallerRestriction::None
    }
}

/// Whether the statement has a positive, non-wildcard condition on `key` (case-insensitive).
pub fn has_condition_key(s: &Statement, key: &str) -> bool {
    s.conditions.iter().any(|c| {
        c.key.eq_ignore_ascii_case(key)
            && positive_operator(c)
            && !c.values.iter().any(wildcard_only)
    })
}
