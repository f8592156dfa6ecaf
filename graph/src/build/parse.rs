//! Phase 2: typed rows into per-account snapshots (what the escalation engine reads),
//! resources and node properties.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use pathwarden_analyzers::escalation::{
    AccountSnapshot, ComputeResource, GroupInfo, ManagedPolicyInfo, PrincipalInfo, ResourceKind,
    RoleInfo,
};
use pathwarden_analyzers::policy::document::Negatable;
use pathwarden_analyzers::policy::{Effect, PolicyDocument, PrincipalEntry};
use serde_json::{Map, Value, json};

use super::policies::referenced_policy_arns;
use super::types::{
    AccountFacts, Bucket, BucketRow, GAAD_PLUGIN, INVENTORY_TABLES, InlinePolicy, Instance,
    OrgTables, Parsed, PolicyName, RowSource, SgRuleRow, Tables, account_of, string_list, tags,
};

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

/// The parsed document of a cell, and the JSON kept as the graph's copy of it.
fn parse_document(owner: &str, what: &str, v: &Value) -> Option<(PolicyDocument, Value)> {
    let value = document_value(v)?;
    match PolicyDocument::from_value(&value) {
        Ok(d) => Some((d, value)),
        Err(e) => {
            // A document we cannot read must not silently grant or deny: it is left out and
            // logged, so the graph under-reports rather than invents paths.
            tracing::warn!(owner, policy = what, error = %e, "unparseable policy document skipped");
            None
        }
    }
}

/// Inline policies of `owner`; their documents are kept as `<owner>#<name>`.
fn inline_policies(
    owner: &str,
    items: &[InlinePolicy],
    docs: &mut Vec<(String, Value)>,
) -> Vec<(String, PolicyDocument)> {
    let mut out = Vec::new();
    for item in items {
        if let Some((doc, value)) = parse_document(owner, &item.name, &item.document) {
            docs.push((format!("{owner}#{}", item.name), value));
            out.push((item.name.clone(), doc));
        }
    }
    out
}

/// Accumulates snapshots by account while the rows are parsed.
#[derive(Default)]
struct Accounts {
    snapshots: BTreeMap<String, AccountSnapshot>,
    source: HashMap<String, RowSource>,
}

impl Accounts {
    fn get(&mut self, account: &str) -> &mut AccountSnapshot {
        self.snapshots
            .entry(account.to_string())
            .or_insert_with(|| AccountSnapshot {
                account_id: account.to_string(),
                ..Default::default()
            })
    }

    fn is_offline(&self, account: &str) -> bool {
        self.source
            .get(account)
            .is_some_and(|s| s.plugin.as_deref() == Some(GAAD_PLUGIN))
    }
}

/// Parses every table.
pub(crate) fn parse(t: Tables) -> Parsed {
    let mut documents: Vec<(String, Value)> = Vec::new();
    let mut accounts = Accounts::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut principal_props = HashMap::new();
    let mut group_props = HashMap::new();
    let mut policy_names = HashMap::new();
    let mut account_facts = HashMap::new();

    for r in t.accounts {
        let Some(acct) = r.account_id else { continue };
        let arn = r.arn.unwrap_or_else(|| format!("account:{acct}"));
        let alias = string_list(&r.account_aliases)
            .into_iter()
            .next()
            .unwrap_or_else(|| acct.clone());
        account_facts.insert(acct.clone(), AccountFacts { arn, alias });
        accounts.get(&acct);
        accounts.source.insert(acct, r._ctx.0);
    }

    // Managed policies: customer ones belong to their account; AWS-managed ones to all.
    let mut aws_managed: HashMap<String, ManagedPolicyInfo> = HashMap::new();
    let mut customer: Vec<(String, ManagedPolicyInfo)> = Vec::new();
    let mut seen_policies: HashSet<(String, String)> = HashSet::new();
    for r in t.policies {
        let Some(arn) = r.arn else { continue };
        let is_aws = r.is_aws_managed || arn.contains(":iam::aws:policy/");
        let acct = r.account_id.unwrap_or_else(|| account_of(&arn));
        policy_names.insert(
            arn.clone(),
            PolicyName {
                name: r.name,
                account: if is_aws { String::new() } else { acct.clone() },
                aws_managed: is_aws,
            },
        );
        let Some((doc, value)) = parse_document(&arn, "default version", &r.policy) else {
            continue;
        };
        documents.push((arn.clone(), value));
        let mut info = ManagedPolicyInfo::new(&arn, doc);
        // Stored non-default versions: what SetDefaultPolicyVersion can switch to.
        for v in r.versions.0.iter().filter(|v| !v.is_default) {
            if let Some((doc, _)) = parse_document(&arn, &v.id, &v.document) {
                info.other_versions.push(doc);
            }
        }
        if is_aws {
            aws_managed.entry(arn).or_insert(info);
        } else if seen_policies.insert((acct.clone(), arn)) {
            customer.push((acct, info));
        }
    }
    for (acct, info) in customer {
        accounts.get(&acct).policies.insert(info.arn.clone(), info);
    }

    for r in t.groups {
        let Some(arn) = r.arn else { continue };
        if !seen.insert(arn.clone()) {
            continue;
        }
        let acct = r.account_id.unwrap_or_else(|| account_of(&arn));
        let inline = inline_policies(&arn, &r.inline_policies.0, &mut documents);
        let mut props = Map::new();
        props.insert("path".into(), json!(r.path.as_deref().unwrap_or("/")));
        props.insert(
            "inline_policies".into(),
            json!(inline.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>()),
        );
        group_props.insert(arn.clone(), props);
        accounts.get(&acct).groups.push(GroupInfo {
            arn,
            name: r.name,
            inline_policies: inline,
            attached_policy_arns: string_list(&r.attached_policy_arns),
        });
    }

    for r in t.users {
        let Some(arn) = r.arn else { continue };
        if !seen.insert(arn.clone()) {
            continue;
        }
        let acct = r.account_id.unwrap_or_else(|| account_of(&arn));
        let mut p = PrincipalInfo::user(&arn);
        p.name = r.name;
        p.permissions_boundary_arn = r.permissions_boundary_arn;
        // An offline export cannot tell whether a user has a console password.
        p.has_login_profile = if accounts.is_offline(&acct) {
            None
        } else {
            Some(!r.login_profile.is_null())
        };
        p.group_arns = match &r.groups {
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
        p.inline_policies = inline_policies(&arn, &r.inline_policies.0, &mut documents);
        p.attached_policy_arns = string_list(&r.attached_policy_arns);
        p.tags = tags(&r.tags);
        let mut props = Map::new();
        props.insert("path".into(), json!(r.path.as_deref().unwrap_or("/")));
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
        principal_props.insert(arn, props);
        accounts.get(&acct).users.push(p);
    }

    for r in t.roles {
        let Some(arn) = r.arn else { continue };
        if !seen.insert(arn.clone()) {
            continue;
        }
        let acct = r.account_id.unwrap_or_else(|| account_of(&arn));
        let trust = match parse_document(&arn, "trust policy", &r.assume_role_policy) {
            Some((doc, value)) => {
                documents.push((arn.clone(), value));
                doc
            }
            None => PolicyDocument::empty(),
        };
        let mut role = RoleInfo::new(&arn, trust);
        if let Some(path) = r.path {
            role.path = path;
        }
        role.principal.name = r.name;
        role.principal.permissions_boundary_arn = r.permissions_boundary_arn;
        role.instance_profile_arns = string_list(&r.instance_profile_arns);
        role.principal.inline_policies =
            inline_policies(&arn, &r.inline_policies.0, &mut documents);
        role.principal.attached_policy_arns = string_list(&r.attached_policy_arns);
        role.principal.tags = tags(&r.tags);
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
        principal_props.insert(arn, props);
        accounts.get(&acct).roles.push(role);
    }

    // Every snapshot sees the AWS-managed policies it references.
    for s in accounts.snapshots.values_mut() {
        let referenced: BTreeSet<String> = referenced_policy_arns(s).cloned().collect();
        for arn in referenced {
            if let Some(info) = aws_managed.get(&arn) {
                s.policies.entry(arn).or_insert_with(|| info.clone());
            }
        }
    }

    let buckets = buckets(t.buckets, &mut seen, &mut documents);
    let open_rules = open_rules(&t.sg_rules);

    let mut instances = Vec::new();
    for r in t.instances {
        let Some(arn) = r.arn else { continue };
        if !seen.insert(arn.clone()) {
            continue;
        }
        let security_groups = match &r.security_groups {
            Value::Array(items) => items
                .iter()
                .filter_map(|g| g.get("GroupId").and_then(Value::as_str).map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        instances.push(Instance {
            account_id: r.account_id.unwrap_or_else(|| account_of(&arn)),
            arn,
            instance_id: r.instance_id,
            region: r.region,
            state: r.instance_state,
            public_ip: r.public_ip_address,
            profile_arn: r.iam_instance_profile_arn,
            security_groups,
        });
    }

    // Instances run code with the role of their instance profile: the escalation engine's
    // hijack rules (SSM, Instance Connect, user data) need them.
    let mut role_by_profile: HashMap<String, String> = HashMap::new();
    for s in accounts.snapshots.values() {
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
        if let Some(s) = accounts.snapshots.get_mut(&i.account_id) {
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
    for s in accounts.snapshots.values_mut() {
        let source = accounts.source.get(&s.account_id);
        if source.is_some_and(|s| s.plugin.as_deref() == Some(GAAD_PLUGIN)) {
            continue;
        }
        let connection = source.and_then(|s| s.connection_name.as_ref());
        for (kind, table) in INVENTORY_TABLES {
            let failed = t
                .failed_reads
                .iter()
                .any(|(c, tbl)| tbl == table && connection.is_none_or(|own| own == c));
            if t.inventory_tables.contains(table) && !failed {
                s.inventoried.insert(*kind);
            }
        }
    }

    if let Some(org) = &t.org {
        apply_scps(&mut accounts.snapshots, org);
    }

    Parsed {
        snapshots: accounts.snapshots.into_values().collect(),
        accounts: account_facts,
        buckets,
        instances,
        open_rules,
        documents,
        principal_props,
        group_props,
        policy_names,
    }
}

fn buckets(
    rows: Vec<BucketRow>,
    seen: &mut HashSet<String>,
    documents: &mut Vec<(String, Value)>,
) -> Vec<Bucket> {
    let mut buckets = Vec::new();
    for r in rows {
        let Some(arn) = r.arn else { continue };
        if !seen.insert(arn.clone()) {
            continue;
        }
        let policy = parse_document(&arn, "bucket policy", &r.policy).map(|(doc, value)| {
            documents.push((arn.clone(), value));
            doc
        });
        let mut public_via = Vec::new();
        // Block Public Access overrides what the policy or ACL say.
        if r.bucket_policy_is_public && !r.block_public_policy && !r.restrict_public_buckets {
            public_via.push("bucket policy grants public access".to_string());
        }
        if !r.ignore_public_acls {
            if let Some(Value::Array(grants)) = r.acl.get("Grants") {
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
            arn,
            name: r.name,
            account_id: r.account_id,
            region: r.region,
            policy,
            public_via,
        });
    }
    buckets
}

/// Open ingress rules (from anywhere) per security group id.
fn open_rules(rows: &[SgRuleRow]) -> HashMap<String, Vec<String>> {
    let mut open_rules: HashMap<String, Vec<String>> = HashMap::new();
    for r in rows {
        let Some(group) = &r.group_id else { continue };
        if r.is_egress {
            continue;
        }
        let open = [r.cidr_ipv4.as_deref(), r.cidr_ipv6.as_deref()]
            .into_iter()
            .flatten()
            .find(|c| *c == "0.0.0.0/0" || *c == "::/0");
        let Some(cidr) = open else { continue };
        let proto = match r.ip_protocol.as_deref() {
            Some("-1") | None => "all".to_string(),
            Some(p) => p.to_string(),
        };
        let ports = match (r.from_port.as_deref(), r.to_port.as_deref()) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) if a != "-1" => format!("{a}-{b}"),
            _ => "all".to_string(),
        };
        open_rules
            .entry(group.clone())
            .or_default()
            .push(format!("{group} {proto} {ports} from {cidr}"));
    }
    open_rules
}

/// Deepest chain root → units → account AWS allows (five levels of units), with margin.
const MAX_ORG_DEPTH: usize = 8;

/// Gives each member account of the organization the SCPs inherited along root → units →
/// account, root first: every level must allow (as AWS evaluates them). The management
/// account is marked exempt. An account the tables do not place in the organization, a
/// chain that does not reach a root, a level without any SCP (the tables did not list
/// its attachments) or an SCP that does not parse leaves the account without SCPs: the
/// graph may then show a path an SCP blocks, never hide one that exists.
fn apply_scps(snapshots: &mut BTreeMap<String, AccountSnapshot>, org: &OrgTables) {
    let management: HashSet<String> = org
        .roots
        .iter()
        .filter_map(|r| r.arn.as_deref())
        .filter_map(|arn| {
            pathwarden_analyzers::policy::arn::Arn::parse(arn).map(|a| a.account.to_string())
        })
        .filter(|a| !a.is_empty())
        .collect();
    let roots: HashSet<&str> = org.roots.iter().filter_map(|r| r.id.as_deref()).collect();
    let parent: HashMap<&str, &str> = org
        .accounts
        .iter()
        .map(|a| (&a.id, &a.parent_id))
        .chain(org.units.iter().map(|u| (&u.id, &u.parent_id)))
        .filter_map(|(id, p)| Some((id.as_deref()?, p.as_deref()?)))
        .collect();
    let mut attached: HashMap<&str, Vec<(String, PolicyDocument)>> = HashMap::new();
    let mut broken: HashSet<&str> = HashSet::new();
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    for p in &org.scps {
        let (Some(id), Some(target)) = (p.id.as_deref(), p.target_id.as_deref()) else {
            continue;
        };
        if !seen.insert((id, target)) {
            continue;
        }
        let label = match p.name.as_deref() {
            Some(name) => format!("scp:{name} ({id})"),
            None => format!("scp:{id}"),
        };
        match parse_document(&label, "service control policy", &p.content) {
            Some((doc, _)) => attached.entry(target).or_default().push((label, doc)),
            None => {
                broken.insert(target);
            }
        }
    }
    for s in snapshots.values_mut() {
        if !parent.contains_key(s.account_id.as_str()) {
            continue;
        }
        s.is_management_account = management.contains(&s.account_id);
        let mut chain = vec![s.account_id.as_str()];
        while let Some(p) = parent.get(chain[chain.len() - 1]) {
            if chain.len() > MAX_ORG_DEPTH || chain.contains(p) {
                break;
            }
            chain.push(p);
        }
        let top = chain[chain.len() - 1];
        if !roots.contains(top) {
            tracing::warn!(account = %s.account_id, top, "organization chain does not reach a root; no SCP applied");
            continue;
        }
        if let Some(bad) = chain.iter().find(|id| broken.contains(*id)) {
            tracing::warn!(account = %s.account_id, target = bad, "an SCP on the account's chain does not parse; no SCP applied");
            continue;
        }
        if let Some(empty) = chain.iter().find(|id| !attached.contains_key(*id)) {
            tracing::warn!(account = %s.account_id, target = empty, "no SCP listed for a level of the account's chain; no SCP applied");
            continue;
        }
        s.scps = chain
            .iter()
            .rev()
            .map(|id| attached.get(id).cloned().unwrap_or_default())
            .collect();
    }
}
