//! Organization discovery: every folder and project under an organization, found by
//! walking Cloud Resource Manager v3 `folders.list` and `projects.list` with `parent`,
//! level by level, page by page.
//!
//! A listing refused with PERMISSION_DENIED does not stop the walk: the subtree is left
//! out and the refusal is kept in [`Hierarchy::denied`], so every table built on the
//! hierarchy can report it (an error, or a `pathwarden_error` row) instead of silently
//! showing fewer projects. Throttled calls are retried here, per call, so one 429 in a
//! large organization does not restart the whole walk.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;
use tokio::sync::Mutex;

use super::rest::{CRM, RestClient};
use crate::framework::FetchError;

/// Folders and projects listed per page.
const PAGE_SIZE: &str = "1000";
/// Parents listed at the same time.
const CONCURRENT_PARENTS: usize = 4;
/// Attempts per throttled call.
const THROTTLE_ATTEMPTS: u32 = 6;
/// Resource Manager allows ten levels of folders; a deeper walk means a looping API.
const MAX_DEPTH: usize = 12;

const LIST_FOLDERS: &str = "cloudresourcemanager.folders.list";
const LIST_PROJECTS: &str = "cloudresourcemanager.projects.list";

/// The resource hierarchy of one organization.
#[derive(Debug, Default)]
pub struct Hierarchy {
    /// `organizations/<id>`.
    pub organization: String,
    /// v3 `Folder` objects (`name`: `folders/<id>`, `parent`, `displayName`, `state`, ...),
    /// parents before children.
    pub folders: Vec<Value>,
    /// v3 `Project` objects (`name`: `projects/<number>`, `projectId`, `parent`, `state`).
    pub projects: Vec<Value>,
    /// Listings refused with PERMISSION_DENIED: `(api call, message)`.
    pub denied: Vec<(String, String)>,
    /// Parent of every folder and project (by `folders/<id>` and `projects/<projectId>`).
    parents: HashMap<String, String>,
    /// IAM policies read so far, by resource name (shared by the tables of one snapshot).
    pub(crate) policies: Mutex<BTreeMap<String, Value>>,
}

impl Hierarchy {
    /// Ids of the active projects, in discovery order.
    pub fn project_ids(&self) -> Vec<String> {
        self.projects
            .iter()
            .filter(|p| p.get("state").and_then(Value::as_str).unwrap_or("ACTIVE") == "ACTIVE")
            .filter_map(|p| p.get("projectId").and_then(Value::as_str))
            .map(str::to_string)
            .collect()
    }

    /// The v3 project object of `project_id`.
    pub fn project(&self, project_id: &str) -> Option<&Value> {
        self.projects
            .iter()
            .find(|p| p.get("projectId").and_then(Value::as_str) == Some(project_id))
    }

    /// Ancestors of `name` (`projects/<projectId>` or `folders/<id>`), nearest first, up
    /// to and including the organization.
    pub fn ancestors(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = name.to_string();
        while let Some(p) = self.parents.get(&at) {
            if out.contains(p) || out.len() > MAX_DEPTH {
                break;
            }
            out.push(p.clone());
            at = p.clone();
        }
        out
    }

    /// The first refusal as the error a table reports.
    pub fn denial(&self) -> Option<FetchError> {
        self.denied
            .first()
            .map(|(api_call, message)| FetchError::AccessDenied {
                api_call: api_call.clone(),
                message: format!(
                    "{message} (organization discovery left this subtree out; {} listing(s) refused)",
                    self.denied.len()
                ),
            })
    }

    /// A hierarchy built from parts (offline data, tests).
    pub fn from_parts(organization: &str, folders: Vec<Value>, projects: Vec<Value>) -> Hierarchy {
        let mut h = Hierarchy {
            organization: organization.to_string(),
            folders,
            projects,
            ..Hierarchy::default()
        };
        h.index();
        h
    }

    fn index(&mut self) {
        for f in &self.folders {
            if let (Some(n), Some(p)) = (str_of(f, "name"), str_of(f, "parent")) {
                self.parents.insert(n.to_string(), p.to_string());
            }
        }
        for p in &self.projects {
            if let (Some(id), Some(parent)) = (str_of(p, "projectId"), str_of(p, "parent")) {
                self.parents
                    .insert(format!("projects/{id}"), parent.to_string());
            }
        }
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// `organizations/<id>` from `123` or `organizations/123`.
pub fn organization_name(org: &str) -> String {
    let id = org.trim().trim_start_matches("organizations/");
    format!("organizations/{id}")
}

/// One call, retried while throttled (the REST layer already waited any `Retry-After`).
async fn page_retrying(
    rest: &RestClient,
    path: &str,
    parent: &str,
    token: Option<&str>,
    items_key: &str,
    api_call: &str,
) -> Result<(Vec<Value>, Option<String>), FetchError> {
    let mut delay = Duration::from_millis(100);
    let mut attempt = 1;
    loop {
        match rest
            .page(
                CRM,
                path,
                &[("parent", parent), ("pageSize", PAGE_SIZE)],
                token,
                items_key,
                api_call,
            )
            .await
        {
            Err(FetchError::Throttled { .. }) if attempt < THROTTLE_ATTEMPTS => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Every page of one listing under `parent`.
async fn list_all(
    rest: &RestClient,
    path: &str,
    parent: &str,
    items_key: &str,
    api_call: &str,
) -> Result<Vec<Value>, FetchError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    let mut seen_tokens = HashSet::new();
    loop {
        let (items, next) =
            page_retrying(rest, path, parent, token.as_deref(), items_key, api_call).await?;
        out.extend(items);
        match next {
            // A server repeating a token would page forever.
            Some(t) if seen_tokens.insert(t.clone()) => token = Some(t),
            _ => return Ok(out),
        }
    }
}

/// The children of one parent: its folders and projects.
async fn children(
    rest: &RestClient,
    parent: &str,
) -> (
    Result<Vec<Value>, FetchError>,
    Result<Vec<Value>, FetchError>,
) {
    let folders = list_all(rest, "/v3/folders", parent, "folders", LIST_FOLDERS).await;
    let projects = list_all(rest, "/v3/projects", parent, "projects", LIST_PROJECTS).await;
    (folders, projects)
}

/// Walk the organization: folders recursively, projects of every level.
pub(crate) async fn discover(
    rest: &RestClient,
    organization: &str,
) -> Result<Hierarchy, FetchError> {
    let org = organization_name(organization);
    let mut h = Hierarchy {
        organization: org.clone(),
        ..Hierarchy::default()
    };
    let mut seen: HashSet<String> = HashSet::from([org.clone()]);
    let mut level = vec![org];
    let mut depth = 0;
    while !level.is_empty() && depth <= MAX_DEPTH {
        depth += 1;
        let results: Vec<(String, _)> = futures::stream::iter(level.drain(..))
            .map(|parent| async move {
                let r = children(rest, &parent).await;
                (parent, r)
            })
            .buffered(CONCURRENT_PARENTS)
            .collect()
            .await;
        for (parent, (folders, projects)) in results {
            for (what, result) in [("folders", folders), ("projects", projects)] {
                match result {
                    Ok(items) => {
                        for item in items {
                            let Some(name) = str_of(&item, "name").map(str::to_string) else {
                                continue;
                            };
                            if !seen.insert(name.clone()) {
                                continue;
                            }
                            if what == "folders" {
                                level.push(name);
                                h.folders.push(item);
                            } else {
                                h.projects.push(item);
                            }
                        }
                    }
                    Err(FetchError::AccessDenied { api_call, message }) => {
                        tracing::warn!(
                            parent,
                            api_call,
                            "organization discovery: listing refused; subtree left out"
                        );
                        h.denied
                            .push((format!("{api_call} (parent {parent})"), message));
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    }
    h.index();
    tracing::info!(
        organization = %h.organization,
        folders = h.folders.len(),
        projects = h.projects.len(),
        refused = h.denied.len(),
        "organization discovered"
    );
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ancestors_walk_up_to_the_organization() {
        let h = Hierarchy::from_parts(
            "organizations/9",
            vec![
                json!({"name": "folders/1", "parent": "organizations/9"}),
                json!({"name": "folders/2", "parent": "folders/1"}),
            ],
            vec![
                json!({"name": "projects/55", "projectId": "p", "parent": "folders/2", "state": "ACTIVE"}),
                json!({"name": "projects/56", "projectId": "gone", "parent": "folders/2", "state": "DELETE_REQUESTED"}),
            ],
        );
        assert_eq!(
            h.ancestors("projects/p"),
            vec!["folders/2", "folders/1", "organizations/9"]
        );
        assert_eq!(h.project_ids(), vec!["p"]);
        assert!(h.ancestors("organizations/9").is_empty());
        assert_eq!(organization_name("9"), "organizations/9");
        assert_eq!(organization_name("organizations/9"), "organizations/9");
    }

    #[test]
    fn a_parent_loop_ends() {
        let h = Hierarchy::from_parts(
            "organizations/9",
            vec![
                json!({"name": "folders/1", "parent": "folders/2"}),
                json!({"name": "folders/2", "parent": "folders/1"}),
            ],
            vec![],
        );
        assert!(h.ancestors("folders/1").len() <= 2);
    }
}
