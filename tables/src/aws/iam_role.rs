//! `aws_iam_role`: IAM roles with their trust policy, policies and instance profiles.

use aws_sdk_iam::types::Role;
use serde_json::Value;

use super::iam_common::{attached_policy_column, iam_common, inline_policy_columns, lookup_name};
use super::json::{put_tags, row, text, time, time_opt};
use super::policy::{canonical_policy, decode_policy};
use super::source::{AwsSource, api_err, is_not_found, need, qual_strings};
use super::{AwsHydrate, AwsTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_iam_role",
        description: "IAM roles of the account.",
        service: "iam",
        scope: Scope::Global,
        columns: aws_columns![
            col("name", Text, "Role name."),
            col("arn", Text, "ARN of the role."),
            col("role_id", Text, "Stable unique id of the role."),
            col(
                "assume_role_policy_document",
                Text,
                "Trust policy as IAM returns it (URL-encoded JSON)."
            ),
            col("create_date", Timestamp, "When the role was created."),
            col("description", Text, "Description given to the role."),
            hcol(
                "instance_profile_arns",
                Json,
                "ARNs of the instance profiles that carry the role.",
                &INSTANCE_PROFILES
            ),
            col(
                "max_session_duration",
                Int,
                "Longest session, in seconds, that assuming the role can give."
            ),
            col("path", Text, "Path the role was created under."),
            hcol(
                "permissions_boundary_arn",
                Text,
                "ARN of the policy set as the role's permissions boundary.",
                &GET_ROLE
            ),
            hcol(
                "permissions_boundary_type",
                Text,
                "Kind of entity used as permissions boundary (Policy).",
                &GET_ROLE
            ),
            hcol(
                "role_last_used_date",
                Timestamp,
                "When the role was last assumed.",
                &GET_ROLE
            ),
            hcol(
                "role_last_used_region",
                Text,
                "Region in which the role was last assumed.",
                &GET_ROLE
            ),
            hcol(
                "tags_src",
                Json,
                "Tags as returned by IAM ([{Key, Value}]).",
                &GET_ROLE
            ),
            hcol(
                "inline_policies",
                Json,
                "Inline policies embedded in the role, as {PolicyName, PolicyDocument}.",
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
                "ARNs of managed policies attached to the role.",
                &ATTACHED_POLICIES
            ),
            col(
                "assume_role_policy",
                Json,
                "Trust policy: who may assume the role."
            ),
            col(
                "assume_role_policy_std",
                Json,
                "Trust policy in canonical form."
            ),
            hcol("tags", Json, "Tags as a key/value object.", &GET_ROLE),
        ],
        get_keys: &["name", "arn"],
        id_column: "arn",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: Some(|s, _, column, key| Box::pin(get(s, column, key))),
};

fn role_row(src: &AwsSource, r: &Role) -> Row {
    let trust_text = r.assume_role_policy_document();
    let trust = trust_text.map(decode_policy).unwrap_or(Value::Null);
    let trust_std = if trust.is_null() {
        Value::Null
    } else {
        canonical_policy(&trust)
    };
    let mut out = row([
        ("name", Value::String(r.role_name().to_string())),
        ("arn", Value::String(r.arn().to_string())),
        ("role_id", Value::String(r.role_id().to_string())),
        ("assume_role_policy_document", text(trust_text)),
        ("create_date", time(r.create_date())),
        ("description", text(r.description())),
        (
            "max_session_duration",
            r.max_session_duration()
                .map(Value::from)
                .unwrap_or(Value::Null),
        ),
        ("path", Value::String(r.path().to_string())),
        ("assume_role_policy", trust),
        ("assume_role_policy_std", trust_std),
    ]);
    iam_common(src, &mut out, r.role_name(), r.arn());
    out
}

/// Columns only GetRole returns (ListRoles leaves them out).
fn get_role_columns(r: &Role) -> Row {
    let b = r.permissions_boundary();
    let used = r.role_last_used();
    let mut out = row([
        (
            "permissions_boundary_arn",
            text(b.and_then(|b| b.permissions_boundary_arn())),
        ),
        (
            "permissions_boundary_type",
            text(b.and_then(|b| b.permissions_boundary_type())),
        ),
        (
            "role_last_used_date",
            time_opt(used.and_then(|u| u.last_used_date())),
        ),
        ("role_last_used_region", text(used.and_then(|u| u.region()))),
    ]);
    put_tags(&mut out, r.tags().iter().map(|t| (t.key(), t.value())));
    out
}

/// One page of iam:ListRoles.
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
        .list_roles()
        .set_marker(token)
        .set_path_prefix(path)
        .max_items(1000)
        .send()
        .await
        .map_err(|e| api_err("iam:ListRoles", e))?;
    let rows = out.roles().iter().map(|r| role_row(src, r)).collect();
    let next = if out.is_truncated() {
        out.marker().map(str::to_string)
    } else {
        None
    };
    Ok(Page { rows, next })
}

/// iam:GetRole by name or ARN.
pub(crate) async fn get(
    src: &AwsSource,
    key_column: &str,
    key: &str,
) -> Result<Option<Row>, FetchError> {
    let Some(name) = lookup_name(key_column, key) else {
        return Ok(None);
    };
    let out = match src.iam.get_role().role_name(name).send().await {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(api_err("iam:GetRole", e)),
    };
    let Some(r) = out.role() else { return Ok(None) };
    if key_column == "arn" && r.arn() != key {
        return Ok(None);
    }
    let mut row = role_row(src, r);
    row.extend(get_role_columns(r));
    Ok(Some(row))
}

static GET_ROLE: AwsHydrate = AwsHydrate::new("get_role", |s, region, row| {
    Box::pin(hydrate_get_role(s, region, row))
});
static INSTANCE_PROFILES: AwsHydrate = AwsHydrate::new("instance_profiles", |s, region, row| {
    Box::pin(hydrate_instance_profiles(s, region, row))
});
static INLINE_POLICIES: AwsHydrate = AwsHydrate::new("inline_policies", |s, region, row| {
    Box::pin(hydrate_inline_policies(s, region, row))
});
static ATTACHED_POLICIES: AwsHydrate = AwsHydrate::new("attached_policies", |s, region, row| {
    Box::pin(hydrate_attached_policies(s, region, row))
});

/// Hydrate call `get_role`.
async fn hydrate_get_role(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let name = need(row_in, "name", "iam:GetRole")?;
    let out = src
        .iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| api_err("iam:GetRole", e))?;
    Ok(out.role().map(get_role_columns).unwrap_or_default())
}

/// Hydrate call `instance_profiles`.
async fn hydrate_instance_profiles(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let name = need(row_in, "name", "iam:GetRole")?;
    let arns: Vec<_> = src
        .iam
        .list_instance_profiles_for_role()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api_err("iam:ListInstanceProfilesForRole", e))?
        .iter()
        .map(|p| Value::String(p.arn().to_string()))
        .collect();
    let v = if arns.is_empty() {
        Value::Null
    } else {
        Value::Array(arns)
    };
    Ok(row([("instance_profile_arns", v)]))
}

/// Hydrate call `inline_policies`.
async fn hydrate_inline_policies(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let name = need(row_in, "name", "iam:GetRole")?;
    let names: Vec<_> = src
        .iam
        .list_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api_err("iam:ListRolePolicies", e))?;
    let mut policies = Vec::new();
    for p in names {
        let out = src
            .iam
            .get_role_policy()
            .role_name(name)
            .policy_name(&p)
            .send()
            .await
            .map_err(|e| api_err("iam:GetRolePolicy", e))?;
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
    let name = need(row_in, "name", "iam:GetRole")?;
    let arns: Vec<_> = src
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api_err("iam:ListAttachedRolePolicies", e))?
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect();
    Ok(attached_policy_column(arns))
}
