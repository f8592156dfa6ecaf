//! Request evaluation in AWS's documented order.
//!
//! 1. An explicit Deny in any applicable policy (identity, resource, boundary, session, SCP,
//!    RCP) wins.
//! 2. Every SCP level (root, OUs, account) must allow; likewise every RCP level.
//! 3. Same account: a resource-policy grant naming the caller allows on its own —
//!    a grant to a *user ARN* is not limited by the user's permissions boundary (it is by a
//!    session policy), a grant to a *role ARN* is limited by the role's boundary and session
//!    policy, a grant to a *session ARN* is limited by neither; a grant to the account only
//!    delegates to identity policies. Otherwise identity policy AND boundary AND session
//!    policy must allow.
//! 4. Cross account: the identity side (identity AND boundary AND session) AND the resource
//!    policy must both allow.
//!
//! Unknown condition keys propagate as three-valued logic; the result is `Conditional` with
//! the keys that would decide it, never a silent Allow or Deny.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::condition;
use super::context::{PrincipalKind, RequestContext};
use super::document::{Effect, Negatable, PolicyDocument, PrincipalEntry, Statement};
use super::glob::{self, Tok};
use super::tri::Tri;
use super::{arn, variables};

/// Final answer for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// Denied by an explicit Deny statement.
    ExplicitDeny,
    /// Nothing allows it (or a layer that must allow does not).
    ImplicitDeny,
    /// Depends on condition keys whose values are not known.
    Conditional,
}

impl Decision {
    /// Allow or Conditional: "may be allowed".
    pub fn is_possible(self) -> bool {
        matches!(self, Decision::Allow | Decision::Conditional)
    }
}

/// Which kind of policy a document is being evaluated as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PolicyLayer {
    /// Identity-based (user, group, role; inline or managed).
    Identity,
    /// Resource-based, including role trust policies.
    Resource,
    /// Permissions boundary.
    PermissionsBoundary,
    /// Session policy.
    Session,
    /// Service control policy.
    Scp,
    /// Resource control policy.
    Rcp,
}

/// A document with the id (ARN or inline name) the caller wants reported as evidence.
#[derive(Debug, Clone)]
pub struct NamedPolicy<'a> {
    /// ARN for managed policies, `owner-arn#inline-name` for inline ones.
    pub id: Cow<'a, str>,
    /// The document.
    pub document: &'a PolicyDocument,
}

impl<'a> NamedPolicy<'a> {
    /// Pairs an id with a document.
    pub fn new(id: impl Into<Cow<'a, str>>, document: &'a PolicyDocument) -> Self {
        NamedPolicy {
            id: id.into(),
            document,
        }
    }
}

/// Every policy that applies to one request.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'a> {
    /// Identity-based policies of the caller (user + groups, or role).
    pub identity: Vec<NamedPolicy<'a>>,
    /// The resource's policy (bucket policy, key policy, role trust policy, ...).
    pub resource: Option<NamedPolicy<'a>>,
    /// The caller's permissions boundary.
    pub permissions_boundary: Option<NamedPolicy<'a>>,
    /// Session policies passed at AssumeRole/GetFederationToken time.
    pub session: Vec<NamedPolicy<'a>>,
    /// SCPs by level (root first); each level must allow.
    pub scps: Vec<Vec<NamedPolicy<'a>>>,
    /// RCPs by level; each level must allow.
    pub rcps: Vec<Vec<NamedPolicy<'a>>>,
    /// The resource policy must grant even in the same account (role trust policies, KMS
    /// key policies): identity policies alone never suffice, and a grant to the account
    /// delegates to them.
    pub resource_policy_required: bool,
}

impl<'a> PolicySet<'a> {
    /// A set with only identity policies.
    pub fn identity(policies: Vec<NamedPolicy<'a>>) -> Self {
        PolicySet {
            identity: policies,
            ..Default::default()
        }
    }
}

/// Why a decision was reached: one statement that matched (or may match).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    /// Layer the policy was evaluated as.
    pub layer: PolicyLayer,
    /// Policy id as passed in.
    pub policy_id: String,
    /// Statement position in the document.
    pub statement_index: usize,
    /// Statement Sid, if any.
    pub sid: Option<String>,
    /// The statement's effect.
    pub effect: Effect,
    /// True when the statement only matches depending on undecided keys.
    pub conditional: bool,
}

/// Decision plus the statements behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// Statements that decided it (for Allow: the granting ones; for ExplicitDeny: the
    /// denying ones; otherwise every statement that matched or may match).
    pub evidence: Vec<Evidence>,
    /// Condition keys whose values would settle a `Conditional` decision.
    pub undecided_keys: BTreeSet<String>,
}

/// How a resource-policy statement names the caller; decides what it bypasses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    /// Session ARN, federated-user session, service, web identity, canonical user.
    Session,
    /// IAM user ARN.
    User,
    /// IAM role ARN.
    Role,
    /// The account (`123...` or `arn:aws:iam::123:root`): delegation to identity policies.
    Account,
}

fn resource_pattern_matches(pattern: &super::document::ValuePattern, ctx: &RequestContext) -> Tri {
    match &pattern.tokens {
        Some(tokens) => Tri::from_bool(arn::matches(tokens, &ctx.resource)),
        None => match variables::resolve_tokens(&pattern.raw, ctx, false) {
            Ok(tokens) => Tri::from_bool(arn::matches(&tokens, &ctx.resource)),
            // A variable that cannot be substituted makes that Resource entry match nothing.
            Err(variables::Missing::Absent) => Tri::False,
            Err(variables::Missing::Unknown(k)) => Tri::unknown(k),
        },
    }
}

fn resource_matches(st: &Statement, ctx: &RequestContext) -> Tri {
    match &st.resource {
        None => Tri::True,
        Some(Negatable::Is(list)) => list.iter().fold(Tri::False, |acc, p| {
            acc.or(resource_pattern_matches(p, ctx))
        }),
        Some(Negatable::Not(list)) => list
            .iter()
            .fold(Tri::False, |acc, p| {
                acc.or(resource_pattern_matches(p, ctx))
            })
            .negate(),
    }
}

/// The identities a caller presents; NotPrincipal excludes the caller only when it lists
/// every one of them (AWS: to exempt a user you list the user and its account).
fn identities_excluded(entries: &[PrincipalEntry], ctx: &RequestContext) -> bool {
    let p = &ctx.principal;
    if entries.contains(&PrincipalEntry::Anyone) {
        return true;
    }
    let has_arn = |a: &str| {
        entries
            .iter()
            .any(|e| matches!(e, PrincipalEntry::Arn(x) if x == a))
    };
    let has_account = || {
        p.account.as_ref().is_some_and(|acct| {
            entries
                .iter()
                .any(|e| matches!(e, PrincipalEntry::Account(a) if a == acct))
        })
    };
    match p.kind {
        PrincipalKind::User | PrincipalKind::FederatedUser => has_arn(&p.arn) && has_account(),
        // A role in general has sessions whose names no policy can list, so it is never
        // fully excluded.
        PrincipalKind::Role => false,
        PrincipalKind::AssumedRole => {
            has_arn(&p.arn) && p.role_arn.as_deref().is_some_and(has_arn) && has_account()
        }
        PrincipalKind::Root => has_account(),
        PrincipalKind::Service => entries
            .iter()
            .any(|e| matches!(e, PrincipalEntry::Service(s) if s.eq_ignore_ascii_case(&p.arn))),
        PrincipalKind::Federated => entries
            .iter()
            .any(|e| matches!(e, PrincipalEntry::Federated(s) if *s == p.arn)),
        PrincipalKind::CanonicalUser => entries
            .iter()
            .any(|e| matches!(e, PrincipalEntry::CanonicalUser(s) if *s == p.arn)),
        PrincipalKind::Anonymous => false,
    }
}

/// How `"*"` (or a NotPrincipal that admits the caller) grants: treated as naming the
/// caller's own identity, so role grants stay subject to boundary and session policy.
fn own_identity_grant(kind: PrincipalKind) -> Grant {
    match kind {
        PrincipalKind::User => Grant::User,
        PrincipalKind::Role | PrincipalKind::AssumedRole => Grant::Role,
        _ => Grant::Session,
    }
}

fn principal_grant(st: &Statement, ctx: &RequestContext) -> Option<Grant> {
    let p = &ctx.principal;
    match &st.principal {
        // Resource policies and RCPs must name principals; a statement without one applies
        // to nobody.
        None => None,
        Some(Negatable::Not(entries)) => {
            if identities_excluded(entries, ctx) {
                None
            } else {
                Some(own_identity_grant(p.kind))
            }
        }
        Some(Negatable::Is(entries)) => {
            let mut best: Option<Grant> = None;
            let mut consider = |g: Grant| {
                let rank = |g: Grant| match g {
                    Grant::Session => 3,
                    Grant::User => 2,
                    Grant::Role => 1,
                    Grant::Account => 0,
                };
                if best.is_none_or(|b| rank(g) > rank(b)) {
                    best = Some(g);
                }
            };
            for e in entries {
                match e {
                    PrincipalEntry::Anyone => consider(own_identity_grant(p.kind)),
                    PrincipalEntry::Account(a) => {
                        if p.is_iam_identity() && p.account.as_deref() == Some(a.as_str()) {
                            consider(Grant::Account);
                        }
                    }
                    PrincipalEntry::Arn(x) => match p.kind {
                        PrincipalKind::User if *x == p.arn => consider(Grant::User),
                        PrincipalKind::FederatedUser if *x == p.arn => consider(Grant::Session),
                        PrincipalKind::AssumedRole if *x == p.arn => consider(Grant::Session),
                        PrincipalKind::Role | PrincipalKind::AssumedRole
                            if p.role_arn.as_deref() == Some(x) =>
                        {
                            consider(Grant::Role)
                        }
                        _ => {}
                    },
                    PrincipalEntry::Service(s) => {
                        if p.kind == PrincipalKind::Service && s.eq_ignore_ascii_case(&p.arn) {
                            consider(Grant::Session);
                        }
                    }
                    PrincipalEntry::Federated(f) => {
                        if p.kind == PrincipalKind::Federated && *f == p.arn {
                            consider(Grant::Session);
                        }
                    }
                    PrincipalEntry::CanonicalUser(c) => {
                        if p.kind == PrincipalKind::CanonicalUser && *c == p.arn {
                            consider(Grant::Session);
                        }
                    }
                }
            }
            best
        }
    }
}

/// Whether one statement applies to the request (action, resource, principal, condition).
fn statement_applies(
    st: &Statement,
    ctx: &RequestContext,
    check_principal: bool,
) -> (Tri, Option<Grant>) {
    if !st.matches_action(ctx.action_lower()) {
        return (Tri::False, None);
    }
    let grant = if check_principal {
        match principal_grant(st, ctx) {
            Some(g) => Some(g),
            None => return (Tri::False, None),
        }
    } else {
        None
    };
    let resource = resource_matches(st, ctx);
    if resource.is_false() {
        return (Tri::False, None);
    }
    (
        resource.and(condition::evaluate_all(&st.conditions, ctx)),
        grant,
    )
}

#[derive(Default)]
struct Collector {
    evidence: Vec<Evidence>,
}

impl Collector {
    fn note(&mut self, layer: PolicyLayer, policy: &NamedPolicy<'_>, st: &Statement, m: &Tri) {
        self.evidence.push(Evidence {
            layer,
            policy_id: policy.id.to_string(),
            statement_index: st.index,
            sid: st.sid.clone(),
            effect: st.effect,
            conditional: !m.is_true(),
        });
    }
}

/// Allow and Deny results of one group of policies.
struct LayerResult {
    allow: Tri,
    deny: Tri,
    /// For resource layers: allow split by how the caller is named.
    grants: [Tri; 4],
}

fn grant_slot(g: Grant) -> usize {
    match g {
        Grant::Session => 0,
        Grant::User => 1,
        Grant::Role => 2,
        Grant::Account => 3,
    }
}

fn eval_layer(
    layer: PolicyLayer,
    policies: &[NamedPolicy<'_>],
    ctx: &RequestContext,
    out: &mut Collector,
) -> LayerResult {
    let check_principal = matches!(layer, PolicyLayer::Resource | PolicyLayer::Rcp);
    let mut res = LayerResult {
        allow: Tri::False,
        deny: Tri::False,
        grants: [Tri::False, Tri::False, Tri::False, Tri::False],
    };
    for policy in policies {
        for st in &policy.document.statements {
            let (m, grant) = statement_applies(st, ctx, check_principal);
            if m.is_false() {
                continue;
            }
            out.note(layer, policy, st, &m);
            match st.effect {
                Effect::Deny => res.deny = std::mem::replace(&mut res.deny, Tri::False).or(m),
                Effect::Allow => {
                    if let Some(g) = grant {
                        let slot = grant_slot(g);
                        res.grants[slot] =
                            std::mem::replace(&mut res.grants[slot], Tri::False).or(m.clone());
                    }
                    res.allow = std::mem::replace(&mut res.allow, Tri::False).or(m);
                }
            }
        }
    }
    res
}

/// Evaluates a request against a policy set.
pub fn evaluate(set: &PolicySet<'_>, ctx: &RequestContext) -> Evaluation {
    let mut out = Collector::default();
    let p = &ctx.principal;
    let iam = p.is_iam_identity();

    let identity = eval_layer(PolicyLayer::Identity, &set.identity, ctx, &mut out);
    let resource = eval_layer(
        PolicyLayer::Resource,
        set.resource.as_slice(),
        ctx,
        &mut out,
    );
    let boundary = set.permissions_boundary.as_ref().map(|b| {
        eval_layer(
            PolicyLayer::PermissionsBoundary,
            std::slice::from_ref(b),
            ctx,
            &mut out,
        )
    });
    let session = eval_layer(PolicyLayer::Session, &set.session, ctx, &mut out);
    let scp_levels: Vec<LayerResult> = set
        .scps
        .iter()
        .map(|lvl| eval_layer(PolicyLayer::Scp, lvl, ctx, &mut out))
        .collect();
    let rcp_levels: Vec<LayerResult> = set
        .rcps
        .iter()
        .map(|lvl| eval_layer(PolicyLayer::Rcp, lvl, ctx, &mut out))
        .collect();

    let mut deny = identity
        .deny
        .clone()
        .or(resource.deny.clone())
        .or(session.deny.clone());
    if let Some(b) = &boundary {
        deny = deny.or(b.deny.clone());
    }
    for lvl in scp_levels.iter().chain(rcp_levels.iter()) {
        deny = deny.or(lvl.deny.clone());
    }

    // The root user is not governed by identity policies in its own account.
    let identity_allow = if p.kind == PrincipalKind::Root {
        Tri::True
    } else {
        identity.allow
    };
    let boundary_ok = boundary.map(|b| b.allow).unwrap_or(Tri::True);
    let session_ok = if set.session.is_empty() {
        Tri::True
    } else {
        session.allow
    };
    let scp_ok = scp_levels
        .iter()
        .fold(Tri::True, |acc, l| acc.and(l.allow.clone()));
    let rcp_ok = rcp_levels
        .iter()
        .fold(Tri::True, |acc, l| acc.and(l.allow.clone()));
    let [g_session, g_user, g_role, g_account] = resource.grants;

    let identity_side = identity_allow
        .and(boundary_ok.clone())
        .and(session_ok.clone());
    let direct = g_session
        .clone()
        .or(g_user.clone().and(session_ok.clone()))
        .or(g_role.clone().and(boundary_ok).and(session_ok));
    let same_account = direct.clone().or(identity_side.clone());
    let any_resource_grant = g_session.or(g_user).or(g_role).or(g_account);
    let cross_account = identity_side.clone().and(any_resource_grant.clone());
    let same_account = if set.resource_policy_required {
        // Replace "identity alone" by "identity, delegated to by the resource policy".
        direct.or(identity_side.and(any_resource_grant.clone()))
    } else {
        same_account
    };

    let allowed = if !iam {
        // Service principals, web identities and anonymous callers have no identity
        // policies: only a resource policy can grant them anything.
        any_resource_grant
    } else {
        let owner = ctx.resource_owner();
        match (owner, &p.account, set.resource.is_some()) {
            // Without a resource policy there is nothing to distinguish; treat an unknown
            // owner as the caller's own account (IAM, EC2 and most `*` requests).
            (None, _, false) => same_account,
            (Some(o), Some(a), _) if o == *a => same_account,
            (Some(_), Some(_), _) => cross_account,
            (_, None, _) | (None, Some(_), true) => {
                if same_account == cross_account {
                    same_account
                } else {
                    let mut keys = BTreeSet::from(["aws:ResourceAccount".to_string()]);
                    for t in [&same_account, &cross_account] {
                        if let Some(k) = t.keys() {
                            keys.extend(k.iter().cloned());
                        }
                    }
                    Tri::Unknown(keys)
                }
            }
        }
    };
    let allowed = allowed.and(scp_ok).and(rcp_ok);

    let (decision, keys) = match (&deny, &allowed) {
        (Tri::True, _) => (Decision::ExplicitDeny, BTreeSet::new()),
        (_, Tri::False) => (Decision::ImplicitDeny, BTreeSet::new()),
        (Tri::False, Tri::True) => (Decision::Allow, BTreeSet::new()),
        _ => {
            let mut keys = BTreeSet::new();
            for t in [&deny, &allowed] {
                if let Some(k) = t.keys() {
                    keys.extend(k.iter().cloned());
                }
            }
            (Decision::Conditional, keys)
        }
    };
    let evidence = match decision {
        Decision::ExplicitDeny => out
            .evidence
            .into_iter()
            .filter(|e| e.effect == Effect::Deny && !e.conditional)
            .collect(),
        Decision::Allow => out
            .evidence
            .into_iter()
            .filter(|e| e.effect == Effect::Allow)
            .collect(),
        _ => out.evidence,
    };
    Evaluation {
        decision,
        evidence,
        undecided_keys: keys,
    }
}

/// What the role's trust policy alone says about `principal` calling `action`
/// (`sts:AssumeRole`, `sts:AssumeRoleWithWebIdentity`, ...). `Allow` includes a trust to the
/// principal's account root, which still needs the caller's own identity permission; use
/// [`assume_role`] for the two-way answer.
pub fn trust_allows(
    trust: &PolicyDocument,
    role_arn: &str,
    principal: &super::context::Principal,
    action: &str,
) -> Evaluation {
    let ctx = RequestContext::new(principal.clone(), action, role_arn);
    let policy = NamedPolicy::new(role_arn.to_string(), trust);
    let mut out = Collector::default();
    let layer = eval_layer(
        PolicyLayer::Resource,
        std::slice::from_ref(&policy),
        &ctx,
        &mut out,
    );
    let allow = layer
        .grants
        .into_iter()
        .fold(Tri::False, |acc, g| acc.or(g));
    let (decision, keys) = match (&layer.deny, &allow) {
        (Tri::True, _) => (Decision::ExplicitDeny, BTreeSet::new()),
        (_, Tri::False) => (Decision::ImplicitDeny, BTreeSet::new()),
        (Tri::False, Tri::True) => (Decision::Allow, BTreeSet::new()),
        (d, a) => {
            let mut keys = BTreeSet::new();
            for t in [d, a] {
                if let Some(k) = t.keys() {
                    keys.extend(k.iter().cloned());
                }
            }
            (Decision::Conditional, keys)
        }
    };
    Evaluation {
        decision,
        evidence: out.evidence,
        undecided_keys: keys,
    }
}

/// Two-way `sts:AssumeRole` check: the caller's policies (identity, boundary, SCPs in
/// `caller`) and the role's trust policy, evaluated together as AWS does.
pub fn assume_role(
    caller: &PolicySet<'_>,
    trust: &PolicyDocument,
    ctx: &RequestContext,
) -> Evaluation {
    let mut set = caller.clone();
    set.resource = Some(NamedPolicy::new(ctx.resource.clone(), trust));
    set.resource_policy_required = true;
    let mut ctx = ctx.clone();
    if ctx.resource_account.is_none() {
        ctx.resource_account = arn::account_of(&ctx.resource).map(str::to_string);
    }
    evaluate(&set, &ctx)
}

/// Of `candidates` (action names), those matching `pattern` that the set allows (or may
/// allow) on `ctx.resource`, each with its evaluation. AWS has no closed list of actions, so
/// the caller supplies one, e.g. [`crate::escalation::catalogue_actions`].
pub fn allowed_actions<'c>(
    set: &PolicySet<'_>,
    ctx: &RequestContext,
    pattern: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Vec<(String, Evaluation)> {
    let tokens = glob::compile(pattern, true);
    let mut ctx = ctx.clone();
    let mut out = Vec::new();
    for action in candidates {
        if !glob::matches(&tokens, action.to_ascii_lowercase().as_bytes()) {
            continue;
        }
        ctx.set_action(action);
        let ev = evaluate(set, &ctx);
        if ev.decision.is_possible() {
            out.push((action.to_string(), ev));
        }
    }
    out
}

/// Allow statements of the identity policies whose `Action` patterns overlap `pattern`
/// (e.g. which grants could cover `iam:Put*`), as `(policy id, statement index, action
/// pattern)`. `NotAction` statements are reported whenever they do not exclude the whole
/// pattern. Resource and conditions are not considered; this is a pre-filter.
pub fn granted_action_patterns(set: &PolicySet<'_>, pattern: &str) -> Vec<(String, usize, String)> {
    let wanted: Vec<Tok> = glob::compile(pattern, true);
    let mut out = Vec::new();
    for policy in &set.identity {
        for st in &policy.document.statements {
            if st.effect != Effect::Allow {
                continue;
            }
            match &st.action {
                Negatable::Is(list) => {
                    for a in list {
                        if glob::overlaps(&a.tokens, &wanted) {
                            out.push((policy.id.to_string(), st.index, a.raw.clone()));
                        }
                    }
                }
                Negatable::Not(list) => {
                    // Excluded entirely only if one NotAction pattern covers the whole of
                    // `pattern`: provable when `pattern` is literal, or when the NotAction
                    // pattern is `prefix*` and `pattern` starts with that literal prefix.
                    let lower = pattern.to_ascii_lowercase();
                    let covered = list.iter().any(|a| {
                        if glob::is_literal(&wanted) {
                            return glob::matches(&a.tokens, lower.as_bytes());
                        }
                        match a.tokens.split_last() {
                            Some((Tok::Many, prefix)) if glob::is_literal(prefix) => {
                                wanted.len() >= prefix.len() && wanted[..prefix.len()] == *prefix
                            }
                            _ => false,
                        }
                    });
                    if !covered {
                        out.push((
                            policy.id.to_string(),
                            st.index,
                            format!(
                                "NotAction:{}",
                                list.iter()
                                    .map(|a| a.raw.as_str())
                                    .collect::<Vec<_>>()
                                    .join(",")
                            ),
                        ));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::context::Principal;

    fn doc(text: &str) -> PolicyDocument {
        PolicyDocument::parse(text).unwrap_or_else(|e| panic!("test policy: {e}"))
    }

    #[test]
    fn allowed_actions_filters_by_pattern_and_decision() {
        let d = doc(r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["iam:Put*","iam:AttachUserPolicy"],"Resource":"*"},
            {"Effect":"Deny","Action":"iam:PutRolePolicy","Resource":"*"}]}"#);
        let set = PolicySet::identity(vec![NamedPolicy::new("p", &d)]);
        let ctx = RequestContext::new(
            Principal::user("arn:aws:iam::1:user/a"),
            "x:y",
            "arn:aws:iam::1:user/a",
        );
        let got: Vec<String> = allowed_actions(
            &set,
            &ctx,
            "iam:Put*",
            [
                "iam:PutUserPolicy",
                "iam:PutRolePolicy",
                "iam:AttachUserPolicy",
                "s3:PutObject",
            ],
        )
        .into_iter()
        .map(|(a, _)| a)
        .collect();
        assert_eq!(got, vec!["iam:PutUserPolicy".to_string()]);
    }

    #[test]
    fn granted_patterns_overlap() {
        let d = doc(r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["iam:*","s3:GetObject"],"Resource":"*"},
            {"Effect":"Allow","NotAction":"iam:PassRole","Resource":"*"},
            {"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#);
        let set = PolicySet::identity(vec![NamedPolicy::new("p", &d)]);
        let got = granted_action_patterns(&set, "iam:PassRole");
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].2, "iam:*");
        assert_eq!(
            granted_action_patterns(&set, "iam:Put*").len(),
            2,
            "NotAction iam:* provably excludes iam:Put*; NotAction iam:PassRole does not"
        );
    }

    #[test]
    fn trust_allows_reports_the_trust_side_only() {
        let trust = doc(r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"sts:AssumeRole"},
            {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole",
             "Condition":{"StringEquals":{"aws:SourceAccount":"1"}}}]}"#);
        let role = "arn:aws:iam::1:role/r";
        let user = Principal::user("arn:aws:iam::1:user/a");
        assert_eq!(
            trust_allows(&trust, role, &user, "sts:AssumeRole").decision,
            Decision::Allow
        );
        let outsider = Principal::user("arn:aws:iam::2:user/a");
        assert_eq!(
            trust_allows(&trust, role, &outsider, "sts:AssumeRole").decision,
            Decision::ImplicitDeny
        );
        let ec2 = trust_allows(
            &trust,
            role,
            &Principal::service("ec2.amazonaws.com"),
            "sts:AssumeRole",
        );
        assert_eq!(ec2.decision, Decision::Conditional);
        assert!(ec2.undecided_keys.contains("aws:SourceAccount"));
    }
}
