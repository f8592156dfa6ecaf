//! Applies the Azure rules to every principal of a snapshot.
//!
//! Per principal: its identities (itself and its groups, nested), the RBAC assignments
//! they hold (checked through [`Rbac::check_ids`]: inheritance, NotActions, deny
//! assignments, conditions), its directory role assignments (active and PIM-eligible, with
//! their directory scope), its Microsoft Graph application permissions, and the objects it
//! owns. Rules whose actions none of its roles grant anywhere are skipped before any
//! scope is checked.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::entra::{BUILT_IN_ROLES, LIMITED_ROLES, ROLE_ASSIGNMENTS_ALL, permission_covers};
use super::model::{
    AzureSnapshot, DirectoryAssignment, DirectoryRole, PrincipalType, management_group_admin_key,
    subscription_admin_key, tenant_admin_key,
};
use super::rbac::{Decision, Plane, RoleAssignment};
use super::rules::{Action, AzureRule, EntraReach, RULES, Shape};
use super::scope::Scope;

/// What an edge reaches.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AzureTarget {
    /// An Admin node (`admin:azure/...`).
    Admin(String),
    /// A principal (object id): the source can act as it.
    Principal(String),
    /// A key vault or storage account (ARM id, lower-case) and the access class.
    Resource {
        /// ARM id, lower-case.
        id: String,
        /// `secrets` or `keys`.
        class: &'static str,
    },
}

/// One grant behind an edge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AzureHit {
    /// `azure-role-assignment:<id>`, `entra-role-assignment:<id>`,
    /// `entra-role-eligibility:<id>`, `graph-app-role:<sp>/<permission>` or `owner:<object id>`.
    pub grant: String,
    /// Role name, Graph permission, or `owner`.
    pub role: String,
    /// Where the grant applies (ARM scope or directory scope).
    pub scope: String,
    /// The action or permission it gave.
    pub permission: String,
}

/// One escalation (or direct admin) edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureEdge {
    /// Rule id.
    pub rule_id: &'static str,
    /// Object id of the source.
    pub source: String,
    /// What it reaches.
    pub target: AzureTarget,
    /// The principal already is administrator (ADMIN_OF rather than CAN_ESCALATE).
    pub direct_admin: bool,
    /// Held only through assignments with ABAC conditions.
    pub conditional: bool,
    /// Held only through PIM-eligible assignments (activation needed).
    pub eligible: bool,
    /// The grants behind it.
    pub evidence: Vec<AzureHit>,
}

/// A directory permission grant of one principal.
#[derive(Debug, Clone)]
struct DirGrant<'a> {
    assignment: &'a DirectoryAssignment,
    role: &'a DirectoryRole,
}

/// Everything the rules look up, built once per snapshot.
pub struct AzureIndex<'a> {
    /// The snapshot.
    pub snapshot: &'a AzureSnapshot,
    roles: HashMap<String, DirectoryRole>,
    dir_by_principal: HashMap<String, Vec<usize>>,
    graph_by_principal: HashMap<String, Vec<usize>>,
    owned: HashMap<String, Vec<String>>,
    app_sps: HashMap<String, Vec<String>>,
    privileged: HashSet<String>,
    assignment_by_id: HashMap<&'a str, &'a RoleAssignment>,
    admin_scopes: Vec<(Scope, String, String)>,
    workloads: Vec<(Scope, &'a super::model::Workload)>,
    identities: Vec<(Scope, &'a super::model::UserAssignedIdentity)>,
    stores: Vec<(Scope, &'a super::model::SecretStore)>,
    /// Scope → indexes of the workloads, identities and stores at or below it: the
    /// candidates of a principal are those below the scopes of its assignments.
    workloads_under: HashMap<Scope, Vec<usize>>,
    identities_under: HashMap<Scope, Vec<usize>>,
    stores_under: HashMap<Scope, Vec<usize>>,
    /// Object ids by principal type.
    by_type: HashMap<PrincipalType, Vec<&'a str>>,
}

/// Scope → indexes of the items whose scope is at or below it.
fn under<T>(h: &super::scope::Hierarchy, items: &[(Scope, T)]) -> HashMap<Scope, Vec<usize>> {
    let mut out: HashMap<Scope, Vec<usize>> = HashMap::new();
    for (i, (scope, _)) in items.iter().enumerate() {
        for a in h.ancestors(scope) {
            out.entry(a).or_default().push(i);
        }
    }
    out
}

/// The indexes under any of `scopes`, each once, in order.
fn candidates(index: &HashMap<Scope, Vec<usize>>, scopes: &[&Scope]) -> Vec<usize> {
    let mut out: Vec<usize> = scopes
        .iter()
        .filter_map(|s| index.get(*s))
        .flatten()
        .copied()
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

impl<'a> AzureIndex<'a> {
    /// Index a snapshot.
    pub fn new(snapshot: &'a AzureSnapshot) -> Self {
        let mut roles: HashMap<String, DirectoryRole> = BUILT_IN_ROLES
            .iter()
            .map(|(id, name, perms)| {
                (
                    id.to_string(),
                    DirectoryRole {
                        id: id.to_string(),
                        name: name.to_string(),
                        permissions: perms.iter().map(|p| p.to_string()).collect(),
                        built_in: true,
                    },
                )
            })
            .collect();
        for (id, r) in &snapshot.directory_roles {
            roles.insert(id.to_ascii_lowercase(), r.clone());
        }
        let mut dir_by_principal: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, a) in snapshot.directory_assignments.iter().enumerate() {
            dir_by_principal
                .entry(a.principal_id.to_ascii_lowercase())
                .or_default()
                .push(i);
        }
        let mut graph_by_principal: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, g) in snapshot.app_role_grants.iter().enumerate() {
            graph_by_principal
                .entry(g.principal_id.to_ascii_lowercase())
                .or_default()
                .push(i);
        }
        let mut owned: HashMap<String, Vec<String>> = HashMap::new();
        let mut app_sps: HashMap<String, Vec<String>> = HashMap::new();
        for p in snapshot.principals.values() {
            for o in &p.owners {
                owned
                    .entry(o.to_ascii_lowercase())
                    .or_default()
                    .push(p.id.clone());
            }
            if matches!(p.kind, PrincipalType::ServicePrincipal)
                && let Some(app) = &p.app_id
            {
                app_sps
                    .entry(app.to_ascii_lowercase())
                    .or_default()
                    .push(p.id.clone());
            }
        }
        // Users Entra protects from password resets by lesser administrators: holders of a
        // directory role beyond the limited ones (active or eligible), and members of
        // role-assignable groups.
        let mut privileged: HashSet<String> = HashSet::new();
        for a in &snapshot.directory_assignments {
            if !LIMITED_ROLES.contains(&a.role_id.to_ascii_lowercase().as_str()) {
                privileged.insert(a.principal_id.to_ascii_lowercase());
            }
        }
        for g in snapshot.principals.values().filter(|p| p.role_assignable) {
            for m in snapshot.rbac.members_of(&g.id) {
                privileged.insert(m.clone());
            }
        }
        let assignment_by_id = snapshot
            .rbac
            .assignments()
            .iter()
            .map(|a| (a.id.as_str(), a))
            .collect();
        let mut admin_scopes = Vec::new();
        for (mg, name) in &snapshot.management_groups {
            admin_scopes.push((
                Scope::ManagementGroup(mg.clone()),
                management_group_admin_key(mg),
                name.clone(),
            ));
        }
        for (sub, name) in &snapshot.subscriptions {
            admin_scopes.push((
                Scope::Subscription(sub.clone()),
                subscription_admin_key(sub),
                name.clone(),
            ));
        }
        let parse = |id: &str| Scope::parse(id).ok();
        let workloads: Vec<(Scope, &super::model::Workload)> = snapshot
            .workloads
            .iter()
            .filter_map(|w| Some((parse(&w.id)?, w)))
            .collect();
        let identities: Vec<(Scope, &super::model::UserAssignedIdentity)> = snapshot
            .user_assigned_identities
            .iter()
            .filter_map(|w| Some((parse(&w.id)?, w)))
            .collect();
        let stores: Vec<(Scope, &super::model::SecretStore)> = snapshot
            .secret_stores
            .iter()
            .filter_map(|w| Some((parse(&w.id)?, w)))
            .collect();
        let h = &snapshot.rbac.hierarchy;
        let mut by_type: HashMap<PrincipalType, Vec<&str>> = HashMap::new();
        for p in snapshot.principals.values() {
            by_type.entry(p.kind).or_default().push(p.id.as_str());
        }
        AzureIndex {
            workloads_under: under(h, &workloads),
            identities_under: under(h, &identities),
            stores_under: under(h, &stores),
            by_type,
            snapshot,
            roles,
            dir_by_principal,
            graph_by_principal,
            owned,
            app_sps,
            privileged,
            assignment_by_id,
            admin_scopes,
            workloads,
            identities,
            stores,
        }
    }

    /// The principals the rules run for (users, groups, service principals, managed
    /// identities; applications act through their service principals), sorted.
    pub fn sources(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .snapshot
            .principals
            .values()
            .filter(|p| p.kind != PrincipalType::Application)
            .map(|p| p.id.clone())
            .collect();
        // Principals named only by assignments (deleted objects, other tenants' guests).
        for a in self.snapshot.rbac.assignments() {
            let id = a.principal_id.to_ascii_lowercase();
            if !self.snapshot.principals.contains_key(&id) {
                out.push(id);
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn dir_grants(&self, ids: &HashSet<String>) -> Vec<DirGrant<'_>> {
        let mut out = Vec::new();
        for id in ids {
            for &i in self.dir_by_principal.get(id).into_iter().flatten() {
                let a = &self.snapshot.directory_assignments[i];
                if let Some(role) = self.roles.get(&a.role_id.to_ascii_lowercase()) {
                    out.push(DirGrant {
                        assignment: a,
                        role,
                    });
                }
            }
        }
        out.sort_by(|a, b| a.assignment.id.cmp(&b.assignment.id));
        out
    }

    fn rbac_hits(&self, decision: &Decision, action: &str) -> Vec<AzureHit> {
        let ids = match decision {
            Decision::Allow { assignments } | Decision::Conditional { assignments } => assignments,
            _ => return Vec::new(),
        };
        ids.iter()
            .map(|id| {
                let a = self.assignment_by_id.get(id.as_str());
                AzureHit {
                    grant: format!("azure-role-assignment:{id}"),
                    role: a
                        .and_then(|a| self.snapshot.rbac.definition(&a.role_definition_id))
                        .map(|d| d.role_name.clone())
                        .unwrap_or_else(|| {
                            a.map(|a| a.role_definition_id.clone()).unwrap_or_default()
                        }),
                    scope: a.map(|a| a.scope.to_string()).unwrap_or_default(),
                    permission: action.to_string(),
                }
            })
            .collect()
    }
}

fn dir_hit(g: &DirGrant<'_>, permission: &str) -> AzureHit {
    let kind = if g.assignment.eligible {
        "entra-role-eligibility"
    } else {
        "entra-role-assignment"
    };
    AzureHit {
        grant: format!("{kind}:{}", g.assignment.id),
        role: g.role.name.clone(),
        scope: g.assignment.directory_scope.clone(),
        permission: permission.to_string(),
    }
}

/// Collects edges, one per (rule, target), merging evidence.
#[derive(Default)]
struct Out {
    edges: BTreeMap<(&'static str, AzureTarget), AzureEdge>,
}

impl Out {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        rule: &'static AzureRule,
        source: &str,
        target: AzureTarget,
        direct_admin: bool,
        conditional: bool,
        eligible: bool,
        evidence: Vec<AzureHit>,
    ) {
        if target == AzureTarget::Principal(source.to_string()) {
            return;
        }
        let e = self
            .edges
            .entry((rule.id, target.clone()))
            .or_insert_with(|| AzureEdge {
                rule_id: rule.id,
                source: source.to_string(),
                target,
                direct_admin,
                conditional,
                eligible,
                evidence: Vec::new(),
            });
        // A firmer grant wins: unconditional over conditional, active over eligible.
        e.conditional &= conditional;
        e.eligible &= eligible;
        for h in evidence {
            if !e.evidence.contains(&h) {
                e.evidence.push(h);
            }
        }
    }
}

/// `(conditional, hits)` when every action of `all` and one of `any` is granted at `scope`.
fn check_actions(
    idx: &AzureIndex<'_>,
    ids: &HashSet<String>,
    scope: &Scope,
    all: &[Action],
    any: &[Action],
) -> Option<(bool, Vec<AzureHit>)> {
    let rbac = &idx.snapshot.rbac;
    let mut conditional = false;
    let mut hits = Vec::new();
    for (action, plane) in all {
        let d = rbac.check_ids(ids, action, *plane, scope);
        match d {
            Decision::Allow { .. } => {}
            Decision::Conditional { .. } => conditional = true,
            _ => return None,
        }
        hits.extend(idx.rbac_hits(&d, action));
    }
    if !any.is_empty() {
        let mut best: Option<(bool, Vec<AzureHit>)> = None;
        for (action, plane) in any {
            let d = rbac.check_ids(ids, action, *plane, scope);
            let cond = match d {
                Decision::Allow { .. } => false,
                Decision::Conditional { .. } => true,
                _ => continue,
            };
            if best.as_ref().is_none_or(|(c, _)| *c && !cond) {
                best = Some((cond, idx.rbac_hits(&d, action)));
            }
        }
        let (cond, h) = best?;
        conditional |= cond;
        hits.extend(h);
    }
    Some((conditional, hits))
}

/// Whether one of the principal's assignments grants `action` anywhere (a cheap filter
/// before scopes are checked).
fn may_hold(idx: &AzureIndex<'_>, held: &[&RoleAssignment], action: &str, plane: Plane) -> bool {
    held.iter().any(|a| {
        idx.snapshot
            .rbac
            .definition(&a.role_definition_id)
            .is_some_and(|d| d.permissions.iter().any(|p| p.grants(action, plane)))
    })
}

/// Every edge of one principal.
pub fn edges_for(idx: &AzureIndex<'_>, principal: &str) -> Vec<AzureEdge> {
    let snap = idx.snapshot;
    let me = principal.to_ascii_lowercase();
    let ids = snap.rbac.identities(&me);
    let held: Vec<&RoleAssignment> = snap.rbac.assignments_of(&ids).collect();
    let dir = idx.dir_grants(&ids);
    let graph: Vec<&super::model::AppRoleGrant> = idx
        .graph_by_principal
        .get(&me)
        .into_iter()
        .flatten()
        .map(|&i| &snap.app_role_grants[i])
        .collect();
    let owned: &[String] = idx.owned.get(&me).map(Vec::as_slice).unwrap_or(&[]);
    let mut out = Out::default();
    if held.is_empty() && dir.is_empty() && graph.is_empty() && owned.is_empty() {
        return Vec::new();
    }
    let held_scopes: Vec<&Scope> = held.iter().map(|a| &a.scope).collect();
    for rule in RULES {
        match rule.shape {
            Shape::RbacAdmin { action } => {
                if !may_hold(idx, &held, action, Plane::Control) {
                    continue;
                }
                for (scope, key, _) in &idx.admin_scopes {
                    if let Some((cond, hits)) =
                        check_actions(idx, &ids, scope, &[(action, Plane::Control)], &[])
                    {
                        out.add(
                            rule,
                            &me,
                            AzureTarget::Admin(key.clone()),
                            true,
                            cond,
                            false,
                            hits,
                        );
                    }
                }
            }
            Shape::RoleDefinitionUpdate { action } => {
                if !may_hold(idx, &held, action, Plane::Control) {
                    continue;
                }
                for a in &held {
                    let key = super::rbac::definition_key(&a.role_definition_id);
                    let Some(assignable) = snap.custom_role_scopes.get(&key) else {
                        continue;
                    };
                    let target = match &a.scope {
                        Scope::ManagementGroup(m) => management_group_admin_key(m),
                        Scope::Subscription(s) => subscription_admin_key(s),
                        _ => continue,
                    };
                    let mut cond = a.condition.is_some();
                    let mut hits = idx.rbac_hits(
                        &Decision::Allow {
                            assignments: vec![a.id.clone()],
                        },
                        "holds the custom role",
                    );
                    let mut ok = !assignable.is_empty();
                    for s in assignable {
                        let Ok(s) = Scope::parse(s) else {
                            ok = false;
                            break;
                        };
                        match check_actions(idx, &ids, &s, &[(action, Plane::Control)], &[]) {
                            Some((c, h)) => {
                                cond |= c;
                                hits.extend(h);
                            }
                            None => {
                                ok = false;
                                break;
                            }
                        }
                    }
                    if ok {
                        out.add(
                            rule,
                            &me,
                            AzureTarget::Admin(target),
                            false,
                            cond,
                            false,
                            hits,
                        );
                    }
                }
            }
            Shape::ElevateAccess { roles } => {
                let grants: Vec<&DirGrant<'_>> = dir
                    .iter()
                    .filter(|g| {
                        g.assignment.directory_scope == "/"
                            && roles
                                .iter()
                                .any(|r| r.eq_ignore_ascii_case(&g.assignment.role_id))
                    })
                    .collect();
                if grants.is_empty() {
                    continue;
                }
                let eligible = grants.iter().all(|g| g.assignment.eligible);
                let hits: Vec<AzureHit> = grants
                    .iter()
                    .map(|g| dir_hit(g, "Microsoft.Authorization/elevateAccess/Action"))
                    .collect();
                for (_, key, _) in &idx.admin_scopes {
                    out.add(
                        rule,
                        &me,
                        AzureTarget::Admin(key.clone()),
                        false,
                        false,
                        eligible,
                        hits.clone(),
                    );
                }
            }
            Shape::Workload {
                resource_type,
                all,
                any,
            } => {
                let needed = all.first().or(any.first());
                if needed.is_some_and(|(a, p)| !may_hold(idx, &held, a, *p))
                    && !any.iter().any(|(a, p)| may_hold(idx, &held, a, *p))
                {
                    continue;
                }
                for i in candidates(&idx.workloads_under, &held_scopes) {
                    let (scope, w) = &idx.workloads[i];
                    if w.resource_type != resource_type || w.identities.is_empty() {
                        continue;
                    }
                    if let Some((cond, mut hits)) = check_actions(idx, &ids, scope, all, any) {
                        for h in &mut hits {
                            h.permission = format!("{} on {}", h.permission, w.id);
                        }
                        for identity in &w.identities {
                            out.add(
                                rule,
                                &me,
                                AzureTarget::Principal(identity.to_ascii_lowercase()),
                                false,
                                cond,
                                false,
                                hits.clone(),
                            );
                        }
                    }
                }
            }
            Shape::IdentityAssign {
                assign,
                workload_write,
            } => {
                if !may_hold(idx, &held, assign, Plane::Control) {
                    continue;
                }
                // The workload write: any unconditional grant of one, wherever it applies.
                let write = held.iter().find_map(|a| {
                    let def = snap.rbac.definition(&a.role_definition_id)?;
                    let w = workload_write
                        .iter()
                        .find(|w| def.permissions.iter().any(|p| p.grants(w, Plane::Control)))?;
                    Some((a, def, *w))
                });
                let Some((wa, wdef, waction)) = write else {
                    continue;
                };
                for i in candidates(&idx.identities_under, &held_scopes) {
                    let (scope, uami) = &idx.identities[i];
                    if let Some((cond, mut hits)) =
                        check_actions(idx, &ids, scope, &[(assign, Plane::Control)], &[])
                    {
                        hits.push(AzureHit {
                            grant: format!("azure-role-assignment:{}", wa.id),
                            role: wdef.role_name.clone(),
                            scope: wa.scope.to_string(),
                            permission: waction.to_string(),
                        });
                        out.add(
                            rule,
                            &me,
                            AzureTarget::Principal(uami.principal_id.to_ascii_lowercase()),
                            false,
                            cond || wa.condition.is_some(),
                            false,
                            hits,
                        );
                    }
                }
            }
            Shape::UserAssignedIdentity { action } => {
                if !may_hold(idx, &held, action, Plane::Control) {
                    continue;
                }
                for i in candidates(&idx.identities_under, &held_scopes) {
                    let (scope, uami) = &idx.identities[i];
                    if let Some((cond, hits)) =
                        check_actions(idx, &ids, scope, &[(action, Plane::Control)], &[])
                    {
                        out.add(
                            rule,
                            &me,
                            AzureTarget::Principal(uami.principal_id.to_ascii_lowercase()),
                            false,
                            cond,
                            false,
                            hits,
                        );
                    }
                }
            }
            Shape::SecretStore {
                resource_type,
                rbac_mode,
                any,
                class,
            } => {
                if !any.iter().any(|(a, p)| may_hold(idx, &held, a, *p)) {
                    continue;
                }
                for i in candidates(&idx.stores_under, &held_scopes) {
                    let (scope, s) = &idx.stores[i];
                    if s.resource_type != resource_type
                        || rbac_mode.is_some_and(|m| m != s.rbac_authorization)
                    {
                        continue;
                    }
                    if let Some((cond, hits)) = check_actions(idx, &ids, scope, &[], any) {
                        out.add(
                            rule,
                            &me,
                            AzureTarget::Resource {
                                id: s.id.to_ascii_lowercase(),
                                class,
                            },
                            false,
                            cond,
                            false,
                            hits,
                        );
                    }
                }
            }
            Shape::Entra {
                directory,
                graph: graph_perms,
                owner,
                reach,
                privileged_roles,
            } => entra_rule(
                idx,
                rule,
                &me,
                &ids,
                &dir,
                &graph,
                owned,
                (directory, graph_perms, owner, reach, privileged_roles),
                &mut out,
            ),
        }
    }
    out.edges.into_values().collect()
}

type EntraShape = (
    &'static [&'static str],
    &'static [&'static str],
    bool,
    EntraReach,
    &'static [&'static str],
);

/// A directory grant's reach: every object (`/`), one object (`/{id}`), or none known
/// (administrative units: their members are not read).
fn covers_object(scope: &str, object: &str) -> bool {
    scope == "/"
        || scope
            .strip_prefix('/')
            .is_some_and(|s| s.eq_ignore_ascii_case(object))
}

#[allow(clippy::too_many_arguments)]
fn entra_rule(
    idx: &AzureIndex<'_>,
    rule: &'static AzureRule,
    me: &str,
    ids: &HashSet<String>,
    dir: &[DirGrant<'_>],
    graph: &[&super::model::AppRoleGrant],
    owned: &[String],
    shape: EntraShape,
    out: &mut Out,
) {
    let (directory, graph_perms, owner, reach, privileged_roles) = shape;
    let snap = idx.snapshot;
    // Directory grants giving one of the permissions, with the permission.
    let dgrants: Vec<(&DirGrant<'_>, &str)> = dir
        .iter()
        .filter_map(|g| {
            directory
                .iter()
                .find(|need| {
                    g.role
                        .permissions
                        .iter()
                        .any(|p| permission_covers(p, need))
                })
                .map(|need| (g, *need))
        })
        .collect();
    let ggrants: Vec<AzureHit> = graph
        .iter()
        .filter(|g| {
            g.resource_app_id
                .eq_ignore_ascii_case(super::entra::MICROSOFT_GRAPH_APP_ID)
                && graph_perms
                    .iter()
                    .any(|p| p.eq_ignore_ascii_case(&g.permission))
        })
        .map(|g| AzureHit {
            grant: format!("graph-app-role:{}/{}", g.principal_id, g.permission),
            role: g.permission.clone(),
            scope: "/".into(),
            permission: g.permission.clone(),
        })
        .collect();
    let owns: &[String] = if owner { owned } else { &[] };
    if dgrants.is_empty() && ggrants.is_empty() && owns.is_empty() {
        return;
    }
    // (evidence, eligible-only) of the grants covering `object`, or None.
    let grants_for = |object: &str| -> Option<(Vec<AzureHit>, bool)> {
        let mut hits = Vec::new();
        let mut active = false;
        for (g, need) in &dgrants {
            if covers_object(&g.assignment.directory_scope, object) {
                hits.push(dir_hit(g, need));
                active |= !g.assignment.eligible;
            }
        }
        if !ggrants.is_empty() {
            hits.extend(ggrants.iter().cloned());
            active = true;
        }
        if owns.iter().any(|o| o == object) {
            hits.push(AzureHit {
                grant: format!("owner:{object}"),
                role: "owner".into(),
                scope: format!("/{object}"),
                permission: "owner".into(),
            });
            active = true;
        }
        (!hits.is_empty()).then_some((hits, !active))
    };
    // Every object of a kind when a grant is tenant-wide, else only the objects named by
    // object-scoped grants and those owned.
    let wide = !ggrants.is_empty()
        || dgrants
            .iter()
            .any(|(g, _)| g.assignment.directory_scope == "/");
    let targets = |kind: PrincipalType| -> Vec<&super::model::AzurePrincipal> {
        let named: Vec<&str> = if wide {
            idx.by_type.get(&kind).cloned().unwrap_or_default()
        } else {
            let mut v: Vec<&str> = dgrants
                .iter()
                .filter_map(|(g, _)| g.assignment.directory_scope.strip_prefix('/'))
                .chain(owns.iter().map(String::as_str))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        named
            .into_iter()
            .filter_map(|id| snap.principals.get(&id.to_ascii_lowercase()))
            .filter(|p| p.kind == kind)
            .collect()
    };
    match reach {
        EntraReach::TenantAdmin => {
            if let Some((hits, eligible)) = grants_for("") {
                let direct = rule.id == "azure-entra-role-assignments";
                out.add(
                    rule,
                    me,
                    AzureTarget::Admin(tenant_admin_key(&snap.tenant_id)),
                    direct,
                    false,
                    eligible,
                    hits,
                );
            }
        }
        EntraReach::ApplicationServicePrincipals => {
            for app in targets(PrincipalType::Application) {
                let Some((hits, eligible)) = grants_for(&app.id) else {
                    continue;
                };
                let Some(app_id) = &app.app_id else { continue };
                for sp in idx
                    .app_sps
                    .get(&app_id.to_ascii_lowercase())
                    .into_iter()
                    .flatten()
                {
                    let mut hits = hits.clone();
                    for h in &mut hits {
                        h.permission = format!("{} on application {}", h.permission, app.name);
                    }
                    out.add(
                        rule,
                        me,
                        AzureTarget::Principal(sp.clone()),
                        false,
                        false,
                        eligible,
                        hits,
                    );
                }
            }
        }
        EntraReach::ServicePrincipals => {
            for sp in targets(PrincipalType::ServicePrincipal) {
                if let Some((hits, eligible)) = grants_for(&sp.id) {
                    out.add(
                        rule,
                        me,
                        AzureTarget::Principal(sp.id.clone()),
                        false,
                        false,
                        eligible,
                        hits,
                    );
                }
            }
        }
        EntraReach::Groups => {
            // Entra lets only owners and those who may assign directory roles change a
            // role-assignable group's members.
            let role_admin_grants: Vec<&DirGrant<'_>> = dir
                .iter()
                .filter(|g| {
                    g.assignment.directory_scope == "/"
                        && g.role
                            .permissions
                            .iter()
                            .any(|p| permission_covers(p, ROLE_ASSIGNMENTS_ALL))
                })
                .collect();
            let role_admin: Vec<AzureHit> = role_admin_grants
                .iter()
                .map(|g| dir_hit(g, ROLE_ASSIGNMENTS_ALL))
                .collect();
            let role_admin_eligible = role_admin_grants.iter().all(|g| g.assignment.eligible);
            for group in targets(PrincipalType::Group)
                .into_iter()
                .filter(|p| !ids.contains(&p.id))
            {
                let Some((mut hits, mut eligible)) = grants_for(&group.id) else {
                    continue;
                };
                if group.role_assignable {
                    let is_owner = owns.iter().any(|o| *o == group.id);
                    if is_owner {
                        hits.retain(|h| h.role == "owner");
                        eligible = false;
                    } else if !role_admin.is_empty() {
                        hits = role_admin.clone();
                        eligible = role_admin_eligible;
                    } else {
                        continue;
                    }
                }
                out.add(
                    rule,
                    me,
                    AzureTarget::Principal(group.id.clone()),
                    false,
                    false,
                    eligible,
                    hits,
                );
            }
        }
        EntraReach::Users => {
            let strong: Vec<&DirGrant<'_>> = dir
                .iter()
                .filter(|g| {
                    g.assignment.directory_scope == "/"
                        && privileged_roles
                            .iter()
                            .any(|r| r.eq_ignore_ascii_case(&g.assignment.role_id))
                })
                .collect();
            let mut users = targets(PrincipalType::User);
            if !strong.is_empty() && !wide {
                users = idx
                    .by_type
                    .get(&PrincipalType::User)
                    .into_iter()
                    .flatten()
                    .filter_map(|id| snap.principals.get(*id))
                    .collect();
            }
            for user in users.into_iter().filter(|p| p.id != me) {
                let Some((hits, eligible)) = grants_for(&user.id) else {
                    continue;
                };
                if idx.privileged.contains(&user.id) {
                    if strong.is_empty() {
                        continue;
                    }
                    out.add(
                        rule,
                        me,
                        AzureTarget::Principal(user.id.clone()),
                        false,
                        false,
                        strong.iter().all(|g| g.assignment.eligible),
                        strong
                            .iter()
                            .map(|g| dir_hit(g, "microsoft.directory/users/password/update"))
                            .collect(),
                    );
                } else {
                    out.add(
                        rule,
                        me,
                        AzureTarget::Principal(user.id.clone()),
                        false,
                        false,
                        eligible,
                        hits,
                    );
                }
            }
        }
    }
}

/// Every edge of every principal, in source order.
pub fn all_edges(idx: &AzureIndex<'_>) -> Vec<AzureEdge> {
    idx.sources()
        .iter()
        .flat_map(|p| edges_for(idx, p))
        .collect()
}
