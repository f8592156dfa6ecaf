//! `aws_account`: the account the connection's credentials belong to.

use crate::framework::def::{ColumnType::*, Scope, TableDef, col};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_account",
    description: "The AWS account of the connection, with its aliases.",
    service: "account",
    scope: Scope::Global,
    columns: aws_columns![
        col("account_aliases", Json, "Aliases set for the account (iam:ListAccountAliases)."),
        col("arn", Text, "ARN of the account (arn:<partition>:::<account id>)."),
    ],
    get_keys: &[],
    id_column: "arn",
};
