//! The escalation engine: one pass per principal over the declared rules.
//!
//! Cost model (what keeps 100k principals tractable):
//! - [`SnapshotIndex::new`] indexes ARNs, trust policies (by named ARN, by account, open),
//!   roles by trusted service, and, for every managed policy once, a bitset of catalogue
//!   actions it could allow. A principal's bitset is the OR of its policies' bitsets, so a
//!   rule whose actions are not all possibly allowed is dropped without evaluating anything.
//! - Victims are enumerated from the principal's Allow statements: a literal ARN is a hash
//!   lookup, a wildcard pattern is scanned once per distinct pattern and memoised, `*` means
//!   every entity of the kind (the edges produced then dominate the cost anyway).
//! - Principals that are already admin get no per-victim edges: admin of the account already
//!   reaches everything, and the graph links the admin node instead.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, RwLock};

use thiserror::Error;

use super::builtin::builtin_policies;
use super::rules::{Applies, EscalationRule, Mechanism, On, SelfTarget, VictimKind, all_rules};
use super::snapshot::{AccountSnapshot, PrincipalInfo, ResourceKind, RoleInfo};
use crate::policy::document::{Negatable, PrincipalEntry};
use crate::policy::glob::{self, Tok};
use crate::policy::{
    Decision, Effect, Evaluation, NamedPolicy, PolicyDocument, PolicyLayer, PolicySet, Principal,
    PrincipalKind, RequestContext, assume_role, evaluate, variables,
};

/// Errors from the escalation API.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EscalationError {
    /// The ARN is not a user or role of the snapshot.
    #[error("principal {0} is not a user or role in the snapshot")]
    UnknownPrincipal(String),
    /// The ARN is not a role of the snapshot.
    #[error("role {0} is not in the snapshot")]
    UnknownRole(String),
}

/// What an escalation edge reaches.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Target {
    /// Administrator of the account.
    Admin {
        /// Account id.
        account: String,
    },
    /// A role (its permissions become the caller's).
    Role(String),
    /// A user (its credentials become the caller's).
    User(String),
    /// A group (the caller becomes a member).
    Group(String),
}

/// One statement behind an edge.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EdgeEvidence {
    /// Managed policy ARN or `owner-arn#inline-name` (or the role ARN for trust policies).
    pub policy: String,
    /// Statement index in that document.
    pub statement_index: usize,
    /// Statement Sid.
    pub sid: Option<String>,
    /// Action the statement allowed.
    pub action: String,
    /// Resource it was allowed on.
    pub resource: String,
}

/// A CAN_ESCALATE edge.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EscalationEdge {
    /// Rule id (see [`super::rules::all_rules`]).
    pub rule_id: &'static str,
    /// Principal that can escalate.
    pub source_arn: String,
    /// What it reaches.
    pub target: Target,
    /// Statements that grant the needed permissions.
    pub evidence: Vec<EdgeEvidence>,
    /// True when some needed permission depends on undecided condition keys.
    pub conditional: bool,
    /// Those keys.
    pub undecided_keys: BTreeSet<String>,
    /// What the edge assumes beyond the input, e.g. "assumes a Lambda function running as
    /// role X exists" when the input has no inventory of that service; empty when every
    /// fact behind the edge is in the input.
    pub assumptions: Vec<String>,
}

/// An escalation edge for bulk callers: evidence and undecided keys are reference-counted
/// and shared by every caller of the same class (see
/// [`SnapshotIndex::admin_and_shared_escalations`]), and edges of one rule to the same
/// target are merged into one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedEscalation {
    /// Rule id (see [`super::rules::all_rules`]).
    pub rule_id: &'static str,
    /// What it reaches.
    pub target: Target,
    /// Statements that grant the needed permissions.
    pub evidence: Arc<[EdgeEvidence]>,
    /// True when some needed permission depends on undecided condition keys.
    pub conditional: bool,
    /// Those keys.
    pub undecided_keys: Arc<BTreeSet<String>>,
    /// What the edge assumes beyond the input (see [`EscalationEdge::assumptions`]).
    pub assumptions: Arc<[String]>,
}

impl SharedEscalation {
    /// The owned edge, from `source_arn`.
    pub fn to_edge(&self, source_arn: &str) -> EscalationEdge {
        EscalationEdge {
            rule_id: self.rule_id,
            source_arn: source_arn.to_string(),
            target: self.target.clone(),
            evidence: self.evidence.to_vec(),
            conditional: self.conditional,
            undecided_keys: (*self.undecided_keys).clone(),
            assumptions: self.assumptions.to_vec(),
        }
    }
}

/// The empty assumption list, shared (most edges assume nothing).
fn no_assumptions() -> Arc<[String]> {
    static EMPTY: std::sync::OnceLock<Arc<[String]>> = std::sync::OnceLock::new();
    Arc::clone(EMPTY.get_or_init(|| Arc::from(Vec::new())))
}

/// Merges escalations of one rule that reach the same target (a role several instances
/// run as): decided when any of them is, with the evidence of those that decide it.
fn merge_by_target(found: Vec<(usize, SharedEscalation)>) -> Vec<(usize, SharedEscalation)> {
    let mut order: Vec<(usize, Vec<SharedEscalation>)> = Vec::new();
    let mut slot: HashMap<Target, usize> = HashMap::new();
    for (i, e) in found {
        match slot.get(&e.target) {
            Some(&k) => order[k].1.push(e),
            None => {
                slot.insert(e.target.clone(), order.len());
                order.push((i, vec![e]));
            }
        }
    }
    order
        .into_iter()
        .map(|(i, mut group)| {
            if group.len() == 1 {
                return (i, group.remove(0));
            }
            let conditional = group.iter().all(|e| e.conditional);
            let mut evidence: Vec<EdgeEvidence> = Vec::new();
            let mut keys = BTreeSet::new();
            let mut assumptions: Vec<String> = Vec::new();
            for e in group.iter().filter(|e| e.conditional == conditional) {
                for a in e.assumptions.iter() {
                    if !assumptions.contains(a) {
                        assumptions.push(a.clone());
                    }
                }
                for ev in e.evidence.iter() {
                    if !evidence.contains(ev) {
                        evidence.push(ev.clone());
                    }
                }
                keys.extend(e.undecided_keys.iter().cloned());
            }
            let first = group.swap_remove(0);
            (
                i,
                SharedEscalation {
                    rule_id: first.rule_id,
                    target: first.target,
                    evidence: evidence.into(),
                    conditional,
                    undecided_keys: Arc::new(keys),
                    assumptions: if assumptions.is_empty() {
                        no_assumptions()
                    } else {
                        assumptions.into()
                    },
                },
            )
        })
        .collect()
}

/// Entity indices matching a wildcard pattern, memoised per (kind, pattern).
type PatternCache = HashMap<(EntityKind, Vec<Tok>), Arc<Vec<usize>>>;

/// Edges of one rule for one caller class (see [`SnapshotIndex::caller_class`]), before
/// the caller-specific filters: `(victim index, edge)`.
type VictimChecks = Arc<Vec<(usize, SharedEscalation)>>;

const WORDS: usize = 4;
type ActionBits = [u64; WORDS];

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum EntityKind {
    User,
    Role,
    Group,
    /// Customer-managed policies attached to some user or role (directly or by group).
    Policy,
    Resource(ResourceKind),
}

/// Everything needed to evaluate one user or role.
struct View<'s> {
    info: &'s PrincipalInfo,
    principal: Principal,
    identity: Vec<NamedPolicy<'s>>,
    boundary: Option<NamedPolicy<'s>>,
    scps: Vec<Vec<NamedPolicy<'s>>>,
    bits: ActionBits,
}

impl<'s> View<'s> {
    fn set(&self, with_boundary: bool) -> PolicySet<'s> {
        PolicySet {
            identity: self.identity.clone(),
            resource: None,
            permissions_boundary: if with_boundary {
                self.boundary.clone()
            } else {
                None
            },
            session: Vec::new(),
            scps: self.scps.clone(),
            rcps: Vec::new(),
            resource_policy_required: false,
        }
    }
}

/// Result of checking a rule's requirements for one victim.
struct Check {
    conditional: bool,
    keys: BTreeSet<String>,
    evidence: Vec<EdgeEvidence>,
    assumptions: Vec<String>,
}

/// A prepared account snapshot: build once, then ask per principal (it is `Sync`).
pub struct SnapshotIndex<'s> {
    snap: &'s AccountSnapshot,
    users: HashMap<&'s str, usize>,
    roles: HashMap<&'s str, usize>,
    groups: HashMap<&'s str, usize>,
    /// Attached customer-managed policies and who holds each (users and roles, directly
    /// or through a group), for two-step takeovers through a policy version.
    held_policies: Vec<(&'s str, Vec<(EntityKind, usize)>)>,
    held_policy_index: HashMap<&'s str, usize>,
    resources: HashMap<&'s str, usize>,
    resources_by_kind: HashMap<ResourceKind, Vec<usize>>,
    /// Entities by the last path element of their ARN (after the last `/` or `:`), for
    /// patterns that end in a literal name such as `arn:aws:iam::*:user/${aws:username}`.
    by_name: HashMap<(EntityKind, &'s str), Vec<usize>>,
    /// Roles per trusted service principal, with the trust decision.
    service_roles: HashMap<&'static str, Vec<(usize, bool)>>,
    trust_by_arn: HashMap<&'s str, Vec<usize>>,
    trust_by_account: HashMap<&'s str, Vec<usize>>,
    trust_open: Vec<usize>,
    catalogue: Vec<String>,
    slots: HashMap<String, usize>,
    policy_bits: HashMap<&'s str, ActionBits>,
    unresolved: HashMap<String, PolicyDocument>,
    pattern_cache: RwLock<PatternCache>,
    /// Per-victim checks of rules that enumerate many victims (PassRole, resource
    /// hijacks), shared by callers whose relevant statements are the same and do not
    /// depend on who the caller is: keyed by (caller class, rule id).
    victim_checks: RwLock<HashMap<(String, &'static str, bool), VictimChecks>>,
}

/// Every action named by a rule (plus the admin probes), lower-cased: the catalogue for
/// [`crate::policy::allowed_actions`] and the prefilter bitsets.
pub fn catalogue_actions() -> Vec<String> {
    let mut v: Vec<String> = all_rules()
        .flat_map(|r| r.requires.iter().map(|q| q.action.to_ascii_lowercase()))
        .chain(ADMIN_PROBES.iter().map(|(a, _)| a.to_ascii_lowercase()))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Probes for "administrator": a made-up action on a made-up resource is only allowed by
/// `*`-style grants; a made-up IAM action by `iam:*`-style grants (IAM write power is
/// admin-equivalent). The concrete IAM actions must all be allowed as well, so a Deny on
/// them defeats the wildcard.
const WILDCARD_PROBE: (&str, &str) = (
    "pathwardenprobe:AnyAction",
    "arn:aws:pathwardenprobe:us-east-1:{account}:probe/any",
);
const IAM_WILDCARD_PROBE: (&str, &str) = (
    "iam:PathwardenProbeAction",
    "arn:aws:iam::{account}:pathwarden-probe/any",
);
const ADMIN_PROBES: &[(&str, &str)] = &[
    (
        "iam:AttachUserPolicy",
        "arn:aws:iam::{account}:user/pathwarden-probe",
    ),
    (
        "iam:PutRolePolicy",
        "arn:aws:iam::{account}:role/pathwarden-probe",
    ),
    (
        "iam:CreatePolicyVersion",
        "arn:aws:iam::{account}:policy/pathwarden-probe",
    ),
    (
        "iam:PassRole",
        "arn:aws:iam::{account}:role/pathwarden-probe",
    ),
    (
        "iam:CreateAccessKey",
        "arn:aws:iam::{account}:user/pathwarden-probe",
    ),
];

fn unresolved_doc(arn: &str) -> PolicyDocument {
    // A policy whose body we lack could grant anything: make every request depending on it
    // Conditional on a pseudo-key naming the policy instead of silently allowing/denying.
    let text = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {format!("pathwarden:PolicyDocumentKnown/{arn}"): "true"}}
        }]
    });
    PolicyDocument::from_value(&text).unwrap_or_else(|_| PolicyDocument::empty())
}

/// Text after the last `/` or `:` of an ARN (the entity's name).
fn last_segment(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// The literal name a pattern ends in, after its last literal `/` or `:`, when nothing
/// after that separator is a wildcard: every ARN the pattern matches then ends in
/// `/name` or `:name`, i.e. has `name` as its [`last_segment`].
fn literal_tail(tokens: &[Tok]) -> Option<Vec<u8>> {
    let sep = tokens
        .iter()
        .rposition(|t| matches!(t, Tok::Lit(b'/') | Tok::Lit(b':')))?;
    let tail = &tokens[sep + 1..];
    if tail.is_empty() {
        return None;
    }
    tail.iter()
        .map(|t| match t {
            Tok::Lit(b) => Some(*b),
            _ => None,
        })
        .collect()
}

fn tri_of(ev: &Evaluation) -> Option<(bool, &BTreeSet<String>)> {
    match ev.decision {
        Decision::Allow => Some((false, &ev.undecided_keys)),
        Decision::Conditional => Some((true, &ev.undecided_keys)),
        _ => None,
    }
}

impl<'s> SnapshotIndex<'s> {
    /// Indexes a snapshot. O(size of the snapshot × services in the rules).
    pub fn new(snap: &'s AccountSnapshot) -> Self {
        let catalogue = catalogue_actions();
        let slots: HashMap<String, usize> = catalogue
            .iter()
            .enumerate()
            .map(|(i, a)| (a.clone(), i))
            .collect();
        let mut idx = SnapshotIndex {
            snap,
            users: snap
                .users
                .iter()
                .enumerate()
                .map(|(i, u)| (u.arn.as_str(), i))
                .collect(),
            roles: snap
                .roles
                .iter()
                .enumerate()
                .map(|(i, r)| (r.arn(), i))
                .collect(),
            groups: snap
                .groups
                .iter()
                .enumerate()
                .map(|(i, g)| (g.arn.as_str(), i))
                .collect(),
            held_policies: Vec::new(),
            held_policy_index: HashMap::new(),
            resources: snap
                .resources
                .iter()
                .enumerate()
                .map(|(i, r)| (r.arn.as_str(), i))
                .collect(),
            resources_by_kind: HashMap::new(),
            by_name: HashMap::new(),
            service_roles: HashMap::new(),
            trust_by_arn: HashMap::new(),
            trust_by_account: HashMap::new(),
            trust_open: Vec::new(),
            catalogue,
            slots,
            policy_bits: HashMap::new(),
            unresolved: HashMap::new(),
            pattern_cache: RwLock::new(HashMap::new()),
            victim_checks: RwLock::new(HashMap::new()),
        };
        for (i, r) in snap.resources.iter().enumerate() {
            idx.resources_by_kind.entry(r.kind).or_default().push(i);
        }
        {
            let mut holders: BTreeMap<&'s str, Vec<(EntityKind, usize)>> = BTreeMap::new();
            let customer = |arn: &str| snap.policies.get(arn).is_some_and(|p| !p.aws_managed);
            let group_of: HashMap<&str, &super::snapshot::GroupInfo> =
                snap.groups.iter().map(|g| (g.arn.as_str(), g)).collect();
            let principals = snap
                .users
                .iter()
                .enumerate()
                .map(|(i, u)| (EntityKind::User, i, u))
                .chain(
                    snap.roles
                        .iter()
                        .enumerate()
                        .map(|(i, r)| (EntityKind::Role, i, &r.principal)),
                );
            for (kind, i, p) in principals {
                let via_groups = p
                    .group_arns
                    .iter()
                    .filter_map(|g| group_of.get(g.as_str()))
                    .flat_map(|g| g.attached_policy_arns.iter());
                for arn in p.attached_policy_arns.iter().chain(via_groups) {
                    if customer(arn) {
                        let list = holders.entry(arn.as_str()).or_default();
                        if !list.contains(&(kind, i)) {
                            list.push((kind, i));
                        }
                    }
                }
            }
            idx.held_policies = holders.into_iter().collect();
            idx.held_policy_index = idx
                .held_policies
                .iter()
                .enumerate()
                .map(|(i, (arn, _))| (*arn, i))
                .collect();
        }
        for kind in [
            EntityKind::User,
            EntityKind::Role,
            EntityKind::Group,
            EntityKind::Policy,
        ]
        .into_iter()
        .chain(
            idx.resources_by_kind
                .keys()
                .map(|&k| EntityKind::Resource(k))
                .collect::<Vec<_>>(),
        ) {
            for (i, arn) in idx.entity_arns(kind) {
                idx.by_name
                    .entry((kind, last_segment(arn)))
                    .or_default()
                    .push(i);
            }
        }
        let services: BTreeSet<&'static str> = all_rules()
            .filter_map(|r| match r.mechanism {
                Mechanism::PassRole { service, .. } => Some(service),
                // Resources the input does not list run as roles trusting their service.
                Mechanism::Hijack(kind) => Some(kind.service_principal()),
                _ => None,
            })
            .collect();
        for (i, role) in snap.roles.iter().enumerate() {
            for service in &services {
                // The attacker's resource (function, instance, job) lives in this account, so
                // confused-deputy guards on aws:SourceAccount are satisfiable.
                let ctx =
                    RequestContext::new(Principal::service(service), "sts:AssumeRole", role.arn())
                        .with_key("aws:SourceAccount", [snap.account_id.as_str()])
                        .with_resource_account(&snap.account_id);
                let set = PolicySet {
                    resource: Some(NamedPolicy::new(role.arn(), &role.trust_policy)),
                    resource_policy_required: true,
                    ..Default::default()
                };
                let ev = evaluate(&set, &ctx);
                if let Some((conditional, _)) = tri_of(&ev) {
                    idx.service_roles
                        .entry(service)
                        .or_default()
                        .push((i, conditional));
                }
            }
            let mut open = false;
            for st in &role.trust_policy.statements {
                if st.effect != Effect::Allow {
                    continue;
                }
                match &st.principal {
                    Some(Negatable::Is(entries)) => {
                        for e in entries {
                            match e {
                                PrincipalEntry::Anyone => open = true,
                                PrincipalEntry::Account(a) => {
                                    idx.trust_by_account.entry(a.as_str()).or_default().push(i)
                                }
                                PrincipalEntry::Arn(a) => {
                                    idx.trust_by_arn.entry(a.as_str()).or_default().push(i)
                                }
                                _ => {}
                            }
                        }
                    }
                    Some(Negatable::Not(_)) => open = true,
                    None => {}
                }
            }
            if open {
                idx.trust_open.push(i);
            }
        }
        for list in idx
            .trust_by_arn
            .values_mut()
            .chain(idx.trust_by_account.values_mut())
        {
            list.dedup();
        }
        let mut bits = HashMap::new();
        for (arn, p) in &snap.policies {
            bits.insert(arn.as_str(), idx.doc_bits(&p.default_document));
        }
        for (arn, doc) in builtin_policies() {
            bits.entry(arn).or_insert_with(|| idx.doc_bits(doc));
        }
        idx.policy_bits = bits;
        // Unresolvable references: attachments and boundaries whose body we lack.
        let mut missing = BTreeSet::new();
        let principals = snap
            .users
            .iter()
            .chain(snap.roles.iter().map(|r| &r.principal));
        for p in principals {
            for arn in p
                .attached_policy_arns
                .iter()
                .chain(p.permissions_boundary_arn.iter())
            {
                if !idx.policy_bits.contains_key(arn.as_str()) {
                    missing.insert(arn.clone());
                }
            }
        }
        for g in &snap.groups {
            for arn in &g.attached_policy_arns {
                if !idx.policy_bits.contains_key(arn.as_str()) {
                    missing.insert(arn.clone());
                }
            }
        }
        for arn in missing {
            tracing::warn!(policy_arn = %arn, "managed policy body missing from snapshot; its grants are reported as conditional");
            idx.unresolved.insert(arn.clone(), unresolved_doc(&arn));
        }
        idx
    }

    fn doc_bits(&self, doc: &PolicyDocument) -> ActionBits {
        let mut bits = [0u64; WORDS];
        for st in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
            for (i, action) in self.catalogue.iter().enumerate() {
                if i < WORDS * 64 && st.matches_action(action) {
                    bits[i / 64] |= 1 << (i % 64);
                }
            }
        }
        bits
    }

    fn possible(&self, bits: &ActionBits, action: &str) -> bool {
        match self.slots.get(&action.to_ascii_lowercase()) {
            Some(&i) if i < WORDS * 64 => bits[i / 64] & (1 << (i % 64)) != 0,
            // Not in the catalogue: no prefilter, let the evaluator decide.
            _ => true,
        }
    }

    fn managed(&self, arn: &'s str) -> Option<NamedPolicy<'s>> {
        if let Some(p) = self.snap.policies.get(arn) {
            return Some(NamedPolicy::new(arn, &p.default_document));
        }
        if let Some(doc) = builtin_policies().get(arn) {
            return Some(NamedPolicy::new(arn, doc));
        }
        None
    }

    fn view<'a>(&'a self, arn: &str) -> Result<View<'a>, EscalationError>
    where
        's: 'a,
    {
        let (info, role) = if let Some(&i) = self.users.get(arn) {
            (&self.snap.users[i], None)
        } else if let Some(&i) = self.roles.get(arn) {
            (&self.snap.roles[i].principal, Some(&self.snap.roles[i]))
        } else {
            return Err(EscalationError::UnknownPrincipal(arn.to_string()));
        };
        let mut identity: Vec<NamedPolicy<'a>> = Vec::new();
        let mut bits = [0u64; WORDS];
        let add_managed =
            |arn: &'a str, identity: &mut Vec<NamedPolicy<'a>>, bits: &mut ActionBits| {
                let named = self
                    .managed(arn)
                    .or_else(|| self.unresolved.get(arn).map(|d| NamedPolicy::new(arn, d)));
                if let Some(n) = named {
                    let b = self
                        .policy_bits
                        .get(arn)
                        .copied()
                        .unwrap_or([u64::MAX; WORDS]);
                    for w in 0..WORDS {
                        bits[w] |= b[w];
                    }
                    identity.push(n);
                }
            };
        for (name, doc) in &info.inline_policies {
            let b = self.doc_bits(doc);
            for w in 0..WORDS {
                bits[w] |= b[w];
            }
            identity.push(NamedPolicy::new(format!("{}#{}", info.arn, name), doc));
        }
        for arn in &info.attached_policy_arns {
            add_managed(arn, &mut identity, &mut bits);
        }
        for g in &info.group_arns {
            let Some(&gi) = self.groups.get(g.as_str()) else {
                tracing::warn!(group_arn = %g, principal_arn = %info.arn, "group missing from snapshot");
                continue;
            };
            let group = &self.snap.groups[gi];
            for (name, doc) in &group.inline_policies {
                let b = self.doc_bits(doc);
                for w in 0..WORDS {
                    bits[w] |= b[w];
                }
                identity.push(NamedPolicy::new(format!("{}#{}", group.arn, name), doc));
            }
            for arn in &group.attached_policy_arns {
                add_managed(arn, &mut identity, &mut bits);
            }
        }
        let boundary = info.permissions_boundary_arn.as_deref().and_then(|arn| {
            self.managed(arn)
                .or_else(|| self.unresolved.get(arn).map(|d| NamedPolicy::new(arn, d)))
        });
        let slr = role.is_some_and(RoleInfo::is_service_linked);
        // SCPs govern every principal of a member account except service-linked roles.
        let scps = if slr || self.snap.is_management_account {
            Vec::new()
        } else {
            self.snap
                .scps
                .iter()
                .map(|lvl| {
                    lvl.iter()
                        .map(|(id, doc)| NamedPolicy::new(id.as_str(), doc))
                        .collect()
                })
                .collect()
        };
        let principal = match info.kind {
            PrincipalKind::Role => Principal::role(&info.arn),
            _ => Principal::user(&info.arn),
        }
        .with_tags(info.tags.clone());
        let mut principal = principal;
        principal.account = Some(self.snap.account_id.clone());
        Ok(View {
            info,
            principal,
            identity,
            boundary,
            scps,
            bits,
        })
    }

    fn account_arn(&self, template: &str) -> String {
        template.replace("{account}", &self.snap.account_id)
    }

    fn ctx(&self, view: &View<'_>, action: &str, resource: &str) -> RequestContext {
        RequestContext::new(view.principal.clone(), action, resource)
            .with_resource_account(&self.snap.account_id)
    }

    fn admin_eval(&self, view: &View<'_>, set: &PolicySet<'_>) -> Evaluation {
        let probe = |(action, resource): (&str, &str)| {
            evaluate(set, &self.ctx(view, action, &self.account_arn(resource)))
        };
        let wildcard = probe(WILDCARD_PROBE);
        let iam = probe(IAM_WILDCARD_PROBE);
        let head = match (wildcard.decision, iam.decision) {
            (Decision::Allow, _) => wildcard,
            (_, Decision::Allow) => iam,
            (Decision::Conditional, _) => wildcard,
            (_, Decision::Conditional) => iam,
            _ => return iam,
        };
        let mut result = head;
        for p in ADMIN_PROBES {
            let ev = probe(*p);
            match ev.decision {
                Decision::Allow => {}
                Decision::Conditional => {
                    result.decision = Decision::Conditional;
                    result.undecided_keys.extend(ev.undecided_keys);
                }
                _ => return ev,
            }
        }
        result
    }

    /// Whether a user or role is administrator of the account: allowed `*` on `*` (or
    /// `iam:*`, which is admin-equivalent) and not denied the key IAM write actions.
    pub fn is_admin(&self, principal_arn: &str) -> Result<Evaluation, EscalationError> {
        let view = self.view(principal_arn)?;
        let set = view.set(true);
        Ok(self.admin_eval(&view, &set))
    }

    /// Two-way `sts:AssumeRole` check of a principal of this snapshot on a role of it.
    pub fn can_assume(
        &self,
        principal_arn: &str,
        role_arn: &str,
    ) -> Result<Evaluation, EscalationError> {
        let view = self.view(principal_arn)?;
        let role = self
            .roles
            .get(role_arn)
            .map(|&i| &self.snap.roles[i])
            .ok_or_else(|| EscalationError::UnknownRole(role_arn.to_string()))?;
        Ok(assume_role(
            &view.set(true),
            &role.trust_policy,
            &self.ctx(&view, "sts:AssumeRole", role_arn),
        ))
    }

    /// Two-way `sts:AssumeRole` check of a principal of this snapshot on a role of another
    /// account's snapshot (cross-account trust).
    pub fn can_assume_in(
        &self,
        principal_arn: &str,
        other: &SnapshotIndex<'_>,
        role_arn: &str,
    ) -> Result<Evaluation, EscalationError> {
        let view = self.view(principal_arn)?;
        let role = other
            .roles
            .get(role_arn)
            .map(|&i| &other.snap.roles[i])
            .ok_or_else(|| EscalationError::UnknownRole(role_arn.to_string()))?;
        let ctx = RequestContext::new(view.principal.clone(), "sts:AssumeRole", role_arn)
            .with_resource_account(&other.snap.account_id);
        Ok(assume_role(&view.set(true), &role.trust_policy, &ctx))
    }

    fn entity_arns(&self, kind: EntityKind) -> Vec<(usize, &'s str)> {
        match kind {
            EntityKind::User => self
                .snap
                .users
                .iter()
                .enumerate()
                .map(|(i, u)| (i, u.arn.as_str()))
                .collect(),
            EntityKind::Role => self
                .snap
                .roles
                .iter()
                .enumerate()
                .map(|(i, r)| (i, r.arn()))
                .collect(),
            EntityKind::Group => self
                .snap
                .groups
                .iter()
                .enumerate()
                .map(|(i, g)| (i, g.arn.as_str()))
                .collect(),
            EntityKind::Policy => self
                .held_policies
                .iter()
                .enumerate()
                .map(|(i, (arn, _))| (i, *arn))
                .collect(),
            EntityKind::Resource(k) => self
                .resources_by_kind
                .get(&k)
                .map(|v| {
                    v.iter()
                        .map(|&i| (i, self.snap.resources[i].arn.as_str()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn entity_arn(&self, kind: EntityKind, i: usize) -> &'s str {
        match kind {
            EntityKind::User => &self.snap.users[i].arn,
            EntityKind::Role => self.snap.roles[i].arn(),
            EntityKind::Group => &self.snap.groups[i].arn,
            EntityKind::Policy => self.held_policies[i].0,
            EntityKind::Resource(_) => &self.snap.resources[i].arn,
        }
    }

    fn lookup(&self, kind: EntityKind, arn: &str) -> Option<usize> {
        match kind {
            EntityKind::User => self.users.get(arn).copied(),
            EntityKind::Role => self.roles.get(arn).copied(),
            EntityKind::Group => self.groups.get(arn).copied(),
            EntityKind::Policy => self.held_policy_index.get(arn).copied(),
            EntityKind::Resource(k) => self
                .resources
                .get(arn)
                .copied()
                .filter(|&i| self.snap.resources[i].kind == k),
        }
    }

    fn count(&self, kind: EntityKind) -> usize {
        match kind {
            EntityKind::User => self.snap.users.len(),
            EntityKind::Role => self.snap.roles.len(),
            EntityKind::Group => self.snap.groups.len(),
            EntityKind::Policy => self.held_policies.len(),
            EntityKind::Resource(k) => self.resources_by_kind.get(&k).map_or(0, Vec::len),
        }
    }

    /// Entities of `kind` that some Allow statement of the principal could grant `action`
    /// on. `None` means "all of them". A superset: the evaluator decides afterwards.
    fn candidates(&self, view: &View<'_>, action: &str, kind: EntityKind) -> Option<Vec<usize>> {
        let action_lower = action.to_ascii_lowercase();
        let probe_ctx = self.ctx(view, action, "*");
        let mut out: Vec<usize> = Vec::new();
        for policy in &view.identity {
            for st in &policy.document.statements {
                if st.effect != Effect::Allow || !st.matches_action(&action_lower) {
                    continue;
                }
                let patterns = match &st.resource {
                    Some(Negatable::Is(list)) => list,
                    // No Resource, or NotResource: anything may match.
                    _ => return None,
                };
                for pattern in patterns {
                    let tokens: Cow<'_, [Tok]> = match &pattern.tokens {
                        Some(t) => Cow::Borrowed(t),
                        None => match variables::resolve_tokens(&pattern.raw, &probe_ctx, false) {
                            Ok(t) => Cow::Owned(t),
                            Err(variables::Missing::Absent) => continue,
                            Err(variables::Missing::Unknown(_)) => return None,
                        },
                    };
                    if tokens.iter().all(|t| *t == Tok::Many) {
                        return None;
                    }
                    if glob::is_literal(&tokens) {
                        let text: Vec<u8> = tokens
                            .iter()
                            .filter_map(|t| if let Tok::Lit(b) = t { Some(*b) } else { None })
                            .collect();
                        if let Some(i) = std::str::from_utf8(&text)
                            .ok()
                            .and_then(|a| self.lookup(kind, a))
                        {
                            out.push(i);
                        }
                        continue;
                    }
                    if let Some(name) = literal_tail(&tokens) {
                        // Only entities whose ARN ends in this name can match: look them up
                        // instead of scanning every entity (the pattern differs per caller
                        // when it holds a variable, so a scan would not be memoised).
                        if let Some(named) = std::str::from_utf8(&name)
                            .ok()
                            .and_then(|n| self.by_name.get(&(kind, n)))
                        {
                            out.extend(named.iter().copied().filter(|&i| {
                                crate::policy::arn::matches(&tokens, self.entity_arn(kind, i))
                            }));
                        }
                        continue;
                    }
                    out.extend(self.scan(kind, tokens.into_owned()).iter().copied());
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    fn scan(&self, kind: EntityKind, tokens: Vec<Tok>) -> Arc<Vec<usize>> {
        let key = (kind, tokens);
        if let Ok(cache) = self.pattern_cache.read() {
            if let Some(hit) = cache.get(&key) {
                return Arc::clone(hit);
            }
        }
        let matches: Vec<usize> = self
            .entity_arns(kind)
            .into_iter()
            .filter(|(_, arn)| crate::policy::arn::matches(&key.1, arn))
            .map(|(i, _)| i)
            .collect();
        let matches = Arc::new(matches);
        if let Ok(mut cache) = self.pattern_cache.write() {
            cache.insert(key, Arc::clone(&matches));
        }
        matches
    }

    /// Evaluates every requirement of `rule` for one victim.
    fn check(
        &self,
        view: &View<'_>,
        set: &PolicySet<'_>,
        rule: &EscalationRule,
        victim: Option<&str>,
        victim_role: Option<&str>,
        service: Option<&str>,
    ) -> Option<Check> {
        let mut check = Check {
            conditional: false,
            keys: BTreeSet::new(),
            evidence: Vec::new(),
            assumptions: Vec::new(),
        };
        for r in rule.requires {
            let resource: String = match r.on {
                On::Anything => "*".to_string(),
                On::Victim => victim?.to_string(),
                On::VictimRole | On::Holder => victim_role?.to_string(),
                On::SelfPrincipal => view.info.arn.clone(),
                On::NewArn(t) => self.account_arn(t),
            };
            let mut ctx = self.ctx(view, r.action, &resource);
            if let Some(s) = service.filter(|_| r.action.eq_ignore_ascii_case("iam:PassRole")) {
                ctx.set_key("iam:PassedToService", [s]);
            }
            let trust = if r.action.eq_ignore_ascii_case("sts:AssumeRole")
                && matches!(r.on, On::Victim | On::Holder)
            {
                self.roles
                    .get(resource.as_str())
                    .map(|&i| &self.snap.roles[i].trust_policy)
            } else {
                None
            };
            let ev = match trust {
                Some(t) => assume_role(set, t, &ctx),
                None => evaluate(set, &ctx),
            };
            let (conditional, keys) = tri_of(&ev)?;
            check.conditional |= conditional;
            check.keys.extend(keys.iter().cloned());
            for e in ev.evidence.iter().filter(|e| {
                e.effect == Effect::Allow
                    && matches!(e.layer, PolicyLayer::Identity | PolicyLayer::Resource)
            }) {
                check.evidence.push(EdgeEvidence {
                    policy: e.policy_id.clone(),
                    statement_index: e.statement_index,
                    sid: e.sid.clone(),
                    action: r.action.to_string(),
                    resource: resource.clone(),
                });
            }
        }
        Some(check)
    }

    fn edge(
        &self,
        rule: &'static EscalationRule,
        target: Target,
        check: Check,
    ) -> SharedEscalation {
        SharedEscalation {
            rule_id: rule.id,
            target,
            evidence: check.evidence.into(),
            conditional: check.conditional,
            undecided_keys: Arc::new(check.keys),
            assumptions: if check.assumptions.is_empty() {
                no_assumptions()
            } else {
                check.assumptions.into()
            },
        }
    }

    /// Attached customer-managed policies of the principal (directly or through groups).
    fn attached_customer_policies(&self, view: &View<'_>) -> Vec<&'s str> {
        let mut arns: Vec<&'s str> = Vec::new();
        let mut push = |arn: &'s str| {
            if self.snap.policies.get(arn).is_some_and(|p| !p.aws_managed) && !arns.contains(&arn) {
                arns.push(arn);
            }
        };
        let info: &'s PrincipalInfo = if let Some(&i) = self.users.get(view.info.arn.as_str()) {
            &self.snap.users[i]
        } else if let Some(&i) = self.roles.get(view.info.arn.as_str()) {
            &self.snap.roles[i].principal
        } else {
            return arns;
        };
        for a in &info.attached_policy_arns {
            push(a);
        }
        for g in &info.group_arns {
            if let Some(&gi) = self.groups.get(g.as_str()) {
                for a in &self.snap.groups[gi].attached_policy_arns {
                    push(a);
                }
            }
        }
        arns
    }

    /// All escalation edges starting at one user or role.
    pub fn escalations(&self, principal_arn: &str) -> Result<Vec<EscalationEdge>, EscalationError> {
        Ok(self.admin_and_escalations(principal_arn)?.1)
    }

    /// [`Self::is_admin`] and [`Self::escalations`] of one principal in one pass (the
    /// principal's view and the admin probes are computed once).
    pub fn admin_and_escalations(
        &self,
        principal_arn: &str,
    ) -> Result<(Evaluation, Vec<EscalationEdge>), EscalationError> {
        let (admin, edges) = self.admin_and_edges(principal_arn, false)?;
        let edges = edges.iter().map(|e| e.to_edge(principal_arn)).collect();
        Ok((admin, edges))
    }

    /// [`Self::admin_and_escalations`] for bulk callers (the privilege graph): edges of one
    /// rule to the same target are merged (several instances running as one role give one
    /// edge, with every instance in the evidence), and evidence is shared between callers
    /// whose relevant statements are the same, so a principal costs what its distinct
    /// findings cost rather than one evaluation per victim.
    pub fn admin_and_shared_escalations(
        &self,
        principal_arn: &str,
    ) -> Result<(Evaluation, Vec<SharedEscalation>), EscalationError> {
        self.admin_and_edges(principal_arn, true)
    }

    fn admin_and_edges(
        &self,
        principal_arn: &str,
        merge: bool,
    ) -> Result<(Evaluation, Vec<SharedEscalation>), EscalationError> {
        let view = self.view(principal_arn)?;
        let set = view.set(true);
        let admin = self.admin_eval(&view, &set);
        if admin.decision == Decision::Allow {
            return Ok((admin, Vec::new()));
        }
        let edges = self.rule_edges(&view, &set, merge);
        Ok((admin, edges))
    }

    fn rule_edges(
        &self,
        view: &View<'_>,
        set: &PolicySet<'_>,
        merge: bool,
    ) -> Vec<SharedEscalation> {
        let mut edges = Vec::new();
        for rule in all_rules() {
            let applies = match rule.applies {
                Applies::Any => true,
                Applies::Users => view.info.kind == PrincipalKind::User,
                Applies::Roles => view.info.kind == PrincipalKind::Role,
            };
            // AssumeRole can be granted by the trust policy alone (same account), so its
            // identity-side prefilter would be wrong.
            let prefilter = rule.mechanism == Mechanism::AssumeRole
                || rule
                    .requires
                    .iter()
                    .all(|r| self.possible(&view.bits, r.action));
            if !applies || !prefilter {
                continue;
            }
            self.apply_rule(rule, view, set, merge, &mut edges);
        }
        // An edge through an assumed resource only adds a conditional way to reach its
        // target: keep one per target, and none where a decided edge (or another rule's
        // assumed edge) already reaches it. Without this, every technique on a kind the
        // input does not list would add an edge per caller and trusting role.
        if edges.iter().any(|e| !e.assumptions.is_empty()) {
            let decided: HashSet<Target> = edges
                .iter()
                .filter(|e| e.assumptions.is_empty())
                .map(|e| e.target.clone())
                .collect();
            let mut assumed: HashSet<Target> = HashSet::new();
            edges.retain(|e| {
                e.assumptions.is_empty()
                    || (!decided.contains(&e.target) && assumed.insert(e.target.clone()))
            });
        }
        edges
    }

    /// A key naming everything a rule's checks read about the caller, or `None` when they
    /// may read who the caller is. Two callers with the same key get the same check
    /// result on every victim: same kind, same SCP applicability, the same policies (in
    /// the same order) holding a statement that can match one of the rule's actions,
    /// the same boundary, and none of those statements depends on the caller
    /// ([`crate::policy::Statement::depends_on_caller`]).
    fn caller_class(&self, view: &View<'_>, rule: &EscalationRule) -> Option<String> {
        let actions: Vec<String> = rule
            .requires
            .iter()
            .map(|r| r.action.to_ascii_lowercase())
            .collect();
        let mut key = format!("{:?}\u{1f}{}", view.info.kind, view.scps.len());
        let add = |key: &mut String, policy: &NamedPolicy<'_>| -> Option<()> {
            let mut relevant = false;
            for st in &policy.document.statements {
                if actions.iter().any(|a| st.matches_action(a)) {
                    if st.depends_on_caller() {
                        return None;
                    }
                    relevant = true;
                }
            }
            if relevant {
                key.push('\u{1f}');
                key.push_str(&policy.id);
            }
            Some(())
        };
        for policy in &view.identity {
            add(&mut key, policy)?;
        }
        key.push('\u{1e}');
        if let Some(b) = &view.boundary {
            add(&mut key, b)?;
            key.push('\u{1e}');
            key.push_str(&b.id);
        }
        for level in &view.scps {
            key.push('\u{1e}');
            for policy in level {
                add(&mut key, policy)?;
                key.push('\u{1d}');
                key.push_str(&policy.id);
            }
        }
        Some(key)
    }

    /// `compute()` for this caller, shared with every caller of the same class.
    fn shared_checks(
        &self,
        view: &View<'_>,
        rule: &'static EscalationRule,
        merge: bool,
        compute: impl FnOnce() -> Vec<(usize, SharedEscalation)>,
    ) -> VictimChecks {
        let compute = || {
            if merge {
                merge_by_target(compute())
            } else {
                compute()
            }
        };
        let Some(class) = self.caller_class(view, rule) else {
            return Arc::new(compute());
        };
        let key = (class, rule.id, merge);
        if let Ok(memo) = self.victim_checks.read() {
            if let Some(hit) = memo.get(&key) {
                return Arc::clone(hit);
            }
        }
        let checks = Arc::new(compute());
        if let Ok(mut memo) = self.victim_checks.write() {
            memo.entry(key).or_insert_with(|| Arc::clone(&checks));
        }
        checks
    }

    /// Stand-in ARNs of a resource of `kind` the caller's grants of `action` could cover:
    /// the kind's template named `pathwarden-assumed`, and each Resource pattern of an
    /// Allow statement for the action made concrete (account, region and wildcards
    /// filled in) when the result is still an ARN of that kind.
    fn assumed_arns(&self, view: &View<'_>, action: &str, kind: ResourceKind) -> Vec<String> {
        let template = kind
            .arn_template()
            .replace("{account}", &self.snap.account_id);
        let mut out = vec![template.replace("{name}", "pathwarden-assumed")];
        let parts: Vec<&str> = template.splitn(6, ':').collect();
        let Some(resource_type) = parts.get(5).map(|r| {
            let end = r.find(['/', ':']).map_or(r.len(), |i| i + 1);
            &r[..end]
        }) else {
            return out;
        };
        let action_lower = action.to_ascii_lowercase();
        for policy in &view.identity {
            for st in &policy.document.statements {
                if st.effect != Effect::Allow || !st.matches_action(&action_lower) {
                    continue;
                }
                let Some(Negatable::Is(list)) = &st.resource else {
                    continue;
                };
                for pattern in list {
                    if pattern.tokens.is_none() || pattern.raw == "*" {
                        continue;
                    }
                    let given: Vec<&str> = pattern.raw.splitn(6, ':').collect();
                    if given.len() != 6 {
                        continue;
                    }
                    let mut filled: Vec<String> = Vec::with_capacity(6);
                    for (k, seg) in given.iter().enumerate() {
                        let wild = seg.contains(['*', '?']);
                        filled.push(match k {
                            0 => seg.to_string(),
                            1..=4 if wild => parts.get(k).copied().unwrap_or("").to_string(),
                            1..=4 => seg.to_string(),
                            _ => seg.replace('*', "pathwarden-assumed").replace('?', "x"),
                        });
                    }
                    let arn = filled.join(":");
                    // A resource runs with a role of its own account only.
                    if filled.get(2).map(String::as_str) == parts.get(2).copied()
                        && filled.get(4) == Some(&self.snap.account_id)
                        && filled[5].starts_with(resource_type)
                        && crate::policy::arn::matches_str(&pattern.raw, &arn)
                        && !out.contains(&arn)
                    {
                        out.push(arn);
                    }
                }
            }
        }
        out
    }

    /// Edges through resources of `kind` the input does not list (its inventory of that
    /// service is absent): for every role that could run on such a resource (it trusts
    /// the kind's service and, for EC2, sits in an instance profile), the rule is
    /// checked on a stand-in resource and reported as conditional, naming the assumption.
    fn assumed_resources(
        &self,
        view: &View<'_>,
        set: &PolicySet<'_>,
        rule: &'static EscalationRule,
        kind: ResourceKind,
        action: &str,
        out: &mut Vec<(usize, SharedEscalation)>,
    ) {
        let Some(trusting) = self.service_roles.get(kind.service_principal()) else {
            return;
        };
        let listed: HashSet<&str> = out
            .iter()
            .filter_map(|(_, e)| match &e.target {
                Target::Role(r) => Some(r.as_str()),
                _ => None,
            })
            .collect();
        let arns = self.assumed_arns(view, action, kind);
        let per_role = rule.requires.iter().any(|r| r.on == On::VictimRole);
        // The check reads the role only through VictimRole requirements: without them
        // one check per stand-in ARN serves every role.
        let best = |role: Option<&str>| -> Option<Check> {
            firmest(
                arns.iter()
                    .filter_map(|arn| self.check(view, set, rule, Some(arn), role, None)),
            )
        };
        let shared = if per_role { None } else { best(None) };
        if !per_role && shared.is_none() {
            return;
        }
        let key = format!("pathwarden:ResourceExists/{}", kind.id());
        let mut found = Vec::new();
        for &(i, trust_conditional) in trusting {
            let role = &self.snap.roles[i];
            if role.is_service_linked()
                || listed.contains(role.arn())
                || (kind.needs_instance_profile() && role.instance_profile_arns.is_empty())
            {
                continue;
            }
            let check = match &shared {
                Some(c) => Some(Check {
                    conditional: c.conditional,
                    keys: c.keys.clone(),
                    evidence: c.evidence.clone(),
                    assumptions: Vec::new(),
                }),
                None => best(Some(role.arn())),
            };
            let Some(mut c) = check else { continue };
            c.conditional = true;
            c.keys.insert(key.clone());
            if trust_conditional {
                c.keys.insert(format!("trust:{}", kind.service_principal()));
            }
            let runs_as = if kind.needs_instance_profile() {
                format!(
                    "with instance profile {} (role {})",
                    role.instance_profile_arns.join(", "),
                    role.arn()
                )
            } else {
                format!("as role {}", role.arn())
            };
            c.assumptions.push(format!(
                "assumes {} running {runs_as} exists: the input has no inventory of that service",
                kind.label()
            ));
            found.push((
                usize::MAX - i,
                self.edge(rule, Target::Role(role.arn().to_string()), c),
            ));
        }
        out.extend(found);
    }

    /// Whether entity `i` can be the victim of a takeover of `kind` by the caller: not the
    /// caller itself, not a service-linked role (IAM refuses to edit those), and for
    /// password techniques a user whose login profile is in the state the action needs.
    fn takeover_victim(
        &self,
        view: &View<'_>,
        kind: VictimKind,
        entity: EntityKind,
        i: usize,
    ) -> bool {
        match entity {
            EntityKind::User => {
                let u = &self.snap.users[i];
                let wrong_state = match kind {
                    VictimKind::UserWithoutLoginProfile => u.has_login_profile == Some(true),
                    VictimKind::UserWithLoginProfile => u.has_login_profile == Some(false),
                    _ => false,
                };
                !wrong_state && u.arn != view.info.arn
            }
            EntityKind::Role => {
                let r = &self.snap.roles[i];
                !r.is_service_linked() && r.arn() != view.info.arn
            }
            _ => false,
        }
    }

    fn first_victim_action(rule: &EscalationRule) -> Option<&'static str> {
        rule.requires
            .iter()
            .find(|r| r.on == On::Victim)
            .map(|r| r.action)
    }

    fn apply_rule(
        &self,
        rule: &'static EscalationRule,
        view: &View<'_>,
        set: &PolicySet<'_>,
        merge: bool,
        edges: &mut Vec<SharedEscalation>,
    ) {
        let account = || Target::Admin {
            account: self.snap.account_id.clone(),
        };
        match rule.mechanism {
            Mechanism::SelfGrant(what) => {
                let victims: Vec<String> = match what {
                    SelfTarget::Principal => vec![view.info.arn.clone()],
                    SelfTarget::Group => view.info.group_arns.clone(),
                    SelfTarget::AttachedPolicy => self
                        .attached_customer_policies(view)
                        .into_iter()
                        .map(str::to_string)
                        .collect(),
                    SelfTarget::NewResource => vec![String::new()],
                };
                let best = firmest(
                    victims
                        .iter()
                        .filter_map(|v| self.check(view, set, rule, Some(v), None, None)),
                );
                if let Some(c) = best {
                    edges.push(self.edge(rule, account(), c));
                }
            }
            Mechanism::DefaultVersionRollback => {
                for arn in self.attached_customer_policies(view) {
                    let Some(policy) = self.snap.policies.get(arn) else {
                        continue;
                    };
                    let admin_version = policy.other_versions.iter().any(|doc| {
                        let only = PolicySet::identity(vec![NamedPolicy::new(arn, doc)]);
                        self.admin_eval(view, &only).decision.is_possible()
                    });
                    if !admin_version {
                        continue;
                    }
                    if let Some(c) = self.check(view, set, rule, Some(arn), None, None) {
                        edges.push(self.edge(rule, account(), c));
                        break;
                    }
                }
            }
            Mechanism::DropBoundary => {
                if view.boundary.is_none() {
                    return;
                }
                let unbounded = view.set(false);
                let admin = self.admin_eval(view, &unbounded);
                let Some((conditional, keys)) = tri_of(&admin) else {
                    return;
                };
                let keys = keys.clone();
                if let Some(mut c) = self.check(view, set, rule, None, None, None) {
                    c.conditional |= conditional;
                    c.keys.extend(keys);
                    edges.push(self.edge(rule, account(), c));
                }
            }
            Mechanism::TakeOver(kind) => {
                let Some(action) = Self::first_victim_action(rule) else {
                    return;
                };
                let entity = match kind {
                    VictimKind::Role => EntityKind::Role,
                    VictimKind::Group => EntityKind::Group,
                    _ => EntityKind::User,
                };
                let candidates = self
                    .candidates(view, action, entity)
                    .unwrap_or_else(|| (0..self.count(entity)).collect());
                for i in candidates {
                    let (arn, target) = match entity {
                        EntityKind::User => {
                            let u = &self.snap.users[i];
                            let skip = match kind {
                                VictimKind::UserWithoutLoginProfile => {
                                    u.has_login_profile == Some(true)
                                }
                                VictimKind::UserWithLoginProfile => {
                                    u.has_login_profile == Some(false)
                                }
                                _ => false,
                            };
                            if skip || u.arn == view.info.arn {
                                continue;
                            }
                            (u.arn.as_str(), Target::User(u.arn.clone()))
                        }
                        EntityKind::Role => {
                            let r = &self.snap.roles[i];
                            // IAM refuses to edit service-linked roles.
                            if r.is_service_linked() || r.arn() == view.info.arn {
                                continue;
                            }
                            (r.arn(), Target::Role(r.arn().to_string()))
                        }
                        _ => {
                            let g = &self.snap.groups[i];
                            if view.info.group_arns.contains(&g.arn) {
                                continue;
                            }
                            (g.arn.as_str(), Target::Group(g.arn.clone()))
                        }
                    };
                    if let Some(c) = self.check(view, set, rule, Some(arn), None, None) {
                        edges.push(self.edge(rule, target, c));
                    }
                }
            }
            Mechanism::EditAssumableRole => {
                let Some(action) = Self::first_victim_action(rule) else {
                    return;
                };
                let candidates = self
                    .candidates(view, action, EntityKind::Role)
                    .unwrap_or_else(|| (0..self.snap.roles.len()).collect());
                let best = firmest(candidates.into_iter().filter_map(|i| {
                    let r = &self.snap.roles[i];
                    if r.is_service_linked() || r.arn() == view.info.arn {
                        return None;
                    }
                    self.check(view, set, rule, Some(r.arn()), None, None)
                }));
                if let Some(c) = best {
                    edges.push(self.edge(rule, account(), c));
                }
            }
            Mechanism::EditThenTakeOver(kind) => {
                let Some(action) = Self::first_victim_action(rule) else {
                    return;
                };
                let entity = if kind == VictimKind::Role {
                    EntityKind::Role
                } else {
                    EntityKind::User
                };
                let candidates = self
                    .candidates(view, action, entity)
                    .unwrap_or_else(|| (0..self.count(entity)).collect());
                let best = firmest(candidates.into_iter().filter_map(|i| {
                    if !self.takeover_victim(view, kind, entity, i) {
                        return None;
                    }
                    let arn = self.entity_arn(entity, i);
                    self.check(view, set, rule, Some(arn), None, None)
                }));
                if let Some(c) = best {
                    edges.push(self.edge(rule, account(), c));
                }
            }
            Mechanism::EditPolicyThenTakeOver(kind) => {
                let Some(action) = Self::first_victim_action(rule) else {
                    return;
                };
                let candidates = self
                    .candidates(view, action, EntityKind::Policy)
                    .unwrap_or_else(|| (0..self.held_policies.len()).collect());
                let wanted = if kind == VictimKind::Role {
                    EntityKind::Role
                } else {
                    EntityKind::User
                };
                let best = firmest(candidates.into_iter().flat_map(|p| {
                    let (policy_arn, holders) = &self.held_policies[p];
                    holders.iter().filter_map(move |&(entity, i)| {
                        if entity != wanted || !self.takeover_victim(view, kind, entity, i) {
                            return None;
                        }
                        let holder = self.entity_arn(entity, i);
                        self.check(view, set, rule, Some(policy_arn), Some(holder), None)
                    })
                }));
                if let Some(c) = best {
                    edges.push(self.edge(rule, account(), c));
                }
            }
            Mechanism::AssumeRole => {
                let mut candidates: Vec<usize> = Vec::new();
                if let Some(v) = self.trust_by_arn.get(view.info.arn.as_str()) {
                    candidates.extend(v);
                }
                // A trust naming the account only delegates: the caller also needs an
                // identity grant, which the bitset can rule out cheaply.
                if self.possible(&view.bits, "sts:AssumeRole") {
                    if let Some(v) = self.trust_by_account.get(self.snap.account_id.as_str()) {
                        candidates.extend(v);
                    }
                }
                candidates.extend(&self.trust_open);
                candidates.sort_unstable();
                candidates.dedup();
                for i in candidates {
                    let r = &self.snap.roles[i];
                    if r.arn() == view.info.arn {
                        continue;
                    }
                    if let Some(c) = self.check(view, set, rule, Some(r.arn()), None, None) {
                        edges.push(self.edge(rule, Target::Role(r.arn().to_string()), c));
                    }
                }
            }
            Mechanism::PassRole {
                service,
                instance_profile,
            } => {
                let Some(trusting) = self.service_roles.get(service) else {
                    return;
                };
                // Which roles the caller's class can pass (the same for every member);
                // the caller itself is left out afterwards.
                let checks = self.shared_checks(view, rule, false, || {
                    let allowed: Option<HashSet<usize>> = self
                        .candidates(view, "iam:PassRole", EntityKind::Role)
                        .map(|v| v.into_iter().collect());
                    let mut out = Vec::new();
                    for &(i, trust_conditional) in trusting {
                        if allowed.as_ref().is_some_and(|a| !a.contains(&i)) {
                            continue;
                        }
                        let r = &self.snap.roles[i];
                        // Service-linked roles cannot be passed; EC2 needs an instance
                        // profile.
                        if r.is_service_linked()
                            || (instance_profile && r.instance_profile_arns.is_empty())
                        {
                            continue;
                        }
                        if let Some(mut c) =
                            self.check(view, set, rule, Some(r.arn()), None, Some(service))
                        {
                            if trust_conditional {
                                c.conditional = true;
                                c.keys.insert(format!("trust:{service}"));
                            }
                            out.push((i, self.edge(rule, Target::Role(r.arn().to_string()), c)));
                        }
                    }
                    out
                });
                for (i, e) in checks.iter() {
                    if self.snap.roles[*i].arn() == view.info.arn {
                        continue;
                    }
                    edges.push(e.clone());
                }
            }
            Mechanism::Hijack(kind) => {
                let Some(action) = Self::first_victim_action(rule) else {
                    return;
                };
                let entity = EntityKind::Resource(kind);
                // Which resources the caller's class can take over (the same for every
                // member); resources running as the caller itself are left out afterwards.
                let checks = self.shared_checks(view, rule, merge, || {
                    let candidates = self.candidates(view, action, entity).unwrap_or_else(|| {
                        self.resources_by_kind
                            .get(&kind)
                            .cloned()
                            .unwrap_or_default()
                    });
                    let mut out = Vec::new();
                    for i in candidates {
                        let res = &self.snap.resources[i];
                        if res.kind != kind {
                            continue;
                        }
                        if let Some(c) =
                            self.check(view, set, rule, Some(&res.arn), Some(&res.role_arn), None)
                        {
                            out.push((i, self.edge(rule, Target::Role(res.role_arn.clone()), c)));
                        }
                    }
                    if !self.snap.inventoried.contains(&kind) {
                        self.assumed_resources(view, set, rule, kind, action, &mut out);
                    }
                    out
                });
                for (_, e) in checks.iter() {
                    // The caller running as itself gains nothing.
                    if matches!(&e.target, Target::Role(r) if *r == view.info.arn) {
                        continue;
                    }
                    edges.push(e.clone());
                }
            }
        }
    }

    /// Escalation edges of every user and role in the snapshot.
    pub fn all_escalations(&self) -> Vec<EscalationEdge> {
        let arns = self
            .snap
            .users
            .iter()
            .map(|u| u.arn.as_str())
            .chain(self.snap.roles.iter().map(|r| r.arn()));
        arns.filter_map(|a| self.escalations(a).ok())
            .flatten()
            .collect()
    }
}

/// One-off: is this principal admin? Builds a [`SnapshotIndex`]; use one directly for bulk.
pub fn is_admin(
    principal_arn: &str,
    snapshot: &AccountSnapshot,
) -> Result<Evaluation, EscalationError> {
    SnapshotIndex::new(snapshot).is_admin(principal_arn)
}

/// One-off: escalation edges of one principal. Builds a [`SnapshotIndex`].
pub fn escalations(
    principal_arn: &str,
    snapshot: &AccountSnapshot,
) -> Result<Vec<EscalationEdge>, EscalationError> {
    SnapshotIndex::new(snapshot).escalations(principal_arn)
}

/// One-off: two-way AssumeRole check. Builds a [`SnapshotIndex`].
pub fn can_assume(
    principal_arn: &str,
    role_arn: &str,
    snapshot: &AccountSnapshot,
) -> Result<Evaluation, EscalationError> {
    SnapshotIndex::new(snapshot).can_assume(principal_arn, role_arn)
}

/// The first check that is not conditional (the search stops there), else the first
/// conditional one.
fn firmest(checks: impl Iterator<Item = Check>) -> Option<Check> {
    let mut first = None;
    for c in checks {
        if !c.conditional {
            return Some(c);
        }
        first.get_or_insert(c);
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tail(pattern: &str) -> Option<String> {
        literal_tail(&glob::compile(pattern, false)).and_then(|b| String::from_utf8(b).ok())
    }

    #[test]
    fn literal_tail_names_every_arn_a_pattern_can_match() {
        assert_eq!(tail("arn:aws:iam::*:user/alice").as_deref(), Some("alice"));
        assert_eq!(
            tail("arn:aws:iam::*:user/*/alice").as_deref(),
            Some("alice")
        );
        assert_eq!(tail("arn:aws:iam::123:alice").as_deref(), Some("alice"));
        assert_eq!(tail("arn:aws:iam::*:user/al*"), None);
        assert_eq!(tail("arn:aws:iam::*:user/*alice"), None);
        assert_eq!(tail("arn:aws:iam::*:user/"), None);
        assert_eq!(tail("*"), None);
        let patterns = [
            "arn:aws:iam::*:user/alice",
            "arn:aws:iam::*:user/*/alice",
            "arn:aws:iam::1:*alice",
            "arn:aws:iam::?:user/alice",
            "arn:aws:*:*:*:alice",
            "*/alice",
            "*:alice",
        ];
        let arns = [
            "arn:aws:iam::1:user/alice",
            "arn:aws:iam::1:user/team/alice",
            "arn:aws:iam::1:user/xalice",
            "arn:aws:iam::1:role/alice",
            "arn:aws:iam::1:alice",
            "arn:aws:iam::1:user/alice/bob",
            "arn:aws:iam::1:user/alice:x",
        ];
        for p in patterns {
            let Some(name) = tail(p) else { continue };
            for a in arns {
                if crate::policy::arn::matches_str(p, a) {
                    assert_eq!(last_segment(a), name, "{p} matches {a}");
                }
            }
        }
    }
}
