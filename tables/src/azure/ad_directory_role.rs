//! `azuread_directory_role`: activated Microsoft Entra directory roles (Microsoft Graph v1.0
//! `GET /directoryRoles`, with `/directoryRoles/{id}/members` as a hydrate call).

use serde_json::Value;

use super::graph;
use super::source::{AzureSource, put};
use super::{AzureHydrate, AzureTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azuread_directory_role",
        description: "Activated directory roles of the Microsoft Entra tenant, with their (tenant-wide) members.",
        service: "graph",
        scope: Scope::Global,
        columns: azuread_columns![
            col("id", Text, "The unique identifier for the directory role."),
            col(
                "description",
                Text,
                "The description for the directory role."
            ),
            col(
                "display_name",
                Text,
                "The display name for the directory role."
            ),
            col(
                "role_template_id",
                Text,
                "The id of the directoryRoleTemplate that this role is based on (the same in every tenant)."
            ),
            hcol(
                "member_ids",
                Json,
                "Id of the principals the role is assigned to tenant-wide.",
                &MEMBERS
            ),
            col("title", Text, "Title of the resource."),
        ],
        get_keys: &["id"],
        id_column: "id",
    },
    list: |s, _, token| {
        Box::pin(graph::list(
            s,
            "directoryRoles",
            SELECT,
            token,
            LIST,
            role_row,
        ))
    },
    get: Some(|s, _, _, key| Box::pin(graph::get(s, "directoryRoles", key, SELECT, GET, role_row))),
};

static MEMBERS: AzureHydrate = AzureHydrate::new("members", |s, _, row| Box::pin(members(s, row)));

const LIST: &str = "graph:directoryRoles.list";
const GET: &str = "graph:directoryRoles.get";
const LIST_MEMBERS: &str = "graph:directoryRoles.members.list";

const SELECT: &str = "id,description,displayName,roleTemplateId";

fn role_row(src: &AzureSource, r: &Value) -> Row {
    let mut row = Row::new();
    put(&mut row, "id", r, "id");
    put(&mut row, "description", r, "description");
    put(&mut row, "display_name", r, "displayName");
    put(&mut row, "role_template_id", r, "roleTemplateId");
    row.insert("title".into(), graph::title(r));
    src.azuread_common(&mut row);
    row
}

async fn members(src: &AzureSource, row: &Row) -> Result<Row, FetchError> {
    let items = graph::related(src, row, "directoryRoles", "members", "id", LIST_MEMBERS).await?;
    let mut out = Row::new();
    out.insert("member_ids".into(), graph::ids(&items));
    Ok(out)
}
