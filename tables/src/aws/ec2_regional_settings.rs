//! `aws_ec2_regional_settings`: account-level EC2 settings of each region (EBS encryption
//! by default).

use serde_json::Value;

use super::ec2_common::{bool_at, ec2_call, text_at};
use super::json::row;
use super::source::{AwsSource, row_str};
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
    let out = ec2_call(src, region, "ec2:GetEbsEncryptionByDefault", &[]).await?;
    let mut r = row([(
        "default_ebs_encryption_enabled",
        bool_at(&out, "ebsEncryptionByDefault"),
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
    let out = ec2_call(src, region, "ec2:GetEbsDefaultKmsKeyId", &[]).await?;
    Ok(row([("default_ebs_encryption_key", text_at(&out, "kmsKeyId"))]))
}
