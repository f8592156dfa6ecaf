//! `aws_rds_db_instance`: RDS DB instances, per region.

use serde_json::Value;

use super::AwsTable;
use super::api::{RDS, akas, b, items, n, page, put_api_tags, s};
use super::json::row;
use super::source::AwsSource;
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_rds_db_instance",
        description: "RDS DB instances, per region (rds:DescribeDBInstances).",
        service: "rds",
        scope: Scope::Regional,
        columns: aws_columns![
            col(
                "db_instance_identifier",
                Text,
                "Identifier of the DB instance."
            ),
            col("arn", Text, "ARN of the DB instance."),
            col(
                "db_cluster_identifier",
                Text,
                "Cluster the instance belongs to, if any."
            ),
            col("status", Text, "Status, e.g. available."),
            col("class", Text, "Instance class, e.g. db.t3.micro."),
            col(
                "resource_id",
                Text,
                "Region-unique immutable id (DbiResourceId)."
            ),
            col("allocated_storage", Int, "Allocated storage in GiB."),
            col(
                "auto_minor_version_upgrade",
                Bool,
                "Whether minor engine upgrades are applied automatically."
            ),
            col("availability_zone", Text, "Availability zone."),
            col(
                "backup_retention_period",
                Int,
                "Days automated backups are kept."
            ),
            col(
                "copy_tags_to_snapshot",
                Bool,
                "Whether tags are copied to snapshots."
            ),
            col("db_name", Text, "Name of the initial database."),
            col(
                "db_subnet_group_name",
                Text,
                "Subnet group of the instance."
            ),
            col(
                "deletion_protection",
                Bool,
                "Whether the instance is protected from deletion."
            ),
            col("endpoint_address", Text, "DNS address of the instance."),
            col("endpoint_port", Int, "Port of the instance."),
            col("engine", Text, "Database engine."),
            col("engine_version", Text, "Engine version."),
            col(
                "iam_database_authentication_enabled",
                Bool,
                "Whether IAM database authentication is enabled."
            ),
            col("create_time", Timestamp, "When the instance was created."),
            col(
                "kms_key_id",
                Text,
                "KMS key that encrypts the storage, if encrypted."
            ),
            col("master_user_name", Text, "Master user name."),
            col(
                "multi_az",
                Bool,
                "Whether the instance is a Multi-AZ deployment."
            ),
            col(
                "publicly_accessible",
                Bool,
                "Whether the instance has a publicly resolvable address."
            ),
            col(
                "storage_encrypted",
                Bool,
                "Whether the storage is encrypted."
            ),
            col("storage_type", Text, "Storage type, e.g. gp3."),
            col("vpc_id", Text, "VPC of the instance's subnet group."),
            col(
                "vpc_security_groups",
                Json,
                "VPC security groups of the instance."
            ),
            col(
                "tags_src",
                Json,
                "Tags as returned by RDS ([{Key, Value}])."
            ),
            col("tags", Json, "Tags as a key/value object."),
        ],
        get_keys: &[],
        id_column: "arn",
    },
    list: |s, req, token| Box::pin(list(s, s.list_region(req), token)),
    get: None,
};

/// One page of rds:DescribeDBInstances.
pub(crate) async fn list(
    src: &AwsSource,
    region: &str,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let mut params = vec![("MaxRecords", "100".to_string())];
    if let Some(t) = token {
        params.push(("Marker", t));
    }
    let out = src
        .call_query(
            &RDS,
            region,
            "DescribeDBInstances",
            &params,
            &["DBInstances", "VpcSecurityGroups", "TagList"],
        )
        .await
        .map_err(|e| e.into_fetch("rds:DescribeDBInstances"))?;
    let rows = items(out.get("DBInstances"))
        .iter()
        .map(|d| instance_row(src, region, d))
        .collect();
    Ok(page(rows, &out, "Marker"))
}

fn instance_row(src: &AwsSource, region: &str, d: &Value) -> Row {
    let arn = s(d, "DBInstanceArn");
    let id = s(d, "DBInstanceIdentifier");
    let endpoint = d.get("Endpoint").cloned().unwrap_or(Value::Null);
    let subnet_group = d.get("DBSubnetGroup").cloned().unwrap_or(Value::Null);
    let sgs: Vec<Value> = items(d.get("VpcSecurityGroups"))
        .into_iter()
        .map(|g| serde_json::json!({"VpcSecurityGroupId": s(&g, "VpcSecurityGroupId"), "Status": s(&g, "Status")}))
        .collect();
    let mut r = row([
        ("db_instance_identifier", id.clone()),
        ("arn", arn.clone()),
        ("db_cluster_identifier", s(d, "DBClusterIdentifier")),
        ("status", s(d, "DBInstanceStatus")),
        ("class", s(d, "DBInstanceClass")),
        ("resource_id", s(d, "DbiResourceId")),
        ("allocated_storage", n(d, "AllocatedStorage")),
        (
            "auto_minor_version_upgrade",
            b(d, "AutoMinorVersionUpgrade"),
        ),
        ("availability_zone", s(d, "AvailabilityZone")),
        ("backup_retention_period", n(d, "BackupRetentionPeriod")),
        ("copy_tags_to_snapshot", b(d, "CopyTagsToSnapshot")),
        ("db_name", s(d, "DBName")),
        (
            "db_subnet_group_name",
            s(&subnet_group, "DBSubnetGroupName"),
        ),
        ("deletion_protection", b(d, "DeletionProtection")),
        ("endpoint_address", s(&endpoint, "Address")),
        ("endpoint_port", n(&endpoint, "Port")),
        ("engine", s(d, "Engine")),
        ("engine_version", s(d, "EngineVersion")),
        (
            "iam_database_authentication_enabled",
            b(d, "IAMDatabaseAuthenticationEnabled"),
        ),
        ("create_time", s(d, "InstanceCreateTime")),
        ("kms_key_id", s(d, "KmsKeyId")),
        ("master_user_name", s(d, "MasterUsername")),
        ("multi_az", b(d, "MultiAZ")),
        ("publicly_accessible", b(d, "PubliclyAccessible")),
        ("storage_encrypted", b(d, "StorageEncrypted")),
        ("storage_type", s(d, "StorageType")),
        ("vpc_id", s(&subnet_group, "VpcId")),
        ("vpc_security_groups", Value::Array(sgs)),
    ]);
    put_api_tags(&mut r, &items(d.get("TagList")));
    src.common(&mut r, region, id, akas(&arn));
    r
}
