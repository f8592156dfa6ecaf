//! `aws_region`: the regions the account can see, and whether the connection lists them.

use crate::framework::def::{ColumnType::*, Scope, TableDef, col};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_region",
    description: "AWS regions visible to the account (ec2:DescribeRegions).",
    service: "ec2",
    scope: Scope::Global,
    columns: aws_columns![
        col("name", Text, "Region code, e.g. eu-west-1."),
        col("opt_in_status", Text, "Whether the region needs opting in: opt-in-not-required, opted-in or not-opted-in."),
        col("steampipe_available", Bool, "True when the connection lists regional tables in this region."),
        col("steampipe_default", Bool, "True for the connection's default region (the first configured one)."),
    ],
    get_keys: &[],
    id_column: "name",
};
