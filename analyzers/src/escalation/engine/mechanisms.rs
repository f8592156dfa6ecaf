//! Rule mechanisms: checking a rule's requirements on each victim (other principals,
//! policies, roles passed to services, existing or assumed resources, two-step takeovers)
//! and turning what holds into edges.

use super::*;

pub(super) fn tri_of(ev: &Evaluation) -> Option<(bool, &BTreeSet<String>)> {
    match ev.decision {
        Decision::Allow => Some((false, &ev.undecided_keys)),
        Decision::Conditional => Some((true, &ev.undecided_keys)),
        _ => None,
    }
}

impl<'s> SnapshotIndex<'s> {
    /// Evaluates every requirement of `rule` for one victim.
    pub(super) fn check(
        &self,
        view: &View<'_>,
        set: &PolicySet<'_>,
        rule: &EscalationRule,
        victim: Option<&str>,
        victim_role: Option<&str>,
        service: Option<&str>,
    ) -> Option<Check> {
        let mut check = Check {
            conditional: false,
            keys: BTreeSet::new(),
            evidence: Vec::new(),
            assumptions: Vec::new(),
        };
        for r in rule.requires {
            let resource: String = match r.on {
                On::Anything => "*".to_string(),
                On::Victim => victim?.to_string(),
                On::VictimRole | On::Holder => victim_role?.to_string(),
                On::SelfPrincipal => view.info.arn.clone(),
                On::NewArn(t) => self.account_arn(t),
            };
            let mut ctx = self.ctx(view, r.action, &resource);
            if let Some(s) = service.filter(|_| r.action.eq_ignore_ascii_case("iam:PassRole")) {
                ctx.set_key("iam:PassedToService", [s]);
            }
            let trust = if r.action.eq_ignore_ascii_case("sts:AssumeRole")
                && matches!(r.on, On::Victim | On::Holder)
            {
                self.roles
                    .get(resource.as_str())
                    .map(|&i| &self.snap.roles[i].trust_policy)
            } else {
                None
            };
            let eval = |ctx: &RequestContext| match trust {
                Some(t) => assume_role(set, t, ctx),
                None => evaluate(set, ctx),
            };
            let ev = if attaches_managed_policy(r.action) {
                // `iam:PolicyARN` is the policy being attached: the escalation attaches
                // one that makes the victim admin, so the grant counts only for such a
                // policy (a grant to attach read-only policies is none).
                let mut best: Option<Evaluation> = None;
                for arn in &self.admin_policies {
                    ctx.set_key("iam:PolicyARN", [arn.as_str()]);
                    let ev = eval(&ctx);
                    match ev.decision {
                        Decision::Allow => {
                            best = Some(ev);
                            break;
                        }
                        Decision::Conditional if best.is_none() => best = Some(ev),
                        _ => {}
                    }
                }
                best?
            } else {
                eval(&ctx)
            };
            let (conditional, keys) = tri_of(&ev)?;
            check.conditional |= conditional;
            check.keys.extend(keys.iter().cloned());
            for e in ev.evidence.iter().filter(|e| {
                e.effect == Effect::Allow
                    && matches!(e.layer, PolicyLayer::Identity | PolicyLayer::Resource)
            }) {
                check.evidence.push(EdgeEvidence {
                    policy: e.policy_id.clone(),
                    statement_index: e.statement_index,
                    sid: e.sid.clone(),
                    action: r.action.to_string(),
                    resource: resource.clone(),
                });
            }
        }
        Some(check)
    }

    pub(super) fn edge(
        &self,
        rule: &'static EscalationRule,
        target: Target,
        check: Check,
    ) -> SharedEscalation {
        SharedEscalation {
            rule_id: rule.id,
            target,
            evidence: check.evidence.into(),
            conditional: check.conditional,
            undecided_keys: Arc::new(check.keys),
            assumptions: if check.assumptions.is_empty() {
                no_assumptions()
            } else {
                check.assumptions.into()
            },
        }
    }

    /// Attached customer-managed policies of the principal (directly or through groups).
    pub(super) fn attached_customer_policies(&self, view: &View<'_>) -> Vec<&'s str> {
        let mut arns: Vec<&'s str> = Vec::new();
        let mut push = |arn: &'s str| {
            if self.snap.policies.get(arn).is_some_and(|p| !p.aws_managed) && !arns.contains(&arn) {
                arns.push(arn);
            }
        };
        let info: &'s PrincipalInfo = if let Some(&i) = self.users.get(view.info.arn.as_str()) {
            &self.snap.users[i]
        } else if let Some(&i) = self.roles.get(view.info.arn.as_str()) {
            &self.snap.roles[i].principal
        } else {
            return arns;
        };
        for a in &info.attached_policy_arns {
            push(a);
        }
        for g in &info.group_arns {
            if let Some(&gi) = self.groups.get(g.as_str()) {
                for a in &self.snap.groups[gi].attached_policy_arns {
                    push(a);
                }
            }
        }
        arns
    }

    /// Stand-in ARNs of a resource of `kind` the caller's grants of `action` could cover:
    /// the kind's template named `pathwarden-assumed`, and each Resource pattern of an
    /// Allow statement for the action made concrete (account, region and wildcards
    /// filled in) when the result is still an ARN of that kind.
    pub(super) fn assumed_arns(
        &self,
        view: &View<'_>,
        action: &str,
        kind: ResourceKind,
    ) -> Vec<String> {
        let template = kind
            .arn_template()
            .replace("{account}", &self.snap.account_id);
        let mut out = vec![template.replace("{name}", "pathwarden-assumed")];
        let parts: Vec<&str> = template.splitn(6, ':').collect();
        let Some(resource_type) = parts.get(5).map(|r| {
            let end = r.find(['/', ':']).map_or(r.len(), |i| i + 1);
            &r[..end]
        }) else {
            return out;
        };
        let action_lower = action.to_ascii_lowercase();
        for policy in &view.identity {
            for st in &policy.document.statements {
                if st.effect != Effect::Allow || !st.matches_action(&action_lower) {
                    continue;
                }
                let Some(Negatable::Is(list)) = &st.resource else {
                    continue;
                };
                for pattern in list {
                    if pattern.tokens.is_none() || pattern.raw == "*" {
                        continue;
                    }
                    let given: Vec<&str> = pattern.raw.splitn(6, ':').collect();
                    if given.len() != 6 {
                        continue;
                    }
                    let mut filled: Vec<String> = Vec::with_capacity(6);
                    for (k, seg) in given.iter().enumerate() {
                        let wild = seg.contains(['*', '?']);
                        filled.push(match k {
                            0 => seg.to_string(),
                            1..=4 if wild => parts.get(k).copied().unwrap_or("").to_string(),
                            1..=4 => seg.to_string(),
                            _ => seg.replace('*', "pathwarden-assumed").replace('?', "x"),
                        });
                    }
                    let arn = filled.join(":");
                    // A resource runs with a role of its own account only.
                    if filled.get(2).map(String::as_str) == parts.get(2).copied()
                        && filled.get(4) == Some(&self.snap.account_id)
                        && filled[5].starts_with(resource_type)
                        && crate::policy::arn::matches_str(&pattern.raw, &arn)
                        && !out.contains(&arn)
                    {
                        out.push(arn);
                    }
                }
            }
        }
        out
    }

    /// Edges through resources of `kind` the input does not list (its inventory of that
    /// service is absent): the rule is checked on a stand-in resource and reported as
    /// conditional, naming the assumption.
    ///
    /// When the check does not read the role (no VictimRole requirement) and `merge` is
    /// set (bulk callers), the caller gets one edge to [`Target::AssumedResource`] and the
    /// roles such a resource could run as are [`SnapshotIndex::assumed_runners`], once
    /// per account and kind: callers × roles edges become callers + roles. Otherwise one
    /// edge per role that could run on such a resource (it trusts the kind's service and,
    /// for EC2, sits in an instance profile).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn assumed_resources(
        &self,
        view: &View<'_>,
        set: &PolicySet<'_>,
        rule: &'static EscalationRule,
        kind: ResourceKind,
        action: &str,
        merge: bool,
        out: &mut Vec<(usize, SharedEscalation)>,
    ) {
        let Some(trusting) = self.service_roles.get(kind.service_principal()) else {
            return;
        };
        let arns = self.assumed_arns(view, action, kind);
        let per_role = rule.requires.iter().any(|r| r.on == On::VictimRole);
        // The check reads the role only through VictimRole requirements: without them
        // one check per stand-in ARN serves every role.
        let best = |role: Option<&str>| -> Option<Check> {
            firmest(
                arns.iter()
                    .filter_map(|arn| self.check(view, set, rule, Some(arn), role, None)),
            )
        };
        let shared = if per_role { None } else { best(None) };
        if !per_role && shared.is_none() {
            return;
        }
        let key = format!("pathwarden:ResourceExists/{}", kind.id());
        if let (true, Some(mut c)) = (merge, shared.clone()) {
            if trusting.iter().any(|&(i, _)| self.can_run_on(i, kind)) {
                c.conditional = true;
                c.keys.insert(key);
                c.assumptions.push(format!(
                    "assumes {} exists in account {}: the input has no inventory of that service",
                    kind.label(),
                    self.snap.account_id
                ));
                out.push((
                    usize::MAX,
                    self.edge(
                        rule,
                        Target::AssumedResource {
                            account: self.snap.account_id.clone(),
                            kind,
                        },
                        c,
                    ),
                ));
            }
            return;
        }
        let listed: HashSet<&str> = out
            .iter()
            .filter_map(|(_, e)| match &e.target {
                Target::Role(r) => Some(r.as_str()),
                _ => None,
            })
            .collect();
        let mut found = Vec::new();
        for &(i, trust_conditional) in trusting {
            let role = &self.snap.roles[i];
            if !self.can_run_on(i, kind) || listed.contains(role.arn()) {
                continue;
            }
            let check = match &shared {
                Some(c) => Some(Check {
                    conditional: c.conditional,
                    keys: c.keys.clone(),
                    evidence: c.evidence.clone(),
                    assumptions: Vec::new(),
                }),
                None => best(Some(role.arn())),
            };
            let Some(mut c) = check else { continue };
            c.conditional = true;
            c.keys.insert(key.clone());
            if trust_conditional {
                c.keys.insert(format!("trust:{}", kind.service_principal()));
            }
            c.assumptions.push(runs_as_assumption(role, kind));
            found.push((
                usize::MAX - i,
                self.edge(rule, Target::Role(role.arn().to_string()), c),
            ));
        }
        out.extend(found);
    }

    /// Whether role `i` could run on a resource of `kind`: not service-linked, and for
    /// EC2 in an instance profile (its trust of the service is checked by the caller).
    fn can_run_on(&self, i: usize, kind: ResourceKind) -> bool {
        let role = &self.snap.roles[i];
        !role.is_service_linked()
            && !(kind.needs_instance_profile() && role.instance_profile_arns.is_empty())
    }

    /// The roles an unlisted resource of `kind` could run as (what a
    /// [`Target::AssumedResource`] reaches), each conditional on such a resource existing.
    pub fn assumed_runners(&self, kind: ResourceKind) -> Vec<AssumedRunner> {
        let Some(trusting) = self.service_roles.get(kind.service_principal()) else {
            return Vec::new();
        };
        let key = format!("pathwarden:ResourceExists/{}", kind.id());
        trusting
            .iter()
            .filter(|&&(i, _)| self.can_run_on(i, kind))
            .map(|&(i, trust_conditional)| {
                let role = &self.snap.roles[i];
                let mut undecided_keys = BTreeSet::from([key.clone()]);
                if trust_conditional {
                    undecided_keys.insert(format!("trust:{}", kind.service_principal()));
                }
                AssumedRunner {
                    role_arn: role.arn().to_string(),
                    undecided_keys,
                    assumption: runs_as_assumption(role, kind),
                }
            })
            .collect()
    }

    /// Whether entity `i` can be the victim of a takeover of `kind` by the caller: not the
    /// caller itself, not a service-linked role (IAM refuses to edit those), and for
    /// password techniques a user whose login profile is in the state the action needs.
    pub(super) fn takeover_victim(
        &self,
        view: &View<'_>,
        kind: VictimKind,
        entity: EntityKind,
        i: usize,
    ) -> bool {
        match entity {
            EntityKind::User => {
                let u = &self.snap.users[i];
                let wrong_state = match kind {
                    VictimKind::UserWithoutLoginProfile => u.has_login_profile == Some(true),
                    VictimKind::UserWithLoginProfile => u.has_login_profile == Some(false),
                    _ => false,
                };
                !wrong_state && u.arn != view.info.arn
            }
            EntityKind::Role => {
                let r = &self.snap.roles[i];
                !r.is_service_linked() && r.arn() != view.info.arn
            }
            _ => false,
        }
    }

    pub(super) fn first_victim_action(rule: &EscalationRule) -> Option<&'static str> {
        rule.requires
            .iter()
            .find(|r| r.on == On::Victim)
            .map(|r| r.action)
    }

    pub(super) fn apply_rule(
        &self,
        rule: &'static EscalationRule,
        view: &View<'_>,
        set: &PolicySet<'_>,
        merge: bool,
        edges: &mut Vec<SharedEscalation>,
    ) {
        let account = || Target::Admin {
            account: self.snap.account_id.clone(),
        };
        match rule.mechanism {
            Mechanism::SelfGrant(what) => {
                let victims: Vec<String> = match what {
                    SelfTarget::Principal => vec![view.info.arn.clone()],
                    SelfTarget::Group => view.info.group_arns.clone(),
                    SelfTarget::AttachedPolicy => self
                        .attached_customer_policies(view)
                        .into_iter()
                        .map(str::to_string)
                        .collect(),
                    SelfTarget::NewResource => vec![String::new()],
                };
                let best = firmest(
                    victims
                        .iter()
                        .filter_map(|v| self.check(view, set, rule, Some(v), None, None)),
                );
                if let Some(c) = best {
                    edges.push(self.edge(rule, account(), c));
                }
            }
            Mechanism::DefaultVersionRollback => {
                for arn in self.attached_customer_policies(view) {
                    let Some(policy) = self.snap.policies.get(arn) else {
                        continue;
                    };
                    let admin_version = policy.other_versions.iter().any(|doc| {
                        let only = PolicySet::identity(vec![NamedPolicy::new(arn, doc)]);
                        self.admin_eval(view, &only).decision.is_possible()
                    });
                    if !admin_version {
                        continue;
                    }
                    if let Some(c) = self.check(view, set, rule, Some(arn), None, None) {
                        edges.push(self.edge(rule, account(), c));
                        break;
                    }
                }
            }
            Mechanism::DropBoundary => {
                if view.boundary.is_none() {
                    return;
                }
                let unbounded = view.set(false);
                let admin = self.admin_eval(view, &unbounded);
                let Some((conditional, keys)) = tri_of(&admin) else {
                    return;
                };
                let keys = keys.clone();
                if let Some(mut c) = self.check(view, set, rule, None, None, None) {
                    c.conditional |= conditional;
                    c.keys.extend(keys);
                    edges.push(self.edge(rule, account(), c));
                }
            }
            Mechanism::TakeOver(kind) => {
                let Some(action) = Self::first_victim_action(rule) else {
                    return;
                };
                let entity = match kind {
                    VictimKind::Role => EntityKind::Role,
                    VictimKind::Group => EntityKind::Group,
                    _ => EntityKind::User,
                };
                let candidates = self
                    .candidates(view, action, entity)
                    .unwrap_or_else(|| (0..self.count(entity)).collect());
                for i in candidates {
                    let (arn, target) = match entity {
                        EntityKind::User => {
                            let u = &self.snap.users[i];
                            let skip = match kind {
                                VictimKind::UserWithoutLoginProfile => {
                                    u.has_login_profile == Some(true)
                                }
                                VictimKind::UserWithLoginProfile => {
                                    u.has_login_profile == Some(false)
                                }
                                _ => false,
                            };
                            if skip || u.arn == view.info.arn {
                                continue;
                            }
                            (u.arn.as_str(), Target::User(u.arn.clone()))
                        }
                        EntityKind::Role => {
                            let r = &self.snap.roles[i];
                            // IAM refuses to edit service-linked roles.
                            if r.is_service_linked() || r.arn() == view.info.arn {
                                continue;
                            }
                            (r.arn(), Target::Role(r.arn().to_string()))
                        }
                        _ => {
                            let g = &self.snap.groups[i];
                            if view.info.group_arns.contains(&g.arn) {
                                continue;
                            }
                            (g.arn.as_str(), Target::Group(g.arn.clone()))
                        }
                    };
                    if let Some(c) = self.check(view, set, rule, Some(arn), None, None) {
                        edges.push(self.edge(rule, target, c));
                    }
                }
            }
            Mechanism::EditAssumableRole => {
                let Some(action) = Self::first_victim_action(rule) else {
                    return;
                };
                let candidates = self
                    .candidates(view, action, EntityKind::Role)
                    .unwrap_or_else(|| (0..self.snap.roles.len()).collect());
                let best = firmest(candidates.into_iter().filter_map(|i| {
                    let r = &self.snap.roles[i];
                    if r.is_service_linked() || r.arn() == view.info.arn {
                        return None;
                    }
                    self.check(view, set, rule, Some(r.arn()), None, None)
                }));
                if let Some(c) = best {
                    edges.push(self.edge(rule, account(), c));
                }
            }
            Mechanism::EditThenTakeOver(kind) => {
                let Some(action) = Self::first_victim_action(rule) else {
                    return;
                };
                let entity = if kind == VictimKind::Role {
                    EntityKind::Role
                } else {
                    EntityKind::User
                };
                let candidates = self
                    .candidates(view, action, entity)
                    .unwrap_or_else(|| (0..self.count(entity)).collect());
                let best = firmest(candidates.into_iter().filter_map(|i| {
                    if !self.takeover_victim(view, kind, entity, i) {
                        return None;
                    }
                    let arn = self.entity_arn(entity, i);
                    self.check(view, set, rule, Some(arn), None, None)
                }));
                if let Some(c) = best {
                    edges.push(self.edge(rule, account(), c));
                }
            }
            Mechanism::EditPolicyThenTakeOver(kind) => {
                let Some(action) = Self::first_victim_action(rule) else {
                    return;
                };
                let candidates = self
                    .candidates(view, action, EntityKind::Policy)
                    .unwrap_or_else(|| (0..self.held_policies.len()).collect());
                let wanted = if kind == VictimKind::Role {
                    EntityKind::Role
                } else {
                    EntityKind::User
                };
                let best = firmest(candidates.into_iter().flat_map(|p| {
                    let (policy_arn, holders) = &self.held_policies[p];
                    holders.iter().filter_map(move |&(entity, i)| {
                        if entity != wanted || !self.takeover_victim(view, kind, entity, i) {
                            return None;
                        }
                        let holder = self.entity_arn(entity, i);
                        self.check(view, set, rule, Some(policy_arn), Some(holder), None)
                    })
                }));
                if let Some(c) = best {
                    edges.push(self.edge(rule, account(), c));
                }
            }
            Mechanism::AssumeRole => {
                let mut candidates: Vec<usize> = Vec::new();
                if let Some(v) = self.trust_by_arn.get(view.info.arn.as_str()) {
                    candidates.extend(v);
                }
                // A trust naming the account only delegates: the caller also needs an
                // identity grant, which the bitset can rule out cheaply.
                if self.possible(&view.bits, "sts:AssumeRole") {
                    if let Some(v) = self.trust_by_account.get(self.snap.account_id.as_str()) {
                        candidates.extend(v);
                    }
                }
                candidates.extend(&self.trust_open);
                candidates.sort_unstable();
                candidates.dedup();
                for i in candidates {
                    let r = &self.snap.roles[i];
                    if r.arn() == view.info.arn {
                        continue;
                    }
                    if let Some(c) = self.check(view, set, rule, Some(r.arn()), None, None) {
                        edges.push(self.edge(rule, Target::Role(r.arn().to_string()), c));
                    }
                }
            }
            Mechanism::PassRole {
                service,
                instance_profile,
            } => {
                let Some(trusting) = self.service_roles.get(service) else {
                    return;
                };
                // Which roles the caller's class can pass (the same for every member);
                // the caller itself is left out afterwards.
                let checks = self.shared_checks(view, rule, false, || {
                    let allowed: Option<HashSet<usize>> = self
                        .candidates(view, "iam:PassRole", EntityKind::Role)
                        .map(|v| v.into_iter().collect());
                    let mut out = Vec::new();
                    for &(i, trust_conditional) in trusting {
                        if allowed.as_ref().is_some_and(|a| !a.contains(&i)) {
                            continue;
                        }
                        let r = &self.snap.roles[i];
                        // Service-linked roles cannot be passed; EC2 needs an instance
                        // profile.
                        if r.is_service_linked()
                            || (instance_profile && r.instance_profile_arns.is_empty())
                        {
                            continue;
                        }
                        if let Some(mut c) =
                            self.check(view, set, rule, Some(r.arn()), None, Some(service))
                        {
                            if trust_conditional {
                                c.conditional = true;
                                c.keys.insert(format!("trust:{service}"));
                            }
                            out.push((i, self.edge(rule, Target::Role(r.arn().to_string()), c)));
                        }
                    }
                    out
                });
                for (i, e) in checks.iter() {
                    if self.snap.roles[*i].arn() == view.info.arn {
                        continue;
                    }
                    edges.push(e.clone());
                }
            }
            Mechanism::Hijack(kind) => {
                let Some(action) = Self::first_victim_action(rule) else {
                    return;
                };
                let entity = EntityKind::Resource(kind);
                // Which resources the caller's class can take over (the same for every
                // member); resources running as the caller itself are left out afterwards.
                let checks = self.shared_checks(view, rule, merge, || {
                    let candidates = self.candidates(view, action, entity).unwrap_or_else(|| {
                        self.resources_by_kind
                            .get(&kind)
                            .cloned()
                            .unwrap_or_default()
                    });
                    let mut out = Vec::new();
                    for i in candidates {
                        let res = &self.snap.resources[i];
                        if res.kind != kind {
                            continue;
                        }
                        if let Some(c) =
                            self.check(view, set, rule, Some(&res.arn), Some(&res.role_arn), None)
                        {
                            out.push((i, self.edge(rule, Target::Role(res.role_arn.clone()), c)));
                        }
                    }
                    if !self.snap.inventoried.contains(&kind) {
                        self.assumed_resources(view, set, rule, kind, action, merge, &mut out);
                    }
                    out
                });
                for (_, e) in checks.iter() {
                    // The caller running as itself gains nothing.
                    if matches!(&e.target, Target::Role(r) if *r == view.info.arn) {
                        continue;
                    }
                    edges.push(e.clone());
                }
            }
        }
    }
}

/// `iam:AttachUserPolicy`, `iam:AttachGroupPolicy`, `iam:AttachRolePolicy`: requests that
/// carry `iam:PolicyARN`.
fn attaches_managed_policy(action: &str) -> bool {
    [
        "iam:AttachUserPolicy",
        "iam:AttachGroupPolicy",
        "iam:AttachRolePolicy",
    ]
    .iter()
    .any(|a| a.eq_ignore_ascii_case(action))
}

/// "assumes an EC2 instance running with instance profile P (role R) exists: ...".
fn runs_as_assumption(role: &RoleInfo, kind: ResourceKind) -> String {
    let runs_as = if kind.needs_instance_profile() {
        format!(
            "with instance profile {} (role {})",
            role.instance_profile_arns.join(", "),
            role.arn()
        )
    } else {
        format!("as role {}", role.arn())
    };
    format!(
        "assumes {} running {runs_as} exists: the input has no inventory of that service",
        kind.label()
    )
}

/// The first check that is not conditional (the search stops there), else the first
/// conditional one.
pub(super) fn firmest(checks: impl Iterator<Item = Check>) -> Option<Check> {
    let mut first = None;
    for c in checks {
        if !c.conditional {
            return Some(c);
        }
        first.get_or_insert(c);
    }
    first
}
