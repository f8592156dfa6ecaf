//! `aws_iam_policy_attachment`: for each managed policy, the users, groups and roles it is attached to.

use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_iam_policy_attachment",
    description: "Users, groups and roles each managed policy is attached to.",
    service: "iam",
    scope: Scope::Global,
    columns: aws_columns![
        col("policy_arn", Text, "ARN of the managed policy."),
        col("is_attached", Bool, "True when the policy is attached to at least one principal."),
        hcol("policy_groups", Json, "Groups the policy is attached to ([{GroupName, GroupId}]).", "entities"),
        hcol("policy_roles", Json, "Roles the policy is attached to ([{RoleName, RoleId}]).", "entities"),
        hcol("policy_users", Json, "Users the policy is attached to ([{UserName, UserId}]).", "entities"),
    ],
    get_keys: &[],
    id_column: "policy_arn",
};
