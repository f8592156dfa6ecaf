//! Applies the GCP rules to every principal of a snapshot.

use std::collections::HashSet;

use super::evaluate::{Check, GcpIndex, Grants, Hit};
use super::model::{GcpInstance, GcpServiceAccount};
use super::rules::{GcpRule, RULES, Shape};

/// What an edge reaches.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GcpTarget {
    /// Owner-equivalent of `organizations/<id>` or `projects/<projectId>`.
    Admin(String),
    /// The service account with this email.
    ServiceAccount(String),
}

/// One escalation (or direct admin) edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcpEdge {
    /// Rule id.
    pub rule_id: &'static str,
    /// IAM member string of the source.
    pub source: String,
    /// What it reaches.
    pub target: GcpTarget,
    /// True for [`Shape::Admin`]: the member already is owner-equivalent.
    pub direct_admin: bool,
    /// Some needed permission comes only from conditional bindings, or the edge relies on
    /// an assumption.
    pub conditional: bool,
    /// The bindings behind each needed permission.
    pub evidence: Vec<Hit>,
    /// What the edge assumes beyond the input (e.g. a VM token limited by its scopes).
    pub assumption: Option<String>,
}

const ACT_AS: &str = "iam.serviceAccounts.actAs";
const TOKEN_PERMISSIONS: &[&str] = &[
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.signJwt",
];

/// All of `perms` on `chain`: the checks, or `None` when one is missing.
fn all(
    idx: &GcpIndex<'_>,
    grants: &Grants<'_>,
    chain: &[String],
    perms: &[&str],
) -> Option<Vec<Check>> {
    perms.iter().map(|p| idx.check(grants, chain, p)).collect()
}

/// One of `perms` (an unconditional one preferred); `Some(None)` when none is asked.
fn any(
    idx: &GcpIndex<'_>,
    grants: &Grants<'_>,
    chain: &[String],
    perms: &[&str],
) -> Option<Option<Check>> {
    if perms.is_empty() {
        return Some(None);
    }
    let found: Vec<Check> = perms
        .iter()
        .filter_map(|p| idx.check(grants, chain, p))
        .collect();
    let best = found
        .iter()
        .find(|c| !c.conditional)
        .or(found.first())
        .cloned()?;
    Some(Some(best))
}

fn edge(
    rule: &'static GcpRule,
    source: &str,
    target: GcpTarget,
    checks: Vec<Check>,
    assumption: Option<String>,
) -> GcpEdge {
    GcpEdge {
        rule_id: rule.id,
        source: source.to_string(),
        target,
        direct_admin: matches!(rule.shape, Shape::Admin { .. }),
        conditional: checks.iter().any(|c| c.conditional) || assumption.is_some(),
        evidence: checks.into_iter().map(|c| c.hit).collect(),
        assumption,
    }
}

/// Every edge of one principal.
pub fn edges_for(idx: &GcpIndex<'_>, member: &str) -> Vec<GcpEdge> {
    let grants = idx.grants(member);
    if grants.is_empty() {
        return Vec::new();
    }
    let snap = idx.snapshot;
    let mut out: Vec<GcpEdge> = Vec::new();
    // Projects the member already is firm owner-equivalent of: no further edges there.
    let mut firm_admin: HashSet<String> = HashSet::new();
    for rule in RULES {
        if let Shape::Admin { permission, level } = rule.shape {
            let resources: Vec<String> = match level {
                "organizations" => snap.organizations.clone(),
                _ => snap
                    .projects
                    .iter()
                    .map(|p| format!("projects/{p}"))
                    .collect(),
            };
            for r in resources {
                if let Some(c) = idx.check(&grants, &snap.chain(&r), permission) {
                    if !c.conditional {
                        firm_admin.insert(r.clone());
                    }
                    out.push(edge(rule, member, GcpTarget::Admin(r), vec![c], None));
                }
            }
        }
    }
    let admin_of = |project: &str| firm_admin.contains(&format!("projects/{project}"));
    for rule in RULES {
        match rule.shape {
            Shape::Admin { .. } => {}
            Shape::AdminOfProjectsBelow { permission, level } => {
                let scopes = match level {
                    "organizations" => &snap.organizations,
                    _ => &snap.folders,
                };
                for scope in scopes {
                    let Some(c) = idx.check(&grants, &snap.chain(scope), permission) else {
                        continue;
                    };
                    for p in snap.projects_under(scope) {
                        if !admin_of(&p) {
                            out.push(edge(
                                rule,
                                member,
                                GcpTarget::Admin(format!("projects/{p}")),
                                vec![c.clone()],
                                None,
                            ));
                        }
                    }
                }
            }
            Shape::ServiceAccount {
                on_account,
                on_project,
                any_on_project,
            } => {
                for sa in usable_accounts(snap.service_accounts.iter(), member) {
                    if admin_of(&sa.project) {
                        continue;
                    }
                    let chain = snap.chain(&sa.resource());
                    let Some(mut checks) = all(idx, &grants, &chain, on_account) else {
                        continue;
                    };
                    let project_chain = &chain[1.min(chain.len())..];
                    let Some(more) = all(idx, &grants, project_chain, on_project) else {
                        continue;
                    };
                    let Some(one) = any(idx, &grants, project_chain, any_on_project) else {
                        continue;
                    };
                    checks.extend(more);
                    checks.extend(one);
                    out.push(edge(
                        rule,
                        member,
                        GcpTarget::ServiceAccount(sa.email.clone()),
                        checks,
                        None,
                    ));
                }
            }
            Shape::Instance { on_instance } => {
                for (vm, sa) in instances_as(idx, member) {
                    if admin_of(&sa.project) {
                        continue;
                    }
                    let Some(mut checks) =
                        all(idx, &grants, &snap.chain(&vm.resource), on_instance)
                    else {
                        continue;
                    };
                    let Some(act) = idx.check(&grants, &snap.chain(&sa.resource()), ACT_AS) else {
                        continue;
                    };
                    checks.push(act);
                    out.push(edge(
                        rule,
                        member,
                        GcpTarget::ServiceAccount(sa.email.clone()),
                        checks,
                        scope_assumption(vm),
                    ));
                }
            }
            Shape::ProjectInstances { on_project } => {
                for (vm, sa) in instances_as(idx, member) {
                    if admin_of(&sa.project) {
                        continue;
                    }
                    let project = format!("projects/{}", vm.project);
                    let Some(mut checks) = all(idx, &grants, &snap.chain(&project), on_project)
                    else {
                        continue;
                    };
                    let Some(act) = idx.check(&grants, &snap.chain(&sa.resource()), ACT_AS) else {
                        continue;
                    };
                    checks.push(act);
                    out.push(edge(
                        rule,
                        member,
                        GcpTarget::ServiceAccount(sa.email.clone()),
                        checks,
                        scope_assumption(vm),
                    ));
                }
            }
            Shape::RoleUpdate => role_update(idx, &grants, rule, member, &admin_of, &mut out),
            Shape::ImplicitDelegation => {
                implicit_delegation(idx, &grants, rule, member, &admin_of, &mut out)
            }
        }
    }
    dedup(out)
}

/// Enabled accounts other than the member itself.
fn usable_accounts<'s>(
    accounts: impl Iterator<Item = &'s GcpServiceAccount>,
    member: &str,
) -> impl Iterator<Item = &'s GcpServiceAccount> {
    let own = member.strip_prefix("serviceAccount:").map(str::to_string);
    accounts.filter(move |s| !s.disabled && own.as_deref() != Some(s.email.as_str()))
}

/// Instances running as an enabled account other than the member.
fn instances_as<'s>(
    idx: &GcpIndex<'s>,
    member: &str,
) -> Vec<(&'s GcpInstance, &'s GcpServiceAccount)> {
    let snap = idx.snapshot;
    let accounts: Vec<&GcpServiceAccount> =
        usable_accounts(snap.service_accounts.iter(), member).collect();
    snap.instances
        .iter()
        .filter_map(|vm| {
            let sa = accounts.iter().find(|s| s.email == vm.service_account)?;
            Some((vm, *sa))
        })
        .collect()
}

/// A VM's token is limited by its OAuth scopes: without `cloud-platform` (or `iam`) the
/// account's IAM permissions are only partly usable from it.
fn scope_assumption(vm: &GcpInstance) -> Option<String> {
    (!vm.token_unrestricted())
        .then(|| format!("VM token limited to scopes {}", vm.scopes.join(", ")))
}

/// `iam.roles.update` on a custom role the member holds at some scope.
fn role_update(
    idx: &GcpIndex<'_>,
    grants: &Grants<'_>,
    rule: &'static GcpRule,
    member: &str,
    admin_of: &dyn Fn(&str) -> bool,
    out: &mut Vec<GcpEdge>,
) {
    let snap = idx.snapshot;
    for (scope, binding, named) in grants.iter() {
        let role = binding.role.as_str();
        let Some(parent) = custom_role_parent(role) else {
            continue;
        };
        let Some(update) = idx.check(grants, &snap.chain(&parent), "iam.roles.update") else {
            continue;
        };
        let held = crate::gcp::evaluate::Check {
            conditional: binding.condition.is_some(),
            hit: Hit {
                scope: scope.to_string(),
                role: role.to_string(),
                via_member: named.to_string(),
                permission: "(holds the role)".into(),
                resource: scope.to_string(),
                condition: binding.condition_label(),
            },
        };
        let targets: Vec<GcpTarget> = if scope.starts_with("organizations/") {
            vec![GcpTarget::Admin(scope.to_string())]
        } else if let Some(project) = scope.strip_prefix("projects/").filter(|p| !p.contains('/')) {
            if admin_of(project) {
                continue;
            }
            vec![GcpTarget::Admin(scope.to_string())]
        } else if scope.starts_with("folders/") {
            snap.projects_under(scope)
                .into_iter()
                .filter(|p| !admin_of(p))
                .map(|p| GcpTarget::Admin(format!("projects/{p}")))
                .collect()
        } else if let Some(email) = scope.rsplit_once("/serviceAccounts/").map(|(_, e)| e) {
            vec![GcpTarget::ServiceAccount(email.to_string())]
        } else {
            Vec::new()
        };
        for t in targets {
            out.push(edge(
                rule,
                member,
                t,
                vec![held.clone(), update.clone()],
                None,
            ));
        }
    }
}

/// `projects/p/roles/x` → `projects/p`; `organizations/1/roles/x` → `organizations/1`.
fn custom_role_parent(role: &str) -> Option<String> {
    let (parent, _) = role.split_once("/roles/")?;
    (parent.starts_with("projects/") || parent.starts_with("organizations/"))
        .then(|| parent.to_string())
}

/// implicitDelegation on an intermediate account that can mint the target's token.
fn implicit_delegation(
    idx: &GcpIndex<'_>,
    grants: &Grants<'_>,
    rule: &'static GcpRule,
    member: &str,
    admin_of: &dyn Fn(&str) -> bool,
    out: &mut Vec<GcpEdge>,
) {
    let snap = idx.snapshot;
    for mid in usable_accounts(snap.service_accounts.iter(), member) {
        let Some(delegate) = idx.check(
            grants,
            &snap.chain(&mid.resource()),
            "iam.serviceAccounts.implicitDelegation",
        ) else {
            continue;
        };
        let mid_grants = idx.grants(&mid.member());
        for target in usable_accounts(snap.service_accounts.iter(), member) {
            if target.email == mid.email || admin_of(&target.project) {
                continue;
            }
            let chain = snap.chain(&target.resource());
            let Some(mint) = TOKEN_PERMISSIONS
                .iter()
                .find_map(|p| idx.check(&mid_grants, &chain, p))
            else {
                continue;
            };
            out.push(edge(
                rule,
                member,
                GcpTarget::ServiceAccount(target.email.clone()),
                vec![delegate.clone(), mint],
                None,
            ));
        }
    }
}

/// One edge per (rule, target): an unconditional one preferred.
fn dedup(mut edges: Vec<GcpEdge>) -> Vec<GcpEdge> {
    edges.sort_by(|a, b| {
        (a.rule_id, &a.target, a.conditional).cmp(&(b.rule_id, &b.target, b.conditional))
    });
    edges.dedup_by(|later, first| later.rule_id == first.rule_id && later.target == first.target);
    edges
}

/// Every edge of every principal of the index.
pub fn all_edges(idx: &GcpIndex<'_>) -> Vec<GcpEdge> {
    idx.members()
        .iter()
        .flat_map(|m| edges_for(idx, m))
        .collect()
}
