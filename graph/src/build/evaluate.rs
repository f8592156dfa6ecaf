//! Phase 4: policy evaluation — every principal's admin check and escalations (the
//! escalation engine, per account, principals in parallel), then bucket access for the
//! principals that are not already administrators.

use std::collections::HashMap;

use pathwarden_analyzers::escalation::{GroupInfo, PrincipalInfo, SharedEscalation, SnapshotIndex};
use pathwarden_analyzers::policy::{Decision, Evaluation, PolicyDocument};
use rayon::prelude::*;

use super::access::{self, BucketIndex, PrincipalAccess};
use super::policies::{PrincipalPolicies, group_maps, unresolved_documents};
use super::types::Parsed;

/// What the evaluation found for one user or role.
pub(crate) struct PrincipalResult<'s> {
    /// Index of its account snapshot.
    pub(crate) ai: usize,
    pub(crate) info: &'s PrincipalInfo,
    /// Admin of its own account (Allow or Conditional).
    pub(crate) admin: Option<Evaluation>,
    pub(crate) escalations: Vec<SharedEscalation>,
    /// Bucket access; `None` for firm administrators (they reach every bucket through
    /// their admin node, per-bucket edges would only add volume).
    pub(crate) access: Option<PrincipalAccess>,
}

/// The evaluation context shared by the phases after it.
pub(crate) struct Evaluated<'s> {
    pub(crate) indexes: Vec<SnapshotIndex<'s>>,
    pub(crate) unresolved: &'s HashMap<String, PolicyDocument>,
    pub(crate) group_maps: Vec<HashMap<&'s str, &'s GroupInfo>>,
}

impl<'s> Evaluated<'s> {
    /// Indexes the snapshots of `parsed`.
    pub(crate) fn new(parsed: &'s Parsed, unresolved: &'s HashMap<String, PolicyDocument>) -> Self {
        Evaluated {
            indexes: parsed.snapshots.iter().map(SnapshotIndex::new).collect(),
            unresolved,
            group_maps: group_maps(&parsed.snapshots),
        }
    }
}

/// Stand-ins for referenced managed policies the input does not hold.
pub(crate) fn unresolved(parsed: &Parsed) -> HashMap<String, PolicyDocument> {
    unresolved_documents(&parsed.snapshots)
}

/// Admin checks and escalations of every principal.
pub(crate) fn escalations<'s>(parsed: &'s Parsed, ev: &Evaluated<'s>) -> Vec<PrincipalResult<'s>> {
    let mut results = Vec::new();
    for (ai, (snap, idx)) in parsed.snapshots.iter().zip(&ev.indexes).enumerate() {
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
                    access: None,
                }
            })
            .collect();
        results.extend(part);
    }
    results
}

/// Fills in the bucket access of every principal that is not a firm administrator.
pub(crate) fn bucket_access<'s>(
    parsed: &'s Parsed,
    ev: &Evaluated<'s>,
    results: &mut [PrincipalResult<'s>],
) {
    let needs_access: Vec<usize> = (0..results.len())
        .filter(|&k| {
            !results[k]
                .admin
                .as_ref()
                .is_some_and(|ev| ev.decision == Decision::Allow)
        })
        .collect();
    let policies: Vec<PrincipalPolicies<'_>> = needs_access
        .par_iter()
        .map(|&k| {
            let r = &results[k];
            PrincipalPolicies::new(
                &parsed.snapshots[r.ai],
                r.info,
                &ev.group_maps[r.ai],
                ev.unresolved,
            )
        })
        .collect();
    let bucket_index = BucketIndex::new(&parsed.buckets);
    let facts = access::bucket_access(&policies, &parsed.buckets, &bucket_index);
    drop(policies);
    for (k, f) in needs_access.into_iter().zip(facts) {
        results[k].access = Some(f);
    }
}
