//! `aws_iam_saml_provider`: SAML 2.0 identity providers that roles can trust for
//! federated sign-in.

use serde_json::Value;

use super::iam_common::iam_common;
use super::json::{put_tags, row, text, time_opt};
use super::source::{AwsSource, api_err, is_not_found, need};
use super::{AwsHydrate, AwsTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_iam_saml_provider",
        description: "SAML identity providers of the account.",
        service: "iam",
        scope: Scope::Global,
        columns: aws_columns![
            col("arn", Text, "ARN of the SAML provider."),
            col("create_date", Timestamp, "When the SAML provider was created."),
            col("valid_until", Timestamp, "When the SAML provider's metadata expires."),
            hcol(
                "saml_metadata_document",
                Text,
                "The XML metadata document of the identity provider.",
                &GET_SAML_PROVIDER
            ),
            hcol(
                "tags_src",
                Json,
                "Tags as returned by IAM ([{Key, Value}]).",
                &GET_SAML_PROVIDER
            ),
            hcol("tags", Json, "Tags as a key/value object.", &GET_SAML_PROVIDER),
        ],
        get_keys: &["arn"],
        id_column: "arn",
    },
    list: |s, _, _| Box::pin(list(s)),
    get: Some(|s, _, _, key| Box::pin(get(s, key))),
};

static GET_SAML_PROVIDER: AwsHydrate =
    AwsHydrate::new("get_saml_provider", |s, _, row| Box::pin(hydrate_get(s, row)));

/// The provider's name: the last segment of its ARN (`saml-provider/<name>`).
fn name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn provider_row(src: &AwsSource, arn: &str, created: Value, valid_until: Value) -> Row {
    let mut out = row([
        ("arn", Value::String(arn.to_string())),
        ("create_date", created),
        ("valid_until", valid_until),
    ]);
    iam_common(src, &mut out, name_of(arn), arn);
    out
}

/// iam:ListSAMLProviders (not paged).
async fn list(src: &AwsSource) -> Result<Page, FetchError> {
    let out = src
        .iam
        .list_saml_providers()
        .send()
        .await
        .map_err(|e| api_err("iam:ListSAMLProviders", e))?;
    let rows = out
        .saml_provider_list()
        .iter()
        .filter_map(|p| {
            let arn = p.arn()?;
            Some(provider_row(
                src,
                arn,
                time_opt(p.create_date()),
                time_opt(p.valid_until()),
            ))
        })
        .collect();
    Ok(Page { rows, next: None })
}

/// The columns only iam:GetSAMLProvider returns.
async fn get_columns(
    src: &AwsSource,
    arn: &str,
) -> Result<Option<(Row, Value, Value)>, FetchError> {
    let out = match src.iam.get_saml_provider().saml_provider_arn(arn).send().await {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(api_err("iam:GetSAMLProvider", e)),
    };
    let mut extra = row([(
        "saml_metadata_document",
        text(out.saml_metadata_document()),
    )]);
    put_tags(&mut extra, out.tags().iter().map(|t| (t.key(), t.value())));
    Ok(Some((
        extra,
        time_opt(out.create_date()),
        time_opt(out.valid_until()),
    )))
}

/// iam:GetSAMLProvider by ARN.
async fn get(src: &AwsSource, arn: &str) -> Result<Option<Row>, FetchError> {
    let Some((extra, created, valid_until)) = get_columns(src, arn).await? else {
        return Ok(None);
    };
    let mut out = provider_row(src, arn, created, valid_until);
    out.extend(extra);
    Ok(Some(out))
}

/// Hydrate call `get_saml_provider`: metadata document and tags.
async fn hydrate_get(src: &AwsSource, row_in: &Row) -> Result<Row, FetchError> {
    let arn = need(row_in, "arn", "iam:GetSAMLProvider")?;
    Ok(get_columns(src, arn)
        .await?
        .map(|(extra, _, _)| extra)
        .unwrap_or_default())
}
