//! Engine behaviour beyond single rules: admin detection, two-way AssumeRole, victim
//! filtering (service-linked roles, resource patterns), unresolved policies, SCPs.

use pathwarden_analyzers::escalation::{
    AccountSnapshot, ComputeResource, EscalationEdge, ManagedPolicyInfo, PrincipalInfo,
    ResourceKind, RoleInfo, SnapshotIndex, Target, can_assume, escalations, is_admin,
};
use pathwarden_analyzers::policy::{Decision, PolicyDocument};
use serde_json::{Value, json};

const ACCT: &str = "111111111111";
const ALICE: &str = "arn:aws:iam::111111111111:user/alice";

fn doc(v: Value) -> PolicyDocument {
    PolicyDocument::from_value(&v).unwrap_or_else(|e| panic!("test policy must parse: {e}"))
}

fn allow(action: Value, resource: Value) -> PolicyDocument {
    doc(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}),
    )
}

fn trust(principal: Value) -> PolicyDocument {
    doc(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}),
    )
}

fn snapshot_with(alice: PrincipalInfo) -> AccountSnapshot {
    AccountSnapshot {
        account_id: ACCT.into(),
        users: vec![alice],
        ..Default::default()
    }
}

#[test]
fn admin_detection() {
    let mut a = PrincipalInfo::user(ALICE);
    a.attached_policy_arns
        .push("arn:aws:iam::aws:policy/AdministratorAccess".into());
    assert_eq!(
        is_admin(ALICE, &snapshot_with(a.clone())).map(|e| e.decision),
        Ok(Decision::Allow)
    );

    let mut iam_full = PrincipalInfo::user(ALICE);
    iam_full
        .attached_policy_arns
        .push("arn:aws:iam::aws:policy/IAMFullAccess".into());
    assert_eq!(
        is_admin(ALICE, &snapshot_with(iam_full)).map(|e| e.decision),
        Ok(Decision::Allow),
        "iam:* is admin-equivalent"
    );

    let mut power = PrincipalInfo::user(ALICE);
    power
        .attached_policy_arns
        .push("arn:aws:iam::aws:policy/PowerUserAccess".into());
    assert_eq!(
        is_admin(ALICE, &snapshot_with(power)).map(|e| e.decision),
        Ok(Decision::ImplicitDeny)
    );

    let mut denied = a.clone();
    denied.inline_policies.push((
        "no-iam".into(),
        doc(json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]})),
    ));
    assert_eq!(
        is_admin(ALICE, &snapshot_with(denied)).map(|e| e.decision),
        Ok(Decision::ExplicitDeny)
    );

    let mut conditional = PrincipalInfo::user(ALICE);
    conditional.inline_policies.push(("mfa".into(), doc(json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}))));
    let ev = is_admin(ALICE, &snapshot_with(conditional)).expect("known principal");
    assert_eq!(
        ev.decision,
        Decision::ImplicitDeny,
        "a user's long-term access keys carry no MFA: decided, not conditional"
    );

    let mut from_office = PrincipalInfo::user(ALICE);
    from_office.inline_policies.push(("ip".into(), doc(json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}))));
    let ev = is_admin(ALICE, &snapshot_with(from_office)).expect("known principal");
    assert_eq!(ev.decision, Decision::Conditional);
    assert!(ev.undecided_keys.contains("aws:SourceIp"));

    assert!(is_admin("arn:aws:iam::111111111111:user/nobody", &snapshot_with(a)).is_err());
}

#[test]
fn admin_through_group_and_scp_limits_it() {
    let mut a = PrincipalInfo::user(ALICE);
    a.group_arns
        .push("arn:aws:iam::111111111111:group/admins".into());
    let mut snap = snapshot_with(a);
    snap.groups
        .push(pathwarden_analyzers::escalation::GroupInfo {
            arn: "arn:aws:iam::111111111111:group/admins".into(),
            name: "admins".into(),
            inline_policies: vec![],
            attached_policy_arns: vec!["arn:aws:iam::aws:policy/AdministratorAccess".into()],
        });
    assert_eq!(
        is_admin(ALICE, &snap).map(|e| e.decision),
        Ok(Decision::Allow)
    );
    snap.scps = vec![vec![("scp-s3".into(), allow(json!("s3:*"), json!("*")))]];
    assert_eq!(
        is_admin(ALICE, &snap).map(|e| e.decision),
        Ok(Decision::ImplicitDeny),
        "SCP caps the account"
    );
    snap.is_management_account = true;
    assert_eq!(
        is_admin(ALICE, &snap).map(|e| e.decision),
        Ok(Decision::Allow),
        "SCPs do not apply to the management account"
    );
}

#[test]
fn unresolved_managed_policy_is_conditional_not_silent() {
    let mut a = PrincipalInfo::user(ALICE);
    a.attached_policy_arns
        .push("arn:aws:iam::111111111111:policy/missing".into());
    let ev = is_admin(ALICE, &snapshot_with(a)).expect("known principal");
    assert_eq!(ev.decision, Decision::Conditional);
    assert!(
        ev.undecided_keys
            .iter()
            .any(|k| k.contains("policy/missing"))
    );
}

#[test]
fn assume_role_is_evaluated_both_ways() {
    let role = "arn:aws:iam::111111111111:role/target";
    let mut snap = snapshot_with(PrincipalInfo::user(ALICE));
    // Trust to the account root: needs alice's identity grant.
    snap.roles.push(RoleInfo::new(
        role,
        trust(json!({"AWS": format!("arn:aws:iam::{ACCT}:root")})),
    ));
    assert_eq!(
        can_assume(ALICE, role, &snap).map(|e| e.decision),
        Ok(Decision::ImplicitDeny)
    );
    snap.users[0]
        .inline_policies
        .push(("assume".into(), allow(json!("sts:AssumeRole"), json!(role))));
    assert_eq!(
        can_assume(ALICE, role, &snap).map(|e| e.decision),
        Ok(Decision::Allow)
    );
    // Trust naming someone else: identity grant is not enough.
    snap.roles[0].trust_policy = trust(json!({"AWS": "arn:aws:iam::111111111111:user/bob"}));
    assert_eq!(
        can_assume(ALICE, role, &snap).map(|e| e.decision),
        Ok(Decision::ImplicitDeny)
    );
    // Trust naming alice directly: allowed even without the identity grant.
    snap.users[0].inline_policies.clear();
    snap.roles[0].trust_policy = trust(json!({"AWS": ALICE}));
    assert_eq!(
        can_assume(ALICE, role, &snap).map(|e| e.decision),
        Ok(Decision::Allow)
    );
    assert!(can_assume(ALICE, "arn:aws:iam::111111111111:role/none", &snap).is_err());
}

#[test]
fn cross_account_assume_needs_both_accounts() {
    let role = "arn:aws:iam::222222222222:role/shared";
    let mut a = PrincipalInfo::user(ALICE);
    a.inline_policies.push((
        "assume".into(),
        allow(
            json!("sts:AssumeRole"),
            json!("arn:aws:iam::222222222222:role/*"),
        ),
    ));
    let home = snapshot_with(a);
    let mut other = AccountSnapshot {
        account_id: "222222222222".into(),
        ..Default::default()
    };
    other
        .roles
        .push(RoleInfo::new(role, trust(json!({"AWS": ACCT}))));
    let (hi, oi) = (SnapshotIndex::new(&home), SnapshotIndex::new(&other));
    assert_eq!(
        hi.can_assume_in(ALICE, &oi, role).map(|e| e.decision),
        Ok(Decision::Allow)
    );
    other.roles[0].trust_policy = trust(json!({"AWS": "333333333333"}));
    let oi = SnapshotIndex::new(&other);
    assert_eq!(
        hi.can_assume_in(ALICE, &oi, role).map(|e| e.decision),
        Ok(Decision::ImplicitDeny)
    );
}

#[test]
fn service_linked_roles_are_not_passrole_or_edit_victims() {
    let mut a = PrincipalInfo::user(ALICE);
    a.inline_policies.push(("p".into(), doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction", "iam:UpdateAssumeRolePolicy"], "Resource": "*"}]}))));
    let mut snap = snapshot_with(a);
    snap.roles.push(RoleInfo::new(
        "arn:aws:iam::111111111111:role/aws-service-role/lambda.amazonaws.com/AWSServiceRoleForLambda",
        trust(json!({"Service": "lambda.amazonaws.com"})),
    ));
    snap.roles.push(RoleInfo::new(
        "arn:aws:iam::111111111111:role/service-role/fn-exec",
        trust(json!({"Service": "lambda.amazonaws.com"})),
    ));
    let edges = escalations(ALICE, &snap).expect("known principal");
    let targets: Vec<&Target> = edges.iter().map(|e| &e.target).collect();
    assert!(
        targets
            .iter()
            .all(|t| !matches!(t, Target::Role(r) if r.contains("aws-service-role"))),
        "{edges:?}"
    );
    assert!(
        edges
            .iter()
            .any(|e| e.rule_id == "passrole-lambda-create-invoke"
                && e.target
                    == Target::Role("arn:aws:iam::111111111111:role/service-role/fn-exec".into()))
    );
    assert!(
        edges
            .iter()
            .any(|e| e.rule_id == "iam-update-assume-role-policy"
                && e.target
                    == Target::Role("arn:aws:iam::111111111111:role/service-role/fn-exec".into()))
    );
}

#[test]
fn passrole_respects_resource_patterns_and_passed_to_service() {
    let mut a = PrincipalInfo::user(ALICE);
    a.inline_policies.push(("p".into(), doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111111111111:role/app-*",
         "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
        {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction", "ec2:RunInstances"], "Resource": "*"}]}))));
    let mut snap = snapshot_with(a);
    for name in ["app-1", "app-2", "db-1"] {
        let mut r = RoleInfo::new(
            &format!("arn:aws:iam::111111111111:role/{name}"),
            doc(
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]}, "Action": "sts:AssumeRole"}]}),
            ),
        );
        r.instance_profile_arns
            .push(format!("arn:aws:iam::111111111111:instance-profile/{name}"));
        snap.roles.push(r);
    }
    let edges = escalations(ALICE, &snap).expect("known principal");
    let lambda: Vec<&str> = edges
        .iter()
        .filter(|e| e.rule_id == "passrole-lambda-create-invoke")
        .filter_map(|e| {
            if let Target::Role(r) = &e.target {
                Some(r.as_str())
            } else {
                None
            }
        })
        .collect();
    assert_eq!(
        lambda,
        vec![
            "arn:aws:iam::111111111111:role/app-1",
            "arn:aws:iam::111111111111:role/app-2"
        ]
    );
    assert!(
        edges
            .iter()
            .all(|e| e.rule_id != "passrole-ec2-run-instances"),
        "PassedToService limits PassRole to lambda"
    );
    let ev = &edges[0].evidence;
    assert!(
        ev.iter().any(|e| e.action == "iam:PassRole"
            && e.statement_index == 0
            && e.policy.ends_with("#p")),
        "{ev:?}"
    );
}

#[test]
fn admins_get_no_per_victim_edges_and_unknown_principals_error() {
    let mut a = PrincipalInfo::user(ALICE);
    a.attached_policy_arns
        .push("arn:aws:iam::aws:policy/AdministratorAccess".into());
    let mut snap = snapshot_with(a);
    snap.users
        .push(PrincipalInfo::user("arn:aws:iam::111111111111:user/bob"));
    assert_eq!(escalations(ALICE, &snap).map(|e| e.len()), Ok(0));
    assert!(escalations("arn:aws:iam::111111111111:user/ghost", &snap).is_err());
}

#[test]
fn takeover_uses_username_variables_without_scanning_everyone() {
    let mut a = PrincipalInfo::user(ALICE);
    a.inline_policies.push((
        "self-keys".into(),
        allow(
            json!("iam:CreateAccessKey"),
            json!("arn:aws:iam::111111111111:user/${aws:username}"),
        ),
    ));
    let mut snap = snapshot_with(a);
    snap.users
        .push(PrincipalInfo::user("arn:aws:iam::111111111111:user/bob"));
    let edges = escalations(ALICE, &snap).expect("known principal");
    assert!(
        edges.iter().all(|e| e.rule_id != "iam-create-access-key"),
        "own keys are not an escalation: {edges:?}"
    );
    snap.users[0].inline_policies[0].1 = allow(
        json!("iam:CreateAccessKey"),
        json!("arn:aws:iam::111111111111:user/b*"),
    );
    let edges = escalations(ALICE, &snap).expect("known principal");
    assert_eq!(
        edges
            .iter()
            .filter(|e| e.rule_id == "iam-create-access-key")
            .count(),
        1
    );
}

#[test]
fn all_escalations_covers_roles_too() {
    let mut snap = snapshot_with(PrincipalInfo::user(ALICE));
    let mut role = RoleInfo::new(
        "arn:aws:iam::111111111111:role/ci",
        trust(json!({"Service": "codebuild.amazonaws.com"})),
    );
    role.principal.inline_policies.push((
        "p".into(),
        allow(
            json!("iam:PutRolePolicy"),
            json!("arn:aws:iam::111111111111:role/ci"),
        ),
    ));
    snap.roles.push(role);
    let index = SnapshotIndex::new(&snap);
    let all = index.all_escalations();
    assert!(
        all.iter()
            .any(|e| e.rule_id == "iam-put-role-policy" && e.source_arn.ends_with("role/ci"))
    );
    let _ = ManagedPolicyInfo::new(
        "arn:aws:iam::111111111111:policy/x",
        PolicyDocument::empty(),
    );
}

#[test]
fn service_trust_with_source_account_guard() {
    let mut a = PrincipalInfo::user(ALICE);
    a.inline_policies.push((
        "p".into(),
        allow(
            json!([
                "iam:PassRole",
                "lambda:CreateFunction",
                "lambda:InvokeFunction"
            ]),
            json!("*"),
        ),
    ));
    let mut snap = snapshot_with(a);
    for (name, acct, arn_guard) in [
        ("own", ACCT, false),
        ("foreign", "999999999999", false),
        ("arn-guard", ACCT, true),
    ] {
        let mut cond = json!({"StringEquals": {"aws:SourceAccount": acct}});
        if arn_guard {
            cond["ArnLike"] =
                json!({"aws:SourceArn": "arn:aws:lambda:*:111111111111:function:fixed"});
        }
        snap.roles.push(RoleInfo::new(
            &format!("arn:aws:iam::111111111111:role/{name}"),
            doc(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": cond}]})),
        ));
    }
    let edges: Vec<_> = escalations(ALICE, &snap)
        .expect("known principal")
        .into_iter()
        .filter(|e| e.rule_id == "passrole-lambda-create-invoke")
        .collect();
    let own = edges
        .iter()
        .find(|e| e.target == Target::Role("arn:aws:iam::111111111111:role/own".into()));
    assert!(own.is_some_and(|e| !e.conditional), "{edges:?}");
    assert!(
        edges
            .iter()
            .all(|e| !matches!(&e.target, Target::Role(r) if r.ends_with("foreign"))),
        "{edges:?}"
    );
    let guarded = edges
        .iter()
        .find(|e| e.target == Target::Role("arn:aws:iam::111111111111:role/arn-guard".into()));
    assert!(guarded.is_some_and(|e| e.conditional), "{edges:?}");
}

/// Alice may update any Lambda function; the account has an admin role Lambda can run as.
fn lambda_snapshot(resource: Value) -> AccountSnapshot {
    let mut a = PrincipalInfo::user(ALICE);
    a.inline_policies.push((
        "lambda".into(),
        allow(json!("lambda:UpdateFunctionCode"), resource),
    ));
    let mut role = RoleInfo::new(
        "arn:aws:iam::111111111111:role/fn-admin",
        trust(json!({"Service": "lambda.amazonaws.com"})),
    );
    role.principal
        .attached_policy_arns
        .push("arn:aws:iam::aws:policy/AdministratorAccess".into());
    let mut s = snapshot_with(a);
    s.roles.push(role);
    s
}

fn rule_edges(snap: &AccountSnapshot, rule: &str) -> Vec<EscalationEdge> {
    escalations(ALICE, snap)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|e| e.rule_id == rule)
        .collect()
}

#[test]
fn hijack_without_inventory_assumes_a_resource_running_as_a_trusting_role() {
    let snap = lambda_snapshot(json!("*"));
    let edges = rule_edges(&snap, "lambda-update-function-code");
    assert_eq!(edges.len(), 1, "{edges:?}");
    let e = &edges[0];
    assert_eq!(
        e.target,
        Target::Role("arn:aws:iam::111111111111:role/fn-admin".into())
    );
    assert!(e.conditional, "an assumed function is conditional");
    assert!(
        e.undecided_keys
            .contains("pathwarden:ResourceExists/lambda-function"),
        "{:?}",
        e.undecided_keys
    );
    assert_eq!(e.assumptions.len(), 1);
    assert!(
        e.assumptions[0]
            .contains("a Lambda function running as role arn:aws:iam::111111111111:role/fn-admin"),
        "{:?}",
        e.assumptions
    );
    assert!(!e.evidence.is_empty(), "the granting statement is evidence");
}

#[test]
fn hijack_with_inventory_present_reports_only_listed_resources() {
    let mut snap = lambda_snapshot(json!("*"));
    snap.inventoried.insert(ResourceKind::LambdaFunction);
    assert!(
        rule_edges(&snap, "lambda-update-function-code").is_empty(),
        "the inventory proves no function runs as the role"
    );
    snap.resources.push(ComputeResource {
        arn: "arn:aws:lambda:eu-west-1:111111111111:function:real".into(),
        kind: ResourceKind::LambdaFunction,
        role_arn: "arn:aws:iam::111111111111:role/fn-admin".into(),
    });
    let edges = rule_edges(&snap, "lambda-update-function-code");
    assert_eq!(edges.len(), 1);
    assert!(!edges[0].conditional, "a listed function is a fact");
    assert!(edges[0].assumptions.is_empty());
}

#[test]
fn assumed_resources_follow_the_grant_pattern_and_stay_in_the_account() {
    let snap = lambda_snapshot(json!("arn:aws:lambda:*:111111111111:function:prod-*"));
    let edges = rule_edges(&snap, "lambda-update-function-code");
    assert_eq!(edges.len(), 1, "{edges:?}");
    assert!(
        edges[0].evidence.iter().any(|ev| ev.resource
            == "arn:aws:lambda:us-east-1:111111111111:function:prod-pathwarden-assumed"),
        "{:?}",
        edges[0].evidence
    );
    // A function of another account cannot run as this account's role.
    let other = lambda_snapshot(json!("arn:aws:lambda:*:999999999999:function:*"));
    assert!(rule_edges(&other, "lambda-update-function-code").is_empty());
}

#[test]
fn assumed_instances_need_an_instance_profile() {
    let mut a = PrincipalInfo::user(ALICE);
    a.inline_policies
        .push(("ssm".into(), allow(json!("ssm:SendCommand"), json!("*"))));
    let mut snap = snapshot_with(a);
    let mut role = RoleInfo::new(
        "arn:aws:iam::111111111111:role/ec2-admin",
        trust(json!({"Service": "ec2.amazonaws.com"})),
    );
    snap.roles.push(role.clone());
    assert!(
        rule_edges(&snap, "ssm-send-command").is_empty(),
        "no instance can run as a role outside any instance profile"
    );
    role.instance_profile_arns
        .push("arn:aws:iam::111111111111:instance-profile/ec2-admin".into());
    snap.roles = vec![role];
    let edges = rule_edges(&snap, "ssm-send-command");
    assert_eq!(edges.len(), 1, "{edges:?}");
    assert!(edges[0].conditional);
    assert!(
        edges[0].assumptions[0]
            .contains("instance profile arn:aws:iam::111111111111:instance-profile/ec2-admin"),
        "{:?}",
        edges[0].assumptions
    );
    snap.inventoried.insert(ResourceKind::Ec2Instance);
    assert!(
        rule_edges(&snap, "ssm-send-command").is_empty(),
        "an EC2 inventory without such an instance proves there is none"
    );
}

#[test]
fn two_step_takeover_shows_both_steps_on_the_same_victim() {
    let victim = "arn:aws:iam::111111111111:user/bob";
    let mut a = PrincipalInfo::user(ALICE);
    a.inline_policies.push((
        "bob".into(),
        allow(
            json!(["iam:PutUserPolicy", "iam:CreateAccessKey"]),
            json!(victim),
        ),
    ));
    let mut snap = snapshot_with(a);
    snap.users.push(PrincipalInfo::user(victim));
    let edges = rule_edges(&snap, "iam-put-user-policy-create-access-key");
    assert_eq!(edges.len(), 1, "{edges:?}");
    assert_eq!(
        edges[0].target,
        Target::Admin {
            account: ACCT.into()
        }
    );
    assert!(!edges[0].conditional);
    let steps: Vec<(&str, &str)> = edges[0]
        .evidence
        .iter()
        .map(|e| (e.action.as_str(), e.resource.as_str()))
        .collect();
    assert!(steps.contains(&("iam:PutUserPolicy", victim)), "{steps:?}");
    assert!(
        steps.contains(&("iam:CreateAccessKey", victim)),
        "{steps:?}"
    );
    // Either step alone is not a path to admin through bob.
    let mut only_edit = PrincipalInfo::user(ALICE);
    only_edit.inline_policies.push((
        "bob".into(),
        allow(json!("iam:PutUserPolicy"), json!(victim)),
    ));
    let mut snap = snapshot_with(only_edit);
    snap.users.push(PrincipalInfo::user(victim));
    assert!(
        escalations(ALICE, &snap)
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .all(|e| !matches!(e.target, Target::Admin { .. })),
        "editing bob without taking it over reaches nothing"
    );
}

#[test]
fn two_step_takeover_through_a_policy_version_needs_a_holder() {
    let policy = "arn:aws:iam::111111111111:policy/shared";
    let victim = "arn:aws:iam::111111111111:user/bob";
    let mut a = PrincipalInfo::user(ALICE);
    a.inline_policies.push((
        "p".into(),
        doc(json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": policy},
            {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": victim}]})),
    ));
    let mut snap = snapshot_with(a);
    snap.policies.insert(
        policy.into(),
        ManagedPolicyInfo::new(policy, allow(json!("s3:ListAllMyBuckets"), json!("*"))),
    );
    let mut bob = PrincipalInfo::user(victim);
    snap.users.push(bob.clone());
    assert!(
        rule_edges(&snap, "iam-create-policy-version-create-access-key").is_empty(),
        "the policy is attached to nobody"
    );
    bob.attached_policy_arns.push(policy.into());
    snap.users[1] = bob;
    let edges = rule_edges(&snap, "iam-create-policy-version-create-access-key");
    assert_eq!(edges.len(), 1, "{edges:?}");
    assert!(
        edges[0]
            .evidence
            .iter()
            .any(|e| e.action == "iam:CreatePolicyVersion" && e.resource == policy)
    );
    assert!(
        edges[0]
            .evidence
            .iter()
            .any(|e| e.action == "iam:CreateAccessKey" && e.resource == victim)
    );
}
