//! `aws_iam_role`: IAM roles with their trust policy, policies and instance profiles.

use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_iam_role",
    description: "IAM roles of the account.",
    service: "iam",
    scope: Scope::Global,
    columns: aws_columns![
        col("name", Text, "Role name."),
        col("arn", Text, "ARN of the role."),
        col("role_id", Text, "Stable unique id of the role."),
        col("assume_role_policy_document", Text, "Trust policy as IAM returns it (URL-encoded JSON)."),
        col("create_date", Timestamp, "When the role was created."),
        col("description", Text, "Description given to the role."),
        hcol("instance_profile_arns", Json, "ARNs of the instance profiles that carry the role.", "instance_profiles"),
        col("max_session_duration", Int, "Longest session, in seconds, that assuming the role can give."),
        col("path", Text, "Path the role was created under."),
        hcol("permissions_boundary_arn", Text, "ARN of the policy set as the role's permissions boundary.", "get_role"),
        hcol("permissions_boundary_type", Text, "Kind of entity used as permissions boundary (Policy).", "get_role"),
        hcol("role_last_used_date", Timestamp, "When the role was last assumed.", "get_role"),
        hcol("role_last_used_region", Text, "Region in which the role was last assumed.", "get_role"),
        hcol("tags_src", Json, "Tags as returned by IAM ([{Key, Value}]).", "get_role"),
        hcol("inline_policies", Json, "Inline policies embedded in the role, as {PolicyName, PolicyDocument}.", "inline_policies"),
        hcol("inline_policies_std", Json, "Inline policies with documents in canonical form.", "inline_policies"),
        hcol("attached_policy_arns", Json, "ARNs of managed policies attached to the role.", "attached_policies"),
        col("assume_role_policy", Json, "Trust policy: who may assume the role."),
        col("assume_role_policy_std", Json, "Trust policy in canonical form."),
        hcol("tags", Json, "Tags as a key/value object.", "get_role"),
    ],
    get_keys: &["name", "arn"],
    id_column: "arn",
};
