//! `aws_iam_policy`: managed policies (customer and AWS managed) with their default version.

use aws_sdk_iam::types::{Policy, PolicyScopeType};
use serde_json::Value;

use super::iam_common::iam_common;
use super::json::{put_tags, row, text, time_opt};
use super::policy::{canonical_policy, decode_policy};
use super::source::{AwsSource, api_err, is_not_found, need, qual_bool, qual_strings};
use super::{AwsHydrate, AwsTable};
use crate::framework::def::{ColumnType::*, Scope, TableDef, col, hcol};
use crate::framework::{FetchError, ListRequest, Page, Row};

/// Table definition and calls.
pub static TABLE: AwsTable = AwsTable {
    def: TableDef {
        name: "aws_iam_policy",
        description: "IAM managed policies, customer and AWS managed.",
        service: "iam",
        scope: Scope::Global,
        columns: aws_columns![
            col("name", Text, "Policy name."),
            col("policy_id", Text, "Stable unique id of the policy."),
            col("path", Text, "Path the policy was created under."),
            hcol(
                "description",
                Text,
                "Description given to the policy.",
                &GET_POLICY
            ),
            col("arn", Text, "ARN of the policy."),
            col(
                "is_aws_managed",
                Bool,
                "True for policies AWS maintains (ARN in the aws account)."
            ),
            col(
                "is_attachable",
                Bool,
                "Whether the policy can be attached to users, groups or roles."
            ),
            col("create_date", Timestamp, "When the policy was created."),
            col(
                "update_date",
                Timestamp,
                "When the policy was last updated (a new default version)."
            ),
            col(
                "attachment_count",
                Int,
                "Number of users, groups and roles the policy is attached to."
            ),
            col(
                "is_attached",
                Bool,
                "True when the policy is attached to at least one principal."
            ),
            col(
                "default_version_id",
                Text,
                "Id of the version in effect, e.g. v1."
            ),
            col(
                "permissions_boundary_usage_count",
                Int,
                "Number of principals using the policy as permissions boundary."
            ),
            hcol(
                "policy",
                Json,
                "Document of the default version.",
                &POLICY_VERSION
            ),
            hcol(
                "policy_std",
                Json,
                "Document of the default version in canonical form.",
                &POLICY_VERSION
            ),
            hcol(
                "versions",
                Json,
                "Every version of a customer-managed policy, default or not ([{VersionId, IsDefaultVersion, CreateDate, Document}]); null for AWS-managed policies, whose default version customers cannot change.",
                &POLICY_VERSIONS
            ),
            hcol(
                "tags_src",
                Json,
                "Tags as returned by IAM ([{Key, Value}]).",
                &GET_POLICY
            ),
            hcol("tags", Json, "Tags as a key/value object.", &GET_POLICY),
        ],
        get_keys: &["arn"],
        id_column: "arn",
    },
    list: |s, req, token| Box::pin(list(s, req, token)),
    get: Some(|s, _, _, key| Box::pin(get(s, key))),
};

/// Whether a policy ARN is in AWS's own namespace (`arn:<partition>:iam::aws:policy/...`).
pub(crate) fn is_aws_managed_arn(arn: &str) -> bool {
    arn.split(':').nth(4) == Some("aws")
}

/// A row from a policy as ListPolicies/GetPolicy return it.
pub(crate) fn policy_row(src: &AwsSource, p: &Policy) -> Row {
    let arn = p.arn().unwrap_or_default();
    let name = p.policy_name().unwrap_or_default();
    let mut r = row([
        ("name", Value::String(name.to_string())),
        ("policy_id", text(p.policy_id())),
        ("path", text(p.path())),
        ("arn", Value::String(arn.to_string())),
        ("is_aws_managed", Value::Bool(is_aws_managed_arn(arn))),
        ("is_attachable", Value::Bool(p.is_attachable())),
        ("create_date", time_opt(p.create_date())),
        ("update_date", time_opt(p.update_date())),
        (
            "attachment_count",
            p.attachment_count().map(Value::from).unwrap_or(Value::Null),
        ),
        (
            "is_attached",
            p.attachment_count()
                .map(|c| Value::Bool(c > 0))
                .unwrap_or(Value::Null),
        ),
        ("default_version_id", text(p.default_version_id())),
        (
            "permissions_boundary_usage_count",
            p.permissions_boundary_usage_count()
                .map(Value::from)
                .unwrap_or(Value::Null),
        ),
    ]);
    iam_common(src, &mut r, name, arn);
    r
}

fn get_policy_columns(p: &Policy) -> Row {
    let mut r = row([("description", text(p.description()))]);
    put_tags(&mut r, p.tags().iter().map(|t| (t.key(), t.value())));
    r
}

/// One page of iam:ListPolicies; `is_aws_managed`, `is_attached` and `path` narrow the call.
pub(crate) async fn list_policies(
    src: &AwsSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<(Vec<Policy>, Option<String>), FetchError> {
    let scope = match qual_bool(req, "is_aws_managed") {
        Some(true) => PolicyScopeType::Aws,
        Some(false) => PolicyScopeType::Local,
        None => PolicyScopeType::All,
    };
    let path = qual_strings(req, "path")
        .filter(|p| p.len() == 1)
        .and_then(|mut p| p.pop());
    let out = src
        .iam
        .list_policies()
        .scope(scope)
        .set_only_attached(qual_bool(req, "is_attached").filter(|b| *b))
        .set_path_prefix(path)
        .set_marker(token)
        .max_items(1000)
        .send()
        .await
        .map_err(|e| api_err("iam:ListPolicies", e))?;
    let next = if out.is_truncated() {
        out.marker().map(str::to_string)
    } else {
        None
    };
    Ok((out.policies().to_vec(), next))
}

/// One page of managed policies.
pub(crate) async fn list(
    src: &AwsSource,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    let (policies, next) = list_policies(src, req, token).await?;
    Ok(Page {
        rows: policies.iter().map(|p| policy_row(src, p)).collect(),
        next,
    })
}

/// iam:GetPolicy by ARN.
pub(crate) async fn get(src: &AwsSource, arn: &str) -> Result<Option<Row>, FetchError> {
    let out = match src.iam.get_policy().policy_arn(arn).send().await {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(api_err("iam:GetPolicy", e)),
    };
    Ok(out.policy().map(|p| {
        let mut r = policy_row(src, p);
        r.extend(get_policy_columns(p));
        r
    }))
}

static GET_POLICY: AwsHydrate = AwsHydrate::new("get_policy", |s, region, row| {
    Box::pin(hydrate_get_policy(s, region, row))
});
static POLICY_VERSION: AwsHydrate = AwsHydrate::new("policy_version", |s, region, row| {
    Box::pin(hydrate_policy_version(s, region, row))
});

static POLICY_VERSIONS: AwsHydrate = AwsHydrate::new("policy_versions", |s, region, row| {
    Box::pin(hydrate_policy_versions(s, region, row))
});

/// Hydrate call `policy_versions`: iam:ListPolicyVersions, then iam:GetPolicyVersion for
/// each (at most five versions exist).
async fn hydrate_policy_versions(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let arn = need(row_in, "arn", "iam:ListPolicyVersions")?;
    if is_aws_managed_arn(arn) {
        return Ok(row([("versions", Value::Null)]));
    }
    let listed = src
        .iam
        .list_policy_versions()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| api_err("iam:ListPolicyVersions", e))?;
    let mut versions = Vec::new();
    for v in listed.versions() {
        let Some(id) = v.version_id() else { continue };
        let out = src
            .iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(id)
            .send()
            .await
            .map_err(|e| api_err("iam:GetPolicyVersion", e))?;
        let doc = out
            .policy_version()
            .and_then(|v| v.document())
            .map(decode_policy)
            .unwrap_or(Value::Null);
        let mut item = serde_json::Map::new();
        item.insert("VersionId".into(), Value::String(id.to_string()));
        item.insert("IsDefaultVersion".into(), Value::Bool(v.is_default_version()));
        item.insert("CreateDate".into(), time_opt(v.create_date()));
        item.insert("Document".into(), doc);
        versions.push(Value::Object(item));
    }
    Ok(row([("versions", Value::Array(versions))]))
}

/// Hydrate call `get_policy`.
async fn hydrate_get_policy(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let arn = need(row_in, "arn", "iam:GetPolicy")?;
    let out = src
        .iam
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| api_err("iam:GetPolicy", e))?;
    Ok(out.policy().map(get_policy_columns).unwrap_or_default())
}

/// Hydrate call `policy_version`.
async fn hydrate_policy_version(
    src: &AwsSource,
    _region: Option<&str>,
    row_in: &Row,
) -> Result<Row, FetchError> {
    let arn = need(row_in, "arn", "iam:GetPolicy")?;
    let version = need(row_in, "default_version_id", "iam:GetPolicyVersion")?;
    let out = src
        .iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .map_err(|e| api_err("iam:GetPolicyVersion", e))?;
    let doc = out
        .policy_version()
        .and_then(|v| v.document())
        .map(decode_policy)
        .unwrap_or(Value::Null);
    let std = if doc.is_null() {
        Value::Null
    } else {
        canonical_policy(&doc)
    };
    Ok(row([("policy", doc), ("policy_std", std)]))
}

#[cfg(test)]
mod tests {
    #[test]
    fn aws_managed_arns() {
        assert!(super::is_aws_managed_arn(
            "arn:aws:iam::aws:policy/ReadOnlyAccess"
        ));
        assert!(!super::is_aws_managed_arn(
            "arn:aws:iam::123456789012:policy/mine"
        ));
    }
}
