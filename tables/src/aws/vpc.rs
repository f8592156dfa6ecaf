//! `aws_vpc`: VPCs in each configured region.

use crate::framework::def::{ColumnType::*, Scope, TableDef, col};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_vpc",
    description: "Virtual private clouds, per region.",
    service: "ec2",
    scope: Scope::Regional,
    columns: aws_columns![
        col("vpc_id", Text, "VPC id."),
        col("arn", Text, "ARN of the VPC."),
        col("cidr_block", Cidr, "Primary IPv4 CIDR block."),
        col("state", Text, "pending or available."),
        col("is_default", Bool, "Whether this is the region's default VPC."),
        col("dhcp_options_id", Text, "Id of the DHCP option set in use."),
        col("instance_tenancy", Text, "Default tenancy of instances launched in the VPC."),
        col("owner_id", Text, "Account that owns the VPC."),
        col("cidr_block_association_set", Json, "IPv4 CIDR blocks associated with the VPC."),
        col("ipv6_cidr_block_association_set", Json, "IPv6 CIDR blocks associated with the VPC."),
        col("tags_src", Json, "Tags as returned by EC2 ([{Key, Value}])."),
        col("tags", Json, "Tags as a key/value object."),
    ],
    get_keys: &["vpc_id"],
    id_column: "vpc_id",
};
