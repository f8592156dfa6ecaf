//! Phase 5: the evaluated edges — ADMIN_OF, CAN_ESCALATE and CAN_ASSUME from the
//! escalation engine, CAN_ACCESS from bucket access, groups that make their members admin,
//! and cross-account AssumeRole.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use pathwarden_analyzers::escalation::{EdgeEvidence, ResourceKind, SharedEscalation, Target};
use pathwarden_analyzers::policy::Decision;
use serde_json::{Map, Value, json};

use super::access::{BUCKET_CLASSES, PrincipalAccess};
use super::cross_account::{admin_assumes, cross_account_assumes};
use super::evaluate::{Evaluated, PrincipalResult};
use super::policies::{evidence_of, group_admin};
use super::types::{
    ASSUME_RULE, ASSUMPTION_POLICY, CROSS_ACCOUNT_ADMIN_RULE, CROSS_ACCOUNT_RULE, Parsed, admin_key,
};
use crate::model::{Edge, Evidence, GraphBuilder, NodeId, no_props};
use crate::schema::{EdgeKind, NodeKind};

/// Adds the edges of the evaluation results to `b`.
pub(crate) fn add_evaluated_edges(
    b: &mut GraphBuilder,
    parsed: &Parsed,
    ev: &Evaluated<'_>,
    results: Vec<PrincipalResult<'_>>,
) {
    assumed_resources(b, parsed, ev, &results);
    principal_edges(b, parsed, results);
    group_admin_edges(b, parsed, ev);
    cross_account_edges(b, parsed, ev);
    cross_account_admin_edges(b, parsed);
}

/// Converts the escalation engine's evidence into the graph's once per shared list, and
/// shares one property map per (technique, kind): principals of one class share their
/// evidence lists, so their edges share the converted ones too.
#[derive(Default)]
struct EscalationMemo {
    /// Keyed by the addresses of the engine's evidence and assumption lists; the
    /// originals stay alive in the map, so addresses are not reused.
    #[allow(clippy::type_complexity)]
    evidence: HashMap<(usize, usize), (Arc<[EdgeEvidence]>, Arc<[String]>, Arc<[Evidence]>)>,
    props: HashMap<(&'static str, EdgeKind), Arc<Map<String, Value>>>,
}

impl EscalationMemo {
    fn props(&mut self, rule_id: &'static str, kind: EdgeKind) -> Arc<Map<String, Value>> {
        self.props
            .entry((rule_id, kind))
            .or_insert_with(|| {
                let mut props = Map::new();
                props.insert("technique".into(), json!(rule_id));
                if kind == EdgeKind::CanAssume {
                    props.insert("cross_account".into(), json!(false));
                }
                Arc::new(props)
            })
            .clone()
    }

    fn evidence(&mut self, e: &SharedEscalation) -> Arc<[Evidence]> {
        let key = (
            Arc::as_ptr(&e.evidence).cast::<()>() as usize,
            // Edges without assumptions share their converted evidence whatever empty
            // list they carry.
            if e.assumptions.is_empty() {
                0
            } else {
                Arc::as_ptr(&e.assumptions).cast::<()>() as usize
            },
        );
        self.evidence
            .entry(key)
            .or_insert_with(|| {
                (
                    Arc::clone(&e.evidence),
                    Arc::clone(&e.assumptions),
                    convert_evidence(e),
                )
            })
            .2
            .clone()
    }
}

/// The graph's evidence of an escalation: its statements, then what it assumes beyond the
/// input (a path through a resource the input does not list names it next to them).
fn convert_evidence(e: &SharedEscalation) -> Arc<[Evidence]> {
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
    converted.into()
}

/// Key of the stand-in node for unlisted resources of `kind` in `account`.
fn assumed_key(account: &str, kind: ResourceKind) -> String {
    format!("assumed:{account}:{}", kind.id())
}

/// One AssumedResource node per (account, kind) some escalation reaches, with a RUNS_AS
/// edge to every role such a resource could run as (conditional, naming the assumption).
fn assumed_resources(
    b: &mut GraphBuilder,
    parsed: &Parsed,
    ev: &Evaluated<'_>,
    results: &[PrincipalResult<'_>],
) {
    let needed: BTreeSet<(usize, ResourceKind)> = results
        .iter()
        .flat_map(|r| {
            r.escalations.iter().filter_map(move |e| match &e.target {
                Target::AssumedResource { kind, .. } => Some((r.ai, *kind)),
                _ => None,
            })
        })
        .collect();
    for (ai, kind) in needed {
        let account = &parsed.snapshots[ai].account_id;
        let alias = parsed
            .accounts
            .get(account)
            .map_or(account.as_str(), |f| f.alias.as_str());
        let mut props = Map::new();
        props.insert("resource_kind".into(), json!(kind.id()));
        let node = b.node(
            NodeKind::AssumedResource,
            &assumed_key(account, kind),
            &format!("unlisted {} of {alias}", kind.label()),
            account,
            props,
        );
        for runner in ev.indexes[ai].assumed_runners(kind) {
            let Some(role) = b.id(&runner.role_arn) else {
                continue;
            };
            let evidence: Arc<[Evidence]> = Arc::from(vec![Evidence {
                policy: ASSUMPTION_POLICY.to_string(),
                statement_index: 0,
                sid: None,
                action: "sts:AssumeRole".to_string(),
                resource: runner.role_arn.clone(),
                assumption: Some(runner.assumption),
            }]);
            b.edge(Edge {
                source: node,
                target: role,
                kind: EdgeKind::RunsAs,
                technique: None,
                conditional: true,
                evidence,
                props: no_props(),
            });
        }
    }
}

/// ADMIN_OF, CAN_ESCALATE, CAN_ASSUME and CAN_ACCESS edges of every user and role.
fn principal_edges(b: &mut GraphBuilder, parsed: &Parsed, results: Vec<PrincipalResult<'_>>) {
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
    let mut memo = EscalationMemo::default();
    b.reserve_edges(
        results
            .iter()
            .map(|r| {
                usize::from(r.admin.is_some())
                    + r.escalations.len()
                    + r.access.as_ref().map_or(0, PrincipalAccess::len)
            })
            .sum(),
    );
    for r in &results {
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
                Target::AssumedResource { account, kind } => {
                    (assumed_key(account, *kind), EdgeKind::CanEscalate)
                }
                Target::Role(arn) if e.rule_id == ASSUME_RULE => (arn.clone(), EdgeKind::CanAssume),
                Target::Role(arn) | Target::User(arn) | Target::Group(arn) => {
                    (arn.clone(), EdgeKind::CanEscalate)
                }
            };
            let Some(dst) = b.id(&key) else { continue };
            b.edge(Edge {
                source: src,
                target: dst,
                kind,
                technique: Some(Cow::Borrowed(e.rule_id)),
                conditional: e.conditional,
                evidence: memo.evidence(e),
                props: memo.props(e.rule_id, kind),
            });
        }
        for fact in r.access.iter().flat_map(PrincipalAccess::iter) {
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
}

/// Groups whose own policies make any member administrator (reached by AddUserToGroup).
fn group_admin_edges(b: &mut GraphBuilder, parsed: &Parsed, ev: &Evaluated<'_>) {
    for s in &parsed.snapshots {
        let Some(admin) = b.id(&admin_key(&s.account_id)) else {
            continue;
        };
        for g in &s.groups {
            let Some(gid) = b.id(&g.arn) else { continue };
            if let Some(eval) = group_admin(s, g, ev.unresolved) {
                b.edge(Edge {
                    source: gid,
                    target: admin,
                    kind: EdgeKind::AdminOf,
                    technique: None,
                    conditional: false,
                    evidence: evidence_of(&eval, "*", "*").into(),
                    props: no_props(),
                });
            }
        }
    }
}

/// CAN_ASSUME edges into roles of another account.
fn cross_account_edges(b: &mut GraphBuilder, parsed: &Parsed, ev: &Evaluated<'_>) {
    let cross = cross_account_assumes(
        &parsed.snapshots,
        &ev.indexes,
        &ev.group_maps,
        ev.unresolved,
    );
    for (src_arn, role_arn, eval) in cross {
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
            conditional: eval.decision == Decision::Conditional,
            evidence: evidence_of(&eval, "sts:AssumeRole", &role_arn).into(),
            props: Arc::new(props),
        });
    }
}

/// CAN_ASSUME edges from one account's Admin node into roles of another account that
/// trust it: a principal already admin of one account reaches the other's admin through
/// them.
fn cross_account_admin_edges(b: &mut GraphBuilder, parsed: &Parsed) {
    let props = {
        let mut props = Map::new();
        props.insert("technique".into(), json!(CROSS_ACCOUNT_ADMIN_RULE));
        props.insert("cross_account".into(), json!(true));
        Arc::new(props)
    };
    for (account, role_arn, eval) in admin_assumes(&parsed.snapshots) {
        let (Some(src), Some(dst)) = (b.id(&admin_key(&account)), b.id(&role_arn)) else {
            continue;
        };
        b.edge(Edge {
            source: src,
            target: dst,
            kind: EdgeKind::CanAssume,
            technique: Some(Cow::Borrowed(CROSS_ACCOUNT_ADMIN_RULE)),
            conditional: eval.decision == Decision::Conditional,
            evidence: evidence_of(&eval, "sts:AssumeRole", &role_arn).into(),
            props: Arc::clone(&props),
        });
    }
}
