//! `aws_vpc_flow_log`: VPC flow logs, per region.

use serde_json::Value;

use super::AwsTable;
use super::api::page;
use super::ec2_common::{
    ec2_call, int_at, items_at, list_params, name_tag, put_ec2_tags, str_at, text_at, time_at,
};
use super::json::row;
use super::source::AwsSource;
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_vpc_flow_log",
        description: "VPC flow logs (of VPCs, subnets and network interfaces), per region.",
        service: "ec2",
        scope: Scope::Regional,
        columns: aws_columns![
            col("flow_log_id", Text, "Id of the flow log."),
            col("creation_time", Timestamp, "When the flow log was created."),
            col(
                "deliver_logs_error_message",
                Text,
                "Why delivery failed, if it did."
            ),
            col(
                "deliver_logs_permission_arn",
                Text,
                "Role that publishes to CloudWatch Logs."
            ),
            col("deliver_logs_status", Text, "SUCCESS or FAILED."),
            col(
                "flow_log_status",
                Text,
                "ACTIVE when the flow log is active."
            ),
            col(
                "log_group_name",
                Text,
                "CloudWatch Logs group the flow log publishes to."
            ),
            col(
                "resource_id",
                Text,
                "VPC, subnet or network interface the flow log captures."
            ),
            col("traffic_type", Text, "ACCEPT, REJECT or ALL."),
            col(
                "log_destination_type",
                Text,
                "cloud-watch-logs, s3 or kinesis-data-firehose."
            ),
            col("log_destination", Text, "ARN of the destination."),
            col("log_format", Text, "Format of the flow log records."),
            col(
                "max_aggregation_interval",
                Int,
                "Seconds over which packets are aggregated."
            ),
            col(
                "tags_src",
                Json,
                "Tags as returned by EC2 ([{Key, Value}])."
            ),
            col("tags", Json, "Tags as a key/value object."),
        ],
        get_keys: &[],
        id_column: "flow_log_id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: None,
};

fn flow_log_row(src: &AwsSource, region: &str, f: &Value) -> Row {
    let id = str_at(f, "flowLogId").unwrap_or_default();
    let arn = src.arn(
        "ec2",
        region,
        &src.account_id,
        &format!("vpc-flow-log/{id}"),
    );
    let mut r = row([
        ("flow_log_id", Value::String(id.to_string())),
        ("creation_time", time_at(f, "creationTime")),
        (
            "deliver_logs_error_message",
            text_at(f, "deliverLogsErrorMessage"),
        ),
        (
            "deliver_logs_permission_arn",
            text_at(f, "deliverLogsPermissionArn"),
        ),
        ("deliver_logs_status", text_at(f, "deliverLogsStatus")),
        ("flow_log_status", text_at(f, "flowLogStatus")),
        ("log_group_name", text_at(f, "logGroupName")),
        ("resource_id", text_at(f, "resourceId")),
        ("traffic_type", text_at(f, "trafficType")),
        ("log_destination_type", text_at(f, "logDestinationType")),
        ("log_destination", text_at(f, "logDestination")),
        ("log_format", text_at(f, "logFormat")),
        (
            "max_aggregation_interval",
            int_at(f, "maxAggregationInterval"),
        ),
    ]);
    put_ec2_tags(&mut r, f);
    let title = name_tag(f).unwrap_or_else(|| id.to_string());
    src.common(&mut r, region, Value::String(title), vec![arn]);
    r
}

/// One page of ec2:DescribeFlowLogs in the request's region.
pub(crate) async fn list(
    src: &AwsSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let region = req.region.as_deref().unwrap_or(&src.default_region);
    let params = list_params(req, &[("resource_id", "resource-id")], token);
    let out = ec2_call(src, region, "ec2:DescribeFlowLogs", &params).await?;
    let rows = items_at(&out, "flowLogSet")
        .iter()
        .map(|f| flow_log_row(src, region, f))
        .collect();
    Ok(page(rows, &out, "nextToken"))
}
