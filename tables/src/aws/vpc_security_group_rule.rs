//! `aws_vpc_security_group_rule`: one row per security group rule, inbound and outbound.

use crate::framework::def::{ColumnType::*, Scope, TableDef, col};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_vpc_security_group_rule",
    description: "Security group rules, one row per rule, per region.",
    service: "ec2",
    scope: Scope::Regional,
    columns: aws_columns![
        col("security_group_rule_id", Text, "Rule id."),
        col("group_id", Text, "Security group the rule belongs to."),
        col("is_egress", Bool, "True for outbound rules."),
        col("type", Text, "ingress or egress."),
        col("group_owner_id", Text, "Account that owns the security group."),
        col("description", Text, "Description given to the rule."),
        col("ip_protocol", Text, "Protocol name or number; -1 means all."),
        col("from_port", Int, "First port of the range (ICMP type for ICMP); -1 for all."),
        col("to_port", Int, "Last port of the range (ICMP code for ICMP); -1 for all."),
        col("cidr_ipv4", Cidr, "IPv4 range the rule allows."),
        col("cidr_ipv6", Cidr, "IPv6 range the rule allows."),
        col("referenced_group_id", Text, "Security group the rule allows traffic from or to."),
        col("referenced_peering_status", Text, "Peering status when the referenced group is in a peered VPC."),
        col("referenced_user_id", Text, "Account of the referenced security group."),
        col("referenced_vpc_id", Text, "VPC of the referenced security group."),
        col("referenced_vpc_peering_connection_id", Text, "Peering connection to the referenced group's VPC."),
        col("prefix_list_id", Text, "Managed prefix list the rule allows."),
    ],
    get_keys: &["security_group_rule_id"],
    id_column: "security_group_rule_id",
};
