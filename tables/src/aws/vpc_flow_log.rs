//! `aws_vpc_flow_log`: VPC flow logs, per region.

use aws_sdk_ec2::types::FlowLog;
use serde_json::Value;

use super::AwsTable;
use super::json::{put_tags, row, text, time_opt};
use super::source::{AwsSource, api_err};
use super::vpc::{ec2_filters, ec2_page, ec2_tag_pairs, name_tag};
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

fn flow_log_row(src: &AwsSource, region: &str, f: &FlowLog) -> Row {
    let id = f.flow_log_id().unwrap_or_default();
    let arn = src.arn(
        "ec2",
        region,
        &src.account_id,
        &format!("vpc-flow-log/{id}"),
    );
    let mut r = row([
        ("flow_log_id", Value::String(id.to_string())),
        ("creation_time", time_opt(f.creation_time())),
        (
            "deliver_logs_error_message",
            text(f.deliver_logs_error_message()),
        ),
        (
            "deliver_logs_permission_arn",
            text(f.deliver_logs_permission_arn()),
        ),
        ("deliver_logs_status", text(f.deliver_logs_status())),
        ("flow_log_status", text(f.flow_log_status())),
        ("log_group_name", text(f.log_group_name())),
        ("resource_id", text(f.resource_id())),
        ("traffic_type", text(f.traffic_type())),
        ("log_destination_type", text(f.log_destination_type())),
        ("log_destination", text(f.log_destination())),
        ("log_format", text(f.log_format())),
        (
            "max_aggregation_interval",
            f.max_aggregation_interval()
                .map(Value::from)
                .unwrap_or(Value::Null),
        ),
    ]);
    put_tags(&mut r, ec2_tag_pairs(f.tags()));
    let title = name_tag(f.tags()).unwrap_or(id).to_string();
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
    let filters = ec2_filters(req, &[("resource_id", "resource-id")]);
    let out = src
        .ec2(Some(region))
        .describe_flow_logs()
        .set_filter(filters)
        .set_next_token(token)
        .max_results(1000)
        .send()
        .await
        .map_err(|e| api_err("ec2:DescribeFlowLogs", e))?;
    let rows = out
        .flow_logs()
        .iter()
        .map(|f| flow_log_row(src, region, f))
        .collect();
    Ok(ec2_page(rows, out.next_token()))
}
