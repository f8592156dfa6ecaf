//! Azure RBAC evaluation: who may perform an action at a scope.
//!
//! - A role definition's permission blocks each grant `Actions − NotActions` (control plane)
//!   and `DataActions − NotDataActions` (data plane); blocks and assignments are unioned.
//!   `NotActions` only subtracts from its own block: it is not a deny, so another
//!   assignment (or block) granting the action still allows it.
//! - Action patterns are case-insensitive and `*` matches any run of characters, `/`
//!   included (`*/read`, `Microsoft.Compute/*`, `Microsoft.Network/*/read`), as ARM does.
//! - An assignment applies to its scope and everything below it, resolved through the
//!   [`Hierarchy`] (management-group tree), not by comparing strings.
//! - Deny assignments override any grant for the principals they name (directly, through a
//!   group, or the everyone principal), minus their excluded principals; with
//!   `do_not_apply_to_child_scopes` they apply at their own scope only.
//! - An assignment with an ABAC `condition` grants conditionally: the result says so
//!   instead of guessing the attributes.

use std::collections::{HashMap, HashSet};

use super::scope::{Hierarchy, Scope};

/// The principal id Azure uses in deny assignments for "everyone".
pub const EVERYONE: &str = "00000000-0000-0000-0000-000000000000";

/// One permission block of a role definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permission {
    /// Control-plane actions granted.
    pub actions: Vec<String>,
    /// Control-plane actions removed from this block's grant.
    pub not_actions: Vec<String>,
    /// Data-plane actions granted.
    pub data_actions: Vec<String>,
    /// Data-plane actions removed from this block's grant.
    pub not_data_actions: Vec<String>,
}

impl Permission {
    /// Read a block from ARM's JSON (`actions`, `notActions`, `dataActions`, `notDataActions`).
    pub fn from_json(v: &serde_json::Value) -> Permission {
        let list = |k: &str| -> Vec<String> {
            v.get(k)
                .and_then(|a| a.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        Permission {
            actions: list("actions"),
            not_actions: list("notActions"),
            data_actions: list("dataActions"),
            not_data_actions: list("notDataActions"),
        }
    }

    /// Whether this block grants `action` on the given plane.
    pub fn grants(&self, action: &str, plane: Plane) -> bool {
        let (allow, minus) = match plane {
            Plane::Control => (&self.actions, &self.not_actions),
            Plane::Data => (&self.data_actions, &self.not_data_actions),
        };
        allow.iter().any(|p| action_matches(p, action))
            && !minus.iter().any(|p| action_matches(p, action))
    }
}

/// Control-plane (ARM) or data-plane operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plane {
    /// `Actions` / `NotActions`.
    Control,
    /// `DataActions` / `NotDataActions`.
    Data,
}

/// Whether the action pattern `pattern` (with `*` wildcards) matches `action`,
/// case-insensitively.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    // ARM lets a `/*/` segment match no segment at all: Managed Identity Operator's
    // `.../userAssignedIdentities/*/assign/action` grants `.../userAssignedIdentities/assign/action`.
    // Each of the first four such segments is tried both ways.
    let collapsible: Vec<usize> = pattern
        .match_indices("/*/")
        .map(|(i, _)| i)
        .take(4)
        .collect();
    for mask in 0u32..(1 << collapsible.len()) {
        let mut p = String::with_capacity(pattern.len());
        let mut at = 0;
        for (bit, &i) in collapsible.iter().enumerate() {
            if mask & (1 << bit) != 0 && i >= at {
                p.push_str(&pattern[at..i]);
                p.push('/');
                at = i + 3;
            }
        }
        p.push_str(&pattern[at..]);
        if glob_matches(&p, action) {
            return true;
        }
    }
    false
}

fn glob_matches(pattern: &str, action: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let a: Vec<char> = action.to_lowercase().chars().collect();
    // Iterative glob with backtracking to the last star: linear in practice, no recursion.
    let (mut pi, mut ai) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ai < a.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ai));
            pi += 1;
        } else if pi < p.len() && p[pi] == a[ai] {
            pi += 1;
            ai += 1;
        } else if let Some((sp, sa)) = star {
            pi = sp + 1;
            ai = sa + 1;
            star = Some((sp, sa + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A role definition (built-in or custom).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDefinition {
    /// The definition's GUID (its `name`); ids of any scope resolve to it.
    pub id: String,
    /// `roleName`.
    pub role_name: String,
    /// Permission blocks.
    pub permissions: Vec<Permission>,
}

/// A role assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssignment {
    /// Assignment id.
    pub id: String,
    /// Object id of the user, group or service principal.
    pub principal_id: String,
    /// The role definition's GUID or full id.
    pub role_definition_id: String,
    /// Where it applies.
    pub scope: Scope,
    /// ABAC condition, if any.
    pub condition: Option<String>,
}

/// A deny assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenyAssignment {
    /// Deny assignment id.
    pub id: String,
    /// Principals denied ([`EVERYONE`] for all).
    pub principals: Vec<String>,
    /// Principals exempt.
    pub exclude_principals: Vec<String>,
    /// What is denied.
    pub permissions: Vec<Permission>,
    /// Where it applies.
    pub scope: Scope,
    /// Only at `scope` itself, not below it.
    pub do_not_apply_to_child_scopes: bool,
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Granted by these assignments without conditions.
    Allow {
        /// The unconditional assignments that grant it.
        assignments: Vec<String>,
    },
    /// Granted only by assignments with ABAC conditions that were not evaluated.
    Conditional {
        /// The conditional assignments that would grant it.
        assignments: Vec<String>,
    },
    /// A deny assignment blocks it (whatever the grants).
    Denied {
        /// The deny assignment.
        deny_assignment: String,
    },
    /// No assignment grants it.
    NotGranted,
}

impl Decision {
    /// Whether the action is allowed without conditions.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }
}

/// Everything needed to answer RBAC questions for one tenant.
#[derive(Debug, Clone, Default)]
pub struct Rbac {
    /// The management-group tree.
    pub hierarchy: Hierarchy,
    definitions: HashMap<String, RoleDefinition>,
    assignments: Vec<RoleAssignment>,
    denies: Vec<DenyAssignment>,
    /// group id → direct member ids.
    members: HashMap<String, Vec<String>>,
    /// member id → groups it is a direct member of (the reverse of `members`).
    member_of: HashMap<String, Vec<String>>,
    /// principal id (lower-case) → indexes into `assignments`.
    by_principal: HashMap<String, Vec<usize>>,
}

/// The GUID at the end of a role definition id (`/subscriptions/x/providers/
/// Microsoft.Authorization/roleDefinitions/{guid}` or the bare GUID), lower-cased.
pub fn definition_key(id: &str) -> String {
    id.rsplit('/').next().unwrap_or(id).to_ascii_lowercase()
}

impl Rbac {
    /// An empty tenant with this hierarchy.
    pub fn new(hierarchy: Hierarchy) -> Self {
        Rbac {
            hierarchy,
            ..Default::default()
        }
    }

    /// Add a role definition (a later one with the same GUID replaces it).
    pub fn add_definition(&mut self, d: RoleDefinition) -> &mut Self {
        self.definitions.insert(definition_key(&d.id), d);
        self
    }

    /// Add a role assignment.
    pub fn add_assignment(&mut self, a: RoleAssignment) -> &mut Self {
        self.by_principal
            .entry(a.principal_id.to_ascii_lowercase())
            .or_default()
            .push(self.assignments.len());
        self.assignments.push(a);
        self
    }

    /// Every role assignment, in the order added.
    pub fn assignments(&self) -> &[RoleAssignment] {
        &self.assignments
    }

    /// The role definition an assignment refers to (by GUID, whatever the id's scope).
    pub fn definition(&self, id: &str) -> Option<&RoleDefinition> {
        self.definitions.get(&definition_key(id))
    }

    /// The assignments held by any of `ids` (a principal and its groups).
    pub fn assignments_of<'a>(
        &'a self,
        ids: &'a HashSet<String>,
    ) -> impl Iterator<Item = &'a RoleAssignment> + 'a {
        ids.iter()
            .filter_map(|i| self.by_principal.get(i))
            .flatten()
            .map(|&i| &self.assignments[i])
    }

    /// Whether some deny assignment blocks `action` for `ids` at `target` (whose
    /// ancestors are `ancestors`): the deny assignment's id.
    fn denied(
        &self,
        ids: &HashSet<String>,
        action: &str,
        plane: Plane,
        target: &Scope,
        ancestors: &[Scope],
    ) -> Option<String> {
        for d in &self.denies {
            let applies_here = if d.do_not_apply_to_child_scopes {
                &d.scope == target
            } else {
                ancestors.contains(&d.scope)
            };
            if !applies_here {
                continue;
            }
            let named = d
                .principals
                .iter()
                .any(|p| p == EVERYONE || ids.contains(&p.to_ascii_lowercase()));
            let excluded = d
                .exclude_principals
                .iter()
                .any(|p| ids.contains(&p.to_ascii_lowercase()));
            if named && !excluded && d.permissions.iter().any(|p| p.grants(action, plane)) {
                return Some(d.id.clone());
            }
        }
        None
    }

    /// Add a deny assignment.
    pub fn add_deny(&mut self, d: DenyAssignment) -> &mut Self {
        self.denies.push(d);
        self
    }

    /// `group` has these direct members (users, groups, service principals).
    pub fn add_group_members(&mut self, group: &str, members: &[&str]) -> &mut Self {
        let group = group.to_ascii_lowercase();
        for m in members {
            let m = m.to_ascii_lowercase();
            self.member_of
                .entry(m.clone())
                .or_default()
                .push(group.clone());
            self.members.entry(group.clone()).or_default().push(m);
        }
        self
    }

    /// The direct members of `group`.
    pub fn members_of(&self, group: &str) -> &[String] {
        self.members
            .get(&group.to_ascii_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// `principal` and every group it belongs to, directly or through nested groups.
    pub fn identities(&self, principal: &str) -> HashSet<String> {
        let mut out: HashSet<String> = HashSet::new();
        let mut todo = vec![principal.to_ascii_lowercase()];
        // Breadth over the reverse membership index: each group once, cycles end.
        while let Some(p) = todo.pop() {
            if !out.insert(p.clone()) {
                continue;
            }
            if let Some(groups) = self.member_of.get(&p) {
                todo.extend(groups.iter().filter(|g| !out.contains(*g)).cloned());
            }
        }
        out
    }

    /// May `principal` perform `action` (on `plane`) at `target`?
    pub fn check(&self, principal: &str, action: &str, plane: Plane, target: &Scope) -> Decision {
        let ids = self.identities(principal);
        self.check_ids(&ids, action, plane, target)
    }

    /// [`Rbac::check`] for a principal whose identities (itself and its groups,
    /// [`Rbac::identities`]) are already known.
    pub fn check_ids(
        &self,
        ids: &HashSet<String>,
        action: &str,
        plane: Plane,
        target: &Scope,
    ) -> Decision {
        let ancestors = self.hierarchy.ancestors(target);
        if let Some(deny_assignment) = self.denied(ids, action, plane, target, &ancestors) {
            return Decision::Denied { deny_assignment };
        }
        let mut unconditional = Vec::new();
        let mut conditional = Vec::new();
        for a in self.assignments_of(ids) {
            if !ancestors.contains(&a.scope) {
                continue;
            }
            let Some(def) = self.definitions.get(&definition_key(&a.role_definition_id)) else {
                continue;
            };
            if def.permissions.iter().any(|p| p.grants(action, plane)) {
                if a.condition.as_deref().is_some_and(|c| !c.trim().is_empty()) {
                    conditional.push(a.id.clone());
                } else {
                    unconditional.push(a.id.clone());
                }
            }
        }
        unconditional.sort();
        conditional.sort();
        if !unconditional.is_empty() {
            Decision::Allow {
                assignments: unconditional,
            }
        } else if !conditional.is_empty() {
            Decision::Conditional {
                assignments: conditional,
            }
        } else {
            Decision::NotGranted
        }
    }

    /// The principals holding an assignment that may grant `action` at `target`, with the
    /// decision for each (deny assignments and group membership applied).
    pub fn who_can(&self, action: &str, plane: Plane, target: &Scope) -> Vec<(String, Decision)> {
        let mut principals: Vec<String> = self
            .assignments
            .iter()
            .map(|a| a.principal_id.to_ascii_lowercase())
            .collect();
        // Members of assigned groups hold the grant too.
        let mut i = 0;
        while i < principals.len() {
            if let Some(m) = self.members.get(&principals[i]) {
                for x in m {
                    if !principals.contains(x) {
                        principals.push(x.clone());
                    }
                }
            }
            i += 1;
        }
        principals.sort();
        principals.dedup();
        principals
            .into_iter()
            .map(|p| {
                let d = self.check(&p, action, plane, target);
                (p, d)
            })
            .filter(|(_, d)| !matches!(d, Decision::NotGranted))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Scope {
        Scope::parse(x).unwrap_or_else(|e| panic!("{e}"))
    }

    fn perm(actions: &[&str], not_actions: &[&str]) -> Permission {
        Permission {
            actions: actions.iter().map(|x| x.to_string()).collect(),
            not_actions: not_actions.iter().map(|x| x.to_string()).collect(),
            ..Default::default()
        }
    }

    fn def(id: &str, name: &str, permissions: Vec<Permission>) -> RoleDefinition {
        RoleDefinition {
            id: format!("/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/{id}"),
            role_name: name.into(),
            permissions,
        }
    }

    fn assign(id: &str, principal: &str, role: &str, scope: &str) -> RoleAssignment {
        RoleAssignment {
            id: id.into(),
            principal_id: principal.into(),
            role_definition_id: role.into(),
            scope: s(scope),
            condition: None,
        }
    }

    const MG_PROD: &str = "/providers/Microsoft.Management/managementGroups/prod";
    const VM: &str =
        "/subscriptions/sub-a/resourceGroups/web/providers/Microsoft.Compute/virtualMachines/vm1";
    const VM_B: &str =
        "/subscriptions/sub-b/resourceGroups/web/providers/Microsoft.Compute/virtualMachines/vm1";

    fn tenant() -> Rbac {
        let mut h = Hierarchy::new();
        h.add_management_group("prod", Some("root"))
            .add_subscription("sub-a", "prod")
            .add_subscription("sub-b", "root");
        let mut r = Rbac::new(h);
        r.add_definition(def("owner", "Owner", vec![perm(&["*"], &[])]))
            .add_definition(def("reader", "Reader", vec![perm(&["*/read"], &[])]))
            .add_definition(def(
                "vm-operator",
                "VM Operator",
                vec![perm(
                    &["Microsoft.Compute/virtualMachines/*"],
                    &["Microsoft.Compute/virtualMachines/delete"],
                )],
            ))
            .add_definition(def(
                "contributor",
                "Contributor",
                vec![perm(
                    &["*"],
                    &[
                        "Microsoft.Authorization/*/Delete",
                        "Microsoft.Authorization/*/Write",
                        "Microsoft.Authorization/elevateAccess/Action",
                    ],
                )],
            ))
            .add_definition(RoleDefinition {
                id: "blob-reader".into(),
                role_name: "Storage Blob Data Reader".into(),
                permissions: vec![Permission {
                    actions: vec![
                        "Microsoft.Storage/storageAccounts/blobServices/containers/read".into(),
                    ],
                    data_actions: vec![
                        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
                            .into(),
                    ],
                    ..Default::default()
                }],
            });
        r
    }

    #[test]
    fn wildcards_match_like_arm() {
        assert!(action_matches(
            "*",
            "Microsoft.Compute/virtualMachines/start/action"
        ));
        assert!(action_matches(
            "*/read",
            "Microsoft.Network/virtualNetworks/subnets/read"
        ));
        assert!(action_matches(
            "Microsoft.Compute/*",
            "microsoft.compute/virtualmachines/delete"
        ));
        assert!(action_matches(
            "Microsoft.Network/*/read",
            "Microsoft.Network/networkSecurityGroups/securityRules/read"
        ));
        assert!(!action_matches(
            "Microsoft.Network/*/read",
            "Microsoft.Network/x/write"
        ));
        assert!(!action_matches(
            "Microsoft.Compute/*",
            "Microsoft.ComputeX/y"
        ));
        assert!(!action_matches(
            "*/read",
            "Microsoft.Compute/virtualMachines/readx"
        ));
        assert!(action_matches(
            "Microsoft.Authorization/*/Write",
            "microsoft.authorization/roleassignments/write"
        ));
        // Pathological patterns stay fast.
        let long = "a".repeat(10_000);
        assert!(!action_matches(&"*a".repeat(50), &format!("{long}b")));
    }

    #[test]
    fn assignments_inherit_down_the_management_group_tree() {
        let mut r = tenant();
        r.add_assignment(assign("ra1", "alice", "reader", MG_PROD));
        let read = "Microsoft.Compute/virtualMachines/read";
        assert!(r.check("alice", read, Plane::Control, &s(VM)).is_allowed());
        assert!(
            r.check("alice", read, Plane::Control, &s("/subscriptions/sub-a"))
                .is_allowed()
        );
        // sub-b is not under prod.
        assert_eq!(
            r.check("alice", read, Plane::Control, &s(VM_B)),
            Decision::NotGranted
        );
        // Not upwards: a resource-group assignment does not reach the subscription.
        r.add_assignment(assign(
            "ra2",
            "bob",
            "owner",
            "/subscriptions/sub-b/resourceGroups/web",
        ));
        assert!(
            r.check(
                "bob",
                "Microsoft.Compute/virtualMachines/delete",
                Plane::Control,
                &s(VM_B)
            )
            .is_allowed()
        );
        assert_eq!(
            r.check("bob", read, Plane::Control, &s("/subscriptions/sub-b")),
            Decision::NotGranted
        );
        // The root scope covers everything.
        r.add_assignment(assign("ra3", "carol", "reader", "/"));
        assert!(
            r.check("carol", read, Plane::Control, &s(VM_B))
                .is_allowed()
        );
    }

    #[test]
    fn not_actions_subtract_but_do_not_deny() {
        let mut r = tenant();
        r.add_assignment(assign("ra1", "dave", "vm-operator", "/subscriptions/sub-a"));
        let del = "Microsoft.Compute/virtualMachines/delete";
        assert!(
            r.check(
                "dave",
                "Microsoft.Compute/virtualMachines/start/action",
                Plane::Control,
                &s(VM)
            )
            .is_allowed()
        );
        assert_eq!(
            r.check("dave", del, Plane::Control, &s(VM)),
            Decision::NotGranted
        );
        // Another assignment granting delete wins: NotActions is not a deny.
        r.add_assignment(assign(
            "ra2",
            "dave",
            "owner",
            "/subscriptions/sub-a/resourceGroups/web",
        ));
        assert_eq!(
            r.check("dave", del, Plane::Control, &s(VM)),
            Decision::Allow {
                assignments: vec!["ra2".into()]
            }
        );
        // Contributor cannot write role assignments (NotActions, case-insensitive).
        r.add_assignment(assign("ra3", "erin", "contributor", "/subscriptions/sub-a"));
        assert_eq!(
            r.check(
                "erin",
                "Microsoft.Authorization/roleAssignments/write",
                Plane::Control,
                &s(VM)
            ),
            Decision::NotGranted
        );
        assert!(
            r.check(
                "erin",
                "Microsoft.Compute/virtualMachines/runCommand/action",
                Plane::Control,
                &s(VM)
            )
            .is_allowed()
        );
    }

    #[test]
    fn data_actions_are_a_separate_plane() {
        let mut r = tenant();
        let blob = s(
            "/subscriptions/sub-a/resourceGroups/data/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default/containers/c",
        );
        r.add_assignment(assign("ra1", "owner-user", "owner", "/subscriptions/sub-a"));
        let read_blob = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";
        // Owner's `*` is control plane only.
        assert_eq!(
            r.check("owner-user", read_blob, Plane::Data, &blob),
            Decision::NotGranted
        );
        r.add_assignment(assign(
            "ra2",
            "app",
            "blob-reader",
            "/subscriptions/sub-a/resourceGroups/data/providers/Microsoft.Storage/storageAccounts/acct",
        ));
        assert!(r.check("app", read_blob, Plane::Data, &blob).is_allowed());
    }

    #[test]
    fn deny_assignments_override_and_respect_exclusions() {
        let mut r = tenant();
        r.add_assignment(assign("ra1", "alice", "owner", MG_PROD));
        r.add_deny(DenyAssignment {
            id: "deny-delete".into(),
            principals: vec![EVERYONE.into()],
            exclude_principals: vec!["break-glass".into()],
            permissions: vec![perm(&["*/delete"], &[])],
            scope: s("/subscriptions/sub-a/resourceGroups/web"),
            do_not_apply_to_child_scopes: false,
        });
        let del = "Microsoft.Compute/virtualMachines/delete";
        assert_eq!(
            r.check("alice", del, Plane::Control, &s(VM)),
            Decision::Denied {
                deny_assignment: "deny-delete".into()
            }
        );
        assert!(
            r.check(
                "alice",
                "Microsoft.Compute/virtualMachines/write",
                Plane::Control,
                &s(VM)
            )
            .is_allowed()
        );
        r.add_assignment(assign("ra2", "break-glass", "owner", MG_PROD));
        assert!(
            r.check("break-glass", del, Plane::Control, &s(VM))
                .is_allowed()
        );
        // Outside the deny's scope.
        assert!(
            r.check(
                "alice",
                del,
                Plane::Control,
                &s("/subscriptions/sub-a/resourceGroups/data")
            )
            .is_allowed()
        );
        // Only at its own scope.
        r.add_deny(DenyAssignment {
            id: "deny-here".into(),
            principals: vec!["alice".into()],
            exclude_principals: vec![],
            permissions: vec![perm(&["*"], &[])],
            scope: s("/subscriptions/sub-a"),
            do_not_apply_to_child_scopes: true,
        });
        assert!(matches!(
            r.check(
                "alice",
                "Microsoft.Resources/subscriptions/read",
                Plane::Control,
                &s("/subscriptions/sub-a")
            ),
            Decision::Denied { .. }
        ));
        assert!(
            r.check(
                "alice",
                "Microsoft.Compute/virtualMachines/write",
                Plane::Control,
                &s(VM)
            )
            .is_allowed()
        );
    }

    #[test]
    fn groups_nest_and_deny_through_groups() {
        let mut r = tenant();
        r.add_group_members("admins", &["ops"])
            .add_group_members("ops", &["frank"]);
        r.add_assignment(assign("ra1", "admins", "owner", "/subscriptions/sub-a"));
        assert!(
            r.check(
                "frank",
                "Microsoft.Compute/virtualMachines/delete",
                Plane::Control,
                &s(VM)
            )
            .is_allowed()
        );
        let who: Vec<String> = r
            .who_can(
                "Microsoft.Compute/virtualMachines/delete",
                Plane::Control,
                &s(VM),
            )
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(who, ["admins", "frank", "ops"]);
        r.add_deny(DenyAssignment {
            id: "deny-ops".into(),
            principals: vec!["ops".into()],
            exclude_principals: vec![],
            permissions: vec![perm(&["*"], &[])],
            scope: Scope::Root,
            do_not_apply_to_child_scopes: false,
        });
        assert!(matches!(
            r.check(
                "frank",
                "Microsoft.Compute/virtualMachines/delete",
                Plane::Control,
                &s(VM)
            ),
            Decision::Denied { .. }
        ));
        // Membership cycles end.
        r.add_group_members("ops", &["admins"]);
        assert!(r.identities("frank").contains("admins"));
    }

    #[test]
    fn conditions_are_reported_not_guessed() {
        let mut r = tenant();
        let mut a = assign("ra1", "app", "blob-reader", "/subscriptions/sub-a");
        a.condition = Some("@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'public'".into());
        r.add_assignment(a);
        let blob = s(
            "/subscriptions/sub-a/resourceGroups/data/providers/Microsoft.Storage/storageAccounts/acct",
        );
        let read_blob = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";
        assert_eq!(
            r.check("app", read_blob, Plane::Data, &blob),
            Decision::Conditional {
                assignments: vec!["ra1".into()]
            }
        );
        // An unconditional grant elsewhere makes it a plain allow.
        r.add_assignment(assign(
            "ra2",
            "app",
            "blob-reader",
            "/subscriptions/sub-a/resourceGroups/data",
        ));
        assert!(r.check("app", read_blob, Plane::Data, &blob).is_allowed());
    }

    #[test]
    fn unknown_roles_and_other_principals_grant_nothing() {
        let mut r = tenant();
        r.add_assignment(assign("ra1", "alice", "no-such-role", "/"));
        assert_eq!(
            r.check("alice", "x/read", Plane::Control, &s(VM)),
            Decision::NotGranted
        );
        r.add_assignment(assign("ra2", "alice", "OWNER", "/"));
        assert!(
            r.check("ALICE", "x/read", Plane::Control, &s(VM))
                .is_allowed(),
            "ids compare case-insensitively"
        );
        assert_eq!(
            r.check("mallory", "x/read", Plane::Control, &s(VM)),
            Decision::NotGranted
        );
    }
}
