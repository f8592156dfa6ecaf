//! `aws_iam_credential_report`: the IAM credential report, one row per user (and the root user).

use std::time::{Duration, Instant};

use aws_sdk_iam::types::ReportStateType;
use serde_json::Value;

use super::AwsTable;
use super::iam_common::GLOBAL;
use super::json::time_opt;
use super::source::{AwsSource, api_err};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_iam_credential_report",
        description: "IAM credential report: password, access key, certificate and MFA state per user.",
        service: "iam",
        scope: Scope::Global,
        columns: aws_columns![
            col(
                "user_name",
                Text,
                "User name; <root_account> for the root user."
            ),
            col("user_arn", Text, "ARN of the user."),
            col(
                "user_creation_time",
                Timestamp,
                "When the user was created."
            ),
            col(
                "generated_time",
                Timestamp,
                "When the report was generated."
            ),
            col(
                "access_key_1_active",
                Bool,
                "Whether the first access key is active."
            ),
            col(
                "access_key_1_last_rotated",
                Timestamp,
                "When the first access key was created or last rotated."
            ),
            col(
                "access_key_1_last_used_date",
                Timestamp,
                "When the first access key last signed a request."
            ),
            col(
                "access_key_1_last_used_region",
                Text,
                "Region the first access key was last used in."
            ),
            col(
                "access_key_1_last_used_service",
                Text,
                "Service the first access key was last used with."
            ),
            col(
                "access_key_2_active",
                Bool,
                "Whether the second access key is active."
            ),
            col(
                "access_key_2_last_rotated",
                Timestamp,
                "When the second access key was created or last rotated."
            ),
            col(
                "access_key_2_last_used_date",
                Timestamp,
                "When the second access key last signed a request."
            ),
            col(
                "access_key_2_last_used_region",
                Text,
                "Region the second access key was last used in."
            ),
            col(
                "access_key_2_last_used_service",
                Text,
                "Service the second access key was last used with."
            ),
            col(
                "cert_1_active",
                Bool,
                "Whether the first signing certificate is active."
            ),
            col(
                "cert_1_last_rotated",
                Timestamp,
                "When the first signing certificate was created or last rotated."
            ),
            col(
                "cert_2_active",
                Bool,
                "Whether the second signing certificate is active."
            ),
            col(
                "cert_2_last_rotated",
                Timestamp,
                "When the second signing certificate was created or last rotated."
            ),
            col("mfa_active", Bool, "Whether the user has an MFA device."),
            col(
                "password_enabled",
                Bool,
                "Whether the user has a console password (always true for root)."
            ),
            col(
                "password_last_changed",
                Timestamp,
                "When the password was last set."
            ),
            col(
                "password_last_used",
                Timestamp,
                "When the password was last used to sign in."
            ),
            col("password_status", Text, "used, never_used or not_set."),
            col(
                "password_next_rotation",
                Timestamp,
                "When the password policy requires the next change."
            ),
        ],
        get_keys: &[],
        id_column: "user_arn",
    },
    list: |s, _, _| Box::pin(list(s)),
    get: None,
};

/// How long to wait for IAM to generate the report.
const GENERATE_TIMEOUT: Duration = Duration::from_secs(120);

/// Split one CSV line, honouring double quotes (user names may contain commas).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// A report cell as a timestamp column value: IAM writes N/A, not_supported or
/// no_information where there is no date.
fn date_cell(v: &str) -> Value {
    match v {
        "" | "N/A" | "not_supported" | "no_information" => Value::Null,
        other => Value::String(other.to_string()),
    }
}

fn text_cell(v: &str) -> Value {
    if v.is_empty() || v == "N/A" {
        Value::Null
    } else {
        Value::String(v.to_string())
    }
}

/// Rows of a credential report in IAM's CSV format.
pub(crate) fn parse_report(csv: &str, generated_time: Value) -> Vec<Row> {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let header = csv_fields(header);
    let mut rows = Vec::new();
    for line in lines {
        let cells = csv_fields(line);
        let mut r = Row::new();
        for (name, cell) in header.iter().zip(cells.iter()) {
            let (column, value) = match name.as_str() {
                "user" => ("user_name", Value::String(cell.clone())),
                "arn" => ("user_arn", Value::String(cell.clone())),
                // The root user's password cannot be disabled; IAM reports not_supported.
                "password_enabled" => (
                    "password_enabled",
                    Value::Bool(cell == "true" || cell == "not_supported"),
                ),
                "password_last_used" => {
                    let status = match cell.as_str() {
                        "no_information" => "never_used",
                        "N/A" => "not_set",
                        _ => "used",
                    };
                    r.insert("password_status".into(), Value::String(status.into()));
                    ("password_last_used", date_cell(cell))
                }
                n if n.ends_with("_active") => (n, Value::Bool(cell == "true")),
                n if n.ends_with("_time")
                    || n.ends_with("_rotated")
                    || n.ends_with("_date")
                    || n.ends_with("_changed")
                    || n.ends_with("_rotation") =>
                {
                    (n, date_cell(cell))
                }
                n => (n, text_cell(cell)),
            };
            if TABLE.def.column_index(column).is_some() {
                r.insert(column.to_string(), value);
            }
        }
        r.insert("generated_time".into(), generated_time.clone());
        rows.push(r);
    }
    rows
}

/// iam:GenerateCredentialReport until it is complete, then iam:GetCredentialReport.
pub(crate) async fn list(src: &AwsSource) -> Result<Page, FetchError> {
    let deadline = Instant::now() + GENERATE_TIMEOUT;
    loop {
        let out = src
            .iam
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| api_err("iam:GenerateCredentialReport", e))?;
        if out.state() == Some(&ReportStateType::Complete) {
            break;
        }
        if Instant::now() >= deadline {
            return Err(FetchError::Api {
                api_call: "iam:GenerateCredentialReport".into(),
                message: format!("report not ready after {}s", GENERATE_TIMEOUT.as_secs()),
            });
        }
        // IAM asks callers to poll; a report usually takes a few seconds.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let out = src
        .iam
        .get_credential_report()
        .send()
        .await
        .map_err(|e| api_err("iam:GetCredentialReport", e))?;
    let content = out
        .content()
        .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
        .unwrap_or_default();
    let mut rows = parse_report(&content, time_opt(out.generated_time()));
    for r in &mut rows {
        let name = r.get("user_name").cloned().unwrap_or(Value::Null);
        let arn = r
            .get("user_arn")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        src.common(r, GLOBAL, name, vec![arn]);
    }
    Ok(Page { rows, next: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_iam_report_csv() {
        let csv = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n\
<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2024-01-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
\"a,b\",arn:aws:iam::123456789012:user/a,2021-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2021-02-01T00:00:00+00:00,2021-03-01T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n";
        let rows = parse_report(csv, Value::String("2024-05-01T00:00:00Z".into()));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["user_name"], "<root_account>");
        assert_eq!(rows[0]["password_enabled"], true);
        assert_eq!(rows[0]["password_status"], "used");
        assert_eq!(rows[0]["mfa_active"], true);
        assert_eq!(rows[0]["password_last_changed"], Value::Null);
        assert_eq!(rows[1]["user_name"], "a,b");
        assert_eq!(rows[1]["password_enabled"], false);
        assert_eq!(rows[1]["password_status"], "not_set");
        assert_eq!(rows[1]["access_key_1_active"], true);
        assert_eq!(rows[1]["access_key_1_last_used_region"], "us-east-1");
        assert_eq!(rows[1]["access_key_2_last_used_service"], Value::Null);
        assert_eq!(rows[1]["generated_time"], "2024-05-01T00:00:00Z");
    }
}
