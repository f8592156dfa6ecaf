//! `azure_role_assignment`: Azure RBAC role assignments visible from each subscription (ARM
//! `GET /subscriptions/{s}/providers/Microsoft.Authorization/roleAssignments`: those at the
//! subscription, inherited from its management groups, and below it), with their ABAC
//! `condition`.

use serde_json::{Value, json};

use super::AzureTable;
use super::source::{AzureSource, list_per_subscription, put};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azure_role_assignment",
        description: "Azure RBAC role assignments visible from each subscription (inherited ones included).",
        service: "management",
        scope: Scope::Global,
        columns: azure_columns![
            col(
                "name",
                Text,
                "The friendly name that identifies the role assignment."
            ),
            col(
                "id",
                Text,
                "Contains ID to identify a role assignment uniquely."
            ),
            col(
                "scope",
                Text,
                "The scope the assignment applies to: a management group, subscription, resource group or resource id."
            ),
            col("type", Text, "Contains the resource type."),
            col("principal_id", Text, "Contains the principal id."),
            col(
                "principal_type",
                Text,
                "Principal type of the assigned principal ID."
            ),
            col("created_on", Timestamp, "Time it was created."),
            col("updated_on", Timestamp, "Time it was updated."),
            col(
                "role_definition_id",
                Text,
                "The id of the assigned role definition."
            ),
            col(
                "condition",
                Text,
                "pathwarden: the ABAC condition that limits the assignment (null: unconditional)."
            ),
            col(
                "condition_version",
                Text,
                "pathwarden: version of the condition language (2.0)."
            ),
            col(
                "description",
                Text,
                "pathwarden: description of the role assignment."
            ),
            col(
                "created_by",
                Text,
                "pathwarden: object id of the principal that created the assignment."
            ),
            col(
                "updated_by",
                Text,
                "pathwarden: object id of the principal that last updated the assignment."
            ),
            col(
                "delegated_managed_identity_resource_id",
                Text,
                "pathwarden: the delegated managed identity resource id (cross-tenant assignments)."
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
const LIST: &str = "Microsoft.Authorization/roleAssignments/read";

fn assignment_row(src: &AzureSource, sub: &str, a: &Value) -> Row {
    let mut row = Row::new();
    let p = a.get("properties").cloned().unwrap_or(Value::Null);
    put(&mut row, "name", a, "name");
    put(&mut row, "id", a, "id");
    put(&mut row, "scope", &p, "scope");
    put(&mut row, "type", a, "type");
    put(&mut row, "principal_id", &p, "principalId");
    put(&mut row, "principal_type", &p, "principalType");
    put(&mut row, "created_on", &p, "createdOn");
    put(&mut row, "updated_on", &p, "updatedOn");
    put(&mut row, "role_definition_id", &p, "roleDefinitionId");
    put(&mut row, "condition", &p, "condition");
    put(&mut row, "condition_version", &p, "conditionVersion");
    put(&mut row, "description", &p, "description");
    put(&mut row, "created_by", &p, "createdBy");
    put(&mut row, "updated_by", &p, "updatedBy");
    put(
        &mut row,
        "delegated_managed_identity_resource_id",
        &p,
        "delegatedManagedIdentityResourceId",
    );
    put(&mut row, "title", a, "name");
    let id = a.get("id").and_then(Value::as_str).unwrap_or_default();
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
        |sub| format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments"),
        API_VERSION,
        LIST,
        assignment_row,
    )
    .await
}
