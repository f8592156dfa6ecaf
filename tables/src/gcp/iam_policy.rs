//! `gcp_iam_policy`: each project's IAM policy (Cloud Resource Manager v1
//! `projects.getIamPolicy`, policy version 3 so conditional bindings keep their condition).

use serde_json::{Value, json};

use super::GcpTable;
use super::rest::CRM;
use super::source::{Cursor, GcpSource, put};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: GcpTable = GcpTable {
    def: TableDef {
        name: "gcp_iam_policy",
        description: "The IAM policy of each project of the connection.",
        service: "cloudresourcemanager",
        scope: Scope::Global,
        columns: gcp_columns![
            col(
                "version",
                Int,
                "Version specifies the format of the policy. Valid values are `0`, `1`, and `3`."
            ),
            col(
                "etag",
                Text,
                "Etag is used for optimistic concurrency control as a way to help prevent simultaneous updates of a policy from overwriting each other."
            ),
            col(
                "bindings",
                Json,
                "A list of `members` to a `role`, each with its optional `condition` (policy version 3)."
            ),
        ],
        get_keys: &[],
        id_column: "project",
    },
    list: |s, req, token| {
        Box::pin(async move { list(s, req, Cursor::parse(token.as_deref())).await })
    },
    get: None,
};

const GET_IAM_POLICY: &str = "cloudresourcemanager.projects.getIamPolicy";

/// The request body of every `getIamPolicy`: version 3, or conditions are dropped.
pub(crate) fn policy_options() -> Value {
    json!({ "options": { "requestedPolicyVersion": 3 } })
}

fn policy_row(src: &GcpSource, project: &str, policy: &Value) -> Row {
    let mut row = Row::new();
    put(&mut row, "version", policy, "version");
    put(&mut row, "etag", policy, "etag");
    row.insert(
        "bindings".into(),
        policy
            .get("bindings")
            .cloned()
            .unwrap_or_else(|| Value::Array(Vec::new())),
    );
    src.common(
        &mut row,
        project,
        "global",
        Value::String(format!("{} IAM Policy", project.to_uppercase())),
        vec![format!(
            "gcp://cloudresourcemanager.googleapis.com/projects/{project}/iamPolicy"
        )],
    );
    row
}

/// One page per project.
pub(crate) async fn list(
    src: &GcpSource,
    req: &ListRequest,
    cursor: Cursor,
) -> Result<Page, FetchError> {
    let projects = src.projects_for(req).await?;
    let Some(project) = projects.get(cursor.project) else {
        return Ok(Page::default());
    };
    let path = format!("/v1/projects/{}:getIamPolicy", urlencoding::encode(project));
    let policy = src
        .rest
        .post(CRM, &path, &[], &policy_options(), GET_IAM_POLICY)
        .await?;
    Ok(Page {
        rows: vec![policy_row(src, project, &policy)],
        next: cursor.next_project(projects.len()),
    })
}
