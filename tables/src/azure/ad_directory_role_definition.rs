//! `azuread_directory_role_definition`: Microsoft Entra role definitions, built-in and
//! custom, with their permissions (Microsoft Graph v1.0
//! `GET /roleManagement/directory/roleDefinitions`).

use serde_json::Value;

use super::AzureTable;
use super::graph;
use super::source::{AzureSource, put};
use crate::framework::Row;
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azuread_directory_role_definition",
        description: "Microsoft Entra role definitions (built-in and custom) with the permissions they grant.",
        service: "graph",
        scope: Scope::Global,
        columns: azuread_columns![
            col(
                "id",
                Text,
                "The unique identifier for the role definition (the template id for built-in roles)."
            ),
            col(
                "display_name",
                Text,
                "The display name for the role definition."
            ),
            col(
                "description",
                Text,
                "The description for the role definition."
            ),
            col(
                "is_built_in",
                Bool,
                "True for a built-in role, false for a custom role."
            ),
            col(
                "is_enabled",
                Bool,
                "Whether the role is enabled (custom roles can be disabled)."
            ),
            col(
                "template_id",
                Text,
                "Custom template identifier that can be set when isBuiltIn is false."
            ),
            col("version", Text, "The version of the role definition."),
            col(
                "resource_scopes",
                Json,
                "Scopes the role can be assigned at."
            ),
            col(
                "role_permissions",
                Json,
                "The permissions granted: [{allowedResourceActions, condition}]."
            ),
            col("title", Text, "Title of the resource."),
        ],
        get_keys: &["id"],
        id_column: "id",
    },
    list: |s, _, token| {
        Box::pin(graph::list(
            s,
            COLLECTION,
            SELECT,
            token,
            LIST,
            definition_row,
        ))
    },
    get: Some(|s, _, _, key| Box::pin(graph::get(s, COLLECTION, key, SELECT, GET, definition_row))),
};

const COLLECTION: &str = "roleManagement/directory/roleDefinitions";
const LIST: &str = "graph:roleManagement.directory.roleDefinitions.list";
const GET: &str = "graph:roleManagement.directory.roleDefinitions.get";
const SELECT: &str = "id,displayName,description,isBuiltIn,isEnabled,templateId,version,resourceScopes,rolePermissions";

fn definition_row(src: &AzureSource, d: &Value) -> Row {
    let mut row = Row::new();
    put(&mut row, "id", d, "id");
    put(&mut row, "display_name", d, "displayName");
    put(&mut row, "description", d, "description");
    put(&mut row, "is_built_in", d, "isBuiltIn");
    put(&mut row, "is_enabled", d, "isEnabled");
    put(&mut row, "template_id", d, "templateId");
    put(&mut row, "version", d, "version");
    put(&mut row, "resource_scopes", d, "resourceScopes");
    put(&mut row, "role_permissions", d, "rolePermissions");
    row.insert("title".into(), graph::title(d));
    src.azuread_common(&mut row);
    row
}
