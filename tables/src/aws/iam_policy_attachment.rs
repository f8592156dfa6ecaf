//! `aws_iam_policy_attachment`: for each managed policy, the users, groups and roles it is attached to.

use serde_json::Value;

use super::iam_common::iam_common;
use super::iam_policy::list_policies;
use super::json::{Obj, row};
use super::source::{AwsSource, api_err, need};
use super::{AwsHydrate, AwsTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_iam_policy_attachment",
        description: "Users, groups and roles each managed policy is attached to.",
        service: "iam",
        scope: Scope::Global,
        columns: aws_columns![
            col("policy_arn", Text, "ARN of the managed policy."),
            col(
                "is_attached",
                Bool,
                "True when the policy is attached to at least one principal."
            ),
            hcol(
                "policy_groups",
                Json,
                "Groups the policy is attached to ([{GroupName, GroupId}]).",
                &ENTITIES
            ),
            hcol(
                "policy_roles",
                Json,
                "Roles the policy is attached to ([{RoleName, RoleId}]).",
                &ENTITIES
            ),
            hcol(
                "policy_users",
                Json,
                "Users the policy is attached to ([{UserName, UserId}]).",
                &ENTITIES
            ),
        ],
        get_keys: &[],
        id_column: "policy_arn",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: None,
};

/// One page of managed policies (iam:ListPolicies), one row each.
pub(crate) async fn list(
    src: &AwsSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let (policies, next) = list_policies(src, req, token).await?;
    let rows = policies
        .iter()
        .map(|p| {
            let arn = p.arn().unwrap_or_default();
            let mut r = row([
                ("policy_arn", Value::String(arn.to_string())),
                (
                    "is_attached",
                    p.attachment_count()
                        .map(|c| Value::Bool(c > 0))
                        .unwrap_or(Value::Null),
                ),
            ]);
            iam_common(src, &mut r, p.policy_name().unwrap_or_default(), arn);
            r
        })
        .collect();
    Ok(Page { rows, next })
}

static ENTITIES: AwsHydrate = AwsHydrate::new("entities", |s, region, row| {
    Box::pin(hydrate_entities(s, region, row))
});

/// Hydrate call `entities`.
async fn hydrate_entities(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let arn = need(row_in, "policy_arn", "iam:ListEntitiesForPolicy")?;
    let (mut groups, mut roles, mut users) = (Vec::new(), Vec::new(), Vec::new());
    let mut marker = None;
    loop {
        let out = src
            .iam
            .list_entities_for_policy()
            .policy_arn(arn)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| api_err("iam:ListEntitiesForPolicy", e))?;
        groups.extend(out.policy_groups().iter().map(|g| {
            Obj::new()
                .s("GroupId", g.group_id())
                .s("GroupName", g.group_name())
                .build()
        }));
        roles.extend(out.policy_roles().iter().map(|r| {
            Obj::new()
                .s("RoleId", r.role_id())
                .s("RoleName", r.role_name())
                .build()
        }));
        users.extend(out.policy_users().iter().map(|u| {
            Obj::new()
                .s("UserId", u.user_id())
                .s("UserName", u.user_name())
                .build()
        }));
        marker = out
            .marker()
            .filter(|_| out.is_truncated())
            .map(str::to_string);
        if marker.is_none() {
            break;
        }
    }
    Ok(row([
        ("policy_groups", Value::Array(groups)),
        ("policy_roles", Value::Array(roles)),
        ("policy_users", Value::Array(users)),
    ]))
}
