//! `aws_efs_file_system`: EFS file systems, per region.

use serde_json::Value;

use super::AwsTable;
use super::api::{EFS, akas, b, g, n, page, put_api_tags, s};
use super::json::row;
use super::source::AwsSource;
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_efs_file_system",
        description: "EFS file systems, per region (elasticfilesystem:DescribeFileSystems).",
        service: "elasticfilesystem",
        scope: Scope::Regional,
        columns: aws_columns![
            col("name", Text, "Name tag of the file system."),
            col("file_system_id", Text, "Id of the file system."),
            col("arn", Text, "ARN of the file system."),
            col("owner_id", Text, "Account that owns the file system."),
            col(
                "creation_token",
                Text,
                "Idempotency token given at creation."
            ),
            col(
                "creation_time",
                Timestamp,
                "When the file system was created."
            ),
            col(
                "life_cycle_state",
                Text,
                "creating, available, updating, deleting, deleted or error."
            ),
            col(
                "availability_zone_name",
                Text,
                "Zone of a One Zone file system."
            ),
            col("number_of_mount_targets", Int, "Number of mount targets."),
            col("performance_mode", Text, "generalPurpose or maxIO."),
            col(
                "encrypted",
                Bool,
                "Whether the file system is encrypted at rest."
            ),
            col("kms_key_id", Text, "KMS key that encrypts the file system."),
            col("throughput_mode", Text, "bursting, provisioned or elastic."),
            col(
                "provisioned_throughput_in_mibps",
                Double,
                "Provisioned throughput in MiB/s."
            ),
            col(
                "size_in_bytes",
                Json,
                "Metered size (Value, Timestamp, ValueInIA, ValueInStandard)."
            ),
            col(
                "tags_src",
                Json,
                "Tags as returned by EFS ([{Key, Value}])."
            ),
            col("tags", Json, "Tags as a key/value object."),
        ],
        get_keys: &[],
        id_column: "arn",
    },
    list: |s, req, token| Box::pin(list(s, s.list_region(req), token)),
    get: None,
};

/// One page of elasticfilesystem:DescribeFileSystems.
pub(crate) async fn list(
    src: &AwsSource,
    region: &str,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let mut query = vec![("MaxItems", "100".to_string())];
    if let Some(t) = token {
        query.push(("Marker", t));
    }
    let out = src
        .call_rest_get(&EFS, region, "/2015-02-01/file-systems", &query)
        .await
        .map_err(|e| e.into_fetch("elasticfilesystem:DescribeFileSystems"))?;
    let rows = out
        .get("FileSystems")
        .and_then(Value::as_array)
        .map(|fs| fs.iter().map(|f| fs_row(src, region, f)).collect())
        .unwrap_or_default();
    Ok(page(rows, &out, "NextMarker"))
}

fn fs_row(src: &AwsSource, region: &str, f: &Value) -> Row {
    let arn = s(f, "FileSystemArn");
    let id = s(f, "FileSystemId");
    let mut r = row([
        ("name", s(f, "Name")),
        ("file_system_id", id.clone()),
        ("arn", arn.clone()),
        ("owner_id", s(f, "OwnerId")),
        ("creation_token", s(f, "CreationToken")),
        ("creation_time", g(f, "CreationTime")),
        ("life_cycle_state", s(f, "LifeCycleState")),
        ("availability_zone_name", s(f, "AvailabilityZoneName")),
        ("number_of_mount_targets", n(f, "NumberOfMountTargets")),
        ("performance_mode", s(f, "PerformanceMode")),
        ("encrypted", b(f, "Encrypted")),
        ("kms_key_id", s(f, "KmsKeyId")),
        ("throughput_mode", s(f, "ThroughputMode")),
        (
            "provisioned_throughput_in_mibps",
            n(f, "ProvisionedThroughputInMibps"),
        ),
        ("size_in_bytes", g(f, "SizeInBytes")),
    ]);
    let tags = f
        .get("Tags")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    put_api_tags(&mut r, &tags);
    let title = if r.get("name").is_some_and(|v| !v.is_null()) {
        s(f, "Name")
    } else {
        id
    };
    src.common(&mut r, region, title, akas(&arn));
    r
}
