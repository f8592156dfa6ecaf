//! Offline import of `aws iam get-account-authorization-details` JSON.
//!
//! The output of the CLI (documents as JSON objects) and of the raw API (documents as
//! URL-encoded strings) are both accepted. The import fills `aws_account`,
//! `aws_iam_user`, `aws_iam_group`, `aws_iam_role`, `aws_iam_policy` and
//! `aws_iam_policy_attachment` with the same column conventions as the live tables.
//! Columns the document cannot know (MFA devices, login profiles, password use) are
//! left null rather than guessed, and the other AWS tables are served empty.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::framework::Row;
use crate::static_source::StaticSource;

/// Why a GAAD file could not be imported. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum GaadError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not JSON of the expected shape (serde names the line and column).
    #[error("{} is not valid get-account-authorization-details JSON: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// The JSON parsed but holds none of the GAAD lists.
    #[error(
        "{} does not look like get-account-authorization-details output: none of UserDetailList, GroupDetailList, RoleDetailList or Policies is present",
        path.display()
    )]
    NotGaad {
        /// The file.
        path: PathBuf,
    },
    /// A policy document (URL-encoded or not) is not a JSON object.
    #[error("{}: {location} is not a policy document: {message}", path.display())]
    Document {
        /// The file.
        path: PathBuf,
        /// Where in the file, e.g. `RoleDetailList[2] (app-server).AssumeRolePolicyDocument`.
        location: String,
        /// What was wrong.
        message: String,
    },
    /// A required field is missing or malformed.
    #[error("{}: {location}: {message}", path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// Where in the file.
        location: String,
        /// What was wrong.
        message: String,
    },
    /// No account id was given and none of the ARNs carries one.
    #[error("{}: no ARN in the file names an account; pass the account id explicitly", path.display())]
    NoAccountId {
        /// The file.
        path: PathBuf,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Gaad {
    user_detail_list: Option<Vec<UserDetail>>,
    group_detail_list: Option<Vec<GroupDetail>>,
    role_detail_list: Option<Vec<RoleDetail>>,
    policies: Option<Vec<ManagedPolicyDetail>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InlinePolicy {
    policy_name: String,
    policy_document: Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttachedPolicy {
    #[allow(dead_code)]
    policy_name: Option<String>,
    policy_arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Boundary {
    permissions_boundary_type: Option<String>,
    permissions_boundary_arn: String,
}

#[derive(Debug, Deserialize, Clone)]
struct Tag {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Value")]
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserDetail {
    path: Option<String>,
    user_name: String,
    user_id: String,
    arn: String,
    create_date: Option<String>,
    #[serde(default)]
    user_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    group_list: Vec<String>,
    #[serde(default)]
    attached_managed_policies: Vec<AttachedPolicy>,
    permissions_boundary: Option<Boundary>,
    #[serde(default)]
    tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupDetail {
    path: Option<String>,
    group_name: String,
    group_id: String,
    arn: String,
    create_date: Option<String>,
    #[serde(default)]
    group_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    attached_managed_policies: Vec<AttachedPolicy>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceProfile {
    arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoleLastUsed {
    last_used_date: Option<String>,
    region: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoleDetail {
    path: Option<String>,
    role_name: String,
    role_id: String,
    arn: String,
    create_date: Option<String>,
    assume_role_policy_document: Option<Value>,
    #[serde(default)]
    instance_profile_list: Vec<InstanceProfile>,
    #[serde(default)]
    role_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    attached_managed_policies: Vec<AttachedPolicy>,
    permissions_boundary: Option<Boundary>,
    #[serde(default)]
    tags: Vec<Tag>,
    role_last_used: Option<RoleLastUsed>,
    // Not part of GAAD's RoleDetail, but kept when a tool merged get-role output in.
    description: Option<String>,
    max_session_duration: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyVersion {
    document: Option<Value>,
    version_id: String,
    #[serde(default)]
    is_default_version: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManagedPolicyDetail {
    policy_name: String,
    policy_id: String,
    arn: String,
    path: Option<String>,
    default_version_id: Option<String>,
    attachment_count: Option<i64>,
    permissions_boundary_usage_count: Option<i64>,
    is_attachable: Option<bool>,
    description: Option<String>,
    create_date: Option<String>,
    update_date: Option<String>,
    #[serde(default)]
    policy_version_list: Vec<PolicyVersion>,
    #[serde(default)]
    tags: Vec<Tag>,
}

/// Parse a policy document given as an object, as JSON text, or URL-encoded JSON text
/// (what the raw API returns; the CLI already decodes it).
fn decode_document(v: &Value) -> Result<Value, String> {
    match v {
        Value::Object(_) => Ok(v.clone()),
        Value::String(s) => match crate::aws::policy::decode_policy(s) {
            doc @ Value::Object(_) => Ok(doc),
            _ => Err("the text does not decode to a JSON object".into()),
        },
        other => Err(format!(
            "expected an object or a string, found {}",
            type_name(other)
        )),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Account id (fifth field) and partition (second field) of an ARN.
fn arn_parts(arn: &str) -> Option<(&str, &str)> {
    let mut it = arn.split(':');
    let (Some("arn"), Some(partition), Some(_service), Some(_region), Some(account)) =
        (it.next(), it.next(), it.next(), it.next(), it.next())
    else {
        return None;
    };
    Some((partition, account))
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn tags_columns(row: &mut Row, tags: &[Tag]) {
    let mut obj = Map::new();
    let mut src = Vec::with_capacity(tags.len());
    for t in tags {
        obj.insert(t.key.clone(), Value::String(t.value.clone()));
        src.push(json!({"Key": t.key, "Value": t.value}));
    }
    row.insert("tags".into(), Value::Object(obj));
    row.insert("tags_src".into(), Value::Array(src));
}

fn policy_std(doc: &Value) -> Value {
    crate::aws::policy::canonical_policy(doc)
}

struct Importer<'a> {
    path: &'a Path,
    account: String,
    partition: String,
    ctx: Value,
}

impl Importer<'_> {
    fn document(&self, v: &Value, location: impl FnOnce() -> String) -> Result<Value, GaadError> {
        decode_document(v).map_err(|message| GaadError::Document {
            path: self.path.to_path_buf(),
            location: location(),
            message,
        })
    }

    /// Normalise a timestamp to RFC 3339 UTC; GAAD prints `+00:00` offsets.
    fn time(&self, v: Option<&str>, location: impl FnOnce() -> String) -> Result<Value, GaadError> {
        let Some(s) = v else { return Ok(Value::Null) };
        chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| {
                Value::String(
                    t.with_timezone(&chrono::Utc)
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                )
            })
            .map_err(|e| GaadError::Field {
                path: self.path.to_path_buf(),
                location: location(),
                message: format!("timestamp {s:?} is not RFC 3339: {e}"),
            })
    }

    fn inline(&self, list: &[InlinePolicy], owner: &str) -> Result<(Value, Value), GaadError> {
        let mut plain = Vec::with_capacity(list.len());
        let mut std = Vec::with_capacity(list.len());
        for p in list {
            let doc = self.document(&p.policy_document, || format!("{owner}.{}", p.policy_name))?;
            std.push(json!({"PolicyDocument": policy_std(&doc), "PolicyName": p.policy_name}));
            plain.push(json!({"PolicyDocument": doc, "PolicyName": p.policy_name}));
        }
        Ok((Value::Array(plain), Value::Array(std)))
    }

    fn common(&self, row: &mut Row, title: &str, arn: &str) {
        row.insert("title".into(), Value::String(title.to_string()));
        row.insert("akas".into(), json!([arn]));
        row.insert("partition".into(), Value::String(self.partition.clone()));
        row.insert("region".into(), Value::String("global".into()));
        row.insert("account_id".into(), Value::String(self.account.clone()));
        row.insert("_ctx".into(), self.ctx.clone());
    }
}

/// Groups, roles and users a managed policy is attached to, as IAM lists them.
type Entities = (Vec<Value>, Vec<Value>, Vec<Value>);

fn into_row(v: Value) -> Row {
    match v {
        Value::Object(m) => m,
        _ => Row::new(),
    }
}

/// Read a `get-account-authorization-details` file and serve it as connection
/// `connection`. `account_id` overrides the account taken from the ARNs.
pub fn load(
    connection: &str,
    path: &Path,
    account_id: Option<&str>,
) -> Result<StaticSource, GaadError> {
    let text = std::fs::read_to_string(path).map_err(|source| GaadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let gaad: Gaad = serde_json::from_str(&text).map_err(|source| GaadError::Parse {
        path: path.to_path_buf(),
        source,
    })?;
    if gaad.user_detail_list.is_none()
        && gaad.group_detail_list.is_none()
        && gaad.role_detail_list.is_none()
        && gaad.policies.is_none()
    {
        return Err(GaadError::NotGaad {
            path: path.to_path_buf(),
        });
    }
    let users = gaad.user_detail_list.unwrap_or_default();
    let groups = gaad.group_detail_list.unwrap_or_default();
    let roles = gaad.role_detail_list.unwrap_or_default();
    let policies = gaad.policies.unwrap_or_default();

    let arns = users
        .iter()
        .map(|u| u.arn.as_str())
        .chain(roles.iter().map(|r| r.arn.as_str()))
        .chain(groups.iter().map(|g| g.arn.as_str()))
        .chain(policies.iter().map(|p| p.arn.as_str()));
    let mut found_account = None;
    let mut partition = None;
    for arn in arns {
        if let Some((p, a)) = arn_parts(arn) {
            partition.get_or_insert_with(|| p.to_string());
            if found_account.is_none() && is_account_id(a) {
                found_account = Some(a.to_string());
            }
        }
    }
    let account = match account_id {
        Some(a) if is_account_id(a) => a.to_string(),
        Some(a) => {
            return Err(GaadError::Field {
                path: path.to_path_buf(),
                location: "account id argument".into(),
                message: format!("{a:?} is not a 12-digit account id"),
            });
        }
        None => found_account.ok_or_else(|| GaadError::NoAccountId {
            path: path.to_path_buf(),
        })?,
    };
    let imp = Importer {
        path,
        account: account.clone(),
        partition: partition.unwrap_or_else(|| "aws".into()),
        ctx: json!({"connection_name": connection, "plugin": "gaad", "source_file": path.display().to_string()}),
    };

    // Attachments as ListEntitiesForPolicy reports them.
    let mut attached: BTreeMap<&str, Entities> = BTreeMap::new();
    for u in &users {
        for p in &u.attached_managed_policies {
            attached
                .entry(&p.policy_arn)
                .or_default()
                .2
                .push(json!({"UserId": u.user_id, "UserName": u.user_name}));
        }
    }
    for g in &groups {
        for p in &g.attached_managed_policies {
            attached
                .entry(&p.policy_arn)
                .or_default()
                .0
                .push(json!({"GroupId": g.group_id, "GroupName": g.group_name}));
        }
    }
    for r in &roles {
        for p in &r.attached_managed_policies {
            attached
                .entry(&p.policy_arn)
                .or_default()
                .1
                .push(json!({"RoleId": r.role_id, "RoleName": r.role_name}));
        }
    }

    let group_by_name: HashMap<&str, &GroupDetail> =
        groups.iter().map(|g| (g.group_name.as_str(), g)).collect();
    let mut members: HashMap<&str, Vec<Value>> = HashMap::new();

    let mut user_rows = Vec::with_capacity(users.len());
    for (i, u) in users.iter().enumerate() {
        let loc = || format!("UserDetailList[{i}] ({})", u.user_name);
        let created = imp.time(u.create_date.as_deref(), || format!("{}.CreateDate", loc()))?;
        let mut group_values = Vec::with_capacity(u.group_list.len());
        for name in &u.group_list {
            match group_by_name.get(name.as_str()) {
                Some(g) => {
                    let gc = imp.time(g.create_date.as_deref(), || {
                        format!("group {}.CreateDate", g.group_name)
                    })?;
                    group_values.push(json!({
                        "Arn": g.arn, "CreateDate": gc, "GroupId": g.group_id,
                        "GroupName": g.group_name, "Path": g.path
                    }));
                }
                // The group list can be filtered out of the export; keep what is known.
                None => group_values.push(json!({"GroupName": name})),
            }
            members.entry(name.as_str()).or_default().push(json!({
                "Arn": u.arn, "CreateDate": created, "Path": u.path, "UserId": u.user_id, "UserName": u.user_name
            }));
        }
        let (inline, inline_std) =
            imp.inline(&u.user_policy_list, &format!("{}.UserPolicyList", loc()))?;
        let mut row = into_row(json!({
            "name": u.user_name,
            "user_id": u.user_id,
            "path": u.path,
            "arn": u.arn,
            "create_date": created,
            "permissions_boundary_arn": u.permissions_boundary.as_ref().map(|b| b.permissions_boundary_arn.clone()),
            "permissions_boundary_type": u.permissions_boundary.as_ref().map(|b| boundary_type(b.permissions_boundary_type.as_deref())),
            "groups": group_values,
            "inline_policies": inline,
            "inline_policies_std": inline_std,
            "attached_policy_arns": u.attached_managed_policies.iter().map(|p| p.policy_arn.clone()).collect::<Vec<_>>(),
        }));
        tags_columns(&mut row, &u.tags);
        imp.common(&mut row, &u.user_name, &u.arn);
        user_rows.push(row);
    }

    let mut group_rows = Vec::with_capacity(groups.len());
    for (i, g) in groups.iter().enumerate() {
        let loc = || format!("GroupDetailList[{i}] ({})", g.group_name);
        let (inline, inline_std) =
            imp.inline(&g.group_policy_list, &format!("{}.GroupPolicyList", loc()))?;
        let mut row = into_row(json!({
            "name": g.group_name,
            "group_id": g.group_id,
            "path": g.path,
            "arn": g.arn,
            "create_date": imp.time(g.create_date.as_deref(), || format!("{}.CreateDate", loc()))?,
            "inline_policies": inline,
            "inline_policies_std": inline_std,
            "attached_policy_arns": g.attached_managed_policies.iter().map(|p| p.policy_arn.clone()).collect::<Vec<_>>(),
            "users": members.remove(g.group_name.as_str()).unwrap_or_default(),
        }));
        imp.common(&mut row, &g.group_name, &g.arn);
        group_rows.push(row);
    }

    let mut role_rows = Vec::with_capacity(roles.len());
    for (i, r) in roles.iter().enumerate() {
        let loc = || format!("RoleDetailList[{i}] ({})", r.role_name);
        let (trust, trust_text) = match &r.assume_role_policy_document {
            Some(v) => {
                let doc = imp.document(v, || format!("{}.AssumeRolePolicyDocument", loc()))?;
                // Steampipe shows the document text as IAM returns it: URL-encoded.
                let text = match v {
                    Value::String(s) if !s.trim_start().starts_with('{') => s.clone(),
                    _ => urlencoding::encode(&doc.to_string()).into_owned(),
                };
                (Some(doc), Some(text))
            }
            None => (None, None),
        };
        let (inline, inline_std) =
            imp.inline(&r.role_policy_list, &format!("{}.RolePolicyList", loc()))?;
        let last_used = r.role_last_used.as_ref();
        let mut row = into_row(json!({
            "name": r.role_name,
            "arn": r.arn,
            "role_id": r.role_id,
            "assume_role_policy_document": trust_text,
            "create_date": imp.time(r.create_date.as_deref(), || format!("{}.CreateDate", loc()))?,
            "description": r.description,
            "instance_profile_arns": r.instance_profile_list.iter().map(|p| p.arn.clone()).collect::<Vec<_>>(),
            "max_session_duration": r.max_session_duration,
            "path": r.path,
            "permissions_boundary_arn": r.permissions_boundary.as_ref().map(|b| b.permissions_boundary_arn.clone()),
            "permissions_boundary_type": r.permissions_boundary.as_ref().map(|b| boundary_type(b.permissions_boundary_type.as_deref())),
            "role_last_used_date": imp.time(last_used.and_then(|l| l.last_used_date.as_deref()), || format!("{}.RoleLastUsed.LastUsedDate", loc()))?,
            "role_last_used_region": last_used.and_then(|l| l.region.clone()),
            "inline_policies": inline,
            "inline_policies_std": inline_std,
            "attached_policy_arns": r.attached_managed_policies.iter().map(|p| p.policy_arn.clone()).collect::<Vec<_>>(),
            "assume_role_policy_std": trust.as_ref().map(policy_std),
            "assume_role_policy": trust,
        }));
        tags_columns(&mut row, &r.tags);
        imp.common(&mut row, &r.role_name, &r.arn);
        role_rows.push(row);
    }

    let mut policy_rows = Vec::with_capacity(policies.len());
    let mut attachment_rows = Vec::with_capacity(policies.len());
    for (i, p) in policies.iter().enumerate() {
        let loc = || format!("Policies[{i}] ({})", p.policy_name);
        let default_version = p
            .policy_version_list
            .iter()
            .find(|v| v.is_default_version || Some(&v.version_id) == p.default_version_id.as_ref());
        let document = match default_version.and_then(|v| v.document.as_ref()) {
            Some(d) => Some(imp.document(d, || {
                format!(
                    "{}.PolicyVersionList[{}].Document",
                    loc(),
                    default_version
                        .map(|v| v.version_id.as_str())
                        .unwrap_or("?")
                )
            })?),
            None => None,
        };
        // Non-default versions are checked too: a malformed one means a malformed file.
        // Kept for customer-managed policies (SetDefaultPolicyVersion can switch to them).
        let mut versions = Vec::with_capacity(p.policy_version_list.len());
        for v in &p.policy_version_list {
            let document = match &v.document {
                Some(d) => Some(imp.document(d, || {
                    format!("{}.PolicyVersionList[{}].Document", loc(), v.version_id)
                })?),
                None => None,
            };
            versions.push(json!({
                "VersionId": v.version_id,
                "IsDefaultVersion": v.is_default_version || Some(&v.version_id) == p.default_version_id.as_ref(),
                "Document": document,
            }));
        }
        let (groups_v, roles_v, users_v) = attached.remove(p.arn.as_str()).unwrap_or_default();
        let count = p
            .attachment_count
            .unwrap_or((groups_v.len() + roles_v.len() + users_v.len()) as i64);
        let aws_managed = arn_parts(&p.arn).map(|(_, a)| a == "aws").unwrap_or(false);
        let mut row = into_row(json!({
            "name": p.policy_name,
            "policy_id": p.policy_id,
            "path": p.path,
            "description": p.description,
            "arn": p.arn,
            "is_aws_managed": aws_managed,
            "is_attachable": p.is_attachable,
            "create_date": imp.time(p.create_date.as_deref(), || format!("{}.CreateDate", loc()))?,
            "update_date": imp.time(p.update_date.as_deref(), || format!("{}.UpdateDate", loc()))?,
            "attachment_count": count,
            "is_attached": count > 0,
            "default_version_id": p.default_version_id.clone().or_else(|| default_version.map(|v| v.version_id.clone())),
            "permissions_boundary_usage_count": p.permissions_boundary_usage_count,
            "policy_std": document.as_ref().map(policy_std),
            "policy": document,
            "versions": if aws_managed { Value::Null } else { Value::Array(versions) },
        }));
        tags_columns(&mut row, &p.tags);
        imp.common(&mut row, &p.policy_name, &p.arn);
        policy_rows.push(row);
        let mut row = into_row(json!({
            "policy_arn": p.arn,
            "is_attached": count > 0,
            "policy_groups": groups_v,
            "policy_roles": roles_v,
            "policy_users": users_v,
        }));
        imp.common(&mut row, &p.policy_name, &p.arn);
        attachment_rows.push(row);
    }

    let account_arn = format!("arn:{}:::{}", imp.partition, account);
    let mut account_row = into_row(json!({"account_aliases": [], "arn": account_arn}));
    imp.common(&mut account_row, &account, &account_arn);

    let mut rows: HashMap<&'static str, Vec<Row>> = HashMap::new();
    rows.insert("aws_account", vec![account_row]);
    rows.insert("aws_iam_user", user_rows);
    rows.insert("aws_iam_group", group_rows);
    rows.insert("aws_iam_role", role_rows);
    rows.insert("aws_iam_policy", policy_rows);
    rows.insert("aws_iam_policy_attachment", attachment_rows);
    // No regional data in the file; the regional tables list nothing.
    Ok(StaticSource::new(
        connection,
        "gaad",
        Vec::new(),
        crate::aws::tables(),
        rows,
    ))
}

/// IAM's only boundary type is `PermissionsBoundaryPolicy`; keep what the file says.
fn boundary_type(t: Option<&str>) -> String {
    t.unwrap_or("PermissionsBoundaryPolicy").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_decode_from_every_form() {
        let obj = json!({"Version": "2012-10-17", "Statement": []});
        assert_eq!(decode_document(&obj), Ok(obj.clone()));
        assert_eq!(
            decode_document(&Value::String(obj.to_string())),
            Ok(obj.clone())
        );
        let encoded = urlencoding::encode(&obj.to_string()).into_owned();
        assert_eq!(decode_document(&Value::String(encoded)), Ok(obj));
        assert!(decode_document(&json!(3)).is_err());
        assert!(decode_document(&json!("%7Bnot-json")).is_err());
        assert!(decode_document(&json!("%5B1%5D")).is_err());
    }

    #[test]
    fn arns_give_account_and_partition() {
        assert_eq!(
            arn_parts("arn:aws:iam::123456789012:user/a"),
            Some(("aws", "123456789012"))
        );
        assert_eq!(
            arn_parts("arn:aws-cn:iam::aws:policy/X"),
            Some(("aws-cn", "aws"))
        );
        assert_eq!(arn_parts("not-an-arn"), None);
    }
}
