//! `aws_ec2_instance`: EC2 instances in each configured region.

use serde_json::Value;

use super::api::page;
use super::ec2_common::{
    bool_at, ec2_call, ec2_get, int_at, items_at, list_params, member, name_tag, object_at, one,
    put_ec2_tags, str_at, text_at, text_nonempty_at, time_at,
};
use super::json::{Obj, arr, row, text};
use super::source::{AwsSource, need};
use super::{AwsHydrate, AwsTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_ec2_instance",
        description: "EC2 instances, per region.",
        service: "ec2",
        scope: Scope::Regional,
        columns: aws_columns![
            col("instance_id", Text, "Instance id."),
            col("arn", Text, "ARN of the instance."),
            col("instance_type", Text, "Instance type, e.g. t3.micro."),
            col(
                "instance_state",
                Text,
                "pending, running, shutting-down, terminated, stopping or stopped."
            ),
            col(
                "monitoring_state",
                Text,
                "Whether detailed monitoring is enabled."
            ),
            hcol(
                "disable_api_termination",
                Bool,
                "Whether termination through the API is disabled.",
                &ATTR_DISABLE_API_TERMINATION
            ),
            col(
                "ami_launch_index",
                Int,
                "Position of the instance in its launch request."
            ),
            col("architecture", Text, "CPU architecture of the image."),
            col(
                "boot_mode",
                Text,
                "Boot mode the instance was launched with."
            ),
            col(
                "current_instance_boot_mode",
                Text,
                "Boot mode the instance currently uses."
            ),
            col("ipv6_address", Text, "Primary IPv6 address."),
            col(
                "capacity_reservation_id",
                Text,
                "Capacity reservation the instance runs in."
            ),
            col(
                "capacity_reservation_specification",
                Json,
                "Capacity reservation targeting settings."
            ),
            col(
                "client_token",
                Text,
                "Idempotency token of the launch request."
            ),
            col("cpu_options_core_count", Int, "Number of CPU cores."),
            col("cpu_options_threads_per_core", Int, "Threads per CPU core."),
            col(
                "ebs_optimized",
                Bool,
                "Whether the instance is optimised for EBS I/O."
            ),
            col(
                "ena_support",
                Bool,
                "Whether enhanced networking with ENA is enabled."
            ),
            col("hypervisor", Text, "Hypervisor type (ovm or xen)."),
            col(
                "iam_instance_profile_arn",
                Text,
                "ARN of the instance profile attached to the instance."
            ),
            col(
                "iam_instance_profile_id",
                Text,
                "Id of the instance profile attached to the instance."
            ),
            col(
                "image_id",
                Text,
                "Id of the AMI the instance was launched from."
            ),
            hcol(
                "instance_initiated_shutdown_behavior",
                Text,
                "Whether a shutdown from inside the instance stops or terminates it.",
                &ATTR_INSTANCE_INITIATED_SHUTDOWN_BEHAVIOR
            ),
            col(
                "instance_lifecycle",
                Text,
                "spot or scheduled; null for on-demand."
            ),
            hcol("kernel_id", Text, "Kernel id.", &ATTR_KERNEL),
            col("key_name", Text, "Name of the key pair given at launch."),
            col("launch_time", Timestamp, "When the instance was launched."),
            col(
                "outpost_arn",
                Text,
                "ARN of the Outpost the instance runs on."
            ),
            col(
                "placement_affinity",
                Text,
                "Host affinity of a dedicated-host instance."
            ),
            col("placement_availability_zone", Text, "Availability zone."),
            col("placement_group_id", Text, "Placement group id."),
            col("placement_group_name", Text, "Placement group name."),
            col("placement_host_id", Text, "Dedicated host id."),
            col(
                "placement_host_resource_group_arn",
                Text,
                "ARN of the host resource group."
            ),
            col(
                "placement_partition_number",
                Int,
                "Partition number in a partition placement group."
            ),
            col("placement_tenancy", Text, "default, dedicated or host."),
            col(
                "platform",
                Text,
                "windows for Windows instances, otherwise null."
            ),
            col(
                "platform_details",
                Text,
                "Platform of the AMI, for billing."
            ),
            col("private_ip_address", Inet, "Primary private IPv4 address."),
            col("private_dns_name", Text, "Private DNS name."),
            col("public_dns_name", Text, "Public DNS name."),
            col("public_ip_address", Inet, "Public IPv4 address."),
            hcol("ram_disk_id", Text, "RAM disk id.", &ATTR_RAMDISK),
            col("root_device_name", Text, "Device name of the root volume."),
            col("root_device_type", Text, "ebs or instance-store."),
            col(
                "source_dest_check",
                Bool,
                "Whether source/destination checking is on."
            ),
            col(
                "spot_instance_request_id",
                Text,
                "Spot request that launched the instance."
            ),
            hcol(
                "sriov_net_support",
                Text,
                "Whether enhanced networking with the Intel VF is enabled.",
                &ATTR_SRIOV_NET_SUPPORT
            ),
            col("state_code", Int, "Numeric state code."),
            col(
                "state_transition_reason",
                Text,
                "Why the instance last changed state."
            ),
            col(
                "state_transition_time",
                Timestamp,
                "When the instance last changed state (launch time if it never stopped)."
            ),
            col("subnet_id", Text, "Subnet the instance runs in."),
            col("tpm_support", Text, "NitroTPM version, when enabled."),
            col(
                "usage_operation",
                Text,
                "Usage operation of the AMI, for billing."
            ),
            col(
                "usage_operation_update_time",
                Text,
                "When the usage operation was last updated."
            ),
            hcol(
                "user_data",
                Text,
                "User data given at launch, decoded from base64.",
                &ATTR_USER_DATA
            ),
            col("virtualization_type", Text, "hvm or paravirtual."),
            col("vpc_id", Text, "VPC the instance runs in."),
            col("block_device_mappings", Json, "Volumes attached at launch."),
            col(
                "elastic_gpu_associations",
                Json,
                "Elastic GPUs associated with the instance."
            ),
            col(
                "elastic_inference_accelerator_associations",
                Json,
                "Elastic Inference accelerators associated with the instance."
            ),
            col("enclave_options", Json, "Nitro Enclaves settings."),
            col("hibernation_options", Json, "Hibernation settings."),
            col("state_reason", Json, "Reason for the last state change."),
            hcol(
                "launch_template_data",
                Json,
                "Launch template data that would recreate the instance.",
                &LAUNCH_TEMPLATE_DATA
            ),
            col("licenses", Json, "License configurations of the instance."),
            col("maintenance_options", Json, "Maintenance settings."),
            col(
                "metadata_options",
                Json,
                "Instance metadata service settings (IMDSv2 enforcement)."
            ),
            col(
                "network_interfaces",
                Json,
                "Network interfaces attached to the instance."
            ),
            col(
                "private_dns_name_options",
                Json,
                "Private DNS hostname settings."
            ),
            col("product_codes", Json, "Product codes of the instance."),
            col(
                "security_groups",
                Json,
                "Security groups of the instance ([{GroupId, GroupName}])."
            ),
            hcol(
                "instance_status",
                Json,
                "Status checks and scheduled events of the instance.",
                &INSTANCE_STATUS
            ),
            col(
                "tags_src",
                Json,
                "Tags as returned by EC2 ([{Key, Value}])."
            ),
            col("tags", Json, "Tags as a key/value object."),
        ],
        get_keys: &["instance_id"],
        id_column: "instance_id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: Some(|s, region, _, key| Box::pin(get(s, region, key))),
};

/// Columns EC2 can filter DescribeInstances on, with the filter names.
const FILTERS: &[(&str, &str)] = &[
    ("hypervisor", "hypervisor"),
    ("iam_instance_profile_arn", "iam-instance-profile.arn"),
    ("image_id", "image-id"),
    ("instance_lifecycle", "instance-lifecycle"),
    ("instance_state", "instance-state-name"),
    ("instance_type", "instance-type"),
    ("monitoring_state", "monitoring-state"),
    ("placement_availability_zone", "availability-zone"),
    ("placement_group_name", "placement-group-name"),
    ("public_dns_name", "dns-name"),
    ("root_device_name", "root-device-name"),
    ("root_device_type", "root-device-type"),
    ("subnet_id", "subnet-id"),
    ("placement_tenancy", "tenancy"),
    ("virtualization_type", "virtualization-type"),
    ("vpc_id", "vpc-id"),
];

/// When the instance last changed state: for stopped/stopping/terminated instances EC2
/// writes it into the reason text, e.g. "User initiated (2019-09-12 16:38:34 GMT)".
fn state_transition_time(i: &Value) -> Value {
    let stopped = str_at(member(i, "instanceState"), "name").is_some_and(|n| {
        matches!(
            n,
            "shutting-down" | "stopped" | "stopping" | "terminated"
        )
    });
    if stopped
        && let Some(reason) = str_at(i, "reason")
        && let (Some(open), Some(close)) = (reason.find('('), reason.rfind(')'))
        && open < close
    {
        let inner = reason[open + 1..close].trim();
        let iso = inner.replacen(' ', "T", 1).replace(" GMT", "Z");
        if chrono::DateTime::parse_from_rfc3339(&iso).is_ok() {
            return Value::String(iso);
        }
    }
    time_at(i, "launchTime")
}

fn group_json(g: &Value) -> Value {
    Obj::new()
        .v("GroupId", text_at(g, "groupId"))
        .v("GroupName", text_at(g, "groupName"))
        .build()
}

fn network_interface_json(n: &Value) -> Value {
    let assoc = |a: &Value| {
        object_at(a, "association", |a| {
            Obj::new()
                .v("CarrierIp", text_at(a, "carrierIp"))
                .v("CustomerOwnedIp", text_at(a, "customerOwnedIp"))
                .v("IpOwnerId", text_at(a, "ipOwnerId"))
                .v("PublicDnsName", text_at(a, "publicDnsName"))
                .v("PublicIp", text_at(a, "publicIp"))
                .build()
        })
    };
    Obj::new()
        .v("Association", assoc(n))
        .v("Description", text_at(n, "description"))
        .a("Groups", &items_at(n, "groupSet"), group_json)
        .v("InterfaceType", text_at(n, "interfaceType"))
        .a("Ipv6Addresses", &items_at(n, "ipv6AddressesSet"), |a| {
            Obj::new()
                .v("Ipv6Address", text_at(a, "ipv6Address"))
                .v("IsPrimaryIpv6", bool_at(a, "isPrimaryIpv6"))
                .build()
        })
        .v("MacAddress", text_at(n, "macAddress"))
        .v("NetworkInterfaceId", text_at(n, "networkInterfaceId"))
        .v("OwnerId", text_at(n, "ownerId"))
        .v("PrivateDnsName", text_at(n, "privateDnsName"))
        .v("PrivateIpAddress", text_at(n, "privateIpAddress"))
        .a(
            "PrivateIpAddresses",
            &items_at(n, "privateIpAddressesSet"),
            |p| {
                Obj::new()
                    .v("Association", assoc(p))
                    .v("Primary", bool_at(p, "primary"))
                    .v("PrivateDnsName", text_at(p, "privateDnsName"))
                    .v("PrivateIpAddress", text_at(p, "privateIpAddress"))
                    .build()
            },
        )
        .v("SourceDestCheck", bool_at(n, "sourceDestCheck"))
        .v("Status", text_at(n, "status"))
        .v("SubnetId", text_at(n, "subnetId"))
        .v("VpcId", text_at(n, "vpcId"))
        .build()
}

fn instance_row(src: &AwsSource, region: &str, owner: Option<&str>, i: &Value) -> Row {
    let id = str_at(i, "instanceId").unwrap_or_default();
    let arn = src.arn(
        "ec2",
        region,
        owner.unwrap_or(&src.account_id),
        &format!("instance/{id}"),
    );
    let placement = member(i, "placement");
    let cpu = member(i, "cpuOptions");
    let profile = member(i, "iamInstanceProfile");
    let state = member(i, "instanceState");
    let mut r = row([
        ("instance_id", Value::String(id.to_string())),
        ("arn", Value::String(arn.clone())),
        ("instance_type", text_at(i, "instanceType")),
        ("instance_state", text_at(state, "name")),
        (
            "monitoring_state",
            text_at(member(i, "monitoring"), "state"),
        ),
        ("ami_launch_index", int_at(i, "amiLaunchIndex")),
        ("architecture", text_at(i, "architecture")),
        ("boot_mode", text_at(i, "bootMode")),
        (
            "current_instance_boot_mode",
            text_at(i, "currentInstanceBootMode"),
        ),
        ("ipv6_address", text_at(i, "ipv6Address")),
        (
            "capacity_reservation_id",
            text_at(i, "capacityReservationId"),
        ),
        (
            "capacity_reservation_specification",
            object_at(i, "capacityReservationSpecification", |c| {
                Obj::new()
                    .v(
                        "CapacityReservationPreference",
                        text_at(c, "capacityReservationPreference"),
                    )
                    .build()
            }),
        ),
        ("client_token", text_nonempty_at(i, "clientToken")),
        ("cpu_options_core_count", int_at(cpu, "coreCount")),
        (
            "cpu_options_threads_per_core",
            int_at(cpu, "threadsPerCore"),
        ),
        ("ebs_optimized", bool_at(i, "ebsOptimized")),
        ("ena_support", bool_at(i, "enaSupport")),
        ("hypervisor", text_at(i, "hypervisor")),
        ("iam_instance_profile_arn", text_at(profile, "arn")),
        ("iam_instance_profile_id", text_at(profile, "id")),
        ("image_id", text_at(i, "imageId")),
        ("instance_lifecycle", text_at(i, "instanceLifecycle")),
        ("key_name", text_at(i, "keyName")),
        ("launch_time", time_at(i, "launchTime")),
        ("outpost_arn", text_at(i, "outpostArn")),
        ("placement_affinity", text_at(placement, "affinity")),
        (
            "placement_availability_zone",
            text_at(placement, "availabilityZone"),
        ),
        ("placement_group_id", text_at(placement, "groupId")),
        (
            "placement_group_name",
            text_nonempty_at(placement, "groupName"),
        ),
        ("placement_host_id", text_at(placement, "hostId")),
        (
            "placement_host_resource_group_arn",
            text_at(placement, "hostResourceGroupArn"),
        ),
        (
            "placement_partition_number",
            int_at(placement, "partitionNumber"),
        ),
        ("placement_tenancy", text_at(placement, "tenancy")),
        ("platform", text_at(i, "platform")),
        ("platform_details", text_at(i, "platformDetails")),
        ("private_ip_address", text_nonempty_at(i, "privateIpAddress")),
        ("private_dns_name", text_nonempty_at(i, "privateDnsName")),
        // EC2 names the public members `dnsName` and `ipAddress`.
        ("public_dns_name", text_nonempty_at(i, "dnsName")),
        ("public_ip_address", text_nonempty_at(i, "ipAddress")),
        ("root_device_name", text_at(i, "rootDeviceName")),
        ("root_device_type", text_at(i, "rootDeviceType")),
        ("source_dest_check", bool_at(i, "sourceDestCheck")),
        (
            "spot_instance_request_id",
            text_at(i, "spotInstanceRequestId"),
        ),
        ("state_code", int_at(state, "code")),
        ("state_transition_reason", text_at(i, "reason")),
        ("state_transition_time", state_transition_time(i)),
        ("subnet_id", text_at(i, "subnetId")),
        ("tpm_support", text_at(i, "tpmSupport")),
        ("usage_operation", text_at(i, "usageOperation")),
        (
            "usage_operation_update_time",
            time_at(i, "usageOperationUpdateTime"),
        ),
        ("virtualization_type", text_at(i, "virtualizationType")),
        ("vpc_id", text_at(i, "vpcId")),
        (
            "block_device_mappings",
            arr(&items_at(i, "blockDeviceMapping"), |m| {
                Obj::new()
                    .v("DeviceName", text_at(m, "deviceName"))
                    .v(
                        "Ebs",
                        object_at(m, "ebs", |e| {
                            Obj::new()
                                .v("AttachTime", time_at(e, "attachTime"))
                                .v("DeleteOnTermination", bool_at(e, "deleteOnTermination"))
                                .v("Status", text_at(e, "status"))
                                .v("VolumeId", text_at(e, "volumeId"))
                                .build()
                        }),
                    )
                    .build()
            }),
        ),
        (
            "elastic_gpu_associations",
            arr(&items_at(i, "elasticGpuAssociationSet"), |g| {
                Obj::new()
                    .v(
                        "ElasticGpuAssociationId",
                        text_at(g, "elasticGpuAssociationId"),
                    )
                    .v(
                        "ElasticGpuAssociationState",
                        text_at(g, "elasticGpuAssociationState"),
                    )
                    .v(
                        "ElasticGpuAssociationTime",
                        text_at(g, "elasticGpuAssociationTime"),
                    )
                    .v("ElasticGpuId", text_at(g, "elasticGpuId"))
                    .build()
            }),
        ),
        (
            "elastic_inference_accelerator_associations",
            arr(
                &items_at(i, "elasticInferenceAcceleratorAssociationSet"),
                |a| {
                    Obj::new()
                        .v(
                            "ElasticInferenceAcceleratorArn",
                            text_at(a, "elasticInferenceAcceleratorArn"),
                        )
                        .v(
                            "ElasticInferenceAcceleratorAssociationId",
                            text_at(a, "elasticInferenceAcceleratorAssociationId"),
                        )
                        .v(
                            "ElasticInferenceAcceleratorAssociationState",
                            text_at(a, "elasticInferenceAcceleratorAssociationState"),
                        )
                        .v(
                            "ElasticInferenceAcceleratorAssociationTime",
                            time_at(a, "elasticInferenceAcceleratorAssociationTime"),
                        )
                        .build()
                },
            ),
        ),
        (
            "enclave_options",
            object_at(i, "enclaveOptions", |e| {
                Obj::new().v("Enabled", bool_at(e, "enabled")).build()
            }),
        ),
        (
            "hibernation_options",
            object_at(i, "hibernationOptions", |h| {
                Obj::new().v("Configured", bool_at(h, "configured")).build()
            }),
        ),
        (
            "state_reason",
            object_at(i, "stateReason", |s| {
                Obj::new()
                    .v("Code", text_at(s, "code"))
                    .v("Message", text_at(s, "message"))
                    .build()
            }),
        ),
        (
            "licenses",
            arr(&items_at(i, "licenseSet"), |l| {
                Obj::new()
                    .v(
                        "LicenseConfigurationArn",
                        text_at(l, "licenseConfigurationArn"),
                    )
                    .build()
            }),
        ),
        (
            "maintenance_options",
            object_at(i, "maintenanceOptions", |m| {
                Obj::new()
                    .v("AutoRecovery", text_at(m, "autoRecovery"))
                    .v("RebootMigration", text_at(m, "rebootMigration"))
                    .build()
            }),
        ),
        (
            "metadata_options",
            object_at(i, "metadataOptions", |m| {
                Obj::new()
                    .v("HttpEndpoint", text_at(m, "httpEndpoint"))
                    .v("HttpProtocolIpv6", text_at(m, "httpProtocolIpv6"))
                    .v(
                        "HttpPutResponseHopLimit",
                        int_at(m, "httpPutResponseHopLimit"),
                    )
                    .v("HttpTokens", text_at(m, "httpTokens"))
                    .v("InstanceMetadataTags", text_at(m, "instanceMetadataTags"))
                    .v("State", text_at(m, "state"))
                    .build()
            }),
        ),
        (
            "network_interfaces",
            arr(&items_at(i, "networkInterfaceSet"), network_interface_json),
        ),
        (
            "private_dns_name_options",
            object_at(i, "privateDnsNameOptions", |p| {
                Obj::new()
                    .v(
                        "EnableResourceNameDnsAAAARecord",
                        bool_at(p, "enableResourceNameDnsAAAARecord"),
                    )
                    .v(
                        "EnableResourceNameDnsARecord",
                        bool_at(p, "enableResourceNameDnsARecord"),
                    )
                    .v("HostnameType", text_at(p, "hostnameType"))
                    .build()
            }),
        ),
        (
            "product_codes",
            arr(&items_at(i, "productCodes"), |p| {
                Obj::new()
                    .v("ProductCodeId", text_at(p, "productCode"))
                    .v("ProductCodeType", text_at(p, "type"))
                    .build()
            }),
        ),
        ("security_groups", arr(&items_at(i, "groupSet"), group_json)),
    ]);
    put_ec2_tags(&mut r, i);
    let title = name_tag(i).unwrap_or_else(|| id.to_string());
    src.common(&mut r, region, Value::String(title), vec![arn]);
    r
}

/// The rows of a DescribeInstances response, each instance with its reservation's owner.
fn instance_rows(src: &AwsSource, region: &str, out: &Value) -> Vec<(String, Row)> {
    items_at(out, "reservationSet")
        .iter()
        .flat_map(|res| {
            let owner = str_at(res, "ownerId");
            items_at(res, "instancesSet")
                .iter()
                .map(|i| {
                    let id = str_at(i, "instanceId").unwrap_or_default().to_string();
                    (id, instance_row(src, region, owner, i))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// One page of ec2:DescribeInstances in the request's region.
pub(crate) async fn list(
    src: &AwsSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let region = req.region.as_deref().unwrap_or(&src.default_region);
    let params = list_params(req, FILTERS, token);
    let out = ec2_call(src, region, "ec2:DescribeInstances", &params).await?;
    let rows = instance_rows(src, region, &out)
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    Ok(page(rows, &out, "nextToken"))
}

/// ec2:DescribeInstances for one instance id.
pub(crate) async fn get(
    src: &AwsSource,
    region: Option<&str>,
    id: &str,
) -> Result<Option<Row>, FetchError> {
    let region = region.unwrap_or(&src.default_region);
    let params = [one("InstanceId", id)];
    let Some(out) = ec2_get(src, region, "ec2:DescribeInstances", &params).await? else {
        return Ok(None);
    };
    Ok(instance_rows(src, region, &out)
        .into_iter()
        .find(|(got, _)| got == id)
        .map(|(_, r)| r))
}

fn status_summary(s: &Value) -> Value {
    Obj::new()
        .a("Details", &items_at(s, "details"), |d| {
            Obj::new()
                .v("ImpairedSince", time_at(d, "impairedSince"))
                .v("Name", text_at(d, "name"))
                .v("Status", text_at(d, "status"))
                .build()
        })
        .v("Status", text_at(s, "status"))
        .build()
}

static ATTR_DISABLE_API_TERMINATION: AwsHydrate =
    AwsHydrate::new("attr_disable_api_termination", |s, region, row| {
        Box::pin(hydrate_attr_disable_api_termination(s, region, row))
    });
static ATTR_INSTANCE_INITIATED_SHUTDOWN_BEHAVIOR: AwsHydrate = AwsHydrate::new(
    "attr_instance_initiated_shutdown_behavior",
    |s, region, row| {
        Box::pin(hydrate_attr_instance_initiated_shutdown_behavior(
            s, region, row,
        ))
    },
);
static ATTR_KERNEL: AwsHydrate = AwsHydrate::new("attr_kernel", |s, region, row| {
    Box::pin(hydrate_attr_kernel(s, region, row))
});
static ATTR_RAMDISK: AwsHydrate = AwsHydrate::new("attr_ramdisk", |s, region, row| {
    Box::pin(hydrate_attr_ramdisk(s, region, row))
});
static ATTR_SRIOV_NET_SUPPORT: AwsHydrate =
    AwsHydrate::new("attr_sriov_net_support", |s, region, row| {
        Box::pin(hydrate_attr_sriov_net_support(s, region, row))
    });
static ATTR_USER_DATA: AwsHydrate = AwsHydrate::new("attr_user_data", |s, region, row| {
    Box::pin(hydrate_attr_user_data(s, region, row))
});
static LAUNCH_TEMPLATE_DATA: AwsHydrate =
    AwsHydrate::new("launch_template_data", |s, region, row| {
        Box::pin(hydrate_launch_template_data(s, region, row))
    });
static INSTANCE_STATUS: AwsHydrate = AwsHydrate::new("instance_status", |s, region, row| {
    Box::pin(hydrate_instance_status(s, region, row))
});

/// The region a hydrate call on `row_in` runs in.
fn hydrate_region<'a>(src: &'a AwsSource, region: Option<&'a str>, row_in: &'a Row) -> &'a str {
    region
        .or_else(|| row_in.get("region").and_then(Value::as_str))
        .unwrap_or(&src.default_region)
}

/// ec2:DescribeInstanceAttribute for one attribute of the row's instance; returns the
/// attribute's `<value>` (the response member is named after the attribute, e.g.
/// `<kernel><value>..</value></kernel>`).
async fn describe_attribute(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
    attribute: &str,
) -> Result<Value, FetchError> {
    let id = need(row_in, "instance_id", "ec2:DescribeInstanceAttribute")?;
    let region = hydrate_region(src, region, row_in);
    let params = [
        ("InstanceId".to_string(), id.to_string()),
        ("Attribute".to_string(), attribute.to_string()),
    ];
    let out = ec2_call(src, region, "ec2:DescribeInstanceAttribute", &params).await?;
    Ok(member(&out, attribute).get("value").cloned().unwrap_or(Value::Null))
}

/// The text of an attribute value.
fn attr_text(v: &Value) -> Value {
    text(v.as_str())
}

/// Hydrate call `attr_disable_api_termination`.
async fn hydrate_attr_disable_api_termination(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let v = describe_attribute(src, region, row_in, "disableApiTermination").await?;
    let v = v
        .as_str()
        .and_then(|s| s.parse::<bool>().ok())
        .map(Value::Bool)
        .unwrap_or(Value::Null);
    Ok(row([("disable_api_termination", v)]))
}

/// Hydrate call `attr_instance_initiated_shutdown_behavior`.
async fn hydrate_attr_instance_initiated_shutdown_behavior(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let v = describe_attribute(src, region, row_in, "instanceInitiatedShutdownBehavior").await?;
    Ok(row([(
        "instance_initiated_shutdown_behavior",
        attr_text(&v),
    )]))
}

/// Hydrate call `attr_kernel`.
async fn hydrate_attr_kernel(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let v = describe_attribute(src, region, row_in, "kernel").await?;
    Ok(row([("kernel_id", attr_text(&v))]))
}

/// Hydrate call `attr_ramdisk`.
async fn hydrate_attr_ramdisk(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let v = describe_attribute(src, region, row_in, "ramdisk").await?;
    Ok(row([("ram_disk_id", attr_text(&v))]))
}

/// Hydrate call `attr_sriov_net_support`.
async fn hydrate_attr_sriov_net_support(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let v = describe_attribute(src, region, row_in, "sriovNetSupport").await?;
    Ok(row([("sriov_net_support", attr_text(&v))]))
}

/// Hydrate call `attr_user_data`.
async fn hydrate_attr_user_data(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let v = describe_attribute(src, region, row_in, "userData").await?;
    // EC2 returns user data base64-encoded; the column holds the decoded text.
    let v = v
        .as_str()
        .map(|b64| match aws_smithy_types::base64::decode(b64) {
            Ok(bytes) => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
            Err(_) => Value::String(b64.to_string()),
        })
        .unwrap_or(Value::Null);
    Ok(row([("user_data", v)]))
}

/// Hydrate call `launch_template_data`.
async fn hydrate_launch_template_data(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let id = need(row_in, "instance_id", "ec2:DescribeInstanceAttribute")?;
    let region = hydrate_region(src, region, row_in);
    let params = [("InstanceId".to_string(), id.to_string())];
    let out = ec2_call(src, region, "ec2:GetLaunchTemplateData", &params).await?;
    let v = object_at(&out, "launchTemplateData", |d| {
        Obj::new()
            .v("DisableApiTermination", bool_at(d, "disableApiTermination"))
            .v("EbsOptimized", bool_at(d, "ebsOptimized"))
            .v(
                "IamInstanceProfile",
                object_at(d, "iamInstanceProfile", |p| {
                    Obj::new()
                        .v("Arn", text_at(p, "arn"))
                        .v("Name", text_at(p, "name"))
                        .build()
                }),
            )
            .v("ImageId", text_at(d, "imageId"))
            .v(
                "InstanceInitiatedShutdownBehavior",
                text_at(d, "instanceInitiatedShutdownBehavior"),
            )
            .v("InstanceType", text_at(d, "instanceType"))
            .v("KernelId", text_at(d, "kernelId"))
            .v("KeyName", text_at(d, "keyName"))
            .v(
                "MetadataOptions",
                object_at(d, "metadataOptions", |m| {
                    Obj::new()
                        .v("HttpEndpoint", text_at(m, "httpEndpoint"))
                        .v(
                            "HttpPutResponseHopLimit",
                            int_at(m, "httpPutResponseHopLimit"),
                        )
                        .v("HttpTokens", text_at(m, "httpTokens"))
                        .build()
                }),
            )
            .v(
                "Monitoring",
                object_at(d, "monitoring", |m| {
                    Obj::new().v("Enabled", bool_at(m, "enabled")).build()
                }),
            )
            .v("RamDiskId", text_at(d, "ramDiskId"))
            .v(
                "SecurityGroupIds",
                Value::Array(
                    items_at(d, "securityGroupIdSet")
                        .iter()
                        .filter_map(|s| s.as_str().map(|s| Value::String(s.to_string())))
                        .collect(),
                ),
            )
            .v("UserData", text_at(d, "userData"))
            .build()
    });
    Ok(row([("launch_template_data", v)]))
}

/// Hydrate call `instance_status`.
async fn hydrate_instance_status(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let id = need(row_in, "instance_id", "ec2:DescribeInstanceAttribute")?;
    let region = hydrate_region(src, region, row_in);
    let params = [
        one("InstanceId", id),
        ("IncludeAllInstances".to_string(), "true".to_string()),
    ];
    let out = ec2_call(src, region, "ec2:DescribeInstanceStatus", &params).await?;
    let v = items_at(&out, "instanceStatusSet")
        .first()
        .map(|s| {
            Obj::new()
                .v("AvailabilityZone", text_at(s, "availabilityZone"))
                .a("Events", &items_at(s, "eventsSet"), |e| {
                    Obj::new()
                        .v("Code", text_at(e, "code"))
                        .v("Description", text_at(e, "description"))
                        .v("InstanceEventId", text_at(e, "instanceEventId"))
                        .v("NotAfter", time_at(e, "notAfter"))
                        .v("NotBefore", time_at(e, "notBefore"))
                        .build()
                })
                .v("InstanceId", text_at(s, "instanceId"))
                .v(
                    "InstanceState",
                    object_at(s, "instanceState", |st| {
                        Obj::new()
                            .v("Code", int_at(st, "code"))
                            .v("Name", text_at(st, "name"))
                            .build()
                    }),
                )
                .v(
                    "InstanceStatus",
                    object_at(s, "instanceStatus", status_summary),
                )
                .v("OutpostArn", text_at(s, "outpostArn"))
                .v("SystemStatus", object_at(s, "systemStatus", status_summary))
                .build()
        })
        .unwrap_or(Value::Null);
    Ok(row([("instance_status", v)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(state: &str, reason: &str) -> Value {
        serde_json::json!({
            "instanceState": {"name": state},
            "reason": reason,
            "launchTime": "2020-09-13T12:26:40.000Z",
        })
    }

    #[test]
    fn stopped_instances_take_the_time_from_the_reason() {
        let stopped = instance("stopped", "User initiated (2019-09-12 16:38:34 GMT)");
        assert_eq!(state_transition_time(&stopped), "2019-09-12T16:38:34Z");
        let running = instance("running", "");
        assert_eq!(state_transition_time(&running), "2020-09-13T12:26:40Z");
        let odd = instance("stopped", "Server.InternalError");
        assert_eq!(state_transition_time(&odd), "2020-09-13T12:26:40Z");
    }
}
