//! `aws_kms_key`: KMS keys, per region.

use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

use super::api::{KMS, akas, b, g, put_api_tags, s};
use super::json::row;
use super::policy::canonical_policy;
use super::source::{AwsSource, need, row_str};
use super::{AwsHydrate, AwsTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_kms_key",
        description: "KMS keys (customer and AWS managed), per region.",
        service: "kms",
        scope: Scope::Regional,
        columns: aws_columns![
            col("id", Text, "Key id."),
            col("arn", Text, "ARN of the key."),
            col("key_manager", Text, "CUSTOMER or AWS."),
            col("creation_date", Timestamp, "When the key was created."),
            col("aws_account_id", Text, "Account that owns the key."),
            col("enabled", Bool, "Whether the key is enabled."),
            col(
                "customer_master_key_spec",
                Text,
                "Key spec, e.g. SYMMETRIC_DEFAULT or RSA_2048."
            ),
            col("description", Text, "Description of the key."),
            col(
                "deletion_date",
                Timestamp,
                "When the key will be deleted (if scheduled)."
            ),
            col(
                "key_state",
                Text,
                "Enabled, Disabled, PendingDeletion, PendingImport, Unavailable, ..."
            ),
            col(
                "key_usage",
                Text,
                "ENCRYPT_DECRYPT, SIGN_VERIFY or GENERATE_VERIFY_MAC."
            ),
            col(
                "origin",
                Text,
                "Source of the key material: AWS_KMS, EXTERNAL, AWS_CLOUDHSM."
            ),
            col("valid_to", Timestamp, "When imported key material expires."),
            col(
                "multi_region",
                Bool,
                "Whether the key is a multi-Region key."
            ),
            hcol(
                "aliases",
                Json,
                "Aliases of the key (ListAliases).",
                &ALIASES
            ),
            hcol(
                "key_rotation_enabled",
                Bool,
                "Whether automatic rotation of the key material is enabled (null where rotation does not apply).",
                &ROTATION
            ),
            hcol("policy", Json, "Key policy.", &POLICY),
            hcol(
                "policy_std",
                Json,
                "Key policy in canonical form (lower-case keys, arrays everywhere).",
                &POLICY
            ),
            hcol(
                "tags_src",
                Json,
                "Tags as returned by KMS ([{TagKey, TagValue}]).",
                &TAGS
            ),
            hcol("tags", Json, "Tags as a key/value object.", &TAGS),
        ],
        get_keys: &[],
        id_column: "arn",
    },
    list: |s, req, token| Box::pin(list(s, s.list_region(req), token)),
    get: None,
};

/// One page of kms:ListKeys, each key described with kms:DescribeKey.
pub(crate) async fn list(
    src: &AwsSource,
    region: &str,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let mut input = json!({"Limit": 100});
    if let Some(t) = token {
        input["Marker"] = Value::String(t);
    }
    let out = src
        .call_json(&KMS, region, "ListKeys", input)
        .await
        .map_err(|e| e.into_fetch("kms:ListKeys"))?;
    let ids: Vec<String> = out
        .get("Keys")
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k.get("KeyId").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let rows: Vec<Row> = futures::stream::iter(ids)
        .map(|id| async move {
            let d = src
                .call_json(&KMS, region, "DescribeKey", json!({"KeyId": id}))
                .await
                .map_err(|e| e.into_fetch("kms:DescribeKey"))?;
            Ok::<_, FetchError>(key_row(src, region, d.get("KeyMetadata").unwrap_or(&d)))
        })
        .buffered(8)
        .try_collect()
        .await?;
    let next = if out.get("Truncated").and_then(Value::as_bool) == Some(true) {
        out.get("NextMarker")
            .and_then(Value::as_str)
            .map(str::to_string)
    } else {
        None
    };
    Ok(Page { rows, next })
}

fn key_row(src: &AwsSource, region: &str, m: &Value) -> Row {
    let arn = s(m, "Arn");
    let id = s(m, "KeyId");
    let spec = if m.get("CustomerMasterKeySpec").is_some() {
        s(m, "CustomerMasterKeySpec")
    } else {
        s(m, "KeySpec")
    };
    let mut r = row([
        ("id", id.clone()),
        ("arn", arn.clone()),
        ("key_manager", s(m, "KeyManager")),
        ("creation_date", g(m, "CreationDate")),
        ("aws_account_id", s(m, "AWSAccountId")),
        ("enabled", b(m, "Enabled")),
        ("customer_master_key_spec", spec),
        ("description", s(m, "Description")),
        ("deletion_date", g(m, "DeletionDate")),
        ("key_state", s(m, "KeyState")),
        ("key_usage", s(m, "KeyUsage")),
        ("origin", s(m, "Origin")),
        ("valid_to", g(m, "ValidTo")),
        ("multi_region", b(m, "MultiRegion")),
    ]);
    src.common(&mut r, region, id, akas(&arn));
    r
}

static ALIASES: AwsHydrate = AwsHydrate::new("aliases", |s, region, row| {
    Box::pin(hydrate_aliases(s, region, row))
});
static ROTATION: AwsHydrate = AwsHydrate::new("rotation", |s, region, row| {
    Box::pin(hydrate_rotation(s, region, row))
});
static POLICY: AwsHydrate = AwsHydrate::new("policy", |s, region, row| {
    Box::pin(hydrate_policy(s, region, row))
});
static TAGS: AwsHydrate = AwsHydrate::new("tags", |s, region, row| {
    Box::pin(hydrate_tags(s, region, row))
});

/// Hydrate call `aliases`.
async fn hydrate_aliases(
    src: &AwsSource,
    _region: Option<&str>,
    r: &Row,
) -> Result<Row, FetchError> {
    let id = need(r, "id", "kms:DescribeKey")?.to_string();
    let region = row_str(r, "region")
        .unwrap_or(&src.default_region)
        .to_string();
    let out = src
        .call_json(&KMS, &region, "ListAliases", json!({"KeyId": id}))
        .await
        .map_err(|e| e.into_fetch("kms:ListAliases"))?;
    Ok(row([("aliases", g(&out, "Aliases"))]))
}

/// Hydrate call `rotation`.
async fn hydrate_rotation(
    src: &AwsSource,
    _region: Option<&str>,
    r: &Row,
) -> Result<Row, FetchError> {
    let id = need(r, "id", "kms:DescribeKey")?.to_string();
    let region = row_str(r, "region")
        .unwrap_or(&src.default_region)
        .to_string();
    // Rotation does not apply to asymmetric, HMAC, imported or pending keys: KMS
    // answers UnsupportedOperationException / KMSInvalidStateException there.
    match src
        .call_json(&KMS, &region, "GetKeyRotationStatus", json!({"KeyId": id}))
        .await
    {
        Ok(out) => Ok(row([(
            "key_rotation_enabled",
            b(&out, "KeyRotationEnabled"),
        )])),
        Err(e)
            if e.code == "UnsupportedOperationException"
                || e.code == "KMSInvalidStateException" =>
        {
            Ok(row([("key_rotation_enabled", Value::Null)]))
        }
        Err(e) => Err(e.into_fetch("kms:GetKeyRotationStatus")),
    }
}

/// Hydrate call `policy`.
async fn hydrate_policy(
    src: &AwsSource,
    _region: Option<&str>,
    r: &Row,
) -> Result<Row, FetchError> {
    let id = need(r, "id", "kms:DescribeKey")?.to_string();
    let region = row_str(r, "region")
        .unwrap_or(&src.default_region)
        .to_string();
    let out = src
        .call_json(
            &KMS,
            &region,
            "GetKeyPolicy",
            json!({"KeyId": id, "PolicyName": "default"}),
        )
        .await
        .map_err(|e| e.into_fetch("kms:GetKeyPolicy"))?;
    let doc = out
        .get("Policy")
        .and_then(Value::as_str)
        .and_then(|p| serde_json::from_str::<Value>(p).ok())
        .unwrap_or(Value::Null);
    Ok(row([
        ("policy_std", canonical_policy(&doc)),
        ("policy", doc),
    ]))
}

/// Hydrate call `tags`.
async fn hydrate_tags(src: &AwsSource, _region: Option<&str>, r: &Row) -> Result<Row, FetchError> {
    let id = need(r, "id", "kms:DescribeKey")?.to_string();
    let region = row_str(r, "region")
        .unwrap_or(&src.default_region)
        .to_string();
    let out = src
        .call_json(&KMS, &region, "ListResourceTags", json!({"KeyId": id}))
        .await
        .map_err(|e| e.into_fetch("kms:ListResourceTags"))?;
    let tags = out
        .get("Tags")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out = Row::new();
    put_api_tags(&mut out, &tags);
    Ok(out)
}
