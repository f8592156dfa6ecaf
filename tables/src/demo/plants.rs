//! The planted principals: escalation paths, near misses, CIS misconfigurations and the
//! admin targets they lead to. They are added before any ordinary principal, with fixed
//! names, dates and documents, so they exist (unchanged) at every scale and seed.
//! `README.md` in this folder lists them with the detection each one expects.

use serde_json::json;

use super::managed;
use super::model::{
    ACCOUNTS, AccessKey, Console, DEV, Group, PROD, Policy, Role, SEC, User, allow, deny, doc, sid,
    trust_aws, trust_service,
};
use super::org::Org;
use super::util::{days, hex_tag};

fn user_arn(account: usize, name: &str) -> String {
    format!("arn:aws:iam::{}:user/{}", ACCOUNTS[account].id, name)
}

fn role_arn(account: usize, name: &str) -> String {
    format!("arn:aws:iam::{}:role/{}", ACCOUNTS[account].id, name)
}

fn group_arn(account: usize, name: &str) -> String {
    format!("arn:aws:iam::{}:group/{}", ACCOUNTS[account].id, name)
}

fn policy_arn(account: usize, name: &str) -> String {
    format!("arn:aws:iam::{}:policy/{}", ACCOUNTS[account].id, name)
}

/// A plain user: no password, no keys, created `created_days` ago.
fn user(account: usize, name: &str, created_days: i64) -> User {
    User {
        account,
        name: name.to_string(),
        path: "/".into(),
        created: days(created_days),
        console: None,
        mfa: None,
        keys: Vec::new(),
        signing_cert: None,
        groups: Vec::new(),
        managed: Vec::new(),
        inline: Vec::new(),
        boundary: None,
        tags: Vec::new(),
    }
}

fn console(created_days: i64, last_used_days: Option<i64>) -> Option<Console> {
    Some(Console {
        created: days(created_days),
        changed: days(created_days.min(80)),
        last_used: last_used_days.map(days),
        reset_required: false,
    })
}

fn key(
    owner: &str,
    n: u32,
    active: bool,
    created_days: i64,
    used_days: Option<i64>,
    service: &'static str,
) -> AccessKey {
    AccessKey {
        id: super::util::access_key_id(&format!("plant/{owner}/{n}")),
        active,
        created: days(created_days),
        last_used: used_days.map(|d| (days(d) + 3_600 * i64::from(n), service, "us-east-1")),
    }
}

fn role(
    account: usize,
    name: &str,
    created_days: i64,
    description: &str,
    trust: serde_json::Value,
) -> Role {
    Role {
        account,
        name: name.to_string(),
        path: "/".into(),
        created: days(created_days),
        description: description.to_string(),
        trust,
        max_session: 3600,
        boundary: None,
        last_used: Some((days(created_days.min(9)), "us-east-1")),
        managed: Vec::new(),
        inline: Vec::new(),
        tags: vec![("ManagedBy".into(), "terraform".into())],
        instance_profile: false,
    }
}

fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

/// Customer-managed policies the plants need, added before the ordinary ones.
fn plant_policies(org: &mut Org) {
    let cpv_arn = policy_arn(PROD, "esc-cpv-developer-tools");
    org.policies.push(Policy {
        account: PROD,
        name: "esc-cpv-developer-tools".into(),
        path: "/".into(),
        description: "Developer tooling; lets the owner iterate on this very policy.".into(),
        document: doc(vec![
            sid(
                allow(&["s3:ListAllMyBuckets", "s3:GetBucketLocation"], &["*"]),
                "ListBuckets",
            ),
            sid(
                allow(
                    &[
                        "iam:CreatePolicyVersion",
                        "iam:GetPolicy",
                        "iam:GetPolicyVersion",
                        "iam:ListPolicyVersions",
                    ],
                    &[&cpv_arn],
                ),
                "IterateOnOwnPolicy",
            ),
        ]),
        versions: 3,
        created: days(410),
        updated: days(35),
        tags: tags(&[("Owner", "esc-create-policy-version")]),
    });
    org.policies.push(Policy {
        account: PROD,
        name: "deny-iam-privilege-changes".into(),
        path: "/guardrails/".into(),
        description: "Guardrail: no IAM privilege changes outside the platform pipeline.".into(),
        document: doc(vec![sid(
            deny(
                &[
                    "iam:Attach*",
                    "iam:Put*Policy",
                    "iam:CreatePolicyVersion",
                    "iam:SetDefaultPolicyVersion",
                    "iam:AddUserToGroup",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:PassRole",
                    "iam:CreateAccessKey",
                    "iam:CreateLoginProfile",
                    "iam:UpdateLoginProfile",
                ],
                &["*"],
            ),
            "DenyPrivilegeChanges",
        )]),
        versions: 2,
        created: days(700),
        updated: days(300),
        tags: tags(&[("Guardrail", "true")]),
    });
    org.policies.push(Policy {
        account: PROD,
        name: "developer-boundary".into(),
        path: "/boundaries/".into(),
        description: "Permissions boundary for self-service developers: data and telemetry only."
            .into(),
        document: doc(vec![sid(
            allow(&["s3:*", "dynamodb:*", "cloudwatch:*", "logs:*"], &["*"]),
            "DataAndTelemetryOnly",
        )]),
        versions: 1,
        created: days(650),
        updated: days(650),
        tags: tags(&[("Boundary", "true")]),
    });
    org.policies.push(Policy {
        account: PROD,
        name: "legacy-full-admin".into(),
        path: "/".into(),
        description: "Created during the 2019 migration; grants everything.".into(),
        document: doc(vec![allow(&["*"], &["*"])]),
        versions: 1,
        created: days(2400),
        updated: days(2400),
        tags: Vec::new(),
    });
    // Unattached on purpose: shows up in "unused customer policies" queries.
    org.policies.push(Policy {
        account: DEV,
        name: "old-ci-permissions".into(),
        path: "/".into(),
        description: "Superseded by ci-deploy roles; kept for reference.".into(),
        document: doc(vec![allow(&["ec2:*", "s3:*", "cloudformation:*"], &["*"])]),
        versions: 4,
        created: days(1500),
        updated: days(900),
        tags: Vec::new(),
    });
}

/// Groups with fixed meaning: the admin groups and the IAM help desk group.
fn plant_groups(org: &mut Org) {
    for account in [PROD, DEV, SEC] {
        let g = org.groups.len();
        org.groups.push(Group {
            account,
            name: "admins".into(),
            path: "/".into(),
            created: days(2300),
            managed: vec![managed::arn("AdministratorAccess")],
            inline: Vec::new(),
            members: Vec::new(),
        });
        org.admin_group[account] = g;
    }
    org.groups.push(Group {
        account: PROD,
        name: "iam-helpdesk".into(),
        path: "/".into(),
        created: days(500),
        managed: Vec::new(),
        inline: vec![(
            "manage-team-membership".into(),
            doc(vec![sid(
                allow(
                    &[
                        "iam:AddUserToGroup",
                        "iam:RemoveUserFromGroup",
                        "iam:GetGroup",
                    ],
                    &[&group_arn(PROD, "admins")],
                ),
                "OnboardAdmins",
            )]),
        )],
        members: Vec::new(),
    });
}

fn add_to_group(org: &mut Org, user: usize, group_name: &str) {
    let account = org.users[user].account;
    if let Some(g) = org
        .groups
        .iter()
        .position(|g| g.account == account && g.name == group_name)
    {
        org.users[user].groups.push(g);
    }
}

fn push_user(org: &mut Org, u: User) -> usize {
    org.users.push(u);
    org.users.len() - 1
}

/// Admin targets: principals that already hold AdministratorAccess.
fn plant_admins(org: &mut Org) {
    let admin = managed::arn("AdministratorAccess");

    let mut alice = user(PROD, "admin-alice", 1900);
    alice.console = console(1900, Some(1));
    alice.mfa = Some(days(1890));
    alice
        .keys
        .push(key("admin-alice", 1, true, 60, Some(2), "iam"));
    alice.tags = tags(&[("Department", "platform"), ("Role", "cloud-admin")]);
    let i = push_user(org, alice);
    add_to_group(org, i, "admins");

    let mut carol = user(PROD, "ops-admin-carol", 1200);
    carol.console = console(1200, Some(4));
    carol.tags = tags(&[("Department", "platform"), ("Role", "cloud-admin")]);
    let i = push_user(org, carol);
    add_to_group(org, i, "admins");

    let mut glass = user(PROD, "break-glass-admin", 2100);
    glass.managed.push(admin.clone());
    glass
        .keys
        .push(key("break-glass-admin", 1, true, 200, Some(190), "sts"));
    glass.tags = tags(&[("Purpose", "break-glass")]);
    push_user(org, glass);

    let mut dave = user(DEV, "dev-admin-dave", 800);
    dave.console = console(800, Some(2));
    dave.mfa = Some(days(790));
    let i = push_user(org, dave);
    add_to_group(org, i, "admins");

    let mut erin = user(SEC, "sec-admin-erin", 950);
    erin.console = console(950, Some(6));
    erin.mfa = Some(days(940));
    let i = push_user(org, erin);
    add_to_group(org, i, "admins");

    let mfa_condition = json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}});
    let mut prod_admin = role(
        PROD,
        "prod-admin",
        1800,
        "Administrative access to production, assumed by the cloud admins with MFA.",
        doc(vec![json!({
            "Effect": "Allow",
            "Principal": {"AWS": user_arn(PROD, "admin-alice")},
            "Action": "sts:AssumeRole",
            "Condition": mfa_condition
        })]),
    );
    prod_admin.managed.push(admin.clone());
    prod_admin.max_session = 14_400;
    org.roles.push(prod_admin);

    for (name, service, what) in [
        (
            "lambda-admin-exec",
            "lambda.amazonaws.com",
            "Execution role of the account bootstrap Lambda function.",
        ),
        (
            "ec2-admin-instance-role",
            "ec2.amazonaws.com",
            "Instance role for the (retired) configuration-management server.",
        ),
        (
            "cfn-admin-deploy-role",
            "cloudformation.amazonaws.com",
            "Service role CloudFormation uses to deploy the landing zone.",
        ),
        (
            "glue-admin-role",
            "glue.amazonaws.com",
            "Glue service role from the data-lake proof of concept.",
        ),
    ] {
        let mut r = role(PROD, name, 1300, what, trust_service(service));
        r.managed.push(admin.clone());
        r.instance_profile = service == "ec2.amazonaws.com";
        r.last_used = if name == "ec2-admin-instance-role" {
            Some((days(420), "us-east-1"))
        } else {
            r.last_used
        };
        org.roles.push(r);
    }

    let mut legacy = role(
        PROD,
        "legacy-automation",
        2400,
        "Migration-era automation role.",
        trust_service("codebuild.amazonaws.com"),
    );
    legacy.managed.push(policy_arn(PROD, "legacy-full-admin"));
    legacy.last_used = Some((days(130), "eu-west-1"));
    org.roles.push(legacy);
}

/// The escalation paths: one user per technique, each with exactly the permissions the
/// technique needs.
fn plant_escalations(org: &mut Org) {
    let prod_admin = role_arn(PROD, "prod-admin");
    let glass = user_arn(PROD, "break-glass-admin");
    let carol = user_arn(PROD, "ops-admin-carol");
    let specs: Vec<(&str, Option<&str>, Vec<serde_json::Value>)> = vec![
        ("esc-create-policy-version", None, Vec::new()),
        (
            "esc-attach-user-policy",
            Some("self-service-policies"),
            vec![allow(
                &["iam:AttachUserPolicy", "iam:ListAttachedUserPolicies"],
                &[&user_arn(PROD, "esc-attach-user-policy")],
            )],
        ),
        (
            "esc-put-user-policy",
            Some("self-service-inline"),
            vec![allow(
                &["iam:PutUserPolicy", "iam:GetUserPolicy"],
                &[&user_arn(PROD, "esc-put-user-policy")],
            )],
        ),
        ("esc-add-user-to-group", None, Vec::new()),
        (
            "esc-create-access-key",
            Some("rotate-service-keys"),
            vec![allow(
                &["iam:CreateAccessKey", "iam:ListAccessKeys"],
                &[&glass],
            )],
        ),
        (
            "esc-create-login-profile",
            Some("console-onboarding"),
            vec![allow(
                &["iam:CreateLoginProfile", "iam:GetLoginProfile"],
                &[&glass],
            )],
        ),
        (
            "esc-update-login-profile",
            Some("password-resets"),
            vec![allow(
                &["iam:UpdateLoginProfile", "iam:GetLoginProfile"],
                &[&carol],
            )],
        ),
        (
            "esc-update-assume-role-policy",
            Some("trust-maintenance"),
            vec![allow(
                &[
                    "iam:UpdateAssumeRolePolicy",
                    "iam:GetRole",
                    "sts:AssumeRole",
                ],
                &[&prod_admin],
            )],
        ),
        (
            "esc-passrole-lambda",
            Some("serverless-deploy"),
            vec![
                allow(&["iam:PassRole"], &[&role_arn(PROD, "lambda-admin-exec")]),
                allow(
                    &[
                        "lambda:CreateFunction",
                        "lambda:InvokeFunction",
                        "lambda:GetFunction",
                    ],
                    &["*"],
                ),
            ],
        ),
        (
            "esc-passrole-ec2",
            Some("instance-launch"),
            vec![
                allow(
                    &["iam:PassRole"],
                    &[&role_arn(PROD, "ec2-admin-instance-role")],
                ),
                allow(&["ec2:RunInstances", "ec2:DescribeInstances"], &["*"]),
            ],
        ),
        (
            "esc-passrole-cloudformation",
            Some("stack-deploy"),
            vec![
                allow(
                    &["iam:PassRole"],
                    &[&role_arn(PROD, "cfn-admin-deploy-role")],
                ),
                allow(
                    &[
                        "cloudformation:CreateStack",
                        "cloudformation:DescribeStacks",
                    ],
                    &["*"],
                ),
            ],
        ),
        (
            "esc-passrole-glue",
            Some("glue-dev-endpoints"),
            vec![
                allow(&["iam:PassRole"], &[&role_arn(PROD, "glue-admin-role")]),
                allow(&["glue:CreateDevEndpoint", "glue:GetDevEndpoint"], &["*"]),
            ],
        ),
        (
            "esc-assume-chain",
            Some("assume-hop-a"),
            vec![allow(
                &["sts:AssumeRole"],
                &[&role_arn(PROD, "chain-hop-a")],
            )],
        ),
    ];
    for (i, (name, policy_name, statements)) in specs.into_iter().enumerate() {
        let mut u = user(PROD, name, 300 + 7 * i as i64);
        u.console = console(300, Some(3 + i as i64 % 5));
        u.mfa = Some(days(299));
        u.tags = tags(&[("Department", "engineering"), ("Planted", "escalation")]);
        if let Some(p) = policy_name {
            u.inline.push((p.to_string(), doc(statements)));
        }
        let idx = push_user(org, u);
        match name {
            "esc-create-policy-version" => org.users[idx]
                .managed
                .push(policy_arn(PROD, "esc-cpv-developer-tools")),
            "esc-add-user-to-group" => add_to_group(org, idx, "iam-helpdesk"),
            _ => {}
        }
    }

    let mut hop_a = role(
        PROD,
        "chain-hop-a",
        600,
        // Descriptions are attacker-controlled text: the web console's escaping test looks
        // for this markup rendered as text.
        "Intermediate role for the reporting job. <script>alert('chain-hop-a')</script>",
        trust_aws(&[&user_arn(PROD, "esc-assume-chain")]),
    );
    hop_a.inline.push((
        "assume-hop-b".into(),
        doc(vec![allow(
            &["sts:AssumeRole"],
            &[&role_arn(PROD, "chain-hop-b-admin")],
        )]),
    ));
    org.roles.push(hop_a);
    let mut hop_b = role(
        PROD,
        "chain-hop-b-admin",
        600,
        "Administrative role assumed by the reporting job's intermediate role.",
        trust_aws(&[&role_arn(PROD, "chain-hop-a")]),
    );
    hop_b.managed.push(managed::arn("AdministratorAccess"));
    org.roles.push(hop_b);

    let dev_root = format!("arn:aws:iam::{}:root", ACCOUNTS[DEV].id);
    let mut xacct = role(
        PROD,
        "xacct-trust-dev-root",
        900,
        "Lets the dev account deploy to production.",
        trust_aws(&[&dev_root]),
    );
    xacct.managed.push(managed::arn("AdministratorAccess"));
    org.roles.push(xacct);
    let mut deployer = user(DEV, "xacct-dev-deployer", 880);
    deployer
        .keys
        .push(key("xacct-dev-deployer", 1, true, 85, Some(1), "sts"));
    deployer.inline.push((
        "deploy-to-prod".into(),
        doc(vec![allow(
            &["sts:AssumeRole"],
            &[&role_arn(PROD, "xacct-trust-dev-root")],
        )]),
    ));
    deployer.tags = tags(&[("Planted", "escalation")]);
    push_user(org, deployer);
}

/// Near misses: principals that look like escalations but are not.
fn plant_near_misses(org: &mut Org) {
    let mut u = user(PROD, "nearmiss-explicit-deny", 280);
    u.console = console(280, Some(5));
    u.mfa = Some(days(279));
    u.inline.push((
        "self-service-policies".into(),
        doc(vec![allow(
            &["iam:AttachUserPolicy"],
            &[&user_arn(PROD, "nearmiss-explicit-deny")],
        )]),
    ));
    u.managed.push(format!(
        "arn:aws:iam::{}:policy/guardrails/deny-iam-privilege-changes",
        ACCOUNTS[PROD].id
    ));
    u.tags = tags(&[("Planted", "near-miss")]);
    push_user(org, u);

    let mut u = user(PROD, "nearmiss-permissions-boundary", 270);
    u.console = console(270, Some(6));
    u.mfa = Some(days(269));
    u.inline.push((
        "self-service-inline".into(),
        doc(vec![allow(
            &["iam:PutUserPolicy"],
            &[&user_arn(PROD, "nearmiss-permissions-boundary")],
        )]),
    ));
    u.boundary = Some(format!(
        "arn:aws:iam::{}:policy/boundaries/developer-boundary",
        ACCOUNTS[PROD].id
    ));
    u.tags = tags(&[("Planted", "near-miss")]);
    push_user(org, u);

    let mut u = user(PROD, "nearmiss-passrole-harmless", 260);
    u.keys.push(key(
        "nearmiss-passrole-harmless",
        1,
        true,
        40,
        Some(1),
        "lambda",
    ));
    u.inline.push((
        "serverless-deploy".into(),
        doc(vec![
            allow(
                &["iam:PassRole"],
                &[&role_arn(PROD, "lambda-basic-logging")],
            ),
            allow(
                &[
                    "lambda:CreateFunction",
                    "lambda:InvokeFunction",
                    "lambda:GetFunction",
                ],
                &["*"],
            ),
        ]),
    ));
    u.tags = tags(&[("Planted", "near-miss")]);
    push_user(org, u);

    // Allowed by its own policy, denied by the Prod unit's SCP for contractors: the
    // graph must apply the organization's service control policies.
    let mut u = user(PROD, "nearmiss-scp-denied", 255);
    u.console = console(255, Some(7));
    u.mfa = Some(days(254));
    u.inline.push((
        "rotate-service-keys".into(),
        doc(vec![allow(
            &["iam:CreateAccessKey", "iam:ListAccessKeys"],
            &[&user_arn(PROD, "break-glass-admin")],
        )]),
    ));
    u.tags = tags(&[("Planted", "near-miss"), ("Contractor", "true")]);
    push_user(org, u);

    let mut u = user(PROD, "nearmiss-notaction-trap", 250);
    u.console = console(250, Some(8));
    u.mfa = Some(days(249));
    u.inline.push((
        "looks-like-iam-admin".into(),
        doc(vec![
            sid(allow(&["iam:*"], &["*"]), "LegacyIamGrant"),
            sid(
                json!({"Effect": "Deny", "NotAction": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}),
                "OnlyS3ReadsSurvive",
            ),
        ]),
    ));
    u.tags = tags(&[("Planted", "near-miss")]);
    push_user(org, u);

    let mut harmless = role(
        PROD,
        "lambda-basic-logging",
        500,
        "Execution role for small Lambda functions: CloudWatch Logs only.",
        trust_service("lambda.amazonaws.com"),
    );
    harmless
        .managed
        .push(managed::arn("AWSLambdaBasicExecutionRole"));
    // Created through the developer self-service flow, which requires the boundary.
    harmless.boundary = Some(format!(
        "arn:aws:iam::{}:policy/boundaries/developer-boundary",
        ACCOUNTS[PROD].id
    ));
    org.roles.push(harmless);
}

/// CIS misconfigurations on named users.
fn plant_cis_users(org: &mut Org) {
    let mut u = user(DEV, "cis-console-no-mfa", 400);
    u.console = console(400, Some(3));
    u.tags = tags(&[("Planted", "cis")]);
    let i = push_user(org, u);
    add_to_group(org, i, "engineering");

    let mut u = user(PROD, "cis-stale-access-key", 700);
    u.keys
        .push(key("cis-stale-access-key", 1, true, 400, Some(2), "s3"));
    u.tags = tags(&[("Planted", "cis")]);
    push_user(org, u);

    let mut u = user(PROD, "cis-unused-credentials", 900);
    u.console = console(900, Some(200));
    u.mfa = Some(days(890));
    u.keys.push(key(
        "cis-unused-credentials",
        1,
        true,
        500,
        Some(150),
        "ec2",
    ));
    u.tags = tags(&[("Planted", "cis")]);
    let i = push_user(org, u);
    add_to_group(org, i, "engineering");

    let mut u = user(PROD, "cis-never-used-key", 130);
    u.console = console(130, Some(1));
    u.mfa = Some(days(129));
    u.keys
        .push(key("cis-never-used-key", 1, true, 120, None, "N/A"));
    u.tags = tags(&[("Planted", "cis")]);
    push_user(org, u);

    let mut u = user(PROD, "cis-two-active-keys", 365);
    u.keys
        .push(key("cis-two-active-keys", 1, true, 60, Some(1), "s3"));
    u.keys
        .push(key("cis-two-active-keys", 2, true, 30, Some(2), "dynamodb"));
    u.tags = tags(&[("Planted", "cis")]);
    push_user(org, u);

    let mut u = user(DEV, "cis-direct-attached-policy", 640);
    u.console = console(640, Some(10));
    u.mfa = Some(days(630));
    u.managed.push(managed::arn("AmazonS3FullAccess"));
    u.tags = tags(&[("Planted", "cis")]);
    push_user(org, u);

    let mut u = user(PROD, "cis-inactive-key", 500);
    u.keys
        .push(key("cis-inactive-key", 1, false, 300, Some(280), "s3"));
    u.tags = tags(&[("Planted", "cis")]);
    push_user(org, u);

    let mut u = user(PROD, "svc-legacy-soap", 2600);
    u.path = "/service/".into();
    u.keys
        .push(key("svc-legacy-soap", 1, true, 700, Some(1), "sqs"));
    u.signing_cert = Some(days(2500));
    u.tags = tags(&[("Planted", "cis"), ("Owner", "integrations")]);
    push_user(org, u);
}

/// Roles every account has: service-linked roles and IAM Identity Center roles, plus the
/// audit and CI plumbing of the security account.
fn plant_account_roles(org: &mut Org) {
    for account in [PROD, DEV, SEC] {
        let id = ACCOUNTS[account].id;
        for (name, service, policy, what) in [
            (
                "AWSServiceRoleForSupport",
                "support.amazonaws.com",
                "AWSSupportServiceRolePolicy",
                "Enables resource access for AWS to provide billing, administrative and support services",
            ),
            (
                "AWSServiceRoleForTrustedAdvisor",
                "trustedadvisor.amazonaws.com",
                "AWSTrustedAdvisorServiceRolePolicy",
                "Access for the AWS Trusted Advisor Service to help reduce cost, increase performance, and improve security of your AWS environment.",
            ),
        ] {
            let mut r = role(account, name, 2200, what, trust_service(service));
            r.path = format!("/aws-service-role/{service}/");
            r.managed.push(managed::arn(policy));
            r.tags = Vec::new();
            r.last_used = Some((days(1), "us-east-1"));
            org.roles.push(r);
        }
        let provider = format!(
            "arn:aws:iam::{id}:saml-provider/AWSSSO_{}_DO_NOT_DELETE",
            hex_tag(id, 16)
        );
        for (set, policy) in [
            ("AdministratorAccess", "AdministratorAccess"),
            ("ReadOnlyAccess", "ReadOnlyAccess"),
        ] {
            let trust = doc(vec![json!({
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
            })]);
            let mut r = role(
                account,
                &format!(
                    "AWSReservedSSO_{set}_{}",
                    hex_tag(&format!("{id}/{set}"), 16)
                ),
                1000,
                "",
                trust,
            );
            r.path = "/aws-reserved/sso.amazonaws.com/".into();
            r.description = String::new();
            r.max_session = 43_200;
            r.managed.push(managed::arn(policy));
            r.tags = Vec::new();
            org.roles.push(r);
        }
    }

    let scanner = role_arn(SEC, "security-scanner");
    for account in [PROD, DEV] {
        let mut r = role(
            account,
            "security-audit-readonly",
            1100,
            "Read-only audit access for the security account's scanner.",
            doc(vec![json!({
                "Effect": "Allow",
                "Principal": {"AWS": scanner},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "acme-audit-7f3a"}}
            })]),
        );
        r.managed.push(managed::arn("SecurityAudit"));
        r.managed.push(managed::arn("ReadOnlyAccess"));
        org.roles.push(r);
    }
    let mut r = role(
        SEC,
        "security-scanner",
        1100,
        "Nightly posture scanner.",
        trust_service("lambda.amazonaws.com"),
    );
    r.managed.push(managed::arn("SecurityAudit"));
    r.inline.push((
        "assume-audit-roles".into(),
        doc(vec![allow(
            &["sts:AssumeRole"],
            &["arn:aws:iam::*:role/security-audit-readonly"],
        )]),
    ));
    org.roles.push(r);
    let mut r = role(
        SEC,
        "ci-runner",
        1000,
        "Build runners; deploy by assuming ci-deploy-* roles.",
        trust_service("ec2.amazonaws.com"),
    );
    r.instance_profile = true;
    r.inline.push((
        "assume-deploy-roles".into(),
        doc(vec![allow(
            &["sts:AssumeRole"],
            &["arn:aws:iam::*:role/ci-deploy-*"],
        )]),
    ));
    org.roles.push(r);

    let mut r = role(
        PROD,
        "bastion-ssm",
        800,
        "Session Manager access for the bastion host.",
        trust_service("ec2.amazonaws.com"),
    );
    r.instance_profile = true;
    r.managed.push(managed::arn("AmazonSSMManagedInstanceCore"));
    org.roles.push(r);

    let mut r = role(
        PROD,
        "aws-support-team",
        1500,
        "Lets the operations lead open AWS Support cases.",
        trust_aws(&[&user_arn(PROD, "admin-alice")]),
    );
    r.managed.push(managed::arn("AWSSupportAccess"));
    r.last_used = None;
    org.roles.push(r);
}

/// Add every planted group, policy and principal.
pub fn plant(org: &mut Org) {
    plant_policies(org);
    plant_groups(org);
    org.add_department_groups();
    plant_admins(org);
    plant_escalations(org);
    plant_near_misses(org);
    plant_cis_users(org);
    plant_account_roles(org);
}

/// Names of the planted escalation principals, for tests and the README.
pub const ESCALATIONS: &[&str] = &[
    "esc-create-policy-version",
    "esc-attach-user-policy",
    "esc-put-user-policy",
    "esc-add-user-to-group",
    "esc-create-access-key",
    "esc-create-login-profile",
    "esc-update-login-profile",
    "esc-update-assume-role-policy",
    "esc-passrole-lambda",
    "esc-passrole-ec2",
    "esc-passrole-cloudformation",
    "esc-passrole-glue",
    "esc-assume-chain",
    "xacct-dev-deployer",
];

/// Names of the planted near misses (must not be reported as escalations).
pub const NEAR_MISSES: &[&str] = &[
    "nearmiss-explicit-deny",
    "nearmiss-permissions-boundary",
    "nearmiss-passrole-harmless",
    "nearmiss-notaction-trap",
    "nearmiss-scp-denied",
];
