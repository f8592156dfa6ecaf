//! Scale check for the escalation engine: a synthetic account with N users (default
//! 100,000), shared managed policies, groups, roles trusting services and compute
//! resources. Prints index build time, escalation time and edge counts.
//!
//! `cargo run -p pathwarden-analyzers --example escalation_scale --release -- 100000 [roles]`
//!
//! Measured 2026-11-23 on the 2-core build container, *debug* profile (release not built):
//! 10,000 users / 200 roles: index 9 ms, escalations 5.1 s, 380k edges;
//! 100,000 users / 200 roles: index 111 ms, escalations 58 s, 3.8M edges (linear).

use std::time::Instant;

use pathwarden_analyzers::escalation::{
    AccountSnapshot, ComputeResource, GroupInfo, ManagedPolicyInfo, PrincipalInfo, ResourceKind,
    RoleInfo, SnapshotIndex,
};
use pathwarden_analyzers::policy::PolicyDocument;
use serde_json::json;

fn doc(v: serde_json::Value) -> PolicyDocument {
    match PolicyDocument::from_value(&v) {
        Ok(d) => d,
        Err(e) => panic!("synthetic policy must parse: {e}"),
    }
}

fn main() {
    let users: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    // Roles default to a fixed 200 so the edge count stays proportional to users; pass a
    // second argument to scale roles too (edges then grow with users x roles).
    let roles: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let acct = "111111111111";
    let mut snap = AccountSnapshot {
        account_id: acct.into(),
        ..Default::default()
    };
    let policies = [
        (
            "readonly",
            json!([{"Effect": "Allow", "Action": ["s3:Get*", "ec2:Describe*"], "Resource": "*"}]),
        ),
        (
            "dev",
            json!([{"Effect": "Allow", "Action": ["lambda:*", "iam:PassRole"], "Resource": ["*"]},
                       {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/prod-*"}]),
        ),
        (
            "ops",
            json!([{"Effect": "Allow", "Action": ["ssm:SendCommand", "ec2:*"], "Resource": "*"}]),
        ),
        (
            "keys",
            json!([{"Effect": "Allow", "Action": ["iam:CreateAccessKey"], "Resource": "arn:aws:iam::111111111111:user/${aws:username}"}]),
        ),
        (
            "ci",
            json!([{"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": "arn:aws:iam::111111111111:role/ci-*"},
                      {"Effect": "Allow", "Action": ["codebuild:CreateProject", "codebuild:StartBuild"], "Resource": "*"}]),
        ),
    ];
    for (name, statements) in &policies {
        let arn = format!("arn:aws:iam::{acct}:policy/{name}");
        snap.policies.insert(
            arn.clone(),
            ManagedPolicyInfo::new(
                &arn,
                doc(json!({"Version": "2012-10-17", "Statement": statements})),
            ),
        );
    }
    for g in 0..20 {
        snap.groups.push(GroupInfo {
            arn: format!("arn:aws:iam::{acct}:group/g{g}"),
            name: format!("g{g}"),
            inline_policies: vec![],
            attached_policy_arns: vec![format!(
                "arn:aws:iam::{acct}:policy/{}",
                policies[g % policies.len()].0
            )],
        });
    }
    let services = [
        "lambda.amazonaws.com",
        "ec2.amazonaws.com",
        "codebuild.amazonaws.com",
        "glue.amazonaws.com",
    ];
    for r in 0..roles {
        let prefix = ["app", "ci", "prod", "data"][r % 4];
        let arn = format!("arn:aws:iam::{acct}:role/{prefix}-{r}");
        let trust = doc(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": services[r % services.len()]}, "Action": "sts:AssumeRole"}]}),
        );
        let mut role = RoleInfo::new(&arn, trust);
        role.instance_profile_arns
            .push(format!("arn:aws:iam::{acct}:instance-profile/{prefix}-{r}"));
        role.principal
            .attached_policy_arns
            .push(format!("arn:aws:iam::{acct}:policy/readonly"));
        snap.roles.push(role);
        if r % 10 == 0 {
            snap.resources.push(ComputeResource {
                arn: format!("arn:aws:ec2:us-east-1:{acct}:instance/i-{r:08x}"),
                kind: ResourceKind::Ec2Instance,
                role_arn: arn,
            });
        }
    }
    for u in 0..users {
        let mut p = PrincipalInfo::user(&format!("arn:aws:iam::{acct}:user/u{u}"));
        p.group_arns
            .push(format!("arn:aws:iam::{acct}:group/g{}", u % 20));
        if u % 97 == 0 {
            p.inline_policies.push(("self".into(), doc(json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": format!("arn:aws:iam::{acct}:user/u{u}")}]}))));
        }
        snap.users.push(p);
    }
    // Groups are referenced by every user, roles only by PassRole rules: this mix makes
    // about 1 in 5 users a PassRole principal over roles/4 candidate roles each.
    let t0 = Instant::now();
    let index = SnapshotIndex::new(&snap);
    let built = t0.elapsed();
    let t1 = Instant::now();
    let edges = index.all_escalations();
    let ran = t1.elapsed();
    let conditional = edges.iter().filter(|e| e.conditional).count();
    println!("| users | roles | index build | escalations | edges | conditional | edges/s |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {users} | {roles} | {:.2?} | {:.2?} | {} | {conditional} | {:.0} |",
        built,
        ran,
        edges.len(),
        edges.len() as f64 / ran.as_secs_f64().max(1e-9)
    );
}
