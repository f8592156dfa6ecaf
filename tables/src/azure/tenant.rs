//! `azure_tenant`: the tenants the credential can see (ARM `GET /tenants`).

use serde_json::{Value, json};

use super::AzureTable;
use super::rest::ARM;
use super::source::{AzureSource, SUBSCRIPTIONS_API, put};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, Page, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azure_tenant",
        description: "Azure tenants (Microsoft Entra directories) the credential can access.",
        service: "management",
        scope: Scope::Global,
        columns: azure_columns![
            col("name", Text, "The display name of the tenant."),
            col(
                "id",
                Text,
                "The fully qualified ID of the tenant. For example, /tenants/00000000-0000-0000-0000-000000000000."
            ),
            col(
                "tenant_id",
                Text,
                "The tenant ID. For example, 00000000-0000-0000-0000-000000000000."
            ),
            col(
                "tenant_category",
                Text,
                "The tenant category. Possible values include: 'Home', 'ProjectedBy', 'ManagedBy'."
            ),
            col(
                "country",
                Text,
                "Country/region name of the address for the tenant."
            ),
            col(
                "country_code",
                Text,
                "Country/region abbreviation for the tenant."
            ),
            col("display_name", Text, "The display name of the tenant."),
            col("domains", Json, "The list of domains for the tenant."),
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
    list: |s, _, token| Box::pin(list(s, token)),
    get: None,
};

const LIST: &str = "Microsoft.Resources/tenants/read";

fn tenant_row(src: &AzureSource, t: &Value) -> Row {
    let mut row = Row::new();
    put(&mut row, "name", t, "displayName");
    put(&mut row, "id", t, "id");
    put(&mut row, "tenant_id", t, "tenantId");
    put(&mut row, "tenant_category", t, "tenantCategory");
    put(&mut row, "country", t, "country");
    put(&mut row, "country_code", t, "countryCode");
    put(&mut row, "display_name", t, "displayName");
    put(&mut row, "domains", t, "domains");
    let title = t
        .get("displayName")
        .filter(|d| d.is_string())
        .or_else(|| t.get("tenantId"))
        .cloned()
        .unwrap_or(Value::Null);
    row.insert("title".into(), title);
    let id = t.get("id").and_then(Value::as_str).unwrap_or_default();
    row.insert("akas".into(), json!([format!("azure://{id}")]));
    src.azure_common(&mut row, None);
    row
}

async fn list(src: &AzureSource, token: Option<String>) -> Result<Page, FetchError> {
    let (items, next) = src
        .rest
        .page(
            ARM,
            "/tenants",
            &[("api-version", SUBSCRIPTIONS_API)],
            token.as_deref(),
            LIST,
        )
        .await?;
    Ok(Page {
        rows: items.iter().map(|t| tenant_row(src, t)).collect(),
        next,
    })
}
