//! `gcp_project`: the connection's projects (Cloud Resource Manager v1 `projects.get`).

use serde_json::Value;

use super::rest::CRM;
use super::source::{Cursor, GcpSource, need, put};
use super::{GcpHydrate, GcpTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: GcpTable = GcpTable {
    def: TableDef {
        name: "gcp_project",
        description: "GCP projects of the connection.",
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
                "An optional reference to a parent Resource.",
            ),
            col("labels", Json, "A list of labels attached to this project."),
            hcol(
                "ancestors",
                Json,
                "The ancestors of the project in the resource hierarchy, from bottom to top.",
                &HYDRATE_ANCESTRY,
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
        get_keys: &["project_id"],
        id_column: "project_id",
    },
    list: |s, req, token| {
        Box::pin(async move { list(s, req, Cursor::parse(token.as_deref())).await })
    },
    get: Some(|s, _, _, key| Box::pin(get(s, key))),
};

static HYDRATE_ANCESTRY: GcpHydrate = GcpHydrate::new("ancestry", |s, _, row| {
    Box::pin(hydrate(s, "ancestry", row))
});

const GET: &str = "cloudresourcemanager.projects.get";
const GET_ANCESTRY: &str = "cloudresourcemanager.projects.getAncestry";

pub(crate) fn project_row(src: &GcpSource, p: &Value) -> Row {
    let mut row = Row::new();
    let id = p
        .get("projectId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    put(&mut row, "name", p, "name");
    row.insert("project_id".into(), Value::String(id.to_string()));
    row.insert(
        "self_link".into(),
        Value::String(format!(
            "https://cloudresourcemanager.googleapis.com/v1/projects/{id}"
        )),
    );
    put(&mut row, "project_number", p, "projectNumber");
    put(&mut row, "lifecycle_state", p, "lifecycleState");
    put(&mut row, "create_time", p, "createTime");
    put(&mut row, "parent", p, "parent");
    put(&mut row, "labels", p, "labels");
    put(&mut row, "title", p, "name");
    put(&mut row, "tags", p, "labels");
    row.insert(
        "akas".into(),
        serde_json::json!([format!(
            "gcp://cloudresourcemanager.googleapis.com/projects/{id}"
        )]),
    );
    src.ctx(&mut row);
    row
}

async fn fetch(src: &GcpSource, project: &str) -> Result<Option<Row>, FetchError> {
    let path = format!("/v1/projects/{}", urlencoding::encode(project));
    Ok(src
        .rest
        .get_opt(CRM, &path, &[], GET)
        .await?
        .map(|p| project_row(src, &p)))
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
    Ok(Page {
        rows: fetch(src, project).await?.into_iter().collect(),
        next: cursor.next_project(projects.len()),
    })
}

/// One project by id (only the connection's own).
pub(crate) async fn get(src: &GcpSource, project_id: &str) -> Result<Option<Row>, FetchError> {
    if !src.has_project(project_id).await? {
        return Ok(None);
    }
    fetch(src, project_id).await
}

/// `ancestry`: `projects.getAncestry`, as `[{resourceId: {type, id}}]` from the project up.
pub(crate) async fn hydrate(src: &GcpSource, hydrate: &str, row: &Row) -> Result<Row, FetchError> {
    if hydrate != "ancestry" {
        return Err(super::source::unknown_hydrate(&TABLE.def, hydrate));
    }
    let id = need(row, "project_id", GET_ANCESTRY)?;
    let path = format!("/v1/projects/{}:getAncestry", urlencoding::encode(id));
    let body = src
        .rest
        .post(CRM, &path, &[], &serde_json::json!({}), GET_ANCESTRY)
        .await?;
    let mut out = Row::new();
    put(&mut out, "ancestors", &body, "ancestor");
    Ok(out)
}
