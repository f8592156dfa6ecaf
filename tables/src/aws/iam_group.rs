//! `aws_iam_group`: IAM groups with their members and policies.

use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_iam_group",
    description: "IAM groups of the account.",
    service: "iam",
    scope: Scope::Global,
    columns: aws_columns![
        col("name", Text, "Group name."),
        col("group_id", Text, "Stable unique id of the group."),
        col("path", Text, "Path the group was created under."),
        col("arn", Text, "ARN of the group."),
        col("create_date", Timestamp, "When the group was created."),
        hcol("inline_policies", Json, "Inline policies embedded in the group, as {PolicyName, PolicyDocument}.", "inline_policies"),
        hcol("inline_policies_std", Json, "Inline policies with documents in canonical form.", "inline_policies"),
        hcol("attached_policy_arns", Json, "ARNs of managed policies attached to the group.", "attached_policies"),
        hcol("users", Json, "Users that are members of the group.", "users"),
    ],
    get_keys: &["name", "arn"],
    id_column: "arn",
};
