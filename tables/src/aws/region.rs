//! `aws_region`: the regions the account can see, and whether the connection lists them.

use serde_json::Value;

use super::AwsTable;
use super::ec2_common::{ec2_call, items_at, str_at, text_at};
use super::json::row;
use super::source::AwsSource;
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
    let params = [("AllRegions".to_string(), "true".to_string())];
    let out = ec2_call(src, &src.default_region, "ec2:DescribeRegions", &params).await?;
    let rows = items_at(&out, "regionInfo")
        .iter()
        .filter_map(|r| str_at(r, "regionName").map(|name| (name, r)))
        .map(|(name, r)| {
            let mut out = row([
                ("name", Value::String(name.to_string())),
                ("opt_in_status", text_at(r, "optInStatus")),
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
