//! The types the build phases hand to each other, in one place: the rows read from the
//! tables, the parsed account snapshots and resources, and the constants the phases share.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pathwarden_analyzers::escalation::{AccountSnapshot, ResourceKind};
use pathwarden_analyzers::policy::PolicyDocument;
use pathwarden_analyzers::policy::arn as arn_util;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::rows::Json;
use crate::table_row;

/// Rule id of the escalation engine's AssumeRole rule; its edges become CAN_ASSUME.
pub(crate) const ASSUME_RULE: &str = "sts-assume-role";
/// Technique recorded on cross-account CAN_ASSUME edges (the engine sees one account).
pub(crate) const CROSS_ACCOUNT_RULE: &str = "sts-assume-role-cross-account";
/// Technique of a CAN_ASSUME edge from one account's Admin node into a role of another
/// account that trusts it.
pub(crate) const CROSS_ACCOUNT_ADMIN_RULE: &str = "sts-assume-role-cross-account-admin";
/// `policy` of the evidence entry that states what an edge assumes beyond the input.
pub const ASSUMPTION_POLICY: &str = "pathwarden:assumption";
/// Plugin of offline IAM exports: no resource inventory, no login-profile facts.
pub(crate) const GAAD_PLUGIN: &str = "gaad";
/// Resource kinds the builder reads an inventory of, with the table that holds it.
pub(crate) const INVENTORY_TABLES: &[(ResourceKind, &str)] =
    &[(ResourceKind::Ec2Instance, "aws_ec2_instance")];

/// An inline policy cell item: `{PolicyName, PolicyDocument}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct InlinePolicy {
    #[serde(rename = "PolicyName", default)]
    pub name: String,
    #[serde(rename = "PolicyDocument", default)]
    pub document: Value,
}

/// One item of `aws_iam_policy.versions`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct PolicyVersion {
    #[serde(rename = "VersionId", default)]
    pub id: String,
    #[serde(rename = "IsDefaultVersion", default)]
    pub is_default: bool,
    #[serde(rename = "Document", default)]
    pub document: Value,
}

/// Where an account's rows come from (`_ctx`).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RowSource {
    #[serde(default)]
    pub connection_name: Option<String>,
    #[serde(default)]
    pub plugin: Option<String>,
}

table_row! {
    /// A row of `aws_account`.
    pub(crate) struct AccountRow {
        account_id: Option<String>,
        arn: Option<String>,
        account_aliases: Value,
        _ctx: Json<RowSource>,
    }
}

table_row! {
    /// A row of `pathwarden.pathwarden_error` (the daemon's log of failed table reads).
    pub(crate) struct ErrorRow {
        connection: Option<String>,
        table_name: Option<String>,
    }
}

table_row! {
    /// A row of `aws_iam_user`.
    pub(crate) struct UserRow {
        arn: Option<String>,
        name: String,
        account_id: Option<String>,
        path: Option<String>,
        permissions_boundary_arn: Option<String>,
        login_profile: Value,
        groups: Value,
        inline_policies: Json<Vec<InlinePolicy>>,
        attached_policy_arns: Value,
        tags: Value,
    }
}

table_row! {
    /// A row of `aws_iam_group`.
    pub(crate) struct GroupRow {
        arn: Option<String>,
        name: String,
        account_id: Option<String>,
        path: Option<String>,
        inline_policies: Json<Vec<InlinePolicy>>,
        attached_policy_arns: Value,
    }
}

table_row! {
    /// A row of `aws_iam_role`.
    pub(crate) struct RoleRow {
        arn: Option<String>,
        name: String,
        account_id: Option<String>,
        path: Option<String>,
        permissions_boundary_arn: Option<String>,
        assume_role_policy: Value,
        instance_profile_arns: Value,
        inline_policies: Json<Vec<InlinePolicy>>,
        attached_policy_arns: Value,
        tags: Value,
    }
}

table_row! {
    /// A row of `aws_iam_policy` (`policy` is the default version; `versions` every
    /// version of a customer-managed policy).
    pub(crate) struct PolicyRow {
        arn: Option<String>,
        name: String,
        account_id: Option<String>,
        is_aws_managed: bool,
        policy: Value,
        versions: Json<Vec<PolicyVersion>>,
    }
}

table_row! {
    /// A row of `aws_s3_bucket`.
    pub(crate) struct BucketRow {
        arn: Option<String>,
        name: String,
        account_id: String,
        region: String,
        policy: Value,
        bucket_policy_is_public: bool,
        block_public_policy: bool,
        ignore_public_acls: bool,
        restrict_public_buckets: bool,
        acl: Value,
    }
}

table_row! {
    /// A row of `aws_ec2_instance`.
    pub(crate) struct InstanceRow {
        arn: Option<String>,
        instance_id: String,
        account_id: Option<String>,
        region: String,
        instance_state: String,
        public_ip_address: Option<String>,
        iam_instance_profile_arn: Option<String>,
        security_groups: Value,
    }
}

table_row! {
    /// A row of `aws_vpc_security_group_rule`.
    pub(crate) struct SgRuleRow {
        group_id: Option<String>,
        is_egress: bool,
        ip_protocol: Option<String>,
        from_port: Option<String>,
        to_port: Option<String>,
        cidr_ipv4: Option<String>,
        cidr_ipv6: Option<String>,
    }
}

table_row! {
    /// A row of `aws_organizations_account` (where the account sits in the organization).
    pub(crate) struct OrgAccountRow {
        id: Option<String>,
        parent_id: Option<String>,
    }
}

table_row! {
    /// A row of `aws_organizations_organizational_unit`.
    pub(crate) struct OrgUnitRow {
        id: Option<String>,
        parent_id: Option<String>,
    }
}

table_row! {
    /// A row of `aws_organizations_root` (its ARN names the management account).
    pub(crate) struct OrgRootRow {
        id: Option<String>,
        arn: Option<String>,
    }
}

table_row! {
    /// A service control policy attached to a root, unit or account
    /// (`aws_organizations_policy_target` rows of type `SERVICE_CONTROL_POLICY`).
    pub(crate) struct ScpTargetRow {
        id: Option<String>,
        name: Option<String>,
        target_id: Option<String>,
        content: Value,
    }
}

/// The organization's structure and SCPs, when the schema serves the Organizations tables
/// and they read without error.
#[derive(Debug, Default)]
pub(crate) struct OrgTables {
    pub(crate) accounts: Vec<OrgAccountRow>,
    pub(crate) units: Vec<OrgUnitRow>,
    pub(crate) roots: Vec<OrgRootRow>,
    pub(crate) scps: Vec<ScpTargetRow>,
}

/// The rows of the tables the builder reads (phase 1's output).
#[derive(Debug, Default)]
pub struct Tables {
    pub(crate) accounts: Vec<AccountRow>,
    pub(crate) users: Vec<UserRow>,
    pub(crate) groups: Vec<GroupRow>,
    pub(crate) roles: Vec<RoleRow>,
    pub(crate) policies: Vec<PolicyRow>,
    pub(crate) buckets: Vec<BucketRow>,
    pub(crate) instances: Vec<InstanceRow>,
    pub(crate) sg_rules: Vec<SgRuleRow>,
    /// Inventory tables (see `INVENTORY_TABLES`) the schema served and that read without
    /// error.
    pub(crate) inventory_tables: BTreeSet<&'static str>,
    /// `(connection, table)` of every recorded failed table read.
    pub(crate) failed_reads: Vec<(String, String)>,
    /// Organizations structure and SCPs; `None` when not served or unreadable (then no
    /// SCP is applied: the graph may show paths an SCP blocks, never hide one).
    pub(crate) org: Option<OrgTables>,
}

/// A bucket, parsed.
pub(crate) struct Bucket {
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) account_id: String,
    pub(crate) region: String,
    pub(crate) policy: Option<PolicyDocument>,
    pub(crate) public_via: Vec<String>,
}

/// An instance, parsed.
pub(crate) struct Instance {
    pub(crate) arn: String,
    pub(crate) instance_id: String,
    pub(crate) account_id: String,
    pub(crate) region: String,
    pub(crate) state: String,
    pub(crate) public_ip: Option<String>,
    pub(crate) profile_arn: Option<String>,
    pub(crate) security_groups: Vec<String>,
}

/// A managed policy's node facts: name, owning account (empty for AWS-managed), AWS-managed.
#[derive(Debug, Clone)]
pub(crate) struct PolicyName {
    pub(crate) name: String,
    pub(crate) account: String,
    pub(crate) aws_managed: bool,
}

/// An account's node facts.
#[derive(Debug, Clone)]
pub(crate) struct AccountFacts {
    pub(crate) arn: String,
    pub(crate) alias: String,
}

/// Everything parsed, per account (phase 2's output).
pub(crate) struct Parsed {
    pub(crate) snapshots: Vec<AccountSnapshot>,
    pub(crate) accounts: HashMap<String, AccountFacts>,
    pub(crate) buckets: Vec<Bucket>,
    pub(crate) instances: Vec<Instance>,
    /// Open ingress rules per security group id.
    pub(crate) open_rules: HashMap<String, Vec<String>>,
    /// Policy documents by id (managed ARN, `<owner>#<inline name>`, role ARN for trust).
    pub(crate) documents: Vec<(String, Value)>,
    /// Users' and roles' node properties by ARN.
    pub(crate) principal_props: HashMap<String, Map<String, Value>>,
    pub(crate) group_props: HashMap<String, Map<String, Value>>,
    pub(crate) policy_names: HashMap<String, PolicyName>,
}

/// The account id of an ARN (empty when it has none).
pub(crate) fn account_of(arn: &str) -> String {
    arn_util::account_of(arn).unwrap_or_default().to_string()
}

/// Key of the "admin of account X" node.
pub(crate) fn admin_key(account: &str) -> String {
    format!("admin:{account}")
}

/// A JSON cell holding a list of strings (or one string).
pub(crate) fn string_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// A tags cell (`{key: value}`) as a map; non-string values read as empty.
pub(crate) fn tags(v: &Value) -> BTreeMap<String, String> {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect(),
        _ => BTreeMap::new(),
    }
}
