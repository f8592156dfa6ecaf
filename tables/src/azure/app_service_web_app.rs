//! `azure_app_service_web_app`: App Service web apps of each subscription with their managed
//! identities (ARM `GET /subscriptions/{s}/providers/Microsoft.Web/sites`, the sites whose
//! `kind` is not a function app). Columns that need extra calls (`site_config`,
//! `auth_settings`, diagnostic settings) are not served yet.

use serde_json::Value;

use super::AzureTable;
use super::source::{AzureSource, list_per_subscription, put, put_at, resource_common};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azure_app_service_web_app",
        description: "App Service web apps of each subscription, with their managed identities.",
        service: "management",
        scope: Scope::Global,
        columns: azure_resource_columns![
            col(
                "name",
                Text,
                "The friendly name that identifies the app service web app."
            ),
            col(
                "id",
                Text,
                "Contains ID to identify an app service web app uniquely."
            ),
            col("kind", Text, "Contains the kind of the resource."),
            col(
                "type",
                Text,
                "The resource type of the app service web app."
            ),
            col("state", Text, "Current state of the app."),
            col(
                "default_site_hostname",
                Text,
                "Default hostname of the app."
            ),
            col("enabled", Bool, "Indicates whether the app is enabled."),
            col(
                "host_names",
                Json,
                "A list of hostnames associated with the app."
            ),
            col(
                "https_only",
                Bool,
                "Configures a web site to accept only https requests."
            ),
            col(
                "client_affinity_enabled",
                Bool,
                "Indicates whether client affinity is enabled."
            ),
            col(
                "client_cert_enabled",
                Bool,
                "Indicates whether client certificate authentication is enabled."
            ),
            col(
                "outbound_ip_addresses",
                Text,
                "List of IP addresses that the app uses for outbound connections."
            ),
            col("reserved", Bool, "True for a Linux app."),
            col(
                "server_farm_id",
                Text,
                "The App Service plan the app runs on."
            ),
            col(
                "identity",
                Json,
                "Managed service identity of the app: type, principalId, tenantId and userAssignedIdentities."
            ),
        ],
        get_keys: &[],
        id_column: "id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: None,
};

const API_VERSION: &str = "2023-12-01";
const LIST: &str = "Microsoft.Web/sites/read";

/// Whether an ARM site `kind` is a function app (served by the function app table, not here).
pub(crate) fn is_function_app(kind: &str) -> bool {
    kind.split(',')
        .any(|k| k.trim().eq_ignore_ascii_case("functionapp"))
}

fn site_row(src: &AzureSource, sub: &str, site: &Value) -> Row {
    let mut row = Row::new();
    put(&mut row, "name", site, "name");
    put(&mut row, "id", site, "id");
    put(&mut row, "kind", site, "kind");
    put(&mut row, "type", site, "type");
    for (column, pointer) in [
        ("state", "/properties/state"),
        ("default_site_hostname", "/properties/defaultHostName"),
        ("enabled", "/properties/enabled"),
        ("host_names", "/properties/hostNames"),
        ("https_only", "/properties/httpsOnly"),
        (
            "client_affinity_enabled",
            "/properties/clientAffinityEnabled",
        ),
        ("client_cert_enabled", "/properties/clientCertEnabled"),
        ("outbound_ip_addresses", "/properties/outboundIpAddresses"),
        ("reserved", "/properties/reserved"),
        ("server_farm_id", "/properties/serverFarmId"),
        ("identity", "/identity"),
    ] {
        put_at(&mut row, column, site, pointer);
    }
    resource_common(src, &mut row, sub, site);
    row
}

async fn list(
    src: &AzureSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let mut page = list_per_subscription(
        src,
        req,
        token,
        |sub| format!("/subscriptions/{sub}/providers/Microsoft.Web/sites"),
        API_VERSION,
        LIST,
        site_row,
    )
    .await?;
    page.rows.retain(|r| {
        !r.get("kind")
            .and_then(Value::as_str)
            .is_some_and(is_function_app)
    });
    Ok(page)
}
