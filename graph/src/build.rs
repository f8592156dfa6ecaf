//! Builds the privilege graph from the tables of one schema of a DataFusion context.
//!
//! The tables are read through SQL (so every fact in the graph can be checked in SQL), then
//! the CPU-heavy part — policy evaluation for every principal — runs on the blocking pool
//! and rayon, never on the async runtime's threads.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use pathwarden_analyzers::escalation::{
    AccountSnapshot, ComputeResource, EdgeEvidence, GroupInfo, ManagedPolicyInfo, PrincipalInfo,
    ResourceKind, RoleInfo, SharedEscalation, SnapshotIndex, Target, builtin_policies,
};
use pathwarden_analyzers::policy::arn as arn_util;
use pathwarden_analyzers::policy::document::Negatable;
use pathwarden_analyzers::policy::{
    Decision, Effect, Evaluation, NamedPolicy, PolicyDocument, PolicyLayer, PolicySet, Principal,
    PrincipalEntry, PrincipalKind, RequestContext, evaluate,
};
use rayon::prelude::*;
use serde_json::{Map, Value, json};

use crate::GraphError;
use crate::access::{self, BUCKET_CLASSES, BucketIndex, PrincipalAccess};
use crate::model::{Edge, Evidence, Graph, GraphBuilder, NodeId, no_props};
use crate::schema::{EdgeKind, NodeKind};

/// Rule id of the escalation engine's AssumeRole rule; its edges become CAN_ASSUME.
const ASSUME_RULE: &str = "sts-assume-role";
/// Technique recorded on cross-account CAN_ASSUME edges (the engine sees one account).
const CROSS_ACCOUNT_RULE: &str = "sts-assume-role-cross-account";
/// `policy` of the evidence entry that states what an edge assumes beyond the input.
pub const ASSUMPTION_POLICY: &str = "pathwarden:assumption";
/// Plugin of offline IAM exports: no resource inventory, no login-profile facts.
const GAAD_PLUGIN: &str = "gaad";
/// Resource kinds the builder reads an inventory of, with the table that holds it.
const INVENTORY_TABLES: &[(ResourceKind, &str)] =
    &[(ResourceKind::Ec2Instance, "aws_ec2_instance")];

/// Builds the graph from `schema`'s tables (`aws_iam_user`, `aws_iam_role`, ...).
///
/// Resource tables (`aws_s3_bucket`, `aws_ec2_instance`, `aws_vpc_security_group_rule`,
/// `aws_account`) are optional: a connection without them (an offline IAM export) gives a
/// graph without resources. The IAM tables are required.
pub async fn build(ctx: &SessionContext, schema: &str) -> Result<Graph, GraphError> {
    let started = Instant::now();
    let tables = read_tables(ctx, schema).await?;
    let read_elapsed = started.elapsed();
    let graph = tokio::task::spawn_blocking(move || assemble(tables))
        .await
        .map_err(|e| GraphError::Task(e.to_string()))??;
    tracing::info!(
        schema,
        nodes = graph.nodes().len(),
        edges = graph.edges().len(),
        read_ms = read_elapsed.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "privilege graph built"
    );
    Ok(graph)
}

/// Raw rows of the tables the builder reads, as text cells.
#[derive(Debug, Default)]
pub struct Tables {
    pub(crate) accounts: Vec<Vec<Option<String>>>,
    pub(crate) users: Vec<Vec<Option<String>>>,
    pub(crate) groups: Vec<Vec<Option<String>>>,
    pub(crate) roles: Vec<Vec<Option<String>>>,
    pub(crate) policies: Vec<Vec<Option<String>>>,
    pub(crate) buckets: Vec<Vec<Option<String>>>,
    pub(crate) instances: Vec<Vec<Option<String>>>,
    pub(crate) sg_rules: Vec<Vec<Option<String>>>,
    /// Inventory tables (see `INVENTORY_TABLES`) the schema served and that read without
    /// error.
    pub(crate) inventory_tables: BTreeSet<&'static str>,
    /// `(connection, table)` of every recorded failed table read.
    pub(crate) failed_reads: Vec<(String, String)>,
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Reads an optional table: `None` when the schema does not serve it or reading it
/// failed (e.g. access denied), which the builder treats as "no inventory", never as "no
/// rows".
async fn read_optional(
    ctx: &SessionContext,
    schema: &str,
    table: &str,
    columns: &[&str],
) -> Result<Option<Vec<Vec<Option<String>>>>, GraphError> {
    let exists = ctx
        .table_exist(format!("{schema}.{table}").as_str())
        .unwrap_or(false);
    if !exists {
        tracing::info!(
            schema,
            table,
            "table not served by this connection; graph built without it"
        );
        return Ok(None);
    }
    match read(ctx, schema, table, columns, false).await {
        Ok(rows) => Ok(Some(rows)),
        Err(e) => {
            tracing::warn!(schema, table, error = %e, "optional table unreadable; its inventory is treated as absent");
            Ok(None)
        }
    }
}

async fn read(
    ctx: &SessionContext,
    schema: &str,
    table: &str,
    columns: &[&str],
    required: bool,
) -> Result<Vec<Vec<Option<String>>>, GraphError> {
    let qualified = format!("{}.{}", quote_ident(schema), quote_ident(table));
    let exists = ctx
        .table_exist(format!("{schema}.{table}").as_str())
        .unwrap_or(false);
    if !exists {
        if required {
            return Err(GraphError::MissingTable {
                schema: schema.to_string(),
                table: table.to_string(),
            });
        }
        tracing::info!(
            schema,
            table,
            "table not served by this connection; graph built without it"
        );
        return Ok(Vec::new());
    }
    let cols: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    let sql = format!("select {} from {qualified}", cols.join(", "));
    // Through the SQL front end a user's query takes, so a fact in the graph can be
    // checked in SQL.
    let df = pathwarden_sqlext::frontend::sql(ctx, &sql)
        .await
        .map_err(|e| GraphError::Query {
            table: table.to_string(),
            source: e.into(),
        })?;
    let batches = df.collect().await.map_err(|e| GraphError::Query {
        table: table.to_string(),
        source: e,
    })?;
    let mut rows = Vec::new();
    for batch in batches {
        let mut text_cols = Vec::with_capacity(batch.num_columns());
        for c in batch.columns() {
            let cast = arrow::compute::cast(c, &DataType::Utf8).map_err(|e| GraphError::Query {
                table: table.to_string(),
                source: e.into(),
            })?;
            text_cols.push(cast);
        }
        for r in 0..batch.num_rows() {
            rows.push(
                text_cols
                    .iter()
                    .map(|c| {
                        let s = c.as_string::<i32>();
                        if s.is_null(r) {
                            None
                        } else {
                            Some(s.value(r).to_string())
                        }
                    })
                    .collect(),
            );
        }
    }
    Ok(rows)
}

const ACCOUNT_COLS: &[&str] = &["account_id", "arn", "account_aliases", "_ctx"];
/// `pathwarden.pathwarden_error` (the daemon's log of denied or failed table reads).
const ERROR_COLS: &[&str] = &["connection", "table_name"];
const USER_COLS: &[&str] = &[
    "arn",
    "name",
    "account_id",
    "path",
    "permissions_boundary_arn",
    "login_profile",
    "groups",
    "inline_policies",
    "attached_policy_arns",
    "tags",
];
const GROUP_COLS: &[&str] = &[
    "arn",
    "name",
    "account_id",
    "path",
    "inline_policies",
    "attached_policy_arns",
];
const ROLE_COLS: &[&str] = &[
    "arn",
    "name",
    "account_id",
    "path",
    "permissions_boundary_arn",
    "assume_role_policy",
    "instance_profile_arns",
    "inline_policies",
    "attached_policy_arns",
    "tags",
];
const POLICY_COLS: &[&str] = &["arn", "name", "account_id", "is_aws_managed", "policy"];
const BUCKET_COLS: &[&str] = &[
    "arn",
    "name",
    "account_id",
    "region",
    "policy",
    "bucket_policy_is_public",
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
    "acl",
];
const INSTANCE_COLS: &[&str] = &[
    "arn",
    "instance_id",
    "account_id",
    "region",
    "instance_state",
    "public_ip_address",
    "iam_instance_profile_arn",
    "security_groups",
];
const SG_RULE_COLS: &[&str] = &[
    "group_id",
    "is_egress",
    "ip_protocol",
    "from_port",
    "to_port",
    "cidr_ipv4",
    "cidr_ipv6",
    "account_id",
];

pub(crate) async fn read_tables(ctx: &SessionContext, schema: &str) -> Result<Tables, GraphError> {
    // Tables are read concurrently, each on its own task: converting rows to Arrow and
    // back to text is CPU work that then spreads over the cores. Live connections still
    // bound API concurrency per service in the connection runtime. Errors are reported in
    // the fixed order below, as if read one after another.
    let spawn = |table: &'static str, columns: &'static [&'static str], required: bool| {
        let ctx = ctx.clone();
        let schema = schema.to_string();
        tokio::spawn(async move { read(&ctx, &schema, table, columns, required).await })
    };
    let instances = {
        let ctx = ctx.clone();
        let schema = schema.to_string();
        tokio::spawn(async move {
            read_optional(&ctx, &schema, "aws_ec2_instance", INSTANCE_COLS).await
        })
    };
    let handles = [
        spawn("aws_account", ACCOUNT_COLS, false),
        spawn("aws_iam_user", USER_COLS, true),
        spawn("aws_iam_group", GROUP_COLS, true),
        spawn("aws_iam_role", ROLE_COLS, true),
        spawn("aws_iam_policy", POLICY_COLS, true),
        spawn("aws_s3_bucket", BUCKET_COLS, false),
        spawn("aws_vpc_security_group_rule", SG_RULE_COLS, false),
    ];
    let mut read_tables = Vec::with_capacity(handles.len());
    for h in handles {
        read_tables.push(h.await.map_err(|e| GraphError::Task(e.to_string())));
    }
    let mut rows = Vec::with_capacity(read_tables.len());
    for r in read_tables {
        rows.push(r??);
    }
    let instances = instances
        .await
        .map_err(|e| GraphError::Task(e.to_string()))??;
    let mut inventory_tables = BTreeSet::new();
    if instances.is_some() {
        inventory_tables.insert("aws_ec2_instance");
    }
    // The daemon's catalogue logs denied reads there; a context without it (tests, the
    // library on its own) has none to report.
    let failed_reads =
        match read_optional(ctx, "pathwarden", "pathwarden_error", ERROR_COLS).await? {
            Some(rows) => rows
                .iter()
                .filter_map(|r| Some((cell(r, 0)?.to_string(), cell(r, 1)?.to_string())))
                .collect(),
            None => Vec::new(),
        };
    let mut rows = rows.into_iter();
    let mut next = || rows.next().unwrap_or_default();
    Ok(Tables {
        accounts: next(),
        users: next(),
        groups: next(),
        roles: next(),
        policies: next(),
        buckets: next(),
        sg_rules: next(),
        instances: instances.unwrap_or_default(),
        inventory_tables,
        failed_reads,
    })
}

fn cell(row: &[Option<String>], i: usize) -> Option<&str> {
    row.get(i)
        .and_then(|c| c.as_deref())
        .filter(|s| !s.is_empty())
}

fn json_cell(row: &[Option<String>], i: usize) -> Value {
    cell(row, i)
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

fn bool_cell(row: &[Option<String>], i: usize) -> bool {
    cell(row, i) == Some("true")
}

fn string_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// A policy document cell: an object, or JSON text (some exports double-encode it).
fn document_value(v: &Value) -> Option<Value> {
    match v {
        Value::Object(_) => Some(v.clone()),
        Value::String(s) => serde_json::from_str::<Value>(s)
            .ok()
            .filter(Value::is_object),
        _ => None,
    }
}

fn parse_document(owner: &str, what: &str, v: &Value) -> Option<PolicyDocument> {
    let doc = document_value(v)?;
    match PolicyDocument::from_value(&doc) {
        Ok(d) => Some(d),
        Err(e) => {
            // A document we cannot read must not silently grant or deny: it is left out and
            // logged, so the graph under-reports rather than invents paths.
            tracing::warn!(owner, policy = what, error = %e, "unparseable policy document skipped");
            None
        }
    }
}

/// Inline policies column: `[{PolicyName, PolicyDocument}]`.
fn inline_policies(
    owner: &str,
    v: &Value,
    docs: &mut Vec<(String, Value)>,
) -> Vec<(String, PolicyDocument)> {
    let mut out = Vec::new();
    if let Value::Array(items) = v {
        for item in items {
            let name = item
                .get("PolicyName")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let Some(raw) = item.get("PolicyDocument") else {
                continue;
            };
            if let Some(doc) = parse_document(owner, &name, raw) {
                if let Some(value) = document_value(raw) {
                    docs.push((format!("{owner}#{name}"), value));
                }
                out.push((name, doc));
            }
        }
    }
    out
}

fn tags(v: &Value) -> BTreeMap<String, String> {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect(),
        _ => BTreeMap::new(),
    }
}

fn account_of(arn: &str) -> String {
    arn_util::account_of(arn).unwrap_or_default().to_string()
}

fn admin_key(account: &str) -> String {
    format!("admin:{account}")
}

pub(crate) struct Bucket {
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) account_id: String,
    pub(crate) region: String,
    pub(crate) policy: Option<PolicyDocument>,
    pub(crate) public_via: Vec<String>,
}

struct Instance {
    arn: String,
    instance_id: String,
    account_id: String,
    region: String,
    state: String,
    public_ip: Option<String>,
    profile_arn: Option<String>,
    security_groups: Vec<String>,
}

/// Everything parsed, per account.
struct Parsed {
    snapshots: Vec<AccountSnapshot>,
    account_arns: HashMap<String, (String, String)>,
    buckets: Vec<Bucket>,
    instances: Vec<Instance>,
    /// Open ingress rules per security group id.
    open_rules: HashMap<String, Vec<String>>,
    documents: Vec<(String, Value)>,
    /// Users' and roles' node properties by ARN.
    principal_props: HashMap<String, Map<String, Value>>,
    group_props: HashMap<String, Map<String, Value>>,
    policy_names: HashMap<String, (String, String, bool)>,
}

fn parse(t: Tables) -> Parsed {
    let mut documents: Vec<(String, Value)> = Vec::new();
    let mut by_account: BTreeMap<String, AccountSnapshot> = BTreeMap::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut principal_props = HashMap::new();
    let mut group_props = HashMap::new();
    let mut policy_names = HashMap::new();
    let mut account_arns = HashMap::new();
    let snap = |m: &mut BTreeMap<String, AccountSnapshot>, acct: &str| {
        if !m.contains_key(acct) {
            m.insert(
                acct.to_string(),
                AccountSnapshot {
                    account_id: acct.to_string(),
                    ..Default::default()
                },
            );
        }
    };

    // Connection and plugin of each account, from the rows' `_ctx`.
    let mut account_source: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
    for r in &t.accounts {
        let Some(acct) = cell(r, 0) else { continue };
        let ctx = json_cell(r, 3);
        account_source.insert(
            acct.to_string(),
            (
                ctx.get("connection_name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                ctx.get("plugin")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            ),
        );
        let arn = cell(r, 1)
            .map(str::to_string)
            .unwrap_or_else(|| format!("account:{acct}"));
        let alias = string_list(&json_cell(r, 2))
            .into_iter()
            .next()
            .unwrap_or_else(|| acct.to_string());
        account_arns.insert(acct.to_string(), (arn, alias));
        snap(&mut by_account, acct);
    }

    // Managed policies: customer ones belong to their account; AWS-managed ones to all.
    let mut aws_managed: HashMap<String, ManagedPolicyInfo> = HashMap::new();
    let mut customer: Vec<(String, ManagedPolicyInfo)> = Vec::new();
    for r in &t.policies {
        let Some(arn) = cell(r, 0) else { continue };
        let name = cell(r, 1).unwrap_or_default();
        let is_aws = bool_cell(r, 3) || arn.contains(":iam::aws:policy/");
        let acct = cell(r, 2)
            .map(str::to_string)
            .unwrap_or_else(|| account_of(arn));
        policy_names.insert(
            arn.to_string(),
            (
                name.to_string(),
                if is_aws { String::new() } else { acct.clone() },
                is_aws,
            ),
        );
        let raw = json_cell(r, 4);
        let Some(doc) = parse_document(arn, "default version", &raw) else {
            continue;
        };
        if let Some(v) = document_value(&raw) {
            documents.push((arn.to_string(), v));
        }
        let info = ManagedPolicyInfo::new(arn, doc);
        if is_aws {
            aws_managed.entry(arn.to_string()).or_insert(info);
        } else if seen.insert(format!("policy|{acct}|{arn}")) {
            customer.push((acct, info));
        }
    }
    for (acct, info) in customer {
        snap(&mut by_account, &acct);
        if let Some(s) = by_account.get_mut(&acct) {
            s.policies.insert(info.arn.clone(), info);
        }
    }

    for r in &t.groups {
        let Some(arn) = cell(r, 0) else { continue };
        if !seen.insert(arn.to_string()) {
            continue;
        }
        let acct = cell(r, 2)
            .map(str::to_string)
            .unwrap_or_else(|| account_of(arn));
        let inline = inline_policies(arn, &json_cell(r, 4), &mut documents);
        let mut props = Map::new();
        props.insert("path".into(), json!(cell(r, 3).unwrap_or("/")));
        props.insert(
            "inline_policies".into(),
            json!(inline.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>()),
        );
        group_props.insert(arn.to_string(), props);
        snap(&mut by_account, &acct);
        if let Some(s) = by_account.get_mut(&acct) {
            s.groups.push(GroupInfo {
                arn: arn.to_string(),
                name: cell(r, 1).unwrap_or_default().to_string(),
                inline_policies: inline,
                attached_policy_arns: string_list(&json_cell(r, 5)),
            });
        }
    }

    for r in &t.users {
        let Some(arn) = cell(r, 0) else { continue };
        if !seen.insert(arn.to_string()) {
            continue;
        }
        let acct = cell(r, 2)
            .map(str::to_string)
            .unwrap_or_else(|| account_of(arn));
        let mut p = PrincipalInfo::user(arn);
        p.name = cell(r, 1).unwrap_or_default().to_string();
        p.permissions_boundary_arn = cell(r, 4).map(str::to_string);
        let login = json_cell(r, 5);
        // An offline export cannot tell whether a user has a console password.
        let offline = account_source
            .get(&acct)
            .is_some_and(|(_, plugin)| plugin.as_deref() == Some(GAAD_PLUGIN));
        p.has_login_profile = if offline {
            None
        } else {
            Some(!login.is_null())
        };
        p.group_arns = match json_cell(r, 6) {
            Value::Array(items) => items
                .iter()
                .filter_map(|g| {
                    g.get("Arn")
                        .and_then(Value::as_str)
                        .or(g.as_str())
                        .map(str::to_string)
                })
                .collect(),
            _ => Vec::new(),
        };
        p.inline_policies = inline_policies(arn, &json_cell(r, 7), &mut documents);
        p.attached_policy_arns = string_list(&json_cell(r, 8));
        p.tags = tags(&json_cell(r, 9));
        let mut props = Map::new();
        props.insert("path".into(), json!(cell(r, 3).unwrap_or("/")));
        props.insert(
            "permissions_boundary_arn".into(),
            json!(p.permissions_boundary_arn),
        );
        props.insert("has_console_password".into(), json!(p.has_login_profile));
        props.insert(
            "inline_policies".into(),
            json!(
                p.inline_policies
                    .iter()
                    .map(|(n, _)| n.clone())
                    .collect::<Vec<_>>()
            ),
        );
        principal_props.insert(arn.to_string(), props);
        snap(&mut by_account, &acct);
        if let Some(s) = by_account.get_mut(&acct) {
            s.users.push(p);
        }
    }

    for r in &t.roles {
        let Some(arn) = cell(r, 0) else { continue };
        if !seen.insert(arn.to_string()) {
            continue;
        }
        let acct = cell(r, 2)
            .map(str::to_string)
            .unwrap_or_else(|| account_of(arn));
        let trust_raw = json_cell(r, 5);
        let trust =
            parse_document(arn, "trust policy", &trust_raw).unwrap_or_else(PolicyDocument::empty);
        if let Some(v) = document_value(&trust_raw) {
            documents.push((arn.to_string(), v));
        }
        let mut role = RoleInfo::new(arn, trust);
        if let Some(path) = cell(r, 3) {
            role.path = path.to_string();
        }
        role.principal.name = cell(r, 1).unwrap_or_default().to_string();
        role.principal.permissions_boundary_arn = cell(r, 4).map(str::to_string);
        role.instance_profile_arns = string_list(&json_cell(r, 6));
        role.principal.inline_policies = inline_policies(arn, &json_cell(r, 7), &mut documents);
        role.principal.attached_policy_arns = string_list(&json_cell(r, 8));
        role.principal.tags = tags(&json_cell(r, 9));
        let services: BTreeSet<String> = role
            .trust_policy
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
            .filter_map(|s| match &s.principal {
                Some(Negatable::Is(list)) => Some(list),
                _ => None,
            })
            .flatten()
            .filter_map(|e| match e {
                PrincipalEntry::Service(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        let mut props = Map::new();
        props.insert("path".into(), json!(role.path));
        props.insert(
            "permissions_boundary_arn".into(),
            json!(role.principal.permissions_boundary_arn),
        );
        props.insert("trusted_services".into(), json!(services));
        props.insert(
            "inline_policies".into(),
            json!(
                role.principal
                    .inline_policies
                    .iter()
                    .map(|(n, _)| n.clone())
                    .collect::<Vec<_>>()
            ),
        );
        principal_props.insert(arn.to_string(), props);
        snap(&mut by_account, &acct);
        if let Some(s) = by_account.get_mut(&acct) {
            s.roles.push(role);
        }
    }

    // Every snapshot sees the AWS-managed policies it references.
    for s in by_account.values_mut() {
        let referenced: BTreeSet<String> = referenced_policy_arns(s).cloned().collect();
        for arn in referenced {
            if let Some(info) = aws_managed.get(&arn) {
                s.policies.entry(arn).or_insert_with(|| info.clone());
            }
        }
    }

    let mut buckets = Vec::new();
    for r in &t.buckets {
        let Some(arn) = cell(r, 0) else { continue };
        if !seen.insert(arn.to_string()) {
            continue;
        }
        let policy_raw = json_cell(r, 4);
        let policy = parse_document(arn, "bucket policy", &policy_raw);
        if let Some(v) = document_value(&policy_raw) {
            documents.push((arn.to_string(), v));
        }
        let mut public_via = Vec::new();
        // Block Public Access overrides what the policy or ACL say.
        if bool_cell(r, 5) && !bool_cell(r, 7) && !bool_cell(r, 9) {
            public_via.push("bucket policy grants public access".to_string());
        }
        if !bool_cell(r, 8) {
            if let Some(Value::Array(grants)) = json_cell(r, 10).get("Grants") {
                for g in grants {
                    let uri = g
                        .pointer("/Grantee/URI")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    if uri.ends_with("/global/AllUsers")
                        || uri.ends_with("/global/AuthenticatedUsers")
                    {
                        let who = uri.rsplit('/').next().unwrap_or_default();
                        let perm = g
                            .get("Permission")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        public_via.push(format!("ACL grants {perm} to {who}"));
                    }
                }
            }
        }
        buckets.push(Bucket {
            arn: arn.to_string(),
            name: cell(r, 1).unwrap_or_default().to_string(),
            account_id: cell(r, 2).unwrap_or_default().to_string(),
            region: cell(r, 3).unwrap_or_default().to_string(),
            policy,
            public_via,
        });
    }

    let mut open_rules: HashMap<String, Vec<String>> = HashMap::new();
    for r in &t.sg_rules {
        let Some(group) = cell(r, 0) else { continue };
        if bool_cell(r, 1) {
            continue;
        }
        let open = [cell(r, 5), cell(r, 6)]
            .into_iter()
            .flatten()
            .find(|c| *c == "0.0.0.0/0" || *c == "::/0");
        let Some(cidr) = open else { continue };
        let proto = match cell(r, 2) {
            Some("-1") | None => "all".to_string(),
            Some(p) => p.to_string(),
        };
        let ports = match (cell(r, 3), cell(r, 4)) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) if a != "-1" => format!("{a}-{b}"),
            _ => "all".to_string(),
        };
        open_rules
            .entry(group.to_string())
            .or_default()
            .push(format!("{group} {proto} {ports} from {cidr}"));
    }

    let mut instances = Vec::new();
    for r in &t.instances {
        let Some(arn) = cell(r, 0) else { continue };
        if !seen.insert(arn.to_string()) {
            continue;
        }
        let security_groups = match json_cell(r, 7) {
            Value::Array(items) => items
                .iter()
                .filter_map(|g| g.get("GroupId").and_then(Value::as_str).map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        instances.push(Instance {
            arn: arn.to_string(),
            instance_id: cell(r, 1).unwrap_or_default().to_string(),
            account_id: cell(r, 2)
                .map(str::to_string)
                .unwrap_or_else(|| account_of(arn)),
            region: cell(r, 3).unwrap_or_default().to_string(),
            state: cell(r, 4).unwrap_or_default().to_string(),
            public_ip: cell(r, 5).map(str::to_string),
            profile_arn: cell(r, 6).map(str::to_string),
            security_groups,
        });
    }

    // Instances run code with the role of their instance profile: the escalation engine's
    // hijack rules (SSM, Instance Connect, user data) need them.
    let mut role_by_profile: HashMap<String, String> = HashMap::new();
    for s in by_account.values() {
        for r in &s.roles {
            for p in &r.instance_profile_arns {
                role_by_profile.insert(p.clone(), r.arn().to_string());
            }
        }
    }
    for i in &instances {
        if i.state == "terminated" {
            continue;
        }
        let Some(role) = i.profile_arn.as_ref().and_then(|p| role_by_profile.get(p)) else {
            continue;
        };
        if let Some(s) = by_account.get_mut(&i.account_id) {
            s.resources.push(ComputeResource {
                arn: i.arn.clone(),
                kind: ResourceKind::Ec2Instance,
                role_arn: role.clone(),
            });
        }
    }

    // Which inventories are complete per account: the table was read, the account does
    // not come from an offline export (served empty), and no read of the table failed on
    // the account's connection (on any connection when the account's is unknown).
    for s in by_account.values_mut() {
        let (connection, plugin) = account_source
            .get(&s.account_id)
            .cloned()
            .unwrap_or_default();
        if plugin.as_deref() == Some(GAAD_PLUGIN) {
            continue;
        }
        for (kind, table) in INVENTORY_TABLES {
            let failed = t
                .failed_reads
                .iter()
                .any(|(c, tbl)| tbl == table && connection.as_ref().is_none_or(|own| own == c));
            if t.inventory_tables.contains(table) && !failed {
                s.inventoried.insert(*kind);
            }
        }
    }

    Parsed {
        snapshots: by_account.into_values().collect(),
        account_arns,
        buckets,
        instances,
        open_rules,
        documents,
        principal_props,
        group_props,
        policy_names,
    }
}

pub(crate) fn evidence_of(ev: &Evaluation, action: &str, resource: &str) -> Vec<Evidence> {
    ev.evidence
        .iter()
        .filter(|e| {
            e.effect == Effect::Allow
                && matches!(e.layer, PolicyLayer::Identity | PolicyLayer::Resource)
        })
        .map(|e| Evidence {
            policy: e.policy_id.clone(),
            statement_index: e.statement_index,
            sid: e.sid.clone(),
            action: action.to_string(),
            resource: resource.to_string(),
            assumption: None,
        })
        .collect()
}

/// A policy whose body is missing: every request depending on it is Conditional on a
/// pseudo-key naming it (the same convention the escalation engine uses).
fn unresolved_document(arn: &str) -> PolicyDocument {
    let text = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {format!("pathwarden:PolicyDocumentKnown/{arn}"): "true"}}
        }]
    });
    PolicyDocument::from_value(&text).unwrap_or_else(|_| PolicyDocument::empty())
}

/// Identity policies and boundary of one principal, for evaluations the escalation engine
/// does not make (bucket access, cross-account trust prefilter).
pub(crate) struct PrincipalPolicies<'s> {
    pub(crate) principal: Principal,
    pub(crate) identity: Vec<NamedPolicy<'s>>,
    pub(crate) boundary: Option<NamedPolicy<'s>>,
}

impl<'s> PrincipalPolicies<'s> {
    fn new(
        snap: &'s AccountSnapshot,
        info: &'s PrincipalInfo,
        groups: &HashMap<&str, &'s GroupInfo>,
        unresolved: &'s HashMap<String, PolicyDocument>,
    ) -> Self {
        let managed = |arn: &'s str| -> Option<NamedPolicy<'s>> {
            if let Some(p) = snap.policies.get(arn) {
                return Some(NamedPolicy::new(arn, &p.default_document));
            }
            if let Some(doc) = builtin_policies().get(arn) {
                return Some(NamedPolicy::new(arn, doc));
            }
            unresolved.get(arn).map(|d| NamedPolicy::new(arn, d))
        };
        let mut identity = Vec::new();
        for (name, doc) in &info.inline_policies {
            identity.push(NamedPolicy::new(format!("{}#{}", info.arn, name), doc));
        }
        identity.extend(info.attached_policy_arns.iter().filter_map(|a| managed(a)));
        for g in &info.group_arns {
            if let Some(group) = groups.get(g.as_str()) {
                for (name, doc) in &group.inline_policies {
                    identity.push(NamedPolicy::new(format!("{}#{}", group.arn, name), doc));
                }
                identity.extend(group.attached_policy_arns.iter().filter_map(|a| managed(a)));
            }
        }
        let boundary = info.permissions_boundary_arn.as_deref().and_then(managed);
        let mut principal = match info.kind {
            PrincipalKind::Role => Principal::role(&info.arn),
            _ => Principal::user(&info.arn),
        }
        .with_tags(info.tags.clone());
        principal.account = Some(snap.account_id.clone());
        PrincipalPolicies {
            principal,
            identity,
            boundary,
        }
    }

    pub(crate) fn set(&self, resource: Option<NamedPolicy<'s>>) -> PolicySet<'s> {
        PolicySet {
            identity: self.identity.clone(),
            resource,
            permissions_boundary: self.boundary.clone(),
            ..Default::default()
        }
    }

    /// Allow statements that may grant `action_lower`, with their Resource element.
    pub(crate) fn grants<'a>(
        &'a self,
        action_lower: &'a str,
    ) -> impl Iterator<Item = &'a pathwarden_analyzers::policy::Statement> + 'a {
        self.identity
            .iter()
            .flat_map(|p| p.document.statements.iter())
            .filter(move |s| s.effect == Effect::Allow && s.matches_action(action_lower))
    }
}

/// Does a Resource element possibly cover `arn`? (Variables and NotResource: maybe.)
pub(crate) fn resource_may_match(
    st: &pathwarden_analyzers::policy::Statement,
    arns: &[&str],
) -> bool {
    match &st.resource {
        Some(Negatable::Is(list)) => list.iter().any(|p| match &p.tokens {
            Some(t) => arns.iter().any(|a| arn_util::matches(t, a)),
            None => true,
        }),
        _ => true,
    }
}

/// Is the group administrator on its own policies? Same probes as the escalation engine:
/// an unknown action on an unknown resource (only `*` grants it), and key IAM writes.
fn group_admin(
    snap: &AccountSnapshot,
    group: &GroupInfo,
    unresolved: &HashMap<String, PolicyDocument>,
) -> Option<Evaluation> {
    let mut identity = Vec::new();
    for (name, doc) in &group.inline_policies {
        identity.push(NamedPolicy::new(format!("{}#{}", group.arn, name), doc));
    }
    for a in &group.attached_policy_arns {
        if let Some(p) = snap.policies.get(a) {
            identity.push(NamedPolicy::new(a.as_str(), &p.default_document));
        } else if let Some(doc) = builtin_policies().get(a.as_str()) {
            identity.push(NamedPolicy::new(a.as_str(), doc));
        } else if let Some(doc) = unresolved.get(a) {
            identity.push(NamedPolicy::new(a.as_str(), doc));
        }
    }
    let set = PolicySet::identity(identity);
    let acct = &snap.account_id;
    let mut probe_user = Principal::user(&format!(
        "arn:aws:iam::{acct}:user/pathwarden-group-member-probe"
    ));
    probe_user.tags = Some(BTreeMap::new());
    let probes = [
        (
            "pathwardenprobe:AnyAction".to_string(),
            format!("arn:aws:pathwardenprobe:us-east-1:{acct}:probe/any"),
        ),
        (
            "iam:AttachUserPolicy".to_string(),
            format!("arn:aws:iam::{acct}:user/pathwarden-probe"),
        ),
        (
            "iam:PutRolePolicy".to_string(),
            format!("arn:aws:iam::{acct}:role/pathwarden-probe"),
        ),
        (
            "iam:PassRole".to_string(),
            format!("arn:aws:iam::{acct}:role/pathwarden-probe"),
        ),
    ];
    let mut first: Option<Evaluation> = None;
    for (action, resource) in probes {
        let ctx =
            RequestContext::new(probe_user.clone(), &action, &resource).with_resource_account(acct);
        let ev = evaluate(&set, &ctx);
        if ev.decision != Decision::Allow {
            return None;
        }
        first.get_or_insert(ev);
    }
    first
}

/// The managed policies an account's users, roles and groups reference (attached or as
/// permissions boundary).
fn referenced_policy_arns(s: &AccountSnapshot) -> impl Iterator<Item = &String> {
    s.users
        .iter()
        .chain(s.roles.iter().map(|r| &r.principal))
        .flat_map(|p| {
            p.attached_policy_arns
                .iter()
                .chain(p.permissions_boundary_arn.iter())
        })
        .chain(s.groups.iter().flat_map(|g| g.attached_policy_arns.iter()))
}

/// Bodies standing in for managed policies that are referenced but missing.
fn unresolved_documents(snapshots: &[AccountSnapshot]) -> HashMap<String, PolicyDocument> {
    let mut m = HashMap::new();
    for s in snapshots {
        for arn in referenced_policy_arns(s) {
            if !s.policies.contains_key(arn) && !builtin_policies().contains_key(arn.as_str()) {
                m.entry(arn.clone())
                    .or_insert_with(|| unresolved_document(arn));
            }
        }
    }
    m
}

/// Groups by ARN, per snapshot.
fn group_maps(snapshots: &[AccountSnapshot]) -> Vec<HashMap<&str, &GroupInfo>> {
    snapshots
        .iter()
        .map(|s| s.groups.iter().map(|g| (g.arn.as_str(), g)).collect())
        .collect()
}

/// CAN_ACCESS facts of every user and role of `tables` as (principal ARN, bucket ARN,
/// class, conditional, evidence), computed with or without sharing between principals:
/// the two must agree.
#[cfg(test)]
pub(crate) fn access_facts(
    tables: Tables,
    share: bool,
) -> (Vec<(String, String, usize, bool, Vec<Evidence>)>, usize) {
    let parsed = parse(tables);
    let unresolved = unresolved_documents(&parsed.snapshots);
    let group_maps = group_maps(&parsed.snapshots);
    let mut policies = Vec::new();
    for (ai, s) in parsed.snapshots.iter().enumerate() {
        for info in s.users.iter().chain(s.roles.iter().map(|r| &r.principal)) {
            policies.push(PrincipalPolicies::new(
                s,
                info,
                &group_maps[ai],
                &unresolved,
            ));
        }
    }
    let index = BucketIndex::new(&parsed.buckets);
    let facts = access::bucket_access_with(&policies, &parsed.buckets, &index, share);
    let shared = facts.iter().filter(|f| f.is_shared()).count();
    let mut out = Vec::new();
    for (pp, f) in policies.iter().zip(facts) {
        for a in f.iter() {
            out.push((
                pp.principal.arn.clone(),
                parsed.buckets[a.bucket].arn.clone(),
                a.class,
                a.conditional,
                a.evidence.to_vec(),
            ));
        }
    }
    (out, shared)
}

fn assemble(tables: Tables) -> Result<Graph, GraphError> {
    let t0 = Instant::now();
    let mut parsed = parse(tables);
    let t_parse = t0.elapsed();
    let mut b = GraphBuilder::new();
    // Documents and node properties move into the graph (no copies of a large org's
    // inline policies).
    for (id, doc) in std::mem::take(&mut parsed.documents) {
        b.policy_document(&id, doc);
    }
    let mut principal_props = std::mem::take(&mut parsed.principal_props);
    let mut group_props = std::mem::take(&mut parsed.group_props);

    // Accounts and their Admin nodes.
    let mut accounts: BTreeSet<String> = parsed
        .snapshots
        .iter()
        .map(|s| s.account_id.clone())
        .collect();
    accounts.extend(parsed.account_arns.keys().cloned());
    for acct in &accounts {
        let (arn, alias) = parsed
            .account_arns
            .get(acct)
            .cloned()
            .unwrap_or_else(|| (format!("account:{acct}"), acct.clone()));
        b.node(NodeKind::Account, &arn, &alias, acct, Map::new());
        b.node(
            NodeKind::Admin,
            &admin_key(acct),
            &format!("admin of {alias}"),
            acct,
            Map::new(),
        );
    }

    // Principals, groups, policies, structural edges.
    for s in &parsed.snapshots {
        for g in &s.groups {
            let props = group_props.remove(&g.arn).unwrap_or_default();
            b.node(NodeKind::Group, &g.arn, &g.name, &s.account_id, props);
        }
        for u in &s.users {
            let props = principal_props.remove(&u.arn).unwrap_or_default();
            b.node(NodeKind::User, &u.arn, &u.name, &s.account_id, props);
        }
        for r in &s.roles {
            let props = principal_props.remove(r.arn()).unwrap_or_default();
            b.node(
                NodeKind::Role,
                r.arn(),
                &r.principal.name,
                &s.account_id,
                props,
            );
        }
    }
    let policy_node = |b: &mut GraphBuilder, arn: &str| -> NodeId {
        if let Some(id) = b.id(arn) {
            return id;
        }
        let (name, acct, aws) = parsed.policy_names.get(arn).cloned().unwrap_or_else(|| {
            let aws = arn.contains(":iam::aws:policy/");
            (
                arn.rsplit('/').next().unwrap_or(arn).to_string(),
                if aws { String::new() } else { account_of(arn) },
                aws,
            )
        });
        let mut props = Map::new();
        props.insert("aws_managed".into(), json!(aws));
        b.node(NodeKind::Policy, arn, &name, &acct, props)
    };
    // Marked: a boundary limits, it does not grant.
    let boundary_props = {
        let mut props = Map::new();
        props.insert("as_boundary".into(), json!(true));
        Arc::new(props)
    };
    for s in &parsed.snapshots {
        for g in &s.groups {
            let Some(gid) = b.id(&g.arn) else { continue };
            for p in &g.attached_policy_arns {
                let pid = policy_node(&mut b, p);
                b.link(gid, pid, EdgeKind::HasPolicy);
            }
        }
        for p in s.users.iter().chain(s.roles.iter().map(|r| &r.principal)) {
            let Some(id) = b.id(&p.arn) else { continue };
            for g in &p.group_arns {
                if let Some(gid) = b.id(g) {
                    b.link(id, gid, EdgeKind::MemberOf);
                }
            }
            for a in &p.attached_policy_arns {
                let pid = policy_node(&mut b, a);
                b.link(id, pid, EdgeKind::HasPolicy);
            }
            if let Some(a) = &p.permissions_boundary_arn {
                let pid = policy_node(&mut b, a);
                b.edge(Edge {
                    props: Arc::clone(&boundary_props),
                    ..Edge::plain(id, pid, EdgeKind::HasPolicy)
                });
            }
        }
    }

    // Resources.
    let internet = if parsed.buckets.iter().any(|x| !x.public_via.is_empty())
        || parsed.instances.iter().any(|i| i.public_ip.is_some())
    {
        Some(b.node(NodeKind::Internet, "internet", "internet", "", Map::new()))
    } else {
        None
    };
    for bucket in &parsed.buckets {
        let mut props = Map::new();
        props.insert("region".into(), json!(bucket.region));
        props.insert("public".into(), json!(!bucket.public_via.is_empty()));
        let id = b.node(
            NodeKind::Bucket,
            &bucket.arn,
            &bucket.name,
            &bucket.account_id,
            props,
        );
        if let (Some(net), false) = (internet, bucket.public_via.is_empty()) {
            let mut props = Map::new();
            props.insert("via".into(), json!(bucket.public_via));
            b.edge(Edge {
                props: Arc::new(props),
                ..Edge::plain(id, net, EdgeKind::ExposedToInternet)
            });
        }
    }
    for i in &parsed.instances {
        let mut props = Map::new();
        props.insert("region".into(), json!(i.region));
        props.insert("instance_id".into(), json!(i.instance_id));
        props.insert("state".into(), json!(i.state));
        props.insert("public_ip".into(), json!(i.public_ip));
        props.insert("instance_profile_arn".into(), json!(i.profile_arn));
        let id = b.node(
            NodeKind::Instance,
            &i.arn,
            &i.instance_id,
            &i.account_id,
            props,
        );
        if i.public_ip.is_none() || i.state == "terminated" {
            continue;
        }
        let via: Vec<String> = i
            .security_groups
            .iter()
            .filter_map(|g| parsed.open_rules.get(g))
            .flatten()
            .cloned()
            .collect();
        if let (Some(net), false) = (internet, via.is_empty()) {
            let mut props = Map::new();
            props.insert("via".into(), json!(via));
            b.edge(Edge {
                props: Arc::new(props),
                ..Edge::plain(id, net, EdgeKind::ExposedToInternet)
            });
        }
    }
    let t_structure = t0.elapsed();

    // Policy evaluation, per account, principals in parallel.
    let indexes: Vec<SnapshotIndex<'_>> = parsed.snapshots.iter().map(SnapshotIndex::new).collect();
    let unresolved = unresolved_documents(&parsed.snapshots);
    let group_maps = group_maps(&parsed.snapshots);

    struct PrincipalResult<'s> {
        ai: usize,
        info: &'s PrincipalInfo,
        admin: Option<Evaluation>,
        escalations: Vec<SharedEscalation>,
    }
    let mut results: Vec<PrincipalResult<'_>> = Vec::new();
    for (ai, (snap, idx)) in parsed.snapshots.iter().zip(&indexes).enumerate() {
        let infos: Vec<&PrincipalInfo> = snap
            .users
            .iter()
            .chain(snap.roles.iter().map(|r| &r.principal))
            .collect();
        let part: Vec<PrincipalResult<'_>> = infos
            .par_iter()
            .map(|info| {
                let (admin, escalations) = match idx.admin_and_shared_escalations(&info.arn) {
                    Ok((admin, escalations)) => (
                        Some(admin).filter(|ev| ev.decision.is_possible()),
                        escalations,
                    ),
                    Err(_) => (None, Vec::new()),
                };
                PrincipalResult {
                    ai,
                    info,
                    admin,
                    escalations,
                }
            })
            .collect();
        results.extend(part);
    }
    let t_escalation = t0.elapsed();

    // Bucket access. Administrators reach every resource through their Admin node;
    // per-bucket edges for them would only add volume.
    let bucket_index = BucketIndex::new(&parsed.buckets);
    let needs_access: Vec<usize> = (0..results.len())
        .filter(|&k| {
            !results[k]
                .admin
                .as_ref()
                .is_some_and(|ev| ev.decision == Decision::Allow)
        })
        .collect();
    let mut access: Vec<Option<PrincipalAccess>> = (0..results.len()).map(|_| None).collect();
    {
        let policies: Vec<PrincipalPolicies<'_>> = needs_access
            .par_iter()
            .map(|&k| {
                let r = &results[k];
                PrincipalPolicies::new(
                    &parsed.snapshots[r.ai],
                    r.info,
                    &group_maps[r.ai],
                    &unresolved,
                )
            })
            .collect();
        let facts = access::bucket_access(&policies, &parsed.buckets, &bucket_index);
        for (k, f) in needs_access.iter().zip(facts) {
            access[*k] = Some(f);
        }
    }
    let t_eval = t0.elapsed();

    // One property map per access class, shared by all its edges.
    let access_props: Vec<Arc<Map<String, Value>>> = BUCKET_CLASSES
        .iter()
        .map(|(class, action, _)| {
            let mut props = Map::new();
            props.insert("action_class".into(), json!(class));
            props.insert("action".into(), json!(action));
            Arc::new(props)
        })
        .collect();
    let bucket_nodes: Vec<Option<NodeId>> = parsed.buckets.iter().map(|bk| b.id(&bk.arn)).collect();
    // Escalation evidence is shared between principals of one class: convert each shared
    // list once (keyed by its address; the originals stay alive in the map, so addresses
    // are not reused), and share one property map per (technique, kind).
    #[allow(clippy::type_complexity)]
    let mut evidence_memo: HashMap<
        (usize, usize),
        (Arc<[EdgeEvidence]>, Arc<[String]>, Arc<[Evidence]>),
    > = HashMap::new();
    let mut props_memo: HashMap<(&'static str, EdgeKind), Arc<Map<String, Value>>> = HashMap::new();
    b.reserve_edges(
        results
            .iter()
            .zip(&access)
            .map(|(r, f)| {
                usize::from(r.admin.is_some())
                    + r.escalations.len()
                    + f.as_ref().map_or(0, PrincipalAccess::len)
            })
            .sum(),
    );
    for (r, facts) in results.iter().zip(&access) {
        let acct = &parsed.snapshots[r.ai].account_id;
        let Some(src) = b.id(&r.info.arn) else {
            continue;
        };
        if let (Some(ev), Some(admin)) = (&r.admin, b.id(&admin_key(acct))) {
            b.edge(Edge {
                source: src,
                target: admin,
                kind: EdgeKind::AdminOf,
                technique: None,
                conditional: ev.decision == Decision::Conditional,
                evidence: evidence_of(ev, "*", "*").into(),
                props: no_props(),
            });
        }
        for e in &r.escalations {
            let (key, kind) = match &e.target {
                Target::Admin { account } => (admin_key(account), EdgeKind::CanEscalate),
                Target::Role(arn) if e.rule_id == ASSUME_RULE => (arn.clone(), EdgeKind::CanAssume),
                Target::Role(arn) | Target::User(arn) | Target::Group(arn) => {
                    (arn.clone(), EdgeKind::CanEscalate)
                }
            };
            let Some(dst) = b.id(&key) else { continue };
            let props = props_memo
                .entry((e.rule_id, kind))
                .or_insert_with(|| {
                    let mut props = Map::new();
                    props.insert("technique".into(), json!(e.rule_id));
                    if kind == EdgeKind::CanAssume {
                        props.insert("cross_account".into(), json!(false));
                    }
                    Arc::new(props)
                })
                .clone();
            let evidence = evidence_memo
                .entry((
                    Arc::as_ptr(&e.evidence).cast::<()>() as usize,
                    // Edges without assumptions share their converted evidence whatever
                    // empty list they carry.
                    if e.assumptions.is_empty() {
                        0
                    } else {
                        Arc::as_ptr(&e.assumptions).cast::<()>() as usize
                    },
                ))
                .or_insert_with(|| {
                    let mut converted: Vec<Evidence> = e
                        .evidence
                        .iter()
                        .map(|x| Evidence {
                            policy: x.policy.clone(),
                            statement_index: x.statement_index,
                            sid: x.sid.clone(),
                            action: x.action.clone(),
                            resource: x.resource.clone(),
                            assumption: None,
                        })
                        .collect();
                    // The assumption behind a path through a resource the input does not
                    // list is part of its evidence, next to the statements.
                    let first = e.evidence.first();
                    for a in e.assumptions.iter() {
                        converted.push(Evidence {
                            policy: ASSUMPTION_POLICY.to_string(),
                            statement_index: 0,
                            sid: None,
                            action: first.map(|x| x.action.clone()).unwrap_or_default(),
                            resource: first.map(|x| x.resource.clone()).unwrap_or_default(),
                            assumption: Some(a.clone()),
                        });
                    }
                    let converted: Arc<[Evidence]> = converted.into();
                    (
                        Arc::clone(&e.evidence),
                        Arc::clone(&e.assumptions),
                        converted,
                    )
                })
                .2
                .clone();
            b.edge(Edge {
                source: src,
                target: dst,
                kind,
                technique: Some(Cow::Borrowed(e.rule_id)),
                conditional: e.conditional,
                evidence,
                props,
            });
        }
        for fact in facts.iter().flat_map(PrincipalAccess::iter) {
            let Some(dst) = bucket_nodes[fact.bucket] else {
                continue;
            };
            b.edge(Edge {
                source: src,
                target: dst,
                kind: EdgeKind::CanAccess,
                technique: Some(Cow::Borrowed(BUCKET_CLASSES[fact.class].0)),
                conditional: fact.conditional,
                evidence: Arc::clone(&fact.evidence),
                props: Arc::clone(&access_props[fact.class]),
            });
        }
    }
    drop(access);

    let t_emit = t0.elapsed();
    // Groups whose own policies make any member administrator (reached by AddUserToGroup).
    for s in &parsed.snapshots {
        let Some(admin) = b.id(&admin_key(&s.account_id)) else {
            continue;
        };
        for g in &s.groups {
            let Some(gid) = b.id(&g.arn) else { continue };
            if let Some(ev) = group_admin(s, g, &unresolved) {
                b.edge(Edge {
                    source: gid,
                    target: admin,
                    kind: EdgeKind::AdminOf,
                    technique: None,
                    conditional: false,
                    evidence: evidence_of(&ev, "*", "*").into(),
                    props: no_props(),
                });
            }
        }
    }

    // Cross-account AssumeRole: the escalation engine looks at one account at a time.
    let cross = cross_account_assumes(&parsed.snapshots, &indexes, &group_maps, &unresolved);
    for (src_arn, role_arn, ev) in cross {
        let (Some(src), Some(dst)) = (b.id(&src_arn), b.id(&role_arn)) else {
            continue;
        };
        let mut props = Map::new();
        props.insert("technique".into(), json!(CROSS_ACCOUNT_RULE));
        props.insert("cross_account".into(), json!(true));
        b.edge(Edge {
            source: src,
            target: dst,
            kind: EdgeKind::CanAssume,
            technique: Some(Cow::Borrowed(CROSS_ACCOUNT_RULE)),
            conditional: ev.decision == Decision::Conditional,
            evidence: evidence_of(&ev, "sts:AssumeRole", &role_arn).into(),
            props: Arc::new(props),
        });
    }

    let graph = b.finish();
    let ms = |d: std::time::Duration| d.as_millis() as u64;
    tracing::debug!(
        parse_ms = ms(t_parse),
        structure_ms = ms(t_structure - t_parse),
        escalation_ms = ms(t_escalation - t_structure),
        access_ms = ms(t_eval - t_escalation),
        edges_ms = ms(t_emit - t_eval),
        total_ms = ms(t0.elapsed()),
        "graph assembled"
    );
    Ok(graph)
}

/// CAN_ASSUME edges whose role trusts another account (or a principal of one).
fn cross_account_assumes(
    snapshots: &[AccountSnapshot],
    indexes: &[SnapshotIndex<'_>],
    group_maps: &[HashMap<&str, &GroupInfo>],
    unresolved: &HashMap<String, PolicyDocument>,
) -> Vec<(String, String, Evaluation)> {
    let by_account: HashMap<&str, usize> = snapshots
        .iter()
        .enumerate()
        .map(|(i, s)| (s.account_id.as_str(), i))
        .collect();
    // (role snapshot, role index, caller snapshot, Some(named caller) or None = any caller of it)
    let mut work: Vec<(usize, usize, usize, Option<String>)> = Vec::new();
    for (ri, s) in snapshots.iter().enumerate() {
        for (k, role) in s.roles.iter().enumerate() {
            for st in role
                .trust_policy
                .statements
                .iter()
                .filter(|st| st.effect == Effect::Allow)
            {
                let Some(Negatable::Is(entries)) = &st.principal else {
                    continue;
                };
                for e in entries {
                    match e {
                        PrincipalEntry::Account(a) => {
                            let acct = arn_util::account_of(a).unwrap_or(a.as_str());
                            if acct != s.account_id {
                                if let Some(&ci) = by_account.get(acct) {
                                    work.push((ri, k, ci, None));
                                }
                            }
                        }
                        PrincipalEntry::Arn(a) => {
                            let acct = arn_util::account_of(a).unwrap_or_default();
                            if acct != s.account_id {
                                if let Some(&ci) = by_account.get(acct) {
                                    work.push((ri, k, ci, Some(a.clone())));
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    work.sort();
    work.dedup();
    work.par_iter()
        .flat_map_iter(|(ri, k, ci, named)| {
            let role = &snapshots[*ri].roles[*k];
            let caller_snap = &snapshots[*ci];
            let callers: Vec<&PrincipalInfo> = match named {
                Some(arn) => caller_snap
                    .users
                    .iter()
                    .chain(caller_snap.roles.iter().map(|r| &r.principal))
                    .filter(|p| p.arn == *arn)
                    .collect(),
                None => caller_snap
                    .users
                    .iter()
                    .chain(caller_snap.roles.iter().map(|r| &r.principal))
                    .collect(),
            };
            let role_arn = role.arn();
            let mut out = Vec::new();
            for p in callers {
                // Cross-account, the caller's own policies must allow sts:AssumeRole on the
                // role: a cheap statement scan rules out almost everyone before evaluating.
                let pp = PrincipalPolicies::new(caller_snap, p, &group_maps[*ci], unresolved);
                if !pp
                    .grants("sts:assumerole")
                    .any(|st| resource_may_match(st, &[role_arn]))
                {
                    continue;
                }
                if let Ok(ev) = indexes[*ci].can_assume_in(&p.arn, &indexes[*ri], role_arn) {
                    if ev.decision.is_possible() {
                        out.push((p.arn.clone(), role_arn.to_string(), ev));
                    }
                }
            }
            out
        })
        .collect()
}
