//! `aws_iam_user`: IAM users with their groups, policies, MFA devices and login profile.

use aws_sdk_iam::types::User;
use serde_json::Value;

use super::iam_common::{attached_policy_column, iam_common, inline_policy_columns, lookup_name};
use super::json::{Obj, put_tags, row, text, time, time_opt};
use super::source::{AwsSource, api_err, is_not_found, need, qual_strings};
use super::{AwsHydrate, AwsTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_iam_user",
        description: "IAM users of the account.",
        service: "iam",
        scope: Scope::Global,
        columns: aws_columns![
            col("name", Text, "User name."),
            col("user_id", Text, "Stable unique id of the user."),
            col("path", Text, "Path the user was created under."),
            col("arn", Text, "ARN of the user."),
            col("create_date", Timestamp, "When the user was created."),
            col(
                "password_last_used",
                Timestamp,
                "When the user's console password was last used to sign in."
            ),
            hcol(
                "permissions_boundary_arn",
                Text,
                "ARN of the policy set as the user's permissions boundary.",
                &GET_USER
            ),
            hcol(
                "permissions_boundary_type",
                Text,
                "Kind of entity used as permissions boundary (Policy).",
                &GET_USER
            ),
            hcol(
                "mfa_enabled",
                Bool,
                "True when the user has at least one MFA device.",
                &MFA_DEVICES
            ),
            hcol(
                "login_profile",
                Json,
                "Console login profile (creation date, reset required), null when the user has no password.",
                &LOGIN_PROFILE
            ),
            hcol(
                "mfa_devices",
                Json,
                "MFA devices assigned to the user.",
                &MFA_DEVICES
            ),
            hcol("groups", Json, "Groups the user is a member of.", &GROUPS),
            hcol(
                "inline_policies",
                Json,
                "Inline policies embedded in the user, as {PolicyName, PolicyDocument}.",
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
                "ARNs of managed policies attached to the user.",
                &ATTACHED_POLICIES
            ),
            hcol(
                "tags_src",
                Json,
                "Tags as returned by IAM ([{Key, Value}]).",
                &GET_USER
            ),
            hcol("tags", Json, "Tags as a key/value object.", &GET_USER),
        ],
        get_keys: &["name", "arn"],
        id_column: "arn",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: Some(|s, _, column, key| Box::pin(get(s, column, key))),
};

/// A row from a user as ListUsers/GetUser return it.
pub(crate) fn user_row(src: &AwsSource, u: &User) -> Row {
    let mut r = row([
        ("name", Value::String(u.user_name().to_string())),
        ("user_id", Value::String(u.user_id().to_string())),
        ("path", Value::String(u.path().to_string())),
        ("arn", Value::String(u.arn().to_string())),
        ("create_date", time(u.create_date())),
        ("password_last_used", time_opt(u.password_last_used())),
    ]);
    iam_common(src, &mut r, u.user_name(), u.arn());
    r
}

/// The user as IAM describes it, for JSON columns of other tables.
pub(crate) fn user_json(u: &User) -> Value {
    Obj::new()
        .s("Arn", Some(u.arn()))
        .t("CreateDate", Some(u.create_date()))
        .t("PasswordLastUsed", u.password_last_used())
        .s("Path", Some(u.path()))
        .s("UserId", Some(u.user_id()))
        .s("UserName", Some(u.user_name()))
        .build()
}

fn get_user_columns(u: &User) -> Row {
    let b = u.permissions_boundary();
    let mut r = row([
        (
            "permissions_boundary_arn",
            text(b.and_then(|b| b.permissions_boundary_arn())),
        ),
        (
            "permissions_boundary_type",
            text(b.and_then(|b| b.permissions_boundary_type())),
        ),
    ]);
    put_tags(&mut r, u.tags().iter().map(|t| (t.key(), t.value())));
    r
}

/// One page of iam:ListUsers.
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
        .list_users()
        .set_marker(token)
        .set_path_prefix(path)
        .max_items(1000)
        .send()
        .await
        .map_err(|e| api_err("iam:ListUsers", e))?;
    let rows = out.users().iter().map(|u| user_row(src, u)).collect();
    let next = if out.is_truncated() {
        out.marker().map(str::to_string)
    } else {
        None
    };
    Ok(Page { rows, next })
}

/// iam:GetUser by name or ARN.
pub(crate) async fn get(
    src: &AwsSource,
    key_column: &str,
    key: &str,
) -> Result<Option<Row>, FetchError> {
    let Some(name) = lookup_name(key_column, key) else {
        return Ok(None);
    };
    let out = match src.iam.get_user().user_name(name).send().await {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(api_err("iam:GetUser", e)),
    };
    let Some(u) = out.user() else { return Ok(None) };
    if key_column == "arn" && u.arn() != key {
        return Ok(None);
    }
    let mut r = user_row(src, u);
    r.extend(get_user_columns(u));
    Ok(Some(r))
}

static GET_USER: AwsHydrate = AwsHydrate::new("get_user", |s, region, row| {
    Box::pin(hydrate_get_user(s, region, row))
});
static MFA_DEVICES: AwsHydrate = AwsHydrate::new("mfa_devices", |s, region, row| {
    Box::pin(hydrate_mfa_devices(s, region, row))
});
static LOGIN_PROFILE: AwsHydrate = AwsHydrate::new("login_profile", |s, region, row| {
    Box::pin(hydrate_login_profile(s, region, row))
});
static GROUPS: AwsHydrate = AwsHydrate::new("groups", |s, region, row| {
    Box::pin(hydrate_groups(s, region, row))
});
static INLINE_POLICIES: AwsHydrate = AwsHydrate::new("inline_policies", |s, region, row| {
    Box::pin(hydrate_inline_policies(s, region, row))
});
static ATTACHED_POLICIES: AwsHydrate = AwsHydrate::new("attached_policies", |s, region, row| {
    Box::pin(hydrate_attached_policies(s, region, row))
});

/// Hydrate call `get_user`.
async fn hydrate_get_user(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let name = need(row_in, "name", "iam:GetUser")?;
    let out = src
        .iam
        .get_user()
        .user_name(name)
        .send()
        .await
        .map_err(|e| api_err("iam:GetUser", e))?;
    Ok(out.user().map(get_user_columns).unwrap_or_default())
}

/// Hydrate call `mfa_devices`.
async fn hydrate_mfa_devices(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let name = need(row_in, "name", "iam:GetUser")?;
    let devices: Vec<_> = src
        .iam
        .list_mfa_devices()
        .user_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api_err("iam:ListMFADevices", e))?
        .iter()
        .map(|d| {
            Obj::new()
                .t("EnableDate", Some(d.enable_date()))
                .s("SerialNumber", Some(d.serial_number()))
                .s("UserName", Some(d.user_name()))
                .build()
        })
        .collect();
    Ok(row([
        ("mfa_enabled", Value::Bool(!devices.is_empty())),
        ("mfa_devices", Value::Array(devices)),
    ]))
}

/// Hydrate call `login_profile`.
async fn hydrate_login_profile(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let name = need(row_in, "name", "iam:GetUser")?;
    let profile = match src.iam.get_login_profile().user_name(name).send().await {
        Ok(out) => out.login_profile().map(|p| {
            Obj::new()
                .t("CreateDate", Some(p.create_date()))
                .b("PasswordResetRequired", Some(p.password_reset_required()))
                .s("UserName", Some(p.user_name()))
                .build()
        }),
        // No console password: the column is null.
        Err(e) if is_not_found(&e) => None,
        Err(e) => return Err(api_err("iam:GetLoginProfile", e)),
    };
    Ok(row([("login_profile", profile.unwrap_or(Value::Null))]))
}

/// Hydrate call `groups`.
async fn hydrate_groups(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let name = need(row_in, "name", "iam:GetUser")?;
    let groups: Vec<_> = src
        .iam
        .list_groups_for_user()
        .user_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api_err("iam:ListGroupsForUser", e))?
        .iter()
        .map(super::iam_group::group_json)
        .collect();
    Ok(row([("groups", Value::Array(groups))]))
}

/// Hydrate call `inline_policies`.
async fn hydrate_inline_policies(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let name = need(row_in, "name", "iam:GetUser")?;
    let names: Vec<_> = src
        .iam
        .list_user_policies()
        .user_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api_err("iam:ListUserPolicies", e))?;
    let mut policies = Vec::new();
    for p in names {
        let out = src
            .iam
            .get_user_policy()
            .user_name(name)
            .policy_name(&p)
            .send()
            .await
            .map_err(|e| api_err("iam:GetUserPolicy", e))?;
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
    let name = need(row_in, "name", "iam:GetUser")?;
    let arns: Vec<_> = src
        .iam
        .list_attached_user_policies()
        .user_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api_err("iam:ListAttachedUserPolicies", e))?
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect();
    Ok(attached_policy_column(arns))
}
