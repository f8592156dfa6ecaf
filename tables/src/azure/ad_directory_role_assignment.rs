//! `azuread_directory_role_assignment`: active Microsoft Entra role assignments with their
//! scope (Microsoft Graph v1.0 `GET /roleManagement/directory/roleAssignments`): tenant-wide
//! (`/`), an administrative unit (`/administrativeUnits/{id}`) or one object (`/{id}`).

use serde_json::Value;

use super::AzureTable;
use super::graph;
use super::source::{AzureSource, put};
use crate::framework::Row;
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azuread_directory_role_assignment",
        description: "Active Microsoft Entra role assignments, with their directory scope (tenant, administrative unit or object).",
        service: "graph",
        scope: Scope::Global,
        columns: azuread_columns![
            col("id", Text, "The unique identifier of the role assignment."),
            col(
                "principal_id",
                Text,
                "Object id of the user, group or service principal assigned."
            ),
            col(
                "role_definition_id",
                Text,
                "Id of the role definition (the template id for built-in roles)."
            ),
            col(
                "directory_scope_id",
                Text,
                "Where the assignment applies: `/` (tenant), `/administrativeUnits/{id}` or `/{object id}`."
            ),
            col(
                "app_scope_id",
                Text,
                "Application-specific scope, when the assignment is scoped to an app."
            ),
            col("condition", Text, "Condition of the assignment, if any."),
            col("title", Text, "Title of the resource."),
        ],
        get_keys: &[],
        id_column: "id",
    },
    list: |s, _, token| {
        Box::pin(graph::list(
            s,
            COLLECTION,
            SELECT,
            token,
            LIST,
            assignment_row,
        ))
    },
    get: None,
};

const COLLECTION: &str = "roleManagement/directory/roleAssignments";
const LIST: &str = "graph:roleManagement.directory.roleAssignments.list";
const SELECT: &str = "id,principalId,roleDefinitionId,directoryScopeId,appScopeId,condition";

fn assignment_row(src: &AzureSource, a: &Value) -> Row {
    let mut row = Row::new();
    put(&mut row, "id", a, "id");
    put(&mut row, "principal_id", a, "principalId");
    put(&mut row, "role_definition_id", a, "roleDefinitionId");
    put(&mut row, "directory_scope_id", a, "directoryScopeId");
    put(&mut row, "app_scope_id", a, "appScopeId");
    put(&mut row, "condition", a, "condition");
    put(&mut row, "title", a, "id");
    src.azuread_common(&mut row);
    row
}
