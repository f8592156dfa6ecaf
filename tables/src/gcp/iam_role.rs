//! `gcp_iam_role`: each project's custom roles and the predefined roles, with their
//! `included_permissions` (IAM v1 `projects.roles.list` and `roles.list`, `view=FULL`).

use serde_json::Value;

use super::GcpTable;
use super::rest::IAM;
use super::source::{Cursor, GcpSource, last_segment, put};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: GcpTable = GcpTable {
    def: TableDef {
        name: "gcp_iam_role",
        description: "Custom roles of each project of the connection and the predefined roles.",
        service: "iam",
        scope: Scope::Global,
        columns: gcp_columns![
            col("name", Text, "The friendly name that identifies the role"),
            col(
                "deleted",
                Bool,
                "Specifies whether the role is deleted, or not"
            ),
            col("role_id", Text, "Contains the resource type"),
            col(
                "is_gcp_managed",
                Bool,
                "Specifies whether the role is GCP Managed or Customer Managed."
            ),
            col("stage", Text, "The current launch stage of the role"),
            col(
                "description",
                Text,
                "A human-readable description for the role"
            ),
            col(
                "etag",
                Text,
                "An unique read-only string that changes whenever the resource is updated"
            ),
            col(
                "included_permissions",
                Json,
                "The names of the permissions this role grants when bound in an IAM policy"
            ),
        ],
        get_keys: &["name"],
        id_column: "name",
    },
    list: |s, req, token| {
        Box::pin(async move { list(s, req, Cursor::parse(token.as_deref())).await })
    },
    get: Some(|s, _, _, key| Box::pin(async move { Ok(get(s, key).await?.into_iter().next()) })),
};

const LIST_CUSTOM: &str = "iam.roles.list (project)";
const LIST_PREDEFINED: &str = "iam.roles.list";
const GET: &str = "iam.roles.get";

/// Roles per page (the API's largest).
const PAGE_SIZE: &str = "1000";

/// Phases of one project's listing.
const CUSTOM: u8 = 0;
const PREDEFINED: u8 = 1;

fn role_row(src: &GcpSource, project: &str, r: &Value, gcp_managed: bool) -> Row {
    let name = r.get("name").and_then(Value::as_str).unwrap_or_default();
    let mut row = Row::new();
    row.insert("name".into(), Value::String(name.to_string()));
    row.insert(
        "deleted".into(),
        Value::Bool(r.get("deleted").and_then(Value::as_bool).unwrap_or(false)),
    );
    row.insert(
        "role_id".into(),
        Value::String(last_segment(name).to_string()),
    );
    row.insert("is_gcp_managed".into(), Value::Bool(gcp_managed));
    put(&mut row, "stage", r, "stage");
    put(&mut row, "description", r, "description");
    put(&mut row, "etag", r, "etag");
    row.insert(
        "included_permissions".into(),
        r.get("includedPermissions")
            .cloned()
            .unwrap_or_else(|| Value::Array(Vec::new())),
    );
    src.common(
        &mut row,
        project,
        "global",
        r.get("title").cloned().unwrap_or(Value::Null),
        vec![format!("gcp://iam.googleapis.com/{name}")],
    );
    row
}

/// The phases a query needs: `is_gcp_managed = true/false` skips the other kind.
fn wanted(req: &ListRequest, phase: u8) -> bool {
    match req.quals.values("is_gcp_managed") {
        Some([Value::Bool(managed)]) => *managed == (phase == PREDEFINED),
        _ => true,
    }
}

/// Per project: its custom roles, then the predefined roles, page by page.
pub(crate) async fn list(
    src: &GcpSource,
    req: &ListRequest,
    mut cursor: Cursor,
) -> Result<Page, FetchError> {
    let projects = src.projects_for(req).await?;
    while cursor.phase <= PREDEFINED && !wanted(req, cursor.phase) {
        cursor = Cursor {
            phase: cursor.phase + 1,
            page: None,
            ..cursor
        };
    }
    let Some(project) = projects.get(cursor.project) else {
        return Ok(Page::default());
    };
    if cursor.phase > PREDEFINED {
        return Ok(Page {
            rows: Vec::new(),
            next: cursor.next_project(projects.len()),
        });
    }
    let custom = cursor.phase == CUSTOM;
    let (path, api_call) = if custom {
        (
            format!("/v1/projects/{}/roles", urlencoding::encode(project)),
            LIST_CUSTOM,
        )
    } else {
        ("/v1/roles".to_string(), LIST_PREDEFINED)
    };
    let (items, next) = src
        .rest
        .page(
            IAM,
            &path,
            &[("view", "FULL"), ("pageSize", PAGE_SIZE)],
            cursor.page.as_deref(),
            "roles",
            api_call,
        )
        .await?;
    Ok(Page {
        rows: items
            .iter()
            .map(|r| role_row(src, project, r, !custom))
            .collect(),
        next: match next {
            Some(t) => cursor.next_page(t),
            None if custom => cursor.next_phase(),
            None => cursor.next_project(projects.len()),
        },
    })
}

/// A role by name: `projects/<p>/roles/<id>` (a custom role of one of the connection's
/// projects) or `roles/<id>` (predefined: one row per project, as the listing has).
pub(crate) async fn get(src: &GcpSource, name: &str) -> Result<Vec<Row>, FetchError> {
    let custom_project = name
        .strip_prefix("projects/")
        .and_then(|rest| rest.split('/').next());
    if let Some(p) = custom_project {
        if !src.has_project(p).await? {
            return Ok(Vec::new());
        }
    } else if !name.starts_with("roles/") {
        return Ok(Vec::new());
    }
    let path = format!("/v1/{name}");
    let Some(role) = src
        .rest
        .get_opt(IAM, &path, &[("view", "FULL")], GET)
        .await?
    else {
        return Ok(Vec::new());
    };
    Ok(match custom_project {
        Some(p) => vec![role_row(src, p, &role, false)],
        None => src
            .all_projects()
            .await?
            .iter()
            .map(|p| role_row(src, p, &role, true))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Quals;

    fn req(managed: Option<bool>) -> ListRequest {
        ListRequest {
            region: None,
            quals: Quals {
                equals: managed
                    .map(|m| vec![("is_gcp_managed".to_string(), vec![Value::Bool(m)])])
                    .unwrap_or_default(),
            },
        }
    }

    #[test]
    fn is_gcp_managed_selects_the_listings() {
        assert!(wanted(&req(None), CUSTOM) && wanted(&req(None), PREDEFINED));
        assert!(wanted(&req(Some(true)), PREDEFINED) && !wanted(&req(Some(true)), CUSTOM));
        assert!(wanted(&req(Some(false)), CUSTOM) && !wanted(&req(Some(false)), PREDEFINED));
    }
}
