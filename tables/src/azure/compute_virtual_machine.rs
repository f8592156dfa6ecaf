//! `azure_compute_virtual_machine`: virtual machines of each subscription with their managed
//! identities (ARM `GET /subscriptions/{s}/providers/Microsoft.Compute/virtualMachines`).
//! Columns that need the instance view or extra calls (power state, IPs, extensions) are not
//! served yet.

use serde_json::Value;

use super::AzureTable;
use super::source::{AzureSource, list_per_subscription, put, put_at, resource_common};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AzureTable = AzureTable {
    def: TableDef {
        name: "azure_compute_virtual_machine",
        description: "Azure virtual machines of each subscription, with their managed identities.",
        service: "management",
        scope: Scope::Global,
        columns: azure_resource_columns![
            col("name", Text, "Name of the virtual machine."),
            col(
                "id",
                Text,
                "The unique id identifying the resource in subscription."
            ),
            col("type", Text, "The type of the resource in Azure."),
            col(
                "provisioning_state",
                Text,
                "The virtual machine provisioning state."
            ),
            col(
                "time_created",
                Timestamp,
                "Specifies the time at which the virtual machine resource was created."
            ),
            col(
                "vm_id",
                Text,
                "Specifies an unique ID for VM, which is a 128-bits identifier that is encoded and stored in all Azure IaaS VMs SMBIOS."
            ),
            col("size", Text, "Specifies the size of the virtual machine."),
            col(
                "admin_user_name",
                Text,
                "Specifies the name of the administrator account."
            ),
            col(
                "allow_extension_operations",
                Bool,
                "Specifies whether extension operations should be allowed on the virtual machine."
            ),
            col(
                "computer_name",
                Text,
                "Specifies the host OS name of the virtual machine."
            ),
            col(
                "disable_password_authentication",
                Bool,
                "Specifies whether password authentication should be disabled."
            ),
            col(
                "os_type",
                Text,
                "The type of Operating System running on the virtual machine."
            ),
            col(
                "os_disk_name",
                Text,
                "The name of the operating system disk."
            ),
            col(
                "managed_disk_id",
                Text,
                "Specifies the ID of the managed disk used by the virtual machine."
            ),
            col("image_publisher", Text, "The image publisher."),
            col(
                "image_offer",
                Text,
                "Specifies the offer of the platform image or marketplace image used to create the virtual machine."
            ),
            col("image_sku", Text, "The image SKU."),
            col(
                "image_version",
                Text,
                "Specifies the version of the platform image or marketplace image used to create the virtual machine."
            ),
            col(
                "data_disks",
                Json,
                "A list of parameters that are used to add a data disk to a virtual machine."
            ),
            col(
                "linux_configuration_ssh_public_keys",
                Json,
                "A list of ssh key configuration for a Linux OS."
            ),
            col(
                "network_interfaces",
                Json,
                "A list of resource Ids for the network interfaces associated with the virtual machine."
            ),
            col(
                "security_profile",
                Json,
                "Specifies the Security related profile settings for the virtual machine."
            ),
            col(
                "identity",
                Json,
                "The identity of the virtual machine: type (SystemAssigned, UserAssigned), principalId, tenantId and userAssignedIdentities."
            ),
            col("zones", Json, "A list of virtual machine zones."),
        ],
        get_keys: &[],
        id_column: "id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: None,
};

const API_VERSION: &str = "2024-07-01";
const LIST: &str = "Microsoft.Compute/virtualMachines/read";

fn vm_row(src: &AzureSource, sub: &str, vm: &Value) -> Row {
    let mut row = Row::new();
    put(&mut row, "name", vm, "name");
    put(&mut row, "id", vm, "id");
    put(&mut row, "type", vm, "type");
    for (column, pointer) in [
        ("provisioning_state", "/properties/provisioningState"),
        ("time_created", "/properties/timeCreated"),
        ("vm_id", "/properties/vmId"),
        ("size", "/properties/hardwareProfile/vmSize"),
        ("admin_user_name", "/properties/osProfile/adminUsername"),
        (
            "allow_extension_operations",
            "/properties/osProfile/allowExtensionOperations",
        ),
        ("computer_name", "/properties/osProfile/computerName"),
        (
            "disable_password_authentication",
            "/properties/osProfile/linuxConfiguration/disablePasswordAuthentication",
        ),
        ("os_type", "/properties/storageProfile/osDisk/osType"),
        ("os_disk_name", "/properties/storageProfile/osDisk/name"),
        (
            "managed_disk_id",
            "/properties/storageProfile/osDisk/managedDisk/id",
        ),
        (
            "image_publisher",
            "/properties/storageProfile/imageReference/publisher",
        ),
        (
            "image_offer",
            "/properties/storageProfile/imageReference/offer",
        ),
        ("image_sku", "/properties/storageProfile/imageReference/sku"),
        (
            "image_version",
            "/properties/storageProfile/imageReference/version",
        ),
        ("data_disks", "/properties/storageProfile/dataDisks"),
        (
            "linux_configuration_ssh_public_keys",
            "/properties/osProfile/linuxConfiguration/ssh/publicKeys",
        ),
        (
            "network_interfaces",
            "/properties/networkProfile/networkInterfaces",
        ),
        ("security_profile", "/properties/securityProfile"),
        ("identity", "/identity"),
        ("zones", "/zones"),
    ] {
        put_at(&mut row, column, vm, pointer);
    }
    resource_common(src, &mut row, sub, vm);
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
        |sub| format!("/subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines"),
        API_VERSION,
        LIST,
        vm_row,
    )
    .await
}
