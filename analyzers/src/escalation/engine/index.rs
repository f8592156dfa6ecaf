//! Indexing a snapshot: entities by ARN and by name, trust policies, roles per trusted
//! service, action bitsets of managed policies, and victim candidates from a caller's
//! Allow patterns (literal ARNs looked up, wildcard patterns scanned once and memoised).

use super::mechanisms::tri_of;
use super::*;

/// Entity indices matching a wildcard pattern, memoised per (kind, pattern).
pub(super) type PatternCache = HashMap<(EntityKind, Vec<Tok>), Arc<Vec<usize>>>;

/// Text after the last `/` or `:` of an ARN (the entity's name).
pub(super) fn last_segment(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// The literal name a pattern ends in, after its last literal `/` or `:`, when nothing
/// after that separator is a wildcard: every ARN the pattern matches then ends in
/// `/name` or `:name`, i.e. has `name` as its [`last_segment`].
pub(super) fn literal_tail(tokens: &[Tok]) -> Option<Vec<u8>> {
    let sep = tokens
        .iter()
        .rposition(|t| matches!(t, Tok::Lit(b'/') | Tok::Lit(b':')))?;
    let tail = &tokens[sep + 1..];
    if tail.is_empty() {
        return None;
    }
    tail.iter()
        .map(|t| match t {
            Tok::Lit(b) => Some(*b),
            _ => None,
        })
        .collect()
}

impl<'s> SnapshotIndex<'s> {
    /// Indexes a snapshot. O(size of the snapshot × services in the rules).
    pub fn new(snap: &'s AccountSnapshot) -> Self {
        let catalogue = catalogue_actions();
        let slots: HashMap<String, usize> = catalogue
            .iter()
            .enumerate()
            .map(|(i, a)| (a.clone(), i))
            .collect();
        let mut idx = SnapshotIndex {
            snap,
            users: snap
                .users
                .iter()
                .enumerate()
                .map(|(i, u)| (u.arn.as_str(), i))
                .collect(),
            roles: snap
                .roles
                .iter()
                .enumerate()
                .map(|(i, r)| (r.arn(), i))
                .collect(),
            groups: snap
                .groups
                .iter()
                .enumerate()
                .map(|(i, g)| (g.arn.as_str(), i))
                .collect(),
            held_policies: Vec::new(),
            held_policy_index: HashMap::new(),
            resources: snap
                .resources
                .iter()
                .enumerate()
                .map(|(i, r)| (r.arn.as_str(), i))
                .collect(),
            resources_by_kind: HashMap::new(),
            by_name: HashMap::new(),
            service_roles: HashMap::new(),
            trust_by_arn: HashMap::new(),
            trust_by_account: HashMap::new(),
            trust_open: Vec::new(),
            catalogue,
            slots,
            policy_bits: HashMap::new(),
            unresolved: HashMap::new(),
            admin_policies: Vec::new(),
            pattern_cache: RwLock::new(HashMap::new()),
            victim_checks: RwLock::new(HashMap::new()),
        };
        for (i, r) in snap.resources.iter().enumerate() {
            idx.resources_by_kind.entry(r.kind).or_default().push(i);
        }
        {
            let mut holders: BTreeMap<&'s str, Vec<(EntityKind, usize)>> = BTreeMap::new();
            let customer = |arn: &str| snap.policies.get(arn).is_some_and(|p| !p.aws_managed);
            let group_of: HashMap<&str, &crate::escalation::snapshot::GroupInfo> =
                snap.groups.iter().map(|g| (g.arn.as_str(), g)).collect();
            let principals = snap
                .users
                .iter()
                .enumerate()
                .map(|(i, u)| (EntityKind::User, i, u))
                .chain(
                    snap.roles
                        .iter()
                        .enumerate()
                        .map(|(i, r)| (EntityKind::Role, i, &r.principal)),
                );
            for (kind, i, p) in principals {
                let via_groups = p
                    .group_arns
                    .iter()
                    .filter_map(|g| group_of.get(g.as_str()))
                    .flat_map(|g| g.attached_policy_arns.iter());
                for arn in p.attached_policy_arns.iter().chain(via_groups) {
                    if customer(arn) {
                        let list = holders.entry(arn.as_str()).or_default();
                        if !list.contains(&(kind, i)) {
                            list.push((kind, i));
                        }
                    }
                }
            }
            idx.held_policies = holders.into_iter().collect();
            idx.held_policy_index = idx
                .held_policies
                .iter()
                .enumerate()
                .map(|(i, (arn, _))| (*arn, i))
                .collect();
        }
        for kind in [
            EntityKind::User,
            EntityKind::Role,
            EntityKind::Group,
            EntityKind::Policy,
        ]
        .into_iter()
        .chain(
            idx.resources_by_kind
                .keys()
                .map(|&k| EntityKind::Resource(k))
                .collect::<Vec<_>>(),
        ) {
            for (i, arn) in idx.entity_arns(kind) {
                idx.by_name
                    .entry((kind, last_segment(arn)))
                    .or_default()
                    .push(i);
            }
        }
        let services: BTreeSet<&'static str> = all_rules()
            .filter_map(|r| match r.mechanism {
                Mechanism::PassRole { service, .. } => Some(service),
                // Resources the input does not list run as roles trusting their service.
                Mechanism::Hijack(kind) => Some(kind.service_principal()),
                _ => None,
            })
            .collect();
        for (i, role) in snap.roles.iter().enumerate() {
            for service in &services {
                // The attacker's resource (function, instance, job) lives in this account, so
                // confused-deputy guards on aws:SourceAccount are satisfiable.
                let ctx =
                    RequestContext::new(Principal::service(service), "sts:AssumeRole", role.arn())
                        .with_key("aws:SourceAccount", [snap.account_id.as_str()])
                        .with_resource_account(&snap.account_id);
                let set = PolicySet {
                    resource: Some(NamedPolicy::new(role.arn(), &role.trust_policy)),
                    resource_policy_required: true,
                    ..Default::default()
                };
                let ev = evaluate(&set, &ctx);
                if let Some((conditional, _)) = tri_of(&ev) {
                    idx.service_roles
                        .entry(service)
                        .or_default()
                        .push((i, conditional));
                }
            }
            let mut open = false;
            for st in &role.trust_policy.statements {
                if st.effect != Effect::Allow {
                    continue;
                }
                match &st.principal {
                    Some(Negatable::Is(entries)) => {
                        for e in entries {
                            match e {
                                PrincipalEntry::Anyone => open = true,
                                PrincipalEntry::Account(a) => {
                                    idx.trust_by_account.entry(a.as_str()).or_default().push(i)
                                }
                                PrincipalEntry::Arn(a) => {
                                    idx.trust_by_arn.entry(a.as_str()).or_default().push(i)
                                }
                                _ => {}
                            }
                        }
                    }
                    Some(Negatable::Not(_)) => open = true,
                    None => {}
                }
            }
            if open {
                idx.trust_open.push(i);
            }
        }
        for list in idx
            .trust_by_arn
            .values_mut()
            .chain(idx.trust_by_account.values_mut())
        {
            list.dedup();
        }
        let mut bits = HashMap::new();
        for (arn, p) in &snap.policies {
            bits.insert(arn.as_str(), idx.doc_bits(&p.default_document));
        }
        for (arn, doc) in builtin_policies() {
            bits.entry(arn).or_insert_with(|| idx.doc_bits(doc));
        }
        idx.policy_bits = bits;
        idx.admin_policies = admin_policies(snap);
        // Unresolvable references: attachments and boundaries whose body we lack.
        let mut missing = BTreeSet::new();
        let principals = snap
            .users
            .iter()
            .chain(snap.roles.iter().map(|r| &r.principal));
        for p in principals {
            for arn in p
                .attached_policy_arns
                .iter()
                .chain(p.permissions_boundary_arn.iter())
            {
                if !idx.policy_bits.contains_key(arn.as_str()) {
                    missing.insert(arn.clone());
                }
            }
        }
        for g in &snap.groups {
            for arn in &g.attached_policy_arns {
                if !idx.policy_bits.contains_key(arn.as_str()) {
                    missing.insert(arn.clone());
                }
            }
        }
        for arn in missing {
            tracing::warn!(policy_arn = %arn, "managed policy body missing from snapshot; its grants are reported as conditional");
            idx.unresolved.insert(arn.clone(), unresolved_doc(&arn));
        }
        idx
    }

    pub(super) fn doc_bits(&self, doc: &PolicyDocument) -> ActionBits {
        let mut bits = [0u64; WORDS];
        for st in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
            for (i, action) in self.catalogue.iter().enumerate() {
                if i < WORDS * 64 && st.matches_action(action) {
                    bits[i / 64] |= 1 << (i % 64);
                }
            }
        }
        bits
    }

    pub(super) fn possible(&self, bits: &ActionBits, action: &str) -> bool {
        match self.slots.get(&action.to_ascii_lowercase()) {
            Some(&i) if i < WORDS * 64 => bits[i / 64] & (1 << (i % 64)) != 0,
            // Not in the catalogue: no prefilter, let the evaluator decide.
            _ => true,
        }
    }

    pub(super) fn managed(&self, arn: &'s str) -> Option<NamedPolicy<'s>> {
        if let Some(p) = self.snap.policies.get(arn) {
            return Some(NamedPolicy::new(arn, &p.default_document));
        }
        if let Some(doc) = builtin_policies().get(arn) {
            return Some(NamedPolicy::new(arn, doc));
        }
        None
    }

    pub(super) fn entity_arns(&self, kind: EntityKind) -> Vec<(usize, &'s str)> {
        match kind {
            EntityKind::User => self
                .snap
                .users
                .iter()
                .enumerate()
                .map(|(i, u)| (i, u.arn.as_str()))
                .collect(),
            EntityKind::Role => self
                .snap
                .roles
                .iter()
                .enumerate()
                .map(|(i, r)| (i, r.arn()))
                .collect(),
            EntityKind::Group => self
                .snap
                .groups
                .iter()
                .enumerate()
                .map(|(i, g)| (i, g.arn.as_str()))
                .collect(),
            EntityKind::Policy => self
                .held_policies
                .iter()
                .enumerate()
                .map(|(i, (arn, _))| (i, *arn))
                .collect(),
            EntityKind::Resource(k) => self
                .resources_by_kind
                .get(&k)
                .map(|v| {
                    v.iter()
                        .map(|&i| (i, self.snap.resources[i].arn.as_str()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    pub(super) fn entity_arn(&self, kind: EntityKind, i: usize) -> &'s str {
        match kind {
            EntityKind::User => &self.snap.users[i].arn,
            EntityKind::Role => self.snap.roles[i].arn(),
            EntityKind::Group => &self.snap.groups[i].arn,
            EntityKind::Policy => self.held_policies[i].0,
            EntityKind::Resource(_) => &self.snap.resources[i].arn,
        }
    }

    pub(super) fn lookup(&self, kind: EntityKind, arn: &str) -> Option<usize> {
        match kind {
            EntityKind::User => self.users.get(arn).copied(),
            EntityKind::Role => self.roles.get(arn).copied(),
            EntityKind::Group => self.groups.get(arn).copied(),
            EntityKind::Policy => self.held_policy_index.get(arn).copied(),
            EntityKind::Resource(k) => self
                .resources
                .get(arn)
                .copied()
                .filter(|&i| self.snap.resources[i].kind == k),
        }
    }

    pub(super) fn count(&self, kind: EntityKind) -> usize {
        match kind {
            EntityKind::User => self.snap.users.len(),
            EntityKind::Role => self.snap.roles.len(),
            EntityKind::Group => self.snap.groups.len(),
            EntityKind::Policy => self.held_policies.len(),
            EntityKind::Resource(k) => self.resources_by_kind.get(&k).map_or(0, Vec::len),
        }
    }

    /// Entities of `kind` that some Allow statement of the principal could grant `action`
    /// on. `None` means "all of them". A superset: the evaluator decides afterwards.
    pub(super) fn candidates(
        &self,
        view: &View<'_>,
        action: &str,
        kind: EntityKind,
    ) -> Option<Vec<usize>> {
        let action_lower = action.to_ascii_lowercase();
        let probe_ctx = self.ctx(view, action, "*");
        let mut out: Vec<usize> = Vec::new();
        for policy in &view.identity {
            for st in &policy.document.statements {
                if st.effect != Effect::Allow || !st.matches_action(&action_lower) {
                    continue;
                }
                let patterns = match &st.resource {
                    Some(Negatable::Is(list)) => list,
                    // No Resource, or NotResource: anything may match.
                    _ => return None,
                };
                for pattern in patterns {
                    let tokens: Cow<'_, [Tok]> = match &pattern.tokens {
                        Some(t) => Cow::Borrowed(t),
                        None => match variables::resolve_tokens(&pattern.raw, &probe_ctx, false) {
                            Ok(t) => Cow::Owned(t),
                            Err(variables::Missing::Absent) => continue,
                            Err(variables::Missing::Unknown(_)) => return None,
                        },
                    };
                    if tokens.iter().all(|t| *t == Tok::Many) {
                        return None;
                    }
                    if glob::is_literal(&tokens) {
                        let text: Vec<u8> = tokens
                            .iter()
                            .filter_map(|t| if let Tok::Lit(b) = t { Some(*b) } else { None })
                            .collect();
                        if let Some(i) = std::str::from_utf8(&text)
                            .ok()
                            .and_then(|a| self.lookup(kind, a))
                        {
                            out.push(i);
                        }
                        continue;
                    }
                    if let Some(name) = literal_tail(&tokens) {
                        // Only entities whose ARN ends in this name can match: look them up
                        // instead of scanning every entity (the pattern differs per caller
                        // when it holds a variable, so a scan would not be memoised).
                        if let Some(named) = std::str::from_utf8(&name)
                            .ok()
                            .and_then(|n| self.by_name.get(&(kind, n)))
                        {
                            out.extend(named.iter().copied().filter(|&i| {
                                crate::policy::arn::matches(&tokens, self.entity_arn(kind, i))
                            }));
                        }
                        continue;
                    }
                    out.extend(self.scan(kind, tokens.into_owned()).iter().copied());
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    pub(super) fn scan(&self, kind: EntityKind, tokens: Vec<Tok>) -> Arc<Vec<usize>> {
        let key = (kind, tokens);
        if let Ok(cache) = self.pattern_cache.read() {
            if let Some(hit) = cache.get(&key) {
                return Arc::clone(hit);
            }
        }
        let matches: Vec<usize> = self
            .entity_arns(kind)
            .into_iter()
            .filter(|(_, arn)| crate::policy::arn::matches(&key.1, arn))
            .map(|(i, _)| i)
            .collect();
        let matches = Arc::new(matches);
        if let Ok(mut cache) = self.pattern_cache.write() {
            cache.insert(key, Arc::clone(&matches));
        }
        matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tail(pattern: &str) -> Option<String> {
        literal_tail(&glob::compile(pattern, false)).and_then(|b| String::from_utf8(b).ok())
    }

    #[test]
    fn literal_tail_names_every_arn_a_pattern_can_match() {
        assert_eq!(tail("arn:aws:iam::*:user/alice").as_deref(), Some("alice"));
        assert_eq!(
            tail("arn:aws:iam::*:user/*/alice").as_deref(),
            Some("alice")
        );
        assert_eq!(tail("arn:aws:iam::123:alice").as_deref(), Some("alice"));
        assert_eq!(tail("arn:aws:iam::*:user/al*"), None);
        assert_eq!(tail("arn:aws:iam::*:user/*alice"), None);
        assert_eq!(tail("arn:aws:iam::*:user/"), None);
        assert_eq!(tail("*"), None);
        let patterns = [
            "arn:aws:iam::*:user/alice",
            "arn:aws:iam::*:user/*/alice",
            "arn:aws:iam::1:*alice",
            "arn:aws:iam::?:user/alice",
            "arn:aws:*:*:*:alice",
            "*/alice",
            "*:alice",
        ];
        let arns = [
            "arn:aws:iam::1:user/alice",
            "arn:aws:iam::1:user/team/alice",
            "arn:aws:iam::1:user/xalice",
            "arn:aws:iam::1:role/alice",
            "arn:aws:iam::1:alice",
            "arn:aws:iam::1:user/alice/bob",
            "arn:aws:iam::1:user/alice:x",
        ];
        for p in patterns {
            let Some(name) = tail(p) else { continue };
            for a in arns {
                if crate::policy::arn::matches_str(p, a) {
                    assert_eq!(last_segment(a), name, "{p} matches {a}");
                }
            }
        }
    }
}

/// Managed policies (the snapshot's and the built-in AWS ones) that make whoever holds
/// them administrator, or give IAM write power (admin-equivalent): what an attacker would
/// attach with `iam:Attach*Policy`, the value of `iam:PolicyARN` in that request.
fn admin_policies(snap: &AccountSnapshot) -> Vec<String> {
    let acct = &snap.account_id;
    let probe = Principal::user(&format!("arn:aws:iam::{acct}:user/pathwarden-probe"));
    let grants_iam_write = |id: &str, doc: &PolicyDocument| {
        let set = PolicySet::identity(vec![NamedPolicy::new(id, doc)]);
        let ctx = RequestContext::new(
            probe.clone(),
            "iam:PutUserPolicy",
            &format!("arn:aws:iam::{acct}:user/pathwarden-probe"),
        )
        .with_resource_account(acct);
        evaluate(&set, &ctx).decision == Decision::Allow
    };
    let mut out: Vec<String> = builtin_policies()
        .iter()
        .filter(|(arn, doc)| grants_iam_write(arn, doc))
        .map(|(arn, _)| arn.to_string())
        .chain(
            snap.policies
                .values()
                .filter(|p| grants_iam_write(&p.arn, &p.default_document))
                .map(|p| p.arn.clone()),
        )
        .collect();
    out.sort();
    out.dedup();
    out
}
