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

mod class;
mod index;
mod mechanisms;

use class::VictimCheckKey;
use index::PatternCache;

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
    /// Resources of one kind in one account that the input has no inventory of: reaching
    /// them reaches every role one could run as ([`SnapshotIndex::assumed_runners`]),
    /// conditionally on such a resource existing.
    AssumedResource {
        /// Account id.
        account: String,
        /// Kind of resource.
        kind: ResourceKind,
    },
}

/// A role that an unlisted resource could run as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumedRunner {
    /// The role.
    pub role_arn: String,
    /// Undecided keys: the resource's existence, and the trust of the service when that is
    /// conditional.
    pub undecided_keys: BTreeSet<String>,
    /// "assumes a Lambda function running as role X exists: ...".
    pub assumption: String,
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
#[derive(Clone)]
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
    /// Managed policies that make their holder admin (see `index::admin_policies`).
    admin_policies: Vec<String>,
    pattern_cache: RwLock<PatternCache>,
    /// Per-victim checks of rules that enumerate many victims (PassRole, resource
    /// hijacks), shared by callers whose relevant statements are the same and do not
    /// depend on who the caller is: keyed by (caller class, rule id).
    victim_checks: RwLock<HashMap<VictimCheckKey, VictimChecks>>,
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

impl<'s> SnapshotIndex<'s> {
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

    /// The request an escalation step makes: the caller's own keys are decided — the time
    /// is now (`aws:CurrentTime`, `aws:EpochTime`; `aws:TokenIssueTime` is at most now),
    /// and a user acts with its long-term access keys, so `aws:MultiFactorAuthPresent` and
    /// `aws:TokenIssueTime` are absent from its requests. What the request's sender
    /// controls (source IP, VPC, request tags) stays undecided.
    fn ctx(&self, view: &View<'_>, action: &str, resource: &str) -> RequestContext {
        let now = chrono::Utc::now();
        let mut ctx = RequestContext::new(view.principal.clone(), action, resource)
            .with_resource_account(&self.snap.account_id)
            .with_key(
                "aws:CurrentTime",
                [now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)],
            )
            .with_key("aws:EpochTime", [now.timestamp().to_string()]);
        ctx.now = Some(now);
        if view.info.kind == PrincipalKind::User {
            ctx.set_absent("aws:MultiFactorAuthPresent");
            ctx.set_absent("aws:MultiFactorAuthAge");
            ctx.set_absent("aws:TokenIssueTime");
        }
        ctx
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
