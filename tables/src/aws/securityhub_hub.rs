//! `aws_securityhub_hub`: whether Security Hub is enabled, per region (one row where it is).

use super::AwsTable;
use super::api::{SECURITY_HUB, akas, b, g, s};
use super::json::row;
use super::source::AwsSource;
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, Page};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_securityhub_hub",
        description: "Security Hub, per region where it is enabled (securityhub:DescribeHub).",
        service: "securityhub",
        scope: Scope::Regional,
        columns: aws_columns![
            col("hub_arn", Text, "ARN of the hub."),
            col(
                "auto_enable_controls",
                Bool,
                "Whether new controls of enabled standards are enabled automatically."
            ),
            col(
                "control_finding_generator",
                Text,
                "SECURITY_CONTROL or STANDARD_CONTROL."
            ),
            col("subscribed_at", Timestamp, "When Security Hub was enabled."),
        ],
        get_keys: &[],
        id_column: "hub_arn",
    },
    list: |s, req, _| Box::pin(list(s, s.list_region(req))),
    get: None,
};

/// securityhub:DescribeHub; a region where Security Hub is not enabled has no row.
pub(crate) async fn list(src: &AwsSource, region: &str) -> Result<Page, FetchError> {
    let hub = match src
        .call_rest_get(&SECURITY_HUB, region, "/accounts", &[])
        .await
    {
        Ok(hub) => hub,
        // "Account is not subscribed to AWS Security Hub".
        Err(e) if e.code == "InvalidAccessException" || e.is_not_found() => {
            return Ok(Page {
                rows: Vec::new(),
                next: None,
            });
        }
        Err(e) => return Err(e.into_fetch("securityhub:DescribeHub")),
    };
    let arn = s(&hub, "HubArn");
    let mut r = row([
        ("hub_arn", arn.clone()),
        ("auto_enable_controls", b(&hub, "AutoEnableControls")),
        (
            "control_finding_generator",
            s(&hub, "ControlFindingGenerator"),
        ),
        ("subscribed_at", g(&hub, "SubscribedAt")),
    ]);
    src.common(&mut r, region, arn.clone(), akas(&arn));
    Ok(Page {
        rows: vec![r],
        next: None,
    })
}
