//! What the GCP evaluator reads: the resource hierarchy, every IAM policy on it, service
//! accounts, instances and custom roles of one or more organizations or projects.

use std::collections::HashMap;

use serde_json::Value;

/// One binding of an IAM policy (version 3: the condition is kept).
#[derive(Debug, Clone, PartialEq)]
pub struct GcpBinding {
    /// Role name (`roles/owner`, `projects/p/roles/custom`, `organizations/1/roles/x`).
    pub role: String,
    /// IAM member strings.
    pub members: Vec<String>,
    /// The IAM condition, when the binding has one (never treated as always true).
    pub condition: Option<Value>,
}

impl GcpBinding {
    /// Bindings from a policy's `bindings` JSON array (malformed entries skipped).
    pub fn from_policy(policy: &Value) -> Vec<GcpBinding> {
        let list = match policy {
            Value::Array(a) => a.as_slice(),
            v => v
                .get("bindings")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
        };
        list.iter()
            .filter_map(|b| {
                Some(GcpBinding {
                    role: b.get("role")?.as_str()?.to_string(),
                    members: b
                        .get("members")?
                        .as_array()?
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                    condition: b.get("condition").filter(|c| !c.is_null()).cloned(),
                })
            })
            .collect()
    }

    /// Title of the condition, or its expression.
    pub fn condition_label(&self) -> Option<String> {
        let c = self.condition.as_ref()?;
        c.get("title")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .or_else(|| c.get("expression").and_then(Value::as_str))
            .map(str::to_string)
    }
}

/// A service account.
#[derive(Debug, Clone, PartialEq)]
pub struct GcpServiceAccount {
    /// Email.
    pub email: String,
    /// Project id.
    pub project: String,
    /// Disabled accounts cannot get tokens or use keys.
    pub disabled: bool,
}

impl GcpServiceAccount {
    /// Resource name: `projects/<project>/serviceAccounts/<email>`.
    pub fn resource(&self) -> String {
        format!("projects/{}/serviceAccounts/{}", self.project, self.email)
    }

    /// IAM member string: `serviceAccount:<email>`.
    pub fn member(&self) -> String {
        format!("serviceAccount:{}", self.email)
    }
}

/// A VM instance and the service account it runs as.
#[derive(Debug, Clone, PartialEq)]
pub struct GcpInstance {
    /// Resource name: `projects/<p>/zones/<z>/instances/<name>`.
    pub resource: String,
    /// Project id.
    pub project: String,
    /// Email of the attached service account.
    pub service_account: String,
    /// OAuth scopes of the instance's token (they cap what the token can call).
    pub scopes: Vec<String>,
}

/// Scope that lets a VM's token call every API (IAM then decides).
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

impl GcpInstance {
    /// Whether the instance's token may call the IAM APIs a further escalation needs.
    pub fn token_unrestricted(&self) -> bool {
        self.scopes
            .iter()
            .any(|s| s == CLOUD_PLATFORM_SCOPE || s == "https://www.googleapis.com/auth/iam")
    }
}

/// Everything the evaluator reads.
#[derive(Debug, Clone, Default)]
pub struct GcpSnapshot {
    /// Organizations (`organizations/<id>`).
    pub organizations: Vec<String>,
    /// Folders (`folders/<id>`).
    pub folders: Vec<String>,
    /// Project ids.
    pub projects: Vec<String>,
    /// Parent of each folder (`folders/<id>`) and project (`projects/<projectId>`).
    pub parents: HashMap<String, String>,
    /// IAM policy bindings by resource name (organization, folder, project, service
    /// account resource name).
    pub policies: HashMap<String, Vec<GcpBinding>>,
    /// Service accounts.
    pub service_accounts: Vec<GcpServiceAccount>,
    /// VM instances running as a service account.
    pub instances: Vec<GcpInstance>,
    /// Permissions of custom roles and of predefined roles read from `gcp_iam_role`
    /// (these take precedence over the shipped catalogue), by role name.
    pub roles: HashMap<String, Vec<String>>,
}

impl GcpSnapshot {
    /// Parent of a resource name: the hierarchy's, or the project of a project-scoped
    /// resource (`projects/<p>/serviceAccounts/...` → `projects/<p>`).
    pub fn parent(&self, resource: &str) -> Option<String> {
        if let Some(p) = self.parents.get(resource) {
            return Some(p.clone());
        }
        let rest = resource.strip_prefix("projects/")?;
        let (project, tail) = rest.split_once('/')?;
        (!tail.is_empty()).then(|| format!("projects/{project}"))
    }

    /// The resource and its ancestors, nearest first.
    pub fn chain(&self, resource: &str) -> Vec<String> {
        let mut out = vec![resource.to_string()];
        while let Some(p) = out.last().and_then(|r| self.parent(r)) {
            if out.contains(&p) || out.len() > 16 {
                break;
            }
            out.push(p);
        }
        out
    }

    /// Projects at or below `resource` (an organization, a folder, or a project).
    pub fn projects_under(&self, resource: &str) -> Vec<String> {
        self.projects
            .iter()
            .filter(|p| {
                self.chain(&format!("projects/{p}"))
                    .iter()
                    .any(|r| r == resource)
            })
            .cloned()
            .collect()
    }
}

/// The pseudo-key of "owner-equivalent of `resource`" (`organizations/<id>` or
/// `projects/<projectId>`): `admin:gcp/<resource>`.
pub fn admin_key(resource: &str) -> String {
    format!("admin:gcp/{resource}")
}
