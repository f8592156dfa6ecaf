//! Azure RBAC scopes and the hierarchy they inherit through: tenant root (`/`) →
//! management groups (a tree) → subscriptions → resource groups → resources (and child
//! resources). A subscription's management group comes from the hierarchy, never from the
//! scope string: `/subscriptions/x` says nothing about which management group holds it.

use std::collections::HashMap;
use std::fmt;

/// One RBAC scope, normalised (lower-case names, as ARM compares them).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The tenant root scope `/`.
    Root,
    /// `/providers/Microsoft.Management/managementGroups/{name}`.
    ManagementGroup(String),
    /// `/subscriptions/{id}`.
    Subscription(String),
    /// `/subscriptions/{id}/resourceGroups/{name}`.
    ResourceGroup {
        /// Subscription id.
        subscription: String,
        /// Resource group name.
        name: String,
    },
    /// A resource: its subscription, resource group, and `(type, name)` pairs from the
    /// provider namespace down (`Microsoft.Storage/storageAccounts/a/blobServices/default`).
    Resource {
        /// Subscription id.
        subscription: String,
        /// Resource group name.
        resource_group: String,
        /// Provider namespace (`microsoft.storage`).
        namespace: String,
        /// `(type, name)` from the top-level resource to this one.
        path: Vec<(String, String)>,
    },
}

/// Why a scope string was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an Azure RBAC scope: {0:?}")]
pub struct ScopeError(pub String);

impl Scope {
    /// Parse an ARM scope or resource id (case-insensitive).
    pub fn parse(s: &str) -> Result<Scope, ScopeError> {
        let err = || ScopeError(s.chars().take(200).collect());
        if s == "/" {
            return Ok(Scope::Root);
        }
        let lower = s.to_ascii_lowercase();
        let Some(rest) = lower.strip_prefix('/') else {
            return Err(err());
        };
        let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        if parts
            .iter()
            .any(|p| p.is_empty() || *p == "." || *p == "..")
        {
            return Err(err());
        }
        match parts.as_slice() {
            [
                "providers",
                "microsoft.management",
                "managementgroups",
                name,
            ] => Ok(Scope::ManagementGroup(name.to_string())),
            ["subscriptions", sub] => Ok(Scope::Subscription(sub.to_string())),
            ["subscriptions", sub, "resourcegroups", rg] => Ok(Scope::ResourceGroup {
                subscription: sub.to_string(),
                name: rg.to_string(),
            }),
            [
                "subscriptions",
                sub,
                "resourcegroups",
                rg,
                "providers",
                namespace,
                tail @ ..,
            ] if !tail.is_empty() && tail.len() % 2 == 0 => Ok(Scope::Resource {
                subscription: sub.to_string(),
                resource_group: rg.to_string(),
                namespace: namespace.to_string(),
                path: tail
                    .chunks(2)
                    .map(|c| (c[0].to_string(), c[1].to_string()))
                    .collect(),
            }),
            _ => Err(err()),
        }
    }

    /// The scope directly above this one that the scope string itself names (resource →
    /// parent resource → resource group → subscription). Subscriptions and management
    /// groups have their parents in the [`Hierarchy`].
    fn structural_parent(&self) -> Option<Scope> {
        match self {
            Scope::Resource {
                subscription,
                resource_group,
                namespace,
                path,
            } => Some(if path.len() > 1 {
                Scope::Resource {
                    subscription: subscription.clone(),
                    resource_group: resource_group.clone(),
                    namespace: namespace.clone(),
                    path: path[..path.len() - 1].to_vec(),
                }
            } else {
                Scope::ResourceGroup {
                    subscription: subscription.clone(),
                    name: resource_group.clone(),
                }
            }),
            Scope::ResourceGroup { subscription, .. } => {
                Some(Scope::Subscription(subscription.clone()))
            }
            _ => None,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Root => f.write_str("/"),
            Scope::ManagementGroup(n) => {
                write!(f, "/providers/microsoft.management/managementgroups/{n}")
            }
            Scope::Subscription(s) => write!(f, "/subscriptions/{s}"),
            Scope::ResourceGroup { subscription, name } => {
                write!(f, "/subscriptions/{subscription}/resourcegroups/{name}")
            }
            Scope::Resource {
                subscription,
                resource_group,
                namespace,
                path,
            } => {
                write!(
                    f,
                    "/subscriptions/{subscription}/resourcegroups/{resource_group}/providers/{namespace}"
                )?;
                for (t, n) in path {
                    write!(f, "/{t}/{n}")?;
                }
                Ok(())
            }
        }
    }
}

/// The management-group tree and where each subscription sits in it.
#[derive(Debug, Clone, Default)]
pub struct Hierarchy {
    mg_parent: HashMap<String, String>,
    sub_parent: HashMap<String, String>,
}

/// The longest management-group chain followed (Azure allows six levels below the root).
const MAX_DEPTH: usize = 16;

impl Hierarchy {
    /// An empty hierarchy: every subscription and management group directly under `/`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Management group `name` has parent management group `parent`.
    pub fn add_management_group(&mut self, name: &str, parent: Option<&str>) -> &mut Self {
        if let Some(p) = parent {
            self.mg_parent
                .insert(name.to_ascii_lowercase(), p.to_ascii_lowercase());
        }
        self
    }

    /// Subscription `id` sits in management group `parent`.
    pub fn add_subscription(&mut self, id: &str, parent: &str) -> &mut Self {
        self.sub_parent
            .insert(id.to_ascii_lowercase(), parent.to_ascii_lowercase());
        self
    }

    /// `scope` and every scope it inherits from, nearest first, ending with `/`. A cycle
    /// or an over-deep chain in hostile input stops the walk instead of looping.
    pub fn ancestors(&self, scope: &Scope) -> Vec<Scope> {
        let mut out = vec![scope.clone()];
        let mut cur = scope.clone();
        while let Some(p) = cur.structural_parent() {
            out.push(p.clone());
            cur = p;
        }
        let mut mg = match &cur {
            Scope::Subscription(s) => self.sub_parent.get(s).cloned(),
            Scope::ManagementGroup(m) => self.mg_parent.get(m).cloned(),
            _ => None,
        };
        let mut depth = 0;
        while let Some(m) = mg {
            let s = Scope::ManagementGroup(m.clone());
            if out.contains(&s) || depth >= MAX_DEPTH {
                break;
            }
            out.push(s);
            mg = self.mg_parent.get(&m).cloned();
            depth += 1;
        }
        if cur != Scope::Root {
            out.push(Scope::Root);
        }
        out
    }

    /// Whether an assignment at `at` applies to `target` (same scope or an ancestor).
    pub fn covers(&self, at: &Scope, target: &Scope) -> bool {
        self.ancestors(target).contains(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Scope {
        Scope::parse(x).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn scopes_parse_case_insensitively() {
        assert_eq!(s("/"), Scope::Root);
        assert_eq!(
            s("/providers/Microsoft.Management/managementGroups/Prod"),
            Scope::ManagementGroup("prod".into())
        );
        assert_eq!(
            s("/subscriptions/ABC/resourceGroups/RG1"),
            s("/subscriptions/abc/resourcegroups/rg1")
        );
        let blob = s(
            "/subscriptions/a/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default/containers/c",
        );
        assert!(matches!(&blob, Scope::Resource { path, .. } if path.len() == 3));
        for bad in [
            "",
            "subscriptions/a",
            "/subscriptions",
            "/subscriptions/a/../b",
            "/subscriptions/a//resourceGroups/r",
            "/subscriptions/a/resourceGroups/r/providers/Microsoft.Compute/virtualMachines",
        ] {
            assert!(Scope::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn inheritance_follows_the_tree_not_the_string() {
        let mut h = Hierarchy::new();
        h.add_management_group("prod", Some("root-mg"))
            .add_management_group("root-mg", None)
            .add_subscription("sub-a", "prod");
        let vm = s(
            "/subscriptions/sub-a/resourceGroups/web/providers/Microsoft.Compute/virtualMachines/vm1",
        );
        let chain: Vec<String> = h.ancestors(&vm).iter().map(|x| x.to_string()).collect();
        assert_eq!(
            chain,
            [
                "/subscriptions/sub-a/resourcegroups/web/providers/microsoft.compute/virtualmachines/vm1",
                "/subscriptions/sub-a/resourcegroups/web",
                "/subscriptions/sub-a",
                "/providers/microsoft.management/managementgroups/prod",
                "/providers/microsoft.management/managementgroups/root-mg",
                "/",
            ]
        );
        // A string prefix is not inheritance.
        assert!(!h.covers(&s("/subscriptions/sub"), &s("/subscriptions/sub-a")));
        assert!(!h.covers(
            &s("/subscriptions/sub-a/resourceGroups/we"),
            &s("/subscriptions/sub-a/resourceGroups/web")
        ));
        // A subscription outside the management group does not inherit from it.
        assert!(!h.covers(
            &s("/providers/Microsoft.Management/managementGroups/prod"),
            &s("/subscriptions/sub-b")
        ));
        assert!(h.covers(&Scope::Root, &s("/subscriptions/sub-b")));
        // Child resources inherit from their parent resource.
        let container = s(
            "/subscriptions/sub-a/resourceGroups/data/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default/containers/c",
        );
        assert!(h.covers(
            &s("/subscriptions/sub-a/resourceGroups/data/providers/Microsoft.Storage/storageAccounts/acct"),
            &container
        ));
    }

    #[test]
    fn cycles_in_hostile_hierarchies_end() {
        let mut h = Hierarchy::new();
        h.add_management_group("a", Some("b"))
            .add_management_group("b", Some("a"))
            .add_subscription("s", "a");
        let chain = h.ancestors(&s("/subscriptions/s"));
        assert_eq!(chain.len(), 4, "{chain:?}"); // s, a, b, /
    }
}
