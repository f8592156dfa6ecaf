//! `aws_iam_virtual_mfa_device`: virtual MFA devices, assigned or not.

use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};

/// Table definition.
pub static DEF: TableDef = TableDef {
    name: "aws_iam_virtual_mfa_device",
    description: "Virtual MFA devices of the account and the users they are assigned to.",
    service: "iam",
    scope: Scope::Global,
    columns: aws_columns![
        col("serial_number", Text, "Serial number (ARN) of the device."),
        col("enable_date", Timestamp, "When the device was enabled for its user."),
        col("assignment_status", Text, "Assigned or Unassigned."),
        col("user_id", Text, "Id of the user the device is assigned to."),
        col("user_name", Text, "Name of the user the device is assigned to."),
        col("user", Json, "The user the device is assigned to, as IAM describes it."),
        hcol("tags_src", Json, "Tags as returned by IAM ([{Key, Value}]).", "tags"),
        hcol("tags", Json, "Tags as a key/value object.", "tags"),
    ],
    get_keys: &[],
    id_column: "serial_number",
};
