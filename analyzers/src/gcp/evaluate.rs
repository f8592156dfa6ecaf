//! Effective permissions on the GCP resource hierarchy: a member holds a permission on a
//! resource when a binding on the resource or on any ancestor (project → folders →
//! organization) grants it a role that includes the permission, to the member itself or
//! to a member that stands for it (`allUsers`, `allAuthenticatedUsers`, its domain).
//! A grant that exists only through conditional bindings is reported as conditional,
//! never as a plain allow.

use std::collections::{BTreeSet, HashMap};

use super::model::{GcpBinding, GcpSnapshot};
use super::roles::RoleCatalog;

/// One binding behind a permission: where it was granted, which role, which condition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    /// Resource whose IAM policy holds the binding.
    pub scope: String,
    /// Role granted.
    pub role: String,
    /// The member the binding names (the principal itself, or `allUsers`, `domain:...`).
    pub via_member: String,
    /// Permission that was checked.
    pub permission: String,
    /// Resource it was checked on.
    pub resource: String,
    /// The binding's condition (title or expression), when it has one.
    pub condition: Option<String>,
}

/// The outcome of a permission check that found a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Only conditional bindings grant it.
    pub conditional: bool,
    /// The binding behind it (an unconditional one when there is one).
    pub hit: Hit,
}

/// A member's grants: `(scope, binding, member named)`.
#[derive(Debug, Clone, Default)]
pub struct Grants<'a> {
    list: Vec<(&'a str, &'a GcpBinding, &'a str)>,
}

impl<'a> Grants<'a> {
    /// No grant at all.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The grants.
    pub fn iter(&self) -> impl Iterator<Item = &(&'a str, &'a GcpBinding, &'a str)> {
        self.list.iter()
    }

    /// Scopes the member holds any role at.
    pub fn scopes(&self) -> BTreeSet<&'a str> {
        self.list.iter().map(|(s, _, _)| *s).collect()
    }
}

/// Index over a snapshot: grants by member, roles resolved.
#[derive(Debug)]
pub struct GcpIndex<'a> {
    /// The snapshot.
    pub snapshot: &'a GcpSnapshot,
    /// Role permissions.
    pub roles: RoleCatalog,
    by_member: HashMap<&'a str, Vec<(&'a str, &'a GcpBinding)>>,
}

/// Members that stand for every principal: bindings to them apply to everyone.
const EVERYONE: &[&str] = &["allUsers", "allAuthenticatedUsers"];

impl<'a> GcpIndex<'a> {
    /// Index a snapshot.
    pub fn new(snapshot: &'a GcpSnapshot) -> GcpIndex<'a> {
        let mut by_member: HashMap<&'a str, Vec<(&'a str, &'a GcpBinding)>> = HashMap::new();
        for (scope, bindings) in &snapshot.policies {
            for b in bindings {
                for m in &b.members {
                    by_member
                        .entry(m.as_str())
                        .or_default()
                        .push((scope.as_str(), b));
                }
            }
        }
        GcpIndex {
            snapshot,
            roles: RoleCatalog::new(&snapshot.roles),
            by_member,
        }
    }

    /// Every principal: members of any binding (except deleted ones and the legacy
    /// bucket convenience members) and every service account.
    pub fn members(&self) -> Vec<String> {
        let mut out: BTreeSet<String> = self
            .by_member
            .keys()
            .filter(|m| is_principal(m))
            .map(|m| m.to_string())
            .collect();
        out.extend(self.snapshot.service_accounts.iter().map(|s| s.member()));
        out.into_iter().collect()
    }

    /// The grants that apply to `member`: its own, everyone's, and its domain's.
    pub fn grants(&self, member: &str) -> Grants<'a> {
        let mut list = Vec::new();
        let mut add = |named: &str| {
            if let Some((key, v)) = self.by_member.get_key_value(named) {
                list.extend(v.iter().map(|(s, b)| (*s, *b, *key)));
            }
        };
        add(member);
        if member != "allUsers" {
            add("allUsers");
            if member != "allAuthenticatedUsers" {
                add("allAuthenticatedUsers");
            }
        }
        if let Some(domain) = domain_of(member) {
            add(&format!("domain:{domain}"));
        }
        Grants { list }
    }

    /// Whether `grants` give `permission` on a resource whose chain (the resource and its
    /// ancestors) is `chain`; an unconditional binding is preferred.
    pub fn check(&self, grants: &Grants<'a>, chain: &[String], permission: &str) -> Option<Check> {
        let mut conditional: Option<Hit> = None;
        for (scope, b, named) in grants.iter() {
            if !chain.iter().any(|c| c == scope) || !self.roles.grants(&b.role, permission) {
                continue;
            }
            let hit = Hit {
                scope: scope.to_string(),
                role: b.role.clone(),
                via_member: named.to_string(),
                permission: permission.to_string(),
                resource: chain.first().cloned().unwrap_or_default(),
                condition: b.condition_label(),
            };
            if b.condition.is_none() {
                return Some(Check {
                    conditional: false,
                    hit,
                });
            }
            conditional.get_or_insert(hit);
        }
        conditional.map(|hit| Check {
            conditional: true,
            hit,
        })
    }

    /// [`Self::check`] for one member.
    pub fn member_check(&self, member: &str, resource: &str, permission: &str) -> Option<Check> {
        let chain = self.snapshot.chain(resource);
        self.check(&self.grants(member), &chain, permission)
    }
}

/// Members that are principals (graph nodes); `deleted:` members and the Cloud Storage
/// legacy convenience members (`projectOwner:p`) are not.
pub fn is_principal(member: &str) -> bool {
    if EVERYONE.contains(&member) {
        return true;
    }
    matches!(
        member.split_once(':').map(|(k, _)| k),
        Some("user" | "group" | "serviceAccount" | "domain" | "principal" | "principalSet")
    )
}

/// The domain of a user or group member (`user:a@example.com` → `example.com`).
fn domain_of(member: &str) -> Option<&str> {
    let rest = member
        .strip_prefix("user:")
        .or_else(|| member.strip_prefix("group:"))?;
    rest.rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn snap() -> GcpSnapshot {
        let mut s = GcpSnapshot {
            organizations: vec!["organizations/1".into()],
            folders: vec!["folders/2".into()],
            projects: vec!["p".into(), "q".into()],
            ..GcpSnapshot::default()
        };
        s.parents
            .insert("folders/2".into(), "organizations/1".into());
        s.parents.insert("projects/p".into(), "folders/2".into());
        s.parents
            .insert("projects/q".into(), "organizations/1".into());
        s.policies.insert(
            "folders/2".into(),
            GcpBinding::from_policy(&json!({"bindings": [
                {"role": "roles/resourcemanager.projectIamAdmin", "members": ["user:a@x.com"]},
                {"role": "roles/owner", "members": ["user:b@x.com"], "condition": {"title": "tmp", "expression": "request.time < timestamp('2030-01-01T00:00:00Z')"}},
            ]})),
        );
        s.policies.insert(
            "organizations/1".into(),
            GcpBinding::from_policy(&json!({"bindings": [
                {"role": "roles/iam.serviceAccountUser", "members": ["domain:x.com"]},
            ]})),
        );
        s
    }

    #[test]
    fn ancestors_grant_and_siblings_do_not() {
        let s = snap();
        let idx = GcpIndex::new(&s);
        let c = idx
            .member_check(
                "user:a@x.com",
                "projects/p",
                "resourcemanager.projects.setIamPolicy",
            )
            .expect("inherited from the folder");
        assert!(!c.conditional);
        assert_eq!(c.hit.scope, "folders/2");
        assert!(
            idx.member_check(
                "user:a@x.com",
                "projects/q",
                "resourcemanager.projects.setIamPolicy"
            )
            .is_none(),
            "q is not under the folder"
        );
    }

    #[test]
    fn conditional_bindings_are_conditional() {
        let s = snap();
        let idx = GcpIndex::new(&s);
        let c = idx
            .member_check(
                "user:b@x.com",
                "projects/p",
                "resourcemanager.projects.setIamPolicy",
            )
            .expect("conditional owner");
        assert!(c.conditional);
        assert_eq!(c.hit.condition.as_deref(), Some("tmp"));
    }

    #[test]
    fn domain_and_everyone_members_apply() {
        let s = snap();
        let idx = GcpIndex::new(&s);
        let c = idx
            .member_check("user:z@x.com", "projects/q", "iam.serviceAccounts.actAs")
            .expect("domain grant");
        assert_eq!(c.hit.via_member, "domain:x.com");
        assert!(
            idx.member_check(
                "user:z@other.com",
                "projects/q",
                "iam.serviceAccounts.actAs"
            )
            .is_none()
        );
        assert!(
            is_principal("allUsers")
                && !is_principal("projectOwner:p")
                && !is_principal("deleted:user:a@x.com?uid=1")
        );
    }
}
