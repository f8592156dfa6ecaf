//! `azure_storage_account`: storage accounts of each subscription (ARM
//! `GET /subscriptions/{s}/providers/Microsoft.Storage/storageAccounts`). Columns that need
//! the blob, file, queue or table service calls are not served yet; access keys never are.

use serde_json::Value;

use super::AzureTable;
use super::source::{AzureSource, list_per_subscription, put, put_at, resource_common};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azure_storage_account",
        description: "Azure storage accounts of each subscription.",
        service: "management",
        scope: Scope::Global,
        columns: azure_resource_columns![
            col(
                "name",
                Text,
                "The friendly name that identifies the storage account."
            ),
            col(
                "id",
                Text,
                "Contains ID to identify a storage account uniquely."
            ),
            col("type", Text, "Type of the resource."),
            col("access_tier", Text, "The access tier used for billing."),
            col("kind", Text, "The kind of the resource."),
            col(
                "sku_name",
                Text,
                "Contains sku name of the storage account."
            ),
            col(
                "sku_tier",
                Text,
                "Contains sku tier of the storage account."
            ),
            col(
                "creation_time",
                Timestamp,
                "Creation date and time of the storage account."
            ),
            col(
                "allow_blob_public_access",
                Bool,
                "Specifies whether allow or disallow public access to all blobs or containers in the storage account."
            ),
            col(
                "allow_shared_key_access",
                Bool,
                "Indicates whether the storage account permits requests to be authorized with the account access key via Shared Key."
            ),
            col(
                "allow_cross_tenant_replication",
                Bool,
                "Allow or disallow cross AAD tenant object replication."
            ),
            col(
                "default_to_oauth_authentication",
                Bool,
                "A boolean flag which indicates whether the default authentication is OAuth or not."
            ),
            col(
                "enable_https_traffic_only",
                Bool,
                "Allows https traffic only to storage service if sets to true."
            ),
            col(
                "encryption_key_source",
                Text,
                "Contains the encryption keySource (provider)."
            ),
            col(
                "encryption_services",
                Json,
                "A list of services which support encryption."
            ),
            col(
                "is_hns_enabled",
                Bool,
                "Specifies whether account HierarchicalNamespace is enabled, or not."
            ),
            col(
                "minimum_tls_version",
                Text,
                "Contains the minimum TLS version to be permitted on requests to storage."
            ),
            col(
                "network_rule_bypass",
                Text,
                "Specifies whether traffic is bypassed for Logging/Metrics/AzureServices."
            ),
            col(
                "network_rule_default_action",
                Text,
                "Specifies the default action of allow or deny when no other rules match."
            ),
            col("network_ip_rules", Json, "A list of IP ACL rules."),
            col(
                "virtual_network_rules",
                Json,
                "A list of virtual network rules."
            ),
            col("primary_blob_endpoint", Text, "Contains the blob endpoint."),
            col(
                "primary_location",
                Text,
                "Contains the location of the primary data center for the storage account."
            ),
            col(
                "provisioning_state",
                Text,
                "The provisioning state of the storage account resource."
            ),
            col(
                "public_network_access",
                Text,
                "Allow or disallow public network access to Storage Account."
            ),
            col(
                "require_infrastructure_encryption",
                Bool,
                "Specifies whether or not the service applies a secondary layer of encryption with platform managed keys for data at rest."
            ),
            col(
                "private_endpoint_connections",
                Json,
                "A list of private endpoint connection associated with the specified storage account."
            ),
        ],
        get_keys: &[],
        id_column: "id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: None,
};

const API_VERSION: &str = "2023-05-01";
const LIST: &str = "Microsoft.Storage/storageAccounts/read";

fn account_row(src: &AzureSource, sub: &str, a: &Value) -> Row {
    let mut row = Row::new();
    put(&mut row, "name", a, "name");
    put(&mut row, "id", a, "id");
    put(&mut row, "type", a, "type");
    put(&mut row, "kind", a, "kind");
    for (column, pointer) in [
        ("access_tier", "/properties/accessTier"),
        ("sku_name", "/sku/name"),
        ("sku_tier", "/sku/tier"),
        ("creation_time", "/properties/creationTime"),
        (
            "allow_blob_public_access",
            "/properties/allowBlobPublicAccess",
        ),
        (
            "allow_shared_key_access",
            "/properties/allowSharedKeyAccess",
        ),
        (
            "allow_cross_tenant_replication",
            "/properties/allowCrossTenantReplication",
        ),
        (
            "default_to_oauth_authentication",
            "/properties/defaultToOAuthAuthentication",
        ),
        (
            "enable_https_traffic_only",
            "/properties/supportsHttpsTrafficOnly",
        ),
        ("encryption_key_source", "/properties/encryption/keySource"),
        ("encryption_services", "/properties/encryption/services"),
        ("is_hns_enabled", "/properties/isHnsEnabled"),
        ("minimum_tls_version", "/properties/minimumTlsVersion"),
        ("network_rule_bypass", "/properties/networkAcls/bypass"),
        (
            "network_rule_default_action",
            "/properties/networkAcls/defaultAction",
        ),
        ("network_ip_rules", "/properties/networkAcls/ipRules"),
        (
            "virtual_network_rules",
            "/properties/networkAcls/virtualNetworkRules",
        ),
        ("primary_blob_endpoint", "/properties/primaryEndpoints/blob"),
        ("primary_location", "/properties/primaryLocation"),
        ("provisioning_state", "/properties/provisioningState"),
        ("public_network_access", "/properties/publicNetworkAccess"),
        (
            "require_infrastructure_encryption",
            "/properties/encryption/requireInfrastructureEncryption",
        ),
        (
            "private_endpoint_connections",
            "/properties/privateEndpointConnections",
        ),
    ] {
        put_at(&mut row, column, a, pointer);
    }
    resource_common(src, &mut row, sub, a);
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
        |sub| format!("/subscriptions/{sub}/providers/Microsoft.Storage/storageAccounts"),
        API_VERSION,
        LIST,
        account_row,
    )
    .await
}
