//! Conditions the evaluator decides instead of marking a path conditional: values of the
//! escalation's own requests (`iam:PolicyARN` of the policy attached, `iam:PassedToService`,
//! the time, MFA on long-term keys, the caller's ARN), and stored policy versions for
//! SetDefaultPolicyVersion. Each decision has a trigger test and a near-miss test; what
//! depends on the sender's request context (source IP, VPC, request tags) stays
//! conditional.

use pathwarden_analyzers::escalation::{
    AccountSnapshot, EscalationEdge, ManagedPolicyInfo, PrincipalInfo, RoleInfo, Target,
    escalations, is_admin,
};
use pathwarden_analyzers::policy::{Decision, PolicyDocument};
use serde_json::{Value, json};

const ACCT: &str = "111111111111";
const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
const ROLE: &str = "arn:aws:iam::111111111111:role/builder";

fn doc(v: Value) -> PolicyDocument {
    PolicyDocument::from_value(&v).unwrap_or_else(|e| panic!("test policy must parse: {e}"))
}

fn statement(action: &str, condition: Value) -> PolicyDocument {
    doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": "*", "Condition": condition}
    ]}))
}

fn user_with(policy: PolicyDocument) -> AccountSnapshot {
    let mut a = PrincipalInfo::user(ALICE);
    a.inline_policies.push(("p".into(), policy));
    AccountSnapshot {
        account_id: ACCT.into(),
        users: vec![a],
        ..Default::default()
    }
}

fn role_with(policy: PolicyDocument) -> AccountSnapshot {
    let mut r = RoleInfo::new(
        ROLE,
        doc(json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]})),
    );
    r.principal.inline_policies.push(("p".into(), policy));
    AccountSnapshot {
        account_id: ACCT.into(),
        roles: vec![r],
        ..Default::default()
    }
}

fn edges(snap: &AccountSnapshot, who: &str, rule: &str) -> Vec<EscalationEdge> {
    escalations(who, snap)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|e| e.rule_id == rule)
        .collect()
}

/// The one edge of `rule`, decided (not conditional).
fn firm(snap: &AccountSnapshot, who: &str, rule: &str) {
    let found = edges(snap, who, rule);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(!found[0].conditional, "decided, not conditional: {found:?}");
    assert!(matches!(found[0].target, Target::Admin { .. }));
}

#[test]
fn policy_arn_allowing_an_admin_policy_is_a_firm_escalation() {
    let snap = user_with(statement(
        "iam:AttachUserPolicy",
        json!({"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}}),
    ));
    firm(&snap, ALICE, "iam-attach-user-policy");
}

#[test]
fn policy_arn_limited_to_a_read_only_policy_is_no_escalation() {
    let snap = user_with(statement(
        "iam:AttachUserPolicy",
        json!({"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}),
    ));
    assert!(edges(&snap, ALICE, "iam-attach-user-policy").is_empty());
}

#[test]
fn policy_arn_allowing_a_customer_admin_policy_escalates() {
    let mut snap = user_with(statement(
        "iam:AttachUserPolicy",
        json!({"StringLike": {"iam:PolicyARN": "arn:aws:iam::111111111111:policy/team-*"}}),
    ));
    let arn = "arn:aws:iam::111111111111:policy/team-admin";
    snap.policies.insert(
        arn.into(),
        ManagedPolicyInfo::new(
            arn,
            doc(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})),
        ),
    );
    firm(&snap, ALICE, "iam-attach-user-policy");
    // The same pattern with only a read-only team policy in the account: nothing to attach.
    let ro = "arn:aws:iam::111111111111:policy/team-readonly";
    snap.policies.clear();
    snap.policies.insert(
        ro.into(),
        ManagedPolicyInfo::new(
            ro,
            doc(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]})),
        ),
    );
    assert!(edges(&snap, ALICE, "iam-attach-user-policy").is_empty());
}

#[test]
fn current_time_after_a_past_date_holds_today() {
    let snap = user_with(statement(
        "iam:PutUserPolicy",
        json!({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
    ));
    firm(&snap, ALICE, "iam-put-user-policy");
}

#[test]
fn current_time_window_that_ended_never_holds() {
    let snap = user_with(statement(
        "iam:PutUserPolicy",
        json!({"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
    ));
    assert!(edges(&snap, ALICE, "iam-put-user-policy").is_empty());
}

#[test]
fn epoch_time_comparisons_are_decided() {
    let after = user_with(statement(
        "iam:PutUserPolicy",
        json!({"NumericGreaterThan": {"aws:EpochTime": "1577836800"}}),
    ));
    firm(&after, ALICE, "iam-put-user-policy");
    let before = user_with(statement(
        "iam:PutUserPolicy",
        json!({"NumericLessThan": {"aws:EpochTime": "1577836800"}}),
    ));
    assert!(edges(&before, ALICE, "iam-put-user-policy").is_empty());
}

#[test]
fn token_issued_after_a_future_date_never_holds() {
    let snap = role_with(statement(
        "iam:PutRolePolicy",
        json!({"DateGreaterThan": {"aws:TokenIssueTime": "2999-01-01T00:00:00Z"}}),
    ));
    assert!(edges(&snap, ROLE, "iam-put-role-policy").is_empty());
}

#[test]
fn token_issued_before_a_date_stays_conditional_for_a_role_session() {
    // A session issued before 2999 may or may not exist: the session's age is the
    // sender's, not the policy's, so the path stays conditional.
    let snap = role_with(statement(
        "iam:PutRolePolicy",
        json!({"DateLessThan": {"aws:TokenIssueTime": "2999-01-01T00:00:00Z"}}),
    ));
    let found = edges(&snap, ROLE, "iam-put-role-policy");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].conditional);
    assert!(found[0].undecided_keys.contains("aws:TokenIssueTime"));
}

#[test]
fn mfa_required_grant_is_none_on_long_term_keys() {
    let snap = user_with(statement(
        "iam:PutUserPolicy",
        json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
    ));
    assert!(edges(&snap, ALICE, "iam-put-user-policy").is_empty());
}

#[test]
fn grant_unless_mfa_is_firm_on_long_term_keys() {
    let snap = user_with(statement(
        "iam:PutUserPolicy",
        json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
    ));
    firm(&snap, ALICE, "iam-put-user-policy");
}

#[test]
fn principal_arn_patterns_are_decided() {
    let mine = user_with(statement(
        "iam:PutUserPolicy",
        json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111111111111:user/ali*"}}),
    ));
    firm(&mine, ALICE, "iam-put-user-policy");
    let others = user_with(statement(
        "iam:PutUserPolicy",
        json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111111111111:user/ops-*"}}),
    ));
    assert!(edges(&others, ALICE, "iam-put-user-policy").is_empty());
}

#[test]
fn source_ip_stays_conditional() {
    let snap = user_with(statement(
        "iam:PutUserPolicy",
        json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
    ));
    let found = edges(&snap, ALICE, "iam-put-user-policy");
    assert_eq!(found.len(), 1);
    assert!(found[0].conditional);
    assert!(found[0].undecided_keys.contains("aws:SourceIp"));
}

/// A user holding a customer policy whose stored non-default version grants `*`.
fn versioned(other_version: Value) -> AccountSnapshot {
    let arn = "arn:aws:iam::111111111111:policy/versioned";
    let mut info = ManagedPolicyInfo::new(
        arn,
        doc(json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:SetDefaultPolicyVersion", "Resource": arn}
        ]})),
    );
    info.other_versions.push(doc(other_version));
    let mut a = PrincipalInfo::user(ALICE);
    a.attached_policy_arns.push(arn.into());
    let mut snap = AccountSnapshot {
        account_id: ACCT.into(),
        users: vec![a],
        ..Default::default()
    };
    snap.policies.insert(arn.into(), info);
    snap
}

#[test]
fn set_default_policy_version_to_a_stored_admin_version_escalates() {
    let snap = versioned(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    );
    firm(&snap, ALICE, "iam-set-default-policy-version");
    assert_eq!(
        is_admin(ALICE, &snap).map(|e| e.decision),
        Ok(Decision::ImplicitDeny),
        "not admin before the switch"
    );
}

#[test]
fn set_default_policy_version_to_a_read_only_version_is_no_escalation() {
    let snap = versioned(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}),
    );
    assert!(edges(&snap, ALICE, "iam-set-default-policy-version").is_empty());
}
