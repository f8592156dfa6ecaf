//! `aws_account`: the account the connection's credentials belong to.

use serde_json::Value;

use super::AwsTable;
use super::iam_common::GLOBAL;
use super::json::{row, str_arr};
use super::source::{AwsSource, api_err};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, Page};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_account",
        description: "The AWS account of the connection, with its aliases.",
        service: "account",
        scope: Scope::Global,
        columns: aws_columns![
            col(
                "account_aliases",
                Json,
                "Aliases set for the account (iam:ListAccountAliases)."
            ),
            col(
                "arn",
                Text,
                "ARN of the account (arn:<partition>:::<account id>)."
            ),
        ],
        get_keys: &[],
        id_column: "arn",
    },
    list: |s, _, _| Box::pin(list(s)),
    get: None,
};

/// The account as one row (iam:ListAccountAliases).
pub(crate) async fn list(src: &AwsSource) -> Result<Page, FetchError> {
    let mut aliases: Vec<String> = Vec::new();
    let mut marker = None;
    loop {
        let out = src
            .iam
            .list_account_aliases()
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| api_err("iam:ListAccountAliases", e))?;
        aliases.extend(out.account_aliases().iter().cloned());
        marker = out
            .marker()
            .filter(|_| out.is_truncated())
            .map(str::to_string);
        if marker.is_none() {
            break;
        }
    }
    let arn = format!("arn:{}:::{}", src.partition, src.account_id);
    let title = aliases
        .first()
        .cloned()
        .unwrap_or_else(|| src.account_id.clone());
    let mut r = row([
        ("account_aliases", str_arr(&aliases)),
        ("arn", Value::String(arn.clone())),
    ]);
    src.common(&mut r, GLOBAL, Value::String(title), vec![arn]);
    Ok(Page {
        rows: vec![r],
        next: None,
    })
}
