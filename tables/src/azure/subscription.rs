//! `azure_subscription`: the connection's subscriptions (ARM `GET /subscriptions/{id}`).

use serde_json::{Value, json};

use super::AzureTable;
use super::rest::ARM;
use super::source::{AzureSource, Cursor, SUBSCRIPTIONS_API, is_guid, put};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azure_subscription",
        description: "Azure subscriptions of the connection.",
        service: "management",
        scope: Scope::Global,
        columns: &[
            col(
                "id",
                Text,
                "The fully qualified ID for the subscription. For example, /subscriptions/00000000-0000-0000-0000-000000000000.",
            ),
            col("subscription_id", Text, "The subscription ID."),
            col(
                "display_name",
                Text,
                "A friendly name that identifies a subscription.",
            ),
            col("tenant_id", Text, "The subscription tenant ID."),
            col(
                "state",
                Text,
                "The subscription state. Possible values are Enabled, Warned, PastDue, Disabled, and Deleted.",
            ),
            col(
                "authorization_source",
                Text,
                "The authorization source of the request. Valid values are one or more combinations of Legacy, RoleBased, Bypassed, Direct and Management.",
            ),
            col(
                "managed_by_tenants",
                Json,
                "An array containing the tenants managing the subscription.",
            ),
            col("subscription_policies", Json, "The subscription policies."),
            col("title", Text, "Title of the resource."),
            col("tags", Json, "A map of tags for the resource."),
            col(
                "akas",
                Json,
                "Array of globally unique identifier strings (also known as) for the resource.",
            ),
            col("cloud_environment", Text, "The Azure Cloud Environment."),
            col(
                "_ctx",
                Json,
                "pathwarden context: the connection that produced the row.",
            ),
        ],
        get_keys: &["subscription_id"],
        id_column: "id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: Some(|s, _, _, key| Box::pin(get(s, key))),
};

const GET: &str = "Microsoft.Resources/subscriptions/read";

fn subscription_row(src: &AzureSource, s: &Value) -> Row {
    let mut row = Row::new();
    put(&mut row, "id", s, "id");
    put(&mut row, "subscription_id", s, "subscriptionId");
    put(&mut row, "display_name", s, "displayName");
    put(&mut row, "tenant_id", s, "tenantId");
    put(&mut row, "state", s, "state");
    put(&mut row, "authorization_source", s, "authorizationSource");
    put(&mut row, "managed_by_tenants", s, "managedByTenants");
    put(&mut row, "subscription_policies", s, "subscriptionPolicies");
    put(&mut row, "title", s, "displayName");
    put(&mut row, "tags", s, "tags");
    let id = s.get("id").and_then(Value::as_str).unwrap_or_default();
    row.insert("akas".into(), json!([format!("azure://{id}")]));
    row.insert(
        "cloud_environment".into(),
        Value::String(src.cloud_environment()),
    );
    src.ctx(&mut row);
    row
}

async fn fetch(src: &AzureSource, id: &str) -> Result<Option<Row>, FetchError> {
    if !is_guid(id) {
        return Ok(None);
    }
    Ok(src
        .rest
        .get_opt(
            ARM,
            &format!("/subscriptions/{id}"),
            &[("api-version", SUBSCRIPTIONS_API)],
            GET,
        )
        .await?
        .map(|s| subscription_row(src, &s)))
}

/// One page per subscription.
async fn list(
    src: &AzureSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let cursor = Cursor::parse(token.as_deref());
    let subs = src.subscriptions_for(req);
    let Some(sub) = subs.get(cursor.sub) else {
        return Ok(Page::default());
    };
    Ok(Page {
        rows: fetch(src, sub).await?.into_iter().collect(),
        next: cursor.after(None, subs.len()),
    })
}

/// One of the connection's subscriptions by id.
async fn get(src: &AzureSource, id: &str) -> Result<Option<Row>, FetchError> {
    if !src.subscriptions.iter().any(|s| s.eq_ignore_ascii_case(id)) {
        return Ok(None);
    }
    fetch(src, id).await
}
