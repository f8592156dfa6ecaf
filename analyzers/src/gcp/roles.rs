//! Role → permissions: custom roles and predefined roles read from `gcp_iam_role`, then
//! the shipped catalogue of predefined roles (`predefined_roles.json`).
//!
//! The shipped catalogue is compiled by hand from Google's IAM roles and permissions
//! reference: for each predefined role it lists the documented permissions that the admin
//! checks and escalation rules test, not the role's full list (`roles/owner` has
//! thousands). A live connection's `gcp_iam_role` table carries the full lists and wins.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use serde_json::Value;

/// The shipped catalogue, by role name.
pub fn shipped_roles() -> &'static HashMap<String, Arc<HashSet<String>>> {
    static CELL: OnceLock<HashMap<String, Arc<HashSet<String>>>> = OnceLock::new();
    CELL.get_or_init(|| {
        let doc: Value =
            serde_json::from_str(include_str!("predefined_roles.json")).unwrap_or(Value::Null);
        let mut out = HashMap::new();
        if let Value::Object(m) = doc {
            for (role, perms) in m {
                if let Value::Array(list) = perms {
                    let set = list
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect();
                    out.insert(role, Arc::new(set));
                }
            }
        }
        out
    })
}

/// Resolves role names to permission sets.
#[derive(Debug, Default)]
pub struct RoleCatalog {
    roles: HashMap<String, Arc<HashSet<String>>>,
}

impl RoleCatalog {
    /// The snapshot's roles (custom and predefined from tables) over the shipped ones.
    pub fn new(from_tables: &HashMap<String, Vec<String>>) -> RoleCatalog {
        let mut roles: HashMap<String, Arc<HashSet<String>>> = shipped_roles().clone();
        for (name, perms) in from_tables {
            roles.insert(name.clone(), Arc::new(perms.iter().cloned().collect()));
        }
        RoleCatalog { roles }
    }

    /// Permissions of a role (`None`: unknown role, which grants nothing here).
    pub fn permissions(&self, role: &str) -> Option<&Arc<HashSet<String>>> {
        self.roles.get(role)
    }

    /// Whether `role` includes `permission`.
    pub fn grants(&self, role: &str, permission: &str) -> bool {
        self.roles.get(role).is_some_and(|p| p.contains(permission))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_catalogue_parses_and_has_the_admin_roles() {
        let roles = shipped_roles();
        assert!(roles.len() > 30);
        assert!(roles["roles/owner"].contains("resourcemanager.projects.setIamPolicy"));
        assert!(
            roles["roles/iam.serviceAccountTokenCreator"]
                .contains("iam.serviceAccounts.getAccessToken")
        );
        assert!(!roles["roles/editor"].contains("resourcemanager.projects.setIamPolicy"));
        assert!(!roles.contains_key("_source"), "the note is not a role");
    }

    #[test]
    fn table_roles_take_precedence() {
        let mut t = HashMap::new();
        t.insert("roles/viewer".to_string(), vec!["x.y.z".to_string()]);
        let c = RoleCatalog::new(&t);
        assert!(c.grants("roles/viewer", "x.y.z"));
        assert!(!c.grants("roles/viewer", "resourcemanager.projects.get"));
        assert!(c.grants("roles/owner", "resourcemanager.projects.setIamPolicy"));
        assert!(c.permissions("roles/nonexistent").is_none());
    }
}
