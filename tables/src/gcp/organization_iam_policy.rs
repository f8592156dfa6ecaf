//! `gcp_organization_iam_policy` (pathwarden): the IAM policy of the connection's
//! organization (Cloud Resource Manager v3 `organizations.getIamPolicy`, version 3).

use serde_json::{Value, json};

use super::GcpTable;
use super::policies::policy_of;
use super::source::{GcpSource, last_segment, put};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: GcpTable = GcpTable {
    def: TableDef {
        name: "gcp_organization_iam_policy",
        description: "The IAM policy of the connection's organization (policy version 3).",
        service: "cloudresourcemanager",
        scope: Scope::Global,
        columns: &[
            col("organization_id", Text, "Numeric id of the organization."),
            col("name", Text, "Resource name (`organizations/<id>`)."),
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
    list: |s, req, _| Box::pin(list(s, req)),
    get: None,
};

/// A policy row of a hierarchy resource (shared with `gcp_folder_iam_policy`).
pub(crate) fn hierarchy_policy_row(
    src: &GcpSource,
    id_column: &str,
    name: &str,
    policy: &Value,
) -> Row {
    let mut row = Row::new();
    row.insert(id_column.into(), json!(last_segment(name)));
    row.insert("name".into(), json!(name));
    put(&mut row, "version", policy, "version");
    put(&mut row, "etag", policy, "etag");
    row.insert(
        "bindings".into(),
        policy.get("bindings").cloned().unwrap_or_else(|| json!([])),
    );
    row.insert("title".into(), json!(format!("{name} IAM Policy")));
    row.insert(
        "akas".into(),
        json!([format!(
            "gcp://cloudresourcemanager.googleapis.com/{name}/iamPolicy"
        )]),
    );
    src.ctx(&mut row);
    row
}

async fn list(src: &GcpSource, _req: &ListRequest) -> Result<Page, FetchError> {
    let Some(org) = src.organization() else {
        return Ok(Page::default());
    };
    let policy = policy_of(src, org).await?;
    Ok(Page {
        rows: vec![hierarchy_policy_row(src, "organization_id", org, &policy)],
        next: None,
    })
}
