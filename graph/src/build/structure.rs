//! Phase 3: nodes and the edges that need no policy evaluation — accounts and their admin
//! nodes, principals, groups, managed policies (MEMBER_OF, HAS_POLICY), resources and their
//! exposure to the internet.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Map, json};

use super::types::{Parsed, PolicyName, account_of, admin_key};
use crate::model::{Edge, GraphBuilder, NodeId};
use crate::schema::{EdgeKind, NodeKind};

/// Adds the structural nodes and edges of `parsed` to `b`. Documents and node properties
/// move into the graph (no copies of a large organisation's inline policies).
pub(crate) fn add_structure(b: &mut GraphBuilder, parsed: &mut Parsed) {
    for (id, doc) in std::mem::take(&mut parsed.documents) {
        b.policy_document(&id, doc);
    }
    let mut principal_props = std::mem::take(&mut parsed.principal_props);
    let mut group_props = std::mem::take(&mut parsed.group_props);
    let b = b;
    let parsed = &*parsed;

    // Accounts and their Admin nodes.
    let mut accounts: BTreeSet<String> = parsed
        .snapshots
        .iter()
        .map(|s| s.account_id.clone())
        .collect();
    accounts.extend(parsed.accounts.keys().cloned());
    for acct in &accounts {
        let (arn, alias) = match parsed.accounts.get(acct) {
            Some(f) => (f.arn.clone(), f.alias.clone()),
            None => (format!("account:{acct}"), acct.clone()),
        };
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
        let PolicyName {
            name,
            account: acct,
            aws_managed: aws,
        } = parsed.policy_names.get(arn).cloned().unwrap_or_else(|| {
            let aws = arn.contains(":iam::aws:policy/");
            PolicyName {
                name: arn.rsplit('/').next().unwrap_or(arn).to_string(),
                account: if aws { String::new() } else { account_of(arn) },
                aws_managed: aws,
            }
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
                let pid = policy_node(b, p);
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
                let pid = policy_node(b, a);
                b.link(id, pid, EdgeKind::HasPolicy);
            }
            if let Some(a) = &p.permissions_boundary_arn {
                let pid = policy_node(b, a);
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
}
