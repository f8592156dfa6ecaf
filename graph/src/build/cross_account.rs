//! Cross-account AssumeRole: the escalation engine looks at one account at a time, so
//! trust policies naming another account (or a principal of one) are evaluated here.

use std::collections::HashMap;

use pathwarden_analyzers::escalation::{AccountSnapshot, GroupInfo, PrincipalInfo, SnapshotIndex};
use pathwarden_analyzers::policy::arn as arn_util;
use pathwarden_analyzers::policy::document::Negatable;
use pathwarden_analyzers::policy::{
    Decision, Effect, Evaluation, PolicyDocument, Principal, PrincipalEntry, trust_allows,
};
use rayon::prelude::*;

use super::policies::{PrincipalPolicies, resource_may_match};

/// CAN_ASSUME edges whose role trusts another account (or a principal of one).
pub(crate) fn cross_account_assumes(
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

/// Roles of one account whose trust policy lets in another account of the input (the
/// account itself, or a principal of it): `(trusted account, role ARN, trust evaluation)`.
/// The trusted account's administrator can always act as such a principal — it can create
/// a role, grant itself `sts:AssumeRole`, or take over the named user or role — so only
/// the role's trust policy decides. This is how admin of one account reaches another.
pub(crate) fn admin_assumes(snapshots: &[AccountSnapshot]) -> Vec<(String, String, Evaluation)> {
    let accounts: HashMap<&str, ()> = snapshots
        .iter()
        .map(|s| (s.account_id.as_str(), ()))
        .collect();
    let mut work: Vec<(String, usize, usize, Principal)> = Vec::new();
    for (ri, s) in snapshots.iter().enumerate() {
        for (k, role) in s.roles.iter().enumerate() {
            let mut probes: Vec<(String, Principal)> = Vec::new();
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
                    let (acct, probe) = match e {
                        PrincipalEntry::Account(a) => {
                            let acct = arn_util::account_of(a).unwrap_or(a.as_str());
                            // Any principal of the account can be let in, and its admin
                            // chooses which: a role of the account whose ARN, name and tags
                            // are left unknown stands for it (a condition on them makes
                            // the edge conditional, not absent).
                            let probe = format!("arn:aws:iam::{acct}:role/pathwarden-admin-probe");
                            let mut p = Principal::role(&probe);
                            p.role_arn = None;
                            p.name = None;
                            p.tags = None;
                            (acct.to_string(), p)
                        }
                        PrincipalEntry::Arn(a) => {
                            let acct = arn_util::account_of(a).unwrap_or_default().to_string();
                            let p = if a.contains(":user/") {
                                Principal::user(a)
                            } else {
                                Principal::role(a)
                            };
                            (acct, p)
                        }
                        _ => continue,
                    };
                    if acct == s.account_id || !accounts.contains_key(acct.as_str()) {
                        continue;
                    }
                    if probes.iter().any(|(a, p)| *a == acct && p.arn == probe.arn) {
                        continue;
                    }
                    probes.push((acct, probe));
                }
            }
            for (acct, mut probe) in probes {
                probe.account = Some(acct.clone());
                work.push((acct, ri, k, probe));
            }
        }
    }
    let mut found: Vec<(String, String, Evaluation)> = work
        .par_iter()
        .filter_map(|(acct, ri, k, probe)| {
            let role = &snapshots[*ri].roles[*k];
            let ev = trust_allows(&role.trust_policy, role.arn(), probe, "sts:AssumeRole");
            ev.decision
                .is_possible()
                .then(|| (acct.clone(), role.arn().to_string(), ev))
        })
        .collect();
    // One edge per (account, role): the firm one when any probe is firm.
    found.sort_by(|a, b| {
        (&a.0, &a.1, a.2.decision != Decision::Allow).cmp(&(
            &b.0,
            &b.1,
            b.2.decision != Decision::Allow,
        ))
    });
    found.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    found
}
