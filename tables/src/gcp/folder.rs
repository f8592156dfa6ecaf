//! `gcp_folder` (pathwarden; Steampipe has no folder table): every folder of the
//! connection's organization, recursing (Cloud Resource Manager v3 `folders.list`).

use serde_json::{Value, json};

use super::GcpTable;
use super::policies::resource_id;
use super::source::{Cursor, GcpSource, last_segment, put};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: GcpTable = GcpTable {
    def: TableDef {
        name: "gcp_folder",
        description: "Folders of the connection's organization, at every depth.",
        service: "cloudresourcemanager",
        scope: Scope::Global,
        columns: &[
            col(
                "name",
                Text,
                "Resource name of the folder (`folders/<id>`).",
            ),
            col("folder_id", Text, "Numeric id of the folder."),
            col("display_name", Text, "The folder's display name."),
            col(
                "parent",
                Text,
                "Resource name of the parent (`folders/<id>` or `organizations/<id>`).",
            ),
            col(
                "state",
                Text,
                "Lifecycle state: ACTIVE or DELETE_REQUESTED.",
            ),
            col("create_time", Timestamp, "When the folder was created."),
            col(
                "update_time",
                Timestamp,
                "When the folder was last changed.",
            ),
            col("etag", Text, "Etag of the folder."),
            col(
                "ancestors",
                Json,
                "The folder and its ancestors from bottom to top ([{resourceId: {type, id}}]).",
            ),
            col(
                "organization_id",
                Text,
                "The organization the folder belongs to.",
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

const ROWS_PER_PAGE: usize = 500;

pub(crate) fn folder_row(src: &GcpSource, f: &Value, ancestors: &[String], org: &str) -> Row {
    let name = f.get("name").and_then(Value::as_str).unwrap_or_default();
    let mut row = Row::new();
    row.insert("name".into(), json!(name));
    row.insert("folder_id".into(), json!(last_segment(name)));
    put(&mut row, "display_name", f, "displayName");
    put(&mut row, "parent", f, "parent");
    put(&mut row, "state", f, "state");
    put(&mut row, "create_time", f, "createTime");
    put(&mut row, "update_time", f, "updateTime");
    put(&mut row, "etag", f, "etag");
    let mut chain = vec![resource_id(name)];
    chain.extend(ancestors.iter().map(|a| resource_id(a)));
    row.insert("ancestors".into(), Value::Array(chain));
    row.insert("organization_id".into(), json!(last_segment(org)));
    put(&mut row, "title", f, "displayName");
    row.insert(
        "akas".into(),
        json!([format!("gcp://cloudresourcemanager.googleapis.com/{name}")]),
    );
    src.ctx(&mut row);
    row
}

async fn list(
    src: &GcpSource,
    _req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    // A connection of projects only has no folders to list.
    let Some(h) = src.hierarchy().await? else {
        return Ok(Page::default());
    };
    let start = Cursor::parse(token.as_deref()).project;
    let rows: Vec<Row> = h
        .folders
        .iter()
        .skip(start)
        .take(ROWS_PER_PAGE)
        .map(|f| {
            let name = f.get("name").and_then(Value::as_str).unwrap_or("");
            folder_row(src, f, &h.ancestors(name), &h.organization)
        })
        .collect();
    let end = start + rows.len();
    Ok(Page {
        rows,
        next: (end < h.folders.len()).then(|| {
            Cursor {
                project: end,
                ..Cursor::default()
            }
            .encode()
        }),
    })
}
