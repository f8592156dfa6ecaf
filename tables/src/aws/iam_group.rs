//! `aws_iam_group`: IAM groups with their members and policies.

use aws_sdk_iam::types::Group;
use serde_json::Value;

use super::iam_common::{attached_policy_column, iam_common, inline_policy_columns, lookup_name};
use super::iam_user::user_json;
use super::json::{Obj, row, time};
use super::source::{AwsSource, api_err, is_not_found, need, qual_strings};
use super::{AwsHydrate, AwsTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_iam_group",
        description: "IAM groups of the account.",
        service: "iam",
        scope: Scope::Global,
        columns: aws_columns![
            col("name", Text, "Group name."),
            col("group_id", Text, "Stable unique id of the group."),
            col("path", Text, "Path the group was created under."),
            col("arn", Text, "ARN of the group."),
            col("create_date", Timestamp, "When the group was created."),
            hcol(
                "inline_policies",
                Json,
                "Inline policies embedded in the group, as {PolicyName, PolicyDocument}.",
                &INLINE_POLICIES
            ),
            hcol(
                "inline_policies_std",
                Json,
                "Inline policies with documents in canonical form.",
                &INLINE_POLICIES
            ),
            hcol(
                "attached_policy_arns",
                Json,
                "ARNs of managed policies attached to the group.",
                &ATTACHED_POLICIES
            ),
            hcol(
                "users",
                Json,
                "Users that are members of the group.",
                &USERS
            ),
        ],
        get_keys: &["name", "arn"],
        id_column: "arn",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: Some(|s, _, column, key| Box::pin(get(s, column, key))),
};

fn group_row(src: &AwsSource, g: &Group) -> Row {
    let mut r = row([
        ("name", Value::String(g.group_name().to_string())),
        ("group_id", Value::String(g.group_id().to_string())),
        ("path", Value::String(g.path().to_string())),
        ("arn", Value::String(g.arn().to_string())),
        ("create_date", time(g.create_date())),
    ]);
    iam_common(src, &mut r, g.group_name(), g.arn());
    r
}

/// The group as IAM describes it, for JSON columns of other tables.
pub(crate) fn group_json(g: &Group) -> Value {
    Obj::new()
        .s("Arn", Some(g.arn()))
        .t("CreateDate", Some(g.create_date()))
        .s("GroupId", Some(g.group_id()))
        .s("GroupName", Some(g.group_name()))
        .s("Path", Some(g.path()))
        .build()
}

/// One page of iam:ListGroups.
pub(crate) async fn list(
    src: &AwsSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let path = qual_strings(req, "path")
        .filter(|p| p.len() == 1)
        .and_then(|mut p| p.pop());
    let out = src
        .iam
        .list_groups()
        .set_marker(token)
        .set_path_prefix(path)
        .max_items(1000)
        .send()
        .await
        .map_err(|e| api_err("iam:ListGroups", e))?;
    let rows = out.groups().iter().map(|g| group_row(src, g)).collect();
    let next = if out.is_truncated() {
        out.marker().map(str::to_string)
    } else {
        None
    };
    Ok(Page { rows, next })
}

/// iam:GetGroup by name or ARN.
pub(crate) async fn get(
    src: &AwsSource,
    key_column: &str,
    key: &str,
) -> Result<Option<Row>, FetchError> {
    let Some(name) = lookup_name(key_column, key) else {
        return Ok(None);
    };
    let out = match src
        .iam
        .get_group()
        .group_name(name)
        .max_items(1)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(api_err("iam:GetGroup", e)),
    };
    let Some(g) = out.group() else {
        return Ok(None);
    };
    if key_column == "arn" && g.arn() != key {
        return Ok(None);
    }
    Ok(Some(group_row(src, g)))
}

static USERS: AwsHydrate = AwsHydrate::new("users", |s, region, row| {
    Box::pin(hydrate_users(s, region, row))
});
static INLINE_POLICIES: AwsHydrate = AwsHydrate::new("inline_policies", |s, region, row| {
    Box::pin(hydrate_inline_policies(s, region, row))
});
static ATTACHED_POLICIES: AwsHydrate = AwsHydrate::new("attached_policies", |s, region, row| {
    Box::pin(hydrate_attached_policies(s, region, row))
});

/// Hydrate call `users`.
async fn hydrate_users(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let name = need(row_in, "name", "iam:GetGroup")?;
    let users: Vec<_> = src
        .iam
        .get_group()
        .group_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api_err("iam:GetGroup", e))?
        .iter()
        .map(user_json)
        .collect();
    Ok(row([("users", Value::Array(users))]))
}

/// Hydrate call `inline_policies`.
async fn hydrate_inline_policies(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let name = need(row_in, "name", "iam:GetGroup")?;
    let names: Vec<_> = src
        .iam
        .list_group_policies()
        .group_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api_err("iam:ListGroupPolicies", e))?;
    let mut policies = Vec::new();
    for p in names {
        let out = src
            .iam
            .get_group_policy()
            .group_name(name)
            .policy_name(&p)
            .send()
            .await
            .map_err(|e| api_err("iam:GetGroupPolicy", e))?;
        policies.push((p, out.policy_document().to_string()));
    }
    Ok(inline_policy_columns(policies))
}

/// Hydrate call `attached_policies`.
async fn hydrate_attached_policies(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let name = need(row_in, "name", "iam:GetGroup")?;
    let arns: Vec<_> = src
        .iam
        .list_attached_group_policies()
        .group_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api_err("iam:ListAttachedGroupPolicies", e))?
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect();
    Ok(attached_policy_column(arns))
}
