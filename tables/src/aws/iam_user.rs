//! `aws_iam_user`: IAM users with their groups, policies, MFA devices and login profile.

use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_iam_user",
    description: "IAM users of the account.",
    service: "iam",
    scope: Scope::Global,
    columns: aws_columns![
        col("name", Text, "User name."),
        col("user_id", Text, "Stable unique id of the user."),
        col("path", Text, "Path the user was created under."),
        col("arn", Text, "ARN of the user."),
        col("create_date", Timestamp, "When the user was created."),
        col("password_last_used", Timestamp, "When the user's console password was last used to sign in."),
        hcol("permissions_boundary_arn", Text, "ARN of the policy set as the user's permissions boundary.", "get_user"),
        hcol("permissions_boundary_type", Text, "Kind of entity used as permissions boundary (Policy).", "get_user"),
        hcol("mfa_enabled", Bool, "True when the user has at least one MFA device.", "mfa_devices"),
        hcol("login_profile", Json, "Console login profile (creation date, reset required), null when the user has no password.", "login_profile"),
        hcol("mfa_devices", Json, "MFA devices assigned to the user.", "mfa_devices"),
        hcol("groups", Json, "Groups the user is a member of.", "groups"),
        hcol("inline_policies", Json, "Inline policies embedded in the user, as {PolicyName, PolicyDocument}.", "inline_policies"),
        hcol("inline_policies_std", Json, "Inline policies with documents in canonical form.", "inline_policies"),
        hcol("attached_policy_arns", Json, "ARNs of managed policies attached to the user.", "attached_policies"),
        hcol("tags_src", Json, "Tags as returned by IAM ([{Key, Value}]).", "get_user"),
        hcol("tags", Json, "Tags as a key/value object.", "get_user"),
    ],
    get_keys: &["name", "arn"],
    id_column: "arn",
};
