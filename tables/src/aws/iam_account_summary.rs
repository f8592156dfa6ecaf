//! `aws_iam_account_summary`: IAM entity counts and quotas of the account (one row).

use serde_json::Value;

use super::AwsTable;
use super::iam_common::GLOBAL;
use super::json::snake_case;
use super::source::{AwsSource, api_err};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col};
use crate::framework::{FetchError, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_iam_account_summary",
        description: "IAM usage and quotas of the account (iam:GetAccountSummary).",
        service: "iam",
        scope: Scope::Global,
        columns: aws_columns![
            col(
                "access_keys_per_user_quota",
                Int,
                "Access keys allowed per user."
            ),
            col(
                "account_access_keys_present",
                Int,
                "1 when the root user has access keys, else 0."
            ),
            col(
                "account_mfa_enabled",
                Bool,
                "True when the root user has MFA."
            ),
            col(
                "account_password_present",
                Bool,
                "True when the root user has a password."
            ),
            col(
                "account_signing_certificates_present",
                Int,
                "1 when the root user has signing certificates, else 0."
            ),
            col(
                "assume_role_policy_size_quota",
                Int,
                "Largest trust policy, in characters."
            ),
            col(
                "attached_policies_per_group_quota",
                Int,
                "Managed policies allowed per group."
            ),
            col(
                "attached_policies_per_role_quota",
                Int,
                "Managed policies allowed per role."
            ),
            col(
                "attached_policies_per_user_quota",
                Int,
                "Managed policies allowed per user."
            ),
            col(
                "global_endpoint_token_version",
                Int,
                "Version of session tokens the global STS endpoint issues."
            ),
            col(
                "group_policy_size_quota",
                Int,
                "Largest total size of a group's inline policies, in characters."
            ),
            col("groups", Int, "Number of groups."),
            col("groups_per_user_quota", Int, "Groups a user may belong to."),
            col("groups_quota", Int, "Groups allowed in the account."),
            col("instance_profiles", Int, "Number of instance profiles."),
            col(
                "instance_profiles_quota",
                Int,
                "Instance profiles allowed in the account."
            ),
            col(
                "mfa_devices",
                Int,
                "Number of MFA devices, assigned or not."
            ),
            col(
                "mfa_devices_in_use",
                Int,
                "Number of MFA devices assigned to a user."
            ),
            col("policies", Int, "Number of customer managed policies."),
            col(
                "policies_quota",
                Int,
                "Customer managed policies allowed in the account."
            ),
            col(
                "policy_size_quota",
                Int,
                "Largest managed policy document, in characters."
            ),
            col(
                "policy_versions_in_use",
                Int,
                "Number of managed policy versions attached to principals."
            ),
            col(
                "policy_versions_in_use_quota",
                Int,
                "Managed policy versions allowed in use."
            ),
            col(
                "providers",
                Int,
                "Number of identity providers (SAML and OIDC)."
            ),
            col(
                "role_policy_size_quota",
                Int,
                "Largest total size of a role's inline policies, in characters."
            ),
            col("roles", Int, "Number of roles."),
            col("roles_quota", Int, "Roles allowed in the account."),
            col("server_certificates", Int, "Number of server certificates."),
            col(
                "server_certificates_quota",
                Int,
                "Server certificates allowed in the account."
            ),
            col(
                "signing_certificates_per_user_quota",
                Int,
                "Signing certificates allowed per user."
            ),
            col(
                "user_policy_size_quota",
                Int,
                "Largest total size of a user's inline policies, in characters."
            ),
            col("users", Int, "Number of users."),
            col("users_quota", Int, "Users allowed in the account."),
            col(
                "versions_per_policy_quota",
                Int,
                "Versions kept per managed policy."
            ),
        ],
        get_keys: &[],
        id_column: "account_id",
    },
    list: |s, _, _| Box::pin(list(s)),
    get: None,
};

/// Summary keys that are flags (0/1) but Steampipe types as booleans.
const BOOL_KEYS: [&str; 2] = ["account_mfa_enabled", "account_password_present"];

/// iam:GetAccountSummary as one row.
pub(crate) async fn list(src: &AwsSource) -> Result<Page, FetchError> {
    let out = src
        .iam
        .get_account_summary()
        .send()
        .await
        .map_err(|e| api_err("iam:GetAccountSummary", e))?;
    let mut row = Row::new();
    if let Some(map) = out.summary_map() {
        for (key, value) in map {
            let column = snake_case(key.as_str());
            if TABLE.def.column_index(&column).is_none() {
                continue; // keys newer than the table definition
            }
            let v = if BOOL_KEYS.contains(&column.as_str()) {
                Value::Bool(*value > 0)
            } else {
                Value::from(*value)
            };
            row.insert(column, v);
        }
    }
    // A key the account's summary does not carry is a NULL the call filled, not a column
    // nothing fills.
    for c in TABLE.def.columns {
        row.entry(c.name).or_insert(Value::Null);
    }
    let aka = format!("arn:{}:::{}", src.partition, src.account_id);
    src.common(
        &mut row,
        GLOBAL,
        Value::String(src.account_id.clone()),
        vec![aka],
    );
    Ok(Page {
        rows: vec![row],
        next: None,
    })
}
