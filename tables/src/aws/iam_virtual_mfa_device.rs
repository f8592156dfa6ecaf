//! `aws_iam_virtual_mfa_device`: virtual MFA devices, assigned or not.

use aws_sdk_iam::types::AssignmentStatusType;
use serde_json::Value;

use super::iam_common::GLOBAL;
use super::iam_user::user_json;
use super::json::{put_tags, row, time_opt};
use super::source::{AwsSource, api_err, need, qual_strings};
use super::{AwsHydrate, AwsTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_iam_virtual_mfa_device",
        description: "Virtual MFA devices of the account and the users they are assigned to.",
        service: "iam",
        scope: Scope::Global,
        columns: aws_columns![
            col("serial_number", Text, "Serial number (ARN) of the device."),
            col(
                "enable_date",
                Timestamp,
                "When the device was enabled for its user."
            ),
            col("assignment_status", Text, "Assigned or Unassigned."),
            col("user_id", Text, "Id of the user the device is assigned to."),
            col(
                "user_name",
                Text,
                "Name of the user the device is assigned to."
            ),
            col(
                "user",
                Json,
                "The user the device is assigned to, as IAM describes it."
            ),
            hcol(
                "tags_src",
                Json,
                "Tags as returned by IAM ([{Key, Value}]).",
                &TAGS
            ),
            hcol("tags", Json, "Tags as a key/value object.", &TAGS),
        ],
        get_keys: &[],
        id_column: "serial_number",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: None,
};

/// One page of iam:ListVirtualMFADevices; an `assignment_status` constraint narrows it.
pub(crate) async fn list(
    src: &AwsSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let status = match qual_strings(req, "assignment_status").as_deref() {
        Some([s]) if s == "Assigned" => AssignmentStatusType::Assigned,
        Some([s]) if s == "Unassigned" => AssignmentStatusType::Unassigned,
        _ => AssignmentStatusType::Any,
    };
    let out = src
        .iam
        .list_virtual_mfa_devices()
        .assignment_status(status)
        .set_marker(token)
        .max_items(1000)
        .send()
        .await
        .map_err(|e| api_err("iam:ListVirtualMFADevices", e))?;
    let rows = out
        .virtual_mfa_devices()
        .iter()
        .map(|d| {
            let user = d.user();
            let status = if user.is_some() {
                "Assigned"
            } else {
                "Unassigned"
            };
            let mut r = row([
                (
                    "serial_number",
                    Value::String(d.serial_number().to_string()),
                ),
                ("enable_date", time_opt(d.enable_date())),
                ("assignment_status", Value::String(status.to_string())),
                (
                    "user_id",
                    user.map(|u| Value::String(u.user_id().to_string()))
                        .unwrap_or(Value::Null),
                ),
                (
                    "user_name",
                    user.map(|u| Value::String(u.user_name().to_string()))
                        .unwrap_or(Value::Null),
                ),
                ("user", user.map(user_json).unwrap_or(Value::Null)),
            ]);
            src.common(
                &mut r,
                GLOBAL,
                Value::String(d.serial_number().to_string()),
                vec![d.serial_number().to_string()],
            );
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

static TAGS: AwsHydrate = AwsHydrate::new("tags", |s, region, row| {
    Box::pin(hydrate_tags(s, region, row))
});

/// Hydrate call `tags`.
async fn hydrate_tags(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let serial = need(row_in, "serial_number", "iam:ListMFADeviceTags")?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut marker = None;
    loop {
        let out = src
            .iam
            .list_mfa_device_tags()
            .serial_number(serial)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| api_err("iam:ListMFADeviceTags", e))?;
        pairs.extend(
            out.tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string())),
        );
        marker = out
            .marker()
            .filter(|_| out.is_truncated())
            .map(str::to_string);
        if marker.is_none() {
            break;
        }
    }
    let mut r = Row::new();
    put_tags(&mut r, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Ok(r)
}
