//! `aws_iam_server_certificate`: SSL/TLS server certificates stored in IAM.

use serde_json::Value;

use super::AwsTable;
use super::iam_common::iam_common;
use super::json::{row, time};
use super::source::{AwsSource, api_err};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, Page};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_iam_server_certificate",
        description: "Server certificates stored in IAM (iam:ListServerCertificates).",
        service: "iam",
        scope: Scope::Global,
        columns: aws_columns![
            col("name", Text, "Name of the certificate."),
            col("arn", Text, "ARN of the certificate."),
            col(
                "server_certificate_id",
                Text,
                "Stable id of the certificate."
            ),
            col("path", Text, "Path of the certificate."),
            col(
                "upload_date",
                Timestamp,
                "When the certificate was uploaded."
            ),
            col("expiration", Timestamp, "When the certificate expires."),
        ],
        get_keys: &[],
        id_column: "arn",
    },
    list: |s, _, token| Box::pin(list(s, token)),
    get: None,
};

/// One page of iam:ListServerCertificates.
pub(crate) async fn list(src: &AwsSource, token: Option<String>) -> Result<Page, FetchError> {
    let out = src
        .iam
        .list_server_certificates()
        .set_marker(token)
        .max_items(1000)
        .send()
        .await
        .map_err(|e| api_err("iam:ListServerCertificates", e))?;
    let rows = out
        .server_certificate_metadata_list()
        .iter()
        .map(|c| {
            let mut r = row([
                (
                    "name",
                    Value::String(c.server_certificate_name().to_string()),
                ),
                ("arn", Value::String(c.arn().to_string())),
                (
                    "server_certificate_id",
                    Value::String(c.server_certificate_id().to_string()),
                ),
                ("path", Value::String(c.path().to_string())),
                (
                    "upload_date",
                    c.upload_date().map(time).unwrap_or(Value::Null),
                ),
                (
                    "expiration",
                    c.expiration().map(time).unwrap_or(Value::Null),
                ),
            ]);
            iam_common(src, &mut r, c.server_certificate_name(), c.arn());
            r
        })
        .collect();
    let next = if out.is_truncated() {
        out.marker().map(str::to_string)
    } else {
        None
    };
    Ok(Page { rows, next })
}
