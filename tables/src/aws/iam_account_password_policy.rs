//! `aws_iam_account_password_policy`: the account's password policy (no row when none is set).

use serde_json::Value;

use super::AwsTable;
use super::iam_common::GLOBAL;
use super::json::row;
use super::source::{AwsSource, api_err, is_not_found};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, Page};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_iam_account_password_policy",
        description: "Password policy of the account's IAM users; no row when the account has none.",
        service: "iam",
        scope: Scope::Global,
        columns: aws_columns![
            col(
                "allow_users_to_change_password",
                Bool,
                "Whether users may change their own password."
            ),
            col("expire_passwords", Bool, "Whether passwords expire."),
            col(
                "hard_expiry",
                Bool,
                "Whether an expired password blocks the user until an administrator resets it."
            ),
            col("max_password_age", Int, "Days a password stays valid."),
            col(
                "minimum_password_length",
                Int,
                "Fewest characters a password may have."
            ),
            col(
                "password_reuse_prevention",
                Int,
                "Number of previous passwords that may not be reused."
            ),
            col(
                "require_lowercase_characters",
                Bool,
                "Whether a lower-case letter is required."
            ),
            col("require_numbers", Bool, "Whether a digit is required."),
            col("require_symbols", Bool, "Whether a symbol is required."),
            col(
                "require_uppercase_characters",
                Bool,
                "Whether an upper-case letter is required."
            ),
        ],
        get_keys: &[],
        id_column: "account_id",
    },
    list: |s, _, _| Box::pin(list(s)),
    get: None,
};

/// iam:GetAccountPasswordPolicy as one row, or no row when the account has no policy.
pub(crate) async fn list(src: &AwsSource) -> Result<Page, FetchError> {
    let out = match src.iam.get_account_password_policy().send().await {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(Page::default()),
        Err(e) => return Err(api_err("iam:GetAccountPasswordPolicy", e)),
    };
    let Some(p) = out.password_policy() else {
        return Ok(Page::default());
    };
    let int = |v: Option<i32>| v.map(Value::from).unwrap_or(Value::Null);
    let mut r = row([
        (
            "allow_users_to_change_password",
            Value::Bool(p.allow_users_to_change_password()),
        ),
        ("expire_passwords", Value::Bool(p.expire_passwords())),
        (
            "hard_expiry",
            p.hard_expiry().map(Value::Bool).unwrap_or(Value::Null),
        ),
        ("max_password_age", int(p.max_password_age())),
        ("minimum_password_length", int(p.minimum_password_length())),
        (
            "password_reuse_prevention",
            int(p.password_reuse_prevention()),
        ),
        (
            "require_lowercase_characters",
            Value::Bool(p.require_lowercase_characters()),
        ),
        ("require_numbers", Value::Bool(p.require_numbers())),
        ("require_symbols", Value::Bool(p.require_symbols())),
        (
            "require_uppercase_characters",
            Value::Bool(p.require_uppercase_characters()),
        ),
    ]);
    let aka = format!("arn:{}:::{}", src.partition, src.account_id);
    src.common(
        &mut r,
        GLOBAL,
        Value::String(src.account_id.clone()),
        vec![aka],
    );
    Ok(Page {
        rows: vec![r],
        next: None,
    })
}
