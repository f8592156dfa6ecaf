//! Trust (assume-role) policies: who may become the role.

use serde_json::json;

use super::{Check, Hit, LintRule, TRUST};
use crate::lint::context::{
    CallerRestriction, DocContext, caller_restriction, condition_evidence, has_condition_key,
};
use crate::lint::{LintClass, Severity};
use crate::policy::arn::{Arn, account_of};
use crate::policy::document::Negatable;
use crate::policy::{Effect, PrincipalEntry, Statement};

/// Trust-policy rules.
pub const RULES: &[LintRule] = &[
    LintRule {
        id: "PW-TRUST-ANY-PRINCIPAL",
        class: LintClass::TrustPolicy,
        severity: Severity::Critical,
        title: "Role can be assumed by any principal",
        description: "The trust policy allows Principal \"*\" (or uses NotPrincipal) with no condition pinning the caller's organisation, account or ARN: any AWS identity in any account can assume the role.",
        remediation: "Name the trusted account or role ARNs in Principal; if a wildcard is unavoidable, add aws:PrincipalOrgID or aws:PrincipalArn conditions with concrete account ids.",
        kinds: TRUST,
        check: Check::Statement(any_principal),
    },
    LintRule {
        id: "PW-TRUST-ANY-ACCOUNT",
        class: LintClass::TrustPolicy,
        severity: Severity::High,
        title: "Role trust matches a role name in any account",
        description: "The trust policy names a wildcard account (`arn:aws:iam::*:...`) or restricts Principal \"*\" only with an aws:PrincipalArn/aws:SourceArn pattern whose account is a wildcard: anyone who creates a role with that name in their own account can assume this role.",
        remediation: "Put concrete account ids in the principal ARN or condition, or add aws:PrincipalOrgID to limit callers to your organisation.",
        kinds: TRUST,
        check: Check::Statement(any_account),
    },
    LintRule {
        id: "PW-TRUST-OIDC-UNSCOPED",
        class: LintClass::TrustPolicy,
        severity: Severity::High,
        title: "Web-identity trust without a subject/audience condition",
        description: "The trust policy lets a web-identity (OIDC) provider assume the role without constraining the token's subject (or audience for Cognito). For GitHub Actions this means any repository on GitHub can assume the role.",
        remediation: "Add a StringEquals/StringLike condition on `<provider>:sub` naming your repositories and branches (e.g. `repo:my-org/my-repo:ref:refs/heads/main`) and on `<provider>:aud`.",
        kinds: TRUST,
        check: Check::Statement(oidc_unscoped),
    },
    LintRule {
        id: "PW-TRUST-NO-EXTERNAL-ID",
        class: LintClass::TrustPolicy,
        severity: Severity::Medium,
        title: "Third-party account trust without ExternalId",
        description: "The trust policy lets another account assume the role without an sts:ExternalId condition (and without an organisation condition). A vendor serving many customers can then be tricked into using its access on your account (confused deputy).",
        remediation: "Add `\"Condition\": {\"StringEquals\": {\"sts:ExternalId\": \"<unique id from the vendor>\"}}`; for accounts of your own organisation use aws:PrincipalOrgID instead.",
        kinds: TRUST,
        check: Check::Statement(missing_external_id),
    },
];

fn allow_principals(s: &Statement) -> Option<&Negatable<Vec<PrincipalEntry>>> {
    if s.effect != Effect::Allow {
        None
    } else {
        s.principal.as_ref()
    }
}

fn any_principal(_ctx: &DocContext<'_>, s: &Statement) -> Option<Hit> {
    let who = match allow_principals(s)? {
        Negatable::Is(list) if list.contains(&PrincipalEntry::Anyone) => "*",
        Negatable::Not(_) => "NotPrincipal",
        _ => return None,
    };
    (caller_restriction(s) == CallerRestriction::None).then(|| Hit {
        statement_index: Some(s.index),
        severity: None,
        evidence: json!({"principal": who, "conditions": condition_evidence(s)}),
    })
}

fn wildcard_account_entry(p: &PrincipalEntry) -> Option<&str> {
    match p {
        PrincipalEntry::Account(a) if a.contains('*') || a.contains('?') => Some(a.as_str()),
        PrincipalEntry::Arn(a) => {
            let arn = Arn::parse(a)?;
            (arn.account.contains('*') || arn.account.contains('?')).then_some(a.as_str())
        }
        _ => None,
    }
}

fn any_account(_ctx: &DocContext<'_>, s: &Statement) -> Option<Hit> {
    let Negatable::Is(list) = allow_principals(s)? else {
        return None;
    };
    let restriction = caller_restriction(s);
    if matches!(restriction, CallerRestriction::Restricted(_)) {
        return None;
    }
    let wild: Vec<&str> = list.iter().filter_map(wildcard_account_entry).collect();
    if !wild.is_empty() {
        return Some(Hit {
            statement_index: Some(s.index),
            severity: Some(Severity::Critical),
            evidence: json!({"principals": wild, "conditions": condition_evidence(s)}),
        });
    }
    match restriction {
        CallerRestriction::AnyAccount(keys) if list.contains(&PrincipalEntry::Anyone) => {
            Some(Hit {
                statement_index: Some(s.index),
                severity: None,
                evidence: json!({"principal": "*", "account_wildcard_conditions": keys, "conditions": condition_evidence(s)}),
            })
        }
        _ => None,
    }
}

const GITHUB: &str = "token.actions.githubusercontent.com";
const COGNITO: &str = "cognito-identity.amazonaws.com";

/// Subject patterns that admit every repository or identity.
fn subject_too_broad(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || v.chars().all(|c| c == '*' || c == '?')
        || v.starts_with("repo:*")
        || v.starts_with('*')
}

fn scoped(s: &Statement, key: &str) -> bool {
    has_condition_key(s, key)
        && s.conditions
            .iter()
            .filter(|c| c.key.eq_ignore_ascii_case(key))
            .all(|c| !c.values.iter().any(|v| subject_too_broad(&v.raw)))
}

fn oidc_unscoped(_ctx: &DocContext<'_>, s: &Statement) -> Option<Hit> {
    let Negatable::Is(list) = allow_principals(s)? else {
        return None;
    };
    for p in list {
        let PrincipalEntry::Federated(provider) = p else {
            continue;
        };
        let (host, key, severity) = if provider == COGNITO {
            (
                COGNITO.to_string(),
                format!("{COGNITO}:aud"),
                Severity::High,
            )
        } else if let Some((_, host)) = provider.split_once("oidc-provider/") {
            let severity = if host == GITHUB {
                Severity::Critical
            } else {
                Severity::High
            };
            (host.to_string(), format!("{host}:sub"), severity)
        } else {
            // SAML providers and well-known IdPs (accounts.google.com, graph.facebook.com)
            // are checked by their own audience keys, which vary; not judged here.
            continue;
        };
        if !scoped(s, &key) {
            return Some(Hit {
                statement_index: Some(s.index),
                severity: Some(severity),
                evidence: json!({"provider": provider, "host": host, "missing_condition": key, "conditions": condition_evidence(s)}),
            });
        }
    }
    None
}

fn missing_external_id(ctx: &DocContext<'_>, s: &Statement) -> Option<Hit> {
    let Negatable::Is(list) = allow_principals(s)? else {
        return None;
    };
    if !s.matches_action("sts:assumerole") {
        return None;
    }
    if has_condition_key(s, "sts:ExternalId")
        || has_condition_key(s, "aws:PrincipalOrgID")
        || has_condition_key(s, "aws:PrincipalOrgPaths")
    {
        return None;
    }
    // Without the role's own account (an ARN we cannot parse) every account trust counts as
    // third-party: over-reporting a same-account trust is cheaper than missing a vendor.
    let foreign: Vec<String> = list
        .iter()
        .filter_map(|p| match p {
            PrincipalEntry::Account(a) => Some(a.as_str()),
            PrincipalEntry::Arn(a) => account_of(a),
            _ => None,
        })
        .filter(|a| !a.contains('*') && !a.contains('?') && Some(*a) != ctx.own_account)
        .map(str::to_string)
        .collect();
    if foreign.is_empty() {
        return None;
    }
    Some(Hit {
        statement_index: Some(s.index),
        severity: None,
        evidence: json!({"accounts": foreign, "own_account": ctx.own_account, "conditions": condition_evidence(s)}),
    })
}
