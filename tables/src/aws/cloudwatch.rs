//! `aws_cloudwatch_alarm` and `aws_cloudwatch_log_metric_filter`, per region: what the
//! CIS monitoring controls join (metric filter on the trail's log group → alarm on the
//! metric → SNS topic with a subscriber).

use serde_json::{Value, json};

use super::AwsTable;
use super::api::{CLOUDWATCH, LOGS, akas, b, g, n, page, s};
use super::json::row;
use super::source::AwsSource;
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, Page, Row};

/// Table definition and calls.
pub static ALARM_TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_cloudwatch_alarm",
        description: "CloudWatch metric alarms, per region.",
        service: "cloudwatch",
        scope: Scope::Regional,
        columns: aws_columns![
            col("name", Text, "Name of the alarm."),
            col("arn", Text, "ARN of the alarm."),
            col("state_value", Text, "OK, ALARM or INSUFFICIENT_DATA."),
            col("state_reason", Text, "Why the alarm is in its state."),
            col(
                "state_updated_timestamp",
                Timestamp,
                "When the state last changed."
            ),
            col(
                "actions_enabled",
                Bool,
                "Whether actions run on state changes."
            ),
            col("alarm_description", Text, "Description of the alarm."),
            col(
                "comparison_operator",
                Text,
                "How the statistic is compared with the threshold."
            ),
            col(
                "evaluation_periods",
                Int,
                "Number of periods compared with the threshold."
            ),
            col(
                "datapoints_to_alarm",
                Int,
                "Breaching datapoints that trigger the alarm."
            ),
            col("metric_name", Text, "Metric the alarm watches."),
            col("namespace", Text, "Namespace of the metric."),
            col("period", Int, "Period in seconds."),
            col("statistic", Text, "Statistic of the metric."),
            col("threshold", Double, "Threshold value."),
            col(
                "treat_missing_data",
                Text,
                "How missing data points are treated."
            ),
            col("unit", Text, "Unit of the metric."),
            col(
                "alarm_actions",
                Json,
                "Actions (ARNs) run when the alarm enters ALARM."
            ),
            col("ok_actions", Json, "Actions run when the alarm enters OK."),
            col(
                "insufficient_data_actions",
                Json,
                "Actions run when the alarm enters INSUFFICIENT_DATA."
            ),
            col("dimensions", Json, "Dimensions of the metric."),
        ],
        get_keys: &[],
        id_column: "arn",
    },
    list: |s, req, token| Box::pin(list_alarms(s, s.list_region(req), token)),
    get: None,
};

/// Table definition and calls.
pub static METRIC_FILTER_TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_cloudwatch_log_metric_filter",
        description: "CloudWatch Logs metric filters, per region.",
        service: "logs",
        scope: Scope::Regional,
        columns: aws_columns![
            col("name", Text, "Name of the metric filter."),
            col("log_group_name", Text, "Log group the filter reads."),
            col("creation_time", Timestamp, "When the filter was created."),
            col(
                "filter_pattern",
                Text,
                "Pattern matched against log events."
            ),
            col(
                "metric_transformation_name",
                Text,
                "Metric the filter publishes."
            ),
            col(
                "metric_transformation_namespace",
                Text,
                "Namespace of that metric."
            ),
            col(
                "metric_transformation_value",
                Text,
                "Value published per matching event."
            ),
        ],
        get_keys: &[],
        id_column: "name",
    },
    list: |s, req, token| Box::pin(list_metric_filters(s, s.list_region(req), token)),
    get: None,
};

fn list_of(v: &Value, key: &str) -> Value {
    match v.get(key) {
        Some(Value::Array(a)) => Value::Array(a.clone()),
        _ => Value::Array(Vec::new()),
    }
}

/// One page of cloudwatch:DescribeAlarms (metric alarms).
pub(crate) async fn list_alarms(
    src: &AwsSource,
    region: &str,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let mut params = vec![
        ("AlarmTypes.member.1", "MetricAlarm".to_string()),
        ("MaxRecords", "100".to_string()),
    ];
    if let Some(t) = token {
        params.push(("NextToken", t));
    }
    let out = src
        .call_query(
            &CLOUDWATCH,
            region,
            "DescribeAlarms",
            &params,
            &[
                "MetricAlarms",
                "AlarmActions",
                "OKActions",
                "InsufficientDataActions",
                "Dimensions",
            ],
        )
        .await
        .map_err(|e| e.into_fetch("cloudwatch:DescribeAlarms"))?;
    let rows = match out.get("MetricAlarms") {
        Some(Value::Array(items)) => items.iter().map(|a| alarm_row(src, region, a)).collect(),
        _ => Vec::new(),
    };
    Ok(page(rows, &out, "NextToken"))
}

fn alarm_row(src: &AwsSource, region: &str, a: &Value) -> Row {
    let arn = s(a, "AlarmArn");
    let mut r = row([
        ("name", s(a, "AlarmName")),
        ("arn", arn.clone()),
        ("state_value", s(a, "StateValue")),
        ("state_reason", s(a, "StateReason")),
        ("state_updated_timestamp", s(a, "StateUpdatedTimestamp")),
        ("actions_enabled", b(a, "ActionsEnabled")),
        ("alarm_description", s(a, "AlarmDescription")),
        ("comparison_operator", s(a, "ComparisonOperator")),
        ("evaluation_periods", n(a, "EvaluationPeriods")),
        ("datapoints_to_alarm", n(a, "DatapointsToAlarm")),
        ("metric_name", s(a, "MetricName")),
        ("namespace", s(a, "Namespace")),
        ("period", n(a, "Period")),
        ("statistic", s(a, "Statistic")),
        ("threshold", n(a, "Threshold")),
        ("treat_missing_data", s(a, "TreatMissingData")),
        ("unit", s(a, "Unit")),
        ("alarm_actions", list_of(a, "AlarmActions")),
        ("ok_actions", list_of(a, "OKActions")),
        (
            "insufficient_data_actions",
            list_of(a, "InsufficientDataActions"),
        ),
        ("dimensions", list_of(a, "Dimensions")),
    ]);
    src.common(&mut r, region, s(a, "AlarmName"), akas(&arn));
    r
}

/// One page of logs:DescribeMetricFilters.
pub(crate) async fn list_metric_filters(
    src: &AwsSource,
    region: &str,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let mut input = json!({"limit": 50});
    if let Some(t) = token {
        input["nextToken"] = Value::String(t);
    }
    let out = src
        .call_json(&LOGS, region, "DescribeMetricFilters", input)
        .await
        .map_err(|e| e.into_fetch("logs:DescribeMetricFilters"))?;
    let rows = out
        .get("metricFilters")
        .and_then(Value::as_array)
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    let t = f
                        .get("metricTransformations")
                        .and_then(Value::as_array)
                        .and_then(|a| a.first())
                        .cloned()
                        .unwrap_or(Value::Null);
                    let name = s(f, "filterName");
                    let arn = Value::String(src.arn(
                        "logs",
                        region,
                        &src.account_id,
                        &format!(
                            "log-group:{}:metric-filter:{}",
                            f.get("logGroupName")
                                .and_then(Value::as_str)
                                .unwrap_or_default(),
                            name.as_str().unwrap_or_default()
                        ),
                    ));
                    // creationTime is in epoch milliseconds.
                    let created = f
                        .get("creationTime")
                        .and_then(Value::as_f64)
                        .map(|ms| Value::from(ms / 1000.0))
                        .unwrap_or(Value::Null);
                    let mut r = row([
                        ("name", name.clone()),
                        ("log_group_name", s(f, "logGroupName")),
                        ("creation_time", created),
                        ("filter_pattern", g(f, "filterPattern")),
                        ("metric_transformation_name", s(&t, "metricName")),
                        ("metric_transformation_namespace", s(&t, "metricNamespace")),
                        ("metric_transformation_value", s(&t, "metricValue")),
                    ]);
                    src.common(&mut r, region, name, akas(&arn));
                    r
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(page(rows, &out, "nextToken"))
}
