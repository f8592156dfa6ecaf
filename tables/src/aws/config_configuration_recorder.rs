//! `aws_config_configuration_recorder`: AWS Config recorders and their status, per region.

use serde_json::{Value, json};

use super::AwsTable;
use super::api::{CONFIG, akas, g, s};
use super::json::row;
use super::source::AwsSource;
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, Page};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_config_configuration_recorder",
        description: "AWS Config configuration recorders and whether they record, per region.",
        service: "config",
        scope: Scope::Regional,
        columns: aws_columns![
            col("name", Text, "Name of the recorder."),
            col("arn", Text, "ARN of the recorder."),
            col("recording_mode", Json, "Recording frequency and overrides."),
            col(
                "recording_group",
                Json,
                "Which resource types are recorded (AllSupported, IncludeGlobalResourceTypes, ...)."
            ),
            col(
                "role_arn",
                Text,
                "Role Config assumes to read resource configurations."
            ),
            col(
                "status_recording",
                Bool,
                "Whether the recorder is currently recording."
            ),
            col(
                "status",
                Json,
                "Recorder status (Recording, LastStatus, LastStartTime, ...)."
            ),
        ],
        get_keys: &[],
        id_column: "name",
    },
    list: |s, req, _| Box::pin(list(s, s.list_region(req))),
    get: None,
};

/// config:DescribeConfigurationRecorders and config:DescribeConfigurationRecorderStatus.
pub(crate) async fn list(src: &AwsSource, region: &str) -> Result<Page, FetchError> {
    let recorders = src
        .call_json(&CONFIG, region, "DescribeConfigurationRecorders", json!({}))
        .await
        .map_err(|e| e.into_fetch("config:DescribeConfigurationRecorders"))?;
    let statuses = src
        .call_json(
            &CONFIG,
            region,
            "DescribeConfigurationRecorderStatus",
            json!({}),
        )
        .await
        .map_err(|e| e.into_fetch("config:DescribeConfigurationRecorderStatus"))?;
    let statuses = statuses
        .get("ConfigurationRecordersStatus")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let rows = recorders
        .get("ConfigurationRecorders")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|rec| {
            let name = s(rec, "name");
            let status = statuses
                .iter()
                .find(|st| st.get("name") == rec.get("name"))
                .cloned()
                .unwrap_or(Value::Null);
            let arn = rec.get("arn").cloned().unwrap_or_else(|| {
                Value::String(src.arn(
                    "config",
                    region,
                    &src.account_id,
                    &format!("config-recorder/{}", name.as_str().unwrap_or_default()),
                ))
            });
            let mut r = row([
                ("name", name.clone()),
                ("arn", arn.clone()),
                ("recording_mode", camel_to_pascal(&g(rec, "recordingMode"))),
                (
                    "recording_group",
                    camel_to_pascal(&g(rec, "recordingGroup")),
                ),
                ("role_arn", s(rec, "roleARN")),
                (
                    "status_recording",
                    status.get("recording").cloned().unwrap_or(Value::Null),
                ),
                ("status", camel_to_pascal(&status)),
            ]);
            src.common(&mut r, region, name, akas(&arn));
            r
        })
        .collect();
    Ok(Page { rows, next: None })
}

/// Config's JSON members are camelCase; Steampipe exposes these structures with the
/// SDK's PascalCase member names (`AllSupported`, `Recording`, `LastStatus`).
fn camel_to_pascal(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let mut c = k.chars();
                    let key = match c.next() {
                        Some(f) => f.to_uppercase().chain(c).collect(),
                        None => String::new(),
                    };
                    (key, camel_to_pascal(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(camel_to_pascal).collect()),
        other => other.clone(),
    }
}
