//! `gcp_iam_effective_binding` (pathwarden): every IAM binding flattened to one row per
//! member and role, on every resource of the hierarchy it applies to: a binding granted on
//! the organization appears on the organization, on each folder and on each project below
//! it, with the scope it was granted at. Conditions are kept; a conditional binding is
//! marked, never treated as unconditional.

use serde_json::{Value, json};

use super::GcpTable;
use super::policies::{ancestors_of_project, policy_of};
use super::source::{Cursor, GcpSource, last_segment};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: GcpTable = GcpTable {
    def: TableDef {
        name: "gcp_iam_effective_binding",
        description: "Every IAM binding of the organization, folders and projects, flattened per member and role onto every resource it applies to (inherited ones included).",
        service: "cloudresourcemanager",
        scope: Scope::Global,
        columns: &[
            col(
                "member",
                Text,
                "IAM member string (`user:a@x.com`, `serviceAccount:...`, `group:...`, `domain:...`, `allUsers`).",
            ),
            col(
                "member_type",
                Text,
                "The member's prefix: user, serviceAccount, group, domain, allUsers, allAuthenticatedUsers, principal, principalSet, deleted.",
            ),
            col(
                "role",
                Text,
                "Role granted (`roles/...` or a custom role's name).",
            ),
            col(
                "resource",
                Text,
                "Resource the grant applies to (`organizations/<id>`, `folders/<id>`, `projects/<projectId>`).",
            ),
            col("resource_type", Text, "organization, folder or project."),
            col(
                "granted_at",
                Text,
                "Resource whose IAM policy holds the binding (the resource itself or an ancestor).",
            ),
            col("granted_at_type", Text, "organization, folder or project."),
            col(
                "inherited",
                Bool,
                "True when the binding is on an ancestor of the resource.",
            ),
            col(
                "conditional",
                Bool,
                "True when the binding has an IAM condition (it grants only when the condition holds).",
            ),
            col(
                "condition",
                Json,
                "The binding's condition ({title, description, expression}), or null.",
            ),
            col(
                "condition_expression",
                Text,
                "The condition's CEL expression, or null.",
            ),
            col(
                "project",
                Text,
                "The project id when the resource is a project.",
            ),
            col(
                "_ctx",
                Json,
                "pathwarden context: the connection that produced the row.",
            ),
        ],
        get_keys: &[],
        id_column: "resource",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: None,
};

/// `organization`, `folder` or `project` for a resource name.
pub(crate) fn resource_type(name: &str) -> &'static str {
    match name.split_once('/').map(|(k, _)| k) {
        Some("organizations") => "organization",
        Some("folders") => "folder",
        Some("projects") => "project",
        _ => "unknown",
    }
}

/// The prefix of a member string (`user`, `serviceAccount`, ..., `allUsers`).
pub fn member_type(member: &str) -> &str {
    member.split_once(':').map(|(k, _)| k).unwrap_or(member)
}

/// Rows of `resource` from the policies of `scopes` (the resource first, then its
/// ancestors, nearest first): one per member per binding.
pub fn binding_rows(resource: &str, scopes: &[(String, Value)]) -> Vec<Row> {
    let mut rows = Vec::new();
    let project = (resource_type(resource) == "project").then(|| last_segment(resource));
    for (scope, policy) in scopes {
        let Some(bindings) = policy.get("bindings").and_then(Value::as_array) else {
            continue;
        };
        for b in bindings {
            let Some(role) = b.get("role").and_then(Value::as_str) else {
                continue;
            };
            let condition = b.get("condition").cloned().unwrap_or(Value::Null);
            let expression = condition.get("expression").cloned().unwrap_or(Value::Null);
            let members = b.get("members").and_then(Value::as_array);
            for m in members.into_iter().flatten().filter_map(Value::as_str) {
                let mut row = Row::new();
                row.insert("member".into(), json!(m));
                row.insert("member_type".into(), json!(member_type(m)));
                row.insert("role".into(), json!(role));
                row.insert("resource".into(), json!(resource));
                row.insert("resource_type".into(), json!(resource_type(resource)));
                row.insert("granted_at".into(), json!(scope));
                row.insert("granted_at_type".into(), json!(resource_type(scope)));
                row.insert("inherited".into(), json!(scope != resource));
                row.insert("conditional".into(), json!(!condition.is_null()));
                row.insert("condition".into(), condition.clone());
                row.insert("condition_expression".into(), expression.clone());
                row.insert("project".into(), json!(project));
                rows.push(row);
            }
        }
    }
    rows
}

/// The resources listed, in order: the organization, its folders, then every project.
async fn resources(src: &GcpSource, req: &ListRequest) -> Result<Vec<String>, FetchError> {
    let mut out = Vec::new();
    if req.quals.values("project").is_none()
        && let Some(h) = src.hierarchy().await?
    {
        out.push(h.organization.clone());
        out.extend(
            h.folders
                .iter()
                .filter_map(|f| f.get("name").and_then(Value::as_str))
                .map(str::to_string),
        );
    }
    out.extend(
        src.projects_for(req)
            .await?
            .into_iter()
            .map(|p| format!("projects/{p}")),
    );
    Ok(out)
}

/// One resource per page.
async fn list(
    src: &GcpSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let all = resources(src, req).await?;
    let cursor = Cursor::parse(token.as_deref());
    let Some(resource) = all.get(cursor.project) else {
        return Ok(Page::default());
    };
    let ancestors = match resource_type(resource) {
        "project" => ancestors_of_project(src, last_segment(resource)).await?,
        _ => match src.hierarchy().await? {
            Some(h) => h.ancestors(resource),
            None => Vec::new(),
        },
    };
    let mut scopes = Vec::with_capacity(ancestors.len() + 1);
    for scope in std::iter::once(resource.clone()).chain(ancestors) {
        let policy = policy_of(src, &scope).await?;
        scopes.push((scope, policy));
    }
    let mut rows = binding_rows(resource, &scopes);
    for r in &mut rows {
        src.ctx(r);
    }
    Ok(Page {
        rows,
        next: cursor.next_project(all.len()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inherited_and_conditional_bindings_are_marked() {
        let scopes = vec![
            (
                "projects/p".to_string(),
                json!({"bindings": [{"role": "roles/viewer", "members": ["user:a@x.com", "group:g@x.com"]}]}),
            ),
            (
                "organizations/9".to_string(),
                json!({"bindings": [{"role": "roles/owner", "members": ["user:b@x.com"],
                    "condition": {"title": "t", "expression": "request.time < timestamp(\"2030-01-01T00:00:00Z\")"}}]}),
            ),
        ];
        let rows = binding_rows("projects/p", &scopes);
        assert_eq!(rows.len(), 3);
        let owner = rows
            .iter()
            .find(|r| r["role"] == "roles/owner")
            .expect("owner row");
        assert_eq!(owner["inherited"], json!(true));
        assert_eq!(owner["conditional"], json!(true));
        assert_eq!(owner["granted_at_type"], json!("organization"));
        assert_eq!(owner["project"], json!("p"));
        let group = rows
            .iter()
            .find(|r| r["member"] == "group:g@x.com")
            .expect("group row");
        assert_eq!(group["member_type"], json!("group"));
        assert_eq!(group["inherited"], json!(false));
        assert_eq!(group["conditional"], json!(false));
    }
}
