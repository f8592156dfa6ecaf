//! `azure_management_group`: management groups of the tenant (ARM
//! `Microsoft.Management/managementGroups` list, and get with `$expand=children` as a
//! hydrate call for the hierarchy).

use serde_json::{Value, json};

use super::rest::ARM;
use super::source::{AzureSource, need, put};
use super::{AzureHydrate, AzureTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, Page, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azure_management_group",
        description: "Azure management groups of the tenant, with their parent and children.",
        service: "management",
        scope: Scope::Global,
        columns: azure_columns![
            col(
                "id",
                Text,
                "The fully qualified ID for the management group. For example, /providers/Microsoft.Management/managementGroups/0000000-0000-0000-0000-000000000000."
            ),
            col(
                "name",
                Text,
                "The name of the management group. For example, 00000000-0000-0000-0000-000000000000."
            ),
            col(
                "type",
                Text,
                "The type of the resource. For example, Microsoft.Management/managementGroups."
            ),
            col(
                "display_name",
                Text,
                "The friendly name of the management group."
            ),
            col(
                "tenant_id",
                Text,
                "The AAD Tenant ID associated with the management group. For example, 00000000-0000-0000-0000-000000000000."
            ),
            hcol(
                "updated_by",
                Text,
                "The identity of the principal or process that updated the object.",
                &GET_GROUP
            ),
            hcol(
                "updated_time",
                Timestamp,
                "The date and time when this object was last updated.",
                &GET_GROUP
            ),
            hcol(
                "version",
                Int,
                "The version number of the object.",
                &GET_GROUP
            ),
            hcol(
                "children",
                Json,
                "The list of children of the management group (management groups and subscriptions).",
                &GET_GROUP
            ),
            hcol(
                "parent",
                Json,
                "The associated parent management group.",
                &GET_GROUP
            ),
            col("title", Text, "Title of the resource."),
            col(
                "akas",
                Json,
                "Array of globally unique identifier strings (also known as) for the resource."
            ),
        ],
        get_keys: &["name"],
        id_column: "id",
    },
    list: |s, _, token| Box::pin(list(s, token)),
    get: Some(|s, _, _, key| Box::pin(get(s, key))),
};

static GET_GROUP: AzureHydrate = AzureHydrate::new("get_management_group", |s, _, row| {
    Box::pin(hydrate(s, row))
});

const API_VERSION: &str = "2021-04-01";
const LIST: &str = "Microsoft.Management/managementGroups/read";

/// Management group names are ids chosen by people: letters, digits, `-`, `_`, `(`, `)`, `.`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 90
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_().".contains(c))
}

fn group_row(src: &AzureSource, g: &Value) -> Row {
    let mut row = Row::new();
    let props = g.get("properties").cloned().unwrap_or(Value::Null);
    put(&mut row, "id", g, "id");
    put(&mut row, "name", g, "name");
    put(&mut row, "type", g, "type");
    put(&mut row, "display_name", &props, "displayName");
    put(&mut row, "tenant_id", &props, "tenantId");
    let title = props
        .get("displayName")
        .filter(|d| d.is_string())
        .or_else(|| g.get("name"))
        .cloned()
        .unwrap_or(Value::Null);
    row.insert("title".into(), title);
    let id = g.get("id").and_then(Value::as_str).unwrap_or_default();
    row.insert("akas".into(), json!([format!("azure://{id}")]));
    src.azure_common(&mut row, None);
    row
}

fn detail_columns(g: &Value) -> Row {
    let props = g.get("properties").cloned().unwrap_or(Value::Null);
    let details = props.get("details").cloned().unwrap_or(Value::Null);
    let mut out = Row::new();
    put(&mut out, "updated_by", &details, "updatedBy");
    put(&mut out, "updated_time", &details, "updatedTime");
    put(&mut out, "version", &details, "version");
    put(&mut out, "parent", &details, "parent");
    out.insert(
        "children".into(),
        props
            .get("children")
            .filter(|c| c.is_array())
            .cloned()
            .unwrap_or_else(|| Value::Array(Vec::new())),
    );
    out
}

async fn list(src: &AzureSource, token: Option<String>) -> Result<Page, FetchError> {
    let (items, next) = src
        .rest
        .page(
            ARM,
            "/providers/Microsoft.Management/managementGroups",
            &[("api-version", API_VERSION)],
            token.as_deref(),
            LIST,
        )
        .await?;
    Ok(Page {
        rows: items.iter().map(|g| group_row(src, g)).collect(),
        next,
    })
}

async fn fetch(src: &AzureSource, name: &str) -> Result<Option<Value>, FetchError> {
    if !valid_name(name) {
        return Ok(None);
    }
    src.rest
        .get_opt(
            ARM,
            &format!(
                "/providers/Microsoft.Management/managementGroups/{}",
                urlencoding::encode(name)
            ),
            &[("api-version", API_VERSION), ("$expand", "children")],
            LIST,
        )
        .await
}

async fn get(src: &AzureSource, name: &str) -> Result<Option<Row>, FetchError> {
    Ok(fetch(src, name).await?.map(|g| {
        let mut row = group_row(src, &g);
        row.extend(detail_columns(&g));
        row
    }))
}

/// `get_management_group`: details (parent, version, update) and direct children.
async fn hydrate(src: &AzureSource, row: &Row) -> Result<Row, FetchError> {
    let name = need(row, "name", LIST)?;
    Ok(fetch(src, name)
        .await?
        .map(|g| detail_columns(&g))
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    #[test]
    fn hostile_names_never_reach_a_path() {
        assert!(super::valid_name("Contoso-Prod_(EU).1"));
        for bad in ["", "..", "a/b", "a?b", "a#b", "a%2Fb", "a b"] {
            assert!(!super::valid_name(bad), "{bad}");
        }
    }
}
