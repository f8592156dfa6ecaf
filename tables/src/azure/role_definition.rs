//! `azure_role_definition`: built-in and custom Azure RBAC role definitions assignable in
//! each subscription (ARM `GET /subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions`).

use serde_json::{Value, json};

use super::AzureTable;
use super::source::{AzureSource, list_per_subscription, put};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azure_role_definition",
        description: "Azure RBAC role definitions (built-in and custom) of each subscription.",
        service: "management",
        scope: Scope::Global,
        columns: azure_columns![
            col(
                "name",
                Text,
                "The friendly name that identifies the role definition."
            ),
            col(
                "id",
                Text,
                "Contains ID to identify a role definition uniquely."
            ),
            col("description", Text, "Description of the role definition."),
            col(
                "role_name",
                Text,
                "The role's name (Owner, Reader, or a custom role's name)."
            ),
            col("role_type", Text, "BuiltInRole or CustomRole."),
            col("type", Text, "Contains the resource type."),
            col(
                "assignable_scopes",
                Json,
                "A list of assignable scopes for which the role definition can be assigned."
            ),
            col(
                "permissions",
                Json,
                "A list of actions, which can be accessed (actions, notActions, dataActions, notDataActions)."
            ),
            col("title", Text, "Title of the resource."),
            col(
                "akas",
                Json,
                "Array of globally unique identifier strings (also known as) for the resource."
            ),
        ],
        get_keys: &[],
        id_column: "id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: None,
};

const API_VERSION: &str = "2022-04-01";
const LIST: &str = "Microsoft.Authorization/roleDefinitions/read";

fn definition_row(src: &AzureSource, sub: &str, d: &Value) -> Row {
    let mut row = Row::new();
    let p = d.get("properties").cloned().unwrap_or(Value::Null);
    put(&mut row, "name", d, "name");
    put(&mut row, "id", d, "id");
    put(&mut row, "description", &p, "description");
    put(&mut row, "role_name", &p, "roleName");
    put(&mut row, "role_type", &p, "type");
    put(&mut row, "type", d, "type");
    put(&mut row, "assignable_scopes", &p, "assignableScopes");
    put(&mut row, "permissions", &p, "permissions");
    put(&mut row, "title", &p, "roleName");
    let id = d.get("id").and_then(Value::as_str).unwrap_or_default();
    row.insert(
        "akas".into(),
        json!([
            format!("azure://{id}"),
            format!("azure://{}", id.to_lowercase())
        ]),
    );
    src.azure_common(&mut row, Some(sub));
    row
}

async fn list(
    src: &AzureSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    list_per_subscription(
        src,
        req,
        token,
        |sub| format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions"),
        API_VERSION,
        LIST,
        definition_row,
    )
    .await
}
