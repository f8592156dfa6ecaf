//! `aws_vpc_security_group`: security groups with their rules as EC2 reports them.

use crate::framework::def::{ColumnType::*, Scope, TableDef, col};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_vpc_security_group",
    description: "VPC security groups, per region.",
    service: "ec2",
    scope: Scope::Regional,
    columns: aws_columns![
        col("group_name", Text, "Security group name."),
        col("group_id", Text, "Security group id."),
        col("arn", Text, "ARN of the security group."),
        col("description", Text, "Description given to the group."),
        col("vpc_id", Text, "VPC the group belongs to."),
        col("owner_id", Text, "Account that owns the group."),
        col("ip_permissions", Json, "Inbound rules."),
        col("ip_permissions_egress", Json, "Outbound rules."),
        col("tags_src", Json, "Tags as returned by EC2 ([{Key, Value}])."),
        col("tags", Json, "Tags as a key/value object."),
    ],
    get_keys: &["group_id"],
    id_column: "group_id",
};
