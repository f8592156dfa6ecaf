//! `aws_cloudtrail_trail`: CloudTrail trails, per region (multi-region trails also appear
//! as shadow trails in the other regions, with `home_region` naming where they live).

use serde_json::{Value, json};

use super::api::{CLOUDTRAIL, akas, b, g, put_api_tags, s};
use super::json::row;
use super::source::{AwsSource, need, row_str};
use super::{AwsHydrate, AwsTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_cloudtrail_trail",
        description: "CloudTrail trails, per region (cloudtrail:DescribeTrails with shadow trails).",
        service: "cloudtrail",
        scope: Scope::Regional,
        columns: aws_columns![
            col("name", Text, "Name of the trail."),
            col("arn", Text, "ARN of the trail."),
            col(
                "home_region",
                Text,
                "Region in which the trail was created."
            ),
            col(
                "is_multi_region_trail",
                Bool,
                "Whether the trail logs events in every region."
            ),
            col(
                "log_file_validation_enabled",
                Bool,
                "Whether log file integrity validation is enabled."
            ),
            hcol(
                "is_logging",
                Bool,
                "Whether the trail is currently logging (GetTrailStatus).",
                &STATUS
            ),
            col(
                "log_group_arn",
                Text,
                "CloudWatch Logs log group the trail delivers to."
            ),
            col(
                "cloudwatch_logs_role_arn",
                Text,
                "Role CloudTrail assumes to write to the log group."
            ),
            col(
                "has_custom_event_selectors",
                Bool,
                "Whether the trail has custom event selectors."
            ),
            col(
                "has_insight_selectors",
                Bool,
                "Whether the trail has insight selectors."
            ),
            col(
                "include_global_service_events",
                Bool,
                "Whether events of global services such as IAM are included."
            ),
            col(
                "is_organization_trail",
                Bool,
                "Whether the trail logs every account of the organization."
            ),
            col(
                "kms_key_id",
                Text,
                "KMS key ARN that encrypts the log files (null: SSE-S3)."
            ),
            col(
                "s3_bucket_name",
                Text,
                "Bucket the log files are delivered to."
            ),
            col("s3_key_prefix", Text, "Key prefix of the log files."),
            col(
                "sns_topic_arn",
                Text,
                "SNS topic notified of log deliveries."
            ),
            hcol(
                "latest_cloudwatch_logs_delivery_error",
                Text,
                "Last error delivering to CloudWatch Logs.",
                &STATUS
            ),
            hcol(
                "latest_cloudwatch_logs_delivery_time",
                Timestamp,
                "Last delivery to CloudWatch Logs.",
                &STATUS
            ),
            hcol(
                "latest_delivery_error",
                Text,
                "Last error delivering to S3.",
                &STATUS
            ),
            hcol(
                "latest_delivery_time",
                Timestamp,
                "Last delivery of log files to S3.",
                &STATUS
            ),
            hcol(
                "start_logging_time",
                Timestamp,
                "When logging was last started.",
                &STATUS
            ),
            hcol(
                "stop_logging_time",
                Timestamp,
                "When logging was last stopped.",
                &STATUS
            ),
            hcol(
                "event_selectors",
                Json,
                "Event selectors (management and data events).",
                &SELECTORS
            ),
            hcol(
                "advanced_event_selectors",
                Json,
                "Advanced event selectors.",
                &SELECTORS
            ),
            hcol(
                "tags_src",
                Json,
                "Tags as returned by CloudTrail ([{Key, Value}]).",
                &TAGS
            ),
            hcol("tags", Json, "Tags as a key/value object.", &TAGS),
        ],
        get_keys: &[],
        id_column: "arn",
    },
    list: |s, req, _| Box::pin(list(s, s.list_region(req))),
    get: None,
};

/// cloudtrail:DescribeTrails in the request's region, shadow trails included.
pub(crate) async fn list(src: &AwsSource, region: &str) -> Result<Page, FetchError> {
    let out = src
        .call_json(
            &CLOUDTRAIL,
            region,
            "DescribeTrails",
            json!({"includeShadowTrails": true}),
        )
        .await
        .map_err(|e| e.into_fetch("cloudtrail:DescribeTrails"))?;
    let rows = out
        .get("trailList")
        .and_then(Value::as_array)
        .map(|trails| trails.iter().map(|t| trail_row(src, region, t)).collect())
        .unwrap_or_default();
    Ok(Page { rows, next: None })
}

fn trail_row(src: &AwsSource, region: &str, t: &Value) -> Row {
    let arn = s(t, "TrailARN");
    let mut r = row([
        ("name", s(t, "Name")),
        ("arn", arn.clone()),
        ("home_region", s(t, "HomeRegion")),
        ("is_multi_region_trail", b(t, "IsMultiRegionTrail")),
        (
            "log_file_validation_enabled",
            b(t, "LogFileValidationEnabled"),
        ),
        ("log_group_arn", s(t, "CloudWatchLogsLogGroupArn")),
        ("cloudwatch_logs_role_arn", s(t, "CloudWatchLogsRoleArn")),
        (
            "has_custom_event_selectors",
            b(t, "HasCustomEventSelectors"),
        ),
        ("has_insight_selectors", b(t, "HasInsightSelectors")),
        (
            "include_global_service_events",
            b(t, "IncludeGlobalServiceEvents"),
        ),
        ("is_organization_trail", b(t, "IsOrganizationTrail")),
        ("kms_key_id", s(t, "KmsKeyId")),
        ("s3_bucket_name", s(t, "S3BucketName")),
        ("s3_key_prefix", s(t, "S3KeyPrefix")),
        ("sns_topic_arn", s(t, "SnsTopicARN")),
    ]);
    src.common(&mut r, region, s(t, "Name"), akas(&arn));
    r
}

static STATUS: AwsHydrate = AwsHydrate::new("status", |s, region, row| {
    Box::pin(hydrate_status(s, region, row))
});
static SELECTORS: AwsHydrate = AwsHydrate::new("selectors", |s, region, row| {
    Box::pin(hydrate_selectors(s, region, row))
});
static TAGS: AwsHydrate = AwsHydrate::new("tags", |s, region, row| {
    Box::pin(hydrate_tags(s, region, row))
});

/// Hydrate call `status`.
async fn hydrate_status(
    src: &AwsSource,
    _region: Option<&str>,
    r: &Row,
) -> Result<Row, FetchError> {
    let arn = need(r, "arn", "cloudtrail:GetTrailStatus")?;
    let home = row_str(r, "home_region")
        .or_else(|| row_str(r, "region"))
        .unwrap_or(&src.default_region)
        .to_string();
    let st = src
        .call_json(&CLOUDTRAIL, &home, "GetTrailStatus", json!({"Name": arn}))
        .await
        .map_err(|e| e.into_fetch("cloudtrail:GetTrailStatus"))?;
    Ok(row([
        ("is_logging", b(&st, "IsLogging")),
        (
            "latest_cloudwatch_logs_delivery_error",
            s(&st, "LatestCloudWatchLogsDeliveryError"),
        ),
        (
            "latest_cloudwatch_logs_delivery_time",
            g(&st, "LatestCloudWatchLogsDeliveryTime"),
        ),
        ("latest_delivery_error", s(&st, "LatestDeliveryError")),
        ("latest_delivery_time", g(&st, "LatestDeliveryTime")),
        ("start_logging_time", g(&st, "StartLoggingTime")),
        ("stop_logging_time", g(&st, "StopLoggingTime")),
    ]))
}

/// Hydrate call `selectors`.
async fn hydrate_selectors(
    src: &AwsSource,
    _region: Option<&str>,
    r: &Row,
) -> Result<Row, FetchError> {
    let arn = need(r, "arn", "cloudtrail:GetTrailStatus")?;
    let home = row_str(r, "home_region")
        .or_else(|| row_str(r, "region"))
        .unwrap_or(&src.default_region)
        .to_string();
    let sel = src
        .call_json(
            &CLOUDTRAIL,
            &home,
            "GetEventSelectors",
            json!({"TrailName": arn}),
        )
        .await
        .map_err(|e| e.into_fetch("cloudtrail:GetEventSelectors"))?;
    Ok(row([
        ("event_selectors", g(&sel, "EventSelectors")),
        (
            "advanced_event_selectors",
            g(&sel, "AdvancedEventSelectors"),
        ),
    ]))
}

/// Hydrate call `tags`.
async fn hydrate_tags(src: &AwsSource, _region: Option<&str>, r: &Row) -> Result<Row, FetchError> {
    let arn = need(r, "arn", "cloudtrail:GetTrailStatus")?;
    let home = row_str(r, "home_region")
        .or_else(|| row_str(r, "region"))
        .unwrap_or(&src.default_region)
        .to_string();
    let out = src
        .call_json(
            &CLOUDTRAIL,
            &home,
            "ListTags",
            json!({"ResourceIdList": [arn]}),
        )
        .await
        .map_err(|e| e.into_fetch("cloudtrail:ListTags"))?;
    let tags = out
        .get("ResourceTagList")
        .and_then(Value::as_array)
        .and_then(|l| l.first())
        .and_then(|t| t.get("TagsList"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out = Row::new();
    put_api_tags(&mut out, &tags);
    Ok(out)
}
