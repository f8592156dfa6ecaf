//! `gcp_organization`: the connection's organization (Cloud Resource Manager v1
//! `organizations.get`), or every organization the credentials can see
//! (`organizations.search`) when the connection names none.

use serde_json::{Value, json};

use super::GcpTable;
use super::rest::CRM;
use super::source::{GcpSource, last_segment, put};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: GcpTable = GcpTable {
    def: TableDef {
        name: "gcp_organization",
        description: "GCP organizations: the connection's, or every one the credentials can see.",
        service: "cloudresourcemanager",
        scope: Scope::Global,
        columns: &[
            col(
                "display_name",
                Text,
                "A human-readable string that refers to the Organization in the GCP Console UI.",
            ),
            col("name", Text, "The resource name of the organization."),
            col(
                "organization_id",
                Text,
                "An unique, system generated ID for organization.",
            ),
            col(
                "lifecycle_state",
                Text,
                "The organization's current lifecycle state.",
            ),
            col(
                "creation_time",
                Timestamp,
                "Timestamp when the Organization was created.",
            ),
            col(
                "directory_customer_id",
                Text,
                "The G Suite customer id used in the Directory API.",
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

const GET: &str = "cloudresourcemanager.organizations.get";
const SEARCH: &str = "cloudresourcemanager.organizations.search";

pub(crate) fn organization_row(src: &GcpSource, o: &Value) -> Row {
    let name = o.get("name").and_then(Value::as_str).unwrap_or_default();
    let mut row = Row::new();
    put(&mut row, "display_name", o, "displayName");
    row.insert("name".into(), Value::String(name.to_string()));
    row.insert(
        "organization_id".into(),
        Value::String(last_segment(name).to_string()),
    );
    put(&mut row, "lifecycle_state", o, "lifecycleState");
    put(&mut row, "creation_time", o, "creationTime");
    row.insert(
        "directory_customer_id".into(),
        o.pointer("/owner/directoryCustomerId")
            .cloned()
            .unwrap_or(Value::Null),
    );
    put(&mut row, "title", o, "displayName");
    let display = o.get("displayName").and_then(Value::as_str).unwrap_or(name);
    row.insert(
        "akas".into(),
        json!([format!(
            "gcp://cloudresourcemanager.googleapis.com/organizations/{display}"
        )]),
    );
    src.ctx(&mut row);
    row
}

async fn list(
    src: &GcpSource,
    _req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    if let Some(org) = src.organization() {
        let path = format!("/v1/{org}");
        let found = src.rest.get_opt(CRM, &path, &[], GET).await?;
        return Ok(Page {
            rows: found.iter().map(|o| organization_row(src, o)).collect(),
            next: None,
        });
    }
    let mut body = json!({ "pageSize": 1000 });
    if let Some(t) = &token {
        body["pageToken"] = json!(t);
    }
    let out = src
        .rest
        .post(CRM, "/v1/organizations:search", &[], &body, SEARCH)
        .await?;
    let (items, next) = super::rest::split_page(out, "organizations");
    Ok(Page {
        rows: items.iter().map(|o| organization_row(src, o)).collect(),
        next,
    })
}
