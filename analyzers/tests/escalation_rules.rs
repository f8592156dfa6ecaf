//! Every escalation rule: a minimal account where it fires, and near misses where it must
//! not (explicit Deny, boundary, harmless resource, NotAction trap, provably false
//! condition) or must be reported as conditional (unknown condition key).

use std::collections::BTreeMap;

use pathwarden_analyzers::escalation::rules::{Applies, Mechanism, SelfTarget, VictimKind};
use pathwarden_analyzers::escalation::{
    AccountSnapshot, ComputeResource, EscalationRule, GroupInfo, ManagedPolicyInfo, PrincipalInfo,
    ResourceKind, RoleInfo, SnapshotIndex, Target, all_rules, rule,
};
use pathwarden_analyzers::policy::PolicyDocument;
use serde_json::{Value, json};

const ACCT: &str = "111111111111";
const ATTACKER_USER: &str = "arn:aws:iam::111111111111:user/attacker";
const ATTACKER_ROLE: &str = "arn:aws:iam::111111111111:role/attacker";
const VICTIM_ROLE: &str = "arn:aws:iam::111111111111:role/victim";
const VICTIM_USER: &str = "arn:aws:iam::111111111111:user/victim";
const GROUP: &str = "arn:aws:iam::111111111111:group/team";
const OTHER_GROUP: &str = "arn:aws:iam::111111111111:group/admins";
const ATTACHED: &str = "arn:aws:iam::111111111111:policy/attached";
const ADMIN_ARN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

fn doc(v: Value) -> PolicyDocument {
    PolicyDocument::from_value(&v).unwrap_or_else(|e| panic!("test policy must parse: {e}"))
}

fn trust(principal: Value) -> PolicyDocument {
    doc(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}),
    )
}

/// How the attacker's permissions are written in one scenario.
#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Trigger,
    ExplicitDeny,
    Boundary,
    HarmlessResource,
    NotActionTrap,
    UnknownCondition,
    FalseCondition,
    /// An SCP of the account's OU denies the rule's last action.
    ScpDeny,
    /// The account's SCPs deny something unrelated.
    ScpUnrelated,
    /// As `ScpDeny`, in the organization's management account (SCPs do not apply).
    ScpManagementAccount,
    /// The SCP's deny depends on the source IP: the path stays, conditional.
    ScpConditional,
}

fn actions(rule: &EscalationRule) -> Vec<&'static str> {
    rule.requires.iter().map(|r| r.action).collect()
}

fn attacker_policy(rule: &EscalationRule, v: Variant) -> Value {
    let acts = actions(rule);
    let base = json!({"Effect": "Allow", "Action": acts, "Resource": "*"});
    let statements = match v {
        Variant::Trigger
        | Variant::Boundary
        | Variant::ScpDeny
        | Variant::ScpUnrelated
        | Variant::ScpManagementAccount
        | Variant::ScpConditional => vec![base],
        Variant::ExplicitDeny => vec![
            base,
            json!({"Effect": "Deny", "Action": acts[acts.len() - 1], "Resource": "*"}),
        ],
        Variant::HarmlessResource => {
            vec![json!({"Effect": "Allow", "Action": acts, "Resource": "arn:aws:s3:::harmless/*"})]
        }
        Variant::NotActionTrap => {
            vec![json!({"Effect": "Allow", "NotAction": acts, "Resource": "*"})]
        }
        Variant::UnknownCondition => {
            vec![json!({"Effect": "Allow", "Action": acts, "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}})]
        }
        Variant::FalseCondition => vec![json!({"Effect": "Allow", "Action": acts, "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}})],
    };
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Builds the smallest account where `rule` can fire, with the attacker's permissions
/// written as `v`. Returns the snapshot, the attacker ARN and the expected target.
fn scenario(rule: &EscalationRule, v: Variant) -> (AccountSnapshot, String, Target) {
    let as_role = rule.applies == Applies::Roles;
    let attacker_arn = if as_role {
        ATTACKER_ROLE
    } else {
        ATTACKER_USER
    };
    let mut attacker = if as_role {
        PrincipalInfo::role(attacker_arn)
    } else {
        PrincipalInfo::user(attacker_arn)
    };
    attacker.tags = BTreeMap::from([("team".to_string(), "red".to_string())]);
    attacker
        .inline_policies
        .push(("escalate".to_string(), doc(attacker_policy(rule, v))));
    let mut snap = AccountSnapshot {
        account_id: ACCT.to_string(),
        ..Default::default()
    };
    let admin = Target::Admin {
        account: ACCT.to_string(),
    };
    let victim_role_target = Target::Role(VICTIM_ROLE.to_string());

    if v == Variant::Boundary {
        let b = "arn:aws:iam::111111111111:policy/boundary";
        snap.policies.insert(
            b.into(),
            ManagedPolicyInfo::new(
                b,
                doc(json!({"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})),
            ),
        );
        attacker.permissions_boundary_arn = Some(b.to_string());
    }

    let target = match rule.mechanism {
        Mechanism::SelfGrant(SelfTarget::Group) => {
            attacker.group_arns.push(GROUP.to_string());
            snap.groups.push(GroupInfo {
                arn: GROUP.into(),
                name: "team".into(),
                inline_policies: vec![],
                attached_policy_arns: vec![],
            });
            admin
        }
        Mechanism::SelfGrant(SelfTarget::AttachedPolicy) => {
            attacker.attached_policy_arns.push(ATTACHED.to_string());
            snap.policies.insert(ATTACHED.into(), ManagedPolicyInfo::new(ATTACHED, doc(json!({"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}))));
            admin
        }
        Mechanism::SelfGrant(_) => admin,
        Mechanism::DefaultVersionRollback => {
            attacker.attached_policy_arns.push(ATTACHED.to_string());
            let mut p = ManagedPolicyInfo::new(
                ATTACHED,
                doc(json!({"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]})),
            );
            p.other_versions.push(doc(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})));
            snap.policies.insert(ATTACHED.into(), p);
            admin
        }
        Mechanism::DropBoundary => {
            // Admin identity held back by a boundary that allows only the boundary edit.
            attacker.attached_policy_arns.push(ADMIN_ARN.to_string());
            let b = "arn:aws:iam::111111111111:policy/boundary";
            if v != Variant::Boundary {
                snap.policies.insert(
                    b.into(),
                    ManagedPolicyInfo::new(
                        b,
                        doc(json!({"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": actions(rule), "Resource": "*"}]})),
                    ),
                );
                attacker.permissions_boundary_arn = Some(b.to_string());
            }
            // The attacker's own grant must be what decides: rewrite the admin attachment
            // as part of the inline policy for the near misses.
            if v != Variant::Trigger {
                attacker.attached_policy_arns.clear();
                attacker.inline_policies.push(("admin-except".to_string(), doc(json!({"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "NotAction": actions(rule), "Resource": "*"}]}))));
            }
            admin
        }
        Mechanism::TakeOver(VictimKind::Group) => {
            snap.groups.push(GroupInfo {
                arn: OTHER_GROUP.into(),
                name: "admins".into(),
                inline_policies: vec![],
                attached_policy_arns: vec![ADMIN_ARN.into()],
            });
            Target::Group(OTHER_GROUP.to_string())
        }
        Mechanism::TakeOver(VictimKind::Role) => {
            snap.roles.push(RoleInfo::new(
                VICTIM_ROLE,
                trust(json!({"Service": "ec2.amazonaws.com"})),
            ));
            victim_role_target
        }
        Mechanism::TakeOver(_) => {
            snap.users.push(PrincipalInfo::user(VICTIM_USER));
            Target::User(VICTIM_USER.to_string())
        }
        Mechanism::EditAssumableRole => {
            snap.roles.push(RoleInfo::new(
                VICTIM_ROLE,
                trust(json!({"AWS": format!("arn:aws:iam::{ACCT}:root")})),
            ));
            admin
        }
        Mechanism::EditThenTakeOver(VictimKind::Role) => {
            snap.roles.push(RoleInfo::new(
                VICTIM_ROLE,
                trust(json!({"Service": "ec2.amazonaws.com"})),
            ));
            admin
        }
        Mechanism::EditThenTakeOver(_) => {
            snap.users.push(PrincipalInfo::user(VICTIM_USER));
            admin
        }
        Mechanism::EditPolicyThenTakeOver(kind) => {
            snap.policies.insert(ATTACHED.into(), ManagedPolicyInfo::new(ATTACHED, doc(json!({"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}))));
            if kind == VictimKind::Role {
                // Trust to the account root: assuming it needs the attacker's own grant.
                let mut r = RoleInfo::new(VICTIM_ROLE, trust(json!({"AWS": ACCT})));
                r.principal.attached_policy_arns.push(ATTACHED.into());
                snap.roles.push(r);
            } else {
                let mut u = PrincipalInfo::user(VICTIM_USER);
                u.attached_policy_arns.push(ATTACHED.into());
                snap.users.push(u);
            }
            admin
        }
        Mechanism::AssumeRole => {
            // Trust to the account root delegates to the attacker's identity policies.
            snap.roles
                .push(RoleInfo::new(VICTIM_ROLE, trust(json!({"AWS": ACCT}))));
            victim_role_target
        }
        Mechanism::PassRole {
            service,
            instance_profile,
        } => {
            let mut r = RoleInfo::new(
                "arn:aws:iam::111111111111:role/service-role/victim",
                trust(json!({"Service": service})),
            );
            if instance_profile {
                r.instance_profile_arns
                    .push("arn:aws:iam::111111111111:instance-profile/victim".into());
            }
            snap.roles.push(r);
            Target::Role("arn:aws:iam::111111111111:role/service-role/victim".to_string())
        }
        Mechanism::Hijack(kind) => {
            snap.roles.push(RoleInfo::new(
                VICTIM_ROLE,
                trust(json!({"Service": "ec2.amazonaws.com"})),
            ));
            let arn = match kind {
                ResourceKind::Ec2Instance => "arn:aws:ec2:us-east-1:111111111111:instance/i-0abc",
                ResourceKind::LambdaFunction => "arn:aws:lambda:us-east-1:111111111111:function:fn",
                ResourceKind::GlueDevEndpoint => {
                    "arn:aws:glue:us-east-1:111111111111:devEndpoint/ep"
                }
                ResourceKind::CodeBuildProject => {
                    "arn:aws:codebuild:us-east-1:111111111111:project/p"
                }
                ResourceKind::CloudFormationStack => {
                    "arn:aws:cloudformation:us-east-1:111111111111:stack/s/1"
                }
                ResourceKind::SageMakerNotebook => {
                    "arn:aws:sagemaker:us-east-1:111111111111:notebook-instance/nb"
                }
                ResourceKind::EcsTask => "arn:aws:ecs:us-east-1:111111111111:task/c/t",
                ResourceKind::GlueJob => "arn:aws:glue:us-east-1:111111111111:job/j",
                ResourceKind::CloudFormationStackSet => {
                    "arn:aws:cloudformation:us-east-1:111111111111:stackset/s:1"
                }
                ResourceKind::AppRunnerService => {
                    "arn:aws:apprunner:us-east-1:111111111111:service/s/1"
                }
                ResourceKind::BedrockCodeInterpreter => {
                    "arn:aws:bedrock-agentcore:us-east-1:111111111111:code-interpreter/ci"
                }
                ResourceKind::Ec2LaunchTemplate => {
                    "arn:aws:ec2:us-east-1:111111111111:launch-template/lt-0abc"
                }
            };
            // The listed resources are the whole inventory of their kind.
            snap.inventoried.insert(kind);
            snap.resources.push(ComputeResource {
                arn: arn.into(),
                kind,
                role_arn: VICTIM_ROLE.into(),
            });
            victim_role_target
        }
    };
    let full_access = (
        "p-FullAWSAccess".to_string(),
        doc(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
        ),
    );
    let last = *actions(rule).last().expect("rule has requirements");
    let scp_deny = |action: &str, condition: Option<Value>| {
        let mut st = json!({"Effect": "Deny", "Action": action, "Resource": "*"});
        if let Some(c) = condition {
            st["Condition"] = c;
        }
        (
            "p-guardrail".to_string(),
            doc(json!({"Version": "2012-10-17", "Statement": [st]})),
        )
    };
    match v {
        Variant::ScpDeny | Variant::ScpManagementAccount => {
            snap.scps = vec![
                vec![full_access.clone()],
                vec![full_access, scp_deny(last, None)],
            ];
            snap.is_management_account = v == Variant::ScpManagementAccount;
        }
        Variant::ScpUnrelated => {
            snap.scps = vec![
                vec![full_access.clone()],
                vec![full_access, scp_deny("s3:DeleteBucket", None)],
            ];
        }
        Variant::ScpConditional => {
            snap.scps = vec![
                vec![full_access.clone()],
                vec![
                    full_access,
                    scp_deny(
                        last,
                        Some(json!({"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}})),
                    ),
                ],
            ];
        }
        _ => {}
    }
    if as_role {
        snap.roles.push(RoleInfo {
            principal: attacker,
            ..RoleInfo::new(attacker_arn, trust(json!({"Service": "ec2.amazonaws.com"})))
        });
    } else {
        snap.users.push(attacker);
    }
    (snap, attacker_arn.to_string(), target)
}

fn edges_for(
    rule: &EscalationRule,
    v: Variant,
) -> (
    Vec<pathwarden_analyzers::escalation::EscalationEdge>,
    Target,
) {
    let (snap, attacker, target) = scenario(rule, v);
    let index = SnapshotIndex::new(&snap);
    let edges = index
        .escalations(&attacker)
        .unwrap_or_else(|e| panic!("{}: {e}", rule.id))
        .into_iter()
        .filter(|e| e.rule_id == rule.id)
        .collect();
    (edges, target)
}

fn check_rule(id: &str) {
    let rule = rule(id).unwrap_or_else(|| panic!("no rule {id}"));
    let (edges, target) = edges_for(rule, Variant::Trigger);
    assert_eq!(
        edges.len(),
        1,
        "{id}: trigger must give exactly one edge, got {edges:?}"
    );
    assert_eq!(edges[0].target, target, "{id}: wrong target");
    assert!(
        !edges[0].conditional,
        "{id}: trigger must be unconditional: {:?}",
        edges[0]
    );
    assert!(!edges[0].evidence.is_empty(), "{id}: edge without evidence");

    for v in [
        Variant::ExplicitDeny,
        Variant::Boundary,
        Variant::HarmlessResource,
        Variant::NotActionTrap,
        Variant::FalseCondition,
    ] {
        // A same-account trust naming the caller is a direct grant; boundary and identity
        // near misses do not apply to the trust side, which is why AssumeRole uses a
        // trust to the account root here.
        let (edges, _) = edges_for(rule, v);
        let label = match v {
            Variant::ExplicitDeny => "explicit deny",
            Variant::Boundary => "permissions boundary",
            Variant::HarmlessResource => "harmless resource",
            Variant::NotActionTrap => "NotAction trap",
            _ => "provably false condition",
        };
        assert!(
            edges.is_empty(),
            "{id}: {label} must not give an edge, got {edges:?}"
        );
    }

    // Service control policies: a deny of one needed action in the OU blocks the path,
    // unrelated denies do not, the management account is exempt, and a deny that depends
    // on the request leaves the path conditional.
    let (edges, _) = edges_for(rule, Variant::ScpDeny);
    assert!(
        edges.is_empty(),
        "{id}: an SCP denying a needed action must block the path, got {edges:?}"
    );
    for v in [Variant::ScpUnrelated, Variant::ScpManagementAccount] {
        let (edges, _) = edges_for(rule, v);
        assert!(
            edges.len() == 1 && !edges[0].conditional,
            "{id}: SCP variant must keep the unconditional path, got {edges:?}"
        );
    }
    let (edges, _) = edges_for(rule, Variant::ScpConditional);
    assert!(
        edges.len() == 1 && edges[0].conditional,
        "{id}: an SCP deny on the source IP must leave the path conditional, got {edges:?}"
    );

    let (edges, _) = edges_for(rule, Variant::UnknownCondition);
    assert_eq!(
        edges.len(),
        1,
        "{id}: unknown condition must still report the edge"
    );
    assert!(
        edges[0].conditional,
        "{id}: unknown condition must be conditional"
    );
    assert!(
        edges[0].undecided_keys.contains("aws:SourceIp"),
        "{id}: keys {:?}",
        edges[0].undecided_keys
    );
}

macro_rules! rule_tests {
    ($($name:ident => $id:expr),* $(,)?) => {
        $( #[test] fn $name() { check_rule($id); } )*
        const TESTED: &[&str] = &[$($id),*];
    };
}

rule_tests! {
    iam_create_policy_version => "iam-create-policy-version",
    iam_set_default_policy_version => "iam-set-default-policy-version",
    iam_attach_user_policy => "iam-attach-user-policy",
    iam_attach_group_policy => "iam-attach-group-policy",
    iam_attach_role_policy => "iam-attach-role-policy",
    iam_put_user_policy => "iam-put-user-policy",
    iam_put_group_policy => "iam-put-group-policy",
    iam_put_role_policy => "iam-put-role-policy",
    iam_create_role_attach_assume => "iam-create-role-attach-assume",
    iam_create_user_attach_access_key => "iam-create-user-attach-access-key",
    iam_delete_user_permissions_boundary => "iam-delete-user-permissions-boundary",
    iam_put_user_permissions_boundary => "iam-put-user-permissions-boundary",
    iam_delete_role_permissions_boundary => "iam-delete-role-permissions-boundary",
    iam_put_role_permissions_boundary => "iam-put-role-permissions-boundary",
    iam_add_user_to_group => "iam-add-user-to-group",
    iam_create_access_key => "iam-create-access-key",
    iam_create_login_profile => "iam-create-login-profile",
    iam_update_login_profile => "iam-update-login-profile",
    iam_update_assume_role_policy => "iam-update-assume-role-policy",
    sts_assume_role => "sts-assume-role",
    iam_attach_role_policy_assumable => "iam-attach-role-policy-assumable",
    iam_put_role_policy_assumable => "iam-put-role-policy-assumable",
    passrole_ec2_run_instances => "passrole-ec2-run-instances",
    passrole_ec2_run_instances_new_profile => "passrole-ec2-run-instances-new-profile",
    passrole_ec2_request_spot_instances => "passrole-ec2-request-spot-instances",
    passrole_ec2_associate_instance_profile => "passrole-ec2-associate-instance-profile",
    passrole_ec2_replace_instance_profile => "passrole-ec2-replace-instance-profile",
    passrole_autoscaling_launch_configuration => "passrole-autoscaling-launch-configuration",
    passrole_autoscaling_launch_template => "passrole-autoscaling-launch-template",
    passrole_emr_run_job_flow => "passrole-emr-run-job-flow",
    passrole_lambda_create_invoke => "passrole-lambda-create-invoke",
    passrole_lambda_create_event_source => "passrole-lambda-create-event-source",
    passrole_lambda_create_add_permission => "passrole-lambda-create-add-permission",
    passrole_glue_create_dev_endpoint => "passrole-glue-create-dev-endpoint",
    passrole_glue_create_job => "passrole-glue-create-job",
    passrole_glue_create_job_trigger => "passrole-glue-create-job-trigger",
    passrole_glue_update_job => "passrole-glue-update-job",
    passrole_cloudformation_create_stack => "passrole-cloudformation-create-stack",
    passrole_cloudformation_update_stack => "passrole-cloudformation-update-stack",
    passrole_cloudformation_change_set => "passrole-cloudformation-change-set",
    passrole_cloudformation_stack_set => "passrole-cloudformation-stack-set",
    passrole_datapipeline => "passrole-datapipeline",
    passrole_sagemaker_notebook => "passrole-sagemaker-notebook",
    passrole_sagemaker_training_job => "passrole-sagemaker-training-job",
    passrole_sagemaker_processing_job => "passrole-sagemaker-processing-job",
    passrole_sagemaker_hyperparameter_tuning => "passrole-sagemaker-hyperparameter-tuning",
    passrole_codebuild_create_project => "passrole-codebuild-create-project",
    passrole_codebuild_create_project_batch => "passrole-codebuild-create-project-batch",
    passrole_ecs_run_task => "passrole-ecs-run-task",
    passrole_ecs_start_task => "passrole-ecs-start-task",
    passrole_ecs_create_service => "passrole-ecs-create-service",
    passrole_batch_submit_job => "passrole-batch-submit-job",
    passrole_apprunner_create_service => "passrole-apprunner-create-service",
    passrole_states_create_state_machine => "passrole-states-create-state-machine",
    passrole_glue_update_job_trigger => "passrole-glue-update-job-trigger",
    passrole_bedrock_agentcore_code_interpreter => "passrole-bedrock-agentcore-code-interpreter",
    cloudformation_update_stack_set_existing_role => "cloudformation-update-stack-set-existing-role",
    ec2_launch_template_new_version => "ec2-launch-template-new-version",
    lambda_update_function_code => "lambda-update-function-code",
    lambda_update_function_configuration => "lambda-update-function-configuration",
    glue_update_dev_endpoint => "glue-update-dev-endpoint",
    codebuild_start_build_buildspec_override => "codebuild-start-build-buildspec-override",
    codebuild_start_build_batch_override => "codebuild-start-build-batch-override",
    cloudformation_update_stack_existing_role => "cloudformation-update-stack-existing-role",
    cloudformation_change_set_existing_role => "cloudformation-change-set-existing-role",
    sagemaker_presigned_notebook_url => "sagemaker-presigned-notebook-url",
    ssm_send_command => "ssm-send-command",
    ssm_start_session => "ssm-start-session",
    ec2_instance_connect_send_ssh_public_key => "ec2-instance-connect-send-ssh-public-key",
    ec2_serial_console_ssh => "ec2-serial-console-ssh",
    ec2_modify_instance_attribute_userdata => "ec2-modify-instance-attribute-userdata",
    ecs_execute_command => "ecs-execute-command",
    sagemaker_notebook_lifecycle_config => "sagemaker-notebook-lifecycle-config",
    apprunner_update_service => "apprunner-update-service",
    bedrock_agentcore_code_interpreter => "bedrock-agentcore-code-interpreter",
    iam_attach_user_policy_create_access_key => "iam-attach-user-policy-create-access-key",
    iam_attach_user_policy_create_login_profile => "iam-attach-user-policy-create-login-profile",
    iam_attach_user_policy_update_login_profile => "iam-attach-user-policy-update-login-profile",
    iam_put_user_policy_create_access_key => "iam-put-user-policy-create-access-key",
    iam_put_user_policy_create_login_profile => "iam-put-user-policy-create-login-profile",
    iam_put_user_policy_update_login_profile => "iam-put-user-policy-update-login-profile",
    iam_attach_role_policy_update_assume_role_policy => "iam-attach-role-policy-update-assume-role-policy",
    iam_put_role_policy_update_assume_role_policy => "iam-put-role-policy-update-assume-role-policy",
    iam_create_policy_version_create_access_key => "iam-create-policy-version-create-access-key",
    iam_create_policy_version_create_login_profile => "iam-create-policy-version-create-login-profile",
    iam_create_policy_version_update_assume_role_policy => "iam-create-policy-version-update-assume-role-policy",
    iam_create_policy_version_assume_role => "iam-create-policy-version-assume-role",
}

#[test]
fn every_rule_has_a_test_and_ids_are_unique() {
    let ids: Vec<&str> = all_rules().map(|r| r.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "duplicate rule ids");
    for id in &ids {
        assert!(TESTED.contains(id), "rule {id} has no test");
    }
    assert!(ids.len() >= 65, "only {} rules", ids.len());
}
