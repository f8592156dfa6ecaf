//! CAN_ACCESS: which users and roles may read, write or administer which buckets.
//!
//! The answer for one principal and one bucket depends on the principal's identity
//! statements that can grant or deny the probed S3 actions, its permissions boundary, the
//! bucket policy, and — only through a few features — on who the principal is: its ARN
//! (a bucket policy naming it, `NotPrincipal`), its name and tags (policy variables,
//! `aws:PrincipalArn`/`aws:username`/`aws:PrincipalTag` conditions). So:
//!
//! - principals are grouped into *access classes*: same account, same kind (user or
//!   role), the same policies holding a statement that can match a probed action, and the
//!   same boundary. In an organisation most people get their S3 rights from a handful of
//!   group and managed policies, so a class typically has hundreds or thousands of
//!   members;
//! - a class whose relevant statements never look at the caller's identity is evaluated
//!   once, on one member, for every bucket whose policy does not look at it either; the
//!   decision and its evidence are the same for every member, so they are shared;
//! - everything else (a class whose statements use `${aws:username}` or principal
//!   conditions, a bucket whose policy names principals by ARN or has principal
//!   conditions, a bucket policy naming this one principal) is evaluated per principal,
//!   exactly as before.
//!
//! The edges stay one per (principal, bucket, access class) with the same decision and
//! evidence as a per-principal evaluation; only the work of deciding them is shared.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use pathwarden_analyzers::policy::arn as arn_util;
use pathwarden_analyzers::policy::document::{Negatable, PrincipalEntry};
use pathwarden_analyzers::policy::{
    Decision, Effect, NamedPolicy, PolicyDocument, PrincipalKind, RequestContext, Statement,
    evaluate,
};
use rayon::prelude::*;

use super::policies::{PrincipalPolicies, evidence_of, resource_may_match};
use super::types::Bucket;
use crate::model::Evidence;

/// Access classes probed on buckets: (class, action, on an object?).
pub(crate) const BUCKET_CLASSES: &[(&str, &str, bool)] = &[
    ("read", "s3:GetObject", true),
    ("write", "s3:PutObject", true),
    ("admin", "s3:PutBucketPolicy", false),
];

/// One CAN_ACCESS fact: a bucket, an entry of [`BUCKET_CLASSES`], and the evaluation's
/// outcome (evidence shared between the members of an access class).
#[derive(Debug, Clone)]
pub(crate) struct Access {
    /// Index into the buckets.
    pub bucket: usize,
    /// Index into [`BUCKET_CLASSES`].
    pub class: usize,
    /// The decision was Conditional rather than Allow.
    pub conditional: bool,
    /// Allow statements behind it.
    pub evidence: Arc<[Evidence]>,
}

/// A principal's CAN_ACCESS facts: the ones shared with its access class plus its own,
/// each sorted by (bucket, class) and about disjoint buckets.
#[derive(Debug, Default)]
pub(crate) struct PrincipalAccess {
    shared: Option<Arc<[Access]>>,
    own: Vec<Access>,
}

impl PrincipalAccess {
    /// Every fact, ordered by (bucket, class).
    pub fn iter(&self) -> impl Iterator<Item = &Access> {
        let shared: &[Access] = self.shared.as_deref().unwrap_or(&[]);
        Merge {
            a: shared,
            b: &self.own,
        }
    }

    /// Number of facts.
    pub fn len(&self) -> usize {
        self.shared.as_ref().map_or(0, |s| s.len()) + self.own.len()
    }

    /// Whether a class computation supplied some of the facts.
    #[cfg(test)]
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }
}

struct Merge<'a> {
    a: &'a [Access],
    b: &'a [Access],
}

impl<'a> Iterator for Merge<'a> {
    type Item = &'a Access;

    fn next(&mut self) -> Option<&'a Access> {
        let take_a = match (self.a.first(), self.b.first()) {
            (Some(x), Some(y)) => (x.bucket, x.class) <= (y.bucket, y.class),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let (head, rest) = if take_a {
            self.a.split_first()?
        } else {
            self.b.split_first()?
        };
        if take_a {
            self.a = rest;
        } else {
            self.b = rest;
        }
        Some(head)
    }
}

/// Whether a statement decides the same way for every caller of one account and kind
/// (see [`Statement::depends_on_caller`]).
fn caller_independent(st: &Statement) -> bool {
    !st.depends_on_caller()
}

/// Lower-cased probed actions.
fn probed_actions() -> Vec<String> {
    BUCKET_CLASSES
        .iter()
        .map(|(_, a, _)| a.to_ascii_lowercase())
        .collect()
}

/// Whether a statement can take part in deciding a probed action.
fn relevant(st: &Statement, actions: &[String]) -> bool {
    actions.iter().any(|a| st.matches_action(a))
}

/// What a policy document's statements say about the probed actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relevance {
    /// No statement can match a probed action.
    None,
    /// Some can, and none of those depends on who the caller is.
    CallerIndependent,
    /// Some statement that can match depends on who the caller is.
    CallerDependent,
}

/// Which buckets a Resource pattern can name, memoised per distinct pattern: most
/// principals share managed policies, so the same patterns recur.
pub(crate) struct BucketIndex {
    /// Per bucket: bucket ARN and a probe object ARN inside it.
    arns: Vec<(String, String)>,
    by_account: HashMap<String, Vec<usize>>,
    cache: RwLock<HashMap<String, Arc<Vec<usize>>>>,
    /// Buckets whose policy names principals: (bucket, named ARNs, named accounts,
    /// names everyone).
    policy_principals: Vec<(usize, Vec<String>, Vec<String>, bool)>,
    /// Per bucket: its policy decides the same way for every caller of an account and
    /// kind (or it has none).
    caller_independent: Vec<bool>,
    actions: Vec<String>,
    /// [`DocInfo`] per policy document, by address (documents outlive the index's use,
    /// and most principals share their documents through groups and managed policies).
    docs: RwLock<HashMap<usize, Arc<DocInfo>>>,
    /// Facts of one (account, kind, effective identity policies, boundary, bucket), shared
    /// by every class that evaluates to the same request on that bucket.
    memo: RwLock<HashMap<String, Arc<[Access]>>>,
}

/// What one policy document can say about bucket requests.
struct DocInfo {
    relevance: Relevance,
    /// Per bucket (bit set): some statement that can match a probed action may match the
    /// bucket or an object in it. A document without it on a bucket never applies there.
    buckets: Vec<u64>,
}

impl DocInfo {
    fn may_apply(&self, bucket: usize) -> bool {
        self.buckets
            .get(bucket / 64)
            .is_some_and(|w| w & (1 << (bucket % 64)) != 0)
    }
}

impl BucketIndex {
    pub(crate) fn new(buckets: &[Bucket]) -> Self {
        let actions = probed_actions();
        let mut by_account: HashMap<String, Vec<usize>> = HashMap::new();
        let mut policy_principals = Vec::new();
        let mut caller_independent_policy = Vec::with_capacity(buckets.len());
        for (i, b) in buckets.iter().enumerate() {
            by_account.entry(b.account_id.clone()).or_default().push(i);
            caller_independent_policy.push(b.policy.as_ref().is_none_or(|doc| {
                doc.statements
                    .iter()
                    .filter(|st| relevant(st, &actions))
                    .all(caller_independent)
            }));
            if let Some(doc) = &b.policy {
                let mut arns = Vec::new();
                let mut accounts = Vec::new();
                let mut anyone = false;
                for st in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
                    match &st.principal {
                        Some(Negatable::Is(list)) => {
                            for e in list {
                                match e {
                                    PrincipalEntry::Anyone => anyone = true,
                                    PrincipalEntry::Arn(a) => arns.push(a.clone()),
                                    PrincipalEntry::Account(a) => accounts.push(
                                        arn_util::account_of(a)
                                            .map(str::to_string)
                                            .unwrap_or_else(|| a.clone()),
                                    ),
                                    _ => {}
                                }
                            }
                        }
                        Some(Negatable::Not(_)) => anyone = true,
                        None => {}
                    }
                }
                if anyone || !arns.is_empty() || !accounts.is_empty() {
                    policy_principals.push((i, arns, accounts, anyone));
                }
            }
        }
        BucketIndex {
            arns: buckets
                .iter()
                .map(|b| (b.arn.clone(), format!("{}/pathwarden-probe-object", b.arn)))
                .collect(),
            by_account,
            cache: RwLock::new(HashMap::new()),
            policy_principals,
            caller_independent: caller_independent_policy,
            actions,
            docs: RwLock::new(HashMap::new()),
            memo: RwLock::new(HashMap::new()),
        }
    }

    fn doc(&self, doc: &PolicyDocument) -> Arc<DocInfo> {
        let key = std::ptr::from_ref(doc) as usize;
        if let Some(info) = self.docs.read().ok().and_then(|m| m.get(&key).cloned()) {
            return info;
        }
        let mut relevance = Relevance::None;
        let mut buckets = vec![0u64; self.arns.len().div_ceil(64)];
        for st in doc
            .statements
            .iter()
            .filter(|st| relevant(st, &self.actions))
        {
            if st.depends_on_caller() {
                relevance = Relevance::CallerDependent;
            } else if relevance == Relevance::None {
                relevance = Relevance::CallerIndependent;
            }
            for (i, (bucket, object)) in self.arns.iter().enumerate() {
                if resource_may_match(st, &[bucket.as_str(), object.as_str()]) {
                    buckets[i / 64] |= 1 << (i % 64);
                }
            }
        }
        let info = Arc::new(DocInfo { relevance, buckets });
        if let Ok(mut m) = self.docs.write() {
            m.entry(key).or_insert_with(|| Arc::clone(&info));
        }
        info
    }

    fn relevance(&self, doc: &PolicyDocument) -> Relevance {
        self.doc(doc).relevance
    }

    /// The facts of a class member on a caller-independent bucket: evaluated once per
    /// distinct request, i.e. per (account, kind, identity policies that may apply to
    /// this bucket, boundary, bucket). Policies left out have no statement that can match
    /// a probed action on this bucket, so they cannot change the decision or the evidence.
    fn shared_facts(
        &self,
        pp: &PrincipalPolicies<'_>,
        buckets: &[Bucket],
        i: usize,
    ) -> Arc<[Access]> {
        let mut key = principal_key_prefix(pp);
        let mut effective = Vec::new();
        for policy in &pp.identity {
            let info = self.doc(policy.document);
            if info.relevance != Relevance::None && info.may_apply(i) {
                key.push('\u{1f}');
                key.push_str(&policy.id);
                effective.push(policy.clone());
            }
        }
        key.push('\u{1e}');
        if let Some(b) = &pp.boundary {
            key.push_str(&b.id);
        }
        key.push('\u{1e}');
        key.push_str(&i.to_string());
        if let Some(hit) = self.memo.read().ok().and_then(|m| m.get(&key).cloned()) {
            return hit;
        }
        let narrowed = PrincipalPolicies {
            principal: pp.principal.clone(),
            identity: effective,
            boundary: pp.boundary.clone(),
        };
        let mut out = Vec::new();
        evaluate_bucket(&narrowed, buckets, self, i, &mut out);
        let facts: Arc<[Access]> = out.into();
        if let Ok(mut m) = self.memo.write() {
            m.entry(key).or_insert_with(|| Arc::clone(&facts));
        }
        facts
    }

    fn matching(&self, account: &str, st: &Statement) -> Arc<Vec<usize>> {
        let own = self
            .by_account
            .get(account)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let patterns: Vec<&str> = match &st.resource {
            // A pattern with policy variables matches every bucket here; key it apart from
            // the same text read literally (2008-10-17 documents) so the memo stays exact.
            Some(Negatable::Is(list)) => list
                .iter()
                .map(|p| {
                    if p.tokens.is_some() {
                        p.raw.as_str()
                    } else {
                        "\u{1e}variables"
                    }
                })
                .collect(),
            _ => return Arc::new(own.to_vec()),
        };
        let key = format!("{account}|{}", patterns.join("\u{1f}"));
        if let Ok(c) = self.cache.read() {
            if let Some(hit) = c.get(&key) {
                return Arc::clone(hit);
            }
        }
        let hits: Vec<usize> = own
            .iter()
            .copied()
            .filter(|&i| {
                let (bucket, object) = &self.arns[i];
                resource_may_match(st, &[bucket.as_str(), object.as_str()])
            })
            .collect();
        let hits = Arc::new(hits);
        if let Ok(mut c) = self.cache.write() {
            c.insert(key, Arc::clone(&hits));
        }
        hits
    }

    /// Buckets a principal of `account` may reach whoever it is within its class: named
    /// by one of its identity grants (same account), or by a bucket policy naming
    /// everyone or the account.
    fn class_candidates(&self, pp: &PrincipalPolicies<'_>, account: &str) -> BTreeSet<usize> {
        let mut candidates: BTreeSet<usize> = BTreeSet::new();
        for action in &self.actions {
            for st in pp.grants(action) {
                candidates.extend(self.matching(account, st).iter().copied());
            }
        }
        for (i, _, accounts, anyone) in &self.policy_principals {
            if *anyone || accounts.iter().any(|a| a == account) {
                candidates.insert(*i);
            }
        }
        candidates
    }

    /// Buckets whose policy names this principal's ARN.
    fn named<'a>(&'a self, arn: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.policy_principals
            .iter()
            .filter(move |(_, arns, _, _)| arns.iter().any(|a| a == arn))
            .map(|(i, _, _, _)| *i)
    }
}

/// Evaluates the probed actions of one principal on one bucket.
fn evaluate_bucket(
    pp: &PrincipalPolicies<'_>,
    buckets: &[Bucket],
    index: &BucketIndex,
    i: usize,
    out: &mut Vec<Access>,
) {
    let b = &buckets[i];
    let resource_policy = b
        .policy
        .as_ref()
        .map(|d| NamedPolicy::new(b.arn.as_str(), d));
    let set = pp.set(resource_policy);
    for (class, (_, action, on_object)) in BUCKET_CLASSES.iter().enumerate() {
        let resource = if *on_object {
            index.arns[i].1.as_str()
        } else {
            b.arn.as_str()
        };
        let ctx = RequestContext::new(pp.principal.clone(), action, resource)
            .with_resource_account(&b.account_id);
        let ev = evaluate(&set, &ctx);
        if ev.decision.is_possible() {
            out.push(Access {
                bucket: i,
                class,
                conditional: ev.decision == Decision::Conditional,
                evidence: evidence_of(&ev, action, &b.arn).into(),
            });
        }
    }
}

/// The start of a sharing key: the principal's account and kind.
fn principal_key_prefix(pp: &PrincipalPolicies<'_>) -> String {
    let mut key = String::new();
    key.push_str(pp.principal.account.as_deref().unwrap_or_default());
    key.push('\u{1f}');
    key.push_str(match pp.principal.kind {
        PrincipalKind::Role => "role",
        _ => "user",
    });
    key
}

/// The access class of one principal: `None` when some relevant statement depends on
/// who the caller is (the principal is then evaluated on its own).
fn class_key(pp: &PrincipalPolicies<'_>, index: &BucketIndex) -> Option<String> {
    let mut key = principal_key_prefix(pp);
    for policy in pp.identity.iter().chain(pp.boundary.iter()) {
        match index.relevance(policy.document) {
            Relevance::None => {}
            Relevance::CallerIndependent => {
                key.push('\u{1f}');
                key.push_str(&policy.id);
            }
            Relevance::CallerDependent => return None,
        }
    }
    // A boundary limits even when none of its statements matches (it then denies).
    key.push('\u{1e}');
    if let Some(b) = &pp.boundary {
        key.push_str(&b.id);
    }
    Some(key)
}

/// CAN_ACCESS facts of every principal in `principals` (same order).
pub(crate) fn bucket_access(
    principals: &[PrincipalPolicies<'_>],
    buckets: &[Bucket],
    index: &BucketIndex,
) -> Vec<PrincipalAccess> {
    bucket_access_with(principals, buckets, index, true)
}

/// [`bucket_access`], optionally without sharing (every principal evaluated on its own,
/// the reference the shared computation must agree with).
pub(crate) fn bucket_access_with(
    principals: &[PrincipalPolicies<'_>],
    buckets: &[Bucket],
    index: &BucketIndex,
    share: bool,
) -> Vec<PrincipalAccess> {
    // Group principals into classes, in order of first appearance (deterministic).
    let keys: Vec<Option<String>> = principals
        .par_iter()
        .map(|pp| if share { class_key(pp, index) } else { None })
        .collect();
    let mut class_of: Vec<Option<usize>> = vec![None; principals.len()];
    let mut representatives: Vec<usize> = Vec::new();
    {
        let mut ids: HashMap<&str, usize> = HashMap::new();
        for (p, key) in keys.iter().enumerate() {
            if let Some(k) = key {
                let next = representatives.len();
                let id = *ids.entry(k.as_str()).or_insert(next);
                if id == next {
                    representatives.push(p);
                }
                class_of[p] = Some(id);
            }
        }
    }
    // Per class: candidate buckets, and the shared facts on caller-independent buckets.
    struct Class {
        shared: Arc<[Access]>,
        /// Candidates each member evaluates itself (their policy depends on the caller).
        per_member: Vec<usize>,
        candidates: BTreeSet<usize>,
    }
    let classes: Vec<Class> = representatives
        .par_iter()
        .map(|&rep| {
            let pp = &principals[rep];
            let account = pp.principal.account.as_deref().unwrap_or_default();
            let candidates = index.class_candidates(pp, account);
            let mut shared = Vec::new();
            let mut per_member = Vec::new();
            for &i in &candidates {
                if index.caller_independent[i] {
                    shared.extend(index.shared_facts(pp, buckets, i).iter().cloned());
                } else {
                    per_member.push(i);
                }
            }
            Class {
                shared: shared.into(),
                per_member,
                candidates,
            }
        })
        .collect();
    principals
        .par_iter()
        .enumerate()
        .map(|(p, pp)| {
            let account = pp.principal.account.as_deref().unwrap_or_default();
            let mut own = Vec::new();
            match class_of[p] {
                Some(c) => {
                    let class = &classes[c];
                    let mut extra: BTreeSet<usize> = class.per_member.iter().copied().collect();
                    extra.extend(
                        index
                            .named(&pp.principal.arn)
                            .filter(|i| !class.candidates.contains(i)),
                    );
                    for i in extra {
                        evaluate_bucket(pp, buckets, index, i, &mut own);
                    }
                    PrincipalAccess {
                        shared: (!class.shared.is_empty()).then(|| Arc::clone(&class.shared)),
                        own,
                    }
                }
                None => {
                    let mut candidates = index.class_candidates(pp, account);
                    candidates.extend(index.named(&pp.principal.arn));
                    for i in candidates {
                        evaluate_bucket(pp, buckets, index, i, &mut own);
                    }
                    PrincipalAccess { shared: None, own }
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::{Value, json};

    use super::super::read::read_tables;

    const ACCT: &str = "111111111111";

    use super::super::types::{BucketRow, GroupRow, InlinePolicy, Tables, UserRow};
    use crate::rows::Json;

    fn user(name: &str, groups: &[&str], tags: Value) -> UserRow {
        let groups: Vec<Value> = groups
            .iter()
            .map(|g| json!({"Arn": format!("arn:aws:iam::{ACCT}:group/{g}")}))
            .collect();
        UserRow {
            arn: Some(format!("arn:aws:iam::{ACCT}:user/{name}")),
            name: name.to_string(),
            account_id: Some(ACCT.to_string()),
            path: Some("/".to_string()),
            groups: json!(groups),
            attached_policy_arns: json!([]),
            tags,
            ..UserRow::default()
        }
    }

    fn group(name: &str, statements: Value) -> GroupRow {
        GroupRow {
            arn: Some(format!("arn:aws:iam::{ACCT}:group/{name}")),
            name: name.to_string(),
            account_id: Some(ACCT.to_string()),
            path: Some("/".to_string()),
            inline_policies: Json(vec![InlinePolicy {
                name: format!("{name}-s3"),
                document: json!({"Version": "2012-10-17", "Statement": statements}),
            }]),
            attached_policy_arns: json!([]),
        }
    }

    fn bucket(name: &str, policy: Option<Value>) -> BucketRow {
        BucketRow {
            arn: Some(format!("arn:aws:s3:::{name}")),
            name: name.to_string(),
            account_id: ACCT.to_string(),
            region: "us-east-1".to_string(),
            policy: policy.unwrap_or(Value::Null),
            block_public_policy: true,
            ignore_public_acls: true,
            restrict_public_buckets: true,
            ..BucketRow::default()
        }
    }

    /// Five users, some sharing groups, with the features that make an answer depend on
    /// the caller: `${aws:username}`, a principal-tag condition, bucket policies naming
    /// one user to deny or to allow.
    fn tables() -> Tables {
        let dave = format!("arn:aws:iam::{ACCT}:user/dave");
        let erin = format!("arn:aws:iam::{ACCT}:user/erin");
        Tables {
            users: vec![
                user(
                    "alice",
                    &["readers", "homes", "tagged"],
                    json!({"team": "red"}),
                ),
                user(
                    "bob",
                    &["readers", "homes", "tagged"],
                    json!({"team": "blue"}),
                ),
                user("carol", &["readers"], json!({})),
                user("dave", &["readers"], json!({})),
                user("erin", &[], json!({})),
            ],
            groups: vec![
                group(
                    "readers",
                    json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*/*"}]),
                ),
                group(
                    "homes",
                    json!([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::${aws:username}-home/*"}]),
                ),
                group(
                    "tagged",
                    json!([{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "red"}}}]),
                ),
            ],
            buckets: vec![
                bucket("alice-home", None),
                bucket("bob-home", None),
                bucket(
                    "shared",
                    Some(json!({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Deny", "Principal": {"AWS": dave}, "Action": "s3:*", "Resource": "arn:aws:s3:::shared/*"}
                    ]})),
                ),
                bucket(
                    "partner",
                    Some(json!({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Principal": {"AWS": erin}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::partner/*"}
                    ]})),
                ),
                bucket(
                    "locked",
                    Some(json!({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::locked/*"}
                    ]})),
                ),
            ],
            ..Tables::default()
        }
    }

    fn edges(
        facts: &[(String, String, usize, bool, Vec<crate::model::Evidence>)],
    ) -> BTreeSet<String> {
        facts
            .iter()
            .map(|(p, b, class, _, _)| {
                format!(
                    "{} {} {}",
                    p.rsplit('/').next().unwrap_or_default(),
                    super::BUCKET_CLASSES[*class].0,
                    b.rsplit(':').next().unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn caller_dependent_statements_are_evaluated_per_principal() {
        let (shared, shared_principals) = super::super::access_facts(tables(), true);
        let (each, _) = super::super::access_facts(tables(), false);
        assert_eq!(shared, each, "sharing must not change any fact");
        // carol and dave share a class (same single relevant policy); alice and bob use
        // ${aws:username} and a principal-tag condition, so they are evaluated alone.
        assert_eq!(shared_principals, 2);
        let got = edges(&shared);
        let want: BTreeSet<String> = [
            "alice read alice-home",
            "alice read bob-home",
            "alice read shared",
            "alice read partner",
            "alice write alice-home",
            "alice write bob-home",
            "alice write shared",
            "alice write partner",
            "alice write locked",
            "bob read alice-home",
            "bob read bob-home",
            "bob read shared",
            "bob read partner",
            "bob write bob-home",
            "carol read alice-home",
            "carol read bob-home",
            "carol read shared",
            "carol read partner",
            "dave read alice-home",
            "dave read bob-home",
            "dave read partner",
            "erin read partner",
        ]
        .into_iter()
        .map(str::to_string)
        .collect();
        assert_eq!(got, want);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shared_evaluation_agrees_with_per_principal_evaluation_on_the_demo() {
        let ctx = crate::demo_context(2_000);
        let tables = read_tables(&ctx, "demo").await.expect("demo tables");
        let again = read_tables(&ctx, "demo").await.expect("demo tables");
        let ((shared, shared_principals), (each, _)) = tokio::task::spawn_blocking(move || {
            (
                super::super::access_facts(tables, true),
                super::super::access_facts(again, false),
            )
        })
        .await
        .expect("evaluation");
        assert!(!shared.is_empty());
        assert!(
            shared_principals > 1_000,
            "most principals share their class: {shared_principals}"
        );
        assert_eq!(shared.len(), each.len());
        assert!(shared == each, "shared and per-principal facts differ");
    }
}
