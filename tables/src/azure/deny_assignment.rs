//! `azure_deny_assignment` (pathwarden; Steampipe has no such table): Azure RBAC deny
//! assignments visible from each subscription (ARM `GET /subscriptions/{s}/providers/
//! Microsoft.Authorization/denyAssignments`: at, above and below the subscription). They
//! are created by Azure itself (managed applications, deployment stacks, Blueprints) and
//! override every role assignment for the principals they name.

use serde_json::{Value, json};

use super::AzureTable;
use super::source::{AzureSource, list_per_subscription, put, put_at};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azure_deny_assignment",
        description: "pathwarden: Azure RBAC deny assignments visible from each subscription (inherited ones included).",
        service: "management",
        scope: Scope::Global,
        columns: azure_columns![
            col("name", Text, "The deny assignment's GUID."),
            col("id", Text, "The deny assignment's resource id."),
            col(
                "deny_assignment_name",
                Text,
                "The display name of the deny assignment."
            ),
            col(
                "description",
                Text,
                "The description of the deny assignment."
            ),
            col(
                "scope",
                Text,
                "The scope it applies to: a management group, subscription, resource group or resource id."
            ),
            col(
                "permissions",
                Json,
                "Denied actions and data actions: [{actions, notActions, dataActions, notDataActions}]."
            ),
            col(
                "principals",
                Json,
                "Principals denied: [{id, type}]; id 00000000-0000-0000-0000-000000000000 with type SystemDefined is everyone."
            ),
            col(
                "exclude_principals",
                Json,
                "Principals exempt from the deny: [{id, type}]."
            ),
            col(
                "do_not_apply_to_child_scopes",
                Bool,
                "True when the deny applies at its scope only, not below it."
            ),
            col(
                "is_system_protected",
                Bool,
                "True when Azure created it and it cannot be removed by users."
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
const LIST: &str = "Microsoft.Authorization/denyAssignments/read";

fn deny_row(src: &AzureSource, sub: &str, d: &Value) -> Row {
    let mut row = Row::new();
    put(&mut row, "name", d, "name");
    put(&mut row, "id", d, "id");
    for (column, pointer) in [
        ("deny_assignment_name", "/properties/denyAssignmentName"),
        ("description", "/properties/description"),
        ("scope", "/properties/scope"),
        ("permissions", "/properties/permissions"),
        ("principals", "/properties/principals"),
        ("exclude_principals", "/properties/excludePrincipals"),
        (
            "do_not_apply_to_child_scopes",
            "/properties/doNotApplyToChildScopes",
        ),
        ("is_system_protected", "/properties/isSystemProtected"),
    ] {
        put_at(&mut row, column, d, pointer);
    }
    let title = d
        .pointer("/properties/denyAssignmentName")
        .or_else(|| d.get("name"))
        .cloned()
        .unwrap_or(Value::Null);
    row.insert("title".into(), title);
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
        |sub| format!("/subscriptions/{sub}/providers/Microsoft.Authorization/denyAssignments"),
        API_VERSION,
        LIST,
        deny_row,
    )
    .await
}
