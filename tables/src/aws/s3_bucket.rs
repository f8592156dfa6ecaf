//! `aws_s3_bucket`: S3 buckets with their access, encryption, versioning and logging settings.

use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_s3_bucket",
    description: "S3 buckets of the account; region is the bucket's own region.",
    service: "s3",
    scope: Scope::Global,
    columns: aws_columns![
        col("name", Text, "Bucket name."),
        col("arn", Text, "ARN of the bucket."),
        col("creation_date", Timestamp, "When the bucket was created."),
        hcol("bucket_policy_is_public", Bool, "Whether S3 judges the bucket policy to make the bucket public.", "policy_status"),
        hcol("versioning_enabled", Bool, "Whether object versioning is enabled.", "versioning"),
        hcol("versioning_mfa_delete", Bool, "Whether deleting versions requires MFA.", "versioning"),
        hcol("block_public_acls", Bool, "Public access block: reject requests that add public ACLs.", "public_access_block"),
        hcol("block_public_policy", Bool, "Public access block: reject bucket policies that grant public access.", "public_access_block"),
        hcol("ignore_public_acls", Bool, "Public access block: ignore public ACLs.", "public_access_block"),
        hcol("restrict_public_buckets", Bool, "Public access block: limit access under a public policy to AWS principals of the account.", "public_access_block"),
        hcol("event_notification_configuration", Json, "Event notifications sent to SNS, SQS, Lambda or EventBridge.", "notification"),
        hcol("server_side_encryption_configuration", Json, "Default server-side encryption rules.", "encryption"),
        hcol("acl", Json, "Access control list: owner and grants.", "acl"),
        hcol("lifecycle_rules", Json, "Lifecycle rules for transitions and expiry.", "lifecycle"),
        hcol("logging", Json, "Server access logging target, null when logging is off.", "logging"),
        hcol("object_lock_configuration", Json, "Object lock settings.", "object_lock"),
        hcol("object_ownership_controls", Json, "Object ownership controls.", "ownership_controls"),
        hcol("policy", Json, "Bucket policy document.", "policy"),
        hcol("policy_std", Json, "Bucket policy in canonical form.", "policy"),
        hcol("replication", Json, "Replication configuration.", "replication"),
        hcol("website_configuration", Json, "Static website hosting configuration.", "website"),
        hcol("tags_src", Json, "Tags as returned by S3 ([{Key, Value}]).", "tagging"),
        hcol("tags", Json, "Tags as a key/value object.", "tagging"),
    ],
    get_keys: &[],
    id_column: "name",
};
