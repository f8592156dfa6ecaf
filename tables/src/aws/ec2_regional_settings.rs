//! `aws_ec2_regional_settings`: account-level EC2 settings of each region (EBS encryption
//! by default).

use serde_json::Value;

use super::json::{row, text};
use super::source::row_str;
use super::source::{AwsSource, api_err};
use super::{AwsHydrate, AwsTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_ec2_regional_settings",
        description: "EC2 settings of the account in each region (EBS encryption by default).",
        service: "ec2",
        scope: Scope::Regional,
        columns: aws_columns![
            col(
                "default_ebs_encryption_enabled",
                Bool,
                "Whether new EBS volumes are encrypted by default."
            ),
            hcol(
                "default_ebs_encryption_key",
                Text,
                "KMS key used for default EBS encryption (ec2:GetEbsDefaultKmsKeyId).",
                &KEY
            ),
        ],
        get_keys: &[],
        id_column: "region",
    },
    list: |s, req, _| Box::pin(list(s, s.list_region(req))),
    get: None,
};

/// ec2:GetEbsEncryptionByDefault in the region.
pub(crate) async fn list(src: &AwsSource, region: &str) -> Result<Page, FetchError> {
    let enabled = src
        .ec2(Some(region))
        .get_ebs_encryption_by_default()
        .send()
        .await
        .map_err(|e| api_err("ec2:GetEbsEncryptionByDefault", e))?;
    let mut r = row([(
        "default_ebs_encryption_enabled",
        enabled
            .ebs_encryption_by_default()
            .map(Value::Bool)
            .unwrap_or(Value::Null),
    )]);
    src.common(
        &mut r,
        region,
        Value::String(region.to_string()),
        Vec::new(),
    );
    Ok(Page {
        rows: vec![r],
        next: None,
    })
}

static KEY: AwsHydrate = AwsHydrate::new("key", |s, region, row| {
    Box::pin(hydrate_key(s, region, row))
});

/// Hydrate call `key`.
async fn hydrate_key(src: &AwsSource, _region: Option<&str>, r: &Row) -> Result<Row, FetchError> {
    let region = row_str(r, "region").unwrap_or(&src.default_region);
    let key = src
        .ec2(Some(region))
        .get_ebs_default_kms_key_id()
        .send()
        .await
        .map_err(|e| api_err("ec2:GetEbsDefaultKmsKeyId", e))?;
    Ok(row([(
        "default_ebs_encryption_key",
        text(key.kms_key_id()),
    )]))
}
