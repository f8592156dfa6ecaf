//! `aws_s3_bucket`: S3 buckets with their access, encryption, versioning and logging settings.

use futures::StreamExt;
use serde_json::Value;

use super::json::{Obj, arr, put_tags, row, time_opt};
use super::policy::{canonical_policy, decode_policy};
use super::source::{AwsSource, api_err, error_code, need};
use super::{AwsHydrate, AwsTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_s3_bucket",
        description: "S3 buckets of the account; region is the bucket's own region.",
        service: "s3",
        scope: Scope::Global,
        columns: aws_columns![
            col("name", Text, "Bucket name."),
            col("arn", Text, "ARN of the bucket."),
            col("creation_date", Timestamp, "When the bucket was created."),
            hcol(
                "bucket_policy_is_public",
                Bool,
                "Whether S3 judges the bucket policy to make the bucket public.",
                &POLICY_STATUS
            ),
            hcol(
                "versioning_enabled",
                Bool,
                "Whether object versioning is enabled.",
                &VERSIONING
            ),
            hcol(
                "versioning_mfa_delete",
                Bool,
                "Whether deleting versions requires MFA.",
                &VERSIONING
            ),
            hcol(
                "block_public_acls",
                Bool,
                "Public access block: reject requests that add public ACLs.",
                &PUBLIC_ACCESS_BLOCK
            ),
            hcol(
                "block_public_policy",
                Bool,
                "Public access block: reject bucket policies that grant public access.",
                &PUBLIC_ACCESS_BLOCK
            ),
            hcol(
                "ignore_public_acls",
                Bool,
                "Public access block: ignore public ACLs.",
                &PUBLIC_ACCESS_BLOCK
            ),
            hcol(
                "restrict_public_buckets",
                Bool,
                "Public access block: limit access under a public policy to AWS principals of the account.",
                &PUBLIC_ACCESS_BLOCK
            ),
            hcol(
                "event_notification_configuration",
                Json,
                "Event notifications sent to SNS, SQS, Lambda or EventBridge.",
                &NOTIFICATION
            ),
            hcol(
                "server_side_encryption_configuration",
                Json,
                "Default server-side encryption rules.",
                &ENCRYPTION
            ),
            hcol("acl", Json, "Access control list: owner and grants.", &ACL),
            hcol(
                "lifecycle_rules",
                Json,
                "Lifecycle rules for transitions and expiry.",
                &LIFECYCLE
            ),
            hcol(
                "logging",
                Json,
                "Server access logging target, null when logging is off.",
                &LOGGING
            ),
            hcol(
                "object_lock_configuration",
                Json,
                "Object lock settings.",
                &OBJECT_LOCK
            ),
            hcol(
                "object_ownership_controls",
                Json,
                "Object ownership controls.",
                &OWNERSHIP_CONTROLS
            ),
            hcol("policy", Json, "Bucket policy document.", &POLICY),
            hcol(
                "policy_std",
                Json,
                "Bucket policy in canonical form.",
                &POLICY
            ),
            hcol(
                "replication",
                Json,
                "Replication configuration.",
                &REPLICATION
            ),
            hcol(
                "website_configuration",
                Json,
                "Static website hosting configuration.",
                &WEBSITE
            ),
            hcol(
                "tags_src",
                Json,
                "Tags as returned by S3 ([{Key, Value}]).",
                &TAGGING
            ),
            hcol("tags", Json, "Tags as a key/value object.", &TAGGING),
        ],
        get_keys: &[],
        id_column: "name",
    },
    list: |s, _, token| Box::pin(list(s, token)),
    get: None,
};

/// Bucket-location lookups run at once per page.
const LOCATION_CONCURRENCY: usize = 8;

/// Error codes S3 returns when a bucket simply has no such configuration.
const NOT_CONFIGURED: &[&str] = &[
    "NoSuchBucketPolicy",
    "NoSuchPublicAccessBlockConfiguration",
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchLifecycleConfiguration",
    "ObjectLockConfigurationNotFoundError",
    "OwnershipControlsNotFoundError",
    "ReplicationConfigurationNotFoundError",
    "NoSuchWebsiteConfiguration",
    "NoSuchTagSet",
    "NoSuchTagSetError",
];

/// Region name of a GetBucketLocation constraint: empty means us-east-1, and the legacy
/// `EU` means eu-west-1.
fn location_region(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(r) => r.to_string(),
    }
}

/// One page of s3:ListBuckets; each bucket's region from the listing or s3:GetBucketLocation.
pub(crate) async fn list(src: &AwsSource, token: Option<String>) -> Result<Page, FetchError> {
    let out = src
        .s3(None)
        .list_buckets()
        .max_buckets(1000)
        .set_continuation_token(token)
        .send()
        .await
        .map_err(|e| api_err("s3:ListBuckets", e))?;
    let next = out
        .continuation_token()
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    let buckets: Vec<(String, Value, Option<String>)> = out
        .buckets()
        .iter()
        .filter_map(|b| {
            let name = b.name()?.to_string();
            Some((
                name,
                time_opt(b.creation_date()),
                b.bucket_region().map(str::to_string),
            ))
        })
        .collect();
    let located = futures::stream::iter(buckets.into_iter().map(
        |(name, created, region)| async move {
            let region = match region {
                Some(r) => r,
                None => {
                    let loc = src
                        .s3(None)
                        .get_bucket_location()
                        .bucket(&name)
                        .send()
                        .await
                        .map_err(|e| api_err("s3:GetBucketLocation", e))?;
                    location_region(loc.location_constraint().map(|c| c.as_str()))
                }
            };
            Ok::<_, FetchError>((name, created, region))
        },
    ))
    .buffered(LOCATION_CONCURRENCY)
    .collect::<Vec<_>>()
    .await;
    let mut rows = Vec::new();
    for item in located {
        let (name, created, region) = item?;
        let arn = format!("arn:{}:s3:::{}", src.partition, name);
        let mut r = row([
            ("name", Value::String(name.clone())),
            ("arn", Value::String(arn.clone())),
            ("creation_date", created),
        ]);
        src.common(&mut r, &region, Value::String(name), vec![arn]);
        rows.push(r);
    }
    Ok(Page { rows, next })
}

/// The value of a "get configuration" call: `Ok(None)` when the bucket has none.
macro_rules! config_call {
    ($call:expr, $api:literal) => {
        match $call.await {
            Ok(out) => Some(out),
            Err(e) if error_code(&e).is_some_and(|c| NOT_CONFIGURED.contains(&c)) => None,
            Err(e) => return Err(api_err($api, e)),
        }
    };
}

/// The calls that fill the bucket's hydrated columns (sent to the bucket's region).
static POLICY_STATUS: AwsHydrate = AwsHydrate::new("policy_status", |s, region, row| {
    Box::pin(hydrate_policy_status(s, region, row))
});
static VERSIONING: AwsHydrate = AwsHydrate::new("versioning", |s, region, row| {
    Box::pin(hydrate_versioning(s, region, row))
});
static PUBLIC_ACCESS_BLOCK: AwsHydrate =
    AwsHydrate::new("public_access_block", |s, region, row| {
        Box::pin(hydrate_public_access_block(s, region, row))
    });
static NOTIFICATION: AwsHydrate = AwsHydrate::new("notification", |s, region, row| {
    Box::pin(hydrate_notification(s, region, row))
});
static ENCRYPTION: AwsHydrate = AwsHydrate::new("encryption", |s, region, row| {
    Box::pin(hydrate_encryption(s, region, row))
});
static ACL: AwsHydrate = AwsHydrate::new("acl", |s, region, row| {
    Box::pin(hydrate_acl(s, region, row))
});
static LIFECYCLE: AwsHydrate = AwsHydrate::new("lifecycle", |s, region, row| {
    Box::pin(hydrate_lifecycle(s, region, row))
});
static LOGGING: AwsHydrate = AwsHydrate::new("logging", |s, region, row| {
    Box::pin(hydrate_logging(s, region, row))
});
static OBJECT_LOCK: AwsHydrate = AwsHydrate::new("object_lock", |s, region, row| {
    Box::pin(hydrate_object_lock(s, region, row))
});
static OWNERSHIP_CONTROLS: AwsHydrate = AwsHydrate::new("ownership_controls", |s, region, row| {
    Box::pin(hydrate_ownership_controls(s, region, row))
});
static POLICY: AwsHydrate = AwsHydrate::new("policy", |s, region, row| {
    Box::pin(hydrate_policy(s, region, row))
});
static REPLICATION: AwsHydrate = AwsHydrate::new("replication", |s, region, row| {
    Box::pin(hydrate_replication(s, region, row))
});
static WEBSITE: AwsHydrate = AwsHydrate::new("website", |s, region, row| {
    Box::pin(hydrate_website(s, region, row))
});
static TAGGING: AwsHydrate = AwsHydrate::new("tagging", |s, region, row| {
    Box::pin(hydrate_tagging(s, region, row))
});

/// Hydrate call `policy_status`.
async fn hydrate_policy_status(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let bucket = need(row_in, "name", "s3:GetBucket")?;
    let client = src.s3(row_in.get("region").and_then(Value::as_str));
    let out = config_call!(
        client.get_bucket_policy_status().bucket(bucket).send(),
        "s3:GetBucketPolicyStatus"
    );
    // No policy at all means the policy does not make the bucket public.
    let public = match out {
        Some(o) => o
            .policy_status()
            .and_then(|s| s.is_public())
            .unwrap_or(false),
        None => false,
    };
    Ok(row([("bucket_policy_is_public", Value::Bool(public))]))
}

/// Hydrate call `versioning`.
async fn hydrate_versioning(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let bucket = need(row_in, "name", "s3:GetBucket")?;
    let client = src.s3(row_in.get("region").and_then(Value::as_str));
    let out = client
        .get_bucket_versioning()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| api_err("s3:GetBucketVersioning", e))?;
    let enabled = out.status().is_some_and(|s| s.as_str() == "Enabled");
    let mfa = out.mfa_delete().is_some_and(|s| s.as_str() == "Enabled");
    Ok(row([
        ("versioning_enabled", Value::Bool(enabled)),
        ("versioning_mfa_delete", Value::Bool(mfa)),
    ]))
}

/// Hydrate call `public_access_block`.
async fn hydrate_public_access_block(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let bucket = need(row_in, "name", "s3:GetBucket")?;
    let client = src.s3(row_in.get("region").and_then(Value::as_str));
    let out = config_call!(
        client.get_public_access_block().bucket(bucket).send(),
        "s3:GetPublicAccessBlock"
    );
    // Without a configuration nothing is blocked, which Steampipe reports as false.
    let c = out
        .as_ref()
        .and_then(|o| o.public_access_block_configuration());
    let flag = |v: Option<bool>| Value::Bool(v.unwrap_or(false));
    Ok(row([
        (
            "block_public_acls",
            flag(c.and_then(|c| c.block_public_acls())),
        ),
        (
            "block_public_policy",
            flag(c.and_then(|c| c.block_public_policy())),
        ),
        (
            "ignore_public_acls",
            flag(c.and_then(|c| c.ignore_public_acls())),
        ),
        (
            "restrict_public_buckets",
            flag(c.and_then(|c| c.restrict_public_buckets())),
        ),
    ]))
}

/// Hydrate call `notification`.
async fn hydrate_notification(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let bucket = need(row_in, "name", "s3:GetBucket")?;
    let client = src.s3(row_in.get("region").and_then(Value::as_str));
    let out = client
        .get_bucket_notification_configuration()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| api_err("s3:GetBucketNotificationConfiguration", e))?;
    let events = |e: &[aws_sdk_s3::types::Event]| {
        Value::Array(e.iter().map(|e| Value::String(e.as_str().into())).collect())
    };
    let v = Obj::new()
        .v(
            "EventBridgeConfiguration",
            out.event_bridge_configuration()
                .map(|_| Value::Object(Default::default()))
                .unwrap_or(Value::Null),
        )
        .a(
            "LambdaFunctionConfigurations",
            out.lambda_function_configurations(),
            |c| {
                Obj::new()
                    .v("Events", events(c.events()))
                    .s("Id", c.id())
                    .s("LambdaFunctionArn", Some(c.lambda_function_arn()))
                    .build()
            },
        )
        .a("QueueConfigurations", out.queue_configurations(), |c| {
            Obj::new()
                .v("Events", events(c.events()))
                .s("Id", c.id())
                .s("QueueArn", Some(c.queue_arn()))
                .build()
        })
        .a("TopicConfigurations", out.topic_configurations(), |c| {
            Obj::new()
                .v("Events", events(c.events()))
                .s("Id", c.id())
                .s("TopicArn", Some(c.topic_arn()))
                .build()
        })
        .build();
    Ok(row([("event_notification_configuration", v)]))
}

/// Hydrate call `encryption`.
async fn hydrate_encryption(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let bucket = need(row_in, "name", "s3:GetBucket")?;
    let client = src.s3(row_in.get("region").and_then(Value::as_str));
    let out = config_call!(
        client.get_bucket_encryption().bucket(bucket).send(),
        "s3:GetBucketEncryption"
    );
    let v = out
        .as_ref()
        .and_then(|o| o.server_side_encryption_configuration())
        .map(|c| {
            Obj::new()
                .a("Rules", c.rules(), |r| {
                    Obj::new()
                        .v(
                            "ApplyServerSideEncryptionByDefault",
                            r.apply_server_side_encryption_by_default()
                                .map(|d| {
                                    Obj::new()
                                        .s("KMSMasterKeyID", d.kms_master_key_id())
                                        .s("SSEAlgorithm", Some(d.sse_algorithm().as_str()))
                                        .build()
                                })
                                .unwrap_or(Value::Null),
                        )
                        .b("BucketKeyEnabled", r.bucket_key_enabled())
                        .build()
                })
                .build()
        })
        .unwrap_or(Value::Null);
    Ok(row([("server_side_encryption_configuration", v)]))
}

/// Hydrate call `acl`.
async fn hydrate_acl(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let bucket = need(row_in, "name", "s3:GetBucket")?;
    let client = src.s3(row_in.get("region").and_then(Value::as_str));
    let out = client
        .get_bucket_acl()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| api_err("s3:GetBucketAcl", e))?;
    let v = Obj::new()
        .a("Grants", out.grants(), |g| {
            Obj::new()
                .v(
                    "Grantee",
                    g.grantee()
                        .map(|e| {
                            Obj::new()
                                .s("DisplayName", e.display_name())
                                .s("EmailAddress", e.email_address())
                                .s("ID", e.id())
                                .s("Type", Some(e.r#type().as_str()))
                                .s("URI", e.uri())
                                .build()
                        })
                        .unwrap_or(Value::Null),
                )
                .s("Permission", g.permission().map(|p| p.as_str()))
                .build()
        })
        .v(
            "Owner",
            out.owner()
                .map(|o| {
                    Obj::new()
                        .s("DisplayName", o.display_name())
                        .s("ID", o.id())
                        .build()
                })
                .unwrap_or(Value::Null),
        )
        .build();
    Ok(row([("acl", v)]))
}

/// Hydrate call `lifecycle`.
// Rule-level `Prefix` is deprecated in favour of `Filter`, but older buckets still carry
// it and Steampipe shows it, so it is kept.
#[allow(deprecated)]
async fn hydrate_lifecycle(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let bucket = need(row_in, "name", "s3:GetBucket")?;
    let client = src.s3(row_in.get("region").and_then(Value::as_str));
    let out = config_call!(
        client
            .get_bucket_lifecycle_configuration()
            .bucket(bucket)
            .send(),
        "s3:GetBucketLifecycleConfiguration"
    );
    let v = out
        .map(|o| {
            arr(o.rules(), |r| {
                Obj::new()
                    .v(
                        "AbortIncompleteMultipartUpload",
                        r.abort_incomplete_multipart_upload()
                            .map(|a| {
                                Obj::new()
                                    .i("DaysAfterInitiation", a.days_after_initiation())
                                    .build()
                            })
                            .unwrap_or(Value::Null),
                    )
                    .v(
                        "Expiration",
                        r.expiration()
                            .map(|e| {
                                Obj::new()
                                    .t("Date", e.date())
                                    .i("Days", e.days())
                                    .b(
                                        "ExpiredObjectDeleteMarker",
                                        e.expired_object_delete_marker(),
                                    )
                                    .build()
                            })
                            .unwrap_or(Value::Null),
                    )
                    .v(
                        "Filter",
                        r.filter()
                            .map(|f| {
                                Obj::new()
                                    .i("ObjectSizeGreaterThan", f.object_size_greater_than())
                                    .i("ObjectSizeLessThan", f.object_size_less_than())
                                    .s("Prefix", f.prefix())
                                    .v(
                                        "Tag",
                                        f.tag()
                                            .map(|t| {
                                                Obj::new()
                                                    .s("Key", Some(t.key()))
                                                    .s("Value", Some(t.value()))
                                                    .build()
                                            })
                                            .unwrap_or(Value::Null),
                                    )
                                    .build()
                            })
                            .unwrap_or(Value::Null),
                    )
                    .s("ID", r.id())
                    .v(
                        "NoncurrentVersionExpiration",
                        r.noncurrent_version_expiration()
                            .map(|n| {
                                Obj::new()
                                    .i("NewerNoncurrentVersions", n.newer_noncurrent_versions())
                                    .i("NoncurrentDays", n.noncurrent_days())
                                    .build()
                            })
                            .unwrap_or(Value::Null),
                    )
                    .s("Prefix", r.prefix())
                    .s("Status", Some(r.status().as_str()))
                    .a("Transitions", r.transitions(), |t| {
                        Obj::new()
                            .t("Date", t.date())
                            .i("Days", t.days())
                            .s("StorageClass", t.storage_class().map(|c| c.as_str()))
                            .build()
                    })
                    .build()
            })
        })
        .unwrap_or(Value::Null);
    Ok(row([("lifecycle_rules", v)]))
}

/// Hydrate call `logging`.
async fn hydrate_logging(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let bucket = need(row_in, "name", "s3:GetBucket")?;
    let client = src.s3(row_in.get("region").and_then(Value::as_str));
    let out = client
        .get_bucket_logging()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| api_err("s3:GetBucketLogging", e))?;
    let v = out
        .logging_enabled()
        .map(|l| {
            Obj::new()
                .s("TargetBucket", Some(l.target_bucket()))
                .s("TargetPrefix", Some(l.target_prefix()))
                .build()
        })
        .unwrap_or(Value::Null);
    Ok(row([("logging", v)]))
}

/// Hydrate call `object_lock`.
async fn hydrate_object_lock(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let bucket = need(row_in, "name", "s3:GetBucket")?;
    let client = src.s3(row_in.get("region").and_then(Value::as_str));
    let out = config_call!(
        client.get_object_lock_configuration().bucket(bucket).send(),
        "s3:GetObjectLockConfiguration"
    );
    let v = out
        .as_ref()
        .and_then(|o| o.object_lock_configuration())
        .map(|c| {
            Obj::new()
                .s(
                    "ObjectLockEnabled",
                    c.object_lock_enabled().map(|e| e.as_str()),
                )
                .v(
                    "Rule",
                    c.rule()
                        .and_then(|r| r.default_retention())
                        .map(|d| {
                            let retention = Obj::new()
                                .i("Days", d.days())
                                .s("Mode", d.mode().map(|m| m.as_str()))
                                .i("Years", d.years())
                                .build();
                            Obj::new().v("DefaultRetention", retention).build()
                        })
                        .unwrap_or(Value::Null),
                )
                .build()
        })
        .unwrap_or(Value::Null);
    Ok(row([("object_lock_configuration", v)]))
}

/// Hydrate call `ownership_controls`.
async fn hydrate_ownership_controls(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let bucket = need(row_in, "name", "s3:GetBucket")?;
    let client = src.s3(row_in.get("region").and_then(Value::as_str));
    let out = config_call!(
        client.get_bucket_ownership_controls().bucket(bucket).send(),
        "s3:GetBucketOwnershipControls"
    );
    let v = out
        .as_ref()
        .and_then(|o| o.ownership_controls())
        .map(|c| {
            Obj::new()
                .a("Rules", c.rules(), |r| {
                    Obj::new()
                        .s("ObjectOwnership", Some(r.object_ownership().as_str()))
                        .build()
                })
                .build()
        })
        .unwrap_or(Value::Null);
    Ok(row([("object_ownership_controls", v)]))
}

/// Hydrate call `policy`.
async fn hydrate_policy(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let bucket = need(row_in, "name", "s3:GetBucket")?;
    let client = src.s3(row_in.get("region").and_then(Value::as_str));
    let out = config_call!(
        client.get_bucket_policy().bucket(bucket).send(),
        "s3:GetBucketPolicy"
    );
    let doc = out
        .as_ref()
        .and_then(|o| o.policy())
        .map(decode_policy)
        .unwrap_or(Value::Null);
    let std = if doc.is_null() {
        Value::Null
    } else {
        canonical_policy(&doc)
    };
    Ok(row([("policy", doc), ("policy_std", std)]))
}

/// Hydrate call `replication`.
// Rule-level `Prefix` is deprecated in favour of `Filter`, but older buckets still carry
// it and Steampipe shows it, so it is kept.
#[allow(deprecated)]
async fn hydrate_replication(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let bucket = need(row_in, "name", "s3:GetBucket")?;
    let client = src.s3(row_in.get("region").and_then(Value::as_str));
    let out = config_call!(
        client.get_bucket_replication().bucket(bucket).send(),
        "s3:GetBucketReplication"
    );
    let v = out
        .as_ref()
        .and_then(|o| o.replication_configuration())
        .map(|c| {
            Obj::new()
                .s("Role", Some(c.role()))
                .a("Rules", c.rules(), |r| {
                    Obj::new()
                        .v(
                            "Destination",
                            r.destination()
                                .map(|d| {
                                    Obj::new()
                                        .s("Account", d.account())
                                        .s("Bucket", Some(d.bucket()))
                                        .s("StorageClass", d.storage_class().map(|s| s.as_str()))
                                        .build()
                                })
                                .unwrap_or(Value::Null),
                        )
                        .s("ID", r.id())
                        .s("Prefix", r.prefix())
                        .i("Priority", r.priority())
                        .s("Status", Some(r.status().as_str()))
                        .build()
                })
                .build()
        })
        .unwrap_or(Value::Null);
    Ok(row([("replication", v)]))
}

/// Hydrate call `website`.
async fn hydrate_website(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let bucket = need(row_in, "name", "s3:GetBucket")?;
    let client = src.s3(row_in.get("region").and_then(Value::as_str));
    let out = config_call!(
        client.get_bucket_website().bucket(bucket).send(),
        "s3:GetBucketWebsite"
    );
    let v = out
        .map(|o| {
            Obj::new()
                .v(
                    "ErrorDocument",
                    o.error_document()
                        .map(|d| Obj::new().s("Key", Some(d.key())).build())
                        .unwrap_or(Value::Null),
                )
                .v(
                    "IndexDocument",
                    o.index_document()
                        .map(|d| Obj::new().s("Suffix", Some(d.suffix())).build())
                        .unwrap_or(Value::Null),
                )
                .v(
                    "RedirectAllRequestsTo",
                    o.redirect_all_requests_to()
                        .map(|r| {
                            Obj::new()
                                .s("HostName", Some(r.host_name()))
                                .s("Protocol", r.protocol().map(|p| p.as_str()))
                                .build()
                        })
                        .unwrap_or(Value::Null),
                )
                .build()
        })
        .unwrap_or(Value::Null);
    Ok(row([("website_configuration", v)]))
}

/// Hydrate call `tagging`.
async fn hydrate_tagging(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let bucket = need(row_in, "name", "s3:GetBucket")?;
    let client = src.s3(row_in.get("region").and_then(Value::as_str));
    let out = config_call!(
        client.get_bucket_tagging().bucket(bucket).send(),
        "s3:GetBucketTagging"
    );
    let mut r = Row::new();
    match out {
        Some(o) => put_tags(&mut r, o.tag_set().iter().map(|t| (t.key(), t.value()))),
        None => put_tags(&mut r, std::iter::empty()),
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    #[test]
    fn bucket_location_regions() {
        assert_eq!(super::location_region(None), "us-east-1");
        assert_eq!(super::location_region(Some("")), "us-east-1");
        assert_eq!(super::location_region(Some("EU")), "eu-west-1");
        assert_eq!(super::location_region(Some("ap-south-1")), "ap-south-1");
    }
}
