//! `aws_iam_account_password_policy`: the account's password policy (no row when none is set).

use crate::framework::def::{ColumnType::*, Scope, TableDef, col};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_iam_account_password_policy",
    description: "Password policy of the account's IAM users; no row when the account has none.",
    service: "iam",
    scope: Scope::Global,
    columns: aws_columns![
        col("allow_users_to_change_password", Bool, "Whether users may change their own password."),
        col("expire_passwords", Bool, "Whether passwords expire."),
        col("hard_expiry", Bool, "Whether an expired password blocks the user until an administrator resets it."),
        col("max_password_age", Int, "Days a password stays valid."),
        col("minimum_password_length", Int, "Fewest characters a password may have."),
        col("password_reuse_prevention", Int, "Number of previous passwords that may not be reused."),
        col("require_lowercase_characters", Bool, "Whether a lower-case letter is required."),
        col("require_numbers", Bool, "Whether a digit is required."),
        col("require_symbols", Bool, "Whether a symbol is required."),
        col("require_uppercase_characters", Bool, "Whether an upper-case letter is required."),
    ],
    get_keys: &[],
    id_column: "account_id",
};
