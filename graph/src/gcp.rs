//! GCP nodes and edges: read the GCP tables of the schema (when it serves them), run the
//! GCP evaluator and rules (`pathwarden_analyzers::gcp`), and add principals (keyed by IAM
//! member string), owner-equivalent Admin nodes of the organization and each project, the
//! hierarchy's resources, and ADMIN_OF / CAN_ESCALATE edges with the bindings behind them.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use pathwarden_analyzers::gcp::{
    GcpBinding, GcpEdge, GcpIndex, GcpInstance, GcpServiceAccount, GcpSnapshot, GcpTarget,
    admin_key, edges_for,
};
use rayon::prelude::*;
use serde_json::{Map, Value, json};

use crate::GraphError;
use crate::model::{Edge, Evidence, GraphBuilder, no_props};
use crate::rows::quote_ident;
use crate::schema::{EdgeKind, NodeKind};

/// What the GCP part of the graph is built from.
#[derive(Debug, Default)]
pub struct GcpTables {
    snapshot: GcpSnapshot,
    /// Display names of hierarchy resources.
    names: HashMap<String, String>,
    /// Workload identity providers that admit AWS identities.
    aws_providers: Vec<AwsProvider>,
}

/// A workload identity pool provider that trusts an AWS account.
#[derive(Debug, Clone)]
struct AwsProvider {
    /// `projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<id>`.
    name: String,
    /// `projects/<number>/locations/global/workloadIdentityPools/<pool>`.
    pool: String,
    /// The AWS account it admits.
    account: String,
    /// Its attribute condition, if any (undecided: the edge is conditional).
    condition: Option<String>,
}

pub(crate) type Rows = Vec<Vec<Option<String>>>;

/// Rows of `table` as text cells; `None` when the schema does not serve it or reading it
/// failed (denied), which leaves that part of the graph out, logged. (The Azure part reads
/// its tables with it too.)
pub(crate) async fn read(
    ctx: &SessionContext,
    schema: &str,
    table: &str,
    columns: &[&str],
) -> Option<Rows> {
    if !ctx
        .table_exist(format!("{schema}.{table}").as_str())
        .unwrap_or(false)
    {
        return None;
    }
    let cols: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    let sql = format!(
        "select {} from {}.{}",
        cols.join(", "),
        quote_ident(schema),
        quote_ident(table)
    );
    let result = async {
        let batches = Box::pin(pathwarden_sqlext::frontend::sql(ctx, &sql))
            .await
            .map_err(datafusion::error::DataFusionError::from)?
            .collect()
            .await?;
        let mut rows = Vec::new();
        for batch in batches {
            let mut text = Vec::with_capacity(batch.num_columns());
            for c in batch.columns() {
                text.push(arrow::compute::cast(c, &DataType::Utf8)?);
            }
            for r in 0..batch.num_rows() {
                rows.push(
                    text.iter()
                        .map(|c| {
                            let s = c.as_string::<i32>();
                            (!s.is_null(r)).then(|| s.value(r).to_string())
                        })
                        .collect(),
                );
            }
        }
        // A scan of several partitions arrives in whatever order they finish: sorted,
        // the graph built from these rows is the same on every build.
        rows.sort_unstable();
        Ok::<_, datafusion::error::DataFusionError>(rows)
    }
    .await;
    match result {
        Ok(rows) => Some(rows),
        Err(e) => {
            tracing::warn!(schema, table, error = %e, "cloud table unreadable; graph built without it");
            None
        }
    }
}

pub(crate) fn cell(row: &[Option<String>], i: usize) -> Option<&str> {
    row.get(i)
        .and_then(|c| c.as_deref())
        .filter(|s| !s.is_empty())
}

pub(crate) fn json_cell(row: &[Option<String>], i: usize) -> Value {
    cell(row, i)
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

/// `{type: "folder", id: "12"}` (v1) or `folders/12` (v3) as a resource name.
fn parent_name(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if s.contains('/') => Some(s.clone()),
        Value::Object(o) => {
            let id = o.get("id")?.as_str()?;
            let kind = match o.get("type")?.as_str()? {
                "folder" => "folders",
                "organization" => "organizations",
                _ => return None,
            };
            Some(format!("{kind}/{id}"))
        }
        _ => None,
    }
}

/// Reads the GCP tables of `schema`; `None` when it serves no GCP IAM policy table.
pub async fn read_tables(
    ctx: &SessionContext,
    schema: &str,
) -> Result<Option<GcpTables>, GraphError> {
    let (
        orgs,
        folders,
        projects,
        org_projects,
        project_policies,
        folder_policies,
        org_policies,
        accounts,
        roles,
        instances,
    ) = tokio::join!(
        read(ctx, schema, "gcp_organization", &["name", "display_name"]),
        read(
            ctx,
            schema,
            "gcp_folder",
            &["name", "parent", "display_name"]
        ),
        read(
            ctx,
            schema,
            "gcp_project",
            &["project_id", "parent", "name"]
        ),
        read(
            ctx,
            schema,
            "gcp_organization_project",
            &["project_id", "parent", "name"]
        ),
        read(ctx, schema, "gcp_iam_policy", &["project", "bindings"]),
        read(ctx, schema, "gcp_folder_iam_policy", &["name", "bindings"]),
        read(
            ctx,
            schema,
            "gcp_organization_iam_policy",
            &["name", "bindings"]
        ),
        read(
            ctx,
            schema,
            "gcp_service_account",
            &["email", "project", "disabled", "iam_policy"]
        ),
        read(
            ctx,
            schema,
            "gcp_iam_role",
            &["name", "included_permissions"]
        ),
        read(
            ctx,
            schema,
            "gcp_compute_instance",
            &["name", "zone", "project", "service_accounts"]
        ),
    );
    let providers = read(
        ctx,
        schema,
        "gcp_iam_workload_identity_pool_provider",
        &[
            "name",
            "disabled",
            "pool_disabled",
            "state",
            "attribute_condition",
            "aws_account_id",
        ],
    )
    .await;
    if project_policies.is_none() && org_policies.is_none() && folder_policies.is_none() {
        return Ok(None);
    }
    let mut t = GcpTables::default();
    let s = &mut t.snapshot;
    for r in orgs.iter().flatten() {
        if let Some(n) = cell(r, 0) {
            if !s.organizations.iter().any(|o| o == n) {
                s.organizations.push(n.to_string());
            }
            t.names
                .insert(n.to_string(), cell(r, 1).unwrap_or(n).to_string());
        }
    }
    for r in folders.iter().flatten() {
        let Some(n) = cell(r, 0) else { continue };
        if !s.folders.iter().any(|f| f == n) {
            s.folders.push(n.to_string());
        }
        if let Some(p) = cell(r, 1) {
            s.parents.insert(n.to_string(), p.to_string());
            if p.starts_with("organizations/") && !s.organizations.iter().any(|o| o == p) {
                s.organizations.push(p.to_string());
            }
        }
        t.names
            .insert(n.to_string(), cell(r, 2).unwrap_or(n).to_string());
    }
    for r in projects
        .iter()
        .flatten()
        .chain(org_projects.iter().flatten())
    {
        let Some(id) = cell(r, 0) else { continue };
        if !s.projects.iter().any(|p| p == id) {
            s.projects.push(id.to_string());
        }
        if let Some(parent) = parent_name(&json_cell(r, 1)) {
            s.parents.insert(format!("projects/{id}"), parent);
        }
        t.names.insert(
            format!("projects/{id}"),
            cell(r, 2).unwrap_or(id).to_string(),
        );
    }
    for r in project_policies.iter().flatten() {
        let Some(p) = cell(r, 0) else { continue };
        if !s.projects.iter().any(|x| x == p) {
            s.projects.push(p.to_string());
        }
        s.policies
            .entry(format!("projects/{p}"))
            .or_insert_with(|| GcpBinding::from_policy(&json_cell(r, 1)));
    }
    for r in folder_policies
        .iter()
        .flatten()
        .chain(org_policies.iter().flatten())
    {
        let Some(n) = cell(r, 0) else { continue };
        s.policies
            .entry(n.to_string())
            .or_insert_with(|| GcpBinding::from_policy(&json_cell(r, 1)));
    }
    for r in accounts.iter().flatten() {
        let (Some(email), Some(project)) = (cell(r, 0), cell(r, 1)) else {
            continue;
        };
        if s.service_accounts.iter().any(|a| a.email == email) {
            continue;
        }
        let sa = GcpServiceAccount {
            email: email.to_string(),
            project: project.to_string(),
            disabled: cell(r, 2) == Some("true"),
        };
        let policy = json_cell(r, 3);
        if !policy.is_null() {
            s.policies
                .insert(sa.resource(), GcpBinding::from_policy(&policy));
        }
        s.service_accounts.push(sa);
    }
    for r in roles.iter().flatten() {
        let Some(name) = cell(r, 0) else { continue };
        if let Value::Array(perms) = json_cell(r, 1) {
            s.roles.entry(name.to_string()).or_insert_with(|| {
                perms
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            });
        }
    }
    for r in instances.iter().flatten() {
        let (Some(name), Some(zone), Some(project)) = (cell(r, 0), cell(r, 1), cell(r, 2)) else {
            continue;
        };
        let zone = zone.rsplit('/').next().unwrap_or(zone);
        for sa in json_cell(r, 3).as_array().into_iter().flatten() {
            let Some(email) = sa.get("email").and_then(Value::as_str) else {
                continue;
            };
            s.instances.push(GcpInstance {
                resource: format!("projects/{project}/zones/{zone}/instances/{name}"),
                project: project.to_string(),
                service_account: email.to_string(),
                scopes: sa
                    .get("scopes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            });
        }
    }
    for r in providers.iter().flatten() {
        let (Some(name), Some(account)) = (cell(r, 0), cell(r, 5)) else {
            continue;
        };
        let off = cell(r, 1) == Some("true")
            || cell(r, 2) == Some("true")
            || cell(r, 3).is_some_and(|st| st != "ACTIVE");
        let Some((pool, _)) = name.split_once("/providers/") else {
            continue;
        };
        if off {
            continue;
        }
        t.aws_providers.push(AwsProvider {
            name: name.to_string(),
            pool: pool.to_string(),
            account: account.to_string(),
            condition: cell(r, 4).map(str::to_string),
        });
    }
    Ok(Some(t))
}

fn evidence(e: &GcpEdge) -> Arc<[Evidence]> {
    // One entry per binding: the permissions one binding gives are listed together
    // (compact rows keep the graph mirror's statements small).
    let mut out: Vec<Evidence> = Vec::new();
    for h in &e.evidence {
        let policy = format!("gcp-iam-policy:{}", h.scope);
        let sid = match &h.condition {
            Some(c) => format!("{} to {} if {c}", h.role, h.via_member),
            None => format!("{} to {}", h.role, h.via_member),
        };
        if let Some(prev) = out
            .iter_mut()
            .find(|x| x.policy == policy && x.sid.as_deref() == Some(sid.as_str()))
        {
            prev.action.push(',');
            prev.action.push_str(&h.permission);
            continue;
        }
        out.push(Evidence {
            policy,
            statement_index: 0,
            sid: Some(sid),
            action: h.permission.clone(),
            resource: h.resource.clone(),
            assumption: None,
        });
    }
    if let Some(a) = &e.assumption {
        out.push(Evidence {
            policy: crate::build::ASSUMPTION_POLICY.to_string(),
            statement_index: 0,
            sid: None,
            action: e.rule_id.to_string(),
            resource: String::new(),
            assumption: Some(a.clone()),
        });
    }
    out.into()
}

/// The GCP edges of every principal (rules run in parallel per principal).
pub fn edges(t: &GcpTables) -> (Vec<String>, Vec<GcpEdge>) {
    let idx = GcpIndex::new(&t.snapshot);
    let members = idx.members();
    let edges = members
        .par_iter()
        .flat_map_iter(|m| edges_for(&idx, m))
        .collect();
    (members, edges)
}

/// Adds GCP nodes and edges to the builder.
pub fn add(b: &mut GraphBuilder, t: GcpTables) {
    let (members, edges) = edges(&t);
    let s = &t.snapshot;
    let organization = if s.organizations.len() == 1 {
        s.organizations[0].clone()
    } else {
        String::new()
    };
    // Hierarchy resources and their Admin nodes.
    let mut resources: BTreeMap<String, &str> = BTreeMap::new();
    for o in &s.organizations {
        resources.insert(o.clone(), "organization");
    }
    for f in &s.folders {
        resources.insert(f.clone(), "folder");
    }
    for p in &s.projects {
        resources.insert(format!("projects/{p}"), "project");
    }
    for (name, kind) in &resources {
        let mut props = Map::new();
        props.insert("resource_type".into(), json!(kind));
        props.insert("parent".into(), json!(s.parent(name)));
        let display = t.names.get(name).cloned().unwrap_or_else(|| name.clone());
        let account = name.strip_prefix("projects/").unwrap_or(name);
        b.node(NodeKind::GcpResource, name, &display, account, props);
        if *kind != "folder" {
            b.node(
                NodeKind::Admin,
                &admin_key(name),
                &format!("owner of {display}"),
                account,
                Map::new(),
            );
        }
    }
    let sa_project: HashMap<&str, &GcpServiceAccount> = s
        .service_accounts
        .iter()
        .map(|a| (a.email.as_str(), a))
        .collect();
    for m in &members {
        if let Some(email) = m.strip_prefix("serviceAccount:") {
            let sa = sa_project.get(email);
            let mut props = Map::new();
            props.insert("email".into(), json!(email));
            props.insert("disabled".into(), json!(sa.is_some_and(|a| a.disabled)));
            let project = sa.map(|a| a.project.clone()).unwrap_or_else(|| {
                // An account of a project outside the input: its project from the email.
                email
                    .split_once('@')
                    .and_then(|(_, d)| d.strip_suffix(".iam.gserviceaccount.com"))
                    .unwrap_or_default()
                    .to_string()
            });
            b.node(NodeKind::GcpServiceAccount, m, email, &project, props);
        } else {
            let mut props = Map::new();
            let kind = m.split_once(':').map(|(k, _)| k).unwrap_or(m);
            props.insert("member_type".into(), json!(kind));
            let name = m.split_once(':').map(|(_, n)| n).unwrap_or(m);
            b.node(NodeKind::GcpPrincipal, m, name, &organization, props);
        }
    }
    b.reserve_edges(edges.len());
    for e in &edges {
        let Some(src) = b.id(&e.source) else { continue };
        let target_key = match &e.target {
            GcpTarget::Admin(r) => admin_key(r),
            GcpTarget::ServiceAccount(email) => format!("serviceAccount:{email}"),
        };
        let Some(dst) = b.id(&target_key) else {
            continue;
        };
        let (kind, technique, props) = if e.direct_admin {
            (EdgeKind::AdminOf, None, no_props())
        } else {
            (
                EdgeKind::CanEscalate,
                Some(Cow::Borrowed(e.rule_id)),
                Arc::new({
                    let mut p = Map::new();
                    p.insert("technique".into(), json!(e.rule_id));
                    p
                }),
            )
        };
        b.edge(Edge {
            source: src,
            target: dst,
            kind,
            technique,
            conditional: e.conditional,
            evidence: evidence(e),
            props,
        });
    }
    let cross = add_aws_federation(b, &t.aws_providers, &members);
    tracing::info!(
        principals = members.len(),
        edges = edges.len(),
        cross_cloud = cross,
        projects = s.projects.len(),
        "GCP part of the graph built"
    );
}

/// Technique of a CAN_ASSUME edge from an AWS identity into a GCP workload identity pool
/// principal.
pub const AWS_FEDERATION_RULE: &str = "gcp-workload-identity-federation-aws";

/// What a pool member string admits from AWS: `(pool, AWS account, role name)`, where
/// no role name means every identity of the account.
fn aws_principal_of(member: &str) -> Option<(&str, &str, Option<&str>)> {
    let rest = member
        .strip_prefix("principalSet://iam.googleapis.com/")
        .or_else(|| member.strip_prefix("principal://iam.googleapis.com/"))?;
    let at = rest.find("/workloadIdentityPools/")?;
    let after = &rest[at + "/workloadIdentityPools/".len()..];
    let (pool_id, selector) = after.split_once('/')?;
    let pool = &rest[..at + "/workloadIdentityPools/".len() + pool_id.len()];
    // attribute.aws_role/arn:aws:sts::<account>:assumed-role/<role>, or
    // subject/arn:aws:sts::<account>:assumed-role/<role>/<session>.
    let arn = selector
        .strip_prefix("attribute.aws_role/")
        .or_else(|| selector.strip_prefix("subject/"));
    if let Some(arn) = arn {
        let (account, role) = arn
            .strip_prefix("arn:")?
            .split_once(":sts::")
            .map(|(_, r)| r)?
            .split_once(":assumed-role/")?;
        let role = role.split('/').next()?;
        return Some((pool, account, Some(role)));
    }
    // Every identity the pool admits.
    (selector == "*").then_some((pool, "", None))
}

/// CAN_ASSUME edges from the AWS roles a workload identity provider admits to the pool
/// principals that name them (whose GCP grants then follow). Returns how many were added.
fn add_aws_federation(
    b: &mut GraphBuilder,
    providers: &[AwsProvider],
    members: &[String],
) -> usize {
    if providers.is_empty() {
        return 0;
    }
    // AWS roles by (account, name): assumed-role ARNs carry no path.
    // Ordered: a principalSet admitting a whole account emits its edges in key order.
    let mut roles: BTreeMap<(String, String), Vec<crate::model::NodeId>> = BTreeMap::new();
    for (id, n) in b.nodes_so_far().iter().enumerate() {
        if n.kind != NodeKind::Role {
            continue;
        }
        let Some(name) = n.key.rsplit('/').next() else {
            continue;
        };
        roles
            .entry((n.account_id.clone(), name.to_string()))
            .or_default()
            .push(id as crate::model::NodeId);
    }
    let mut added = 0;
    for m in members {
        let Some((pool, account, role)) = aws_principal_of(m) else {
            continue;
        };
        let Some(target) = b.id(m) else { continue };
        for p in providers.iter().filter(|p| p.pool == pool) {
            if !account.is_empty() && account != p.account {
                continue;
            }
            let sources: Vec<crate::model::NodeId> = match role {
                Some(r) => roles
                    .get(&(p.account.clone(), r.to_string()))
                    .cloned()
                    .unwrap_or_default(),
                None => roles
                    .iter()
                    .filter(|((a, _), _)| *a == p.account)
                    .flat_map(|(_, ids)| ids.iter().copied())
                    .collect(),
            };
            let evidence: Arc<[Evidence]> = vec![Evidence {
                policy: format!("gcp-workload-identity-provider:{}", p.name),
                statement_index: 0,
                sid: Some(match &p.condition {
                    Some(c) => format!("admits AWS account {} if {c}", p.account),
                    None => format!("admits AWS account {}", p.account),
                }),
                action: "sts.googleapis.com:token-exchange".into(),
                resource: m.clone(),
                assumption: None,
            }]
            .into();
            let props = Arc::new({
                let mut props = Map::new();
                props.insert("technique".into(), json!(AWS_FEDERATION_RULE));
                props
            });
            for src in sources {
                b.edge(Edge {
                    source: src,
                    target,
                    kind: EdgeKind::CanAssume,
                    technique: Some(Cow::Borrowed(AWS_FEDERATION_RULE)),
                    conditional: p.condition.is_some(),
                    evidence: evidence.clone(),
                    props: props.clone(),
                });
                added += 1;
            }
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::aws_principal_of;

    #[test]
    fn pool_members_name_the_aws_identities_they_admit() {
        let pool = "projects/6/locations/global/workloadIdentityPools/aws-ci";
        assert_eq!(
            aws_principal_of(&format!(
                "principalSet://iam.googleapis.com/{pool}/attribute.aws_role/arn:aws:sts::111111111111:assumed-role/ci-runner"
            )),
            Some((pool, "111111111111", Some("ci-runner")))
        );
        assert_eq!(
            aws_principal_of(&format!(
                "principal://iam.googleapis.com/{pool}/subject/arn:aws:sts::111111111111:assumed-role/deploy/session-1"
            )),
            Some((pool, "111111111111", Some("deploy")))
        );
        assert_eq!(
            aws_principal_of(&format!("principalSet://iam.googleapis.com/{pool}/*")),
            Some((pool, "", None))
        );
        assert_eq!(aws_principal_of("user:a@example.com"), None);
        assert_eq!(
            aws_principal_of(&format!(
                "principalSet://iam.googleapis.com/{pool}/attribute.repository/org/repo"
            )),
            None
        );
    }
}
