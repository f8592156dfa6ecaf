//! `gcp_organization_project`: every project of the connection's organization, found by
//! recursing its folders (Cloud Resource Manager v3 `folders.list`/`projects.list` with
//! `parent`); without an organization, every project the credentials can list (v1
//! `projects.list`), as Steampipe's table does.

use serde_json::{Value, json};

use super::GcpTable;
use super::policies::resource_id;
use super::rest::CRM;
use super::source::{Cursor, GcpSource, last_segment, put};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: GcpTable = GcpTable {
    def: TableDef {
        name: "gcp_organization_project",
        description: "Projects of the organization (recursing folders).",
        service: "cloudresourcemanager",
        scope: Scope::Global,
        columns: &[
            col("name", Text, "The name of the project."),
            col(
                "project_id",
                Text,
                "An unique, user-assigned ID of the Project.",
            ),
            col("self_link", Text, "Server-defined URL for the resource."),
            col(
                "project_number",
                Int,
                "The number uniquely identifying the project.",
            ),
            col(
                "lifecycle_state",
                Text,
                "Specifies the project lifecycle state.",
            ),
            col("create_time", Timestamp, "Creation time of the project."),
            col(
                "parent",
                Json,
                "An optional reference to a parent Resource ({type, id}).",
            ),
            col("labels", Json, "A list of labels attached to this project."),
            col(
                "ancestors",
                Json,
                "The ancestors of the project in the resource hierarchy, from bottom to top (the project first).",
            ),
            col("title", Text, "Title of the resource."),
            col("tags", Json, "A map of tags for the resource."),
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
        id_column: "project_id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: None,
};

const LIST_V1: &str = "cloudresourcemanager.projects.list";

/// `folders/12` as v1's `{type: "folder", id: "12"}`.
pub(crate) fn parent_object(parent: &str) -> Value {
    resource_id(parent)
        .get("resourceId")
        .cloned()
        .unwrap_or(Value::Null)
}

/// A row from a v3 `Project` and its ancestors (nearest first, without the project).
pub(crate) fn project_row_v3(src: &GcpSource, p: &Value, ancestors: &[String]) -> Row {
    let id = p
        .get("projectId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut row = Row::new();
    put(&mut row, "name", p, "displayName");
    row.insert("project_id".into(), json!(id));
    row.insert(
        "self_link".into(),
        json!(format!(
            "https://cloudresourcemanager.googleapis.com/v1/projects/{id}"
        )),
    );
    let number = p
        .get("name")
        .and_then(Value::as_str)
        .map(last_segment)
        .and_then(|n| n.parse::<i64>().ok());
    row.insert("project_number".into(), json!(number));
    put(&mut row, "lifecycle_state", p, "state");
    put(&mut row, "create_time", p, "createTime");
    row.insert(
        "parent".into(),
        p.get("parent")
            .and_then(Value::as_str)
            .map(parent_object)
            .unwrap_or(Value::Null),
    );
    put(&mut row, "labels", p, "labels");
    let mut chain = vec![resource_id(&format!("projects/{id}"))];
    chain.extend(ancestors.iter().map(|a| resource_id(a)));
    row.insert("ancestors".into(), Value::Array(chain));
    put(&mut row, "title", p, "displayName");
    put(&mut row, "tags", p, "labels");
    row.insert(
        "akas".into(),
        json!([format!(
            "gcp://cloudresourcemanager.googleapis.com/projects/{id}"
        )]),
    );
    src.ctx(&mut row);
    row
}

/// Rows per page of the discovered hierarchy.
const ROWS_PER_PAGE: usize = 500;

async fn list(
    src: &GcpSource,
    _req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    if let Some(h) = src.hierarchy().await? {
        let cursor = Cursor::parse(token.as_deref());
        let start = cursor.project;
        let rows: Vec<Row> = h
            .projects
            .iter()
            .skip(start)
            .take(ROWS_PER_PAGE)
            .map(|p| {
                let id = p.get("projectId").and_then(Value::as_str).unwrap_or("");
                project_row_v3(src, p, &h.ancestors(&format!("projects/{id}")))
            })
            .collect();
        let end = start + rows.len();
        return Ok(Page {
            rows,
            next: (end < h.projects.len()).then(|| {
                Cursor {
                    project: end,
                    ..Cursor::default()
                }
                .encode()
            }),
        });
    }
    let (items, next) = src
        .rest
        .page(
            CRM,
            "/v1/projects",
            &[("pageSize", "1000")],
            token.as_deref(),
            "projects",
            LIST_V1,
        )
        .await?;
    let rows = items
        .iter()
        .map(|p| {
            let mut row = super::project::project_row(src, p);
            row.remove("ancestors");
            row.insert("ancestors".into(), Value::Null);
            row
        })
        .collect();
    Ok(Page { rows, next })
}
