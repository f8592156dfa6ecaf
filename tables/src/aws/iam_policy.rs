//! `aws_iam_policy`: managed policies (customer and AWS managed) with their default version.

use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_iam_policy",
    description: "IAM managed policies, customer and AWS managed.",
    service: "iam",
    scope: Scope::Global,
    columns: aws_columns![
        col("name", Text, "Policy name."),
        col("policy_id", Text, "Stable unique id of the policy."),
        col("path", Text, "Path the policy was created under."),
        hcol("description", Text, "Description given to the policy.", "get_policy"),
        col("arn", Text, "ARN of the policy."),
        col("is_aws_managed", Bool, "True for policies AWS maintains (ARN in the aws account)."),
        col("is_attachable", Bool, "Whether the policy can be attached to users, groups or roles."),
        col("create_date", Timestamp, "When the policy was created."),
        col("update_date", Timestamp, "When the policy was last updated (a new default version)."),
        col("attachment_count", Int, "Number of users, groups and roles the policy is attached to."),
        col("is_attached", Bool, "True when the policy is attached to at least one principal."),
        col("default_version_id", Text, "Id of the version in effect, e.g. v1."),
        col("permissions_boundary_usage_count", Int, "Number of principals using the policy as permissions boundary."),
        hcol("policy", Json, "Document of the default version.", "policy_version"),
        hcol("policy_std", Json, "Document of the default version in canonical form.", "policy_version"),
        hcol("tags_src", Json, "Tags as returned by IAM ([{Key, Value}]).", "get_policy"),
        hcol("tags", Json, "Tags as a key/value object.", "get_policy"),
    ],
    get_keys: &["arn"],
    id_column: "arn",
};
