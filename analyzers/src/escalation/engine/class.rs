//! Class sharing: callers whose statements relevant to a rule are the same and do not
//! depend on who the caller is get the same per-victim checks, computed once per
//! [`CallerClass`] and rule.

use super::*;

/// Merges escalations of one rule that reach the same target (a role several instances
/// run as): decided when any of them is, with the evidence of those that decide it.
pub(super) fn merge_by_target(
    found: Vec<(usize, SharedEscalation)>,
) -> Vec<(usize, SharedEscalation)> {
    let mut order: Vec<(usize, Vec<SharedEscalation>)> = Vec::new();
    let mut slot: HashMap<Target, usize> = HashMap::new();
    for (i, e) in found {
        match slot.get(&e.target) {
            Some(&k) => order[k].1.push(e),
            None => {
                slot.insert(e.target.clone(), order.len());
                order.push((i, vec![e]));
            }
        }
    }
    order
        .into_iter()
        .map(|(i, mut group)| {
            if group.len() == 1 {
                return (i, group.remove(0));
            }
            let conditional = group.iter().all(|e| e.conditional);
            let mut evidence: Vec<EdgeEvidence> = Vec::new();
            let mut keys = BTreeSet::new();
            let mut assumptions: Vec<String> = Vec::new();
            for e in group.iter().filter(|e| e.conditional == conditional) {
                for a in e.assumptions.iter() {
                    if !assumptions.contains(a) {
                        assumptions.push(a.clone());
                    }
                }
                for ev in e.evidence.iter() {
                    if !evidence.contains(ev) {
                        evidence.push(ev.clone());
                    }
                }
                keys.extend(e.undecided_keys.iter().cloned());
            }
            let first = group.swap_remove(0);
            (
                i,
                SharedEscalation {
                    rule_id: first.rule_id,
                    target: first.target,
                    evidence: evidence.into(),
                    conditional,
                    undecided_keys: Arc::new(keys),
                    assumptions: if assumptions.is_empty() {
                        no_assumptions()
                    } else {
                        assumptions.into()
                    },
                },
            )
        })
        .collect()
}

/// A policy as a class member: its id, and whether it holds a statement for the rule's
/// actions (a boundary or SCP that holds none still limits, so it is part of the class).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct PolicyRef {
    id: Box<str>,
    relevant: bool,
}

impl PolicyRef {
    fn of(policy: &NamedPolicy<'_>, relevant: bool) -> Self {
        PolicyRef {
            id: policy.id.as_ref().into(),
            relevant,
        }
    }
}

/// Everything a rule's checks read about a caller whose relevant statements do not depend
/// on who it is (see [`SnapshotIndex::caller_class`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct CallerClass {
    kind: PrincipalKind,
    /// Identity policies holding a relevant statement, in evaluation order.
    identity: Vec<PolicyRef>,
    boundary: Option<PolicyRef>,
    /// SCPs per level (root first).
    scps: Vec<Vec<PolicyRef>>,
}

/// Key of the shared per-victim checks: the caller's class, the rule, and whether edges
/// to one target were merged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct VictimCheckKey {
    class: CallerClass,
    rule: &'static str,
    merged: bool,
}

impl<'s> SnapshotIndex<'s> {
    /// The class of a caller for one rule, or `None` when the rule's checks may read who
    /// the caller is. Two callers of the same class get the same check result on every
    /// victim: same kind, same SCP applicability, the same policies (in the same order)
    /// holding a statement that can match one of the rule's actions, the same boundary,
    /// and none of those statements depends on the caller
    /// ([`crate::policy::Statement::depends_on_caller`]).
    pub(super) fn caller_class(
        &self,
        view: &View<'_>,
        rule: &EscalationRule,
    ) -> Option<CallerClass> {
        let actions: Vec<String> = rule
            .requires
            .iter()
            .map(|r| r.action.to_ascii_lowercase())
            .collect();
        // Whether `policy` holds a statement for one of the actions; `None` when such a
        // statement depends on the caller.
        let relevant = |policy: &NamedPolicy<'_>| -> Option<bool> {
            let mut relevant = false;
            for st in &policy.document.statements {
                if actions.iter().any(|a| st.matches_action(a)) {
                    if st.depends_on_caller() {
                        return None;
                    }
                    relevant = true;
                }
            }
            Some(relevant)
        };
        let mut identity = Vec::new();
        for policy in &view.identity {
            if relevant(policy)? {
                identity.push(PolicyRef::of(policy, true));
            }
        }
        let boundary = match &view.boundary {
            Some(b) => Some(PolicyRef::of(b, relevant(b)?)),
            None => None,
        };
        let mut scps = Vec::with_capacity(view.scps.len());
        for level in &view.scps {
            let mut refs = Vec::with_capacity(level.len());
            for policy in level {
                refs.push(PolicyRef::of(policy, relevant(policy)?));
            }
            scps.push(refs);
        }
        Some(CallerClass {
            kind: view.info.kind,
            identity,
            boundary,
            scps,
        })
    }

    /// `compute()` for this caller, shared with every caller of the same class.
    pub(super) fn shared_checks(
        &self,
        view: &View<'_>,
        rule: &'static EscalationRule,
        merge: bool,
        compute: impl FnOnce() -> Vec<(usize, SharedEscalation)>,
    ) -> VictimChecks {
        let compute = || {
            if merge {
                merge_by_target(compute())
            } else {
                compute()
            }
        };
        let Some(class) = self.caller_class(view, rule) else {
            return Arc::new(compute());
        };
        let key = VictimCheckKey {
            class,
            rule: rule.id,
            merged: merge,
        };
        if let Ok(memo) = self.victim_checks.read() {
            if let Some(hit) = memo.get(&key) {
                return Arc::clone(hit);
            }
        }
        let checks = Arc::new(compute());
        if let Ok(mut memo) = self.victim_checks.write() {
            memo.entry(key).or_insert_with(|| Arc::clone(&checks));
        }
        checks
    }
}
