//! `azure_resource_group`: resource groups of each subscription (ARM
//! `GET /subscriptions/{s}/resourcegroups`).

use serde_json::{Value, json};

use super::AzureTable;
use super::source::{AzureSource, list_per_subscription, put};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azure_resource_group",
        description: "Azure resource groups of each subscription of the connection.",
        service: "management",
        scope: Scope::Global,
        columns: azure_columns![
            col(
                "name",
                Text,
                "The friendly name that identifies the resource group."
            ),
            col(
                "id",
                Text,
                "Contains ID to identify a resource group uniquely."
            ),
            col(
                "provisioning_state",
                Text,
                "Current state of the resource group."
            ),
            col(
                "managed_by",
                Text,
                "Contains ID of the resource that manages this resource group."
            ),
            col("type", Text, "Type of the resource group."),
            col("title", Text, "Title of the resource."),
            col("tags", Json, "A map of tags for the resource."),
            col(
                "akas",
                Json,
                "Array of globally unique identifier strings (also known as) for the resource."
            ),
            col("region", Text, "Location of the resource group."),
        ],
        get_keys: &[],
        id_column: "id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: None,
};

const API_VERSION: &str = "2021-04-01";
const LIST: &str = "Microsoft.Resources/subscriptions/resourceGroups/read";

fn group_row(src: &AzureSource, sub: &str, g: &Value) -> Row {
    let mut row = Row::new();
    put(&mut row, "name", g, "name");
    put(&mut row, "id", g, "id");
    row.insert(
        "provisioning_state".into(),
        g.pointer("/properties/provisioningState")
            .cloned()
            .unwrap_or(Value::Null),
    );
    put(&mut row, "managed_by", g, "managedBy");
    put(&mut row, "type", g, "type");
    put(&mut row, "title", g, "name");
    put(&mut row, "tags", g, "tags");
    let id = g.get("id").and_then(Value::as_str).unwrap_or_default();
    row.insert(
        "akas".into(),
        json!([
            format!("azure://{id}"),
            format!("azure://{}", id.to_lowercase())
        ]),
    );
    put(&mut row, "region", g, "location");
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
        |sub| format!("/subscriptions/{sub}/resourcegroups"),
        API_VERSION,
        LIST,
        group_row,
    )
    .await
}
