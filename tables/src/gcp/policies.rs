//! IAM policies of the resource hierarchy (organization, folders, projects), each read
//! with `requestedPolicyVersion: 3` so conditional bindings keep their condition, and
//! shared by the tables of one discovered hierarchy.

use serde_json::Value;

use super::iam_policy::policy_options;
use super::rest::CRM;
use super::source::GcpSource;
use crate::framework::FetchError;

/// The `getIamPolicy` call for a resource name, and its API call label.
fn call_for(resource: &str) -> Option<(String, &'static str)> {
    let (kind, id) = resource.split_once('/')?;
    if id.is_empty() || id.contains('/') {
        return None;
    }
    let id = urlencoding::encode(id);
    Some(match kind {
        "projects" => (
            format!("/v1/projects/{id}:getIamPolicy"),
            "cloudresourcemanager.projects.getIamPolicy",
        ),
        "folders" => (
            format!("/v3/folders/{id}:getIamPolicy"),
            "cloudresourcemanager.folders.getIamPolicy",
        ),
        "organizations" => (
            format!("/v3/organizations/{id}:getIamPolicy"),
            "cloudresourcemanager.organizations.getIamPolicy",
        ),
        _ => return None,
    })
}

/// The IAM policy of `resource` (`organizations/<id>`, `folders/<id>`,
/// `projects/<projectId>`), from the hierarchy's cache when the connection has one.
pub(crate) async fn policy_of(src: &GcpSource, resource: &str) -> Result<Value, FetchError> {
    let Some((path, api_call)) = call_for(resource) else {
        return Err(FetchError::Api {
            api_call: "getIamPolicy".into(),
            message: format!("not a resource-manager resource: {resource:?}"),
        });
    };
    let hierarchy = src.hierarchy().await?;
    if let Some(h) = &hierarchy
        && let Some(p) = h.policies.lock().await.get(resource)
    {
        return Ok(p.clone());
    }
    let policy = src
        .rest
        .post(CRM, &path, &[], &policy_options(), api_call)
        .await?;
    if let Some(h) = &hierarchy {
        h.policies
            .lock()
            .await
            .insert(resource.to_string(), policy.clone());
    }
    Ok(policy)
}

/// The ancestors of a project, nearest first: from the hierarchy, or
/// `projects.getAncestry` for a connection without an organization.
pub(crate) async fn ancestors_of_project(
    src: &GcpSource,
    project: &str,
) -> Result<Vec<String>, FetchError> {
    if let Some(h) = src.hierarchy().await?
        && h.project(project).is_some()
    {
        return Ok(h.ancestors(&format!("projects/{project}")));
    }
    const GET_ANCESTRY: &str = "cloudresourcemanager.projects.getAncestry";
    let path = format!("/v1/projects/{}:getAncestry", urlencoding::encode(project));
    let body = src
        .rest
        .post(CRM, &path, &[], &serde_json::json!({}), GET_ANCESTRY)
        .await?;
    Ok(body
        .get("ancestor")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|a| {
                    let r = a.get("resourceId")?;
                    let kind = match r.get("type")?.as_str()? {
                        "folder" => "folders",
                        "organization" => "organizations",
                        _ => return None,
                    };
                    Some(format!("{kind}/{}", r.get("id")?.as_str()?))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// `(type, id)` of a resource name, as `getAncestry` writes a `resourceId`.
pub(crate) fn resource_id(name: &str) -> Value {
    let (kind, id) = name.split_once('/').unwrap_or(("", name));
    let kind = match kind {
        "projects" => "project",
        "folders" => "folder",
        "organizations" => "organization",
        other => other,
    };
    serde_json::json!({"resourceId": {"type": kind, "id": id}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hierarchy_resources_have_a_policy_call() {
        assert!(call_for("folders/12").is_some_and(|(p, _)| p == "/v3/folders/12:getIamPolicy"));
        assert!(call_for("projects/a-b").is_some());
        assert!(call_for("organizations/9").is_some());
        assert!(call_for("folders/../x").is_none());
        assert!(call_for("buckets/x").is_none());
        assert!(call_for("folders/").is_none());
    }
}
