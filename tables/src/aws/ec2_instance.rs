//! `aws_ec2_instance`: EC2 instances in each configured region.

use aws_sdk_ec2::types::{Instance, InstanceAttributeName, InstanceStatusSummary};
use serde_json::Value;

use super::json::{Obj, arr, put_tags, row, text, text_nonempty, time_opt};
use super::source::{AwsSource, api_err, is_not_found, need};
use super::vpc::{ec2_filters, ec2_page, ec2_tag_pairs, name_tag};
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
fn state_transition_time(i: &Instance) -> Value {
    let stopped = i.state().and_then(|s| s.name()).is_some_and(|n| {
        matches!(
            n.as_str(),
            "shutting-down" | "stopped" | "stopping" | "terminated"
        )
    });
    if stopped
        && let Some(reason) = i.state_transition_reason()
        && let (Some(open), Some(close)) = (reason.find('('), reason.rfind(')'))
        && open < close
    {
        let inner = reason[open + 1..close].trim();
        let iso = inner.replacen(' ', "T", 1).replace(" GMT", "Z");
        if chrono::DateTime::parse_from_rfc3339(&iso).is_ok() {
            return Value::String(iso);
        }
    }
    time_opt(i.launch_time())
}

fn network_interface_json(n: &aws_sdk_ec2::types::InstanceNetworkInterface) -> Value {
    let assoc = |a: Option<&aws_sdk_ec2::types::InstanceNetworkInterfaceAssociation>| {
        a.map(|a| {
            Obj::new()
                .s("CarrierIp", a.carrier_ip())
                .s("CustomerOwnedIp", a.customer_owned_ip())
                .s("IpOwnerId", a.ip_owner_id())
                .s("PublicDnsName", a.public_dns_name())
                .s("PublicIp", a.public_ip())
                .build()
        })
        .unwrap_or(Value::Null)
    };
    Obj::new()
        .v("Association", assoc(n.association()))
        .s("Description", n.description())
        .a("Groups", n.groups(), |g| {
            Obj::new()
                .s("GroupId", g.group_id())
                .s("GroupName", g.group_name())
                .build()
        })
        .s("InterfaceType", n.interface_type())
        .a("Ipv6Addresses", n.ipv6_addresses(), |a| {
            Obj::new()
                .s("Ipv6Address", a.ipv6_address())
                .b("IsPrimaryIpv6", a.is_primary_ipv6())
                .build()
        })
        .s("MacAddress", n.mac_address())
        .s("NetworkInterfaceId", n.network_interface_id())
        .s("OwnerId", n.owner_id())
        .s("PrivateDnsName", n.private_dns_name())
        .s("PrivateIpAddress", n.private_ip_address())
        .a("PrivateIpAddresses", n.private_ip_addresses(), |p| {
            Obj::new()
                .v("Association", assoc(p.association()))
                .b("Primary", p.primary())
                .s("PrivateDnsName", p.private_dns_name())
                .s("PrivateIpAddress", p.private_ip_address())
                .build()
        })
        .b("SourceDestCheck", n.source_dest_check())
        .s("Status", n.status())
        .s("SubnetId", n.subnet_id())
        .s("VpcId", n.vpc_id())
        .build()
}

fn instance_row(src: &AwsSource, region: &str, owner: Option<&str>, i: &Instance) -> Row {
    let id = i.instance_id().unwrap_or_default();
    let arn = src.arn(
        "ec2",
        region,
        owner.unwrap_or(&src.account_id),
        &format!("instance/{id}"),
    );
    let placement = i.placement();
    let cpu = i.cpu_options();
    let profile = i.iam_instance_profile();
    let int = |v: Option<i32>| v.map(Value::from).unwrap_or(Value::Null);
    let boolean = |v: Option<bool>| v.map(Value::Bool).unwrap_or(Value::Null);
    let mut r = row([
        ("instance_id", Value::String(id.to_string())),
        ("arn", Value::String(arn.clone())),
        ("instance_type", text(i.instance_type())),
        ("instance_state", text(i.state().and_then(|s| s.name()))),
        (
            "monitoring_state",
            text(i.monitoring().and_then(|m| m.state())),
        ),
        ("ami_launch_index", int(i.ami_launch_index())),
        ("architecture", text(i.architecture())),
        ("boot_mode", text(i.boot_mode())),
        (
            "current_instance_boot_mode",
            text(i.current_instance_boot_mode()),
        ),
        ("ipv6_address", text(i.ipv6_address())),
        ("capacity_reservation_id", text(i.capacity_reservation_id())),
        (
            "capacity_reservation_specification",
            i.capacity_reservation_specification()
                .map(|c| {
                    Obj::new()
                        .s(
                            "CapacityReservationPreference",
                            c.capacity_reservation_preference(),
                        )
                        .build()
                })
                .unwrap_or(Value::Null),
        ),
        ("client_token", text_nonempty(i.client_token())),
        (
            "cpu_options_core_count",
            int(cpu.and_then(|c| c.core_count())),
        ),
        (
            "cpu_options_threads_per_core",
            int(cpu.and_then(|c| c.threads_per_core())),
        ),
        ("ebs_optimized", boolean(i.ebs_optimized())),
        ("ena_support", boolean(i.ena_support())),
        ("hypervisor", text(i.hypervisor())),
        (
            "iam_instance_profile_arn",
            text(profile.and_then(|p| p.arn())),
        ),
        (
            "iam_instance_profile_id",
            text(profile.and_then(|p| p.id())),
        ),
        ("image_id", text(i.image_id())),
        ("instance_lifecycle", text(i.instance_lifecycle())),
        ("key_name", text(i.key_name())),
        ("launch_time", time_opt(i.launch_time())),
        ("outpost_arn", text(i.outpost_arn())),
        (
            "placement_affinity",
            text(placement.and_then(|p| p.affinity())),
        ),
        (
            "placement_availability_zone",
            text(placement.and_then(|p| p.availability_zone())),
        ),
        (
            "placement_group_id",
            text(placement.and_then(|p| p.group_id())),
        ),
        (
            "placement_group_name",
            text_nonempty(placement.and_then(|p| p.group_name())),
        ),
        (
            "placement_host_id",
            text(placement.and_then(|p| p.host_id())),
        ),
        (
            "placement_host_resource_group_arn",
            text(placement.and_then(|p| p.host_resource_group_arn())),
        ),
        (
            "placement_partition_number",
            int(placement.and_then(|p| p.partition_number())),
        ),
        (
            "placement_tenancy",
            text(placement.and_then(|p| p.tenancy())),
        ),
        ("platform", text(i.platform())),
        ("platform_details", text(i.platform_details())),
        ("private_ip_address", text_nonempty(i.private_ip_address())),
        ("private_dns_name", text_nonempty(i.private_dns_name())),
        ("public_dns_name", text_nonempty(i.public_dns_name())),
        ("public_ip_address", text_nonempty(i.public_ip_address())),
        ("root_device_name", text(i.root_device_name())),
        ("root_device_type", text(i.root_device_type())),
        ("source_dest_check", boolean(i.source_dest_check())),
        (
            "spot_instance_request_id",
            text(i.spot_instance_request_id()),
        ),
        ("state_code", int(i.state().and_then(|s| s.code()))),
        ("state_transition_reason", text(i.state_transition_reason())),
        ("state_transition_time", state_transition_time(i)),
        ("subnet_id", text(i.subnet_id())),
        ("tpm_support", text(i.tpm_support())),
        ("usage_operation", text(i.usage_operation())),
        (
            "usage_operation_update_time",
            time_opt(i.usage_operation_update_time()),
        ),
        ("virtualization_type", text(i.virtualization_type())),
        ("vpc_id", text(i.vpc_id())),
        (
            "block_device_mappings",
            arr(i.block_device_mappings(), |m| {
                Obj::new()
                    .s("DeviceName", m.device_name())
                    .v(
                        "Ebs",
                        m.ebs()
                            .map(|e| {
                                Obj::new()
                                    .t("AttachTime", e.attach_time())
                                    .b("DeleteOnTermination", e.delete_on_termination())
                                    .s("Status", e.status())
                                    .s("VolumeId", e.volume_id())
                                    .build()
                            })
                            .unwrap_or(Value::Null),
                    )
                    .build()
            }),
        ),
        (
            "elastic_gpu_associations",
            arr(i.elastic_gpu_associations(), |g| {
                Obj::new()
                    .s("ElasticGpuAssociationId", g.elastic_gpu_association_id())
                    .s(
                        "ElasticGpuAssociationState",
                        g.elastic_gpu_association_state(),
                    )
                    .s(
                        "ElasticGpuAssociationTime",
                        g.elastic_gpu_association_time(),
                    )
                    .s("ElasticGpuId", g.elastic_gpu_id())
                    .build()
            }),
        ),
        (
            "elastic_inference_accelerator_associations",
            arr(i.elastic_inference_accelerator_associations(), |a| {
                Obj::new()
                    .s(
                        "ElasticInferenceAcceleratorArn",
                        a.elastic_inference_accelerator_arn(),
                    )
                    .s(
                        "ElasticInferenceAcceleratorAssociationId",
                        a.elastic_inference_accelerator_association_id(),
                    )
                    .s(
                        "ElasticInferenceAcceleratorAssociationState",
                        a.elastic_inference_accelerator_association_state(),
                    )
                    .t(
                        "ElasticInferenceAcceleratorAssociationTime",
                        a.elastic_inference_accelerator_association_time(),
                    )
                    .build()
            }),
        ),
        (
            "enclave_options",
            i.enclave_options()
                .map(|e| Obj::new().b("Enabled", e.enabled()).build())
                .unwrap_or(Value::Null),
        ),
        (
            "hibernation_options",
            i.hibernation_options()
                .map(|h| Obj::new().b("Configured", h.configured()).build())
                .unwrap_or(Value::Null),
        ),
        (
            "state_reason",
            i.state_reason()
                .map(|s| {
                    Obj::new()
                        .s("Code", s.code())
                        .s("Message", s.message())
                        .build()
                })
                .unwrap_or(Value::Null),
        ),
        (
            "licenses",
            arr(i.licenses(), |l| {
                Obj::new()
                    .s("LicenseConfigurationArn", l.license_configuration_arn())
                    .build()
            }),
        ),
        (
            "maintenance_options",
            i.maintenance_options()
                .map(|m| {
                    Obj::new()
                        .s("AutoRecovery", m.auto_recovery())
                        .s("RebootMigration", m.reboot_migration())
                        .build()
                })
                .unwrap_or(Value::Null),
        ),
        (
            "metadata_options",
            i.metadata_options()
                .map(|m| {
                    Obj::new()
                        .s("HttpEndpoint", m.http_endpoint())
                        .s("HttpProtocolIpv6", m.http_protocol_ipv6())
                        .i("HttpPutResponseHopLimit", m.http_put_response_hop_limit())
                        .s("HttpTokens", m.http_tokens())
                        .s("InstanceMetadataTags", m.instance_metadata_tags())
                        .s("State", m.state())
                        .build()
                })
                .unwrap_or(Value::Null),
        ),
        (
            "network_interfaces",
            arr(i.network_interfaces(), network_interface_json),
        ),
        (
            "private_dns_name_options",
            i.private_dns_name_options()
                .map(|p| {
                    Obj::new()
                        .b(
                            "EnableResourceNameDnsAAAARecord",
                            p.enable_resource_name_dns_aaaa_record(),
                        )
                        .b(
                            "EnableResourceNameDnsARecord",
                            p.enable_resource_name_dns_a_record(),
                        )
                        .s("HostnameType", p.hostname_type())
                        .build()
                })
                .unwrap_or(Value::Null),
        ),
        (
            "product_codes",
            arr(i.product_codes(), |p| {
                Obj::new()
                    .s("ProductCodeId", p.product_code_id())
                    .s("ProductCodeType", p.product_code_type())
                    .build()
            }),
        ),
        (
            "security_groups",
            arr(i.security_groups(), |g| {
                Obj::new()
                    .s("GroupId", g.group_id())
                    .s("GroupName", g.group_name())
                    .build()
            }),
        ),
    ]);
    put_tags(&mut r, ec2_tag_pairs(i.tags()));
    let title = name_tag(i.tags()).unwrap_or(id).to_string();
    src.common(&mut r, region, Value::String(title), vec![arn]);
    r
}

/// One page of ec2:DescribeInstances in the request's region.
pub(crate) async fn list(
    src: &AwsSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let region = req.region.as_deref().unwrap_or(&src.default_region);
    let out = src
        .ec2(Some(region))
        .describe_instances()
        .set_filters(ec2_filters(req, FILTERS))
        .set_next_token(token)
        .max_results(1000)
        .send()
        .await
        .map_err(|e| api_err("ec2:DescribeInstances", e))?;
    let rows = out
        .reservations()
        .iter()
        .flat_map(|res| {
            res.instances()
                .iter()
                .map(move |i| instance_row(src, region, res.owner_id(), i))
        })
        .collect();
    Ok(ec2_page(rows, out.next_token()))
}

/// ec2:DescribeInstances for one instance id.
pub(crate) async fn get(
    src: &AwsSource,
    region: Option<&str>,
    id: &str,
) -> Result<Option<Row>, FetchError> {
    let region = region.unwrap_or(&src.default_region);
    let out = match src
        .ec2(Some(region))
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(api_err("ec2:DescribeInstances", e)),
    };
    Ok(out
        .reservations()
        .iter()
        .flat_map(|res| res.instances().iter().map(move |i| (res.owner_id(), i)))
        .find(|(_, i)| i.instance_id() == Some(id))
        .map(|(owner, i)| instance_row(src, region, owner, i)))
}

fn status_summary(s: Option<&InstanceStatusSummary>) -> Value {
    s.map(|s| {
        Obj::new()
            .a("Details", s.details(), |d| {
                Obj::new()
                    .t("ImpairedSince", d.impaired_since())
                    .s("Name", d.name())
                    .s("Status", d.status())
                    .build()
            })
            .s("Status", s.status())
            .build()
    })
    .unwrap_or(Value::Null)
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

/// ec2:DescribeInstanceAttribute for one attribute of the row's instance.
async fn describe_attribute(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
    name: InstanceAttributeName,
) -> Result<
    aws_sdk_ec2::operation::describe_instance_attribute::DescribeInstanceAttributeOutput,
    FetchError,
> {
    let id = need(row_in, "instance_id", "ec2:DescribeInstanceAttribute")?;
    let region = region.or_else(|| row_in.get("region").and_then(Value::as_str));
    src.ec2(region)
        .describe_instance_attribute()
        .instance_id(id)
        .attribute(name)
        .send()
        .await
        .map_err(|e| api_err("ec2:DescribeInstanceAttribute", e))
}

/// The text of an attribute value.
fn attr_text(v: Option<&aws_sdk_ec2::types::AttributeValue>) -> Value {
    text(v.and_then(|v| v.value()))
}

/// Hydrate call `attr_disable_api_termination`.
async fn hydrate_attr_disable_api_termination(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let out = describe_attribute(
        src,
        region,
        row_in,
        InstanceAttributeName::DisableApiTermination,
    )
    .await?;
    let v = out
        .disable_api_termination()
        .and_then(|v| v.value())
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
    let out = describe_attribute(
        src,
        region,
        row_in,
        InstanceAttributeName::InstanceInitiatedShutdownBehavior,
    )
    .await?;
    Ok(row([(
        "instance_initiated_shutdown_behavior",
        attr_text(out.instance_initiated_shutdown_behavior()),
    )]))
}

/// Hydrate call `attr_kernel`.
async fn hydrate_attr_kernel(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let out = describe_attribute(src, region, row_in, InstanceAttributeName::Kernel).await?;
    Ok(row([("kernel_id", attr_text(out.kernel_id()))]))
}

/// Hydrate call `attr_ramdisk`.
async fn hydrate_attr_ramdisk(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let out = describe_attribute(src, region, row_in, InstanceAttributeName::Ramdisk).await?;
    Ok(row([("ram_disk_id", attr_text(out.ramdisk_id()))]))
}

/// Hydrate call `attr_sriov_net_support`.
async fn hydrate_attr_sriov_net_support(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let out =
        describe_attribute(src, region, row_in, InstanceAttributeName::SriovNetSupport).await?;
    Ok(row([(
        "sriov_net_support",
        attr_text(out.sriov_net_support()),
    )]))
}

/// Hydrate call `attr_user_data`.
async fn hydrate_attr_user_data(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let out = describe_attribute(src, region, row_in, InstanceAttributeName::UserData).await?;
    // EC2 returns user data base64-encoded; the column holds the decoded text.
    let v = out
        .user_data()
        .and_then(|v| v.value())
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
    let region = region.or_else(|| row_in.get("region").and_then(Value::as_str));
    let client = src.ec2(region);
    let out = client
        .get_launch_template_data()
        .instance_id(id)
        .send()
        .await
        .map_err(|e| api_err("ec2:GetLaunchTemplateData", e))?;
    let v = out
        .launch_template_data()
        .map(|d| {
            Obj::new()
                .b("DisableApiTermination", d.disable_api_termination())
                .b("EbsOptimized", d.ebs_optimized())
                .v(
                    "IamInstanceProfile",
                    d.iam_instance_profile()
                        .map(|p| Obj::new().s("Arn", p.arn()).s("Name", p.name()).build())
                        .unwrap_or(Value::Null),
                )
                .s("ImageId", d.image_id())
                .s(
                    "InstanceInitiatedShutdownBehavior",
                    d.instance_initiated_shutdown_behavior(),
                )
                .s("InstanceType", d.instance_type())
                .s("KernelId", d.kernel_id())
                .s("KeyName", d.key_name())
                .v(
                    "MetadataOptions",
                    d.metadata_options()
                        .map(|m| {
                            Obj::new()
                                .s("HttpEndpoint", m.http_endpoint())
                                .i("HttpPutResponseHopLimit", m.http_put_response_hop_limit())
                                .s("HttpTokens", m.http_tokens())
                                .build()
                        })
                        .unwrap_or(Value::Null),
                )
                .v(
                    "Monitoring",
                    d.monitoring()
                        .map(|m| Obj::new().b("Enabled", m.enabled()).build())
                        .unwrap_or(Value::Null),
                )
                .s("RamDiskId", d.ram_disk_id())
                .v(
                    "SecurityGroupIds",
                    Value::Array(
                        d.security_group_ids()
                            .iter()
                            .map(|s| Value::String(s.clone()))
                            .collect(),
                    ),
                )
                .s("UserData", d.user_data())
                .build()
        })
        .unwrap_or(Value::Null);
    Ok(row([("launch_template_data", v)]))
}

/// Hydrate call `instance_status`.
async fn hydrate_instance_status(
    src: &AwsSource,
    region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let id = need(row_in, "instance_id", "ec2:DescribeInstanceAttribute")?;
    let region = region.or_else(|| row_in.get("region").and_then(Value::as_str));
    let client = src.ec2(region);
    let out = client
        .describe_instance_status()
        .instance_ids(id)
        .include_all_instances(true)
        .send()
        .await
        .map_err(|e| api_err("ec2:DescribeInstanceStatus", e))?;
    let v = out
        .instance_statuses()
        .first()
        .map(|s| {
            Obj::new()
                .s("AvailabilityZone", s.availability_zone())
                .a("Events", s.events(), |e| {
                    Obj::new()
                        .s("Code", e.code())
                        .s("Description", e.description())
                        .s("InstanceEventId", e.instance_event_id())
                        .t("NotAfter", e.not_after())
                        .t("NotBefore", e.not_before())
                        .build()
                })
                .s("InstanceId", s.instance_id())
                .v(
                    "InstanceState",
                    s.instance_state()
                        .map(|st| Obj::new().i("Code", st.code()).s("Name", st.name()).build())
                        .unwrap_or(Value::Null),
                )
                .v("InstanceStatus", status_summary(s.instance_status()))
                .s("OutpostArn", s.outpost_arn())
                .v("SystemStatus", status_summary(s.system_status()))
                .build()
        })
        .unwrap_or(Value::Null);
    Ok(row([("instance_status", v)]))
}

#[cfg(test)]
mod tests {
    use aws_sdk_ec2::types::{InstanceState, InstanceStateName};
    use aws_smithy_types::DateTime;

    use super::*;

    fn instance(state: InstanceStateName, reason: &str) -> Instance {
        Instance::builder()
            .state(InstanceState::builder().name(state).build())
            .state_transition_reason(reason)
            .launch_time(DateTime::from_secs(1_600_000_000))
            .build()
    }

    #[test]
    fn stopped_instances_take_the_time_from_the_reason() {
        let stopped = instance(
            InstanceStateName::Stopped,
            "User initiated (2019-09-12 16:38:34 GMT)",
        );
        assert_eq!(state_transition_time(&stopped), "2019-09-12T16:38:34Z");
        let running = instance(InstanceStateName::Running, "");
        assert_eq!(state_transition_time(&running), "2020-09-13T12:26:40Z");
        let odd = instance(InstanceStateName::Stopped, "Server.InternalError");
        assert_eq!(state_transition_time(&odd), "2020-09-13T12:26:40Z");
    }
}
