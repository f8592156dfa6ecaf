//! `gcp_folder_iam_policy` (pathwarden): the IAM policy of every folder of the
//! connection's organization (Cloud Resource Manager v3 `folders.getIamPolicy`, version 3).

use serde_json::Value;

use super::GcpTable;
use super::organization_iam_policy::hierarchy_policy_row;
use super::policies::policy_of;
use super::source::{Cursor, GcpSource};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page};

/// Table definition and calls.
pub static TABLE: GcpTable = GcpTable {
    def: TableDef {
        name: "gcp_folder_iam_policy",
        description: "The IAM policy of every folder of the organization (policy version 3).",
        service: "cloudresourcemanager",
        scope: Scope::Global,
        columns: &[
            col("folder_id", Text, "Numeric id of the folder."),
            col("name", Text, "Resource name (`folders/<id>`)."),
            col(
                "version",
                Int,
                "Policy format version (3 keeps conditions).",
            ),
            col("etag", Text, "Etag for read-modify-write of the policy."),
            col(
                "bindings",
                Json,
                "Role bindings: [{role, members, condition}], conditions kept.",
            ),
            col("title", Text, "Title of the resource."),
            col(
                "akas",
                Json,
                "Array of globally unique identifier strings (also known as) for the resource.",
            ),
            col(
                "_ctx",
                Json,
                "pathwarden context: the connection that produced the row.",
            ),
        ],
        get_keys: &[],
        id_column: "name",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: None,
};

/// One folder per page.
async fn list(
    src: &GcpSource,
    _req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let Some(h) = src.hierarchy().await? else {
        return Ok(Page::default());
    };
    let cursor = Cursor::parse(token.as_deref());
    let Some(folder) = h.folders.get(cursor.project) else {
        return Ok(Page::default());
    };
    let Some(name) = folder.get("name").and_then(Value::as_str) else {
        return Ok(Page::default());
    };
    let policy = policy_of(src, name).await?;
    Ok(Page {
        rows: vec![hierarchy_policy_row(src, "folder_id", name, &policy)],
        next: cursor.next_project(h.folders.len()),
    })
}
