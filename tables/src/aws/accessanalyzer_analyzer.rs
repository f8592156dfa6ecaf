//! `aws_accessanalyzer_analyzer`: IAM Access Analyzer analyzers, per region.

use serde_json::Value;

use super::AwsTable;
use super::api::{ACCESS_ANALYZER, akas, g, page, s};
use super::json::{put_tags, row};
use super::source::AwsSource;
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, Page};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_accessanalyzer_analyzer",
        description: "IAM Access Analyzer analyzers, per region (access-analyzer:ListAnalyzers).",
        service: "access-analyzer",
        scope: Scope::Regional,
        columns: aws_columns![
            col("name", Text, "Name of the analyzer."),
            col("arn", Text, "ARN of the analyzer."),
            col(
                "type",
                Text,
                "ACCOUNT, ORGANIZATION or an unused-access type."
            ),
            col("status", Text, "ACTIVE, CREATING, DISABLED or FAILED."),
            col("created_at", Timestamp, "When the analyzer was created."),
            col(
                "last_resource_analyzed",
                Text,
                "ARN of the last resource analyzed."
            ),
            col(
                "last_resource_analyzed_at",
                Timestamp,
                "When the last resource was analyzed."
            ),
            col("status_reason", Json, "Why the analyzer is in its status."),
            col("tags", Json, "Tags as a key/value object."),
        ],
        get_keys: &[],
        id_column: "arn",
    },
    list: |s, req, token| Box::pin(list(s, s.list_region(req), token)),
    get: None,
};

/// One page of access-analyzer:ListAnalyzers.
pub(crate) async fn list(
    src: &AwsSource,
    region: &str,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let mut query = vec![("maxResults", "100".to_string())];
    if let Some(t) = token {
        query.push(("nextToken", t));
    }
    let out = src
        .call_rest_get(&ACCESS_ANALYZER, region, "/analyzer", &query)
        .await
        .map_err(|e| e.into_fetch("access-analyzer:ListAnalyzers"))?;
    let rows = out
        .get("analyzers")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|a| {
                    let arn = s(a, "arn");
                    let mut r = row([
                        ("name", s(a, "name")),
                        ("arn", arn.clone()),
                        ("type", s(a, "type")),
                        ("status", s(a, "status")),
                        ("created_at", g(a, "createdAt")),
                        ("last_resource_analyzed", s(a, "lastResourceAnalyzed")),
                        ("last_resource_analyzed_at", g(a, "lastResourceAnalyzedAt")),
                        ("status_reason", g(a, "statusReason")),
                    ]);
                    let tags: Vec<(String, String)> = a
                        .get("tags")
                        .and_then(Value::as_object)
                        .map(|m| {
                            m.iter()
                                .map(|(k, v)| {
                                    (k.clone(), v.as_str().unwrap_or_default().to_string())
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    put_tags(&mut r, tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    r.remove("tags_src");
                    src.common(&mut r, region, s(a, "name"), akas(&arn));
                    r
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(page(rows, &out, "nextToken"))
}
