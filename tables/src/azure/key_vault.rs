//! `azure_key_vault`: key vaults of each subscription with their access policies and
//! permission model (ARM `GET /subscriptions/{s}/providers/Microsoft.KeyVault/vaults`).

use serde_json::Value;

use super::AzureTable;
use super::source::{AzureSource, list_per_subscription, put, put_at, resource_common};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azure_key_vault",
        description: "Azure key vaults of each subscription, with access policies and RBAC mode.",
        service: "management",
        scope: Scope::Global,
        columns: azure_resource_columns![
            col("name", Text, "The friendly name that identifies the vault."),
            col("id", Text, "Contains ID to identify a vault uniquely."),
            col(
                "vault_uri",
                Text,
                "Contains URI of the vault for performing operations on keys and secrets."
            ),
            col("type", Text, "Type of the resource."),
            col(
                "create_mode",
                Text,
                "The vault's create mode to indicate whether the vault need to be recovered or not."
            ),
            col(
                "enabled_for_deployment",
                Bool,
                "Indicates whether Azure Virtual Machines are permitted to retrieve certificates stored as secrets from the key vault."
            ),
            col(
                "enabled_for_disk_encryption",
                Bool,
                "Indicates whether Azure Disk Encryption is permitted to retrieve secrets from the vault and unwrap keys."
            ),
            col(
                "enabled_for_template_deployment",
                Bool,
                "Indicates whether Azure Resource Manager is permitted to retrieve secrets from the key vault."
            ),
            col(
                "enable_rbac_authorization",
                Bool,
                "Property that controls how data actions are authorized: true uses Azure RBAC, false the vault's access policies."
            ),
            col(
                "purge_protection_enabled",
                Bool,
                "Indicates whether protection against purge is enabled for this vault."
            ),
            col(
                "soft_delete_enabled",
                Bool,
                "Indicates whether the 'soft delete' functionality is enabled for this key vault."
            ),
            col(
                "soft_delete_retention_in_days",
                Int,
                "Contains softDelete data retention days."
            ),
            col("sku_family", Text, "Contains SKU family name."),
            col(
                "sku_name",
                Text,
                "SKU name to specify whether the key vault is a standard vault or a premium vault."
            ),
            col(
                "tenant_id",
                Text,
                "The Azure Active Directory tenant ID that should be used for authenticating requests to the key vault."
            ),
            col(
                "access_policies",
                Json,
                "A list of 0 to 1024 identities that have access to the key vault (ignored when enable_rbac_authorization is true)."
            ),
            col(
                "network_acls",
                Json,
                "Rules governing the accessibility of the key vault from specific network locations."
            ),
            col(
                "private_endpoint_connections",
                Json,
                "List of private endpoint connections associated with the key vault."
            ),
        ],
        get_keys: &[],
        id_column: "id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: None,
};

const API_VERSION: &str = "2023-07-01";
const LIST: &str = "Microsoft.KeyVault/vaults/read";

fn vault_row(src: &AzureSource, sub: &str, v: &Value) -> Row {
    let mut row = Row::new();
    put(&mut row, "name", v, "name");
    put(&mut row, "id", v, "id");
    put(&mut row, "type", v, "type");
    for (column, pointer) in [
        ("vault_uri", "/properties/vaultUri"),
        ("create_mode", "/properties/createMode"),
        ("enabled_for_deployment", "/properties/enabledForDeployment"),
        (
            "enabled_for_disk_encryption",
            "/properties/enabledForDiskEncryption",
        ),
        (
            "enabled_for_template_deployment",
            "/properties/enabledForTemplateDeployment",
        ),
        (
            "enable_rbac_authorization",
            "/properties/enableRbacAuthorization",
        ),
        (
            "purge_protection_enabled",
            "/properties/enablePurgeProtection",
        ),
        ("soft_delete_enabled", "/properties/enableSoftDelete"),
        (
            "soft_delete_retention_in_days",
            "/properties/softDeleteRetentionInDays",
        ),
        ("sku_family", "/properties/sku/family"),
        ("sku_name", "/properties/sku/name"),
        ("tenant_id", "/properties/tenantId"),
        ("access_policies", "/properties/accessPolicies"),
        ("network_acls", "/properties/networkAcls"),
        (
            "private_endpoint_connections",
            "/properties/privateEndpointConnections",
        ),
    ] {
        put_at(&mut row, column, v, pointer);
    }
    resource_common(src, &mut row, sub, v);
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
        |sub| format!("/subscriptions/{sub}/providers/Microsoft.KeyVault/vaults"),
        API_VERSION,
        LIST,
        vault_row,
    )
    .await
}
