//! Policy sets of principals and groups, shared by the evaluation phases: identity
//! policies with their managed documents resolved, evidence of an evaluation, stand-ins for
//! managed policies the input references but does not hold.

use std::collections::{BTreeMap, HashMap};

use pathwarden_analyzers::escalation::{
    AccountSnapshot, GroupInfo, PrincipalInfo, builtin_policies,
};
use pathwarden_analyzers::policy::arn as arn_util;
use pathwarden_analyzers::policy::document::Negatable;
use pathwarden_analyzers::policy::{
    Decision, Effect, Evaluation, NamedPolicy, PolicyDocument, PolicyLayer, PolicySet, Principal,
    PrincipalKind, RequestContext, evaluate,
};
use serde_json::json;

use crate::model::Evidence;

/// Evidence of an evaluation: its Allow statements of identity and resource policies.
pub(crate) fn evidence_of(ev: &Evaluation, action: &str, resource: &str) -> Vec<Evidence> {
    ev.evidence
        .iter()
        .filter(|e| {
            e.effect == Effect::Allow
                && matches!(e.layer, PolicyLayer::Identity | PolicyLayer::Resource)
        })
        .map(|e| Evidence {
            policy: e.policy_id.clone(),
            statement_index: e.statement_index,
            sid: e.sid.clone(),
            action: action.to_string(),
            resource: resource.to_string(),
            assumption: None,
        })
        .collect()
}

/// A policy whose body is missing: every request depending on it is Conditional on a
/// pseudo-key naming it (the same convention the escalation engine uses).
fn unresolved_document(arn: &str) -> PolicyDocument {
    let text = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {format!("pathwarden:PolicyDocumentKnown/{arn}"): "true"}}
        }]
    });
    PolicyDocument::from_value(&text).unwrap_or_else(|_| PolicyDocument::empty())
}

/// Identity policies and boundary of one principal, for evaluations the escalation engine
/// does not make (bucket access, cross-account trust prefilter).
pub(crate) struct PrincipalPolicies<'s> {
    pub(crate) principal: Principal,
    pub(crate) identity: Vec<NamedPolicy<'s>>,
    pub(crate) boundary: Option<NamedPolicy<'s>>,
}

impl<'s> PrincipalPolicies<'s> {
    pub(crate) fn new(
        snap: &'s AccountSnapshot,
        info: &'s PrincipalInfo,
        groups: &HashMap<&str, &'s GroupInfo>,
        unresolved: &'s HashMap<String, PolicyDocument>,
    ) -> Self {
        let managed = |arn: &'s str| -> Option<NamedPolicy<'s>> {
            if let Some(p) = snap.policies.get(arn) {
                return Some(NamedPolicy::new(arn, &p.default_document));
            }
            if let Some(doc) = builtin_policies().get(arn) {
                return Some(NamedPolicy::new(arn, doc));
            }
            unresolved.get(arn).map(|d| NamedPolicy::new(arn, d))
        };
        let mut identity = Vec::new();
        for (name, doc) in &info.inline_policies {
            identity.push(NamedPolicy::new(format!("{}#{}", info.arn, name), doc));
        }
        identity.extend(info.attached_policy_arns.iter().filter_map(|a| managed(a)));
        for g in &info.group_arns {
            if let Some(group) = groups.get(g.as_str()) {
                for (name, doc) in &group.inline_policies {
                    identity.push(NamedPolicy::new(format!("{}#{}", group.arn, name), doc));
                }
                identity.extend(group.attached_policy_arns.iter().filter_map(|a| managed(a)));
            }
        }
        let boundary = info.permissions_boundary_arn.as_deref().and_then(managed);
        let mut principal = match info.kind {
            PrincipalKind::Role => Principal::role(&info.arn),
            _ => Principal::user(&info.arn),
        }
        .with_tags(info.tags.clone());
        principal.account = Some(snap.account_id.clone());
        PrincipalPolicies {
            principal,
            identity,
            boundary,
        }
    }

    pub(crate) fn set(&self, resource: Option<NamedPolicy<'s>>) -> PolicySet<'s> {
        PolicySet {
            identity: self.identity.clone(),
            resource,
            permissions_boundary: self.boundary.clone(),
            ..Default::default()
        }
    }

    /// Allow statements that may grant `action_lower`, with their Resource element.
    pub(crate) fn grants<'a>(
        &'a self,
        action_lower: &'a str,
    ) -> impl Iterator<Item = &'a pathwarden_analyzers::policy::Statement> + 'a {
        self.identity
            .iter()
            .flat_map(|p| p.document.statements.iter())
            .filter(move |s| s.effect == Effect::Allow && s.matches_action(action_lower))
    }
}

/// Does a Resource element possibly cover `arn`? (Variables and NotResource: maybe.)
pub(crate) fn resource_may_match(
    st: &pathwarden_analyzers::policy::Statement,
    arns: &[&str],
) -> bool {
    match &st.resource {
        Some(Negatable::Is(list)) => list.iter().any(|p| match &p.tokens {
            Some(t) => arns.iter().any(|a| arn_util::matches(t, a)),
            None => true,
        }),
        _ => true,
    }
}

/// Is the group administrator on its own policies? Same probes as the escalation engine:
/// an unknown action on an unknown resource (only `*` grants it), and key IAM writes.
pub(crate) fn group_admin(
    snap: &AccountSnapshot,
    group: &GroupInfo,
    unresolved: &HashMap<String, PolicyDocument>,
) -> Option<Evaluation> {
    let mut identity = Vec::new();
    for (name, doc) in &group.inline_policies {
        identity.push(NamedPolicy::new(format!("{}#{}", group.arn, name), doc));
    }
    for a in &group.attached_policy_arns {
        if let Some(p) = snap.policies.get(a) {
            identity.push(NamedPolicy::new(a.as_str(), &p.default_document));
        } else if let Some(doc) = builtin_policies().get(a.as_str()) {
            identity.push(NamedPolicy::new(a.as_str(), doc));
        } else if let Some(doc) = unresolved.get(a) {
            identity.push(NamedPolicy::new(a.as_str(), doc));
        }
    }
    let set = PolicySet::identity(identity);
    let acct = &snap.account_id;
    let mut probe_user = Principal::user(&format!(
        "arn:aws:iam::{acct}:user/pathwarden-group-member-probe"
    ));
    probe_user.tags = Some(BTreeMap::new());
    let probes = [
        (
            "pathwardenprobe:AnyAction".to_string(),
            format!("arn:aws:pathwardenprobe:us-east-1:{acct}:probe/any"),
        ),
        (
            "iam:AttachUserPolicy".to_string(),
            format!("arn:aws:iam::{acct}:user/pathwarden-probe"),
        ),
        (
            "iam:PutRolePolicy".to_string(),
            format!("arn:aws:iam::{acct}:role/pathwarden-probe"),
        ),
        (
            "iam:PassRole".to_string(),
            format!("arn:aws:iam::{acct}:role/pathwarden-probe"),
        ),
    ];
    let mut first: Option<Evaluation> = None;
    for (action, resource) in probes {
        let ctx =
            RequestContext::new(probe_user.clone(), &action, &resource).with_resource_account(acct);
        let ev = evaluate(&set, &ctx);
        if ev.decision != Decision::Allow {
            return None;
        }
        first.get_or_insert(ev);
    }
    first
}

/// The managed policies an account's users, roles and groups reference (attached or as
/// permissions boundary).
pub(crate) fn referenced_policy_arns(s: &AccountSnapshot) -> impl Iterator<Item = &String> {
    s.users
        .iter()
        .chain(s.roles.iter().map(|r| &r.principal))
        .flat_map(|p| {
            p.attached_policy_arns
                .iter()
                .chain(p.permissions_boundary_arn.iter())
        })
        .chain(s.groups.iter().flat_map(|g| g.attached_policy_arns.iter()))
}

/// Bodies standing in for managed policies that are referenced but missing.
pub(crate) fn unresolved_documents(
    snapshots: &[AccountSnapshot],
) -> HashMap<String, PolicyDocument> {
    let mut m = HashMap::new();
    for s in snapshots {
        for arn in referenced_policy_arns(s) {
            if !s.policies.contains_key(arn) && !builtin_policies().contains_key(arn.as_str()) {
                m.entry(arn.clone())
                    .or_insert_with(|| unresolved_document(arn));
            }
        }
    }
    m
}

/// Groups by ARN, per snapshot.
pub(crate) fn group_maps(snapshots: &[AccountSnapshot]) -> Vec<HashMap<&str, &GroupInfo>> {
    snapshots
        .iter()
        .map(|s| s.groups.iter().map(|g| (g.arn.as_str(), g)).collect())
        .collect()
}
