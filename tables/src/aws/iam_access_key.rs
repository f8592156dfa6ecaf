//! `aws_iam_access_key`: access keys of every IAM user.

use serde_json::Value;

use super::iam_common::GLOBAL;
use super::json::{row, text, time_opt};
use super::source::{AwsSource, api_err, need, qual_strings};
use super::{AwsHydrate, AwsTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_iam_access_key",
        description: "Access keys of the account's IAM users.",
        service: "iam",
        scope: Scope::Global,
        columns: aws_columns![
            col(
                "access_key_id",
                Text,
                "Access key id (the public half of the key)."
            ),
            col("user_name", Text, "Name of the user the key belongs to."),
            col("status", Text, "Active or Inactive."),
            col("create_date", Timestamp, "When the key was created."),
            hcol(
                "access_key_last_used_date",
                Timestamp,
                "When the key was last used to sign a request.",
                &LAST_USED
            ),
            hcol(
                "access_key_last_used_service",
                Text,
                "Service the key was last used with.",
                &LAST_USED
            ),
            hcol(
                "access_key_last_used_region",
                Text,
                "Region the key was last used in.",
                &LAST_USED
            ),
        ],
        get_keys: &[],
        id_column: "access_key_id",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: None,
};

async fn keys_of_user(src: &AwsSource, user: &str) -> Result<Vec<Row>, FetchError> {
    let mut rows = Vec::new();
    let mut marker = None;
    loop {
        let out = src
            .iam
            .list_access_keys()
            .user_name(user)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| api_err("iam:ListAccessKeys", e))?;
        for k in out.access_key_metadata() {
            let id = k.access_key_id().unwrap_or_default();
            let user_name = k.user_name().unwrap_or(user);
            let mut r = row([
                ("access_key_id", Value::String(id.to_string())),
                ("user_name", Value::String(user_name.to_string())),
                ("status", text(k.status())),
                ("create_date", time_opt(k.create_date())),
            ]);
            let aka = src.arn(
                "iam",
                "",
                &src.account_id,
                &format!("user/{user_name}/accesskey/{id}"),
            );
            src.common(&mut r, GLOBAL, Value::String(id.to_string()), vec![aka]);
            rows.push(r);
        }
        marker = out
            .marker()
            .filter(|_| out.is_truncated())
            .map(str::to_string);
        if marker.is_none() {
            break;
        }
    }
    Ok(rows)
}

/// Access keys of one page of users (iam:ListUsers, then iam:ListAccessKeys per user);
/// a `user_name` constraint lists only those users' keys.
pub(crate) async fn list(
    src: &AwsSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let (users, next) = match qual_strings(req, "user_name") {
        Some(names) => (names, None),
        None => {
            let out = src
                .iam
                .list_users()
                .set_marker(token)
                .max_items(1000)
                .send()
                .await
                .map_err(|e| api_err("iam:ListUsers", e))?;
            let next = if out.is_truncated() {
                out.marker().map(str::to_string)
            } else {
                None
            };
            (
                out.users()
                    .iter()
                    .map(|u| u.user_name().to_string())
                    .collect(),
                next,
            )
        }
    };
    let mut rows = Vec::new();
    for user in &users {
        match keys_of_user(src, user).await {
            Ok(r) => rows.extend(r),
            // A user named in the query that does not exist has no keys.
            Err(FetchError::Api { message, .. }) if message.starts_with("NoSuchEntity") => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Page { rows, next })
}

static LAST_USED: AwsHydrate = AwsHydrate::new("last_used", |s, region, row| {
    Box::pin(hydrate_last_used(s, region, row))
});

/// Hydrate call `last_used`.
async fn hydrate_last_used(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let id = need(row_in, "access_key_id", "iam:GetAccessKeyLastUsed")?;
    let out = src
        .iam
        .get_access_key_last_used()
        .access_key_id(id)
        .send()
        .await
        .map_err(|e| api_err("iam:GetAccessKeyLastUsed", e))?;
    let used = out.access_key_last_used();
    // IAM reports "N/A" for service and region of a key that was never used.
    let na = |s: Option<&str>| text(s.filter(|s| *s != "N/A"));
    Ok(row([
        (
            "access_key_last_used_date",
            time_opt(used.and_then(|u| u.last_used_date())),
        ),
        (
            "access_key_last_used_service",
            na(used.map(|u| u.service_name())),
        ),
        ("access_key_last_used_region", na(used.map(|u| u.region()))),
    ]))
}
