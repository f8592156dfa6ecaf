//! `aws_sns_topic_subscription`: SNS subscriptions, per region.

use serde_json::Value;

use super::AwsTable;
use super::api::{SNS, akas, page, s};
use super::json::row;
use super::source::AwsSource;
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, Page};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_sns_topic_subscription",
        description: "SNS topic subscriptions, per region (sns:ListSubscriptions).",
        service: "sns",
        scope: Scope::Regional,
        columns: aws_columns![
            col(
                "subscription_arn",
                Text,
                "ARN of the subscription (PendingConfirmation until confirmed)."
            ),
            col("topic_arn", Text, "ARN of the topic."),
            col("owner", Text, "Account that owns the subscription."),
            col(
                "protocol",
                Text,
                "Delivery protocol: email, sqs, lambda, https, ..."
            ),
            col("endpoint", Text, "Where messages are delivered."),
        ],
        get_keys: &[],
        id_column: "subscription_arn",
    },
    list: |s, req, token| Box::pin(list(s, s.list_region(req), token)),
    get: None,
};

/// One page of sns:ListSubscriptions.
pub(crate) async fn list(
    src: &AwsSource,
    region: &str,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let params: Vec<(&str, String)> = token.into_iter().map(|t| ("NextToken", t)).collect();
    let out = src
        .call_query(&SNS, region, "ListSubscriptions", &params, &["Subscriptions"])
        .await
        .map_err(|e| e.into_fetch("sns:ListSubscriptions"))?;
    let rows = match out.get("Subscriptions") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|sub| {
                let arn = s(sub, "SubscriptionArn");
                let mut r = row([
                    ("subscription_arn", arn.clone()),
                    ("topic_arn", s(sub, "TopicArn")),
                    ("owner", s(sub, "Owner")),
                    ("protocol", s(sub, "Protocol")),
                    ("endpoint", s(sub, "Endpoint")),
                ]);
                src.common(&mut r, region, arn.clone(), akas(&arn));
                r
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(page(rows, &out, "NextToken"))
}
