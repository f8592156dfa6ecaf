//! `aws_region`: the regions the account can see, and whether the connection lists them.

use serde_json::Value;

use super::AwsTable;
use super::json::{row, text};
use super::source::{AwsSource, api_err};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, Page};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_region",
        description: "AWS regions visible to the account (ec2:DescribeRegions).",
        service: "ec2",
        scope: Scope::Global,
        columns: aws_columns![
            col("name", Text, "Region code, e.g. eu-west-1."),
            col(
                "opt_in_status",
                Text,
                "Whether the region needs opting in: opt-in-not-required, opted-in or not-opted-in."
            ),
            col(
                "steampipe_available",
                Bool,
                "True when the connection lists regional tables in this region."
            ),
            col(
                "steampipe_default",
                Bool,
                "True for the connection's default region (the first configured one)."
            ),
        ],
        get_keys: &[],
        id_column: "name",
    },
    list: |s, _, _| Box::pin(list(s)),
    get: None,
};

/// ec2:DescribeRegions (all regions, opted in or not).
pub(crate) async fn list(src: &AwsSource) -> Result<Page, FetchError> {
    let out = src
        .ec2(None)
        .describe_regions()
        .all_regions(true)
        .send()
        .await
        .map_err(|e| api_err("ec2:DescribeRegions", e))?;
    let rows = out
        .regions()
        .iter()
        .filter_map(|r| r.region_name().map(|name| (name, r)))
        .map(|(name, r)| {
            let mut out = row([
                ("name", Value::String(name.to_string())),
                ("opt_in_status", text(r.opt_in_status())),
                (
                    "steampipe_available",
                    Value::Bool(src.regions.iter().any(|c| c == name)),
                ),
                ("steampipe_default", Value::Bool(src.default_region == name)),
            ]);
            let aka = format!("arn:{}::{}:{}", src.partition, name, src.account_id);
            src.common(&mut out, name, Value::String(name.to_string()), vec![aka]);
            out
        })
        .collect();
    Ok(Page { rows, next: None })
}
