//! `aws_iam_access_key`: access keys of every IAM user.

use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_iam_access_key",
    description: "Access keys of the account's IAM users.",
    service: "iam",
    scope: Scope::Global,
    columns: aws_columns![
        col("access_key_id", Text, "Access key id (the public half of the key)."),
        col("user_name", Text, "Name of the user the key belongs to."),
        col("status", Text, "Active or Inactive."),
        col("create_date", Timestamp, "When the key was created."),
        hcol("access_key_last_used_date", Timestamp, "When the key was last used to sign a request.", "last_used"),
        hcol("access_key_last_used_service", Text, "Service the key was last used with.", "last_used"),
        hcol("access_key_last_used_region", Text, "Region the key was last used in.", "last_used"),
    ],
    get_keys: &[],
    id_column: "access_key_id",
};
