//! `aws_iam_credential_report`: the IAM credential report, one row per user (and the root user).

use crate::framework::def::{ColumnType::*, Scope, TableDef, col};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_iam_credential_report",
    description: "IAM credential report: password, access key, certificate and MFA state per user.",
    service: "iam",
    scope: Scope::Global,
    columns: aws_columns![
        col("user_name", Text, "User name; <root_account> for the root user."),
        col("user_arn", Text, "ARN of the user."),
        col("user_creation_time", Timestamp, "When the user was created."),
        col("generated_time", Timestamp, "When the report was generated."),
        col("access_key_1_active", Bool, "Whether the first access key is active."),
        col("access_key_1_last_rotated", Timestamp, "When the first access key was created or last rotated."),
        col("access_key_1_last_used_date", Timestamp, "When the first access key last signed a request."),
        col("access_key_1_last_used_region", Text, "Region the first access key was last used in."),
        col("access_key_1_last_used_service", Text, "Service the first access key was last used with."),
        col("access_key_2_active", Bool, "Whether the second access key is active."),
        col("access_key_2_last_rotated", Timestamp, "When the second access key was created or last rotated."),
        col("access_key_2_last_used_date", Timestamp, "When the second access key last signed a request."),
        col("access_key_2_last_used_region", Text, "Region the second access key was last used in."),
        col("access_key_2_last_used_service", Text, "Service the second access key was last used with."),
        col("cert_1_active", Bool, "Whether the first signing certificate is active."),
        col("cert_1_last_rotated", Timestamp, "When the first signing certificate was created or last rotated."),
        col("cert_2_active", Bool, "Whether the second signing certificate is active."),
        col("cert_2_last_rotated", Timestamp, "When the second signing certificate was created or last rotated."),
        col("mfa_active", Bool, "Whether the user has an MFA device."),
        col("password_enabled", Bool, "Whether the user has a console password (always true for root)."),
        col("password_last_changed", Timestamp, "When the password was last set."),
        col("password_last_used", Timestamp, "When the password was last used to sign in."),
        col("password_status", Text, "used, never_used or not_set."),
        col("password_next_rotation", Timestamp, "When the password policy requires the next change."),
    ],
    get_keys: &[],
    id_column: "user_arn",
};
